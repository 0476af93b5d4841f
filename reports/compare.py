"""`python -m reports compare OLD NEW`: each case's new ÷ old time, with a 95% interval and a verdict.

OLD and NEW are results of this suite: a pytest-benchmark JSON file, or a report run folder that
holds one; from one machine or two (a comparison across machines says so, since the ratio then
includes the machines' difference). Cases measured in only one of them are listed, never dropped.

Samples. Where a size was measured in interleaved rounds (kind ``rounds``) in both runs, a case's
samples are its per-round times divided by the baseline's time in the same round (the run's
baseline role, double_loop: pure Python, untouched by the kernels compared), pooled over the visits
that spread a size's rounds over its run. A machine that is slower for the whole of one run (see
docs/comparing.md for how far raw times move between runs) slows both alike and cancels; the
baseline's own row compares raw times. new ÷
old is the Hodges–Lehmann estimate with its exact Mann–Whitney interval
(``reports.contract.stats.ratio_interval``). Other cases (train, prepare, scaling, files without rounds)
have only pytest-benchmark's summary: their interval is the notched-box-plot rule, median ±
1.57·IQR/√N, combined in log time, and marked approximate.

Drift. Rounds within one run cannot see a machine that is faster or slower for the whole of the
other run, so each interval is widened by the larger of: the between-run scatter of its group (one
benchmark kind, relative or raw times): SCATTER_SIGMAS × 1.4826 × the median over the group's cases
of |log(new ÷ old)|, robust standard deviations of how far cases move from one run to the other; and, for X
in DRAM, how far the two runs' bandwidth probes differ. A change confined to a few cases stands out
of that scatter; a change that moves every case of a group alike cannot be told from the machine's
state and is not called. The verdict is "slower" or "faster" only when the widened interval
excludes 1; its half-width is the smallest change this pair of runs could have detected.
``--fail-above PCT`` makes the exit code 1 when a case is slower by more than PCT percent with its
whole widened interval above it.

Counts. Where both runs counted (kind ``counts``) under the same instrument (valgrind version, simulated
caches, CPU, threads, calls: COMPARED_CONDITIONS), each case's instructions, estimated cycles and bytes from
memory are compared as new ÷ old: counts repeat within 0.1%, so a change beyond COUNT_NOISE (1%) is "more"
or "fewer", else "same within 1%"; bytes from memory must also move by 1% of X, since a few cache lines more
or less are noise for an X that fits in the cache. ``--fail-above`` applies to them too: a count that
grows by more than PCT percent fails the gate. Where the instrument differs, counts are not compared and
the field that differs is named. Differing library versions do not stop the comparison: the libraries are
part of what is measured (a new NumPy that executes more instructions is a change the gate must see), and
the versions that differ are named so that a change can be put down to them.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from reports import fmt
from reports.contract import schema, stats
from reports.contract.checked import ReportInputError
from reports.contract.records import Counted, Counting, Counts, Results
from reports.derive import COUNT_NOISE
from reports.fmt import time as format_time
from reports.load import default_baseline, load

FAIL_ABOVE_PCT = 10.0
# Between-run scatter allowed for, in robust standard deviations (1.4826 × MAD). Six, not three, because the
# moves have heavy tails: with three, unchanged code got a "slower" verdict (docs/comparing.md).
SCATTER_SIGMAS = 6.0
NOTCH = 1.57  # the notched box plot's half-width of a median's ~95% interval: 1.57·IQR/√N (McGill et al.)
REPORT_FILE = "compare.md"


@dataclass(frozen=True)
class Side:
    """One case's timings in one run: samples (seconds) when interleaved, else the summary."""

    median: float
    samples: tuple[float, ...] = ()  # per-round seconds (÷ the baseline's, when relative), pooled over visits
    probe_gbs: float | None = None  # median DRAM probe of its rounds (X in DRAM only)
    relative: bool = False  # samples are times ÷ the baseline's time in the same round
    q1: float | None = None
    q3: float | None = None
    count: int | None = None


