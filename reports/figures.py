"""The report's PNG figures (matplotlib, Agg): times, speedups, headline, history, roofline, threads."""

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window; set before pyplot is imported

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from reports import derive  # noqa: E402
from reports.load import Record, Results  # noqa: E402

TIME_LABEL = "time per gradient (s)"
LEGEND = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "fontsize": 8}  # beside the axes, off the data


class Style:
    """One colour per implementation, a line style per dtype, a marker per thread count."""

    def __init__(self, records: list[Record]):
        cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        self.colors = {name: cycle[i % len(cycle)] for i, name in enumerate(derive.implementations(records))}
        self.records = records

    def __call__(self, key: tuple[str, str, int]) -> dict:
        name, dtype, threads = key
        return {"color": self.colors.get(name, "black"), "label": derive.label(key, self.records),
                "linestyle": "-" if dtype == derive.REFERENCE_DTYPE else "--",
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


def save(fig, path: Path, caption: str) -> Path:
    """Write the figure with the machine caption under it, and close it."""
    fig.text(0.5, -0.01, caption, ha="center", va="top", fontsize=8, color="0.3", wrap=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def line_panel(ax, records: list[Record], x: str, style: Style) -> None:
    """One line per variant of records, time against attribute x, log-log."""
    for key in derive.variants(records):
        points = sorted((getattr(r, x), r) for r in records if derive.variant_key(r) == key)
        xs = [p for p, _ in points]
        ax.errorbar(xs, [r.median for _, r in points], yerr=spread(r for _, r in points), capsize=2,
                    markersize=4, **style(key))
    ax.set_xscale("log")
    ax.set_yscale("log")
    values = sorted({getattr(r, x) for r in records})
    ax.set_xticks(values, [f"{v:,}" for v in values])  # the measured sizes, not 3×10⁰
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", alpha=0.3)


def spread(records) -> np.ndarray:
    """Error bars from the interquartile range (zero where unknown)."""
    rows = [(r.median - (r.q1 if r.q1 is not None else r.median),
             (r.q3 if r.q3 is not None else r.median) - r.median) for r in records]
    return np.clip(np.array(rows, dtype=float).T, 0.0, None)


def time_vs_m(results: Results, out: Path) -> Path | None:
    """Figure 1: time per gradient against m, one panel per n, one line per implementation."""
    records = derive.gradients(results)
    ns = sorted({r.n for r in records})
    if not ns:
        return None
    style = Style(records)
    fig, axes = new_figure(len(ns), "Time per gradient vs number of examples m (median, IQR bars)")
    for ax, n in zip(axes, ns, strict=True):
        line_panel(ax, [r for r in records if r.n == n], "m", style)
        ax.set(title=f"n = {n} features", xlabel="m (examples)", ylabel=TIME_LABEL)
    axes[min(2, len(axes) - 1)].legend(**LEGEND)  # beside the top row
    return save(fig, out / "time_vs_m.png", derive.machine_caption(results))


def time_vs_n(results: Results, out: Path) -> Path | None:
    """Figure 2: time per gradient against n at the headline m."""
    records = derive.gradients(results)
    size = derive.headline_size(records)
    if size is None:
        return None
    m = size[1]
    fig, (ax,) = new_figure(1, f"Time per gradient vs number of features n at m = {m:,}", width=6.4)
    line_panel(ax, [r for r in records if r.m == m], "n", Style(records))
    ax.set(xlabel="n (features)", ylabel=TIME_LABEL)
    ax.legend(**LEGEND)
    return save(fig, out / "time_vs_n.png", derive.machine_caption(results))


def speedup_grid(speedups: list[derive.Speedup], ns: list[int], ms: list[int]) -> np.ndarray:
    """Speedups on an (n, m) grid; NaN where the pair was not measured on both sides."""
    grid = np.full((len(ns), len(ms)), np.nan)
    for s in speedups:
        grid[ns.index(s.record.n), ms.index(s.record.m)] = s.ratio
    return grid


def heat_panel(ax, grid: np.ndarray, ns: list[int], ms: list[int], norm) -> object:
    """One implementation's speedups as coloured cells with their values; unmeasured cells marked."""
    cmap = plt.get_cmap("viridis").with_extremes(bad="0.92")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, norm=norm, origin="lower", aspect="auto")
    for (i, j), value in np.ndenumerate(grid):
        text = "not\nmeasured" if np.isnan(value) else derive.format_ratio(value)
        dark = not np.isnan(value) and norm(value) < 0.6
        ax.text(j, i, text, ha="center", va="center", fontsize=7 if np.isnan(value) else 8,
                color="white" if dark else "0.25")
    ax.set_xticks(range(len(ms)), [f"{m:,}" for m in ms], rotation=30)
    ax.set_yticks(range(len(ns)), [str(n) for n in ns])
    ax.set(xlabel="m (examples)", ylabel="n (features)")
    return image


def speedup_heatmap(results: Results, out: Path, baseline: str) -> Path | None:
    """Figure 3: speedup over the baseline on the (m, n) grid, one panel per implementation variant."""
    records = derive.gradients(results)
    base = list(derive.reference(records, baseline).values())
    keys = [k for k in derive.variants(records) if base and k != derive.variant_key(base[0])]
    if not keys:
        return None
    ns, ms = sorted({r.n for r in records}), sorted({r.m for r in records})
    found = derive.speedups(records, baseline)
    ratios = [s.ratio for s in found] or [1.0]
    norm = LogNorm(vmin=min(min(ratios), 0.9), vmax=max(max(ratios), 1.1))
    fig, axes = new_figure(len(keys), f"Speedup over {baseline} (its time / this time; higher is faster)")
    for ax, key in zip(axes, keys, strict=True):
        mine = [s for s in found if derive.variant_key(s.record) == key]
        image = heat_panel(ax, speedup_grid(mine, ns, ms), ns, ms, norm)
        ax.set_title(derive.label(key, records))
    fig.colorbar(image, ax=axes, label=f"speedup over {baseline} (×, log scale)", shrink=0.9)
    return save(fig, out / "speedup_heatmap.png", derive.machine_caption(results))


def bar_labels(ax, bars, values) -> None:
    """Write each bar's value on top of it."""
    ax.bar_label(bars, [derive.format_ratio(v) for v in values], padding=2, fontsize=8)


def headline_bars(results: Results, out: Path, baseline: str) -> Path | None:
    """Figure 4: speedup of each implementation variant at the headline size."""
    records = derive.gradients(results)
    size = derive.headline_size(records)
    found = [s for s in derive.speedups(records, baseline) if (s.record.n, s.record.m) == size]
    if not found:
        return None
    style = Style(records)
    fig, (ax,) = new_figure(1, f"Speedup over {baseline} at n = {size[0]:,}, m = {size[1]:,}",
                            width=max(6.4, 0.9 * len(found)))
    labels = [derive.label(derive.variant_key(s.record), records) for s in found]
    bars = ax.bar(labels, [s.ratio for s in found],
                  color=[style(derive.variant_key(s.record))["color"] for s in found])
    bar_labels(ax, bars, [s.ratio for s in found])
    ax.set_yscale("log")
    ax.set_ylabel(f"speedup over {baseline} (×, log scale)")
    ax.axhline(1.0, color="0.5", linewidth=0.8)
    ax.tick_params(axis="x", rotation=30)
    plt.setp(ax.get_xticklabels(), ha="right", rotation_mode="anchor")
    ax.margins(y=0.15)
    return save(fig, out / "headline.png", derive.machine_caption(results))


def history(results: Results, out: Path) -> Path | None:
    """Figure 5: asv time per gradient against commit, at the headline size, one line per variant."""
    records = [r for r in results.history if r.benchmark == "gradients"]
    size = derive.headline_size(records)
    records = [r for r in records if (r.n, r.m) == size]
    if not records:
        return None
    commits = sorted({(r.date or 0, r.commit) for r in records})
    order = {commit: i for i, (_, commit) in enumerate(commits)}
    style = Style(records)
    fig, (ax,) = new_figure(1, f"History (asv): time per gradient by commit at n = {size[0]:,}, m = {size[1]:,}",
                            width=max(6.4, 0.6 * len(commits)))
    for key in derive.variants(records):
        mine = sorted((order[r.commit], r.median) for r in records if derive.variant_key(r) == key)
        ax.plot(*zip(*mine, strict=True), **style(key))
    ax.set_xticks(range(len(commits)), [c[:8] for _, c in commits], rotation=30)
    ax.set(xlabel="commit (oldest first)", ylabel=TIME_LABEL, yscale="log")
    ax.margins(x=0.1)
    ax.grid(True, alpha=0.3)
    ax.legend(**LEGEND)
    return save(fig, out / "history.png", derive.machine_caption(results))


def roofline(results: Results, out: Path) -> Path | None:
    """Figure 6: achieved GB/s (bytes of X / median time) against size, a panel per thread count.

    Colour is the implementation, solid/dashed the dtype, the marker n (sizes of X coincide: n=1000,
    m=1e5 and n=100, m=1e6 are both 800 MB); each panel's dotted line is the read bandwidth measured
    with that many threads, the dash-dotted one the machine's limit (all cores).
    """
    gbs = derive.bandwidth(results)
    records = [r for r in derive.gradients(results) if r.bytes_x > 0]
    if gbs is None or not records:
        return None
    style, by_threads = Style(records), derive.bandwidth_by_threads(results)
    threads = sorted({r.threads for r in records})
    markers = n_markers(records)
    fig, axes = new_figure(len(threads), "Achieved read bandwidth of X per gradient vs size of X", width=5.0)
    for ax, t in zip(axes, threads, strict=True):
        mine = [r for r in records if r.threads == t]
        for name, dtype, _ in derive.variants(mine):
            for n in sorted({r.n for r in mine}):  # one line per n: m grows along it
                line = sorted((r.bytes_x / 1e6, derive.achieved_gbs(r)) for r in mine
                              if (r.implementation, r.dtype, r.n) == (name, dtype, n))
                if line:
                    ax.plot(*zip(*line, strict=True), color=style.colors[name], marker=markers[n], markersize=5,
                            linestyle="-" if dtype == derive.REFERENCE_DTYPE else "--",
                            markerfacecolor=None if dtype == derive.REFERENCE_DTYPE else "none")
        if t in by_threads:
            ax.axhline(by_threads[t], color="black", linestyle=":", linewidth=1.2)
        ax.axhline(gbs, color="black", linestyle="-.", linewidth=0.8)
        ax.set(xscale="log", yscale="log", title=derive.threads_label(t),
               xlabel="size of X (MB)", ylabel="achieved GB/s (bytes of X / median time)")
        ax.xaxis.set_minor_formatter(NullFormatter())
        plain = FuncFormatter(lambda v, _: f"{v:g}")  # 30, not 3×10¹
        ax.yaxis.set_major_formatter(plain)
        low, high = ax.get_ylim()  # minor labels (2, 3, …) only where a decade or two would show none
        ax.yaxis.set_minor_formatter(plain if high / low < 30 else NullFormatter())
        ax.grid(True, which="major", alpha=0.3)
    axes[-1].legend(handles=roofline_legend(style, records, gbs, by_threads), **LEGEND)
    return save(fig, out / "roofline.png", derive.machine_caption(results))


def n_markers(records: list[Record]) -> dict[int, str]:
    """A marker per number of features, in increasing n."""
    shapes = "osD^vP*X"
    return {n: shapes[i % len(shapes)] for i, n in enumerate(sorted({r.n for r in records}))}


def roofline_legend(style: Style, records: list[Record], gbs: float, by_threads: dict[int, float]) -> list:
    """Legend entries: one per implementation, one per dtype, one per n, the bandwidth lines."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=style.colors[name], label=name) for name in derive.implementations(records)]
    handles += [Line2D([], [], color="black", linestyle="-" if d == derive.REFERENCE_DTYPE else "--", label=d)
                for d in sorted({r.dtype for r in records}, key=lambda d: d != derive.REFERENCE_DTYPE)]
    handles += [Line2D([], [], color="black", marker=marker, linestyle="none", label=f"n = {n:,}")
                for n, marker in n_markers(records).items()]
    if by_threads:
        handles.append(Line2D([], [], color="black", linestyle=":", label="read bandwidth, this many threads"))
    handles.append(Line2D([], [], color="black", linestyle="-.", label=f"one-read limit: {gbs:.3g} GB/s"))
    return handles


def threads_split(results: Results, out: Path, baseline: str) -> Path | None:
    """Figure 7: at the headline size, speedup from vectorization (1 thread) and from cores (all vs 1)."""
    records = derive.gradients(results)
    size = derive.headline_size(records)
    found = [s for s in derive.splits(records, baseline) if (s.n, s.m) == size]
    if not found:
        return None
    fig, (ax,) = new_figure(1, f"Where the speedup comes from at n = {size[0]:,}, m = {size[1]:,}",
                            width=max(6.4, 1.0 * len(found)))
    x = np.arange(len(found))
    vec = [s.vectorization or np.nan for s in found]
    cores = [s.cores for s in found]
    bar_labels(ax, ax.bar(x - 0.2, vec, 0.4, label=f"vectorization: {baseline} / this, both 1 thread"), vec)
    bar_labels(ax, ax.bar(x + 0.2, cores, 0.4, label="cores: this at 1 thread / this at t threads"), cores)
    ax.set_xticks(x, [f"{s.implementation} {s.dtype}, t={s.threads}" for s in found], rotation=30, ha="right")
    ax.set(yscale="log", ylabel="speedup (×, log scale)")
    times = FuncFormatter(lambda v, _: f"×{v:g}")  # ×0.9, not 9×10⁻¹
    ax.yaxis.set_major_formatter(times)
    ax.yaxis.set_minor_formatter(times)
    ax.axhline(1.0, color="0.5", linewidth=0.8)
    ax.margins(y=0.15)
    ax.legend(**LEGEND)
    return save(fig, out / "threads.png", derive.machine_caption(results))


def scaling_panels(ax_time, ax_eff, found: list[derive.Efficiency]) -> None:
    """Dask time (left) and efficiency (right) against workers: colour per (n, m), line style per chunk cap."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    sizes = sorted({(e.record.n, e.record.m) for e in found})
    caps = sorted({e.record.chunk_bytes for e in found})
    for (n, m), color in zip(sizes, itertools.cycle(cycle)):
        for cap, linestyle in zip(caps, itertools.cycle(("-", "--", ":"))):
            line = sorted((e.record.workers, e) for e in found if (e.record.n, e.record.m, e.record.chunk_bytes)
                          == (n, m, cap))
            style = {"color": color, "linestyle": linestyle, "marker": "o", "markersize": 4,
                     "label": f"n={n:,} m={m:,}, {derive.format_bytes(cap)} chunks"}
            ax_time.plot([k for k, _ in line], [e.record.median for _, e in line], **style)
            ax_eff.plot([k for k, _ in line], [e.ratio for _, e in line], **style)
        base = next(e.base for e in found if (e.record.n, e.record.m) == (n, m))
        ax_time.axhline(base.median, color=color, linestyle=(0, (1, 3)), linewidth=1)
    workers = sorted({e.record.workers for e in found})
    for ax in (ax_time, ax_eff):
        ax.set_xticks(workers, [str(k) for k in workers])
        ax.set_xlim(workers[0] - 0.3, workers[-1] + 0.3)
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)


