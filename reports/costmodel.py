"""At which sizes: a fitted cost model per implementation, crossovers with intervals, who wins (NumPy only).

The model: t(n, m) = c₀ + c₁·m + c₂·n·m seconds per gradient call. A call costs a fixed part (Python,
dispatch, a launch), a part per example (σ, the loss, a loop iteration) and a part per element of X
(its two multiply-adds, wᵀX and X·dZᵀ, and the bytes read). The rates may differ by the memory level
a call's data fit in (L2, L3, DRAM): X with y and one vector of m intermediates (σ(Z) or dZ), so that at
n = 1 the vectors, as large as X, count. The shared L3 counts at L3_SHARE of its size, the bandwidth
probe's own rule: other cores (on a VM, other guests) hold the rest, and data of 24 MB in a 32 MB L3 run at
DRAM's rate here (n = 1,000, m = 3,000, on every full run); each core's private L2 counts whole. Three
forms compete: one rate; a per-element rate per level; per-example and per-element rates per level. A
per-level form needs LEVEL_MIN_SIZES measured sizes per level group, and the form that predicts held-out
sizes best is kept (ties: fewer coefficients). One measured n (or m) cannot tell a cost per example from
one per element (or per call): that coefficient is dropped and the form says so.

The fit minimises the relative error Σ((model − t)/t)² over the sizes' median times (they span five
decades: an absolute fit would see only the largest; where the run has interleaved rounds of a size, the
rounds' median, pooled over visits spread over the run, so that a slow moment during one pytest-benchmark
case does not move it) with non-negative coefficients (a negative cost
is not physics). That non-negative least squares of 3–5 coefficients is solved exactly by trying every
set of active coefficients (the optimum is the unconstrained fit on its active set); SciPy is not a
dependency of the report.

Intervals (95%) come from a bootstrap with a fixed seed (the same numbers on every call): each
replicate redraws every size's median, from its interleaved rounds where the run has them (pooled
over visits, resampled with replacement) or, without rounds, from a log-normal with the standard
error of a median implied by pytest-benchmark's interquartile range and round count. Implementations of one
size draw the same rounds, so a crossover's interval keeps the pairing of the rounds. These
intervals reflect the timings' spread only; how well the form fits is the held-out error: each size
predicted by the model fitted to the others. Sizes inside the m range measured at their n test
interpolation, which is all that crossovers (solved within that range) and the map use; the sizes at
its ends test extrapolation by the grid's step, which `predict` states when it extrapolates. A model
whose held-out median error inside the range exceeds HELD_OUT_BOUND (over all sizes where none lies
inside) is marked as not fitting and yields no crossover. A crossover is sought below the m from which the
two models' 95% prediction intervals overlap up to the range's top (the map's tie rule): two calls bound by
the same read of X at large m would otherwise have their crossover placed by noise.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from reports import derive
from reports.contract import schema as s
from reports.contract.checked import ReportInputError
from reports.contract.records import Record, Results, Rounds
from reports.contract.stats import median_interval, ratios

HELD_OUT_BOUND = 0.20  # held-out median relative error above which a model is not used for crossovers
REPLICATES = 300  # bootstrap replicates: enough for 2.5% / 97.5% quantiles, fast enough for every report
SEED = 24  # the bootstrap's seed: every report and `predict` draw the same replicates
L3_SHARE = 0.5  # of the shared L3 that a call's data can count on (benchmarks/bandwidth.py probes with the same)
LEVEL_MIN_SIZES = 3  # measured sizes a memory level (or group of levels) needs for rates of its own
VECTORS = 2  # m-long vectors beside X that a call touches (y, and σ(Z) or dZ): they count where data lives
FAR = 10.0  # a prediction beyond this factor outside the fitted n or m range is refused (no model speaks for it)
TIE_STEPS = 64  # m values (log-spaced) per crossover at which the two models' intervals are compared
ESTIMATE_FACTOR = 3.0  # a Spec.cost_ns estimate off by more than this from the fitted model is reported
LEVEL_ORDER = s.LEVELS  # L2, L3, DRAM: smallest first

# Pairs a user weighs, (before, after): the crossover is where the second overtakes the first.
PAIRS = (("double_loop", "single_loop"), ("single_loop", "numpy"), ("numpy", "numba"), ("numba", "numba_parallel"),
         ("numpy", "torch"), ("numpy", "jax"), ("numpy", "cupy"))
SCALING_PAIR = ("numpy", "dask")  # from the scaling benchmark: Dask on w workers against NumPy on w threads

FIXED, PER_EXAMPLE, PER_ELEMENT = "fixed", "per_example", "per_element"
UNITS = {FIXED: ("µs per call", 1e6), PER_EXAMPLE: ("ns per example", 1e9),
         PER_ELEMENT: ("ns per element of X (2 multiply-adds)", 1e9)}


# --- data --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """What one model describes: an implementation at one layout, dtype, thread and worker count."""

    benchmark: str  # schema.GRADIENTS, or SCALING (Dask and its one-machine reference)
    implementation: str
    layout: str
    dtype: str
    threads: int
    workers: int = 1
    memory: str = s.HOST

    @property
    def label(self) -> str:
        """'numpy', 'numpy frame float32 t=2', 'dask w=2 (scaling)': what differs from the lecture's float64, 1."""
        parts = [self.implementation]
        parts += [self.layout] if self.layout != s.LECTURE else []
        parts += [self.dtype] if self.dtype != derive.REFERENCE_DTYPE else []
        parts += [f"t={self.threads}"] if self.threads != 1 else []
        parts += [f"w={self.workers}"] if self.workers != 1 else []
        return " ".join(parts) + (" (scaling)" if self.benchmark == s.SCALING else "")

    @property
    def itemsize(self) -> int:
        return np.dtype(self.dtype).itemsize


