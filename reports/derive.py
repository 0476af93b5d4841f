"""The report's numbers, computed once: ``analyse(results, baseline) -> View``.

Figures, tables, summary.json and the terminal read the View; they never divide two timings
themselves. Every ratio is a ``Ratio``: where the results hold interleaved rounds of the size
(schema.ROUNDS), it is the median of the per-round ratios, pooled over the size's visits, with the
95% interval of reports.contract.stats; elsewhere (older files, asv, ratios across thread counts) it is the
ratio of two medians and carries no interval. Ratios are only formed within one series (one file,
one asv environment): two runs' timings are never divided by each other here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from reports.contract import schema as s
from reports.contract.checked import ReportInputError
from reports.contract.records import Counted, Counting, Failure, Record, Results, Rounds, Series
from reports.contract.stats import Interval, median_interval, ratios
from reports.load import default_baseline

REFERENCE_DTYPE = "float64"

# When the noise record says the machine was busy. Ratios formed within a round survive a slow
# moment (both sides see it); medians, and ratios of medians, do not.
STEAL_WARN = 0.05  # 5% of CPU ticks stolen by the hypervisor: a lone median can be off by about as much
LOAD_WARN = 1.0  # 1-minute load per core above 1: other runnable processes competed for the cores
DRIFT_WARN = 0.15  # the DRAM probe moved by 15%: a × limit without rounds is uncertain by that much

# Counts repeat within 0.1% between runs: a count 1% larger is more work, not noise.
COUNT_NOISE = 0.01
# A ratio of medians (no rounds) moves 15–60% between runs on a shared machine: only a larger gap is a gap.
UNPAIRED_GAP = 1.5
# Instructions per example that stay within this factor while n grows at least PER_EXAMPLE_SPAN-fold:
# the cost follows the examples (columns of X), not the elements.
PER_EXAMPLE_FACTOR, PER_EXAMPLE_SPAN = 1.5, 4


@dataclass(frozen=True)
class Ratio:
    """One stated ratio (speedup, efficiency, × limit): its median and 95% interval, None if not interleaved.

    Speedup and efficiency: base's time / record's time. × limit: record's time / one read of X at
    the ceiling of ``level`` (base is None).
    """

    record: Record
    base: Record | None
    median: float
    interval: Interval | None = None
    level: str | None = None

    @property
    def rounds(self) -> int:
        """How many per-round ratios it comes from (0: a ratio of medians)."""
        return self.interval.count if self.interval else 0

    @property
    def detectable(self) -> bool:
        """The interval excludes 1 (a real difference); False without an interval."""
        return self.interval is not None and not self.interval.contains(1.0)

    def as_dict(self) -> dict:
        """{"median", "lo", "hi"} (lo, hi null without interval) plus "level" for × limit."""
        lo, hi = (self.interval.lo, self.interval.hi) if self.interval else (None, None)
        out = {"median": self.median, "lo": lo, "hi": hi}
        return {**out, s.LEVEL: self.level} if self.base is None else out


def paired(values: list[float], record: Record, base: Record | None, level: str | None = None) -> Ratio:
    """A Ratio from per-round values (median with interval)."""
    found = median_interval(values)
    return Ratio(record, base, found.median, found, level)


# --- records by role ---------------------------------------------------------------------------------


def variant_key(r: Record) -> tuple[str, str, str, int]:
    """(implementation, layout, dtype, threads): one line, bar or panel of the figures."""
    return (r.implementation, r.layout, r.dtype, r.threads)


def variants(records: list[Record]) -> list[tuple]:
    """Variant keys in first-seen order."""
    return list(dict.fromkeys(variant_key(r) for r in records))


def implementations(records: list[Record]) -> list[str]:
    """Implementation names in first-seen order (the suite runs them in registry order)."""
    return list(dict.fromkeys(r.implementation for r in records))


def label(key: tuple, records: list[Record]) -> str:
    """A variant's label; layout, dtype and threads are named only when the data varies them."""
    name, layout, dtype, threads = key
    for attr, text in (("layout", f" {layout}"), ("dtype", f" {dtype}"), ("threads", f" t={threads}")):
        if len({getattr(r, attr) for r in records}) > 1:
            name += text
    return name


