"""The Markdown report: prose and tables over the View (derive.analyse); no arithmetic on timings here."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from reports import costmodel, derive, fmt
from reports.contract import schema as s
from reports.contract.records import Counted, Record
from reports.derive import CountsView, Pair, PerExample, Ratio, SeriesView, View

FIGURE_TEXT = {
    "headline": "Speedup of every implementation at the headline size, in the dtype of the baseline's timings (log "
                "scale; 1 = as fast as the baseline); "
                "error bars: 95% interval of the per-round ratios (none where the timings were not interleaved).",
    "time_vs_m": "Median time per gradient against m, one panel per n; bars show the interquartile range.",
    "time_vs_n": "Median time per gradient against n at the headline m.",
    "speedup_heatmap": "Speedup over the baseline on the (m, n) grid, with its 95% interval under it (≈1: the "
                       "interval contains 1); grey cells were not measured on both sides.",
    "roofline": "Bytes of X divided by the median time, against the size of X. Each labelled horizontal line is "
                "the read bandwidth measured for one memory level (L2, L3, DRAM) with that panel's thread count: "
                "a ceiling for a gradient whose X fits in that level (a GPU column reads its own memory and is "
                "not bound by them).",
    "threads": "Speedup from vectorization (one thread, against the baseline) and from cores "
               "(the same implementation on all cores against one).",
    "history": "asv results: median time per gradient at the headline size for each benchmarked commit.",
    "who_wins": "The fastest implementation the fitted cost models predict over m (examples) × n (features), "
                "log scales, in the lecture layout and the reference dtype at the fewest threads; a paler "
                "region is a tie (another model's 95% prediction interval overlaps the winner's). Dots: the "
                "fastest measured median at each size, in its colour (a dot unlike its region is where the "
                "model is wrong). Bars: the crossovers of the pairs compared below (whether or not either is the "
                "fastest there), with their 95% intervals.",
    "predicted_vs_measured": "Each size's time predicted by its implementation's model fitted to the other "
                             "sizes (held out), against the measured median, for the map's models: left on log "
                             "axes, right as predicted ÷ measured; dotted: the error bound a model must meet "
                             "inside the m ranges; pale: the ends of a range (extrapolated). The table below "
                             "states every model's errors.",
    "counts": "Counted under callgrind, one thread, per gradient call: instructions per element of X (n·m; log "
              "scale; left) and reads of X, the bytes read from memory ÷ the bytes of X (right; drawn only where X "
              "is several times the simulated last-level cache). A bar per implementation, a group per size.",
}


SOURCES = {"pytest-benchmark": "pytest-benchmark's medians (of its rounds)",
           "asv": "asv's medians (of its samples)",
           "rounds": "medians of the interleaved rounds (no pytest-benchmark entry of their own)"}


def scaling_text(v: SeriesView) -> str:
    """The scaling figure's caption, its facts taken from the measured records (never retyped)."""
    workers = sorted({e.record.workers for e in v.efficiencies})
    caps = sorted({e.record.chunk_bytes for e in v.efficiencies})
    base = fmt.md(v.efficiencies[0].base.implementation)
    return (f"Dask on {fmt.words(workers)} worker processes at {len(caps)} chunk cap{'s' if len(caps) > 1 else ''} "
            f"({', '.join(fmt.nbytes(c) for c in caps)}): time per gradient (left; dotted lines: {base} on one "
            f"machine) and efficiency = {base} time / Dask time (right; above 1, Dask is faster).")


def roofline_text(v: SeriesView) -> str:
    """The roofline caption, naming the marker and line encodings only where the data varies them."""
    extra = [text for attr, text in (("layout", "hollow markers: a layout other than the lecture's"),
                                     ("dtype", f"dotted lines: a dtype other than {derive.REFERENCE_DTYPE}"))
             if varies(v.records, attr)]
    text = "; ".join(extra)
    return FIGURE_TEXT["roofline"] + (f" {text[0].upper()}{text[1:]}." if extra else "")


def figure_text(name: str, v: SeriesView) -> str:
    """What a figure shows (captions that depend on the data are built from it)."""
    special = {"scaling": scaling_text, "roofline": roofline_text}
    return special[name](v) if name in special else FIGURE_TEXT[name]


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (numbers right-aligned)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def spread(r: Record) -> tuple[str, str]:
    """IQR and min–max of a record as text; none for a single sample (its quartiles would only repeat it)."""
    if r.rounds == 1:
        return "– (1 sample)", "–"
    iqr = f"{fmt.time(r.q1)} – {fmt.time(r.q3)}" if r.q1 is not None else "–"
    span = f"{fmt.time(r.min)} – {fmt.time(r.max)}" if r.min is not None else "–"
    return iqr, span


def footnoted(text: str) -> str:
    """A table followed by the meaning of its '*' marks, when it has any."""
    return f"{text}\n\n{fmt.FOOTNOTE}" if f"{fmt.NOT_PAIRED} |" in text or f"{fmt.NOT_PAIRED} (" in text else text


