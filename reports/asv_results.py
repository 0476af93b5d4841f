"""Read asv's results directory: every time benchmark over (implementation, n, m, …), every commit, as Results.

Each asv machine/environment is its own labelled series. Results are read with asv's own loader; the
parameter values asv stores as reprs are parsed as literals, never evaluated.
"""

from __future__ import annotations

import ast
import itertools
import math
from pathlib import Path

from reports.contract import schema as s
from reports.contract.checked import (
    ReportInputError,
    count,
    facts,
    fail,
    name,
    number,
    optional,
    read_json,
    sequence,
    shown,
)
from reports.contract.records import Machine, Record, Results, Run, Series, case_fields


def literal(value: str):
    """An asv parameter value from its repr ('numpy', 100) without evaluating code."""
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, RecursionError, MemoryError):
        return value


def asv_value(value, path, where: str) -> float | None:
    """A time from an asv result: None where asv shows n/a (skipped in setup), else checked."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return number(value, path, where)


def asv_records(result, key: str, names: list[str], path, series: str) -> list[Record]:
    """Records of one parameterized asv time benchmark in one results file (n/a entries dropped)."""
    import numpy as np

    params = [[literal(v) for v in values] for values in result.get_result_params(key)]
    values = result.get_result_value(key, result.get_result_params(key))
    stats = result.get_result_stats(key, result.get_result_params(key)) or [None] * len(values)
    records = []
    for i, (combo, value, stat) in enumerate(zip(itertools.product(*params), values, stats, strict=True)):
        where = f"results.{key}[{i}]"
        median = asv_value(value, path, where)
        if median is None:
            continue
        case = {s.THREADS: 1, s.DTYPE: "float64", s.LAYOUT: s.LECTURE, **dict(zip(names, combo, strict=True))}
        fields = case_fields(case, path, where)
        try:
            itemsize = np.dtype(fields[s.DTYPE]).itemsize
        except TypeError:
            fail(path, f"{where}.{s.DTYPE}", f"not a NumPy dtype: {shown(fields[s.DTYPE])}")
        stat = stat if isinstance(stat, dict) else {}
        records.append(Record(
            benchmark=key.rsplit("_", 1)[-1], series=series, source="asv",
            commit=name(result.commit_hash, path, "commit_hash"),
            date=optional(result.date, count, path, "date", minimum=0, maximum=10**15),
            implementation=name(case.get(s.IMPLEMENTATION), path, f"{where}.{s.IMPLEMENTATION}"),
            **{**fields, s.BYTES_X: fields[s.N] * fields[s.M] * itemsize}, median=median,
            q1=optional(stat.get("q_25"), number, path, f"{where}.q_25", zero=True),
            q3=optional(stat.get("q_75"), number, path, f"{where}.q_75", zero=True),
            rounds=optional(stat.get("repeat"), count, path, f"{where}.repeat")))
    return records


def asv_param_names(results_dir: Path) -> dict[str, list[str]]:
    """Parameter names of every asv time benchmark with implementation, n and m parameters."""
    path = results_dir / "benchmarks.json"
    out = {}
    for key, spec in read_json(path).items():
        if not isinstance(spec, dict) or not key.rsplit(".", 1)[-1].startswith("time_"):
            continue
        names = [name(v, path, f"{key}.param_names[{i}]")
                 for i, v in enumerate(sequence(spec.get("param_names", []), path, f"{key}.param_names"))]
        if {s.IMPLEMENTATION, s.N, s.M} <= set(names):
            out[key] = names
    return out


def asv_files(results_dir: Path):
    """(machine.json path, results file path) for every results file under results_dir."""
    for machine_json in sorted(results_dir.glob("*/machine.json")):
        for path in sorted(machine_json.parent.glob("*.json")):
            if path.name not in ("machine.json", "benchmarks.json"):
                yield machine_json, path


def asv_machine(machine_json: Path) -> Machine:
    """asv's machine.json as a Machine."""
    info = read_json(machine_json)
    cpu = optional(info.get("cpu"), name, machine_json, "cpu") or "?"
    cores = info.get("num_cpu")
    cores = count(int(cores) if str(cores).isdigit() else cores, machine_json, "num_cpu") if cores else None
    label = optional(info.get("machine"), name, machine_json, "machine") or machine_json.parent.name
    return Machine(cpu_model=f"{cpu} (asv machine {label})", cores=cores,
                   raw={"asv": facts(info, machine_json, "machine.json")})


def load_asv(results_dir: Path) -> Results:
    """Every time benchmark over (implementation, n, m, …), every commit; a series per machine/environment."""
    from asv import results as asv_results
    from asv import util as asv_util

    results_dir = Path(results_dir)
    names, out = asv_param_names(results_dir), Results()
    for machine_json, path in asv_files(results_dir):
        try:
            result = asv_results.Results.load(str(path))
            label = name(f"asv {machine_json.parent.name}/{result.env_name}", path, "env_name")
            keys = [key for key in result.get_all_result_keys() if key in names]
            out.history += [r for key in keys for r in asv_records(result, key, names[key], path, label)]
        except (asv_util.UserError, KeyError, TypeError, ValueError, IndexError, AttributeError,
                RecursionError) as exc:
            raise ReportInputError(f"{path}: not an asv results file of this suite ({str(exc)[:120]})") from None
        if label not in out.series:
            out.series[label] = Series(label, str(results_dir), asv_machine(machine_json), Run())
    if not out.history:
        raise ReportInputError(f"{results_dir}: no asv results of this suite found")
    return out
