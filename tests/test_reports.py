"""The report: recorded results in, one derived View, figures, Markdown and summary.json out."""

import json
import math
import re
from pathlib import Path

import pytest
from matplotlib import image as mpimg

from reports import cli, derive, figures, fmt, markdown, render, summary
from reports.contract import schema as s
from reports.contract.records import Failure, Machine, Record, Results, Rounds, Run, Series
from reports.contract.stats import median_interval
from reports.load import ReportInputError, check_baseline, load

DATA = Path(__file__).parent / "data"
PYTEST_JSON = DATA / "pytest-benchmark.json"  # schema 1 (no rounds, no levels)
NEW_JSON = DATA / "pytest-benchmark-new.json"  # schema 2, with rounds (see data/README.md)
ASV_DIR = DATA / "asv-results"
SCALING_JSON = DATA / "pytest-benchmark-scaling.json"
needs_new = pytest.mark.skipif(not NEW_JSON.exists(), reason="the schema-2 sample is not recorded yet")


def main_view(files, baseline="double_loop", asv=None) -> derive.SeriesView:
    """The View of the first input."""
    return derive.analyse(load(files, asv), baseline).series[0]


def raw_gradients() -> list[dict]:
    """The fixture's gradient entries straight from the JSON, independent of the loader."""
    entries = json.loads(PYTEST_JSON.read_text())["benchmarks"]
    return [e for e in entries if e["extra_info"]["benchmark"] == "gradients"]


def expected_speedups(baseline: str = "double_loop") -> dict[tuple, float]:
    """Baseline median / median at the same (n, m), computed from the raw JSON."""
    entries = raw_gradients()
    base = {(e["extra_info"]["n"], e["extra_info"]["m"]): e["stats"]["median"] for e in entries
            if e["extra_info"]["implementation"] == baseline}
    return {e["name"]: base[(e["extra_info"]["n"], e["extra_info"]["m"])] / e["stats"]["median"]
            for e in entries if (e["extra_info"]["n"], e["extra_info"]["m"]) in base}


def with_changes(tmp_path: Path, change, source: Path = PYTEST_JSON) -> Path:
    """A copy of a recorded JSON after change(data) (to add fields a later benchmark version writes)."""
    data = json.loads(source.read_text())
    change(data)
    path = tmp_path / f"changed-{source.name}"
    path.write_text(json.dumps(data))
    return path


def draw(argv: list[str], out: Path, capsys) -> tuple[int, Path | None, str]:
    """Run `python -m reports draw …` in-process; return exit code, the run folder, stderr."""
    code = cli.main(["draw", *argv, "--out", str(out)])
    runs = sorted(p for p in out.glob("*") if p.name != "latest") if out.exists() else []
    return code, (runs[-1] if runs else None), capsys.readouterr().err


def write(results, tmp_path: Path, baseline="double_loop", failures=()) -> Path:
    """render.write_report into a fresh folder; return the folder."""
    run = tmp_path / "run"
    run.mkdir()
    render.write_report(results, run, baseline, list(failures))
    return run


def assert_picture(path: Path) -> None:
    """A real PNG with content: more than a few KB and pixels that vary."""
    assert path.stat().st_size > 10_000, path
    pixels = mpimg.imread(path)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 300
    assert pixels[..., :3].std() > 0.05, f"{path.name} is nearly blank"


# --- known inputs: the View's interval arithmetic and level choice ------------------------------------


def known_series(levels: dict) -> Series:
    return Series("known", "known.json", Machine(cores=2), Run(bandwidth=levels))


def known_record(name: str, median: float, level: str | None = s.DRAM, bytes_x: int = 8_000_000) -> Record:
    return Record(benchmark=s.GRADIENTS, implementation=name, n=1000, m=1000, dtype="float64", threads=1,
                  bytes_x=bytes_x, median=median, level=level, series="known")


def known_rounds(seconds: dict, probe=None, visit=0, level=s.DRAM) -> Rounds:
    return Rounds(n=1000, m=1000, layout=s.LECTURE, dtype="float64", threads=1, bytes_x=8_000_000, level=level,
                  visit=visit, seconds=seconds, calls=dict.fromkeys(seconds, 1), probe_gbs=probe, series="known")


def test_speedup_is_the_median_of_per_round_ratios_pooled_over_visits():
    """Two visits of 5 rounds: the 10 ratios base/impl give the median and order-statistic interval x(2), x(9)."""
    base = [2.0, 2.2, 1.8, 2.0, 2.4]
    fast = [1.0, 1.0, 1.0, 1.0, 1.0]
    later_base, later_fast = [3.0, 2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 1.0, 1.0, 0.5]
    results = Results(records=[known_record("double_loop", 2.0), known_record("numpy", 1.0)],
                      rounds=[known_rounds({"double_loop": base, "numpy": fast}),
                              known_rounds({"double_loop": later_base, "numpy": later_fast}, visit=1)],
                      series={"known": known_series({})})
    view = derive.analyse(results, "double_loop").series[0]
    (x,) = view.speedups.values()
    ratios = sorted([b / f for b, f in zip(base + later_base, fast + later_fast, strict=True)])
    # for 10 values the 95% interval is [x(2), x(9)]: P(Binomial(10, ½) ≤ 1) = 11/1024 ≤ 2.5% < 56/1024
    assert ratios == [1.0, 1.8, 2.0, 2.0, 2.0, 2.0, 2.2, 2.4, 3.0, 4.0]
    assert (x.median, x.interval.lo, x.interval.hi, x.rounds) == (2.0, 1.8, 3.0, 10)
    assert x.detectable and fmt.interval(x) == "×2 [1.8–3]"


