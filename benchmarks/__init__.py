"""Benchmarks of every registered implementation over one shared size grid (asv and pytest-benchmark)."""
