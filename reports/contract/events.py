"""Progress events: one JSON object per line, from a benchmark process to the sweep that started it.

A process started by the sweep (reports.sweep) finds the events file at $PROGRESS_ENV and appends one
line per event; the sweep reads the lines to show progress, to enforce each case's timeout and to keep
every finished case even when the process dies later. Events, in order for one case::

    {START: id}                                   the case began (setup included)
    {COMPILING: name}                             optional: a JIT implementation's first call compiles
    {FAILED: id, WHEN: phase, MESSAGE: m}         a phase raised
    {BENCHMARK: entry}                            the case's pytest-benchmark entry, as its JSON holds it
    {DONE: id, OUTCOME: passed|failed|skipped}

At the session's start: {MACHINE_INFO: …} as pytest-benchmark's JSON will hold it; before the first
case: {TOTAL: number of cases, EXPECTED_SECONDS: {id: seconds}}. A suite sends pieces of its run
record as {RUN_RECORD: {field: value}} whenever it measures them, so that a process killed before
writing its JSON loses none of them.
"""

from __future__ import annotations

import json
import os

from reports.contract.schema import SUITE_KEY

PROGRESS_ENV = "LOGREG_PROGRESS_FILE"  # the events file; unset: emit() does nothing
DESELECT_ENV = "LOGREG_SWEEP_DESELECT"  # a JSON list of case ids a restarted sweep leaves out

START, COMPILING, FAILED, BENCHMARK, DONE = "start", "compiling", "failed", "benchmark", "done"
WHEN, MESSAGE, OUTCOME = "when", "message", "outcome"
PASSED, SKIPPED = "passed", "skipped"  # OUTCOME values, with FAILED
MACHINE_INFO, TOTAL = "machine_info", "total"
# With TOTAL: {case id: seconds} each case is expected to take, setup included (the sweep derives each
# case's timeout and the time left from it; benchmarks.estimates.expected_seconds computes it).
EXPECTED_SECONDS = "expected_seconds"
RUN_RECORD = SUITE_KEY  # pieces of the run record (schema.RUN_FIELDS)


def emit(event: dict) -> None:
    """Append one event to the events file, when a sweep asked for one.

    A value JSON cannot hold is written as UNSERIALIZABLE[repr], as pytest-benchmark's own JSON writer
    does, so an entry reads the same from the events as from the file pytest-benchmark writes.
    """
    path = os.environ.get(PROGRESS_ENV)
    if path:
        line = json.dumps(event, default=lambda o: f"UNSERIALIZABLE[{o!r}]")
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
