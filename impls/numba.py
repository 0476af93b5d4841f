"""The loop algorithm compiled by Numba: loops written out, speed recovered by the JIT."""

import math

import numba
import numpy as np

from impls._spec import Spec

SPEC = Spec(summary="Numba @njit of the loop algorithm (serial, on-disk cache)", dtypes=("float64", "float32"),
            jit=True)


# fastmath "reassoc" only lets LLVM reorder the sums (so the dw reduction vectorizes with several
# partial sums); no other IEEE shortcut is allowed, so inf/NaN and exp/log behave as usual. The
# order is fixed at compile time, so results stay deterministic.
@numba.njit(cache=True, nogil=True, fastmath={"reassoc"})
def _kernel(w, b, X, Y):
    n, m = X.shape
    # Loops run along X's rows (features outer, examples inner) so a C-ordered X is read
    # contiguously; this is still the lecture's loop algorithm, just in cache-friendly order.
    z = np.full(m, b, dtype=np.float64)
    for j in range(n):
        wj = w[j]
        for i in range(m):
            z[i] += wj * X[j, i]
    dz = np.empty(m, dtype=X.dtype)
    db = 0.0
    cost = 0.0
    for i in range(m):
        # The cancellation-free dz and loss of impls._stable.dz_and_loss, written out for the JIT.
        zi, y = z[i], float(Y[i])
        t = math.exp(-abs(zi))
        if zi > 0:
            d = ((1.0 - y) - y * t) / (1.0 + t)
            cost += (1.0 - y) * zi + math.log1p(t)
        else:
            d = ((1.0 - y) * t - y) / (1.0 + t)
            cost += -y * zi + math.log1p(t)
        dz[i] = d
        db += d
    dw = np.zeros(n, dtype=np.float64)
    for j in range(n):
        acc = 0.0
        for i in range(m):
            acc += X[j, i] * dz[i]
        dw[j] = acc / m
    return dw, db / m, cost / m


def gradients(w, b, X, Y):
    """dw, db, cost from the compiled loops."""
    return _kernel(w, float(b), X, Y)
