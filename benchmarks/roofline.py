"""Memory roofline and interleaved rounds: read bandwidth per memory level, and ratios formed within a round.

A timing is judged against one read of X at the bandwidth of the level X fits in (L2, L3 or DRAM,
environment.memory_level). The probes are as fast as this code can read: each thread sums its own
share, vectorized with independent accumulators, over and over, so a cached share stays in its
core's cache and one timing lasts milliseconds; otherwise a kernel could beat its "ceiling".

Every ratio the report states comes from rounds (``Rounds``): every implementation of one size is
measured once per round, in an order rotated from round to round, so a ratio formed within a round
compares measurements taken moments apart. This 2-core VM's memory bandwidth switches between
states (about 20, 35 and 55 GB/s within a day), so a ratio across minutes can be off by more than
the effect measured.
"""

import math
import statistics
import sys
import time
from collections.abc import Callable
from functools import cache, partial

import numba
import numpy as np

import impls
from benchmarks import environment, grid
from reports.contract import schema
from reports.contract.stats import median_interval, ratios

MIN_MEASURE_S = 1e-3  # one measurement lasts at least this: timer resolution and call overhead stay out
# A measurement longer than this is taken once per round, not `samples` times: it already spans the short
# interruptions the fastest-of-samples removes, and repeating it would cost rounds. On the 2-core VM, with
# double_loop (0.17 s a call) measured once and the rest fastest of 3, the same 8 s gave 2x the rounds
# and speedup intervals half as wide as with double_loop repeated too.
LONG_MEASURE_S = 0.02
# One probe timing reads this much (1–10 ms at 25–250 GB/s), by passes over its array. Fixed, not
# calibrated: on a loaded machine, waking a parallel region's second thread can take tens of ms, and a
# calibration taken then would leave one pass of a cached array per timing, timing the wake-up.
PROBE_TIMING_BYTES = 256 * 2**20
PROBE_REPEAT = 7  # timings per ceiling probe; the fastest is the ceiling (a slow moment would flatter kernels)
# Every DRAM reading of this process, per thread count (str), in order: start and end probes, rounds.
DRAM_READINGS: dict[str, list[float]] = {}


@numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
def _sum_passes(a, passes):
    # Two halves summed in one loop: LLVM vectorizes each with four accumulators, eight in flight.
    half = a.size // 2
    s0 = s1 = 0.0
    for _ in range(passes):
        for i in range(half):
            s0 += a[i]
            s1 += a[half + i]
    return s0 + s1


@numba.njit(cache=True, nogil=True, parallel=True)
def _parallel_passes(a, parts, passes):
    # prange over `parts` = Numba's threads gives each thread one contiguous share, read `passes` times.
    share = a.size // parts
    partial_sums = np.zeros(parts)
    for p in numba.prange(parts):
        partial_sums[p] = _sum_passes(a[p * share:(p + 1) * share], passes)
    return partial_sums.sum()


def probe_bytes(level: str, threads: int) -> int:
    """The probe's working set for a level, all threads together.

    L2: half of each core's L2 per thread; L3: half the shared L3; DRAM: 8× the L3 (at least 256 MiB),
    so the sum streams from memory.
    """
    sizes = environment.caches()
    return {schema.L2: sizes[schema.L2] // 2 * threads, schema.L3: sizes[schema.L3] // 2,
            schema.DRAM: max(8 * sizes[schema.L3], 256 * 2**20)}[level]


