"""Dask scaling: one gradient over worker counts and chunk sizes, beside NumPy on this machine.

    python -m benchmarks.dask_scaling                 # the default grid, a table on stdout
    python -m benchmarks.dask_scaling --json FILE     # also write the records as JSON
    python -m benchmarks.dask_scaling --generated 100000000   # n=10, m=10^8 made on the workers

Each record: workers, chunk_bytes (the cap), chunks (how many X was split into), n, m, seconds
(median of ``repeat`` calls of Problem.gradients, validation included, data already on the
workers), numpy_seconds (NumPy, all cores for BLAS, same data) and efficiency = numpy_seconds /
seconds (above 1: Dask is faster). Workers are single-threaded processes of the embedded
LocalCluster; the client, the scheduler and the workers share this machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
import timeit

import numpy as np

import impls

WORKERS = (1, 2)
CHUNK_BYTES = (8 * 2**20, 64 * 2**20, 256 * 2**20)
# X up to 3·10^8 elements (2.4 GB): the client's copy and the workers' copy fit in 24 GiB together.
SIZES = tuple((n, m) for n in (10, 100) for m in (10**5, 10**6, 3 * 10**6, 10**7, 3 * 10**7)
              if n * m <= 3 * 10**8)


def median_seconds(problem: impls.Problem, w: np.ndarray, repeat: int) -> float:
    """Median wall time of one gradient call, after one untimed warm-up call."""
    problem.gradients(w, 0.0)
    return statistics.median(timeit.repeat(lambda: problem.gradients(w, 0.0), number=1, repeat=repeat))


def measure(workers=WORKERS, chunk_bytes=CHUNK_BYTES, sizes=SIZES, repeat: int = 5) -> list[dict]:
    """Time Dask for every (workers, chunk cap, n, m) and NumPy once per (n, m); one record each."""
    from impls import dask as idk

    cores = os.cpu_count() or 1
    records = []
    for n, m in sizes:
        data, w = impls.make_problem(n, m, seed=0), np.full(n, 0.01)
        with impls.limit_threads(cores):
            numpy_seconds = median_seconds(impls.get("numpy").prepare(data.X, data.Y), w, repeat)
        for k in workers:
            idk.start_local(n_workers=k)
            for cap in chunk_bytes:
                previous = idk.set_chunk_bytes(cap)
                problem = impls.get("dask").prepare(data.X, data.Y)
                idk.set_chunk_bytes(previous)
                seconds = median_seconds(problem, w, repeat)
                records.append({"workers": k, "chunk_bytes": cap, "chunks": problem.data[0].numblocks[1],
                                "n": n, "m": m, "seconds": seconds, "numpy_seconds": numpy_seconds,
                                "efficiency": numpy_seconds / seconds})
                del problem  # frees the chunks on the workers before the next layout
        del data
    idk.close()
    return records


def generated(n: int = 10, m: int = 10**8, seed: int = 0) -> dict:
    """One gradient of impls.dask.make_problem(n, m): generated and reduced on the workers, lazily."""
    from impls import dask as idk

    problem = idk.make_problem(n, m, seed=seed)
    start = time.perf_counter()
    g = problem.gradients(np.full(n, 0.01), 0.0)
    seconds = time.perf_counter() - start
    idk.close()
    # ru_maxrss is in KiB on Linux: the client never holds X (n·m·8 bytes).
    return {"n": n, "m": m, "chunks": problem.X.numblocks[1], "seconds": seconds, "cost": g.cost,
            "client_peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            "x_bytes": n * m * 8}


def crossover(records: list[dict], workers: int = 2) -> dict[int, int | None]:
    """For each n, the smallest m where Dask on ``workers`` workers (any chunk cap) is as fast as NumPy."""
    found = {}
    for n in sorted({r["n"] for r in records}):
        ms = [r["m"] for r in records if r["n"] == n and r["workers"] == workers and r["efficiency"] >= 1]
        found[n] = min(ms, default=None)
    return found


def table(records: list[dict]) -> str:
    """The records as an aligned text table."""
    lines = [f"{'workers':>7} {'chunk MiB':>9} {'chunks':>6} {'n':>4} {'m':>9} {'dask s':>9} {'numpy s':>9} "
             f"{'numpy/dask':>10}"]
    lines += [f"{r['workers']:>7} {r['chunk_bytes'] / 2**20:>9.0f} {r['chunks']:>6} {r['n']:>4} {r['m']:>9} "
              f"{r['seconds']:>9.4f} {r['numpy_seconds']:>9.4f} {r['efficiency']:>10.2f}" for r in records]
    return "\n".join(lines)


def main(argv=None) -> None:
    """Run the default grid, print the table and the crossover, optionally save JSON."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dask_scaling",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the records to this file")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per case (median)")
    parser.add_argument("--generated", type=int, metavar="M",
                        help="instead: one gradient of n=10, M examples generated on the workers")
    args = parser.parse_args(argv)
    if args.generated:
        print(generated(m=args.generated))
        return
    records = measure(repeat=args.repeat)
    print(table(records))
    print("smallest m where 2 workers match NumPy, by n:", crossover(records))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"cores": os.cpu_count(), "records": records}, f, indent=1)


if __name__ == "__main__":
    main()
