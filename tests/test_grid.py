"""The benchmark grid: it covers every implementation, profiles are chosen one way, skips say why."""

import importlib.util
import itertools

import numpy as np
import pytest

import impls
from benchmarks import bench_gradients, environment, grid
from reports.contract import schema

QUICK, FULL = schema.PROFILE_NAMES


@pytest.mark.parametrize("name", schema.PROFILE_NAMES)
def test_every_implementation_is_in_every_profile(name):
    """A registered implementation missing from the grid would silently go unmeasured."""
    prof = grid.PROFILES[name]
    assert {case.implementation for case in grid.cases(prof)} == set(impls.names())
    assert set(prof.m) <= set(grid.M_VALUES) and set(prof.n) <= set(grid.N_VALUES)


def test_profiles_are_the_contracts_names():
    """grid.PROFILES is keyed by schema.PROFILE_NAMES, so the report offers exactly the grid's profiles."""
    assert tuple(grid.PROFILES) == schema.PROFILE_NAMES
    assert schema.DEFAULT_PROFILE in grid.PROFILES


def test_asv_suites_time_the_grids_cases():
    """Every runnable case of the active profile is one of asv's parameter combinations (asv lists only
    implementations installed here, so uninstalled ones do not fill its graphs' legends)."""
    suite = bench_gradients.TimeGradients
    assert set(suite.param_names) <= set(schema.CASE_FIELDS)
    combinations = set(itertools.product(*suite.params))
    for case in (c for c in grid.cases() if c.impl.available):
        assert tuple(getattr(case, name) for name in suite.param_names) in combinations, case


def test_full_profile_holds_every_grid_point_and_quick_a_part_of_them():
    """full: every (n, m, dtype, threads) of the grid in the lecture layout; quick: fewer cases, all in full."""
    full = {(c.n, c.m, c.dtype, c.threads) for c in grid.cases(grid.PROFILES[FULL]) if c.layout == schema.LECTURE}
    assert full == set(itertools.product(grid.N_VALUES, grid.M_VALUES, grid.DTYPES, grid.THREADS))
    quick, everything = (set(grid.cases(grid.PROFILES[name])) for name in (QUICK, FULL))
    assert quick < everything
    assert len({c.m for c in quick}) >= 3 and len({c.n for c in quick}) >= 2


@pytest.mark.parametrize("name", schema.PROFILE_NAMES)
def test_both_layouts_are_measured_and_the_other_one_only_from_its_m(name):
    """Each profile measures both layouts; the data-frame layout only where m ≥ layouts_from_m."""
    prof = grid.PROFILES[name]
    sizes = prof.sizes()
    assert {s.layout for s in sizes} == set(schema.LAYOUTS)
    assert all(s.m >= prof.layouts_from_m for s in sizes if s.layout != schema.LECTURE)
    assert len(sizes) == len(set(sizes))


def test_case_ids_and_params_are_plain_values():
    """Ids read like numpy-n100-m10000-lecture-float64-t1; params are CASE_FIELDS in order."""
    case = grid.Case("numpy", 100, 10_000, "float64", 1)
    assert str(case) == "numpy-n100-m10000-lecture-float64-t1"
    assert case.params() == ("numpy", 100, 10_000, schema.LECTURE, "float64", 1)
    assert grid.Case("numba", 10, 100, layout=schema.FRAME).size == grid.Size(10, 100, schema.FRAME)


def test_profile_switch(monkeypatch):
    """LOGREG_BENCH_PROFILE picks the profile; an unknown value is an error naming the choices."""
    monkeypatch.setenv(schema.PROFILE_ENV, FULL.upper())
    assert grid.profile() is grid.PROFILES[FULL]
    monkeypatch.setenv(schema.PROFILE_ENV, "huge")
    with pytest.raises(ValueError, match="is not a profile; choose one of: quick, full"):
        grid.profile()


def test_skips_name_their_reason():
    """Unaffordable, too large, unsupported and pointless cases are skipped with a reason."""
    full = grid.PROFILES[FULL]
    assert "budget" in grid.Case("double_loop", 1000, 10**5).skip_reason(full)
    assert "MiB" in grid.Case("numpy", 1000, 10**6).skip_reason(full)
    assert "float64 only" in grid.Case("double_loop", 10, 100, "float32").skip_reason(full)
    assert "one thread" in grid.Case("double_loop", 10, 100, "float64", 2).skip_reason(full)
    assert grid.Case("numpy", 10, 100).skip_reason(full) is None


