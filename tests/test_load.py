"""The loader: recorded files read into typed records; damaged variants of them rejected naming file and field."""

import copy
import json
import shutil
import statistics
from pathlib import Path

import pytest

from reports import cli, derive, figures
from reports.contract import schema as s
from reports.contract.records import to_json
from reports.load import ReportInputError, load

DATA = Path(__file__).parent / "data"
OLD_JSON = DATA / "pytest-benchmark.json"  # the oldest layout: no layouts, levels, rounds or run record
NEW_JSON = DATA / "pytest-benchmark-new.json"  # format 2 (no version key): the run record (see data/README.md)
ASV_DIR = DATA / "asv-results"
RAW = "__raw__"  # a string replaced by raw JSON text (1e400 cannot be written by json.dumps)


def first(data: dict, kind: str | None = None) -> dict:
    """The first benchmark entry of a kind (default: the first that is not a rounds entry)."""
    kinds = [e["extra_info"].get(s.BENCHMARK) for e in data["benchmarks"]]
    return data["benchmarks"][next(i for i, k in enumerate(kinds) if (k == kind if kind else k != s.ROUNDS))]


def index(data: dict) -> int:
    """Position of first(data) in the benchmarks list (the error names it)."""
    return data["benchmarks"].index(first(data))


def run_record(data: dict) -> dict:
    return data.setdefault(s.SUITE_KEY, {})


def set_stat(key, value):
    return lambda d: first(d)["stats"].__setitem__(key, value)


def set_info(key, value, kind=None):
    return lambda d: first(d, kind)["extra_info"].__setitem__(key, value)


def set_run(key, value):
    return lambda d: run_record(d).__setitem__(key, value)


def set_round(key, value):
    return lambda d: first(d, s.ROUNDS)["extra_info"].__setitem__(key, value)


def repeat_first(kind: str | None = None, median_factor: float = 1.0):
    """Append a copy of the first entry of a kind (its median times median_factor): the same case twice."""
    def change(d):
        entry = copy.deepcopy(first(d, kind))
        entry["stats"]["median"] *= median_factor
        d["benchmarks"].append(entry)
    return change


def shorten_a_round(d):
    seconds = first(d, s.ROUNDS)["extra_info"][s.ROUND_SECONDS]
    name = next(iter(seconds))
    seconds[name] = seconds[name][:-1]


