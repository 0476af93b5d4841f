"""`python -m reports` from any folder, after a full disk, a killed run or a closed terminal: one line, nothing lost."""

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import matplotlib.figure
import pytest

from reports import cli, sweep
from reports.contract.schema import CAUSE_STOPPED, FAILED, INTERRUPTED, RESULTS_FILE, SUITE_KEY
from tests.test_sweep import FAULTY, FAULTY_ID, PYTEST_JSON, ROOT, own_processes

SMALL = json.loads(PYTEST_JSON.read_text())
ENTRIES = SMALL["benchmarks"] = SMALL["benchmarks"][:2]  # two cases draw in a second (all 39: five)
NO_SPACE = os.strerror(errno.ENOSPC)
TINY_RUN = ["--", "-k", "numpy-n10-m100-lecture-float64-t1", "--benchmark-max-time=0.01"]


@pytest.fixture
def results(tmp_path) -> Path:
    """A small pytest-benchmark JSON of this suite."""
    path = tmp_path / "results.json"
    path.write_text(json.dumps(SMALL))
    return path


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, NO_SPACE)


def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def events(*entries_then_running: dict | str) -> str:
    """An events file as a sweep's child writes it: each entry a finished case; a str, the case that was running."""
    lines = [{"total": len(entries_then_running)}]
    for item in entries_then_running:
        if isinstance(item, str):
            lines.append({"start": item})
        else:
            lines += [{"start": item["fullname"]}, {"benchmark": item}, {"done": item["fullname"], "outcome": "passed"}]
    return "".join(json.dumps(line) + "\n" for line in lines)


def visible_runs(out: Path) -> list[Path]:
    """The run folders in out that hold results."""
    return sorted(p for p in out.iterdir() if (p / RESULTS_FILE).is_file() and not p.name.startswith("."))


def last_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert "Traceback" not in err and lines
    return lines[-1]


