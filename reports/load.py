"""Read pytest-benchmark JSON files and asv's results directory into checked, typed records.

Every field the report uses is checked here, once: a value it cannot use (a median of 0, NaN or
inf, n of 1e400, a 400 kB name, a skip list of strings) raises ReportInputError naming the file and
the field, so nothing downstream re-checks and no figure is drawn from a broken number. Each file,
and each asv machine/environment, is its own labelled series (``Record.series``): results from two
runs are never merged, and ratios are formed within one series only.

Results are read as data only (json, and asv's own loader); nothing here times anything.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import statistics
from pathlib import Path

from reports.contract import schema as s
from reports.contract.records import (
    Counted,
    Counting,
    Counts,
    Failure,
    FirstCall,
    Machine,
    Noise,
    Record,
    Results,
    Rounds,
    Run,
    Series,
    Skip,
)

MAX_NAME = 120  # longest name (implementation, dtype, layout, …) accepted: labels and legends stay drawable
MAX_TEXT = 2000  # longer reasons and messages are cut to this: they are shown, never parsed
MAX_SIZE = 10**12  # n, m, threads, bytes above this are not a measurement this suite could make
MAX_ROUNDS = 10**6  # values per rounds entry; more would be a damaged file, not a run
ROUNDS_SOURCE = "rounds"  # Record.source of a case only the interleaved rounds timed (rounds_records)


class ReportInputError(Exception):
    """An input file that is missing, malformed or not a result of this suite (message names it)."""


# --- checked reads: each names the file and the field it rejects ------------------------------------


def fail(path, where: str, problem: str):
    """Raise ReportInputError for one field of one file."""
    raise ReportInputError(f"{path}: {where}: {problem}")


def shown(value) -> str:
    """A value as it may appear in one error line (cut short)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number(value, path, where: str, *, zero: bool = False) -> float:
    """A finite, positive number (or ≥ 0 with zero=True)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        fail(path, where, f"expected a number, found {shown(value)}")
    try:
        x = float(value)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x) or x < 0 or (x == 0 and not zero):
        fail(path, where, f"expected a {'non-negative' if zero else 'positive'} finite number, found {shown(value)}")
    return x


def count(value, path, where: str, *, minimum: int = 1, maximum: int = MAX_SIZE) -> int:
    """A whole number in [minimum, maximum] (1e3 written as a float is accepted)."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        fail(path, where, f"expected a whole number in [{minimum}, {maximum:.3g}], found {shown(value)}")
    return value


def name(value, path, where: str) -> str:
    """A short one-line string (implementation, dtype, layout, level…): 1–MAX_NAME printable characters.

    A line break, tab or other control or invisible character, or space around the name, is refused: the
    name is a table cell, a legend entry and part of one-line messages, and two names that print alike
    must not be two implementations. Markdown's special characters (| * _ ` $) are accepted; the report
    escapes them where it writes Markdown.
    """
    if not isinstance(value, str) or not 0 < len(value) <= MAX_NAME or not value.isprintable() \
            or value != value.strip():
        fail(path, where, f"expected a name of 1–{MAX_NAME} printable characters without surrounding space, "
                          f"found {shown(value)}")
    return value


def text(value, path, where: str) -> str:
    """Free text shown to the reader (a reason, a message), cut to MAX_TEXT."""
    if not isinstance(value, str):
        fail(path, where, f"expected text, found {shown(value)}")
    return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"


def mapping(value, path, where: str) -> dict:
    """A JSON object."""
    if not isinstance(value, dict):
        fail(path, where, f"expected an object, found {shown(value)}")
    return value


def sequence(value, path, where: str) -> list:
    """A JSON array."""
    if not isinstance(value, list):
        fail(path, where, f"expected a list, found {shown(value)}")
    return value


def choice(value, options: tuple, path, where: str) -> str:
    """One of the contract's names."""
    if value not in options:
        fail(path, where, f"expected one of {', '.join(options)}, found {shown(value)}")
    return value


