"""pytest-benchmark wiring: machine info once per run, and skipped cases recorded in the JSON."""

import pytest

from benchmarks import environment

_SKIPS = pytest.StashKey[list]()


def pytest_configure(config):
    config.stash[_SKIPS] = []


def pytest_benchmark_update_machine_info(config, machine_info):
    """CPU, cores, BLAS and its threads, versions: recorded once for the whole run."""
    machine_info["logreg"] = environment.machine_record()


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
