"""The report's PNG figures (matplotlib, Agg), drawn from the View: no ratio is computed here."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window; set before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from reports import costmodel, derive, fmt  # noqa: E402
from reports.contract import schema as s  # noqa: E402
from reports.contract.records import Record  # noqa: E402
from reports.derive import Ratio, SeriesView, View  # noqa: E402

TIME_LABEL = "time per gradient (s)"
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "fontsize": 8}  # beside the axes, off the data
CEILING_SHADES = {s.L2: "0.55", s.L3: "0.35", s.DRAM: "0.0"}  # roofline: one grey per memory level
LABEL_GAP = 0.08  # of an axes' height: holds one 7-pt ceiling label with its padding on the smallest panel drawn


class Style:
    """Colour: implementation; marker: thread count; hollow and dashed: frame layout; dotted: another dtype."""

    def __init__(self, records: list[Record]):
        cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        self.colors = {name: cycle[i % len(cycle)] for i, name in enumerate(derive.implementations(records))}
        # Each variant's label once: derive.label reads every record, and styles are asked for per panel and variant.
        self.labels = {key: derive.label(key, records) for key in derive.variants(records)}

    def __call__(self, key: tuple) -> dict:
        name, layout, dtype, threads = key
        return {"color": self.colors.get(name, "black"), "label": fmt.drawn(self.labels[key]),
                **dtype_line(dtype), **layout_marker(layout),
                **({} if layout == s.LECTURE or dtype != derive.REFERENCE_DTYPE else {"linestyle": "--"}),
                "marker": "o" if threads == 1 else "s"}


def new_figure(panels: int, title: str, width: float = 4.6, height: float = 3.8):
    """A figure with `panels` axes in rows of at most three, constrained layout, a suptitle."""
    cols = min(3, max(panels, 1))
    rows = -(-max(panels, 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), layout="constrained",
                             squeeze=False)
    for ax in axes.flat[panels:]:
        ax.set_visible(False)
    fig.suptitle(title)
    return fig, list(axes.flat[:panels])


def save(fig, path: Path, v: SeriesView) -> Path:
    """Write the figure with the machine caption and the input's name under it, and close it."""
    fig.text(0.5, -0.01, fmt.drawn(f"{fmt.caption(v.series)} — input {v.label}"), ha="center", va="top", fontsize=8,
             color="0.3", wrap=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def figure_legend(fig, axes) -> None:
    """One legend for every panel's lines, right of the panels, the figure made tall enough to hold it.

    Beside one panel, a long legend (the full profile's 48 variants) is taller than the figure, and
    constrained layout collapses the panels to make room.
    """
    found = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            found.setdefault(label, handle)
    fig.set_figheight(max(fig.get_figheight(), 0.8 + 0.17 * len(found)))  # an 8-pt entry and its spacing: ~0.17 in
    fig.legend(found.values(), found.keys(), loc="outside right upper", fontsize=8)


def spread(records) -> np.ndarray:
    """Error bars from the interquartile range (zero where unknown)."""
    rows = [(r.median - (r.q1 if r.q1 is not None else r.median),
             (r.q3 if r.q3 is not None else r.median) - r.median) for r in records]
    return np.clip(np.array(rows, dtype=float).reshape(-1, 2).T, 0.0, None)


def line_panel(ax, records: list[Record], x: str, style: Style) -> None:
    """One line per variant of records, time against attribute x, log-log."""
    for key in derive.variants(records):
        points = sorted((getattr(r, x), i, r) for i, r in enumerate(records) if derive.variant_key(r) == key)
        ax.errorbar([p for p, _, _ in points], [r.median for _, _, r in points],
                    yerr=spread(r for _, _, r in points), capsize=2, markersize=4, **style(key))
    ax.set_xscale("log")
    ax.set_yscale("log")
    values = sorted({getattr(r, x) for r in records})
    ax.set_xticks(values, [f"{v:,}" for v in values])  # the measured sizes, not 3×10⁰
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", alpha=0.3)


def time_vs_m(v: SeriesView, path: Path) -> Path | None:
    """Time per gradient against m, one panel per n, one line per variant."""
    ns = sorted({r.n for r in v.records})
    if not ns:
        return None
    style = Style(v.records)
    fig, axes = new_figure(len(ns), "Time per gradient vs number of examples m (median, IQR bars)")
    for ax, n in zip(axes, ns, strict=True):
        line_panel(ax, [r for r in v.records if r.n == n], "m", style)
        ax.set(title=f"n = {n} features", xlabel="m (examples)", ylabel=TIME_LABEL)
    figure_legend(fig, axes)
    return save(fig, path, v)


def time_vs_n(v: SeriesView, path: Path) -> Path | None:
    """Time per gradient against n at the headline m."""
    if v.headline_size is None:
        return None
    m = v.headline_size[1]
    fig, (ax,) = new_figure(1, f"Time per gradient vs number of features n at m = {m:,}", width=6.4)
    line_panel(ax, [r for r in v.records if r.m == m], "n", Style(v.records))
    ax.set(xlabel="n (features)", ylabel=TIME_LABEL)
    ax.legend(**LEGEND)
    return save(fig, path, v)


def speedup_grid(found: list[Ratio], ns: list[int], ms: list[int]) -> np.ndarray:
    """Speedup medians on an (n, m) grid; NaN where the pair was not measured on both sides."""
    grid = np.full((len(ns), len(ms)), np.nan)
    for x in found:
        grid[ns.index(x.record.n), ms.index(x.record.m)] = x.median
    return grid


def heat_panel(ax, found: list[Ratio], ns: list[int], ms: list[int], norm) -> object:
    """One variant's speedups as coloured cells labelled with median and interval; unmeasured cells marked."""
    grid = speedup_grid(found, ns, ms)
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.92")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, origin="lower", aspect="auto")
    cells = {(ns.index(x.record.n), ms.index(x.record.m)): x for x in found}
    for (i, j), value in np.ndenumerate(grid):
        text = "not\nmeasured" if (i, j) not in cells else fmt.short_interval(cells[(i, j)])
        dark = (i, j) in cells and norm(value) < 0.6
        ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "0.25")
    ax.set_xticks(range(len(ms)), [f"{m:,}" for m in ms], rotation=30)
    ax.set_yticks(range(len(ns)), [str(n) for n in ns])
    ax.set(xlabel="m (examples)", ylabel="n (features)")
    return image


