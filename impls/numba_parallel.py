"""One fused pass over X per gradient on all cores: z, dz and dw of each cache-sized block of examples.

NumPy reads X twice (wᵀX, then X·dZᵀ); dz⁽ⁱ⁾ depends only on example i, so this kernel runs both
passes on one block of examples while the block sits in cache, and X comes from memory once.
``prepare`` copies X once, from either memory layout, into the layout these loops read best:
below COLUMNS_FROM_N features each block of B examples becomes one contiguous (n, B) panel, from
there on each example is contiguous (example-major). Both layouts then run the same loops on the
same bytes; the copy costs X's bytes once more (checked against free memory first).
``impls.numba_parallel_inplace`` runs the same loops on X as given, without the copy. Results are
bit-identical from call to call at a fixed thread count. Design, measurements and what was tried:
docs/numba_parallel.md.
"""

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

from impls._memory import available_bytes
from impls._spec import Spec

SPEC = Spec(
    summary="Numba prange, one fused pass over a copy of X made in prepare ((n, B) panels below 512 features, "
            "example-major from 512): both layouts run the same loops",
    dtypes=("float64", "float32"),
    uses_threads=True,  # prange over static chunks of examples, one per Numba thread
    jit=True,  # the first call compiles (or loads the on-disk cache)
    copies=True,  # prepare makes its own block-contiguous copy of X (and copies Y): no snapshot first
    # Fitted to reports/sample at one thread (2-core x86-64): ~3 ns per example plus ~0.2 ns per element;
    # more threads only lower it.
    cost_ns=(3.0, 0.3),
)

# Bytes of X per (n, B) block: a block must stay cached between the pass that reads it from memory
# and the pass that re-reads it; the fastest of the sizes tried (docs/numba_parallel.md, "Block size").
BLOCK_BYTES = 2 * 1024 * 1024
# reassoc and contract only (reordered sums, fused multiply-add) so the dot products vectorize;
# no nnan/ninf: non-finite inputs must still give non-finite outputs.
_FASTMATH = {"reassoc", "contract"}
# error_model="numpy": a float division by zero gives inf instead of raising ZeroDivisionError,
# whose check would keep LLVM from vectorizing the σ/loss loop (no division here can be by zero).
_JIT = {"cache": True, "nogil": True, "fastmath": _FASTMATH, "error_model": "numpy"}
# Bytes of X per block when each example is contiguous (column-major X, or the example-major copy):
# pass 2 then re-reads the block from L2; the fastest of the sizes tried (docs/numba_parallel.md).
COLUMN_BLOCK_BYTES = 128 * 1024
# From this many features on, prepare copies X example-major (each example one contiguous run, the
# column-major loops): one stream from memory per core, which beats the (n, B) panels at large n and
# loses at small n, where the loss loop bounds the time (docs/numba_parallel.md, the layouts' table).
COLUMNS_FROM_N = 512
# Rows of a block swept together (written out below): 16 memory streams in flight and z/dz read
# once per 16 rows; fewer were slower, more no faster (docs/numba_parallel.md, "Rows per sweep").
ROWS = 16
# prepare refuses a copy of X larger than this share of the memory available now: the rest is
# left for X itself, the caller and the other processes.
MEMORY_SHARE = 0.8


