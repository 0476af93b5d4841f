"""The lecture's first version: pure Python, a loop over examples and loops over features."""

from impls._spec import Spec
from impls._stable import dz_and_loss

SPEC = Spec(
    summary="pure Python: loop over m examples, inner loops over n features",
    # Measured on a 2-core x86-64: ~650 ns per example plus ~105 ns per feature of each example.
    cost_ns=(650.0, 105.0),
)


def gradients(w, b, X, Y):
    """dw, db, cost with two nested Python loops and no NumPy arithmetic inside them."""
    n, m = X.shape
    # Plain Python floats: indexing a NumPy array element by element would hand back NumPy
    # scalars and make this a (slower) NumPy loop instead of the lecture's pure-Python one.
    columns, w, y = X.T.tolist(), w.tolist(), Y.tolist()
    b = float(b)
    dw = [0.0] * n
    db = cost = 0.0
    for i in range(m):
        x = columns[i]
        z = b
        for j in range(n):
            z += w[j] * x[j]
        dz, loss = dz_and_loss(z, y[i])
        cost += loss
        for j in range(n):
            dw[j] += x[j] * dz
        db += dz
    return [d / m for d in dw], db / m, cost / m