def speedup_heatmap(v: SeriesView, path: Path) -> Path | None:
    """Speedup over the baseline on the (m, n) grid, one panel per variant (per layout when it varies)."""
    found = list(v.speedups.values())
    keys = [k for k in derive.variants(v.records) if any(derive.variant_key(x.record) == k for x in found)]
    if not keys:
        return None
    ns, ms = sorted({r.n for r in v.records}), sorted({r.m for r in v.records})
    medians = [x.median for x in found]
    norm = LogNorm(vmin=min(min(medians), 0.9), vmax=max(max(medians), 1.1))
    note = f"\n{fmt.FOOTNOTE}" if any(x.interval is None for x in found) else ""
    title = f"Speedup over {fmt.drawn(fmt.baseline(v))} (its time / this time; higher is faster), with 95% interval"
    fig, axes = new_figure(len(keys), title + note)
    for ax, key in zip(axes, keys, strict=True):
        image = heat_panel(ax, [x for x in found if derive.variant_key(x.record) == key], ns, ms, norm)
        ax.set_title(fmt.drawn(derive.label(key, v.records)))
    fig.colorbar(image, ax=axes, label=f"speedup over {fmt.drawn(v.baseline)} (×, log scale)", shrink=0.9)
    return save(fig, path, v)


def bar_labels(ax, bars, found: list) -> None:
    """Each bar's value inside it (its top carries the interval bar); '*' marks a ratio of medians."""
    ax.bar_label(bars, [fmt.ratio(x.median) + ("" if x.interval else "*") for x in found], label_type="center",
                 color="white", fontsize=8, fontweight="bold")


def interval_bars(ax, xs, found: list[Ratio]) -> None:
    """A 95% interval error bar over each bar that has one (none over a ratio of medians)."""
    mine = [(x, r) for x, r in zip(xs, found, strict=True) if r.interval is not None]
    if mine:
        ax.errorbar([x for x, _ in mine], [r.median for _, r in mine], fmt="none", capsize=4, ecolor="0.15",
                    yerr=[[r.median - r.interval.lo for _, r in mine], [r.interval.hi - r.median for _, r in mine]])


