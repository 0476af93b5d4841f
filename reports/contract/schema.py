"""The results contract: every name the benchmarks write and the report reads (standard library only).

Producers (``benchmarks/``: pytest-benchmark hooks and tests, asv suites) import this module to
write results; the report (``reports/``) imports it to read them. A string that names a key, a
benchmark kind, a profile, a layout or a memory level is spelled here once and nowhere else.

Where things live in a pytest-benchmark JSON file written by this suite::

    machine_info[SUITE_KEY]          identity of the machine only (MACHINE_FIELDS): stable from run
                                     to run, so pytest-benchmark's compare sees "the same machine"
    benchmarks[i].params             plain values: CASE_FIELDS (rounds entries: SIZE_FIELDS + VISIT)
    benchmarks[i].extra_info         BENCHMARK (one of KINDS), CASE_FIELDS, BYTES_X, MEMORY, LEVEL,
                                     and per kind: scaling's WORKERS/CHUNK_BYTES/CHUNKS; rounds' ROUND_FIELDS
    output_json[SUITE_KEY]           the run record (RUN_FIELDS): profile, grid facts, skips,
                                     unavailable implementations, live measurements (bandwidth per
                                     memory level, noise), first-call (JIT) seconds, failed cases

``summary.json`` (one per report folder) is described by SUMMARY_FIELDS / SUMMARY_CASE_FIELDS.
"""

from __future__ import annotations

import os

# summary.json's layout (its "schema_version" field).
SCHEMA_VERSION = 2
# The results format: written as FORMAT_VERSION_KEY in every run record (output_json[SUITE_KEY]) and
# checked on load. A file without it is of version 2, the layout written before the version was.
FORMAT_VERSION_KEY = "format_version"
FORMAT_VERSION = 3
UNVERSIONED_FORMAT = 2  # the version of a file without FORMAT_VERSION_KEY

# --- profiles: the one switch shared by asv, pytest and the report -------------------------------
PROFILE_ENV = "LOGREG_BENCH_PROFILE"
PROFILE_NAMES = ("quick", "full")
DEFAULT_PROFILE = "quick"


def profile_name() -> str:
    """The profile $PROFILE_ENV names (any case, space around it ignored; unset or blank: DEFAULT_PROFILE).

    An unknown name is a ValueError naming the choices, never a silent default: a typo would otherwise
    run the wrong grid.
    """
    value = os.environ.get(PROFILE_ENV, "")
    name = value.strip().lower() or DEFAULT_PROFILE
    if name not in PROFILE_NAMES:
        raise ValueError(f"{PROFILE_ENV}={value!r} is not a profile; choose one of: {', '.join(PROFILE_NAMES)}")
    return name


# --- benchmark kinds (extra_info[BENCHMARK]; asv: the method name's last word) -------------------
GRADIENTS = "gradients"  # one gradient evaluation of a prepared problem
TRAIN = "train"  # a fixed number of gradient-descent iterations, prepare included
PREPARE = "prepare"  # the one-time validation and placement of X, Y
SCALING = "scaling"  # Dask over workers and chunk caps, beside NumPy on one machine
SCALING_GENERATED = "scaling_generated"  # Dask on data generated on the workers
ROUNDS = "rounds"  # every implementation of one size, interleaved round after round
KINDS = (GRADIENTS, TRAIN, PREPARE, SCALING, SCALING_GENERATED, ROUNDS)

# --- memory layouts of X (an axis of the grid) -----------------------------------------------------
LECTURE = "lecture"  # (n, m) C order: one example per column, as the lecture writes X
FRAME = "frame"  # X.T of an (m, n) C array (a data frame's rows): F order, features contiguous
LAYOUTS = (LECTURE, FRAME)

# --- memory levels: the ceiling a timing is judged against is the level X fits in ----------------
L2, L3, DRAM = "L2", "L3", "DRAM"
LEVELS = (L2, L3, DRAM)


def capacity(level: str, threads: int, level_bytes: dict[str, int]) -> int | None:
    """Bytes a level holds at this thread count (L2 is per core: threads' L2s together; None: not recorded)."""
    found = level_bytes.get(level)
    return None if found is None else found * (threads if level == L2 else 1)


