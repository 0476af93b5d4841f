"""numba_parallel's fused kernel on X in the layout it was given, without the block-contiguous copy.

Like every implementation without a copy of its own, it reads the interface's read-only snapshot
of X, which keeps X's memory layout; so this is the zero-copy path of the kernel itself.

Examples along rows (the lecture's C order): each block is the columns [lo, hi) of every row, n
separate streams from memory. Features contiguous (F order, the transpose of a data frame's
(m, n) array): blocks of contiguous examples, z one example at a time (slow for few features,
docs/numba_parallel.md).
"""

from impls._spec import Spec
from impls.numba_parallel import block_for, run

SPEC = Spec(
    summary="numba_parallel's fused pass over X as given (no layout copy; slower at small n with features contiguous)",
    dtypes=("float64", "float32"),
    uses_threads=True,  # prange over static chunks of examples, one per Numba thread
    jit=True,  # the first call compiles (or loads the on-disk cache)
    # Fitted to reports/sample at one thread (2-core x86-64): ~3 ns per example plus ~0.2 ns per element;
    # more threads only lower it.
    cost_ns=(3.0, 0.3),
)


def gradients(w, b, X, Y):
    """dw, db, cost in one pass over X as given, on every Numba thread."""
    return run(w, b, X, Y, block_for(X))