def headline_bars(v: SeriesView, path: Path) -> Path | None:
    """Speedup of each variant at the headline size, with 95% interval error bars."""
    found = v.headline()
    if not found:
        return None
    n, m, layout = v.headline_size
    style = Style(v.records)
    shape = f", {layout} layout" if len({r.layout for r in v.records}) > 1 else ""
    fig, (ax,) = new_figure(1, f"Speedup over {fmt.drawn(fmt.baseline(v))} at n = {n:,}, m = {m:,}{shape}",
                            width=max(6.4, 0.9 * len(found)))
    labels = [fmt.drawn(v.label_of(x.record)) for x in found]
    colors = [style(derive.variant_key(x.record))["color"] for x in found]
    bars = ax.bar(labels, [x.median for x in found], color=colors)
    interval_bars(ax, range(len(found)), found)
    bar_labels(ax, bars, found)
    ax.set_yscale("log")
    ax.set_ylabel(f"speedup over {fmt.drawn(v.baseline)} (×, log)")  # short: a long label runs into the title
    ax.axhline(1.0, color="0.5", linewidth=0.8)
    ax.tick_params(axis="x", rotation=30)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.margins(y=0.15)
    if any(x.interval is None for x in found):
        ax.set_xlabel(fmt.FOOTNOTE, fontsize=8, color="0.3")
    return save(fig, path, v)


def history(v: SeriesView, path: Path) -> Path | None:
    """asv time per gradient against commit, at the headline size, one line per variant."""
    size = v.headline_size
    records = [r for r in v.history if r.benchmark == s.GRADIENTS and (r.n, r.m, r.layout) == size]
    if not records:
        return None
    commits = sorted({(r.date or 0, r.commit or "?") for r in records})
    order = {commit: i for i, (_, commit) in enumerate(commits)}
    style = Style(records)
    fig, (ax,) = new_figure(1, f"History (asv): time per gradient by commit at n = {size[0]:,}, m = {size[1]:,}",
                            width=max(6.4, 0.6 * len(commits)))
    for key in derive.variants(records):
        mine = sorted((order[r.commit or "?"], r.median) for r in records if derive.variant_key(r) == key)
        ax.plot(*zip(*mine, strict=True), **style(key))
    ax.set_xticks(range(len(commits)), [fmt.drawn(c[:8]) for _, c in commits], rotation=30)
    ax.set(xlabel="commit (oldest first)", ylabel=TIME_LABEL, yscale="log")
    ax.margins(x=0.1)
    ax.grid(True, alpha=0.3)
    ax.legend(**LEGEND)
    return save(fig, path, v)


def n_markers(records: list[Record]) -> dict[int, str]:
    """A marker per number of features, in increasing n."""
    shapes = "osD^vP*X"
    return {n: shapes[i % len(shapes)] for i, n in enumerate(sorted({r.n for r in records}))}


def ceilings(ax, v: SeriesView, threads: int) -> None:
    """Each memory level's read bandwidth at this thread count: a horizontal line with its label beside it.

    Call it on a log-scaled axes after everything else is plotted: it fixes the y limits, so that labels of close
    levels can be stacked apart (in axes fractions) instead of printed over each other.
    """
    found = [(level, gbs) for level in s.LEVELS if (gbs := derive.ceiling(v.series, level, threads)) is not None]
    for level, gbs in found:
        ax.axhline(gbs, color=CEILING_SHADES[level], linestyle="-.", linewidth=1.0)
    low, high = np.log(ax.get_ylim())
    ax.set_ylim(ax.get_ylim())
    own = [(np.log(gbs) - low) / (high - low) for _, gbs in found]
    for (level, gbs), mine, y in zip(found, own, stacked(own), strict=True):
        moved = {"arrowprops": {"arrowstyle": "-", "color": CEILING_SHADES[level], "linewidth": 0.6}} \
            if abs(y - mine) > 1e-9 else {}  # a moved label points at its line
        ax.annotate(f"{level} {gbs:.3g} GB/s", xy=(0.3, gbs), xycoords=ax.get_yaxis_transform(), xytext=(0.01, y),
                    textcoords="axes fraction", va="center", ha="left", fontsize=7, color=CEILING_SHADES[level],
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1}, **moved)


