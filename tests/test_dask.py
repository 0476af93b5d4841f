"""Dask: a real LocalCluster (worker processes), data generated on the workers, a separate scheduler."""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import impls
from tests.reference import reference
from tests.test_equality import assert_matches

DASK = impls.get("dask")


@pytest.fixture(scope="module")
def idk():
    """The impls.dask module on N_WORKERS workers, or a skip with the registry's reason without Dask."""
    if not DASK.available:
        pytest.skip(DASK.unavailable_reason)
    import impls.dask

    # The session pins one thread (tests/conftest.py); these tests want every worker of the default.
    with impls.limit_threads(impls.dask.N_WORKERS):
        yield impls.dask


@pytest.fixture
def small_chunks(idk):
    """Chunks of a few hundred bytes, so even small problems span many chunks and both workers."""
    previous = idk.set_chunk_bytes(7 * 8 * 5)
    yield
    idk.set_chunk_bytes(previous)


def workers(idk) -> int:
    """Workers the fixture asked for: N_WORKERS, unless the machine has fewer cores."""
    return min(idk.N_WORKERS, os.cpu_count())


def test_availability_follows_the_installed_packages():
    """Listed with a pip hint when dask or distributed is missing, available when both import."""
    try:
        import dask.array  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        assert "pip install 'logreg-vectorization-bench[dask]'" in DASK.unavailable_reason
    else:
        assert DASK.available and "dask" in impls.names()


def test_default_cluster_is_local_worker_processes(idk):
    """The embedded cluster: single-threaded worker processes on 127.0.0.1, as many as asked for."""
    client = idk.client()
    pids = client.run(os.getpid)
    assert len(pids) == workers(idk) and os.getpid() not in pids.values()
    assert all(address.startswith("tcp://127.0.0.1:") for address in pids)
    assert set(client.nthreads().values()) == {1}


def test_many_chunks_equal_the_reference(idk, problem, small_chunks):
    """Seven chunks of 5 examples (and a remainder) add up to the reference, rtol 1e-9."""
    w, b, X, Y = problem
    prepared = DASK.prepare(X, Y)
    assert prepared.data[0].numblocks == (1, 7)
    assert_matches(prepared.gradients(w, b), reference(w, b, X, Y))


def test_prepare_keeps_the_data_on_the_workers(idk, problem):
    """prepare persists X and Y once: every chunk is a finished future held by a worker."""
    from distributed import futures_of

    Xd, Yd = DASK.prepare(*problem[2:]).data
    futures = futures_of(Xd) + futures_of(Yd)
    assert len(futures) == Xd.npartitions + Yd.npartitions
    assert all(f.status == "finished" for f in futures)
    assert set(idk.client().who_has(futures)) == {f.key for f in futures}


def test_chunk_bytes_setting(idk):
    """The cap is a positive integer; chunks never outnumber examples and cover every thread."""
    with pytest.raises(ValueError, match="nbytes must be a positive integer"):
        idk.set_chunk_bytes(0)
    with pytest.raises(ValueError, match="chunk must be a positive integer"):
        idk.make_problem(3, 10, chunk=2.5)
    assert idk.chunk_columns(10, 1) == 1
    assert idk.chunk_columns(10, 1000) == 1000 // workers(idk)


def test_generated_problem_matches_numpy_on_the_same_data(idk):
    """make_problem's chunks, materialised, give NumPy the same gradient (rtol 1e-9), seed by seed."""
    problem = idk.make_problem(10, 10_000, seed=5, chunk=1_500)
    X, Y = problem.X.compute(), problem.data[1].compute()
    assert X.shape == (10, 10_000) and set(np.unique(Y)) == {0.0, 1.0}
    np.testing.assert_array_equal(X, idk.make_problem(10, 10_000, seed=5, chunk=1_500).X.compute())
    w = np.random.default_rng(0).normal(size=10)
    assert_matches(problem.gradients(w, 0.3), reference(w, 0.3, X, Y))
    # The labels follow the true model of impls.make_problem for the same seed.
    w_true, b_true = impls.make_problem(10, 1, seed=5)[2:]
    assert np.mean(((w_true.T @ X).ravel() + b_true > 0) == (Y.ravel() == 1)) > 0.7


def test_generated_problem_trains_like_numpy(idk):
    """A persisted generated problem trains to the same w, b and costs as NumPy on its data."""
    problem = idk.make_problem(4, 3_000, seed=2, chunk=700, persist=True)
    X, Y = problem.X.compute(), problem.data[1].compute()
    fit = problem.train(np.zeros(4), 0.0, learning_rate=0.5, iterations=20)
    expected = impls.train(np.zeros(4), 0.0, X, Y, learning_rate=0.5, iterations=20)
    np.testing.assert_allclose(fit.w, expected.w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.costs, expected.costs, rtol=1e-9)


def test_non_finite_outputs_on_dask_data_are_diagnosed(idk):
    """The scan behind the error message runs on the workers: a NaN is named, overflow is called so."""
    import dask.array as da

    X = np.ones((3, 20))
    X[2, 13] = np.nan
    Xd, Yd = da.from_array(X, chunks=(3, 6)), da.zeros((1, 20), chunks=(1, 6))
    with pytest.raises(ValueError, match=r"X must be finite; X\[2, 13\]"):
        impls.Problem(DASK, Xd, (Xd, Yd), idk.gradients).gradients(np.ones(3), 0.0)
    with pytest.raises(ValueError, match="overflowed although w, b, X are finite"):
        idk.make_problem(2, 50, chunk=20).gradients(np.full(2, 1e308), 0.0)


def _wait_for_file(path, process, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"dask scheduler did not start (exit code {process.poll()})")
        time.sleep(0.1)
    return json.loads(path.read_text())["address"]


@pytest.fixture
def separate_cluster(idk, tmp_path):
    """`dask scheduler` and one `dask worker` as their own processes on random free ports."""
    scheduler_file = tmp_path / "scheduler.json"
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    processes = []
    try:
        # Port 0: the OS picks a free port; the scheduler file tells the worker and us which.
        # --no-nanny: one process that stops at once on SIGTERM (a nanny lingers for seconds).
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--port", "0", "--scheduler-file", scheduler_file,
             *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        address = _wait_for_file(scheduler_file, processes[0])
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", "--scheduler-file", scheduler_file, "--nworkers", "1",
             "--nthreads", "1", "--no-nanny", *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        yield address
    finally:
        idk.disconnect()
        # The worker first, and wait: a worker whose scheduler is gone retries for seconds.
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_connects_to_a_separate_scheduler_by_address(idk, separate_cluster, problem, monkeypatch):
    """DASK_SCHEDULER_ADDRESS (or connect) points at a running scheduler; its worker computes."""
    monkeypatch.setenv(idk.ADDRESS_ENV, separate_cluster)
    client = idk.client()
    client.wait_for_workers(1, timeout=60)
    assert client.scheduler.address == separate_cluster
    assert list(client.run(os.getpid).values()) != [os.getpid()]
    w, b, X, Y = problem
    assert_matches(DASK.gradients(w, b, X, Y), reference(w, b, X, Y))
    assert idk.connect(separate_cluster) is idk.client()
    assert_matches(DASK.gradients(w, b, X, Y), reference(w, b, X, Y))
