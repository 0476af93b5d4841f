"""The results' typed records: what one run measured and what it says about itself.

Writer and reader share each record: ``to_json`` gives what a results file holds, ``from_json`` reads it
back, checked (every field named in the error), so ``from_json(to_json(x)) == x``. The readers
(reports.pytest_results, reports.asv_results) build records this way; the report (derive, figures,
markdown, summary, compare) reads only records. Field names follow the keys of reports.contract.schema.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import ClassVar

from reports.contract import schema as s
from reports.contract.checked import (
    MAX_NAME,
    MAX_ROUNDS,
    choice,
    count,
    facts,
    fail,
    flag,
    mapping,
    name,
    names,
    number,
    optional,
    sequence,
    shown,
    text,
    versions,
)

# Field metadata: the field is in the file only where the named field is set (not None), so keys that
# only some entries have (a skipped scaling case's workers and chunk cap) stay out of the others.
SCALING_ONLY = {"only_with": "workers"}


def to_json(record) -> dict:
    """A record as the results file holds it."""
    return record.to_json()


def plain(value):
    """A field's value as JSON holds it: records as their to_json, tuples as lists."""
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


class JsonRecord:
    """A record whose file form is its fields under their own names, less those the reader sets (READER_SET)."""

    READER_SET: ClassVar[tuple[str, ...]] = ()

    def to_json(self) -> dict:
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)
                if f.name not in self.READER_SET and _written(f, self)}


def _written(f, record) -> bool:
    """False for a field whose metadata names a field that is not set (see SCALING_ONLY)."""
    other = f.metadata.get("only_with")
    return other is None or getattr(record, other) is not None


def case_fields(value: dict, path, where: str) -> dict:
    """n, m, layout, dtype, threads, bytes of X, level and memory of one case, checked."""
    level, layout = value.get(s.LEVEL), value.get(s.LAYOUT)
    return {
        s.N: count(value.get(s.N), path, f"{where}.{s.N}"), s.M: count(value.get(s.M), path, f"{where}.{s.M}"),
        s.LAYOUT: s.LECTURE if layout is None else choice(layout, s.LAYOUTS, path, f"{where}.{s.LAYOUT}"),
        s.DTYPE: name(value.get(s.DTYPE), path, f"{where}.{s.DTYPE}"),
        s.THREADS: count(value.get(s.THREADS), path, f"{where}.{s.THREADS}", maximum=10**6),
        s.BYTES_X: count(value.get(s.BYTES_X) or 0, path, f"{where}.{s.BYTES_X}", minimum=0),
        s.LEVEL: None if level is None else choice(level, s.LEVELS, path, f"{where}.{s.LEVEL}"),
        s.MEMORY: choice(value.get(s.MEMORY) or s.HOST, (s.HOST, s.DEVICE), path, f"{where}.{s.MEMORY}"),
    }


def per_round(values, path, where: str, rounds: int | None) -> tuple[float, ...]:
    """A list of positive numbers, one per round (all lists of an entry equally long)."""
    values = sequence(values, path, where)
    if not 0 < len(values) <= MAX_ROUNDS or (rounds is not None and len(values) != rounds):
        fail(path, where, f"expected {rounds or 'at least one'} value(s), one per round, found {len(values)}")
    return tuple(number(v, path, f"{where}[{i}]") for i, v in enumerate(values))


def gbs_by_threads(value, path, where: str) -> dict[int, float]:
    """{threads: GB/s} from an object keyed by thread counts written as strings."""
    out = {}
    for key, gbs in mapping(value, path, where).items():
        threads = count(int(key) if str(key).isdigit() else key, path, f"{where} key", maximum=10**6)
        out[threads] = number(gbs, path, f"{where}.{key}")
    return out


def agrees(stated: float, computed: float, path, where: str) -> None:
    """A derived count (per element, reads of X) must equal what its parts give: a mismatch is a damaged file."""
    if not math.isclose(stated, computed, rel_tol=1e-6):
        fail(path, where, f"expected {computed:.6g} (from the case's other counts), found {shown(stated)}")


