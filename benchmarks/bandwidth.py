"""Read bandwidth per memory level: the ceilings every timing is judged against.

A timing is judged against one read of X at the bandwidth of the level X fits in (L2, L3 or DRAM,
environment.memory_level). The probes are as fast as this code can read: each thread sums its own
share, vectorized with independent accumulators, over and over, so a cached share stays in its
core's cache and one timing lasts milliseconds; otherwise a kernel could beat its "ceiling".
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from functools import cache, partial
from typing import TYPE_CHECKING

import numba
import numpy as np

import impls
from benchmarks import checks, environment
from reports.contract import schema

if TYPE_CHECKING:
    from benchmarks.recorder import RunRecorder

# One probe timing reads this much (1–10 ms at 25–250 GB/s), by passes over its array. Fixed, not
# calibrated: on a loaded machine, waking a parallel region's second thread can take tens of ms, and a
# calibration taken then would leave one pass of a cached array per timing, timing the wake-up.
PROBE_TIMING_BYTES = 256 * 2**20
PROBE_REPEAT = 7  # timings per ceiling probe; the fastest is the ceiling (a slow moment would flatter kernels)


@numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
def _sum_passes(a, passes):
    # Two halves summed in one loop: LLVM vectorizes each with four accumulators, eight in flight.
    half = a.size // 2
    s0 = s1 = 0.0
    for _ in range(passes):
        for i in range(half):
            s0 += a[i]
            s1 += a[half + i]
    return s0 + s1


@numba.njit(cache=True, nogil=True, parallel=True)
def _parallel_passes(a, parts, passes):
    # prange over `parts` = Numba's threads gives each thread one contiguous share, read `passes` times.
    share = a.size // parts
    partial_sums = np.zeros(parts)
    for p in numba.prange(parts):
        partial_sums[p] = _sum_passes(a[p * share:(p + 1) * share], passes)
    return partial_sums.sum()


def probe_bytes(level: str, threads: int) -> int:
    """The probe's working set for a level, all threads together.

    L2: half of each core's L2 per thread; L3: half the shared L3; DRAM: 8× the L3 (at least 256 MiB),
    so the sum streams from memory.
    """
    sizes = environment.caches()
    return {schema.L2: sizes[schema.L2] // 2 * threads, schema.L3: sizes[schema.L3] // 2,
            schema.DRAM: max(8 * sizes[schema.L3], 256 * 2**20)}[level]


@cache
def _probe_array(nbytes: int) -> np.ndarray:
    """nbytes of float64 ones, written once so every page is mapped before timing; kept for the process."""
    a = np.ones(max(16, int(nbytes) // 8))
    _parallel_passes(a, 1, 1)  # compilation (or cache load) and first touch
    return a


def _read_seconds(a: np.ndarray, parts: int, passes: int) -> float:
    start = time.perf_counter()
    _parallel_passes(a, parts, passes)
    return time.perf_counter() - start


def _passes(a: np.ndarray) -> int:
    """Passes over ``a`` in one probe timing: PROBE_TIMING_BYTES read, however small ``a`` is."""
    return max(1, math.ceil(PROBE_TIMING_BYTES / a.nbytes))


def read_gbs(nbytes: int, repeat: int = PROBE_REPEAT, best: bool = True, recorder: RunRecorder | None = None) -> float:
    """Read GB/s (1e9 bytes/s) over nbytes with Numba's current threads: fastest (or median) of ``repeat``.

    A DRAM-sized reading also goes to ``recorder`` (its drift over the run is the noise record's).
    """
    a, parts = _probe_array(nbytes), numba.get_num_threads()
    passes = _passes(a)
    _read_seconds(a, parts, 1)  # brings a cached array into the caches and wakes the threads
    seconds = [_read_seconds(a, parts, passes) for _ in range(repeat)]
    gbs = a.nbytes * passes / (min(seconds) if best else statistics.median(seconds)) / 1e9
    if recorder is not None and nbytes >= probe_bytes(schema.DRAM, 1):
        recorder.dram_reading(parts, gbs)
    return gbs


def read_bandwidth_gbs(nbytes=None, repeat=7) -> dict:
    """Median DRAM read GB/s over nbytes of float64 (8× the L3 by default), with Numba's current threads."""
    nbytes = probe_bytes(schema.DRAM, 1) if nbytes is None else int(nbytes)
    gbs = read_gbs(nbytes, repeat, best=False)
    return {"gbs": gbs, "bytes": _probe_array(nbytes).nbytes, "threads": numba.get_num_threads(), "repeats": repeat}


def level_bandwidths(thread_counts, recorder: RunRecorder | None = None) -> dict[str, dict[str, float]]:
    """{level: {threads: GB/s}} for each memory level and thread count, each count after the cores settle."""
    found = {level: {} for level in schema.LEVELS}
    for threads in thread_counts:
        checks.settle()
        with impls.limit_threads(threads):
            for level in schema.LEVELS:
                found[level][str(threads)] = read_gbs(probe_bytes(level, threads), recorder=recorder)
    return found


def bandwidth_record(samples: list[dict]) -> dict:
    """schema.BANDWIDTH from start/end samples: per level and threads the larger reading is the ceiling."""
    levels = {level: {} for level in schema.LEVELS}
    for sample in samples:
        for level, by_threads in sample[schema.BW_LEVELS].items():
            for threads, gbs in by_threads.items():
                levels[level][threads] = max(gbs, levels[level].get(threads, 0.0))
    thread_counts = sorted({int(t) for by_threads in levels.values() for t in by_threads})
    return {schema.BW_LEVELS: levels, schema.BW_LEVEL_BYTES: environment.level_bytes(),
            schema.BW_PROBE_BYTES: {level: {str(t): probe_bytes(level, t) for t in thread_counts}
                                    for level in schema.LEVELS},
            schema.BW_SAMPLES: samples}


def dram_probe(threads: int, recorder: RunRecorder | None = None) -> Callable[[], float]:
    """One DRAM reading (GB/s, one timing of PROBE_TIMING_BYTES) with ``threads`` threads, as a call."""
    return partial(read_gbs, probe_bytes(schema.DRAM, threads), 1, recorder=recorder)

