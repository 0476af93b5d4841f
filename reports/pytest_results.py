"""Read a pytest-benchmark JSON file of this suite: its entries, counts, run record and machine, as Results.

Each file is its own labelled series (``Record.series``): results from two runs are never merged, and
ratios are formed within one series only. Files written before the current format are migrated here,
in ``migrate``, and nowhere else; a file of a newer format is refused, naming both versions.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from reports.contract import schema as s
from reports.contract.checked import (
    MAX_ROUNDS,
    ReportInputError,
    choice,
    count,
    fail,
    mapping,
    name,
    number,
    optional,
    read_json,
    sequence,
)
from reports.contract.records import (
    Counted,
    Counting,
    Machine,
    Record,
    Results,
    Rounds,
    Run,
    Series,
    case_fields,
    format_version,
    gbs_by_threads,
)

ROUNDS_SOURCE = "rounds"  # Record.source of a case only the interleaved rounds timed (rounds_records)
ENTRY_KINDS = (*s.KINDS, s.COUNTS)  # what extra_info[BENCHMARK] may name
RECORD_CASE = (s.BENCHMARK, *s.CASE_FIELDS, s.WORKERS, s.CHUNK_BYTES)  # the fields of Record.case, in its order
VISIT_CASE = (s.BENCHMARK, *s.SIZE_FIELDS, s.VISIT)  # what one rounds entry measures
MACHINE_WHERE = f"machine_info.{s.SUITE_KEY}"


def case_info(entry: dict) -> dict:
    """An entry's case fields: params (plain values) overlaid by extra_info."""
    params = entry.get("params")
    return {**(params if isinstance(params, dict) else {}), **(entry.get("extra_info") or {})}


def stats_fields(stats, path, where: str) -> dict:
    """Median (required), quartiles, extremes and rounds of pytest-benchmark's stats, checked."""
    stats = mapping(stats, path, where)
    out = {"median": number(stats.get("median"), path, f"{where}.median")}
    for key in ("q1", "q3", "min", "max"):
        out[key] = optional(stats.get(key), number, path, f"{where}.{key}", zero=True)
    out["rounds"] = optional(stats.get("rounds"), count, path, f"{where}.rounds", maximum=MAX_ROUNDS * 100)
    return out


def pytest_record(entry: dict, path, where: str, series: str) -> Record:
    """One pytest-benchmark entry (not a rounds or counts entry) as a Record."""
    info = case_info(entry)
    return Record(
        benchmark=info.get(s.BENCHMARK) or s.GRADIENTS, series=series,
        implementation=name(info.get(s.IMPLEMENTATION), path, f"{where}.{s.IMPLEMENTATION}"),
        **case_fields(info, path, where), **stats_fields(entry.get("stats"), path, f"{where}.stats"),
        workers=count(info.get(s.WORKERS, 1), path, f"{where}.{s.WORKERS}", maximum=10**6),
        chunk_bytes=optional(info.get(s.CHUNK_BYTES), count, path, f"{where}.{s.CHUNK_BYTES}"),
        chunks=count(info.get(s.CHUNKS, 1), path, f"{where}.{s.CHUNKS}"))


def round_record(implementation: str, x: Rounds, values: list[float]) -> Record:
    """An implementation's seconds per call over rounds of x's size as a gradients Record (median, quartiles)."""
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
    return Record(benchmark=s.GRADIENTS, implementation=implementation, n=x.n, m=x.m, layout=x.layout, dtype=x.dtype,
                  threads=x.threads, bytes_x=x.bytes_x, level=x.level, memory=x.memory, series=x.series,
                  median=statistics.median(values), q1=q1, q3=q3, min=min(values), max=max(values),
                  rounds=len(values), source=ROUNDS_SOURCE)


