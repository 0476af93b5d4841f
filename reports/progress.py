"""pytest plugin loaded into the benchmark sweep (`-p reports.progress`): one JSON line per event.

Lines go to the file named by $LOGREG_PROGRESS_FILE, which the sweep (reports.sweep) reads to show
progress, to enforce its per-case timeout and to keep every finished case even when the process
dies later. Events, in order for one case::

    {"start": id}                                 the case began (setup included)
    {"compiling": name}                           optional: a JIT implementation's first call compiles
    {"failed": id, "when": phase, "message": m}   a phase raised
    {"benchmark": entry}                          the case's pytest-benchmark entry, as its JSON holds it
    {"done": id, "outcome": passed|failed|skipped}

At the session's start: {"machine_info": …} as pytest-benchmark's JSON will hold it; before the first
case: {"total": number of cases, "expected_seconds": {id: seconds}}, each case's expected length from
the suite's pytest_sweep_expected_seconds hook (see Hooks; {} where no conftest implements it). A
suite may send pieces of its run record as {"logreg": {field: value}} whenever it measures them,
so that a process killed before writing its JSON loses none of them. The plugin also leaves out the
cases named in the JSON list at $LOGREG_SWEEP_DESELECT (a restarted sweep skips what already
finished), and writes the run's JSON even when no case produced a timing (pytest-benchmark writes
none then), so machine_info and the run record survive a sweep whose last case crashed. It never
changes what pytest runs or times otherwise.
"""

from __future__ import annotations

import json
import os

import pytest

from reports.schema import EXPECTED_SECONDS, PROGRESS_ENV

DESELECT_ENV = "LOGREG_SWEEP_DESELECT"
_OUTCOME_RANK = {"passed": 0, "skipped": 1, "failed": 2}  # a case's outcome is its worst phase's

_state: dict = {"config": None, "emitted": 0, "outcome": {}}


def emit(event: dict) -> None:
    """Append one event to the progress file (when the sweep was started by the report)."""
    path = os.environ.get(PROGRESS_ENV)
    if path:
        from pytest_benchmark.utils import safe_dumps  # serialises what pytest-benchmark's JSON holds

        with open(path, "a", encoding="utf-8") as f:
            f.write(safe_dumps(event) + "\n")


class Hooks:
    """The hook a benchmark suite implements in its conftest.py (with optionalhook=True: the plugin may be absent)."""

    @pytest.hookspec(firstresult=True)
    def pytest_sweep_expected_seconds(self, items):
        """{node id: seconds} each case is expected to take, setup included, for ``items`` run in that order."""


def pytest_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(Hooks)


def pytest_configure(config):
    _state.update(config=config, emitted=0, outcome={})


@pytest.hookimpl(trylast=True)  # after the suite's own session start, which may measure what machine_info reports
def pytest_sessionstart(session):
    """The machine's identity now, not only in the JSON written at the end (which a killed process never writes)."""
    bs = getattr(session.config, "_benchmarksession", None)
    if os.environ.get(PROGRESS_ENV) and bs is not None and not bs.disabled:
        emit({"machine_info": bs.get_machine_info()})


def pytest_collection_modifyitems(config, items):
    """Leave out the cases a previous attempt of this sweep already finished."""
    path = os.environ.get(DESELECT_ENV)
    if not path:
        return
    with open(path, encoding="utf-8") as f:
        finished = set(json.load(f))
    removed = [item for item in items if item.nodeid in finished]
    if removed:
        items[:] = [item for item in items if item.nodeid not in finished]
        config.hook.pytest_deselected(items=removed)


def pytest_collection_finish(session):
    expected = session.config.hook.pytest_sweep_expected_seconds(items=session.items) or {}
    emit({"total": len(session.items), EXPECTED_SECONDS: expected})


def pytest_runtest_logstart(nodeid, location):
    emit({"start": nodeid})


def pytest_runtest_logreport(report):
    """A failed phase names its case and why; the teardown sends the timing and marks the case done."""
    outcome = _state["outcome"]
    if _OUTCOME_RANK[report.outcome] > _OUTCOME_RANK[outcome.get(report.nodeid, "passed")]:
        outcome[report.nodeid] = report.outcome
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        lines = str(report.longrepr).strip().splitlines() or ["?"]
        message = crash.message if crash else lines[-1]
        emit({"failed": report.nodeid, "when": report.when, "message": message[:300]})
    if report.when == "teardown":
        for entry in _new_entries():
            emit({"benchmark": entry})
        emit({"done": report.nodeid, "outcome": outcome.pop(report.nodeid, "passed")})


def _new_entries() -> list[dict]:
    """pytest-benchmark entries added since the last call, as its JSON writer renders them."""
    session = getattr(_state["config"], "_benchmarksession", None)
    if session is None:
        return []
    new, _state["emitted"] = session.benchmarks[_state["emitted"]:], len(session.benchmarks)
    return [bench.as_dict(include_data=True) for bench in new if not bench.has_error]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)  # before pytest-benchmark's own, which would warn and skip
def pytest_sessionfinish(session):
    """No timing in this run: write its JSON anyway (machine_info, run record), as pytest-benchmark would."""
    bs = getattr(session.config, "_benchmarksession", None)
    if bs is not None and not bs.benchmarks and bs.json and not bs.disabled:
        hook = session.config.hook
        commit_info = hook.pytest_benchmark_generate_commit_info(config=session.config)
        hook.pytest_benchmark_update_commit_info(config=session.config, commit_info=commit_info)
        output = hook.pytest_benchmark_generate_json(config=session.config, benchmarks=[], include_data=True,
                                                     machine_info=bs.get_machine_info(), commit_info=commit_info)
        hook.pytest_benchmark_update_json(config=session.config, benchmarks=[], output_json=output)
        bs.save_json(output)
        # Written: pytest-benchmark's "Not saving anything" warning (an error under filterwarnings) would follow.
        bs.json = None
    yield
