"""pytest-benchmark wiring: the machine's identity, the run record (schema.RUN_FIELDS), rounds spread over the run."""

import os

import pytest

import impls
from benchmarks import counting, environment, grid, roofline
from benchmarks.bench_gradients import TRAIN_ITERATIONS, TRAIN_SIZE
from reports.contract import events, schema

_SKIPS = pytest.StashKey[list]()
_START = pytest.StashKey[dict]()  # noise snapshot and, when cases are timed, level bandwidths at the start
_RECORD = pytest.StashKey[dict]()  # the run record, made once (autosave and --benchmark-json both ask)
_LIVE_CPU_FIELDS = ("hz_actual", "hz_actual_friendly")  # py-cpuinfo's current clock: a live reading
# Each test's benchmark kind, for its expected length (grid.expected_seconds).
_KINDS = {"test_gradients": schema.GRADIENTS, "test_train": schema.TRAIN, "test_prepare": schema.PREPARE,
          "test_rounds": schema.ROUNDS, "test_scaling_numpy": schema.SCALING, "test_scaling_dask": schema.SCALING,
          "test_scaling_generated": schema.SCALING_GENERATED}


def _timing(config) -> bool:
    disabled = config.getoption("benchmark_disable") and not config.getoption("benchmark_enable")
    skipped = config.getoption("benchmark_skip") and not config.getoption("benchmark_only")
    return not (disabled or skipped)


def pytest_configure(config):
    config.stash[_SKIPS] = []


def pytest_sessionstart(session):
    """Noise snapshot and, when cases will be timed, every level's bandwidth before the first case."""
    config = session.config
    start = {"noise": environment.noise_snapshot()}
    if _timing(config):
        start["bandwidth"] = roofline.level_bandwidths(grid.profile().threads)
    config.stash[_START] = start
    events.emit({schema.SUITE_KEY: record_so_far(config)})


def pytest_runtest_teardown(item):
    """The run record as this case leaves it (its skip, first calls, noise so far), for a process killed later."""
    events.emit({schema.SUITE_KEY: record_so_far(item.config)})


def _visit(item) -> int | None:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get(schema.VISIT) if callspec else None


def pytest_collection_modifyitems(config, items):
    """Spread the rounds tests' visits over the run: visit i of V at i/(V−1) of the way through the rest.

    Between two visits of a size the rest of the sweep runs, so a size's rounds sample the machine's
    states from the run's start to its end, not only the minute its rounds happen to run in.
    """
    others = [item for item in items if _visit(item) is None]
    visits = sorted({v for item in items if (v := _visit(item)) is not None})
    merged = list(others)
    for i, v in reversed(list(enumerate(visits))):  # from the back, so earlier positions stay put
        at = round(i * len(others) / max(len(visits) - 1, 1))
        merged[at:at] = [item for item in items if _visit(item) == v]
    items[:] = merged


def pytest_benchmark_update_machine_info(config, machine_info):
    """Identity only (schema.MACHINE_FIELDS): the same in two runs, so pytest-benchmark's compare agrees."""
    for field in _LIVE_CPU_FIELDS:
        machine_info.get("cpu", {}).pop(field, None)
    machine_info[schema.SUITE_KEY] = environment.machine_record()


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """The run record: profile, roles, grid facts, skips, bandwidth per level, noise, first calls."""
    if _RECORD not in config.stash:
        config.stash[_RECORD] = run_record(config)
    output_json[schema.SUITE_KEY] = config.stash[_RECORD]


def run_record(config) -> dict:
    """schema.RUN_FIELDS that the benchmarks know (the sweep adds FAILED and INTERRUPTED)."""
    end = {schema.BW_WHEN: "end", schema.BW_LEVELS: roofline.level_bandwidths(grid.profile().threads)}
    return record_so_far(config, end)


def record_so_far(config, *more_samples: dict) -> dict:
    """The run record from what is measured so far: bandwidth at the start (and more_samples), noise until now."""
    start = config.stash[_START]
    samples = [{schema.BW_WHEN: "start", schema.BW_LEVELS: start["bandwidth"]}] if "bandwidth" in start else []
    samples += more_samples
    return {
        schema.PROFILE: grid.profile_name(),
        schema.ROLES: {schema.REFERENCE_ROLE: impls.REFERENCE, schema.BASELINE_ROLE: impls.BASELINE},
        schema.GRID: {**grid.facts(), schema.GRID_MIN_MEASURE_S: roofline.MIN_MEASURE_S,
                      schema.GRID_TRAIN: {schema.N: TRAIN_SIZE[0], schema.M: TRAIN_SIZE[1],
                                          schema.ITERATIONS: TRAIN_ITERATIONS}},
        schema.SKIPPED: config.stash[_SKIPS],
        schema.UNAVAILABLE: environment.unavailable(),
        schema.BANDWIDTH: roofline.bandwidth_record(samples),
        schema.NOISE: environment.noise_record(start["noise"], environment.noise_snapshot(), roofline.DRAM_READINGS),
        schema.FIRST_CALL: grid.FIRST_CALLS,
    }


@pytest.fixture
def skip_case(request):
    """Skip a case with its reason, and remember it for the JSON."""

    def skip(case, benchmark: str, reason: str):
        request.config.stash[_SKIPS].append({**case.info(), schema.BENCHMARK: benchmark, schema.REASON: reason})
        pytest.skip(reason)

    return skip


@pytest.hookimpl(optionalhook=True)  # reports.progress declares it; a plain `pytest benchmarks` loads no such plugin
def pytest_sweep_expected_seconds(items):
    """Each benchmark case's expected seconds (grid.expected_seconds), estimated in the order the cases run."""
    warm, found = grid.Warm(called=set(grid.FIRST_CALLS)), {}
    for item in items:
        if getattr(item, "originalname", None) == "test_counts" and os.environ.get(schema.COUNTS_ENV) == "1" \
                and counting.unavailable_reason() is None:
            found[item.nodeid] = counting.expected_seconds(grid.count_cases())
        kind, case = _KINDS.get(getattr(item, "originalname", None)), _case(item)
        if kind and case:
            max_time = float(item.config.getoption("benchmark_max_time"))  # a string on pytest-benchmark's command line
            calls = TRAIN_ITERATIONS if kind == schema.TRAIN else 1
            found[item.nodeid] = grid.expected_seconds(kind, case, warm, max_time, _min_rounds(item), calls)
    return found


def _case(item) -> grid.Case | grid.Size | None:
    """The grid case an item measures (a rounds visit: its size); None for an item of no grid case."""
    params = item.callspec.params if hasattr(item, "callspec") else {}
    if schema.VISIT in params:
        return grid.Size(**{f: params[f] for f in schema.SIZE_FIELDS})
    if "case" in params:
        return params["case"]  # a ScalingCase, or None for a placeholder that skips
    if set(schema.CASE_FIELDS) <= params.keys():
        return grid.Case(**{f: params[f] for f in schema.CASE_FIELDS})
    return None


def _min_rounds(item) -> int:
    """pytest-benchmark's least rounds for the item: its benchmark marker's, else the command line's."""
    marker = item.get_closest_marker("benchmark")
    return (marker.kwargs if marker else {}).get("min_rounds", item.config.getoption("benchmark_min_rounds"))