@cache
def _probe_array(nbytes: int) -> np.ndarray:
    """nbytes of float64 ones, written once so every page is mapped before timing; kept for the process."""
    a = np.ones(max(16, int(nbytes) // 8))
    _parallel_passes(a, 1, 1)  # compilation (or cache load) and first touch
    return a


def _read_seconds(a: np.ndarray, parts: int, passes: int) -> float:
    start = time.perf_counter()
    _parallel_passes(a, parts, passes)
    return time.perf_counter() - start


def _passes(a: np.ndarray) -> int:
    """Passes over ``a`` in one probe timing: PROBE_TIMING_BYTES read, however small ``a`` is."""
    return max(1, math.ceil(PROBE_TIMING_BYTES / a.nbytes))


def read_gbs(nbytes: int, repeat: int = PROBE_REPEAT, best: bool = True) -> float:
    """Read GB/s (1e9 bytes/s) over nbytes with Numba's current threads: fastest (or median) of ``repeat``."""
    a, parts = _probe_array(nbytes), numba.get_num_threads()
    passes = _passes(a)
    _read_seconds(a, parts, 1)  # brings a cached array into the caches and wakes the threads
    seconds = [_read_seconds(a, parts, passes) for _ in range(repeat)]
    gbs = a.nbytes * passes / (min(seconds) if best else statistics.median(seconds)) / 1e9
    if nbytes >= probe_bytes(schema.DRAM, 1):
        DRAM_READINGS.setdefault(str(parts), []).append(gbs)
    return gbs


def read_bandwidth_gbs(nbytes=None, repeat=7) -> dict:
    """Median DRAM read GB/s over nbytes of float64 (8× the L3 by default), with Numba's current threads."""
    nbytes = probe_bytes(schema.DRAM, 1) if nbytes is None else int(nbytes)
    gbs = read_gbs(nbytes, repeat, best=False)
    return {"gbs": gbs, "bytes": _probe_array(nbytes).nbytes, "threads": numba.get_num_threads(), "repeats": repeat}


def level_bandwidths(thread_counts) -> dict[str, dict[str, float]]:
    """{level: {threads: GB/s}} for each memory level and thread count, each count after the cores settle."""
    found = {level: {} for level in schema.LEVELS}
    for threads in thread_counts:
        grid.settle()
        with impls.limit_threads(threads):
            for level in schema.LEVELS:
                found[level][str(threads)] = read_gbs(probe_bytes(level, threads))
    return found


def bandwidth_record(samples: list[dict]) -> dict:
    """schema.BANDWIDTH from start/end samples: per level and threads the larger reading is the ceiling."""
    levels = {level: {} for level in schema.LEVELS}
    for sample in samples:
        for level, by_threads in sample[schema.BW_LEVELS].items():
            for threads, gbs in by_threads.items():
                levels[level][threads] = max(gbs, levels[level].get(threads, 0.0))
    thread_counts = sorted({int(t) for by_threads in levels.values() for t in by_threads})
    return {schema.BW_LEVELS: levels, schema.BW_LEVEL_BYTES: environment.level_bytes(),
            schema.BW_PROBE_BYTES: {level: {str(t): probe_bytes(level, t) for t in thread_counts}
                                    for level in schema.LEVELS},
            schema.BW_SAMPLES: samples}


def dram_probe(threads: int) -> Callable[[], float]:
    """One DRAM reading (GB/s, one timing of at least MIN_MEASURE_S) with ``threads`` threads, as a call."""
    return partial(read_gbs, probe_bytes(schema.DRAM, threads), 1)


def one_read_limit_seconds(bytes_x, gbs) -> float:
    """The fastest one gradient can be: reading bytes_x once at gbs GB/s."""
    return bytes_x / (gbs * 1e9)


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
    interruptions (on the 2-core VM a busy loop on the other core once slowed a 1-thread numba
    call from 0.17 to 0.29 ms), never sped up. A short item's measurement starts with one untimed
    call, so every timed call finds X as warm as in a loop of calls: the other implementations' own
    copies of X evict it between measurements, and without that call the time per call depended on
    how many calls the calibration chose (numba at n=100, m=10^4: one call per measurement in every
    visit of one run, two in the next, and speedups of ×120 [112–125] against ×159 [152–165]).
    Round r starts at item r mod (items), so over the rounds every item follows every
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
        settle_s = grid.SETTLE_S if threads > 1 else 0.0
        warm_up_s = {name: lengths[name] / self.counts[name] for name in self.warmed}  # one untimed call
        self.round_seconds = sum(self.passes[item] * (lengths[item] + warm_up_s.get(item, 0.0) + settle_s)
                                 for item in self.items)
        self.seconds = {name: [] for name in calls}
        self.probe_gbs = [] if probe else None
        # One round thrown away: a visit's first round ran 1.5-2x slower than its others here (fresh data,
        # cold caches and predictors after the previous size), which the interval would read as drift.
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
                grid.settle(self.threads)  # every measurement starts with the cores to itself, see grid.SETTLE_S
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


def prepared_calls(size: grid.Size, names, prof: grid.Profile | None = None) -> tuple[dict, dict[str, str]]:
    """({name: call}, {name: why not}) for the implementations of a size, each checked against the reference.

    With a profile, its skip reasons apply; an implementation whose check fails is left out with
    the failure, so one wrong kernel does not cost the others their rounds.
    """
    calls, excluded = {}, {}
    for name in names:
        case = grid.Case(name, size.n, size.m, size.dtype, size.threads, size.layout)
        if prof is not None and (reason := case.skip_reason(prof, budget_s=min(prof.budget_s, prof.rounds_call_s))):
            excluded[name] = reason
            continue
        try:
            problem, w, b = grid.checked_problem(case)
        except Exception as exc:  # noqa: BLE001 - recorded; the failure also fails this case's test_gradients
            excluded[name] = f"check failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            continue
        calls[name] = partial(problem.gradients, w, b)
    return calls, excluded


def fused_targets(n: int, m: int, rounds=7, layout=schema.LECTURE, threads=grid.CORES) -> dict:
    """numba_parallel against the reference and against the one-read limit at DRAM bandwidth, per round.

    ``speedup`` is the reference's time over numba_parallel's, ``times_limit`` numba_parallel's time
    over reading X once at that round's DRAM probe. Both are checked against the reference first
    (grid.checked_problem), so a wrong kernel never yields a ratio.
    """
    size = grid.Size(n, m, layout, "float64", threads)
    with impls.limit_threads(threads):
        calls, excluded = prepared_calls(size, ("numba_parallel", impls.REFERENCE))
        if excluded:
            raise RuntimeError(f"{size}: {excluded}")
        found = interleaved(calls, rounds, dram_probe(threads), threads)
    fused, reference = (found[schema.ROUND_SECONDS][name] for name in ("numba_parallel", impls.REFERENCE))
    gbs = found[schema.ROUND_PROBE_GBS]
    return {**found, **size.info(), "speedup": ratios(reference, fused),
            "times_limit": [t / one_read_limit_seconds(size.bytes_x, g) for t, g in zip(fused, gbs, strict=True)]}


def _interval(values) -> str:
    i = median_interval(values)
    return f"{i.median:.2f} [{i.lo:.2f}–{i.hi:.2f}]"


def main(argv=None) -> int:
    """Print the fused kernel's ratios at the roofline sizes, both layouts: ``python -m benchmarks.roofline``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.roofline", description=main.__doc__)
    parser.add_argument("--rounds", type=int, default=9, help="rounds per size and layout (default 9)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    print(f"float64, {grid.CORES} threads; median [95% interval] over {args.rounds} rounds, each ratio formed "
          f"within a round (below 6 rounds the interval is the whole range)")
    print(f"| n | m | layout | DRAM GB/s | numba_parallel | {impls.REFERENCE} "
          f"| {impls.REFERENCE} ÷ numba_parallel | × one-read limit |")
    print("|---|---|---|---|---|---|---|---|")
    for (n, m), layout in ((size, layout) for size in grid.ROOFLINE_SIZES for layout in grid.LAYOUTS):
        print(f"  measuring n={n}, m={m}, {layout} …", file=sys.stderr, flush=True)
        r = fused_targets(n, m, args.rounds, layout)
        ms = {k: statistics.median(v) * 1e3 for k, v in r[schema.ROUND_SECONDS].items()}
        print(f"| {n:,} | {m:,} | {layout} | {_interval(r[schema.ROUND_PROBE_GBS])} | {ms['numba_parallel']:.1f} ms "
              f"| {ms[impls.REFERENCE]:.1f} ms | {_interval(r['speedup'])} | {_interval(r['times_limit'])} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
