"""Numbers both the figures and the Markdown need: variants, baseline speedups, the headline size.

A speedup exists only where the implementation and the baseline were both measured at the
same (n, m); nothing is interpolated or extrapolated.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.load import Record, Results

REFERENCE_DTYPE = "float64"


@dataclass(frozen=True)
class Speedup:
    """An implementation's record, the baseline record it is compared with, and their time ratio."""

    record: Record
    base: Record

    @property
    def ratio(self) -> float:
        return self.base.median / self.record.median


def gradients(results: Results) -> list[Record]:
    """Records of the gradient benchmark, in the order the run measured them."""
    return [r for r in results.records if r.benchmark == "gradients"]


def implementations(records: list[Record]) -> list[str]:
    """Implementation names in first-seen order (the suite runs them in registry order)."""
    return list(dict.fromkeys(r.implementation for r in records))


def variant_key(r: Record) -> tuple[str, str, int]:
    return (r.implementation, r.dtype, r.threads)


def variants(records: list[Record]) -> list[tuple[str, str, int]]:
    """(implementation, dtype, threads) combinations in first-seen order."""
    return list(dict.fromkeys(variant_key(r) for r in records))


def label(key: tuple[str, str, int], records: list[Record]) -> str:
    """A variant's legend label; dtype and threads are named only when the data varies them."""
    name, dtype, threads = key
    if len({r.dtype for r in records}) > 1:
        name += f" {dtype}"
    if len({r.threads for r in records}) > 1:
        name += f" t={threads}"
    return name


def sizes(records: list[Record]) -> list[tuple[int, int]]:
    """Distinct (n, m), smallest first."""
    return sorted({(r.n, r.m) for r in records})


def reference(records: list[Record], implementation: str) -> dict[tuple[int, int], Record]:
    """An implementation's float64 (else first dtype), fewest-threads record at each (n, m)."""
    mine = [r for r in records if r.implementation == implementation]
    if not mine:
        return {}
    dtype = REFERENCE_DTYPE if any(r.dtype == REFERENCE_DTYPE for r in mine) else mine[0].dtype
    threads = min(r.threads for r in mine)
    return {(r.n, r.m): r for r in mine if r.dtype == dtype and r.threads == threads}


def speedups(records: list[Record], baseline: str) -> list[Speedup]:
    """Every record's speedup over the baseline's reference record at the same (n, m), where both exist."""
    base = reference(records, baseline)
    return [Speedup(r, base[(r.n, r.m)]) for r in records if (r.n, r.m) in base]


def headline_size(records: list[Record]) -> tuple[int, int] | None:
    """The largest (n, m) (by n·m) where every implementation has its reference record.

    If no size has them all, the size covered by the most implementations, largest first.
    """
    refs = [reference(records, name) for name in implementations(records)]
    if not refs:
        return None
    return max(sizes(records), key=lambda s: (sum(s in ref for ref in refs), s[0] * s[1], s))


def logreg_info(results: Results) -> dict:
    """The suite's own machine record (pytest-benchmark's machine_info.logreg), or {} when absent."""
    info = results.machine.get("logreg") if isinstance(results.machine, dict) else None
    return info if isinstance(info, dict) else {}


def threads_label(threads: int) -> str:
    """"1 thread", "2 threads"."""
    return f"{threads} thread{'s' if threads > 1 else ''}"


def bandwidth(results: Results) -> float | None:
    """The measured streaming-read bandwidth in GB/s, when the run recorded one."""
    value = logreg_info(results).get("read_bandwidth_gbs")
    return float(value) if isinstance(value, int | float) and value > 0 else None


def _gbs_by_threads(found) -> dict[int, float]:
    """{thread count: GB/s} from a JSON object keyed by strings, keeping only positive numbers."""
    if not isinstance(found, dict):
        return {}
    return {int(k): float(v) for k, v in found.items()
            if str(k).isdigit() and isinstance(v, int | float) and v > 0}


