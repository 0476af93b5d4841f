"""The bandwidth probe runs and reports sane fields (its numbers are measurements, not asserted)."""

import math

import pytest

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


def test_interleaved_rotates_the_calls_and_keeps_every_round(monkeypatch):
    """Each round probes, then runs every call `repeat` times, starting one later each round."""
    from benchmarks import grid, roofline

    monkeypatch.setattr(grid, "settle", lambda threads=grid.CORES: None)
    order = []
    calls = {name: (lambda name=name: order.append(name)) for name in ("a", "b", "c")}
    found = roofline.interleaved(calls, rounds=3, repeat=2, probe_bytes=2**20)
    assert order == [*"aabbcc", *"bbccaa", *"ccaabb"]
    assert len(found["gbs"]) == 3 and all(g > 0 for g in found["gbs"])
    assert {k: len(v) for k, v in found["seconds"].items()} == {"a": 3, "b": 3, "c": 3}


def test_fused_targets_ratios_come_from_the_same_rounds():
    """speedup = numpy / numba_parallel and × limit = time / (bytes / GB/s), round by round."""
    from benchmarks import roofline

    r = roofline.fused_targets(10, 1000, rounds=2, repeat=1, probe_bytes=2**20)
    fused, numpy_s = r["seconds"]["numba_parallel"], r["seconds"]["numpy"]
    assert r["bytes_x"] == 10 * 1000 * 8
    assert r["speedup"] == [b / a for a, b in zip(fused, numpy_s, strict=True)]
    assert r["times_limit"] == pytest.approx([t * g * 1e9 / r["bytes_x"] for t, g in zip(fused, r["gbs"], strict=True)])


@pytest.mark.parametrize(("threads", "waits_expected"), [(1, 0), (2, 1)])
def test_settle_waits_only_after_several_threads(monkeypatch, threads, waits_expected):
    """One thread leaves no pool spinning, so no wait; more threads wait SETTLE_S."""
    from benchmarks import grid

    waits = []
    monkeypatch.setattr(grid.time, "sleep", waits.append)
    grid.settle(threads)
    assert waits == [grid.SETTLE_S] * waits_expected