def test_draw_reads_a_run_folder(tmp_path, results, capsys):
    """`draw RUN_FOLDER` draws the results JSON the folder holds, as `compare` does; a folder without one: one line."""
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(results, run / RESULTS_FILE)
    assert cli.main(["draw", str(run), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "latest" / "report.md").is_file()
    capsys.readouterr()
    assert cli.main(["draw", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}: a folder without {RESULTS_FILE} (not a report run folder)\n"


def test_a_dead_runs_staging_folder_is_published_by_the_next_command(tmp_path, results, capsys):
    """A run killed mid-sweep left events only: the next command publishes them as <time>-interrupted and says how
    to draw them; `draw` then reads that folder. A dead draw's leftovers go; a live process's folder stays."""
    out = tmp_path / "runs"
    killed = out / f".partial-{dead_pid()}-0badcafe"
    (killed / ".sweep").mkdir(parents=True)
    (killed / "pytest.log").write_text("pytest's output\n")
    running = FAULTY_ID + "test_hangs"
    (killed / ".sweep" / "events-0.jsonl").write_text(events(ENTRIES[0], ENTRIES[1], running))
    half_drawn = out / f".partial-{dead_pid()}-00000001"
    half_drawn.mkdir()
    (half_drawn / "speedup.png").write_bytes(b"")
    live = out / f".partial-{os.getppid()}-00000002"
    live.mkdir()
    assert cli.main(["draw", str(results), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    [recovered] = [p for p in out.iterdir() if p.name.endswith(cli.INTERRUPTED_SUFFIX)]
    assert f"note: an interrupted run's finished cases are in {recovered}; draw them with: " \
           f"python -m reports draw {recovered}\n" in err
    data = json.loads((recovered / RESULTS_FILE).read_text())
    assert [e["fullname"] for e in data["benchmarks"]] == [ENTRIES[0]["fullname"], ENTRIES[1]["fullname"]]
    assert data[SUITE_KEY][INTERRUPTED] is True
    assert data[SUITE_KEY][FAILED] == [{"case": running, "cause": CAUSE_STOPPED,
                                        "message": "the sweep's own process died during the case"}]
    assert sorted(p.name for p in recovered.iterdir()) == ["pytest-benchmark.json", "pytest.log"]
    assert sorted(p.name for p in out.glob(".partial-*")) == [live.name]
    assert cli.main(["draw", str(recovered), "--out", str(tmp_path / "drawn")]) == 0
    assert "INTERRUPTED" in capsys.readouterr().out


def fake_sweep(monkeypatch) -> None:
    """`run` without pytest: the child's events and pytest.log appear in the run's folder, sweep.run returns them."""
    def run(work, args, env, log, case_timeout_s, *, cwd):
        log.write_text("pytest's output\n")
        (work / "events-0.jsonl").write_text(events(*ENTRIES))
        return sweep.Sweep(SMALL, [], None)

    monkeypatch.setattr(sweep, "run", run)


def fail_writing(monkeypatch, where: str) -> None:
    """ENOSPC at one write of a run: its results JSON, a figure, report.md, summary.json, or the folder's name."""
    if where == "figure":
        def savefig(self, path, *args, **kwargs):
            Path(path).write_bytes(b"")
            full_disk()

        monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    elif where == "name":
        monkeypatch.setattr(os, "rename", full_disk)
    else:
        write_text = Path.write_text

        def failing(self, *args, **kwargs):
            if where in self.name:
                write_text(self, "{")  # what a full disk leaves: the start of the file
                full_disk()
            return write_text(self, *args, **kwargs)

        monkeypatch.setattr(Path, "write_text", failing)


@pytest.mark.parametrize("where", [RESULTS_FILE, "figure", "report.md", "summary.json", "name"])
def test_a_full_disk_is_one_line_and_exit_2_and_keeps_the_results(tmp_path, results, monkeypatch, capsys, where):
    """ENOSPC at any write of `run`: exit 2, one line naming where the results are, and no case lost: they are in a
    run folder without a half-drawn report, or (results not written, no name given) the next command publishes them."""
    fake_sweep(monkeypatch)
    fail_writing(monkeypatch, where)
    out = tmp_path / "runs"
    assert cli.main(["run", "--out", str(out)]) == 2
    line = last_line(capsys.readouterr().err)
    assert line.startswith(f"error: cannot write into --out {out}: {NO_SPACE}; ")
    if where in (RESULTS_FILE, "name"):
        [staging] = out.glob(".partial-*")
        assert line.endswith(f"the finished cases are kept in {staging}: the next run or draw into {out} "
                             "publishes them")
    else:
        [run] = visible_runs(out)
        assert line.endswith(f"; results kept in {run} (no report drawn)")
        assert sorted(p.name for p in run.iterdir()) == ["pytest-benchmark.json", "pytest.log"]
    monkeypatch.undo()
    assert cli.main(["draw", str(results), "--out", str(out)]) == 0
    [run] = visible_runs(out)
    data = json.loads((run / RESULTS_FILE).read_text())
    assert data["benchmarks"] == ENTRIES and not data[SUITE_KEY].get(INTERRUPTED)  # every case had finished
    assert not list(out.glob(".*"))


@pytest.mark.parametrize("command", ["draw", "compare"])
def test_a_full_disk_while_drawing_or_comparing_is_one_line_and_leaves_nothing(tmp_path, results, monkeypatch,
                                                                                capsys, command):
    """draw or compare on a full disk: exit 2, one line, no half-written folder (their inputs are elsewhere)."""
    fail_writing(monkeypatch, "figure")
    out = tmp_path / "out"
    inputs = [str(results)] * (1 if command == "draw" else 2)
    assert cli.main([command, *inputs, "--out", str(out)]) == 2
    assert last_line(capsys.readouterr().err) == f"error: cannot write into --out {out}: {NO_SPACE}"
    assert list(out.iterdir()) == []


def test_no_room_for_the_latest_link_still_publishes_the_run(tmp_path, results, monkeypatch, capsys):
    """The `latest` symlink is a convenience: when it cannot be made, the run folder and its report still count."""
    monkeypatch.setattr(Path, "symlink_to", full_disk)
    out = tmp_path / "runs"
    assert cli.main(["draw", str(results), "--out", str(out)]) == 0
    [run] = out.iterdir()
    assert (run / "report.md").is_file() and capsys.readouterr().out.endswith(f"report: {run / 'report.md'}\n")


def python_m_reports(*args: str, cwd: Path, prefix: tuple[str, ...] = (), **kwargs) -> subprocess.Popen:
    """`python -m reports ARGS` in cwd (the project importable as it is from a clone's virtual environment)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([*prefix, sys.executable, "-m", "reports", *args], cwd=cwd, env=env, text=True, **kwargs)


# Makes the terminal on stdin its controlling terminal (as a shell gives a job one), then runs the command.
# A terminal's session leader: SIGHUP at its default even where the test run itself ignores it (under nohup).
WITH_TERMINAL = ("import fcntl, os, signal, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
                 "signal.signal(signal.SIGHUP, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])")


@pytest.mark.slow
def test_every_command_works_from_another_folder(tmp_path):
    """run, then draw and compare with relative paths, from a folder outside the clone: output lands under it."""
    def ok(*args):
        done = python_m_reports(*args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stdout, stderr = done.communicate(timeout=300)
        assert done.returncode == 0, stderr
        return stdout

    assert "report: reports/runs/" in ok("run", "--baseline", "numpy", *TINY_RUN)
    run = os.readlink(tmp_path / "reports" / "runs" / "latest")
    relative = f"reports/runs/{run}"
    assert (tmp_path / relative / RESULTS_FILE).is_file()
    assert "report: mine/" in ok("draw", relative, "--baseline", "numpy", "--out", "mine")
    assert "report: mine/" in ok("draw", f"{relative}/{RESULTS_FILE}", "--baseline", "numpy", "--out", "mine")
    assert "comparison: reports/runs/" in ok("compare", relative, f"{relative}/{RESULTS_FILE}")


def wait_for_start(out: Path, case: str, parent: subprocess.Popen, terminal: int | None = None) -> None:
    """Until the sweep's child has started case (the parent must still run), reading what it shows on terminal."""
    deadline = time.monotonic() + 240
    while not any(f'"start": "{case}"' in p.read_text() for p in out.glob(".partial-*/.sweep/events-*.jsonl")):
        assert parent.poll() is None and time.monotonic() < deadline, f"{case} never started"
        time.sleep(0.2)
        while terminal is not None and read_some(terminal):
            pass  # a full terminal would block the parent's next write


def wait_until_gone(marker: str, seconds: float) -> list[str]:
    """The processes that mention marker, after waiting up to seconds for none to be left."""
    deadline = time.monotonic() + seconds
    while (left := own_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.mark.slow
def test_a_killed_run_leaves_nothing_running_and_the_next_command_names_its_results(tmp_path, results, capsys):
    """SIGKILL of `python -m reports run` mid-case: its pytest child dies within seconds; the next `draw` publishes
    the finished case as an interrupted run and says how to draw it; that command works."""
    out = tmp_path / "runs"
    parent = python_m_reports("run", "--out", str(out), "--", "-k", f"{TINY_RUN[2]} or hangs", str(FAULTY),
                              "--benchmark-max-time=0.01", cwd=tmp_path, stderr=subprocess.DEVNULL)
    try:
        wait_for_start(out, FAULTY_ID + "test_hangs", parent)
        parent.kill()
        parent.wait()
        assert wait_until_gone(str(tmp_path), 15) == []
    finally:
        parent.kill()
    assert cli.main(["draw", str(results), "--out", str(out)]) == 0  # any command into out
    [recovered] = out.glob(f"*{cli.INTERRUPTED_SUFFIX}")
    assert f"draw them with: python -m reports draw {recovered}\n" in capsys.readouterr().err
    data = json.loads((recovered / RESULTS_FILE).read_text())
    assert [e["name"] for e in data["benchmarks"]] == ["test_gradients[numpy-n10-m100-lecture-float64-t1]"]
    assert cli.main(["draw", str(recovered), "--out", str(out)]) == 0


def read_some(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except BlockingIOError:
        return b""


@pytest.mark.slow
def test_closing_the_terminal_stops_the_run_like_sigterm(tmp_path):
    """The terminal of `run` closes mid-case (SIGHUP, then every write to it fails): exit 129, no pytest left, the
    finished case drawn in a partial report."""
    out = tmp_path / "runs"
    controller, terminal = os.openpty()
    parent = python_m_reports("run", "--out", str(out), "--", "-k", f"{TINY_RUN[2]} or hangs", str(FAULTY),
                              "--benchmark-max-time=0.01", cwd=tmp_path, prefix=(sys.executable, "-c", WITH_TERMINAL),
                              stdin=terminal, stdout=terminal, stderr=terminal, start_new_session=True)
    os.close(terminal)
    os.set_blocking(controller, False)
    try:
        wait_for_start(out, FAULTY_ID + "test_hangs", parent, controller)
        os.close(controller)  # the terminal hangs up: the kernel sends SIGHUP to its session's leader
        assert parent.wait(timeout=120) == 129
    finally:
        parent.kill()
    assert wait_until_gone(str(tmp_path), 5) == []
    run = (out / "latest").resolve()
    data = json.loads((run / RESULTS_FILE).read_text())
    assert [e["name"] for e in data["benchmarks"]] == ["test_gradients[numpy-n10-m100-lecture-float64-t1]"]
    assert data[SUITE_KEY][FAILED][0]["message"] == "stopped by SIGHUP"
    assert (run / "report.md").is_file() and not list(out.glob(".partial-*"))