@dataclass(frozen=True)
class Row:
    """One case in both runs: new ÷ old with its interval, the widening for drift, the verdict."""

    case: tuple
    old: Side
    new: Side
    ratio: stats.Interval
    drift: float  # relative widening applied on each side of the interval
    exact: bool  # False: the approximate interval from summaries

    @property
    def lo(self) -> float:
        return self.ratio.lo / (1 + self.drift)

    @property
    def hi(self) -> float:
        return self.ratio.hi * (1 + self.drift)

    @property
    def verdict(self) -> str:
        return fmt.SLOWER if self.lo > 1 else fmt.FASTER if self.hi < 1 else fmt.NO_DIFFERENCE

    @property
    def detectable(self) -> float:
        """The smallest relative change this pair of runs could tell from noise at this case."""
        return max(self.hi / self.ratio.median, self.ratio.median / self.lo) - 1

    def fails(self, fail_above: float) -> bool:
        return self.lo > 1 + fail_above / 100


# What makes two counts comparable: the instrument. Library versions are part of what is measured (see above).
COMPARED_CONDITIONS = tuple(key for key in schema.COUNTING_FIELDS if key != "versions")
GATED_COUNTS = (schema.INSTRUCTIONS, schema.ESTIMATED_CYCLES, schema.MEMORY_BYTES)  # what --fail-above applies to
COUNT_WORDS = {schema.INSTRUCTIONS: "instructions", schema.ESTIMATED_CYCLES: "estimated cycles",
               schema.MEMORY_BYTES: "bytes from memory"}


@dataclass(frozen=True)
class CountRow:
    """One counted case in both runs: each gated count's new ÷ old and verdict."""

    case: tuple  # Counted.case: (implementation, n, m, layout, dtype, threads)
    old: Counts
    new: Counts
    bytes_x: int

    def ratio(self, key: str) -> float:
        old, new = getattr(self.old, key), getattr(self.new, key)
        return new / old if old else (1.0 if new == old else math.inf)

    def moved(self, key: str, by: float = COUNT_NOISE) -> bool:
        """The count changed by more than `by` (and, for memory, by more than COUNT_NOISE of X's bytes)."""
        change = abs(getattr(self.new, key) - getattr(self.old, key))
        floor = COUNT_NOISE * self.bytes_x if key == schema.MEMORY_BYTES else 0.0
        return abs(self.ratio(key) - 1) > by and change > floor

    def verdict(self, key: str) -> str:
        if not self.moved(key):
            return f"same within {COUNT_NOISE:.0%}"
        return "more" if self.ratio(key) > 1 else "fewer"

    def grown(self, fail_above: float) -> list[str]:
        """The gated counts that grew by more than fail_above percent (and beyond the counts' noise)."""
        return [key for key in GATED_COUNTS if self.ratio(key) > 1 + fail_above / 100
                and self.moved(key, max(COUNT_NOISE, fail_above / 100))]

    def fails(self, fail_above: float) -> bool:
        return bool(self.grown(fail_above))


@dataclass(frozen=True)
class CountsComparison:
    """Both runs' counts: a row per case counted in both, or why they were not compared."""

    rows: list[CountRow]
    not_compared: str | None = None  # why (a condition that differs, a run without counts)
    versions: tuple[str, ...] = ()  # "numpy 2.4.6 → 2.5.0": libraries whose versions differ
    only_old: tuple[tuple, ...] = ()
    only_new: tuple[tuple, ...] = ()


@dataclass(frozen=True)
class Comparison:
    """Every case of OLD and NEW: the rows in both, the cases in one only, and the machines."""

    old: str
    new: str
    rows: list[Row]
    only_old: list[tuple]
    only_new: list[tuple]
    same_machine: bool
    machines: tuple[str, str]
    fail_above: float
    counts: CountsComparison | None = None  # None: neither run counted

    @property
    def failing(self) -> list[Row | CountRow]:
        """Timed cases slower, and counted cases with a count grown, beyond the gate."""
        counted = self.counts.rows if self.counts else []
        return [r for r in [*self.rows, *counted] if r.fails(self.fail_above)]


def results_file(path: Path) -> Path:
    """A results JSON, or the one a report run folder holds."""
    path = Path(path)
    if path.is_dir():
        if not (path / schema.RESULTS_FILE).is_file():
            raise ReportInputError(f"{path}: a folder without {schema.RESULTS_FILE} (not a report run folder)")
        return path / schema.RESULTS_FILE
    return path


