"""The fused parallel kernel: exact, reproducible at a fixed thread count, the same on every layout."""

import mpmath
import numba
import numpy as np
import pytest

import impls
from impls import numba_parallel, numba_parallel_inplace
from tests.reference import reference

pytestmark = pytest.mark.skipif(
    not impls.get("numba_parallel").available, reason="numba_parallel is not available here"
)

# m spans several blocks per thread so the static partition really differs between 1 and 2 threads.
SHAPES = [(3, 40000), (37, 20001), (1000, 1000)]
# Odd sizes for the copy: a single example or feature, n not a multiple of ROWS = 16, m not a
# multiple of the block (float64 panels: 8192 examples at n ≤ 16), and from COLUMNS_FROM_N = 512
# features on the example-major copy, with blocks (28 examples at n=513) not a multiple of 4.
ODD_SHAPES = [(1, 1), (1, 5), (5, 1), (17, 20001), (33, 9000), (513, 50), (1000, 1000)]
LAYOUTS = {"C": lambda X: X, "F": lambda X: np.ascontiguousarray(X.T).T}  # F: a data frame's (m, n) array, transposed
# The fused loops on the prepared copy (the registered, public path's kernel) and on X as given.
KERNELS = {
    "tiled": lambda w, b, X, Y: numba_parallel.gradients(w, b, *numba_parallel.prepare(X, Y)),
    "inplace": numba_parallel_inplace.gradients,
}


def _gradients(n, m, layout, threads):
    data = impls.make_problem(n, m, seed=n + m)
    X = LAYOUTS[layout](data.X)
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
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one core: limit_threads(2) gives 1 thread, so '1 against 2 threads' would compare 1 with 1")
    one = _gradients(n, m, layout, 1)[0]
    np.testing.assert_allclose(one.dw, two[0].dw, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose([one.db, one.cost], [two[0].db, two[0].cost], rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("layout", ["C", "F"])
def test_one_chunk_runs_without_a_parallel_region_and_gives_its_bits(monkeypatch, layout):
    """One thread, or examples within one block: run takes the serial driver, whose sums are the parallel
    driver's one chunk in the same order, so the same bits; more blocks at 2 threads still run in parallel."""
    n, m = 10, 300
    data = impls.make_problem(n, m, seed=4)
    T, Y, block = numba_parallel.prepare(LAYOUTS[layout](data.X), data.Y.reshape(m))
    w = np.random.default_rng(2).normal(size=n)
    assert m <= block
    parallel = numba_parallel._kernel(w, 0.3, T, Y, block, 2)
    calls = []
    monkeypatch.setattr(numba_parallel, "_kernel", lambda *args: calls.append(args) or parallel)
    for threads in (1, 2):
        with impls.limit_threads(threads):
            serial = numba_parallel.run(w, 0.3, T, Y, block)
        np.testing.assert_array_equal(serial[0], parallel[0])
        assert serial[1:] == parallel[1:]
    assert calls == []
    with impls.limit_threads(2):  # X as given, in blocks of 64 examples: 5 blocks
        numba_parallel.run(w, 0.3, data.X, Y, 64)
    assert len(calls) == (1 if numba.config.NUMBA_NUM_THREADS >= 2 else 0)


def _odd_problem(n, m, dtype):
    data = impls.make_problem(n, m, seed=n * 31 + m, dtype=dtype)
    w = np.random.default_rng(n).normal(0.0, 1.0 / np.sqrt(n), size=n).astype(dtype)
    return w, data.X, data.Y.reshape(m)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize(("n", "m"), ODD_SHAPES)
def test_copy_holds_each_block_contiguously(n, m, layout, dtype):
    """prepare's copy has exactly X's elements, in memory of its own: block k's examples are one
    contiguous (n, B) panel of it, or (from COLUMNS_FROM_N features on) each example is contiguous."""
    w, X, Y = _odd_problem(n, m, dtype)
    given = LAYOUTS[layout](X)
    copy, _, block = numba_parallel.prepare(given, Y)
    assert copy.size == n * m and copy.dtype == X.dtype and not np.shares_memory(copy, given)
    if n >= numba_parallel.COLUMNS_FROM_N:
        assert copy.shape == (n, m) and copy.T.flags.c_contiguous
        np.testing.assert_array_equal(copy, X)
        return
    assert copy.shape == (n * m,) and copy.flags.c_contiguous
    for lo in range(0, m, block):
        hi = min(lo + block, m)
        np.testing.assert_array_equal(copy[n * lo : n * hi].reshape(n, hi - lo), X[:, lo:hi])


def test_panel_rows_never_lie_a_multiple_of_4_kib_apart():
    """block_size is an odd multiple of 16 examples (256…8192) for every n that gets panels, in both
    dtypes: rows a multiple of 4 KiB apart put a 16-row sweep into the same L1 sets."""
    for itemsize in (8, 4):
        for n in range(1, numba_parallel.COLUMNS_FROM_N):
            b = numba_parallel.block_size(n, itemsize)
            assert b % 32 == 16 and 256 <= b <= 8192 and b * itemsize % 4096, (n, itemsize, b)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("n", "m"), ODD_SHAPES)
def test_tiled_and_inplace_match_the_reference_on_both_layouts(n, m, dtype):
    """Tiled copy and X as given, C and F order, 1 and 2 threads: all match the float64 reference;
    the tiled copy of either layout gives identical bits, call after call."""
    w, X, Y = _odd_problem(n, m, dtype)
    want = reference(w, 0.3, X, Y)
    rtol, atol = {"float64": (1e-9, 1e-12), "float32": (1e-4, 1e-5)}[dtype]
    for threads in (1, 2):
        with impls.limit_threads(threads):
            got = {(kernel, layout): call(w, 0.3, LAYOUTS[layout](X), Y)
                   for kernel, call in KERNELS.items() for layout in LAYOUTS}
            again = KERNELS["tiled"](w, 0.3, LAYOUTS["F"](X), Y)
        for key, (dw, db, cost) in got.items():
            for label, g, e in zip(("dw", "db", "cost"), (dw, db, cost), want, strict=True):
                np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"{key} {threads} threads: {label}")
        tiled = [got["tiled", "C"], got["tiled", "F"], again]
        for dw, db, cost in tiled[1:]:
            np.testing.assert_array_equal(dw, tiled[0][0])
            assert (db, cost) == tiled[0][1:]