def optional(value, read, path, where: str, **kwargs):
    """read(value) unless the value is null or absent."""
    return None if value is None else read(value, path, where, **kwargs)


# --- pytest-benchmark files -------------------------------------------------------------------------


class RepeatedKey(Exception):
    """A key that appears twice in one JSON object (args[0])."""


def unique_keys(pairs: list[tuple]) -> dict:
    """A JSON object's pairs as a dict; RepeatedKey where json would silently keep the last of two values."""
    out = dict(pairs)
    if len(out) < len(pairs):
        seen = set()
        raise RepeatedKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return out


def read_json(path: Path) -> dict:
    """The parsed JSON object in path, or ReportInputError naming the file (a key twice in one object included)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"), object_pairs_hook=unique_keys)
    except OSError as exc:
        raise ReportInputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except RepeatedKey as exc:
        raise ReportInputError(f"{path}: not usable JSON (key {shown(exc.args[0])} appears twice in one object: "
                               "which value is meant is unknown)") from None
    except RecursionError:
        raise ReportInputError(f"{path}: not usable JSON (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError, and integers of > 4300 digits
        raise ReportInputError(f"{path}: not valid JSON ({str(exc)[:120]})") from None
    if not isinstance(data, dict):
        raise ReportInputError(f"{path}: expected a JSON object, found {type(data).__name__}")
    return data


def case_value(entry: dict, key: str):
    """A case field from extra_info, else from params (plain values in the new format)."""
    info, params = entry.get("extra_info") or {}, entry.get("params") or {}
    return info[key] if key in info else params.get(key) if isinstance(params, dict) else None


def size_fields(entry: dict, path, where: str) -> dict:
    """n, m, layout, dtype, threads, bytes of X, level and memory of one entry, checked."""
    get = lambda key: case_value(entry, key)  # noqa: E731
    level = get(s.LEVEL)
    return {
        "n": count(get(s.N), path, f"{where}.{s.N}"), "m": count(get(s.M), path, f"{where}.{s.M}"),
        "layout": s.LECTURE if get(s.LAYOUT) is None else choice(get(s.LAYOUT), s.LAYOUTS, path, f"{where}.{s.LAYOUT}"),
        "dtype": name(get(s.DTYPE), path, f"{where}.{s.DTYPE}"),
        "threads": count(get(s.THREADS), path, f"{where}.{s.THREADS}", maximum=10**6),
        "bytes_x": count(get(s.BYTES_X) or 0, path, f"{where}.{s.BYTES_X}", minimum=0),
        "level": None if level is None else choice(level, s.LEVELS, path, f"{where}.{s.LEVEL}"),
        "memory": choice(get(s.MEMORY) or s.HOST, (s.HOST, s.DEVICE), path, f"{where}.{s.MEMORY}"),
    }


def stats_fields(stats, path, where: str) -> dict:
    """Median (required), quartiles, extremes and rounds of pytest-benchmark's stats, checked."""
    stats = mapping(stats, path, where)
    out = {"median": number(stats.get("median"), path, f"{where}.median")}
    for key in ("q1", "q3", "min", "max"):
        out[key] = optional(stats.get(key), number, path, f"{where}.{key}", zero=True)
    out["rounds"] = optional(stats.get("rounds"), count, path, f"{where}.rounds", maximum=MAX_ROUNDS * 100)
    return out


def pytest_record(entry: dict, path, where: str, series: str) -> Record:
    """One pytest-benchmark entry (not a rounds entry) as a Record."""
    kind = case_value(entry, s.BENCHMARK) or s.GRADIENTS
    info = entry.get("extra_info") or {}
    chunk = info.get(s.CHUNK_BYTES)
    return Record(
        benchmark=kind, series=series,
        implementation=name(case_value(entry, s.IMPLEMENTATION), path, f"{where}.{s.IMPLEMENTATION}"),
        **size_fields(entry, path, where), **stats_fields(entry.get("stats"), path, f"{where}.stats"),
        workers=count(info.get(s.WORKERS, 1), path, f"{where}.{s.WORKERS}", maximum=10**6),
        chunk_bytes=optional(chunk, count, path, f"{where}.{s.CHUNK_BYTES}"),
        chunks=count(info.get(s.CHUNKS, 1), path, f"{where}.{s.CHUNKS}"))


