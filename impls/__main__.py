"""Demo: time each implementation at one size and print its speedup over the baseline (the double loop).

``--overhead`` instead measures what the public call adds to the bare kernel on a prepared problem, and
prints the median difference over the rounds with the lowest and highest round's.
"""

import argparse
import math
import statistics
import time
import timeit

import numpy as np

import impls
from impls._memory import available_bytes

# The implementations whose kernel is fast enough at n=10, m=100 for the interface's checks to matter.
OVERHEAD_IMPLS = ("numpy", "numba", "numba_parallel")
# Per round and side, the fastest of this many alternating measurements: noise on a shared machine only
# slows a measurement, so the fastest is the steadiest estimate of each side.
SAMPLES = 3


def _median_time(name, data, w, repeat) -> dict[str, float]:
    """{name: median seconds of one call}, or {} (with a note) when it cannot run here."""
    impl = impls.get(name)
    if not impl.available:
        print(f"{name:>14}: not available here: {impl.unavailable_reason}")
        return {}
    try:
        problem = impl.prepare(data.X, data.Y)
    except MemoryError as exc:  # its own copy of X does not fit: the others still run
        print(f"{name:>14}: skipped: {exc}")
        return {}
    problem.gradients(w, 0.0)  # warm-up: JIT compilation and caches stay out of the timing
    runs = timeit.repeat(lambda: problem.gradients(w, 0.0), number=1, repeat=repeat)
    return {name: float(np.median(runs))}


def _per_call(f, calls: int) -> float:
    """Seconds per call of f, over ``calls`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(calls):
        f()
    return (time.perf_counter() - start) / calls


def overhead(name: str, n: int, m: int, rounds: int, calls: int):
    """(public − bare seconds per call in each round, median bare seconds, python_speed of each round).

    Each round times ``calls`` public calls and ``calls`` bare kernel calls, SAMPLES times in alternating
    order, and forms the difference of each side's fastest within the round, so a machine that slows
    down between rounds moves both sides together. Each round also reads the processor's speed state.
    """
    data = impls.make_problem(n, m, seed=0)
    problem = impls.get(name).prepare(data.X, data.Y)
    w = np.full((n, 1), 0.01)
    w_canonical = w.reshape(n)
    public = lambda: problem.gradients(w, 0.0)  # noqa: E731
    bare = lambda: problem.kernel(w_canonical, 0.0, *problem.data)  # noqa: E731
    public(), bare()  # compile and warm both
    diffs, kernel, speed = [], [], []
    for r in range(rounds):
        speed.append(python_speed(runs=200))
        order = (public, bare) if r % 2 == 0 else (bare, public)
        t = {public: math.inf, bare: math.inf}
        for _ in range(SAMPLES):  # each side's fastest of SAMPLES, as in the benchmarks' rounds
            for f in order:
                t[f] = min(t[f], _per_call(f, calls))
        diffs.append(t[public] - t[bare])
        kernel.append(t[bare])
    return diffs, float(np.median(kernel)), speed


def python_speed(runs: int = 2000) -> float:
    """Seconds of ``sum(range(1000))``, the fastest of 5 × ``runs``: which speed state the processor is in.

    A shared or power-managed processor can run Python code at speeds that change within minutes; an
    overhead in µs moves with them, so the printout says which state it was measured in.
    """
    return min(timeit.repeat("sum(range(1000))", number=runs, repeat=5)) / runs


def _print_overhead(args) -> None:
    print(f"public call − bare kernel on a prepared problem, n={args.n}, m={args.m}, float64, one thread, "
          f"{args.rounds} interleaved rounds, each side the fastest of {SAMPLES} runs of {args.calls} calls: "
          "median [lowest, highest round]")
    with impls.limit_threads(1):
        for name in args.impls:
            if not impls.get(name).available:
                print(f"{name:>14}: not available here: {impls.get(name).unavailable_reason}")
                continue
            diffs, kernel, speed = overhead(name, args.n, args.m, args.rounds, args.calls)
            mid, lo, hi = (f(diffs) * 1e6 for f in (statistics.median, min, max))
            print(f"{name:>14}: {mid:6.2f} µs [{lo:.2f}, {hi:.2f}]"
                  f"   (kernel alone {kernel * 1e6:.1f} µs; processor state: sum(range(1000)) took "
                  f"{np.median(speed) * 1e6:.1f} µs, {min(speed) * 1e6:.1f}–{max(speed) * 1e6:.1f} over the rounds)")


def _positive(text: str) -> int:
    """argparse type: a whole number >= 1 (a usage error naming the option otherwise)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    """Options default to None so that _args can tell which were given and fill in each mode's defaults."""
    parser = argparse.ArgumentParser(prog="python -m impls", description=__doc__)
    parser.add_argument("-n", type=_positive, help="features (default 100; 10 with --overhead)")
    parser.add_argument("-m", type=_positive, help="examples (default 1000; 100 with --overhead)")
    parser.add_argument("--repeat", type=_positive, help="timed calls per implementation (default 7)")
    parser.add_argument("--overhead", action="store_true",
                        help="measure public call − bare kernel instead: median [lowest, highest] over the rounds")
    parser.add_argument("--impls", nargs="+", choices=impls.names(), metavar="NAME",
                        help=f"implementations to run (default all, and {impls.BASELINE} for the speedups; "
                             f"{' '.join(OVERHEAD_IMPLS)} with --overhead)")
    parser.add_argument("--rounds", type=_positive, help="interleaved rounds for --overhead (default 21)")
    parser.add_argument("--calls", type=_positive, help="calls per measurement for --overhead (default 2000)")
    return parser