def test_frame_layout_holds_the_lecture_layouts_values_in_f_order():
    """The data-frame layout is X.T of an (m, n) C array with the same values, so timings compare like with like."""
    lecture, frame = grid.data(3, 7, "float64", schema.LECTURE), grid.data(3, 7, "float64", schema.FRAME)
    assert lecture.X.flags.c_contiguous and frame.X.flags.f_contiguous and frame.X.base.flags.c_contiguous
    np.testing.assert_array_equal(frame.X, lecture.X)
    np.testing.assert_array_equal(frame.Y, lecture.Y)
    with pytest.raises(ValueError, match="layout must be one of"):
        grid.data(3, 7, "float64", "diagonal")


@pytest.mark.parametrize(("bytes_x", "threads", "level"), [
    (2**10, 1, schema.L2), ("L2", 1, schema.L2), ("L2+", 1, schema.L3), ("L2+", 2, schema.L2),
    ("L3", 1, schema.L3), ("L3+", 2, schema.DRAM)])
def test_memory_level_is_the_smallest_level_x_fits_in(monkeypatch, bytes_x, threads, level):
    """L2 up to threads × the per-core L2, L3 up to the shared L3, DRAM beyond (on a made-up machine)."""
    monkeypatch.setattr(environment, "caches", lambda: {schema.L2: 2**19, schema.L3: 2**25})
    sizes = {"L2": 2**19, "L2+": 2**19 + 8, "L3": 2**25, "L3+": 2**25 + 8}
    assert environment.memory_level(sizes.get(bytes_x, bytes_x), threads) == level


def test_case_info_records_level_and_memory():
    """info() holds the case fields, bytes of X, where X lives and its level (none for a GPU's memory)."""
    info = grid.Case("numpy", 10, 100).info()
    assert {*schema.CASE_FIELDS, schema.BYTES_X, schema.MEMORY, schema.LEVEL} == set(info)
    assert info[schema.LEVEL] == environment.memory_level(8000, 1) and info[schema.MEMORY] == schema.HOST


def test_machine_record_is_identity_only_and_stable():
    """Two readings agree and hold exactly MACHINE_FIELDS (nothing live); a GPU only where cupy runs."""
    environment.machine_record.cache_clear()
    first = environment.machine_record()
    environment.machine_record.cache_clear()
    assert environment.machine_record() == first and set(first) == set(schema.MACHINE_FIELDS)
    assert (first[schema.GPU] is not None) == impls.get("cupy").available


def test_noise_record_from_two_snapshots():
    """Steal is stolen ticks over all ticks between the snapshots; drift is (max − min)/median per thread count."""
    start = {"ticks": [100, 0, 50, 800, 0, 0, 0, 50], "load": 1.0}
    end = {"ticks": [200, 0, 100, 1600, 0, 0, 0, 100], "load": 2.0}
    record = environment.noise_record(start, end, {"1": [10.0, 12.0, 11.0], "2": [20.0, 30.0]})
    assert record.steal_fraction == pytest.approx(50 / 1000)
    assert record.load_average == (1.0, 2.0)
    assert record.probe_drift == pytest.approx(10 / 25)
    assert environment.noise_record({"ticks": [], "load": 0.5}, end, {}).steal_fraction is None


def test_grid_facts_state_what_the_report_must_not_retype():
    """The run record's grid facts hold the scaling workers and chunk caps, layouts and rounds settings."""
    facts = grid.facts(grid.PROFILES[QUICK])
    assert facts[schema.GRID_SCALING_WORKERS] == list(grid.SCALING_WORKERS)
    assert facts[schema.GRID_SCALING_CHUNK_BYTES] == list(grid.SCALING_CHUNK_BYTES)
    for prof in grid.PROFILES.values():  # a 95% interval needs 6 rounds, however long a size's round is
        assert prof.visits * prof.least_rounds >= 6 and prof.least_rounds <= prof.rounds_per_visit


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


@pytest.mark.parametrize("name", impls.names())
def test_case_info_works_for_every_implementation_available_or_not(name):
    """Skipped cases are recorded with info(), so it must not need the implementation's module."""
    info = grid.Case(name, 10, 100).info()
    assert info[schema.MEMORY] == (impls.get(name).memory if impls.get(name).available else None)
    assert info[schema.MEMORY] in (schema.HOST, schema.DEVICE, None)


def test_recorded_library_versions_come_from_the_registry():
    """Results record the versions of what the interface and the implementations import (the registry's libraries)."""
    names = environment.packages()
    assert {"numpy", "numba", "llvmlite", "threadpoolctl"} <= set(names)
    for peer in ("torch", "jax", "dask", "distributed"):  # installed or not, whichever holds here
        assert (peer in names) == (importlib.util.find_spec(peer) is not None), peer
    assert "pytest" not in names and "matplotlib" not in names  # tools, not what the implementations run on
    assert set(environment.versions()) - {"python"} == set(names)