def per_round(values, path, where: str, rounds: int | None) -> tuple[float, ...]:
    """A list of positive numbers, one per round (all lists of an entry equally long)."""
    values = sequence(values, path, where)
    if not 0 < len(values) <= MAX_ROUNDS or (rounds is not None and len(values) != rounds):
        fail(path, where, f"expected {rounds or 'at least one'} value(s), one per round, found {len(values)}")
    return tuple(number(v, path, f"{where}[{i}]") for i, v in enumerate(values))


def rounds_entry(entry: dict, path, where: str, series: str) -> Rounds:
    """One rounds entry (kind ROUNDS) as Rounds."""
    info = mapping(entry.get("extra_info"), path, f"{where}.extra_info")
    seconds, rounds = {}, None
    for impl, values in mapping(info.get(s.ROUND_SECONDS), path, f"{where}.{s.ROUND_SECONDS}").items():
        key = f"{where}.{s.ROUND_SECONDS}.{name(impl, path, f'{where}.{s.ROUND_SECONDS} key')}"
        seconds[impl] = per_round(values, path, key, rounds)
        rounds = len(seconds[impl])
    if not seconds:
        fail(path, f"{where}.{s.ROUND_SECONDS}", "no implementation was timed")
    calls = {name(k, path, f"{where}.{s.ROUND_CALLS} key"): count(v, path, f"{where}.{s.ROUND_CALLS}.{k}")
             for k, v in mapping(info.get(s.ROUND_CALLS) or {}, path, f"{where}.{s.ROUND_CALLS}").items()}
    probe = info.get(s.ROUND_PROBE_GBS)
    return Rounds(**size_fields(entry, path, where), series=series, seconds=seconds, calls=calls,
                  visit=count(case_value(entry, s.VISIT) or 0, path, f"{where}.{s.VISIT}", minimum=0),
                  probe_gbs=None if probe is None else per_round(probe, path, f"{where}.{s.ROUND_PROBE_GBS}", rounds))


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


# --- counts entries (kind COUNTS): per-call counts of each case, and the conditions they were made under ---


def agrees(stated: float, computed: float, path, where: str) -> None:
    """A derived count (per element, reads of X) must equal what its parts give: a mismatch is a damaged file."""
    if not math.isclose(stated, computed, rel_tol=1e-6):
        fail(path, where, f"expected {computed:.6g} (from the case's other counts), found {shown(stated)}")


def counts(value, path, where: str, n: int, m: int, bytes_x: int) -> Counts:
    """One case's per-call counts, checked against its size."""
    value = mapping(value, path, where)
    get = lambda key, zero=False: number(value.get(key), path, f"{where}.{key}", zero=zero)  # noqa: E731
    found = Counts(instructions=get(s.INSTRUCTIONS), estimated_cycles=get(s.ESTIMATED_CYCLES),
                   memory_bytes=get(s.MEMORY_BYTES, zero=True),
                   x_reads=optional(value.get(s.X_READS), number, path, f"{where}.{s.X_READS}", zero=True),
                   instructions_per_element=get(s.INSTRUCTIONS_PER_ELEMENT))
    agrees(found.instructions_per_element, found.instructions / (n * m), path, f"{where}.{s.INSTRUCTIONS_PER_ELEMENT}")
    if found.x_reads is not None and bytes_x:
        agrees(found.x_reads, found.memory_bytes / bytes_x, path, f"{where}.{s.X_READS}")
    return found


