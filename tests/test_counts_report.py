"""Counts in the report and in compare: the 'why' section, counts.png, summary.json, the terminal line, the gate."""

import copy
import json
import re
from pathlib import Path

import pytest

from reports import cli, compare, derive, markdown, render
from reports.contract import schema as s
from reports.load import load
from tests.test_reports import assert_picture

DATA = Path(__file__).parent / "data"
COUNTS_JSON = DATA / "pytest-benchmark-counts.json"  # a recorded counts entry alone
SAMPLE_JSON = Path(__file__).parents[1] / "reports" / "sample" / "pytest-benchmark.json"  # timings with rounds


def counts_data() -> dict:
    return json.loads(COUNTS_JSON.read_text())


def items(data: dict) -> list[dict]:
    return data["benchmarks"][0]["extra_info"][s.COUNTED]


def scaled(data: dict, implementation: str, factor: float) -> dict:
    """A copy in which one implementation's counts are all `factor` times larger (derived counts kept consistent)."""
    out = copy.deepcopy(data)
    for item in items(out):
        if item[s.IMPLEMENTATION] == implementation:
            item[s.COUNTS] = {k: None if v is None else v * factor for k, v in item[s.COUNTS].items()}
    return out


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def timings_only(tmp_path: Path) -> Path:
    """The sample run's timings without its counts entry: a run that did not count."""
    data = json.loads(SAMPLE_JSON.read_text())
    data["benchmarks"] = [e for e in data["benchmarks"] if e["extra_info"].get(s.BENCHMARK) != s.COUNTS]
    return write(tmp_path, "timings.json", data)


def combined(tmp_path: Path) -> Path:
    """The sample run's timings with the recorded counts entry: one run that timed and counted."""
    data = json.loads(timings_only(tmp_path).read_text())
    data["benchmarks"] += counts_data()["benchmarks"]
    return write(tmp_path, "combined.json", data)


def counts_view(path: Path) -> derive.CountsView:
    return derive.analyse(load([path])).main.counts


def drawn(tmp_path: Path, path: Path, capsys) -> tuple[Path, str]:
    """`python -m reports draw path`: the run folder and what the terminal showed."""
    assert cli.main(["draw", str(path), "--out", str(tmp_path / "out")]) == 0
    run = next(p for p in (tmp_path / "out").iterdir() if p.name != "latest")
    return run, capsys.readouterr().out


# --- the report --------------------------------------------------------------------------------------------


def test_the_why_section_holds_every_counted_case_and_the_formula(tmp_path, capsys):
    """Timings plus counts: the section's table has a row per counted case, names the cycles formula and the limits."""
    run, out = drawn(tmp_path, combined(tmp_path), capsys)
    text = (run / "report.md").read_text()
    section = text.split(f"## {markdown.COUNTS_TITLE}")[1]
    assert "L1 hits + 5 × last-level (LL) hits + 35 × RAM accesses (iai-callgrind's estimate)" in section
    rows = [line for line in section.splitlines() if line.startswith("| ") and line[2:4] != "im"]
    assert len(rows) == len(items(counts_data()))
    assert markdown.COUNTS_LIMITS in section and "not time" in section
    assert_picture(run / "counts.png")
    assert "![counts](counts.png)" in text
    assert f"counts: {len(rows)} cases counted (valgrind 3.19.0)" in out


def test_single_loop_is_slower_than_double_loop_where_it_executes_more_per_element(tmp_path):
    """At n = 10 the sample's rounds time single_loop slower than double_loop, and its counts say why."""
    view = counts_view(combined(tmp_path))
    pair = next(p for p in view.pairs if (p.slower.implementation, p.faster.implementation, p.slower.n)
                == ("single_loop", "double_loop", 10))
    assert pair.gap and pair.explained and pair.time.interval is not None
    expected = pair.slower.counts.instructions_per_element / pair.faster.counts.instructions_per_element
    assert pair.work == pytest.approx(expected) and expected > 1
    assert "single_loop" in {x.implementation for x in view.per_example}


def test_why_sentences_follow_the_numbers_not_a_script(tmp_path):
    """Counts only (untimed): neighbours are ordered by work; scaling numpy's counts up reorders the sentences."""
    before = markdown.counts_findings(counts_view(COUNTS_JSON))
    assert "numpy executes ×" in before and "of numba_parallel" in before
    after_view = counts_view(write(tmp_path, "more.json", scaled(counts_data(), "numba_parallel", 10.0)))
    after = markdown.counts_findings(after_view)
    assert "numba_parallel executes ×" in after and "of numpy" not in after.split("numba_parallel executes ×")[0]
    assert before != after


def test_the_fused_kernel_reads_x_once_where_the_others_read_it_twice():
    """Where X is far beyond the simulated cache, the reads sentence lists the fewest reads first, from the data."""
    view = counts_view(COUNTS_JSON)
    (found,) = view.reads
    reads = {c.implementation: c.counts.x_reads for c in found}
    assert found[0].implementation == min(reads, key=reads.get)
    sentence = markdown.reads_sentence(found, view)
    assert f"{found[0].implementation} reads X {reads[found[0].implementation]:.2f} times per call" in sentence
    assert round(reads["numba_parallel"]) == 1 and {round(reads["numpy"]), round(reads["numba"])} == {2}


