"""The vectorized formula on an NVIDIA GPU with CuPy, X resident in device memory."""

from functools import cache

import cupy

from impls import _stable
from impls._spec import DEVICE, Spec

SPEC = Spec(
    summary="CuPy on an NVIDIA GPU: the vectorized formula, X copied to device memory once (prepare)",
    dtypes=("float64", "float32"),
    jit=True,  # CuPy compiles its elementwise and reduction kernels on first use
    memory=DEVICE,  # X lives in GPU memory: the host's read bandwidth does not bound it
    copies=True,  # prepare copies X and Y to the device
    # Fitted to reports/sample-gpu (an H100-class GPU): ~0.1 ns per example, 0.002-0.005 ns per element, over a
    # ~0.4 ms floor per call that cost_ns has no term for.
    cost_ns=(1.0, 0.01),
)


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
    dw, db, cost = _stable.gradients(cupy.asarray(w), b, X, Y, cupy)
    return cupy.asnumpy(dw), float(db), float(cost)


def device() -> str:
    """The CUDA device in use, its memory and CuPy's version (results record it)."""
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    return f"{props['name'].decode()}, {props['totalGlobalMem'] / 2**30:.0f} GiB, CuPy {cupy.__version__}"
