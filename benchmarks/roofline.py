"""Memory roofline: the machine's sustained read bandwidth and the time one read of X takes at it."""

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numba
import numpy as np

import impls
from benchmarks import grid


def last_level_cache_bytes() -> int:
    """The largest CPU cache Linux lists for cpu0 (32 MiB where it lists none)."""
    sizes = []
    for entry in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        text = entry.read_text().strip().upper()
        if text[:-1].isdigit() and text[-1] in "KM":
            sizes.append(int(text[:-1]) * (2**10 if text[-1] == "K" else 2**20))
    return max(sizes, default=32 * 2**20)


# The probe array is 8× the last-level cache, so the sum streams from DRAM, not from cache.
DEFAULT_BYTES = max(8 * last_level_cache_bytes(), 256 * 2**20)


@numba.njit(cache=True, nogil=True, parallel=True, fastmath={"reassoc"})
def _parallel_sum(a):
    # reassoc lets the sum vectorize; prange splits it across every Numba thread.
    total = 0.0
    for i in numba.prange(a.size):
        total += a[i]
    return total


def _probe_array(nbytes=None) -> np.ndarray:
    """nbytes of float64 ones (DEFAULT_BYTES by default), written once so every page is mapped before timing."""
    nbytes = DEFAULT_BYTES if nbytes is None else int(nbytes)
    a = np.ones(max(1, nbytes // 8))
    _parallel_sum(a)  # warm-up: compilation (or cache load) and first touch
    return a


def _median_seconds(call, repeat: int) -> float:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def _stream_gbs(a: np.ndarray, repeat: int) -> float:
    """GB/s (1e9 bytes/s) of the median of ``repeat`` parallel sums over the probe array."""
    return a.nbytes / _median_seconds(lambda: _parallel_sum(a), repeat) / 1e9


def read_bandwidth_gbs(nbytes=None, repeat=7) -> dict:
    """Median GB/s (1e9 bytes/s) of a parallel streaming sum over nbytes of float64, after a warm-up."""
    a = _probe_array(nbytes)
    return {"gbs": _stream_gbs(a, repeat), "bytes": a.nbytes, "threads": numba.get_num_threads(), "repeats": repeat}


def one_read_limit_seconds(bytes_x, gbs) -> float:
    """The fastest one gradient can be: reading bytes_x once at gbs GB/s."""
    return bytes_x / (gbs * 1e9)


def bandwidth_by_threads(thread_counts, nbytes=None) -> dict[str, float]:
    """Read GB/s with each thread count (keys are strings, as JSON keeps them), each after the cores settle."""
    found = {}
    for threads in thread_counts:
        grid.settle()
        with impls.limit_threads(threads):
            found[str(threads)] = read_bandwidth_gbs(nbytes)["gbs"]
    return found


def interleaved(calls: dict[str, Callable[[], object]], rounds=5, repeat=5, probe_bytes=None) -> dict:
    """Median seconds of each call and the probe's GB/s, measured in turn, ``rounds`` times.

    Each round runs the bandwidth probe, then every call ``repeat`` times, the calls' order
    rotated from round to round. A ratio formed within one round compares measurements seconds
    apart: on a shared machine whose memory bandwidth drifts (this 2-core VM read 35 GB/s and, an
    hour later, 55), a probe taken minutes before a timing can be off by more than the effect measured.
    """
    a = _probe_array(probe_bytes)
    names = list(calls)
    found = {"gbs": [], "seconds": {name: [] for name in names}, "probe_bytes": a.nbytes}
    for r in range(rounds):
        grid.settle()  # every measurement starts with the cores to itself, see grid.SETTLE_S
        found["gbs"].append(_stream_gbs(a, repeat))
        for name in names[r % len(names):] + names[:r % len(names)]:
            grid.settle()
            found["seconds"][name].append(_median_seconds(calls[name], repeat))
    return found


def fused_targets(n: int, m: int, rounds=5, repeat=5, probe_bytes=None) -> dict:
    """numba_parallel against numpy and against the one-read limit, float64 on all cores, per round.

    ``speedup`` is numpy's time over numba_parallel's, ``times_limit`` numba_parallel's time over
    reading X once at that round's probe bandwidth. Both are checked against numpy first
    (grid.checked_problem), so a wrong kernel never yields a ratio.
    """
    threads = grid.CORES
    cases = [grid.Case(name, n, m, "float64", threads) for name in ("numba_parallel", "numpy")]
    with impls.limit_threads(threads):
        calls = {}
        for case in cases:
            problem, w, b = grid.checked_problem(case)
            calls[case.implementation] = partial(problem.gradients, w, b)
        found = interleaved(calls, rounds, repeat, probe_bytes)
    fused, numpy_s = found["seconds"]["numba_parallel"], found["seconds"]["numpy"]
    bytes_x = cases[0].bytes_x
    return {**found, "n": n, "m": m, "threads": threads, "bytes_x": bytes_x,
            "speedup": [b / a for a, b in zip(fused, numpy_s, strict=True)],
            "times_limit": [t / one_read_limit_seconds(bytes_x, g) for t, g in zip(fused, found["gbs"], strict=True)]}


def _spread(values) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}–{max(values):.2f}]"


def main(argv=None) -> int:
    """Print the fused kernel's ratios at the roofline sizes: ``python -m benchmarks.roofline``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.roofline", description=main.__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="probe + timings rounds per size (default 7)")
    parser.add_argument("--repeat", type=int, default=5, help="calls per timing, median kept (default 5)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.repeat < 1:
        parser.error("--rounds and --repeat must be at least 1")
    print(f"float64, {grid.CORES} threads; median [min–max] over {args.rounds} rounds, "
          f"each the median of {args.repeat} calls")
    print("| n | m | probe GB/s | numba_parallel | numpy | numpy ÷ numba_parallel | × one-read limit |")
    print("|---|---|---|---|---|---|---|")
    for n, m in grid.ROOFLINE_SIZES:
        print(f"  measuring n={n}, m={m} …", file=sys.stderr, flush=True)
        r = fused_targets(n, m, args.rounds, args.repeat)
        ms = {k: statistics.median(v) * 1e3 for k, v in r["seconds"].items()}
        print(f"| {n:,} | {m:,} | {_spread(r['gbs'])} | {ms['numba_parallel']:.1f} ms | {ms['numpy']:.1f} ms "
              f"| {_spread(r['speedup'])} | {_spread(r['times_limit'])} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
