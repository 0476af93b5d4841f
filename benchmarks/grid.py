"""The one size grid, its profiles, what each implementation can afford, and checked, seeded data.

Both engines import this module: asv's suites (bench_*.py) and pytest-benchmark's tests
(test_*.py). A profile selects from the grid; choose it with the environment variable
LOGREG_BENCH_PROFILE=quick|full (default quick), the one switch for asv, pytest and the report.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

import impls

PROFILE_ENV = "LOGREG_BENCH_PROFILE"
CORES = os.cpu_count() or 1

M_VALUES = (10**2, 10**3, 10**4, 10**5, 10**6)
N_VALUES = (1, 10, 100, 1000)
DTYPES = ("float64", "float32")
THREADS = tuple(sorted({1, CORES}))
# Where X (800 MB in float64) dwarfs every cache, so reading it bounds a gradient: the sizes at
# which numba_parallel is set against numpy and the one-read limit (python -m benchmarks.roofline).
ROOFLINE_SIZES = ((1000, 10**5), (100, 10**6), (10, 10**6))
# The scaling benchmark (test_scaling.py): Dask on 1 and 2 worker processes, two caps on the bytes of X
# per chunk, beside NumPy on one machine at the same (n, m); its sizes are per profile (Profile.scaling).
SCALING_WORKERS = (1, 2)
SCALING_CHUNK_BYTES = (16 * 2**20, 64 * 2**20)


@dataclass(frozen=True)
class Profile:
    """A selection from the grid plus the per-call time budget that decides what is skipped."""

    m: tuple[int, ...]
    n: tuple[int, ...]
    dtypes: tuple[str, ...]
    threads: tuple[int, ...]
    budget_s: float  # an implementation whose estimated call exceeds this is skipped, not run
    max_bytes: int  # X larger than this is skipped (generating and holding it would dominate)
    scaling: tuple[tuple[int, int], ...] = ()  # (n, m) of the Dask scaling benchmark
    generated: tuple[int, int] | None = None  # (n, m) made on the Dask workers, X never on the client


PROFILES = {
    # About a minute on 2 cores for the pytest-benchmark sweep.
    "quick": Profile(m=(10**2, 10**3, 10**4), n=(10, 100), dtypes=("float64",), threads=(1,),
                     budget_s=0.3, max_bytes=2**27, scaling=((10, 10**5), (10, 10**6))),
    # The whole grid; at most ~15 minutes on 2 cores.
    "full": Profile(m=M_VALUES, n=N_VALUES, dtypes=DTYPES, threads=THREADS, budget_s=1.5,
                    max_bytes=2**30, scaling=((10, 10**5), (10, 10**6), (100, 10**6), (10, 10**7)),
                    generated=(10, 10**8)),
}


def profile_name() -> str:
    """The profile chosen by LOGREG_BENCH_PROFILE; an unknown name is an error, not a silent default."""
    name = os.environ.get(PROFILE_ENV, "quick").strip().lower() or "quick"
    if name not in PROFILES:
        raise ValueError(f"{PROFILE_ENV} must be one of {', '.join(PROFILES)}, got {name!r}")
    return name


def profile() -> Profile:
    """The active profile."""
    return PROFILES[profile_name()]


@dataclass(frozen=True)
class Case:
    """One point of the grid: implementation × n × m × dtype × threads."""

    implementation: str
    n: int
    m: int
    dtype: str = "float64"
    threads: int = 1

    def __str__(self) -> str:
        return f"{self.implementation}-n{self.n}-m{self.m}-{self.dtype}-t{self.threads}"

    @property
    def impl(self) -> impls.Implementation:
        return impls.get(self.implementation)

    @property
    def bytes_x(self) -> int:
        return self.n * self.m * np.dtype(self.dtype).itemsize

    def info(self) -> dict:
        """What every result records about its case."""
        return {"implementation": self.implementation, "n": self.n, "m": self.m, "dtype": self.dtype,
                "threads": self.threads, "bytes_x": self.bytes_x,
                "memory": self.impl.memory if self.impl.available else None}  # unknown without its module

    def skip_reason(self, prof: Profile | None = None, calls: int = 1) -> str | None:
        """Why this case is not run (unavailable, unsupported, unaffordable), or None to run it."""
        prof = prof or profile()
        impl = self.impl
        if not impl.available:
            return f"not available here: {impl.unavailable_reason}"
        if self.dtype not in impl.dtypes:
            return f"{self.implementation} computes in {', '.join(impl.dtypes)} only"
        if self.threads > 1 and not impl.uses_threads:
            return f"{self.implementation} runs on one thread; more threads would measure nothing new"
        if self.bytes_x > prof.max_bytes or self.bytes_x * 3 > available_memory():
            return f"X would take {self.bytes_x / 2**20:.0f} MiB: over this profile's data cap or free memory"
        estimate = impl.estimated_seconds(self.n, self.m) * calls
        if estimate > prof.budget_s:
            return f"estimated {estimate:.2g} s exceeds this profile's {prof.budget_s} s budget"
        return None


def cases(prof: Profile | None = None) -> list[Case]:
    """Every case of a profile over every registered implementation (skips included, for visibility).

    Size-major order: the implementations of one size run back to back, so its data is built once.
    """
    prof = prof or profile()
    return [Case(name, n, m, dtype, threads)
            for n in prof.n for m in prof.m for dtype in prof.dtypes for threads in prof.threads
            for name in impls.names()]


@dataclass(frozen=True)
class ScalingCase(Case):
    """A case of the scaling benchmark: Dask on `workers` processes (threads = workers), or NumPy on one."""

    workers: int = 1
    chunk_bytes: int | None = None  # Dask's cap on the bytes of X per chunk; None: X is not chunked

    def __str__(self) -> str:
        chunk = f"-w{self.workers}-chunk{self.chunk_bytes // 2**20}MiB" if self.chunk_bytes else ""
        return f"{self.implementation}-n{self.n}-m{self.m}-t{self.threads}{chunk}"

    def info(self) -> dict:
        return {**super().info(), "workers": self.workers, "chunk_bytes": self.chunk_bytes}


def scaling_cases(prof: Profile | None = None) -> tuple[list[ScalingCase], list[ScalingCase]]:
    """NumPy at 1 thread and all cores, and Dask over workers × chunk caps, at the profile's scaling sizes.

    Dask's cases go worker count first: the embedded cluster restarts only when the count changes.
    """
    prof = prof or profile()
    numpy = [ScalingCase("numpy", n, m, threads=t) for n, m in prof.scaling for t in THREADS]
    dask = [ScalingCase("dask", n, m, threads=k, workers=k, chunk_bytes=cap)
            for k in SCALING_WORKERS for n, m in prof.scaling for cap in SCALING_CHUNK_BYTES]
    return numpy, dask


def available_memory() -> int:
    """Bytes of memory free for new arrays now (Linux; assumes plenty elsewhere)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**40


