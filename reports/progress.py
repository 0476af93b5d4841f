"""pytest plugin loaded into the benchmark sweep (`-p reports.progress`): the events of reports.contract.events.

It sends each case's start, failure, pytest-benchmark entry and end, the machine's identity at the
session's start, and the cases' count with each one's expected length from the suite's
pytest_sweep_expected_seconds hook (see Hooks; {} where no conftest implements it). It also leaves out
the cases named in the JSON list at $DESELECT_ENV (a restarted sweep skips what already finished), and
writes the run's JSON even when no case produced a timing (pytest-benchmark writes none then), so
machine_info and the run record survive a sweep whose last case crashed. It never changes what pytest
runs or times otherwise.
"""

from __future__ import annotations

import json
import os

import pytest

from reports.contract import events as e
from reports.contract.events import emit

_OUTCOME_RANK = {e.PASSED: 0, e.SKIPPED: 1, e.FAILED: 2}  # a case's outcome is its worst phase's

_state: dict = {"config": None, "emitted": 0, "outcome": {}}


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
    if os.environ.get(e.PROGRESS_ENV) and bs is not None and not bs.disabled:
        emit({e.MACHINE_INFO: bs.get_machine_info()})


def pytest_collection_modifyitems(config, items):
    """Leave out the cases a previous attempt of this sweep already finished."""
    path = os.environ.get(e.DESELECT_ENV)
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
    emit({e.TOTAL: len(session.items), e.EXPECTED_SECONDS: expected})


def pytest_runtest_logstart(nodeid, location):
    emit({e.START: nodeid})


def pytest_runtest_logreport(report):
    """A failed phase names its case and why; the teardown sends the timing and marks the case done."""
    outcome = _state["outcome"]
    if _OUTCOME_RANK[report.outcome] > _OUTCOME_RANK[outcome.get(report.nodeid, e.PASSED)]:
        outcome[report.nodeid] = report.outcome
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        lines = str(report.longrepr).strip().splitlines() or ["?"]
        message = crash.message if crash else lines[-1]
        emit({e.FAILED: report.nodeid, e.WHEN: report.when, e.MESSAGE: message[:300]})
    if report.when == "teardown":
        for entry in _new_entries():
            emit({e.BENCHMARK: entry})
        emit({e.DONE: report.nodeid, e.OUTCOME: outcome.pop(report.nodeid, e.PASSED)})


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
