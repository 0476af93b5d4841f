"""The sweep's events: a case's estimate sets its timeout and time left; machine and run record outlive the child."""

import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from tqdm import tqdm

from benchmarks import grid
from reports import cli, sweep
from reports.contract.events import EXPECTED_SECONDS, PROGRESS_ENV
from reports.contract.schema import (
    BANDWIDTH,
    BW_LEVELS,
    CAUSE_STOPPED,
    CAUSE_TIMEOUT,
    CPU_MODEL,
    FIRST_CALL,
    GRID,
    INTERRUPTED,
    NOISE,
    PROFILE,
    PROFILE_ENV,
    PROFILE_NAMES,
    ROLES,
    SUITE_KEY,
)
from tests.data.sweep_plugin import ESTIMATE_S, PROFILE_SENT
from tests.test_sweep import FAULTY, FAULTY_ID, ROOT, causes, sweep_faulty, timed

PLUGIN = ("-p", "tests.data.sweep_plugin")  # estimates and a run record, as benchmarks/conftest.py sends them


def test_a_hung_case_is_killed_at_a_timeout_derived_from_its_estimate(tmp_path, monkeypatch):
    """No --case-timeout: a case expected to take 0.2 s that hangs is killed at the floor, and the message says so."""
    monkeypatch.setattr(sweep, "TIMEOUT_FLOOR_S", 2.0)  # the real floor (60 s) is the same path, slower
    start = time.monotonic()
    result = sweep_faulty(tmp_path, "first or hangs", case_timeout_s=None, extra=PLUGIN)
    assert time.monotonic() - start < 60
    assert timed(result) == ["test_first"]
    assert causes(result) == {"test_hangs": (CAUSE_TIMEOUT, "ran past the per-case timeout of 2 s and was killed "
                                                            f"(expected to take {ESTIMATE_S:g} s)")}


def test_a_case_timeout_is_a_multiple_of_its_estimate_with_a_floor():
    """Short cases get the floor; long ones TIMEOUT_FACTOR times their estimate; unknown ones the old fixed limit."""
    assert sweep.case_timeout(0.2) == sweep.TIMEOUT_FLOOR_S == 60
    assert sweep.case_timeout(48.1) == 241 == sweep.TIMEOUT_FACTOR * 48.2
    assert sweep.case_timeout(None) == sweep.UNKNOWN_TIMEOUT_S


def test_the_progress_line_shows_the_estimate_left_and_the_time_to_a_slow_cases_timeout():
    """The expected length once collected, the estimate left (not a rate), and for a slow case its time to the kill."""
    out = io.StringIO()
    state = sweep.State()
    state.apply({"total": 2, EXPECTED_SECONDS: {"a": 30.0, "b": 60.0}}, [])
    with tqdm(file=out, bar_format="{postfix}") as bar:
        sweep._show(bar, state, None)
        state.apply({"done": "a"}, [])
        state.apply({"start": "b"}, [])
        state.started -= 20  # running for 20 s of its 60 s, timeout 5 × 60 s
        sweep._show(bar, state, None)
        bar.refresh()
    shown = out.getvalue()
    assert "2 cases, expected to take about 1.5 min" in shown
    assert shown.rstrip().endswith("failed=0, about 40 s left, b (running 20 s, killed in 280 s)")


def stop_when_started(events_glob, case: str, signum: int) -> threading.Thread:
    """A thread that sends signum to this process once a child's events say that case started."""
    def wait_and_signal():
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if any(f'"start": "{case}"' in p.read_text() for p in events_glob()):
                os.kill(os.getpid(), signum)
                return
            time.sleep(0.1)

    thread = threading.Thread(target=wait_and_signal, daemon=True)
    thread.start()
    return thread


def test_a_child_killed_before_writing_its_json_keeps_machine_info_and_run_record(tmp_path, monkeypatch):
    """SIGTERM, and a child that does not stop within GRACE_S: machine_info and the record come from its events."""
    monkeypatch.setattr(sweep, "GRACE_S", 0.0)  # killed at once: it never writes its JSON
    stop_when_started(lambda: (tmp_path / "work").glob("events-*.jsonl"), FAULTY_ID + "test_hangs", signal.SIGTERM)
    result = sweep_faulty(tmp_path, "first or hangs", extra=PLUGIN)
    assert result.signum == signal.SIGTERM and not list((tmp_path / "work").glob("part-*.json"))
    assert timed(result) == ["test_first"] and causes(result)["test_hangs"][0] == CAUSE_STOPPED
    assert result.output["machine_info"]["python_version"] == sys.version.split()[0]
    assert result.output[SUITE_KEY][PROFILE] == PROFILE_SENT and result.output[SUITE_KEY][INTERRUPTED] is True


