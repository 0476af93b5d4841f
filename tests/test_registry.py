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
