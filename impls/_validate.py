"""The one validation step: every public call passes through here before any kernel runs.

Checks cost O(n + m) and never scan X: a NaN/inf scan of X would be a second pass over the
largest array. Non-finite X makes the outputs non-finite, so ``check_outputs`` scans X only
then, to name the problem.
"""

import numbers

import numpy as np

COMPUTE_DTYPES = {"float64": np.float64, "float32": np.float32}


def compute_dtype(dtype) -> np.dtype:
    """The compute dtype asked for: float64 (default) or float32."""
    if dtype is None:
        return np.dtype(np.float64)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in COMPUTE_DTYPES:
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    return dt


def _real_array(value, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real numeric array, got {type(value).__name__}") from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def check_X(X, dtype: np.dtype) -> np.ndarray:
    """X as an (n, m) array of the compute dtype; no copy when it already is one."""
    X = _real_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D with shape (n, m) (one example per column), got shape {X.shape}")
    n, m = X.shape
    if n == 0 or m == 0:
        raise ValueError(f"X must have n >= 1 features and m >= 1 examples, got shape {X.shape}")
    return X.astype(dtype, copy=False)


def check_Y(Y, m: int, dtype: np.dtype) -> np.ndarray:
    """Y as an (m,) array of labels in [0, 1]."""
    Y = _real_array(Y, "Y")
    if Y.shape not in ((1, m), (m,)):
        raise ValueError(f"Y must have shape (1, {m}) or ({m},) to match X's m = {m}, got {Y.shape}")
    Y = Y.reshape(m).astype(dtype, copy=False)
    # One min and one max catch NaN (comparisons are False), infinities and labels outside [0, 1].
    if not (Y.min() >= 0 and Y.max() <= 1):
        bad = np.flatnonzero(~((Y >= 0) & (Y <= 1)))[0]
        raise ValueError(f"Y must hold finite labels in [0, 1]; Y[{bad}] = {Y[bad]!r}")
    return Y


def check_w(w, n: int) -> tuple[np.ndarray, tuple[int, ...]]:
    """w as a fresh, finite (n,) float64 array, plus the caller's shape to give dw back in."""
    arr = _real_array(w, "w")
    if arr.shape not in ((n, 1), (n,)):
        raise ValueError(f"w must have shape ({n}, 1) or ({n},) to match X's n = {n}, got {arr.shape}")
    out = np.array(arr, dtype=np.float64).reshape(n)  # a copy: kernels can never touch the caller's w
    if not np.isfinite(out).all():
        raise ValueError(f"w must be finite; w[{np.flatnonzero(~np.isfinite(out))[0]}] is not")
    return out, arr.shape


def check_b(b) -> float:
    """b as a finite Python float (a scalar, a 0-d or a one-element array)."""
    arr = _real_array(b, "b")
    if arr.size != 1:
        raise ValueError(f"b must be a scalar, got an array of shape {arr.shape}")
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        raise ValueError(f"b must be finite, got {value}")
    return value


def check_hyper(learning_rate, iterations) -> tuple[float, int]:
    """Gradient-descent settings: a positive finite step and a non-negative whole count."""
    if not isinstance(learning_rate, numbers.Real) or not (0 < float(learning_rate) < np.inf):
        raise ValueError(f"learning_rate must be a positive finite number, got {learning_rate!r}")
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral) or iterations < 0:
        raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
    return float(learning_rate), int(iterations)


def check_outputs(dw: np.ndarray, db: float, cost: float, X: np.ndarray) -> None:
    """Raise a ValueError naming the cause when a kernel's results are not finite."""
    if np.isfinite(cost) and np.isfinite(db) and np.isfinite(dw).all():
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
