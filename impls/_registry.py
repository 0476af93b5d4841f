"""The one registry: implementation name -> module, in display order.

Adding an implementation is one module in this package plus one line here. A module declares
``SPEC = impls._spec.Spec(summary=..., ...)`` (its metadata, checked at import: a misspelled field is
a TypeError) and defines ``gradients(w, b, X, Y) -> (dw, db, cost)`` on canonical arrays; optionally
``prepare(X, Y)`` (one-time data placement, default identity), ``unavailable_reason()`` (for a
module that imports but cannot run, lacking a GPU say), ``set_num_threads(k)`` (a backend's own
thread pool) and ``close()`` (shut down what it started, a cluster say; the test session calls it
at the end). Nothing else in the project branches on implementation names.
"""

import importlib
import sys
from functools import cache

from impls._spec import spec_of

# name -> (module, pip extra that installs its dependencies or None)
MODULES: dict[str, tuple[str, str | None]] = {
    "double_loop": ("impls.double_loop", None),
    "single_loop": ("impls.single_loop", None),
    "numpy": ("impls.numpy", None),
    "numba": ("impls.numba", None),
    "numba_parallel": ("impls.numba_parallel", None),
    "numba_parallel_inplace": ("impls.numba_parallel_inplace", None),
    "torch": ("impls.torch", "peers"),
    "jax": ("impls.jax", "peers"),
    "cupy": ("impls.cupy", "gpu"),
    "dask": ("impls.dask", "dask"),
}

# Roles, named once: every result is checked against REFERENCE before it is timed, and speedups are
# stated over BASELINE (the lecture's first version). Nothing else spells these names.
REFERENCE = "numpy"
BASELINE = "double_loop"


@cache
def load(name: str):
    """Import an implementation's module, or return the ImportError that prevents it.

    A module that imports but declares no valid SPEC is a programming error: TypeError, not a skip.
    """
    module, _ = MODULES[name]
    try:
        loaded = importlib.import_module(module)
    except ImportError as exc:
        return exc
    spec_of(loaded)
    return loaded


def imported() -> tuple[str, ...]:
    """Names of the implementations whose modules this process has imported."""
    return tuple(name for name, (module, _) in MODULES.items() if module in sys.modules)


def loaded_modules() -> list:
    """The implementation modules imported so far (importing the others here would load every backend)."""
    return [sys.modules[module] for module, _ in MODULES.values() if module in sys.modules]
