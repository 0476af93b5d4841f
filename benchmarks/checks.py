"""Before anything is timed: a case checked against the reference, its first (JIT) call timed apart, the cores settled.

A wrong implementation must never produce a timing, compilation must stay out of the timings, and a
pool of threads still spinning from the previous call must not share the cores with the next
measurement. Every engine (pytest-benchmark's tests, asv's suites, the rounds, the counts) calls
``checked_problem`` before it times a case.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

import impls
from benchmarks import grid
from reports.contract import events, schema

if TYPE_CHECKING:
    from benchmarks.recorder import RunRecorder

RTOL = {"float64": 1e-9, "float32": 1e-4}
ATOL = {"float64": 1e-12, "float32": 1e-5}  # dw entries near 0 make a purely relative bound meaningless

# After a multi-threaded call, idle pool threads keep spinning for a while before they sleep
# (OpenBLAS's default is 2**28 cycles, ~0.1 s), taking a core from whatever runs next, so a probe or
# a timing right after one reads the machine slower than it is (docs/performance.md). Rather than
# always waiting that long, wait in steps until a step passes in which this process's threads used
# (almost) no CPU: after a Numba or Dask measurement, whose threads sleep at once, that is one step;
# after OpenBLAS, about 0.1 s. Multi-threaded rounds take one such wait per measurement.
SETTLE_S = 0.25  # the longest wait
SETTLE_STEP_S = 0.01
IDLE_CPU_S = 0.002  # CPU seconds of this process in one step below which its pools are asleep


def settle(threads: int = grid.CORES) -> None:
    """Wait until spinning pool threads went idle, at most SETTLE_S (no wait when only one thread ran)."""
    if threads <= 1:
        return
    deadline = time.monotonic() + SETTLE_S
    used = time.process_time()
    while time.monotonic() < deadline:
        time.sleep(SETTLE_STEP_S)
        used, before = time.process_time(), used
        if used - before < IDLE_CPU_S:
            return


def _numba_cache_counts(name: str) -> tuple[int, int]:
    """(hits, misses) of Numba's on-disk cache over the dispatchers of an implementation's module."""
    import numba

    from impls import _registry  # the registry's module lookup: the dispatchers live in the module

    dispatchers = [d for d in vars(_registry.load(name)).values() if isinstance(d, numba.core.dispatcher.Dispatcher)]
    return (sum(sum(d.stats.cache_hits.values()) for d in dispatchers),
            sum(sum(d.stats.cache_misses.values()) for d in dispatchers))


def first_call(impl: impls.Implementation, call, recorder: RunRecorder | None = None):
    """Run ``call``; if it is a JIT implementation's first call in this run, give its seconds and cache use to recorder.

    Without a recorder (asv's suites, the counting processes) nothing is kept and the call just runs.
    The progress event before it lets the sweep's display name what is compiling (tens of seconds cold).
    """
    if recorder is None or not impl.jit or impl.name in recorder.first_calls:
        return call()
    events.emit({events.COMPILING: impl.name})
    hits, misses = _numba_cache_counts(impl.name)
    start_s = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start_s
    after = _numba_cache_counts(impl.name)
    hits, misses = after[0] - hits, after[1] - misses
    recorder.first_call(impl.name, seconds, schema.CACHE_MISS if misses else schema.CACHE_HIT if hits else None)
    return result


def checked_problem(case: grid.Case, recorder: RunRecorder | None = None) -> tuple[impls.Problem, np.ndarray, float]:
    """Prepared data for a case, warmed up and verified against the reference before anything is timed.

    A wrong implementation must not produce a timing: a mismatch raises AssertionError.
    The first call also compiles JIT code, which therefore stays out of the timings (and goes to
    ``recorder``, when given). When the profile runs several threads it then settles, so no pool
    spun up by the check (or by the previous case) shares the cores with the timing.
    """
    d = grid.data(case.n, case.m, case.dtype, case.layout)
    w, b = grid.start(case.n)
    problem = case.impl.prepare(d.X, d.Y, dtype=case.dtype)
    got = first_call(case.impl, lambda: problem.gradients(w, b), recorder)
    want = impls.get(impls.REFERENCE).gradients(w, b, d.X, d.Y, dtype=case.dtype)
    for label, g, e in zip(("dw", "db", "cost"), got, want, strict=True):
        np.testing.assert_allclose(g, e, rtol=RTOL[case.dtype], atol=ATOL[case.dtype],
                                   err_msg=f"{case}: {label} differs from {impls.REFERENCE}")
    settle(max(grid.profile().threads))  # the check ran the reference; a previous case may have run 2 threads
    return problem, w, b
