"""The vectorized gradient on a Dask cluster: X chunked along examples, one reduction of partial sums.

The gradient is a sum over examples, so it splits exactly: each chunk of columns of X gives its
partial dw, db and cost (NumPy's kernel, impls.numpy, on the chunk), and one tree reduction adds
them up; the client receives n + 2 numbers.

Which cluster (first use decides; nothing starts at import):
  * ``connect(address)``, or the ``DASK_SCHEDULER_ADDRESS`` environment variable: an existing
    scheduler (``dask scheduler`` and ``dask worker`` processes, a cloud cluster); ``disconnect()``
    drops that connection again. A scheduler that does not answer within CONNECT_TIMEOUT_S fails
    fast; for the variable, the failure is remembered as ``unavailable_reason()`` for the process,
    so a sweep skips Dask once instead of waiting on every case. Its worker count is fixed
    (``fixed_workers()``): cases asking for another count are skipped, never mislabelled.
  * otherwise an embedded ``distributed.LocalCluster`` on 127.0.0.1: ``N_WORKERS`` worker processes
    of one thread each (sized for a 2-core machine), started on first use; ``start_local(k, t)``
    replaces it with k workers of t threads. Every port it opens is chosen by the OS (scheduler,
    and the HTTP server the scheduler starts even without a dashboard, which defaults to 8787), so
    another Dask or Jupyter user on this machine cannot make it fail.
  ``close()`` shuts down everything this module started; it also runs at interpreter exit.

Chunks hold at most ``chunk_bytes`` of X (default 64 MiB, ``set_chunk_bytes``) and there are at
least as many chunks as worker threads, so small problems still use every worker.

Data that does not fit on the client: ``generate(n, m, seed=...)`` generates a seeded problem on
the workers, chunk by chunk, and returns its placed data (X, Y) as ``prepare`` does; the package
front wraps it into a Problem (this module never imports the front).
"""

from __future__ import annotations

import atexit
import logging
import math
import os

import dask.array as da
import numpy as np
from dask import delayed
from distributed import Client, LocalCluster, wait

from impls import _data
from impls import numpy as _numpy
from impls._spec import Spec
from impls._validate import positive_int as _positive_int

SPEC = Spec(
    summary="Dask: X chunked along examples on a cluster, one reduction of per-chunk NumPy partial sums",
    dtypes=("float64", "float32"),
    uses_threads=True,  # worker processes, set through set_num_threads (impls.limit_threads)
    copies=True,  # prepare sends copies of X's chunks to the workers
)

ADDRESS_ENV = "DASK_SCHEDULER_ADDRESS"
N_WORKERS = 2
DEFAULT_CHUNK_BYTES = 64 * 2**20
CONNECT_TIMEOUT_S = 5  # a scheduler that answers at all does so within a second on a LAN

_chunk_bytes = DEFAULT_CHUNK_BYTES
_workers = N_WORKERS  # worker processes of the embedded cluster (set_num_threads)
_local: tuple[LocalCluster, Client] | None = None
_remote: Client | None = None
_unreachable: dict[str, str] = {}  # $DASK_SCHEDULER_ADDRESS value -> why connecting failed (tried once)


def client() -> Client:
    """The client in use: a connected scheduler, else $DASK_SCHEDULER_ADDRESS, else the LocalCluster."""
    if _from_environment() is not None:
        return _remote
    if reason := unavailable_reason():
        raise RuntimeError(reason)
    if _local is None or len(_local[0].workers) != _workers:
        return start_local(_workers)
    return _local[1]


def set_num_threads(k: int) -> int:
    """Worker processes (one thread each) of the embedded cluster from its next use; returns the previous.

    impls.limit_threads calls this, so a result labelled "1 thread" ran on one worker. The cluster
    restarts lazily, at the next use with a different count, so data prepared inside one
    limit_threads block stays valid there. A connected cluster is never resized.
    """
    global _workers
    previous, _workers = _workers, _positive_int(k, "k")
    return previous