def stacked(heights: list[float], gap: float = LABEL_GAP) -> list[float]:
    """Label heights (axes fractions) at least gap apart, each as near its own as that allows, inside the axes."""
    order = sorted(range(len(heights)), key=lambda i: heights[i])
    out = list(heights)
    floor = gap / 2
    for i in order:  # upwards: each label clears the one below it
        out[i] = floor = max(out[i], floor)
        floor += gap
    ceiling = 1 - gap / 2
    for i in reversed(order):  # downwards: none is pushed out of the top
        out[i] = ceiling = min(out[i], ceiling)
        ceiling -= gap
    return out


def dtype_line(dtype: str) -> dict:
    """Solid for the reference dtype, dotted for another (one per line of the roofline)."""
    return {"linestyle": "-" if dtype == derive.REFERENCE_DTYPE else ":"}


def layout_marker(layout: str) -> dict:
    """Filled markers for the lecture layout, hollow for another: a single point shows it too."""
    return {"markerfacecolor": None if layout == s.LECTURE else "none"}


def roofline_lines(ax, v: SeriesView, records: list[Record], style: Style) -> None:
    """One line per (implementation, layout, dtype, n): achieved GB/s against the size of X."""
    markers = n_markers(v.records)
    for name, layout, dtype, _ in derive.variants(records):
        for n in sorted({r.n for r in records}):  # one line per n: m grows along it
            line = sorted((r.bytes_x / 1e6, r.bytes_x / r.median / 1e9) for r in records
                          if (r.implementation, r.layout, r.dtype, r.n) == (name, layout, dtype, n))
            if line:
                ax.plot(*zip(*line, strict=True), color=style.colors[name], marker=markers[n], markersize=5,
                        **dtype_line(dtype), **layout_marker(layout))


def roofline(v: SeriesView, path: Path) -> Path | None:
    """Achieved GB/s (bytes of X / median time) against size, a panel per thread count, each level's ceiling.

    Colour is the implementation, the marker n (sizes of X coincide: n=1000, m=1e5 and n=100, m=1e6
    are both 800 MB), filled/hollow the layout, solid/dotted the dtype; the labelled dash-dotted
    lines are the read bandwidth of L2, L3 and DRAM measured with that panel's thread count.
    """
    records = [r for r in v.records if r.bytes_x > 0]
    if not v.run.bandwidth or not records:
        return None
    style, threads = Style(records), sorted({r.threads for r in records})
    fig, axes = new_figure(len(threads), "Achieved read bandwidth of X per gradient vs size of X", width=5.4)
    for ax, t in zip(axes, threads, strict=True):
        roofline_lines(ax, v, [r for r in records if r.threads == t], style)
        ax.set(xscale="log", yscale="log", title=fmt.threads(t),
               xlabel="size of X (MB)", ylabel="achieved GB/s (bytes of X / median time)")
        ceilings(ax, v, t)
        ax.xaxis.set_minor_formatter(NullFormatter())
        plain = FuncFormatter(lambda x, _: f"{x:g}")  # 30, not 3×10¹
        ax.yaxis.set_major_formatter(plain)
        low, high = ax.get_ylim()  # minor labels (2, 3, …) only where a decade or two would show none
        ax.yaxis.set_minor_formatter(plain if high / low < 30 else NullFormatter())
        ax.grid(True, which="major", alpha=0.3)
    axes[-1].legend(handles=roofline_legend(style, records), **LEGEND)
    return save(fig, path, v)


def roofline_legend(style: Style, records: list[Record]) -> list:
    """Legend entries: implementations; dtypes and layouts only when the data varies them; n; the ceilings."""
    handles = [Line2D([], [], color=style.colors[name], label=fmt.drawn(name))
               for name in derive.implementations(records)]
    dtypes = sorted({r.dtype for r in records}, key=lambda d: d != derive.REFERENCE_DTYPE)
    if len(dtypes) > 1:
        handles += [Line2D([], [], color="black", label=fmt.drawn(d), **dtype_line(d)) for d in dtypes]
    layouts = sorted({r.layout for r in records}, key=lambda x: x != s.LECTURE)
    if len(layouts) > 1:
        handles += [Line2D([], [], color="black", marker="p", linestyle="none", label=f"{x} layout",
                           **layout_marker(x)) for x in layouts]
    handles += [Line2D([], [], color="black", marker=marker, linestyle="none", label=f"n = {n:,}")
                for n, marker in n_markers(records).items()]
    handles.append(Line2D([], [], color="black", linestyle="-.", label="read bandwidth of a memory level"))
    return handles


