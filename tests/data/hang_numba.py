"""A pytest plugin that makes one case hang, to show what a hung case costs a sweep.

    python -m reports run -- -p tests.data.hang_numba

numba's gradient at n = 10, m = 1000 never returns (it sleeps), so its gradients case and the rounds
of that size are killed at their timeout while everything else runs. Used by hand for the measurement
in docs/report.md; never by the tests.
"""

import time

from impls import numba as _numba

_kernel = _numba.gradients


def _hangs_at_one_size(w, b, X, Y):
    if X.shape == (10, 1000):
        while True:
            time.sleep(1)
    return _kernel(w, b, X, Y)


_numba.gradients = _hangs_at_one_size
