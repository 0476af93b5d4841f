"""asv suites: gradient time and peak memory over the grid, training, and cold JIT compilation.

asv calls ``setup`` once per parameter combination and repeat, so everything expensive there is
cached (``grid.data``); combinations a profile skips raise NotImplementedError and show as n/a.
"""

import statistics
from contextlib import ExitStack

import impls
from benchmarks import grid, roofline

_PROFILE = grid.profile()
TRAIN_SIZE, TRAIN_ITERATIONS = (100, 10_000), 20


class TimeGradients:
    """One gradient evaluation (validation of w and b included) for every case of the profile."""

    params = (list(impls.names()), list(_PROFILE.n), list(_PROFILE.m), list(_PROFILE.dtypes),
              list(_PROFILE.threads))
    param_names = ("implementation", "n", "m", "dtype", "threads")
    timeout = 300

    def setup(self, implementation, n, m, dtype, threads):
        self.stack = ExitStack()  # first: asv calls teardown even when setup skips the case
        case = grid.Case(implementation, n, m, dtype, threads)
        if reason := case.skip_reason(_PROFILE):
            raise NotImplementedError(reason)
        self.stack.enter_context(impls.limit_threads(threads))
        self.problem, self.w, self.b = grid.checked_problem(case)

    def teardown(self, *params):
        self.stack.close()

    def time_gradients(self, *params):
        self.problem.gradients(self.w, self.b)

    def peakmem_gradients(self, *params):
        self.problem.gradients(self.w, self.b)


class TimeTrain:
    """A fixed number of gradient-descent iterations at a moderate size, one thread."""

    params = (list(impls.names()),)
    param_names = ("implementation",)
    timeout = 300

    def setup(self, implementation):
        self.stack = ExitStack()  # first: asv calls teardown even when setup skips the case
        n, m = TRAIN_SIZE
        case = grid.Case(implementation, n, m)
        if reason := case.skip_reason(_PROFILE, calls=TRAIN_ITERATIONS):
            raise NotImplementedError(reason)
        self.stack.enter_context(impls.limit_threads(1))
        grid.checked_problem(case)  # verifies and warms up; train re-prepares, as a user's call would
        self.data = grid.data(n, m)
        self.w, self.b = grid.start(n)

    def teardown(self, implementation):
        self.stack.close()

    def time_train(self, implementation):
        impls.train(self.w, self.b, self.data.X, self.data.Y, iterations=TRAIN_ITERATIONS,
                    implementation=implementation)


class TimeFirstCall:
    """Cold JIT compilation, in a fresh process with an empty Numba cache, apart from steady state."""

    # Every name, filtered in setup: deciding here would import every backend (torch, jax, dask)
    # in each of asv's benchmark processes, which costs seconds apiece.
    params = (list(impls.names()),)
    param_names = ("implementation",)
    timeout = 300

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
    """The machine's sustained read bandwidth, so each commit's timings can be set against it."""

    params = (list(grid.THREADS),)
    param_names = ("threads",)
    unit = "GB/s"

    def track_read_bandwidth(self, threads):
        with impls.limit_threads(threads):
            return roofline.read_bandwidth_gbs()["gbs"]


class FusedTargets:
    """numba_parallel against numpy and the one-read limit, timed interleaved with the probe (full profile).

    Ratios, not times, so a commit's value means the same on a quieter or busier machine: each
    is the median over rounds of a ratio formed within one round (see roofline.interleaved).
    One setup_cache measures every size once; both tracks read it.
    """

    params = ([f"n{n}-m{m}" for n, m in grid.ROOFLINE_SIZES],)
    param_names = ("size",)
    processes = 1
    timeout = 900

    def setup_cache(self):
        if grid.profile_name() != "full":
            return {}
        return {f"n{n}-m{m}": roofline.fused_targets(n, m) for n, m in grid.ROOFLINE_SIZES}

    def setup(self, found, size):
        if size not in found:
            raise NotImplementedError(f"X of 800 MB: {grid.PROFILE_ENV}=full only")

    def track_speedup_over_numpy(self, found, size):
        return statistics.median(found[size]["speedup"])

    def track_times_one_read_limit(self, found, size):
        return statistics.median(found[size]["times_limit"])

    track_speedup_over_numpy.unit = "× (numpy time / numba_parallel time)"
    track_times_one_read_limit.unit = "× (time / one read of X at the probe's bandwidth)"