def test_an_interval_containing_1_says_no_detectable_difference():
    """Per-round ratios straddling 1 give 'no detectable difference', in the table cell too."""
    base = [1.0, 1.1, 0.9, 1.05, 0.95, 1.0, 1.02, 0.98]
    results = Results(records=[known_record("double_loop", 1.0), known_record("numpy", 1.0)],
                      rounds=[known_rounds({"double_loop": base, "numpy": [1.0] * 8})],
                      series={"known": known_series({})})
    view = derive.analyse(results, "double_loop").series[0]
    (x,) = view.speedups.values()
    assert x.interval.contains(1.0) and not x.detectable
    assert fmt.NO_DIFFERENCE in fmt.interval(x) and fmt.NO_DIFFERENCE in markdown.headline_sentence(view)


def test_an_interval_from_few_rounds_states_its_coverage():
    """Below 6 rounds the whole range is the interval and covers less than 95%: the text says how much."""
    results = Results(records=[known_record("double_loop", 2.0), known_record("numpy", 1.0)],
                      rounds=[known_rounds({"double_loop": [2.0, 2.1, 1.9, 2.2], "numpy": [1.0] * 4})],
                      series={"known": known_series({})})
    (x,) = derive.analyse(results, "double_loop").series[0].speedups.values()
    assert (x.interval.lo, x.interval.hi) == (1.9, 2.2)
    assert fmt.interval(x) == "×2 [1.9–2.2] (88% interval: 4 rounds)"  # 1 − 2·(1/16) = 0.875


def test_without_rounds_a_speedup_is_a_ratio_of_medians_marked_not_interleaved():
    """No rounds: the ratio of medians, no interval, and the report says so."""
    results = Results(records=[known_record("double_loop", 3.0), known_record("numpy", 1.5)],
                      series={"known": known_series({})})
    (x,) = derive.analyse(results, "double_loop").series[0].speedups.values()
    assert (x.median, x.interval, x.rounds) == (2.0, None, 0)
    assert fmt.interval(x) == f"×2 {fmt.NOT_INTERLEAVED}"


@pytest.mark.parametrize("level", [s.L2, s.L3])
def test_times_limit_uses_the_ceiling_of_the_level_x_fits_in(level):
    """A cache-resident X is judged against that cache's read bandwidth at its thread count, per round."""
    levels = {s.L2: {1: 100.0}, s.L3: {1: 50.0}, s.DRAM: {1: 10.0}}
    seconds = [1e-3, 2e-3, 1.5e-3, 1e-3, 1.2e-3, 1.1e-3]
    results = Results(records=[known_record("numpy", 1e-3, level)],
                      rounds=[known_rounds({"numpy": seconds}, level=level)], series={"known": known_series(levels)})
    x = derive.analyse(results, "numpy").series[0].limits[results.records[0]]
    one_read = 8_000_000 / (levels[level][1] * 1e9)
    expected = median_interval([t / one_read for t in seconds])
    assert x.level == level and x.median == pytest.approx(expected.median)
    assert (x.interval.lo, x.interval.hi) == pytest.approx((expected.lo, expected.hi))


