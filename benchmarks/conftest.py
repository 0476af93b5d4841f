"""pytest-benchmark wiring: machine info once per run, and skipped cases recorded in the JSON."""

import pytest

from benchmarks import environment

_SKIPS = pytest.StashKey[list]()
_START_BANDWIDTH = pytest.StashKey[dict]()


def pytest_configure(config):
    config.stash[_SKIPS] = []


def pytest_sessionstart(session):
    """Read bandwidth before the first case too, when cases will be timed: the record keeps both ends."""
    config = session.config
    disabled = config.getoption("benchmark_disable") and not config.getoption("benchmark_enable")
    skipped = config.getoption("benchmark_skip") and not config.getoption("benchmark_only")
    if not (disabled or skipped):
        config.stash[_START_BANDWIDTH] = environment.read_bandwidth()


def pytest_benchmark_update_machine_info(config, machine_info):
    """CPU, cores, BLAS and its threads, versions, read bandwidth: recorded once for the whole run."""
    machine_info["logreg"] = environment.machine_record(start=config.stash.get(_START_BANDWIDTH, None))


def pytest_benchmark_update_json(config, benchmarks, output_json):
    """The cases that did not run, with why, so a report can say so instead of dropping them."""
    output_json["logreg"] = {"skipped": config.stash[_SKIPS], "unavailable": environment.unavailable()}


@pytest.fixture
def skip_case(request):
    """Skip a case with its reason, and remember it for the JSON."""

    def skip(case, benchmark: str, reason: str):
        request.config.stash[_SKIPS].append({**case.info(), "benchmark": benchmark, "reason": reason})
        pytest.skip(reason)

    return skip