def rounds_records(records: list[Record], rounds: list[Rounds]) -> list[Record]:
    """A gradients Record for each size and implementation the rounds timed and no gradients entry did.

    Rounds are measurements like any other: a file holding only them still reports those cases, each
    with the median and quartiles of its seconds over every round of every visit of the size. X's memory
    and level are the rounds entry's (host): it does not record them per implementation.
    """
    timed = {(r.implementation, *r.size) for r in records if r.benchmark == s.GRADIENTS}
    pooled: dict[tuple, tuple[Rounds, list[float]]] = {}
    for x in rounds:
        for implementation, values in x.seconds.items():
            if (implementation, *x.size) not in timed:
                pooled.setdefault((implementation, *x.size), (x, []))[1].extend(values)
    return [round_record(key[0], x, values) for key, (x, values) in pooled.items()]


def counts_entry(entry: dict, path, where: str, series: str) -> tuple[Counting, list[Counted]]:
    """A counts entry's conditions and cases, each case once."""
    info = mapping(entry.get("extra_info"), path, f"{where}.extra_info")
    conditions = Counting.from_json(info.get(s.COUNTING), path, f"{where}.{s.COUNTING}")
    items = sequence(info.get(s.COUNTED), path, f"{where}.{s.COUNTED}")
    if conditions.reason is not None and items:
        fail(path, f"{where}.{s.COUNTED}", f"expected no cases where {s.COUNTING} says why none could be counted, "
                                           f"found {len(items)}")
    found, seen = [], {}
    for j, item in enumerate(items):
        found.append(c := Counted.from_json(item, path, f"{where}.{s.COUNTED}[{j}]", series))
        if (earlier := seen.setdefault(c.case, j)) != j:
            fail(path, f"{where}.{s.COUNTED}[{j}]", f"counts the same case as {s.COUNTED}[{earlier}] "
                 f"({' '.join(map(str, c.case))}): which counts are meant is unknown")
    return conditions, found


def first_time(seen: dict, case: tuple, i: int, path) -> None:
    """Note that benchmarks[i] measures case ((field, value) pairs); ReportInputError if an earlier entry did.

    Refused rather than one kept: two medians of one case contradict each other and the file does not
    say which is right; a rounds visit held twice would be pooled as more rounds and narrow the interval
    falsely. A file is one run, where each case is measured once; other runs go in their own files.
    """
    earlier = seen.setdefault(case, i)
    if earlier != i:
        fields = " ".join(f"{k}={v}" for k, v in case if v is not None)
        fail(path, f"benchmarks[{i}]", f"measures the same case as benchmarks[{earlier}] ({fields}); "
                                       "a file holds each case once (give another run's results as another file)")


def entries(data: dict, path, series: str) -> tuple[list[Record], list[Rounds], Counting | None, list[Counted]]:
    """Records and rounds of every benchmark entry of one file, each case once, plus the cases only rounds timed;
    the counts entry's conditions and cases (None and [] without one)."""
    records, rounds, seen = [], [], {}
    conditions, counted = None, []
    for i, entry in enumerate(sequence(data.get("benchmarks"), path, "benchmarks")):
        where = f"benchmarks[{i}]"
        entry = mapping(entry, path, where)
        mapping(entry.get("extra_info"), path, f"{where}.extra_info")
        kind = choice(case_info(entry).get(s.BENCHMARK) or s.GRADIENTS, ENTRY_KINDS, path, f"{where}.{s.BENCHMARK}")
        if kind == s.ROUNDS:
            rounds.append(x := Rounds.from_json(case_info(entry), path, where, series))
            first_time(seen, tuple(zip(VISIT_CASE, (s.ROUNDS, *x.size, x.visit), strict=True)), i, path)
        elif kind == s.COUNTS:  # one per run: a second would be another run's counts
            first_time(seen, ((s.BENCHMARK, s.COUNTS),), i, path)
            conditions, counted = counts_entry(entry, path, where, series)
        else:
            records.append(r := pytest_record(entry, path, where, series))
            first_time(seen, tuple(zip(RECORD_CASE, r.case, strict=True)), i, path)
    return records + rounds_records(records, rounds), rounds, conditions, counted


# --- older files ---------------------------------------------------------------------------------------

