"""Interleaved rounds, the source of every ratio the report states: calls calibrated, then measured round by round.

Every implementation of one size is measured once per round, in an order rotated from round to
round, so a ratio formed within a round compares measurements taken moments apart. A shared
machine's memory bandwidth and CPU share move over minutes (docs/performance.md), so a ratio of
timings taken minutes apart can be off by more than the effect measured.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from benchmarks import checks, grid
from reports.contract import schema

if TYPE_CHECKING:
    from benchmarks.recorder import RunRecorder

MIN_MEASURE_S = 1e-3  # one measurement lasts at least this: timer resolution and call overhead stay out
# A measurement longer than this is taken once per round, not `samples` times: it already spans the short
# interruptions the fastest-of-samples removes, and repeating it would cost rounds (docs/performance.md).
LONG_MEASURE_S = 0.02


def _time_calls(call: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        call()
    return time.perf_counter() - start


def _calibrated(measure: Callable[[int], float], min_seconds: float) -> tuple[int, float]:
    """(count, seconds): the count for which ``measure(count)`` lasts at least min_seconds, and that length.

    Each length is the fastest of two or three tries: a hiccup (a descheduled thread, a parallel
    region waking its pool) must not pass for a long measurement and leave the count too small.
    """
    count, elapsed = 1, measure(1)
    if elapsed >= min_seconds:
        elapsed = min(elapsed, measure(1))
    while elapsed < min_seconds:
        count = max(2 * count, math.ceil(count * 1.2 * min_seconds / max(elapsed, 1e-7)))
        elapsed = min(measure(count) for _ in range(3))
    return count, elapsed


def calibrate(call: Callable[[], object], min_seconds: float = MIN_MEASURE_S) -> tuple[int, float]:
    """(calls, seconds): back-to-back calls one measurement needs to last at least min_seconds, and its length."""
    return _calibrated(partial(_time_calls, call), min_seconds)


_PROBE = object()  # the probe's place in a round's order


class Rounds:
    """Interleaved rounds: each call (and the probe, when given) measured in every round, order rotated.

    A measurement is ``calls[name]`` back-to-back calls divided by that count. A round passes over
    the items ``samples`` times and keeps each item's fastest measurement (the probe's highest
    reading); an item whose measurement lasts more than LONG_MEASURE_S is measured in the first
    pass only. Fastest-of-samples because the noise here is one-sided: a measurement is slowed by
    interruptions (a busy neighbour on another core, a descheduled thread), never sped up. A short
    item's measurement starts with one untimed call, so every timed call finds X as warm as in a
    loop of calls: the other implementations' own copies of X evict it between measurements, and
    without that call the time per call would depend on how many calls the calibration chose
    (docs/performance.md). Round r starts at item r mod (items), so over the rounds every item follows every
    other; ``first_round`` lets visits of one size continue the rotation where the previous visit
    stopped.
    """

    def __init__(self, calls: dict[str, Callable[[], object]], probe: Callable[[], float] | None = None,
                 threads: int = 1, first_round: int = 0, samples: int = 1):
        self.calls, self.probe, self.threads, self.next_round = calls, probe, threads, first_round
        self.samples = samples
        calibrated = {name: calibrate(call) for name, call in calls.items()}
        self.counts = {name: count for name, (count, _) in calibrated.items()}
        probe_s = _time_calls(probe, 1) if probe else 0.0  # also maps the probe's array before round 1
        lengths = {**{name: seconds for name, (_, seconds) in calibrated.items()}, _PROBE: probe_s}
        self.items = [*calls, _PROBE] if probe else list(calls)
        self.passes = {item: 1 if lengths[item] > LONG_MEASURE_S else samples for item in self.items}
        self.warmed = {name for name in calls if lengths[name] <= LONG_MEASURE_S}
        # One round's expected length: every measurement, the probe, the settling waits.
        settle_s = checks.SETTLE_S if threads > 1 else 0.0
        warm_up_s = {name: lengths[name] / self.counts[name] for name in self.warmed}  # one untimed call
        self.round_seconds = sum(self.passes[item] * (lengths[item] + warm_up_s.get(item, 0.0) + settle_s)
                                 for item in self.items)
        self.seconds = {name: [] for name in calls}
        self.probe_gbs = [] if probe else None
        # One round thrown away: a visit's first round runs slower than its others (fresh data, cold caches
        # and predictors after the previous size), which the interval would read as drift.
        self.one_round(samples=1)
        self.seconds = {name: [] for name in calls}
        self.probe_gbs = [] if probe else None
        self.next_round = first_round

    def one_round(self, samples: int | None = None) -> None:
        """Measure every item ``samples`` times, starting one item later than the previous round; keep the best."""
        k = self.next_round % len(self.items)
        self.next_round += 1
        found = {item: [] for item in self.items}
        for sample in range(samples or self.samples):
            for item in self.items[k:] + self.items[:k]:
                if sample >= self.passes[item]:
                    continue
                checks.settle(self.threads)  # every measurement starts with the cores to itself (checks.SETTLE_S)
                if item is _PROBE:
                    found[item].append(self.probe())
                    continue
                if item in self.warmed:
                    self.calls[item]()  # untimed: X back in the caches the other items' data evicted it from
                found[item].append(_time_calls(self.calls[item], self.counts[item]) / self.counts[item])
        for item, values in found.items():
            if item is _PROBE:
                self.probe_gbs.append(max(values))
            else:
                self.seconds[item].append(min(values))

    def affordable(self, budget_s: float, most: int, least: int) -> int:
        """Rounds that fit in budget_s at this round length, between least and most."""
        return max(least, min(most, int(budget_s / max(self.round_seconds, 1e-9))))

    def record(self) -> dict:
        """schema.ROUND_SECONDS, ROUND_CALLS and ROUND_PROBE_GBS of the rounds so far."""
        return {schema.ROUND_SECONDS: self.seconds, schema.ROUND_CALLS: self.counts,
                schema.ROUND_PROBE_GBS: self.probe_gbs}


def interleaved(calls: dict[str, Callable[[], object]], rounds: int = 5, probe=None, threads: int = 1) -> dict:
    """``rounds`` rounds of ``Rounds`` over calls (and probe): its record."""
    runner = Rounds(calls, probe, threads)
    for _ in range(rounds):
        runner.one_round()
    return runner.record()


def prepared_calls(size: grid.Size, names, prof: grid.Profile | None = None,
                   recorder: RunRecorder | None = None) -> tuple[dict, dict[str, str]]:
    """({name: call}, {name: why not}) for the implementations of a size, each checked against the reference.

    With a profile, its skip reasons apply; an implementation whose check fails is left out with
    the failure, so one wrong kernel does not cost the others their rounds. First calls go to recorder.
    """
    calls, excluded = {}, {}
    for name in names:
        case = grid.Case(name, size.n, size.m, size.dtype, size.threads, size.layout)
        if prof is not None and (reason := case.skip_reason(prof, budget_s=min(prof.budget_s, prof.rounds_call_s))):
            excluded[name] = reason
            continue
        try:
            problem, w, b = checks.checked_problem(case, recorder)
        except Exception as exc:  # noqa: BLE001 - recorded; the failure also fails this case's test_gradients
            excluded[name] = f"check failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            continue
        calls[name] = partial(problem.gradients, w, b)
    return calls, excluded

