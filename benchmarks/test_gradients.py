"""pytest-benchmark over the shared grid: `pytest benchmarks --benchmark-only --benchmark-json=FILE`.

Params are plain values (schema.CASE_FIELDS), so --benchmark-group-by=param:n, --benchmark-csv and
pytest-benchmark's compare work; ids read like numpy-n100-m10000-lecture-float64-t1. Groups put every
implementation of one size side by side.
"""

import pytest

import impls
from benchmarks import checks, grid
from benchmarks.bench_gradients import TRAIN_ITERATIONS, TRAIN_SIZE
from reports.contract import schema

PROFILE = grid.profile()
FIELDS = ",".join(schema.CASE_FIELDS)


def params(cases) -> list:
    """pytest params of grid cases: the case's plain values, its string as the id."""
    return [pytest.param(*case.params(), id=str(case)) for case in cases]


TRAIN_CASES = params(grid.Case(name, *TRAIN_SIZE) for name in impls.names())
# Train and prepare are timed for their own sake, no ratio comes from them: 3 calls suffice where one is long
# (Dask's training loop takes a second), instead of pytest-benchmark's default minimum of 5.
FEW_ROUNDS = pytest.mark.benchmark(min_rounds=3)


@pytest.mark.parametrize(FIELDS, params(grid.cases(PROFILE)))
def test_gradients(benchmark, recorder, skip_case, implementation, n, m, layout, dtype, threads):
    """One gradient evaluation of a grid case, checked against the reference before it is timed."""
    case = grid.Case(implementation, n, m, dtype, threads, layout)
    if reason := case.skip_reason(PROFILE):
        skip_case(case, schema.GRADIENTS, reason)
    with impls.limit_threads(case.threads):
        problem, w, b = checks.checked_problem(case, recorder)
        benchmark.group = f"{schema.GRADIENTS} {case.size}"
        benchmark.extra_info.update({schema.BENCHMARK: schema.GRADIENTS, **case.info()})
        benchmark(problem.gradients, w, b)


@FEW_ROUNDS
@pytest.mark.parametrize(FIELDS, TRAIN_CASES)
def test_train(benchmark, recorder, skip_case, implementation, n, m, layout, dtype, threads):
    """A fixed number of gradient-descent iterations, preparation included, one thread."""
    case = grid.Case(implementation, n, m, dtype, threads, layout)
    if reason := case.skip_reason(PROFILE, calls=TRAIN_ITERATIONS):
        skip_case(case, schema.TRAIN, reason)
    d = grid.data(case.n, case.m)
    w, b = grid.start(case.n)
    with impls.limit_threads(1):
        checks.checked_problem(case, recorder)
        benchmark.group = f"{schema.TRAIN} {case.size} {TRAIN_ITERATIONS} iterations"
        benchmark.extra_info.update({schema.BENCHMARK: schema.TRAIN, schema.ITERATIONS: TRAIN_ITERATIONS,
                                     **case.info()})
        benchmark(impls.train, w, b, d.X, d.Y, iterations=TRAIN_ITERATIONS, implementation=case.implementation)


@FEW_ROUNDS
@pytest.mark.parametrize(FIELDS, TRAIN_CASES)
def test_prepare(benchmark, skip_case, implementation, n, m, layout, dtype, threads):
    """The one-time prepare step (validation, placement on a device), timed apart from the kernel."""
    case = grid.Case(implementation, n, m, dtype, threads, layout)
    if not case.impl.available:
        skip_case(case, schema.PREPARE, f"not available here: {case.impl.unavailable_reason}")
    d = grid.data(case.n, case.m)
    benchmark.group = f"{schema.PREPARE} {case.size}"
    benchmark.extra_info.update({schema.BENCHMARK: schema.PREPARE, **case.info()})
    benchmark(case.impl.prepare, d.X, d.Y)
