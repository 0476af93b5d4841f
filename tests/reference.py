"""An independent float64 reference, written with SciPy and NumPy primitives, not impls' helpers."""

import numpy as np
from scipy.special import expit


def reference(w, b, X, Y):
    """dw (n,), db, cost of the lecture's formulas, without cancellation for confident examples.

    Both are sums of non-negative terms (exact where y is 0 or 1), unlike A − Y, which cancels
    when σ(z) ≈ y:
        σ(z) − y = (1 − y)·σ(z) − y·σ(−z)
        loss     = y·log(1 + e^−z) + (1 − y)·log(1 + e^z)
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    Y = np.asarray(Y, dtype=np.float64).reshape(-1)
    m = X.shape[1]
    Z = np.einsum("j,ji->i", w, X) + float(b)
    cost = np.sum(Y * np.logaddexp(0.0, -Z) + (1.0 - Y) * np.logaddexp(0.0, Z)) / m
    dZ = (1.0 - Y) * expit(Z) - Y * expit(-Z)
    return np.einsum("ji,i->j", X, dZ) / m, dZ.sum() / m, cost