def format_version(record: dict, path, where: str) -> int:
    """The results format a run record is written in; a newer one than this reader's is refused, naming both."""
    found = record.get(s.FORMAT_VERSION_KEY)
    if found is None:
        return s.UNVERSIONED_FORMAT
    version = count(found, path, f"{where}.{s.FORMAT_VERSION_KEY}")
    if version > s.FORMAT_VERSION:
        fail(path, f"{where}.{s.FORMAT_VERSION_KEY}", f"written by a newer version of the suite: format {version}, "
                                                      f"this reader reads up to {s.FORMAT_VERSION}; update the suite")
    return version


@dataclass(frozen=True)
class Record:
    """One measured case: what was timed, its size, and the per-call time statistics in seconds."""

    benchmark: str  # one of schema.KINDS (never ROUNDS: those are Rounds)
    implementation: str
    n: int
    m: int
    dtype: str
    threads: int
    bytes_x: int
    median: float
    layout: str = s.LECTURE
    level: str | None = None  # schema.LEVELS: where X fits at this thread count; None: not recorded
    series: str = ""  # label of the file / asv environment it came from (Results.series)
    q1: float | None = None
    q3: float | None = None
    min: float | None = None
    max: float | None = None
    rounds: int | None = None
    source: str = "pytest-benchmark"  # or "asv", or ROUNDS_SOURCE: statistics over a rounds entry's seconds
    commit: str | None = None
    date: int | None = None  # asv: commit date in ms since the epoch
    workers: int = 1  # processes (Dask's workers in the scaling benchmark); one machine, one process otherwise
    chunk_bytes: int | None = None  # cap on the bytes of X per chunk (Dask); None: X not chunked
    chunks: int = 1  # how many chunks X was split into
    memory: str = s.HOST  # where X was read from: HOST memory, or a GPU's (DEVICE)

    @property
    def size(self) -> tuple:
        """The grid point without the implementation: (n, m, layout, dtype, threads)."""
        return (self.n, self.m, self.layout, self.dtype, self.threads)

    @property
    def case(self) -> tuple:
        """The point of the grid this record measures (within its series)."""
        return (self.benchmark, self.implementation, *self.size, self.workers, self.chunk_bytes)


@dataclass(frozen=True)
class Rounds(JsonRecord):
    """One visit of one size: every implementation timed once per round, interleaved (schema.ROUNDS)."""

    READER_SET: ClassVar = ("series",)

    n: int
    m: int
    layout: str
    dtype: str
    threads: int
    bytes_x: int
    level: str | None
    visit: int
    seconds: dict[str, tuple[float, ...]]  # implementation -> seconds per call, one per round
    calls: dict[str, int]  # implementation -> calls timed together per measurement
    probe_gbs: tuple[float, ...] | None  # DRAM read GB/s, one per round (LEVEL DRAM only)
    series: str = ""
    memory: str = s.HOST

    @property
    def size(self) -> tuple:
        return (self.n, self.m, self.layout, self.dtype, self.threads)

    @classmethod
    def from_json(cls, value, path, where: str, series: str = "") -> Rounds:
        """A rounds entry's case fields and ROUND_FIELDS (its params and extra_info together)."""
        value = mapping(value, path, where)
        seconds, rounds = {}, None
        for impl, values in mapping(value.get(s.ROUND_SECONDS), path, f"{where}.{s.ROUND_SECONDS}").items():
            key = f"{where}.{s.ROUND_SECONDS}.{name(impl, path, f'{where}.{s.ROUND_SECONDS} key')}"
            seconds[impl] = per_round(values, path, key, rounds)
            rounds = len(seconds[impl])
        if not seconds:
            fail(path, f"{where}.{s.ROUND_SECONDS}", "no implementation was timed")
        calls = {name(k, path, f"{where}.{s.ROUND_CALLS} key"): count(v, path, f"{where}.{s.ROUND_CALLS}.{k}")
                 for k, v in mapping(value.get(s.ROUND_CALLS) or {}, path, f"{where}.{s.ROUND_CALLS}").items()}
        probe = value.get(s.ROUND_PROBE_GBS)
        return cls(**case_fields(value, path, where), series=series, seconds=seconds, calls=calls,
                   visit=count(value.get(s.VISIT) or 0, path, f"{where}.{s.VISIT}", minimum=0),
                   probe_gbs=optional(probe, per_round, path, f"{where}.{s.ROUND_PROBE_GBS}", rounds=rounds))