@lru_cache(maxsize=2)
def data(n: int, m: int, dtype: str = "float64") -> impls.Synthetic:
    """The seeded problem for a size, built once per process (cases of one size share it)."""
    return impls.make_problem(n, m, seed=n * 7919 + m, dtype=dtype)


def start(n: int) -> tuple[np.ndarray, float]:
    """A fixed, non-trivial (w, b) so σ is not evaluated only at 0."""
    return np.random.default_rng(n).normal(0.0, 1.0 / np.sqrt(n), size=(n, 1)), 0.1


RTOL = {"float64": 1e-9, "float32": 1e-4}
ATOL = {"float64": 1e-12, "float32": 1e-5}  # dw entries near 0 make a purely relative bound meaningless


# After a multi-threaded call, idle pool threads keep spinning for a while before they sleep
# (OpenBLAS's default is 2**28 cycles, ~0.1 s), taking a core from whatever runs next. On this
# 2-core machine a probe right after a 2-thread numpy gradient read 13-31 GB/s instead of 26-34,
# and numba_parallel took 53-86 ms instead of 32-45 (n=1000, m=1e5), until the pools went quiet.
SETTLE_S = 0.25


def settle(threads: int = CORES) -> None:
    """Wait for spinning pool threads to go idle before a timing (no wait when only one thread ran)."""
    if threads > 1:
        time.sleep(SETTLE_S)


def checked_problem(case: Case) -> tuple[impls.Problem, np.ndarray, float]:
    """Prepared data for a case, warmed up and verified against numpy before anything is timed.

    A wrong implementation must not produce a timing: a mismatch raises AssertionError.
    The first call also compiles JIT code, which therefore stays out of the timings. When the
    profile runs several threads it then settles, so no pool spun up by the check (or by the
    previous case) shares the cores with the timing.
    """
    d = data(case.n, case.m, case.dtype)
    w, b = start(case.n)
    problem = case.impl.prepare(d.X, d.Y, dtype=case.dtype)
    got = problem.gradients(w, b)
    want = impls.get("numpy").gradients(w, b, d.X, d.Y, dtype=case.dtype)
    for label, g, e in zip(("dw", "db", "cost"), got, want, strict=True):
        np.testing.assert_allclose(g, e, rtol=RTOL[case.dtype], atol=ATOL[case.dtype],
                                   err_msg=f"{case}: {label} differs from numpy")
    settle(max(profile().threads))  # the check ran numpy; a previous case may have run 2 threads
    return problem, w, b
