"""Counted, not timed: instructions and simulated memory traffic per gradient call, under valgrind's callgrind.

Wall time on a shared machine moves 15–60% between runs; callgrind's counts at one thread repeat
within 0.1%. A counting child process runs under ``valgrind --tool=callgrind`` with instrumentation
off until a window opens around the calls (pytest-codspeed's native client requests, the hooks
CodSpeed maintains for exactly this), and each window's counts are dumped under the window's name.
Every case gets two windows, one call and CALLS calls, so whatever a window costs beyond its calls
cancels: per call = (counts of CALLS calls − counts of one call) / (CALLS − 1).

What makes two counts comparable is pinned, and recorded with them (``conditions``): one thread
everywhere; the hash seed; the simulated caches (I1, D1, LL geometry below, not the host's); the CPU
Numba compiles for (``NUMBA_CPU``: valgrind's virtual CPU has AVX2 but no AVX-512, and a host
compile for AVX-512 would not run under it, while a host-dependent choice would make counts differ
between machines); OpenBLAS's kernel family; valgrind's and the libraries' versions. Numba's on-disk
cache for that CPU is kept apart from the usual one and primed natively, since compiling under
valgrind takes minutes. Counts measure work and traffic on valgrind's virtual CPU (no prefetcher,
no out-of-order execution): they explain a timing and guard it, never replace it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

CALLS = 3  # the second window's calls (the first holds one): per call = difference / (CALLS − 1)
LINE_BYTES = 64
LL_BYTES = 8 * 2**20  # a simulated 8 MiB last-level cache, whatever the host has
CACHE_ARGS = (f"--I1=32768,8,{LINE_BYTES}", f"--D1=32768,8,{LINE_BYTES}", f"--LL={LL_BYTES},16,{LINE_BYTES}")
X_READS_FROM = 4  # reads of X are stated only where X is at least this many times the simulated LL
# x86-64-v3 (Haswell): AVX2 and FMA, which valgrind executes; NumPy and OpenBLAS pick their kernels from
# the CPU valgrind shows, so OpenBLAS is pinned to the same family for a native priming run.
NUMBA_CPU = ("haswell", "+64bit,+avx,+avx2,+bmi,+bmi2,+cmov,+cx16,+cx8,+f16c,+fma,+fxsr,+lzcnt,+mmx,+movbe,"
                        "+pclmul,+popcnt,+sahf,+sse,+sse2,+sse3,+sse4.1,+sse4.2,+ssse3,+xsave")
OPENBLAS_CORE = "Haswell"
# iai-callgrind's estimate of cycles (its docs, "Estimated cycles"): an L1 hit costs 1, an LL hit 5, RAM 35.
CYCLES_L1, CYCLES_LL, CYCLES_RAM = 1, 5, 35
INSTALL_HINT = ("valgrind is not installed: counts need it (Debian/Ubuntu: apt-get install valgrind; "
                "Fedora: dnf install valgrind)")
_EVENTS = ("Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw")


@dataclass(frozen=True)
class Counts:
    """Per-call counts of one case (schema.COUNT_FIELDS)."""

    instructions: float
    estimated_cycles: float
    memory_bytes: float
    x_reads: float | None  # None where X is too small against the simulated LL for reads to mean much
    instructions_per_element: float


# Expected length (the sweep's timeout and time left): a process starts in 10-30 s under valgrind (imports,
# Numba's cache) and a few natively; a call with the cache simulation runs ~600x slower than natively at
# m = 10^5 (5-7 s for numpy's 0.01 s), each case makes 5 calls (the priming run's check, a warm-up, 1 + CALLS).
START_S, SLOWDOWN, CALLS_PER_CASE = 30.0, 600.0, 5


def expected_seconds(cases) -> float:
    """Seconds counting these grid cases should take, two implementations at a time."""
    implementations = {case.implementation for case in cases}
    work = sum(CALLS_PER_CASE * SLOWDOWN * case.impl.estimated_seconds(case.n, case.m) for case in cases)
    return (START_S * len(implementations) + work) / min(2, os.cpu_count() or 1)


def unavailable_reason() -> str | None:
    """Why counts cannot be made here, or None."""
    if shutil.which("valgrind") is None:
        return INSTALL_HINT
    try:
        import pytest_codspeed  # noqa: F401  # its native client requests open and name the windows
    except ImportError:
        return "pytest-codspeed is not installed: counts need its valgrind hooks (pip install -e '.[counts]')"
    return None


def valgrind_version() -> str:
    done = subprocess.run(["valgrind", "--version"], capture_output=True, text=True, check=True)
    return done.stdout.strip().removeprefix("valgrind-")


def environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The user's environment (PYTHONPATH included) with what makes counts repeatable on top."""
    env = dict(os.environ if base is None else base)
    env.update({"PYTHONHASHSEED": "0", "PYTHONMALLOC": "pymalloc", "OMP_NUM_THREADS": "1",
                "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1",
                "NUMBA_CPU_NAME": NUMBA_CPU[0], "NUMBA_CPU_FEATURES": NUMBA_CPU[1],
                "NUMBA_CACHE_DIR": str(numba_cache_dir()), "OPENBLAS_CORETYPE": OPENBLAS_CORE})
    env.pop("OPENBLAS_L2_SIZE", None)  # set on some hosts for old OpenBLAS builds; a host-dependent kernel choice
    return env


