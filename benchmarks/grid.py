"""The one size grid, its profiles, what each implementation can afford, seeded data, and the cases counted.

Both engines import this module: asv's suites (bench_*.py) and pytest-benchmark's tests
(test_*.py). A profile selects from the grid; choose it with the environment variable
LOGREG_BENCH_PROFILE=quick|full (default quick), the one switch for asv, pytest and the report.
A case is checked against the reference before it is timed (benchmarks/checks.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

import impls
from benchmarks import environment
from reports.contract import schema

PROFILE_ENV = schema.PROFILE_ENV  # the one profile switch (asv, pytest and the report)
CORES = os.cpu_count() or 1

M_VALUES = (10**2, 10**3, 3 * 10**3, 10**4, 10**5, 10**6)
N_VALUES = (1, 10, 100, 1000)
DTYPES = ("float64", "float32")
THREADS = tuple(sorted({1, CORES}))
LAYOUTS = schema.LAYOUTS
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
    run_budget_s: float  # the whole sweep's expected length (expected_seconds summed) stays within this
    max_bytes: int  # X larger than this is skipped (generating and holding it would dominate)
    scaling: tuple[tuple[int, int], ...] = ()  # (n, m) of the Dask scaling benchmark
    generated: tuple[int, int] | None = None  # (n, m) made on the Dask workers, X never on the client
    layouts: tuple[str, ...] = (schema.LECTURE,)
    layouts_from_m: int = 0  # layouts other than the lecture's are measured only from this m up
    visits: int = 3  # each size's rounds come in this many visits, spread over the run (test_rounds.py)
    rounds_per_visit: int = 6  # at most; a size whose round is long gets fewer, down to 2 (6 in all: a 95% interval)
    samples: int = 1  # passes over a size's implementations per round; each keeps its fastest (rounds.Rounds)
    visit_budget_s: float = 1.0  # seconds of rounds per visit of a size that decide how many fit
    rounds_call_s: float = 0.3  # an implementation whose estimated call exceeds this stays out of the rounds

    @property
    def least_rounds(self) -> int:
        """Fewest rounds per visit: 6 rounds in all, the fewest a 95% interval has (reports.contract.stats)."""
        return -(-6 // self.visits)

    def sizes(self) -> list[Size]:
        """Every size of the profile, n-major (cases of one size run back to back and share its data)."""
        return [Size(n, m, layout, dtype, threads)
                for n in self.n for m in self.m for layout in self.layouts
                if layout == schema.LECTURE or m >= self.layouts_from_m
                for dtype in self.dtypes for threads in self.threads]


PROFILES = dict(zip(schema.PROFILE_NAMES, (
    # A few minutes on 2 cores for the pytest-benchmark sweep. The data-frame layout only at
    # m = 10^4: below it a call's fixed costs hide how X is laid out, and each size costs rounds.
    Profile(m=(10**2, 10**3, 3 * 10**3, 10**4), n=(10, 100), dtypes=("float64",), threads=(1,),
            budget_s=0.3, run_budget_s=5 * 60, max_bytes=2**27, scaling=((10, 10**5), (10, 10**6)),
            layouts=LAYOUTS, layouts_from_m=10**4, visits=3, rounds_per_visit=12, samples=3,
            visit_budget_s=3.0),
    # The whole grid (each profile's measured length: docs/benchmarks.md). Its scaling sizes put three
    # inside n = 10's m range, so that the Dask models' held-out median is not the mean of two sizes.
    Profile(m=M_VALUES, n=N_VALUES, dtypes=DTYPES, threads=THREADS, budget_s=1.5, run_budget_s=35 * 60,
            max_bytes=2**30, scaling=((10, 10**5), (10, 3 * 10**5), (10, 10**6), (10, 3 * 10**6),
                                        (100, 10**6), (10, 10**7)),
            generated=(10, 10**8), layouts=LAYOUTS, layouts_from_m=10**4, visits=2, rounds_per_visit=12, samples=3,
            visit_budget_s=3.0, rounds_call_s=0.2),
), strict=True))


def facts(prof: Profile | None = None) -> dict:
    """The grid facts a report states (schema.GRID), so it never retypes them."""
    prof = prof or profile()
    return {schema.GRID_LAYOUTS: list(prof.layouts), schema.GRID_VISITS: prof.visits,
            schema.GRID_ROUNDS: prof.rounds_per_visit, schema.GRID_SAMPLES: prof.samples,
            schema.GRID_VISIT_BUDGET_S: prof.visit_budget_s, schema.GRID_RUN_BUDGET_S: prof.run_budget_s,
            schema.GRID_ROUNDS_CALL_S: prof.rounds_call_s,
            schema.GRID_SCALING_WORKERS: list(SCALING_WORKERS),
            schema.GRID_SCALING_CHUNK_BYTES: list(SCALING_CHUNK_BYTES)}


def profile_name() -> str:
    """The profile chosen by LOGREG_BENCH_PROFILE; an unknown name is an error, not a silent default."""
    return schema.profile_name()


def profile() -> Profile:
    """The active profile."""
    return PROFILES[profile_name()]


@dataclass(frozen=True)
class Size:
    """A grid point without the implementation: what every implementation of a rounds test shares."""

    n: int
    m: int
    layout: str = schema.LECTURE
    dtype: str = "float64"
    threads: int = 1

    def __str__(self) -> str:
        return f"n{self.n}-m{self.m}-{self.layout}-{self.dtype}-t{self.threads}"

    @property
    def bytes_x(self) -> int:
        return self.n * self.m * np.dtype(self.dtype).itemsize

    @property
    def level(self) -> str:
        """The host memory level X is read from at this thread count (environment.memory_level)."""
        return environment.memory_level(self.bytes_x, self.threads)

    def info(self) -> dict:
        """The size fields, bytes of X and its level, as every result records them."""
        return {**{f.name: getattr(self, f.name) for f in fields(self)}, schema.BYTES_X: self.bytes_x,
                schema.LEVEL: self.level}


@dataclass(frozen=True)
class Case:
    """One point of the grid: implementation × n × m × dtype × threads × layout (plain values: pytest params)."""

    implementation: str
    n: int
    m: int
    dtype: str = "float64"
    threads: int = 1
    layout: str = schema.LECTURE  # last, so Case(name, n, m, dtype, threads) keeps its meaning

    def __str__(self) -> str:
        return f"{self.implementation}-{self.size}"

    @property
    def size(self) -> Size:
        return Size(self.n, self.m, self.layout, self.dtype, self.threads)

    @property
    def impl(self) -> impls.Implementation:
        return impls.get(self.implementation)

    @property
    def bytes_x(self) -> int:
        return self.size.bytes_x

    def params(self) -> tuple:
        """The values of schema.CASE_FIELDS, in that order."""
        return tuple(getattr(self, name) for name in schema.CASE_FIELDS)

    def info(self) -> dict:
        """What every result records about its case: its fields, bytes of X, where X lives and its level."""
        memory = self.impl.memory if self.impl.available else None  # unknown without its module
        return {schema.IMPLEMENTATION: self.implementation, **self.size.info(), schema.MEMORY: memory,
                schema.LEVEL: None if memory == schema.DEVICE else self.size.level}

    def skip_reason(self, prof: Profile | None = None, calls: int = 1, budget_s: float | None = None) -> str | None:
        """Why this case is not run (unavailable, unsupported, unaffordable), or None to run it.

        ``budget_s`` replaces the profile's per-call budget (the rounds use a tighter one).
        """
        prof = prof or profile()
        budget_s = prof.budget_s if budget_s is None else budget_s
        impl = self.impl
        if not impl.available:
            return f"not available here: {impl.unavailable_reason}"
        if self.dtype not in impl.dtypes:
            return f"{self.implementation} computes in {', '.join(impl.dtypes)} only"
        if self.threads > 1 and not impl.uses_threads:
            return f"{self.implementation} runs on one thread; more threads would measure nothing new"
        if (fixed := impl.fixed_threads) is not None and fixed != self.threads:
            return f"{self.implementation} runs on a connected cluster of {fixed} workers, not {self.threads}"
        # The caller's X, prepare's private snapshot and the reference check's copy can coexist.
        if self.bytes_x > prof.max_bytes or self.bytes_x * 4 > available_memory():
            return f"X would take {self.bytes_x / 2**20:.0f} MiB: over this profile's data cap or free memory"
        estimate = impl.estimated_seconds(self.n, self.m) * calls
        if estimate > budget_s:
            return f"estimated {estimate:.2g} s exceeds this profile's {budget_s} s budget"
        return None


def cases(prof: Profile | None = None) -> list[Case]:
    """Every case of a profile over every registered implementation (skips included, for visibility).

    Size-major order: the implementations of one size run back to back, so its data is built once.
    """
    prof = prof or profile()
    return [Case(name, size.n, size.m, size.dtype, size.threads, size.layout)
            for size in prof.sizes() for name in impls.names()]


@dataclass(frozen=True)
class ScalingCase(Case):
    """A case of the scaling benchmark: Dask on `workers` processes (threads = workers), or NumPy on one."""

    workers: int = 1
    chunk_bytes: int | None = None  # Dask's cap on the bytes of X per chunk; None: X is not chunked

    def __str__(self) -> str:
        chunk = f"-w{self.workers}-chunk{self.chunk_bytes // 2**20}MiB" if self.chunk_bytes else ""
        return f"{self.implementation}-n{self.n}-m{self.m}-t{self.threads}{chunk}"

    def info(self) -> dict:
        return {**super().info(), schema.WORKERS: self.workers, schema.CHUNK_BYTES: self.chunk_bytes}


def scaling_cases(prof: Profile | None = None) -> tuple[list[ScalingCase], list[ScalingCase]]:
    """NumPy at 1 thread and all cores, and Dask over workers × chunk caps, at the profile's scaling sizes.

    Dask's cases go worker count first: the embedded cluster restarts only when the count changes.
    """
    prof = prof or profile()
    numpy = [ScalingCase(impls.REFERENCE, n, m, threads=t) for n, m in prof.scaling for t in THREADS]
    dask = [ScalingCase("dask", n, m, threads=k, workers=k, chunk_bytes=cap)
            for k in SCALING_WORKERS for n, m in prof.scaling for cap in SCALING_CHUNK_BYTES]
    return numpy, dask


def available_memory() -> float:
    """Bytes of memory free for new arrays now, read as impls reads it (inf where the platform does not say)."""
    from impls._memory import available_bytes

    return available_bytes()


@lru_cache(maxsize=2)
def data(n: int, m: int, dtype: str = "float64", layout: str = schema.LECTURE) -> impls.Synthetic:
    """The seeded problem for a size in a layout, built once per process (cases of one size share it).

    The data-frame layout is X.T of an (m, n) C array holding the lecture layout's values, so both
    layouts of one size compute the same gradient and their timings compare like with like.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    d = impls.make_problem(n, m, seed=n * 7919 + m, dtype=dtype)
    return d if layout == schema.LECTURE else d._replace(X=np.ascontiguousarray(d.X.T).T)


