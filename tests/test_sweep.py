"""The sweep survives crashed, hung and interrupted cases; `--out` and the profile fail with one clear line."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reports import cli, sweep
from reports.contract.checked import ReportInputError
from reports.contract.records import Failure, to_json
from reports.contract.schema import (
    CAUSE_CRASH,
    CAUSE_ERROR,
    CAUSE_MEMORY,
    CAUSE_STOPPED,
    CAUSE_TIMEOUT,
    FAILED,
    FORMAT_VERSION,
    FORMAT_VERSION_KEY,
    INTERRUPTED,
    PROFILE,
    PROFILE_ENV,
    SUITE_KEY,
)
from reports.load import load

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
FAULTY = DATA / "faulty_benchmarks.py"
PYTEST_JSON = DATA / "pytest-benchmark.json"
FAULTY_ID = "tests/data/faulty_benchmarks.py::"


def sweep_faulty(tmp_path: Path, keyword: str, case_timeout_s: float | None = sweep.CASE_TIMEOUT_S,
                 extra: tuple[str, ...] = ()) -> sweep.Sweep:
    """reports.sweep over the chosen cases of faulty_benchmarks.py, short timing budgets, extra pytest args."""
    work = tmp_path / "work"
    work.mkdir()
    # --noconftest: tests/conftest.py imports every implementation (torch, JAX: seconds per child).
    args = [str(FAULTY), "--noconftest", "--benchmark-only", "-p", "no:cacheprovider", "-q", "-k", keyword,
            "--benchmark-max-time=0.01", "--benchmark-min-rounds=2", *extra]
    return sweep.run(work, args, dict(os.environ), tmp_path / "pytest.log", case_timeout_s, cwd=ROOT)


def causes(result: sweep.Sweep) -> dict[str, tuple[str, str]]:
    """Failed case name -> (cause, message)."""
    return {f.case.removeprefix(FAULTY_ID): (f.cause, f.message) for f in result.failures}


def timed(result: sweep.Sweep) -> list[str]:
    """Names of the cases whose timing the assembled JSON keeps."""
    return [entry["name"] for entry in result.output["benchmarks"]]


def test_cases_that_kill_the_process_are_recorded_and_the_rest_kept(tmp_path):
    """Segfault, os._exit, SIGKILL and an exception: each named with its cause; the cases around them are timed."""
    result = sweep_faulty(tmp_path, "first or raises or segfault or exits or killed or last")
    assert timed(result) == ["test_first", "test_last"]
    found = causes(result)
    assert found["test_raises"][0] == CAUSE_ERROR and "ZeroDivisionError" in found["test_raises"][1]
    assert found["test_segfault"] == (CAUSE_CRASH, "the pytest process died of SIGSEGV (Segmentation fault)")
    assert found["test_exits"] == (CAUSE_CRASH, "the pytest process exited with code 3 in the middle of the case")
    assert found["test_killed"] == (CAUSE_MEMORY,
                                    "the pytest process was killed by SIGKILL (most likely out of memory)")
    record = result.output[SUITE_KEY]
    assert record[FAILED] == [to_json(f) for f in result.failures]
    assert record[INTERRUPTED] is False and result.signum is None
    # The last child ended in order: its machine_info is in the assembled file.
    assert result.output["machine_info"]["python_version"] == sys.version.split()[0]


@pytest.mark.parametrize("version", [FORMAT_VERSION, FORMAT_VERSION + 1])
def test_the_assembled_run_record_keeps_the_format_version_its_children_wrote(tmp_path, version):
    """The merged run record states the children's format version (not the sweep's), with the failures as records."""
    failure = Failure("bench::x", CAUSE_CRASH, "signal 11")
    sent = {"machine_info": {}, SUITE_KEY: {PROFILE: "quick"}}
    output = sweep.assemble([sent, {SUITE_KEY: {FORMAT_VERSION_KEY: version}}, None], [], [failure], False)
    assert output[SUITE_KEY][FORMAT_VERSION_KEY] == version
    sweep.write_json(output, path := tmp_path / "results.json")
    if version > FORMAT_VERSION:
        with pytest.raises(ReportInputError, match=f"format {version}, this reader reads up to {FORMAT_VERSION}"):
            load([path])
    else:
        (series,) = load([path]).series.values()
        assert series.run.failed == [failure] and series.run.profile == "quick"


def test_a_hanging_case_is_killed_at_the_timeout_and_the_sweep_goes_on(tmp_path):
    """A case sleeping past a 3 s per-case timeout is recorded as timed out; the next case still runs."""
    start = time.monotonic()
    result = sweep_faulty(tmp_path, "first or hangs or last", case_timeout_s=3)
    assert time.monotonic() - start < 120
    assert timed(result) == ["test_first", "test_last"]
    assert causes(result) == {"test_hangs": (CAUSE_TIMEOUT, "ran past the per-case timeout of 3 s and was killed")}


def test_assembled_json_is_read_by_pytest_benchmark(tmp_path):
    """One standard pytest-benchmark file, machine_info included though the last case crashed; `compare` reads it."""
    result = sweep_faulty(tmp_path, "first or segfault")
    path = tmp_path / "assembled.json"
    sweep.write_json(result.output, path)
    compare = subprocess.run([sys.executable, "-m", "pytest_benchmark", "compare", str(path)],
                             capture_output=True, text=True, timeout=120)
    assert compare.returncode == 0, compare.stderr
    assert "test_first" in compare.stdout
    data = json.loads(path.read_text())
    assert set(data) >= {"machine_info", "commit_info", "benchmarks", "datetime", "version", SUITE_KEY}
    # Written by the restarted child that had no case left to run (pytest-benchmark itself writes nothing then).
    assert data["machine_info"]["python_version"] == sys.version.split()[0] and data["commit_info"]


def test_progress_names_the_implementation_being_compiled(tmp_path, capsys):
    """A {"compiling": name} event shows on the progress line while the case runs."""
    result = sweep_faulty(tmp_path, "compiles")
    assert timed(result) == ["test_compiles"]
    err = capsys.readouterr().err
    assert "test_compiles (compiling numba" in err and "1/1" in err


def own_processes(marker: str) -> list[str]:
    """Command lines of live processes that mention marker (a test's own temporary path)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and proc.name != str(os.getpid()):
            found.append(cmdline)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_the_sweep_keeps_what_finished_and_draws_it(tmp_path, signum):
    """SIGINT/SIGTERM mid-case: exit 130/143 within seconds, no traceback, no pytest left, partial JSON and report."""
    out = tmp_path / "runs"
    command = [sys.executable, "-m", "reports", "run", "--out", str(out), "--", "-k",
               "numpy-n10-m100-lecture-float64-t1 or hangs", str(FAULTY), "--benchmark-max-time=0.01"]
    parent = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 240
        while not any('"start": "' + FAULTY_ID + 'test_hangs"' in p.read_text()
                      for p in out.glob(".partial-*/.sweep/events-*.jsonl")):
            assert parent.poll() is None and time.monotonic() < deadline, "the hanging case never started"
            time.sleep(0.2)
        parent.send_signal(signum)
        stopped = time.monotonic()
        stdout, stderr = parent.communicate(timeout=120)
    finally:
        parent.kill()
    assert parent.returncode == {signal.SIGINT: 130, signal.SIGTERM: 143}[signum]
    assert time.monotonic() - stopped < 60  # GRACE_S for the child, then drawing the partial report
    assert "Traceback" not in stderr and f"interrupted by {signal.Signals(signum).name}" in stderr
    assert own_processes(str(tmp_path)) == []
    run = (out / "latest").resolve()
    data = json.loads((run / "pytest-benchmark.json").read_text())
    assert [e["name"] for e in data["benchmarks"]] == ["test_gradients[numpy-n10-m100-lecture-float64-t1]"]
    assert data[SUITE_KEY][INTERRUPTED] is True
    assert data[SUITE_KEY][FAILED] == [{"case": FAULTY_ID + "test_hangs", "cause": CAUSE_STOPPED,
                                        "message": f"stopped by {signal.Signals(signum).name}"}]
    assert (run / "report.md").exists() and not list(out.glob(".partial-*"))


def test_a_bad_profile_is_named_before_anything_runs(tmp_path, monkeypatch, capsys):
    """LOGREG_BENCH_PROFILE=bogus: exit 2, one line naming the value and the choices, no run folder."""
    monkeypatch.setenv(PROFILE_ENV, "bogus")
    assert cli.main(["run", "--out", str(tmp_path / "runs")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {PROFILE_ENV}='bogus' is not a profile; choose one of: quick, full"
    assert not (tmp_path / "runs").exists()


def test_run_outside_a_clone_says_so(tmp_path, monkeypatch, capsys):
    """Installed without benchmarks/ (pip install .): `run` exits 2 and says the sweep needs a clone."""
    monkeypatch.setattr(cli, "ROOT", tmp_path / "site-packages")
    assert cli.main(["run", "--out", str(tmp_path / "runs")]) == 2
    assert "the sweep needs a clone of the project" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_default_output_is_under_the_working_directory(tmp_path, monkeypatch, capsys):
    """`draw` without --out writes reports/runs/ under the current folder, wherever the package lives."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(["draw", str(PYTEST_JSON)]) == 0
    assert (tmp_path / "reports" / "runs" / "latest" / "report.md").exists()


def test_a_users_own_latest_is_never_replaced(tmp_path, capsys):
    """A file, or a link the suite did not make, named `latest` stays as it was; the run is still written."""
    out = tmp_path / "runs"
    out.mkdir()
    (out / "latest").write_text("my notes")
    assert cli.main(["draw", str(PYTEST_JSON), "--out", str(out)]) == 0
    assert (out / "latest").read_text() == "my notes"
    assert "is not a link this suite made" in capsys.readouterr().err
    assert len(list(out.glob("2*/report.md"))) == 1
    for own in (str(tmp_path), "notes.txt"):  # the user's own links: absolute, or to something not a run
        (out / "latest").unlink()
        (out / "latest").symlink_to(own)
        assert cli.main(["draw", str(PYTEST_JSON), "--out", str(out)]) == 0
        assert os.readlink(out / "latest") == own


@pytest.mark.parametrize("where", ["file", "read-only"])
def test_an_unwritable_out_is_one_line_and_exit_2(tmp_path, capsys, where):
    """--out a plain file, or on a read-only filesystem (/proc): exit 2 with one line, no traceback."""
    out = tmp_path / "a-file" if where == "file" else Path("/proc/self/runs")
    if where == "file":
        out.write_text("not a folder")
    assert cli.main(["draw", str(PYTEST_JSON), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: cannot write into --out {out}: ") and "\n" not in err


def test_a_read_only_out_folder_is_one_line_and_exit_2(tmp_path, capsys):
    """A folder without write permission (checked as a normal user: root writes anyway)."""
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        if os.access(out, os.W_OK):
            pytest.skip("running as root: permissions do not stop writes (the /proc case covers read-only)")
        assert cli.main(["draw", str(PYTEST_JSON), "--out", str(out)]) == 2
        assert capsys.readouterr().err.startswith(f"error: cannot write into --out {out}: Permission denied")
    finally:
        out.chmod(0o700)


def test_a_failed_draw_leaves_no_run_folder(tmp_path, monkeypatch, capsys):
    """Drawing fails half-way: nothing named like a run (nor a staging folder) is left in --out."""
    def broken(results, run_dir, baseline, failures, estimates=None):
        (run_dir / "half-written.png").write_bytes(b"")
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(cli, "write_report", broken)
    out = tmp_path / "runs"
    assert cli.main(["draw", str(PYTEST_JSON), "--out", str(out)]) == 1
    assert list(out.iterdir()) == [] and capsys.readouterr().err.strip() == "error: drawing failed"


def test_a_relative_work_folder_works_whatever_the_childs_folder(tmp_path, monkeypatch):
    """The child runs in the clone; events and JSON named relative to the caller's folder still reach the parent."""
    monkeypatch.chdir(tmp_path)
    Path("work").mkdir()
    args = [str(FAULTY), "--noconftest", "--benchmark-only", "-p", "no:cacheprovider", "-q", "-k", "first",
            "--benchmark-max-time=0.01"]
    result = sweep.run(Path("work"), args, dict(os.environ), Path("pytest.log"), cwd=ROOT)
    assert timed(result) == ["test_first"] and result.failures == []


DRIVER = """
import json, os, signal, sys
from pathlib import Path
from reports import sweep
from reports.contract.records import to_json

# As `nohup` starts a command, or as a terminal does: the default, even where the test run itself ignores SIGHUP.
signal.signal(signal.SIGHUP, signal.SIG_IGN if sys.argv[1] == "nohup" else signal.SIG_DFL)
work = Path(sys.argv[2])
result = sweep.run(work, sys.argv[3:], dict(os.environ), work / "pytest.log")
print(json.dumps({"signum": result.signum, "timed": [e["name"] for e in result.output["benchmarks"]],
                  "failures": [to_json(f) for f in result.failures]}))
"""

GRANDCHILD = """
import subprocess, sys, time

def test_spawns_and_hangs(benchmark):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", __file__])
    time.sleep(3600)
"""


def start_driver(tmp_path: Path, mode: str, *pytest_args: str) -> subprocess.Popen:
    """A process running sweep.run over pytest_args (mode "nohup": ignoring SIGHUP), printing what it returned."""
    work = tmp_path / "work"
    work.mkdir()
    args = ["--noconftest", "--benchmark-only", "-p", "no:cacheprovider", "-q", "--benchmark-max-time=0.01",
            *pytest_args]
    return subprocess.Popen([sys.executable, "-c", DRIVER, mode, str(work), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def wait_for(tmp_path: Path, text: str, driver: subprocess.Popen) -> None:
    """Until the child's events hold text (the driver must still run)."""
    deadline = time.monotonic() + 120
    while not any(text in p.read_text() for p in (tmp_path / "work").glob("events-*.jsonl")):
        assert driver.poll() is None and time.monotonic() < deadline, f"never saw {text}"
        time.sleep(0.1)


def test_a_killed_sweep_takes_its_child_and_grandchildren_with_it(tmp_path):
    """SIGKILL of the sweep's process mid-case: within seconds, neither pytest nor a process it started is left."""
    bench = tmp_path / "spawning_benchmarks.py"
    bench.write_text(GRANDCHILD)
    driver = start_driver(tmp_path, "", str(bench))
    try:
        wait_for(tmp_path, "test_spawns_and_hangs", driver)
        deadline = time.monotonic() + 30
        while not any(c.startswith(sys.executable + " -c import time") for c in own_processes(str(bench))):
            assert time.monotonic() < deadline, "the grandchild never started"
            time.sleep(0.1)
        driver.kill()
        driver.communicate()
        deadline = time.monotonic() + 10
        while own_processes(str(tmp_path)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert own_processes(str(tmp_path)) == []
    finally:
        if driver.returncode is None:
            driver.kill()
            driver.communicate()


@pytest.mark.parametrize("mode", ["", "nohup"])
def test_sighup_stops_the_sweep_like_sigterm_unless_ignored(tmp_path, mode):
    """SIGHUP (the terminal closed) mid-case: the sweep stops, keeping what finished; under nohup it runs on."""
    driver = start_driver(tmp_path, mode, str(FAULTY), "-k", "first or compiles")
    wait_for(tmp_path, '"compiling"', driver)
    driver.send_signal(signal.SIGHUP)
    stdout, _ = driver.communicate(timeout=60)
    result = json.loads(stdout)
    if mode == "nohup":
        assert result == {"signum": None, "timed": ["test_first", "test_compiles"], "failures": []}
    else:
        assert result == {"signum": signal.SIGHUP, "timed": ["test_first"], "failures": [
            {"case": FAULTY_ID + "test_compiles", "cause": CAUSE_STOPPED, "message": "stopped by SIGHUP"}]}
