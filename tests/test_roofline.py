"""The bandwidth probe runs and reports sane fields (its numbers are measurements, not asserted)."""

import math

from benchmarks.roofline import one_read_limit_seconds, read_bandwidth_gbs


def test_read_bandwidth_probe_on_a_small_array():
    """A 4 MiB probe returns a positive finite GB/s with its size, thread count and repeats."""
    result = read_bandwidth_gbs(nbytes=4 * 2**20, repeat=3)
    assert set(result) == {"gbs", "bytes", "threads", "repeats"}
    assert math.isfinite(result["gbs"]) and result["gbs"] > 0
    assert result["bytes"] == 4 * 2**20 and result["threads"] >= 1 and result["repeats"] == 3


def test_one_read_limit_is_bytes_over_bandwidth():
    """8 GB at 16 GB/s take half a second."""
    assert math.isclose(one_read_limit_seconds(8e9, 16.0), 0.5)
