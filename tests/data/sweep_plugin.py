"""A stand-in for benchmarks/conftest.py in the sweep's tests (`-p tests.data.sweep_plugin`: tests/test_progress.py).

It gives every case an estimate and sends a piece of a run record at the session's start, as the
benchmarks' conftest does. It imports no reports module that the sweep loads with -p (pytest
would warn that it cannot rewrite a module imported before it).
"""

import pytest

ESTIMATE_S = 0.2  # what every case is expected to take
PROFILE_SENT = "sent"  # the run record's profile, as sent


@pytest.hookimpl(optionalhook=True)
def pytest_sweep_expected_seconds(items):
    """Every case is expected to take ESTIMATE_S."""
    return {item.nodeid: ESTIMATE_S for item in items}


def pytest_sessionstart(session):
    """A piece of the run record, sent as an event."""
    from reports.contract.events import emit
    from reports.contract.schema import PROFILE, SUITE_KEY

    emit({SUITE_KEY: {PROFILE: PROFILE_SENT}})
