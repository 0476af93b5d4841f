"""How long each benchmark case is expected to take, setup included, estimated in the order the cases run.

The sweep (reports.sweep) derives each case's timeout and the time left from these estimates, and a
profile's whole sweep is held to its run budget by them (tests/test_progress.py). Rough on purpose,
and on the generous side: a case killed while healthy loses its result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import impls
from benchmarks import grid
from benchmarks.grid import Case, Profile, Size
from reports.contract import schema

# Each on the generous side of what was measured (docs/performance.md).
CASE_OVERHEAD_S = 0.1  # pytest's and pytest-benchmark's own work in a case, and one check at small sizes
FIRST_CALL_S = 5.0  # a JIT implementation's first call in a process: fast from Numba's on-disk cache, seconds cold
DATA_NS = 30.0  # grid.data: drawing X and Y, per element of X


@dataclass
class Warm:
    """What earlier cases of one process leave for later ones: JIT implementations called, sizes of data built."""

    called: set[str] = field(default_factory=set)
    data: list[tuple] = field(default_factory=list)  # grid.data's cache, most recent last


def expected_seconds(kind: str, case: Case | Size, warm: Warm, max_time: float, min_rounds: int, calls: int = 1,
                     prof: Profile | None = None) -> float:
    """Seconds a case of a benchmark kind (schema.KINDS) is expected to take, its data, checks and first calls included.

    ``case`` is a Size for ROUNDS (one visit), else a Case; ``calls`` gradients make one timed call (train).
    pytest-benchmark times a call for max_time, at least min_rounds times. Cases estimated in the
    order they run share ``warm``, so each size's data and each JIT compilation count once.
    """
    prof = prof or grid.profile()
    if kind == schema.ROUNDS:
        return _visit_seconds(case, warm, prof)
    if not case.impl.available:
        return CASE_OVERHEAD_S
    if kind == schema.SCALING_GENERATED:  # the check, the blockwise reference and the one timed call each generate X
        generate = DATA_NS * 1e-9 * case.n * case.m / case.workers
        return CASE_OVERHEAD_S + 3 * (generate + case.impl.estimated_seconds(case.n, case.m))
    if case.skip_reason(prof, calls=calls):
        return CASE_OVERHEAD_S
    call = calls * case.impl.estimated_seconds(case.n, case.m)
    return _check_seconds(case, warm) + max(max_time, min_rounds * call) + 2 * call  # + calibration and warm-up


def _visit_seconds(size: Size, warm: Warm, prof: Profile) -> float:
    """One visit of test_rounds: each implementation's check, a discarded round, then rounds for the visit budget."""
    cases = [Case(name, size.n, size.m, size.dtype, size.threads, size.layout) for name in impls.names()]
    cases = [c for c in cases if not c.skip_reason(prof, budget_s=min(prof.budget_s, prof.rounds_call_s))]
    round_s = prof.samples * sum(2 * c.impl.estimated_seconds(size.n, size.m) for c in cases)  # a warm-up call each
    checks = sum(_check_seconds(c, warm) for c in cases)
    return CASE_OVERHEAD_S + checks + round_s + max(prof.visit_budget_s, prof.least_rounds * round_s)


def _check_seconds(case: Case, warm: Warm) -> float:
    """checked_problem: the size's data unless cached, prepare's copy, the first call (compiling once), the check."""
    reference = impls.get(impls.REFERENCE).estimated_seconds(case.n, case.m)  # about one pass over X
    seconds = CASE_OVERHEAD_S + 2 * reference + case.impl.estimated_seconds(case.n, case.m)
    key = (case.n, case.m, case.dtype, case.layout)
    if key not in warm.data:
        seconds += DATA_NS * 1e-9 * case.n * case.m
    warm.data = [*(k for k in warm.data if k != key), key][-grid.data.cache_info().maxsize:]
    if case.impl.jit and case.implementation not in warm.called:
        warm.called.add(case.implementation)
        seconds += FIRST_CALL_S
    return seconds