def test_prepare_refuses_a_copy_that_does_not_fit(monkeypatch):
    """With too little memory free, prepare raises MemoryError naming the sizes and the no-copy variant."""
    data = impls.make_problem(100, 10_000, seed=0)
    impls.get("numba_parallel").prepare(data.X, data.Y)  # 8 MB fits
    monkeypatch.setattr(numba_parallel, "available_bytes", lambda: 10**6)
    with pytest.raises(MemoryError, match=r"8 MiB more, over 80% of the 1 MiB available.*numba_parallel_inplace"):
        impls.get("numba_parallel").prepare(data.X, data.Y)


def _exact(w, b, X, Y):
    """dw, db, cost of the float inputs in 60-digit arithmetic (mpmath), and each one's sum of |terms|."""
    mpmath.mp.dps = 60
    n, m = X.shape
    z = [mpmath.fsum(mpmath.mpf(float(w[j])) * mpmath.mpf(float(X[j, i])) for j in range(n)) + mpmath.mpf(b)
         for i in range(m)]
    dz = [1 / (1 + mpmath.exp(-zi)) - mpmath.mpf(float(y)) for zi, y in zip(z, Y, strict=True)]
    loss = [mpmath.log1p(mpmath.exp(zi)) - mpmath.mpf(float(y)) * zi for zi, y in zip(z, Y, strict=True)]
    terms = [[mpmath.mpf(float(X[j, i])) * dz[i] for i in range(m)] for j in range(n)] + [dz, loss]
    return [(float(mpmath.fsum(t) / m), float(mpmath.fsum(abs(x) for x in t) / m)) for t in terms]


def _confident_problems():
    """X = [[1, −1]], w = 40, Y = [1, 0] (exact: dw = −4.2484e-18, db = 0, cost = 4.2484e-18), and
    z = ±40…700 with right, wrong and fractional labels (z exact in float64: X = z/2, w = 2)."""
    yield np.array([40.0]), 0.0, np.array([[1.0, -1.0]]), np.array([1.0, 0.0])
    z = np.array([40.0, 100.0, 300.0, 700.0, 37.5, 745.0])
    z = np.concatenate([z, -z])
    right = (z > 0).astype(float)
    for labels in (right, 1.0 - right, np.full(z.size, 0.25)):
        X = np.stack([np.tile(z / 2, 2), np.full(2 * z.size, 0.5)])
        yield np.array([2.0, 1.0]), -0.5, X, np.concatenate([labels, right])


@pytest.mark.parametrize("layout", ["C", "F"])
@pytest.mark.parametrize("kernel", KERNELS)
def test_confident_examples_are_exact(kernel, layout):
    """At z = ±40…745, dw, db and cost are within 1e-12 of an mpmath reference, relative to each
    sum's magnitude (Σ|terms|): σ(z) − y and the loss are computed without cancellation."""
    for k, (w, b, X, Y) in enumerate(_confident_problems()):
        dw, db, cost = KERNELS[kernel](w, b, LAYOUTS[layout](X), Y)
        for label, got, (want, scale) in zip([f"dw[{j}]" for j in range(w.size)] + ["db", "cost"],
                                             [*dw, db, cost], _exact(w, b, X, Y), strict=True):
            assert abs(got - want) <= 1e-12 * scale, f"problem {k}: {label} = {got!r}, exact {want!r}"
    dw, db, cost = KERNELS[kernel](*next(_confident_problems()))
    assert (dw[0], db, cost) == pytest.approx((-4.2484e-18, 0.0, 4.2484e-18), rel=1e-4, abs=1e-300)


@pytest.fixture(scope="module")
def exp_and_log1p():
    """The kernel's own exp(−a) and log1p(t), applied elementwise (they are inlined into its loops)."""
    import numba

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
    """Over a ∈ [0, 745] (dense near 0) exp(−a) is within 1.01 ε (relative) of NumPy's, log1p within 4 ε."""
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