def connect(address: str) -> Client:
    """Run on the existing scheduler at ``address`` (e.g. tcp://10.0.0.5:8786) from now on.

    A scheduler that cannot be reached raises ConnectionError within CONNECT_TIMEOUT_S.
    """
    global _remote
    disconnect()
    try:
        _remote = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, ValueError, TypeError) as exc:  # timeout / refused / unknown scheme / not a string
        raise ConnectionError(f"no Dask scheduler reachable at {address!r} within {CONNECT_TIMEOUT_S} s: "
                              f"{exc}") from None
    return _remote


def _from_environment() -> Client | None:
    """The connected client, connecting to $DASK_SCHEDULER_ADDRESS once if it is set; None otherwise."""
    address = os.environ.get(ADDRESS_ENV)
    if _remote is None and address and address not in _unreachable:
        try:
            connect(address)
        except ConnectionError as exc:
            _unreachable[address] = f"{ADDRESS_ENV}: {exc}"
    return _remote


def unavailable_reason() -> str | None:
    """Why Dask cannot run in this process: the scheduler named by $DASK_SCHEDULER_ADDRESS is unreachable."""
    if _from_environment() is not None:
        return None
    return _unreachable.get(os.environ.get(ADDRESS_ENV, ""))


def workers() -> int:
    """Worker processes of the cluster in use (a connected cluster's real count)."""
    return len(client().nthreads())


def fixed_workers() -> int | None:
    """The connected cluster's worker count, which this process cannot change; None for the embedded one."""
    return workers() if _from_environment() is not None else None


def disconnect() -> None:
    """Drop the connection made by connect(); the embedded LocalCluster (if any) is used again."""
    global _remote
    if _remote is not None:
        _remote, remote = None, _remote
        remote.close()


def start_local(n_workers: int | None = None, threads_per_worker: int = 1) -> Client:
    """(Re)start the embedded LocalCluster: worker processes on 127.0.0.1, no dashboard."""
    # silence_logs: workers log heartbeat ERRORs when their scheduler closes first on shutdown;
    # failures of our tasks still reach the client as exceptions.
    global _local, _workers
    _close_local()
    _workers = n_workers = _workers if n_workers is None else _positive_int(n_workers, "n_workers")
    # The scheduler's HTTP server (health and metrics routes) listens even without a dashboard, on
    # 8787 unless told otherwise: port 0 there and for the scheduler itself, so no port can be taken.
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                           host="127.0.0.1", scheduler_port=0, dashboard_address=None,
                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, silence_logs=logging.CRITICAL)
    _local = (cluster, Client(cluster))
    return _local[1]


def _close_local() -> None:
    global _local
    if _local is not None:
        (cluster, local_client), _local = _local, None
        local_client.close()
        cluster.close()


def close() -> None:
    """Close the connection and the embedded cluster, if any (also registered to run at exit)."""
    disconnect()
    _close_local()


atexit.register(close)


def set_chunk_bytes(nbytes: int) -> int:
    """Cap the bytes of X per chunk for data prepared from now on; returns the previous cap."""
    global _chunk_bytes
    previous, _chunk_bytes = _chunk_bytes, _positive_int(nbytes, "nbytes")
    return previous


def chunk_columns(n: int, m: int, itemsize: int = 8) -> int:
    """Examples per chunk: at most chunk_bytes of X, and at least one chunk per worker thread."""
    threads = sum(client().nthreads().values())
    chunks = max(threads, math.ceil(n * m * itemsize / _chunk_bytes))
    return math.ceil(m / min(chunks, m))


