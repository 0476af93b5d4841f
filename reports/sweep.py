"""The benchmark sweep: pytest-benchmark in a supervised child process that may crash, hang or be stopped.

pytest-benchmark writes its JSON only when pytest ends in order, so a segfault, an os._exit or the
kernel's out-of-memory killer in one case would lose every case before it. Here the child's plugin
(reports.progress) sends each finished case's pytest-benchmark entry as an event the moment the
case ends; this parent keeps them, kills the child's process group when a case runs past its
timeout (from the case's expected length, which the child sends: see case_timeout), records a case
that killed the child with its cause (signal, timeout, memory), and starts pytest again without the
cases already finished. At the end it assembles one standard pytest-benchmark JSON (the entries,
machine_info and run record of a child that ended in order come from its own JSON; those of a child
that died, from its events) with the run record under output_json["logreg"]: FAILED cases with
their cause, and INTERRUPTED when SIGINT or SIGTERM stopped the sweep.

The child runs in its own process group (a Ctrl-C in the terminal reaches only this parent, which
then stops the whole group, Dask workers included), so nothing outlives the sweep. SIGHUP (the
terminal closed) stops the sweep as SIGTERM does; should this parent die without stopping the
child (SIGKILL, a crash), the child kills its own group (see _die_with_parent), and a later
`recover` assembles what the children left in the work folder.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reports.contract import events as e
from reports.contract.records import Failure, to_json
from reports.contract.schema import (
    CAUSE_CRASH,
    CAUSE_ERROR,
    CAUSE_MEMORY,
    CAUSE_STOPPED,
    CAUSE_TIMEOUT,
    FAILED,
    GRID,
    GRID_RUN_BUDGET_S,
    INTERRUPTED,
    SUITE_KEY,
)

# A case's timeout: TIMEOUT_FACTOR times its expected seconds (sent by the child, see reports.progress),
# at least TIMEOUT_FLOOR_S, so a slow shared machine or a cold JIT cache never kills a healthy case and a
# hung short case costs about a minute. --case-timeout (CASE_TIMEOUT_S when set) replaces it for every case.
CASE_TIMEOUT_S: float | None = None
TIMEOUT_FACTOR = 5.0
TIMEOUT_FLOOR_S = 60.0
UNKNOWN_TIMEOUT_S = 900.0  # a case without an estimate (not one of benchmarks/); the slowest known takes ~1 min
GRACE_S = 5.0  # after SIGINT, the child may finish writing its JSON for this long before it is killed
SLOW_S = 10.0  # a case running longer than this is named as such on the progress line
POLL_S = 0.2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # each stops the sweep in order
LIFELINE_ENV = "LOGREG_SWEEP_LIFELINE"  # the child's end of a pipe whose other end only this parent holds


@dataclass
class Sweep:
    """What a sweep produced: the assembled JSON, failed cases, and the signal that stopped it (if any)."""

    output: dict
    failures: list[Failure]
    signum: int | None = None


@dataclass
class Events:
    """The events file of one child, read incrementally (a half-written last line waits for the next read)."""

    path: Path
    offset: int = 0

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            chunk = f.read()
        complete = chunk[:chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        return [json.loads(line) for line in complete.splitlines() if line.strip()]


@dataclass
class State:
    """What the parent knows across children: progress, finished cases, kept entries, failures."""

    total: int | None = None
    done: set[str] = field(default_factory=set)
    settled: set[str] = field(default_factory=set)  # cases a restarted child must leave out
    failures: list[Failure] = field(default_factory=list)
    current: str | None = None
    started: float = 0.0
    compiling: str | None = None
    signum: int | None = None  # one of STOP_SIGNALS, once one arrived
    expected: dict[str, float] = field(default_factory=dict)  # case -> expected seconds, from the children
    # machine_info and run record pieces the children sent as events: the JSON of a child killed before writing one
    sent: dict = field(default_factory=lambda: {e.MACHINE_INFO: {}, e.RUN_RECORD: {}})

    def fail(self, case: str, cause: str, message: str) -> None:
        self.failures.append(Failure(case, cause, message))
        self.settled.add(case)
        self.done.add(case)

    def apply(self, event: dict, entries: list[dict]) -> None:
        """Fold one event into the state; a benchmark entry goes to entries."""
        if e.TOTAL in event:
            self.total = event[e.TOTAL] if self.total is None else self.total
            self.expected.update(event.get(e.EXPECTED_SECONDS) or {})
        elif e.MACHINE_INFO in event:
            self.sent[e.MACHINE_INFO] = event[e.MACHINE_INFO]
        elif e.RUN_RECORD in event:
            self.sent[e.RUN_RECORD].update(event[e.RUN_RECORD])
        elif e.START in event:
            self.current, self.started, self.compiling = event[e.START], time.monotonic(), None
        elif e.COMPILING in event:
            self.compiling = event[e.COMPILING]
        elif e.BENCHMARK in event:
            entries.append(event[e.BENCHMARK])
        elif e.FAILED in event:
            self.failures.append(Failure(event[e.FAILED], CAUSE_ERROR, f"{event[e.WHEN]}: {event[e.MESSAGE]}"))
        elif e.DONE in event:
            self.done.add(event[e.DONE])
            if event.get(e.OUTCOME) != e.SKIPPED:  # skipped cases run again, to record why they skip
                self.settled.add(event[e.DONE])
            self.current = None

    def timeout_s(self, case: str, override: float | None) -> float:
        """A case's timeout: override, else case_timeout of its expected seconds."""
        return override or case_timeout(self.expected.get(case))

    def left_s(self) -> float | None:
        """Expected seconds until every case is done: the cases to come, the rest of this one (None: no estimates)."""
        if not self.expected:
            return None
        running = time.monotonic() - self.started if self.current else 0.0
        return sum(s for case, s in self.expected.items() if case not in self.done) - \
            min(running, self.expected.get(self.current, 0.0))


