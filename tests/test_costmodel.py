"""Fitted cost models: the fit on known data, crossovers, who wins, `predict`, summary.json, and the cost_ns check."""

import json
from pathlib import Path

import numpy as np
import pytest

import impls
from reports import cli, costmodel, derive, figures, markdown
from reports.contract import schema as s
from reports.costmodel import Form, Point, Variant
from reports.load import load
from tests.test_reports import assert_picture

SAMPLE = Path(__file__).parent.parent / "reports" / "sample" / "pytest-benchmark.json"
GPU_SAMPLE = Path(__file__).parent.parent / "reports" / "sample-gpu" / "pytest-benchmark.json"
NS, MS = (10, 30, 100), (100, 1000, 10_000, 100_000)
L2_BYTES = 2**20
LEVELS = {s.L2: L2_BYTES, s.L3: 2**26}  # the models count half the shared L3 (costmodel.L3_SHARE): 2**25


def variant(name: str = "fake", **kwargs) -> Variant:
    return Variant(s.GRADIENTS, name, s.LECTURE, "float64", 1, **kwargs)


def points(cost, ns=NS, ms=MS, noise: float = 0.0, seed: int = 0) -> list[Point]:
    """Points timed by cost(n, m) seconds, with 12 rounds each spread by a relative noise (seeded)."""
    rng = np.random.default_rng(seed)
    found = []
    for n in ns:
        for m in ms:
            t = cost(n, m)
            rounds = tuple(t * (1 + noise * rng.standard_normal(12)))
            level = s.L2 if n * m * 8 <= L2_BYTES else s.L3
            found.append(Point(n, m, level, float(np.median(rounds)), rounds))
    return found


def linear(c0: float, c1: float, c2: float):
    return lambda n, m: c0 + c1 * m + c2 * n * m


def in_l2(n, m) -> bool:
    """Whether a call's data (X and the m-long vectors) fit the fake L2."""
    return costmodel.footprint(n, m, 8) <= L2_BYTES


# --- the fit ---------------------------------------------------------------------------------------------------


def test_the_fit_recovers_known_coefficients_and_predicts_held_out_sizes():
    """Timings made by the model itself: coefficients back to 1e-6, held-out errors near zero, the form stated."""
    model = costmodel.fit(variant(), points(linear(5e-6, 2e-9, 0.3e-9)), {})
    np.testing.assert_allclose(model.coef, [5e-6, 2e-9, 0.3e-9], rtol=1e-6)
    inner = len(NS) * (len(MS) - 2)  # each n's m range has two ends: extrapolated, reported apart
    assert model.fits and model.judged_inside and model.errors.max() < 1e-6 and len(model.errors) == inner
    assert model.edge_errors.max() < 1e-6 and len(model.edge_errors) == len(NS) * 2
    assert model.form.describe() == "t = c0 + c1·m + c2·n·m"


def test_coefficients_stay_non_negative_where_least_squares_would_go_negative():
    """A per-example cost that least squares would make negative is held at 0; the others refit without it."""
    found = points(lambda n, m: 1e-5 + 1e-9 * n * m - 2e-12 * m * m / 10)  # sub-linear in m: c1 < 0 unconstrained
    a = costmodel.design(Form(), found, 8)
    t = np.array([p.seconds for p in found])
    free = np.linalg.lstsq(a / t[:, None], np.ones(len(t)), rcond=None)[0]
    assert free.min() < 0
    c = costmodel.nnls(a, t)[0]
    assert c.min() >= 0 and c[1] == 0
    np.testing.assert_allclose(c[[0, 2]], costmodel.nnls(a[:, [0, 2]], t)[0], rtol=1e-9)


def test_one_measured_n_drops_the_per_example_cost():
    """With one n, m and n·m are the same column: the form drops c1 and says so."""
    model = costmodel.fit(variant(), points(linear(5e-6, 2e-9, 0.3e-9), ns=(10,)), {})
    assert not model.form.per_example and model.form.describe() == "t = c0 + c2·n·m"
    np.testing.assert_allclose(model.times([10], [1000]), [5e-6 + 2e-6 + 3e-6], rtol=1e-6)


