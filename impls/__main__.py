"""Demo: time each implementation once at one size and print its speedup over the double loop."""

import argparse
import timeit

import numpy as np

import impls


def _median_time(name, data, w, repeat) -> dict[str, float]:
    """{name: median seconds of one call}, or {} (with a note) when it cannot run here."""
    impl = impls.get(name)
    if not impl.available:
        print(f"{name:>14}: not available here: {impl.unavailable_reason}")
        return {}
    problem = impl.prepare(data.X, data.Y)
    problem.gradients(w, 0.0)  # warm-up: JIT compilation and caches stay out of the timing
    runs = timeit.repeat(lambda: problem.gradients(w, 0.0), number=1, repeat=repeat)
    return {name: float(np.median(runs))}


def main(argv=None) -> None:
    """Median of a few calls per implementation, same process, same data."""
    parser = argparse.ArgumentParser(prog="python -m impls", description=__doc__)
    parser.add_argument("-n", type=int, default=100, help="features (default 100)")
    parser.add_argument("-m", type=int, default=1000, help="examples (default 1000)")
    parser.add_argument("--repeat", type=int, default=7, help="timed calls per implementation")
    args = parser.parse_args(argv)
    data = impls.make_problem(args.n, args.m, seed=0)
    w = np.full((args.n, 1), 0.01)
    times = {}
    with impls.limit_threads(1):  # one thread: the speedups below come from vectorization alone
        for name in impls.names():
            times.update(_median_time(name, data, w, args.repeat))
    base = times.get("numpy")
    print(f"n={args.n}, m={args.m}, float64, one thread, median of {args.repeat} calls")
    for name, t in times.items():
        print(f"{name:>14}: {t * 1e3:10.3f} ms   {t / base:8.2f}× numpy's time")


if __name__ == "__main__":
    main()