def case_label(case: tuple) -> str:
    """A case as it reads in a table: 'gradients numpy n=100 m=10,000 lecture float64 t=1'."""
    kind, impl, n, m, layout, dtype, threads, workers, chunk = case
    extra = f" w={workers} chunk={chunk / 2**20:g}MiB" if chunk else ""
    return f"{kind} {impl} n={n:,} m={m:,} {layout} {dtype} t={threads}{extra}"


def sides(results: Results) -> dict[tuple, Side]:
    """Every case of one run: interleaved samples for gradients where rounds exist, else summaries."""
    found = {r.case: Side(r.median, q1=r.q1, q3=r.q3, count=r.rounds) for r in results.records}
    baseline = default_baseline(results)
    pooled: dict[tuple, list] = {}
    for rounds in results.rounds:
        base = rounds.seconds.get(baseline)
        for impl, seconds in rounds.seconds.items():
            relative = base is not None and impl != baseline
            samples = stats.ratios(seconds, base) if relative else seconds
            case = (schema.GRADIENTS, impl, *rounds.size, 1, None)
            pooled.setdefault(case, []).append((samples, seconds, rounds.probe_gbs, relative))
    for case, visits in pooled.items():
        samples = [x for values, *_ in visits for x in values]
        probes = [g for _, _, probe, _ in visits for g in (probe or ())]
        found[case] = Side(statistics.median(t for _, seconds, *_ in visits for t in seconds), tuple(samples),
                           statistics.median(probes) if probes else None, relative=all(v[3] for v in visits))
    return found


def counting_of(results: Results) -> Counting | None:
    """The conditions of a run's (single) series' counts, or None when it did not count."""
    return next(iter(results.series.values())).run.counting


def condition_differences(old: Counting, new: Counting) -> list[str]:
    """Each compared condition that differs, as 'valgrind (3.19.0 in old, 3.20.0 in new)'."""
    return [f"{key} ({getattr(old, key)} in old, {getattr(new, key)} in new)" for key in COMPARED_CONDITIONS
            if getattr(old, key) != getattr(new, key)]


def why_not_compared(old: Counting | None, new: Counting | None) -> str | None:
    """Why two runs' counts cannot be compared, or None when they can."""
    for side, k, other in (("old", old, "new"), ("new", new, "old")):
        if k is None:
            return f"only the {other} run counted"
        if k.reason is not None:
            return f"the {side} run could not count: {k.reason}"
    differs = condition_differences(old, new)
    return f"the counting conditions differ: {'; '.join(differs)}" if differs else None


def counted_cases(results: Results) -> dict[tuple, Counted]:
    return {c.case: c for c in results.counted if c.counts is not None}


def compare_counts(old_results: Results, new_results: Results) -> CountsComparison | None:
    """A CountRow per case counted in both runs under the same instrument, or why none (None: neither counted)."""
    old_k, new_k = counting_of(old_results), counting_of(new_results)
    if old_k is None and new_k is None:
        return None
    why = why_not_compared(old_k, new_k)
    if why is not None:
        return CountsComparison([], why)
    old, new = counted_cases(old_results), counted_cases(new_results)
    versions = tuple(f"{lib} {old_k.versions.get(lib, '–')} → {new_k.versions.get(lib, '–')}"
                     for lib in dict.fromkeys([*old_k.versions, *new_k.versions])
                     if old_k.versions.get(lib) != new_k.versions.get(lib))
    rows = [CountRow(case, old[case].counts, new[case].counts, old[case].bytes_x) for case in old if case in new]
    return CountsComparison(rows, None, versions, tuple(c for c in old if c not in new),
                            tuple(c for c in new if c not in old))


def counted_label(case: tuple) -> str:
    """A counted case as it reads in a table: 'counts numpy n=100 m=10,000 lecture float64 t=1'."""
    impl, n, m, layout, dtype, threads = case
    return f"counts {impl} n={n:,} m={m:,} {layout} {dtype} t={threads}"