def scaling(results: Results, out: Path) -> Path | None:
    """Figure 8: Dask's time per gradient and its efficiency against NumPy on one machine, vs workers."""
    found = derive.efficiencies(derive.scaling(results))
    if not found:
        return None
    threads = sorted({r.threads for r in derive.scaling(results) if r.chunk_bytes is None})
    base = f"{found[0].base.implementation} on one machine, best of {', '.join(map(str, threads))} threads"
    fig, (ax_time, ax_eff) = new_figure(2, f"Dask scaling over worker processes, against {base}", width=5.2)
    scaling_panels(ax_time, ax_eff, found)
    ax_time.set(title=f"Dask time per gradient (dotted: {found[0].base.implementation})",
                xlabel="Dask workers (single-threaded processes)", ylabel=TIME_LABEL)
    ax_eff.axhline(1.0, color="black", linewidth=1, label=f"as fast as {found[0].base.implementation}")
    ax_eff.set(title=f"efficiency = {found[0].base.implementation} time / Dask time",
               xlabel="Dask workers (single-threaded processes)", ylabel="efficiency (×, log scale; >1: Dask faster)")
    ax_eff.set_ylim(top=1.5 * max(1.0, max(e.ratio for e in found)))  # the line at 1 clear of the frame
    ax_eff.legend(**LEGEND)
    return save(fig, out / "scaling.png", derive.machine_caption(results))


def draw_all(results: Results, out: Path, baseline: str) -> dict[str, Path]:
    """Every figure the data supports, by name; figures without data are left out."""
    made = {"time_vs_m": time_vs_m(results, out), "time_vs_n": time_vs_n(results, out),
            "speedup_heatmap": speedup_heatmap(results, out, baseline),
            "headline": headline_bars(results, out, baseline), "history": history(results, out),
            "roofline": roofline(results, out), "threads": threads_split(results, out, baseline),
            "scaling": scaling(results, out)}
    return {name: path for name, path in made.items() if path is not None}
