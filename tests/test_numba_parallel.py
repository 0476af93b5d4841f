"""The fused parallel kernel: reproducible at a fixed thread count, equal across thread counts."""

import numpy as np
import pytest

import impls

pytestmark = pytest.mark.skipif(
    not impls.get("numba_parallel").available, reason="numba_parallel is not available here"
)

# m spans several blocks per thread so the static partition really differs between 1 and 2 threads.
SHAPES = [(3, 40000), (37, 20001), (1000, 1000)]


def _gradients(n, m, layout, threads):
    data = impls.make_problem(n, m, seed=n + m)
    X = {"C": data.X, "F": np.asfortranarray(data.X)}[layout]
    w = np.random.default_rng(1).normal(size=n)
    with impls.limit_threads(threads):
        return [impls.get("numba_parallel").gradients(w, 0.3, X, data.Y) for _ in range(3)]


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize(("n", "m"), SHAPES)
def test_bit_identical_across_calls_and_close_across_thread_counts(n, m, layout):
    """Repeated calls at 2 threads give identical bits; 1 and 2 threads agree to rtol 1e-9."""
    two = _gradients(n, m, layout, 2)
    for g in two[1:]:
        np.testing.assert_array_equal(g.dw, two[0].dw)
        assert (g.db, g.cost) == (two[0].db, two[0].cost)
    one = _gradients(n, m, layout, 1)[0]
    np.testing.assert_allclose(one.dw, two[0].dw, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose([one.db, one.cost], [two[0].db, two[0].cost], rtol=1e-9, atol=1e-13)


@pytest.fixture(scope="module")
def exp_and_log1p():
    """The kernel's own exp(−a) and log1p(t), applied elementwise (they are inlined into its loops)."""
    import numba

    from impls import numba_parallel

    @numba.njit
    def apply(a):
        t = np.empty_like(a)
        log = np.empty_like(a)
        for k in range(a.size):
            t[k] = numba_parallel._exp_neg(a[k])
            log[k] = numba_parallel._log1p_unit(t[k])
        return t, log

    return apply


def test_exp_and_log1p_match_libm_to_a_few_ulp(exp_and_log1p):
    """Over a ∈ [0, 745] (dense near 0) exp(−a) is within 1 ulp of NumPy's, log1p within 4 ulp."""
    a = np.concatenate([np.linspace(0.0, 40.0, 400_001), np.linspace(40.0, 745.0, 100_001),
                        np.geomspace(1e-300, 1e-3, 10_001)])
    t, log = exp_and_log1p(a)
    want_t = np.exp(-a)
    normal = want_t > np.finfo(np.float64).tiny
    np.testing.assert_allclose(t[normal], want_t[normal], rtol=1.01 * np.finfo(np.float64).eps, atol=0)
    np.testing.assert_allclose(t[~normal], want_t[~normal], rtol=0, atol=2 * np.finfo(np.float64).smallest_subnormal)
    want_log = np.log1p(want_t)
    np.testing.assert_allclose(log[normal], want_log[normal], rtol=4 * np.finfo(np.float64).eps, atol=0)


def test_exp_of_extremes_and_non_finite(exp_and_log1p):
    """exp(−a): 1 at 0, 0 from a ≈ 745.2 on and at inf, NaN for NaN (so bad input still shows); log1p(1) = ln 2."""
    t, log = exp_and_log1p(np.array([0.0, 745.2, 800.0, 1e300, np.inf, np.nan]))
    np.testing.assert_array_equal(t[:5], [1.0, 0.0, 0.0, 0.0, 0.0])
    assert log[0] == pytest.approx(np.log(2.0), rel=4 * np.finfo(np.float64).eps)
    assert np.isnan(t[5]) and np.isnan(log[5])
