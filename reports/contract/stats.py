"""Medians with 95% intervals, the one statistic every stated ratio uses (standard library only).

The interval is the distribution-free confidence interval of a median from order statistics:
with R values sorted, [x₍ₖ₎, x₍R−k+1₎] where k is the largest rank such that a Binomial(R, ½)
falls below k with probability at most 2.5%. It assumes only that the values (e.g. per-round
ratios) are independent draws; it needs no bootstrap resampling, so it is exact for small R and
the same on every call. Below 6 values no such interval reaches 95%; then the whole range is
returned and ``Interval.coverage`` says how much it does cover.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import median

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """A median and its confidence interval [lo, hi], from ``count`` values."""

    median: float
    lo: float
    hi: float
    count: int
    coverage: float  # the interval's actual coverage probability (≥ CONFIDENCE when count ≥ 6)

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    @property
    def half_width(self) -> float:
        """Half the interval's width relative to the median (0.1: ±10%)."""
        return (self.hi - self.lo) / 2 / abs(self.median) if self.median else math.inf

    def as_dict(self) -> dict:
        return {"median": self.median, "lo": self.lo, "hi": self.hi}


def order_ranks(count: int, confidence: float = CONFIDENCE) -> tuple[int, float]:
    """(k, coverage): the 1-based rank of the lower bound and the interval's coverage."""
    alpha, total = 1 - confidence, 2**count
    # One running sum over k (a fresh binomial sum per k would be cubic in count: minutes at a few thousand values).
    k, term, below = 0, 1, 0  # term = C(count, k); below = Σ C(count, i) for i < k, i.e. P(Bin(count, ½) < k)·total
    while k + 1 <= count // 2 and (below + term) / total <= alpha / 2:
        below += term
        k += 1
        term = term * (count - k + 1) // k
    if k == 0:  # no rank reaches the confidence: the whole range (rank 1)
        k, below = 1, term
    return k, 1 - 2 * below / total


def median_interval(values, confidence: float = CONFIDENCE) -> Interval:
    """The median of ``values`` with its distribution-free confidence interval (ValueError if empty)."""
    xs = sorted(float(v) for v in values)
    if not xs:
        raise ValueError("median_interval needs at least one value")
    if any(math.isnan(x) for x in xs):
        raise ValueError("median_interval got NaN")
    k, coverage = order_ranks(len(xs), confidence)
    return Interval(median(xs), xs[k - 1], xs[len(xs) - k], len(xs), coverage)


def ratios(numerators, denominators) -> list[float]:
    """Element-wise a / b of two equally long sequences (one ratio per round)."""
    return [a / b for a, b in zip(numerators, denominators, strict=True)]


def _rank_sum_counts(m: int, n: int) -> list[int]:
    """How many of the C(m+n, m) orderings give each Mann–Whitney U = 0 … m·n (no ties).

    U's generating function is the Gaussian binomial ∏ᵢ (1 − q^(n+i)) / (1 − qⁱ), i = 1 … m;
    multiplying and dividing by those factors in turn keeps every coefficient an exact integer.
    """
    counts = [1] + [0] * (m * n)
    for i in range(1, m + 1):
        for k in range(m * n, n + i - 1, -1):  # × (1 − q^(n+i))
            counts[k] -= counts[k - n - i]
        for k in range(i, m * n + 1):  # ÷ (1 − q^i)
            counts[k] += counts[k - i]
    return counts


def ratio_interval(old, new, confidence: float = CONFIDENCE) -> Interval:
    """new ÷ old as a Hodges–Lehmann shift of log times, with its distribution-free interval.

    Every pairwise log(new_j / old_i) is formed (the two samples are not paired: they come from
    different runs); the estimate is their median and the interval their order statistics at the
    ranks where the Mann–Whitney U statistic is significant at 1 − confidence (exact
    distribution). Like median_interval, it assumes only independent draws within each sample.
    """
    a = [math.log(float(x)) for x in old]
    b = [math.log(float(y)) for y in new]
    if not a or not b or any(math.isnan(v) for v in a + b):
        raise ValueError("ratio_interval needs at least one finite positive value on each side")
    diffs = sorted(y - x for x in a for y in b)
    counts = _rank_sum_counts(len(a), len(b))
    total, alpha, k, below = math.comb(len(a) + len(b), len(a)), 1 - confidence, 0, 0
    while k < len(diffs) // 2 and (below + counts[k]) / total <= alpha / 2:
        below += counts[k]
        k += 1
    k = max(k, 1)
    below = sum(counts[: k - 1])
    coverage = 1 - 2 * below / total
    return Interval(math.exp(median(diffs)), math.exp(diffs[k - 1]), math.exp(diffs[len(diffs) - k]),
                    len(diffs), coverage)