def sizes(records: list[Record]) -> list[tuple[int, int]]:
    """Distinct (n, m), smallest first."""
    return sorted({(r.n, r.m) for r in records})


def reference(records: list[Record], implementation: str) -> dict[tuple[int, int, str], Record]:
    """At each (n, m, layout), an implementation's float64 (else first dtype), fewest-threads record."""
    mine = [r for r in records if r.implementation == implementation]
    if not mine:
        return {}
    dtype = REFERENCE_DTYPE if any(r.dtype == REFERENCE_DTYPE for r in mine) else mine[0].dtype
    threads = min(r.threads for r in mine)
    return {(r.n, r.m, r.layout): r for r in mine if r.dtype == dtype and r.threads == threads}


def base_for(r: Record, base: dict) -> Record | None:
    """The baseline record r is compared with: same (n, m, layout), else the lecture layout's."""
    return base.get((r.n, r.m, r.layout)) or base.get((r.n, r.m, s.LECTURE))


def headline_size(records: list[Record], baseline: str | None = None,
                  paired: frozenset = frozenset()) -> tuple[int, int, str] | None:
    """The largest (n, m, layout) (by n·m, lecture layout first) where every implementation has a reference record.

    If no size has them all, the size covered by the most implementations, largest first. Before any
    other: a size where the baseline and another implementation ran (a headline needs a comparison),
    then one in ``paired``, the sizes with a same-dtype speedup from interleaved rounds (a headline
    has an interval where the run has one: the full profile leaves a slow baseline out of the rounds
    of its largest sizes).
    """
    refs = [reference(records, name) for name in implementations(records)]
    keys = {k for ref in refs for k in ref}
    if not keys:
        return None
    base = reference(records, baseline) if baseline else {}
    covered = {k: sum(k in ref for ref in refs) for k in keys}
    return max(keys, key=lambda k: (k in base and covered[k] > 1, k in paired, covered[k], k[0] * k[1],
                                    k[2] == s.LECTURE, k))


# --- ratios from rounds --------------------------------------------------------------------------------


def pool(rounds: list[Rounds]) -> dict[tuple, list[Rounds]]:
    """Rounds entries by (series, size): a size's visits are pooled."""
    out: dict[tuple, list[Rounds]] = {}
    for x in rounds:
        out.setdefault((x.series, *x.size), []).append(x)
    return out


def speedup(r: Record, base: Record, visits: list[Rounds]) -> Ratio:
    """base / r: per-round ratios where both ran in the same rounds, else the ratio of medians."""
    values = [v for x in visits if r.implementation in x.seconds and base.implementation in x.seconds
              for v in ratios(x.seconds[base.implementation], x.seconds[r.implementation])]
    if values and base.size == r.size:  # a round pairs the two only at the same size
        return paired(values, r, base)
    return Ratio(r, base, base.median / r.median)


def ceiling(series: Series, level: str, threads: int) -> float | None:
    """Read GB/s of a memory level with this many threads, as the run measured it."""
    return series.run.bandwidth.get(level, {}).get(threads)


def times_limit(r: Record, series: Series, visits: list[Rounds]) -> Ratio | None:
    """r's time / one read of X at the ceiling of the level X fits in (DRAM: the probe of each round).

    None for X in a GPU's memory (the host's ceilings do not bound it) or without a ceiling.
    """
    if r.memory != s.HOST or r.bytes_x <= 0:
        return None
    level = r.level or s.DRAM  # older files did not record the level: DRAM was their only ceiling
    fixed = ceiling(series, level, r.threads)
    values = []
    for x in visits:
        if r.implementation in x.seconds:
            gbs = x.probe_gbs if level == s.DRAM and x.probe_gbs else [fixed] * len(x.seconds[r.implementation])
            if None not in gbs:
                values += [t * g * 1e9 / r.bytes_x for t, g in zip(x.seconds[r.implementation], gbs, strict=True)]
    if values:
        return paired(values, r, None, level)
    return None if fixed is None else Ratio(r, None, r.median * fixed * 1e9 / r.bytes_x, None, level)


@dataclass(frozen=True)
class Split:
    """Speedup of one implementation split into vectorization (one thread) and cores (all vs one)."""

    record: Record  # at its most threads
    vectorization: Ratio | None  # baseline at 1 thread / this at 1 thread
    cores: Ratio  # this at 1 thread / this at record.threads

    @property
    def both(self) -> float | None:
        return self.vectorization.median * self.cores.median if self.vectorization else None


