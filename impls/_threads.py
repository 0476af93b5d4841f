"""One switch for every thread pool the implementations use: BLAS/OpenMP, Numba, and any module hook."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import numba
from threadpoolctl import threadpool_info, threadpool_limits

from impls import _registry
from impls._validate import positive_int


@contextmanager
def limit_threads(threads: int) -> Iterator[int]:
    """Run the block with at most ``threads`` threads in BLAS, OpenMP, Numba and loaded backends."""
    threads = min(positive_int(threads, "threads"), numba.config.NUMBA_NUM_THREADS)
    with ExitStack() as stack:
        stack.enter_context(threadpool_limits(limits=threads))
        previous = numba.get_num_threads()
        numba.set_num_threads(threads)
        stack.callback(numba.set_num_threads, previous)
        # Backends with a pool of their own (PyTorch, say) expose set_num_threads(k) -> previous k.
        for module in _registry.loaded_modules():
            setter = getattr(module, "set_num_threads", None)
            if setter is not None:
                stack.callback(setter, setter(threads))
        yield threads


def thread_info() -> dict:
    """What is in force now: Numba's thread count and each BLAS/OpenMP library with its threads."""
    return {
        "numba_threads": numba.get_num_threads(),
        "blas": [
            {key: lib.get(key) for key in ("internal_api", "version", "num_threads", "threading_layer")}
            for lib in threadpool_info()
        ],
    }