def bandwidth_by_threads(results: Results) -> dict[int, float]:
    """Read bandwidth measured with each thread count (empty when the run recorded none)."""
    return _gbs_by_threads(logreg_info(results).get("read_bandwidth_gbs_by_threads"))


def bandwidth_drift(results: Results) -> float | None:
    """Largest relative change of a thread count's read bandwidth from the run's start to its end.

    None when the run did not measure both ends (older results, asv).
    """
    samples = logreg_info(results).get("read_bandwidth_samples")
    if not isinstance(samples, dict):
        return None
    start, end = (_gbs_by_threads(samples.get(k)) for k in ("start", "end"))
    changes = [abs(end[k] - v) / min(v, end[k]) for k, v in start.items() if k in end]
    return max(changes, default=None)


def achieved_gbs(r: Record) -> float:
    """Bytes of X read per second of one gradient, in GB/s (X is read at least once per call)."""
    return r.bytes_x / r.median / 1e9


def times_limit(r: Record, gbs: float) -> float:
    """How many times longer the call takes than reading X once at the measured bandwidth."""
    return r.median / (r.bytes_x / (gbs * 1e9))


@dataclass(frozen=True)
class Split:
    """Speedup of one implementation split into vectorization (one thread) and cores (all vs one)."""

    implementation: str
    dtype: str
    n: int
    m: int
    threads: int
    vectorization: float | None  # baseline at 1 thread / this at 1 thread
    cores: float  # this at 1 thread / this at `threads`


def splits(records: list[Record], baseline: str) -> list[Split]:
    """Vectorization and core speedups wherever an implementation ran at one and at most threads."""
    base = reference(records, baseline)
    one = {(r.implementation, r.dtype, r.n, r.m): r for r in records if r.threads == 1}
    most: dict[tuple, Record] = {}
    for r in records:
        key = (r.implementation, r.dtype, r.n, r.m)
        if r.threads > 1 and key in one and r.threads > most.get(key, one[key]).threads:
            most[key] = r
    out = []
    for key, r in most.items():
        b = base.get((r.n, r.m))
        vec = b.median / one[key].median if b is not None and b.threads == 1 else None
        out.append(Split(*key[:2], r.n, r.m, r.threads, vec, one[key].median / r.median))
    return out


SCALING = "scaling"


@dataclass(frozen=True)
class Efficiency:
    """A chunked (Dask) scaling record against the one-machine reference at the same (n, m)."""

    record: Record
    base: Record  # unchunked, fastest of its thread counts

    @property
    def ratio(self) -> float:
        return self.base.median / self.record.median


def scaling(results: Results) -> list[Record]:
    """Records of the scaling benchmark (Dask and its NumPy reference), in run order."""
    return [r for r in results.records if r.benchmark == SCALING]


def one_machine(records: list[Record]) -> dict[tuple[int, int], Record]:
    """At each (n, m), the fastest unchunked record (NumPy on one machine, best of its thread counts)."""
    best: dict[tuple[int, int], Record] = {}
    for r in records:
        if r.chunk_bytes is None and ((r.n, r.m) not in best or r.median < best[(r.n, r.m)].median):
            best[(r.n, r.m)] = r
    return best


def efficiencies(records: list[Record]) -> list[Efficiency]:
    """Every chunked record against the one-machine best at its (n, m), where that was measured."""
    base = one_machine(records)
    found = [Efficiency(r, base[(r.n, r.m)]) for r in records if r.chunk_bytes is not None and (r.n, r.m) in base]
    return sorted(found, key=lambda e: (e.record.n, e.record.m, e.record.chunk_bytes, e.record.workers))


def format_bytes(nbytes: int | None) -> str:
    """A chunk cap as '16 MiB' ('–' for none)."""
    return "–" if nbytes is None else f"{nbytes / 2**20:.3g} MiB"