def splits(records: list[Record], speedups: dict[Record, Ratio]) -> list[Split]:
    """Vectorization and core speedups wherever an implementation ran at one and at more threads."""
    one = {(r.implementation, r.layout, r.dtype, r.n, r.m): r for r in records if r.threads == 1}
    most: dict[tuple, Record] = {}
    for r in records:
        key = (r.implementation, r.layout, r.dtype, r.n, r.m)
        if r.threads > 1 and key in one and r.threads > most.get(key, one[key]).threads:
            most[key] = r
    out = []
    for key, r in most.items():
        vec = speedups.get(one[key])
        vec = vec if vec is not None and vec.base.threads == 1 else None
        out.append(Split(r, vec, Ratio(r, one[key], one[key].median / r.median)))
    return out


def efficiencies(records: list[Record]) -> list[Ratio]:
    """Every chunked (Dask) record against the fastest unchunked one (NumPy, best of its threads) at its (n, m)."""
    best: dict[tuple[int, int], Record] = {}
    for r in records:
        if r.chunk_bytes is None and ((r.n, r.m) not in best or r.median < best[(r.n, r.m)].median):
            best[(r.n, r.m)] = r
    found = [Ratio(r, best[(r.n, r.m)], best[(r.n, r.m)].median / r.median) for r in records
             if r.chunk_bytes is not None and (r.n, r.m) in best]
    return sorted(found, key=lambda e: (e.record.n, e.record.m, e.record.chunk_bytes, e.record.workers))


def rounds_used(v: SeriesView, r: Record) -> int:
    """How many rounds r's paired ratios come from (0: none is paired); a ratio without interval is unpaired."""
    return max((x.rounds for x in (v.speedups.get(r), v.limits.get(r)) if x), default=0)


def noise_flags(series: Series) -> tuple[str, ...]:
    """Which noise fields (schema.NOISE_FIELDS) exceed their warning threshold."""
    noise, cores = series.run.noise, series.machine.cores or 1
    if noise is None:
        return ()
    high = {s.STEAL_FRACTION: noise.steal_fraction is not None and noise.steal_fraction > STEAL_WARN,
            s.LOAD_AVERAGE: bool(noise.load_average) and max(noise.load_average) / cores > LOAD_WARN,
            s.PROBE_DRIFT: noise.probe_drift is not None and noise.probe_drift > DRIFT_WARN}
    return tuple(k for k, v in high.items() if v)


def overlap(a: Ratio, b: Ratio) -> bool:
    """Whether both ratios have intervals and the intervals share a value."""
    return a.interval is not None and b.interval is not None and \
        a.interval.lo <= b.interval.hi and b.interval.lo <= a.interval.hi


# --- counts: what the work and the memory traffic say about the timings ------------------------------------


@dataclass(frozen=True)
class Pair:
    """At one size, one implementation against the next faster one (by time where both were timed, else by
    instructions per element): how their times and their counts compare."""

    slower: Counted  # the one with the larger time (or, untimed, more instructions per element)
    faster: Counted
    time: Ratio | None  # slower's time / faster's at 1 thread (paired where rounds hold both); None: not timed

    @property
    def work(self) -> float:
        """slower's instructions per element / faster's."""
        return self.slower.counts.instructions_per_element / self.faster.counts.instructions_per_element

    @property
    def cycles(self) -> float:
        return self.slower.counts.estimated_cycles / self.faster.counts.estimated_cycles

    @property
    def explained(self) -> bool:
        """The slower one does more counted work (instructions per element beyond the counts' noise)."""
        return self.work > 1 + COUNT_NOISE

    @property
    def gap(self) -> bool:
        """Whether the timings show the slower one slower: a paired interval above 1, or an unpaired ratio of
        medians of at least UNPAIRED_GAP; True for untimed pairs (ordered by work alone)."""
        if self.time is None:
            return True
        return self.time.median > 1 and (self.time.detectable if self.time.interval
                                         else self.time.median >= UNPAIRED_GAP)


