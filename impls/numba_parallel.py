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
1 MiB of L2 per core, 32 KiB of L1d and 32 MiB of L3 shared by its 2 cores. The natural choice,
a block that fits L2, was measured and lost: the n rows of a block are n separate streams from
memory, and short row segments (n=1000 in 1 MiB: 128 examples, 1 KiB per row) keep the hardware
prefetcher from running ahead. At n=1000, m=1e5 (one thread, min of 11, same process) blocks of
1/2/4/8/16 MiB took 72/61/62/67/64 ms (numpy: 74, a plain read of X: 27); at n=100, m=1e6,
1/2/4/8 MiB took 64/62/61/63 ms (numpy: 92). Software prefetch of the next block (tried with
an llvm.prefetch intrinsic) made it slower. So BLOCK_BYTES = 2 MiB: twice L2, the part pass 1
pushes out of L2 is re-read from L3 (2 threads × 2 MiB ≪ 32 MiB), and the row segments are
long enough to stream. B = BLOCK_BYTES/(n·itemsize), a multiple of 16, at least 256 examples
(2 KiB row segments even for very large n; the block then grows beyond 2 MiB) and at most 8192
(the z/dz buffer stays at 64 KiB). E.g. float64: n=1000: B=256; n=100: B=2608; n=10: B=8192.
Pass 2 walks the rows last-first: the rows pass 1 read last are the ones still in L2, and with
LRU a forward walk would evict them while re-fetching the first rows from L3. At n=1000,
m=1e5, 2 threads (back-to-back calls, median of 32, same process) that took 32.9 ms to 29.3 ms;
at n=100, m=1e6 39.3 -> 38.0 ms; n=10 unchanged (the block fits L2 there).

Rows per sweep. Each pass sweeps ROWS = 16 rows of the block together (the loops are written
out: 16 named row views, 16 independent dot-product accumulators). The n row segments of a block
are separate memory streams whose starts the prefetcher cannot guess; 16 streams in flight
instead of 4 hide more of that latency, and z/dz go through L1 a quarter as often. Measured on
this shared 2-core machine (one process, order rotated each repeat, median of 11, float64),
4 → 16 rows: n=1000, m=1e5: 1 thread 63 → 53 ms, 2 threads 132 → 102 ms; n=100, m=1e6:
unchanged (1 thread 63 vs 63 ms). 8 rows was in between. Pipelining (dw of block k in the same
row sweep as z of block k+1) was no better at 1 thread (60 vs 55 ms at n=1000) and was dropped.
Other jobs loaded the machine throughout (read bandwidth 16–30 GB/s instead of 35), so absolute
times are high; only the same-process ratios mean anything.

Where the time goes at n=1000, m=1e5 (2 threads, read bandwidth 35 GB/s; one read of X = 22.9
ms). The whole gradient takes ~31.7 ms (1.38×). Pass 1 alone takes 26.1 ms: X streams from
memory at 30.6 GB/s, 87% of the probe (16 interleaved 2 KiB row segments per core instead of one
long stream). Pass 2 adds ~6 ms: re-reading a block from cache runs at ~65 GB/s per core whether
the block sits in L2 (1 MiB) or half in L3 (2 MiB), because 16 short row segments are filled
into L1 at that rate (one contiguous stream reads 88-107 GB/s from the same caches). Nothing
tried overlapped pass 2 with the next block's memory reads: software prefetch of the next
block or of the next rows (prefetcht0/t1/t2/nta), 8/24/32 rows per sweep, blocks of 1-16 MiB,
pipelining pass 2 of block k into pass 1 of block k+1, and staggering the two threads' block
boundaries all stayed within ±3% or lost. When the host gives this VM 55 GB/s instead of 35,
the same 25-26 ms are 1.8× the (then shorter) one-read time: pass 1 reaches only 41 GB/s.

Determinism. The m examples are split statically into one contiguous chunk per thread
(``numba.get_num_threads()`` chunks, the same boundaries on every call); each chunk accumulates
its own dw, db and cost in float64, and the partials are summed in chunk order. The result is
therefore bit-identical from call to call at a fixed thread count, whichever OS thread runs
which chunk; a different thread count changes the partition and so the rounding (≈1e-15).

Arithmetic. float64 and float32 X; everything is accumulated in float64. Stable σ and loss with
t = exp(−|z|) (see impls._stable), computed without a branch so the loop stays straight-line.
Fast-math is limited to ``reassoc`` and ``contract`` (reordered sums, fused multiply-add) so the
dot products vectorize; no ``nnan``/``ninf``: non-finite inputs must still give non-finite outputs.

