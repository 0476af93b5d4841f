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
from typing import NamedTuple

from impls._spec import spec_of


class Entry(NamedTuple):
    """Where an implementation lives and what it needs installed: the one place these are declared
    (install hints, the benchmarks' installed-here test and the library versions results record read it)."""

    module: str
    extra: str | None  # the pip extra that installs its libraries; None: the core dependencies do
    libraries: tuple[str, ...]  # top-level packages its module imports, itself or through another impls module


MODULES: dict[str, Entry] = {
    "double_loop": Entry("impls.double_loop", None, ()),
    "single_loop": Entry("impls.single_loop", None, ("numpy",)),
    "numpy": Entry("impls.numpy", None, ("numpy",)),
    "numba": Entry("impls.numba", None, ("numba", "numpy")),
    "numba_parallel": Entry("impls.numba_parallel", None, ("llvmlite", "numba", "numpy")),
    "numba_parallel_inplace": Entry("impls.numba_parallel_inplace", None, ("llvmlite", "numba", "numpy")),
    "torch": Entry("impls.torch", "peers", ("numpy", "torch")),
    "jax": Entry("impls.jax", "peers", ("jax", "numpy")),
    "cupy": Entry("impls.cupy", "gpu", ("cupy",)),
    "dask": Entry("impls.dask", "dask", ("dask", "distributed", "numpy")),
}
# What the shared interface itself imports (validation, thread limits), whichever implementation runs.
INTERFACE_LIBRARIES = ("numba", "numpy", "threadpoolctl")

# Roles, named once: every result is checked against REFERENCE before it is timed, and speedups are
# stated over BASELINE (the lecture's first version). Nothing else spells these names.
REFERENCE = "numpy"
BASELINE = "double_loop"


@cache
def load(name: str):
    """Import an implementation's module, or return the ImportError that prevents it.

    A module that imports but declares no valid SPEC is a programming error: TypeError, not a skip.
    """
    try:
        loaded = importlib.import_module(MODULES[name].module)
    except ImportError as exc:
        return exc
    spec_of(loaded)
    return loaded


def imported() -> tuple[str, ...]:
    """Names of the implementations whose modules this process has imported."""
    return tuple(name for name, entry in MODULES.items() if entry.module in sys.modules)


def loaded_modules() -> list:
    """The implementation modules imported so far (importing the others here would load every backend)."""
    return [sys.modules[entry.module] for entry in MODULES.values() if entry.module in sys.modules]
