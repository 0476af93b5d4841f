"""What only the peer implementations promise: torch views the prepared snapshot and follows limit_threads;
JAX compiles once per shape, on the first call, and flushes subnormals to zero."""

import logging

import numpy as np
import pytest

import impls


@pytest.fixture(scope="module")
def torch_impl():
    pytest.importorskip("torch")
    return impls.get("torch")


@pytest.mark.parametrize("layout", ["C", "F", "strided", "read-only broadcast"])
def test_torch_views_the_snapshot_without_a_second_copy(torch_impl, layout):
    """prepare wraps the problem's own snapshot of X (torch.from_numpy): no copy beyond it; no warning."""
    X = impls.make_problem(4, 30, seed=2).X
    X = {
        "C": lambda: X,
        "F": lambda: np.asfortranarray(X),
        "strided": lambda: X[:, ::3],
        "read-only broadcast": lambda: np.broadcast_to(X[:, :1], (4, 30)),
    }[layout]()
    problem = torch_impl.prepare(X, np.zeros(X.shape[1]))
    snapshot = problem.X
    assert not np.shares_memory(snapshot, X) and not snapshot.flags.writeable
    assert problem.data[0].data_ptr() == snapshot.__array_interface__["data"][0]
    assert problem.data[0].stride() == tuple(s // snapshot.itemsize for s in snapshot.strides)


def _field_view(X):
    packed = np.zeros(X.shape, dtype=[("x", "f8"), ("tag", "i4")])
    packed["x"] = X
    return packed["x"]


@pytest.mark.parametrize("arrangement", ["reversed", "size-1 axis reversed", "field view"])
def test_torch_takes_views_it_cannot_wrap(torch_impl, arrangement):
    """Negative strides (also of a size-1 axis) and field views, which torch.from_numpy refuses, compute right."""
    data = impls.make_problem(4, 30, seed=2)
    X, w = {
        "reversed": lambda: (data.X[:, ::-1], np.linspace(-1, 1, 4)),
        "size-1 axis reversed": lambda: (data.X[:1][::-1], np.array([0.7])),
        "field view": lambda: (_field_view(data.X), np.linspace(-1, 1, 4)),
    }[arrangement]()
    got = torch_impl.gradients(w, 0.5, X, data.Y)
    expected = impls.get(impls.REFERENCE).gradients(w, 0.5, X, data.Y)
    np.testing.assert_allclose(got.dw, expected.dw, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([got.db, got.cost], [expected.db, expected.cost], rtol=1e-9)


def test_limit_threads_pins_torch_and_restores(torch_impl):
    """limit_threads(k) reaches PyTorch's own pool through the module's set_num_threads hook."""
    import torch

    before = torch.get_num_threads()
    with impls.limit_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_jax_compiles_once_per_shape(caplog):
    """The first call for a shape compiles (JAX logs it); later calls, other (w, b) included, do not."""
    pytest.importorskip("jax")
    import jax

    assert jax.config.jax_enable_x64  # importing impls.jax turns it on, process-wide
    data = impls.make_problem(3, 263, seed=1)  # m > 200: a shape no other test compiles
    problem = impls.get("jax").prepare(data.X, data.Y)
    with jax.log_compiles(), caplog.at_level(logging.WARNING):
        problem.gradients(np.ones(3), 0.5)
        first = [r.getMessage() for r in caplog.records]
        caplog.clear()
        problem.gradients(np.full(3, 2.0), -1.5)
    assert any("Compiling jit(_kernel)" in message for message in first)
    assert caplog.records == []


def test_jax_flushes_subnormals_to_zero():
    """X ≈ 1e-310 (subnormal): JAX returns dw = 0 where the reference keeps a subnormal dw (impls/jax.py says so)."""
    pytest.importorskip("jax")
    X, Y, w = np.array([[1e-310, 3e-310]]), np.array([1.0, 0.0]), np.array([1.0])
    assert impls.get(impls.REFERENCE).gradients(w, 0.0, X, Y).dw[0] != 0
    assert impls.get("jax").gradients(w, 0.0, X, Y).dw[0] == 0
