"""Read the inputs of one report: pytest-benchmark files and an asv results directory, merged into Results.

Each file, and each asv machine/environment, is its own labelled series (``Record.series``): results
from two runs are never merged, and ratios are formed within one series only. The readers are
reports.pytest_results and reports.asv_results; every field is checked there, once, through the
records of reports.contract. Results are read as data only; nothing here times anything.
"""

from __future__ import annotations

from pathlib import Path

from reports.asv_results import load_asv
from reports.contract import schema as s
from reports.contract.checked import ReportInputError
from reports.contract.records import Record, Results
from reports.pytest_results import load_pytest


def newest_commit(history: list[Record]) -> list[Record]:
    """Of each series' asv history, the records of its most recent commit (they stand in for a run)."""
    newest: dict[str, tuple] = {}
    for r in history:
        newest[r.series] = max(newest.get(r.series, (0, "")), (r.date or 0, r.commit or ""))
    return [r for r in history if (r.date or 0, r.commit or "") == newest[r.series]]


def load(files: list[Path], asv_dir: Path | None = None) -> Results:
    """pytest-benchmark files and an optional asv results directory: each file, each asv environment a series.

    The records of each asv environment's most recent commit stand in for that series' run.
    """
    out = Results()
    parts = []
    for f in files:
        parts.append(load_pytest(Path(f), out.series))
        out.series.update(parts[-1].series)
    if asv_dir is not None:
        parts.append(load_asv(Path(asv_dir)))
    for part in parts:
        out.records += part.records
        out.rounds += part.rounds
        out.history += part.history
        out.counted += part.counted
        out.series.update(part.series)
    out.records += newest_commit(out.history)
    return out


def check_baseline(results: Results, baseline: str) -> str:
    """The baseline name if some series measured it; ReportInputError listing the names otherwise."""
    names = results.implementations()
    if baseline not in names:
        raise ReportInputError(f"--baseline {baseline!r}: not in the results; measured: {', '.join(names) or 'none'}")
    return baseline


def default_baseline(results: Results, fallback: str = "double_loop") -> str:
    """The baseline the run record names (roles), else fallback."""
    for x in results.series.values():
        if s.BASELINE_ROLE in x.run.roles:
            return x.run.roles[s.BASELINE_ROLE]
    return fallback
