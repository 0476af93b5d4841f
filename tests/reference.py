"""An independent float64 reference, written with SciPy and NumPy primitives, not impls' helpers."""

import numpy as np
from scipy.special import expit


def reference(w, b, X, Y):
    """dw (n,), db, cost of the lecture's formulas; stable via expit and logaddexp."""
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64).reshape(-1)
    Y = np.asarray(Y, dtype=np.float64).reshape(-1)
    m = X.shape[1]
    Z = np.einsum("j,ji->i", w, X) + float(b)
    A = expit(Z)
    # −[y log a + (1−y) log(1−a)] with log a = −log(1+e^−z) and log(1−a) = −log(1+e^z).
    cost = np.sum(Y * np.logaddexp(0.0, -Z) + (1.0 - Y) * np.logaddexp(0.0, Z)) / m
    dZ = A - Y
    return np.einsum("ji,i->j", X, dZ) / m, dZ.sum() / m, cost
