"""The shape of the code: imports point down and never loop, a pure core, documented modules,
every finding code under test."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from cplkit.core.findings import CODES
from tests.conftest import ROOT, SAMPLES

PACKAGE = ROOT / "cplkit"
MODULES = sorted(PACKAGE.rglob("*.py"))
CORE = sorted((PACKAGE / "core").rglob("*.py"))

#: which layer may import which (besides itself). A module belongs to the first folder under
#: cplkit/; the top-level modules are their own layer. Imports point down only.
MAY_IMPORT: dict[str, set[str]] = {
    "errors": set(),
    "__init__": set(),
    "__main__": {"cli"},
    "base": {"errors", "__init__"},
    "core": {"errors"},
    "intake": {"core", "base", "errors"},
    "registry": {"core", "base", "errors", "__init__"},
    "signing": {"core", "base", "errors"},
    "forms": {"core", "base", "errors"},
    "publications": {"core", "signing", "forms", "base", "errors"},
    "render": {"core", "publications", "base", "errors", "__init__"},
    "app": {"core", "intake", "registry", "signing", "forms", "publications", "base", "errors"},
    "cli": {"app", "render", "core", "base", "errors", "__init__"},
}
#: libraries that do I/O, which the pure core never imports
IO_LIBRARIES = {"openpyxl", "xlsxwriter", "python_calamine", "lxml", "click", "csv", "zipfile",
                "pathlib", "os", "io", "shutil", "subprocess", "socket", "urllib", "jsonschema",
                "cryptography", "signxml", "asn1crypto", "fcntl", "tempfile"}


def _layer(module: str) -> str:
    """'cplkit.intake.xlsx' -> 'intake'; 'cplkit.errors' -> 'errors'; 'cplkit' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module != "cplkit":
                names.add(node.module)
                continue
            # 'from cplkit import X': X is a module or package of cplkit, or the root's own
            for alias in node.names:
                module = PACKAGE / alias.name
                is_module = module.is_dir() or module.with_suffix(".py").is_file()
                names.add(f"cplkit.{alias.name}" if is_module else "cplkit")
    return names


def test_every_layer_is_in_the_table() -> None:
    layers = {_layer(_module_name(p)) for p in MODULES}
    assert layers == set(MAY_IMPORT)


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_imports_point_down(path: Path) -> None:
    layer = _layer(_module_name(path))
    allowed = MAY_IMPORT[layer] | {layer}
    wrong = sorted(name for name in _imports(ast.parse(path.read_text()))
                   if (name == "cplkit" or name.startswith("cplkit."))
                   and _layer(name) not in allowed)
    assert not wrong, f"{layer} may import only {sorted(allowed)}; {path.name} imports {wrong}"


MODULE_NAMES = {_module_name(p) for p in MODULES}

#: import loops tolerated for now; each pair's edges are left out of the loop check (none)
KNOWN_LOOPS: set[frozenset[str]] = set()


def _module_imports(tree: ast.AST) -> set[str]:
    """The cplkit modules a module imports: anywhere in it (under ``TYPE_CHECKING`` and inside
    functions too), and ``from package import name`` as the module ``package.name`` where
    that is a module."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                names.add(sub if sub in MODULE_NAMES else node.module)
    return names & MODULE_NAMES


def _import_graph() -> dict[str, set[str]]:
    graph = {}
    for path in MODULES:
        name = _module_name(path)
        graph[name] = {m for m in _module_imports(ast.parse(path.read_text())) if m != name
                       and frozenset({name, m}) not in KNOWN_LOOPS}
    return graph


def _loop(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import loop of ``graph`` (module -> the modules it imports), or None."""
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        loop: list[str] = error.args[1]
        return loop
    return None


def test_no_import_loops() -> None:
    """A loop makes what a module sees depend on which of the two is imported first."""
    assert _loop(_import_graph()) is None


def test_the_loop_test_catches_a_loop_through_a_type_checking_import() -> None:
    graph = _import_graph()
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                     "    from cplkit.core import validate\n")
    graph["cplkit.core.rules.view"] |= _module_imports(tree)
    loop = _loop(graph)
    assert loop is not None and {"cplkit.core.validate", "cplkit.core.rules.view"} <= set(loop)


