"""Numerically stable dz = σ(z) − y and logistic loss, for Python floats and for any array namespace.

With t = exp(−|z|) ∈ (0, 1], no ``exp`` sees a positive argument, no ``log(0)`` happens, and
nothing cancels when an example is classified confidently (σ(z) ≈ y):

    z > 0:   dz = ((1 − y) − y·t) / (1 + t)     loss = (1 − y)·z + log1p(t)
    z ≤ 0:   dz = ((1 − y)·t − y) / (1 + t)     loss = −y·z + log1p(t)

(σ(z) = 1/(1+t) or t/(1+t), and loss = softplus(z) − y·z with softplus(z) = max(z, 0) + log1p(t).)
The loss is a sum of two non-negative terms, so it is accurate to a few ulp. The textbook A − Y and
softplus(z) − y·z would cancel instead: at z = 40, y = 1 both give 0 or 2e-18 where the truth is
−4.2e-18 and 4.2e-18. For labels strictly inside (0, 1), dz may still be a difference of two
terms; its error is then a few ulp of their magnitudes, the accuracy rule of DESIGN.md.
"""

import math


def dz_and_loss(z: float, y: float) -> tuple[float, float]:
    """σ(z) − y and the loss of one example with logit z and label y, as Python floats."""
    t = math.exp(-abs(z))
    if z > 0:
        return ((1.0 - y) - y * t) / (1.0 + t), (1.0 - y) * z + math.log1p(t)
    return ((1.0 - y) * t - y) / (1.0 + t), -y * z + math.log1p(t)


def gradients(w, b, X, Y, xp):
    """dw, db, cost of the lecture's vectorized formula, written once for array namespace ``xp``.

    NumPy, PyTorch, JAX and CuPy share every function used here, and Python scalars are weakly typed
    in all four, so float32 arrays stay float32. Results stay in ``xp`` (arrays, 0-d for db and cost);
    each binding module brings them to the host.
    """
    m = X.shape[1]
    Z = w @ X + b
    t = xp.exp(-xp.abs(Z))
    positive = Z > 0
    not_y = 1 - Y
    dZ = xp.where(positive, not_y - Y * t, not_y * t - Y) / (1 + t)
    loss = xp.where(positive, not_y * Z, -Y * Z) + xp.log1p(t)
    return (X @ dZ) / m, dZ.sum() / m, loss.sum() / m