def level_of(nbytes: float, threads: int, level_bytes: dict[str, int]) -> str:
    """The smallest level that holds nbytes at this thread count; DRAM beyond the recorded caches."""
    return next((x for x in LEVELS[:-1] if nbytes <= capacity(x, threads, level_bytes)), DRAM)

# --- where X is read from ---------------------------------------------------------------------------
HOST, DEVICE = "host", "device"  # main memory (the CPU's ceilings apply) or a GPU's memory

# --- keys -------------------------------------------------------------------------------------------
SUITE_KEY = "logreg"  # machine_info[SUITE_KEY] and output_json[SUITE_KEY]
BENCHMARK = "benchmark"
IMPLEMENTATION, N, M, LAYOUT, DTYPE, THREADS = "implementation", "n", "m", "layout", "dtype", "threads"
CASE_FIELDS = (IMPLEMENTATION, N, M, LAYOUT, DTYPE, THREADS)  # a grid point; pytest params, plain values
SIZE_FIELDS = (N, M, LAYOUT, DTYPE, THREADS)  # a grid point without the implementation (rounds)
BYTES_X = "bytes_x"
MEMORY = "memory"  # HOST or DEVICE
LEVEL = "level"  # one of LEVELS: the memory level X fits in at this case's thread count
WORKERS, CHUNK_BYTES, CHUNKS = "workers", "chunk_bytes", "chunks"  # scaling only
ITERATIONS = "iterations"  # train only

# Rounds entries (extra_info of kind ROUNDS): one size, every implementation measured once per round,
# in an order rotated from round to round; ratios are formed within a round.
VISIT = "visit"  # which visit of this size (a size's rounds are spread over the run in visits)
ROUND_SECONDS = "seconds"  # {implementation: [seconds per call, one per round]}
ROUND_CALLS = "calls"  # {implementation: calls timed together per measurement}
ROUND_PROBE_GBS = "probe_gbs"  # [DRAM read GB/s, one per round] when LEVEL is DRAM, else null
ROUND_FIELDS = (VISIT, ROUND_SECONDS, ROUND_CALLS, ROUND_PROBE_GBS)

# Machine identity (machine_info[SUITE_KEY]): nothing live, nothing that differs between two runs.
CPU_MODEL, CORES, CACHES, BLAS, VERSIONS, GPU = "cpu_model", "cores", "caches", "blas", "versions", "gpu"
MACHINE_FIELDS = (CPU_MODEL, CORES, CACHES, BLAS, VERSIONS, GPU)

# The run record (output_json[SUITE_KEY]).
PROFILE = "profile"
ROLES = "roles"  # {"reference": name checked against, "baseline": name speedups are measured against}
REFERENCE_ROLE, BASELINE_ROLE = "reference", "baseline"
GRID = "grid"  # grid facts the report states (e.g. {"scaling_workers": [1, 2], ...}), never retyped there
SKIPPED = "skipped"  # [{CASE_FIELDS..., BENCHMARK, "reason"}]
UNAVAILABLE = "unavailable"  # {implementation: reason}
FAILED = "failed"  # [{CASE: id, CAUSE: one of CAUSES, MESSAGE: text}]
CASE, CAUSE, MESSAGE = "case", "cause", "message"
# FAILED[i]["cause"], written by the sweep (reports/sweep.py): the case raised (ERROR); the process died
# in it (CRASH: a signal such as SIGSEGV, or an exit code; MEMORY: SIGKILL the sweep did not send,
# which is what the kernel's out-of-memory killer sends); it ran past the per-case timeout (TIMEOUT);
# SIGINT/SIGTERM stopped the sweep during it (STOPPED, and the record's INTERRUPTED is true).
CAUSE_ERROR, CAUSE_CRASH, CAUSE_MEMORY = "error", "crash", "memory"
CAUSE_TIMEOUT, CAUSE_STOPPED = "timeout", "interrupted"
CAUSES = (CAUSE_ERROR, CAUSE_CRASH, CAUSE_MEMORY, CAUSE_TIMEOUT, CAUSE_STOPPED)
INTERRUPTED = "interrupted"  # true when the sweep was stopped before its end
BANDWIDTH = "bandwidth"  # {"levels": {level: {threads: GB/s}}, "level_bytes": {level: bytes}, "samples": [...]}
NOISE = "noise"  # NOISE_FIELDS
FIRST_CALL = "first_call"  # {implementation: {"seconds": s, "cache": "hit"|"miss"|None}}
RUN_FIELDS = (PROFILE, ROLES, GRID, SKIPPED, UNAVAILABLE, FAILED, INTERRUPTED, BANDWIDTH, NOISE, FIRST_CALL)