def case_timeout(expected_s: float | None) -> float:
    """Seconds a case may run: TIMEOUT_FACTOR × its expected seconds, at least TIMEOUT_FLOOR_S (whole seconds)."""
    if expected_s is None:
        return UNKNOWN_TIMEOUT_S
    return float(math.ceil(max(TIMEOUT_FLOOR_S, TIMEOUT_FACTOR * expected_s)))


def run(work: Path, pytest_args: list[str], env: dict, log: Path, case_timeout_s: float | None = CASE_TIMEOUT_S, *,
        cwd: Path | None = None) -> Sweep:
    """Run pytest_args (after `python -m pytest`, in cwd) until every case finished, failed, or the sweep is stopped.

    work: a folder for the children's events and JSON. STOP_SIGNALS stop the sweep (one that the
    caller ignores stays ignored, as nohup ignores SIGHUP); what finished is kept and Sweep.signum
    says which signal came.
    """
    work = Path(work).absolute()  # the children run in cwd: a relative path would name a folder there
    state, parts, entries = State(), [], []

    def on_signal(signum, frame):
        if signum == signal.SIGHUP:
            quiet_lost_terminal()
        state.signum = state.signum or signum

    previous = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS if signal.getsignal(s) != signal.SIG_IGN}
    lifeline = os.pipe()  # see _die_with_parent
    try:
        with _progress_bar() as bar, open(log, "w", encoding="utf-8") as log_file:
            attempt = 0
            while state.signum is None:
                part, events = work / f"part-{attempt}.json", Events(work / f"events-{attempt}.jsonl")
                deselect = work / f"deselect-{attempt}.json"
                deselect.write_text(json.dumps(sorted(state.settled)), encoding="utf-8")
                command = [sys.executable, "-m", "pytest", *pytest_args, f"--benchmark-json={part}",
                           "-p", "reports.progress", "-p", "reports.sweep"]
                child_env = {**env, e.PROGRESS_ENV: str(events.path), e.DESELECT_ENV: str(deselect),
                             LIFELINE_ENV: str(lifeline[0])}
                child = subprocess.Popen(command, cwd=cwd, env=child_env, stdout=log_file, stderr=subprocess.STDOUT,
                                         start_new_session=True,  # its own process group: see the docstring
                                         pass_fds=lifeline[:1])
                ended, child_entries = _supervise(child, events, state, bar, case_timeout_s)
                parts.append(_read_part(part))
                entries.extend(parts[-1]["benchmarks"] if parts[-1] else child_entries)
                if ended:
                    break
                attempt += 1
    finally:
        for fd in lifeline:
            os.close(fd)
        for s, handler in previous.items():
            signal.signal(s, handler)
    return _finish(parts, entries, state, state.signum is not None)


def recover(work: Path) -> dict:
    """The assembled JSON of a sweep whose parent died (SIGKILL, a full disk), from what its children left in work."""
    state, parts, entries, running = State(), [], [], None
    attempts = sorted(int(p.stem.removeprefix("events-")) for p in work.glob("events-*.jsonl"))
    for attempt in attempts:
        child_entries = []
        for event in Events(work / f"events-{attempt}.jsonl").read():
            state.apply(event, child_entries)
        running, state.current = state.current, None  # why it ended, the parent alone knew
        if running and attempt == attempts[-1]:
            state.fail(running, CAUSE_STOPPED, "the sweep's own process died during the case")
        elif running:
            state.fail(running, CAUSE_CRASH, "the pytest process died during the case (cause not recorded)")
        parts.append(_read_part(work / f"part-{attempt}.json"))
        entries.extend(parts[-1]["benchmarks"] if parts[-1] else child_entries)
    complete = state.total is not None and not running and len(state.done) >= state.total
    return _finish(parts, entries, state, not complete).output