def crossover_sentence(records: list[Record]) -> str:
    """The smallest m at which Dask on its most workers matches the one-machine reference, or that it never does."""
    found = efficiencies(records)
    if not found:
        return "No Dask scaling result has a one-machine reference at the same size."
    workers = max(e.record.workers for e in found)
    mine = [e for e in found if e.record.workers == workers]
    base = mine[0].base.implementation
    threads = ", ".join(str(t) for t in sorted({r.threads for r in records if r.chunk_bytes is None}))
    wins = sorted((e.record.m, e.record.n, -e.ratio, e.record.chunk_bytes) for e in mine if e.ratio >= 1)
    if wins:
        m, n, ratio, cap = wins[0]
        return (f"With {workers} workers, Dask first matches {base} on one machine (best of {threads} threads) "
                f"at **m = {m:,}** (n = {n:,}, {format_bytes(cap)} chunks: efficiency {-ratio:.2f}); "
                f"at every smaller m measured it is slower.")
    best = max(mine, key=lambda e: e.ratio)
    return (f"With {workers} workers, Dask **never matches** {base} on one machine (best of {threads} threads) "
            f"in the measured range (m up to {max(e.record.m for e in mine):,}); its best efficiency is "
            f"{best.ratio:.2f} at n = {best.record.n:,}, m = {best.record.m:,}, "
            f"{format_bytes(best.record.chunk_bytes)} chunks.")


def format_time(seconds: float | None) -> str:
    """A duration with a readable unit: 812 ns, 3.41 µs, 12.0 ms, 1.52 s."""
    if seconds is None:
        return "–"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_ratio(x: float | None) -> str:
    """A speedup or ratio as '×1.5', '×230', '×12,000'."""
    if x is None:
        return "–"
    return f"×{x:.2g}" if x < 10 else f"×{x:,.0f}"


def machine_caption(results: Results) -> str:
    """One line about the machine: CPU, cores, BLAS and its threads, Python/NumPy/Numba, profile."""
    info = logreg_info(results)
    if not info:
        asv = results.machine.get("asv") or {}
        return f"{asv.get('cpu', '?')}, {asv.get('num_cpu', '?')} cores (asv machine {asv.get('machine', '?')})"
    # Thread counts here are the run's defaults; each result pins its own (its "threads" column).
    blas = ", ".join(sorted({f"{b.get('internal_api')} {b.get('version')}" for b in info.get("blas") or []
                             if b.get("internal_api") in ("openblas", "mkl", "blis", "accelerate")}))
    versions = " ".join(f"{k} {v}" for k, v in (info.get("versions") or {}).items()
                        if k in ("python", "numpy", "numba"))
    gpu = f"; GPU {info['gpu']}" if info.get("gpu") else ""
    return (f"{info.get('cpu_model', '?')}, {info.get('cores', '?')} cores{gpu}; "
            f"BLAS {blas or '?'} (threads pinned per result); "
            f"{versions}; profile {info.get('profile', '?')}")


def headline(records: list[Record], baseline: str) -> tuple[tuple[int, int] | None, list[Speedup]]:
    """The headline size and every variant's speedup there, fastest first."""
    size = headline_size(records)
    found = [s for s in speedups(records, baseline) if (s.record.n, s.record.m) == size]
    return size, sorted(found, key=lambda s: -s.ratio)


def headline_sentence(records: list[Record], baseline: str) -> str:
    """The result in one plain paragraph, or why there is none."""
    size, found = headline(records, baseline)
    others = [s for s in found if s.record is not s.base]
    if not others:
        return (f"No speedup can be stated: no size has both {baseline} and another implementation measured "
                f"(choose another baseline with --baseline).")
    best, n, m = others[0], *size
    ran = {s.record.implementation for s in found}
    where = ("the largest size every implementation ran" if len(ran) == len(implementations(records))
             else f"the largest size where most implementations ran: {', '.join(sorted(ran))}")
    rest = "; ".join(f"{label(variant_key(s.record), records)} {format_ratio(s.ratio)}" for s in others[1:])
    return (f"At n = {n:,} features and m = {m:,} examples ({where}), "
            f"**{label(variant_key(best.record), records)} computes one gradient in "
            f"{format_time(best.record.median)}, {format_ratio(best.ratio)} faster than {baseline}** "
            f"({format_time(best.base.median)}). " + (f"The others against {baseline}: {rest}." if rest else ""))
