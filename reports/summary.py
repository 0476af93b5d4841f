"""summary.json: the report's numbers, machine-readable (fields named in reports.schema)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from reports import derive
from reports import schema as s
from reports.derive import SeriesView, View


def case(v: SeriesView, r) -> dict:
    """One measured (implementation, n, m, layout, dtype, threads): median seconds, speedup, × limit, rounds."""
    speed, limit = v.speedups.get(r), v.limits.get(r)
    return {s.IMPLEMENTATION: r.implementation, s.N: r.n, s.M: r.m, s.LAYOUT: r.layout, s.DTYPE: r.dtype,
            s.THREADS: r.threads, s.MEDIAN_SECONDS: r.median, s.SPEEDUP: speed.as_dict() if speed else None,
            s.TIMES_LIMIT: limit.as_dict() if limit else None, s.ROUNDS_USED: derive.rounds_used(v, r)}


def summary(v: SeriesView) -> dict:
    """One series' summary: SUMMARY_FIELDS, each case SUMMARY_CASE_FIELDS."""
    noise = v.run.noise
    return {"schema_version": s.SCHEMA_VERSION, "baseline": v.baseline, "machine": v.series.machine.raw,
            s.NOISE: None if noise is None else {k: asdict(noise)[k] for k in s.NOISE_FIELDS},
            "cases": [case(v, r) for r in v.records]}


def write(view: View, out: Path) -> list[Path]:
    """summary.json for the first series; summary-<i>.json for the i-th other one (as the figures)."""
    paths = []
    for i, v in enumerate(view.series):
        path = out / (s.SUMMARY_FILE if i == 0 else s.SUMMARY_FILE.replace(".json", f"-{i}.json"))
        path.write_text(json.dumps(summary(v), indent=1, allow_nan=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
