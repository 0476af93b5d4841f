"""Every implementation equals the independent reference and every other implementation, on both layouts."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import impls
from reports.contract.schema import FRAME, LAYOUTS, LECTURE
from tests.reference import reference

RTOL = {"float64": 1e-9, "float32": 1e-4}
# dw entries can cancel to ~0, where a relative bound means nothing; values here are O(1..10).
ATOL = {"float64": 1e-12, "float32": 1e-5}

# Subnormal X is left to test_subnormal_x below, which states what each implementation does with it
# (JAX flushes subnormals to zero): random problems keep to normal numbers so equality is meaningful.
finite = st.floats(-10, 10, allow_nan=False, allow_subnormal=False)
# Implementations documented to flush subnormals to zero (see their module docstrings).
FLUSHES_SUBNORMALS = {"jax"}


def arrange(X: np.ndarray, layout: str) -> np.ndarray:
    """X in the lecture layout ((n, m), C order) or the data-frame layout (X.T of an (m, n) C array)."""
    return {LECTURE: np.ascontiguousarray, FRAME: lambda a: np.ascontiguousarray(a.T).T}[layout](X)


@pytest.fixture(scope="session", params=LAYOUTS)
def layout(request) -> str:
    """Both memory layouts of X that the grid measures."""
    return request.param


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


def assert_matches(g, expected, dtype="float64", label=""):
    """dw, db and cost of ``g`` equal ``expected`` to the dtype's tolerance; ``label`` names the comparison."""
    dw, db, cost = expected
    for what, got, want in (("dw", g.dw.ravel(), dw), ("db", g.db, db), ("cost", g.cost, cost)):
        np.testing.assert_allclose(got, want, rtol=RTOL[dtype], atol=ATOL[dtype], err_msg=f"{label}: {what}")


@given(data=problems())
def test_matches_reference_on_random_problems(impl, layout, data):
    """Hypothesis over shapes and values, both layouts: rtol 1e-9 against the float64 reference."""
    w, b, X, Y = data
    assert_matches(impl.gradients(w, b, arrange(X, layout), Y), reference(*data), label=f"{impl.name} {layout}")


@given(data=problems())
def test_every_pair_of_implementations_agrees(data):
    """On the same data, both layouts, every pair of available implementations agrees to rtol 1e-9."""
    w, b, X, Y = data
    results = {(name, layout): impls.get(name).gradients(w, b, arrange(X, layout), Y)
               for name in impls.names() if impls.get(name).available for layout in LAYOUTS}
    for (a, ga), (b_, gb) in itertools.combinations(results.items(), 2):
        assert_matches(ga, (gb.dw.ravel(), gb.db, gb.cost), label=f"{a} vs {b_}")