@dataclass(frozen=True)
class Skip(JsonRecord):
    """A case the run skipped, and why."""

    reason: str
    benchmark: str | None = None
    implementation: str | None = None
    n: int | None = None
    m: int | None = None
    layout: str | None = None
    dtype: str | None = None
    threads: int | None = None
    bytes_x: int | None = None
    level: str | None = None
    memory: str | None = None  # None: unknown (the implementation's module is not available)
    workers: int | None = field(default=None, metadata=SCALING_ONLY)
    chunk_bytes: int | None = field(default=None, metadata=SCALING_ONLY)

    @classmethod
    def from_json(cls, value, path, where: str) -> Skip:
        value = mapping(value, path, where)
        known = {key: optional(value.get(key), name, path, f"{where}.{key}")
                 for key in (s.BENCHMARK, s.IMPLEMENTATION, s.LAYOUT, s.DTYPE)}
        sizes = {key: optional(value.get(key), count, path, f"{where}.{key}")
                 for key in (s.N, s.M, s.THREADS, s.WORKERS, s.CHUNK_BYTES)}
        bytes_x = optional(value.get(s.BYTES_X), count, path, f"{where}.{s.BYTES_X}", minimum=0)
        level = optional(value.get(s.LEVEL), lambda v, p, w: choice(v, s.LEVELS, p, w), path, f"{where}.{s.LEVEL}")
        memory = optional(value.get(s.MEMORY), lambda v, p, w: choice(v, (s.HOST, s.DEVICE), p, w), path,
                          f"{where}.{s.MEMORY}")
        return cls(reason=text(value.get(s.REASON, "?"), path, f"{where}.{s.REASON}"), **known, **sizes,
                   bytes_x=bytes_x, level=level, memory=memory)


@dataclass(frozen=True)
class Failure(JsonRecord):
    """A case that did not finish: its id, the cause (one of schema.CAUSES), the message."""

    case: str
    cause: str
    message: str

    @classmethod
    def from_json(cls, value, path, where: str) -> Failure:
        value = mapping(value, path, where)
        return cls(case=text(value.get(s.CASE), path, f"{where}.{s.CASE}")[:MAX_NAME * 4],
                   cause=choice(value.get(s.CAUSE, s.CAUSE_ERROR), s.CAUSES, path, f"{where}.{s.CAUSE}"),
                   message=text(value.get(s.MESSAGE, ""), path, f"{where}.{s.MESSAGE}"))


@dataclass(frozen=True)
class Noise(JsonRecord):
    """How quiet the machine was during the run (schema.NOISE_FIELDS); None where not measured."""

    steal_fraction: float | None = None
    load_average: tuple[float, ...] | None = None  # 1-minute load at start, at end
    probe_drift: float | None = None  # (max − min) / median of the DRAM probe's readings

    @classmethod
    def from_json(cls, value, path, where: str) -> Noise:
        """Each field optional."""
        value = mapping(value, path, where)
        steal = optional(value.get(s.STEAL_FRACTION), number, path, f"{where}.{s.STEAL_FRACTION}", zero=True)
        if steal is not None and steal > 1:
            fail(path, f"{where}.{s.STEAL_FRACTION}", f"expected a fraction in [0, 1], found {shown(steal)}")
        load = value.get(s.LOAD_AVERAGE)
        load = None if load is None else tuple(number(x, path, f"{where}.{s.LOAD_AVERAGE}[{i}]", zero=True)
                                               for i, x in enumerate(sequence(load, path, f"{where}.{s.LOAD_AVERAGE}")))
        drift = optional(value.get(s.PROBE_DRIFT), number, path, f"{where}.{s.PROBE_DRIFT}", zero=True)
        return cls(steal, load or None, drift)


@dataclass(frozen=True)
class FirstCall(JsonRecord):
    """Seconds of an implementation's first call, and whether its JIT cache was hit."""

    seconds: float
    cache: str | None  # CACHE_HIT (loaded from the cache), CACHE_MISS (compiled), None (unknown)

    @classmethod
    def from_json(cls, value, path, where: str) -> FirstCall:
        value = mapping(value, path, where)
        cache = value.get(s.FIRST_CACHE)
        cache = None if cache is None else choice(cache, (s.CACHE_HIT, s.CACHE_MISS), path, f"{where}.{s.FIRST_CACHE}")
        return cls(number(value.get(s.FIRST_SECONDS), path, f"{where}.{s.FIRST_SECONDS}"), cache)


