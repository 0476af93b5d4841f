"""Every implementation equals the independent reference and every other implementation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import impls
from tests.reference import reference

RTOL = {"float64": 1e-9, "float32": 1e-4}
# dw entries can cancel to ~0, where a relative bound means nothing; values here are O(1..10).
ATOL = {"float64": 1e-12, "float32": 1e-5}

finite = st.floats(-10, 10, allow_nan=False, allow_subnormal=False)


@st.composite
def problems(draw):
    """Shapes 1…50 × 1…200, arbitrary finite X and w, labels anywhere in [0, 1]."""
    n = draw(st.integers(1, 50))
    m = draw(st.integers(1, 200))
    X = draw(arrays(np.float64, (n, m), elements=finite))
    Y = draw(arrays(np.float64, (1, m), elements=st.floats(0, 1)))
    w = draw(arrays(np.float64, (n, 1), elements=st.floats(-2, 2)))
    b = draw(st.floats(-5, 5))
    return w, b, X, Y


def assert_matches(g, expected, dtype="float64"):
    dw, db, cost = expected
    np.testing.assert_allclose(g.dw.ravel(), dw, rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(g.db, db, rtol=RTOL[dtype], atol=ATOL[dtype])
    np.testing.assert_allclose(g.cost, cost, rtol=RTOL[dtype], atol=ATOL[dtype])


@given(data=problems())
def test_matches_reference_on_random_problems(impl, data):
    """Hypothesis over shapes and values: rtol 1e-9 against the float64 reference."""
    assert_matches(impl.gradients(*data), reference(*data))


@given(data=problems())
def test_all_implementations_agree(data):
    """On the same data, every pair of implementations agrees to rtol 1e-9."""
    results = {name: impls.get(name).gradients(*data) for name in impls.names() if impls.get(name).available}
    base = results.pop("numpy")
    for name, g in results.items():
        assert_matches(g, (base.dw.ravel(), base.db, base.cost)), name


@pytest.mark.parametrize("z", [800.0, -800.0, 745.0, -745.0, 40.0, -40.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_extreme_z_is_finite_and_exact(impl, z, y):
    """|z| of several hundred: σ saturates, the cost stays exact (≈ |z| when wrong), no warnings."""
    X = np.array([[z / 2, -z / 2, z / 2]])
    Y = np.array([[y, 1 - y, y]])
    g = impl.gradients(np.array([[2.0]]), 0.0, X, Y)
    assert np.isfinite(g.cost) and np.isfinite(g.db) and np.isfinite(g.dw).all()
    assert_matches(g, reference(np.array([2.0]), 0.0, X, Y))


def test_one_and_two_dimensional_shapes(impl, problem):
    """w as (n,) or (n, 1), Y as (m,) or (1, m): same numbers, dw in w's shape."""
    w, b, X, Y = problem
    two_d = impl.gradients(w, b, X, Y)
    one_d = impl.gradients(w.ravel(), b, X, Y.ravel())
    assert two_d.dw.shape == w.shape and one_d.dw.shape == (w.size,)
    assert isinstance(two_d.db, float) and isinstance(two_d.cost, float)
    assert_matches(one_d, (two_d.dw.ravel(), two_d.db, two_d.cost))


@pytest.mark.parametrize("layout", ["F", "strided", "int", "float32-input"])
def test_any_layout_and_real_dtype(impl, problem, layout):
    """Fortran order, strided views and other real dtypes are computed in float64."""
    w, b, X, Y = problem
    arranged = {
        "F": lambda: np.asfortranarray(X),
        "strided": lambda: np.repeat(X, 2, axis=1)[:, ::2],
        "int": lambda: np.round(X * 4).astype(np.int32),
        "float32-input": lambda: X.astype(np.float32),
    }[layout]()
    assert_matches(impl.gradients(w, b, arranged, Y), reference(w, b, arranged.astype(np.float64), Y))


@given(data=problems())
def test_float32_compute(impl, data):
    """Implementations that compute in float32 stay within 1e-4 of the float64 reference."""
    if "float32" not in impl.dtypes:
        pytest.skip(f"{impl.name} computes in float64 only")
    w, b, X, Y = data
    X32 = X.astype(np.float32)
    g = impl.gradients(w, b, X32, Y, dtype="float32")
    expected = reference(w, b, X32, Y)
    # float32 loses ~1e-7 relative on each term; dw is a sum of terms of size |x|·|dz| ≤ 10.
    np.testing.assert_allclose(g.dw.ravel(), expected[0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose([g.db, g.cost], expected[1:], rtol=1e-4, atol=1e-4)


def test_float32_refused_where_unsupported(impl, problem):
    """Asking a float64-only implementation for float32 is a clear ValueError."""
    if "float32" in impl.dtypes:
        pytest.skip(f"{impl.name} supports float32")
    with pytest.raises(ValueError, match="computes in float64"):
        impl.gradients(*problem, dtype="float32")