def threads_split(v: SeriesView, path: Path) -> Path | None:
    """At the headline size, speedup from vectorization (1 thread) and from cores (all vs 1)."""
    n, m, layout = v.headline_size or (None, None, None)
    found = [x for x in v.splits if (x.record.n, x.record.m, x.record.layout) == (n, m, layout)]
    if not found:
        return None
    fig, (ax,) = new_figure(1, f"Where the speedup comes from at n = {n:,}, m = {m:,}",
                            width=max(6.4, 1.0 * len(found)))
    x = np.arange(len(found))
    vec = [s.vectorization or Ratio(s.record, None, np.nan) for s in found]
    cores = [s.cores for s in found]
    for offset, ratios, text in ((-0.2, vec, f"vectorization: {fmt.drawn(v.baseline)} / this, both 1 thread"),
                                 (0.2, cores, "cores: this at 1 thread / this at t threads")):
        bars = ax.bar(x + offset, [r.median for r in ratios], 0.4, label=text)
        interval_bars(ax, x + offset, ratios)
        bar_labels(ax, bars, ratios)
    ax.set_xticks(x, [fmt.drawn(f"{s.record.implementation} {s.record.dtype}, t={s.record.threads}") for s in found],
                  rotation=30, ha="right")
    ax.set(yscale="log", ylabel="speedup (×, log scale; * no interval)")
    ax.axhline(1.0, color="0.5", linewidth=0.8)
    ax.margins(y=0.15)
    times = FuncFormatter(lambda y, _: f"×{y:g}")  # ×0.9, not 9×10⁻¹
    ax.yaxis.set_major_formatter(times)
    low, high = ax.get_ylim()  # minor labels (×2, ×3, …) only where a decade or two would show none
    ax.yaxis.set_minor_formatter(times if high / low < 30 else NullFormatter())
    ax.legend(**LEGEND)
    return save(fig, path, v)


def scaling_panels(ax_time, ax_eff, found: list[Ratio]) -> None:
    """Dask time (left) and efficiency (right) against workers: colour per (n, m), line style per chunk cap."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    sizes = sorted({(e.record.n, e.record.m) for e in found})
    caps = sorted({e.record.chunk_bytes for e in found})
    for (n, m), color in zip(sizes, itertools.cycle(cycle)):
        for cap, linestyle in zip(caps, itertools.cycle(("-", "--", ":"))):
            line = sorted(((e.record.workers, i), e) for i, e in enumerate(found)
                          if (e.record.n, e.record.m, e.record.chunk_bytes) == (n, m, cap))
            style = {"color": color, "linestyle": linestyle, "marker": "o", "markersize": 4,
                     "label": f"n={n:,} m={m:,}, {fmt.nbytes(cap)} chunks"}
            ax_time.plot([k for (k, _), _ in line], [e.record.median for _, e in line], **style)
            ax_eff.plot([k for (k, _), _ in line], [e.median for _, e in line], **style)
        base = next(e.base for e in found if (e.record.n, e.record.m) == (n, m))
        ax_time.axhline(base.median, color=color, linestyle=(0, (1, 3)), linewidth=1)
    workers = sorted({e.record.workers for e in found})
    for ax in (ax_time, ax_eff):
        ax.set_xticks(workers, [str(k) for k in workers])
        ax.set_xlim(workers[0] - 0.3, workers[-1] + 0.3)
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)


def scaling(v: SeriesView, path: Path) -> Path | None:
    """Dask's time per gradient and its efficiency against NumPy on one machine, vs workers."""
    found = v.efficiencies
    if not found:
        return None
    base_name = fmt.drawn(found[0].base.implementation)
    threads = fmt.words(sorted({r.threads for r in v.scaling if r.chunk_bytes is None}))
    fig, (ax_time, ax_eff) = new_figure(2, f"Dask scaling over worker processes, against {base_name} on one "
                                           f"machine, best of {threads} threads", width=5.2)
    scaling_panels(ax_time, ax_eff, found)
    ax_time.set(title=f"Dask time per gradient (dotted: {base_name})",
                xlabel="Dask workers (single-threaded processes)", ylabel=TIME_LABEL)
    ax_eff.axhline(1.0, color="black", linewidth=1, label=f"as fast as {base_name}")
    ax_eff.set(title=f"efficiency = {base_name} time / Dask time",
               xlabel="Dask workers (single-threaded processes)", ylabel="efficiency (×, log scale; >1: Dask faster)")
    ax_eff.set_ylim(top=1.5 * max(1.0, max(e.median for e in found)))  # the line at 1 clear of the frame
    ax_eff.legend(**LEGEND)
    return save(fig, path, v)