def test_too_few_sizes_give_no_model_and_say_why():
    """Three coefficients need a fourth size to hold out."""
    model = costmodel.fit(variant(), points(linear(5e-6, 2e-9, 0.3e-9), ns=(10, 100), ms=(100,)), {})
    assert not model.fitted and "2 sizes measured" in model.reason and "needs 4" in model.reason
    assert "no model" in model.why_not


def test_a_per_level_rate_is_chosen_where_the_levels_differ():
    """X beyond L2 costs twice per element: the per-level form predicts held-out sizes, one rate does not."""
    cost = lambda n, m: 2e-6 + (0.3e-9 if in_l2(n, m) else 0.6e-9) * n * m  # noqa: E731
    found = points(cost, ns=(3, 10, 30, 100), ms=(100, 1000, 10_000, 100_000))
    model = costmodel.fit(variant(), found, LEVELS)
    assert model.form.groups == ((s.L2,), (s.L3, s.DRAM))  # one size in DRAM: it joins L3
    assert "c2 by the memory level the data fit in (L2, L3+DRAM)" in model.form.describe()
    assert model.fits and np.median(model.errors) < 0.01
    single = costmodel.held_out(Form(), found, 8)
    assert np.median(costmodel.relative_errors(single, found)) > np.median(model.errors)


def test_a_per_example_rate_by_level_is_chosen_where_that_cost_changes():
    """A per-example cost that triples beyond L2 (the vectors of m spilling): the form with c1 and c2 per level."""
    cost = lambda n, m: 2e-6 + (5e-9 if in_l2(n, m) else 15e-9) * m + 0.3e-9 * n * m  # noqa: E731
    found = points(cost, ns=(1, 3, 10, 30), ms=(100, 1000, 3000, 10_000, 30_000, 100_000))
    model = costmodel.fit(variant(), found, LEVELS)
    assert model.form.example_by_level and "c1 and c2 by the memory level" in model.form.describe()
    c = model.coefficients()
    assert c["per_example_L2"].median == pytest.approx(5e-9, rel=1e-6)
    assert c[next(k for k in c if k.startswith("per_example_L3"))].median == pytest.approx(15e-9, rel=1e-6)
    assert model.fits and model.errors.max() < 1e-6


def test_the_models_count_half_the_shared_l3():
    """Data between half and all of the L3 is read at DRAM's rate on a shared machine: the L3 rate stops at half."""
    cost = lambda n, m: 1e-6 + (0.3e-9 if costmodel.footprint(n, m, 8) <= 2**24 else 1e-9) * n * m  # noqa: E731
    ms = (1000, 3000, 10_000, 30_000, 100_000, 300_000)
    model = costmodel.fit(variant(), points(cost, ns=(10, 30, 100), ms=ms), {s.L2: 2**14, s.L3: 2**25})
    assert model.form.bounds[-1] == 2**24 and model.errors.max() < 1e-6


def test_the_level_counts_the_vectors_of_m_beside_x():
    """At n = 1, X of 0.8 MB fits a 1 MiB L2, but with y and one vector of m beside it the call's data do not."""
    assert 1 * 10**5 * 8 <= L2_BYTES
    assert s.level_of(costmodel.footprint(1, 10**5, 8), 1, {s.L2: L2_BYTES, s.L3: 2**25}) == s.L3
    assert s.level_of(costmodel.footprint(100, 10**3, 8), 1, {s.L2: L2_BYTES, s.L3: 2**25}) == s.L2
    assert s.level_of(costmodel.footprint(100, 10**3, 8), 1, {s.L2: 2**19, s.L3: 2**25}) == s.L3


def test_errors_inside_the_m_ranges_judge_a_model_and_the_ends_are_stated_apart():
    """Inside: a size with measured sizes below and above it at its n. Where no size is inside, all are judged."""
    found = points(linear(5e-6, 2e-9, 0.3e-9), ms=(100, 1000, 10_000))
    assert costmodel.inside(found).tolist() == [False, True, False] * len(NS)
    predicted = np.array([p.seconds * (1.5 if p.m != 1000 else 1.1) for p in found])
    np.testing.assert_allclose(costmodel.judged_errors(predicted, found), [0.1] * len(NS))
    ends = points(linear(5e-6, 2e-9, 0.3e-9), ms=(100, 10_000))
    assert not costmodel.inside(ends).any()
    model = costmodel.fit(variant(), ends, {})
    assert not model.judged_inside and len(model.errors) == len(model.edge_errors) == len(ends)
    assert costmodel.as_dict(model)[s.MODEL_HELD_OUT][s.HELD_OUT_INSIDE] is False


