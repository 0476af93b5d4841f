"""Interleaved rounds, the source of every ratio the report states: `pytest benchmarks -k rounds --benchmark-only`.

For each size of the profile, every implementation that runs there (checked against the reference
first) is measured once per round, in an order rotated from round to round; for X beyond the
last-level cache the DRAM probe runs once per round too. A size's rounds come in visits spread
over the whole run (benchmarks/conftest.py places them), so its rounds sample the machine's states
across the run and the interval over rounds includes the drift between them.
"""

import pytest

import impls
from benchmarks import bandwidth, grid, rounds
from reports.contract import schema

PROFILE = grid.profile()
SIZES = [pytest.param(*(getattr(size, f) for f in schema.SIZE_FIELDS), visit, id=f"{size}-v{visit}")
         for visit in range(PROFILE.visits) for size in PROFILE.sizes()]


@pytest.mark.parametrize(",".join((*schema.SIZE_FIELDS, schema.VISIT)), SIZES)
def test_rounds(benchmark, recorder, n, m, layout, dtype, threads, visit):
    """One visit of a size: rounds_per_visit interleaved rounds over its implementations (and the DRAM probe)."""
    size = grid.Size(n, m, layout, dtype, threads)
    with impls.limit_threads(threads):
        calls, excluded = rounds.prepared_calls(size, impls.names(), PROFILE, recorder)
        if not calls:
            pytest.skip(f"no implementation runs at {size}")
        probe = bandwidth.dram_probe(threads, recorder) if size.level == schema.DRAM else None
        runner = rounds.Rounds(calls, probe, threads, first_round=visit * PROFILE.rounds_per_visit,
                               samples=PROFILE.samples)
        benchmark.group = f"{schema.ROUNDS} {size}"
        benchmark.extra_info.update({schema.BENCHMARK: schema.ROUNDS, schema.VISIT: visit, **size.info(),
                                     schema.ROUND_EXCLUDED: excluded})
        count = runner.affordable(PROFILE.visit_budget_s, PROFILE.rounds_per_visit, PROFILE.least_rounds)
        benchmark.pedantic(runner.one_round, rounds=count, iterations=1)
        benchmark.extra_info.update(runner.record())
