"""The registry: names, lookup errors, metadata."""

import pytest

import impls


def test_first_four_are_registered_in_display_order():
    """The lecture's three versions and Numba lead the list."""
    assert impls.names()[:4] == ("double_loop", "single_loop", "numpy", "numba")


def test_unknown_name_lists_valid_names():
    """A typo gets a ValueError that names every valid choice."""
    with pytest.raises(ValueError, match="unknown implementation 'nunpy'") as info:
        impls.get("nunpy")
    for name in impls.names():
        assert name in str(info.value)


def test_metadata(impl):
    """Each implementation has its name and a one-line summary."""
    assert impl.name in impls.names()
    assert impl.summary and "\n" not in impl.summary
    assert "float64" in impl.dtypes
    assert impl.available and impl.unavailable_reason is None


def test_limit_threads_pins_numba_and_blas_and_restores():
    """limit_threads(1) pins Numba and every BLAS pool to one thread, and restores them after."""
    before = impls.thread_info()
    with impls.limit_threads(1) as k:
        info = impls.thread_info()
        assert k == 1 and info["numba_threads"] == 1
        assert all(lib["num_threads"] == 1 for lib in info["blas"])
    assert impls.thread_info()["numba_threads"] == before["numba_threads"]
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        with impls.limit_threads(0):
            pass