def test_without_the_levels_bytes_one_rate_is_fitted():
    """A run that did not record its caches' bytes cannot place a size in a level: one per-element rate."""
    cost = lambda n, m: 2e-6 + (0.3e-9 if in_l2(n, m) else 0.6e-9) * n * m  # noqa: E731
    model = costmodel.fit(variant(), points(cost, ns=(3, 10, 30, 100)), {})
    assert model.form.groups == () and costmodel.PER_ELEMENT in model.form.columns


def test_a_model_beyond_its_error_bound_is_marked_and_says_why():
    """Time quadratic in m is no line: held-out median error beyond the bound, and the reason names it."""
    model = costmodel.fit(variant(), points(lambda n, m: 1e-6 + 1e-12 * n * m * m), {})
    assert model.fitted and not model.fits
    assert np.median(model.errors) > costmodel.HELD_OUT_BOUND and "does not fit" in model.why_not


def test_an_error_just_past_the_bound_never_reads_as_the_bound():
    """20.3% is beyond a 20% bound: shown with a decimal, so the report never says "20% > 20%"."""
    assert costmodel.beside_bound(0.203) == "20.3%" and costmodel.beside_bound(0.196) == "19.6%"
    assert costmodel.beside_bound(0.23) == "23%" and costmodel.beside_bound(0.08) == "8%"


def test_the_bootstrap_is_reproducible_and_its_interval_holds_the_truth():
    """Same seed, same draws; with 5% noise per round the 95% intervals hold the coefficients used."""
    found = points(linear(5e-6, 2e-9, 0.3e-9), noise=0.05, seed=3)
    a, b = (costmodel.fit(variant(), found, {}) for _ in range(2))
    np.testing.assert_array_equal(a.draws, b.draws)
    for name, truth in zip(a.form.columns, (5e-6, 2e-9, 0.3e-9), strict=True):
        e = a.coefficients()[name]
        assert e.lo <= truth <= e.hi and e.lo < e.hi, name


# --- crossovers ------------------------------------------------------------------------------------------------


def pair(noise: float = 0.02):
    """A cheap-per-call, dear-per-element model and its opposite (crossover at n = 10: m = 49e-6 / 9e-9)."""
    a = costmodel.fit(variant("numpy"), points(linear(1e-6, 0, 1e-9), noise=noise, seed=1), {})
    b = costmodel.fit(variant("numba"), points(linear(50e-6, 0, 0.1e-9), noise=noise, seed=2), {})
    return a, b


def test_a_crossover_is_solved_from_the_coefficients_with_an_interval():
    """numba overtakes numpy at m = 49 µs / (0.9 ns · 10) at n = 10; the interval holds it."""
    a, b = pair()
    c = costmodel.crossover(a, b, 10)
    assert (c.faster, c.slower, c.reason) == ("numba", "numpy", None)
    truth = 49e-6 / (0.9e-9 * 10)
    assert c.m.median == pytest.approx(truth, rel=0.05) and c.m.lo <= truth <= c.m.hi
    assert set(c.as_dict()) == set(s.CROSSOVER_FIELDS)


def test_no_crossover_in_range_names_the_one_faster_throughout():
    """At n = 100 numba wins from m = 544: below the measured 1,000 … it is faster over the whole range."""
    a = costmodel.fit(variant("numpy"), points(linear(1e-6, 0, 1e-9), ms=(1000, 10_000, 100_000)), {})
    b = costmodel.fit(variant("numba"), points(linear(50e-6, 0, 0.1e-9), ms=(1000, 10_000, 100_000)), {})
    c = costmodel.crossover(a, b, 100)
    assert c.m is None and c.faster == "numba" and "numba is faster throughout" in c.reason
    assert "m = 1,000–100,000" in c.reason


