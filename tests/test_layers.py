"""The packages' layers, read from their imports: impls at the bottom, the contract beside it, the report on top.

    impls              imports nothing of the suite (it is the library users import)
    reports.contract   the standard library only (both the benchmarks and the report read it)
    benchmarks         impls and reports.contract
    reports (the rest) anything below it, never benchmarks (it runs them as a child process)

and no module imports one that imports it back, directly or not. Imports inside functions count too;
those under ``if TYPE_CHECKING:`` do not (they never run: annotations only).
"""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITE = ("impls", "benchmarks", "reports")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runs(tree: ast.AST):
    """Every node of the tree except what sits under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        test = node.test if isinstance(node, ast.If) else None
        if test is not None and getattr(test, "id", getattr(test, "attr", None)) == "TYPE_CHECKING":
            continue
        yield node
        yield from runs(node)


def imported(path: Path) -> set[str]:
    """Every module the file imports, at any depth of its code, as absolute dotted names."""
    found = set()
    for node in runs(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return found


MODULES = {module_name(p): imported(p) for package in SUITE for p in sorted((ROOT / package).rglob("*.py"))}


def suite_imports(name: str) -> set[str]:
    """The suite's modules that `name` imports (a `from pkg import function` counts as pkg)."""
    return {m for m in MODULES[name] if m in MODULES}


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("name", sorted(m for m in MODULES if within(m, "impls")))
def test_impls_import_nothing_of_the_suite(name):
    assert {m for m in suite_imports(name) if not within(m, "impls")} == set()


@pytest.mark.parametrize("name", sorted(m for m in MODULES if within(m, "reports.contract")))
def test_the_contract_imports_the_standard_library_only(name):
    outside = {m for m in MODULES[name] if not within(m, "reports.contract")
               and m.split(".")[0] not in sys.stdlib_module_names and m != "__future__"}
    assert outside == set()


@pytest.mark.parametrize("name", sorted(m for m in MODULES if within(m, "benchmarks")))
def test_benchmarks_import_impls_and_the_contract_only(name):
    assert {m for m in suite_imports(name) if not within(m, "impls", "benchmarks", "reports.contract")} == set()


@pytest.mark.parametrize("name", sorted(m for m in MODULES if within(m, "reports")))
def test_the_report_never_imports_the_benchmarks(name):
    assert {m for m in suite_imports(name) if within(m, "benchmarks")} == set()


def test_no_module_imports_itself_back():
    """Depth-first search over the suite's import graph: a module met again on the current path is a cycle."""
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for other in sorted(suite_imports(name) - {name}):
            if within(name, other):  # a package's own __init__ is not an import back
                continue
            assert state.get(other) != "open", f"import cycle: {' -> '.join([*path, name, other])}"
            if other not in state:
                visit(other, [*path, name])
        state[name] = "done"

    for name in sorted(MODULES):
        if name not in state:
            visit(name, [])