# (id, change to the parsed file, raw JSON text replacing RAW or None, words the error must hold)
DAMAGED = [
    ("median-0", set_stat("median", 0), None, "benchmarks[{i}].stats.median"),
    ("median-nan", set_stat("median", RAW), "NaN", "benchmarks[{i}].stats.median"),
    ("median-inf", set_stat("median", RAW), "Infinity", "benchmarks[{i}].stats.median"),
    ("median-negative", set_stat("median", -1e-3), None, "benchmarks[{i}].stats.median"),
    ("median-text", set_stat("median", "fast"), None, "benchmarks[{i}].stats.median"),
    ("q1-negative", set_stat("q1", -1.0), None, "benchmarks[{i}].stats.q1"),
    ("n-1e400", set_info(s.N, RAW), "1e400", "benchmarks[{i}].n"),
    ("m-1e30", set_info(s.M, 1e30), None, "benchmarks[{i}].m"),
    ("m-huge-int", set_info(s.M, RAW), "9" * 5000, "not valid JSON"),
    ("n-zero", set_info(s.N, 0), None, "benchmarks[{i}].n"),
    ("threads-text", set_info(s.THREADS, "2"), None, "benchmarks[{i}].threads"),
    ("threads-bool", set_info(s.THREADS, True), None, "benchmarks[{i}].threads"),
    ("bytes-negative", set_info(s.BYTES_X, -8), None, "benchmarks[{i}].bytes_x"),
    ("name-400kB", set_info(s.IMPLEMENTATION, "x" * 400_000), None, "benchmarks[{i}].implementation"),
    ("name-number", set_info(s.IMPLEMENTATION, 5), None, "benchmarks[{i}].implementation"),
    ("name-newline", set_info(s.IMPLEMENTATION, "numpy\nfast"), None, "benchmarks[{i}].implementation"),
    ("name-tab", set_info(s.IMPLEMENTATION, "numpy\tfast"), None, "benchmarks[{i}].implementation"),
    ("name-padded", set_info(s.IMPLEMENTATION, "numpy "), None, "benchmarks[{i}].implementation"),
    ("name-blank", set_info(s.IMPLEMENTATION, "   "), None, "benchmarks[{i}].implementation"),
    ("name-invisible", set_info(s.IMPLEMENTATION, "num\u200bpy"), None, "benchmarks[{i}].implementation"),
    ("dtype-newline", set_info(s.DTYPE, "float64\n| x |"), None, "benchmarks[{i}].dtype"),
    ("case-twice", repeat_first(median_factor=2.0), None, "same case as benchmarks[{i}]"),
    ("case-twice-identical", repeat_first(), None, "same case as benchmarks[{i}]"),
    ("key-twice", set_run(s.FIRST_CALL, RAW), '{"numba": {"seconds": 1}, "numba": {"seconds": 2}}',
     "'numba' appears twice"),
    ("layout-unknown", set_info(s.LAYOUT, "diagonal"), None, "benchmarks[{i}].layout"),
    ("level-unknown", set_info(s.LEVEL, "L9"), None, "benchmarks[{i}].level"),
    ("kind-unknown", set_info(s.BENCHMARK, "sleep"), None, "benchmarks[{i}].benchmark"),
    ("extra-info-list", lambda d: first(d).__setitem__("extra_info", [1]), None, "benchmarks[{i}].extra_info"),
    ("entry-text", lambda d: d["benchmarks"].insert(0, "x"), None, "benchmarks[0]"),
    ("benchmarks-object", lambda d: d.__setitem__("benchmarks", {}), None, "benchmarks"),
    ("skipped-strings", set_run(s.SKIPPED, ["x"]), None, "logreg.skipped[0]"),
    ("unavailable-text", set_run(s.UNAVAILABLE, "xy"), None, "logreg.unavailable"),
    ("failed-strings", set_run(s.FAILED, ["x"]), None, "logreg.failed[0]"),
    ("interrupted-text", set_run(s.INTERRUPTED, "yes"), None, "logreg.interrupted"),
    ("roles-list", set_run(s.ROLES, ["numpy"]), None, "logreg.roles"),
    ("bandwidth-level", set_run(s.BANDWIDTH, {"levels": {"L9": {"1": 10}}}), None, "logreg.bandwidth.levels"),
    ("bandwidth-zero", set_run(s.BANDWIDTH, {"levels": {s.DRAM: {"1": 0}}}), None, "logreg.bandwidth.levels.DRAM.1"),
    ("noise-steal", set_run(s.NOISE, {s.STEAL_FRACTION: 2.0}), None, "logreg.noise.steal_fraction"),
    ("first-call-negative", set_run(s.FIRST_CALL, {"numba": {"seconds": -1}}), None, "logreg.first_call.numba"),
    ("first-call-cache", set_run(s.FIRST_CALL, {"numba": {"seconds": 1, "cache": "warm"}}), None,
     "logreg.first_call.numba.cache"),
    ("cores-zero", lambda d: d["machine_info"][s.SUITE_KEY].__setitem__(s.CORES, 0), None, "logreg.cores"),
    ("caches-nan", lambda d: d["machine_info"][s.SUITE_KEY].__setitem__(s.CACHES, {"L2": RAW}), "NaN",
     "logreg.caches.L2"),
    ("deep-nesting", None, "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("no-benchmarks", lambda d: d.__setitem__("benchmarks", []), None, "no results"),
    ("only-benchmarks", lambda d: d.clear() or d.__setitem__("benchmarks", []), None,
     "not a pytest-benchmark JSON file"),
]
ROUNDS_DAMAGED = [
    ("round-seconds-zero", lambda d: next(iter(first(d, s.ROUNDS)["extra_info"][s.ROUND_SECONDS].values()))
     .__setitem__(0, 0.0), None, "seconds."),
    ("round-lengths-differ", shorten_a_round, None, "one per round"),
    ("round-seconds-list", set_round(s.ROUND_SECONDS, [1.0]), None, "seconds"),
    ("round-probe-length", set_round(s.ROUND_PROBE_GBS, [1.0]), None, "probe_gbs"),
    ("round-calls-zero", set_round(s.ROUND_CALLS, {"numpy": 0}), None, "calls.numpy"),
    ("round-visit-twice", repeat_first(s.ROUNDS), None, "same case as benchmarks["),
    ("round-seconds-key-twice", set_round(s.ROUND_SECONDS, RAW), '{"numpy": [1.0], "numpy": [2.0]}',
     "'numpy' appears twice"),
]


def damaged(tmp_path: Path, source: Path, change, raw: str | None) -> Path:
    """A copy of a recorded file after change(data), with RAW replaced by raw text."""
    if change is None:
        text = raw
    else:
        data = json.loads(source.read_text())
        change(data)
        text = json.dumps(data).replace(json.dumps(RAW), raw or "")
    path = tmp_path / f"damaged-{source.name}"
    path.write_text(text)
    return path


def sources() -> list[Path]:
    """The recorded files the damaged variants are made from (the new one once it is recorded)."""
    return [p for p in (OLD_JSON, NEW_JSON) if p.exists()]


@pytest.mark.parametrize("source", sources(), ids=lambda p: p.stem)
@pytest.mark.parametrize(("change", "raw", "words"), [d[1:] for d in DAMAGED], ids=[d[0] for d in DAMAGED])
def test_a_damaged_file_is_rejected_naming_file_and_field(tmp_path, source, change, raw, words):
    """Every damaged variant raises ReportInputError that names the file and the field, in one short line."""
    path = damaged(tmp_path, source, change, raw)
    words = words.format(i=index(json.loads(source.read_text())))
    with pytest.raises(ReportInputError) as caught:
        load([path])
    message = str(caught.value)
    assert str(path) in message and words in message
    assert "\n" not in message and len(message) < len(str(path)) + 300


@pytest.mark.skipif(not NEW_JSON.exists(), reason="the schema-2 sample is not recorded yet")
@pytest.mark.parametrize(("change", "raw", "words"), [d[1:] for d in ROUNDS_DAMAGED],
                         ids=[d[0] for d in ROUNDS_DAMAGED])
def test_a_damaged_rounds_entry_is_rejected(tmp_path, change, raw, words):
    """Per-round seconds, probe readings and call counts are checked like every other field."""
    path = damaged(tmp_path, NEW_JSON, change, raw)
    with pytest.raises(ReportInputError, match=str(path)) as caught:
        load([path])
    assert words in str(caught.value)


def test_draw_on_a_damaged_file_exits_2_with_one_line_and_no_folder(tmp_path, capsys):
    """The command line turns the loader's error into exit code 2, one line, and no run folder."""
    path = damaged(tmp_path, OLD_JSON, set_stat("median", 0), None)
    code = cli.main(["draw", str(path), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(path) in err and "stats.median" in err
    assert not list((tmp_path / "runs").glob("2*")) if (tmp_path / "runs").exists() else True


def test_a_run_that_finished_nothing_loads_with_its_failures(tmp_path):
    """An empty benchmarks list is accepted when the run record says why (cases failed, run interrupted)."""
    def nothing_finished(d):
        d["benchmarks"] = []
        run_record(d).update({s.FAILED: [{"case": "bench::x", "cause": "crash", "message": "signal 11"}],
                              s.INTERRUPTED: True})

    results = load([damaged(tmp_path, OLD_JSON, nothing_finished, None)])
    (series,) = results.series.values()
    assert results.records == [] and series.run.interrupted
    assert [(f.case, f.cause) for f in series.run.failed] == [("bench::x", "crash")]


def asv_copy(tmp_path: Path, change) -> Path:
    """A copy of the recorded asv results directory with benchmarks.json changed."""
    target = tmp_path / "asv"
    shutil.copytree(ASV_DIR, target)
    spec = json.loads((target / "benchmarks.json").read_text())
    change(spec)
    (target / "benchmarks.json").write_text(json.dumps(spec))
    return target


def test_asv_param_names_not_a_list_is_rejected(tmp_path):
    """asv's benchmarks.json with param_names: 5 names the file and the benchmark."""
    target = asv_copy(tmp_path, lambda spec: spec["bench_gradients.TimeGradients.time_gradients"]
                      .__setitem__("param_names", 5))
    with pytest.raises(ReportInputError, match="benchmarks.json: bench_gradients.TimeGradients.time_gradients"):
        load([], target)


def test_two_asv_environments_with_the_same_commit_are_two_series(tmp_path):
    """A second environment's results for the same commit (virtualenv, then --python=same) stay apart."""
    target = asv_copy(tmp_path, lambda spec: None)
    for path in list((target / "testbox").glob("*-existing-*.json")):
        data = json.loads(path.read_text())
        data["env_name"] = "virtualenv-py3.11"
        (path.parent / path.name.replace("existing-py_tmp_venv_reports_bin_python3", "virtualenv-py3.11")) \
            .write_text(json.dumps(data))
    results = load([], target)
    assert len(results.series) == 2
    for label in results.series:
        mine = [r for r in results.records if r.series == label]
        assert len({r.case for r in mine}) == len(mine)  # one commit's records per series, none merged
    for i, view in enumerate(derive.analyse(results, "double_loop").series):  # drawing them used to raise TypeError
        assert figures.time_vs_m(view, tmp_path / f"time_vs_m-{i}.png").exists()


def test_old_files_default_to_the_lecture_layout_without_levels_or_rounds():
    """Schema-1 files still load: layout lecture, level unknown, no rounds; the DRAM reading becomes a ceiling."""
    results = load([OLD_JSON])
    assert {r.layout for r in results.records} == {s.LECTURE}
    assert {r.level for r in results.records} == {None} and results.rounds == []
    raw = json.loads(OLD_JSON.read_text())
    assert len(results.records) == len(raw["benchmarks"])
    (series,) = results.series.values()
    assert len(series.run.skipped) == len(raw[s.SUITE_KEY][s.SKIPPED])
    assert series.machine.cpu_model == raw["machine_info"][s.SUITE_KEY][s.CPU_MODEL]


def test_grid_facts_are_checked(tmp_path):
    """A grid fact nested deeper than a list of objects, or a long name in it, is rejected naming it."""
    deep = damaged(tmp_path, OLD_JSON, set_run(s.GRID, {"visits": [[[1]]]}), None)
    with pytest.raises(ReportInputError, match=r"logreg\.grid\.visits\[0\]\[0\]"):
        load([deep])
    long = damaged(tmp_path, OLD_JSON, set_run(s.GRID, {"layouts": ["x" * 1000]}), None)
    with pytest.raises(ReportInputError, match=r"logreg\.grid\.layouts\[0\]"):
        load([long])


def only_rounds(d):
    d["benchmarks"] = [e for e in d["benchmarks"] if e["extra_info"].get(s.BENCHMARK) == s.ROUNDS]


@pytest.mark.skipif(not NEW_JSON.exists(), reason="the schema-2 sample is not recorded yet")
def test_a_file_of_rounds_only_reports_the_cases_they_timed(tmp_path):
    """Each size and implementation of the rounds becomes a case, its median over every round of every visit."""
    results = load([damaged(tmp_path, NEW_JSON, only_rounds, None)])
    pooled = {}
    for x in results.rounds:
        for name, values in x.seconds.items():
            pooled.setdefault((name, *x.size), []).extend(values)
    assert {(r.implementation, *r.size): r.median for r in results.records} == \
        {key: statistics.median(values) for key, values in pooled.items()}
    assert all(r.benchmark == s.GRADIENTS and r.q1 <= r.median <= r.q3 for r in results.records)
    (view,) = derive.analyse(results, "double_loop").series
    assert view.speedups and all(x.interval is not None for x in view.speedups.values())  # paired, from the rounds


@pytest.mark.skipif(not NEW_JSON.exists(), reason="the schema-2 sample is not recorded yet")
def test_rounds_add_no_case_a_gradients_entry_measured():
    """Where a gradients entry timed a case, its median stays pytest-benchmark's: nothing is added from rounds."""
    results = load([NEW_JSON])
    raw = json.loads(NEW_JSON.read_text())
    assert len(results.records) == sum(e["extra_info"].get(s.BENCHMARK) != s.ROUNDS for e in raw["benchmarks"])


def test_draw_refuses_a_case_measured_twice_in_one_file(tmp_path, capsys):
    """Two medians of one case in one file: exit 2, one line naming the file, both entries and the case."""
    path = damaged(tmp_path, OLD_JSON, repeat_first(median_factor=3.0), None)
    code = cli.main(["draw", str(path), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    entry = first(json.loads(OLD_JSON.read_text()))
    assert code == 2 and err.count("\n") == 1 and str(path) in err
    assert f"same case as benchmarks[{index(json.loads(OLD_JSON.read_text()))}]" in err
    assert f"implementation={entry['extra_info'][s.IMPLEMENTATION]}" in err


def test_the_same_cases_in_two_files_are_two_series(tmp_path):
    """Duplicates are per file: two runs of one grid, given as two files, load as two series side by side."""
    (tmp_path / "again").mkdir()
    copy_path = tmp_path / "again" / OLD_JSON.name
    shutil.copy(OLD_JSON, copy_path)
    results = load([OLD_JSON, copy_path])
    assert len(results.series) == 2
    assert len(results.records) == 2 * len({r.case for r in results.records})


def test_a_skip_or_failure_listed_twice_is_kept_once(tmp_path):
    """Identical repeats in the run record's lists are counted once; one case failing twice differently stays twice."""
    def repeated(d):
        record = run_record(d)
        record[s.SKIPPED] = record[s.SKIPPED][:1] * 2 + record[s.SKIPPED][1:]
        crash = {"case": "bench::x", "cause": "crash", "message": "signal 11"}
        record[s.FAILED] = [crash, crash, {**crash, "cause": "error", "message": "teardown: boom"}]

    results = load([damaged(tmp_path, OLD_JSON, repeated, None)])
    (series,) = results.series.values()
    raw = json.loads(OLD_JSON.read_text())
    assert len(series.run.skipped) == len(raw[s.SUITE_KEY][s.SKIPPED])
    assert [(f.case, f.cause) for f in series.run.failed] == [("bench::x", "crash"), ("bench::x", "error")]


def test_markdown_characters_in_names_are_kept_as_written(tmp_path):
    """| * _ ` $ are ordinary characters of a name: load keeps them; escaping them is the report's job."""
    odd = "a|b*c_d`e$f"
    results = load([damaged(tmp_path, OLD_JSON, set_info(s.IMPLEMENTATION, odd), None)])
    assert odd in results.implementations()


# --- counts entries (kind COUNTS) --------------------------------------------------------------------------

COUNTS_JSON = DATA / "pytest-benchmark-counts.json"  # a recorded counts entry alone (see data/README.md)


def counted_item(i: int = 0):
    return lambda d: first(d, s.COUNTS)["extra_info"][s.COUNTED][i]


def set_counted(key, value):
    return lambda d: counted_item()(d).__setitem__(key, value)


def set_count(key, value):
    return lambda d: counted_item()(d)[s.COUNTS].__setitem__(key, value)


def set_counting(key, value):
    return lambda d: first(d, s.COUNTS)["extra_info"][s.COUNTING].__setitem__(key, value)


def counted_twice(d):
    items = first(d, s.COUNTS)["extra_info"][s.COUNTED]
    items.append(copy.deepcopy(items[0]))


COUNTS_DAMAGED = [
    ("instructions-zero", set_count(s.INSTRUCTIONS, 0), "counted[0].counts.instructions"),
    ("cycles-text", set_count(s.ESTIMATED_CYCLES, "many"), "counted[0].counts.estimated_cycles"),
    ("memory-negative", set_count(s.MEMORY_BYTES, -64), "counted[0].counts.memory_bytes"),
    ("x-reads-negative", set_count(s.X_READS, -1), "counted[0].counts.x_reads"),
    ("per-element-wrong", set_count(s.INSTRUCTIONS_PER_ELEMENT, 1.0), "counted[0].counts.instructions_per_element"),
    ("counts-and-reason", set_counted(s.REASON, "timeout"), "either counts or reason, found counts and reason"),
    ("neither", lambda d: counted_item()(d).pop(s.COUNTS), "found neither"),
    ("n-missing", lambda d: counted_item()(d).pop(s.N), "counted[0].n"),
    ("implementation-blank", set_counted(s.IMPLEMENTATION, " "), "counted[0].implementation"),
    ("case-twice", counted_twice, "counts the same case as counted[0]"),
    ("counted-object", lambda d: first(d, s.COUNTS)["extra_info"].__setitem__(s.COUNTED, {}), "counted"),
    ("counting-missing", lambda d: first(d, s.COUNTS)["extra_info"].pop(s.COUNTING), "counting"),
    ("valgrind-missing", set_counting("valgrind", None), "counting.valgrind"),
    ("calls-one", set_counting("calls", 1), "counting.calls"),
    ("ll-bytes-text", set_counting("ll_bytes", "8M"), "counting.ll_bytes"),
    ("cache-args-text", set_counting("cache_args", "--LL=8"), "counting.cache_args"),
    ("reason-with-cases", set_counting(s.REASON, "valgrind is not installed"), "expected no cases"),
    ("entry-twice", lambda d: d["benchmarks"].append(copy.deepcopy(d["benchmarks"][0])),
     "same case as benchmarks[0] (benchmark=counts)"),
]


@pytest.mark.parametrize(("change", "words"), [d[1:] for d in COUNTS_DAMAGED], ids=[d[0] for d in COUNTS_DAMAGED])
def test_a_damaged_counts_entry_is_rejected_naming_file_and_field(tmp_path, change, words):
    """Each count, each case field and each condition is checked; a case or the entry twice is refused."""
    path = damaged(tmp_path, COUNTS_JSON, change, None)
    with pytest.raises(ReportInputError) as caught:
        load([path])
    message = str(caught.value)
    assert message.startswith(f"{path}: benchmarks[") and words in message and "\n" not in message


def test_a_counts_entry_loads_alone_with_its_conditions():
    """A file holding only the counts entry loads: every case with its counts, the series with the conditions."""
    raw = json.loads(COUNTS_JSON.read_text())["benchmarks"][0]["extra_info"]
    results = load([COUNTS_JSON])
    assert not results.records and len(results.counted) == len(raw[s.COUNTED]) > 0
    for c, item in zip(results.counted, raw[s.COUNTED], strict=True):
        assert c.case == tuple(item[k] for k in s.CASE_FIELDS)
        assert {k: getattr(c.counts, k) for k in s.COUNT_FIELDS} == item[s.COUNTS]
    (series,) = results.series.values()
    assert to_json(series.run.counting) == raw[s.COUNTING]


def test_timings_and_counts_load_together(tmp_path):
    """The counts entry beside a run's timings: both are kept, in one series."""
    data = json.loads(NEW_JSON.read_text())
    data["benchmarks"] += json.loads(COUNTS_JSON.read_text())["benchmarks"]
    path = tmp_path / "both.json"
    path.write_text(json.dumps(data))
    results, timings = load([path]), load([NEW_JSON])
    assert len(results.records) == len(timings.records) and len(results.counted) == len(load([COUNTS_JSON]).counted)
    assert {c.series for c in results.counted} == set(results.series) == {"both.json"}


def test_counts_asked_for_but_not_made_load_with_the_reason(tmp_path):
    """A counts entry that says why none could be made loads with that reason and no case."""
    def unavailable(d):
        first(d, s.COUNTS)["extra_info"].update({s.COUNTING: {s.REASON: "valgrind is not installed"}, s.COUNTED: []})

    results = load([damaged(tmp_path, COUNTS_JSON, unavailable, None)])
    (series,) = results.series.values()
    assert results.counted == [] and series.run.counting.reason == "valgrind is not installed"
