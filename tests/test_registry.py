"""The registry: names, lookup errors, metadata, unavailable implementations."""

import ast
import json
import sys
import tomllib
import types
from pathlib import Path

import numpy as np
import pytest

import impls
from impls import _registry
from impls._spec import DEVICE, HOST, Spec, spec_of
from reports.contract import schema

RESULTS = Path(__file__).parent / "data" / "pytest-benchmark-new.json"  # a run the benchmarks recorded


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
    """Each implementation's spec: its name, a one-line summary, float64 among its dtypes."""
    assert impl.name in impls.names()
    assert isinstance(impl.spec, Spec) and impl.summary == impl.spec.summary and "\n" not in impl.summary
    assert "float64" in impl.dtypes


def test_implementations_without_an_extra_are_available():
    """The core ones (no pip extra) run everywhere; availability and its reason always agree."""
    for name in impls.names():
        impl = impls.get(name)
        assert impl.available == (impl.unavailable_reason is None), name
        if _registry.MODULES[name].extra is None:
            assert impl.available, f"{name}: {impl.unavailable_reason}"


def test_roles_name_registered_implementations():
    """REFERENCE and BASELINE are registered, and the baseline is the lecture's first version."""
    assert impls.REFERENCE in impls.names() and impls.BASELINE == impls.names()[0]


def test_spec_rejects_misspelled_and_wrong_fields():
    """A typo in a field name, a non-bool flag or an unknown memory fails when the spec is declared."""
    with pytest.raises(TypeError, match="uses_thread"):
        Spec(summary="x", uses_thread=True)
    with pytest.raises(TypeError, match="jit must be True or False"):
        Spec(summary="x", jit="yes")
    with pytest.raises(ValueError, match="memory must be"):
        Spec(summary="x", memory="gpu")
    with pytest.raises(ValueError, match="dtypes must include float64"):
        Spec(summary="x", dtypes=("float16",))


def _module(name: str, **attributes) -> types.ModuleType:
    module = types.ModuleType(name)
    module.gradients = lambda w, b, X, Y: None
    vars(module).update(attributes)
    return module


def test_a_module_without_spec_fails_loudly():
    """No SPEC is a TypeError naming the module, never a default."""
    with pytest.raises(TypeError, match="fake must declare SPEC"):
        spec_of(_module("fake"))
    assert spec_of(_module("fake", SPEC=Spec(summary="x"))).uses_threads is False


@pytest.mark.parametrize("memory", [HOST, DEVICE])
def test_each_memory_word_is_written_and_read_back_as_the_results_contract_says(tmp_path, monkeypatch, memory):
    """Where X lives, as a spec declares it, goes into a result through the grid and comes back out of the reader."""
    from benchmarks import grid
    from reports.load import load

    data = json.loads(RESULTS.read_text(encoding="utf-8"))
    entry = next(b for b in data["benchmarks"] if b["extra_info"].get(schema.BENCHMARK) == schema.GRADIENTS)
    monkeypatch.setattr(impls.Implementation, "memory", property(lambda self: memory))
    case = grid.Case(entry["extra_info"][schema.IMPLEMENTATION], entry["extra_info"][schema.N],
                     entry["extra_info"][schema.M])
    entry["extra_info"].update(case.info())
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    [record] = [r for r in load([path]).records if (r.benchmark, r.implementation, r.n, r.m) ==
                (schema.GRADIENTS, case.implementation, case.n, case.m) and r.threads == case.threads]
    assert record.memory == memory


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


def _unavailable_params():
    off = [impls.get(name) for name in impls.names() if not impls.get(name).available]
    skip = pytest.mark.skip(reason="every registered implementation is available here")
    return [pytest.param(impl, id=impl.name) for impl in off] or [pytest.param(None, marks=skip)]


@pytest.mark.parametrize("off", _unavailable_params())
def test_unavailable_implementation_is_listed_and_says_why(off):
    """Listed anyway; the reason names the missing dependency and its extra; calling it is a RuntimeError."""
    reason = off.unavailable_reason
    assert off.name in impls.names() and not off.available
    assert isinstance(reason, str) and reason and "\n" not in reason
    module = _registry.load(off.name)
    if isinstance(module, ImportError):  # not installed; otherwise the module itself says why (no GPU)
        extra = _registry.MODULES[off.name].extra
        assert reason.startswith(f"{module.name} is not installed")
        assert f"pip install 'logreg-vectorization-bench[{extra}]'" in reason
        assert reason in off.summary  # no SPEC to read: the summary says why instead
    with pytest.raises(RuntimeError, match=f"implementation '{off.name}' is not available here: ") as info:
        off.gradients(np.ones(2), 0.0, np.ones((2, 3)), np.zeros(3))
    assert reason in str(info.value)


def test_every_extra_is_declared_in_pyproject():
    """Each registry extra is an optional-dependencies group, so the install hint it gives works."""
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    declared = pyproject["project"]["optional-dependencies"]
    for name, (_, extra, _) in _registry.MODULES.items():
        assert extra is None or declared.get(extra), f"{name}: extra {extra!r} is not in pyproject.toml"


def test_overhead_entry_point_forms_one_difference_per_round(capsys):
    """python -m impls --overhead: one public − kernel difference per round, printed as median [lowest, highest]."""
    from impls.__main__ import main, overhead

    diffs, kernel, speed = overhead(impls.REFERENCE, 3, 20, rounds=6, calls=5)
    assert len(diffs) == 6 and kernel > 0
    assert len(speed) == 6 and min(speed) > 0
    main(["--overhead", "--impls", impls.REFERENCE, "--rounds", "6", "--calls", "5"])
    out = capsys.readouterr().out
    assert "median [lowest, highest round]" in out
    assert f"{impls.REFERENCE}:" in out and "processor state: sum(range(1000)) took" in out



def _imported_libraries(module: str) -> set[str]:
    """Top-level packages a module of impls imports at module level, following impls' own modules (read, not run)."""
    def source(name: str) -> Path | None:  # the file of an impls module, None for anything else
        path = Path(impls.__file__).parent / f"{name.removeprefix('impls.')}.py"
        return path if name.startswith("impls.") and "." not in name[6:] and path.exists() else None

    tree = ast.parse((source(module) or Path(impls.__file__)).read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    found = {name.partition(".")[0] for name in names if not name.startswith("impls")}
    for name in names:
        if source(name):
            found |= _imported_libraries(name)
    return found - set(sys.stdlib_module_names)


@pytest.mark.parametrize("name", impls.names())
def test_declared_libraries_are_what_the_module_imports(name):
    """The registry's libraries (the installed-here check, recorded versions) are exactly what the module imports."""
    entry = _registry.MODULES[name]
    assert set(entry.libraries) == _imported_libraries(entry.module)


def test_interface_libraries_are_what_the_interface_imports():
    """The interface's own libraries, declared once, match what impls/__init__.py imports (through its modules)."""
    assert set(_registry.INTERFACE_LIBRARIES) == _imported_libraries("impls")
