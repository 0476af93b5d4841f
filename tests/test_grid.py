"""The benchmark grid: it covers every implementation, profiles are chosen one way, skips say why."""

import pytest

import impls
from benchmarks import bench_gradients, grid


@pytest.mark.parametrize("name", grid.PROFILES)
def test_every_implementation_is_in_every_profile(name):
    """A registered implementation missing from the grid would silently go unmeasured."""
    prof = grid.PROFILES[name]
    assert {case.implementation for case in grid.cases(prof)} == set(impls.names())
    assert set(prof.m) <= set(grid.M_VALUES) and set(prof.n) <= set(grid.N_VALUES)


def test_asv_suites_use_the_same_grid():
    """asv's parameters are the grid's, so both engines time the same cases."""
    prof = grid.profile()
    assert bench_gradients.TimeGradients.params == (
        list(impls.names()), list(prof.n), list(prof.m), list(prof.dtypes), list(prof.threads))
    assert bench_gradients.TimeTrain.params == (list(impls.names()),)


def test_quick_profile_is_small_and_full_is_the_whole_grid():
    """quick: ≥ 3 values of m and ≥ 2 of n; full: every axis value, both dtypes and thread counts."""
    quick, full = grid.PROFILES["quick"], grid.PROFILES["full"]
    assert len(quick.m) >= 3 and len(quick.n) >= 2
    assert (full.m, full.n, full.dtypes, full.threads) == (grid.M_VALUES, grid.N_VALUES, grid.DTYPES, grid.THREADS)


def test_profile_switch(monkeypatch):
    """LOGREG_BENCH_PROFILE picks the profile; an unknown value is an error naming the choices."""
    monkeypatch.setenv(grid.PROFILE_ENV, "FULL")
    assert grid.profile() is grid.PROFILES["full"]
    monkeypatch.setenv(grid.PROFILE_ENV, "huge")
    with pytest.raises(ValueError, match="must be one of quick, full"):
        grid.profile()


def test_skips_name_their_reason():
    """Unaffordable, too large, unsupported and pointless cases are skipped with a reason."""
    full = grid.PROFILES["full"]
    assert "budget" in grid.Case("double_loop", 1000, 10**5).skip_reason(full)
    assert "MiB" in grid.Case("numpy", 1000, 10**6).skip_reason(full)
    assert "float64 only" in grid.Case("double_loop", 10, 100, "float32").skip_reason(full)
    assert "one thread" in grid.Case("double_loop", 10, 100, "float64", 2).skip_reason(full)
    assert grid.Case("numpy", 10, 100).skip_reason(full) is None


def test_checked_problem_refuses_a_wrong_result(monkeypatch):
    """A case whose implementation disagrees with numpy raises instead of producing a timing."""
    import impls.numba

    case = grid.Case("numba", 3, 50)
    good, _, _ = grid.checked_problem(case)
    # A kernel that forgot the 1/m scaling: plausible numbers, wrong ones.
    kernel = impls.numba.gradients
    monkeypatch.setattr(impls.numba, "gradients", lambda w, b, X, Y: [v * X.shape[1] for v in kernel(w, b, X, Y)])
    with pytest.raises(AssertionError, match="differs from numpy"):
        grid.checked_problem(case)
    assert good.shape == (3, 50)


def test_pytest_benchmark_modules_hold_no_asv_benchmarks():
    """asv imports every module of benchmarks/ and runs any time_*/mem_*/… it finds there."""
    import importlib
    import inspect
    import pkgutil

    import benchmarks

    prefixes = ("time_", "timeraw_", "mem_", "peakmem_", "track_")
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("bench_"):
            continue
        module = importlib.import_module(f"benchmarks.{info.name}")
        names = [name for name, _ in inspect.getmembers(module) if name.startswith(prefixes)]
        assert names == [], f"benchmarks/{info.name}.py would give asv benchmarks: {names}"


def test_report_command_uses_the_grids_profile_switch():
    """`python -m reports --profile` sets the grid's variable and offers exactly the grid's profiles."""
    from reports import cli

    assert cli.PROFILE_ENV == grid.PROFILE_ENV
    assert cli.PROFILES == tuple(grid.PROFILES)


def test_machine_record_names_a_gpu_only_where_cupy_runs():
    """No usable CUDA device (CI, this machine): the record says None rather than guessing."""
    from benchmarks import environment

    if impls.get("cupy").available:
        assert environment.gpu()  # a name and memory size
    else:
        assert environment.gpu() is None


@pytest.mark.parametrize("name", impls.names())
def test_case_info_works_for_every_implementation_available_or_not(name):
    """Skipped cases are recorded with info(), so it must not need the implementation's module."""
    info = grid.Case(name, 10, 100).info()
    assert info["memory"] == (impls.get(name).memory if impls.get(name).available else None)
    assert info["memory"] in ("host", "device", None)
