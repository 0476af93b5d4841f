"""Read pytest-benchmark JSON files and asv's results directory into one tidy list of records.

Results are read as data only (json, and asv's own loader); nothing here times anything.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED_KEYS = ("implementation", "n", "m", "dtype", "threads")


class ReportInputError(Exception):
    """An input file that is missing, malformed or not a result of this suite (message names it)."""


@dataclass(frozen=True)
class Record:
    """One measured case: what was timed, its size, and the per-call time statistics in seconds."""

    benchmark: str  # "gradients" | "train" | "prepare" | "scaling" | "scaling_generated"
    implementation: str
    n: int
    m: int
    dtype: str
    threads: int
    bytes_x: int
    median: float
    q1: float | None = None
    q3: float | None = None
    min: float | None = None
    max: float | None = None
    rounds: int | None = None
    source: str = "pytest-benchmark"
    commit: str | None = None
    date: int | None = None  # asv: commit date in ms since the epoch
    workers: int = 1  # processes (Dask's workers in the scaling benchmark); one machine, one process otherwise
    chunk_bytes: int | None = None  # cap on the bytes of X per chunk (Dask); None: X not chunked
    chunks: int = 1  # how many chunks X was split into
    memory: str = "host"  # where X was read from: "host" memory, or a GPU's ("device")

    @property
    def case(self) -> tuple:
        """The point of the grid this record measures."""
        return (self.benchmark, self.implementation, self.n, self.m, self.dtype, self.threads, self.workers,
                self.chunk_bytes)


@dataclass
class Results:
    """Records plus what the run says about itself: machine, unavailable implementations, skips."""

    records: list[Record] = field(default_factory=list)
    machine: dict = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    skipped: list[dict] = field(default_factory=list)
    history: list[Record] = field(default_factory=list)  # asv records, every commit
    sources: list[str] = field(default_factory=list)


def read_json(path: Path) -> dict:
    """The parsed JSON object in path, or ReportInputError naming the file."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportInputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ReportInputError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def pytest_record(entry: dict, path: Path) -> Record:
    """One pytest-benchmark entry as a Record; ReportInputError when its fields are not ours."""
    try:
        info, stats = entry["extra_info"], entry["stats"]
        missing = [key for key in REQUIRED_KEYS if key not in info]
        if missing:
            raise KeyError(f"extra_info.{missing[0]}")
        return Record(
            benchmark=str(info.get("benchmark", "gradients")), implementation=str(info["implementation"]),
            n=int(info["n"]), m=int(info["m"]), dtype=str(info["dtype"]), threads=int(info["threads"]),
            bytes_x=int(info.get("bytes_x") or 0), median=float(stats["median"]),
            q1=float(stats["q1"]), q3=float(stats["q3"]), min=float(stats["min"]), max=float(stats["max"]),
            rounds=int(stats["rounds"]), workers=int(info.get("workers", 1)),
            chunk_bytes=None if info.get("chunk_bytes") is None else int(info["chunk_bytes"]),
            chunks=int(info.get("chunks", 1)), memory=str(info.get("memory") or "host"))
    except (KeyError, TypeError, ValueError) as exc:
        name = entry.get("name", "?") if isinstance(entry, dict) else "?"
        raise ReportInputError(f"{path}: benchmark {name!r} lacks this suite's fields ({exc})") from None


def load_pytest(path: Path) -> Results:
    """A pytest-benchmark JSON file of this suite as Results."""
    data = read_json(path)
    if not isinstance(data.get("benchmarks"), list) or not isinstance(data.get("machine_info"), dict):
        raise ReportInputError(f"{path}: not a pytest-benchmark JSON file (no 'benchmarks' list)")
    extra = data.get("logreg") if isinstance(data.get("logreg"), dict) else {}
    return Results(records=[pytest_record(entry, path) for entry in data["benchmarks"]],
                   machine=data["machine_info"], unavailable=dict(extra.get("unavailable") or {}),
                   skipped=list(extra.get("skipped") or []), sources=[str(path)])