@dataclass(frozen=True)
class Counts(JsonRecord):
    """Per-call counts of one case under callgrind (schema.COUNT_FIELDS)."""

    instructions: float
    estimated_cycles: float  # L1 hits + 5 × LL hits + 35 × RAM accesses (iai-callgrind's estimate)
    memory_bytes: float  # simulated last-level misses × line bytes
    x_reads: float | None  # memory_bytes / bytes of X; None where X is too small against the simulated LL
    instructions_per_element: float  # instructions / (n·m)

    @classmethod
    def from_json(cls, value, path, where: str) -> Counts:
        value = mapping(value, path, where)
        get = lambda key, zero=False: number(value.get(key), path, f"{where}.{key}", zero=zero)  # noqa: E731
        return cls(instructions=get(s.INSTRUCTIONS), estimated_cycles=get(s.ESTIMATED_CYCLES),
                   memory_bytes=get(s.MEMORY_BYTES, zero=True),
                   x_reads=optional(value.get(s.X_READS), number, path, f"{where}.{s.X_READS}", zero=True),
                   instructions_per_element=get(s.INSTRUCTIONS_PER_ELEMENT))

    def check(self, n: int, m: int, bytes_x: int, path, where: str) -> None:
        """The derived counts must agree with the case's size: a mismatch is a damaged file."""
        per_element = f"{where}.{s.INSTRUCTIONS_PER_ELEMENT}"
        agrees(self.instructions_per_element, self.instructions / (n * m), path, per_element)
        if self.x_reads is not None and bytes_x:
            agrees(self.x_reads, self.memory_bytes / bytes_x, path, f"{where}.{s.X_READS}")


@dataclass(frozen=True)
class Counted(JsonRecord):
    """One case of a counts entry: its size, and its Counts or the reason it has none."""

    READER_SET: ClassVar = ("series",)

    implementation: str
    n: int
    m: int
    layout: str
    dtype: str
    threads: int
    bytes_x: int
    level: str | None
    memory: str
    counts: Counts | None
    reason: str | None = None
    series: str = ""

    @property
    def size(self) -> tuple:
        return (self.n, self.m, self.layout, self.dtype, self.threads)

    @property
    def case(self) -> tuple:
        """(implementation, n, m, layout, dtype, threads): the timed Record of the same case has these too."""
        return (self.implementation, *self.size)

    @classmethod
    def from_json(cls, value, path, where: str, series: str = "") -> Counted:
        """One item of a counts entry's COUNTED list: its fields, and its counts or the reason it has none."""
        value = mapping(value, path, where)
        given = [key for key in (s.COUNTS, s.REASON) if value.get(key) is not None]
        if len(given) != 1:
            fail(path, where, f"expected either {s.COUNTS} or {s.REASON}, found {' and '.join(given) or 'neither'}")
        size = case_fields(value, path, where)
        counts = optional(value.get(s.COUNTS), Counts.from_json, path, f"{where}.{s.COUNTS}")
        if counts is not None:
            counts.check(size[s.N], size[s.M], size[s.BYTES_X], path, f"{where}.{s.COUNTS}")
        reason = optional(value.get(s.REASON), text, path, f"{where}.{s.REASON}")
        return cls(implementation=name(value.get(s.IMPLEMENTATION), path, f"{where}.{s.IMPLEMENTATION}"), **size,
                   counts=counts, reason=reason, series=series)


@dataclass(frozen=True)
class Counting(JsonRecord):
    """What two runs' counts must share to be compared (schema.COUNTING_FIELDS), or why none were made."""

    valgrind: str | None = None
    ll_bytes: int | None = None
    line_bytes: int | None = None
    cache_args: tuple[str, ...] = ()
    cpu: str | None = None
    threads: int | None = None
    calls: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # set (and the rest empty) when no counts could be made

    def to_json(self) -> dict:
        """The conditions as the file holds them ({REASON} alone when none could be made)."""
        if self.reason is not None:
            return {s.REASON: self.reason}
        return {key: plain(getattr(self, key)) for key in s.COUNTING_FIELDS}

    @classmethod
    def from_json(cls, value, path, where: str) -> Counting:
        """A counts entry's conditions (every field required), or the reason no counts could be made."""
        value = mapping(value, path, where)
        if value.get(s.REASON) is not None:
            return cls(reason=text(value[s.REASON], path, f"{where}.{s.REASON}"))
        return cls(**{key: read(value.get(key), path, f"{where}.{key}")
                      for key, read in zip(s.COUNTING_FIELDS, COUNTING_READERS, strict=True)})


