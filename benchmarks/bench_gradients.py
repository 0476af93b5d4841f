"""asv suites: gradient time and peak allocation over the grid, training, cold JIT compilation, bandwidth.

Samples: asv runs each case in ROUNDS processes, interleaved with the other cases, and takes one
sample in each, so a commit's median comes with the spread ``asv compare`` needs to tell a change
from noise (``--quick`` takes one sample in all: any wobble beyond 10% reads as a change). One
sample per process, because samples taken back to back in one process share that moment's machine
state: asv compare's Mann–Whitney test treated 20–40 of them as independent and called a quarter
of the time cases of two runs of unchanged code "changed" (docs/benchmarks.md). With 5
samples per side that test cannot reach its p < 0.002, so compare falls back to its 99% interval of
the median, which for 5 samples reaches past their range: a case is changed only when the two runs'
process-to-process spreads do not overlap. asv_runner re-runs ``setup`` before every sample, so
setup's work is done once per process (the checked problem, the skip decision, the thread limits)
and later setups only look it up. Combinations a profile skips raise
NotImplementedError and show as n/a.

Parameters name only the implementations whose libraries are installed here (INSTALLED), found
from the libraries the registry declares, not by importing them: importing torch, jax and dask just to ask
would cost seconds in each of asv's benchmark processes. So the implementation axis may differ
between machines (asv keeps each results file's own parameters); a library installed but unusable
(CuPy without a GPU) is still listed and its cases show n/a with the reason.
"""

import importlib.util
import statistics
import tracemalloc
from contextlib import ExitStack
from functools import cache

import impls
from benchmarks import bandwidth, checks, grid, roofline
from impls import _registry
from reports.contract import schema

_PROFILE = grid.profile()
TRAIN_SIZE, TRAIN_ITERATIONS = (100, 10_000), 20
# One sample in each of 5 processes spread over the run (see the module docstring).
ROUNDS, REPEAT = 5, 1


def libraries(name: str) -> set[str]:
    """Top-level packages an implementation's module imports, as the registry declares them."""
    return set(_registry.MODULES[name].libraries)


INSTALLED = tuple(name for name in impls.names()
                  if all(importlib.util.find_spec(lib) is not None for lib in libraries(name)))
# NumPy reports its allocations to tracemalloc, and so does Numba's runtime (an njit np.ones(10**6)
# shows as 8 MB); torch's and XLA's own allocators, Dask's worker processes and GPU memory do not,
# so their peaks would read as near zero: those implementations are left out of PeakAllocation.
# llvmlite is Numba's compiler: it allocates nothing while a compiled kernel runs.
TRACED_LIBRARIES = {"numpy", "numba", "llvmlite"}
TRACED = tuple(name for name in INSTALLED if libraries(name) <= TRACED_LIBRARIES)

# The memory layouts of X the profile times; the data-frame layout only from LAYOUTS_FROM_M up.
LAYOUTS, LAYOUTS_FROM_M = _PROFILE.layouts, _PROFILE.layouts_from_m

_checked = cache(checks.checked_problem)  # per process: later setups of the same case reuse it
_skip_reason = cache(lambda case, calls: case.skip_reason(_PROFILE, calls=calls))
_PINNED = ExitStack()  # the thread limits in force in this process (pin_threads)
_pinned_threads: list[int] = []  # the count they pin, once pinned


def pin_threads(threads: int) -> None:
    """Pin every pool to ``threads`` until another count is asked for (asv: for the whole process).

    Not per sample: asv_runner re-runs setup before each sample, and re-pinning there (threadpoolctl)
    made the call that followed several times slower than a warm one (docs/benchmarks.md).
    """
    if _pinned_threads != [threads]:
        _PINNED.close()
        _PINNED.enter_context(impls.limit_threads(threads))
        _pinned_threads[:] = [threads]


class _Case:
    """Setup shared by the suites of one case: skip with the reason, pin threads, checked problem.

    asv runs each case in a process of its own, so nothing is undone in teardown; a later setup of
    another case re-pins the threads it needs.
    """

    timeout = 300
    calls = 1  # gradient calls in one timing, checked against the profile's per-call budget

    def enter(self, case: grid.Case) -> None:
        """Skip the case (NotImplementedError) or pin its threads and load its checked problem."""
        if reason := _skip_reason(case, self.calls):
            raise NotImplementedError(reason)
        pin_threads(case.threads)
        self.problem, self.w, self.b = _checked(case)


class _GridCase(_Case):
    """A case of the profile's grid: asv's parameters are schema.CASE_FIELDS."""

    param_names = schema.CASE_FIELDS

    def setup(self, implementation, n, m, layout, dtype, threads):
        if layout != schema.LECTURE and m < LAYOUTS_FROM_M:
            raise NotImplementedError(f"the {layout} layout is timed from m = {LAYOUTS_FROM_M} up")
        extra = {} if layout == schema.LECTURE else {"layout": layout}  # the lecture's is Case's default
        self.enter(grid.Case(implementation, n, m, dtype, threads, **extra))


def _grid_params(names) -> tuple[list, ...]:
    """asv's parameters over the profile's grid for these implementations, in CASE_FIELDS order."""
    return (list(names), list(_PROFILE.n), list(_PROFILE.m), list(LAYOUTS), list(_PROFILE.dtypes),
            list(_PROFILE.threads))