def test_dram_limit_uses_each_rounds_probe_reading():
    """For X in DRAM the ceiling of round i is the probe read in round i, not the run's one reading."""
    seconds, probe = [1e-3, 2e-3, 1e-3, 1e-3, 1e-3, 1e-3], [8.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    results = Results(records=[known_record("numpy", 1e-3)], rounds=[known_rounds({"numpy": seconds}, probe)],
                      series={"known": known_series({s.DRAM: {1: 100.0}})})
    x = derive.analyse(results, "numpy").series[0].limits[results.records[0]]
    # each round: t / (8 MB / probe GB/s) = 1 in every round (the slow round had a slow probe)
    assert (x.median, x.interval.lo, x.interval.hi, x.level) == (pytest.approx(1.0),) * 3 + (s.DRAM,)


def test_gpu_resident_x_gets_no_host_limit():
    """X in a GPU's memory is not bound by the host's ceilings: no × limit."""
    r = Record(**{**known_record("cupy", 1e-4).__dict__, "memory": s.DEVICE})
    results = Results(records=[r], series={"known": known_series({s.DRAM: {1: 10.0}})})
    view = derive.analyse(results, "cupy").series[0]
    assert r not in view.limits and markdown.limit_cell(view, r) == "– (GPU memory)"


# --- the recorded schema-2 run ---------------------------------------------------------------------------


def raw_rounds() -> list[dict]:
    return [e["extra_info"] for e in json.loads(NEW_JSON.read_text())["benchmarks"]
            if e["extra_info"].get(s.BENCHMARK) == s.ROUNDS]


@needs_new
def test_recorded_speedups_are_pooled_per_round_ratios_of_the_raw_file():
    """Every paired speedup of the recorded run equals median_interval of the raw file's per-round ratios."""
    view = main_view([NEW_JSON], baseline=None)
    paired = [x for x in view.speedups.values() if x.interval is not None]
    assert paired, "the recorded run has rounds with the baseline"
    for x in paired:
        size = (x.record.n, x.record.m, x.record.layout, x.record.dtype, x.record.threads)
        values = [b / t for e in raw_rounds() if tuple(e[k] for k in s.SIZE_FIELDS) == size
                  for b, t in zip(e[s.ROUND_SECONDS][view.baseline], e[s.ROUND_SECONDS][x.record.implementation],
                                  strict=True)]
        expected = median_interval(values)
        assert (x.median, x.interval.lo, x.interval.hi, x.rounds) == (expected.median, expected.lo, expected.hi,
                                                                      len(values))


@needs_new
def test_recorded_limits_are_judged_at_the_recorded_level():
    """Each × limit names the level its record says X fits in."""
    view = main_view([NEW_JSON], baseline=None)
    assert view.limits and all(x.level == x.record.level for x in view.limits.values())


@needs_new
def test_summary_json_has_the_contracts_fields(tmp_path):
    """summary.json: SUMMARY_FIELDS; a case per gradient record with SUMMARY_CASE_FIELDS; intervals as dicts."""
    run = write(load([NEW_JSON]), tmp_path, baseline=None)
    data = json.loads((run / s.SUMMARY_FILE).read_text(), parse_constant=lambda c: pytest.fail(c))
    assert tuple(data) == s.SUMMARY_FIELDS and data["schema_version"] == s.SCHEMA_VERSION
    assert set(data[s.NOISE]) == set(s.NOISE_FIELDS)
    view = main_view([NEW_JSON], baseline=None)
    assert len(data["cases"]) == len(view.records) > 0
    for case in data["cases"]:
        assert tuple(case) == s.SUMMARY_CASE_FIELDS
        assert case[s.MEDIAN_SECONDS] > 0 and isinstance(case[s.ROUNDS_USED], int)
        paired = [x for x in (case[s.SPEEDUP], case[s.TIMES_LIMIT]) if x and x["lo"] is not None]
        assert (case[s.ROUNDS_USED] > 0) == bool(paired)  # rounds only where some ratio has an interval
        for x in paired:
            assert x["lo"] <= x["median"] <= x["hi"]
        if case[s.SPEEDUP] is not None:
            assert set(case[s.SPEEDUP]) == {"median", "lo", "hi"}
        if case[s.TIMES_LIMIT] is not None:
            assert set(case[s.TIMES_LIMIT]) == {"median", "lo", "hi", s.LEVEL}
            assert case[s.TIMES_LIMIT][s.LEVEL] in s.LEVELS


def test_summary_json_of_an_old_file_has_no_intervals(tmp_path):
    """Without rounds, summary.json states ratios of medians with lo/hi null and 0 rounds."""
    data = json.loads((write(load([PYTEST_JSON]), tmp_path) / s.SUMMARY_FILE).read_text())
    assert tuple(data) == s.SUMMARY_FIELDS and data["baseline"] == "double_loop"
    speedups = expected_speedups()
    cases = {(c[s.IMPLEMENTATION], c[s.N], c[s.M], c[s.DTYPE], c[s.THREADS]): c for c in data["cases"]}
    for e in raw_gradients():
        i = e["extra_info"]
        case = cases[(i["implementation"], i["n"], i["m"], i["dtype"], i["threads"])]
        assert case[s.MEDIAN_SECONDS] == e["stats"]["median"] and case[s.ROUNDS_USED] == 0
        if i["implementation"] != "double_loop":
            assert case[s.SPEEDUP] == {"median": pytest.approx(speedups[e["name"]]), "lo": None, "hi": None}


# --- older recorded files ---------------------------------------------------------------------------------


def test_loader_reads_every_entry_of_the_recorded_run():
    """Every benchmark entry becomes one record with its case and median."""
    raw = json.loads(PYTEST_JSON.read_text())["benchmarks"]
    records = load([PYTEST_JSON]).records
    assert len(records) == len(raw)
    got = {(r.benchmark, r.implementation, r.n, r.m, r.dtype, r.threads): r.median for r in records}
    for e in raw:
        i = e["extra_info"]
        assert got[(i["benchmark"], i["implementation"], i["n"], i["m"], i["dtype"], i["threads"])] \
            == e["stats"]["median"]


def test_asv_loader_matches_the_results_files():
    """asv records equal the non-null values of time_gradients in each results file."""
    history = [r for r in load([], ASV_DIR).history if r.benchmark == "gradients"]
    files = sorted((ASV_DIR / "testbox").glob("*-*.json"))
    assert len(files) == 2
    for path in files:
        raw = json.loads(path.read_text())
        values = raw["results"]["bench_gradients.TimeGradients.time_gradients"][0]
        mine = sorted(r.median for r in history if r.commit == raw["commit_hash"])
        assert mine == sorted(v for v in values if v is not None)


def test_times_table_holds_the_medians_and_speedups():
    """Each gradient row shows the recorded median and baseline/median computed from the raw JSON, marked unpaired."""
    view = main_view([PYTEST_JSON])
    table = markdown.times_table(view)
    speedups = expected_speedups()
    for e in raw_gradients():
        i = e["extra_info"]
        row = (f"| {i['implementation']} | {i['dtype']} | {i['threads']} | {i['n']:,} | {i['m']:,} | "
               f"{fmt.time(e['stats']['median'])} |")
        line = next(line for line in table.splitlines() if line.startswith(row))
        expected = "baseline" if i["implementation"] == "double_loop" else \
            f"×{fmt.plain(speedups[e['name']])}{fmt.NOT_PAIRED}"
        assert line.endswith(f"| {expected} | 0 |")  # 0 interleaved rounds: an old file
    assert fmt.FOOTNOTE in table


def test_headline_names_the_fastest_at_the_largest_common_size():
    """The headline paragraph states the biggest speedup at the largest size every implementation ran."""
    view = main_view([PYTEST_JSON])
    assert view.headline_size == (100, 1000, s.LECTURE)
    best = max((v, k) for k, v in expected_speedups().items() if "n100-m1000-" in k and "double_loop" not in k)
    sentence = markdown.headline_sentence(view)
    assert "n = 100 features and m = 1,000 examples" in sentence
    assert f"×{fmt.plain(best[0])} {fmt.NOT_INTERLEAVED} faster than double_loop" in sentence


def test_speedup_only_where_both_were_measured(tmp_path):
    """Without the baseline at one size, that size has no speedup: '–' in the table, NaN in the grid."""
    def drop(data):
        data["benchmarks"] = [e for e in data["benchmarks"] if not (
            e["extra_info"]["implementation"] == "double_loop" and e["name"].endswith("n10-m1000-float64-t1]"))]

    view = main_view([with_changes(tmp_path, drop)])
    found = list(view.speedups.values())
    assert found and all((x.record.n, x.record.m) != (10, 1000) for x in found)
    grid = figures.speedup_grid([x for x in found if x.record.implementation == "numpy"], [10, 100], [100, 1000])
    assert grid[0, 1] != grid[0, 1]  # NaN: not measured on both sides
    assert (grid[[0, 1, 1], [0, 0, 1]] > 0).all()
    row = next(line for line in markdown.speedup_table(view).splitlines() if line.startswith("| 10 | 1,000 |"))
    assert set(row.strip("| ").split(" | ")[2:]) == {"–"}


def test_draw_writes_every_figure_and_the_report(tmp_path, capsys):
    """With bandwidth, two thread counts and asv history, every figure exists and is not blank."""
    def add_bandwidth(data):
        data["machine_info"]["logreg"]["read_bandwidth_gbs"] = 12.5

    results = load([with_changes(tmp_path, add_bandwidth)], ASV_DIR)
    run = write(results, tmp_path)
    for name in ("time_vs_m", "time_vs_n", "speedup_heatmap", "headline", "roofline", "threads"):
        assert_picture(run / f"{name}.png")
    assert_picture(run / "history-1.png")  # the asv environment is its own series
    text = (run / "report.md").read_text()
    assert "![roofline](roofline.png)" in text and "× one-read limit (level)" in text
    e = raw_gradients()[0]
    gbs = e["extra_info"]["bytes_x"] / e["stats"]["median"] / 1e9
    limit = e["stats"]["median"] / (e["extra_info"]["bytes_x"] / 12.5e9)
    assert f"| {gbs:.3g} | {fmt.plain(limit)}{fmt.NOT_PAIRED} (DRAM) |" in text
    assert "DRAM is assumed" in text  # the old file does not name levels


def test_unavailable_failed_and_skipped_cases_are_named(tmp_path):
    """Unavailable implementations, failed cases with their cause, and skip reasons appear in the report."""
    def add(data):
        data["logreg"]["unavailable"] = {"torch": "torch is not installed"}
        data["logreg"]["failed"] = [{"case": "bench::crash", "cause": "crash", "message": "signal 11"}]

    text = (write(load([with_changes(tmp_path, add)]), tmp_path, failures=[Failure("x::y", s.CAUSE_ERROR, "boom")])
            / "report.md").read_text()
    assert "**torch**: not available here: torch is not installed" in text
    assert "double_loop computes in float64 only" in text
    assert "**failed (crash)**: `bench::crash`: signal 11" in text and "**failed (error)**: `x::y`: boom" in text
    assert "Every case of the profile ran" not in text and "interrupted" not in text


def test_an_interrupted_run_is_a_partial_report(tmp_path, capsys):
    """The run record's interrupted flag is said plainly in the report and on the terminal."""
    text = (write(load([with_changes(tmp_path, lambda d: d["logreg"].update(interrupted=True))]), tmp_path)
            / "report.md").read_text()
    assert "**The run was interrupted: this is a partial report" in text
    assert "INTERRUPTED" in capsys.readouterr().out


def test_a_run_that_finished_nothing_says_so(tmp_path):
    """No benchmark entries but failures: the report says there are no results, never that every case ran."""
    def nothing(d):
        d["benchmarks"] = []
        d["logreg"]["failed"] = [{"case": "bench::x", "cause": "timeout", "message": "300 s"}]

    text = (write(load([with_changes(tmp_path, nothing)]), tmp_path) / "report.md").read_text()
    assert "No case of this input finished" in text and "Every case of the profile ran" not in text


@pytest.mark.parametrize("content, words", [
    ("not json {", "not valid JSON"),
    ('{"hello": 1}', "not a pytest-benchmark JSON file"),
    ('{"machine_info": {}, "benchmarks": [{"name": "test_x", "stats": {"median": 1}, "extra_info": {}}]}',
     "benchmarks[0].implementation"),
])
def test_bad_input_exits_2_naming_the_file(tmp_path, capsys, content, words):
    """Malformed or foreign JSON: exit code 2, one line that names the file, and no run folder."""
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, run, err = draw([str(bad)], tmp_path / "runs", capsys)
    assert code == 2 and run is None
    assert err.count("\n") == 1 and str(bad) in err and words in err


def test_missing_asv_directory_is_a_clear_error(tmp_path):
    """An asv directory without results names itself; no input at all is an error too, not an empty report."""
    with pytest.raises(ReportInputError, match=str(tmp_path)):
        load([], tmp_path)
    with pytest.raises(ReportInputError, match="no input"):
        derive.analyse(load([]))


def test_baseline_is_checked_against_the_implementations():
    """An unknown baseline raises ReportInputError listing the measured implementations; a known one passes."""
    results = load([PYTEST_JSON])
    assert check_baseline(results, "numpy") == "numpy"
    with pytest.raises(ReportInputError, match="bogus.*double_loop, single_loop, numpy, numba"):
        check_baseline(results, "bogus")


def test_default_baseline_comes_from_the_run_records_roles(tmp_path):
    """Without --baseline, speedups are measured against the run record's baseline role."""
    path = with_changes(tmp_path, lambda d: d["logreg"].update(roles={s.BASELINE_ROLE: "single_loop"}))
    assert derive.analyse(load([path])).baseline == "single_loop"


def test_earlier_runs_are_never_overwritten(tmp_path, capsys):
    """Two draws in the same second get two folders; the first report stays as it was."""
    out = tmp_path / "runs"
    draw([str(PYTEST_JSON)], out, capsys)
    first = sorted(out.glob("2*"))[0]
    before = (first / "report.md").read_bytes()
    draw([str(PYTEST_JSON)], out, capsys)
    draw([str(PYTEST_JSON)], out, capsys)
    runs = sorted(out.glob("2*"))
    assert len(runs) == 3 and (first / "report.md").read_bytes() == before
    assert (out / "latest").resolve() == runs[-1].resolve()


@pytest.mark.slow
def test_run_survives_a_failing_case_and_reports_it(tmp_path, capsys):
    """A tiny real sweep plus a case that raises: the report is written and names the failure."""
    failing = str(DATA / "failing_benchmark.py")
    code = cli.main(["run", "--out", str(tmp_path), "--", "-k", "numpy-n10-m100-lecture-float64-t1 or fails",
                     "--benchmark-max-time=0.01", failing])
    out, err = capsys.readouterr()
    run = sorted(tmp_path.glob("2*"))[0]
    assert code == 0 and (run / "pytest-benchmark.json").exists()
    assert "FAILED" in out and "test_fails_on_purpose" in out and "ZeroDivisionError" in out
    assert "2/2" in err  # the progress line counted both cases
    assert "test_fails_on_purpose" in (run / "report.md").read_text()


# --- several inputs --------------------------------------------------------------------------------------


def test_each_file_is_its_own_series_and_ratios_stay_within_it(tmp_path):
    """The same file twice with one median changed: two series, each speedup formed within its own file."""
    def slower(data):
        for e in data["benchmarks"]:
            e["stats"]["median"] *= 2 if e["extra_info"]["implementation"] == "numpy" else 1

    other = with_changes(tmp_path, slower)
    view = derive.analyse(load([PYTEST_JSON, other]), "double_loop")
    assert [v.label for v in view.series] == [PYTEST_JSON.name, other.name]
    for v in view.series:
        assert all(x.record.series == x.base.series == v.label for x in v.speedups.values())
    one, two = ({(x.record.case): x.median for x in v.speedups.values() if x.record.implementation == "numpy"}
                for v in view.series)
    assert one.keys() == two.keys() and all(one[k] == pytest.approx(2 * two[k]) for k in one)


def test_two_series_get_their_own_sections_and_summaries(tmp_path, monkeypatch):
    """Two inputs: a section per input and summary-1.json; nothing merged (figures left out: slow here)."""
    monkeypatch.setattr(figures, "FIGURES", {})
    run = write(load([PYTEST_JSON], ASV_DIR), tmp_path)
    text = (run / "report.md").read_text()
    assert f"## Headline — {PYTEST_JSON.name}" in text and "## Headline — asv testbox/" in text
    assert (run / "summary.json").exists() and (run / "summary-1.json").exists()
    assert "asv results do not say which cases were skipped" in text
    asv = json.loads((run / "summary-1.json").read_text())
    assert {c[s.IMPLEMENTATION] for c in asv["cases"]} == {"double_loop", "single_loop", "numpy", "numba"}


def test_scaling_figure_and_table_hold_the_efficiencies(tmp_path, capsys):
    """A recorded Dask scaling run: scaling.png is drawn and each table row holds NumPy best / Dask median."""
    code, run, _ = draw([str(SCALING_JSON)], tmp_path / "runs", capsys)
    assert code == 0
    assert_picture(run / "scaling.png")
    text = (run / "report.md").read_text()
    expected = expected_efficiencies()
    assert len(expected) == 8 and {k[-1] for k in expected} == {1, 2}
    for (n, m, cap, chunks, workers), ratio in expected.items():
        prefix = f"| {n:,} | {m:,} | {fmt.nbytes(cap)} | {chunks} | {workers} |"
        row = next(line for line in text.splitlines() if line.startswith(prefix))
        assert row.endswith(f"| {ratio:.2f} |")
    wins = sorted(k[1] for k, ratio in expected.items() if k[-1] == 2 and ratio >= 1)
    view = main_view([SCALING_JSON])
    sentence = markdown.crossover_sentence(view.efficiencies, view.scaling)
    assert sentence in text
    assert (f"at **m = {wins[0]:,}**" in sentence) if wins else ("**never matches**" in sentence)
    assert "Dask on 1 and 2 worker processes at 2 chunk caps" in text  # from the measured records


def expected_efficiencies() -> dict[tuple, float]:
    """NumPy's best median over its thread counts / Dask's median at the same (n, m), from the raw JSON."""
    entries = [(e["extra_info"], e["stats"]["median"]) for e in json.loads(SCALING_JSON.read_text())["benchmarks"]
               if e["extra_info"]["benchmark"] == "scaling"]
    best: dict[tuple, float] = {}
    for i, median in entries:
        if i["chunk_bytes"] is None:
            best[(i["n"], i["m"])] = min(best.get((i["n"], i["m"]), float("inf")), median)
    return {(i["n"], i["m"], i["chunk_bytes"], i["chunks"], i["workers"]): best[(i["n"], i["m"])] / median
            for i, median in entries if i["chunk_bytes"] is not None}


def test_only_the_scaling_figure_without_gradient_records(tmp_path):
    """A scaling-only run draws scaling.png and none of the gradient figures, and no empty gradient tables."""
    view = derive.analyse(load([SCALING_JSON]), "double_loop")
    drawn = figures.draw(view, tmp_path)
    assert set(drawn[view.main.label]) == {"scaling"}
    text = markdown.render(view, drawn)
    assert "## Dask scaling" in text and "no single-machine gradient timings" in text
    assert "## Speedup over" not in text and "## Times per gradient" not in text


# --- machine, noise, first calls ---------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "warned"), [(40.0, 30.0, True), (31.0, 30.0, False)])
def test_probe_drift_of_an_old_file_becomes_its_noise_record(tmp_path, start, end, warned):
    """Start and end probes 29% apart get a warning; 3% apart only the figure."""
    def add_samples(data):
        data["machine_info"]["logreg"].update(
            read_bandwidth_gbs=max(start, end), read_bandwidth_gbs_by_threads={"1": 20.0, "2": max(start, end)},
            read_bandwidth_samples={"start": {"1": 20.0, "2": start}, "end": {"1": 20.0, "2": end}})

    view = main_view([with_changes(tmp_path, add_samples)])
    drift = abs(start - end) / ((start + end) / 2)
    assert view.run.noise.probe_drift == pytest.approx(drift)
    text = markdown.machine_section(view)
    assert f"DRAM 1 thread 20, 2 threads {max(start, end):.3g}" in text
    assert f"DRAM probe drift {drift:.0%}" in text
    assert ("**High (probe_drift)" in text) == warned


@pytest.mark.parametrize(("noise", "flags"), [
    ({s.STEAL_FRACTION: 0.001, s.LOAD_AVERAGE: [0.5, 0.7], s.PROBE_DRIFT: 0.02}, ()),
    ({s.STEAL_FRACTION: 0.2, s.LOAD_AVERAGE: [0.5, 0.7], s.PROBE_DRIFT: 0.02}, (s.STEAL_FRACTION,)),
    ({s.STEAL_FRACTION: 0.0, s.LOAD_AVERAGE: [3.0, 5.0], s.PROBE_DRIFT: 0.3}, (s.LOAD_AVERAGE, s.PROBE_DRIFT)),
])
def test_noise_line_warns_above_the_thresholds(tmp_path, noise, flags):
    """One line about steal, load and probe drift; a warning naming the fields above their threshold."""
    view = main_view([with_changes(tmp_path, lambda d: d["logreg"].update(noise=noise))])
    assert view.noise_flags == flags
    line = markdown.noise_line(view)
    assert f"CPU steal {noise[s.STEAL_FRACTION]:.1%}" in line and "(2 cores)" in line
    assert ("**High" in line) == bool(flags)


def test_first_call_line_says_compile_or_cache_load(tmp_path):
    """First-call seconds per JIT implementation, with whether it compiled or loaded its cache."""
    calls = {"numba": {"seconds": 2.5, "cache": "miss"}, "numba_parallel": {"seconds": 0.31, "cache": "hit"}}
    view = main_view([with_changes(tmp_path, lambda d: d["logreg"].update(first_call=calls))])
    assert markdown.first_call_line(view) == \
        "- First call (JIT): numba 2.5 s (cold compile), numba_parallel 310 ms (cache load)."


def test_machine_caption_names_the_gpu_when_the_run_had_one(tmp_path):
    """A run where the cupy column ran records its GPU; the caption under every figure names it."""
    def add_gpu(data):
        data["machine_info"]["logreg"]["gpu"] = "NVIDIA H200, 140 GiB"

    assert "GPU NVIDIA H200, 140 GiB;" in fmt.caption(main_view([with_changes(tmp_path, add_gpu)]).series)
    assert "GPU" not in fmt.caption(main_view([PYTEST_JSON]).series)


@needs_new
def test_roofline_draws_each_levels_ceiling_as_a_labelled_dash_dotted_line(tmp_path, monkeypatch):
    """Each level measured at a panel's thread count is a dash-dotted line at its GB/s, named; the caption agrees."""
    drawn = {}
    monkeypatch.setattr(figures, "save", lambda fig, path, v: drawn.setdefault("fig", fig) and path)
    view = main_view([NEW_JSON], baseline=None)
    assert figures.roofline(view, tmp_path / "roofline.png") is not None
    for ax in drawn["fig"].axes[:len({r.threads for r in view.records})]:
        threads = int(ax.get_title().split()[0])
        lines = {line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == "-."}
        labels = " ".join(text.get_text() for text in ax.texts)
        expected = {level: gbs[threads] for level, gbs in view.run.bandwidth.items() if threads in gbs}
        assert expected and lines == set(expected.values())
        assert all(f"{level} {gbs:.3g} GB/s" in labels for level, gbs in expected.items())
    assert "dotted line" not in markdown.FIGURE_TEXT["roofline"] and "L2, L3, DRAM" in markdown.FIGURE_TEXT["roofline"]
    figures.plt.close(drawn["fig"])


def test_layout_is_named_only_where_the_data_varies_it():
    """The schema-2 run measured two layouts: labels and the table name them; the old file's do not."""
    old = main_view([PYTEST_JSON])
    assert all(s.LECTURE not in old.label_of(r) for r in old.records)
    assert "| layout |" not in markdown.times_table(old)
    if NEW_JSON.exists():
        new = main_view([NEW_JSON], baseline=None)
        assert {r.layout for r in new.records} == set(s.LAYOUTS)
        assert all(new.label_of(r).split()[1] == r.layout for r in new.records)
        assert "| implementation | layout |" in markdown.times_table(new)


def test_summary_has_no_nan_and_matches_the_view(tmp_path):
    """summary.json is strict JSON (no NaN/inf) and each case's numbers are the View's."""
    view = main_view([PYTEST_JSON])
    data = summary.summary(view)
    json.dumps(data, allow_nan=False)
    for case, r in zip(data["cases"], view.records, strict=True):
        x = view.speedups.get(r)
        assert case[s.SPEEDUP] == (x.as_dict() if x else None)
        assert not any(isinstance(v, float) and not math.isfinite(v) for v in case.values())


def test_a_limit_below_1_beyond_its_interval_is_called_out():
    """× limit under 1 means the ceiling was measured too low; the report says so instead of showing it silently."""
    seconds = [1e-4] * 6  # 8 MB in 0.1 ms is 80 GB/s, above the 10 GB/s ceiling
    results = Results(records=[known_record("numpy", 1e-4)], rounds=[known_rounds({"numpy": seconds})],
                      series={"known": known_series({s.DRAM: {1: 10.0}})})
    view = derive.analyse(results, "numpy").series[0]
    assert [x.record for x in view.below_ceiling] == results.records
    assert "1 × limit ratio(s) sit below 1 beyond their interval" in markdown.below_ceiling_note(view)


# --- the headline: one comparison, or why there is none --------------------------------------------------


def keep_only(*names):
    """A with_changes edit that keeps the benchmark entries of these implementations."""
    def change(data):
        data["benchmarks"] = [e for e in data["benchmarks"] if e["extra_info"].get("implementation") in names]
    return change


def test_without_the_baseline_the_headline_says_why(tmp_path, capsys):
    """`-k numpy` runs no double_loop: report and terminal say the baseline was not measured, never an empty list."""
    run = write(load([with_changes(tmp_path, keep_only("numpy"))]), tmp_path)
    out = capsys.readouterr().out
    assert "no headline: the baseline double_loop was not measured in these results" in out and "numpy" in out
    assert "headline at" not in out
    text = (run / "report.md").read_text()
    assert "No speedup can be stated: the baseline double_loop was not measured in these results" in text


def test_with_only_the_baseline_the_headline_says_there_is_nothing_to_compare(tmp_path, capsys):
    """Only double_loop ran: the terminal says there is nothing to compare it with."""
    write(load([with_changes(tmp_path, keep_only("double_loop"))]), tmp_path)
    assert "no headline: only the baseline double_loop was measured" in capsys.readouterr().out


def test_the_headline_size_is_one_where_the_baseline_ran(tmp_path):
    """Equal coverage at two sizes, the baseline missing at the larger: the headline takes the size it can compare."""
    def change(data):
        data["benchmarks"] = [e for e in data["benchmarks"] if not (
            (e["extra_info"]["implementation"] == "double_loop" and "n100-m1000-" in e["name"])
            or (e["extra_info"]["implementation"] == "single_loop" and "n100-m1000-" not in e["name"]))]

    view = main_view([with_changes(tmp_path, change)])
    assert view.headline_size == (100, 100, s.LECTURE) and view.headline()
    assert "computes one gradient" in markdown.headline_sentence(view)


def tied_results(fast: list[float], close: list[float]) -> Results:
    """double_loop, 'fast' and 'close' timed in the same 8 rounds; 'slow' far behind."""
    seconds = {"double_loop": [10.0] * 8, "fast": fast, "close": close, "slow": [5.0] * 8}
    return Results(records=[known_record(name, sorted(x)[4]) for name, x in seconds.items()],
                   rounds=[known_rounds(seconds)], series={"known": known_series({})})


def test_overlapping_intervals_at_the_top_are_called_a_tie():
    """The two fastest whose intervals overlap are named together as tied; neither is crowned."""
    view = derive.analyse(tied_results([1.0, 1.1, 0.9, 1.0, 1.05, 0.95, 1.0, 1.0],
                                       [1.02, 1.12, 0.92, 1.0, 1.06, 0.97, 1.01, 1.03]), "double_loop").series[0]
    sentence = markdown.headline_sentence(view)
    assert "**fast and close are tied**" in sentence and "which is fastest is not detectable" in sentence
    assert "computes one gradient" not in sentence and "slow" not in sentence
    assert [x.record.implementation for x in view.leaders()] == ["fast", "close"]


def test_separate_intervals_at_the_top_crown_one():
    """When the fastest interval is clear of the next, the headline names that one comparison alone."""
    view = derive.analyse(tied_results([1.0] * 8, [2.0, 2.1, 1.9, 2.0, 2.05, 1.95, 2.0, 2.0]),
                          "double_loop").series[0]
    sentence = markdown.headline_sentence(view)
    assert "**fast computes one gradient in 1 s, ×10 [10–10] faster than double_loop**" in sentence
    assert "tied" not in sentence and "close" not in sentence


def with_float32_and_two_threads(data):
    """Each float64 one-thread gradient timing again as float32 and as two threads, 100 times faster, no rounds."""
    extra = []
    for e in data["benchmarks"]:
        if e["extra_info"].get("benchmark") == s.GRADIENTS:
            for dtype, threads in (("float32", 1), ("float64", 2)):
                copy = json.loads(json.dumps(e))
                for part in (copy["extra_info"], copy["params"]):
                    part.update(dtype=dtype, threads=threads)
                copy["stats"]["median"] /= 100
                extra.append(copy)
    data["benchmarks"] += extra


@needs_new
def test_the_headline_is_one_same_dtype_comparison_from_rounds(tmp_path):
    """Faster float32 and two-thread timings without rounds: the headline compares within float64 and with rounds."""
    view = main_view([with_changes(tmp_path, with_float32_and_two_threads, NEW_JSON)], baseline=None)
    assert {x.record.dtype for x in view.headline()} == {"float64"}
    assert all(x.interval is not None and x.record.threads == 1 for x in view.leaders())
    sentence = markdown.headline_sentence(view)
    assert "float32" not in sentence and "2 threads" not in sentence and fmt.NOT_INTERLEAVED not in sentence
    assert ", in float64 (" in sentence and "double_loop on 1 thread" in sentence
    assert all(f"{x.record.implementation} on 1 thread" in sentence for x in view.leaders())


@needs_new
def test_the_headline_moves_to_a_size_whose_rounds_timed_the_baseline(tmp_path):
    """The full profile keeps a slow baseline out of its largest sizes' rounds: the headline keeps an interval."""
    largest = max((e["params"]["n"] * e["params"]["m"], e["params"]["n"], e["params"]["m"])
                  for e in json.loads(NEW_JSON.read_text())["benchmarks"]
                  if e["extra_info"][s.BENCHMARK] == s.ROUNDS)[1:]

    def without_baseline_rounds_at_the_largest(data):
        for e in data["benchmarks"]:
            if e["extra_info"][s.BENCHMARK] == s.ROUNDS and (e["params"]["n"], e["params"]["m"]) == largest:
                e["extra_info"][s.ROUND_SECONDS].pop("double_loop", None)

    view = main_view([with_changes(tmp_path, without_baseline_rounds_at_the_largest, NEW_JSON)])
    assert view.headline_size[:2] != largest and all(x.interval is not None for x in view.leaders())
    assert fmt.NOT_INTERLEAVED not in markdown.headline_sentence(view)


def test_the_headline_of_a_mixed_file_without_rounds_compares_within_the_baselines_dtype():
    """The recorded file mixes float32 and two threads: the headline names one float64 comparison and its threads."""
    view = main_view([PYTEST_JSON])
    sentence = markdown.headline_sentence(view)
    assert "float32" not in sentence and sentence.count("×") == 1
    (best,) = view.leaders()
    assert best.record.dtype == best.base.dtype == "float64"
    assert f"**{best.record.implementation} on {fmt.threads(best.record.threads)} computes one gradient" in sentence


# --- where the times come from ---------------------------------------------------------------------------


def test_an_asv_report_names_asv_and_warns_of_single_samples(tmp_path, monkeypatch, capsys):
    """asv --quick results: the report says asv's medians (not pytest-benchmark's) and warns they are one sample."""
    monkeypatch.setattr(figures, "FIGURES", {})
    run = write(load([], ASV_DIR), tmp_path)
    text = (run / "report.md").read_text()
    count = len(main_view([], asv=ASV_DIR).records)
    assert "asv's medians" in text and "pytest-benchmark" not in text
    assert f"**{count} of {count} timings hold a single sample (asv run --quick times each benchmark once)" in text
    assert "| – (1 sample) | – | 1 |" in markdown.times_table(main_view([], asv=ASV_DIR))
    assert f"WARNING: {count} of {count} timings hold a single sample" in capsys.readouterr().out


def test_a_pytest_benchmark_report_names_pytest_benchmark_and_warns_of_nothing(tmp_path):
    """The recorded pytest-benchmark run took several rounds per case: its source, no single-sample warning."""
    text = markdown.render(derive.analyse(load([PYTEST_JSON]), "double_loop"), {})
    assert "Times shown are pytest-benchmark's medians" in text and "single sample" not in text


# --- text from the data in figures and Markdown -----------------------------------------------------------


ODD_NAME = "a$_$b|c*d_e`<x>[y]"  # mathtext that does not parse, and every Markdown special character


def test_odd_implementation_names_are_drawn_and_escaped(tmp_path, capsys):
    """A name with $ and Markdown specials: every figure is drawn and every table keeps its columns."""
    def rename(data):
        data["machine_info"]["logreg"]["read_bandwidth_gbs"] = 12.5
        for e in data["benchmarks"]:
            if e["extra_info"]["implementation"] == "numba":
                e["extra_info"]["implementation"] = ODD_NAME

    run = write(load([with_changes(tmp_path, rename)]), tmp_path)
    for name in ("time_vs_m", "time_vs_n", "speedup_heatmap", "headline", "roofline"):
        assert_picture(run / f"{name}.png")
    text = (run / "report.md").read_text()
    assert fmt.md(ODD_NAME) in text and ODD_NAME not in text
    for block in text.split("\n\n"):
        rows = [line for line in block.splitlines() if line.startswith("|")]
        cells = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
        assert len(cells) <= 1, f"a table lost its columns:\n{block}"


def test_md_escapes_markup_and_keeps_plain_names_readable():
    """Markdown specials are escaped; an underscore inside a word (double_loop) is left as it is."""
    assert fmt.md("double_loop") == "double_loop"
    assert fmt.md("a$b|c*d_e") == r"a\$b\|c\*d_e"
    assert fmt.md("_x_ <b> [l] `c`\nnext") == r"\_x\_ \<b\> \[l\] \`c\` next"
    assert fmt.code("a`b") == "`` a`b ``"


# --- the roofline's ceiling labels ------------------------------------------------------------------------


@pytest.mark.parametrize("levels", [
    {s.L2: 90.0, s.L3: 8.5, s.DRAM: 7.7},  # L3 and DRAM close
    {s.L2: 10.0, s.L3: 9.5, s.DRAM: 9.0},  # all three close
])
def test_roofline_ceiling_labels_never_overlap(tmp_path, monkeypatch, levels):
    """Close ceilings get their labels stacked apart: no two label boxes overlap once drawn."""
    drawn = {}
    monkeypatch.setattr(figures, "save", lambda fig, path, v: drawn.setdefault("fig", fig) and path)
    records = [known_record("numpy", 1e-3), known_record("numba", 10.0)]  # 8 and 0.0008 GB/s: a wide axis
    results = Results(records=records, series={"known": known_series({k: {1: x} for k, x in levels.items()})})
    assert figures.roofline(derive.analyse(results, "numpy").series[0], tmp_path / "roofline.png") is not None
    fig = drawn["fig"]
    fig.canvas.draw()
    ax = fig.axes[0]
    boxes = [t.get_bbox_patch().get_window_extent() for t in ax.texts]  # each label's white box
    assert len(boxes) == 3
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    figures.plt.close(fig)
