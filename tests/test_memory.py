"""Free memory: one reading (impls._memory) for the package's checks and the benchmarks' skips."""

import math
import os

from benchmarks import grid
from impls import _memory


def test_available_bytes_is_positive_and_below_physical_memory():
    """A plausible figure on this machine: more than nothing, at most its RAM."""
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert 0 < _memory.available_bytes() <= physical


def test_memavailable_is_read_where_meminfo_has_it(tmp_path, monkeypatch):
    """MemAvailable (which counts reclaimable page cache) wins over the free pages, in bytes."""
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemFree:          100000 kB\nMemAvailable:    9000000 kB\n")
    monkeypatch.setattr(_memory, "MEMINFO", meminfo)
    assert _memory.available_bytes() == 9_000_000 * 1024


def test_free_pages_without_meminfo_and_no_limit_without_either(tmp_path, monkeypatch):
    """No /proc/meminfo: sysconf's free pages; no sysconf either: inf, so no size is refused for memory."""
    monkeypatch.setattr(_memory, "MEMINFO", tmp_path / "missing")
    monkeypatch.setattr(os, "sysconf", lambda name: {"SC_AVPHYS_PAGES": 3, "SC_PAGE_SIZE": 4096}[name])
    assert _memory.available_bytes() == 3 * 4096
    monkeypatch.delattr(os, "sysconf")
    assert _memory.available_bytes() == math.inf


def test_the_benchmarks_skip_on_the_same_reading(monkeypatch):
    """grid's skip decision reads free memory through impls, not a second way."""
    monkeypatch.setattr(_memory, "available_bytes", lambda: 12345)
    assert grid.available_memory() == 12345
