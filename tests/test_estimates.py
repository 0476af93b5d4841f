"""Expected case lengths: what the sweep's timeouts and a profile's run budget are derived from."""

import pytest

from benchmarks import estimates, grid
from reports.contract import schema


def test_a_cases_estimate_counts_its_data_and_a_jit_compilation_once_per_process():
    """Estimated in order, the second case of a size and implementation pays neither the data nor the compilation."""
    warm, case = estimates.Warm(), grid.Case("numba", 100, 10_000)
    first, again = (estimates.expected_seconds(schema.GRADIENTS, case, warm, 0.1, 5) for _ in range(2))
    assert first - again == pytest.approx(estimates.FIRST_CALL_S + estimates.DATA_NS * 1e-9 * case.n * case.m)
    assert again >= 0.1  # pytest-benchmark's --benchmark-max-time at least
