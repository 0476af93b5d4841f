"""pytest-benchmark wiring: the machine's identity, the run's recorder and record, rounds spread over the run."""

import os

import pytest

from benchmarks import counting, environment, estimates, grid, rounds
from benchmarks.bench_gradients import TRAIN_ITERATIONS, TRAIN_SIZE
from benchmarks.recorder import RunRecorder
from reports.contract import events, schema

_RECORDER = pytest.StashKey[RunRecorder]()  # the session's readings, from its start (pytest_sessionstart)
_LIVE_CPU_FIELDS = ("hz_actual", "hz_actual_friendly")  # py-cpuinfo's current clock: a live reading
# Each test's benchmark kind, for its expected length (estimates.expected_seconds).
_KINDS = {"test_gradients": schema.GRADIENTS, "test_train": schema.TRAIN, "test_prepare": schema.PREPARE,
          "test_rounds": schema.ROUNDS, "test_scaling_numpy": schema.SCALING, "test_scaling_dask": schema.SCALING,
          "test_scaling_generated": schema.SCALING_GENERATED}


def _timing(config) -> bool:
    disabled = config.getoption("benchmark_disable") and not config.getoption("benchmark_enable")
    skipped = config.getoption("benchmark_skip") and not config.getoption("benchmark_only")
    return not (disabled or skipped)


def pytest_sessionstart(session):
    """The session's recorder: noise now and, when cases will be timed, every level's bandwidth before the first."""
    recorder = session.config.stash[_RECORDER] = RunRecorder()
    if _timing(session.config):
        recorder.measure_start(grid.profile().threads)
    events.emit({events.RUN_RECORD: recorder.record(_grid_facts())})


def pytest_runtest_teardown(item):
    """The run record as this case leaves it (its skip, first calls, noise so far), for a process killed later."""
    events.emit({events.RUN_RECORD: item.config.stash[_RECORDER].record(_grid_facts())})


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
    """The run record (schema.RUN_FIELDS that the benchmarks know): bandwidth measured once more at the end."""
    output_json[schema.SUITE_KEY] = config.stash[_RECORDER].finish(_grid_facts(), grid.profile().threads)


def _grid_facts() -> dict:
    """The profile's grid facts, with the rounds' shortest measurement and the train benchmark's size."""
    return {**grid.facts(), schema.GRID_MIN_MEASURE_S: rounds.MIN_MEASURE_S,
            schema.GRID_TRAIN: {schema.N: TRAIN_SIZE[0], schema.M: TRAIN_SIZE[1], schema.ITERATIONS: TRAIN_ITERATIONS}}


@pytest.fixture
def recorder(request) -> RunRecorder:
    """The session's recorder, for what records into it (first calls, DRAM readings)."""
    return request.config.stash[_RECORDER]


@pytest.fixture
def skip_case(recorder):
    """Skip a case with its reason, and remember it for the JSON."""

    def skip(case, benchmark: str, reason: str):
        recorder.skip(case, benchmark, reason)
        pytest.skip(reason)

    return skip


@pytest.hookimpl(optionalhook=True)  # reports.progress declares it; a plain `pytest benchmarks` loads no such plugin
def pytest_sweep_expected_seconds(items):
    """Each benchmark case's expected seconds (estimates.expected_seconds), estimated in the order the cases run."""
    called = set(items[0].config.stash[_RECORDER].first_calls) if items else set()
    warm, found = estimates.Warm(called=called), {}
    for item in items:
        if getattr(item, "originalname", None) == "test_counts" and os.environ.get(schema.COUNTS_ENV) == "1" \
                and counting.unavailable_reason() is None:
            found[item.nodeid] = counting.expected_seconds(grid.count_cases())
        kind, case = _KINDS.get(getattr(item, "originalname", None)), _case(item)
        if kind and case:
            max_time = float(item.config.getoption("benchmark_max_time"))  # a string on pytest-benchmark's command line
            calls = TRAIN_ITERATIONS if kind == schema.TRAIN else 1
            found[item.nodeid] = estimates.expected_seconds(kind, case, warm, max_time, _min_rounds(item), calls)
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
