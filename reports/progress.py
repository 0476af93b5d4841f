"""pytest plugin loaded into the benchmark sweep (`-p reports.progress`): one JSON line per event.

Lines go to the file named by $LOGREG_PROGRESS_FILE, which `python -m reports run` polls to show
progress and to list failed cases. It only observes; it never changes what pytest runs or times.
"""

import json
import os

PROGRESS_ENV = "LOGREG_PROGRESS_FILE"


def emit(event: dict) -> None:
    """Append one event to the progress file (when the sweep was started by the report)."""
    path = os.environ.get(PROGRESS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(event) + "\n")


def pytest_collection_finish(session):
    emit({"total": len(session.items)})


def pytest_runtest_logreport(report):
    """A failed phase names its case and why; every teardown marks a case done."""
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        lines = str(report.longrepr).strip().splitlines() or ["?"]
        message = crash.message if crash else lines[-1]
        emit({"failed": report.nodeid, "when": report.when, "message": message[:300]})
    if report.when == "teardown":
        emit({"done": report.nodeid})
