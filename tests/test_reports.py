"""The report: recorded results in, figures and Markdown out; bad input gets a one-line error."""

import json
from pathlib import Path

import pytest
from matplotlib import image as mpimg

from reports import cli, derive, figures, markdown
from reports.load import ReportInputError, load

DATA = Path(__file__).parent / "data"
PYTEST_JSON = DATA / "pytest-benchmark.json"
ASV_DIR = DATA / "asv-results"


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


def with_changes(tmp_path: Path, change) -> Path:
    """A copy of the recorded JSON after change(data) (to add fields a later benchmark version writes)."""
    data = json.loads(PYTEST_JSON.read_text())
    change(data)
    path = tmp_path / "changed.json"
    path.write_text(json.dumps(data))
    return path


def draw(argv: list[str], out: Path, capsys) -> tuple[int, Path | None, str]:
    """Run `python -m reports draw …` in-process; return exit code, the run folder, stderr."""
    code = cli.main(["draw", *argv, "--out", str(out)])
    runs = sorted(p for p in out.glob("*") if p.name != "latest") if out.exists() else []
    return code, (runs[-1] if runs else None), capsys.readouterr().err


def assert_picture(path: Path) -> None:
    """A real PNG with content: more than a few KB and pixels that vary."""
    assert path.stat().st_size > 10_000, path
    pixels = mpimg.imread(path)
    assert pixels.shape[0] > 200 and pixels.shape[1] > 300
    assert pixels[..., :3].std() > 0.05, f"{path.name} is nearly blank"


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
    """Each gradient row shows the recorded median and baseline/median computed from the raw JSON."""
    results = load([PYTEST_JSON])
    table = markdown.times_table(results, "double_loop")
    speedups = expected_speedups()
    for e in raw_gradients():
        i = e["extra_info"]
        row = (f"| {i['implementation']} | {i['dtype']} | {i['threads']} | {i['n']:,} | {i['m']:,} | "
               f"{derive.format_time(e['stats']['median'])} |")
        line = next(line for line in table.splitlines() if line.startswith(row))
        assert line.endswith(f"| {derive.format_ratio(speedups[e['name']])} |")


def test_headline_names_the_fastest_at_the_largest_common_size():
    """The headline paragraph states the biggest speedup at the largest size every implementation ran."""
    records = derive.gradients(load([PYTEST_JSON]))
    assert derive.headline_size(records) == (100, 1000)
    best = max((v, k) for k, v in expected_speedups().items() if "n100-m1000-" in k and "double_loop" not in k)
    sentence = derive.headline_sentence(records, "double_loop")
    assert "n = 100 features and m = 1,000 examples" in sentence
    assert f"{derive.format_ratio(best[0])} faster than double_loop" in sentence


def test_speedup_only_where_both_were_measured(tmp_path):
    """Without the baseline at one size, that size has no speedup: '–' in the table, NaN in the grid."""
    def drop(data):
        data["benchmarks"] = [e for e in data["benchmarks"] if not (
            e["extra_info"]["implementation"] == "double_loop" and e["name"].endswith("n10-m1000-float64-t1]"))]

    records = derive.gradients(load([with_changes(tmp_path, drop)]))
    found = derive.speedups(records, "double_loop")
    assert found and all((s.record.n, s.record.m) != (10, 1000) for s in found)
    grid = figures.speedup_grid([s for s in found if s.record.implementation == "numpy"], [10, 100], [100, 1000])
    assert grid[0, 1] != grid[0, 1]  # NaN: not measured on both sides
    assert (grid[[0, 1, 1], [0, 0, 1]] > 0).all()
    table = markdown.speedup_table(load([with_changes(tmp_path, drop)]), "double_loop")
    row = next(line for line in table.splitlines() if line.startswith("| 10 | 1,000 |"))
    assert set(row.strip("| ").split(" | ")[2:]) == {"–"}


