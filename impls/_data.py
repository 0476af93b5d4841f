"""Seeded synthetic problems whose labels come from a true logistic model."""

from typing import NamedTuple

import numpy as np


class Synthetic(NamedTuple):
    """A reproducible problem in the lecture's shapes, plus the model that generated it."""

    X: np.ndarray  # (n, m), one example per column
    Y: np.ndarray  # (1, m), labels in {0, 1}
    w_true: np.ndarray  # (n, 1)
    b_true: float


def make_problem(n: int, m: int, *, seed: int = 0, dtype=np.float64) -> Synthetic:
    """Draw X ~ N(0, 1) and labels y ~ Bernoulli(σ(w_trueᵀx + b_true)), seeded locally."""
    if n < 1 or m < 1:
        raise ValueError(f"n and m must be >= 1, got n={n}, m={m}")
    rng = np.random.default_rng(seed)
    # Scaling w_true by 1/sqrt(n) keeps wᵀx of order 2 for every n, so classes overlap and
    # training has something to learn rather than separating the data perfectly.
    w_true = rng.normal(0.0, 2.0 / np.sqrt(n), size=(n, 1))
    b_true = float(rng.normal(0.0, 0.5))
    X = rng.standard_normal((n, m), dtype=np.float32 if np.dtype(dtype) == np.float32 else np.float64)
    logits = (w_true.T @ X).ravel() + b_true
    p = 0.5 * (1.0 + np.tanh(0.5 * logits))  # σ without overflow
    Y = (rng.random(m) < p).astype(dtype).reshape(1, m)
    return Synthetic(X.astype(dtype, copy=False), Y, w_true, b_true)