def approximate(old: Side, new: Side) -> stats.Interval:
    """new ÷ old from two summaries: each median's notch in log time, combined."""
    def log_se(side: Side) -> float:
        if side.q1 is None or side.q3 is None or not side.count or side.median <= 0:
            return math.inf
        return NOTCH * (math.log(side.q3 / side.q1) if side.q1 > 0 else math.inf) / math.sqrt(side.count) / 1.96

    centre = math.log(new.median / old.median)
    half = 1.96 * math.hypot(log_se(old), log_se(new))
    lo, hi = (math.exp(centre - half), math.exp(centre + half)) if math.isfinite(half) else (0.0, math.inf)
    return stats.Interval(math.exp(centre), lo, hi, 2, stats.CONFIDENCE)


def estimate(old: Side, new: Side) -> tuple[stats.Interval, bool]:
    """new ÷ old: exact from samples where both runs have comparable ones, else from the summaries."""
    if old.samples and new.samples and old.relative == new.relative:
        return stats.ratio_interval(old.samples, new.samples), True
    return approximate(old, new), False


def group(case: tuple, side: Side) -> tuple[str, bool]:
    """Cases whose between-run scatter is pooled: one benchmark kind, relative or raw times."""
    return case[0], side.relative


def between_run_scatter(moves: dict[tuple, list[float]]) -> dict[tuple, float]:
    """Per group, the relative change SCATTER_SIGMAS robust deviations of its cases' |log(new ÷ old)| amount to."""
    return {key: math.expm1(SCATTER_SIGMAS * 1.4826 * statistics.median(m)) for key, m in moves.items()}


def rows(old: dict[tuple, Side], new: dict[tuple, Side], cases: list[tuple]) -> list[Row]:
    """A row per case in both runs, each interval widened for the drift the runs showed."""
    found = {case: estimate(old[case], new[case]) for case in cases}
    moves: dict[tuple, list[float]] = {}
    for case, (ratio, _) in found.items():
        moves.setdefault(group(case, old[case]), []).append(abs(math.log(ratio.median)))
    scatter = between_run_scatter(moves)
    out = []
    for case, (ratio, exact) in found.items():
        o, n = old[case], new[case]
        drift = scatter[group(case, o)]
        if o.probe_gbs and n.probe_gbs:
            drift = max(drift, max(o.probe_gbs, n.probe_gbs) / min(o.probe_gbs, n.probe_gbs) - 1)
        out.append(Row(case, o, n, ratio, drift, exact))
    return out


def machine_label(results: Results) -> str:
    """The machine of a run's (single) series: CPU model and cores."""
    series = next(iter(results.series.values()))
    return f"{series.machine.cpu_model}, {series.machine.cores or '?'} cores"


def compare(old_path: Path, new_path: Path, fail_above: float = FAIL_ABOVE_PCT) -> Comparison:
    """Load both runs and form a row for every case measured in both."""
    if not math.isfinite(fail_above) or fail_above < 0:
        raise ReportInputError(f"--fail-above must be a non-negative percentage, got {fail_above!r}")
    old_results, new_results = (load([results_file(p)]) for p in (old_path, new_path))
    old, new = sides(old_results), sides(new_results)
    both = [case for case in old if case in new]
    machines = (machine_label(old_results), machine_label(new_results))
    return Comparison(str(old_path), str(new_path), rows(old, new, both),
                      sorted(c for c in old if c not in new), sorted(c for c in new if c not in old),
                      machines[0] == machines[1], machines, fail_above, compare_counts(old_results, new_results))


def format_change(x: float) -> str:
    """A ratio as a signed percentage change: 1.12 → '+12%', 0.95 → '−5%'."""
    pct = (x - 1) * 100
    return f"{'+' if pct >= 0 else '−'}{abs(pct):.3g}%" if math.isfinite(pct) else "∞"