def literal(text: str):
    """An asv parameter value from its repr ('numpy', 100) without evaluating code."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def asv_records(result, key: str, names: list[str]) -> list[Record]:
    """Records of one parameterized asv time benchmark in one results file (n/a entries dropped)."""
    import numpy as np

    params = [[literal(v) for v in values] for values in result.get_result_params(key)]
    values = result.get_result_value(key, result.get_result_params(key))
    stats = result.get_result_stats(key, result.get_result_params(key)) or [None] * len(values)
    records = []
    for combo, value, stat in zip(itertools.product(*params), values, stats, strict=True):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue  # skipped in setup: asv shows n/a
        case = {"threads": 1, "dtype": "float64", "n": 0, "m": 0, **dict(zip(names, combo, strict=True))}
        stat = stat or {}
        records.append(Record(
            benchmark=key.rsplit("_", 1)[-1], implementation=str(case["implementation"]),
            n=int(case["n"]), m=int(case["m"]), dtype=str(case["dtype"]), threads=int(case["threads"]),
            bytes_x=int(case["n"]) * int(case["m"]) * np.dtype(case["dtype"]).itemsize,
            median=float(value), q1=stat.get("q_25"), q3=stat.get("q_75"), rounds=stat.get("repeat"),
            source="asv", commit=result.commit_hash, date=result.date))
    return records


def asv_param_names(results_dir: Path) -> dict[str, list[str]]:
    """Parameter names of every asv benchmark that has an 'implementation' parameter."""
    path = results_dir / "benchmarks.json"
    data = read_json(path)
    return {key: list(spec["param_names"]) for key, spec in data.items()
            if isinstance(spec, dict) and "implementation" in spec.get("param_names", [])
            and key.rsplit(".", 1)[-1].startswith("time_")}


def asv_files(results_dir: Path):
    """(machine.json path, results file path) for every results file under results_dir."""
    for machine_json in sorted(results_dir.glob("*/machine.json")):
        for path in sorted(machine_json.parent.glob("*.json")):
            if path.name not in ("machine.json", "benchmarks.json"):
                yield machine_json, path


def load_asv(results_dir: Path) -> Results:
    """Every time_* benchmark with an implementation parameter, over every commit, as Results."""
    from asv import results as asv_results
    from asv import util as asv_util

    results_dir = Path(results_dir)
    names, out = asv_param_names(results_dir), Results(sources=[str(results_dir)])
    for machine_json, path in asv_files(results_dir):
        out.machine = out.machine or {"asv": read_json(machine_json)}
        try:
            result = asv_results.Results.load(str(path))
            keys = [key for key in result.get_all_result_keys() if key in names]
            out.history += [r for key in keys for r in asv_records(result, key, names[key])]
        except (asv_util.UserError, KeyError, TypeError, ValueError) as exc:
            raise ReportInputError(f"{path}: not an asv results file of this suite ({exc})") from None
    if not out.history:
        raise ReportInputError(f"{results_dir}: no asv results of this suite found")
    return out


def merge(parts: list[Results]) -> Results:
    """Several Results as one; a case measured twice keeps the later file's record."""
    out = Results()
    for part in parts:
        out.machine = out.machine or part.machine
        out.unavailable.update(part.unavailable)
        out.skipped += part.skipped
        out.history += part.history
        out.sources += part.sources
    latest = {r.case: r for part in parts for r in part.records}
    out.records = list(latest.values())
    return out


def load(files: list[Path], asv_dir: Path | None = None) -> Results:
    """pytest-benchmark files and an optional asv results directory as one Results.

    Without pytest-benchmark files the records of asv's most recent commit stand in for a run.
    """
    parts = [load_pytest(Path(f)) for f in files]
    if asv_dir is not None:
        parts.append(load_asv(Path(asv_dir)))
    out = merge(parts)
    if not out.records and out.history:
        newest = max(out.history, key=lambda r: r.date or 0).commit
        out.records = [r for r in out.history if r.commit == newest]
    return out
