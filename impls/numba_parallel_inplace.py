"""numba_parallel's fused kernel on X as given, without the block-contiguous copy: zero extra memory.

Examples along rows (the lecture's C order): each block is the columns [lo, hi) of every row, n
separate streams from memory. Features contiguous (F order, the transpose of a data frame's
(m, n) array): blocks of contiguous examples, z one example at a time (slow for few features,
docs/numba_parallel.md).
"""

from impls.numba_parallel import block_for, run

SUMMARY = "numba_parallel's fused pass over X as given (no copy in prepare; slower at small n with features contiguous)"
DTYPES = ("float64", "float32")
USES_THREADS = True  # prange over static chunks of examples, one per Numba thread
JIT = True  # the first call compiles (or loads the on-disk cache)


def gradients(w, b, X, Y):
    """dw, db, cost in one pass over X as given, on every Numba thread."""
    return run(w, b, X, Y, block_for(X))
