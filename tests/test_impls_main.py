"""python -m impls: every option checked by argparse (one error line, exit 2); the chosen runs print their lines."""

import pytest

import impls
import impls.__main__ as demo
from impls.__main__ import main


def _usage_error(capsys, argv) -> str:
    """The error line of a run that argparse refuses (exit 2), after checking that nothing else was printed."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    assert info.value.code == 2 and out == ""
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("option", ["-n", "-m", "--repeat", "--rounds", "--calls"])
@pytest.mark.parametrize("value", ["0", "-5", "1.5", "abc"])
def test_counts_must_be_positive_integers(capsys, option, value):
    """0, negative, fractional or non-numeric counts are a usage error naming the option, never a default."""
    overhead = ["--overhead"] if option in ("--rounds", "--calls") else []
    line = _usage_error(capsys, [*overhead, option, value])
    assert line == f"python -m impls: error: argument {option}: must be a positive integer, got '{value}'"


@pytest.mark.parametrize(("argv", "message"), [
    (["--rounds", "3"], "--rounds is not used without --overhead"),
    (["--calls", "2", "--rounds", "2"], "--rounds and --calls are not used without --overhead"),
    (["--overhead", "--repeat", "3"], "--repeat is not used with --overhead"),
    (["--impls", "fortran"], "argument --impls: invalid choice: 'fortran'"),
])
def test_options_the_mode_does_not_use_are_refused(capsys, argv, message):
    """An option that would be silently ignored, or an unknown name, is a usage error."""
    assert message in _usage_error(capsys, argv)


def test_a_size_that_does_not_fit_is_refused_before_allocating(capsys, monkeypatch):
    """X and its prepared copy beyond free memory: one line naming the sizes, and no data is drawn."""
    monkeypatch.setattr(demo, "available_bytes", lambda: 2**30)
    monkeypatch.setattr(impls, "make_problem", lambda *args, **kwargs: pytest.fail("allocated X"))
    line = _usage_error(capsys, ["-n", "10000", "-m", "10000"])
    assert line.startswith("python -m impls: error: n=10000, m=10000: X and its prepared copy need 1.49 GiB, "
                           "more than the 1 GiB of memory free here")


def test_the_demo_times_the_chosen_implementations_and_the_baseline(capsys):
    """--impls selects what the demo times; the baseline is always timed, since speedups are stated over it."""
    main(["--impls", "numpy", "numpy", "-n", "2", "-m", "3", "--repeat", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("n=2, m=3, float64, one thread, median of 1 calls")
    assert [line.split(":")[0].strip() for line in lines[1:]] == [impls.BASELINE, "numpy"]
    assert "speedup     1.00×" in lines[1]


def test_one_implementation_out_of_memory_does_not_stop_the_others(capsys, monkeypatch):
    """A MemoryError from one implementation's prepare (its own copy of X) is a line; the rest still run."""
    def prepare(self, X, Y, *, dtype=None, _prepare=impls.Implementation.prepare):
        if self.name == "numpy":
            raise MemoryError("no room for a copy")
        return _prepare(self, X, Y, dtype=dtype)

    monkeypatch.setattr(impls.Implementation, "prepare", prepare)
    main(["--impls", "numpy", "-n", "2", "-m", "3", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "numpy: skipped: no room for a copy" in out and f"{impls.BASELINE}:" in out


def test_overhead_runs_the_chosen_implementations_with_the_given_counts(capsys):
    """--overhead with --impls, --rounds and --calls: one line per implementation, in display order."""
    main(["--overhead", "--impls", "numba", "numpy", "-n", "2", "-m", "3", "--rounds", "1", "--calls", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert "n=2, m=3" in lines[0] and "1 interleaved rounds" in lines[0] and "of 1 calls" in lines[0]
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["numpy", "numba"]
