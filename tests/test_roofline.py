"""Bandwidth probes and the interleaved rounds runner (their numbers are measurements, not asserted)."""

import math

import pytest

from benchmarks import environment, grid, roofline
from reports.contract import schema


@pytest.fixture
def no_settling(monkeypatch):
    """Rounds without the 0.25 s waits (the tests run one thread at a time anyway)."""
    monkeypatch.setattr(grid, "settle", lambda threads=grid.CORES: None)


def test_read_bandwidth_probe_on_a_small_array():
    """A 4 MiB probe returns a positive finite GB/s with its size, thread count and repeats."""
    result = roofline.read_bandwidth_gbs(nbytes=4 * 2**20, repeat=3)
    assert set(result) == {"gbs", "bytes", "threads", "repeats"}
    assert math.isfinite(result["gbs"]) and result["gbs"] > 0
    assert result["bytes"] == 4 * 2**20 and result["threads"] >= 1 and result["repeats"] == 3


def test_probe_sums_every_element_of_every_pass():
    """The probe's kernel really reads its array `passes` times (a sum it could skip would time nothing)."""
    a = roofline._probe_array(2**12) * 0 + 1.5
    assert roofline._parallel_passes(a, 2, 3) == pytest.approx(1.5 * a.size * 3)


def test_probe_working_sets_follow_the_caches(monkeypatch):
    """L2: half a core's L2 per thread; L3: half the L3; DRAM: 8× the L3, at least 256 MiB."""
    monkeypatch.setattr(environment, "caches", lambda: {schema.L2: 2**19, schema.L3: 2**25})
    assert roofline.probe_bytes(schema.L2, 2) == 2**19
    assert roofline.probe_bytes(schema.L3, 1) == 2**24
    assert roofline.probe_bytes(schema.DRAM, 1) == 2**28


def test_bandwidth_record_keeps_the_larger_reading_per_level_and_threads():
    """The ceiling for a level and thread count is the larger of the start and end readings."""
    start = {schema.BW_WHEN: "start", schema.BW_LEVELS: {schema.L2: {"1": 90.0}, schema.DRAM: {"1": 30.0}}}
    end = {schema.BW_WHEN: "end", schema.BW_LEVELS: {schema.L2: {"1": 80.0}, schema.DRAM: {"1": 35.0}}}
    record = roofline.bandwidth_record([start, end])
    assert record[schema.BW_LEVELS][schema.L2] == {"1": 90.0}
    assert record[schema.BW_LEVELS][schema.DRAM] == {"1": 35.0}
    assert record[schema.BW_SAMPLES] == [start, end]
    assert set(record[schema.BW_LEVEL_BYTES]) == set(schema.LEVELS)


def test_level_bandwidths_measure_every_level_for_each_thread_count(no_settling, monkeypatch):
    """One reading per level and thread count, keyed as JSON keeps them (strings)."""
    monkeypatch.setattr(roofline, "probe_bytes", lambda level, threads: 2**16 * (1 + schema.LEVELS.index(level)))
    found = roofline.level_bandwidths([1])
    assert set(found) == set(schema.LEVELS)
    assert all(set(v) == {"1"} and v["1"] > 0 for v in found.values())


def test_one_read_limit_is_bytes_over_bandwidth():
    """8 GB at 16 GB/s take half a second."""
    assert math.isclose(roofline.one_read_limit_seconds(8e9, 16.0), 0.5)


def test_calibration_makes_a_measurement_last_long_enough():
    """A call of microseconds is repeated until one measurement lasts at least the minimum."""
    calls, seconds = roofline.calibrate(lambda: sum(range(100)), min_seconds=2e-3)
    assert calls > 1 and seconds >= 2e-3


def test_rounds_rotate_the_order_and_align_every_list(no_settling, monkeypatch):
    """Round r starts one item later; every list has one entry per round, the probe's included."""
    monkeypatch.setattr(roofline, "calibrate", lambda call, min_seconds=0: (2, 0.0))
    order = []
    calls = {name: (lambda name=name: order.append(name)) for name in "abc"}
    runner = roofline.Rounds(calls, probe=lambda: order.append("p") or 7.0, first_round=1)
    order.clear()  # the constructor timed the probe once
    for _ in range(4):
        runner.one_round()
    # each item: one untimed call (a short item), then its 2 timed calls
    assert order == [*"bbbcccpaaa", *"cccpaaabbb", *"paaabbbccc", *"aaabbbcccp"]
    record = runner.record()
    assert {k: len(v) for k, v in record[schema.ROUND_SECONDS].items()} == {"a": 4, "b": 4, "c": 4}
    assert record[schema.ROUND_PROBE_GBS] == [7.0] * 4 and record[schema.ROUND_CALLS] == {"a": 2, "b": 2, "c": 2}