# Noise record of one run: CPU steal and load while it ran, and how much the DRAM probe moved.
STEAL_FRACTION = "steal_fraction"  # steal ticks / all ticks between the run's start and end (/proc/stat)
LOAD_AVERAGE = "load_average"  # [1-minute load at start, at end]
PROBE_DRIFT = "probe_drift"  # (max − min) / median of the DRAM probe's readings during the run
NOISE_FIELDS = (STEAL_FRACTION, LOAD_AVERAGE, PROBE_DRIFT)

# --- files of a report run folder ------------------------------------------------------------------------
RESULTS_FILE = "pytest-benchmark.json"  # the sweep's results, a standard pytest-benchmark JSON

# --- counts: instructions and simulated memory traffic per call, under valgrind's callgrind -------------
# One entry of kind COUNTS per run (benchmarks/test_counts.py), its extra_info holding COUNTED (one item
# per counted case: SIZE_FIELDS, IMPLEMENTATION, BYTES_X, and COUNTS or REASON) and COUNTING, the
# conditions two counts must share to be compared; the run record holds COUNTING too.
COUNTS = "counts"  # the benchmark kind, and each counted case's {COUNT_FIELDS} (per call)
COUNTS_ENV = "LOGREG_COUNTS"  # "1": the sweep counts (python -m reports run --counts); else the test skips
COUNTED = "counted"
COUNTING = "counting"  # {valgrind, ll_bytes, line_bytes, cache_args, cpu, threads, calls, versions}
INSTRUCTIONS, ESTIMATED_CYCLES, MEMORY_BYTES = "instructions", "estimated_cycles", "memory_bytes"
X_READS, INSTRUCTIONS_PER_ELEMENT = "x_reads", "instructions_per_element"  # x_reads: null where X is small
COUNT_FIELDS = (INSTRUCTIONS, ESTIMATED_CYCLES, MEMORY_BYTES, X_READS, INSTRUCTIONS_PER_ELEMENT)
COUNTING_FIELDS = ("valgrind", "ll_bytes", "line_bytes", "cache_args", "cpu", "threads", "calls", "versions")

# --- summary.json: the report's numbers, machine-readable --------------------------------------------
SUMMARY_FILE = "summary.json"
SUMMARY_FIELDS = ("schema_version", "baseline", "machine", NOISE, "cases", COUNTING, "models", "crossovers")
# COUNTING: null when not counted; "models", "crossovers": MODELS, CROSSOVERS below
# One entry of "cases": CASE_FIELDS, then these. Intervals are {"median", "lo", "hi"} (95%).
MEDIAN_SECONDS = "median_seconds"
SPEEDUP = "speedup"  # over the baseline, same size: {"median", "lo", "hi"} or null
TIMES_LIMIT = "times_limit"  # time / one read of X at its level's ceiling: {"median", "lo", "hi", "level"}
ROUNDS_USED = "rounds"  # how many rounds the ratios come from (0: ratio of medians, no interval)
SUMMARY_CASE_FIELDS = (*CASE_FIELDS, MEDIAN_SECONDS, SPEEDUP, TIMES_LIMIT, ROUNDS_USED, COUNTS)
# COUNTS: {COUNT_FIELDS} per call, null where not counted; a case counted but not timed has MEDIAN_SECONDS null.

