"""The one-read limit and the fused kernel's ratios against it (their numbers are measurements, not asserted)."""

import math

import pytest

from benchmarks import bandwidth, roofline
from reports.contract import schema


def test_one_read_limit_is_bytes_over_bandwidth():
    """8 GB at 16 GB/s take half a second."""
    assert math.isclose(roofline.one_read_limit_seconds(8e9, 16.0), 0.5)


def test_fused_targets_ratios_come_from_the_same_rounds(no_settling, monkeypatch):
    """speedup = reference / numba_parallel and × limit = time / (bytes / GB/s), round by round."""
    import impls

    monkeypatch.setattr(bandwidth, "probe_bytes", lambda level, threads: 2**20)
    r = roofline.fused_targets(10, 1000, rounds=2, threads=1)
    fused, reference = (r[schema.ROUND_SECONDS][name] for name in ("numba_parallel", impls.REFERENCE))
    gbs = r[schema.ROUND_PROBE_GBS]
    assert r[schema.BYTES_X] == 10 * 1000 * 8 and len(gbs) == 2
    assert r["speedup"] == [b / a for a, b in zip(fused, reference, strict=True)]
    assert r["times_limit"] == pytest.approx([t * g * 1e9 / r[schema.BYTES_X] for t, g in zip(fused, gbs, strict=True)])