def test_a_round_keeps_the_fastest_of_its_samples_and_measures_a_long_item_once(no_settling, monkeypatch):
    """samples=3: a short item is measured three times per round, each after one untimed call, and its fastest
    kept (the probe: its highest reading); an item longer than LONG_MEASURE_S once, without the untimed call;
    the round length counts exactly those measurements."""
    long_s = 2 * roofline.LONG_MEASURE_S
    monkeypatch.setattr(roofline, "calibrate", lambda call, min_seconds=0: (1, long_s if call is slow else 1e-3))
    durations = iter([0.5e-3, 1.0, 1.0])  # the constructor: the probe's first timing, then its warm-up round
    monkeypatch.setattr(roofline, "_time_calls", lambda call, calls: (call(), next(durations))[1])
    taken = []

    def fast():
        taken.append("fast")

    def slow():
        taken.append("slow")

    readings = iter([1.0] * 3)
    runner = roofline.Rounds({"fast": fast, "slow": slow}, probe=lambda: next(readings), samples=3)
    # fast: 3 × (its untimed call + its measurement); slow: once, no untimed call; the probe: 3 readings
    assert runner.round_seconds == pytest.approx(3 * (1e-3 + 1e-3) + long_s + 3 * 0.5e-3)
    taken.clear()
    durations = iter([9e-3, 2e-3, 5e-3, 7e-3])  # fast, slow, fast, fast: the order of the passes below
    readings = iter([10.0, 30.0, 20.0])
    runner.one_round()
    assert taken == ["fast", "fast", "slow", "fast", "fast", "fast", "fast"]  # a short item: untimed, then timed
    record = runner.record()
    assert record[schema.ROUND_SECONDS] == {"fast": [5e-3], "slow": [2e-3]}
    assert record[schema.ROUND_PROBE_GBS] == [30.0]


def test_rounds_affordable_fits_the_budget_within_bounds(no_settling):
    """A long round gets fewer rounds, never fewer than `least` nor more than `most`."""
    runner = roofline.Rounds({"a": lambda: None})
    runner.round_seconds = 0.1
    assert runner.affordable(1.0, most=6, least=2) == 6
    assert runner.affordable(0.35, most=6, least=2) == 3
    assert runner.affordable(0.01, most=6, least=2) == 2


def test_prepared_calls_leave_out_skipped_and_wrong_implementations(monkeypatch):
    """Skipped implementations carry their reason, a failing check its message; the rest get a call."""
    import impls.numba

    kernel = impls.numba.gradients
    monkeypatch.setattr(impls.numba, "gradients", lambda w, b, X, Y: [2 * v for v in kernel(w, b, X, Y)])
    size = grid.Size(3, 40)
    calls, excluded = roofline.prepared_calls(size, ("numpy", "numba", "cupy"), grid.PROFILES[schema.DEFAULT_PROFILE])
    assert set(calls) == {"numpy"}
    assert excluded["numba"].startswith("check failed: AssertionError")
    assert "cupy" in excluded


def test_fused_targets_ratios_come_from_the_same_rounds(no_settling, monkeypatch):
    """speedup = reference / numba_parallel and × limit = time / (bytes / GB/s), round by round."""
    import impls

    monkeypatch.setattr(roofline, "probe_bytes", lambda level, threads: 2**20)
    r = roofline.fused_targets(10, 1000, rounds=2, threads=1)
    fused, reference = (r[schema.ROUND_SECONDS][name] for name in ("numba_parallel", impls.REFERENCE))
    gbs = r[schema.ROUND_PROBE_GBS]
    assert r[schema.BYTES_X] == 10 * 1000 * 8 and len(gbs) == 2
    assert r["speedup"] == [b / a for a, b in zip(fused, reference, strict=True)]
    assert r["times_limit"] == pytest.approx([t * g * 1e9 / r[schema.BYTES_X] for t, g in zip(fused, gbs, strict=True)])


@pytest.mark.parametrize(("threads", "busy_steps", "waits_expected"), [(1, 5, 0), (2, 0, 1), (2, 3, 4), (2, 99, 25)])
def test_settle_waits_until_the_pools_are_idle(monkeypatch, threads, busy_steps, waits_expected):
    """One thread: no wait; more: steps until one passes without this process using CPU, at most SETTLE_S."""
    clock = {"wall": 0.0, "cpu": 0.0, "steps": 0}

    def sleep(seconds):
        clock["wall"] += seconds
        clock["steps"] += 1
        clock["cpu"] += seconds if clock["steps"] <= busy_steps else 0.0  # a pool thread spinning, then asleep

    monkeypatch.setattr(grid.time, "sleep", sleep)
    monkeypatch.setattr(grid.time, "monotonic", lambda: clock["wall"])
    monkeypatch.setattr(grid.time, "process_time", lambda: clock["cpu"])
    grid.settle(threads)
    assert clock["steps"] == waits_expected
