"""The interleaved rounds runner: calibration, rotation, fastest of samples, checked calls."""

import pytest

from benchmarks import grid, rounds
from reports.contract import schema


def test_calibration_makes_a_measurement_last_long_enough():
    """A call of microseconds is repeated until one measurement lasts at least the minimum."""
    calls, seconds = rounds.calibrate(lambda: sum(range(100)), min_seconds=2e-3)
    assert calls > 1 and seconds >= 2e-3


def test_rounds_rotate_the_order_and_align_every_list(no_settling, monkeypatch):
    """Round r starts one item later; every list has one entry per round, the probe's included."""
    monkeypatch.setattr(rounds, "calibrate", lambda call, min_seconds=0: (2, 0.0))
    order = []
    calls = {name: (lambda name=name: order.append(name)) for name in "abc"}
    runner = rounds.Rounds(calls, probe=lambda: order.append("p") or 7.0, first_round=1)
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
    long_s = 2 * rounds.LONG_MEASURE_S
    monkeypatch.setattr(rounds, "calibrate", lambda call, min_seconds=0: (1, long_s if call is slow else 1e-3))
    durations = iter([0.5e-3, 1.0, 1.0])  # the constructor: the probe's first timing, then its warm-up round
    monkeypatch.setattr(rounds, "_time_calls", lambda call, calls: (call(), next(durations))[1])
    taken = []

    def fast():
        taken.append("fast")

    def slow():
        taken.append("slow")

    readings = iter([1.0] * 3)
    runner = rounds.Rounds({"fast": fast, "slow": slow}, probe=lambda: next(readings), samples=3)
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
    runner = rounds.Rounds({"a": lambda: None})
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
    calls, excluded = rounds.prepared_calls(size, ("numpy", "numba", "cupy"), grid.PROFILES[schema.DEFAULT_PROFILE])
    assert set(calls) == {"numpy"}
    assert excluded["numba"].startswith("check failed: AssertionError")
    assert "cupy" in excluded