def test_a_model_that_does_not_fit_yields_no_crossover():
    a, _ = pair()
    bad = costmodel.fit(variant("numba"), points(lambda n, m: 1e-6 + 1e-12 * n * m * m), {})
    c = costmodel.crossover(a, bad, 10)
    assert c.m is None and "numba's model does not fit" in c.reason


def test_a_crossover_at_a_level_boundary_is_the_boundary():
    """Where one model's rate jumps at the L2 boundary, the other overtakes there: the crossover is that m."""
    cost = lambda n, m: 1e-6 + (0.1e-9 if in_l2(n, m) else 1e-9) * n * m  # noqa: E731
    ms = (100, 300, 1000, 3000, 10_000, 30_000, 100_000)
    a = costmodel.fit(variant("jumps"), points(cost, ns=(10, 30, 100), ms=ms), LEVELS)
    b = costmodel.fit(variant("steady"), points(linear(1e-6, 0, 0.5e-9), ns=(10, 30, 100), ms=ms), {})
    assert len(a.form.groups) == 2
    c = costmodel.crossover(a, b, 10)
    assert c.faster == "steady" and c.m.median == pytest.approx(L2_BYTES / ((10 + costmodel.VECTORS) * 8), rel=1e-6)
    # Every replicate steps at the boundary; the interval reaches the measured sizes on either side of it.
    assert (c.m.lo, c.m.hi) == (10_000, 30_000)


def test_a_lead_that_changes_hands_more_than_once_names_every_change():
    """A dear call with a cheap element inside L2 overtakes a steady rival at m = 7,250 (n = 10) and loses the lead
    again where it leaves L2: the crossover is the last change, the earlier one is named, and so is the bottom."""
    cost = lambda n, m: 30e-6 + (0.1e-9 if in_l2(n, m) else 1e-9) * n * m  # noqa: E731
    ms = (100, 300, 1000, 3000, 10_000, 30_000, 100_000)
    levels = LEVELS
    a = costmodel.fit(variant("jumps"), points(cost, ns=(10, 30, 100), ms=ms), levels)
    b = costmodel.fit(variant("steady"), points(linear(1e-6, 0, 0.5e-9), ns=(10, 30, 100), ms=ms), levels)
    c = costmodel.crossover(a, b, 10)
    boundary = L2_BYTES / ((10 + costmodel.VECTORS) * 8)
    assert c.faster == "steady" and c.m.median == pytest.approx(boundary, rel=1e-6)
    assert c.earlier == pytest.approx((29e-6 / (0.4e-9 * 10),), rel=1e-6)
    assert c.as_dict()[s.CROSSOVER_EARLIER] == list(c.earlier)
    row = markdown.crossover_row(c)[-1]
    assert ("jumps faster just below; the lead also changes hands at m ≈ 7,250, and steady is faster at the "
            "bottom") in row


def test_two_bound_by_the_same_rate_tie_at_the_top_and_the_crossover_is_found_below():
    """Inside L2 one pays 1 ns per element and 15 µs per call, the other 0.3 ns and 20 µs: the second overtakes at
    m = 5 µs / 7 ns (n = 10). Beyond L2 both read at 2 ns per element, and 5 µs is within 5% noise there: a
    tie from about the boundary up, not a lead the noise picks. Where the two overlap throughout, neither leads."""
    ms = (100, 300, 1000, 3000, 10_000, 30_000, 100_000, 300_000)
    levels = LEVELS
    cost = lambda c0, c2: lambda n, m: c0 + (c2 if in_l2(n, m) else 2e-9) * n * m  # noqa: E731
    a = costmodel.fit(variant("numpy"), points(cost(15e-6, 1e-9), ns=(10, 30), ms=ms, noise=0.05, seed=1), levels)
    b = costmodel.fit(variant("numba"), points(cost(20e-6, 0.3e-9), ns=(10, 30), ms=ms, noise=0.05, seed=11), levels)
    c = costmodel.crossover(a, b, 10)
    truth, boundary = 5e-6 / 0.7e-8, L2_BYTES / ((10 + costmodel.VECTORS) * 8)
    assert (c.faster, c.slower) == ("numba", "numpy") and c.m.lo <= truth <= c.m.hi
    assert boundary <= c.tied_from < 1.2 * boundary and c.as_dict()[s.CROSSOVER_TIED] == c.tied_from
    assert f"up to m ≈ {c.tied_from:,.0f} (within each other's 95% intervals" in markdown.crossover_row(c)[-1]
    same = costmodel.fit(variant("numba"), points(cost(15e-6, 1e-9), ns=(10, 30), ms=ms, noise=0.05, seed=3), levels)
    c = costmodel.crossover(a, same, 10)
    assert c.m is None and c.tied_from == ms[0] and "within each other's 95% intervals throughout" in c.reason