exp and log1p. With few features per example, σ and the loss, not memory, bound the gradient:
libm's exp and log1p are scalar calls (this Numba has no SVML), about 12 ns per example on one
core, so n=10, m=1e6 took 11.9 ms at 2 threads, 5.3× one read of X. ``_exp_neg`` and
``_log1p_unit`` compute them with range reduction and polynomials in plain arithmetic, which
LLVM vectorizes with the rest of the loop: 2.2 ms instead of 12.2 ms per million on one core,
within 1 ulp (exp) and 3 ulp (log1p) of libm (tests/test_numba_parallel.py checks it). Measured
with ``python -m benchmarks.roofline`` (2 threads, median of 7 rounds): n=10, m=1e6 11.9 ->
4.8 ms; n=100, m=1e6 35.1 -> 28.9 ms (1.54 -> 1.26× the one-read limit); n=1000 unchanged.
"""

import math

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from impls._spec import Spec

SPEC = Spec(
    summary="Numba prange, one fused pass over X per gradient (z, dz, dw per cache-sized block of examples)",
    dtypes=("float64", "float32"),
    uses_threads=True,  # prange over static chunks of examples, one per Numba thread
    jit=True,  # the first call compiles (or loads the on-disk cache)
)

BLOCK_BYTES = 2 * 1024 * 1024  # bytes of X per block: measured best here, see above
_FASTMATH = {"reassoc", "contract"}
# error_model="numpy": a float division by zero gives inf instead of raising ZeroDivisionError,
# whose check would keep LLVM from vectorizing the σ/loss loop (no division here can be by zero).
_JIT = {"cache": True, "nogil": True, "fastmath": _FASTMATH, "error_model": "numpy"}
ROWS = 16  # rows of a block swept together (written out below): measured best, see above


def block_size(n: int, itemsize: int) -> int:
    """Examples per block so that n × B elements of X fill BLOCK_BYTES (a multiple of 16, 256…8192)."""
    return int(min(8192, max(256, BLOCK_BYTES // (n * itemsize) // 16 * 16)))


@intrinsic
def _pow2(typingctx, k):
    """2.0**k for an integer k in [−1022, 1023], written straight into the exponent bits."""

    def codegen(context, builder, sig, args):
        i64 = ir.IntType(64)
        return builder.bitcast(builder.shl(builder.add(args[0], i64(1023)), i64(52)), ir.DoubleType())

    return types.float64(types.int64), codegen


def _polynomial(coefficients):
    """p(x) = c0 + x·(c1 + x·(c2 + …)) as nested inlined functions: straight-line code once
    compiled, which LLVM vectorizes (a loop over a tuple of coefficients it did not)."""
    head, *rest = coefficients
    if not rest:
        return numba.njit(inline="always", **_JIT)(lambda x: head)
    tail = _polynomial(rest)
    return numba.njit(inline="always", **_JIT)(lambda x: head + x * tail(x))


_LOG2E = 1.4426950408889634
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # ln 2 = hi + lo, hi exact in k·hi
_EXP_TAYLOR = _polynomial([1.0 / math.factorial(i) for i in range(14)])  # e^x, |x| ≤ ln2/2: error < 1e-17
_ATANH_ODD = _polynomial([1.0 / (2 * j + 1) for j in range(19)])  # atanh(s)/s in s², s ≤ 1/3: < 1e-17


@numba.njit(inline="always", **_JIT)
def _exp_neg(a):
    """exp(−a) for a ≥ 0, NaN for NaN, branch-free: 2^−k · e^−r with a = k·ln2 + r, |r| ≤ ln2/2.

    2^−k is built as two factors of at most 2^−577 each, so results down in the subnormals (a up
    to 745) round correctly and a ≥ 800 gives 0. Within 1 ulp of libm's exp over the whole range.
    """
    ac = a if a < 800.0 else 800.0  # NaN goes to 800 here and is given back below
    k = np.int64(ac * _LOG2E + 0.5)  # round to nearest (truncation of a non-negative number)
    half = k >> 1
    t = _EXP_TAYLOR(k * _LN2_LO - (ac - k * _LN2_HI)) * _pow2(-half) * _pow2(half - k)
    return t if a == a else a


@numba.njit(inline="always", **_JIT)
def _log1p_unit(t):
    """log1p(t) for t in [0, 1] as 2·atanh(s), s = t/(2+t) ≤ 1/3; within 3 ulp of libm's log1p."""
    s = t / (2.0 + t)
    return 2.0 * s * _ATANH_ODD(s * s)


@numba.njit(inline="always", **_JIT)
def _loss_and_dz(z, y):
    """Stable loss and dz = σ(z) − y of one example, branch-free and vectorizable (no libm call)."""
    t = _exp_neg(abs(z))
    inv = 1.0 / (1.0 + t)
    a = inv if z >= 0.0 else t * inv
    return max(z, 0.0) + _log1p_unit(t) - y * z, a - y


@numba.njit(inline="always", **_JIT)
def _row_views(X, j, lo, hi):
    """Columns [lo, hi) of the ROWS rows from j on, as 16 views (both passes sweep them together)."""
    return (X[j + 0, lo:hi], X[j + 1, lo:hi], X[j + 2, lo:hi], X[j + 3, lo:hi],
            X[j + 4, lo:hi], X[j + 5, lo:hi], X[j + 6, lo:hi], X[j + 7, lo:hi],
            X[j + 8, lo:hi], X[j + 9, lo:hi], X[j + 10, lo:hi], X[j + 11, lo:hi],
            X[j + 12, lo:hi], X[j + 13, lo:hi], X[j + 14, lo:hi], X[j + 15, lo:hi])


