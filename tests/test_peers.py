"""What only the peer implementations promise: torch shares X's memory and follows limit_threads; JAX
compiles once per shape, on the first call."""

import logging

import numpy as np
import pytest

import impls


@pytest.fixture(scope="module")
def torch_impl():
    pytest.importorskip("torch")
    return impls.get("torch")


@pytest.mark.parametrize("layout", ["C", "F", "strided", "read-only broadcast"])
def test_torch_views_x_without_copying(torch_impl, layout):
    """prepare wraps X's own buffer (torch.from_numpy) for any non-negative strides; no warning."""
    X = impls.make_problem(4, 30, seed=2).X
    X = {
        "C": lambda: X,
        "F": lambda: np.asfortranarray(X),
        "strided": lambda: X[:, ::3],
        "read-only broadcast": lambda: np.broadcast_to(X[:, :1], (4, 30)),
    }[layout]()
    problem = torch_impl.prepare(X, np.zeros(X.shape[1]))
    assert problem.data[0].data_ptr() == X.__array_interface__["data"][0]
    assert problem.data[0].stride() == tuple(s // X.itemsize for s in X.strides)


def test_torch_copies_negative_strides_and_still_matches(torch_impl):
    """Reversed columns (negative strides, which torch cannot view) are copied and give numpy's numbers."""
    data = impls.make_problem(4, 30, seed=2)
    X, w = data.X[:, ::-1], np.linspace(-1, 1, 4)
    got = torch_impl.gradients(w, 0.5, X, data.Y)
    expected = impls.get("numpy").gradients(w, 0.5, X, data.Y)
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
