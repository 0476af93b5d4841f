"""Counts beside the timings: `python -m reports run --counts` (or LOGREG_COUNTS=1 pytest benchmarks -k counts).

One entry per run: every case of grid.count_cases() counted under callgrind (benchmarks/counting.py),
its per-call counts in extra_info[COUNTED] and the conditions that make them comparable in
extra_info[COUNTING]. The entry's own time is how long counting took, nothing more.
"""

import os
from dataclasses import asdict

import pytest

from benchmarks import counting, grid
from reports.contract import schema

# A counting process starts in 10-30 s under valgrind and a call at m = 10^5 takes seconds there.
TIMEOUT_S = 600.0


def counted(cases: list[dict], found: dict) -> list[dict]:
    """One COUNTED item per case (its Case.info() fields): with its counts, or the reason it has none."""
    items = []
    for fields in cases:
        got = found.get(counting.window_name(fields, 1), "not counted")
        items.append({**fields, schema.COUNTS: asdict(got)} if isinstance(got, counting.Counts)
                     else {**fields, schema.REASON: got})
    return items


def test_counts(benchmark):
    """Instructions, estimated cycles and memory traffic per call of the core implementations.

    Asked for where counts cannot be made (valgrind missing, say), the entry holds no counts and
    says why, so the report can tell the user how to get them.
    """
    if os.environ.get(schema.COUNTS_ENV) != "1":
        pytest.skip(f"counts not asked for: python -m reports run --counts (or {schema.COUNTS_ENV}=1)")
    benchmark.group = schema.COUNTS
    benchmark.extra_info[schema.BENCHMARK] = schema.COUNTS
    if reason := counting.unavailable_reason():
        benchmark.extra_info.update({schema.COUNTING: {schema.REASON: reason}, schema.COUNTED: []})
        benchmark.pedantic(lambda: None, rounds=1, iterations=1)
        return
    cases, found = grid.count_cases(), {}
    fields = [case.info() for case in cases]  # count_cases() are one-thread cases
    benchmark.extra_info[schema.COUNTING] = counting.conditions()
    benchmark.pedantic(lambda: found.update(counting.count(fields, TIMEOUT_S)), rounds=1, iterations=1)
    benchmark.extra_info[schema.COUNTED] = counted(fields, found)
