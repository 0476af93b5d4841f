"""The vectorized formula compiled by JAX (jax.jit, XLA) on the CPU, in 64-bit.

Importing this module turns on ``jax_enable_x64`` for the whole process: JAX computes in float32
otherwise, and the suite compares float64 results to rtol 1e-9. Any other JAX code in the same
process then sees 64-bit defaults too.

Compilation happens once per (n, m, dtype) in ``compile_kernel``, which ``prepare`` calls, so
steady-state calls never compile. JAX keeps compiled executables in a process-wide cache: to time
compilation itself, call ``jax.clear_caches()`` (untimed) before each timed ``compile_kernel``.
XLA's CPU thread pool is fixed when JAX starts, so ``limit_threads`` cannot resize it (no
``set_num_threads`` here); set ``XLA_FLAGS`` before the first import to change it.
"""

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402  (after x64 is on, so its defaults are 64-bit)
from jax.sharding import SingleDeviceSharding  # noqa: E402

from impls._stable import sigmoid_and_loss  # noqa: E402

SUMMARY = "JAX on the CPU: the vectorized formula compiled by jax.jit (XLA), 64-bit enabled"
DTYPES = ("float64", "float32")

# The CPU explicitly: a CUDA-enabled jaxlib would otherwise put the arrays on its GPU.
_CPU = SingleDeviceSharding(jax.devices("cpu")[0])


@jax.jit
def _kernel(w, b, X, Y):
    m = X.shape[1]
    Z = w @ X + b
    A, loss = sigmoid_and_loss(Z, Y, jnp)
    dZ = A - Y
    return (X @ dZ) / m, dZ.sum() / m, loss.sum() / m


def compile_kernel(n: int, m: int, dtype: str = "float64"):
    """The kernel traced, lowered and compiled by XLA for X of shape (n, m): what a first call pays."""
    def spec(*shape):
        return jax.ShapeDtypeStruct(shape, np.dtype(dtype), sharding=_CPU)

    # b is lowered as a Python float (weakly typed), as the interface always passes it.
    return _kernel.lower(spec(n), 0.0, spec(n, m), spec(m)).compile()


def prepare(X, Y):
    """X and Y placed on the CPU device once, and the kernel compiled for their shape."""
    return jax.device_put(X, _CPU), jax.device_put(Y, _CPU), compile_kernel(*X.shape, X.dtype.name)


def gradients(w, b, X, Y, kernel):
    """dw, db, cost from the compiled kernel, brought back to the host (so the work is done)."""
    dw, db, cost = kernel(w, b, X, Y)
    return np.array(dw), float(db), float(cost)  # a copy: callers get a writable dw, as elsewhere