# --- sub-keys written by the benchmarks, read by the report --------------------------------------
# GRID (the run record's grid facts): what the report states about the grid instead of retyping it.
GRID_LAYOUTS = "layouts"  # layouts the profile measures
GRID_VISITS = "visits"  # visits per size of the rounds tests, spread over the run
GRID_ROUNDS = "rounds_per_visit"  # most rounds per visit (a long round gets fewer, ≥ 2; count len(seconds))
GRID_SAMPLES = "samples_per_round"  # passes over the implementations per round; each keeps its fastest
GRID_RUN_BUDGET_S = "run_budget_seconds"  # the profile's whole sweep is expected to stay within this
GRID_VISIT_BUDGET_S = "visit_budget_seconds"  # seconds of rounds per visit that decide how many fit
GRID_ROUNDS_CALL_S = "rounds_call_seconds"  # an implementation estimated slower per call stays out of the rounds
GRID_MIN_MEASURE_S = "min_measure_seconds"  # one rounds measurement lasts at least this (calls calibrated)
GRID_SCALING_WORKERS = "scaling_workers"  # Dask worker counts of the scaling benchmark, e.g. [1, 2]
GRID_SCALING_CHUNK_BYTES = "scaling_chunk_bytes"  # caps on the bytes of X per Dask chunk
GRID_TRAIN = "train"  # {N: n, M: m, ITERATIONS: k} of the train benchmark
# BANDWIDTH: read GB/s (1e9 bytes/s) per memory level and thread count ("1", "2": JSON keeps str keys).
BW_LEVELS = "levels"  # {level: {threads: GB/s}}: per level and threads, the larger of the start and end readings
BW_LEVEL_BYTES = "level_bytes"  # {level: capacity in bytes}: L2 per core, L3 shared, DRAM = installed memory
BW_PROBE_BYTES = "probe_bytes"  # {level: {threads: bytes of the probe's working set, all threads together}}
BW_SAMPLES = "samples"  # [{"when": "start"|"end", BW_LEVELS: {level: {threads: GB/s}}}]
BW_WHEN = "when"
# FIRST_CALL entries.
FIRST_SECONDS, FIRST_CACHE = "seconds", "cache"  # cache: "hit" | "miss" | None (not a Numba on-disk cache)
CACHE_HIT, CACHE_MISS = "hit", "miss"
# ROUNDS entries: implementations of the size not measured in these rounds, with why (skip reason or failed check).
ROUND_EXCLUDED = "excluded"
# Progress event emitted before an implementation's first (compiling) call.
COMPILING = "compiling"
REASON = "reason"  # SKIPPED entries: why the case did not run

# --- summary.json: the fitted cost models (reports/costmodel.py, docs/costmodel.md) -------------------------
MODELS = "models"  # [{MODEL_FIELDS}]: one per (benchmark, implementation, layout, dtype, threads, workers)
CROSSOVERS = "crossovers"  # [{CROSSOVER_FIELDS}]: per pair and measured n
MODEL_SIZES, MODEL_FORM, MODEL_COEFFICIENTS = "sizes", "form", "coefficients"
# held_out: {"median", "worst", "sizes"} relative errors of the sizes the verdict weighs (inside: those inside
# each n's measured m range, else all), "inside", and "edges": {"median", "worst", "sizes"} at the ranges' ends.
MODEL_HELD_OUT, MODEL_FITS = "held_out", "fits"
HELD_OUT_INSIDE, HELD_OUT_EDGES = "inside", "edges"
MODEL_UNIT, MODEL_READ_GBS = "unit", "read_gbs"  # each coefficient: {"median", "lo", "hi", "unit"[, "read_gbs"]}
MODEL_FIELDS = (BENCHMARK, IMPLEMENTATION, LAYOUT, DTYPE, THREADS, WORKERS, MEMORY, MODEL_SIZES, MODEL_FORM,
                MODEL_COEFFICIENTS, MODEL_HELD_OUT, MODEL_FITS, REASON)
CROSSOVER_FASTER, CROSSOVER_SLOWER, CROSSOVER_RANGE = "faster", "slower", "m_range"
CROSSOVER_EARLIER = "earlier_m"  # [m, …]: below m, where the fitted lead also changes hands (ascending)
CROSSOVER_TIED = "tied_from_m"  # m from which up to the range's top the two are within each other's 95% intervals
# {CROSSOVER_FASTER, CROSSOVER_BETWEEN: [m, m]} or null: measured, not fitted, the last change of leader the
# interleaved rounds show at this n (faster leads at the larger m, the other at the smaller, each by a per-round
# ratio's 95% interval that excludes 1)
CROSSOVER_MEASURED, CROSSOVER_BETWEEN = "measured", "between_m"
CROSSOVER_FIELDS = (CROSSOVER_FASTER, CROSSOVER_SLOWER, N, M, REASON, LAYOUT, DTYPE, THREADS, WORKERS, BENCHMARK,
                    CROSSOVER_RANGE, CROSSOVER_EARLIER, CROSSOVER_TIED, CROSSOVER_MEASURED)
