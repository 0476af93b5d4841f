"""Numerically stable sigmoid and logistic loss, for Python floats and NumPy arrays.

σ(z) and the per-example loss −[y log a + (1−y) log(1−a)] are rewritten so that no
``exp`` ever sees a positive argument: with t = exp(−|z|) ∈ (0, 1],

    σ(z)        = 1/(1+t)  if z ≥ 0,   t/(1+t)  otherwise
    loss(z, y)  = softplus(z) − y·z,   softplus(z) = max(z, 0) + log1p(t)

which is exact for any finite z (|z| of several hundred included) and never takes log(0).
"""

import math

import numpy as np


def sigmoid_scalar(z: float) -> float:
    """Stable σ(z) for one Python float."""
    t = math.exp(-abs(z))
    return 1.0 / (1.0 + t) if z >= 0 else t / (1.0 + t)


def loss_scalar(z: float, y: float) -> float:
    """Stable logistic loss of one example with logit z and label y."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z))) - y * z


def sigmoid_and_loss(Z, Y, xp=np):
    """Stable σ(Z) and per-example loss in Z's dtype, for NumPy, PyTorch, JAX or CuPy arrays (xp)."""
    # Only functions the four namespaces share, with Python scalars (weakly typed in all four, so
    # float32 stays float32): one formula serves every vectorized implementation.
    t = xp.exp(-xp.abs(Z))
    A = xp.where(Z >= 0, 1, t) / (1 + t)
    loss = xp.where(Z >= 0, Z, 0) + xp.log1p(t) - Y * Z
    return A, loss
