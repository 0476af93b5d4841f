"""The interval statistics every stated ratio uses, on inputs whose answers are known."""

import math
import random

import pytest

from reports.contract import stats


def test_median_interval_uses_the_binomial_order_statistics():
    """Of 11 values the 95% interval is the 2nd to the 10th (P(Bin(11, ½) ≤ 1) = 12/2048 ≤ 2.5%)."""
    found = stats.median_interval(range(1, 12))
    assert (found.median, found.lo, found.hi, found.count) == (6, 2, 10, 11)
    assert found.coverage == pytest.approx(1 - 2 * 12 / 2048)


@pytest.mark.parametrize(("count", "rank"), [(6, 1), (9, 2), (15, 4), (21, 6), (30, 10)])
def test_order_ranks_match_the_binomial_table(count, rank):
    """Lower ranks of the 95% median interval, as tabulated for the sign test."""
    k, coverage = stats.order_ranks(count)
    assert k == rank and coverage >= 0.95


def test_too_few_values_give_the_whole_range_and_say_how_little_it_covers():
    """Below 6 values no 95% interval exists: the range is returned with its true coverage."""
    found = stats.median_interval([3.0, 1.0, 2.0])
    assert (found.lo, found.median, found.hi) == (1.0, 2.0, 3.0)
    assert found.coverage == pytest.approx(0.75)


def test_median_interval_rejects_empty_and_nan():
    """An interval of nothing, or of NaN, is an error rather than a number."""
    with pytest.raises(ValueError, match="at least one"):
        stats.median_interval([])
    with pytest.raises(ValueError, match="NaN"):
        stats.median_interval([1.0, math.nan])


def test_rank_sum_counts_are_the_mann_whitney_distribution():
    """U over 2 + 2 values: 0,1,2,2,3,4 → counts 1,1,2,1,1, summing to C(4, 2); any sizes sum to C(m+n, m)."""
    assert stats._rank_sum_counts(2, 2) == [1, 1, 2, 1, 1]
    assert sum(stats._rank_sum_counts(7, 5)) == math.comb(12, 7)


def test_ratio_interval_finds_a_known_shift():
    """new = 1.1 × old exactly: the estimate is 1.1 and the interval holds it."""
    old = [1.0 + 0.01 * i for i in range(15)]
    found = stats.ratio_interval(old, [1.1 * x for x in old])
    assert found.median == pytest.approx(1.1)
    assert found.lo < 1.1 < found.hi and found.lo > 1.0
    assert found.coverage >= 0.95


def test_ratio_interval_covers_no_change_about_95_percent_of_the_time():
    """Two samples of one distribution: the interval contains 1 in ≈ 95% of 400 seeded trials."""
    rng = random.Random(7)
    hits = sum(stats.ratio_interval([rng.lognormvariate(0, 0.1) for _ in range(12)],
                                    [rng.lognormvariate(0, 0.1) for _ in range(12)]).contains(1.0)
               for _ in range(400))
    assert 0.91 <= hits / 400 <= 0.99


def test_half_width_is_relative_to_the_median():
    """[0.9, 1.1] around 1.0 is ±10%."""
    assert stats.Interval(1.0, 0.9, 1.1, 9, 0.96).half_width == pytest.approx(0.1)
