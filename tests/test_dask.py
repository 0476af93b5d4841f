"""Dask: a real LocalCluster (worker processes), data generated on the workers, a separate scheduler."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

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
        idk.generate(3, 10, chunk=2.5)
    assert idk.chunk_columns(10, 1) == 1
    assert idk.chunk_columns(10, 1000) == 1000 // workers(idk)


def test_generated_problem_matches_numpy_on_the_same_data(idk):
    """generate's chunks, materialised, give NumPy the same gradient (rtol 1e-9), seed by seed."""
    problem = DASK.generate(10, 10_000, seed=5, chunk=1_500)
    X, Y = problem.X.compute(), problem.data[1].compute()
    assert X.shape == (10, 10_000) and set(np.unique(Y)) == {0.0, 1.0}
    np.testing.assert_array_equal(X, idk.generate(10, 10_000, seed=5, chunk=1_500)[0].compute())
    w = np.random.default_rng(0).normal(size=10)
    assert_matches(problem.gradients(w, 0.3), reference(w, 0.3, X, Y))
    # The labels follow the true model of impls.make_problem for the same seed.
    w_true, b_true = impls.make_problem(10, 1, seed=5)[2:]
    assert np.mean(((w_true.T @ X).ravel() + b_true > 0) == (Y.ravel() == 1)) > 0.7


def test_generated_problem_trains_like_numpy(idk):
    """A persisted generated problem trains to the same w, b and costs as NumPy on its data."""
    problem = DASK.generate(4, 3_000, seed=2, chunk=700, persist=True)
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
        DASK.generate(2, 50, chunk=20).gradients(np.full(2, 1e308), 0.0)


def _wait_for_file(path, process, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not path.exists() or not path.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"dask scheduler did not start (exit code {process.poll()})")
        time.sleep(0.1)
    return json.loads(path.read_text())["address"]


def start_cluster(scheduler_file: Path, n_workers: int) -> tuple[str, list[subprocess.Popen]]:
    """`dask scheduler` and n_workers `dask worker` processes on 127.0.0.1, every port chosen by the OS."""
    common = ["--no-dashboard", "--host", "127.0.0.1"]
    # Port 0: the OS picks a free port; the scheduler file tells the workers and us which.
    # --no-nanny: one process per worker that stops at once on SIGTERM (a nanny lingers for seconds).
    processes = [subprocess.Popen(
        [sys.executable, "-m", "dask", "scheduler", "--port", "0", "--scheduler-file", scheduler_file, *common],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        address = _wait_for_file(scheduler_file, processes[0])
        processes += [subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", "--scheduler-file", scheduler_file, "--nthreads", "1",
             "--no-nanny", *common], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n_workers)]
    except BaseException:
        stop(processes)
        raise
    return address, processes


def stop(processes: list[subprocess.Popen]) -> None:
    """Workers first, and wait: a worker whose scheduler is gone retries for seconds."""
    for process in reversed(processes):
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(params=[1, 3], ids=["1-worker", "3-workers"])
def separate_cluster(idk, tmp_path, request):
    """`dask scheduler` and 1 or 3 `dask worker` processes of their own; yields (address, workers)."""
    address, processes = start_cluster(tmp_path / "scheduler.json", request.param)
    try:
        yield address, request.param
    finally:
        idk.disconnect()
        stop(processes)


def test_connects_to_a_separate_scheduler_by_address(idk, separate_cluster, problem, monkeypatch):
    """DASK_SCHEDULER_ADDRESS (or connect) points at a running scheduler; its workers compute."""
    address, n_workers = separate_cluster
    monkeypatch.setenv(idk.ADDRESS_ENV, address)
    client = idk.client()
    client.wait_for_workers(n_workers, timeout=60)
    assert client.scheduler.address == address
    assert os.getpid() not in client.run(os.getpid).values()
    w, b, X, Y = problem
    assert_matches(DASK.gradients(w, b, X, Y), reference(w, b, X, Y))
    assert idk.connect(address) is idk.client()
    assert_matches(DASK.gradients(w, b, X, Y), reference(w, b, X, Y))


def test_a_connected_cluster_records_its_real_worker_count(idk, separate_cluster, monkeypatch):
    """3 connected workers: results say 3, and scaling cases asking for 1 or 2 workers skip with the reason."""
    from benchmarks import grid, test_scaling

    address, n_workers = separate_cluster
    monkeypatch.setenv(idk.ADDRESS_ENV, address)
    idk.client().wait_for_workers(n_workers, timeout=60)
    assert idk.fixed_workers() == idk.workers() == n_workers
    # limit_threads cannot resize a cluster it does not own: the count stays the real one.
    with impls.limit_threads(1):
        assert idk.workers() == n_workers
        assert DASK.prepare(np.ones((2, 30)), np.ones(30)).data[0].numblocks == (1, n_workers)
    for asked in (1, 2, 3):
        reason = test_scaling.other_cluster_size(grid.ScalingCase("dask", 10, 100, threads=asked, workers=asked))
        if asked == n_workers:
            assert reason is None
        else:
            assert reason == (f"the connected Dask cluster ({idk.ADDRESS_ENV}) has {n_workers} workers, "
                              f"not {asked}")
    idk.disconnect()
    monkeypatch.delenv(idk.ADDRESS_ENV)
    assert idk.fixed_workers() is None  # the embedded cluster is resized per case instead


def test_embedded_cluster_ignores_a_busy_dashboard_port(idk):
    """Something on 127.0.0.1:8787 (another Dask or a Jupyter user): the cluster starts, no warning, no failure."""
    held = socket.socket()
    try:
        held.bind(("127.0.0.1", 8787))
        held.listen()
    except OSError:
        pass  # already held by another process on this machine: the condition under test holds anyway
    previous = idk.set_num_threads(1)
    try:
        idk.close()  # a fresh start while the port is held (warnings are errors in this suite)
        client = idk.client()
        assert client.submit(sum, [1, 2]).result() == 3
        # The scheduler's HTTP server (it listens even without a dashboard) took a port of the OS's choosing.
        assert idk._local[0].scheduler.http_server.port not in (0, 8787)
    finally:
        idk.set_num_threads(previous)
        held.close()


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("address", ["closed", "garbage://x"])
def test_an_unreachable_scheduler_fails_fast_and_exits_cleanly(idk, address):
    """A bad DASK_SCHEDULER_ADDRESS: Dask is unavailable with the reason within seconds; exit is clean."""
    address = f"tcp://127.0.0.1:{closed_port()}" if address == "closed" else address
    script = ("import numpy as np, impls; d = impls.get('dask'); print(d.unavailable_reason); "
              "print(d.available, impls.get('dask').unavailable_reason == d.unavailable_reason)")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], env={**os.environ, idk.ADDRESS_ENV: address},
                          capture_output=True, text=True, timeout=60)
    seconds = time.monotonic() - start
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"{idk.ADDRESS_ENV}: no Dask scheduler reachable at '{address}'")
    assert lines[1:] == ["False True"]  # tried once, then remembered
    # One connection attempt (CONNECT_TIMEOUT_S) plus interpreter start-up and exit; not 30 s or 60 s.
    assert seconds < idk.CONNECT_TIMEOUT_S + 15, seconds