def test_the_rounds_bracket_the_change_of_leader_without_a_model():
    """numba overtakes numpy at m ≈ 5,444 (n = 10). Per-round ratios lead numpy at 1,000 and numba at 10,000 with
    95% intervals; at 5,444 the interval holds 1 and leads neither; rounds of unequal length pair nothing."""
    ms = (100, 1000, 5444, 10_000, 100_000)
    a = costmodel.fit(variant("numpy"), points(linear(1e-6, 0, 1e-9), ms=ms, noise=0.02, seed=1), {})
    b = costmodel.fit(variant("numba"), points(linear(50e-6, 0, 0.1e-9), ms=ms, noise=0.02, seed=2), {})
    found = {c.n: c for c in costmodel.crossovers([a, b])}
    assert found[10].measured == costmodel.Change("numba", 1000, 10_000)
    assert found[10].as_dict()[s.CROSSOVER_MEASURED] == {s.CROSSOVER_FASTER: "numba",
                                                          s.CROSSOVER_BETWEEN: [1000, 10_000]}
    assert "interleaved rounds: numpy faster at m = 1,000, numba at m = 10,000" in markdown.crossover_row(found[10])[-1]
    a.points[:] = [p if p.n != 10 or p.m > 1000 else Point(p.n, p.m, p.level, p.seconds, p.rounds[:6])
                   for p in a.points]
    assert costmodel.measured_change(a, b, 10) is None  # numpy's lead at 100 and 1,000 is no longer measured


def test_who_wins_splits_the_map_at_the_crossover_and_marks_ties():
    """Left of the crossover the cheap call wins, right of it the cheap element; near it they tie."""
    a, b = pair(noise=0.3)
    w = costmodel.who_wins([a, b])
    row = list(w.n).index(min(w.n, key=lambda n: abs(n - 10)))
    truth = 49e-6 / (0.9e-9 * w.n[row])
    assert (w.winner[row, w.m < truth / 2] == 0).all() and (w.winner[row, w.m > truth * 2] == 1).all()
    ties = w.m[w.tie[row]]
    assert len(ties) and truth / 2 < ties.min() <= truth <= ties.max() < truth * 2


# --- the recorded samples ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    results = load([SAMPLE])
    return costmodel.attach(derive.analyse(results), results).main


def test_the_sample_has_a_model_per_measured_lecture_variant(sample):
    """Every lecture-layout gradients variant of the quick sample (6 sizes) is fitted; frame (2 sizes) is not."""
    found = {x.variant.implementation: x for x in sample.models.gradients if x.variant.layout == s.LECTURE}
    assert set(found) == set(derive.implementations(sample.records))
    assert all(x.fitted and len(x.errors) == 2 and len(x.edge_errors) == 4 for x in found.values())
    frame = [x for x in sample.models.gradients if x.variant.layout == s.FRAME]
    assert frame and all(not x.fitted and "2 sizes" in x.reason for x in frame)


