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


def _binomial_cdf(k: int, n: int) -> float:
    """P(Binomial(n, ½) ≤ k)."""
    return sum(math.comb(n, i) for i in range(k + 1)) / 2**n


def order_ranks(count: int, confidence: float = CONFIDENCE) -> tuple[int, float]:
    """(k, coverage): the 1-based rank of the lower bound and the interval's coverage."""
    alpha = 1 - confidence
    k = 0
    while k + 1 <= count // 2 and _binomial_cdf(k, count) <= alpha / 2:
        k += 1
    k = max(k, 1)
    return k, 1 - 2 * _binomial_cdf(k - 1, count)


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