def _finish(parts: list[dict | None], entries: list[dict], state: State, interrupted: bool) -> Sweep:
    """The sweep's result from the children's JSON and entries and the parent's state."""
    # A case that failed or was stopped keeps no timing (its rounds may be partial).
    failed = {f.case for f in state.failures}
    kept = [e for e in entries if e.get("fullname") not in failed]
    return Sweep(assemble([state.sent, *parts], kept, state.failures, interrupted), state.failures, state.signum)


def _read_part(path: Path) -> dict | None:
    """A child's own JSON; None when it wrote none or only part of one (a full disk): its events have the entries."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def pytest_configure(config):
    """In the sweep's child (loaded with `-p reports.sweep`): die, with all it started, when the parent dies."""
    fd = os.environ.pop(LIFELINE_ENV, None)  # popped: the child's own children are no sweep children
    if fd is not None:
        threading.Thread(target=_die_with_parent, args=(int(fd),), name="sweep-lifeline", daemon=True).start()


def _die_with_parent(fd: int) -> None:
    """Kill this process group (pytest, Dask workers, any subprocess) once the parent is gone, whatever killed it.

    The parent holds the pipe's only write end and never writes: read() blocks, costing nothing while
    cases are timed, until the kernel closes that end as the parent dies. Not PR_SET_PDEATHSIG:
    Linux-only, it fires when the forking *thread* ends, needs a preexec_fn (unsafe beside the
    progress bar's thread), and SIGKILL as the death signal would end pytest alone, leaving its
    children running. Nor polling getppid(): a wake-up per poll while cases are timed. The kill
    needs the GIL, so a kernel that holds it delays the kill until its call returns.
    """
    while os.read(fd, 1):
        pass
    os.killpg(0, signal.SIGKILL)


def quiet_lost_terminal() -> None:
    """Point stdout and stderr at /dev/null where they are a terminal that hung up (each write fails there: EIO)."""
    for fd in (1, 2):
        try:
            os.write(fd, b"")  # zero bytes: nothing shows on a live terminal, pipe or file
        except OSError:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)


def _supervise(child: subprocess.Popen, events: Events, state: State, bar,
               timeout_s: float | None) -> tuple[bool, list]:
    """One child from start to exit; returns (whether the sweep is over, entries read from its events).

    timeout_s: every case's timeout; None: each case's own (State.timeout_s).
    """
    entries, killed_for = [], None
    try:
        while (rc := _exit_status(child)) is None:
            for event in events.read():
                state.apply(event, entries)
            if state.signum is not None:
                rc = _stop(child)
                break
            if state.current and killed_for is None and \
                    time.monotonic() - state.started > state.timeout_s(state.current, timeout_s):
                killed_for = state.current
                _kill_group(child)
            _show(bar, state, timeout_s)
            time.sleep(POLL_S)
    finally:
        _kill_group(child)  # whatever the child started and left behind (Dask workers, say)
        child.wait()
    for event in events.read():
        state.apply(event, entries)
    _show(bar, state, timeout_s)
    if state.current is None:
        return True, entries  # pytest ended between cases: in order, or failing outside any case
    case, state.current = state.current, None
    if state.signum is not None:
        state.fail(case, CAUSE_STOPPED, f"stopped by {signal.Signals(state.signum).name}")
        return True, entries
    if killed_for == case:
        state.fail(case, CAUSE_TIMEOUT, _timed_out(state, case, timeout_s))
    else:
        state.fail(case, *_death_cause(rc))
    return False, entries


def _timed_out(state: State, case: str, override: float | None) -> str:
    """Why a case was killed: its timeout, and the estimate a derived one came from."""
    message = f"ran past the per-case timeout of {state.timeout_s(case, override):g} s and was killed"
    expected = state.expected.get(case)
    return message if override or expected is None else f"{message} (expected to take {expected:.2g} s)"


def _death_cause(rc: int) -> tuple[str, str]:
    """Cause and message for a child that died during a case, from its return code."""
    if rc >= 0:
        return CAUSE_CRASH, f"the pytest process exited with code {rc} in the middle of the case"
    name = signal.Signals(-rc).name
    if -rc == signal.SIGKILL:  # not sent by the sweep: the kernel's out-of-memory killer sends it
        return CAUSE_MEMORY, f"the pytest process was killed by {name} (most likely out of memory)"
    return CAUSE_CRASH, f"the pytest process died of {name} ({signal.strsignal(-rc)})"


