"""The results' typed records: what one run measured and what it says about itself.

The readers (reports.load and the modules it calls) build these from checked JSON; the report
(derive, figures, markdown, summary, compare) reads only these. Field names follow the keys of
reports.contract.schema, so ``to_json`` of a record is what a results file holds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from reports.contract import schema as s

# Field metadata: the field is in the file only where the named field is set (not None), so keys that
# only some entries have (a skipped scaling case's workers and chunk cap) stay out of the others.
SCALING_ONLY = {"only_with": "workers"}


def to_json(record) -> dict:
    """A record as the results file holds it: its fields under their own names, tuples as lists."""
    values = asdict(record)
    return {f.name: list(values[f.name]) if isinstance(values[f.name], tuple) else values[f.name]
            for f in fields(record) if _written(f, values)}


def _written(f, values: dict) -> bool:
    """False for a field whose metadata names a field that is not set (see SCALING_ONLY)."""
    other = f.metadata.get("only_with")
    return other is None or values[other] is not None


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
class Rounds:
    """One visit of one size: every implementation timed once per round, interleaved (schema.ROUNDS)."""

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


@dataclass(frozen=True)
class Skip:
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


@dataclass(frozen=True)
class Failure:
    """A case that did not finish: its id, the cause (error, crash, timeout, interrupted), the message."""

    case: str
    cause: str
    message: str


@dataclass(frozen=True)
class Noise:
    """How quiet the machine was during the run (schema.NOISE_FIELDS); None where not measured."""

    steal_fraction: float | None = None
    load_average: tuple[float, ...] | None = None  # 1-minute load at start, at end
    probe_drift: float | None = None  # (max − min) / median of the DRAM probe's readings


@dataclass(frozen=True)
class FirstCall:
    """Seconds of an implementation's first call, and whether its JIT cache was hit."""

    seconds: float
    cache: str | None  # "hit" (loaded from the cache), "miss" (compiled), None (unknown)


@dataclass(frozen=True)
class Counts:
    """Per-call counts of one case under callgrind (schema.COUNT_FIELDS)."""

    instructions: float
    estimated_cycles: float  # L1 hits + 5 × LL hits + 35 × RAM accesses (iai-callgrind's estimate)
    memory_bytes: float  # simulated last-level misses × line bytes
    x_reads: float | None  # memory_bytes / bytes of X; None where X is too small against the simulated LL
    instructions_per_element: float  # instructions / (n·m)


@dataclass(frozen=True)
class Counted:
    """One case of a counts entry: its size, and its Counts or the reason it has none."""

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


@dataclass(frozen=True)
class Counting:
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

    def as_dict(self) -> dict:
        """The conditions as the file holds them ({"reason"} alone when none could be made)."""
        if self.reason is not None:
            return {s.REASON: self.reason}
        return {key: list(x) if isinstance(x := getattr(self, key), tuple) else x for key in s.COUNTING_FIELDS}


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
    counting: Counting | None = None  # the counts entry's conditions; None: counts were not asked for


@dataclass(frozen=True)
class Machine:
    """What identifies the machine a series ran on (machine_info[SUITE_KEY], or asv's machine.json)."""

    cpu_model: str = "?"
    cores: int | None = None
    gpu: str | None = None
    blas: tuple[str, ...] = ()  # "openblas 0.3.30", one per BLAS library loaded
    versions: dict[str, str] = field(default_factory=dict)
    raw: dict = field(default_factory=dict)  # the identity record as the file holds it (summary.json)


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