def prepare(X, Y):
    """Send X and Y to the workers once, chunk i of both together, and keep them there."""
    columns = chunk_columns(*X.shape, X.itemsize)
    Y = Y.reshape(1, -1)
    starts = range(0, X.shape[1], columns)
    # Scattered (X_i, Y_i) pairs go straight to the workers (a graph embedding X would travel
    # through the scheduler), and each chunk of Y lands where its chunk of X does.
    pairs = client().scatter([(X[:, s:s + columns], Y[:, s:s + columns]) for s in starts], hash=False)
    Xd, Yd = (_concatenate_items(pairs, k, A, columns) for k, A in enumerate((X, Y)))
    Xd, Yd = client().persist([Xd, Yd])
    wait([Xd, Yd])
    return Xd, Yd


def _concatenate_items(pairs, k: int, A: np.ndarray, columns: int):
    """The Dask array whose column chunks are item k of each scattered pair (A: the client's original)."""
    m = A.shape[1]
    blocks = [da.from_delayed(delayed(_aligned_item)(pair, k), shape=(A.shape[0], min(columns, m - s)),
                              dtype=A.dtype) for pair, s in zip(pairs, range(0, m, columns), strict=True)]
    return da.concatenate(blocks, axis=1)


def _aligned_item(pair: tuple, k: int) -> np.ndarray:
    # Unpickled from a message, an array can start at an odd address; NumPy then bypasses BLAS
    # for matmul (about 10x slower), so copy it once here rather than on every gradient.
    return np.require(pair[k], requirements=("C", "A"))


def gradients(w, b, X, Y):
    """One reduction: per-chunk sums of dz·x, dz and the loss on the workers, added in a tree."""
    parts = da.map_blocks(_partial_sums, X, Y, w=w, b=b, dtype=np.float64,
                          chunks=((w.size + 2,), (1,) * X.numblocks[1]))
    total = client().compute(parts.sum(axis=1), sync=True) / X.shape[1]
    return total[:-2], total[-2], total[-1]


def _partial_sums(X, Y, w, b):
    """Σ over this chunk's examples of dz·x, dz and the loss: NumPy's means times the chunk's size."""
    # Non-finite results are diagnosed on the client (Problem.evaluate); don't warn on the workers.
    with np.errstate(invalid="ignore", over="ignore"):
        dw, db, cost = _numpy.gradients(w, b, X, Y[0])
        return (np.concatenate((dw, (db, cost)), dtype=np.float64) * X.shape[1])[:, None]


def generate(n: int, m: int, *, seed: int = 0, chunk: int | None = None, persist: bool = False):
    """(X, Y) of a seeded synthetic problem generated on the workers chunk by chunk, never whole on the client.

    X ~ N(0, 1) and labels from the true logistic model of impls.make_problem (w_true, b_true drawn
    from default_rng(seed)); chunk i of ``chunk`` examples draws from (seed, i) alone, so the data do
    not depend on the client or the cluster. Lazy by default (each gradient regenerates the chunks,
    little memory); ``persist=True`` keeps them in the workers' memory for training.
    """
    if n < 1 or m < 1:
        raise ValueError(f"n and m must be >= 1, got n={n}, m={m}")
    w_true, b_true = _data.true_model(np.random.default_rng(seed), n)
    columns = chunk_columns(n, m) if chunk is None else _positive_int(chunk, "chunk")
    sizes = (columns,) * (m // columns) + ((m % columns,) if m % columns else ())
    X = da.map_blocks(_x_block, seed=seed, dtype=np.float64, chunks=((n,), sizes))
    Y = X.map_blocks(_y_block, seed=seed, w_true=w_true, b_true=b_true, dtype=np.float64,
                     chunks=((1,), sizes))
    if persist:
        X, Y = client().persist([X, Y])
    return X, Y


def _rng(seed: int, block_id: tuple[int, int], stream: int) -> np.random.Generator:
    # spawn_key makes independent streams per (chunk, purpose) from the one user seed.
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block_id[1], stream)))


def _x_block(seed, block_id=None, block_info=None):
    return _rng(seed, block_id, 0).standard_normal(block_info[None]["chunk-shape"])


def _y_block(X, seed, w_true, b_true, block_id=None):
    return _data.draw_labels(_rng(seed, block_id, 1), X, w_true, b_true)[None, :]