@dataclass(frozen=True)
class Point:
    """One measured size of a variant: its median time and what a bootstrap redraws it from."""

    n: int
    m: int
    level: str | None  # where X lives as the run recorded it (None: on a device, where levels do not apply)
    seconds: float
    rounds: tuple[float, ...] = ()  # per-round seconds, the size's visits pooled (empty: no rounds)
    log_se: float = 0.0  # without rounds: standard error of log(median) from the IQR (0: no spread known)


def point(r: Record, visits: list[Rounds]) -> Point:
    """A record as a Point, with its pooled rounds (or, without, the spread of its median)."""
    rounds = tuple(v for x in visits for v in x.seconds.get(r.implementation, ()))
    if rounds:  # spread over the run's visits: a slow moment during one pytest-benchmark case does not move it
        return Point(r.n, r.m, r.level, float(np.median(rounds)), rounds)
    log_se = 0.0
    if r.q1 and r.q3 and r.q3 > r.q1:
        # A median's standard error is √(π/2)·σ/√R; σ of log times from the IQR (1.349 σ for a normal).
        log_se = math.sqrt(math.pi / 2) * math.log(r.q3 / r.q1) / 1.349 / math.sqrt(r.rounds or 1)
    return Point(r.n, r.m, r.level, r.median, rounds, log_se)


def replicates(p: Point, v: Variant) -> np.ndarray:
    """REPLICATES bootstrap draws of p's median (seconds); fixed seeds, the same rounds drawn for every
    implementation of the size (the seed names the size, not the implementation)."""
    size = zlib.crc32(f"{v.benchmark} {v.layout} {v.dtype} {v.threads} {v.workers}".encode())
    if p.rounds:
        x = np.asarray(p.rounds)
        pick = np.random.default_rng([SEED, p.n, p.m, size, len(x)]).integers(0, len(x), (REPLICATES, len(x)))
        return np.median(x[pick], axis=1)
    rng = np.random.default_rng([SEED, p.n, p.m, size, zlib.crc32(v.implementation.encode())])
    return p.seconds * np.exp(rng.normal(0.0, p.log_se, REPLICATES))


# --- the form and the fit ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """Which coefficients a model has: c₀, c₁ (unless dropped), and one per-element rate per level group."""

    per_example: bool = True
    groups: tuple[tuple[str, ...], ...] = ()  # level groups, smallest first; () or one group: one rate
    bounds: tuple[float, ...] = ()  # bytes (footprint) up to which each group but the last holds
    example_by_level: bool = False  # c1 per level group too (else one c1)

    @property
    def columns(self) -> tuple[str, ...]:
        names = ["+".join(g) for g in self.groups] if len(self.groups) > 1 else []
        rates = [f"{PER_ELEMENT}_{g}" for g in names] or [PER_ELEMENT]
        examples = [f"{PER_EXAMPLE}_{g}" for g in names] if self.example_by_level else [PER_EXAMPLE]
        return (FIXED, *(examples if self.per_example else []), *rates)

    def matrix(self, n, m, itemsize) -> np.ndarray:
        """The design matrix (sizes × columns) in seconds per unit coefficient."""
        n, m = (np.asarray(x, dtype=float) for x in (n, m))
        group = np.searchsorted(np.asarray(self.bounds, dtype=float), footprint(n, m, itemsize), side="left")
        per_group = range(max(len(self.groups), 1))
        cols = [np.ones_like(m)]
        if self.per_example:
            cols += [m * (group == g) for g in per_group] if self.example_by_level else [m]
        cols += [n * m * (group == g) for g in per_group]
        return np.stack(cols, axis=-1)

    def cuts(self, n: float, itemsize: int) -> list[float]:
        """The m at which this form's rates change at n (its level bounds)."""
        return [bound / ((n + VECTORS) * itemsize) for bound in self.bounds]

    def describe(self) -> str:
        """The form in words, e.g. 't = c0 + c1·m + c2·n·m' or '…, c2 by the memory level the data fit in (…)'."""
        head = "t = c0" + (" + c1·m" if self.per_example else "")
        if len(self.groups) < 2:
            return head + " + c2·n·m"
        which = "c1 and c2" if self.example_by_level and self.per_example else "c2"
        return (f"{head} + c2·n·m, {which} by the memory level the data fit in "
                f"({', '.join('+'.join(g) for g in self.groups)})")


def footprint(n, m, itemsize) -> np.ndarray:
    """Bytes a call touches: X and VECTORS m-long vectors."""
    return (np.asarray(n, dtype=float) + VECTORS) * np.asarray(m, dtype=float) * itemsize


def determined(a: np.ndarray) -> bool:
    """Whether these sizes (rows) determine every coefficient (column): full column rank, columns scaled to
    their largest entry (seconds per call against per element would otherwise look dependent)."""
    peak = a.max(axis=0)
    return np.linalg.matrix_rank(a / np.where(peak > 0, peak, 1)) == a.shape[1]