def test_the_layer_test_catches_an_upward_import() -> None:
    """The table is not vacuous: an adapter importing a use case is caught."""
    tree = ast.parse("from cplkit.app.check import check_file\n")
    allowed = MAY_IMPORT["intake"] | {"intake"}
    assert {_layer(n) for n in _imports(tree)} - allowed == {"app"}


@pytest.mark.parametrize("path", CORE, ids=[str(p.relative_to(ROOT)) for p in CORE])
def test_core_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text())
    forbidden = {name for name in _imports(tree)
                 if any(name == lib or name.startswith(lib + ".") for lib in IO_LIBRARIES)}
    assert not forbidden, f"{path.name} imports I/O: {forbidden}"
    calls = {n.func.id for n in ast.walk(tree)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert not calls & {"open", "print", "input"}
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not attributes & {"today", "now", "utcnow"}, "the core never reads the clock"


def test_rules_are_an_explicit_table() -> None:
    """Rules run from one ordered tuple; importing a rule module registers nothing."""
    from cplkit.core.rules import RULES, versions

    assert RULES.index(versions.device_level_versioning) > max(
        RULES.index(versions.spec_family), RULES.index(versions.gbcs_family),
        RULES.index(versions.legacy_values))
    for path in (PACKAGE / "core" / "rules").glob("*.py"):
        tree = ast.parse(path.read_text())
        # a decorator on a module's function is how a rule would register itself on import
        decorated = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)
                     and n.decorator_list]
        assert not decorated, f"{path.name}: rules are plain functions, listed in RULES"


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_every_module_says_what_it_does(path: Path) -> None:
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert docstring and len(docstring) > 40, path


#: codes whose tests are not sample files, and where those tests are
TESTED_ELSEWHERE = {
    "CPL-F01": "tests/intake/test_hostile.py",
    "CPL-F02": "tests/intake/test_hostile.py",
    "CPL-F08": "tests/intake/test_changefiles.py",
    "CPL-R06": "tests/core/test_rules.py",
    "CPL-R07": "tests/core/test_rules.py",
    "CPL-M01": "tests/core/test_merge.py",
    "CPL-M02": "tests/core/test_merge.py",
    "CPL-M03": "tests/core/test_merge.py",
    "CPL-M04": "tests/core/test_merge.py",
    "CPL-M05": "tests/core/test_merge.py",
    "CPL-M06": "tests/app/test_publish.py",
    "CPL-M07": "tests/core/test_merge.py",
    "CPL-M08": "tests/app/test_publish.py",
    "CPL-M09": "tests/app/test_withdrawn.py",
    "CPL-I01": "tests/app/test_importing.py",
    "CPL-I02": "tests/app/test_importing.py",
    "CPL-I03": "tests/app/test_importing.py",
    "CPL-I04": "tests/app/test_importing.py",
    "CPL-V14": "tests/core/test_rules.py",
    "CPL-V15": "tests/test_macro_parity.py",
}


def test_every_code_has_a_test() -> None:
    expected = json.loads((SAMPLES / "invalid" / "expected.json").read_text())["files"]
    in_samples = {f["code"] for findings in expected.values() for f in findings}
    for code, where in TESTED_ELSEWHERE.items():
        assert code in (ROOT / where).read_text() or code[4:] in (ROOT / where).read_text()
    assert set(CODES) == in_samples | set(TESTED_ELSEWHERE)


def test_every_json_schema_is_a_valid_schema_and_every_data_file_follows_its_own() -> None:
    from jsonschema import Draft202012Validator

    schemas = sorted((ROOT / "schemas").glob("*.schema.json"))
    assert schemas
    for schema in schemas:
        Draft202012Validator.check_schema(json.loads(schema.read_text()))
    for data in sorted((ROOT / "schemas").glob("*.json")):
        if data.name.endswith(".schema.json"):
            continue
        document = json.loads(data.read_text())
        schema = json.loads((ROOT / "schemas" / document["$schema"]).read_text())
        Draft202012Validator(schema).validate(document)
