"""One fused pass over X on all cores: z, dz and dw of each block of examples while it sits in cache.

The vectorized NumPy gradient reads X twice (wᵀX, then X·dZᵀ). dz⁽ⁱ⁾ depends only on example
i, so both passes can run on one block of examples at a time: compute z for the block, turn it
into dz, then accumulate dw from the same block before it leaves the cache. X is then read from
main memory once per gradient, and one gradient can approach ``bytes of X / read bandwidth``.

Layout. X is used as given, never copied or transposed:
- examples along rows (C order, strided views): a block is the columns [lo, hi) of every row.
  Both passes run the inner loop along a row, over contiguous examples, so it vectorizes:
  z[k] += w[j]·X[j, lo+k] (an axpy) and dw[j] += Σ_k X[j, lo+k]·dz[k] (a dot product).
- features contiguous (F order): one example is a contiguous column; the same fusion with a
  block of one example (z is a dot product over the column, then dw += dz·column).

Block size. A block holds n·B elements of X, read from memory by pass 1 and re-read by pass 2,
so it must still be cached when pass 2 comes. This machine (AMD EPYC Zen 4, ``lscpu``) has
1 MiB of L2 per core, 32 KiB of L1d and 32 MiB of shared L3. B = L2_BUDGET/(n·itemsize) with
L2_BUDGET = the whole 1 MiB L2, rounded to a multiple of 16 (whole 64-byte lines in both dtypes),
at least 16 and at most 4096 (the z/dz buffer, B float64, at most 32 KiB). E.g. n=1000 float64:
B=128; n=100: B=1296; n=10: B=4096. Why not half of L2: the rows of a block are n separate
streams from memory, and short row segments (B=64 is 512 bytes) defeat the hardware prefetcher;
measured on a prototype of these loops at n=1000, m=1e5 (one thread, min of 9), B=32/64/128/256
took 88/80/68/73 ms with the prefetch below (a plain read of X: 27 ms, numpy: 72 ms), so the largest block that still fits L2 wins, and what pass 1 pushes out of L2
is still in L3 when pass 2 re-reads it.

Determinism. The m examples are split statically into one contiguous chunk per thread
(``numba.get_num_threads()`` chunks, the same boundaries on every call); each chunk accumulates
its own dw, db and cost in float64, and the partials are summed in chunk order. The result is
therefore bit-identical from call to call at a fixed thread count, whichever OS thread runs
which chunk; a different thread count changes the partition and so the rounding (≈1e-15).

Arithmetic. float64 and float32 X; everything is accumulated in float64. Stable σ and loss with
t = exp(−|z|) (see impls._stable), computed without a branch so the loop stays straight-line.
Fast-math is limited to ``reassoc`` and ``contract`` (reordered sums, fused multiply-add) so the
dot products vectorize; no ``nnan``/``ninf``: non-finite inputs must still give non-finite outputs.
"""

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

SUMMARY = "Numba prange, one fused pass over X per gradient (z, dz, dw per cache-sized block of examples)"
DTYPES = ("float64", "float32")

L2_BUDGET = 1024 * 1024  # bytes of X per block: this machine's 1 MiB per-core L2
_FASTMATH = {"reassoc", "contract"}


