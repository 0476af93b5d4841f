"""Counts under callgrind (benchmarks/counting.py): the arithmetic, the dump reader, and real counts that repeat."""

import pytest

from benchmarks import counting, grid
from reports.contract import schema

NEEDS_VALGRIND = pytest.mark.skipif(counting.unavailable_reason() is not None,
                                    reason=str(counting.unavailable_reason()))


def events(ir, dr=0, dw=0, i1=0, d1r=0, d1w=0, ll_i=0, ll_r=0, ll_w=0) -> dict[str, int]:
    return dict(zip(("Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw"),
                    (ir, dr, dw, i1, d1r, d1w, ll_i, ll_r, ll_w), strict=True))


def test_per_call_cancels_what_a_window_costs_beyond_its_calls():
    """(CALLS calls − one call) / (CALLS − 1): a fixed cost in every window cancels; cycles by the stated formula."""
    fixed, call = events(1000, 100, 50, 10, 5, 5, 2, 2, 1), events(300, 200, 100, 20, 10, 10, 4, 6, 2)
    one = {k: fixed[k] + call[k] for k in fixed}
    many = {k: fixed[k] + counting.CALLS * call[k] for k in fixed}
    got = counting.per_call(one, many, n=10, m=30, bytes_x=2400)
    assert got.instructions == 300 and got.instructions_per_element == 1.0
    l1_hits, ll_hits, ram = (300 + 200 + 100) - (20 + 10 + 10), (20 + 10 + 10) - (4 + 6 + 2), 4 + 6 + 2
    assert got.estimated_cycles == l1_hits + 5 * ll_hits + 35 * ram
    assert got.memory_bytes == ram * counting.LINE_BYTES
    assert got.x_reads is None  # X far below X_READS_FROM x the simulated last-level cache


def test_reads_of_x_are_stated_only_where_x_dwarfs_the_simulated_cache():
    big = counting.X_READS_FROM * counting.LL_BYTES
    lines = big // counting.LINE_BYTES
    got = counting.per_call(events(0), events(0, ll_r=2 * lines * (counting.CALLS - 1)), n=1, m=1, bytes_x=big)
    assert got.x_reads == pytest.approx(2.0)
    assert counting.per_call(events(0), events(0), n=1, m=1, bytes_x=big - 1).x_reads is None


def test_dump_files_are_read_by_window_name(tmp_path):
    """A callgrind dump: the window's name from its trigger line, the totals under the events line."""
    (tmp_path / "callgrind.out.7.1").write_text(
        "desc: I1 cache: 32768 B, 64 B, 8-way associative\n"
        "desc: Trigger: Client Request: numpy|10|100|lecture|float64|1\n"
        "events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\nsummary: 0\nfn=(1)\n0 5\ntotals: 9 8 7 6 5 4 3 2 1\n")
    (tmp_path / "callgrind.out.7").write_text("desc: Trigger: Program termination\nevents: Ir\ntotals: 0\n")
    assert counting.windows(tmp_path) == {"numpy|10|100|lecture|float64|1": events(9, 8, 7, 6, 5, 4, 3, 2, 1)}


def test_without_valgrind_the_reason_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert counting.unavailable_reason() == counting.INSTALL_HINT
    assert "apt-get install valgrind" in counting.INSTALL_HINT


def test_counting_settings_go_on_top_of_the_users_environment():
    """PYTHONPATH and the rest pass through; threads, hash seed and the CPU Numba compiles for are pinned."""
    env = counting.environment({"PYTHONPATH": "/somewhere", "NUMBA_NUM_THREADS": "8", "OPENBLAS_L2_SIZE": "1"})
    assert env["PYTHONPATH"] == "/somewhere" and env["NUMBA_NUM_THREADS"] == "1" and env["PYTHONHASHSEED"] == "0"
    assert env["NUMBA_CPU_NAME"] == counting.NUMBA_CPU[0] and "OPENBLAS_L2_SIZE" not in env


def fields(implementation: str, n: int, m: int) -> dict:
    return grid.Case(implementation, n, m).info()  # threads=1 by default


@pytest.mark.slow
@NEEDS_VALGRIND
def test_counts_repeat_and_a_failing_case_costs_only_itself():
    """Two counting runs of the same cases agree within 0.1%; a case that cannot run is named with its reason.

    The same cases: another list changes the process's allocations before a window, and with them
    the alignment of NumPy's temporaries, which moved instructions by 0.5% at this small size.
    """
    good, bad = fields("numpy", 10, 1000), {**fields("numpy", 10, 1000), schema.DTYPE: "float16"}
    first = counting.count([good, bad], timeout_s=600)
    second = counting.count([good, bad], timeout_s=600)
    key = counting.window_name(good, 1)
    a, b = first[key], second[key]
    assert isinstance(a, counting.Counts) and a.instructions > 10_000
    assert abs(a.instructions - b.instructions) <= 1e-3 * a.instructions
    assert abs(a.estimated_cycles - b.estimated_cycles) <= 1e-3 * a.estimated_cycles
    assert a.instructions_per_element == pytest.approx(a.instructions / (10 * 1000))
    assert "float16" in first[counting.window_name(bad, 1)]


def test_count_cases_keep_slow_implementations_to_affordable_sizes():
    """Every core implementation is counted somewhere; none where its native call would exceed the bound."""
    cases = grid.count_cases()
    available = {name for name in grid.COUNT_IMPLEMENTATIONS if grid.Case(name, 1, 1).impl.available}
    assert {c.implementation for c in cases} == available
    assert all(c.impl.estimated_seconds(c.n, c.m) <= grid.COUNT_CALL_S for c in cases)
    assert any(c.bytes_x >= counting.X_READS_FROM * counting.LL_BYTES for c in cases)