@dataclass(frozen=True)
class PerExample:
    """An implementation whose instructions follow m, not n·m: counted at sizes whose n differ PER_EXAMPLE_SPAN-fold."""

    implementation: str
    points: tuple[Counted, ...]  # smallest n first

    def per_example(self, c: Counted) -> float:
        return c.counts.instructions / c.m


@dataclass
class CountsView:
    """The counts of one series: conditions, counted cases, cases without counts, and what they explain."""

    counting: Counting | None  # None: the run did not count
    counted: list[Counted]  # with counts, in the file's order
    missing: list[Counted]  # with the reason they have none
    pairs: list[Pair]
    per_example: list[PerExample]
    reads: list[list[Counted]]  # per size where reads of X are stated: its cases, fewest reads first

    def sizes(self) -> list[tuple]:
        """(n, m, layout, dtype) of the counted cases, smallest n·m first."""
        return sorted({c.size[:4] for c in self.counted}, key=lambda x: (x[0] * x[1], x))

    def at(self, size: tuple) -> list[Counted]:
        return [c for c in self.counted if c.size[:4] == size]


def timed_pair(a: Counted, b: Counted, timed: dict[tuple, Record], visits: list[Rounds]) -> Pair:
    """a and b with the slower first: the per-round ratio decides where rounds hold both (it can contradict the
    order of two medians taken at different moments), else the medians."""
    time = speedup(timed[b.case], timed[a.case], visits)
    if time.median >= 1:
        return Pair(a, b, time)
    return Pair(b, a, speedup(timed[a.case], timed[b.case], visits))


def size_pairs(found: list[Counted], timed: dict[tuple, Record], visits: dict) -> list[Pair]:
    """Neighbours at one size, slowest first: by time when every one was timed at 1 thread, else by work
    (untimed neighbours whose work is equal within the counts' noise are left out)."""
    if all(c.case in timed for c in found):
        order = sorted(found, key=lambda c: -timed[c.case].median)
        return [timed_pair(a, b, timed, visits.get((timed[a.case].series, *a.size), []))
                for a, b in itertools.pairwise(order)]
    order = sorted(found, key=lambda c: -c.counts.instructions_per_element)
    return [Pair(a, b, None) for a, b in itertools.pairwise(order)
            if a.counts.instructions_per_element > (1 + COUNT_NOISE) * b.counts.instructions_per_element]


def per_example(counted: list[Counted]) -> list[PerExample]:
    """Implementations whose instructions per example stay within PER_EXAMPLE_FACTOR over a PER_EXAMPLE_SPAN-fold n."""
    out = []
    for name in dict.fromkeys(c.implementation for c in counted):
        mine = sorted((c for c in counted if c.implementation == name), key=lambda c: (c.n, c.m))
        low, high = mine[0], mine[-1]
        each = [c.counts.instructions / c.m for c in mine]
        if high.n >= PER_EXAMPLE_SPAN * low.n and max(each) <= PER_EXAMPLE_FACTOR * min(each):
            out.append(PerExample(name, (low, high)))
    return out


def analyse_counts(results: Results, series: Series, records: list[Record]) -> CountsView:
    """The counts of one series, and their pairs, per-example costs and reads of X."""
    mine = [c for c in results.counted if c.series == series.label]
    counted = [c for c in mine if c.counts is not None]
    timed = {(r.implementation, *r.size): r for r in records}
    visits = pool([x for x in results.rounds if x.series == series.label])
    view = CountsView(series.run.counting, counted, [c for c in mine if c.counts is None], [], per_example(counted), [])
    for size in view.sizes():
        found = view.at(size)
        view.pairs += size_pairs(found, timed, visits)
        stated = sorted((c for c in found if c.counts.x_reads is not None), key=lambda c: c.counts.x_reads)
        view.reads += [stated] if stated else []
    return view


# --- the view ---------------------------------------------------------------------------------------------