LEGACY_BY_THREADS = "read_bandwidth_gbs_by_threads"  # machine_info: {threads: DRAM GB/s}
LEGACY_SINGLE = "read_bandwidth_gbs"  # machine_info: one all-cores DRAM reading, used for every thread count
LEGACY_SAMPLES = "read_bandwidth_samples"  # machine_info: {"start": {threads: GB/s}, "end": {...}}


def migrate(record: dict, info: dict, path) -> dict:
    """A run record of the current format from an older file's: the one place older layouts are read.

    Before the run record held them, machine_info held the profile, one DRAM reading per thread count
    and the probe's start and end samples (the drift between them is the run's noise record).
    """
    record = dict(record)
    if s.PROFILE not in record and s.PROFILE in info:
        record[s.PROFILE] = info[s.PROFILE]
    if record.get(s.BANDWIDTH) is None:
        by_threads = legacy_dram(info, path)
        record[s.BANDWIDTH] = {s.BW_LEVELS: {s.DRAM: by_threads}} if by_threads else {}
        drift = legacy_drift(info, path)
        if record.get(s.NOISE) is None and drift is not None:
            record[s.NOISE] = {s.PROBE_DRIFT: drift}
    return record


def legacy_dram(info: dict, path) -> dict[int, float]:
    """{threads: DRAM GB/s} from an older machine_info."""
    by_threads = optional(info.get(LEGACY_BY_THREADS), gbs_by_threads, path,
                          f"{MACHINE_WHERE}.{LEGACY_BY_THREADS}") or {}
    single = optional(info.get(LEGACY_SINGLE), number, path, f"{MACHINE_WHERE}.{LEGACY_SINGLE}")
    if single is not None and not by_threads:
        cores = count(info.get(s.CORES) or 1, path, f"{MACHINE_WHERE}.{s.CORES}", maximum=1024)
        by_threads = dict.fromkeys(range(1, cores + 1), single)
    return by_threads


def legacy_drift(info: dict, path) -> float | None:
    """How far an older file's start and end DRAM samples moved apart (the largest over thread counts)."""
    samples = info.get(LEGACY_SAMPLES)
    if not (isinstance(samples, dict) and {"start", "end"} <= samples.keys()):
        return None
    ends = [gbs_by_threads(samples[k], path, f"{MACHINE_WHERE}.{LEGACY_SAMPLES}.{k}") for k in ("start", "end")]
    drifts = [(max(a, b) - min(a, b)) / ((a + b) / 2) for t, a in ends[0].items() if (b := ends[1].get(t))]
    return max(drifts) if drifts else None


# --- one file ------------------------------------------------------------------------------------------


def series_label(path: Path, taken: dict) -> str:
    """The file's name, or its whole path when another input has the same name."""
    return path.name if path.name not in taken else str(path)


def load_pytest(path: Path, taken: dict | None = None) -> Results:
    """A pytest-benchmark JSON file of this suite as Results holding one series."""
    path = Path(path)
    data = read_json(path)
    if "benchmarks" not in data or not isinstance(data.get("machine_info"), dict):
        raise ReportInputError(f"{path}: not a pytest-benchmark JSON file (no 'benchmarks' list)")
    record = mapping(data.get(s.SUITE_KEY) or {}, path, s.SUITE_KEY)
    format_version(record, path, s.SUITE_KEY)  # before anything else: a newer layout may fail anywhere
    info = mapping(data["machine_info"].get(s.SUITE_KEY) or {}, path, MACHINE_WHERE)
    label = series_label(path, taken or {})
    records, rounds, conditions, counted = entries(data, path, label)
    run = Run.from_json(migrate(record, info, path), path, s.SUITE_KEY)
    run.counting = conditions
    if not records and not rounds and conditions is None and not (run.failed or run.interrupted):
        raise ReportInputError(f"{path}: benchmarks: no results, and the run record says no case failed "
                               "or was interrupted")
    return Results(records=records, rounds=rounds, counted=counted,
                   series={label: Series(label, str(path), Machine.from_json(info, path, MACHINE_WHERE), run)})
