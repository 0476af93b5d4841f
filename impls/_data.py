"""Seeded synthetic problems whose labels come from a true logistic model."""

from typing import NamedTuple

import numpy as np

from impls._validate import positive_int


class Synthetic(NamedTuple):
    """A reproducible problem in the lecture's shapes, plus the model that generated it."""

    X: np.ndarray  # (n, m), one example per column
    Y: np.ndarray  # (1, m), labels in {0, 1}
    w_true: np.ndarray  # (n, 1)
    b_true: float


def make_problem(n: int, m: int, *, seed: int = 0, dtype=np.float64) -> Synthetic:
    """Draw X ~ N(0, 1) and labels y ~ Bernoulli(σ(w_trueᵀx + b_true)), seeded locally."""
    n, m = positive_int(n, "n"), positive_int(m, "m")
    rng = np.random.default_rng(seed)
    w_true, b_true = true_model(rng, n)
    X = rng.standard_normal((n, m), dtype=np.float32 if np.dtype(dtype) == np.float32 else np.float64)
    Y = draw_labels(rng, X, w_true, b_true).astype(dtype).reshape(1, m)
    return Synthetic(X.astype(dtype, copy=False), Y, w_true, b_true)


def true_model(rng: np.random.Generator, n: int) -> tuple[np.ndarray, float]:
    """The generating (w_true (n, 1), b_true) drawn from ``rng``."""
    # Scaling w_true by 1/sqrt(n) keeps wᵀx of order 2 for every n, so classes overlap and
    # training has something to learn rather than separating the data perfectly.
    w_true = rng.normal(0.0, 2.0 / np.sqrt(n), size=(n, 1))
    return w_true, float(rng.normal(0.0, 0.5))


def draw_labels(rng: np.random.Generator, X: np.ndarray, w_true: np.ndarray, b_true: float) -> np.ndarray:
    """Labels y ~ Bernoulli(σ(w_trueᵀx + b_true)), one per column of X, as an (m,) 0/1 float64 array."""
    logits = (w_true.T @ X).ravel() + b_true
    p = 0.5 * (1.0 + np.tanh(0.5 * logits))  # σ without overflow
    return (rng.random(X.shape[1]) < p).astype(np.float64)
