"""The vectorized formula compiled by JAX (jax.jit, XLA) on the CPU, in 64-bit.

Importing this module turns on ``jax_enable_x64`` for the whole process: JAX computes in float32
otherwise, and the suite compares float64 results to rtol 1e-9. Any other JAX code in the same
process then sees 64-bit defaults too.

Subnormals: XLA's CPU code flushes subnormal numbers to zero (denormals-are-zero and
flush-to-zero), so an X of entries near 1e-310 gives dw = 0 where NumPy keeps a subnormal dw;
tests/test_equality.py states this behaviour rather than hiding it. Normal-range results agree.

``prepare`` only places X and Y on the CPU device: XLA aliases the snapshot's memory when it is
64-byte aligned and copies it otherwise. Like Numba, the first call for a new (n, m, dtype)
traces and compiles (0.1 to 0.3 s here); later calls reuse the executable from
JAX's process-wide cache. So compile time is the first call in a fresh process (or after
``jax.clear_caches()``) minus a steady-state call.

Threads: XLA's CPU thread pool is fixed when JAX starts, so ``limit_threads`` cannot resize it.
So that a result labelled "1 thread" is one, this module asks XLA for a single thread, unless
``XLA_FLAGS`` is already set (then the caller decides, and the benchmarks' thread label for jax is
only as true as those flags). Importing jax before this module also bypasses the default.
"""

import os

# Before jax is imported: the only moment XLA reads its thread settings.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import jax  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402  (after x64 is on, so its defaults are 64-bit)

from impls import _stable  # noqa: E402
from impls._spec import Spec  # noqa: E402

SPEC = Spec(
    summary="JAX on the CPU: the vectorized formula compiled by jax.jit (XLA), 64-bit enabled",
    dtypes=("float64", "float32"),
    jit=True,
    uses_threads=False,  # XLA runs single-threaded here (see the module docstring)
    # copies stays False: device_put aliases a 64-byte-aligned NumPy array instead of copying it,
    # so the interface's read-only snapshot is what keeps the caller's later edits out.
)

# The CPU explicitly: a CUDA-enabled jaxlib would otherwise put the arrays on its GPU.
_CPU = jax.devices("cpu")[0]


@jax.jit
def _kernel(w, b, X, Y):
    return _stable.gradients(w, b, X, Y, jnp)


def prepare(X, Y):
    """X and Y placed on the CPU device once, so calls do not transfer them again."""
    return jax.device_put(X, _CPU), jax.device_put(Y, _CPU)


def gradients(w, b, X, Y):
    """dw, db, cost from the compiled kernel, brought back to the host (so the work is done)."""
    dw, db, cost = _kernel(w, b, X, Y)
    return np.array(dw), float(db), float(cost)  # a copy: callers get a writable dw, as elsewhere
