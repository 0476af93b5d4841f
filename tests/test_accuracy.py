"""Confidently classified examples: dw, db and cost exact to 1e-12 against an arbitrary-precision reference.

The reference is mpmath at enough digits to hold e^−|z| next to 1 (|z| up to 700), computed from the
textbook formulas (σ(z) − y and −[y log σ + (1 − y) log(1 − σ)]) with no rewriting: independent of
the cancellation-free forms the implementations use.

Accuracy rule (DESIGN.md): each result is judged relative to the sum of the magnitudes of its terms,
Σ|x·dz|/m for dw, Σ|dz|/m for db, Σ loss/m for the cost (every loss is ≥ 0, so that is the cost
itself). Where no cancellation happens this is the ordinary relative error; where the exact result
is a cancellation (db = 0 in the example below, two terms of opposite sign) a relative error
would demand an exact 0, which no summation order guarantees in general.
"""

import mpmath
import numpy as np
import pytest

RTOL = 1e-12


def exact(w, b, X, Y):
    """(value, scale) for dw (arrays), db and cost, in mpmath from the float64 inputs (which are exact)."""
    n, m = X.shape
    zs = [mpmath.mpf(float(b)) + mpmath.fsum(mpmath.mpf(float(w[j])) * mpmath.mpf(float(X[j, i])) for j in range(n))
          for i in range(m)]
    dw, dw_scale, db, db_scale, cost = np.zeros(n), np.zeros(n), 0, 0, 0
    dzs, losses = [], []
    for z, y in zip(zs, Y, strict=True):
        y = mpmath.mpf(float(y))
        sigma = 1 / (1 + mpmath.exp(-z))
        dzs.append(sigma - y)
        losses.append(-(y * mpmath.log(sigma) + (1 - y) * mpmath.log(1 - sigma)))
    for j in range(n):
        terms = [mpmath.mpf(float(X[j, i])) * dzs[i] for i in range(m)]
        dw[j], dw_scale[j] = float(mpmath.fsum(terms) / m), float(mpmath.fsum(abs(t) for t in terms) / m)
    db, db_scale = float(mpmath.fsum(dzs) / m), float(mpmath.fsum(abs(d) for d in dzs) / m)
    cost = float(mpmath.fsum(losses) / m)
    return (dw, dw_scale), (db, db_scale), (cost, cost)


def assert_exact(g, w, b, X, Y):
    """Every result within RTOL of the sum of its terms' magnitudes, digits enough for e^−|z| beside 1."""
    z_max = float(np.max(np.abs(w.ravel() @ X + b)))
    with mpmath.workdps(40 + int(z_max / 2.3)):
        (dw, dw_scale), (db, db_scale), (cost, cost_scale) = exact(w.ravel(), b, X, Y.ravel())
    np.testing.assert_array_less(np.abs(g.dw.ravel() - dw), RTOL * dw_scale + 1e-320, err_msg="dw")
    assert abs(g.db - db) <= RTOL * db_scale, f"db = {g.db!r}, exact {db!r} (scale {db_scale:.3g})"
    assert abs(g.cost - cost) <= RTOL * cost_scale, f"cost = {g.cost!r}, exact {cost!r}"


def test_the_issues_example(impl):
    """X = [[1, −1]], w = 40, Y = [1, 0]: dw = −4.2484e-18, db = 0, cost = 4.2484e-18 (not ±2.12e-18)."""
    w, X, Y = np.array([[40.0]]), np.array([[1.0, -1.0]]), np.array([[1.0, 0.0]])
    g = impl.gradients(w, 0.0, X, Y)
    assert g.dw[0, 0] == pytest.approx(-4.248354255291589e-18, rel=RTOL)
    assert g.cost == pytest.approx(4.248354255291589e-18, rel=RTOL)
    assert abs(g.db) <= RTOL * 4.248354255291589e-18
    assert_exact(g, w, 0.0, X, Y)


@pytest.mark.parametrize("z", [40.0, 100.0, 300.0, 700.0, -40.0, -100.0, -300.0, -700.0])
@pytest.mark.parametrize("y", [0.0, 1.0, 0.25])
def test_one_confident_example(impl, z, y):
    """One example at z = ±40…700, right, wrong or with a soft label."""
    w, X, Y = np.array([0.5]), np.array([[2 * z]]), np.array([y])
    assert_exact(impl.gradients(w, 0.0, X, Y), w, 0.0, X, Y)


def confident_problem(seed: int):
    """A small problem whose logits all have |z| in [40, 700]; labels mostly right, some wrong or soft."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 5)), int(rng.integers(1, 13))
    w = rng.choice([-1, 1], n) * rng.uniform(1, 2, n)
    b = float(rng.uniform(-1, 1))
    X = rng.choice([-1, 1], (n, m)) * rng.uniform(0.5, 2, (n, m))
    target = rng.choice([-1, 1], m) * rng.uniform(40, 700, m)
    # The last feature sets each example's logit to its target (|x| ≥ 20 there: no subnormal products).
    X[-1] = (target - b - w[:-1] @ X[:-1]) / w[-1]
    right = (target > 0).astype(float)
    kind = rng.choice(3, m, p=[0.7, 0.2, 0.1])  # right, wrong, soft label
    return w, b, X, np.choose(kind, [right, 1 - right, np.full(m, 0.25)])


@pytest.mark.parametrize("seed", range(12))
def test_random_confident_problems(impl, seed):
    """Seeded small problems, every |z| in [40, 700]: dw, db and cost within 1e-12 of mpmath's."""
    w, b, X, Y = confident_problem(seed)
    assert_exact(impl.gradients(w, b, X, Y), w, b, X, Y)
