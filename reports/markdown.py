"""The Markdown report: headline, machine, times with spread, speedups, skips, the figures embedded."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from reports import derive
from reports.load import Record, Results

DRIFT_WARN = 0.15  # a start-to-end change of the read bandwidth worth a warning in the report

FIGURE_TEXT = {
    "headline": "Speedup of every implementation at the headline size (log scale; 1 = as fast as the baseline).",
    "time_vs_m": "Median time per gradient against m, one panel per n; bars show the interquartile range.",
    "time_vs_n": "Median time per gradient against n at the headline m.",
    "speedup_heatmap": "Speedup over the baseline on the (m, n) grid; grey cells were not measured on both sides.",
    "roofline": "Bytes of X divided by the median time, against the size of X; the dotted line is the "
                "machine's measured streaming-read bandwidth, a limit for any gradient that reads X once "
                "from main memory (a GPU column reads its own memory and is not bound by it).",
    "threads": "Speedup from vectorization (one thread, against the baseline) and from cores "
               "(the same implementation on all cores against one).",
    "scaling": "Dask on 1 and 2 worker processes at two chunk caps: time per gradient (left; dotted lines: "
               "NumPy on one machine) and efficiency = NumPy time / Dask time (right; above 1, Dask is faster).",
    "history": "asv results: median time per gradient at the headline size for each benchmarked commit.",
}


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (numbers right-aligned)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def spread(r: Record) -> tuple[str, str]:
    """IQR and min–max of a record as text."""
    iqr = f"{derive.format_time(r.q1)} – {derive.format_time(r.q3)}" if r.q1 is not None else "–"
    span = f"{derive.format_time(r.min)} – {derive.format_time(r.max)}" if r.min is not None else "–"
    return iqr, span


def times_table(results: Results, baseline: str) -> str:
    """Every gradient record: median, spread, rounds, bandwidth columns when known, speedup."""
    records = derive.gradients(results)
    ratio = {id(s.record): s.ratio for s in derive.speedups(records, baseline)}
    gbs = derive.bandwidth(results)
    header = ["implementation", "dtype", "threads", "n", "m", "median", "IQR (q1 – q3)", "min – max", "rounds"]
    header += ["GB/s", "× one-read limit"] if gbs else []
    rows = []
    for r in sorted(records, key=lambda r: (r.n, r.m, derive.variants(records).index(derive.variant_key(r)))):
        row = [r.implementation, r.dtype, str(r.threads), f"{r.n:,}", f"{r.m:,}", derive.format_time(r.median),
               *spread(r), str(r.rounds or "–")]
        if gbs:
            # The limit is the host's: a column reading X from GPU memory gets GB/s but no ratio.
            limit = f"{derive.times_limit(r, gbs):.3g}" if r.memory == "host" else "– (GPU memory)"
            row += [f"{derive.achieved_gbs(r):.3g}", limit]
        rows.append(row + [derive.format_ratio(ratio.get(id(r)))])
    return table(header + [f"speedup over {baseline}"], rows)


def speedup_table(results: Results, baseline: str) -> str:
    """Speedups over the baseline: a row per (n, m), a column per variant; '–' where not both measured."""
    records = derive.gradients(results)
    found = {(derive.variant_key(s.record), s.record.n, s.record.m): s.ratio
             for s in derive.speedups(records, baseline)}
    keys = derive.variants(records)
    rows = [[f"{n:,}", f"{m:,}"] + [derive.format_ratio(found.get((k, n, m))) for k in keys]
            for n, m in derive.sizes(records)]
    return table(["n", "m"] + [derive.label(k, records) for k in keys], rows)


def splits_table(results: Results, baseline: str) -> str:
    """Vectorization and core speedups per implementation and size."""
    rows = [[s.implementation, s.dtype, f"{s.n:,}", f"{s.m:,}", str(s.threads),
             derive.format_ratio(s.vectorization), derive.format_ratio(s.cores),
             derive.format_ratio(s.vectorization * s.cores if s.vectorization else None)]
            for s in derive.splits(derive.gradients(results), baseline)]
    return table(["implementation", "dtype", "n", "m", "t", f"vectorization (vs {baseline}, 1 thread)",
                  "cores (t vs 1 thread)", "both"], rows) if rows else ""


def scaling_section(results: Results) -> str:
    """Dask against NumPy on one machine: the crossover sentence and a row per (n, m, chunk cap, workers)."""
    records = derive.scaling(results)
    found = derive.efficiencies(records)
    if not found:
        return ""
    rows = [[f"{e.record.n:,}", f"{e.record.m:,}", derive.format_bytes(e.record.chunk_bytes), str(e.record.chunks),
             str(e.record.workers), derive.format_time(e.record.median),
             f"{derive.format_time(e.base.median)} (t={e.base.threads})", f"{e.ratio:.2f}"] for e in found]
    text = [derive.crossover_sentence(records),
            table(["n", "m", "chunk cap", "chunks", "workers", "dask median", "numpy median (threads)", "efficiency"],
                  rows)]
    text += [f"Generated on the workers (X of {r.bytes_x / 1e9:.3g} GB never on the client): n = {r.n:,}, "
             f"m = {r.m:,}, {r.chunks} chunks, {r.workers} workers: {derive.format_time(r.median)} per gradient."
             for r in results.records if r.benchmark == "scaling_generated"]
    return "\n\n".join(text)


def machine_section(results: Results) -> str:
    """Machine and environment as a bullet list (pytest-benchmark's logreg block, else asv's machine)."""
    info = derive.logreg_info(results)
    lines = [f"- Machine: {derive.machine_caption(results)}"]
    lines += [f"- BLAS: {b.get('internal_api')} {b.get('version')}, {b.get('num_threads')} threads, "
              f"threading layer {b.get('threading_layer')}" for b in info.get("blas") or []]
    if "numba_threads" in info:
        lines.append(f"- Numba threads: {info['numba_threads']}")
    versions = ", ".join(f"{k} {v}" for k, v in (info.get("versions") or {}).items())
    if versions:
        lines.append(f"- Versions: {versions}")
    gbs = derive.bandwidth(results)
    if gbs:
        by_threads = ", ".join(f"{derive.threads_label(t)}: {v:.3g}"
                               for t, v in sorted(derive.bandwidth_by_threads(results).items()))
        suffix = f" ({by_threads})" if by_threads else ""
        lines.append(f"- Measured streaming-read bandwidth: {gbs:.3g} GB/s{suffix}")
    drift = derive.bandwidth_drift(results)
    if drift is not None:
        lines.append(f"- Read bandwidth changed by {drift:.0%} between the run's start and end"
                     + (f". **More than {DRIFT_WARN:.0%}: the machine was not steady (other load?), so the "
                        "× one-read-limit ratios are uncertain by about that much;** `python -m benchmarks.roofline` "
                        "measures them interleaved with the probe." if drift > DRIFT_WARN else
                        " (the larger reading is the limit)."))
    lines.append("- Inputs: " + ", ".join(f"`{s}`" for s in results.sources))
    return "\n".join(lines)


def other_table(results: Results) -> str:
    """Train and prepare records (not per-gradient), if any."""
    rows = [[r.benchmark, r.implementation, f"{r.n:,}", f"{r.m:,}", derive.format_time(r.median), *spread(r)]
            for r in results.records if r.benchmark in ("train", "prepare")]
    return table(["benchmark", "implementation", "n", "m", "median", "IQR (q1 – q3)", "min – max"], rows) \
        if rows else ""


def missing_section(results: Results, failures: list[dict]) -> str:
    """Unavailable implementations, failed cases, and skipped cases grouped by reason."""
    lines = [f"- **{name}**: not available here: {reason}" for name, reason in results.unavailable.items()]
    lines += [f"- **failed**: `{f['case']}`: {f['message']}" for f in failures]
    by_reason: dict[str, list[str]] = {}
    for s in results.skipped:
        case = (f"{s.get('benchmark', '?')} {s.get('implementation', '?')} n={s.get('n')} m={s.get('m')} "
                f"{s.get('dtype', '')} t={s.get('threads', '?')}")
        by_reason.setdefault(str(s.get("reason", "?")), []).append(case)
    for reason, cases in by_reason.items():
        shown = ", ".join(cases[:4]) + (f" and {len(cases) - 4} more" if len(cases) > 4 else "")
        lines.append(f"- skipped ({len(cases)}): {reason} — {shown}")
    return "\n".join(lines) or "Every case of the profile ran."


def figures_section(figures: dict[str, Path]) -> str:
    """Each figure embedded (relative path) with what it shows."""
    return "\n\n".join(f"![{name}]({path.name})\n\n*{FIGURE_TEXT[name]}*" for name, path in figures.items())


def report(results: Results, figures: dict[str, Path], baseline: str, failures: list[dict] | None = None) -> str:
    """The whole report as Markdown text."""
    records = derive.gradients(results)
    parts = [
        "# Logistic-regression gradient: benchmark report",
        f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. Times are per call, in seconds unless marked; "
        f"speedup = {baseline}'s median time / the implementation's median time at the same (n, m), "
        "shown only where both were measured.",
        "## Headline", derive.headline_sentence(records, baseline) if records else
        "These results hold no single-machine gradient timings (a scaling run); see Dask scaling below.",
        "## Machine and environment", machine_section(results),
        "## Not measured", missing_section(results, failures or []),
    ]
    if records:
        parts += [f"## Speedup over {baseline}", speedup_table(results, baseline),
                  "## Times per gradient", times_table(results, baseline)]
    if splits := splits_table(results, baseline):
        parts += ["## Vectorization versus cores", splits]
    if scaling := scaling_section(results):
        parts += ["## Dask scaling", scaling]
    if other := other_table(results):
        parts += ["## Training and preparation", other]
    parts += ["## Figures", figures_section(figures)]
    return "\n\n".join(parts) + "\n"