def test_draw_writes_every_figure_and_the_report(tmp_path, capsys):
    """With bandwidth, two thread counts and asv history, all seven figures exist and are not blank."""
    def add_bandwidth(data):
        data["machine_info"]["logreg"]["read_bandwidth_gbs"] = 12.5

    code, run, _ = draw([str(with_changes(tmp_path, add_bandwidth)), "--asv", str(ASV_DIR)], tmp_path / "runs", capsys)
    assert code == 0
    for name in ("time_vs_m", "time_vs_n", "speedup_heatmap", "headline", "history", "roofline", "threads"):
        assert_picture(run / f"{name}.png")
    text = (run / "report.md").read_text()
    assert "![roofline](roofline.png)" in text and "× one-read limit" in text
    e = raw_gradients()[0]
    gbs = e["extra_info"]["bytes_x"] / e["stats"]["median"] / 1e9
    limit = e["stats"]["median"] / (e["extra_info"]["bytes_x"] / 12.5e9)
    assert f"| {gbs:.3g} | {limit:.3g} |" in text


def test_unavailable_and_skipped_cases_are_named(tmp_path, capsys):
    """An unavailable implementation and the skip reasons appear in the report, not silently dropped."""
    def add_unavailable(data):
        data["logreg"]["unavailable"] = {"torch": "torch is not installed"}

    code, run, _ = draw([str(with_changes(tmp_path, add_unavailable))], tmp_path / "runs", capsys)
    text = (run / "report.md").read_text()
    assert code == 0
    assert "**torch**: not available here: torch is not installed" in text
    assert "double_loop computes in float64 only" in text


@pytest.mark.parametrize("content, words", [
    ("not json {", "not valid JSON"),
    ('{"hello": 1}', "not a pytest-benchmark JSON file"),
    ('{"machine_info": {}, "benchmarks": [{"name": "test_x", "stats": {"median": 1}, "extra_info": {}}]}',
     "lacks this suite's fields"),
])
def test_bad_input_exits_2_naming_the_file(tmp_path, capsys, content, words):
    """Malformed or foreign JSON: exit code 2, one line that names the file, and no run folder."""
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    code, run, err = draw([str(bad)], tmp_path / "runs", capsys)
    assert code == 2 and run is None
    assert err.count("\n") == 1 and str(bad) in err and words in err


def test_missing_asv_directory_is_a_clear_error(tmp_path):
    """An asv directory without results names itself."""
    with pytest.raises(ReportInputError, match=str(tmp_path)):
        load([], tmp_path)


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
    code = cli.main(["run", "--out", str(tmp_path), "--", "-k", "numpy-n10-m100-float64-t1 or fails",
                     "--benchmark-max-time=0.01", failing])
    out, err = capsys.readouterr()
    run = sorted(tmp_path.glob("2*"))[0]
    assert code == 0 and (run / "pytest-benchmark.json").exists()
    assert "FAILED" in out and "test_fails_on_purpose" in out and "ZeroDivisionError" in out
    assert "2/2" in err  # the progress line counted both cases
    assert "test_fails_on_purpose" in (run / "report.md").read_text()


SCALING_JSON = DATA / "pytest-benchmark-scaling.json"


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


def test_scaling_figure_and_table_hold_the_efficiencies(tmp_path, capsys):
    """A recorded Dask scaling run: scaling.png is drawn and each table row holds NumPy best / Dask median."""
    code, run, _ = draw([str(SCALING_JSON)], tmp_path / "runs", capsys)
    assert code == 0
    assert_picture(run / "scaling.png")
    text = (run / "report.md").read_text()
    expected = expected_efficiencies()
    assert len(expected) == 8 and {k[-1] for k in expected} == {1, 2}
    for (n, m, cap, chunks, workers), ratio in expected.items():
        prefix = f"| {n:,} | {m:,} | {derive.format_bytes(cap)} | {chunks} | {workers} |"
        row = next(line for line in text.splitlines() if line.startswith(prefix))
        assert row.endswith(f"| {ratio:.2f} |")
    wins = sorted(k[1] for k, ratio in expected.items() if k[-1] == 2 and ratio >= 1)
    sentence = derive.crossover_sentence(derive.scaling(load([SCALING_JSON])))
    assert sentence in text
    assert (f"at **m = {wins[0]:,}**" in sentence) if wins else ("**never matches**" in sentence)


