"""A prepared problem: validated, placed data evaluated at many (w, b) through one checked fast path.

It lives apart from the package's front door because its ``gradients`` is tuned for per-call overhead
(``python -m impls --overhead``; docs/performance.md): at n=10, m=100 the checks cost about as much as
the kernel, so per-call facts are computed once in ``__post_init__`` (a frozen dataclass, hence
``object.__setattr__``) and the hot names below are bound to module globals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from impls import _validate

if TYPE_CHECKING:
    from impls import Implementation

_F64 = _validate._F64  # the float64 dtype the validation step checks against, defined there once
_new_tuple = tuple.__new__
_ndarray, _isfinite, _finite_sum = np.ndarray, math.isfinite, _validate.finite_sum


class Gradients(NamedTuple):
    """One evaluation: dw in w's shape, db and cost as floats."""

    dw: np.ndarray
    db: float
    cost: float


class TrainResult(NamedTuple):
    """Fitted parameters (w in the caller's shape) and the cost at the start of each iteration."""

    w: np.ndarray
    b: float
    costs: np.ndarray


@dataclass(frozen=True)
class Problem:
    """Validated, placed data of one implementation; evaluate it at many (w, b)."""

    impl: Implementation
    # Validated (n, m): the snapshot (or, where the implementation copies X itself, the caller's X),
    # kept to name a non-finite entry if outputs go non-finite; a Dask array for data generated on a
    # cluster (Implementation.generate).
    X: np.ndarray
    data: tuple = field(repr=False)
    kernel: object = field(repr=False)
    # Per-call facts looked up once, so a call pays no attribute chains or dtype comparisons.
    _n: int = field(init=False, repr=False)
    _shapes: tuple = field(init=False, repr=False)  # ((n,), (n, 1)): the shapes of w the fast path takes
    _float32: bool = field(init=False, repr=False)
    _call: object = field(init=False, repr=False)
    # ‖w‖₂·_scale + |b| < _limit proves w and b finite and, for a kernel that may warn, that it cannot
    # overflow, so it runs without its errstate (_validate.quiet_bound); (0, inf) for the others.
    _scale: float = field(init=False, repr=False)
    _limit: float = field(init=False, repr=False)
    # What the fast path measures w by: its norm where the bound needs one, else a (cheaper) plain sum.
    _size: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_n", self.X.shape[0])
        object.__setattr__(self, "_shapes", ((self._n,), (self._n, 1)))
        object.__setattr__(self, "_float32", self.X.dtype != np.float64)
        # inf − inf inside a NumPy kernel would warn; non-finite outputs are diagnosed in _checked
        # instead. errstate's decorator form keeps its token per call (thread-safe) and is built once.
        warns = self.impl.spec.warns
        quiet = np.errstate(invalid="ignore", over="ignore")(self.kernel) if warns else self.kernel
        object.__setattr__(self, "_call", quiet)
        scale, limit = _validate.quiet_bound(self.X) if warns else (0.0, math.inf)
        object.__setattr__(self, "_scale", scale)
        object.__setattr__(self, "_limit", limit)
        object.__setattr__(self, "_size", _validate.norm if warns else _validate.finite_sum)

    @property
    def shape(self) -> tuple[int, int]:
        return self.X.shape

    def evaluate(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float, float]:
        """Kernel on canonical (n,) float64 w and float b; results checked for finiteness."""
        if self._float32:
            w = w.astype(np.float32)
        return self._checked(*self._call(w, b, *self.data))

    def _checked(self, dw, db, cost) -> tuple[np.ndarray, float, float]:
        """A kernel's results as a float64 ndarray and two floats, or a ValueError naming why they are not finite."""
        if type(dw) is not np.ndarray or dw.dtype != _F64:
            dw = np.asarray(dw, dtype=_F64)
        db, cost = float(db), float(cost)
        _validate.check_outputs(dw, db, cost, self.X)
        return dw, db, cost

    def gradients(self, w, b) -> Gradients:
        """Validated w and b, then one evaluation; dw comes back in w's shape."""
        # The common call is checked inline: at m = 100 the checks cost about as much as the kernel, and
        # each helper call adds a few hundred ns. It is a C-contiguous float64 ndarray w of shape (n,) or
        # (n, 1), a float b, all finite, and finite float64 results. These tests only let a call through;
        # anything else (a list, another dtype, NaN, a strided w) takes the general path below, whose
        # checks name the problem.
        if (type(w) is _ndarray and w.dtype is _F64 and type(b) is float and w.shape in self._shapes
                and w.flags.carray and not self._float32):
            flat = w.ravel()  # a view: w is C-contiguous
            size = self._size(flat)  # finite iff every w[j] is (an overflowing one: general path)
            quiet = size * self._scale + abs(b) < self._limit  # b finite too, and nothing can overflow
            if quiet or _isfinite(size + b):
                dw, db, cost = (self.kernel if quiet else self._call)(flat, b, *self.data)
                if not (type(dw) is _ndarray and dw.dtype is _F64 and type(db) is float and type(cost) is float
                        and _isfinite(db + cost + _finite_sum(dw))):
                    dw, db, cost = self._checked(dw, db, cost)
                # Kernels return dw as (n,). tuple.__new__ is what the NamedTuple's __new__ calls, minus its frame.
                return _new_tuple(Gradients, (dw if w.ndim == 1 else dw[:, None], db, cost))
        w, shape = _validate.check_w(w, self._n)
        dw, db, cost = self.evaluate(w, _validate.check_b(b))
        return Gradients(dw if dw.shape == shape else dw.reshape(shape), db, cost)

    def train(self, w, b, *, learning_rate=0.009, iterations=100) -> TrainResult:
        """Plain gradient descent on this problem's data: w ← w − α·dw, b ← b − α·db."""
        w, shape = _validate.check_w(w, self._n)
        b = _validate.check_b(b)
        learning_rate, iterations = _validate.check_hyper(learning_rate, iterations)
        costs = np.empty(iterations)
        w = w.copy()  # a view of the caller's w otherwise; the result must not share its memory
        for k in range(iterations):
            dw, db, costs[k] = self.evaluate(w, b)
            w = w - learning_rate * dw
            b = b - learning_rate * db
        return TrainResult(w.reshape(shape), b, costs)
