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

from dataclasses import dataclass

from impls import _registry, _validate
from impls._data import Synthetic, make_problem
from impls._problem import Gradients, Problem, TrainResult
from impls._registry import BASELINE, REFERENCE, imported
from impls._spec import Spec
from impls._threads import limit_threads, thread_info

__all__ = ["BASELINE", "REFERENCE", "imported", "Gradients", "Implementation", "Problem", "Synthetic", "TrainResult",
           "Spec", "get", "limit_threads", "make_problem", "names", "thread_info", "train"]


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
        extra = _registry.MODULES[self.name].extra
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


def train(w, b, X, Y, *, learning_rate=0.009, iterations=100, implementation="numpy", dtype=None) -> TrainResult:
    """Plain gradient descent: w ← w − α·dw, b ← b − α·db, ``iterations`` times."""
    problem = get(implementation).prepare(X, Y, dtype=dtype)
    return problem.train(w, b, learning_rate=learning_rate, iterations=iterations)