def size_label(size: tuple) -> str:
    """A counted size as an axis label: 'n = 10\nm = 1,000' (layout and dtype where not the lecture's float64)."""
    n, m, layout, dtype = size
    extra = " ".join(x for x in (layout, dtype) if x not in (s.LECTURE, derive.REFERENCE_DTYPE))
    return fmt.drawn(f"n = {n:,}\nm = {m:,}" + (f"\n{extra}" if extra else ""))


def grouped_bars(ax, groups: list[list], value, colors: dict, text) -> None:
    """A group of bars per size (one per counted case, coloured by implementation), each labelled with text(value)."""
    width = min(0.8 / max(len(g) for g in groups), 0.2)  # a few bars stay bars, not walls
    for i, group in enumerate(groups):
        for j, c in enumerate(group):
            x = i + (j - (len(group) - 1) / 2) * width
            ax.bar(x, value(c), width * 0.92, color=colors[c.implementation])
            ax.text(x, value(c), text(value(c)), ha="center", va="bottom", fontsize=7, rotation=90)
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.margins(y=0.25)


def counts(v: SeriesView, path: Path) -> Path | None:
    """Instructions per element (log) and reads of X per implementation, a group of bars per counted size."""
    c = v.counts
    if c is None or not c.counted:
        return None
    names = list(dict.fromkeys([*derive.implementations(v.records), *(x.implementation for x in c.counted)]))
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = {name: cycle[i % len(cycle)] for i, name in enumerate(names)}  # as Style colours the timings
    sizes = c.sizes()
    fig, axes = new_figure(1 + bool(c.reads), "What each gradient call does, counted under callgrind (one thread)",
                           width=5.6, height=4.4)
    grouped_bars(axes[0], [c.at(x) for x in sizes], lambda x: x.counts.instructions_per_element, colors, fmt.figure)
    axes[0].set_yscale("log")
    axes[0].set_xticks(range(len(sizes)), [size_label(x) for x in sizes])
    axes[0].set(ylabel="instructions per element of X (n·m, log)", title="Work: instructions per element")
    if c.reads:
        # The file's order, as on the left, so a colour sits in the same place in both panels.
        groups = [[x for x in c.at(found[0].size[:4]) if x.counts.x_reads is not None] for found in c.reads]
        grouped_bars(axes[1], groups, lambda x: x.counts.x_reads, colors, lambda x: f"{x:.2f}")
        axes[1].set_xticks(range(len(groups)), [size_label(x[0].size[:4]) for x in groups])
        top = int(max(x.counts.x_reads for g in groups for x in g)) + 1
        names_of = {1: "1: one pass", 2: "2: two passes"}
        axes[1].set_yticks(range(top + 1), [names_of.get(k, str(k)) for k in range(top + 1)])
        axes[1].grid(True, axis="y", linestyle=":", alpha=0.6)
        axes[1].set(ylabel="bytes from memory ÷ bytes of X", title="Traffic: reads of X per call")
    handles = [Line2D([], [], color=colors[name], linewidth=8, label=fmt.drawn(name)) for name in names
               if any(x.implementation == name for x in c.counted)]
    axes[-1].legend(handles=handles, **LEGEND)
    return save(fig, path, v)


