"""The vectorized formula on an NVIDIA GPU with CuPy, X resident in device memory."""

from functools import cache

import cupy

from impls._stable import sigmoid_and_loss

SUMMARY = "CuPy on an NVIDIA GPU: the vectorized formula, X copied to device memory once (prepare)"
DTYPES = ("float64", "float32")
JIT = True  # CuPy compiles its elementwise and reduction kernels on first use
MEMORY = "device"  # X lives in GPU memory: the host's read bandwidth does not bound it


@cache
def unavailable_reason() -> str | None:
    """Why no CUDA device can run this here (CuPy imports without one), or None."""
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # a missing driver, libcudart or device each raise their own type
        return f"cupy is installed but no CUDA device is usable: {type(exc).__name__}: {exc}".splitlines()[0]
    return None if count > 0 else "cupy is installed but sees no CUDA device"


def prepare(X, Y):
    """X and Y copied to the GPU once, so timed calls move only w (n numbers) and three results."""
    return cupy.asarray(X), cupy.asarray(Y)


def gradients(w, b, X, Y):
    """dw, db, cost computed on the GPU and brought back to the host (which waits for the GPU)."""
    m = X.shape[1]
    Z = cupy.asarray(w) @ X + b
    A, loss = sigmoid_and_loss(Z, Y, cupy)
    dZ = A - Y
    return cupy.asnumpy(X @ dZ) / m, float(dZ.sum()) / m, float(loss.sum()) / m

