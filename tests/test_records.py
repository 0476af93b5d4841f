"""The contract's records: from_json reads what to_json writes, and a results file's format version is checked."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from reports.contract import schema as s
from reports.contract.checked import ReportInputError
from reports.contract.records import Counted, Counting, Failure, Rounds, Run, Skip, to_json
from reports.load import load

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
RECORDED = sorted(DATA.glob("pytest-benchmark*.json"))


def recorded_records() -> list:
    """One of each record kind a results file holds, as the loader read them from the recorded files."""
    found = []
    for path in RECORDED:
        results = load([path])
        (series,) = results.series.values()
        run = series.run
        found += [series.machine, replace(run, counting=None), *run.skipped, *run.first_call.values(),
                  *results.rounds, *results.counted, *(c.counts for c in results.counted if c.counts)]
        found += [x for x in (run.noise, run.counting) if x is not None]
    # Kinds the recorded files do not hold: a failure of each cause, and counts that could not be made.
    return found + [Failure("bench::x", cause, "boom") for cause in s.CAUSES] + [Counting(reason="no valgrind")]


def test_every_record_kind_reads_back_what_it_writes():
    """from_json(to_json(x)) == x through JSON text, for every record of the recorded files."""
    records = recorded_records()
    kinds = {type(x).__name__ for x in records}
    assert kinds == {"Machine", "Run", "Skip", "FirstCall", "Rounds", "Counted", "Counts", "Noise", "Counting",
                     "Failure"}
    for x in records:
        text = json.loads(json.dumps(to_json(x)))
        back = type(x).from_json(text, "file.json", "where")
        assert back == (replace(x, series="") if isinstance(x, Counted | Rounds) else x), type(x)


def test_a_run_record_is_written_with_the_format_version():
    """to_json of a run record names the format it is written in."""
    assert to_json(Run())[s.FORMAT_VERSION_KEY] == s.FORMAT_VERSION


def test_an_unknown_failure_cause_is_refused_naming_it():
    """schema.CAUSES is the closed list of causes."""
    with pytest.raises(ReportInputError, match=r"file.json: logreg.failed\[0\].cause: .*'melted'"):
        Run.from_json({s.FAILED: [{s.CASE: "x", s.CAUSE: "melted", s.MESSAGE: ""}]}, "file.json", s.SUITE_KEY)


def test_a_skip_without_a_reason_reads_as_unknown():
    assert Skip.from_json({s.N: 10}, "file.json", "skip") == Skip(reason="?", n=10)


def with_version(tmp_path: Path, version) -> Path:
    """A copy of a recorded file whose run record states the format version."""
    data = json.loads((DATA / "pytest-benchmark-new.json").read_text())
    data[s.SUITE_KEY][s.FORMAT_VERSION_KEY] = version
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    return path


def test_a_newer_format_exits_2_naming_both_versions(tmp_path):
    """`python -m reports draw` on a file of a newer format: exit 2, one line naming the file and both versions."""
    path = with_version(tmp_path, s.FORMAT_VERSION + 1)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "reports", "draw", str(path), "--out", str(tmp_path / "runs")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert str(path) in done.stderr
    assert f"format {s.FORMAT_VERSION + 1}, this reader reads up to {s.FORMAT_VERSION}" in done.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").glob("2*"))


@pytest.mark.parametrize("version", [0, -1, 2.5, "3", True])
def test_a_format_version_that_is_not_a_positive_whole_number_is_refused(tmp_path, version):
    path = with_version(tmp_path, version)
    with pytest.raises(ReportInputError, match=f"{path}: logreg.format_version: expected a whole number"):
        load([path])


@pytest.mark.parametrize("version", [None, s.UNVERSIONED_FORMAT, s.FORMAT_VERSION])
def test_files_of_this_format_or_older_read_alike(tmp_path, version):
    """A file without the key is of version 2 and reads as one stating it (or the current one)."""
    plain = load([DATA / "pytest-benchmark-new.json"])
    stated = load([with_version(tmp_path, version)])
    assert stated.records == [replace(r, series=stated.records[0].series) for r in plain.records]
    assert [x.run for x in stated.series.values()] == [x.run for x in plain.series.values()]