class TimeGradients(_GridCase):
    """One gradient evaluation (validation of w and b included) for every case of the profile."""

    params = _grid_params(INSTALLED)
    rounds, repeat = ROUNDS, REPEAT

    def time_gradients(self, *params):
        self.problem.gradients(self.w, self.b)


class PeakAllocation(_GridCase):
    """Peak bytes one gradient call allocates beyond its inputs (validation of w and b included).

    tracemalloc around the call, not asv's peakmem_: that reports the whole process's peak
    resident memory (interpreter, libraries, X), about the same whatever the case.
    """

    params = _grid_params(TRACED)

    def track_peak_bytes(self, *params):
        tracemalloc.start()
        try:
            self.problem.gradients(self.w, self.b)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    track_peak_bytes.unit = "bytes"
    track_peak_bytes.pretty_name = "Peak bytes one gradient call allocates (tracemalloc)"


class TimeTrain(_Case):
    """A fixed number of gradient-descent iterations at one moderate size, one thread."""

    params = (list(INSTALLED), [TRAIN_SIZE[0]], [TRAIN_SIZE[1]])
    param_names = (schema.IMPLEMENTATION, schema.N, schema.M)
    rounds, repeat = ROUNDS, REPEAT
    calls = TRAIN_ITERATIONS

    def setup(self, implementation, n, m):
        self.enter(grid.Case(implementation, n, m))  # verifies and warms up; train re-prepares, as a user's call would
        self.data = grid.data(n, m)

    def time_train(self, implementation, n, m):
        impls.train(self.w, self.b, self.data.X, self.data.Y, iterations=TRAIN_ITERATIONS,
                    implementation=implementation)


class TimeFirstCall:
    """Cold JIT compilation, in a fresh process with an empty Numba cache, apart from steady state."""

    params = (list(INSTALLED),)
    param_names = (schema.IMPLEMENTATION,)
    timeout = 300
    # Each sample is a fresh interpreter that imports and compiles (up to 15 s for numba_parallel): one per
    # round, 3 rounds, and no warm-up, which would only start one more interpreter.
    rounds, repeat, number, warmup_time = 3, 1, 1, 0.0

    def setup(self, implementation):
        impl = impls.get(implementation)
        if not impl.available:
            raise NotImplementedError(f"not available here: {impl.unavailable_reason}")
        if not impl.jit:
            raise NotImplementedError(f"{implementation} compiles nothing on its first call")

    def timeraw_first_call(self, implementation):
        setup = (
            "import os, tempfile\n"
            "os.environ['NUMBA_CACHE_DIR'] = tempfile.mkdtemp()  # no cached machine code: a true compile\n"
            "import impls\n"
            "d = impls.make_problem(3, 8)\n"
            f"p = impls.get({implementation!r}).prepare(d.X, d.Y)\n"
        )
        return "p.gradients(d.w_true, 0.0)", setup


class Roofline:
    """The machine's sustained read bandwidth, so each commit's timings can be set against it (full profile).

    Not in the quick history: asv records no spread for a track and judges it by --factor alone, and a
    shared machine's bandwidth moves between back-to-back runs by more than that factor, which asv
    compare then calls a change of the unchanged code (docs/benchmarks.md). The pytest-benchmark runs
    record it in every run.
    """

    params = (list(grid.THREADS),)
    param_names = (schema.THREADS,)

    def setup(self, threads):
        if grid.profile_name() != "full":
            raise NotImplementedError(f"{grid.PROFILE_ENV}=full only")

    def track_read_bandwidth(self, threads):
        with impls.limit_threads(threads):
            return round(bandwidth.read_bandwidth_gbs()["gbs"], 1)  # asv prints a track's value as is

    track_read_bandwidth.unit = "GB/s"
    track_read_bandwidth.pretty_name = "Read bandwidth, GB/s (parallel streaming sum)"


class FusedTargets:
    """numba_parallel against numpy and the one-read limit, timed interleaved with the probe (full profile).

    Ratios, not times, so a commit's value means the same on a quieter or busier machine: each
    is the median over rounds of a ratio formed within one round (see rounds.interleaved).
    One setup_cache measures every size once; both tracks read it.
    """

    SIZES = {f"n{n}-m{m}": (n, m) for n, m in grid.ROOFLINE_SIZES}
    params = (list(SIZES),)
    param_names = ("size",)
    processes = 1
    timeout = 900

    def setup_cache(self):
        if grid.profile_name() != "full":
            return {}
        return {size: roofline.fused_targets(n, m) for size, (n, m) in self.SIZES.items()}

    def setup(self, found, size):
        if size not in found:
            bytes_x = grid.Case("numba_parallel", *self.SIZES[size]).bytes_x
            raise NotImplementedError(f"X of {bytes_x / 1e6:.0f} MB: {grid.PROFILE_ENV}=full only")

    def track_speedup_over_numpy(self, found, size):
        return round(statistics.median(found[size]["speedup"]), 2)

    def track_times_one_read_limit(self, found, size):
        return round(statistics.median(found[size]["times_limit"]), 2)

    track_speedup_over_numpy.unit = "× (numpy time / numba_parallel time)"
    track_speedup_over_numpy.pretty_name = "numba_parallel's speedup over numpy (median of interleaved rounds)"
    track_times_one_read_limit.unit = "× (time / one read of X at the probe's bandwidth)"
    track_times_one_read_limit.pretty_name = "numba_parallel's time over the one-read limit (median of rounds)"
