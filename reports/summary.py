"""summary.json: the report's numbers, machine-readable (fields named in reports.contract.schema)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from reports import costmodel, derive
from reports.contract import schema as s
from reports.contract.records import to_json
from reports.derive import SeriesView, View


def counts(found) -> dict | None:
    """A counted case's per-call counts (COUNT_FIELDS), or None."""
    return None if found is None or found.counts is None else {k: getattr(found.counts, k) for k in s.COUNT_FIELDS}


def case(v: SeriesView, r, counted: dict) -> dict:
    """One measured (implementation, n, m, layout, dtype, threads): median seconds, speedup, × limit, rounds, counts."""
    speed, limit = v.speedups.get(r), v.limits.get(r)
    return {s.IMPLEMENTATION: r.implementation, s.N: r.n, s.M: r.m, s.LAYOUT: r.layout, s.DTYPE: r.dtype,
            s.THREADS: r.threads, s.MEDIAN_SECONDS: r.median, s.SPEEDUP: speed.as_dict() if speed else None,
            s.TIMES_LIMIT: limit.as_dict() if limit else None, s.ROUNDS_USED: derive.rounds_used(v, r),
            s.COUNTS: counts(counted.get((r.implementation, *r.size)))}


def counted_only(c) -> dict:
    """A case counted but not timed: its counts, and null where a timing would be."""
    return {s.IMPLEMENTATION: c.implementation, s.N: c.n, s.M: c.m, s.LAYOUT: c.layout, s.DTYPE: c.dtype,
            s.THREADS: c.threads, s.MEDIAN_SECONDS: None, s.SPEEDUP: None, s.TIMES_LIMIT: None, s.ROUNDS_USED: 0,
            s.COUNTS: counts(c)}


def summary(v: SeriesView) -> dict:
    """One series' summary: SUMMARY_FIELDS, each case SUMMARY_CASE_FIELDS."""
    noise, found = v.run.noise, v.counts.counted if v.counts else []
    counted = {c.case: c for c in found}
    timed = {(r.implementation, *r.size) for r in v.records}
    return {"schema_version": s.SCHEMA_VERSION, "baseline": v.baseline, "machine": v.series.machine.raw,
            s.NOISE: None if noise is None else {k: asdict(noise)[k] for k in s.NOISE_FIELDS},
            "cases": [case(v, r, counted) for r in v.records] + [counted_only(c) for c in found if c.case not in timed],
            s.COUNTING: to_json(v.run.counting) if v.run.counting else None,
            s.MODELS: [costmodel.as_dict(x) for x in v.models.models] if v.models else [],
            s.CROSSOVERS: [c.as_dict() for c in v.models.crossovers] if v.models else []}


def write(view: View, out: Path) -> list[Path]:
    """summary.json for the first series; summary-<i>.json for the i-th other one (as the figures)."""
    paths = []
    for i, v in enumerate(view.series):
        path = out / (s.SUMMARY_FILE if i == 0 else s.SUMMARY_FILE.replace(".json", f"-{i}.json"))
        path.write_text(json.dumps(summary(v), indent=1, allow_nan=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