def region_colours(w, colors: dict) -> np.ndarray:
    """An RGBA image of the map: each cell the winner's colour, paler where it ties with another model."""
    from matplotlib.colors import to_rgba

    rgba = np.array([to_rgba(colors.get(x.variant.implementation, "black")) for x in w.models])[w.winner]
    rgba[w.tie, :3] = 1 - 0.45 * (1 - rgba[w.tie, :3])  # towards white: "within each other's intervals"
    return rgba


def who_wins(v: SeriesView, path: Path) -> Path | None:
    """The fastest implementation the fitted models predict over log m × log n; measured winners, crossovers."""
    models = v.models.map_models() if v.models else []
    w = costmodel.who_wins(models)
    if w is None:
        return None
    colors = Style(v.records).colors
    fig, (ax,) = new_figure(1, "Who wins: the fastest implementation the fitted models predict", width=7.5, height=5)
    edges = lambda x: np.geomspace(x[0] / (x[1] / x[0]) ** 0.5, x[-1] * (x[1] / x[0]) ** 0.5, len(x) + 1) \
        if len(x) > 1 else np.array([x[0] / 1.5, x[0] * 1.5])  # noqa: E731
    ax.pcolormesh(edges(w.m), edges(w.n), region_colours(w, colors), shading="flat", rasterized=True)
    for n, m, name, agrees in w.measured():
        # A dot in the region's own colour would vanish into it: agreement is a ring, disagreement a cross in the
        # colour of the one measured fastest.
        style = {"marker": "o", "facecolor": "none"} if agrees else {"marker": "X", "color": colors.get(name, "k")}
        ax.scatter(m, n, s=80, edgecolor="black", linewidth=1.2, zorder=3, clip_on=False, **style)
    drawn = [x.variant for x in w.models]
    stacked: Counter = Counter()  # labels already at each n: the next one goes a line further out
    for c in sorted(v.models.crossovers, key=lambda c: (c.n, c.m.median if c.m else 0)):
        if c.m is not None and c.before in drawn and c.after in drawn:
            lo, hi = c.m.lo or c.span[0], c.m.hi or c.span[1]
            ax.errorbar(c.m.median, c.n, xerr=[[c.m.median - lo], [hi - c.m.median]], fmt="|", color="black",
                        markersize=14, capsize=4, zorder=4)
            below = c.n == w.n[-1]  # the top row's label goes under its bar, every other one above
            offset = 5 + 10 * stacked[c.n]
            stacked[c.n] += 1
            right = math.log(c.m.median / w.m[0]) > 0.6 * math.log(w.m[-1] / w.m[0])  # else it runs off the map
            ax.annotate(fmt.drawn(f"{c.faster} overtakes {c.slower}"), (c.m.median, c.n),
                        xytext=(-4 if right else 4, -offset if below else offset), textcoords="offset points",
                        ha="right" if right else "left",
                        va="top" if below else "bottom", fontsize=7, zorder=4,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.7, "linewidth": 0})
    ax.set(xscale="log", yscale="log", xlabel="m (examples)", ylabel="n (features)", xlim=edges(w.m)[[0, -1]],
           ylim=edges(w.n)[[0, -1]])
    ticks = [(axis, sorted({getattr(p, key) for x in w.models for p in x.points})) for axis, key in
             ((ax.xaxis, "m"), (ax.yaxis, "n"))]
    for axis, values in ticks:
        axis.set_ticks(values, [f"{x:,}" for x in values])  # the measured sizes, not 10²
        axis.set_minor_formatter(NullFormatter())
    handles = [Line2D([], [], color=colors.get(x.variant.implementation, "black"), linewidth=8,
                      label=fmt.drawn(x.variant.implementation))
               for i, x in enumerate(w.models) if (w.winner == i).any()]
    handles += [Line2D([], [], color=region_colours(w, colors)[w.tie & (w.winner == i)][0], linewidth=8,
                       label=fmt.drawn(f"tie: {w.models[i].variant.implementation} or\n"
                                       + ", ".join(sorted({w.models[k].variant.implementation
                                                           for k in w.runner_up[w.tie & (w.winner == i)]}))))
                for i in range(len(w.models)) if (w.tie & (w.winner == i)).any()]
    handles += [Line2D([], [], marker="o", color="none", markeredgecolor="black", markersize=8,
                       label="measured: fastest as\npredicted"),
                Line2D([], [], marker="X", color="0.5", markeredgecolor="black", markersize=9, linestyle="none",
                       label="measured: another was\nfastest (its colour)"),
                Line2D([], [], marker="|", color="black", markersize=12, label="crossover m\n(95% interval)")]
    ax.legend(handles=handles, **LEGEND)
    v0 = w.models[0].variant
    left_out = ", ".join(x.variant.implementation for x in w.left_out)
    ax.set_title(fmt.drawn(f"{v0.dtype}, {fmt.threads(v0.threads)}, {v0.layout} layout"
                           + (f"; left out (model beyond its error bound): {left_out}" if left_out else "")),
                 fontsize=9)
    return save(fig, path, v)


