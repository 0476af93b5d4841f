"""Training: same fit for every implementation, and the reference agrees with scikit-learn."""

import numpy as np
import pytest

import impls


@pytest.fixture(scope="module")
def data():
    return impls.make_problem(5, 300, seed=11)


def test_every_implementation_fits_the_same(impl, data):
    """Same w, b and cost history as the reference implementation after 50 steps of gradient descent."""
    w0 = np.zeros((5, 1))
    expected = impls.train(w0, 0.0, data.X, data.Y, learning_rate=0.5, iterations=50, implementation=impls.REFERENCE)
    fit = impls.train(w0, 0.0, data.X, data.Y, learning_rate=0.5, iterations=50, implementation=impl.name)
    assert fit.w.shape == (5, 1) and isinstance(fit.b, float) and fit.costs.shape == (50,)
    np.testing.assert_allclose(fit.w, expected.w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.b, expected.b, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.costs, expected.costs, rtol=1e-9)


def test_costs_start_at_log2_and_decrease(data):
    """From w = 0, b = 0 the first cost is log 2, and gradient descent lowers it monotonically."""
    fit = impls.train(np.zeros(5), 0.0, data.X, data.Y, learning_rate=0.5, iterations=100)
    assert fit.costs[0] == pytest.approx(np.log(2), rel=1e-12)
    assert np.all(np.diff(fit.costs) < 0)
    assert fit.w.shape == (5,)


def test_zero_iterations_returns_the_start():
    """iterations=0 returns the initial parameters and no costs."""
    data = impls.make_problem(2, 10)
    fit = impls.train(np.ones((2, 1)), 1.5, data.X, data.Y, iterations=0)
    np.testing.assert_array_equal(fit.w, np.ones((2, 1)))
    assert fit.b == 1.5 and fit.costs.size == 0


@pytest.mark.slow
def test_converges_to_scikit_learns_unpenalized_fit():
    """Cross-check of the whole pipeline against an independent library (lbfgs, C=inf: no penalty)."""
    from sklearn.linear_model import LogisticRegression

    data = impls.make_problem(4, 2000, seed=5)
    model = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)  # C=inf: no penalty
    model.fit(data.X.T, data.Y.ravel())
    fit = impls.train(np.zeros((4, 1)), 0.0, data.X, data.Y, learning_rate=1.0, iterations=3000)
    np.testing.assert_allclose(fit.w.ravel(), model.coef_.ravel(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(fit.b, model.intercept_[0], rtol=1e-4, atol=1e-5)
    # and the fit recovers the generating model roughly (2000 samples, 5 parameters)
    np.testing.assert_allclose(fit.w.ravel(), data.w_true.ravel(), atol=0.3)


def test_synthetic_problem_is_seeded_and_shaped():
    """Same seed, same data; labels are 0/1 and follow the true model's sign."""
    a, b = impls.make_problem(3, 500, seed=2), impls.make_problem(3, 500, seed=2)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.Y, b.Y)
    assert a.X.shape == (3, 500) and a.Y.shape == (1, 500) and a.w_true.shape == (3, 1)
    assert set(np.unique(a.Y)) <= {0.0, 1.0}
    logits = (a.w_true.T @ a.X).ravel() + a.b_true
    assert np.mean((logits > 0) == (a.Y.ravel() == 1)) > 0.7


@pytest.mark.parametrize("bad", [0, -1, 2.5, 3.0, True, "3", None], ids=repr)
def test_synthetic_problem_sizes_are_positive_integers(bad):
    """n and m are whole numbers >= 1, each named when it is not (a bool or a float is no size)."""
    with pytest.raises(ValueError, match=f"^n must be a positive integer, got {bad!r}$"):
        impls.make_problem(bad, 5)
    with pytest.raises(ValueError, match=f"^m must be a positive integer, got {bad!r}$"):
        impls.make_problem(5, bad)


def test_synthetic_problem_takes_numpy_integer_sizes():
    """NumPy integers count as sizes: the same problem as Python ints give."""
    np.testing.assert_array_equal(impls.make_problem(np.int64(3), np.uint8(4)).X, impls.make_problem(3, 4).X)
