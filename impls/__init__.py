"""Interchangeable logistic-regression gradient implementations behind one interface.

    import impls
    impls.names()                                   # every registered name, display order
    g = impls.get("numpy").gradients(w, b, X, Y)     # Gradients(dw, db, cost)
    fit = impls.train(w, b, X, Y, learning_rate=0.009, iterations=100, implementation="numba")

Shapes follow the lecture: X is (n, m) with one example per column, Y is (1, m) or (m,),
w is (n, 1) or (n,), b a scalar. Inputs are validated once here; kernels never check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from impls import _registry, _validate
from impls._data import Synthetic, make_problem
from impls._registry import BASELINE, REFERENCE
from impls._threads import limit_threads, thread_info

__all__ = ["BASELINE", "REFERENCE", "Gradients", "Implementation", "Problem", "Synthetic", "TrainResult",
           "get", "limit_threads", "make_problem", "names", "thread_info", "train"]


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
    """The implementation called ``name``; an unknown name raises ValueError listing the valid ones."""
    if name not in _registry.MODULES:
        raise ValueError(f"unknown implementation {name!r}; valid names: {', '.join(names())}")
    return Implementation(name)


@dataclass(frozen=True)
class Implementation:
    """A registered implementation: metadata, availability, and the validated public calls."""

    name: str

    @property
    def _module(self):
        module = _registry.load(self.name)
        if isinstance(module, ImportError) or not self.available:
            raise RuntimeError(f"implementation {self.name!r} is not available here: {self.unavailable_reason}")
        return module

    @property
    def summary(self) -> str:
        """One-line human description."""
        module = _registry.load(self.name)
        return getattr(module, "SUMMARY", f"({self.unavailable_reason})")

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
        """Rough time of one gradient call, from the module's COST_NS = (ns per example, ns per element).

        Benchmarks use it to skip sizes an implementation cannot afford instead of hanging on them.
        """
        per_example, per_element = getattr(self._module, "COST_NS", (0.0, 1.0))
        return (per_example * m + per_element * n * m) * 1e-9

    @property
    def uses_threads(self) -> bool:
        """Whether more threads can speed it up (BLAS, parallel loops); from the module's USES_THREADS."""
        return bool(getattr(self._module, "USES_THREADS", False))

    @property
    def memory(self) -> str:
        """Where prepare() puts X: "host" (main memory, the CPU's one-read limit applies) or "device" (a GPU's)."""
        return str(getattr(self._module, "MEMORY", "host"))

    @property
    def jit(self) -> bool:
        """Whether its first call compiles code (benchmarks then time compilation on its own)."""
        return bool(getattr(self._module, "JIT", False))

    @property
    def dtypes(self) -> tuple[str, ...]:
        """Compute dtypes the kernel supports natively."""
        return tuple(getattr(self._module, "DTYPES", ("float64",)))

    def prepare(self, X, Y, *, dtype=None) -> Problem:
        """Validate X, Y once and place them for this implementation (outside any timed region)."""
        dt = _validate.compute_dtype(dtype)
        if dt.name not in self.dtypes:
            raise ValueError(f"implementation {self.name!r} computes in {', '.join(self.dtypes)}, not {dt.name}")
        X = _validate.check_X(X, dt)
        Y = _validate.check_Y(Y, X.shape[1], dt)
        module = self._module
        prepare = getattr(module, "prepare", None)
        data = prepare(X, Y) if prepare else (X, Y)
        return Problem(self, X, data, module.gradients)

    def gradients(self, w, b, X, Y, *, dtype=None) -> Gradients:
        """dw, db and cost of the logistic loss at (w, b) on examples X with labels Y."""
        return self.prepare(X, Y, dtype=dtype).gradients(w, b)


@dataclass(frozen=True)
class Problem:
    """Validated, placed data of one implementation; evaluate it at many (w, b)."""

    impl: Implementation
    # Validated (n, m), kept to name a non-finite entry if outputs go non-finite; a Dask array
    # for data generated on a cluster (impls.dask.make_problem).
    X: np.ndarray
    data: tuple = field(repr=False)
    kernel: object = field(repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.X.shape

    def evaluate(self, w: np.ndarray, b: float) -> tuple[np.ndarray, float, float]:
        """Kernel on canonical (n,) float64 w and float b; results checked for finiteness."""
        # inf − inf inside a NumPy kernel would warn; non-finite outputs are diagnosed below instead.
        with np.errstate(invalid="ignore", over="ignore"):
            dw, db, cost = self.kernel(w.astype(self.X.dtype, copy=False), b, *self.data)
        dw, db, cost = np.asarray(dw, dtype=np.float64), float(db), float(cost)
        _validate.check_outputs(dw, db, cost, self.X)
        return dw, db, cost

    def gradients(self, w, b) -> Gradients:
        """Validated w and b, then one evaluation; dw comes back in w's shape."""
        w, shape = _validate.check_w(w, self.shape[0])
        dw, db, cost = self.evaluate(w, _validate.check_b(b))
        return Gradients(dw.reshape(shape), db, cost)

    def train(self, w, b, *, learning_rate=0.009, iterations=100) -> TrainResult:
        """Plain gradient descent on this problem's data: w ← w − α·dw, b ← b − α·db."""
        w, shape = _validate.check_w(w, self.shape[0])
        b = _validate.check_b(b)
        learning_rate, iterations = _validate.check_hyper(learning_rate, iterations)
        costs = np.empty(iterations)
        for k in range(iterations):
            dw, db, costs[k] = self.evaluate(w, b)
            w = w - learning_rate * dw
            b = b - learning_rate * db
        return TrainResult(w.reshape(shape), b, costs)


def train(w, b, X, Y, *, learning_rate=0.009, iterations=100, implementation="numpy", dtype=None) -> TrainResult:
    """Plain gradient descent: w ← w − α·dw, b ← b − α·db, ``iterations`` times."""
    problem = get(implementation).prepare(X, Y, dtype=dtype)
    return problem.train(w, b, learning_rate=learning_rate, iterations=iterations)
