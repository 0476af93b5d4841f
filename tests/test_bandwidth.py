"""The bandwidth probes: ceilings per memory level (their numbers are measurements, not asserted)."""

import math

import pytest

from benchmarks import bandwidth, environment
from benchmarks.recorder import RunRecorder
from reports.contract import schema


def test_read_bandwidth_probe_on_a_small_array():
    """A 4 MiB probe returns a positive finite GB/s with its size, thread count and repeats."""
    result = bandwidth.read_bandwidth_gbs(nbytes=4 * 2**20, repeat=3)
    assert set(result) == {"gbs", "bytes", "threads", "repeats"}
    assert math.isfinite(result["gbs"]) and result["gbs"] > 0
    assert result["bytes"] == 4 * 2**20 and result["threads"] >= 1 and result["repeats"] == 3


def test_probe_sums_every_element_of_every_pass():
    """The probe's kernel really reads its array `passes` times (a sum it could skip would time nothing)."""
    a = bandwidth._probe_array(2**12) * 0 + 1.5
    assert bandwidth._parallel_passes(a, 2, 3) == pytest.approx(1.5 * a.size * 3)


def test_probe_working_sets_follow_the_caches(monkeypatch):
    """L2: half a core's L2 per thread; L3: half the L3; DRAM: 8× the L3, at least 256 MiB."""
    monkeypatch.setattr(environment, "caches", lambda: {schema.L2: 2**19, schema.L3: 2**25})
    assert bandwidth.probe_bytes(schema.L2, 2) == 2**19
    assert bandwidth.probe_bytes(schema.L3, 1) == 2**24
    assert bandwidth.probe_bytes(schema.DRAM, 1) == 2**28


def test_bandwidth_record_keeps_the_larger_reading_per_level_and_threads():
    """The ceiling for a level and thread count is the larger of the start and end readings."""
    start = {schema.BW_WHEN: "start", schema.BW_LEVELS: {schema.L2: {"1": 90.0}, schema.DRAM: {"1": 30.0}}}
    end = {schema.BW_WHEN: "end", schema.BW_LEVELS: {schema.L2: {"1": 80.0}, schema.DRAM: {"1": 35.0}}}
    record = bandwidth.bandwidth_record([start, end])
    assert record[schema.BW_LEVELS][schema.L2] == {"1": 90.0}
    assert record[schema.BW_LEVELS][schema.DRAM] == {"1": 35.0}
    assert record[schema.BW_SAMPLES] == [start, end]
    assert set(record[schema.BW_LEVEL_BYTES]) == set(schema.LEVELS)


def test_level_bandwidths_measure_every_level_for_each_thread_count(no_settling, monkeypatch):
    """One reading per level and thread count, keyed as JSON keeps them (strings)."""
    monkeypatch.setattr(bandwidth, "probe_bytes", lambda level, threads: 2**16 * (1 + schema.LEVELS.index(level)))
    found = bandwidth.level_bandwidths([1])
    assert set(found) == set(schema.LEVELS)
    assert all(set(v) == {"1"} and v["1"] > 0 for v in found.values())


def test_dram_readings_go_to_the_recorder_per_thread_count(no_settling, monkeypatch):
    """Only a DRAM-sized probe's reading is the recorder's (its drift is the run's noise); none without one."""
    monkeypatch.setattr(bandwidth, "probe_bytes", lambda level, threads: 2**16 * (1 + schema.LEVELS.index(level)))
    recorder = RunRecorder()
    found = bandwidth.level_bandwidths([1], recorder)
    assert recorder.dram_readings == {"1": [found[schema.DRAM]["1"]]}
    bandwidth.level_bandwidths([1])
    assert len(recorder.dram_readings["1"]) == 1
