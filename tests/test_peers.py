"""What only the peer implementations promise: torch shares X's memory and follows limit_threads; JAX
compiles once per shape in prepare."""

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


def test_jax_compiles_per_shape_in_prepare():
    """prepare returns an executable compiled for X's shape and dtype; another shape is refused."""
    pytest.importorskip("jax")
    import jax

    assert jax.config.jax_enable_x64  # importing impls.jax turns it on, process-wide
    data = impls.make_problem(3, 8, seed=1)
    problem = impls.get("jax").prepare(data.X, data.Y)
    kernel = problem.data[-1]
    w = np.ones(3)
    dw, db, cost = kernel(w, 0.5, *problem.data[:2])
    assert dw.dtype == np.float64
    expected = impls.get("numpy").gradients(w, 0.5, data.X, data.Y)
    np.testing.assert_allclose(np.asarray(dw), expected.dw, rtol=1e-9, atol=1e-12)
    with pytest.raises(TypeError, match="Argument types differ"):
        kernel(np.ones(3), 0.5, np.ones((3, 9)), np.ones(9))
