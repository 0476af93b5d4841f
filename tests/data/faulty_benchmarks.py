"""Benchmark cases that break the process on purpose: tests/test_sweep.py checks the sweep survives each.

Its name does not match test_*.py, so `pytest tests` never collects it; the sweep tests pass it
explicitly and pick cases with -k.
"""

import ctypes
import os
import signal
import time

from reports.contract.events import emit


def test_first(benchmark):
    """A healthy case before the faults: its timing must survive them."""
    benchmark(sum, range(10))


def test_raises(benchmark):
    """An ordinary failure: pytest reports it and carries on in the same process."""
    benchmark(lambda: 1 / 0)


def test_segfault(benchmark):
    """Reads address 0: the process dies of SIGSEGV, as a broken compiled kernel would."""
    ctypes.string_at(0)


def test_exits(benchmark):
    """Leaves the interpreter at once with exit code 3, as a library calling exit() in C would."""
    os._exit(3)


def test_killed(benchmark):
    """SIGKILL from outside the sweep, as the kernel's out-of-memory killer sends."""
    os.kill(os.getpid(), signal.SIGKILL)


def test_hangs(benchmark):
    """Never finishes (a deadlock, a size far over budget): the per-case timeout must end it."""
    time.sleep(3600)


def test_compiles(benchmark):
    """Says it is compiling (as benchmarks/conftest.py does for a JIT's first call), then takes a while."""
    emit({"compiling": "numba"})
    time.sleep(2)
    benchmark(sum, range(10))


def test_last(benchmark):
    """A healthy case after the faults: the sweep must reach it."""
    benchmark(sum, range(10))