def numba_cache_dir() -> Path:
    """Numba's on-disk cache for the pinned CPU, apart from the usual one (other code, other keys)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "logreg-vectorization-bench" / "numba-counting"


def conditions() -> dict:
    """What two counts must share to be compared (schema.COUNTING_FIELDS)."""
    from benchmarks import environment as machine

    return {"valgrind": valgrind_version(), "ll_bytes": LL_BYTES, "line_bytes": LINE_BYTES,
            "cache_args": list(CACHE_ARGS), "cpu": f"{NUMBA_CPU[0]} (valgrind's virtual CPU; Numba pinned)",
            "threads": 1, "calls": CALLS, "versions": machine.versions()}


def per_call(one: dict[str, int], many: dict[str, int], n: int, m: int, bytes_x: int) -> Counts:
    """Counts per call from the window of one call and the window of CALLS calls."""
    d = {e: (many.get(e, 0) - one.get(e, 0)) / (CALLS - 1) for e in _EVENTS}
    l1_misses = d["I1mr"] + d["D1mr"] + d["D1mw"]
    ram = d["ILmr"] + d["DLmr"] + d["DLmw"]
    accesses = d["Ir"] + d["Dr"] + d["Dw"]
    cycles = CYCLES_L1 * (accesses - l1_misses) + CYCLES_LL * (l1_misses - ram) + CYCLES_RAM * ram
    memory = max(ram, 0.0) * LINE_BYTES  # a few misses more in the one-call window can make a tiny difference negative
    x_reads = memory / bytes_x if bytes_x >= X_READS_FROM * LL_BYTES else None
    return Counts(d["Ir"], cycles, memory, x_reads, d["Ir"] / (n * m))


_TRIGGER = "desc: Trigger: Client Request: "  # the line naming the window a dump belongs to


def parse_dump(path: Path) -> tuple[str, dict[str, int]]:
    """(window name, {event: total}) of one callgrind dump file."""
    name, events, totals = "", [], []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(_TRIGGER):
            name = line.removeprefix(_TRIGGER).strip()
        elif line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("totals:"):
            totals = [int(v) for v in line.split()[1:]]
    return name, dict(zip(events, totals, strict=False))


def windows(folder: Path) -> dict[str, dict[str, int]]:
    """Every named window dumped into folder."""
    found = (parse_dump(path) for path in sorted(folder.glob("callgrind.out.*")))
    return {name: totals for name, totals in found if name}


def window_name(case: dict, calls: int) -> str:
    """The ASCII name a window is dumped under (the client request takes bytes)."""
    return f"{case['implementation']}|{case['n']}|{case['m']}|{case['layout']}|{case['dtype']}|{calls}"


def count(cases: list[dict], timeout_s: float) -> dict[str, Counts | str]:
    """Counts per case (keyed by window_name(case, 1)), or the reason a case has none.

    Each implementation is counted in processes of its own, so one that crashes costs only its own
    cases; two implementations at a time, one per core (each process runs one thread).
    """
    groups: dict[str, list[dict]] = {}
    for case in cases:
        groups.setdefault(case["implementation"], []).append(case)
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        return {key: got for found in pool.map(lambda group: _count_group(group, timeout_s), groups.values())
                for key, got in found.items()}


def _count_group(cases: list[dict], timeout_s: float) -> dict[str, Counts | str]:
    """One implementation's cases: a native process checks them and primes Numba's cache for the pinned
    CPU (compiling under valgrind would take minutes), then one process counts them under callgrind."""
    env = environment()
    with tempfile.TemporaryDirectory(prefix="logreg-counts-") as tmp:
        spec = Path(tmp, "cases.json")
        spec.write_text(json.dumps(cases), encoding="utf-8")
        child = [sys.executable, "-m", "benchmarks.counting", "--child", str(spec)]
        try:
            primed = subprocess.run([*child, "--check"], env=env, capture_output=True, text=True, timeout=timeout_s)
            failed = json.loads(primed.stdout) if primed.returncode == 0 else None
            if failed is None:
                return {window_name(c, 1): f"the native check failed: {_last_line(primed.stderr)}" for c in cases}
            out = Path(tmp, "dumps")
            out.mkdir()
            command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=yes", *CACHE_ARGS,
                       f"--callgrind-out-file={out}/callgrind.out.%p", *child]
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired as exc:
            return {window_name(c, 1): f"counting ran past {exc.timeout:g} s and was stopped" for c in cases}
        found = windows(out)
    results: dict[str, Counts | str] = {}
    for case in cases:
        key = window_name(case, 1)
        one, many = found.get(key), found.get(window_name(case, CALLS))
        if key in failed:
            results[key] = failed[key]
        elif one is None or many is None:
            results[key] = f"no counts: valgrind exited with {done.returncode} ({_last_line(done.stderr)})"
        else:
            results[key] = per_call(one, many, case["n"], case["m"], case["bytes_x"])
    return results


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def _child(spec: Path, check: bool) -> int:
    """Run each case's windows; print {case key: why it failed} for the cases that could not run.

    check: compare each case with the reference first (the native run; under valgrind it would
    only add the reference's calls to the process's time, and the windows count nothing else).
    """
    from pytest_codspeed.instruments.hooks import dist_instrument_hooks as hooks

    import impls
    from benchmarks import checks, grid

    instance = hooks.instrument_hooks_init()
    failed = {}
    for case in json.loads(spec.read_text(encoding="utf-8")):
        key = window_name(case, 1)
        c = grid.Case(case["implementation"], case["n"], case["m"], case["dtype"], 1, case["layout"])
        try:
            with impls.limit_threads(1):
                if check:
                    checks.checked_problem(c)
                    continue
                d, (w, b) = grid.data(c.n, c.m, c.dtype, c.layout), grid.start(c.n)
                problem = c.impl.prepare(d.X, d.Y, dtype=c.dtype)
                problem.gradients(w, b)  # warm: X in the simulated caches as in a loop of calls
                for calls in (1, CALLS):
                    _window(hooks, instance, problem, w, b, calls, window_name(case, calls))
        except Exception as exc:  # noqa: BLE001  # one case's failure is recorded, the others are counted
            failed[key] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
    print(json.dumps(failed))
    return 0


def _window(hooks, instance, problem, w, b, calls: int, name: str) -> None:
    """Count ``calls`` calls and dump them under ``name`` (no-ops outside valgrind)."""
    gc.collect()  # a collection the allocations happen to trigger inside one window would be counted in it
    gc.disable()
    hooks.instrument_hooks_start_benchmark(instance)  # zeroes the counts
    hooks.callgrind_start_instrumentation()
    for _ in range(calls):
        problem.gradients(w, b)
    hooks.callgrind_stop_instrumentation()
    gc.enable()
    hooks.instrument_hooks_stop_benchmark(instance)
    hooks.instrument_hooks_set_executed_benchmark(instance, os.getpid(), name.encode("ascii"))  # dumps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.counting", description=__doc__.splitlines()[0])
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, args.check)
    parser.error("run through python -m reports run --counts")
    return 2


if __name__ == "__main__":
    sys.exit(main())