def nnls(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Non-negative c minimising Σ((a·c − t)/t)², for each row of t (replicates × sizes): replicates × columns."""
    t = np.atleast_2d(t)
    w = a[None, :, :] / t[:, :, None]  # rows divided by their time: relative error
    k = a.shape[1]
    best_c, best_r = np.zeros((len(t), k)), np.full(len(t), np.inf)
    for size in range(1, k + 1):
        for cols in itertools.combinations(range(k), size):
            sub = a[:, cols]
            if not determined(sub):
                continue  # these columns cannot all be determined by these sizes
            ws = w[:, :, cols]
            scale = np.linalg.norm(ws, axis=1, keepdims=True)  # equilibrated: seconds per call vs per element
            ws = ws / scale
            c = np.linalg.solve(np.einsum("bpi,bpj->bij", ws, ws), ws.sum(axis=1)[:, :, None])[:, :, 0]
            r = ((np.einsum("bpi,bi->bp", ws, c) - 1) ** 2).sum(axis=1)
            better = (c >= 0).all(axis=1) & (r < best_r)
            full = np.zeros((len(t), k))
            full[:, cols] = c / scale[:, 0, :]
            best_c[better], best_r[better] = full[better], r[better]
    return best_c


def design(form: Form, points: list[Point], itemsize: int) -> np.ndarray:
    """The form's design matrix at the points' sizes."""
    return form.matrix([p.n for p in points], [p.m for p in points], itemsize)


def held_out(form: Form, points: list[Point], itemsize: int) -> np.ndarray:
    """Each size's time predicted by the model fitted to the other sizes (NaN where they do not determine it)."""
    found = np.full(len(points), np.nan)
    for i, p in enumerate(points):
        rest = points[:i] + points[i + 1:]
        a = design(form, rest, itemsize)
        if determined(a):
            found[i] = design(form, [p], itemsize)[0] @ nnls(a, np.array([q.seconds for q in rest]))[0]
    return found  # NaN: the others do not determine every coefficient (p was the only size with its n, say)


def inside(points: list[Point]) -> np.ndarray:
    """Whether each size lies inside the m range measured at its n (others below and above it): interpolation."""
    return np.array([any(q.n == p.n and q.m < p.m for q in points) and any(q.n == p.n and q.m > p.m for q in points)
                     for p in points], dtype=bool)


def relative_errors(predicted: np.ndarray, points: list[Point], where: np.ndarray | None = None) -> np.ndarray:
    """|predicted − measured| / measured where a prediction was made (and `where` holds)."""
    measured = np.array([p.seconds for p in points])
    keep = np.isfinite(predicted) & (True if where is None else where)
    return np.abs(predicted[keep] - measured[keep]) / measured[keep]


def judged_errors(predicted: np.ndarray, points: list[Point]) -> np.ndarray:
    """The held-out errors a model is judged by: at the sizes inside its m ranges, or at all where none is."""
    within = relative_errors(predicted, points, inside(points))
    return within if len(within) else relative_errors(predicted, points)


def level_groups(levels: list[str]) -> tuple[tuple[str, ...], ...]:
    """Levels in order, merged upward until each group holds LEVEL_MIN_SIZES sizes (a short tail joins the last)."""
    counts = Counter(levels)
    groups, current = [], []
    for level in LEVEL_ORDER:
        current += [level] if counts[level] else []
        if current and sum(counts[x] for x in current) >= LEVEL_MIN_SIZES:
            groups.append(tuple(current))
            current = []
    if current and groups:
        groups[-1] += tuple(current)
    return tuple(groups)


def candidate_forms(points: list[Point], v: Variant, level_bytes: dict[str, int]) -> list[Form]:
    """One rate, and per-level rates where every group has enough sizes and the run recorded the levels' bytes
    (host memory only: a device's timings have no level)."""
    one_n, one_m = len({p.n for p in points}) < 2, len({p.m for p in points}) < 2
    base = Form(per_example=not (one_n or one_m))
    forms = [base]
    recorded = all(p.level for p in points) and all(x in level_bytes for x in LEVEL_ORDER[:-1])
    if recorded:
        level_bytes = {**level_bytes, s.L3: int(level_bytes[s.L3] * L3_SHARE)}
        levels = [s.level_of(footprint(p.n, p.m, v.itemsize), v.threads, level_bytes) for p in points]
        groups = level_groups(levels)
        bounds = tuple(s.capacity(g[-1], v.threads, level_bytes) for g in groups[:-1])
        if len(groups) > 1:
            forms.append(Form(base.per_example, groups, bounds))
            forms += [Form(True, groups, bounds, example_by_level=True)] if base.per_example else []
    return [f for f in forms if len(points) > len(f.columns)]  # one size more than coefficients: one to hold out


# --- models -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A fitted value with its 95% bootstrap interval; lo or hi None: the interval reaches past the measured range."""

    median: float
    lo: float | None
    hi: float | None

    def as_dict(self) -> dict:
        return {"median": self.median, "lo": self.lo, "hi": self.hi}


def estimate(value: float, draws: np.ndarray) -> Estimate:
    """value with the 2.5% and 97.5% order statistics of its bootstrap draws (±inf: past the range, None)."""
    lo, hi = (float(np.quantile(draws, q, method=how)) for q, how in ((0.025, "lower"), (0.975, "higher")))
    return Estimate(value, lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None)


@dataclass
class Model:
    """A variant's fitted model, or why it has none (reason)."""

    variant: Variant
    points: list[Point]
    form: Form | None = None
    coef: np.ndarray | None = None  # seconds per unit of each column, fitted to the medians
    draws: np.ndarray | None = None  # bootstrap replicates × columns
    held_out: np.ndarray = field(default_factory=lambda: np.zeros(0))  # each point predicted from the others (NaN: not)
    reason: str | None = None  # why there is no model

    @property
    def errors(self) -> np.ndarray:
        """Held-out relative errors at the sizes the model is judged by (inside its m ranges; all where none is)."""
        return judged_errors(self.held_out, self.points)

    @property
    def judged_inside(self) -> bool:
        """Whether the errors are those of sizes inside the measured m ranges (else of all sizes)."""
        return bool((inside(self.points) & np.isfinite(self.held_out)).any())

    @property
    def edge_errors(self) -> np.ndarray:
        """Held-out relative errors at the ends of each n's m range: predicted by extrapolating a grid step."""
        return relative_errors(self.held_out, self.points, ~inside(self.points))

    @property
    def fitted(self) -> bool:
        return self.coef is not None

    @property
    def fits(self) -> bool:
        """Fitted, and its held-out median error within HELD_OUT_BOUND."""
        return self.fitted and len(self.errors) > 0 and float(np.median(self.errors)) <= HELD_OUT_BOUND

    @property
    def why_not(self) -> str | None:
        """Why no crossover is drawn from this model (None where it fits)."""
        if not self.fitted:
            return f"{self.variant.label}: no model ({self.reason})"
        if not self.fits:
            return (f"{self.variant.label}'s model does not fit: held-out median error "
                    f"{beside_bound(float(np.median(self.errors)))} > {HELD_OUT_BOUND:.0%}")
        return None

    def coefficients(self) -> dict[str, Estimate]:
        """Each coefficient in seconds per unit, with its interval."""
        return {name: estimate(float(self.coef[i]), self.draws[:, i]) for i, name in enumerate(self.form.columns)}

    def times(self, n, m, coef: np.ndarray | None = None) -> np.ndarray:
        """Predicted seconds at sizes (n, m) (arrays), from coef (columns, or replicates × columns)."""
        n, m = np.asarray(n, dtype=float), np.asarray(m, dtype=float)
        a = self.form.matrix(n, m, self.variant.itemsize)
        return np.asarray(self.coef if coef is None else coef) @ a.T  # sizes, or replicates × sizes

    def predict(self, n: float, m: float) -> Estimate:
        """Seconds per call at (n, m) with the interval of the bootstrap's predictions."""
        return estimate(float(self.times([n], [m])[0]), self.times([n], [m], self.draws)[:, 0])

    def extent(self) -> dict[str, tuple[int, int]]:
        """The fitted n and m ranges."""
        return {s.N: (min(p.n for p in self.points), max(p.n for p in self.points)),
                s.M: (min(p.m for p in self.points), max(p.m for p in self.points))}

    def extrapolation(self, n: float, m: float) -> dict[str, float]:
        """How far (n, m) lies outside the fitted ranges: {axis: factor > 1} for each axis it leaves."""
        out = {}
        for axis, value in ((s.N, n), (s.M, m)):
            lo, hi = self.extent()[axis]
            factor = max(lo / value, value / hi)
            out.update({axis: factor} if factor > 1 else {})
        return out


def beside_bound(error: float) -> str:
    """A held-out error in percent, with a decimal where whole percent would read as the bound itself."""
    return f"{error:.1%}" if f"{error:.0%}" == f"{HELD_OUT_BOUND:.0%}" else f"{error:.0%}"


def fit(v: Variant, points: list[Point], level_bytes: dict[str, int]) -> Model:
    """The best-predicting form's fit, bootstrap and held-out errors; a Model with a reason where none is possible."""
    points = sorted(points, key=lambda p: (p.n, p.m))
    forms = candidate_forms(points, v, level_bytes)
    if not forms:
        return Model(v, points, reason=f"{len(points)} size{'s' if len(points) != 1 else ''} measured; "
                                       f"a model with one size held out needs {len(Form().columns) + 1}")
    scored = [(held_out(f, points, v.itemsize), f) for f in forms]
    median = lambda e: np.median(e) if len(e) else np.inf  # noqa: E731
    predicted, form = min(scored, key=lambda x: (median(judged_errors(x[0], points)), len(x[1].columns)))
    a = design(form, points, v.itemsize)
    coef = nnls(a, np.array([p.seconds for p in points]))[0]
    draws = nnls(a, np.stack([replicates(p, v) for p in points], axis=1))
    return Model(v, points, form, coef, draws, predicted)


def variants(records: list[Record]) -> dict[Variant, list[Record]]:
    """Records by Variant, in first-seen order."""
    out: dict[Variant, list[Record]] = {}
    for r in records:
        key = Variant(r.benchmark, r.implementation, r.layout, r.dtype, r.threads, r.workers, r.memory)
        out.setdefault(key, []).append(r)
    return out


def scaling_records(records: list[Record]) -> list[Record]:
    """Scaling records, Dask at its best chunk cap per (n, m, workers): the cap is a setting, not a variant."""
    best: dict[tuple, Record] = {}
    for r in records:
        key = (r.implementation, r.n, r.m, r.layout, r.dtype, r.threads, r.workers)
        if key not in best or r.median < best[key].median:
            best[key] = r
    return list(best.values())


def points_by_variant(records: list[Record], visits: dict[tuple, list[Rounds]]) -> dict[Variant, list[Point]]:
    """Each variant's Points, with the rounds of visits (derive.pool's keys) where a size has them."""
    return {v: [point(r, visits.get((r.series, *r.size), [])) for r in found] for v, found in variants(records).items()}


def fit_records(records: list[Record], rounds: list[Rounds], level_bytes: dict[str, int]) -> list[Model]:
    """A Model per variant of records (gradients, or scaling), rounds paired by derive.pool."""
    return [fit(v, points, level_bytes) for v, points in points_by_variant(records, derive.pool(rounds)).items()]


def with_same_call(scaling: dict[Variant, list[Point]],
                   gradients: dict[Variant, list[Point]]) -> dict[Variant, list[Point]]:
    """The scaling points, the scaling benchmark's NumPy given the gradients benchmark's sizes of its variant.

    It is the same call (problem.gradients on the same data under the same thread cap), and its few scaling
    sizes alone cannot give a rate per memory level; where both benchmarks measured a size, the gradients
    benchmark's time is kept (it has interleaved rounds).
    """
    def pooled(v: Variant, points: list[Point]) -> list[Point]:
        same = gradients.get(replace(v, benchmark=s.GRADIENTS), []) if v.implementation == SCALING_PAIR[0] else []
        have = {(p.n, p.m) for p in same}
        return same + [p for p in points if (p.n, p.m) not in have]

    return {v: pooled(v, points) for v, points in scaling.items()}


# --- crossovers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Crossover:
    """At one n, the m above which `faster` is faster than `slower` (None, with a reason, where none is found)."""

    before: Variant  # the pair as a user weighs it (before → after)
    after: Variant
    n: int
    faster: str
    slower: str
    m: Estimate | None
    span: tuple[int, int]  # the m range both were measured over at this n
    reason: str | None = None
    earlier: tuple[float, ...] = ()  # below m, where the fitted lead also changes hands (no interval: see below)
    tied_from: float | None = None  # from this m up to the span's top their 95% intervals overlap (None: apart there)
    measured: Change | None = None  # the last change of leader the interleaved rounds show at this n

    def as_dict(self) -> dict:
        v = self.before
        return {s.CROSSOVER_FASTER: self.faster, s.CROSSOVER_SLOWER: self.slower, s.N: self.n,
                s.M: self.m.as_dict() if self.m else None, s.REASON: self.reason, s.LAYOUT: v.layout,
                s.DTYPE: v.dtype, s.THREADS: v.threads, s.WORKERS: self.after.workers,
                s.BENCHMARK: v.benchmark, s.CROSSOVER_RANGE: list(self.span),
                s.CROSSOVER_EARLIER: list(self.earlier), s.CROSSOVER_TIED: self.tied_from,
                s.CROSSOVER_MEASURED: self.measured.as_dict() if self.measured else None}


@dataclass(frozen=True)
class Change:
    """Measured, not fitted: `faster` leads at m = above and the other one at m = below, the nearest such sizes."""

    faster: str
    below: int
    above: int

    def as_dict(self) -> dict:
        return {s.CROSSOVER_FASTER: self.faster, s.CROSSOVER_BETWEEN: [self.below, self.above]}


def measured_change(a: Model, b: Model, n: int) -> Change | None:
    """The last change of leader at n among the sizes where both ran in the same interleaved rounds, judged by
    the per-round ratio's 95% interval (a size whose interval holds 1 leads to neither); None where there is none.

    It needs no model, so a form that misses some sizes (or a tie between two models' bands) cannot move it;
    it only says between which two grid sizes the lead changes. A point's rounds are its visits' in the run's
    order, so equal lengths pair them round by round.
    """
    ours, theirs = ({p.m: p.rounds for p in x.points if p.n == n} for x in (a, b))
    leaders = []
    for m in sorted(ours.keys() & theirs.keys()):
        x, y = ours[m], theirs[m]
        if x and len(x) == len(y):
            ratio = median_interval(ratios(x, y))  # a's time / b's time
            if not ratio.contains(1.0):
                leaders.append((m, b.variant.implementation if ratio.lo > 1 else a.variant.implementation))
    return next((Change(after, m0, m1) for (m0, before), (m1, after) in reversed(list(itertools.pairwise(leaders)))
                 if before != after), None)


def bands(x: Model, n, m) -> tuple[np.ndarray, np.ndarray]:
    """The 2.5% and 97.5% quantiles of x's bootstrap predictions at sizes (n, m) (arrays of one shape)."""
    draws = x.times(n, m, x.draws)  # replicates × sizes
    return np.quantile(draws, 0.025, axis=0), np.quantile(draws, 0.975, axis=0)


def apart_below(a: Model, b: Model, n: int, span: tuple[int, int]) -> tuple[float | None, float | None]:
    """(top, tied_from): the largest m of span (on a log grid) at which a's and b's 95% prediction intervals are
    apart, and the m from which they overlap up to span's top (None: apart at the top). top None: they
    overlap throughout. Two calls that end bound by the same read of X (NumPy and Numba's two passes) tie
    there: who is faster at the top would be the noise's choice, so the crossover is sought below the tie."""
    ms = np.geomspace(span[0], span[1], TIE_STEPS)
    (alo, ahi), (blo, bhi) = (bands(x, np.full_like(ms, n), ms) for x in (a, b))
    apart = np.flatnonzero((alo > bhi) | (blo > ahi))
    if not len(apart):
        return None, float(span[0])
    last = int(apart[-1])
    return (float(span[1]), None) if last == len(ms) - 1 else (float(ms[last]), float(ms[last + 1]))


def pieces(a: Model, b: Model, n: int, span: tuple[int, int]) -> list[tuple[float, float]]:
    """The m intervals within span over which neither model changes its per-element rate (top first)."""
    cuts = sorted(c for x in (a, b) for c in x.form.cuts(n, x.variant.itemsize) if span[0] < c < span[1])
    edges = [span[0], *cuts, span[1]]
    return list(reversed(list(itertools.pairwise(edges))))


def advantage(a: Model, b: Model, n: int, m: float, faster_is_b: bool, ca, cb) -> np.ndarray:
    """t(slower) − t(faster) at (n, m) per coefficient row (positive: the faster one is faster there)."""
    d = a.times([n], [m], np.atleast_2d(ca))[:, 0] - b.times([n], [m], np.atleast_2d(cb))[:, 0]
    return d if faster_is_b else -d


def crossing(a: Model, b: Model, n: int, span: tuple[int, int], faster_is_b: bool, ca, cb) -> np.ndarray:
    """Per coefficient row: the m above which the faster one stays faster (−inf: throughout span; +inf: not at its top).

    Within a piece both times are linear in m, so the advantage g(m) = g₀ + g₁·m has one root; at a
    level boundary it can jump, and then the boundary is the crossover.
    """
    ca, cb = np.atleast_2d(ca), np.atleast_2d(cb)
    out = np.full(len(ca), -np.inf)
    done = advantage(a, b, n, span[1], faster_is_b, ca, cb) <= 0
    out[done] = np.inf
    for lo, hi in pieces(a, b, n, span):
        top = advantage(a, b, n, hi * (1 - 1e-9), faster_is_b, ca, cb)  # just inside the piece: the rate below a cut
        bottom = advantage(a, b, n, lo * (1 + 1e-9), faster_is_b, ca, cb)
        jump = ~done & (top <= 0)
        out[jump], done = hi, done | jump
        root = ~done & (bottom <= 0)
        out[root] = lo + (hi - lo) * bottom[root] / (bottom[root] - top[root])  # linear within the piece
        done = done | root
    return out


def changes(a: Model, b: Model, n: int, span: tuple[int, int]) -> list[float]:
    """Every m within span where the fitted models' lead changes hands, in order: a root inside a piece (the
    times are linear in m there) or a level boundary where the advantage jumps across zero."""
    found, before = [], None
    for lo, hi in reversed(pieces(a, b, n, span)):  # bottom first
        ends = (lo * (1 + 1e-9), hi * (1 - 1e-9))  # just inside the piece
        bottom, top = (float(advantage(a, b, n, x, True, a.coef, b.coef)[0]) for x in ends)
        if before is not None and (before > 0) != (bottom > 0):
            found.append(lo)  # the jump at the boundary changes the lead
        if (bottom > 0) != (top > 0):
            found.append(lo + (hi - lo) * bottom / (bottom - top))
        before = top
    return found


def crossover(a: Model, b: Model, n: int) -> Crossover | None:
    """a → b at n, over the m both were measured at; None where they share no m range at this n."""
    ms = [[p.m for p in x.points if p.n == n] for x in (a, b)]
    if not all(ms) or max(min(ms[0]), min(ms[1])) >= min(max(ms[0]), max(ms[1])):
        return None
    span = (max(min(ms[0]), min(ms[1])), min(max(ms[0]), max(ms[1])))
    why = a.why_not or b.why_not
    names = (a.variant.implementation, b.variant.implementation)
    measured = f"the measured range (m = {span[0]:,}–{span[1]:,})"
    if why:
        return Crossover(a.variant, b.variant, n, names[1], names[0], None, span, why)
    top, tie = apart_below(a, b, n, span)
    if top is None:
        return Crossover(a.variant, b.variant, n, names[1], names[0], None, span,
                         f"within each other's 95% intervals throughout {measured}: neither is faster", tied_from=tie)
    below = (span[0], top)  # where one of them is faster: up to the tie, if any
    faster_is_b = bool(advantage(a, b, n, top, True, a.coef, b.coef)[0] > 0)
    faster, slower = names[::-1] if faster_is_b else names
    m = float(crossing(a, b, n, below, faster_is_b, a.coef, b.coef)[0])
    if not math.isfinite(m):
        where = "throughout" if tie is None else f"up to m ≈ {top:,.0f}, within each other's 95% intervals above"
        return Crossover(a.variant, b.variant, n, faster, slower, None, span,
                         f"not within {measured}: {faster} is faster {where}", tied_from=tie)
    # The interval is the last change's: the bootstrap's replicates need not change hands as often as the fit.
    earlier = tuple(x for x in changes(a, b, n, below) if x < m * (1 - 1e-9))
    found = estimate(m, crossing(a, b, n, below, faster_is_b, a.draws, b.draws))
    return Crossover(a.variant, b.variant, n, faster, slower, off_boundaries(found, a, b, n), span, earlier=earlier,
                     tied_from=tie)


def off_boundaries(e: Estimate, a: Model, b: Model, n: int) -> Estimate:
    """e with an interval end that lies on a level boundary moved out to the nearest size measured beyond it.

    At a boundary the fitted rate steps, so a lead that changes by that step changes there in every
    bootstrap replicate, and the interval would shrink to a point. The machine's rate changes over the
    sizes where the data partly fit, which the grid did not measure: all the fit knows is that the
    change lies between the measured sizes on either side.
    """
    cuts = [c for x in (a, b) for c in x.form.cuts(n, x.variant.itemsize)]
    ms = sorted({p.m for x in (a, b) for p in x.points if p.n == n})
    on = lambda v: v is not None and any(math.isclose(v, c, rel_tol=1e-6) for c in cuts)  # noqa: E731
    lo = max((m for m in ms if m <= e.lo), default=None) if on(e.lo) else e.lo
    hi = min((m for m in ms if m >= e.hi), default=None) if on(e.hi) else e.hi
    return Estimate(e.median, lo, hi)


def matching(models: list[Model], before: str, after: str, benchmark: str) -> list[tuple[Model, Model]]:
    """(before, after) model pairs of one layout, dtype and threads (scaling: after's workers = before's threads)."""
    pairs = []
    for a in models:
        for b in models:
            same = (a.variant.benchmark == b.variant.benchmark == benchmark and a.variant.implementation == before
                    and b.variant.implementation == after and a.variant.layout == b.variant.layout
                    and a.variant.dtype == b.variant.dtype)
            cores = b.variant.workers if benchmark == s.SCALING else b.variant.threads
            if same and a.variant.threads == cores:
                pairs.append((a, b))
    return pairs


def crossovers(models: list[Model]) -> list[Crossover]:
    """Every pair of PAIRS (gradients) and SCALING_PAIR (scaling) at each n both measured."""
    found = []
    wanted = [(*pair, s.GRADIENTS) for pair in PAIRS] + [(*SCALING_PAIR, s.SCALING)]
    for before, after, benchmark in wanted:
        for a, b in matching(models, before, after, benchmark):
            ns = sorted({p.n for p in a.points} & {p.n for p in b.points})
            found += [replace(x, measured=measured_change(a, b, n)) for n in ns if (x := crossover(a, b, n))]
    return found


# --- who wins --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhoWins:
    """The predicted fastest model over a log n × log m grid, and where the runner-up's interval overlaps (a tie)."""

    models: list[Model]
    n: np.ndarray  # grid rows
    m: np.ndarray  # grid columns
    winner: np.ndarray  # index into models, rows × columns
    tie: np.ndarray  # bool: another model's 95% interval overlaps the winner's
    runner_up: np.ndarray  # index into models of the second fastest prediction
    left_out: list[Model]  # models of the map's variant that do not fit

    def measured(self) -> list[tuple[int, int, str, bool]]:
        """(n, m, fastest measured, whether the models predict it fastest too) at each size every model measured."""
        times: dict[tuple[int, int], dict[str, float]] = {}
        for x in self.models:
            for p in x.points:
                times.setdefault((p.n, p.m), {})[x.variant.implementation] = p.seconds
        out = []
        for (n, m), found in sorted(times.items()):
            if len(found) == len(self.models):
                predicted = self.models[int(np.argmin([x.times([n], [m])[0] for x in self.models]))]
                best = min(found, key=found.get)
                out.append((n, m, best, predicted.variant.implementation == best))
        return out


def who_wins(models: list[Model], rows: int = 40, cols: int = 60) -> WhoWins | None:
    """Over the measured n and m ranges of the fitting models (None with fewer than two)."""
    left_out = [x for x in models if not x.fits]
    models = [x for x in models if x.fits]
    if len(models) < 2:
        return None
    ns = [p.n for x in models for p in x.points]
    ms = [p.m for x in models for p in x.points]
    n = np.geomspace(min(ns), max(ns), rows) if max(ns) > min(ns) else np.array([float(ns[0])])
    m = np.geomspace(min(ms), max(ms), cols)
    gn, gm = (x.ravel() for x in np.meshgrid(n, m, indexing="ij"))
    mid = np.array([x.times(gn, gm) for x in models])
    lo, hi = (np.array(q) for q in zip(*(bands(x, gn, gm) for x in models), strict=True))
    winner, runner_up = np.argsort(mid, axis=0)[:2]
    cols_ = np.arange(len(gn))
    others = np.where(np.arange(len(models))[:, None] == winner[None, :], np.inf, lo)
    tie = others.min(axis=0) <= hi[winner, cols_]
    shape = (len(n), len(m))
    return WhoWins(models, n, m, winner.reshape(shape), tie.reshape(shape), runner_up.reshape(shape), left_out)


# --- the series' models, and what the report states -------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """A Spec.cost_ns estimate more than ESTIMATE_FACTOR from the fitted model at a measured size."""

    variant: Variant
    n: int
    m: int
    estimated: float  # seconds: (ns per example · m + ns per element · n·m) · 1e-9
    fitted: float  # the model's prediction, seconds


@dataclass
class Models:
    """A series' models (gradients and scaling) and the crossovers drawn from them."""

    models: list[Model]
    crossovers: list[Crossover]
    estimates: dict[str, tuple[float, float]] | None = None  # Spec.cost_ns by name; None: not read (see estimates)

    @property
    def gradients(self) -> list[Model]:
        return [x for x in self.models if x.variant.benchmark == s.GRADIENTS]

    def map_models(self) -> list[Model]:
        """The gradients models of the map: the lecture layout, the reference dtype (else the first), fewest threads."""
        found = [x for x in self.gradients if x.variant.layout == s.LECTURE]
        if not found:
            return []
        dtypes = {x.variant.dtype for x in found}
        dtype = derive.REFERENCE_DTYPE if derive.REFERENCE_DTYPE in dtypes else found[0].variant.dtype
        threads = min(x.variant.threads for x in found)
        return [x for x in found if x.variant.dtype == dtype and x.variant.threads == threads]


def analyse(results: Results, v: derive.SeriesView) -> Models:
    """The models of one series: a gradients model per variant, scaling models, and the crossovers."""
    visits = derive.pool([x for x in results.rounds if x.series == v.label])
    gradients = points_by_variant(v.records, visits)
    # No rounds for the scaling records: the gradients benchmark's Dask rounds are not the scaling benchmark's Dask.
    scaling = with_same_call(points_by_variant(scaling_records(v.scaling), {}), gradients)
    models = [fit(x, points, v.run.level_bytes) for x, points in (gradients | scaling).items()]
    return Models(models, crossovers(models))


def disagreements(models: list[Model], estimates: dict[str, tuple[float, float]]) -> list[Disagreement]:
    """Where a 1-thread fitting model contradicts a cost_ns estimate (ns per example, ns per element) by more than
    ESTIMATE_FACTOR at a measured size: the worst size of each variant.

    The estimate has no fixed part, so it may fall short where the fixed part dominates (small sizes, which the
    skip logic never weighs); elsewhere too low risks a hang and too high skips sizes that would run. Estimates
    serve every thread count, so only 1-thread models are held to them.
    """
    out = []
    for x in models:
        if not x.fits or x.variant.implementation not in estimates or x.variant.benchmark != s.GRADIENTS \
                or x.variant.threads != 1:
            continue
        per_example, per_element = estimates[x.variant.implementation]
        worst = None
        for p in x.points:
            total = float(x.times([p.n], [p.m])[0])
            guess = (per_example * p.m + per_element * p.n * p.m) * 1e-9
            over = guess / total
            under = total / guess if guess > 0 and total - x.coef[0] >= x.coef[0] else 0.0
            off = max(over, under)
            if off > ESTIMATE_FACTOR and (worst is None or off > worst[0]):
                worst = (off, Disagreement(x.variant, p.n, p.m, guess, total))
        out += [worst[1]] if worst else []
    return out


def attach(view: derive.View, results: Results, estimates: dict | None = None) -> derive.View:
    """Every series view of `view` with its Models (SeriesView.models); estimates: Spec.cost_ns to check, if read."""
    for v in view.series:
        v.models = analyse(results, v)
        v.models.estimates = estimates
    return view


def as_dict(x: Model) -> dict:
    """A model as summary.json holds it (schema.MODEL_FIELDS)."""
    v = x.variant
    out = {s.BENCHMARK: v.benchmark, s.IMPLEMENTATION: v.implementation, s.LAYOUT: v.layout, s.DTYPE: v.dtype,
           s.THREADS: v.threads, s.WORKERS: v.workers, s.MEMORY: v.memory, s.MODEL_SIZES: len(x.points),
           s.MODEL_FORM: None, s.MODEL_COEFFICIENTS: None, s.MODEL_HELD_OUT: None, s.MODEL_FITS: x.fits,
           s.REASON: x.reason or x.why_not}
    if not x.fitted:
        return out
    coefficients = {}
    for name, e in x.coefficients().items():
        unit, scale = UNITS[kind(name)]
        coefficients[name] = {**{k: None if val is None else val * scale for k, val in e.as_dict().items()},
                              s.MODEL_UNIT: unit}
        if kind(name) == PER_ELEMENT:
            coefficients[name][s.MODEL_READ_GBS] = read_gbs(e, v.itemsize)
    held = {**spread(x.errors), s.HELD_OUT_INSIDE: x.judged_inside, s.HELD_OUT_EDGES: spread(x.edge_errors)}
    out.update({s.MODEL_FORM: x.form.describe(), s.MODEL_COEFFICIENTS: coefficients, s.MODEL_HELD_OUT: held})
    return out


def kind(column: str) -> str:
    """FIXED, PER_EXAMPLE or PER_ELEMENT: a column's kind without its level ('per_element_L2' → PER_ELEMENT)."""
    return next(k for k in (FIXED, PER_EXAMPLE, PER_ELEMENT) if column == k or column.startswith(k + "_"))


def spread(errors: np.ndarray) -> dict:
    """{median, worst, sizes} of relative errors (None without any)."""
    found = len(errors) > 0
    return {"median": float(np.median(errors)) if found else None, "worst": float(errors.max()) if found else None,
            "sizes": len(errors)}


def read_gbs(e: Estimate, itemsize: int) -> dict | None:
    """itemsize ÷ the per-element seconds: the rate X would be read at if reading it were the whole per-element
    cost, {median, lo, hi} (the interval inverted); None for a zero rate."""
    if e.median <= 0:
        return None
    inv = lambda x: None if x is None or x <= 0 else itemsize / x / 1e9  # noqa: E731
    return {"median": inv(e.median), "lo": inv(e.hi), "hi": inv(e.lo)}


def estimates(names) -> dict[str, tuple[float, float]]:
    """Spec.cost_ns of each named implementation this installation can import (others are left out: a GPU's, say).

    Reading them imports every backend (seconds for torch and jax), so only `run`, whose sweep used these
    very estimates, reads them; `draw` leaves them unchecked.
    """
    import impls

    found = {}
    for name in names:
        if name in impls.names() and impls.get(name).available:
            found[name] = tuple(impls.get(name).spec.cost_ns)
    return found


# --- `python -m reports predict` ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prediction:
    """Seconds per call at (n, m) from a variant's model, and how far (n, m) lies outside what it was fitted to."""

    model: Model
    n: int
    m: int
    seconds: Estimate
    outside: dict[str, float]  # {axis: factor beyond the fitted range} for each axis (n, m) leaves

    def as_dict(self) -> dict:
        v, h = self.model.variant, as_dict(self.model)
        return {s.IMPLEMENTATION: v.implementation, s.N: self.n, s.M: self.m, s.LAYOUT: v.layout, s.DTYPE: v.dtype,
                s.THREADS: v.threads, "seconds": self.seconds.as_dict(), s.MODEL_FORM: h[s.MODEL_FORM],
                s.MODEL_HELD_OUT: h[s.MODEL_HELD_OUT], s.MODEL_FITS: h[s.MODEL_FITS],
                "fitted_range": {axis: list(span) for axis, span in self.model.extent().items()},
                "extrapolation": self.outside}


def predict(results: Results, implementation: str, n: int, m: int, layout: str, dtype: str,
            threads: int) -> Prediction:
    """The first series' gradients model of one variant at (n, m); ReportInputError (one line) where there is none,
    or where (n, m) lies more than FAR times outside the fitted range."""
    v = derive.analyse(results).main
    names = derive.implementations(v.records)
    if implementation not in names:
        raise ReportInputError(f"implementation {implementation!r}: not in the run; measured: {', '.join(names)}")
    found = [r for r in v.records if derive.variant_key(r) == (implementation, layout, dtype, threads)]
    if not found:
        measured = ", ".join(f"--layout {k[1]} --dtype {k[2]} --threads {k[3]}" for k in derive.variants(v.records)
                             if k[0] == implementation)
        raise ReportInputError(f"{implementation}: no timings at --layout {layout} --dtype {dtype} --threads "
                               f"{threads}; measured: {measured}")
    model = fit_records(found, [x for x in results.rounds if x.series == v.label], v.run.level_bytes)[0]
    if not model.fitted:
        raise ReportInputError(f"{model.variant.label}: no model ({model.reason})")
    outside = model.extrapolation(n, m)
    for axis, factor in outside.items():
        lo, hi = model.extent()[axis]
        if factor > FAR:
            raise ReportInputError(f"{axis} = {n if axis == s.N else m:,} is {factor:.3g}× outside the fitted {axis} "
                                   f"range {lo:,}–{hi:,} (more than {FAR:g}×: no prediction)")
    return Prediction(model, n, m, model.predict(n, m), outside)
