"""pytest-benchmark over the shared grid: `pytest benchmarks --benchmark-only --benchmark-json=FILE`.

Groups put every implementation of one size side by side; ids read like numpy-n100-m10000-float64-t1.
"""

import pytest

import impls
from benchmarks import grid
from benchmarks.bench_gradients import TRAIN_ITERATIONS, TRAIN_SIZE

PROFILE = grid.profile()


@pytest.mark.parametrize("case", grid.cases(PROFILE), ids=str)
def test_gradients(benchmark, skip_case, case):
    """One gradient evaluation of a grid case, checked against numpy before it is timed."""
    if reason := case.skip_reason(PROFILE):
        skip_case(case, "gradients", reason)
    with impls.limit_threads(case.threads):
        problem, w, b = grid.checked_problem(case)
        benchmark.group = f"gradients n={case.n} m={case.m} {case.dtype} t={case.threads}"
        benchmark.extra_info.update(benchmark="gradients", **case.info())
        benchmark(problem.gradients, w, b)


@pytest.mark.parametrize("case", [grid.Case(name, *TRAIN_SIZE) for name in impls.names()], ids=str)
def test_train(benchmark, skip_case, case):
    """A fixed number of gradient-descent iterations, preparation included, one thread."""
    if reason := case.skip_reason(PROFILE, calls=TRAIN_ITERATIONS):
        skip_case(case, "train", reason)
    d = grid.data(case.n, case.m)
    w, b = grid.start(case.n)
    with impls.limit_threads(1):
        grid.checked_problem(case)
        benchmark.group = f"train n={case.n} m={case.m} {TRAIN_ITERATIONS} iterations"
        benchmark.extra_info.update(benchmark="train", iterations=TRAIN_ITERATIONS, **case.info())
        benchmark(impls.train, w, b, d.X, d.Y, iterations=TRAIN_ITERATIONS, implementation=case.implementation)


@pytest.mark.parametrize("case", [grid.Case(name, *TRAIN_SIZE) for name in impls.names()], ids=str)
def test_prepare(benchmark, skip_case, case):
    """The one-time prepare step (validation, placement on a device), timed apart from the kernel."""
    if not case.impl.available:
        skip_case(case, "prepare", f"not available here: {case.impl.unavailable_reason}")
    d = grid.data(case.n, case.m)
    benchmark.group = f"prepare n={case.n} m={case.m}"
    benchmark.extra_info.update(benchmark="prepare", **case.info())
    benchmark(case.impl.prepare, d.X, d.Y)