@numba.njit(**_JIT)
def _z_block(w, b, X, lo, hi, z):
    """z[k] = b + Σ_j w[j]·X[j, lo+k], ROWS rows per sweep (ROWS streams from memory at once).

    Row views indexed by a range() variable carry no negative-index wraparound, which would keep
    LLVM from vectorizing the inner loops.
    """
    n = X.shape[0]
    nb = hi - lo
    z[:] = b
    nr = n - n % ROWS
    for j in range(0, nr, ROWS):
        r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15 = _row_views(X, j, lo, hi)
        w0, w1, w2, w3 = np.float64(w[j + 0]), np.float64(w[j + 1]), np.float64(w[j + 2]), np.float64(w[j + 3])
        w4, w5, w6, w7 = np.float64(w[j + 4]), np.float64(w[j + 5]), np.float64(w[j + 6]), np.float64(w[j + 7])
        w8, w9, w10, w11 = np.float64(w[j + 8]), np.float64(w[j + 9]), np.float64(w[j + 10]), np.float64(w[j + 11])
        w12, w13, w14, w15 = np.float64(w[j + 12]), np.float64(w[j + 13]), np.float64(w[j + 14]), np.float64(w[j + 15])
        for k in range(nb):
            z[k] += (
                w0 * r0[k] + w1 * r1[k] + w2 * r2[k] + w3 * r3[k]
                + w4 * r4[k] + w5 * r5[k] + w6 * r6[k] + w7 * r7[k]
                + w8 * r8[k] + w9 * r9[k] + w10 * r10[k] + w11 * r11[k]
                + w12 * r12[k] + w13 * r13[k] + w14 * r14[k] + w15 * r15[k]
            )
    for j in range(nr, n):
        row, wj = X[j, lo:hi], np.float64(w[j])
        for k in range(nb):
            z[k] += wj * row[k]


@numba.njit(**_JIT)
def _dw_block(X, lo, hi, dz, dw):
    """dw[j] += Σ_k X[j, lo+k]·dz[k], ROWS rows per sweep (dz loaded once for ROWS dot products), last rows first."""
    n = X.shape[0]
    nb = hi - lo
    nr = n - n % ROWS
    # Last rows first: pass 1 read them last, so they are the part of the block still in L2;
    # forward order would re-fetch the oldest rows from L3 and push the rest out of L2 before
    # reaching them (LRU). Measured at n=1000, m=1e5, 2 threads: 32.9 -> 29.3 ms.
    for j in range(n - 1, nr - 1, -1):
        row = X[j, lo:hi]
        acc = 0.0
        for k in range(nb):
            acc += row[k] * dz[k]
        dw[j] += acc
    for g in range(nr // ROWS - 1, -1, -1):
        j = g * ROWS
        r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15 = _row_views(X, j, lo, hi)
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = a9 = a10 = a11 = a12 = a13 = a14 = a15 = 0.0
        for k in range(nb):
            d = dz[k]
            a0 += r0[k] * d
            a1 += r1[k] * d
            a2 += r2[k] * d
            a3 += r3[k] * d
            a4 += r4[k] * d
            a5 += r5[k] * d
            a6 += r6[k] * d
            a7 += r7[k] * d
            a8 += r8[k] * d
            a9 += r9[k] * d
            a10 += r10[k] * d
            a11 += r11[k] * d
            a12 += r12[k] * d
            a13 += r13[k] * d
            a14 += r14[k] * d
            a15 += r15[k] * d
        dw[j + 0] += a0
        dw[j + 1] += a1
        dw[j + 2] += a2
        dw[j + 3] += a3
        dw[j + 4] += a4
        dw[j + 5] += a5
        dw[j + 6] += a6
        dw[j + 7] += a7
        dw[j + 8] += a8
        dw[j + 9] += a9
        dw[j + 10] += a10
        dw[j + 11] += a11
        dw[j + 12] += a12
        dw[j + 13] += a13
        dw[j + 14] += a14
        dw[j + 15] += a15


@numba.njit(**_JIT)
def _rows_block(w, b, X, Y, lo, hi, buf, dw):
    """Examples [lo, hi) of a row-major X: z, then dz (in buf), then dw from the still-cached block."""
    z = buf[: hi - lo]
    _z_block(w, b, X, lo, hi, z)
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


@numba.njit(**_JIT)
def _rows_chunk(w, b, X, Y, lo, hi, block, dw):
    """Examples [lo, hi) in blocks of ``block``; dw accumulated in place, returns (db, cost)."""
    buf = np.empty(block, dtype=np.float64)
    db = 0.0
    cost = 0.0
    for start in range(lo, hi, block):
        d, c = _rows_block(w, b, X, Y, start, min(start + block, hi), buf, dw)
        db += d
        cost += c
    return db, cost


@numba.njit(**_JIT)
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


@numba.njit(parallel=True, **_JIT)
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
