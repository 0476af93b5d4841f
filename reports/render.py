"""One report folder from results: figures, report.md and summary.json, and the headline on the terminal."""

from __future__ import annotations

from pathlib import Path

from reports import costmodel, derive, figures, fmt, markdown, summary
from reports.contract.records import Failure, Results
from reports.derive import View


def counts_line(v) -> str:
    """'counts: 12 cases counted (valgrind 3.19.0)', why none could be made, or '' when none were asked for."""
    k = v.run.counting
    if k is None:
        return ""
    if k.reason is not None:
        return f"counts: none made: {k.reason}"
    missing = f", {len(v.counts.missing)} not counted (see the report)" if v.counts.missing else ""
    return f"counts: {len(v.counts.counted)} cases counted (valgrind {k.valgrind}){missing}"


def terminal(view: View) -> str:
    """What the terminal shows: the headline with intervals, failures, warnings (the CLI prints where)."""
    v = view.main
    lines = []
    if v.run.interrupted:
        lines.append("INTERRUPTED: a partial report of the cases that finished")
    why = markdown.no_headline(v, name=str)
    if why:
        lines.append(f"no headline: {why}")
    else:
        (n, m, _), base = v.headline_size, v.headline()[0].base
        lines.append(f"headline at n={n:,}, m={m:,}, {base.dtype} (median time; speedup over {view.baseline} "
                     f"at {fmt.threads(base.threads)}, 95% interval):")
    lines += [f"  {v.label_of(x.record):<28} {fmt.time(x.record.median):>10}  {fmt.interval(x)}" for x in v.headline()]
    if markdown.single_sample_count(v):
        lines.append(f"  WARNING: {markdown.single_sample_count(v)}: no spread, no interval")
    lines += [f"  FAILED ({f.cause}) {f.case}: {f.message}" for f in v.failures]
    if counts_line(v):
        lines.append(f"  {counts_line(v)}")
    if v.noise_flags:
        lines.append(f"  noise high during the run ({', '.join(v.noise_flags)}): see the report's machine section")
    if len(view.series) > 1:
        lines.append(f"  {len(view.series) - 1} more input(s) reported separately: "
                     + ", ".join(x.label for x in view.series[1:]))
    return "\n".join(lines)


def write_report(results: Results, run_dir: Path, baseline: str | None, failures: list[Failure],
                 estimates: dict | None = None) -> Path:
    """Figures, report.md and summary.json into run_dir; print the headline; return report.md's path.

    estimates: the implementations' cost_ns (costmodel.estimates) to check against the fitted models, if read.

    run_dir may be a staging folder: the caller names it, points 'latest' at it and prints where it is.
    """
    view = costmodel.attach(derive.analyse(results, baseline, failures), results, estimates)
    drawn = figures.draw(view, run_dir)
    path = run_dir / "report.md"
    path.write_text(markdown.render(view, drawn), encoding="utf-8")
    summary.write(view, run_dir)
    print(terminal(view))
    return path
