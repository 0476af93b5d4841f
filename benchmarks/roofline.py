"""The one-read limit: no gradient beats reading X once; numba_parallel against it and against the reference.

``python -m benchmarks.roofline`` prints, at the sizes where X dwarfs every cache (grid.ROOFLINE_SIZES),
numba_parallel's speedup over the reference and its time over one read of X at the DRAM bandwidth,
both ratios formed within interleaved rounds (benchmarks/rounds.py) beside the DRAM probe
(benchmarks/bandwidth.py).
"""

import statistics
import sys

import impls
from benchmarks import grid
from benchmarks.bandwidth import dram_probe
from benchmarks.rounds import interleaved, prepared_calls
from reports.contract import schema
from reports.contract.stats import median_interval, ratios


def one_read_limit_seconds(bytes_x, gbs) -> float:
    """The fastest one gradient can be: reading bytes_x once at gbs GB/s."""
    return bytes_x / (gbs * 1e9)


def fused_targets(n: int, m: int, rounds=7, layout=schema.LECTURE, threads=grid.CORES) -> dict:
    """numba_parallel against the reference and against the one-read limit at DRAM bandwidth, per round.

    ``speedup`` is the reference's time over numba_parallel's, ``times_limit`` numba_parallel's time
    over reading X once at that round's DRAM probe. Both are checked against the reference first
    (checks.checked_problem), so a wrong kernel never yields a ratio.
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
