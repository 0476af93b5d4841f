"""Dask scaling: `pytest benchmarks/test_scaling.py --benchmark-only --benchmark-json=FILE`.

Dask on 1 and 2 single-threaded worker processes of its embedded LocalCluster, at two caps on the
bytes of X per chunk, beside NumPy on this machine (one thread and all cores) at the same sizes, so
the report computes efficiency = NumPy time / Dask time from one run. Sizes: the profile's
`scaling` (benchmarks/grid.py). The client, the scheduler and the workers share this machine's cores.
"""

import resource
from contextlib import contextmanager

import numpy as np
import pytest

import impls
from benchmarks import checks, grid
from reports.contract.schema import BENCHMARK, CHUNKS, SCALING, SCALING_GENERATED, WORKERS

PROFILE = grid.profile()
NUMPY_CASES, DASK_CASES = grid.scaling_cases(PROFILE)
# A profile without a generated size gets one skipped entry that says why (an empty list would
# read as pytest's bare "got empty parameter set").
GENERATED = [grid.ScalingCase("dask", *PROFILE.generated, threads=k, workers=k)
             for k in grid.SCALING_WORKERS[-1:]] if PROFILE.generated else [
    pytest.param(None, id="none", marks=pytest.mark.skip(
        reason=f"data generated on the workers: only in the full profile ({grid.PROFILE_ENV}=full)"))]
# Each size is timed at a separate moment of the run, so the Dask models fit medians that the VM's state
# moves between sizes; nine calls rather than pytest-benchmark's five steady the slow sizes' medians.
MORE_ROUNDS = pytest.mark.benchmark(min_rounds=9)


def measure_gradient(benchmark, case, problem, w, b, chunks: int, workers: int) -> None:
    """Time problem.gradients with the scaling benchmark's group and extra_info (workers: those that ran)."""
    benchmark.group = f"scaling n={case.n} m={case.m}"
    benchmark.extra_info.update({**case.info(), BENCHMARK: SCALING, CHUNKS: chunks, WORKERS: workers})
    benchmark(problem.gradients, w, b)


def other_cluster_size(case) -> str | None:
    """Why an available Dask case cannot run as labelled: a connected cluster has another worker count."""
    from impls import dask as idk

    fixed = idk.fixed_workers()
    if fixed is not None and fixed != case.workers:
        return f"the connected Dask cluster ({idk.ADDRESS_ENV}) has {fixed} workers, not {case.workers}"
    return None


@contextmanager
def chunk_cap(nbytes: int):
    """Dask chunks of at most nbytes of X for the data prepared inside the block."""
    from impls import dask as idk

    previous = idk.set_chunk_bytes(nbytes)
    try:
        yield
    finally:
        idk.set_chunk_bytes(previous)


@MORE_ROUNDS
@pytest.mark.parametrize("case", NUMPY_CASES, ids=str)
def test_scaling_numpy(benchmark, recorder, skip_case, case):
    """NumPy on one machine, the reference of the efficiency: one thread and all cores."""
    if reason := case.skip_reason(PROFILE):
        skip_case(case, SCALING, reason)
    with impls.limit_threads(case.threads):
        measure_gradient(benchmark, case, *checks.checked_problem(case, recorder), chunks=1, workers=1)


@MORE_ROUNDS
@pytest.mark.parametrize("case", DASK_CASES, ids=str)
def test_scaling_dask(benchmark, recorder, skip_case, case):
    """Dask on `workers` processes with X chunked under the cap, data on the workers, checked against NumPy."""
    if reason := case.skip_reason(PROFILE) or other_cluster_size(case):
        skip_case(case, SCALING, reason)
    from impls import dask as idk

    with impls.limit_threads(case.workers), chunk_cap(case.chunk_bytes):
        problem, w, b = checks.checked_problem(case, recorder)
        measure_gradient(benchmark, case, problem, w, b, chunks=problem.data[0].numblocks[1], workers=idk.workers())


def blockwise_numpy(X, Y, w: np.ndarray, b: float) -> np.ndarray:
    """(dw, db, cost) of NumPy over a Dask problem, one block on the client at a time."""
    from impls import dask as idk

    numpy, total = impls.get("numpy"), np.zeros(X.shape[0] + 2)
    for i in range(X.numblocks[1]):
        x, y = idk.client().compute([X.blocks[0, i], Y.blocks[0, i]], sync=True)
        dw, db, cost = numpy.gradients(w, b, x, y)
        total += np.concatenate((dw.ravel(), (db, cost))) * x.shape[1]
    return total / X.shape[1]


@pytest.mark.parametrize("case", GENERATED, ids=str)
def test_scaling_generated(benchmark, skip_case, case):
    """Full profile: one gradient of a problem generated on the workers (every call regenerates X there)."""
    if not case.impl.available:
        skip_case(case, SCALING_GENERATED, f"not available here: {case.impl.unavailable_reason}")
    if reason := other_cluster_size(case):
        skip_case(case, SCALING_GENERATED, reason)
    from impls import dask as idk

    w, b = grid.start(case.n)
    with impls.limit_threads(case.workers):
        problem = case.impl.generate(case.n, case.m, seed=0)
        X, Y = problem.data
        g = problem.gradients(w, b)
        np.testing.assert_allclose(np.concatenate((g.dw.ravel(), (g.db, g.cost))), blockwise_numpy(X, Y, w, b),
                                   rtol=checks.RTOL["float64"], atol=checks.ATOL["float64"])
        benchmark.group = f"scaling generated n={case.n} m={case.m}"
        benchmark.extra_info.update({**case.info(), BENCHMARK: SCALING_GENERATED, CHUNKS: X.numblocks[1],
                                     WORKERS: idk.workers()})
        # Tens of seconds per call on 2 cores (generating 10^9 normals): one round, the check above warmed up.
        benchmark.pedantic(problem.gradients, args=(w, b), rounds=1, iterations=1)
    # ru_maxrss (KiB on Linux) is the peak of this whole pytest process: far below bytes_x shows that
    # the client never held X.
    benchmark.extra_info["client_peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
