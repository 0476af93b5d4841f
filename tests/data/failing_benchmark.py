"""A benchmark case that fails on purpose: tests/test_reports.py checks a sweep survives it and reports it.

Its name does not match test_*.py, so `pytest tests` never collects it; the test passes it explicitly.
"""


def test_fails_on_purpose(benchmark):
    """Raises inside the timed call, as a broken implementation would."""
    benchmark(lambda: 1 / 0)