def test_gradient_figures_ignore_scaling_records():
    """Scaling records stay out of the gradient figures, tables and headline; only scaling.png uses them."""
    alone, both = load([PYTEST_JSON]), load([PYTEST_JSON, SCALING_JSON])
    assert len(derive.scaling(both)) == len(json.loads(SCALING_JSON.read_text())["benchmarks"])
    assert derive.gradients(both) == derive.gradients(alone)
    assert markdown.times_table(both, "double_loop") == markdown.times_table(alone, "double_loop")
    assert markdown.other_table(both) == markdown.other_table(alone)


def test_only_the_scaling_figure_without_gradient_records(tmp_path):
    """A scaling-only run draws scaling.png and none of the gradient figures, and no empty gradient tables."""
    results = load([SCALING_JSON])
    drawn = figures.draw_all(results, tmp_path, "double_loop")
    assert set(drawn) == {"scaling"}
    text = markdown.report(results, drawn, "double_loop")
    assert "## Dask scaling" in text and "no single-machine gradient timings" in text
    assert "## Speedup over" not in text and "## Times per gradient" not in text


@pytest.mark.parametrize(("start", "end", "warned"), [(40.0, 30.0, True), (31.0, 30.0, False)])
def test_bandwidth_drift_during_the_run_is_reported(tmp_path, start, end, warned):
    """Start and end probes 33% apart get a warning; 3% apart only the figure; the limit is the larger."""
    def add_samples(data):
        data["machine_info"]["logreg"].update(
            read_bandwidth_gbs=max(start, end), read_bandwidth_gbs_by_threads={"1": 20.0, "2": max(start, end)},
            read_bandwidth_samples={"start": {"1": 20.0, "2": start}, "end": {"1": 20.0, "2": end}})

    results = load([with_changes(tmp_path, add_samples)])
    assert derive.bandwidth_drift(results) == pytest.approx(abs(start - end) / min(start, end))
    text = markdown.machine_section(results)
    limit = max(start, end)
    assert f"streaming-read bandwidth: {limit:.3g} GB/s (1 thread: 20, 2 threads: {limit:.3g})" in text
    assert f"changed by {abs(start - end) / min(start, end):.0%}" in text
    assert ("not steady" in text) == warned


def test_no_drift_line_without_both_probes():
    """Results with one bandwidth reading (older runs, asv) say nothing about drift."""
    results = load([PYTEST_JSON])
    assert derive.bandwidth_drift(results) is None
    assert "changed by" not in markdown.machine_section(results)


def test_machine_caption_names_the_gpu_when_the_run_had_one(tmp_path):
    """A run where the cupy column ran records its GPU; the caption under every figure names it."""
    def add_gpu(data):
        data["machine_info"]["logreg"]["gpu"] = "NVIDIA H200, 140 GiB"

    assert "GPU NVIDIA H200, 140 GiB;" in derive.machine_caption(load([with_changes(tmp_path, add_gpu)]))
    assert "GPU" not in derive.machine_caption(load([PYTEST_JSON]))


def test_a_gpu_resident_column_gets_gb_s_but_no_host_limit_ratio(tmp_path):
    """X read from GPU memory is not bound by the host's bandwidth: its ratio cell says so instead."""
    def gpu_column(data):
        data["machine_info"]["logreg"]["read_bandwidth_gbs"] = 12.5
        data["benchmarks"][0]["extra_info"]["memory"] = "device"

    results = load([with_changes(tmp_path, gpu_column)])
    assert [r.memory for r in results.records].count("device") == 1
    rows = [line for line in markdown.times_table(results, "double_loop").splitlines() if "GPU memory" in line]
    e = raw_gradients()[0]
    gbs = e["extra_info"]["bytes_x"] / e["stats"]["median"] / 1e9
    assert len(rows) == 1 and f"| {gbs:.3g} | – (GPU memory) |" in rows[0]
