"""Speedup plots and a Markdown report from pytest-benchmark JSON and asv results (never times anything)."""