def varies(records: list[Record], attr: str) -> bool:
    return len({getattr(r, attr) for r in records}) > 1


def limit_cell(v: SeriesView, r: Record) -> str:
    """× limit with its interval and level; why there is none for a GPU column."""
    if r.memory != s.HOST:
        return "– (GPU memory)"
    x = v.limits.get(r)
    return "–" if x is None else f"{fmt.interval(x, sign='', compact=True)} ({x.level})"


def below_ceiling_note(v: SeriesView) -> str:
    """Why a × limit below 1 is possible at all: the ceiling it was judged against was measured too low."""
    found = v.below_ceiling
    if not found:
        return ""
    cases = ", ".join(f"{fmt.md(x.record.implementation)} n={x.record.n:,} m={x.record.m:,} t={x.record.threads} "
                      f"({x.level})" for x in found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
    return (f"**{len(found)} × limit ratio(s) sit below 1 beyond their interval** ({cases}): no gradient can read X "
            "faster than its memory level delivers, so that level's ceiling was measured too low for them "
            "(the probe's working set or thread placement differs from the gradient's).")


def times_table(v: SeriesView) -> str:
    """Every gradient record: median, spread, rounds, GB/s and × limit where known, speedup."""
    records = v.records
    layouts = varies(records, "layout")
    header = ["implementation", *(["layout"] if layouts else []), "dtype", "threads", "n", "m", "median",
              "IQR (q1 – q3)", "min – max", "samples", "GB/s", "× one-read limit (level)",
              f"speedup over {fmt.md(fmt.baseline(v))}",
              "interleaved rounds"]
    order = derive.variants(records)
    rows = []
    for r in sorted(records, key=lambda r: (r.n, r.m, order.index(derive.variant_key(r)))):
        speed = v.speedups.get(r)
        rows.append([fmt.md(r.implementation), *([r.layout] if layouts else []), fmt.md(r.dtype), str(r.threads),
                     f"{r.n:,}", f"{r.m:,}", fmt.time(r.median), *spread(r), str(r.rounds or "–"),
                     f"{r.bytes_x / r.median / 1e9:.3g}" if r.bytes_x else "–", limit_cell(v, r),
                     fmt.interval(speed, compact=True) if speed else
                     ("baseline" if r.implementation == v.baseline else "–"), str(derive.rounds_used(v, r))])
    return footnoted(table(header, rows))


def speedup_table(v: SeriesView) -> str:
    """Speedups over the baseline: a row per (n, m[, layout]), a column per variant; '–' where not both measured."""
    found = {(derive.variant_key(x.record), x.record.n, x.record.m): x for x in v.speedups.values()}
    keys = [k for k in derive.variants(v.records) if any(k == key for key, _, _ in found)]
    rows = [[f"{n:,}", f"{m:,}"] + [fmt.interval(found.get((k, n, m)), compact=True) for k in keys]
            for n, m in derive.sizes(v.records)]
    return footnoted(table(["n", "m"] + [fmt.md(derive.label(k, v.records)) for k in keys], rows))


def splits_table(v: SeriesView) -> str:
    """Vectorization and core speedups per implementation and size."""
    rows = [[fmt.md(x.record.implementation), x.record.layout, fmt.md(x.record.dtype), f"{x.record.n:,}",
             f"{x.record.m:,}", str(x.record.threads), fmt.interval(x.vectorization, compact=True),
             fmt.interval(x.cores, compact=True), fmt.ratio(x.both)] for x in v.splits]
    return footnoted(table(["implementation", "layout", "dtype", "n", "m", "t",
                            f"vectorization (vs {fmt.md(v.baseline)}, 1 thread)", "cores (t vs 1 thread)", "both"],
                           rows)) if rows else ""


def crossover_sentence(found: list[Ratio], records: list[Record]) -> str:
    """The smallest m at which Dask on its most workers matches the one-machine reference, or that it never does."""
    if not found:
        return "No Dask scaling result has a one-machine reference at the same size."
    workers = max(e.record.workers for e in found)
    mine = [e for e in found if e.record.workers == workers]
    base = fmt.md(mine[0].base.implementation)
    threads = fmt.words(sorted({r.threads for r in records if r.chunk_bytes is None}))
    wins = sorted((e.record.m, e.record.n, -e.median, e.record.chunk_bytes) for e in mine if e.median >= 1)
    if wins:
        m, n, ratio, cap = wins[0]
        return (f"With {workers} workers, Dask first matches {base} on one machine (best of {threads} threads) "
                f"at **m = {m:,}** (n = {n:,}, {fmt.nbytes(cap)} chunks: efficiency {-ratio:.2f}, a ratio of "
                f"medians {fmt.NOT_INTERLEAVED}); at every smaller m measured it is slower.")
    best = max(mine, key=lambda e: e.median)
    return (f"With {workers} workers, Dask **never matches** {base} on one machine (best of {threads} threads) "
            f"in the measured range (m up to {max(e.record.m for e in mine):,}); its best efficiency is "
            f"{best.median:.2f} at n = {best.record.n:,}, m = {best.record.m:,}, "
            f"{fmt.nbytes(best.record.chunk_bytes)} chunks {fmt.NOT_INTERLEAVED}.")


def scaling_section(v: SeriesView) -> str:
    """Dask against NumPy on one machine: the crossover sentence and a row per (n, m, chunk cap, workers)."""
    if not v.efficiencies:
        return ""
    rows = [[f"{e.record.n:,}", f"{e.record.m:,}", fmt.nbytes(e.record.chunk_bytes), str(e.record.chunks),
             str(e.record.workers), fmt.time(e.record.median), f"{fmt.time(e.base.median)} (t={e.base.threads})",
             f"{e.median:.2f}"] for e in v.efficiencies]
    base = fmt.md(v.efficiencies[0].base.implementation)
    text = [crossover_sentence(v.efficiencies, v.scaling),
            table(["n", "m", "chunk cap", "chunks", "workers", "dask median", f"{base} median (threads)", "efficiency"],
                  rows)]
    text += [f"Generated on the workers (X of {r.bytes_x / 1e9:.3g} GB never on the client): n = {r.n:,}, "
             f"m = {r.m:,}, {r.chunks} chunks, {r.workers} workers: {fmt.time(r.median)} per gradient."
             for r in v.generated]
    return "\n\n".join(text)


def no_headline(v: SeriesView, name=fmt.md) -> str | None:
    """Why the headline states no speedup, or None when it states one; name writes a name from the data."""
    if v.headline():
        return None
    if not v.records:
        return "these results hold no single-machine gradient timings"
    others = ", ".join(name(x) for x in derive.implementations(v.records) if x != v.baseline)
    if v.baseline not in derive.implementations(v.records):
        return (f"the baseline {name(v.baseline)} was not measured in these results (was it deselected?), so "
                f"there is nothing to compare with; measured: {others} (choose one with --baseline)")
    if not others:
        return f"only the baseline {name(v.baseline)} was measured: there is nothing to compare it with"
    if v.speedups:
        n, m, _ = v.headline_size
        return (f"at n = {n:,}, m = {m:,} no other implementation was measured in the dtype of {name(v.baseline)}'s "
                "timings; speedups across dtypes are in the report's tables")
    return (f"no size has both {name(v.baseline)} and another implementation measured "
            "(choose another baseline with --baseline)")


def on_threads(v: SeriesView, r: Record) -> str:
    """' on 2 threads' where the data varies thread counts (a comparison says both sides'), else ''."""
    return f" on {fmt.threads(r.threads)}" if varies(v.records, "threads") else ""


def who(v: SeriesView, r: Record) -> str:
    """An implementation in the headline: its name, and its thread count where the data varies them."""
    return fmt.md(r.implementation) + on_threads(v, r)


def verdict(x: Ratio, base: str) -> str:
    """'×8.1 [7.9–8.3] faster than base', 'with no detectable difference from base' or '×0.5 … the speed of base'."""
    if x.interval and not x.detectable:
        return f"with {fmt.NO_DIFFERENCE} from {base}"
    return f"{fmt.interval(x)} {'faster than' if x.median >= 1 else 'the speed of'} {base}"


def headline_place(v: SeriesView) -> str:
    """'At n = …, m = …[, layout][, dtype] (which implementations ran there)'."""
    n, m, layout = v.headline_size
    at_size = [x for x in v.speedups.values() if (x.record.n, x.record.m, x.record.layout) == v.headline_size]
    ran = {x.record.implementation for x in at_size} | {v.baseline}
    paired = " and the rounds timed beside the baseline" if v.leaders()[0].interval else ""
    where = (f"the largest size every implementation ran{paired}" if ran >= set(derive.implementations(v.records))
             else f"the largest size where most implementations ran{paired}: "
                  f"{', '.join(fmt.md(x) for x in sorted(ran))}")
    shape = f", {layout} layout" if varies(v.records, "layout") else ""
    dtype = f", in {fmt.md(v.leaders()[0].base.dtype)}" if varies(v.records, "dtype") else ""
    return f"At n = {n:,} features and m = {m:,} examples{shape}{dtype} ({where})"


def headline_sentence(v: SeriesView) -> str:
    """The result in one comparison, with its interval (or the implementations tied for it), or why there is none."""
    if not v.records:
        return "These results hold no single-machine gradient timings (a scaling run); see Dask scaling below."
    why = no_headline(v)
    if why:
        return f"No speedup can be stated: {why}."
    leaders = v.leaders()
    best, base = leaders[0], fmt.md(v.baseline) + on_threads(v, leaders[0].base)
    if len(leaders) == 1:
        text = (f"**{who(v, best.record)} computes one gradient in {fmt.time(best.record.median)}, "
                f"{verdict(best, base)}** ({fmt.time(best.base.median)}).")
    else:
        text = (f"**{fmt.words(who(v, x.record) for x in leaders)} are tied**: "
                f"{fmt.words(fmt.interval(x) for x in leaders)} faster than {base} "
                f"({fmt.time(best.base.median)}); their intervals overlap, so which is fastest is not detectable "
                f"({fmt.words(fmt.time(x.record.median) for x in leaders)} per gradient).")
    rest = " Every other comparison is in the tables below." if len(v.speedups) > len(leaders) else ""
    return f"{headline_place(v)}, {text}{rest}"


def single_sample_count(v: SeriesView) -> str:
    """'24 of 24 timings hold a single sample[ (why)]', or '' when every timing holds several."""
    single = [r for r in v.records if r.rounds == 1]
    why = " (asv run --quick times each benchmark once)" if any(r.source == "asv" for r in single) else ""
    return f"{len(single)} of {len(v.records)} timings hold a single sample{why}" if single else ""


def single_sample_warning(v: SeriesView) -> str:
    """A plain warning when timings hold a single sample, with how to get more ('' when none does)."""
    count = single_sample_count(v)
    if not count:
        return ""
    again = "Rerun asv without --quick" if "--quick" in count else "Rerun with more rounds"
    return (f"**{count}: they have no spread and no interval, and one sample can be off by the machine's noise "
            f"(wall time moves 15–60% between runs on a shared machine). {again} for medians of several samples.**")


def grid_line(v: SeriesView) -> str | None:
    """The grid facts the run recorded about itself, as recorded."""
    facts = v.run.grid
    return "- Grid (as the run recorded it): " + "; ".join(fmt.md(f"{k} {json.dumps(x)}") for k, x in facts.items()) \
        if facts else None


def bandwidth_line(v: SeriesView) -> str | None:
    """The ceilings the run measured, per level and thread count."""
    levels = v.run.bandwidth
    if not levels:
        return None
    parts = [f"{level} " + ", ".join(f"{fmt.threads(t)} {gbs:.3g}" for t, gbs in sorted(levels[level].items()))
             for level in s.LEVELS if level in levels]
    note = "" if v.levels_recorded else " (these results do not name each timing's level: DRAM is assumed)"
    return f"- Read bandwidth ceilings, GB/s: {'; '.join(parts)}{note}"


def noise_line(v: SeriesView) -> str | None:
    """One line about the noise record, with a warning when a field is above its threshold."""
    noise = v.run.noise
    if noise is None:
        return None
    parts = []
    if noise.steal_fraction is not None:
        parts.append(f"CPU steal {noise.steal_fraction:.1%}")
    if noise.load_average:
        parts.append(f"load {' → '.join(f'{x:.2f}' for x in noise.load_average)} "
                     f"({v.series.machine.cores or '?'} cores)")
    if noise.probe_drift is not None:
        parts.append(f"DRAM probe drift {noise.probe_drift:.0%}")
    line = f"- Noise during the run: {', '.join(parts) or 'not measured'}."
    if v.noise_flags:
        line += (f" **High ({', '.join(v.noise_flags)}): the machine was not quiet, so medians and ratios of "
                 "medians may be off by as much as the drift; ratios with an interval were formed within "
                 "rounds, and the interval's width shows how much the rounds disagreed.**")
    return line


def first_call_line(v: SeriesView) -> str | None:
    """First-call seconds per JIT implementation, and whether it compiled or loaded its cache."""
    calls = v.run.first_call
    if not calls:
        return None
    kind = {"miss": "cold compile", "hit": "cache load", None: "cache state unknown"}
    return "- First call (JIT): " + ", ".join(f"{fmt.md(name)} {fmt.time(c.seconds)} ({kind[c.cache]})"
                                                 for name, c in calls.items()) + "."


def machine_section(v: SeriesView) -> str:
    """Machine and environment as a bullet list."""
    m = v.series.machine
    lines = [f"- Machine: {fmt.md(fmt.caption(v.series))}"]
    if m.versions:
        lines.append(f"- Versions: {', '.join(fmt.md(f'{k} {x}') for k, x in m.versions.items())}")
    lines += [f"- Times: {source}" for source in sources(v)]
    lines += [line for line in (grid_line(v), bandwidth_line(v), noise_line(v), first_call_line(v)) if line]
    # A sweep's results sit in the run folder, which is still a hidden staging folder while drawing.
    source = Path(v.series.source)
    shown = source.name + " (this folder)" if source.parent.name.startswith(".partial-") else str(source)
    lines.append(f"- Input: {fmt.code(shown)}")
    return "\n".join(lines)


def missing_section(v: SeriesView) -> str:
    """Interrupted run, unavailable implementations, failed cases, skipped cases grouped by reason."""
    lines = ["- **The run was interrupted: this is a partial report of the cases that finished.**"] \
        if v.run.interrupted else []
    lines += [f"- **{fmt.md(name)}**: not available here: {fmt.md(reason)}"
              for name, reason in v.run.unavailable.items()]
    lines += [f"- **failed ({fmt.md(f.cause)})**: {fmt.code(f.case)}: {fmt.md(f.message)}" for f in v.failures]
    by_reason: dict[str, list[str]] = {}
    for x in v.run.skipped:
        case = " ".join(str(p) for p in (x.benchmark, x.implementation, x.n and f"n={x.n}", x.m and f"m={x.m}",
                                          x.layout, x.dtype, x.threads and f"t={x.threads}") if p)
        by_reason.setdefault(fmt.md(x.reason), []).append(fmt.md(case) if case else "?")
    for reason, cases in by_reason.items():
        shown = ", ".join(cases[:4]) + (f" and {len(cases) - 4} more" if len(cases) > 4 else "")
        lines.append(f"- skipped ({len(cases)}): {reason} — {shown}")
    if not v.records and not v.scaling and not v.other:
        lines.append("- No case of this input finished: there are no results to report.")
    if v.records and all(r.source == "asv" for r in v.records):
        lines.append("- asv results do not say which cases were skipped (asv shows them as n/a); not listed here.")
    return "\n".join(lines) or "Every case of the profile ran."


def other_table(v: SeriesView) -> str:
    """Train and prepare records (not per-gradient), if any."""
    rows = [[fmt.md(r.benchmark), fmt.md(r.implementation), f"{r.n:,}", f"{r.m:,}", fmt.time(r.median), *spread(r)]
            for r in v.other]
    return table(["benchmark", "implementation", "n", "m", "median", "IQR (q1 – q3)", "min – max"], rows) \
        if rows else ""


# --- counts: why one implementation is faster than another --------------------------------------------------

COUNTS_TITLE = "Why: counted work and memory traffic"
COUNTS_LIMITS = ("**What counts cannot say.** They are made on one thread under valgrind, whose virtual CPU has no "
                 "prefetcher and executes in order: they measure the work done and the memory traffic, not time. A "
                 "timing on several threads, or one that waits on memory a prefetcher would have fetched early, can "
                 "differ from what the counts suggest; the timings above are the result, the counts the reasons.")


def counted_at(c: Counted) -> str:
    """'n = 100, m = 10,000' (with layout and dtype where they are not the lecture's float64)."""
    extra = "".join(f", {x}" for x in (c.layout, c.dtype) if x not in (s.LECTURE, derive.REFERENCE_DTYPE))
    return f"n = {c.n:,}, m = {c.m:,}{fmt.md(extra)}"


def counts_table(c: CountsView) -> str:
    """A row per counted case: instructions per call and per element, estimated cycles, memory traffic, reads of X."""
    rows = [[fmt.md(x.implementation), f"{x.n:,}", f"{x.m:,}", fmt.size(x.bytes_x), fmt.amount(x.counts.instructions),
             fmt.figure(x.counts.instructions_per_element), fmt.amount(x.counts.estimated_cycles),
             fmt.size(x.counts.memory_bytes), "–" if x.counts.x_reads is None else f"{x.counts.x_reads:.2f}"]
            for size in c.sizes() for x in c.at(size)]
    return table(["implementation", "n", "m", "X", "instructions per call", "instructions per element (n·m)",
                  "estimated cycles", "bytes from memory", "reads of X"], rows)


def pair_sentence(p: Pair) -> str:
    """How two neighbours' times compare, and whether their instructions per element explain it."""
    a, b = fmt.md(p.slower.implementation), fmt.md(p.faster.implementation)
    work = (f"{fmt.figure(p.slower.counts.instructions_per_element)} against "
            f"{fmt.figure(p.faster.counts.instructions_per_element)} instructions per element, "
            f"×{fmt.figure(p.cycles)} the estimated cycles")
    if p.time is None:
        return f"At {counted_at(p.slower)} (not timed): {a} executes ×{fmt.figure(p.work)} the instructions per " \
               f"element of {b} ({work})."
    if not p.gap:
        return (f"At {counted_at(p.slower)}: {a} and {b} take about the same time ({fmt.interval(p.time)}), "
                f"and {a} executes ×{fmt.figure(p.work)} the instructions per element of {b} ({work}).")
    if p.explained:
        return (f"At {counted_at(p.slower)}: **{a} takes {fmt.interval(p.time)} the time of {b} and executes "
                f"×{fmt.figure(p.work)} the instructions per element** ({work}).")
    return (f"At {counted_at(p.slower)}: **{a} takes {fmt.interval(p.time)} the time of {b} although it executes "
            f"no more instructions per element** ({work}; bytes from memory {fmt.size(p.slower.counts.memory_bytes)} "
            f"against {fmt.size(p.faster.counts.memory_bytes)}): the gap is not in the instructions counted.")


def per_example_sentence(x: PerExample) -> str:
    """An implementation whose instructions follow the examples (columns of X), not the elements."""
    low, high = x.points
    return (f"**{fmt.md(x.implementation)}'s instructions follow the examples, not the elements**: about "
            f"{fmt.amount(x.per_example(low))} per example at {counted_at(low)} and "
            f"{fmt.amount(x.per_example(high))} at {counted_at(high)}, so per element they fall from "
            f"{fmt.figure(low.counts.instructions_per_element)} to {fmt.figure(high.counts.instructions_per_element)} "
            "as n grows. A cost paid once per example (a step of a Python loop or a library call per column of X, "
            "or σ and the logarithms of the cost on the m-vector) outweighs the n multiply-adds per example while "
            "n is small.")


def reads_sentence(found: list[Counted], c: CountsView) -> str:
    """At one size with X far larger than the simulated cache: how many times each implementation reads X."""
    first, rest = found[0], found[1:]
    reads = fmt.words([f"{fmt.md(first.implementation)} reads X {first.counts.x_reads:.2f} times per call",
                       *(f"{fmt.md(x.implementation)} {x.counts.x_reads:.2f}" for x in rest)])
    text = (f"At {counted_at(first)} (X is {fmt.size(first.bytes_x)}, far beyond the simulated "
            f"{fmt.size(c.counting.ll_bytes)} last-level cache), {reads}. Every implementation needs X twice, for "
            "Z = wᵀX and for dw = X·dZᵀ: about 2 reads means two passes over X, about 1 means both products come "
            "from a single pass, which halves the traffic from memory.")
    fewest = min(c.at(first.size[:4]), key=lambda x: x.counts.instructions_per_element)
    if rest and fewest is first:
        others = fmt.words(fmt.figure(x.counts.instructions_per_element) for x in rest)
        text += (f" {fmt.md(first.implementation)} also executes the fewest instructions per element "
                 f"({fmt.figure(first.counts.instructions_per_element)} against {others}).")
    return text


def counts_findings(c: CountsView) -> str:
    """The sentences that answer 'why' from the counts, as a list."""
    found = [*(pair_sentence(p) for p in c.pairs), *(per_example_sentence(x) for x in c.per_example),
             *(reads_sentence(x, c) for x in c.reads)]
    return "\n".join(f"- {x}" for x in found)


def counts_intro(c: CountsView) -> str:
    """Under which conditions the counts were made, and what each column means."""
    k = c.counting
    return (f"The gradient was run under valgrind {fmt.md(k.valgrind)} (callgrind) on {fmt.threads(k.threads)}, "
            f"CPU {fmt.md(k.cpu)}, with simulated caches ({fmt.md(' '.join(k.cache_args))}), and counted per call "
            f"(the counts of {k.calls} calls minus those of one, divided by {k.calls - 1}). **Instructions per "
            "element** divides the instructions by n·m, the elements of X: the work per number of the input. "
            "**Estimated cycles** = L1 hits + 5 × last-level (LL) hits + 35 × RAM accesses (iai-callgrind's "
            f"estimate). **Bytes from memory** = simulated LL misses × {k.line_bytes} bytes. **Reads of X** = bytes "
            "from memory ÷ bytes of X, stated only where X is several times the simulated LL "
            f"({fmt.size(k.ll_bytes)}): a smaller X stays largely in that cache between the passes that read it, "
            "so the bytes from memory do not count its reads (–).")


def counts_section(v: SeriesView) -> str:
    """Counted work and traffic with the sentences they support ('' when the run did not count)."""
    c = v.counts
    if c is None or c.counting is None:
        return ""
    if c.counting.reason is not None:
        return (f"Counts were asked for but none could be made: {fmt.md(c.counting.reason)}. Then run "
                f"{fmt.code('python -m reports run --counts')}.")
    parts = [counts_intro(c)]
    if c.counted:
        parts += [counts_table(c), counts_findings(c)]
    parts += ["\n".join(f"- Not counted: {fmt.md(x.implementation)} at {counted_at(x)}: {fmt.md(x.reason)}"
                         for x in c.missing)] if c.missing else []
    return "\n\n".join([*parts, COUNTS_LIMITS])


MODELS_TITLE = "At which sizes: fitted cost models"


def with_interval(e: dict | None) -> str:
    """'0.303 [0.275–0.375]' from {median, lo, hi} (… for an end past the measured range), '–' for none."""
    if e is None:
        return "–"
    ends = ["…" if x is None else fmt.figure(x) for x in (e["lo"], e["hi"])]
    return f"{fmt.figure(e['median'])} [{ends[0]}–{ends[1]}]"


READ_RATE_SHOWN = 0.1  # a read rate below this share of the run's lowest ceiling is not reading X: not shown


def rate_cell(coefficients: dict, kind: str, floor: float = float("inf")) -> str:
    """The coefficient(s) of one kind, one per level group where the form has them ('L2: 0.30 [0.28–0.33]'), per
    element with the read rate they imply where it is at least floor GB/s ('… ≈ 26 GB/s'): a slower per-element
    cost is computation or Python, not reading X. '–' where the form has none of that kind."""
    cells = []
    for name, e in coefficients.items():
        if costmodel.kind(name) == kind:
            level = name[len(kind) + 1:]
            gbs = e.get(s.MODEL_READ_GBS)
            cells.append(f"{level + ': ' if level else ''}{with_interval(e)}"
                         + (f" ≈ {fmt.figure(gbs['median'])} GB/s" if gbs and gbs["median"] >= floor else ""))
    return "; ".join(cells) or "–"


def read_floor(v: SeriesView) -> float:
    """READ_RATE_SHOWN × the run's lowest read ceiling (GB/s); inf without ceilings (no read rate shown)."""
    found = [g for by_threads in v.run.bandwidth.values() for g in by_threads.values()]
    return READ_RATE_SHOWN * min(found) if found else float("inf")


def model_row(x, floor: float) -> list[str]:
    """One model as a table row (costmodel.as_dict's readable units); floor: see rate_cell."""
    d = costmodel.as_dict(x)
    c, h = d[s.MODEL_COEFFICIENTS], d[s.MODEL_HELD_OUT]
    held = [held_cell(h) if h[s.HELD_OUT_INSIDE] else "– (none inside)", held_cell(h[s.HELD_OUT_EDGES])]
    verdict = "fits" if x.fits else f"**does not fit** (> {costmodel.HELD_OUT_BOUND:.0%}): no crossover drawn"
    if x.form.groups and len(x.form.groups) > 1 or not x.form.per_example:
        verdict += f"; form: {fmt.md(x.form.describe())}"
    return [fmt.md(x.variant.label), str(len(x.points)), with_interval(c[costmodel.FIXED]),
            rate_cell(c, costmodel.PER_EXAMPLE), rate_cell(c, costmodel.PER_ELEMENT, floor), *held, verdict]


def held_cell(h: dict) -> str:
    """'8% / 46% (4)': median / worst held-out error and how many sizes; '–' for none."""
    return f"{costmodel.beside_bound(h['median'])} / {h['worst']:.0%} ({h['sizes']})" if h["sizes"] else "–"


def measured_text(c) -> str:
    """The change of leader the interleaved rounds show, as a clause ("" where they show none)."""
    if c.measured is None:
        return ""
    seen = c.measured
    other = c.after.implementation if seen.faster == c.before.implementation else c.before.implementation
    return (f"; interleaved rounds: {fmt.md(other)} faster at m = {seen.below:,}, {fmt.md(seen.faster)} at "
            f"m = {seen.above:,}")


def crossover_row(c) -> list[str]:
    """One crossover as a table row."""
    pair = fmt.md(f"{c.before.label} → {c.after.label}")
    if c.m is None:
        return [pair, f"{c.n:,}", "–", fmt.md(c.reason) + measured_text(c)]
    if c.earlier:
        marks = ", ".join(f"{x:,.0f}" for x in c.earlier)
        below = (f"{fmt.md(c.slower)} faster just below; the lead also changes hands at m ≈ {marks}, and "
                 f"{fmt.md(c.faster if len(c.earlier) % 2 else c.slower)} is faster at the bottom")
    else:
        below = f"{fmt.md(c.slower)} below"
    above = "above" if c.tied_from is None else f"above, up to m ≈ {c.tied_from:,.0f} (within each other's 95% " \
                                                 f"intervals from there up)"
    return [pair, f"{c.n:,}", with_interval(c.m.as_dict()),
            f"{fmt.md(c.faster)} faster {above}, {below} (measured m = {c.span[0]:,}–{c.span[1]:,})"
            + measured_text(c)]


def estimate_lines(found) -> str:
    """Where the skip logic's cost_ns estimates are off from the fitted models by more than ESTIMATE_FACTOR."""
    if found.estimates is None:
        return ("The skip logic's `cost_ns` estimates were not checked against these models (`python -m reports "
                "run` checks them; `draw` does not import the implementations).")
    wrong = costmodel.disagreements(found.models, found.estimates)
    if not wrong:
        return (f"The skip logic's `cost_ns` estimates agree with every fitting model within "
                f"×{costmodel.ESTIMATE_FACTOR:g} at the measured sizes ({fmt.words(sorted(found.estimates))}).")
    return "\n".join(
        f"- The skip logic's estimate for {fmt.md(d.variant.label)} (`cost_ns` in its impls module) is "
        f"{fmt.time(d.estimated)} per call at n = {d.n:,}, m = {d.m:,}; the fitted model predicts "
        f"{fmt.time(d.fitted)} (off by more than ×{costmodel.ESTIMATE_FACTOR:g})." for d in wrong)


def models_section(v: SeriesView) -> str:
    """The fitted models, their held-out errors, the crossovers, and the cost_ns estimates they contradict."""
    found = v.models
    if found is None or not found.models:
        return ""
    parts = [f"Each implementation's time per call fitted as t = c0 + c1·m + c2·n·m (fixed, per example, per "
             "element of X), non-negative, to the relative error of each size's median (the rounds' median where "
             "the run has rounds); 95% intervals from a bootstrap of the rounds (fixed seed). Held-out error: each "
             "size predicted from a fit to the others (median / worst, how many sizes), inside each n's measured m "
             "range (interpolation: what crossovers and the map use) and at its ends (extrapolation by a grid step). "
             f"A model whose held-out median error inside exceeds {costmodel.HELD_OUT_BOUND:.0%} (over all sizes "
             "where none lies inside) is marked and yields no crossover. Rates may differ by the memory level "
             "the call's data (X, y and one m-long vector) fit in, the shared L3 counted at half its size. GB/s: bytes "
             "per element ÷ the per-element time, the speed X would be read at if reading were all that element "
             f"cost (shown from {READ_RATE_SHOWN:g} × the run's lowest read ceiling up). See docs/costmodel.md.",
             table(["model", "sizes", "fixed (µs per call)", "per example (ns)", "per element of X (ns)",
                    "held-out error inside", "at the ends", "verdict"],
                   [model_row(x, read_floor(v)) for x in found.models if x.fitted])]
    reasons: dict[str, list[str]] = {}
    for x in found.models:
        if not x.fitted:
            reasons.setdefault(x.reason, []).append(x.variant.label)
    parts += ["\n".join(f"- No model for {fmt.md(fmt.words(names))}: {fmt.md(why)}." for why, names in reasons.items())
              ] if reasons else []
    if found.crossovers:
        parts += ["Crossovers: at each n both were measured at, the m from which the faster one at the largest "
                  "measured m stays faster (95% interval; … : past the measured range). Where the two models' 95% "
                  "intervals overlap up to the largest m (both bound by the same read of X, say), that tie is "
                  "stated and the crossover is sought below it. An interval that would end on a memory-level "
                  "boundary, where the fitted rate steps, reaches to the measured size beyond it. NumPy's scaling "
                  "model also uses the gradients benchmark's sizes of the same call. Beside each, without a model: "
                  "the two grid sizes between which the interleaved rounds show the lead change hands (the last "
                  "such change; each side's per-round ratio with a 95% interval that excludes 1).",
                  table(["pair", "n", "crossover m", ""], [crossover_row(c) for c in found.crossovers])]
    return "\n\n".join([*parts, estimate_lines(found)])


def figures_section(v: SeriesView, figures: dict[str, Path]) -> str:
    """Each figure embedded (relative path) with what it shows."""
    return "\n\n".join(f"![{name}]({path.name})\n\n*{figure_text(name, v)}*" for name, path in figures.items())


def series_sections(v: SeriesView, figures: dict[str, Path], suffix: str) -> list[str]:
    """Headline, machine, what was not measured, tables and figures of one series."""
    parts = [f"## Headline{suffix}", "\n\n".join(x for x in (headline_sentence(v), single_sample_warning(v)) if x),
             f"## Machine and environment{suffix}", machine_section(v), f"## Not measured{suffix}", missing_section(v)]
    if v.records:
        parts += [f"## Speedup over {fmt.md(fmt.baseline(v))}{suffix}", speedup_table(v),
                  f"## Times per gradient{suffix}",
                  "\n\n".join(x for x in (times_table(v), below_ceiling_note(v)) if x)]
    for title, body in ((f"## Vectorization versus cores{suffix}", splits_table(v)),
                        (f"## Dask scaling{suffix}", scaling_section(v)),
                        (f"## Training and preparation{suffix}", other_table(v)),
                        (f"## {MODELS_TITLE}{suffix}", models_section(v)),
                        (f"## {COUNTS_TITLE}{suffix}", counts_section(v)),
                        (f"## Figures{suffix}", figures_section(v, figures))):
        parts += [title, body] if body else []
    return parts


def sources(v: SeriesView) -> list[str]:
    """Whose medians the times of a series are (the tool that timed them), one text per tool."""
    found = dict.fromkeys(r.source for r in v.records + v.other + v.scaling + v.generated)
    return [SOURCES.get(x, f"{fmt.md(x)}'s medians") for x in found]


def render(view: View, figures: dict[str, dict[str, Path]]) -> str:
    """The whole report as Markdown text; figures: {series label: {figure name: path}}."""
    several = len(view.series) > 1
    shown = list(dict.fromkeys(x for v in view.series for x in sources(v)))
    source = (f"Times shown are {fmt.words(shown)}{' (each input names its own below)' if several else ''}"
              if shown else "Times shown are medians")
    parts = [
        "# Logistic-regression gradient: benchmark report",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Times are per call. Speedup = "
        f"{fmt.md(fmt.baseline(view.main))}'s time / the implementation's time at the same (n, m), shown only where "
        "both were measured. Where the run timed a size's implementations in interleaved rounds, each ratio is the "
        f"median of the per-round ratios with its 95% interval in brackets ({fmt.NO_DIFFERENCE}: the interval "
        f"contains 1); elsewhere it is the ratio of two medians, marked {fmt.NOT_INTERLEAVED}. {source}"
        + ("; a paired ratio comes from the rounds, so it need not equal the ratio of two times shown."
           if any(x.interval for v in view.series for x in v.speedups.values()) else ".")
        + (" **Each input below is reported on its own: no ratio is formed across inputs.**" if several else ""),
    ]
    for v in view.series:
        parts += series_sections(v, figures.get(v.label, {}), f" — {fmt.md(v.label)}" if several else "")
    return "\n\n".join(parts) + "\n"
