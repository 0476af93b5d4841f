"""How the report writes numbers: times, ratios with their intervals, sizes, labels (no prose, no arithmetic)."""

from __future__ import annotations

import re

from reports.contract.stats import CONFIDENCE

NOT_INTERLEAVED = "(no interval: not interleaved)"
NO_DIFFERENCE = "no detectable difference"
SLOWER, FASTER = "slower", "faster"  # compare's verdicts where the interval excludes 1
VERDICTS = (SLOWER, FASTER, NO_DIFFERENCE)
NOT_PAIRED = "*"  # the compact mark of a ratio of medians
FOOTNOTE = f"{NOT_PAIRED} ratio of medians {NOT_INTERLEAVED}."
# Characters that would end a table cell or start markup (emphasis, code, a link, HTML, math, a heading);
# "_" only at a word's edge, where CommonMark lets it open or close emphasis (double_loop stays readable).
MARKDOWN_SPECIAL = re.compile(r"[\\`*\[\]<>|$~&#!]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def time(seconds: float | None) -> str:
    """A duration with a readable unit: 812 ns, 3.41 µs, 12.0 ms, 1.52 s."""
    if seconds is None:
        return "–"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(x: float | None) -> str:
    """A speedup or ratio as '×1.5', '×230', '×12,000' ('–' for none, NaN included)."""
    if x is None or x != x:
        return "–"
    return f"×{x:.2g}" if x < 10 else f"×{x:,.0f}"


def plain(x: float) -> str:
    """A ratio without the ×: 0.93, 1.5, 230."""
    return f"{x:.2g}" if x < 10 else f"{x:,.0f}"


def interval(r, sign: str = "×", compact: bool = False) -> str:
    """'×8.1 [7.9–8.3]', '×1.0 [0.97–1.04], no detectable difference', or the ratio marked not interleaved.

    r is a derive.Ratio (or None: '–'); the 1 test only applies to ratios of two things timed (r.base).
    compact marks a ratio without interval with NOT_PAIRED (tables explain the mark once).
    """
    if r is None:
        return "–"
    head = f"{sign}{plain(r.median)}"
    if r.interval is None:
        return f"{head}{NOT_PAIRED}" if compact else f"{head} {NOT_INTERLEAVED}"
    text = f"{head} [{plain(r.interval.lo)}–{plain(r.interval.hi)}]"  # no comma: 4,355 has one
    if r.interval.coverage < CONFIDENCE:  # under 6 rounds no order-statistic interval reaches 95%
        text += f" ({r.interval.coverage:.0%} interval: {r.interval.count} rounds)"
    return f"{text}, {NO_DIFFERENCE}" if r.base is not None and r.interval.contains(1.0) else text


def short_interval(r) -> str:
    """Two lines for a heatmap cell: '×8.1' over '7.9–8.3' (or '≈1' / 'not paired')."""
    if r.interval is None:
        return f"{ratio(r.median)}{NOT_PAIRED}"
    if r.base is not None and r.interval.contains(1.0):
        return f"{ratio(r.median)}\n≈1"
    return f"{ratio(r.median)}\n{plain(r.interval.lo)}–{plain(r.interval.hi)}"


def md(text) -> str:
    """Text from the data (a name, a reason, a version), safe in a Markdown sentence or table cell, on one line."""
    text = " ".join(str(text).splitlines())
    return MARKDOWN_SPECIAL.sub(lambda found: "\\" + found.group(), text)


def code(text) -> str:
    """Text from the data as a Markdown code span (a case id, a path), fenced by more backticks than any run inside."""
    text = " ".join(str(text).splitlines())
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    return f"{fence} {text} {fence}" if "`" in text else f"{fence}{text}{fence}"


def drawn(text) -> str:
    """Text from the data, safe in a matplotlib text: every $ escaped, so mathtext never parses (or chokes on) it."""
    return str(text).replace("$", r"\$")


def nbytes(value: int | None) -> str:
    """A chunk cap or size as '16 MiB' ('–' for none)."""
    return "–" if value is None else f"{value / 2**20:.3g} MiB"


def size(value: float) -> str:
    """A number of bytes in binary units: '0 B', '1.22 KiB', '162 MiB'."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if value >= scale * 0.9995:  # what would print as 1.02e+03 KiB prints as 1 MiB
            return f"{value / scale:.3g} {unit}"
    return f"{value:.0f} B"


def amount(value: float) -> str:
    """A large count with three significant digits: '86.9 k', '22.5 M', '1.2 G'."""
    value = float(f"{value:.3g}")  # rounded first, so 999,999 reads 1 M, not 1e+03 k
    for unit, scale in ((" G", 1e9), (" M", 1e6), (" k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g}{unit}"
    return f"{value:g}"


def figure(value: float) -> str:
    """A measured value with three significant digits and no exponent: 2,253, 38.5, 3.35, 0.0123."""
    return f"{value:,.0f}" if value >= 99.95 else f"{value:.3g}"


def threads(count: int) -> str:
    """"1 thread", "2 threads"."""
    return f"{count} thread{'s' if count > 1 else ''}"


def words(items) -> str:
    """'1', '1 and 2', '1, 2 and 4'."""
    items = [str(x) for x in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}" if items else ""


def baseline(v) -> str:
    """A SeriesView's baseline name, with the dtype and threads of the timings its speedups divide where those vary."""
    bases = {(x.base.dtype, x.base.threads) for x in v.speedups.values()}
    if len(bases) != 1 or len({(r.dtype, r.threads) for r in v.records}) == 1:
        return v.baseline
    ((dtype, count),) = bases
    return f"{v.baseline} ({dtype}, {threads(count)})"


def caption(series) -> str:
    """One line about a series' machine (a load.Series): CPU, cores, GPU, BLAS, versions, profile."""
    m = series.machine
    gpu = f"; GPU {m.gpu}" if m.gpu else ""
    blas = f"; BLAS {', '.join(m.blas)} (threads pinned per result)" if m.blas else ""
    versions = " ".join(f"{k} {v}" for k, v in m.versions.items() if k in ("python", "numpy", "numba"))
    profile = f"; profile {series.run.profile}" if series.run.profile else ""
    return f"{m.cpu_model}, {m.cores or '?'} cores{gpu}{blas}{'; ' + versions if versions else ''}{profile}"
