"""pytest-benchmark's own workflows on a tiny subset: autosave twice, compare, compare-fail, CSV, group-by."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reports.contract import schema

ROOT = Path(__file__).resolve().parent.parent
SUBSET = "test_gradients and numpy-n10-m100-lecture"  # one case of the quick profile, no cluster, no JIT


def run(*args: str, tool: tuple[str, ...] = ("-m", "pytest")) -> subprocess.CompletedProcess:
    """A pytest (or pytest-benchmark CLI) subprocess from the repository root, on the quick profile."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), schema.PROFILE_ENV: schema.DEFAULT_PROFILE}
    return subprocess.run([sys.executable, *tool, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


# pytest in a process that loads SciPy's own OpenBLAS before the session starts ("load"), or in one
# that can never load it ("block"), then prints how many BLAS libraries were loaded at the end.
WITH_SCIPY = """
import sys, pytest, threadpoolctl
if sys.argv.pop(1) == "load":
    import scipy.linalg  # noqa: F401
else:
    sys.modules["scipy"] = None
code = pytest.main(sys.argv[1:])
blas = {info["filepath"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"}
print("loaded BLAS libraries:", len(blas))
sys.exit(code)
"""


def sweep(storage: Path, *options: str, scipy: str | None = None) -> subprocess.CompletedProcess:
    tool = ("-c", WITH_SCIPY, scipy) if scipy else ("-m", "pytest")
    return run(str(ROOT / "benchmarks" / "test_gradients.py"), "-k", SUBSET, "--benchmark-only", "-q",
               "-p", "no:cacheprovider", f"--benchmark-storage={storage}", "--benchmark-max-time=0.02", *options,
               tool=tool)


@pytest.mark.slow
def test_autosave_compare_and_compare_fail(tmp_path):
    """Two autosaved runs compare without a 'machine changed' crash; a real regression fails the third run.

    SciPy's BLAS is loaded in the first run and never in the others, and the storage lies outside
    the working folder (where pytest-benchmark's own "different machine" message would crash): the
    machine's identity must not depend on what a process happens to have imported.
    """
    pytest.importorskip("scipy.linalg", reason="needs SciPy to load a second BLAS")
    loaded = []
    for scipy in ("load", "block"):
        done = sweep(tmp_path, "--benchmark-autosave", scipy=scipy)
        assert done.returncode == 0, done.stdout + done.stderr
        loaded.append(done.stdout.rsplit("loaded BLAS libraries:", 1)[1].split()[0])
    assert loaded[0] != loaded[1], f"both runs loaded {loaded[0]} BLAS libraries: the test proves nothing"
    saved = sorted(tmp_path.rglob("*.json"))
    first, second = (json.loads(path.read_text()) for path in saved)
    assert first["machine_info"] == second["machine_info"]
    assert first["benchmarks"][0]["params"] == {schema.IMPLEMENTATION: "numpy", schema.N: 10, schema.M: 100,
                                                schema.LAYOUT: schema.LECTURE, schema.DTYPE: "float64",
                                                schema.THREADS: 1}

    for against in ("0001", "0002"):  # the run with SciPy's BLAS, then the one without
        done = sweep(tmp_path, f"--benchmark-compare={against}", "--benchmark-compare-fail=mean:50%",
                     "--benchmark-group-by=param:n", scipy="block")
        output = done.stdout + done.stderr
        assert "INTERNALERROR" not in output and "machine_info is different" not in output, output[-3000:]
        # On a shared machine a 50% slowdown can happen by chance; then it is reported as one, nothing else.
        assert done.returncode == 0 or (done.returncode == 1 and "Performance has regressed" in output), output

    # Make the last saved run 100× faster: the next run is a 99% slowdown against it and must fail.
    second["benchmarks"][0]["stats"] = {k: v / 100 if k != "ops" and isinstance(v, float) else v
                                        for k, v in second["benchmarks"][0]["stats"].items()}
    saved[-1].write_text(json.dumps(second))
    done = sweep(tmp_path, "--benchmark-compare", "--benchmark-compare-fail=mean:50%")
    assert done.returncode == 1 and "Performance has regressed" in done.stdout + done.stderr


@pytest.mark.slow
def test_pytest_benchmark_compare_cli_writes_csv_with_case_columns(tmp_path):
    """`pytest-benchmark compare --csv --group-by=param:n` has implementation, n and m columns."""
    assert sweep(tmp_path / "storage", "--benchmark-autosave").returncode == 0
    done = run("compare", f"--csv={tmp_path / 'out'}", "--group-by=param:n",
               tool=("-c", "from pytest_benchmark.cli import main; main()", "--storage", str(tmp_path / "storage")))
    assert done.returncode == 0, done.stdout + done.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").read_text().splitlines()))
    assert [(r["param:implementation"], r["param:n"], r["param:m"]) for r in rows] == [("numpy", "10", "100")]