def block_size(n: int, itemsize: int) -> int:
    """Examples per block so that n × B elements of X fit in L2_BUDGET (multiple of 16, 16…4096)."""
    return int(min(4096, max(16, L2_BUDGET // (n * itemsize) // 16 * 16)))


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH, inline="always")
def _loss_and_dz(z, y):
    """Stable loss and dz = σ(z) − y of one example, branch-free."""
    t = math.exp(-abs(z))
    inv = 1.0 / (1.0 + t)
    a = inv if z >= 0.0 else t * inv
    return max(z, 0.0) + math.log1p(t) - y * z, a - y


@intrinsic
def _prefetch(typingctx, arr, j, i):
    """Ask the CPU to start loading the cache line that holds arr[j, i] (a hint: never faults)."""

    def codegen(context, builder, sig, args):
        ary = context.make_array(sig.args[0])(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, sig.args[0], ary, [args[1], args[2]])
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])  # read, keep, data
        return context.get_dummy_value()

    return types.void(arr, j, i), codegen


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _z_block(w, b, X, lo, hi, ahead, z):
    """z[k] = b + Σ_j w[j]·X[j, lo+k], four rows per sweep; prefetches the rows' next block at ``ahead``.

    The n rows are n concurrent streams from memory, more than the hardware prefetcher tracks
    (without the hint n=1000 ran far below a plain streaming read), so the next block's part of
    each row is requested while this block's part is summed. Four rows per sweep load and store
    z a quarter as often. Row views indexed by a range() variable carry no negative-index
    wraparound, which would keep LLVM from vectorizing the inner loops.
    """
    n, m = X.shape
    nb = hi - lo
    line = 64 // X.itemsize
    z[:] = b
    n4 = n - n % 4
    for j in range(0, n4, 4):
        r0, r1, r2, r3 = X[j, lo:hi], X[j + 1, lo:hi], X[j + 2, lo:hi], X[j + 3, lo:hi]
        w0, w1, w2, w3 = np.float64(w[j]), np.float64(w[j + 1]), np.float64(w[j + 2]), np.float64(w[j + 3])
        for q in range(ahead, min(ahead + nb, m), line):
            for r in range(j, j + 4):
                _prefetch(X, r, q)
        for k in range(nb):
            z[k] += w0 * r0[k] + w1 * r1[k] + w2 * r2[k] + w3 * r3[k]
    for j in range(n4, n):
        row, wj = X[j, lo:hi], np.float64(w[j])
        for q in range(ahead, min(ahead + nb, m), line):
            _prefetch(X, j, q)
        for k in range(nb):
            z[k] += wj * row[k]


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _dw_block(X, lo, hi, dz, dw):
    """dw[j] += Σ_k X[j, lo+k]·dz[k], four rows per sweep (dz loaded once for four dot products)."""
    n = X.shape[0]
    nb = hi - lo
    n4 = n - n % 4
    for j in range(0, n4, 4):
        r0, r1, r2, r3 = X[j, lo:hi], X[j + 1, lo:hi], X[j + 2, lo:hi], X[j + 3, lo:hi]
        a0 = a1 = a2 = a3 = 0.0
        for k in range(nb):
            d = dz[k]
            a0 += r0[k] * d
            a1 += r1[k] * d
            a2 += r2[k] * d
            a3 += r3[k] * d
        dw[j] += a0
        dw[j + 1] += a1
        dw[j + 2] += a2
        dw[j + 3] += a3
    for j in range(n4, n):
        row = X[j, lo:hi]
        acc = 0.0
        for k in range(nb):
            acc += row[k] * dz[k]
        dw[j] += acc


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _rows_block(w, b, X, Y, lo, hi, ahead, buf, dw):
    """Examples [lo, hi) of a row-major X: z, then dz (in buf), then dw from the still-cached block."""
    z = buf[: hi - lo]
    _z_block(w, b, X, lo, hi, ahead, z)
    y = Y[lo:hi]
    db = 0.0
    cost = 0.0
    for k in range(hi - lo):
        loss, dz = _loss_and_dz(z[k], np.float64(y[k]))
        cost += loss
        db += dz
        z[k] = dz
    _dw_block(X, lo, hi, z, dw)
    return db, cost


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _rows_chunk(w, b, X, Y, lo, hi, block, dw):
    """Examples [lo, hi) in blocks of ``block``; dw accumulated in place, returns (db, cost)."""
    buf = np.empty(block, dtype=np.float64)
    db = 0.0
    cost = 0.0
    for start in range(lo, hi, block):
        d, c = _rows_block(w, b, X, Y, start, min(start + block, hi), start + block, buf, dw)
        db += d
        cost += c
    return db, cost


@numba.njit(cache=True, nogil=True, fastmath=_FASTMATH)
def _columns_chunk(w, b, X, Y, lo, hi, dw):
    """Examples [lo, hi) of a column-major X, one example (a contiguous column) at a time."""
    n = X.shape[0]
    db = 0.0
    cost = 0.0
    for i in range(lo, hi):
        z = b
        for j in range(n):
            z += np.float64(w[j]) * X[j, i]
        loss, dz = _loss_and_dz(z, np.float64(Y[i]))
        cost += loss
        db += dz
        for j in range(n):
            dw[j] += X[j, i] * dz
    return db, cost


@numba.njit(cache=True, nogil=True, parallel=True)
def _kernel(w, b, X, Y, block, columns, threads):
    """The parallel driver: static chunks of whole blocks, one per thread, partials reduced in order."""
    n, m = X.shape
    blocks = (m + block - 1) // block
    chunks = min(threads, blocks)
    dw_parts = np.zeros((chunks, n))
    db_parts = np.zeros(chunks)
    cost_parts = np.zeros(chunks)
    for c in numba.prange(chunks):
        lo = min(m, c * blocks // chunks * block)
        hi = min(m, (c + 1) * blocks // chunks * block)
        dw = np.zeros(n)  # thread-private: no false sharing of dw_parts' cache lines
        if columns:
            db_parts[c], cost_parts[c] = _columns_chunk(w, b, X, Y, lo, hi, dw)
        else:
            db_parts[c], cost_parts[c] = _rows_chunk(w, b, X, Y, lo, hi, block, dw)
        dw_parts[c] = dw
    dw = np.zeros(n)
    db = 0.0
    cost = 0.0
    for c in range(chunks):  # in chunk order, whichever thread ran it: deterministic
        dw += dw_parts[c]
        db += db_parts[c]
        cost += cost_parts[c]
    return dw / m, db / m, cost / m


def gradients(w, b, X, Y):
    """dw, db, cost in one pass over X, on every Numba thread."""
    columns = abs(X.strides[0]) < abs(X.strides[1])  # features contiguous (F order)
    # The thread count is read here: numba.get_num_threads() inside the kernel defeats cache=True.
    block = block_size(X.shape[0], X.itemsize)
    return _kernel(w, float(b), X, Y, block, columns, numba.get_num_threads())
