"""Command line: `python -m reports [run]` sweeps and draws; `python -m reports draw FILE…` only draws.

    python -m reports [run] [--profile quick|full] [--baseline NAME] [--out DIR] [-- PYTEST_ARGS…]
    python -m reports draw FILE… [--asv DIR] [--baseline NAME] [--out DIR]

The sweep runs in a pytest subprocess, so a crashing case cannot take the report down with it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from reports.load import ReportInputError, Results, load
from reports.progress import PROGRESS_ENV

ROOT = Path(__file__).resolve().parent.parent  # the project checkout: benchmarks/ lives here
RUNS = ROOT / "reports" / "runs"
# The grid's one profile switch (benchmarks/grid.py), named here rather than imported: reports
# read results and never import benchmark code. tests/test_grid.py keeps the two in step.
PROFILE_ENV = "LOGREG_BENCH_PROFILE"
PROFILES = ("quick", "full")


def parser() -> argparse.ArgumentParser:
    """Both subcommands; `run` is the default."""
    top = argparse.ArgumentParser(prog="python -m reports", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the benchmark sweep (pytest-benchmark), then draw the report")
    run.add_argument("--profile", choices=PROFILES, help=f"grid profile (sets {PROFILE_ENV})")
    top.epilog = sub.choices["run"].epilog = "Arguments after -- go to pytest, e.g. -- -k numpy"
    draw = sub.add_parser("draw", help="draw the report from existing result files")
    draw.add_argument("files", nargs="*", type=Path, metavar="FILE", help="pytest-benchmark JSON files")
    draw.add_argument("--asv", type=Path, metavar="DIR", help="asv results directory (e.g. .asv/results)")
    for p in (run, draw):
        p.add_argument("--baseline", default="double_loop", help="implementation speedups are measured against")
        p.add_argument("--out", type=Path, default=RUNS, help="folder that receives a new run folder")
    return top


def new_run_dir(parent: Path) -> Path:
    """A new folder named by the UTC time; never an existing one (a suffix is added instead)."""
    parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for i in range(1000):
        path = parent / (stamp if i == 0 else f"{stamp}-{i}")
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free run folder name under {parent}")


def point_latest(run_dir: Path) -> None:
    """Make <parent>/latest a relative symlink to run_dir (replaced atomically)."""
    link, tmp = run_dir.parent / "latest", run_dir.parent / f".latest-{os.getpid()}"
    try:
        tmp.symlink_to(run_dir.name)
        os.replace(tmp, link)
    except OSError:
        tmp.unlink(missing_ok=True)  # no symlinks here (some filesystems): the printed path suffices


def read_events(path: Path) -> list[dict]:
    """Events the progress plugin wrote so far (a half-written last line waits for the next poll)."""
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return events


def watch(child: subprocess.Popen, events_file: Path) -> list[dict]:
    """Show cases done / total and elapsed time until the sweep ends; return every event."""
    from tqdm import tqdm

    with tqdm(desc="benchmark cases", unit="case", file=sys.stderr, mininterval=1.0) as bar:
        while True:
            running = child.poll() is None
            events = read_events(events_file)
            bar.total = max([e["total"] for e in events if "total" in e] or [None]) or bar.total
            bar.set_postfix(failed=sum("failed" in e for e in events), refresh=False)
            bar.update(sum("done" in e for e in events) - bar.n)  # redraws at most once a second
            if not running:
                return events
            time.sleep(0.25)


def sweep(run_dir: Path, profile: str | None, extra: list[str]) -> tuple[Path, list[dict]]:
    """Run `pytest benchmarks --benchmark-only` into run_dir; return its JSON and the failed cases."""
    out, events_file = run_dir / "pytest-benchmark.json", run_dir / "progress.jsonl"
    env = {**os.environ, PROGRESS_ENV: str(events_file)}
    if profile:
        env[PROFILE_ENV] = profile
    command = [sys.executable, "-m", "pytest", "benchmarks", "--benchmark-only", f"--benchmark-json={out}",
               "-p", "reports.progress", "-p", "no:cacheprovider", "-q", *extra]
    print(f"sweep ({env.get(PROFILE_ENV, 'quick')} profile): {' '.join(command[2:])}", file=sys.stderr)
    with open(run_dir / "pytest.log", "w", encoding="utf-8") as log:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        events = watch(child, events_file)
    if not out.exists():
        raise SystemExit(f"the sweep wrote no results (pytest exit code {child.returncode}); "
                         f"see {run_dir / 'pytest.log'}")
    return out, [{"case": e["failed"], "message": f"{e['when']}: {e['message']}"} for e in events if "failed" in e]


def write_report(results: Results, run_dir: Path, baseline: str, failures: list[dict]) -> Path:
    """Figures and report.md into run_dir; print where it is and the headline."""
    from reports import derive, figures, markdown

    drawn = figures.draw_all(results, run_dir, baseline)
    path = run_dir / "report.md"
    path.write_text(markdown.report(results, drawn, baseline, failures), encoding="utf-8")
    point_latest(run_dir)
    size, found = derive.headline(derive.gradients(results), baseline)
    print(f"\nreport: {path}")
    if size:
        print(f"headline at n={size[0]:,}, m={size[1]:,} (median time, speedup over {baseline}):")
    for s in found:
        label = derive.label(derive.variant_key(s.record), results.records)
        print(f"  {label:<28} {derive.format_time(s.record.median):>10}  {derive.format_ratio(s.ratio)}")
    for f in failures:
        print(f"  FAILED {f['case']}: {f['message']}")
    return path


def main(argv: list[str] | None = None) -> int:
    """Entry point; malformed input exits with code 2 and one line naming the file."""
    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    argv, extra = argv[:split], argv[split + 1:]  # after --: passed to pytest (-k, --benchmark-max-time…)
    if not argv or argv[0] not in ("run", "draw", "-h", "--help"):
        argv.insert(0, "run")
    args = parser().parse_args(argv)
    try:
        if args.command == "draw":
            if not args.files and args.asv is None:
                raise ReportInputError("draw needs at least one pytest-benchmark JSON FILE or --asv DIR")
            results, failures = load(args.files, args.asv), []
            run_dir = new_run_dir(args.out)  # only after the input proved readable
        else:
            run_dir = new_run_dir(args.out)
            json_file, failures = sweep(run_dir, args.profile, extra)
            results = load([json_file])
        write_report(results, run_dir, args.baseline, failures)
    except ReportInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
