"""The benchmark sweep: pytest-benchmark in a supervised child process that may crash, hang or be stopped.

pytest-benchmark writes its JSON only when pytest ends in order, so a segfault, an os._exit or the
kernel's out-of-memory killer in one case would lose every case before it. Here the child's plugin
(reports.progress) sends each finished case's pytest-benchmark entry as an event the moment the
case ends; this parent keeps them, kills the child's process group when a case runs past its
timeout, records a case that killed the child with its cause (signal, timeout, memory), and starts
pytest again without the cases already finished. At the end it assembles one standard
pytest-benchmark JSON (the entries of a child that ended in order come from its own JSON; those
of a child that died, from its events) with the run record under output_json["logreg"]: FAILED
cases with their cause, and INTERRUPTED when SIGINT or SIGTERM stopped the sweep.

The child runs in its own process group (a Ctrl-C in the terminal reaches only this parent, which
then stops the whole group, Dask workers included), so nothing outlives the sweep.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reports.progress import DESELECT_ENV
from reports.schema import (
    CAUSE_CRASH,
    CAUSE_ERROR,
    CAUSE_MEMORY,
    CAUSE_STOPPED,
    CAUSE_TIMEOUT,
    FAILED,
    INTERRUPTED,
    PROGRESS_ENV,
    SUITE_KEY,
)

CASE_TIMEOUT_S = 900.0  # the full profile's slowest case (data generated on Dask workers) takes ~1 min
GRACE_S = 5.0  # after SIGINT, the child may finish writing its JSON for this long before it is killed
SLOW_S = 10.0  # a case running longer than this is named as such on the progress line
POLL_S = 0.2


@dataclass
class Sweep:
    """What a sweep produced: the assembled JSON, failed cases, and the signal that stopped it (if any)."""

    output: dict
    failures: list[dict]
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
    failures: list[dict] = field(default_factory=list)
    current: str | None = None
    started: float = 0.0
    compiling: str | None = None
    signum: int | None = None  # SIGINT or SIGTERM, once one arrived

    def fail(self, case: str, cause: str, message: str) -> None:
        self.failures.append({"case": case, "cause": cause, "message": message})
        self.settled.add(case)
        self.done.add(case)

    def apply(self, event: dict, entries: list[dict]) -> None:
        """Fold one event into the state; a benchmark entry goes to entries."""
        if "total" in event and self.total is None:
            self.total = event["total"]
        elif "start" in event:
            self.current, self.started, self.compiling = event["start"], time.monotonic(), None
        elif "compiling" in event:
            self.compiling = event["compiling"]
        elif "benchmark" in event:
            entries.append(event["benchmark"])
        elif "failed" in event:
            self.failures.append({"case": event["failed"], "cause": CAUSE_ERROR,
                                  "message": f"{event['when']}: {event['message']}"})
        elif "done" in event:
            self.done.add(event["done"])
            if event.get("outcome") != "skipped":  # skipped cases run again, to record why they skip
                self.settled.add(event["done"])
            self.current = None


def run(work: Path, pytest_args: list[str], env: dict, log: Path, case_timeout_s: float = CASE_TIMEOUT_S, *,
        cwd: Path | None = None) -> Sweep:
    """Run pytest_args (after `python -m pytest`, in cwd) until every case finished, failed, or the sweep is stopped.

    work: a folder for the children's events and JSON. SIGINT and SIGTERM stop the sweep; what
    finished is kept and Sweep.signum says which signal came.
    """
    state, parts, entries = State(), [], []

    def on_signal(signum, frame):
        state.signum = state.signum or signum

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with _progress_bar() as bar, open(log, "w", encoding="utf-8") as log_file:
            attempt = 0
            while state.signum is None:
                part, events = work / f"part-{attempt}.json", Events(work / f"events-{attempt}.jsonl")
                deselect = work / f"deselect-{attempt}.json"
                deselect.write_text(json.dumps(sorted(state.settled)), encoding="utf-8")
                command = [sys.executable, "-m", "pytest", *pytest_args, f"--benchmark-json={part}",
                           "-p", "reports.progress"]
                child_env = {**env, PROGRESS_ENV: str(events.path), DESELECT_ENV: str(deselect)}
                child = subprocess.Popen(command, cwd=cwd, env=child_env, stdout=log_file, stderr=subprocess.STDOUT,
                                         start_new_session=True)  # its own process group: see the docstring
                ended, child_entries = _supervise(child, events, state, bar, case_timeout_s)
                parts.append(json.loads(part.read_text(encoding="utf-8")) if part.exists() else None)
                entries.extend(parts[-1]["benchmarks"] if parts[-1] else child_entries)
                if ended:
                    break
                attempt += 1
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    # A case that failed or was stopped keeps no timing (its rounds may be partial).
    failed = {f["case"] for f in state.failures}
    kept = [e for e in entries if e.get("fullname") not in failed]
    return Sweep(assemble(parts, kept, state.failures, state.signum is not None), state.failures, state.signum)


def _supervise(child: subprocess.Popen, events: Events, state: State, bar, timeout_s: float) -> tuple[bool, list]:
    """One child from start to exit; returns (whether the sweep is over, entries read from its events)."""
    entries, killed_for = [], None
    try:
        while (rc := _exit_status(child)) is None:
            for event in events.read():
                state.apply(event, entries)
            if state.signum is not None:
                rc = _stop(child)
                break
            if state.current and killed_for is None and time.monotonic() - state.started > timeout_s:
                killed_for = state.current
                _kill_group(child)
            _show(bar, state)
            time.sleep(POLL_S)
    finally:
        _kill_group(child)  # whatever the child started and left behind (Dask workers, say)
        child.wait()
    for event in events.read():
        state.apply(event, entries)
    _show(bar, state)
    if state.current is None:
        return True, entries  # pytest ended between cases: in order, or failing outside any case
    case, state.current = state.current, None
    if state.signum is not None:
        state.fail(case, CAUSE_STOPPED, f"stopped by {signal.Signals(state.signum).name}")
        return True, entries
    if killed_for == case:
        state.fail(case, CAUSE_TIMEOUT, f"ran past the per-case timeout of {timeout_s:g} s and was killed")
    else:
        state.fail(case, *_death_cause(rc))
    return False, entries


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


def assemble(parts: list[dict | None], entries: list[dict], failures: list[dict], interrupted: bool) -> dict:
    """One pytest-benchmark JSON from the children's: their entries, one machine_info, the merged run record."""
    written = [p for p in parts if p]
    first = written[0] if written else {}
    record: dict = {}
    for part in written:
        _merge(record, part.get(SUITE_KEY) or {})
    record.update({FAILED: failures, INTERRUPTED: interrupted})
    return {"machine_info": first.get("machine_info", {}), "commit_info": first.get("commit_info", {}),
            "benchmarks": entries, "datetime": datetime.now(UTC).isoformat(),
            "version": first.get("version") or _pytest_benchmark_version(), SUITE_KEY: record}