def _exit_status(child: subprocess.Popen) -> int | None:
    """The child's return code once it exited, without reaping it (its process group id stays reserved)."""
    info = os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    if info is None:
        return None
    return -info.si_status if info.si_code in (os.CLD_KILLED, os.CLD_DUMPED) else info.si_status


def _kill_group(child: subprocess.Popen) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _stop(child: subprocess.Popen) -> int | None:
    """SIGINT to the child's group, so pytest ends in order and writes its JSON; the caller kills it after GRACE_S."""
    try:
        os.killpg(child.pid, signal.SIGINT)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + GRACE_S
    while (rc := _exit_status(child)) is None and time.monotonic() < deadline:
        time.sleep(POLL_S)
    return rc


def assemble(parts: list[dict | None], entries: list[dict], failures: list[Failure], interrupted: bool) -> dict:
    """One pytest-benchmark JSON from the children's: their entries, one machine_info, the merged run record.

    The run record keeps the format version its children wrote (they ran this checkout's benchmarks).
    """
    written = [p for p in parts if p]
    # Each from the first part that has it: what the children sent as events (State.sent) has no commit_info.
    first = {key: next((p[key] for p in written if p.get(key)), None) for key in ("machine_info", "commit_info")}
    record: dict = {}
    for part in written:
        _merge(record, part.get(SUITE_KEY) or {})
    record.update({FAILED: [to_json(f) for f in failures], INTERRUPTED: interrupted})
    return {"machine_info": first["machine_info"] or {}, "commit_info": first["commit_info"] or {},
            "benchmarks": entries, "datetime": datetime.now(UTC).isoformat(),
            "version": next((p["version"] for p in written if p.get("version")), None) or _pytest_benchmark_version(),
            SUITE_KEY: record}


def write_json(output: dict, path: Path) -> None:
    """The assembled JSON, written as pytest-benchmark writes its own: whole, or not at all (a full disk)."""
    from pytest_benchmark.utils import safe_dumps

    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(safe_dumps(output, ensure_ascii=True, indent=4), encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _merge(into: dict, more: dict) -> None:
    """Run records of several children: lists joined without repeats, dicts merged, other values: the last."""
    for key, value in more.items():
        if isinstance(value, list) and isinstance(into.get(key), list):
            into[key] = into[key] + [v for v in value if v not in into[key]]  # a new list: parts stay as they were
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key] = {**into[key], **value}
        else:
            into[key] = value


def _pytest_benchmark_version() -> str:
    from importlib.metadata import version

    return version("pytest-benchmark")


def _progress_bar():
    from tqdm import tqdm

    # Without tqdm's time left: a rate over cases of very different lengths swings from minutes to hours.
    return tqdm(desc="benchmark cases", unit="case", file=sys.stderr, mininterval=0.5, dynamic_ncols=True,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]")


def _show(bar, state: State, timeout_s: float | None) -> None:
    """Cases done / total, time left by the estimates, failures, the current case (when slow: time to its timeout)."""
    left = state.left_s()
    if bar.total is None and state.total is not None and left is not None:  # the first child has collected
        expected = sum(state.expected.values())
        budget = state.sent[SUITE_KEY].get(GRID, {}).get(GRID_RUN_BUDGET_S)
        within = f"; this profile's budget: {_duration(budget)}" if budget else ""
        bar.write(f"{state.total} cases, expected to take about {_duration(expected)} (the sum of each case's "
                  f"estimate{within})", file=bar.fp)
    bar.total = state.total
    shown = [f"failed={len(state.failures)}"]
    if left is not None:
        shown.append(f"about {_duration(left)} left")
    if state.total is None:
        shown.append("starting pytest")
    if state.current:
        shown.append(_running(state, timeout_s))
    bar.set_postfix_str(", ".join(shown), refresh=False)
    bar.update(len(state.done) - bar.n)


def _running(state: State, timeout_s: float | None) -> str:
    """The current case's name; when slow, how long it has run and how long until its timeout kills it."""
    seconds = time.monotonic() - state.started
    shown = state.current.rsplit("::", 1)[-1]
    if state.compiling:
        return f"{shown} (compiling {state.compiling}, {seconds:.0f} s)"
    if seconds > SLOW_S:
        left = max(state.timeout_s(state.current, timeout_s) - seconds, 0.0)
        return f"{shown} (running {seconds:.0f} s, killed in {left:.0f} s)"
    return shown


def _duration(seconds: float) -> str:
    """A length for people: 40 s, 2.5 min, 1.2 h."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min" if seconds < 90 * 60 else f"{seconds / 3600:.1f} h"