def _args(argv) -> argparse.Namespace:
    """Parsed options with each mode's defaults; a usage error (exit 2) for an option the mode does not use,
    or a size whose X does not fit in memory."""
    parser = _parser()
    args = parser.parse_args(argv)
    foreign = ("repeat",) if args.overhead else ("rounds", "calls")
    if given := [f"--{name}" for name in foreign if getattr(args, name) is not None]:
        parser.error(f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} not used "
                     f"{'with' if args.overhead else 'without'} --overhead")
    if args.overhead:
        args.n, args.m, args.rounds, args.calls = args.n or 10, args.m or 100, args.rounds or 21, args.calls or 2000
        selected = args.impls or OVERHEAD_IMPLS
    else:
        args.n, args.m, args.repeat = args.n or 100, args.m or 1000, args.repeat or 7
        selected = [impls.BASELINE, *(args.impls or impls.names())]  # speedups are stated over the baseline
    args.impls = [name for name in impls.names() if name in selected]  # display order, each once
    _check_memory(parser, args.n, args.m)
    return args


def _check_memory(parser: argparse.ArgumentParser, n: int, m: int) -> None:
    """A usage error, before allocating, when X and one copy of it (a prepared snapshot) would not fit."""
    need, free = 2 * n * m * np.dtype(np.float64).itemsize, available_bytes()
    if need > free:
        parser.error(f"n={n}, m={m}: X and its prepared copy need {need / 2**30:.3g} GiB, "
                     f"more than the {free / 2**30:.3g} GiB of memory free here; choose a smaller -n or -m")


def _print_speedups(args) -> None:
    """Median time of each chosen implementation at one size, and its speedup over the baseline."""
    data = impls.make_problem(args.n, args.m, seed=0)
    w = np.full((args.n, 1), 0.01)
    times = {}
    with impls.limit_threads(1):  # one thread: the speedups below come from vectorization alone
        for name in args.impls:
            times.update(_median_time(name, data, w, args.repeat))
    base = times[impls.BASELINE]
    print(f"n={args.n}, m={args.m}, float64, one thread, median of {args.repeat} calls; "
          f"speedup = {impls.BASELINE}'s time ÷ this time")
    for name, t in times.items():
        print(f"{name:>14}: {t * 1e3:10.3f} ms   speedup {base / t:8.2f}×")


def main(argv=None) -> None:
    """Median of a few calls per implementation, same process, same data; or the public-call overhead."""
    args = _args(argv)
    return _print_overhead(args) if args.overhead else _print_speedups(args)

if __name__ == "__main__":
    main()
