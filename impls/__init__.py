"""Interchangeable logistic-regression gradient implementations behind one interface.

    import impls
    impls.names()                                   # every registered name, display order
    g = impls.get("numpy").gradients(w, b, X, Y)     # Gradients(dw, db, cost)
    fit = impls.train(w, b, X, Y, learning_rate=0.009, iterations=100, implementation="numba")

Shapes follow the lecture: X is (n, m) with one example per column, Y is (1, m) or (m,),
w is (n, 1) or (n,), b a scalar. Inputs are validated once here; kernels never check.

What prepare keeps: a prepared problem owns a private, read-only snapshot of X and Y, copied once
in the compute dtype and X's own memory layout (order "K"), unless the implementation's spec says
its prepare copies them anyway (to a GPU, to Dask workers). Editing the caller's arrays after
prepare therefore changes nothing and cannot bypass validation; the price is one copy of X per
prepared problem (one-shot ``gradients`` and ``train`` calls included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from impls import _registry, _validate
from impls._data import Synthetic, make_problem
from impls._registry import BASELINE, REFERENCE, imported
from impls._spec import Spec
from impls._threads import limit_threads, thread_info

__all__ = ["BASELINE", "REFERENCE", "imported", "Gradients", "Implementation", "Problem", "Synthetic", "TrainResult",
           "Spec", "get", "limit_threads", "make_problem", "names", "thread_info", "train"]


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


def names() -> tuple[str, ...]:
    """Every registered implementation name, in display order."""
    return tuple(_registry.MODULES)


def get(name: str) -> Implementation:
    """The implementation called ``name``; anything else is a ValueError (TypeError: not a str) listing valid names."""
    if not isinstance(name, str):
        raise TypeError(f"an implementation name must be a string, got {type(name).__name__} {name!r}; "
                        f"valid names: {', '.join(names())}")
    if name not in _registry.MODULES:
        raise ValueError(f"unknown implementation {name!r}; valid names: {', '.join(names())}")
    return Implementation(name)


@dataclass(frozen=True)
class Implementation:
    """A registered implementation: its spec (impls._spec.Spec), availability, and the validated public calls."""

    name: str

    @property
    def _module(self):
        module = _registry.load(self.name)
        if isinstance(module, ImportError) or not self.available:
            raise RuntimeError(f"implementation {self.name!r} is not available here: {self.unavailable_reason}")
        return module

    @property
    def spec(self) -> Spec:
        """The module's declared SPEC (RuntimeError when the implementation is not available here)."""
        return self._module.SPEC

    @property
    def summary(self) -> str:
        """One-line human description (the reason it is unavailable when its module cannot be imported)."""
        module = _registry.load(self.name)
        return f"({self.unavailable_reason})" if isinstance(module, ImportError) else module.SPEC.summary

    @property
    def unavailable_reason(self) -> str | None:
        """Why this implementation cannot run here, or None when it can."""
        module = _registry.load(self.name)
        if not isinstance(module, ImportError):
            # A module whose library imports may still lack its device (a GPU, say).
            check = getattr(module, "unavailable_reason", None)
            return check() if check else None
        extra = _registry.MODULES[self.name][1]
        hint = f" (pip install 'logreg-vectorization-bench[{extra}]')" if extra else ""
        return f"{module.name or module} is not installed{hint}"

    @property
    def available(self) -> bool:
        """Whether this implementation can run here."""
        return self.unavailable_reason is None

    def estimated_seconds(self, n: int, m: int) -> float:
        """Rough time of one gradient call, from the spec's cost_ns = (ns per example, ns per element).

        Benchmarks use it to skip sizes an implementation cannot afford instead of hanging on them.
        """
        per_example, per_element = self.spec.cost_ns
        return (per_example * m + per_element * n * m) * 1e-9

    @property
    def uses_threads(self) -> bool:
        """Whether more threads can speed it up (BLAS, parallel loops)."""
        return self.spec.uses_threads

    @property
    def memory(self) -> str:
        """Where prepare() puts X: "host" (main memory, the CPU's one-read limit applies) or "device" (a GPU's)."""
        return self.spec.memory

    @property
    def jit(self) -> bool:
        """Whether its first call compiles code (benchmarks then time compilation on its own)."""
        return self.spec.jit

    @property
    def dtypes(self) -> tuple[str, ...]:
        """Compute dtypes the kernel supports natively."""
        return self.spec.dtypes

    def prepare(self, X, Y, *, dtype=None) -> Problem:
        """Validate X, Y once and place them for this implementation (outside any timed region).

        The problem owns a private, read-only snapshot: X and Y are copied once here, in the compute
        dtype and X's own memory layout, unless the implementation's prepare copies them anyway (to a
        device, to Dask workers). Editing the caller's arrays afterwards changes nothing.
        """
        dt = _validate.compute_dtype(dtype)
        spec = self.spec
        if dt.name not in spec.dtypes:
            raise ValueError(f"implementation {self.name!r} computes in {', '.join(spec.dtypes)}, not {dt.name}")
        X = _validate.check_X(X, dt, snapshot=not spec.copies)
        Y = _validate.check_Y(Y, X.shape[1], dt, snapshot=not spec.copies)
        module = self._module
        prepare = getattr(module, "prepare", None)
        data = prepare(X, Y) if prepare else (X, Y)
        return Problem(self, X, data, module.gradients)

    def device(self) -> str | None:
        """The accelerator it computes on (name, memory, library version), from its module's device() hook."""
        hook = getattr(self._module, "device", None)
        return hook() if hook else None

    @property
    def fixed_threads(self) -> int | None:
        """A thread (worker) count this process cannot change, e.g. a connected Dask cluster's; else None."""
        fixed = getattr(self._module, "fixed_workers", None)
        return fixed() if fixed else None

    def generate(self, n: int, m: int, **options) -> Problem:
        """A seeded problem generated where this implementation computes (Dask: on its workers)."""
        module = self._module
        if not hasattr(module, "generate"):
            raise TypeError(f"implementation {self.name!r} cannot generate data where it computes; use prepare")
        data = module.generate(n, m, **options)
        return Problem(self, data[0], data, module.gradients)

    def gradients(self, w, b, X, Y, *, dtype=None) -> Gradients:
        """dw, db and cost of the logistic loss at (w, b) on examples X with labels Y."""
        return self.prepare(X, Y, dtype=dtype).gradients(w, b)


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


def train(w, b, X, Y, *, learning_rate=0.009, iterations=100, implementation="numpy", dtype=None) -> TrainResult:
    """Plain gradient descent: w ← w − α·dw, b ← b − α·db, ``iterations`` times."""
    problem = get(implementation).prepare(X, Y, dtype=dtype)
    return problem.train(w, b, learning_rate=learning_rate, iterations=iterations)
