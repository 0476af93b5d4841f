"""Shared fixtures: the registry as a parametrized fixture, pinned BLAS threads, hypothesis profile."""

import numpy as np
import pytest
from hypothesis import settings

import impls
from impls import _registry

# JIT compilation on a first call would trip hypothesis' per-example deadline.
settings.register_profile("suite", deadline=None, max_examples=60, derandomize=True)
settings.load_profile("suite")


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """Pin BLAS to one thread so sums are reduced in one order, run after run."""
    with impls.limit_threads(1):
        yield


def _impl_params():
    for name in impls.names():
        impl = impls.get(name)
        marks = [] if impl.available else [pytest.mark.skip(reason=impl.unavailable_reason)]
        yield pytest.param(impl, id=name, marks=marks)


@pytest.fixture(scope="session", params=list(_impl_params()))
def impl(request) -> impls.Implementation:
    """Every registered implementation; unavailable ones skip with the reason."""
    return request.param


@pytest.fixture
def problem():
    """A small seeded problem in the lecture's shapes, with a non-trivial (w, b)."""
    data = impls.make_problem(7, 33, seed=3)
    w = np.random.default_rng(4).normal(size=(7, 1))
    return w, 0.25, data.X, data.Y


@pytest.fixture(scope="session", autouse=True)
def _close_backends():
    """Shut down what implementations started (a Dask cluster, say) while warnings are still errors."""
    yield
    for module in _registry.loaded_modules():
        if close := getattr(module, "close", None):
            close()


@pytest.fixture
def no_settling(monkeypatch):
    """Rounds and probes without the waits for idle pools (the tests run one thread at a time anyway)."""
    from benchmarks import checks

    monkeypatch.setattr(checks, "settle", lambda threads=1: None)