def start(n: int) -> tuple[np.ndarray, float]:
    """A fixed, non-trivial (w, b) so σ is not evaluated only at 0."""
    return np.random.default_rng(n).normal(0.0, 1.0 / np.sqrt(n), size=(n, 1)), 0.1


# Counts (benchmarks/counting.py, `python -m reports run --counts`): the core implementations where X fits
# the simulated 8 MiB last-level cache with room to spare (0.08 and 0.8 MB) and where it is 9.5x that
# cache (80 MB), so its misses count reads of X. Not near the cache's size: there the misses depend on
# where the allocator put X and the temporaries (at 8 MB, another checkout of the same code moved
# numba's bytes from memory by 57%). Under callgrind a call runs 50-600x slower than natively, so an
# implementation is counted at a size only where its estimated native call stays under COUNT_CALL_S.
COUNT_IMPLEMENTATIONS = ("double_loop", "single_loop", "numpy", "numba", "numba_parallel")
COUNT_SIZES = ((10, 10**3), (100, 10**3), (100, 10**5))
COUNT_CALL_S = 0.05


def count_cases() -> list[Case]:
    """The cases counted: every core implementation at each count size it can afford, one thread, float64."""
    return [case for n, m in COUNT_SIZES for name in COUNT_IMPLEMENTATIONS
            if (case := Case(name, n, m)).impl.available and case.impl.estimated_seconds(n, m) <= COUNT_CALL_S]