def test_summary_holds_models_and_crossovers_as_the_contract_names_them(tmp_path, capsys):
    """summary.json: "models" with MODEL_FIELDS, coefficients as {median, lo, hi, unit}; "crossovers" per pair and n."""
    assert cli.main(["draw", str(SAMPLE), "--out", str(tmp_path)]) == 0
    run = next(p for p in tmp_path.iterdir() if p.name != "latest")
    data = json.loads((run / s.SUMMARY_FILE).read_text())
    assert all(tuple(x) == s.MODEL_FIELDS for x in data[s.MODELS])
    numpy = next(x for x in data[s.MODELS] if x[s.IMPLEMENTATION] == "numpy" and x[s.LAYOUT] == s.LECTURE
                 and x[s.BENCHMARK] == s.GRADIENTS)
    fixed = numpy[s.MODEL_COEFFICIENTS][costmodel.FIXED]
    assert fixed[s.MODEL_UNIT] == "µs per call" and fixed["lo"] <= fixed["median"] <= fixed["hi"]
    held = numpy[s.MODEL_HELD_OUT]
    assert (held["sizes"], held[s.HELD_OUT_INSIDE], held[s.HELD_OUT_EDGES]["sizes"]) == (2, True, 4)
    assert numpy[s.MODEL_FITS] is True
    pairs = {(c[s.CROSSOVER_FASTER], c[s.CROSSOVER_SLOWER], c[s.N]) for c in data[s.CROSSOVERS]}
    assert {frozenset(p[:2]) for p in pairs} >= {frozenset(("numpy", "numba")), frozenset(("numba", "numba_parallel"))}
    assert all(tuple(c) == s.CROSSOVER_FIELDS and (c[s.M] is None) == (c[s.REASON] is not None)
               for c in data[s.CROSSOVERS])
    text = (run / "report.md").read_text()
    assert "## At which sizes: fitted cost models" in text and "![who_wins](who_wins.png)" in text
    for name in ("who_wins.png", "predicted_vs_measured.png"):
        assert_picture(run / name)


def test_the_gpu_sample_gives_cupy_crossovers():
    """The recorded GPU run: CuPy overtakes NumPy at each n, later at smaller n (its ~0.4 ms floor)."""
    results = load([GPU_SAMPLE])
    v = costmodel.attach(derive.analyse(results), results).main
    found = [c for c in v.models.crossovers if c.after.implementation == "cupy" and c.m is not None
             and c.before.dtype == "float64"]
    assert [c.n for c in found] == [1, 10, 100, 1000]
    assert all(c.faster == "cupy" for c in found)
    assert [c.m.median for c in found] == sorted((c.m.median for c in found), reverse=True)


def test_figures_are_left_out_without_models(tmp_path, sample):
    """No fitting pair for the map, no map; no held-out prediction, no predicted-vs-measured figure."""
    empty = derive.SeriesView(**{**sample.__dict__, "models": costmodel.Models([], [])})
    assert figures.who_wins(empty, tmp_path / "a.png") is None
    assert figures.predicted_vs_measured(empty, tmp_path / "b.png") is None


# --- cost_ns: the skip logic's estimates against the recorded sample ------------------------------------------


def test_the_cost_ns_estimates_agree_with_the_recorded_sample(sample):
    """Each available implementation's Spec.cost_ns within ×3 of its fitted 1-thread model at the measured sizes."""
    names = [x for x in derive.implementations(sample.records) if impls.get(x).available]
    estimates = costmodel.estimates(names)
    assert set(estimates) == set(names)
    assert costmodel.disagreements(sample.models.models, estimates) == []


def test_an_estimate_off_by_more_than_three_times_is_reported(sample):
    """The check can fail: numpy estimated 10× dearer per element is named, at its worst size."""
    per_example, per_element = impls.get("numpy").spec.cost_ns
    found = costmodel.disagreements(sample.models.models, {"numpy": (per_example, 10 * per_element)})
    assert [d.variant.implementation for d in found] == ["numpy"] and found[0].estimated > 3 * found[0].fitted


# --- python -m reports predict ----------------------------------------------------------------------------------


