"""Command line: `python -m reports [run]` sweeps and draws; `python -m reports draw FILE…` only draws.

    python -m reports [run] [--profile quick|full] [--counts] [--baseline NAME] [--out DIR] [--case-timeout S]
                            [-- PYTEST_ARGS…]
    python -m reports draw FILE… [--asv DIR] [--baseline NAME] [--out DIR]
    python -m reports compare OLD NEW [--fail-above PCT] [--out DIR]
    python -m reports predict RUN IMPLEMENTATION N M [--layout L] [--dtype D] [--threads T] [--json]

The sweep runs in supervised pytest subprocesses (reports.sweep), so a crashing, hanging or
interrupted case cannot take the finished ones down with it. Output goes to a hidden folder inside
--out first and is renamed to its final name only when complete: a failed `draw` leaves nothing; a
`run` keeps its results whenever a case finished (drawing failed or stopped: the folder holds the
JSON and pytest.log without report.md). A run whose process died (SIGKILL, a crash) or could not
write its results (a full disk) leaves its staging folder; the next command into that --out
publishes the finished cases as <time>-interrupted and says how to draw them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

from reports import compare, costmodel, fmt, sweep
from reports.contract import schema
from reports.contract.checked import ReportInputError
from reports.contract.schema import (
    COUNTS_ENV,
    FAILED,
    PROFILE_ENV,
    PROFILE_NAMES,
    RESULTS_FILE,
    SUITE_KEY,
    profile_name,
)
from reports.load import check_baseline, default_baseline, load
from reports.render import write_report

ROOT = Path(__file__).resolve().parent.parent  # the project checkout: benchmarks/ lives here
RUNS = Path("reports", "runs")  # relative to the working directory, never inside an installed package
EXIT_CODE = {signal.SIGHUP: 129, signal.SIGINT: 130, signal.SIGTERM: 143}  # the shell's 128 + signal number
RUN_NAME = re.compile(r"\d{8}T\d{6}Z(-\d+)?")  # publish()'s folder names: what a `latest` of ours points at
STAGING = re.compile(r"\.partial-(\d+)-[0-9a-f]+")  # staging_dir()'s folder names, with the owner's process id
INTERRUPTED_SUFFIX = "-interrupted"  # a recovered run's folder: <time it stopped>-interrupted
UNDRAWN = {RESULTS_FILE, "pytest.log", ".sweep"}  # what a run folder without a report keeps


class UsageError(Exception):
    """A command line or environment that cannot work (message: one line saying why)."""


class Stopped(Exception):
    """SIGTERM or SIGHUP outside the sweep (the sweep handles its own); signum says which."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def parser() -> argparse.ArgumentParser:
    """Both subcommands; `run` is the default."""
    top = argparse.ArgumentParser(prog="python -m reports", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the benchmark sweep (pytest-benchmark), then draw the report")
    run.add_argument("--profile", choices=PROFILE_NAMES, help=f"grid profile (sets {PROFILE_ENV})")
    run.add_argument("--counts", action="store_true",
                     help="also count instructions and memory traffic per call under valgrind (a few minutes more)")
    run.add_argument("--case-timeout", type=seconds, default=sweep.CASE_TIMEOUT_S, metavar="S",
                     help="seconds one case may run before it is killed and recorded as timed out")
    top.epilog = sub.choices["run"].epilog = "Arguments after -- go to pytest, e.g. -- -k numpy"
    draw = sub.add_parser("draw", help="draw the report from existing result files")
    draw.add_argument("files", nargs="*", type=Path, metavar="FILE",
                      help="pytest-benchmark JSON files or report run folders")
    draw.add_argument("--asv", type=Path, metavar="DIR", help="asv results directory (e.g. .asv/results)")
    cmp = sub.add_parser("compare", help="new ÷ old time per case with 95%% intervals; exit 1 past --fail-above")
    cmp.add_argument("old", type=Path, metavar="OLD", help="results JSON or report run folder")
    cmp.add_argument("new", type=Path, metavar="NEW", help="results JSON or report run folder")
    cmp.add_argument("--fail-above", type=float, default=compare.FAIL_ABOVE_PCT, metavar="PCT",
                     help="exit 1 when a case is slower by more than PCT%% beyond its interval (default %(default)g)")
    pred = sub.add_parser("predict", help="predicted seconds per call at (N, M) from a run's fitted cost model")
    pred.add_argument("results", type=Path, metavar="RUN", help="results JSON or report run folder")
    pred.add_argument("implementation", metavar="IMPLEMENTATION")
    pred.add_argument("n", type=whole, metavar="N", help="features")
    pred.add_argument("m", type=whole, metavar="M", help="examples")
    pred.add_argument("--layout", choices=schema.LAYOUTS, default=schema.LECTURE)
    pred.add_argument("--dtype", default="float64")
    pred.add_argument("--threads", type=whole, default=1)
    pred.add_argument("--json", action="store_true", help="print the prediction as JSON")
    for p in (run, draw):
        p.add_argument("--baseline", help="implementation speedups are measured against (default: the run's baseline)")
    for p in (run, draw, cmp):
        p.add_argument("--out", type=Path, default=RUNS,
                       help="folder that receives a new run folder (default: reports/runs under the current folder)")
    return top


def seconds(text: str) -> float:
    """A positive, finite number of seconds (argparse turns the ValueError into a usage message)."""
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(text)
    return value


def whole(text: str) -> int:
    """A positive whole number (argparse turns the ValueError into a usage message)."""
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def run_predict(args) -> int:
    """Print the predicted time per call with its interval and the model's held-out error (or JSON)."""
    results = load([compare.results_file(args.results)])
    found = costmodel.predict(results, args.implementation, args.n, args.m, args.layout, args.dtype, args.threads)
    if args.json:
        print(json.dumps(found.as_dict(), indent=1, allow_nan=False))
        return 0
    print("\n".join(prediction_lines(found)))
    return 0


def prediction_lines(p: costmodel.Prediction) -> list[str]:
    """What `predict` prints: the time with its interval, the model and its held-out error, any extrapolation."""
    x, e = p.model, p.seconds
    extent = x.extent()
    lo, hi = (fmt.time(v) if v is not None else "…" for v in (e.lo, e.hi))
    held = costmodel.as_dict(x)[schema.MODEL_HELD_OUT]
    verdict = "within" if x.fits else "BEYOND"
    where = "inside the measured ranges" if held[schema.HELD_OUT_INSIDE] else "over all sizes"
    lines = [f"{x.variant.label} ({x.variant.layout}, {x.variant.dtype}, {fmt.threads(x.variant.threads)}) at "
             f"n = {p.n:,}, m = {p.m:,}: {fmt.time(e.median)} per call (95% interval {lo}–{hi})",
             f"model: {x.form.describe()}, fitted to {len(x.points)} sizes (n {extent['n'][0]:,}–{extent['n'][1]:,}, "
             f"m {extent['m'][0]:,}–{extent['m'][1]:,}); held-out error {where} median "
             f"{costmodel.beside_bound(held['median'])}, worst {held['worst']:.0%} "
             f"({verdict} the {costmodel.HELD_OUT_BOUND:.0%} bound)"]
    lines += [f"extrapolates: {axis} is {factor:.2g}× outside the fitted range" for axis, factor in p.outside.items()]
    edges = held[schema.HELD_OUT_EDGES]
    if p.outside and edges["sizes"]:
        lines += [f"held-out error at the ends of the fitted m ranges, predicted by extrapolating a grid step: median "
                  f"{edges['median']:.0%}, worst {edges['worst']:.0%} ({edges['sizes']} sizes)"]
    return lines


def check_profile(profile: str | None) -> str:
    """The profile the sweep will use; a bad $LOGREG_BENCH_PROFILE is a usage error before anything runs."""
    if profile:
        return profile
    try:
        return profile_name()
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def check_clone() -> None:
    """The sweep runs benchmarks/, which only a clone has (pip installs impls and reports only)."""
    if not (ROOT / "benchmarks" / "grid.py").is_file():
        raise UsageError(f"the sweep needs a clone of the project: benchmarks/ is not installed (looked in {ROOT}); "
                         "run it from a clone, or draw existing results with `python -m reports draw FILE`")


def cannot_write(out: Path, exc: OSError) -> str:
    """The one line for an --out that refuses a write."""
    return f"cannot write into --out {out}: {exc.strerror or exc}"


def staging_dir(out: Path) -> Path:
    """A new hidden folder inside out that the run is written to before it gets its name."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        recover_interrupted(out)
        path = out / f".partial-{os.getpid()}-{secrets.token_hex(4)}"
        path.mkdir()
        return path
    except OSError as exc:
        raise UsageError(cannot_write(out, exc)) from None


def recover_interrupted(out: Path) -> None:
    """Publish the finished cases that runs whose process is gone left in their staging folders in out."""
    for staging in sorted(out.glob(".partial-*")):
        found = STAGING.fullmatch(staging.name)
        if found and not _alive(int(found[1])):
            _recover(staging)


def _alive(pid: int) -> bool:
    """Whether a process other than this one has this id (no staging folder of this process is in use here)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    return True


def _recover(staging: Path) -> None:
    """A dead run's staging folder, published with its results JSON (from the sweep's events if need be).

    A folder without a finished case (a draw or compare that died half-way) is removed.
    """
    try:
        if not _finished(staging):
            shutil.rmtree(staging)
            return
        stopped = (staging / "pytest.log").stat().st_mtime  # the run's last output: about when it stopped
        if not (staging / RESULTS_FILE).exists():
            sweep.write_json(sweep.recover(staging / ".sweep"), staging / RESULTS_FILE)
        shutil.rmtree(staging / ".sweep", ignore_errors=True)
        _drop_drawing(staging)
        run_dir = publish(staging, stopped, INTERRUPTED_SUFFIX)
    except (OSError, ValueError) as exc:
        print(f"note: {staging} holds an interrupted run's finished cases; not published: {exc}", file=sys.stderr)
        return
    print(f"note: an interrupted run's finished cases are in {run_dir}; draw them with: "
          f"python -m reports draw {run_dir}", file=sys.stderr)


def _finished(staging: Path) -> bool:
    """Whether a run's staging folder holds a finished case: in its results JSON, or in the sweep's events."""
    if (staging / RESULTS_FILE).exists():
        return True
    try:
        output = sweep.recover(staging / ".sweep")
    except (OSError, ValueError):
        return True  # unreadable here: kept for a person to look at, never deleted
    return bool(output["benchmarks"] or output[SUITE_KEY][FAILED])


def publish(staging: Path, when: float | None = None, suffix: str = "") -> Path:
    """Rename a finished staging folder to a new name from the UTC time (now, or when); never onto an existing run."""
    stamp = (datetime.fromtimestamp(when, UTC) if when else datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ") + suffix
    for i in range(1000):
        path = staging.parent / (stamp if i == 0 else f"{stamp}-{i}")
        try:
            path.mkdir()  # reserve the name; rename() then replaces only this empty folder of ours
        except FileExistsError:
            continue
        try:
            os.rename(staging, path)
        except OSError:
            path.rmdir()  # no empty folder named like a run
            raise
        return path
    raise FileExistsError(f"no free run folder name under {staging.parent}")


def point_latest(run_dir: Path) -> None:
    """Make <parent>/latest a relative symlink to run_dir, replacing only a link this suite made."""
    link, tmp = run_dir.parent / "latest", run_dir.parent / f".latest-{os.getpid()}"
    if link.is_symlink() and not RUN_NAME.fullmatch(os.readlink(link)) or link.exists() and not link.is_symlink():
        print(f"note: {link} is not a link this suite made; left as it is", file=sys.stderr)
        return
    try:
        tmp.symlink_to(run_dir.name)
        os.replace(tmp, link)
    except OSError:
        tmp.unlink(missing_ok=True)  # no symlinks here (some filesystems): the printed path suffices


def run_sweep(run_dir: Path, profile: str, extra: list[str], case_timeout_s: float,
              counts: bool = False) -> sweep.Sweep:
    """`pytest benchmarks --benchmark-only` under reports.sweep; writes run_dir/pytest-benchmark.json."""
    work = run_dir / ".sweep"
    work.mkdir()
    env = {**os.environ, PROFILE_ENV: profile, COUNTS_ENV: "1" if counts else "0"}
    args = ["benchmarks", "--benchmark-only", "-p", "no:cacheprovider", "-q", *extra]
    print(f"sweep ({profile} profile): pytest {' '.join(args)}", file=sys.stderr)
    result = sweep.run(work, args, env, run_dir / "pytest.log", case_timeout_s, cwd=ROOT)
    if not result.output["benchmarks"] and not result.failures and result.signum is None:
        shutil.rmtree(work)
        log = (run_dir / "pytest.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        raise RuntimeError("the sweep produced no results; the end of pytest's output:\n  " + "\n  ".join(log[-15:]))
    sweep.write_json(result.output, run_dir / RESULTS_FILE)
    shutil.rmtree(work)  # the children's events and JSON, now in one file (kept until then: see recover_interrupted)
    return result


def run_compare(args) -> int:
    """Compare two runs into a new folder; exit 1 when a case is slower beyond --fail-above, else 0."""
    found = compare.compare(args.old, args.new, args.fail_above)  # before any folder: bad input leaves none
    staging = staging_dir(args.out)
    try:
        compare.write(found, staging)
        run_dir = publish(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print("\n".join(compare.summary_lines(found)))
    print(f"comparison: {run_dir / compare.REPORT_FILE}")
    return 1 if found.failing else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 done, 2 unusable input or output (one line), 1 no results, 129/130/143 stopped by a signal."""
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    argv, extra = argv[:split], argv[split + 1:]  # after --: passed to pytest (-k, --benchmark-max-time…)
    if not argv or argv[0] not in ("run", "draw", "compare", "predict", "-h", "--help"):
        argv.insert(0, "run")
    args = parser().parse_args(argv)
    # A signal the caller ignores stays ignored (nohup ignores SIGHUP so that a run outlives its terminal).
    previous = {s: signal.signal(s, _stopped) for s in (signal.SIGTERM, signal.SIGHUP)
                if signal.getsignal(s) != signal.SIG_IGN}
    staging = None
    try:
        if args.command == "compare":
            return run_compare(args)
        if args.command == "predict":
            return run_predict(args)
        if args.command == "draw":
            if not args.files and args.asv is None:
                raise ReportInputError("draw needs at least one pytest-benchmark JSON FILE or --asv DIR")
            results, failures, signum = load([compare.results_file(f) for f in args.files], args.asv), [], None
            staging = staging_dir(args.out)  # only after the input proved readable
        else:
            profile = check_profile(args.profile)
            check_clone()
            staging = staging_dir(args.out)
            done = run_sweep(staging, profile, extra, args.case_timeout, args.counts)
            failures, signum = done.failures, done.signum
            if signum is None or done.output["benchmarks"]:
                results = load([staging / RESULTS_FILE])
            else:
                return _keep(staging, f"stopped by {signal.Signals(signum).name} before any case finished",
                             EXIT_CODE[signum])
        baseline = check_baseline(results, args.baseline) if args.baseline else default_baseline(results)
        # The sweep just used these estimates to skip sizes; `draw` does not import every backend to read them.
        estimates = costmodel.estimates(results.implementations()) if args.command == "run" else None
        write_report(results, staging, baseline, failures, estimates)
        run_dir = publish(staging)
        point_latest(run_dir)
        print(f"report: {run_dir / 'report.md'}")
        if signum is not None:
            print(f"interrupted by {signal.Signals(signum).name}: the report shows the cases that finished",
                  file=sys.stderr)
            return EXIT_CODE[signum]
        return 0
    except (ReportInputError, UsageError) as exc:
        return _fail(args, staging, f"error: {exc}", 2)
    except RuntimeError as exc:
        return _fail(args, staging, f"error: {exc}", 1)
    except OSError as exc:  # a full disk, say, part-way through the results, figures or report
        return _fail(args, staging, f"error: {cannot_write(args.out, exc)}", 2)
    except (KeyboardInterrupt, Stopped) as exc:  # while drawing: keep a run's results, drop a draw's output
        signum = getattr(exc, "signum", signal.SIGINT)
        return _fail(args, staging, f"stopped by {signal.Signals(signum).name}", EXIT_CODE[signum])
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _stopped(signum, frame):
    if signum == signal.SIGHUP:
        sweep.quiet_lost_terminal()
    raise Stopped(signum)


def _fail(args, staging: Path | None, message: str, code: int) -> int:
    """One line on stderr; a run's finished cases are kept (see _keep), anything else removed."""
    if staging is not None and args.command == "run" and _finished(staging):
        return _keep(staging, message, code)
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    print(message, file=sys.stderr)
    return code


def _keep(staging: Path, message: str, code: int) -> int:
    """Publish a run folder that holds results but no report, and say so (naming files at their new place).

    Results not yet in one file, or a folder that cannot take its name (both: a full disk), stay in
    staging, which the next command into its --out publishes (see recover_interrupted).
    """
    _drop_drawing(staging)
    run_dir = None
    if (staging / RESULTS_FILE).exists():
        with contextlib.suppress(OSError):
            run_dir = publish(staging)
    if run_dir is None:
        print(f"{message}; the finished cases are kept in {staging}: the next run or draw into "
              f"{staging.parent} publishes them", file=sys.stderr)
        return code
    message = message.replace(str(staging), str(run_dir))
    print(f"{message}; results kept in {run_dir} (no report drawn)", file=sys.stderr)
    return code


def _drop_drawing(staging: Path) -> None:
    """Remove a half-drawn report (a 0-byte figure on a full disk, say): the results draw it again."""
    for path in staging.iterdir():
        if path.name in UNDRAWN:
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