def counted_case(item, path, where: str, series: str) -> Counted:
    """One item of a counts entry's COUNTED list: its fields, and its counts or the reason it has none."""
    item = mapping(item, path, where)
    given = [key for key in (s.COUNTS, s.REASON) if item.get(key) is not None]
    if len(given) != 1:
        fail(path, where, f"expected either {s.COUNTS} or {s.REASON}, found {' and '.join(given) or 'neither'}")
    size = size_fields({"extra_info": item}, path, where)
    return Counted(implementation=name(item.get(s.IMPLEMENTATION), path, f"{where}.{s.IMPLEMENTATION}"), **size,
                   counts=optional(item.get(s.COUNTS), counts, path, f"{where}.{s.COUNTS}", n=size["n"],
                                   m=size["m"], bytes_x=size["bytes_x"]),
                   reason=optional(item.get(s.REASON), text, path, f"{where}.{s.REASON}"), series=series)


def versions(value, path, where: str) -> dict[str, str]:
    """{library: version}."""
    return {name(k, path, f"{where} key"): name(str(v), path, f"{where}.{k}")
            for k, v in mapping(value, path, where).items()}


def names(value, path, where: str) -> tuple[str, ...]:
    """A list of names."""
    return tuple(name(v, path, f"{where}[{i}]") for i, v in enumerate(sequence(value, path, where)))


# How each of schema.COUNTING_FIELDS is read, in its order (Counting's attributes carry the same names).
COUNTING_READERS = (name, count, count, names, name, count, lambda v, path, where: count(v, path, where, minimum=2),
                    versions)


def counting(value, path, where: str) -> Counting:
    """A counts entry's conditions (every field required), or the reason no counts could be made."""
    value = mapping(value, path, where)
    if value.get(s.REASON) is not None:
        return Counting(reason=text(value[s.REASON], path, f"{where}.{s.REASON}"))
    return Counting(**{key: read(value.get(key), path, f"{where}.{key}")
                       for key, read in zip(s.COUNTING_FIELDS, COUNTING_READERS, strict=True)})


def counts_entry(entry: dict, path, where: str, series: str) -> tuple[Counting, list[Counted]]:
    """A counts entry's conditions and cases, each case once."""
    info = mapping(entry.get("extra_info"), path, f"{where}.extra_info")
    conditions = counting(info.get(s.COUNTING), path, f"{where}.{s.COUNTING}")
    items = sequence(info.get(s.COUNTED), path, f"{where}.{s.COUNTED}")
    if conditions.reason is not None and items:
        fail(path, f"{where}.{s.COUNTED}", f"expected no cases where {s.COUNTING} says why none could be counted, "
                                           f"found {len(items)}")
    found, seen = [], {}
    for j, item in enumerate(items):
        found.append(c := counted_case(item, path, f"{where}.{s.COUNTED}[{j}]", series))
        if (earlier := seen.setdefault(c.case, j)) != j:
            fail(path, f"{where}.{s.COUNTED}[{j}]", f"counts the same case as {s.COUNTED}[{earlier}] "
                 f"({' '.join(map(str, c.case))}): which counts are meant is unknown")
    return conditions, found


ENTRY_KINDS = (*s.KINDS, s.COUNTS)  # what extra_info[BENCHMARK] may name
RECORD_CASE = (s.BENCHMARK, *s.CASE_FIELDS, s.WORKERS, s.CHUNK_BYTES)  # the fields of Record.case, in its order
VISIT_CASE = (s.BENCHMARK, *s.SIZE_FIELDS, s.VISIT)  # what one rounds entry measures


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
        kind = choice(case_value(entry, s.BENCHMARK) or s.GRADIENTS, ENTRY_KINDS, path, f"{where}.{s.BENCHMARK}")
        if kind == s.ROUNDS:
            rounds.append(x := rounds_entry(entry, path, where, series))
            first_time(seen, tuple(zip(VISIT_CASE, (s.ROUNDS, *x.size, x.visit), strict=True)), i, path)
        elif kind == s.COUNTS:  # one per run: a second would be another run's counts
            first_time(seen, ((s.BENCHMARK, s.COUNTS),), i, path)
            conditions, counted = counts_entry(entry, path, where, series)
        else:
            records.append(r := pytest_record(entry, path, where, series))
            first_time(seen, tuple(zip(RECORD_CASE, r.case, strict=True)), i, path)
    return records + rounds_records(records, rounds), rounds, conditions, counted


