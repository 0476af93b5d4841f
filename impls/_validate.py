"""The one validation step: every public call passes through here before any kernel runs.

Checks cost O(n + m) and never scan X: a NaN/inf scan of X would be a second pass over the
largest array. Non-finite X makes the outputs non-finite, so ``check_outputs`` scans X only
then, to name the problem. The per-call checks (w, b, outputs) have fast paths for the common
case (a float64 ndarray w, a float b, finite results) because at m = 100 they cost as much as the
kernel: no copies, no ufunc calls, no error-state context.
"""

import math
import numbers

import numpy as np

from impls._spec import COMPUTE_DTYPES

# The native-byte-order dtype of each compute dtype's name: kernels (Numba's above all) type only native data.
_NATIVE = {name: np.dtype(name) for name in COMPUTE_DTYPES}
_F64 = _NATIVE["float64"]


def compute_dtype(dtype) -> np.dtype:
    """The compute dtype asked for, float64 (default) or float32, in native byte order.

    Any spelling NumPy reads ("f8", "double", np.float32, a dtype object) and either byte order is
    accepted: ">f8" names float64 too, and the snapshot of X and Y converts to the native order anyway.
    """
    if dtype is None:
        return _F64
    try:
        name = np.dtype(dtype).name  # "float64" for both byte orders
    except (TypeError, ValueError, SyntaxError):  # what np.dtype raises for a string it cannot parse
        name = None
    if name not in _NATIVE:
        raise ValueError(f"dtype must be {' or '.join(_NATIVE)} (in any spelling or byte order), got {dtype!r}")
    return _NATIVE[name]


def positive_int(value, name: str) -> int:
    """``value`` as an int when it is a whole number >= 1 (any integral type, bool excluded)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _real_array(value, name: str) -> np.ndarray:
    if isinstance(value, np.ma.MaskedArray):  # np.asarray would drop the mask and use the hidden values
        raise TypeError(f"{name} must be a plain array, not a masked array (its mask would be ignored); "
                        "fill or drop the masked entries first")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real numeric array, got {type(value).__name__}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def _cast(arr: np.ndarray, dtype: np.dtype, name: str, copy: bool) -> np.ndarray:
    """``arr`` in ``dtype``: a fresh copy in arr's own memory layout (copy), else no copy if it already is."""
    # A value finite in float64 but beyond float32's range would become inf with a RuntimeWarning;
    # the cast is the one pass that sees it, so it is where the error is named.
    try:
        with np.errstate(over="raise"):
            return np.array(arr, dtype=dtype, order="K") if copy else arr.astype(dtype, copy=False)
    except FloatingPointError:
        hint = " or compute in float64" if dtype != _F64 else ""
        raise ValueError(f"{name} has values beyond the range of {dtype.name} (largest {np.finfo(dtype).max:.4g}); "
                         f"rescale {name}{hint}") from None


def _snapshot(arr: np.ndarray, dtype: np.dtype, name: str, snapshot: bool) -> np.ndarray:
    """A private read-only copy (snapshot), or ``arr`` in ``dtype`` without a copy where it already is."""
    out = _cast(arr, dtype, name, copy=snapshot)
    if snapshot:
        out.flags.writeable = False
    return out


def check_X(X, dtype: np.dtype, *, snapshot: bool = True) -> np.ndarray:
    """X as an (n, m) array of the compute dtype: a private read-only copy, or (snapshot=False) no copy."""
    X = _real_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D with shape (n, m) (one example per column), got shape {X.shape}")
    n, m = X.shape
    if n == 0 or m == 0:
        raise ValueError(f"X must have n >= 1 features and m >= 1 examples, got shape {X.shape}")
    return _snapshot(X, dtype, "X", snapshot)


def check_Y(Y, m: int, dtype: np.dtype, *, snapshot: bool = True) -> np.ndarray:
    """Y as an (m,) array of labels in [0, 1], copied like X."""
    Y = _real_array(Y, "Y")
    if Y.shape not in ((1, m), (m,)):
        raise ValueError(f"Y must have shape (1, {m}) or ({m},) to match X's m = {m}, got {Y.shape}")
    Y = Y.reshape(m)
    # One min and one max catch NaN (comparisons are False), infinities and labels outside [0, 1].
    if not (Y.min() >= 0 and Y.max() <= 1):
        bad = np.flatnonzero(~((Y >= 0) & (Y <= 1)))[0]
        raise ValueError(f"Y must hold finite labels in [0, 1]; Y[{bad}] = {Y[bad]!r}")
    return _snapshot(Y, dtype, "Y", snapshot)