@pytest.mark.parametrize("z", [800.0, -800.0, 745.0, -745.0, 40.0, -40.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_extreme_z_is_finite_and_exact(impl, layout, z, y):
    """|z| of several hundred: σ saturates, the cost stays exact (≈ |z| when wrong), no warnings."""
    X = arrange(np.array([[z / 2, -z / 2, z / 2]]), layout)
    Y = np.array([[y, 1 - y, y]])
    g = impl.gradients(np.array([[2.0]]), 0.0, X, Y)
    assert np.isfinite(g.cost) and np.isfinite(g.db) and np.isfinite(g.dw).all()
    assert_matches(g, reference(np.array([2.0]), 0.0, X, Y), label=impl.name)


def test_subnormal_x(impl):
    """X ≈ 1e-310: a subnormal dw that matches the reference, or exactly 0 where the module documents flushing."""
    X, Y, w = np.array([[1e-310, 3e-310, -2e-310]]), np.array([1.0, 0.0, 1.0]), np.array([1.0])
    g = impl.gradients(w, 0.0, X, Y)
    expected = reference(w, 0.0, X, Y)
    assert expected[0][0] != 0  # the reference keeps the subnormal
    if impl.name in FLUSHES_SUBNORMALS:
        assert g.dw[0] == 0.0, f"{impl.name} no longer flushes subnormals: update its docstring and this set"
    else:
        np.testing.assert_allclose(g.dw, expected[0], rtol=1e-6, atol=0)  # subnormals carry fewer bits
    np.testing.assert_allclose([g.db, g.cost], expected[1:], rtol=1e-12)


def test_one_and_two_dimensional_shapes(impl, problem):
    """w as (n,) or (n, 1), Y as (m,) or (1, m): same numbers, dw in w's shape."""
    w, b, X, Y = problem
    two_d = impl.gradients(w, b, X, Y)
    one_d = impl.gradients(w.ravel(), b, X, Y.ravel())
    assert two_d.dw.shape == w.shape and one_d.dw.shape == (w.size,)
    assert isinstance(two_d.db, float) and isinstance(two_d.cost, float)
    assert_matches(one_d, (two_d.dw.ravel(), two_d.db, two_d.cost), label=impl.name)


W_VIEWS = {
    "read-only": lambda w: np.broadcast_to(w, w.shape),
    "strided": lambda w: np.repeat(w, 2, axis=0)[::2],
    "reversed": lambda w: w[::-1].copy()[::-1],
}


@pytest.mark.parametrize("view", W_VIEWS)
def test_any_view_of_w(impl, problem, view):
    """w as a read-only, strided or reversed view (the fast path passes only plain arrays) gives the same numbers."""
    w, b, X, Y = problem
    g = impl.gradients(W_VIEWS[view](w), b, X, Y)
    assert_matches(g, reference(w, b, X, Y), label=f"{impl.name} w {view}")


ARRANGED = {
    "strided": lambda X: np.repeat(X, 2, axis=1)[:, ::2],
    "reversed": lambda X: X[::-1, ::-1],
    "int": lambda X: np.round(X * 4).astype(np.int32),
    "float32-input": lambda X: X.astype(np.float32),
    "field-view": lambda X: _field_view(X),
}


def _field_view(X: np.ndarray) -> np.ndarray:
    """X as one field of a structured array: strides that are not a multiple of the itemsize."""
    packed = np.zeros(X.shape, dtype=[("x", "f8"), ("tag", "i4")])
    packed["x"] = X
    return packed["x"]


@pytest.mark.parametrize("arrangement", ARRANGED)
def test_any_layout_and_real_dtype(impl, problem, arrangement):
    """Strided, reversed and field views and other real dtypes are computed in float64."""
    w, b, X, Y = problem
    arranged = ARRANGED[arrangement](X)
    assert_matches(impl.gradients(w, b, arranged, Y), reference(w, b, arranged.astype(np.float64), Y),
                   label=f"{impl.name} {arrangement}")


@given(data=problems())
def test_float32_compute(impl, layout, data):
    """Implementations that compute in float32 stay within 1e-4 of the float64 reference, both layouts."""
    if "float32" not in impl.dtypes:
        pytest.skip(f"{impl.name} computes in float64 only")
    w, b, X, Y = data
    X32 = arrange(X.astype(np.float32), layout)
    g = impl.gradients(w, b, X32, Y, dtype="float32")
    expected = reference(w, b, X32, Y)
    # float32 loses ~1e-7 relative on each term; dw is a sum of terms of size |x|·|dz| ≤ 10.
    np.testing.assert_allclose(g.dw.ravel(), expected[0], rtol=1e-4, atol=1e-4, err_msg=impl.name)
    np.testing.assert_allclose([g.db, g.cost], expected[1:], rtol=1e-4, atol=1e-4, err_msg=impl.name)


def test_float32_refused_where_unsupported(impl, problem):
    """Asking a float64-only implementation for float32 is a clear ValueError."""
    if "float32" in impl.dtypes:
        pytest.skip(f"{impl.name} supports float32")
    with pytest.raises(ValueError, match="computes in float64"):
        impl.gradients(*problem, dtype="float32")