def gbs_by_threads(value, path, where: str) -> dict[int, float]:
    """{threads: GB/s} from an object keyed by thread counts written as strings."""
    out = {}
    for key, gbs in mapping(value, path, where).items():
        threads = count(int(key) if str(key).isdigit() else key, path, f"{where} key", maximum=10**6)
        out[threads] = number(gbs, path, f"{where}.{key}")
    return out


def bandwidth(value, path, where: str) -> tuple[dict, dict]:
    """(level -> threads -> GB/s, level -> bytes) of the run record's BANDWIDTH."""
    value = mapping(value, path, where)
    levels = {choice(level, s.LEVELS, path, f"{where}.levels key"): gbs_by_threads(v, path, f"{where}.levels.{level}")
              for level, v in mapping(value.get("levels") or {}, path, f"{where}.levels").items()}
    sizes = {choice(level, s.LEVELS, path, f"{where}.level_bytes key"): count(v, path, f"{where}.level_bytes.{level}")
             for level, v in mapping(value.get("level_bytes") or {}, path, f"{where}.level_bytes").items()}
    return levels, sizes


def noise(value, path, where: str) -> Noise:
    """The run's noise record, each field optional."""
    value = mapping(value, path, where)
    steal = optional(value.get(s.STEAL_FRACTION), number, path, f"{where}.{s.STEAL_FRACTION}", zero=True)
    if steal is not None and steal > 1:
        fail(path, f"{where}.{s.STEAL_FRACTION}", f"expected a fraction in [0, 1], found {shown(steal)}")
    load = value.get(s.LOAD_AVERAGE)
    load = None if load is None else tuple(number(x, path, f"{where}.{s.LOAD_AVERAGE}[{i}]", zero=True)
                                           for i, x in enumerate(sequence(load, path, f"{where}.{s.LOAD_AVERAGE}")))
    drift = optional(value.get(s.PROBE_DRIFT), number, path, f"{where}.{s.PROBE_DRIFT}", zero=True)
    return Noise(steal, load or None, drift)


def skip(value, path, where: str) -> Skip:
    """One skipped case."""
    value = mapping(value, path, where)
    names = {key: optional(value.get(key), name, path, f"{where}.{key}")
             for key in (s.BENCHMARK, s.IMPLEMENTATION, s.LAYOUT, s.DTYPE)}
    sizes = {key: optional(value.get(key), count, path, f"{where}.{key}") for key in (s.N, s.M, s.THREADS)}
    return Skip(reason=text(value.get("reason", "?"), path, f"{where}.reason"), **names, **sizes)


def failure(value, path, where: str) -> Failure:
    """One failed case (h3's sweep: case id, cause, message)."""
    value = mapping(value, path, where)
    return Failure(case=text(value.get("case"), path, f"{where}.case")[:MAX_NAME * 4],
                   cause=name(value.get("cause", "error"), path, f"{where}.cause"),
                   message=text(value.get("message", ""), path, f"{where}.message"))


def first_call(value, path, where: str) -> dict[str, FirstCall]:
    """{implementation: FirstCall}."""
    out = {}
    for impl, v in mapping(value, path, where).items():
        v = mapping(v, path, f"{where}.{name(impl, path, f'{where} key')}")
        cache = v.get("cache")
        out[impl] = FirstCall(number(v.get("seconds"), path, f"{where}.{impl}.seconds"),
                              None if cache is None else choice(cache, ("hit", "miss"), path, f"{where}.{impl}.cache"))
    return out


def fact(value, path, where: str, depth: int = 0):
    """A grid fact: a number, short name, bool or null, or a short list / object of them (two levels at most)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number(value, path, where, zero=True)
        return value
    if isinstance(value, str):
        return name(value, path, where)
    if depth < 2 and isinstance(value, list) and len(value) <= 100:
        return [fact(v, path, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    if depth < 2 and isinstance(value, dict) and len(value) <= 100:
        return {name(k, path, f"{where} key"): fact(v, path, f"{where}.{k}", depth + 1) for k, v in value.items()}
    fail(path, where, f"expected a number, name, or a short list or object of them, found {shown(value)}")


def grid_facts(value, path, where: str) -> dict:
    """The run record's grid facts, each checked (the report states them as recorded)."""
    value = mapping(value, path, where)
    return {name(k, path, f"{where} key"): fact(v, path, f"{where}.{k}") for k, v in value.items()}