@dataclass
class SeriesView:
    """Everything the report states about one series (one file or asv environment)."""

    series: Series
    baseline: str
    records: list[Record]  # single-machine gradient records, in run order
    speedups: dict[Record, Ratio]  # every gradient record but the baseline's own reference records
    limits: dict[Record, Ratio]
    headline_size: tuple[int, int, str] | None
    splits: list[Split]
    efficiencies: list[Ratio]
    scaling: list[Record]  # Dask and its one-machine reference
    generated: list[Record]  # Dask on data generated on the workers
    other: list[Record]  # train and prepare
    history: list[Record]  # asv, every commit
    failures: list[Failure] = field(default_factory=list)
    noise_flags: tuple[str, ...] = ()
    counts: CountsView | None = None
    models: object = None  # reports.costmodel.Models, set by costmodel.attach (fitting needs this view)

    @property
    def label(self) -> str:
        return self.series.label

    @property
    def run(self):
        return self.series.run

    @property
    def below_ceiling(self) -> list[Ratio]:
        """× limits below 1 beyond their interval: faster than one read of X at the level's measured ceiling."""
        return [x for x in self.limits.values() if (x.interval.hi if x.interval else x.median) < 1]

    @property
    def levels_recorded(self) -> bool:
        """Whether each timing names the memory level its X fits in (older results: DRAM assumed)."""
        return all(r.level is not None for r in self.records)

    def headline(self) -> list[Ratio]:
        """Speedups at the headline size in the baseline's dtype, fastest first.

        A float32 kernel against the float64 baseline would mix the dtype's gain into the implementation's.
        """
        found = [x for x in self.speedups.values() if x.record.dtype == x.base.dtype
                 and (x.record.n, x.record.m, x.record.layout) == self.headline_size]
        return sorted(found, key=lambda x: -x.median)

    def leaders(self) -> list[Ratio]:
        """The headline comparison: the fastest speedup with an interval (else the fastest), then those tied with it.

        Tied: both have intervals and they overlap, so which of the two is faster is not detectable.
        """
        found = self.headline()
        found = [x for x in found if x.interval] or found
        return [x for x in found if x is found[0] or overlap(x, found[0])]

    def label_of(self, r: Record) -> str:
        return label(variant_key(r), self.records)


@dataclass
class View:
    """The report's numbers: one SeriesView per input series, in input order."""

    baseline: str
    series: list[SeriesView]

    @property
    def main(self) -> SeriesView:
        """The series the headline speaks for: the first with gradient timings (else the first)."""
        return next((v for v in self.series if v.records), self.series[0])


def analyse_series(results: Results, series: Series, baseline: str, failures: list[Failure]) -> SeriesView:
    """The numbers of one series."""
    mine = [r for r in results.records if r.series == series.label]
    records = [r for r in mine if r.benchmark == s.GRADIENTS and r.chunk_bytes is None]
    visits = pool([x for x in results.rounds if x.series == series.label])
    base = reference(records, baseline)
    speedups = {r: speedup(r, b, visits.get((r.series, *r.size), [])) for r in records
                if (b := base_for(r, base)) is not None and r is not b}
    limits = {r: x for r in records if (x := times_limit(r, series, visits.get((r.series, *r.size), [])))}
    scaling = [r for r in mine if r.benchmark == s.SCALING]
    return SeriesView(
        series=series, baseline=baseline, records=records, speedups=speedups, limits=limits,
        headline_size=headline_size(records, baseline, frozenset(
            (r.n, r.m, r.layout) for r, x in speedups.items() if x.interval and r.dtype == x.base.dtype)),
        splits=splits(records, speedups),
        efficiencies=efficiencies(scaling),
        scaling=scaling, generated=[r for r in mine if r.benchmark == s.SCALING_GENERATED],
        other=[r for r in mine if r.benchmark in (s.TRAIN, s.PREPARE)],
        history=[r for r in results.history if r.series == series.label],
        failures=series.run.failed + failures, noise_flags=noise_flags(series),
        counts=analyse_counts(results, series, records))


def analyse(results: Results, baseline: str | None = None, failures: list[Failure] | None = None) -> View:
    """The View of results against baseline (default: the run record's baseline role).

    failures: cases the sweep saw fail that the run record does not hold, attributed to the first series.
    """
    if not results.series:
        raise ReportInputError("no input: give a pytest-benchmark JSON file or an asv results directory")
    baseline = baseline or default_baseline(results)
    extra = failures or []
    views = []
    for i, series in enumerate(results.series.values()):
        known = {f.case for f in series.run.failed}
        views.append(analyse_series(results, series, baseline, [f for f in extra if f.case not in known] if i == 0
                                    else []))
    return View(baseline, views)