def at_least_two(value, path, where: str) -> int:
    return count(value, path, where, minimum=2)


# How each of schema.COUNTING_FIELDS is read, in its order (Counting's attributes carry the same names).
COUNTING_READERS = (name, count, count, names, name, count, at_least_two, versions)


@dataclass
class Run:
    """The run record (output_json[SUITE_KEY]): what the run says about itself."""

    profile: str | None = None
    roles: dict[str, str] = field(default_factory=dict)  # schema.REFERENCE_ROLE / BASELINE_ROLE -> name
    grid: dict = field(default_factory=dict)  # grid facts the report states, as recorded
    skipped: list[Skip] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    failed: list[Failure] = field(default_factory=list)
    interrupted: bool = False
    bandwidth: dict[str, dict[int, float]] = field(default_factory=dict)  # level -> threads -> GB/s
    level_bytes: dict[str, int] = field(default_factory=dict)  # level -> bytes it holds
    noise: Noise | None = None
    first_call: dict[str, FirstCall] = field(default_factory=dict)
    counting: Counting | None = None  # the counts entry's conditions (not the run record's); None: not asked for

    def to_json(self) -> dict:
        """The run record in the current format, its version included (counting is the counts entry's)."""
        bandwidth = {s.BW_LEVELS: {level: {str(t): gbs for t, gbs in by_threads.items()}
                                   for level, by_threads in self.bandwidth.items()},
                     s.BW_LEVEL_BYTES: dict(self.level_bytes)}
        return {s.FORMAT_VERSION_KEY: s.FORMAT_VERSION, s.PROFILE: self.profile, s.ROLES: dict(self.roles),
                s.GRID: plain(self.grid), s.SKIPPED: plain(self.skipped), s.UNAVAILABLE: dict(self.unavailable),
                s.FAILED: plain(self.failed), s.INTERRUPTED: self.interrupted, s.BANDWIDTH: bandwidth,
                s.NOISE: plain(self.noise), s.FIRST_CALL: plain(self.first_call)}

    @classmethod
    def from_json(cls, value, path, where: str) -> Run:
        """The run record (output_json[SUITE_KEY]) of the current format; older files are migrated before.

        A skip or failure listed twice, identically, is kept once: the copy states nothing new and would
        only be counted twice. (One case may fail twice with different messages, e.g. in its call and its
        teardown: both are kept.)
        """
        value = mapping(value, path, where)
        format_version(value, path, where)
        get = lambda key, default: value.get(key) if value.get(key) is not None else default  # noqa: E731
        each = lambda key, read: list(dict.fromkeys(  # noqa: E731
            read(v, path, f"{where}.{key}[{i}]") for i, v in enumerate(sequence(get(key, []), path, f"{where}.{key}"))))
        levels, level_bytes = read_bandwidth(get(s.BANDWIDTH, {}), path, f"{where}.{s.BANDWIDTH}")
        return cls(
            profile=optional(value.get(s.PROFILE), name, path, f"{where}.{s.PROFILE}"),
            roles={name(k, path, f"{where}.{s.ROLES} key"): name(v, path, f"{where}.{s.ROLES}.{k}")
                   for k, v in mapping(get(s.ROLES, {}), path, f"{where}.{s.ROLES}").items()},
            grid=facts(get(s.GRID, {}), path, f"{where}.{s.GRID}"),
            skipped=each(s.SKIPPED, Skip.from_json),
            unavailable={name(k, path, f"{where}.{s.UNAVAILABLE} key"): text(v, path, f"{where}.{s.UNAVAILABLE}.{k}")
                         for k, v in mapping(get(s.UNAVAILABLE, {}), path, f"{where}.{s.UNAVAILABLE}").items()},
            failed=each(s.FAILED, Failure.from_json),
            interrupted=flag(get(s.INTERRUPTED, False), path, f"{where}.{s.INTERRUPTED}"),
            bandwidth=levels, level_bytes=level_bytes,
            noise=optional(value.get(s.NOISE), Noise.from_json, path, f"{where}.{s.NOISE}"),
            first_call=first_calls(get(s.FIRST_CALL, {}), path, f"{where}.{s.FIRST_CALL}"))


