"""Memory roofline: the machine's sustained read bandwidth and the time one read of X takes at it."""

import statistics
import time

import numba
import numpy as np

LLC_BYTES = 32 * 2**20  # this machine's L3 (lscpu); the probe array is 8× larger so it streams from DRAM
DEFAULT_BYTES = max(8 * LLC_BYTES, 256 * 2**20)


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
