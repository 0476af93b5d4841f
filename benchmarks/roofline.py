"""Memory roofline: the machine's sustained read bandwidth and the time one read of X takes at it."""

import statistics
import time
from pathlib import Path

import numba
import numpy as np


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


def read_bandwidth_gbs(nbytes=None, repeat=7) -> dict:
    """Median GB/s (1e9 bytes/s) of a parallel streaming sum over nbytes of float64, after a warm-up."""
    nbytes = DEFAULT_BYTES if nbytes is None else int(nbytes)
    a = np.ones(max(1, nbytes // 8))  # written once, so every page is mapped before timing
    _parallel_sum(a)  # warm-up: compilation (or cache load) and first touch
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        _parallel_sum(a)
        seconds.append(time.perf_counter() - start)
    return {"gbs": a.nbytes / statistics.median(seconds) / 1e9, "bytes": a.nbytes,
            "threads": numba.get_num_threads(), "repeats": repeat}


def one_read_limit_seconds(bytes_x, gbs) -> float:
    """The fastest one gradient can be: reading bytes_x once at gbs GB/s."""
    return bytes_x / (gbs * 1e9)


def bandwidth_by_threads(thread_counts, nbytes=None) -> dict[str, float]:
    """Read GB/s with each thread count (keys are strings, as JSON keeps them)."""
    import impls

    found = {}
    for threads in thread_counts:
        with impls.limit_threads(threads):
            found[str(threads)] = read_bandwidth_gbs(nbytes)["gbs"]
    return found