def check_w(w, n: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """w as a finite (n,) float64 array, plus the caller's shape to give dw back in.

    A contiguous, aligned, writable float64 ndarray of the right shape is passed on as a view
    (kernels never write to w); anything else (a read-only or strided view included, which torch
    cannot wrap) is copied once into a fresh array.
    """
    shape = w.shape if type(w) is np.ndarray and w.dtype == _F64 and w.flags.carray else None
    if shape == (n,) or shape == (n, 1):
        flat = w.ravel()  # a view, since w is C-contiguous
    else:
        arr = _real_array(w, "w")
        if arr.shape not in ((n, 1), (n,)):
            raise ValueError(f"w must have shape ({n}, 1) or ({n},) to match X's n = {n}, got {arr.shape}")
        flat, shape = _cast(arr.reshape(n), _F64, "w", copy=True), arr.shape
    if not all_finite(flat):
        raise ValueError(f"w must be finite; w[{np.flatnonzero(~np.isfinite(flat))[0]}] is not")
    return flat, shape


def check_b(b) -> float:
    """b as a finite Python float, by the scalar rule of ``real_scalar``."""
    return real_scalar(b, "b")


# Refused by real_scalar once numbers.Real is ruled out: bool, complex and Decimal (numbers, not real), text, None.
_NOT_REAL = (numbers.Number, str, bytes, type(None))


def real_scalar(value, name: str) -> float:
    """``value`` as a finite Python float: the one rule for the public scalar arguments (b, learning_rate).

    Accepted: int, float, any other numbers.Real (Fraction, NumPy integer and floating scalars), and a
    0-d or one-element real array (a tensor included). A TypeError for bool (``True`` where a number
    belongs is a flag passed by mistake, not a deliberate 1), complex, Decimal (not numbers.Real: Python
    itself refuses to mix it with float), text and None; a ValueError for more than one element, NaN,
    ±inf, and a finite value beyond float64's range (a huge int, a long double).
    """
    if not (type(value) is float or type(value) is int):  # the common case skips the type checks
        value = _real_number(value, name)
    try:
        x = float(value)  # a long double beyond float64's range becomes inf, silently
    except OverflowError:  # an int or Fraction beyond float64's range
        x = math.inf
    if math.isfinite(x):
        return x
    if isinstance(value, numbers.Rational) or np.isfinite(value):
        raise ValueError(f"{name} must be at most {np.finfo(_F64).max:.4g} in magnitude to fit float64, "
                         f"got a finite {type(value).__name__} beyond that")
    raise ValueError(f"{name} must be finite, got {x}")


def _real_number(value, name: str):
    """``value`` as a numbers.Real other than bool, taken out of a 0-d or one-element array if it is one."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return value
    if not isinstance(value, _NOT_REAL):
        arr = _real_array(value, name)  # refuses masked arrays and non-numeric dtypes, naming them
        if arr.size != 1:
            raise ValueError(f"{name} must be a scalar, got an array of shape {arr.shape}")
        if arr.dtype.kind != "b":
            return arr.reshape(())[()]
    raise TypeError(f"{name} must be a real number (int, float, a real NumPy scalar; not bool, complex, text), "
                    f"got {value!r}")


def finite_sum(v: np.ndarray) -> float:
    """A sum of a 1-D float64 array's entries (or squares) that is finite whenever every entry is, and only then
    but for overflow: NaN and ±inf propagate through it, so a finite result proves every entry finite."""
    # Up to ~32 entries a Python sum beats any NumPy call; above, np.vdot (which, unlike @ and dot, does
    # not warn when it overflows).
    return sum(v.tolist()) if v.size <= 32 else np.vdot(v, v)


def norm(v: np.ndarray) -> float:
    """‖v‖₂ of a 1-D float64 array: finite when every entry is finite, and only then, but for overflow
    (a norm above ~1.8e308, or above 32 entries squares above ~1.3e154)."""
    # math.hypot scales, never overflows on its own, and returns inf for any inf entry, NaN for a NaN.
    return math.hypot(*v.tolist()) if v.size <= 32 else math.sqrt(np.vdot(v, v))


def quiet_bound(X: np.ndarray) -> tuple[float, float]:
    """(scale, limit) such that ‖w‖₂·scale + |b| < limit proves a NumPy kernel on X cannot overflow.

    With A = max|X|, every partial sum of z = wᵀX + b is at most ‖w‖₁·A + |b| ≤ √n·‖w‖₂·A + |b|;
    if that is below 1e300/m, the loss sums stay below ~1e300, and X·dz (|dz| ≤ 1 for labels in
    [0, 1]) stays below m·A. The bound is computed only for X up to QUIET_UP_TO elements: beyond,
    a call takes milliseconds, the errstate's microsecond is noise, and (inf, 0) keeps it.
    """
    n, m = X.shape
    if X.size > QUIET_UP_TO or X.dtype != _F64:
        return math.inf, 0.0
    A = max(abs(float(X.max())), abs(float(X.min())))
    if m * A >= 1e300:
        return math.inf, 0.0
    return math.sqrt(n) * A, 1e300 / m


# Elements of X up to which quiet_bound reads X once more in prepare (8 MiB of float64).
QUIET_UP_TO = 2**20


def all_finite(v: np.ndarray) -> bool:
    """Whether every entry of a 1-D float64 array is finite, at the cost of one sum when it is."""
    # Only a sum of finite entries that overflows needs the element-wise check.
    return math.isfinite(finite_sum(v)) or bool(np.isfinite(v).all())


def check_hyper(learning_rate, iterations) -> tuple[float, int]:
    """Gradient-descent settings: a positive step (real_scalar's rule) and a non-negative whole count (not a bool)."""
    step = real_scalar(learning_rate, "learning_rate")
    if step <= 0:
        raise ValueError(f"learning_rate must be positive, got {step}")
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral) or iterations < 0:
        raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
    return step, int(iterations)


def check_outputs(dw: np.ndarray, db: float, cost: float, X: np.ndarray) -> None:
    """Raise a ValueError naming the cause when a kernel's results are not finite."""
    if math.isfinite(db) and math.isfinite(cost) and all_finite(dw):
        return
    # Row first, then column: two reductions that NumPy and Dask arrays both evaluate without
    # flattening X (a Dask X is scanned on its workers, chunk by chunk; np.asarray fetches the result).
    bad = ~np.isfinite(X)
    rows = np.asarray(bad.any(axis=1))
    if rows.any():
        j = int(rows.argmax())
        i = int(np.asarray(bad[j]).argmax())
        raise ValueError(f"X must be finite; X[{j}, {i}] = {np.asarray(X[j, i])[()]!r}")
    raise ValueError(
        "the gradient overflowed although w, b, X are finite: |z| = |wᵀx + b| exceeds the range "
        f"of {X.dtype}; rescale X or w"
    )