def predicted_vs_measured(v: SeriesView, path: Path) -> Path | None:
    """Each size's time predicted by the model fitted to the other sizes, against the measured median: the map's
    models (lecture layout, reference dtype, fewest threads); every model's errors are in the report's table."""
    models = [x for x in (v.models.map_models() if v.models else []) if x.fitted and np.isfinite(x.held_out).any()]
    if not models:
        return None
    colors = Style(v.records).colors
    bound = costmodel.HELD_OUT_BOUND
    fig, (left, right) = new_figure(2, "Cost models: each size predicted from the others (held out), against "
                                       "the measurement", width=5.2, height=4.4)
    for x in models:
        v_ = x.variant
        style = {"color": colors.get(v_.implementation, "black"), "linestyle": "none", "markersize": 5, "marker": "o"}
        within = costmodel.inside(x.points)
        for where, extra in ((within, {"label": fmt.drawn(v_.label + ("" if x.fits else " (beyond bound)"))}),
                             (~within, {"alpha": 0.35})):  # the ends of an m range: extrapolated, paler
            keep = np.isfinite(x.held_out) & where
            measured = np.array([p.seconds for p in x.points])[keep]
            left.plot(measured, x.held_out[keep], **style, **extra)
            right.plot(measured, x.held_out[keep] / measured, **style, **extra)
    lims = np.array(left.get_xlim() + left.get_ylim())
    span = [lims.min(), lims.max()]
    left.plot(span, span, color="black", linewidth=1, label="predicted = measured")
    for k in (1 - bound, 1 + bound):
        left.plot(span, np.multiply(span, k), color="0.5", linestyle=":", linewidth=1)
        right.axhline(k, color="0.5", linestyle=":", linewidth=1)
    right.axhline(1, color="black", linewidth=1)
    left.set(xscale="log", yscale="log", xlabel="measured " + TIME_LABEL, ylabel="predicted from the other sizes (s)")
    left.set_title(f"dotted: ±{bound:.0%}, the bound inside the m ranges;\npale: at their ends (extrapolated)",
                   fontsize=9)
    right.set(xscale="log", yscale="log", xlabel="measured " + TIME_LABEL, ylabel="predicted ÷ measured")
    right.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    right.yaxis.set_minor_formatter(FuncFormatter(lambda y, _: f"{y:g}" if round(y, 1) in (0.5, 0.7, 1.5, 2) else ""))
    v0 = models[0].variant
    right.set_title(fmt.drawn(f"{v0.dtype}, {fmt.threads(v0.threads)},\n{v0.layout} layout"), fontsize=9)
    left.grid(True, alpha=0.3)
    right.grid(True, alpha=0.3)
    right.legend(**LEGEND)
    return save(fig, path, v)


FIGURES = {"time_vs_m": time_vs_m, "time_vs_n": time_vs_n, "speedup_heatmap": speedup_heatmap,
           "headline": headline_bars, "history": history, "roofline": roofline, "threads": threads_split,
           "scaling": scaling, "counts": counts, "who_wins": who_wins, "predicted_vs_measured": predicted_vs_measured}


def draw(view: View, out: Path) -> dict[str, dict[str, Path]]:
    """Every figure the data supports, per series: {series label: {figure name: path}}.

    The first series' files are <name>.png; the i-th other series' <name>-<i>.png.
    """
    drawn = {}
    for i, v in enumerate(view.series):
        suffix = f"-{i}" if i else ""
        made = {name: draw_one(v, out / f"{name}{suffix}.png") for name, draw_one in FIGURES.items()}
        drawn[v.label] = {name: path for name, path in made.items() if path is not None}
    return drawn