def first_calls(value, path, where: str) -> dict[str, FirstCall]:
    """{implementation: FirstCall}."""
    return {impl: FirstCall.from_json(v, path, f"{where}.{name(impl, path, f'{where} key')}")
            for impl, v in mapping(value, path, where).items()}


def read_bandwidth(value, path, where: str) -> tuple[dict, dict]:
    """(level -> threads -> GB/s, level -> bytes) of the run record's BANDWIDTH."""
    value = mapping(value, path, where)
    at = lambda key: f"{where}.{key}"  # noqa: E731
    levels = {choice(level, s.LEVELS, path, f"{at(s.BW_LEVELS)} key"):
              gbs_by_threads(v, path, f"{at(s.BW_LEVELS)}.{level}")
              for level, v in mapping(value.get(s.BW_LEVELS) or {}, path, at(s.BW_LEVELS)).items()}
    sizes = {choice(level, s.LEVELS, path, f"{at(s.BW_LEVEL_BYTES)} key"):
             count(v, path, f"{at(s.BW_LEVEL_BYTES)}.{level}")
             for level, v in mapping(value.get(s.BW_LEVEL_BYTES) or {}, path, at(s.BW_LEVEL_BYTES)).items()}
    return levels, sizes


@dataclass(frozen=True)
class Machine(JsonRecord):
    """What identifies the machine a series ran on (machine_info[SUITE_KEY], or asv's machine.json)."""

    cpu_model: str = "?"
    cores: int | None = None
    gpu: str | None = None
    blas: tuple[str, ...] = ()  # "openblas 0.3.30", one per BLAS library loaded
    versions: dict[str, str] = field(default_factory=dict)
    raw: dict = field(default_factory=dict)  # the identity record as the file holds it (summary.json)

    def to_json(self) -> dict:
        """The identity record as machine_info[SUITE_KEY] holds it (asv's machine.json is asv's, not this)."""
        return plain(self.raw)

    @classmethod
    def from_json(cls, value, path, where: str) -> Machine:
        """The machine identity record (machine_info[SUITE_KEY]): MACHINE_FIELDS, BLAS as threadpoolctl lists it."""
        value = mapping(value, path, where)
        blas = []
        for i, lib in enumerate(sequence(value.get(s.BLAS) or [], path, f"{where}.{s.BLAS}")):
            lib = mapping(lib, path, f"{where}.{s.BLAS}[{i}]")
            api, version = lib.get("internal_api"), lib.get("version")
            if api in ("openblas", "mkl", "blis", "accelerate"):  # openmp and the like are not a BLAS
                blas.append(f"{name(api, path, f'{where}.{s.BLAS}[{i}].internal_api')} "
                            f"{optional(version, name, path, f'{where}.{s.BLAS}[{i}].version') or '?'}")
        identity = facts({key: value[key] for key in s.MACHINE_FIELDS if key in value}, path, where)
        return cls(cpu_model=optional(value.get(s.CPU_MODEL), name, path, f"{where}.{s.CPU_MODEL}") or "?",
                   cores=optional(value.get(s.CORES), count, path, f"{where}.{s.CORES}", maximum=10**6),
                   gpu=optional(value.get(s.GPU), name, path, f"{where}.{s.GPU}"), blas=tuple(sorted(set(blas))),
                   versions=versions(value.get(s.VERSIONS) or {}, path, f"{where}.{s.VERSIONS}"), raw=identity)


@dataclass
class Series:
    """One input: a pytest-benchmark file or one asv machine/environment."""

    label: str
    source: str
    machine: Machine
    run: Run


@dataclass
class Results:
    """Records and rounds of every series, and each series' machine and run record."""

    records: list[Record] = field(default_factory=list)
    rounds: list[Rounds] = field(default_factory=list)
    history: list[Record] = field(default_factory=list)  # asv records, every commit
    counted: list[Counted] = field(default_factory=list)  # every case of every counts entry
    series: dict[str, Series] = field(default_factory=dict)  # label -> Series, in input order

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(x.source for x in self.series.values()))

    def implementations(self) -> list[str]:
        """Every implementation measured, in first-seen order."""
        names = [r.implementation for r in self.records]
        names += [impl for x in self.rounds for impl in x.seconds]
        return list(dict.fromkeys(names))
