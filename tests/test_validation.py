"""Bad input: a clear ValueError/TypeError naming the argument, before any kernel runs; no mutation."""

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import impls

W, B = np.full((3, 1), 0.1), 0.5
X = np.arange(12.0).reshape(3, 4) / 10
Y = np.array([[0.0, 1.0, 1.0, 0.0]])


def with_entry(a, index, value):
    out = np.array(a, dtype=float)
    out[index] = value
    return out


BAD = {
    # name: ((w, b, X, Y), exception, message fragment)
    "X-1d": ((W, B, X[0], Y), ValueError, "X must be 2-D"),
    "X-3d": ((W, B, X[None], Y), ValueError, "X must be 2-D"),
    "X-no-examples": ((W, B, X[:, :0], Y[:, :0]), ValueError, "m >= 1 examples"),
    "X-no-features": ((W[:0], B, X[:0], Y), ValueError, "n >= 1 features"),
    "X-nan": ((W, B, with_entry(X, (1, 2), np.nan), Y), ValueError, r"X must be finite; X\[1, 2\]"),
    "X-inf": ((W, B, with_entry(X, (2, 0), -np.inf), Y), ValueError, r"X must be finite; X\[2, 0\]"),
    "X-strings": ((W, B, np.array([["a", "b"]]), Y[:, :2]), TypeError, "X must hold real numbers"),
    "X-complex": ((W, B, X + 1j, Y), TypeError, "X must hold real numbers"),
    "X-objects": ((W, B, np.array([[None, 1]], dtype=object), Y[:, :2]), TypeError, "X must hold real"),
    "X-ragged": ((W, B, [[1.0, 2.0], [3.0]], Y[:, :2]), TypeError, "X must be a real numeric array"),
    "w-wrong-n": ((W[:2], B, X, Y), ValueError, r"w must have shape \(3, 1\) or \(3,\)"),
    "w-row": ((W.T, B, X, Y), ValueError, "w must have shape"),
    "w-nan": ((with_entry(W, (1, 0), np.nan), B, X, Y), ValueError, "w must be finite"),
    "w-strings": ((np.array([["a"], ["b"], ["c"]]), B, X, Y), TypeError, "w must hold real numbers"),
    "b-vector": ((W, np.ones(2), X, Y), ValueError, "b must be a scalar"),
    "b-inf": ((W, np.inf, X, Y), ValueError, "b must be finite"),
    "b-nan": ((W, np.nan, X, Y), ValueError, "b must be finite, got nan"),
    "b-string": ((W, "0.5", X, Y), TypeError, "b must be a real number .*, got '0.5'"),
    "b-none": ((W, None, X, Y), TypeError, "b must be a real number .*, got None"),
    "b-bool": ((W, True, X, Y), TypeError, "b must be a real number .*not bool.*, got True"),
    "b-numpy-bool": ((W, np.array([True]), X, Y), TypeError, "b must be a real number"),
    "b-complex": ((W, 0.5 + 0j, X, Y), TypeError, "b must be a real number"),
    "b-decimal": ((W, Decimal("0.5"), X, Y), TypeError, "b must be a real number"),
    "b-huge-int": ((W, 10**400, X, Y), ValueError, "b must be at most 1.798e[+]308 in magnitude to fit float64"),
    "b-huge-fraction": ((W, Fraction(10**400, 3), X, Y), ValueError, "b must be at most 1.798e[+]308"),
    "Y-wrong-m": ((W, B, X, Y[:, :3]), ValueError, r"Y must have shape \(1, 4\) or \(4,\)"),
    "Y-column": ((W, B, X, Y.T), ValueError, "Y must have shape"),
    "Y-label-above-1": ((W, B, X, with_entry(Y, (0, 1), 2.0)), ValueError, r"labels in \[0, 1\]; Y\[1\]"),
    "Y-label-negative": ((W, B, X, with_entry(Y, (0, 3), -1.0)), ValueError, r"Y\[3\]"),
    "Y-nan": ((W, B, X, with_entry(Y, (0, 0), np.nan)), ValueError, r"finite labels in \[0, 1\]; Y\[0\]"),
    "Y-complex": ((W, B, X, Y + 0j), TypeError, "Y must hold real numbers"),
    "X-masked": ((W, B, np.ma.masked_greater(X, 1.0), Y), TypeError, "X must be a plain array, not a masked"),
    "Y-masked": ((W, B, X, np.ma.masked_equal(Y, 0.0)), TypeError, "Y must be a plain array, not a masked"),
    "w-masked": ((np.ma.masked_equal(W, 0.1), B, X, Y), TypeError, "w must be a plain array, not a masked"),
    "b-masked": ((W, np.ma.masked_array(B), X, Y), TypeError, "b must be a plain array, not a masked"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_names_the_argument(impl, case):
    """Every bad-input class raises the documented exception with the argument's name."""
    args, exc, message = BAD[case]
    with pytest.raises(exc, match=message):
        impl.gradients(*args)


def _assert_same_results(fast, general):
    """The common call's Gradients equal the general path's: same kernel, same canonical w."""
    np.testing.assert_allclose(fast.dw, general.dw, rtol=1e-12, atol=0)
    assert fast.db == pytest.approx(general.db, rel=1e-12) and fast.cost == pytest.approx(general.cost, rel=1e-12)


def _outcome(call, *args):
    """(dw, db, cost) of call(*args), or the message of the ValueError it raised."""
    try:
        return call(*args)
    except ValueError as e:
        return str(e)


@pytest.mark.parametrize("a", [1.0, 1e150, 1e290])
def test_calls_near_the_overflow_bound_agree_with_the_general_path(impl, a):
    """Around the bound under which the common call runs a NumPy kernel without its errstate
    (_validate.quiet_bound): z = wᵀx reaches ratio × the bound on every example, and the call gives the
    general path's results, or the same named overflow; never a warning (warnings are errors here)."""
    n, m = 2, 3
    problem = impl.prepare(np.full((n, m), a), np.zeros(m))  # y = 0: every loss is z itself
    scale, limit = impls._validate.quiet_bound(problem.X)
    compared = 0
    for ratio in (0.5, 0.999, 1.001, 4.0, 1e10):
        w = np.full((n, 1), ratio * limit / scale / np.sqrt(n))  # ‖w‖₂ · scale = ratio · limit, z = ratio · limit
        if not np.isfinite(w).all():
            continue
        fast = _outcome(problem.gradients, w, 0.0)
        general = _outcome(problem.gradients, w.tolist(), np.float64(0.0))
        if isinstance(general, str):
            assert fast == general and "overflowed although w, b, X are finite" in fast
        else:
            _assert_same_results(fast, general)
        compared += 1
    assert compared >= 4


def test_the_overflow_bound_stays_off_where_it_proves_nothing(monkeypatch):
    """float32, m·max|X| near the float64 limit, or an X above QUIET_UP_TO: (inf, 0), so every call keeps
    the errstate and its results still come back."""
    assert impls._validate.quiet_bound(X.astype(np.float32)) == (np.inf, 0.0)
    assert impls._validate.quiet_bound(np.full((2, 4), 1e300)) == (np.inf, 0.0)
    scale, limit = impls._validate.quiet_bound(X)
    assert scale == pytest.approx(np.sqrt(3) * 1.1) and limit == pytest.approx(1e300 / 4)
    monkeypatch.setattr(impls._validate, "QUIET_UP_TO", X.size - 1)
    problem = impls.get("numpy").prepare(X, Y)
    assert (problem._scale, problem._limit) == (np.inf, 0.0)
    np.testing.assert_allclose(problem.gradients(W, B).dw, impls.get("numpy").gradients(W, B, X, Y).dw, rtol=1e-15)


def test_overflowing_logits_are_named(impl):
    """Finite but enormous inputs overflow z; the error says so rather than returning inf."""
    with pytest.raises(ValueError, match="overflowed although w, b, X are finite"):
        impl.gradients(np.array([1e200, 1e200]), 0.0, np.full((2, 3), 1e200), np.zeros(3))


def test_bad_dtype_and_train_settings():
    """Unknown compute dtypes and nonsensical training settings are refused by name."""
    with pytest.raises(ValueError, match="dtype must be float64 or float32"):
        impls.get("numpy").gradients(W, B, X, Y, dtype="float16")
    for kwargs, exc, message in [
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be positive, got 0.0"),
        ({"learning_rate": -1}, ValueError, "learning_rate must be positive, got -1.0"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate must be finite, got nan"),
        ({"iterations": -1}, ValueError, "iterations must be a non-negative integer"),
        ({"iterations": 2.5}, ValueError, "iterations must be a non-negative integer"),
        ({"iterations": 3.0}, ValueError, "iterations must be a non-negative integer, got 3.0"),
        ({"iterations": True}, ValueError, "iterations must be a non-negative integer"),
        ({"learning_rate": True}, TypeError, "learning_rate must be a real number .*not bool.*, got True"),
        ({"implementation": "fortran"}, ValueError, "unknown implementation 'fortran'"),
        ({"implementation": 5}, TypeError, "implementation name must be a string, got int 5"),
    ]:
        with pytest.raises(exc, match=message):
            impls.train(W, B, X, Y, **kwargs)


ACCEPTED_SCALARS = [0.5, 2, Fraction(1, 2), np.float32(0.5), np.int64(2), np.uint8(3), np.longdouble(0.5),
                    np.array(0.5), np.array([[0.5]])]
REFUSED_SCALARS = [True, np.bool_(False), np.array(True), Decimal("0.5"), 0.5 + 0j, np.complex128(0.5), "0.5", None,
                   np.nan, -np.inf, 10**400, Fraction(10**400), np.ones(2), np.ma.masked_array(0.5)]


@pytest.mark.parametrize("value", ACCEPTED_SCALARS, ids=repr)
def test_b_and_learning_rate_accept_the_same_scalars(value):
    """Any real scalar but bool, in any NumPy or numbers type, or a one-element array: the same as its float."""
    problem, as_float = impls.get("numpy").prepare(X, Y), float(np.asarray(value).reshape(()))
    pairs = [(problem.gradients(W, value), problem.gradients(W, as_float)),
             (impls.train(W, B, X, Y, learning_rate=value, iterations=2),
              impls.train(W, B, X, Y, learning_rate=as_float, iterations=2))]
    for given, expected in pairs:
        for a, e in zip(given, expected, strict=True):
            np.testing.assert_array_equal(a, e)


def _refusal(call) -> tuple[type, str]:
    """The exception class and message that ``call`` raises, its argument's name replaced by NAME."""
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    return info.type, str(info.value).replace("learning_rate", "NAME").replace("b ", "NAME ", 1)


@pytest.mark.parametrize("value", REFUSED_SCALARS, ids=repr)
def test_b_and_learning_rate_refuse_the_same_scalars_alike(value):
    """One scalar rule (_validate.real_scalar): the same exception and message for b and learning_rate."""
    for_b = _refusal(lambda: impls.train(W, value, X, Y, iterations=1))
    for_learning_rate = _refusal(lambda: impls.train(W, B, X, Y, learning_rate=value, iterations=1))
    assert for_b == for_learning_rate and for_b[1].startswith("NAME must be")


@pytest.mark.skipif(np.finfo(np.longdouble).max <= np.finfo(np.float64).max, reason="long double is float64 here")
def test_long_double_beyond_float64_is_named_finite_but_out_of_range():
    """b = 1e400 as a long double is finite: the error says it is beyond float64's range, not "not finite"."""
    big = np.longdouble("1e400")
    with pytest.raises(ValueError, match=r"b must be at most 1.798e\+308 in magnitude to fit float64, got a finite"):
        impls.get("numpy").gradients(W, big, X, Y)
    with pytest.raises(ValueError, match=r"^X has values beyond the range of float64 \(largest 1.798e\+308\); "
                                         r"rescale X$"):  # no advice to compute in float64: it already does
        impls.get("numpy").gradients(W, B, np.full(X.shape, big), Y)


NATIVE = {"float64": ["float64", np.float64, np.dtype("float64"), "f8", "double", "d", float, ">f8", "<f8"],
          "float32": ["float32", np.float32, np.dtype("float32"), "f4", "single", "f", ">f4", "<f4"]}


@pytest.mark.parametrize("name", list(NATIVE))
def test_dtype_spellings_and_byte_orders_compute_alike(impl, name):
    """Every spelling of a compute dtype, big-endian ones included, gives the default spelling's results."""
    if name not in impl.dtypes:
        pytest.skip(f"{impl.name} computes in {', '.join(impl.dtypes)} only")
    expected = impl.gradients(W, B, X, Y, dtype=name)
    for dtype in NATIVE[name]:
        problem = impl.prepare(X, Y, dtype=dtype)
        assert problem.X.dtype.isnative and problem.X.dtype == np.dtype(name), dtype
        _assert_same_results(problem.gradients(W, B), expected)


@pytest.mark.parametrize("dtype", ["float16", "complex128", "int64", "foo", "i4,(", 5, object, [("a", "f8")]], ids=repr)
def test_other_compute_dtypes_are_refused_by_name(dtype):
    """Anything but float64 and float32 (or unreadable as a dtype) is one ValueError naming dtype."""
    with pytest.raises(ValueError, match="dtype must be float64 or float32"):
        impls.get("numpy").prepare(X, Y, dtype=dtype)


def test_big_endian_arrays_compute_like_native_ones(impl):
    """X, Y, w and b in big-endian byte order reach every kernel converted: the native inputs' results."""
    swapped = [a.astype(a.dtype.newbyteorder("S")) for a in (W, np.array(B), X, Y)]
    assert not any(a.dtype.isnative for a in swapped)
    _assert_same_results(impl.gradients(*swapped), impl.gradients(W, B, X, Y))


def test_inputs_are_never_mutated(impl):
    """The caller's w, X, Y (and b) are bit-for-bit unchanged after gradients and train."""
    w, X_, Y_ = W.copy(), np.asfortranarray(X), Y.copy()
    before = [a.copy() for a in (w, X_, Y_)]
    impl.gradients(w, B, X_, Y_)
    fit = impls.train(w, B, X_, Y_, iterations=3, implementation=impl.name)
    for a, original in zip((w, X_, Y_), before, strict=True):
        np.testing.assert_array_equal(a, original)
    assert fit.w is not w and not np.shares_memory(fit.w, w)


def test_float32_overflow_of_finite_x_is_named(impl):
    """X = 1e300 is finite in float64 but not in float32: a ValueError naming X and float32, no RuntimeWarning."""
    if "float32" not in impl.dtypes:
        pytest.skip(f"{impl.name} computes in float64 only")
    with pytest.raises(ValueError, match="X has values beyond the range of float32"):
        impl.prepare(with_entry(X, (1, 1), 1e300), Y, dtype="float32")


def test_implementation_name_must_be_a_string():
    """get(['numpy']) is a TypeError that lists the valid names, not 'unhashable type'."""
    with pytest.raises(TypeError, match="implementation name must be a string, got list") as info:
        impls.get(["numpy"])
    assert all(name in str(info.value) for name in impls.names())


def test_limit_threads_takes_any_integral_but_bool():
    """NumPy integers count as whole numbers; True does not."""
    with impls.limit_threads(np.int64(1)) as k:
        assert k == 1 and type(k) is int
    with pytest.raises(ValueError, match="threads must be a positive integer, got True"):
        with impls.limit_threads(True):
            pass


def test_prepared_problem_keeps_a_snapshot(impl):
    """Editing the caller's X and Y after prepare changes nothing: not the numbers, not the validation."""
    X_, Y_ = np.asfortranarray(X), Y.copy()
    problem = impl.prepare(X_, Y_)
    before = problem.gradients(W, B)
    X_[:] = 7.0
    Y_[0, 0] = 5.0  # a label prepare would have refused
    after = problem.gradients(W, B)
    np.testing.assert_array_equal(after.dw, before.dw)
    assert (after.db, after.cost) == (before.db, before.cost)
    if not impl.spec.copies:  # the interface's snapshot: private, read-only, X's layout kept
        assert not np.shares_memory(problem.X, X_) and not problem.X.flags.writeable
        assert problem.X.flags.f_contiguous


def test_the_common_call_and_the_general_path_agree(impl, problem):
    """A C-contiguous float64 w and a float b take the public call's inline checks; a list and a NumPy
    scalar take the general path. Both reach the same kernel with the same canonical w: equal results,
    and dw in the caller's shape either way."""
    w, b, X, Y = problem
    prepared = impl.prepare(X, Y)
    for given in (w, w.ravel()):
        fast = prepared.gradients(given, b)
        general = prepared.gradients(given.tolist(), np.float64(b))
        assert fast.dw.shape == general.dw.shape == given.shape
        _assert_same_results(fast, general)
        assert type(fast.db) is float and type(fast.cost) is float and fast.dw.dtype == np.float64
