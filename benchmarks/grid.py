"""The one size grid, its profiles, what each implementation can afford, and checked, seeded data.

Both engines import this module: asv's suites (bench_*.py) and pytest-benchmark's tests
(test_*.py). A profile selects from the grid; choose it with the environment variable
LOGREG_BENCH_PROFILE=quick|full (default quick), the one switch for asv, pytest and the report.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, fields
from functools import lru_cache

import numpy as np

import impls
from benchmarks import environment
from reports.contract import events, schema

PROFILE_ENV = schema.PROFILE_ENV  # the one profile switch (asv, pytest and the report)
CORES = os.cpu_count() or 1

M_VALUES = (10**2, 10**3, 10**4, 10**5, 10**6)
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
    samples: int = 1  # passes over a size's implementations per round; each keeps its fastest (roofline.Rounds)
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
    Profile(m=(10**2, 10**3, 10**4), n=(10, 100), dtypes=("float64",), threads=(1,),
            budget_s=0.3, run_budget_s=5 * 60, max_bytes=2**27, scaling=((10, 10**5), (10, 10**6)),
            layouts=LAYOUTS, layouts_from_m=10**4, visits=3, rounds_per_visit=12, samples=3,
            visit_budget_s=3.0),
    # The whole grid: 31 min measured on the quiet 2-core VM (docs/benchmarks.md), estimated 24.
    Profile(m=M_VALUES, n=N_VALUES, dtypes=DTYPES, threads=THREADS, budget_s=1.5, run_budget_s=35 * 60,
            max_bytes=2**30, scaling=((10, 10**5), (10, 10**6), (100, 10**6), (10, 10**7)),
            generated=(10, 10**8), layouts=LAYOUTS, layouts_from_m=10**4, visits=2, rounds_per_visit=4,
            visit_budget_s=2.0, rounds_call_s=0.2),
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
    name = os.environ.get(schema.PROFILE_ENV, schema.DEFAULT_PROFILE).strip().lower() or schema.DEFAULT_PROFILE
    if name not in PROFILES:
        raise ValueError(f"{schema.PROFILE_ENV} must be one of {', '.join(PROFILES)}, got {name!r}")
    return name


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


RTOL = {"float64": 1e-9, "float32": 1e-4}
ATOL = {"float64": 1e-12, "float32": 1e-5}  # dw entries near 0 make a purely relative bound meaningless


# After a multi-threaded call, idle pool threads keep spinning for a while before they sleep
# (OpenBLAS's default is 2**28 cycles, ~0.1 s), taking a core from whatever runs next. On this
# 2-core machine a probe right after a 2-thread numpy gradient read 13-31 GB/s instead of 26-34,
# and numba_parallel took 53-86 ms instead of 32-45 (n=1000, m=1e5), until the pools went quiet.
# Rather than always waiting that long, wait in steps until a step passes in which this process's
# threads used (almost) no CPU: after a Numba or Dask measurement, whose threads sleep at once, that
# is one step; after OpenBLAS, about 0.1 s. Multi-threaded rounds take one such wait per measurement.
SETTLE_S = 0.25  # the longest wait
SETTLE_STEP_S = 0.01
IDLE_CPU_S = 0.002  # CPU seconds of this process in one step below which its pools are asleep


def settle(threads: int = CORES) -> None:
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


# First call of each JIT implementation in this process: {name: {seconds, cache}} (schema.FIRST_CALL).
FIRST_CALLS: dict[str, dict] = {}


def _numba_cache_counts(name: str) -> tuple[int, int]:
    """(hits, misses) of Numba's on-disk cache over the dispatchers of an implementation's module."""
    import numba

    from impls import _registry  # the registry's module lookup: the dispatchers live in the module

    dispatchers = [d for d in vars(_registry.load(name)).values() if isinstance(d, numba.core.dispatcher.Dispatcher)]
    return (sum(sum(d.stats.cache_hits.values()) for d in dispatchers),
            sum(sum(d.stats.cache_misses.values()) for d in dispatchers))


def first_call(impl: impls.Implementation, call):
    """Run ``call``; if it is a JIT implementation's first call here, record its seconds and cache use.

    The progress event before it lets the sweep's display name what is compiling (tens of seconds cold).
    """
    if not impl.jit or impl.name in FIRST_CALLS:
        return call()
    events.emit({events.COMPILING: impl.name})
    hits, misses = _numba_cache_counts(impl.name)
    start_s = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - start_s
    after = _numba_cache_counts(impl.name)
    hits, misses = after[0] - hits, after[1] - misses
    cache = schema.CACHE_MISS if misses else schema.CACHE_HIT if hits else None
    FIRST_CALLS[impl.name] = {schema.FIRST_SECONDS: seconds, schema.FIRST_CACHE: cache}
    events.emit({schema.SUITE_KEY: {schema.FIRST_CALL: FIRST_CALLS}})  # now: the process may die in this case
    return result


def checked_problem(case: Case) -> tuple[impls.Problem, np.ndarray, float]:
    """Prepared data for a case, warmed up and verified against the reference before anything is timed.

    A wrong implementation must not produce a timing: a mismatch raises AssertionError.
    The first call also compiles JIT code, which therefore stays out of the timings. When the
    profile runs several threads it then settles, so no pool spun up by the check (or by the
    previous case) shares the cores with the timing.
    """
    d = data(case.n, case.m, case.dtype, case.layout)
    w, b = start(case.n)
    problem = case.impl.prepare(d.X, d.Y, dtype=case.dtype)
    got = first_call(case.impl, lambda: problem.gradients(w, b))
    want = impls.get(impls.REFERENCE).gradients(w, b, d.X, d.Y, dtype=case.dtype)
    for label, g, e in zip(("dw", "db", "cost"), got, want, strict=True):
        np.testing.assert_allclose(g, e, rtol=RTOL[case.dtype], atol=ATOL[case.dtype],
                                   err_msg=f"{case}: {label} differs from {impls.REFERENCE}")
    settle(max(profile().threads))  # the check ran the reference; a previous case may have run 2 threads
    return problem, w, b


# How long a case takes, setup included: the sweep (reports.sweep) derives each case's timeout and the
# time left from it. Rough on purpose, and on the generous side (a case killed while healthy loses its
# result); measured on the 2-core VM, quick profile: 0.16 s for a pytest-benchmark case of a fast call.
CASE_OVERHEAD_S = 0.1  # pytest's and pytest-benchmark's own work in a case, and one check at small sizes
FIRST_CALL_S = 5.0  # a JIT implementation's first call in a process: ~0.01 s from Numba's on-disk cache, 1-8 s cold
DATA_NS = 30.0  # grid.data: drawing X and Y, per element of X (25 ns measured)


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
    prof = prof or profile()
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
    warm.data = [*(k for k in warm.data if k != key), key][-data.cache_info().maxsize:]
    if case.impl.jit and case.implementation not in warm.called:
        warm.called.add(case.implementation)
        seconds += FIRST_CALL_S
    return seconds


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