def markdown(c: Comparison) -> str:
    """The comparison as a Markdown document."""
    counts = {v: sum(r.verdict == v for r in c.rows) for v in fmt.VERDICTS}
    machines = ("Both runs are from the same machine" if c.same_machine else
                f"**Different machines** (old: {c.machines[0]}; new: {c.machines[1]}): every ratio includes the "
                "machines' difference, not only the code's")
    lines = [
        "# Comparison of two runs",
        f"Old: `{c.old}`. New: `{c.new}`. {machines}.",
        f"{len(c.rows)} cases in both: {counts[fmt.SLOWER]} {fmt.SLOWER}, {counts[fmt.FASTER]} {fmt.FASTER}, "
        f"{counts[fmt.NO_DIFFERENCE]} with {fmt.NO_DIFFERENCE}. "
        f"Gate: a case fails when it is slower by more than {c.fail_above:g}% with its whole interval above that "
        f"({len(c.failing)} fail).",
        "new ÷ old is a Hodges–Lehmann estimate with its 95% interval from interleaved rounds, or (marked ≈) from "
        "pytest-benchmark's summaries; each interval is widened by the drift the runs showed (see "
        "`reports/compare.py`). *Detectable* is the smallest change this pair of runs could tell from noise.",
        "",
        "| case | old median | new median | new ÷ old [95% interval] | verdict | detectable |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for r in sorted(c.rows, key=lambda r: (-r.lo, r.case)):
        mark = "" if r.exact else "≈ "
        lines.append(f"| {case_label(r.case)} | {format_time(r.old.median)} | {format_time(r.new.median)} | "
                     f"{mark}{r.ratio.median:.3f} [{r.lo:.3f}–{r.hi:.3g}] | {r.verdict} | "
                     f"±{r.detectable * 100:.3g}% |")
    for title, cases in (("Only in old", c.only_old), ("Only in new", c.only_new)):
        if cases:
            lines += ["", f"## {title}", *(f"- {case_label(case)}" for case in cases)]
    return "\n".join(lines + counts_markdown(c)) + "\n"


def count_cell(r: CountRow, key: str) -> str:
    """'385 k → 404 k (+5%, more)'."""
    old, new = getattr(r.old, key), getattr(r.new, key)
    shown = fmt.size if key == schema.MEMORY_BYTES else fmt.amount
    return f"{shown(old)} → {shown(new)} ({format_change(r.ratio(key))}, {r.verdict(key)})"


def counts_markdown(c: Comparison) -> list[str]:
    """The counts section: a row per counted case with each gated count's change, or why none were compared."""
    k = c.counts
    if k is None:
        return []
    lines = ["", "## Counts (callgrind, one thread)"]
    if k.not_compared:
        return lines + [f"Counts are not compared: {k.not_compared}."]
    failing = [r for r in k.rows if r.fails(c.fail_above)]
    lines += [f"{len(k.rows)} cases counted in both runs. Counts repeat within 0.1%, so a change beyond "
              f"{COUNT_NOISE:.0%} is \"more\" or \"fewer\" (bytes from memory: also beyond {COUNT_NOISE:.0%} of "
              f"X's bytes). Gate: a case fails when a count grows by more than {c.fail_above:g}% "
              f"({len(failing)} fail)."]
    if k.versions:
        lines.append(f"**Library versions differ** ({', '.join(k.versions)}): a change may come from them, not "
                     "from the code.")
    lines += ["", "| case | " + " | ".join(COUNT_WORDS[key] for key in GATED_COUNTS) + " | gate |",
              "|---|" + "---:|" * len(GATED_COUNTS) + "---|"]
    for r in sorted(k.rows, key=lambda r: (-max(r.ratio(key) for key in GATED_COUNTS), r.case)):
        gate = "FAIL: " + ", ".join(COUNT_WORDS[key] for key in r.grown(c.fail_above)) if r.fails(c.fail_above) else ""
        lines.append(f"| {fmt.md(counted_label(r.case))} | " + " | ".join(count_cell(r, key) for key in GATED_COUNTS)
                     + f" | {gate} |")
    for title, cases in (("Counted only in old", k.only_old), ("Counted only in new", k.only_new)):
        lines += ["", f"{title}: " + ", ".join(counted_label(x) for x in cases) + "."] if cases else []
    return lines


def figure(c: Comparison, path: Path) -> Path | None:
    """A forest plot: each case's new ÷ old with its widened interval, log scale, coloured by verdict."""
    if not c.rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rows = sorted(c.rows, key=lambda r: r.ratio.median)
    colours = dict(zip(fmt.VERDICTS, ("tab:red", "tab:green", "0.45"), strict=True))
    # The axis spans the exact intervals (and the gate); an approximate interval reaching beyond runs to
    # the edge as an arrow, so summaries' intervals of 10^-3..10^3 do not squeeze the rest to a line.
    exact = [r for r in rows if r.exact] or rows
    left = min(0.5, *(r.lo for r in exact if r.lo > 0)) / 1.2
    right = max(2.0, 1.2 + c.fail_above / 100, *(r.hi for r in exact if math.isfinite(r.hi))) * 1.2
    fig, ax = plt.subplots(figsize=(8.5, 1.2 + 0.26 * len(rows)), layout="constrained")
    for y, r in enumerate(rows):
        lo, hi, mid = max(r.lo, left), min(r.hi, right), min(max(r.ratio.median, left), right)
        colour = colours[r.verdict]
        ax.errorbar(mid, y, xerr=[[mid - lo], [hi - mid]], fmt="o", color=colour, markersize=4, capsize=2,
                    markerfacecolor=colour if r.exact else "white")
        for end, beyond, marker in ((left, r.lo < left, "<"), (right, r.hi > right, ">")):
            if beyond:
                ax.plot(end, y, marker, color=colour, markersize=5, clip_on=False)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.axvline(1 + c.fail_above / 100, color="tab:red", linestyle=":", linewidth=1,
               label=f"gate: {format_change(1 + c.fail_above / 100)}")
    ax.set_yticks(range(len(rows)), [case_label(r.case) for r in rows], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlim(left, right)
    ticks = [t for t in (0.1, 0.2, 0.5, 0.8, 1.0, 1.25, 2.0, 5.0, 10.0, 20.0, 50.0) if left <= t <= right]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("new ÷ old time (log scale; right of 1: slower)  — hollow: approximate interval; "
                  "arrow: it runs past the axis")
    ax.set_title("Each case's change, with its 95% interval widened for drift")
    for verdict, colour in colours.items():
        ax.plot([], [], "o", color=colour, label=verdict)
    ax.legend(loc="lower right", fontsize=7)
    ax.grid(True, axis="x", which="both", alpha=0.3)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def write(c: Comparison, folder: Path) -> Path:
    """compare.md and compare.png into folder; return the Markdown's path."""
    picture = figure(c, folder / "compare.png")
    text = markdown(c) + (f"\n![comparison]({picture.name})\n" if picture else "")
    out = folder / REPORT_FILE
    out.write_text(text, encoding="utf-8")
    return out


def summary_lines(c: Comparison) -> list[str]:
    """What the terminal shows: the counts, then every case that is slower or faster."""
    lines = [f"{len(c.rows)} cases in both ({len(c.only_old)} only in old, {len(c.only_new)} only in new)"
             + ("" if c.same_machine else "; DIFFERENT machines")]
    for r in sorted(c.rows, key=lambda r: -r.lo):
        if r.verdict != fmt.NO_DIFFERENCE:
            flag = "  FAIL" if r.fails(c.fail_above) else ""
            lines.append(f"  {r.verdict:<7} {format_change(r.ratio.median):>7} [{format_change(r.lo)} … "
                         f"{format_change(r.hi)}] {case_label(r.case)}{flag}")
    return lines + counts_summary_lines(c)


def counts_summary_lines(c: Comparison) -> list[str]:
    """The counts' part of the terminal summary: how many cases, each one that changed, or why none compared."""
    k = c.counts
    if k is None:
        return []
    if k.not_compared:
        return [f"counts not compared: {k.not_compared}"]
    changed = [r for r in k.rows if any(r.moved(key) for key in GATED_COUNTS)]
    lines = [f"counts: {len(k.rows)} cases in both, {len(changed)} changed beyond {COUNT_NOISE:.0%}"
             + (f" (library versions differ: {', '.join(k.versions)})" if k.versions else "")]
    for r in changed:
        flag = f"  FAIL ({', '.join(COUNT_WORDS[key] for key in r.grown(c.fail_above))})" \
            if r.fails(c.fail_above) else ""
        moves = ", ".join(f"{COUNT_WORDS[key]} {format_change(r.ratio(key))}" for key in GATED_COUNTS
                          if r.moved(key))
        lines.append(f"  {counted_label(r.case)}: {moves}{flag}")
    return lines