def test_counts_asked_for_but_not_made_say_why_and_how(tmp_path, capsys):
    """A counts entry with a reason: one line in the report with the reason and the command, one on the terminal."""
    data = counts_data()
    data["benchmarks"][0]["extra_info"].update({s.COUNTING: {s.REASON: "valgrind is not installed"},
                                                s.COUNTED: []})
    run, out = drawn(tmp_path, write(tmp_path, "none.json", data), capsys)
    section = (run / "report.md").read_text().split(f"## {markdown.COUNTS_TITLE}")[1].strip()
    assert section.splitlines()[0].startswith("Counts were asked for but none could be made: valgrind is not")
    assert "python -m reports run --counts" in section and not (run / "counts.png").exists()
    assert "counts: none made: valgrind is not installed" in out


def test_no_counts_section_without_a_counts_entry(tmp_path):
    """A run that did not count has no counts section, figure, terminal line or summary conditions."""
    view = derive.analyse(load([timings_only(tmp_path)]))
    assert markdown.counts_section(view.main) == "" and "counts:" not in render.terminal(view)


# --- summary.json ------------------------------------------------------------------------------------------


def test_summary_json_gives_each_counted_case_its_counts_and_the_conditions(tmp_path, capsys):
    """Counted cases carry COUNT_FIELDS (timed or not); others null; the conditions sit at the top level."""
    run, _ = drawn(tmp_path, combined(tmp_path), capsys)
    data = json.loads((run / s.SUMMARY_FILE).read_text())
    assert tuple(data) == s.SUMMARY_FIELDS and data[s.COUNTING] == counts_data()["benchmarks"][0]["extra_info"][
        s.COUNTING]
    by_case = {tuple(c[k] for k in s.CASE_FIELDS): c for c in data["cases"]}
    for item in items(counts_data()):
        case = by_case[tuple(item[k] for k in s.CASE_FIELDS)]
        assert tuple(case) == s.SUMMARY_CASE_FIELDS and case[s.COUNTS] == item[s.COUNTS]
    untimed = [c for c in data["cases"] if c[s.MEDIAN_SECONDS] is None]
    assert untimed and all(c[s.COUNTS] for c in untimed)
    assert any(c[s.COUNTS] is None for c in data["cases"])


# --- compare -----------------------------------------------------------------------------------------------


def test_compare_gates_on_a_count_that_grew(tmp_path, capsys):
    """numpy's counts ×1.05 against the recording: exit 1 past a 3% gate naming numpy; the file against itself: 0."""
    new = write(tmp_path, "new.json", scaled(counts_data(), "numpy", 1.05))
    assert cli.main(["compare", str(COUNTS_JSON), str(new), "--fail-above", "3", "--out", str(tmp_path)]) == 1
    failing = [line for line in capsys.readouterr().out.splitlines() if "FAIL" in line]
    assert failing and all("counts numpy " in line for line in failing)
    assert cli.main(["compare", str(COUNTS_JSON), str(COUNTS_JSON), "--fail-above", "3", "--out",
                     str(tmp_path)]) == 0
    found = compare.compare(COUNTS_JSON, new, 3)
    assert {r.case[0] for r in found.counts.rows if r.verdict(s.INSTRUCTIONS) == "more"} == {"numpy"}
    assert "| FAIL: instructions" in compare.markdown(found)
    assert compare.compare(COUNTS_JSON, new, 6).failing == []


def test_compare_refuses_counts_from_another_instrument(tmp_path):
    """Another valgrind version: counts are not compared, and the field that differs is named."""
    data = scaled(counts_data(), "numpy", 2.0)
    data["benchmarks"][0]["extra_info"][s.COUNTING]["valgrind"] = "3.22.0"
    found = compare.compare(COUNTS_JSON, write(tmp_path, "new.json", data), 3)
    assert found.counts.rows == [] and not found.failing
    assert re.search(r"not compared: .*valgrind \(3\.19\.0 in old, 3\.22\.0 in new\)", compare.markdown(found))


def test_compare_names_differing_library_versions_but_still_compares(tmp_path):
    """A new numpy is part of what is measured: the counts are compared and the versions named."""
    data = scaled(counts_data(), "numpy", 1.05)
    data["benchmarks"][0]["extra_info"][s.COUNTING]["versions"]["numpy"] = "9.9.9"
    found = compare.compare(COUNTS_JSON, write(tmp_path, "new.json", data), 3)
    assert found.failing and "numpy 2.4.6 → 9.9.9" in compare.markdown(found)
    assert any("library versions differ" in line for line in compare.summary_lines(found))


def test_a_count_of_a_few_cache_lines_is_noise_when_x_fits_in_cache(tmp_path):
    """Bytes from memory moving by less than 1% of X is 'same' however large the relative change."""
    data = counts_data()
    small = next(i for i in items(data) if i[s.N] * i[s.M] * 8 < 10**6 and i[s.COUNTS][s.MEMORY_BYTES] > 0)
    new = copy.deepcopy(data)
    item = next(i for i in items(new) if i[s.IMPLEMENTATION] == small[s.IMPLEMENTATION] and i[s.N] == small[s.N]
                and i[s.M] == small[s.M])
    item[s.COUNTS][s.MEMORY_BYTES] += 64 * 4  # four cache lines
    found = compare.compare(COUNTS_JSON, write(tmp_path, "new.json", new), 0)
    row = next(r for r in found.counts.rows if r.case == tuple(small[k] for k in s.CASE_FIELDS))
    assert row.verdict(s.MEMORY_BYTES) == "same within 1%" and not found.failing