def block_size(n: int, itemsize: int) -> int:
    """Examples per block so that n × B elements of X fill BLOCK_BYTES (an odd multiple of 16, 272…8176).

    At least 256 keeps a row segment ≥ 2 KiB for very large n; at most 8192 keeps the z/dz buffer
    at 64 KiB (in L2) for small n. An odd multiple of 16 keeps a panel's rows from lying a multiple
    of 4 KiB apart, where the 16 rows a sweep reads would share L1 sets (docs/numba_parallel.md).
    """
    b = min(8192, max(256, BLOCK_BYTES // (n * itemsize))) // 32 * 32
    return int(b + 16 if b < 8192 else b - 16)


def column_block_size(n: int, itemsize: int) -> int:
    """Examples per block of a column-major X: COLUMN_BLOCK_BYTES of it (a multiple of 4, 16…8192)."""
    return int(min(8192, max(16, COLUMN_BLOCK_BYTES // (n * itemsize) // 4 * 4)))


def block_for(X) -> int:
    """Examples per block for a 2-D X as given: column_block_size where Numba sees it column-major (F),
    else block_size."""
    columns = X.flags.f_contiguous and not X.flags.c_contiguous  # how numba.typeof picks layout "F"
    return (column_block_size if columns else block_size)(X.shape[0], X.itemsize)


def check_memory(nbytes: int) -> None:
    """Raise MemoryError, naming the sizes, when a copy of nbytes would not fit in MEMORY_SHARE of free memory."""
    free = available_bytes()
    if nbytes > MEMORY_SHARE * free:
        raise MemoryError(
            f"numba_parallel copies X once in prepare: {nbytes / 2**20:.0f} MiB more, "
            f"over {MEMORY_SHARE:.0%} of the {free / 2**20:.0f} MiB available; use numba_parallel_inplace "
            "(X as given, no copy)"
        )


# 1.5·2⁵²: adding it to a double in [0, 2⁵¹) rounds that double to an integer, which then sits in
# the sum's low mantissa bits (Cody-Waite's shift). k is taken from those bits instead of a
# float → int64 conversion, which AVX2 lacks for vectors (LLVM made it 4 scalar conversions a vector).
_SHIFT = 1.5 * 2.0**52
_SHIFT_BITS = 0x4338000000000000  # its bit pattern


@intrinsic
def _split_shifted(typingctx, shifted):
    """(k, 2^−h, 2^−(k−h)) for k = bits(shifted) − bits(_SHIFT) in [0, 1154] and h = k // 2, branch-free.

    k comes back as a double from ``shifted − _SHIFT``, an instruction without fast-math flags: with
    them, LLVM may fold (x + _SHIFT) − _SHIFT back into x and lose the rounding.
    """

    def codegen(context, builder, sig, args):
        i64, f64 = ir.IntType(64), ir.DoubleType()
        k = builder.sub(builder.bitcast(args[0], i64), i64(_SHIFT_BITS))
        h = builder.lshr(k, i64(1))  # k ≥ 0: a logical shift, which AVX2 has for 64-bit lanes
        halves = [builder.bitcast(builder.shl(builder.sub(i64(1023), e), i64(52)), f64)
                  for e in (h, builder.sub(k, h))]
        k_double = builder.fsub(args[0], f64(_SHIFT))
        return context.make_tuple(builder, sig.return_type, [k_double, *halves])

    return types.UniTuple(types.float64, 3)(types.float64), codegen


_LOG2E = 1.4426950408889634
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10  # ln 2 = hi + lo, hi exact in k·hi
# Polynomial coefficients fitted by mpmath.chebyfit at 50 digits (Chebyshev interpolation,
# near-minimax), rounded to doubles, lowest degree first. e^r on |r| ≤ ln2/2, degree 11: error
# 3.2e-18 (Taylor needs degree 13). atanh(s)/s in u = s² ∈ [0, 1/9], degree 10: error 1.3e-18 (the
# series needs 18).
_E0, _E1, _E2, _E3, _E4, _E5, _E6, _E7, _E8, _E9, _E10, _E11 = (
    1.0, 1.0, 0.5000000000000019, 0.1666666666666668, 0.0416666666664881, 0.008333333333319601,
    0.0013888888952314775, 0.00019841269890047113, 2.4801485482328494e-05, 2.755724091857897e-06,
    2.763263963904103e-07, 2.5110037605963777e-08)
_A0, _A1, _A2, _A3, _A4, _A5, _A6, _A7, _A8, _A9, _A10 = (
    1.0, 0.33333333333333076, 0.20000000000092874, 0.14285714272727057, 0.11111112040373837,
    0.09090870416252403, 0.07693307021152004, 0.06650187016337313, 0.06055084364034609,
    0.0416225325593041, 0.08522081781390699)


# Both polynomials are c0 + x·(c1 + x·q(x)) with q by Estrin's scheme (pairs, then pairs of pairs
# times x², x⁴, x⁸): Horner's rule alone made one chain of 11–18 dependent multiply-adds, and the
# σ/loss loop was latency-bound. The last two steps stay Horner's, so the result is c0 plus one
# fused multiply-add of small terms, rounded once (exp within 1 ε of NumPy's). Written out, not
# generated from the coefficients: one small function each compiles far faster than a tree of
# inlined ones (docs/numba_parallel.md).
@numba.njit(inline="always", **_JIT)
def _exp_poly(r):
    """e^r for |r| ≤ ln2/2 (error 3.2e-18 before rounding)."""
    r2 = r * r
    r4 = r2 * r2
    q = (((_E2 + r * _E3) + r2 * (_E4 + r * _E5)) + r4 * ((_E6 + r * _E7) + r2 * (_E8 + r * _E9))
         + (r4 * r4) * (_E10 + r * _E11))
    return _E0 + r * (_E1 + r * q)


@numba.njit(inline="always", **_JIT)
def _atanh_odd(u):
    """atanh(s)/s for u = s² ∈ [0, 1/9] (error 1.3e-18 before rounding)."""
    u2 = u * u
    u4 = u2 * u2
    q = (((_A2 + u * _A3) + u2 * (_A4 + u * _A5)) + u4 * ((_A6 + u * _A7) + u2 * (_A8 + u * _A9))
         + (u4 * u4) * _A10)
    return _A0 + u * (_A1 + u * q)


@numba.njit(inline="always", **_JIT)
def _exp_neg(a):
    """exp(−a) for a ≥ 0, NaN for NaN, branch-free: 2^−k · e^−r with a = k·ln2 + r, |r| ≤ ln2/2.

    2^−k is built as two factors of at most 2^−577 each, so results down in the subnormals (a up
    to 745) round correctly and a ≥ 800 gives 0. Within 1 ulp of libm's exp over the whole range
    (the test checks a relative difference ≤ 1.01 ε from NumPy's exp, 2 subnormal steps below 2^−1022).
    """
    ac = a if a < 800.0 else 800.0  # NaN goes to 800 here and is given back below
    k, s1, s2 = _split_shifted(ac * _LOG2E + _SHIFT)  # k = round(ac / ln2), and 2^−k in two factors
    t = _exp_poly(k * _LN2_LO - (ac - k * _LN2_HI)) * s1 * s2
    return t if a == a else a


@numba.njit(inline="always", **_JIT)
def _log1p_unit(t):
    """log1p(t) for t in [0, 1] as 2·atanh(s), s = t/(2+t) ≤ 1/3.

    Measured within 3 ulp of the exact value (relative error < 2 ε, mpmath, 25,000 points);
    tests/test_numba_parallel.py checks a relative difference ≤ 4 ε from NumPy's log1p.
    """
    s = t / (2.0 + t)
    return 2.0 * s * _atanh_odd(s * s)


@numba.njit(inline="always", **_JIT)
def _loss_and_dz(z, y):
    """Loss and dz = σ(z) − y of one example without cancellation, branch-free (selects) and vectorizable.

    With t = e^−|z|: for z > 0, σ = 1/(1+t), so dz = ((1−y) − y·t)/(1+t) and the loss
    softplus(z) − y·z = (1−y)·z + log1p(t); for z ≤ 0, σ = t/(1+t), so dz = ((1−y)·t − y)/(1+t)
    and the loss is −y·z + log1p(t). Neither subtracts σ from y nor y·z from softplus(z), which
    cancel to nothing for a confidently right example (σ(z) ≈ y).
    """
    t = _exp_neg(abs(z))
    u = 1.0 - y
    pos = z > 0.0
    numerator = u - y * t if pos else u * t - y
    linear = u * z if pos else -y * z
    return linear + _log1p_unit(t), numerator / (1.0 + t)


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
def _losses(z, y):
    """Turn z into dz in place, example by example (vectorized); returns the block's (db, cost).

    The two halves of the block go through the loop side by side: two independent chains of
    polynomials per iteration keep the FPU busy while each waits on its own results. A function of
    its own, called once per block, not inlined: its copies of the loss are then compiled once, not
    once per block loop. Measurements: docs/numba_parallel.md.
    """
    db = 0.0
    cost = 0.0
    half = z.size // 2
    for k in range(half):
        l0, d0 = _loss_and_dz(z[k], np.float64(y[k]))
        l1, d1 = _loss_and_dz(z[half + k], np.float64(y[half + k]))
        cost += l0 + l1
        db += d0 + d1
        z[k] = d0
        z[half + k] = d1
    for k in range(2 * half, z.size):
        loss, dz = _loss_and_dz(z[k], np.float64(y[k]))
        cost += loss
        db += dz
        z[k] = dz
    return db, cost


@numba.njit(**_JIT)
def _rows_block(w, b, X, lo, hi, y, buf, dw):
    """Columns [lo, hi) of X, examples along rows: z, then dz (in buf), then dw from the still-cached block."""
    z = buf[: hi - lo]
    _z_block(w, b, X, lo, hi, z)
    db, cost = _losses(z, y)
    _dw_block(X, lo, hi, z, dw)
    return db, cost


@numba.njit(**_JIT)
def _columns_block(w, b, X, lo, hi, y, buf, dw):
    """Columns [lo, hi) of a column-major X (each example contiguous): z per example, dz, then dw four
    examples at a time."""
    n = X.shape[0]
    nb = hi - lo
    z = buf[:nb]
    for k in range(nb):
        acc = 0.0
        for j in range(n):
            acc += np.float64(w[j]) * X[j, lo + k]
        z[k] = b + acc
    db, cost = _losses(z, y)
    k = 0
    while k + 4 <= nb:  # dw is loaded and stored once per four examples
        i, d0, d1, d2, d3 = lo + k, z[k], z[k + 1], z[k + 2], z[k + 3]
        for j in range(n):
            dw[j] += X[j, i] * d0 + X[j, i + 1] * d1 + X[j, i + 2] * d2 + X[j, i + 3] * d3
        k += 4
    for rest in range(k, nb):  # the last nb % 4 examples
        for j in range(n):
            dw[j] += X[j, lo + rest] * z[rest]
    return db, cost


def _fused(w, b, X, lo, hi, y, buf, dw):
    """One block's z, dz and dw; the loops are chosen from X's type when the driver compiles (below)."""
    raise NotImplementedError("only callable from compiled code")


@overload(_fused, jit_options=_JIT)
def _fused_for(w, b, X, lo, hi, y, buf, dw):
    # Chosen at compile time, so one cached driver serves every layout (a function passed as an
    # argument, or a closure, would recompile in every process instead of loading the cache).
    if X.layout == "F":
        return lambda w, b, X, lo, hi, y, buf, dw: _columns_block(w, b, X, lo, hi, y, buf, dw)
    return lambda w, b, X, lo, hi, y, buf, dw: _rows_block(w, b, X, lo, hi, y, buf, dw)


@numba.njit(inline="always", **_JIT)
def _panel(T, n, lo, nb):
    """Examples [lo, lo + nb) of the block-contiguous copy T: one contiguous (n, nb) panel."""
    return T[n * lo : n * (lo + nb)].reshape((n, nb))


def _block(X, n, lo, hi):
    """Examples [lo, hi) as (a 2-D array, its first column, its end): a panel of the copy, or X itself."""
    raise NotImplementedError("only callable from compiled code")


@overload(_block, jit_options=_JIT)
def _block_for(X, n, lo, hi):
    if X.ndim == 1:  # the block-contiguous copy made by prepare
        return lambda X, n, lo, hi: (_panel(X, n, lo, hi - lo), 0, hi - lo)
    return lambda X, n, lo, hi: (X, lo, hi)


@numba.njit(**_JIT)
def _chunk(w, b, X, Y, lo, hi, block, dw):
    """Examples [lo, hi) block by block; dw accumulated in place, returns (db, cost)."""
    buf = np.empty(block, dtype=np.float64)
    db = 0.0
    cost = 0.0
    for start in range(lo, hi, block):
        stop = min(start + block, hi)
        view, first, end = _block(X, w.size, start, stop)
        d, c = _fused(w, b, view, first, end, Y[start:stop], buf, dw)
        db += d
        cost += c
    return db, cost


@numba.njit(parallel=True, **_JIT)
def _kernel(w, b, X, Y, block, threads):
    """The parallel driver: static chunks of whole blocks, one per thread, partials reduced in chunk order."""
    n, m = w.size, Y.size
    blocks = (m + block - 1) // block
    chunks = min(threads, blocks)
    dw_parts = np.zeros((chunks, n))
    db_parts = np.zeros(chunks)
    cost_parts = np.zeros(chunks)
    for c in numba.prange(chunks):
        lo = min(m, c * blocks // chunks * block)
        hi = min(m, (c + 1) * blocks // chunks * block)
        dw = np.zeros(n)  # thread-private: no false sharing of dw_parts' cache lines
        db_parts[c], cost_parts[c] = _chunk(w, b, X, Y, lo, hi, block, dw)
        dw_parts[c] = dw
    dw = np.zeros(n)
    db = 0.0
    cost = 0.0
    for c in range(chunks):  # in chunk order, whichever thread ran it: deterministic
        dw += dw_parts[c]
        db += db_parts[c]
        cost += cost_parts[c]
    return dw / m, db / m, cost / m


@numba.njit(**_JIT)
def _serial(w, b, X, Y, block):
    """The one-chunk case of _kernel (one thread, or one block) without starting a parallel region."""
    m = Y.size
    dw = np.zeros(w.size)
    db, cost = _chunk(w, b, X, Y, 0, m, block, dw)
    return dw / m, db / m, cost / m


def run(w, b, X, Y, block):
    """dw, db, cost over X as given (2-D, any layout) or as tiled by ``prepare`` (1-D), on every Numba thread."""
    # One chunk (m within one block, or one thread) runs serially: the same sums in the same order, and
    # waking the thread pool for it costs more than a whole small gradient. The block test comes first:
    # numba.get_num_threads() itself takes 1-2 µs (docs/numba_parallel.md, "Small problems").
    # The thread count is read here: numba.get_num_threads() inside the kernel defeats cache=True.
    threads = 1 if Y.size <= block else numba.get_num_threads()
    if threads == 1:
        return _serial(w, float(b), X, Y, block)
    return _kernel(w, float(b), X, Y, block, threads)


@numba.njit(parallel=True, **_JIT)
def _tile(X, T, block, columns):
    """Copy X into T block by block, each block one contiguous (n, B) panel; read along X's contiguous axis."""
    n, m = X.shape
    for k in numba.prange((m + block - 1) // block):
        lo = k * block
        nb = min(block, m - lo)
        P = _panel(T, n, lo, nb)
        if columns:
            for i in range(nb):
                for j in range(n):
                    P[j, i] = X[j, lo + i]
        else:
            for j in range(n):
                for i in range(nb):
                    P[j, i] = X[j, lo + i]


@numba.njit(parallel=True, **_JIT)
def _example_major(X, A):
    """A[i, :] = X[:, i] on every thread, 64 examples per task (X read in 512-byte runs; A's part stays cached)."""
    n, m = X.shape
    for k in numba.prange((m + 63) // 64):
        for j in range(n):
            for i in range(k * 64, min(k * 64 + 64, m)):
                A[i, j] = X[j, i]


def prepare(X, Y):
    """X copied once for the kernel (after checking it fits in memory), Y, and the block size.

    Below COLUMNS_FROM_N features the copy is the (n, B) panels, from COLUMNS_FROM_N on an
    example-major (m, n) array handed on as its (n, m) transpose; either is built from any layout.
    """
    n, m = X.shape
    check_memory(X.nbytes)
    Y = np.array(Y)  # the problem's own labels: the caller may change theirs afterwards
    Y.flags.writeable = False
    if n >= COLUMNS_FROM_N:
        A = np.empty((m, n), dtype=X.dtype)
        if X.flags.f_contiguous:
            A[...] = X.T  # a plain contiguous copy
        else:
            _example_major(X, A)
        return A.T, Y, block_for(A.T)
    block = block_size(n, X.itemsize)
    T = np.empty(n * m, dtype=X.dtype)
    _tile(X, T, block, abs(X.strides[0]) < abs(X.strides[1]))
    return T, Y, block


def gradients(w, b, copy, Y, block):
    """dw, db, cost in one pass over the prepared copy of X, on every Numba thread."""
    return run(w, b, copy, Y, block)