def write_json(output: dict, path: Path) -> None:
    """The assembled JSON, written as pytest-benchmark writes its own."""
    from pytest_benchmark.utils import safe_dumps

    path.write_text(safe_dumps(output, ensure_ascii=True, indent=4), encoding="utf-8")


def _merge(into: dict, more: dict) -> None:
    """Run records of several children: lists joined without repeats, dicts merged, other values: the last."""
    for key, value in more.items():
        if isinstance(value, list) and isinstance(into.get(key), list):
            into[key] += [v for v in value if v not in into[key]]
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            into[key] = {**into[key], **value}
        else:
            into[key] = value


def _pytest_benchmark_version() -> str:
    from importlib.metadata import version

    return version("pytest-benchmark")


def _progress_bar():
    from tqdm import tqdm

    return tqdm(desc="benchmark cases", unit="case", file=sys.stderr, mininterval=0.5, dynamic_ncols=True)


def _show(bar, state: State) -> None:
    """Cases done / total, failures, and the current case (named when slow, with what compiles)."""
    bar.total = state.total
    running = "" if state.total is not None else "starting pytest"
    if state.current:
        seconds = time.monotonic() - state.started
        running = state.current.rsplit("::", 1)[-1]
        if state.compiling:
            running += f" (compiling {state.compiling}, {seconds:.0f} s)"
        elif seconds > SLOW_S:
            running += f" (running {seconds:.0f} s)"
    bar.set_postfix_str(f"failed={len(state.failures)} {running}".strip(), refresh=False)
    bar.update(len(state.done) - bar.n)