def run_record(data: dict, legacy: dict, path) -> Run:
    """The run record (output_json[SUITE_KEY]); older files' fields in machine_info are read too.

    A skip or failure listed twice, identically, is kept once: the copy states nothing new and would
    only be counted twice. (One case may fail twice with different messages, e.g. in its call and its
    teardown: both are kept.)
    """
    where = s.SUITE_KEY
    value = mapping(data.get(s.SUITE_KEY) or {}, path, where)
    get = lambda key, default: value.get(key) if value.get(key) is not None else default  # noqa: E731
    run = Run(
        profile=optional(value.get(s.PROFILE, legacy.get(s.PROFILE)), name, path, f"{where}.{s.PROFILE}"),
        roles={name(k, path, f"{where}.{s.ROLES} key"): name(v, path, f"{where}.{s.ROLES}.{k}")
               for k, v in mapping(get(s.ROLES, {}), path, f"{where}.{s.ROLES}").items()},
        grid=grid_facts(get(s.GRID, {}), path, f"{where}.{s.GRID}"),
        skipped=list(dict.fromkeys(skip(v, path, f"{where}.{s.SKIPPED}[{i}]")
                                   for i, v in enumerate(sequence(get(s.SKIPPED, []), path, f"{where}.{s.SKIPPED}")))),
        unavailable={name(k, path, f"{where}.{s.UNAVAILABLE} key"): text(v, path, f"{where}.{s.UNAVAILABLE}.{k}")
                     for k, v in mapping(get(s.UNAVAILABLE, {}), path, f"{where}.{s.UNAVAILABLE}").items()},
        failed=list(dict.fromkeys(failure(v, path, f"{where}.{s.FAILED}[{i}]")
                                  for i, v in enumerate(sequence(get(s.FAILED, []), path, f"{where}.{s.FAILED}")))),
        interrupted=get(s.INTERRUPTED, False),
        noise=optional(value.get(s.NOISE), noise, path, f"{where}.{s.NOISE}"),
        first_call=first_call(get(s.FIRST_CALL, {}), path, f"{where}.{s.FIRST_CALL}"))
    if not isinstance(run.interrupted, bool):
        fail(path, f"{where}.{s.INTERRUPTED}", f"expected true or false, found {shown(run.interrupted)}")
    if value.get(s.BANDWIDTH) is not None:
        run.bandwidth, run.level_bytes = bandwidth(value[s.BANDWIDTH], path, f"{where}.{s.BANDWIDTH}")
    else:
        run.bandwidth, run.noise = legacy_bandwidth(legacy, path, run.noise)
    return run


def legacy_bandwidth(info: dict, path, noise_record: Noise | None) -> tuple[dict, Noise | None]:
    """Before schema 2, machine_info held one DRAM reading per thread count and its start/end samples."""
    where = f"machine_info.{s.SUITE_KEY}"
    by_threads = optional(info.get("read_bandwidth_gbs_by_threads"), gbs_by_threads, path,
                          f"{where}.read_bandwidth_gbs_by_threads") or {}
    single = optional(info.get("read_bandwidth_gbs"), number, path, f"{where}.read_bandwidth_gbs")
    if single is not None and not by_threads:  # one all-cores reading, which they used for every thread count
        cores = count(info.get(s.CORES) or 1, path, f"{where}.{s.CORES}", maximum=1024)
        by_threads = dict.fromkeys(range(1, cores + 1), single)
    samples = info.get("read_bandwidth_samples")
    if noise_record is None and isinstance(samples, dict) and {"start", "end"} <= samples.keys():
        ends = [gbs_by_threads(samples[k], path, f"{where}.read_bandwidth_samples.{k}") for k in ("start", "end")]
        drifts = [(max(a, b) - min(a, b)) / ((a + b) / 2) for t, a in ends[0].items() if (b := ends[1].get(t))]
        noise_record = Noise(probe_drift=max(drifts)) if drifts else None
    return ({s.DRAM: by_threads} if by_threads else {}), noise_record