def test_a_timeout_names_its_limit_in_the_report(tmp_path, monkeypatch, capsys):
    """The report's list of failed cases shows the timeout a hung case ran past."""
    monkeypatch.setattr(sweep, "TIMEOUT_FLOOR_S", 2.0)
    result = sweep_faulty(tmp_path, "hangs", case_timeout_s=None, extra=PLUGIN)
    sweep.write_json(result.output, tmp_path / "results.json")
    assert cli.main(["draw", str(tmp_path / "results.json"), "--out", str(tmp_path / "runs")]) == 0
    report = (tmp_path / "runs" / "latest" / "report.md").read_text()
    assert f"**failed (timeout)**: `{FAULTY_ID}test_hangs`: ran past the per-case timeout of 2 s" in report


def expected_seconds(tmp_path, profile: str, *args: str) -> tuple[list[str], dict[str, float]]:
    """(collected case ids, {case: expected seconds} sent) for the benchmarks of a profile, from collecting them."""
    events = tmp_path / "events.jsonl"
    env = {**os.environ, PROFILE_ENV: profile, PROGRESS_ENV: str(events)}
    collected = subprocess.run([sys.executable, "-m", "pytest", "benchmarks", "--collect-only", "--benchmark-disable",
                                "-q", "-p", "no:cacheprovider", "-p", "reports.progress", *args], cwd=ROOT, env=env,
                               check=True, capture_output=True, text=True, timeout=300).stdout
    total = next(e for line in events.read_text().splitlines() if "total" in (e := json.loads(line)))
    return [line for line in collected.splitlines() if "::" in line], total[EXPECTED_SECONDS]


def test_every_grid_case_has_an_estimate_and_the_quick_profile_takes_a_few_minutes(tmp_path):
    """Quick: 1–5 min in all (a real sweep here: ~2.6 min); a hang costs the 60 s floor, but where JIT code compiles."""
    collected, expected = expected_seconds(tmp_path, "quick")
    grid_cases = [c for c in collected if re.search(r"::test_(gradients|train|prepare|rounds|scaling_\w+)\[", c)]
    assert len(grid_cases) > 100 and set(expected) == {c for c in grid_cases if not c.endswith("[none]")}
    assert 60 < sum(expected.values()) < 300
    timeouts = sorted(sweep.case_timeout(s) for s in expected.values())
    assert timeouts[-2] == sweep.TIMEOUT_FLOOR_S < timeouts[-1] <= 180  # the first rounds visit compiles every JIT


@pytest.mark.parametrize("profile", PROFILE_NAMES)
def test_each_profiles_expected_length_stays_within_its_budget(tmp_path, profile):
    """A grid, rounds or scaling size added to a profile must fit its stated budget, or the budget must change."""
    _, expected = expected_seconds(tmp_path, profile)
    assert sum(expected.values()) <= grid.PROFILES[profile].run_budget_s


def test_the_full_profiles_slowest_case_gets_minutes(tmp_path):
    """Data generated on the Dask workers (~1 min here) gets at least 3 min before it is killed."""
    _, expected = expected_seconds(tmp_path, "full", "-k", "test_scaling_generated")
    assert len(expected) == 1 and sweep.case_timeout(*expected.values()) >= 180


@pytest.mark.slow
def test_a_stopped_sweeps_report_has_its_machine_and_limits(tmp_path, monkeypatch, capsys):
    """A real case, then SIGTERM to a child that does not stop in time: the report keeps machine and × limit."""
    monkeypatch.setattr(sweep, "GRACE_S", 0.0)
    out = tmp_path / "runs"
    stop_when_started(lambda: out.glob(".partial-*/.sweep/events-*.jsonl"), FAULTY_ID + "test_hangs", signal.SIGTERM)
    code = cli.main(["run", "--out", str(out), "--", "-k", "numba-n10-m100-lecture-float64-t1 and test_gradients "
                     "or test_hangs", str(FAULTY), "--benchmark-max-time=0.01"])
    assert code == 143
    run = (out / "latest").resolve()
    assert not list(run.glob(".sweep/part-*.json"))
    data = json.loads((run / "pytest-benchmark.json").read_text())
    assert data["machine_info"][SUITE_KEY][CPU_MODEL]
    record = data[SUITE_KEY]
    assert {ROLES, GRID, NOISE} <= record.keys() and record[BANDWIDTH][BW_LEVELS] and "numba" in record[FIRST_CALL]
    report = (run / "report.md").read_text()
    assert "Machine: ?" not in report and "- First call (JIT): numba" in report
    row = next(line for line in report.splitlines() if line.startswith("| numba |"))
    assert re.search(r"\| [0-9.,]+\*? \((L2|L3|DRAM)\) \|", row), row  # its × one-read limit, at its level
