"""Before a timing: the check against the reference, the first (JIT) call kept apart, the wait for idle pools."""

import json

import pytest

import impls
from benchmarks import checks, grid
from benchmarks.recorder import RunRecorder
from reports.contract import events, schema


def test_checked_problem_refuses_a_wrong_result(monkeypatch):
    """A case whose implementation disagrees with the reference raises instead of producing a timing."""
    import impls.numba

    case = grid.Case("numba", 3, 50, layout=schema.FRAME)
    good, _, _ = checks.checked_problem(case)
    # A kernel that forgot the 1/m scaling: plausible numbers, wrong ones.
    kernel = impls.numba.gradients
    monkeypatch.setattr(impls.numba, "gradients", lambda w, b, X, Y: [v * X.shape[1] for v in kernel(w, b, X, Y)])
    with pytest.raises(AssertionError, match=f"differs from {impls.REFERENCE}"):
        checks.checked_problem(case)
    assert good.shape == (3, 50)


def test_first_call_of_a_jit_implementation_is_recorded_once(monkeypatch, tmp_path):
    """The first call's seconds and Numba cache use go to the recorder and are sent after an event naming it;
    later calls, non-JIT implementations and calls without a recorder only run."""
    sent = tmp_path / "events.jsonl"
    monkeypatch.setenv(events.PROGRESS_ENV, str(sent))
    recorder, calls = RunRecorder(), []
    for _ in range(2):
        checks.first_call(impls.get("numba"), lambda: calls.append(1), recorder)
    checks.first_call(impls.get(impls.REFERENCE), lambda: calls.append(1), recorder)
    checks.first_call(impls.get("numba_parallel"), lambda: calls.append(1))
    assert len(calls) == 4 and set(recorder.first_calls) == {"numba"}
    record = recorder.first_calls["numba"]
    assert record.seconds >= 0 and record.cache is None  # the lambda compiled nothing
    written = {schema.FIRST_SECONDS: record.seconds, schema.FIRST_CACHE: None}
    assert [json.loads(line) for line in sent.read_text().splitlines()] == [
        {events.COMPILING: "numba"}, {schema.SUITE_KEY: {schema.FIRST_CALL: {"numba": written}}}]


def test_numba_cache_use_is_read_from_the_modules_dispatchers():
    """After a call, the numba module's dispatchers count a cache hit or a miss (the kernel is cache=True)."""
    d = grid.data(3, 9)
    impls.get("numba").gradients(*grid.start(3), d.X, d.Y)
    hits, misses = checks._numba_cache_counts("numba")
    assert hits + misses >= 1


@pytest.mark.parametrize(("threads", "busy_steps", "waits_expected"), [(1, 5, 0), (2, 0, 1), (2, 3, 4), (2, 99, 25)])
def test_settle_waits_until_the_pools_are_idle(monkeypatch, threads, busy_steps, waits_expected):
    """One thread: no wait; more: steps until one passes without this process using CPU, at most SETTLE_S."""
    clock = {"wall": 0.0, "cpu": 0.0, "steps": 0}

    def sleep(seconds):
        clock["wall"] += seconds
        clock["steps"] += 1
        clock["cpu"] += seconds if clock["steps"] <= busy_steps else 0.0  # a pool thread spinning, then asleep

    monkeypatch.setattr(checks.time, "sleep", sleep)
    monkeypatch.setattr(checks.time, "monotonic", lambda: clock["wall"])
    monkeypatch.setattr(checks.time, "process_time", lambda: clock["cpu"])
    checks.settle(threads)
    assert clock["steps"] == waits_expected