def predicted(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(["predict", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_predict_prints_the_time_its_interval_and_the_model_error(capsys):
    """Inside the grid but off it (n = 30, m = 3,000): a time between its neighbours' and the held-out error."""
    code, out, _ = predicted(capsys, SAMPLE.parent, "numpy", 30, 3000)
    assert code == 0 and "numpy (lecture, float64, 1 thread) at n = 30, m = 3,000:" in out
    assert "95% interval" in out and "held-out error inside the measured ranges median" in out
    assert "extrapolat" not in out
    code, out, _ = predicted(capsys, SAMPLE, "numpy", 30, 3000, "--json")
    found = json.loads(out)
    assert code == 0 and found["seconds"]["lo"] < found["seconds"]["median"] < found["seconds"]["hi"]
    assert found["extrapolation"] == {} and found[s.MODEL_HELD_OUT]["sizes"] == 2


def test_predict_says_how_far_it_extrapolates(capsys):
    code, out, _ = predicted(capsys, SAMPLE, "numpy", 300, 3000)
    assert code == 0 and "extrapolates: n is 3× outside the fitted range" in out
    assert "held-out error at the ends of the fitted m ranges, predicted by extrapolating a grid step" in out


@pytest.mark.parametrize(("args", "message"), [
    (("nump", 30, 3000), "implementation 'nump': not in the run; measured: double_loop, single_loop, numpy"),
    (("numpy", 30, 3000, "--layout", "frame"), "numpy frame: no model (2 sizes measured"),
    (("numpy", 30, 3000, "--threads", "2"), "numpy: no timings at --layout lecture --dtype float64 --threads 2"),
    (("numpy", 5000, 3000), "n = 5,000 is 50× outside the fitted n range 10–100 (more than 10×"),
    (("numpy", 30, 5), "m = 5 is 20× outside the fitted m range 100–10,000"),
])
def test_predict_refuses_with_one_line_and_exit_2(capsys, args, message):
    """Unknown implementation, no model, no timings of that variant, far outside the range: exit 2, one line."""
    code, out, err = predicted(capsys, SAMPLE, *args)
    assert code == 2 and not out and err.count("\n") == 1 and message in err


def test_dask_is_set_against_numpy_on_as_many_threads_as_it_has_workers():
    """Scaling records: Dask at its best chunk cap per size, w workers against NumPy on w threads, at each n with
    an m range."""
    from reports.contract.records import Record

    def record(name, n, m, seconds, threads=1, workers=1, chunk=None):
        return Record(s.SCALING, name, n, m, "float64", threads, n * m * 8, seconds, workers=workers,
                      chunk_bytes=chunk)

    sizes = [(10, 10**5), (10, 10**6), (100, 10**6), (10, 10**7)]
    records = [record("numpy", n, m, 1e-9 * n * m, threads=t) for n, m in sizes for t in (1, 2)]
    records += [record("dask", n, m, 0.02 + 0.5e-9 * n * m / w + extra, threads=w, workers=w, chunk=cap)
                for n, m in sizes for w in (1, 2) for cap, extra in ((2**24, 0.0), (2**26, 0.01))]
    models = costmodel.fit_records(costmodel.scaling_records(records), [], {})
    found = [c for c in costmodel.crossovers(models) if c.after.implementation == "dask"]
    # n = 100 has one m: no range to cross in.
    assert {(c.before.threads, c.after.workers, c.n) for c in found} == {(1, 1, 10), (2, 2, 10)}
    two = next(c for c in found if c.after.workers == 2 and c.n == 10)
    assert two.faster == "dask" and two.m.median == pytest.approx(0.02 / (0.75e-9 * 10), rel=1e-3)


def test_the_scaling_numpy_model_borrows_the_gradients_sizes_of_the_same_call():
    """NumPy in the scaling benchmark is the gradients benchmark's call: its model gets the gradients sizes of its
    variant (their times where both measured a size), so its L3 and DRAM sizes each get a rate."""
    from reports.contract.records import Record

    def record(benchmark, name, n, m, seconds, threads=1):
        return Record(benchmark, name, n, m, "float64", threads, n * m * 8, seconds)

    grad = costmodel.points_by_variant([record(s.GRADIENTS, "numpy", n, m, 1e-9 * n * m) for n in NS for m in MS], {})
    scaled = costmodel.points_by_variant(
        [record(s.SCALING, name, 10, m, 2e-9 * 10 * m) for m in (10**5, 10**7) for name in ("numpy", "dask")], {})
    by_name = {v.implementation: points for v, points in costmodel.with_same_call(scaled, grad).items()}
    assert {(p.n, p.m) for p in by_name["numpy"]} == {(n, m) for n in NS for m in MS} | {(10, 10**7)}
    assert next(p for p in by_name["numpy"] if (p.n, p.m) == (10, 10**5)).seconds == pytest.approx(1e-9 * 10**6)
    assert len(by_name["dask"]) == 2  # Dask's scaling runs are not the gradients benchmark's Dask