def machine(info: dict, path) -> Machine:
    """The machine identity record (machine_info[SUITE_KEY])."""
    where = f"machine_info.{s.SUITE_KEY}"
    blas = []
    for i, lib in enumerate(sequence(info.get(s.BLAS) or [], path, f"{where}.{s.BLAS}")):
        lib = mapping(lib, path, f"{where}.{s.BLAS}[{i}]")
        api, version = lib.get("internal_api"), lib.get("version")
        if api in ("openblas", "mkl", "blis", "accelerate"):  # openmp and the like are not a BLAS
            blas.append(f"{name(api, path, f'{where}.{s.BLAS}[{i}].internal_api')} "
                        f"{optional(version, name, path, f'{where}.{s.BLAS}[{i}].version') or '?'}")
    found = versions(info.get(s.VERSIONS) or {}, path, f"{where}.{s.VERSIONS}")
    identity = {key: fact(info[key], path, f"{where}.{key}") for key in s.MACHINE_FIELDS if key in info}
    return Machine(cpu_model=optional(info.get(s.CPU_MODEL), name, path, f"{where}.{s.CPU_MODEL}") or "?",
                   cores=optional(info.get(s.CORES), count, path, f"{where}.{s.CORES}", maximum=10**6),
                   gpu=optional(info.get(s.GPU), name, path, f"{where}.{s.GPU}"),
                   blas=tuple(sorted(set(blas))), versions=found, raw=identity)


def series_label(path: Path, taken: dict) -> str:
    """The file's name, or its whole path when another input has the same name."""
    return path.name if path.name not in taken else str(path)


def load_pytest(path: Path, taken: dict | None = None) -> Results:
    """A pytest-benchmark JSON file of this suite as Results holding one series."""
    path = Path(path)
    data = read_json(path)
    if "benchmarks" not in data or not isinstance(data.get("machine_info"), dict):
        raise ReportInputError(f"{path}: not a pytest-benchmark JSON file (no 'benchmarks' list)")
    info = mapping(data["machine_info"].get(s.SUITE_KEY) or {}, path, f"machine_info.{s.SUITE_KEY}")
    label = series_label(path, taken or {})
    records, rounds, run_counting, counted = entries(data, path, label)
    run = run_record(data, info, path)
    run.counting = run_counting
    if not records and not rounds and run_counting is None and not (run.failed or run.interrupted):
        raise ReportInputError(f"{path}: benchmarks: no results, and the run record says no case failed "
                               "or was interrupted")
    return Results(records=records, rounds=rounds, counted=counted,
                   series={label: Series(label, str(path), machine(info, path), run)})


# --- asv results --------------------------------------------------------------------------------------


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
        fields = size_fields({"extra_info": case}, path, where)
        try:
            itemsize = np.dtype(fields["dtype"]).itemsize
        except TypeError:
            fail(path, f"{where}.{s.DTYPE}", f"not a NumPy dtype: {shown(fields['dtype'])}")
        stat = stat if isinstance(stat, dict) else {}
        records.append(Record(
            benchmark=key.rsplit("_", 1)[-1], series=series, source="asv",
            commit=name(result.commit_hash, path, "commit_hash"),
            date=optional(result.date, count, path, "date", minimum=0, maximum=10**15),
            implementation=name(case.get(s.IMPLEMENTATION), path, f"{where}.{s.IMPLEMENTATION}"),
            **{**fields, "bytes_x": fields["n"] * fields["m"] * itemsize}, median=median,
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
                   raw={"asv": grid_facts(info, machine_json, "machine.json")})


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


# --- several inputs -------------------------------------------------------------------------------------


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
