"""A pytest plugin that makes the numpy implementation twice as slow, to show `reports compare` a real regression.

    python -m reports run -- -p tests.data.slow_numpy

Each call computes the gradient twice (same result), so every numpy timing doubles while the other
implementations are untouched. Used once by hand for the comparison in the README; never by the tests.
"""

from impls import numpy as _numpy

_kernel = _numpy.gradients


def _twice(w, b, X, Y):
    _kernel(w, b, X, Y)
    return _kernel(w, b, X, Y)


_numpy.gradients = _twice
