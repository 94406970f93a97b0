"""The shape of the code: a pure core, documented modules, every finding code under test."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from cplkit.core.findings import CODES
from tests.conftest import ROOT, SAMPLES

PACKAGE = ROOT / "cplkit"
MODULES = sorted(PACKAGE.rglob("*.py"))
CORE = sorted((PACKAGE / "core").rglob("*.py"))
IO_LIBRARIES = {"openpyxl", "python_calamine", "lxml", "click", "csv", "zipfile", "pathlib",
                "os", "io", "shutil", "subprocess", "socket", "urllib", "jsonschema",
                "cplkit.io", "cplkit.cli", "cplkit.check", "cplkit.resources"}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


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


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT)) for p in MODULES])
def test_every_module_says_what_it_does(path: Path) -> None:
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert docstring and len(docstring) > 40, path


#: codes whose tests are not sample files, and where those tests are
TESTED_ELSEWHERE = {
    "CPL-F01": "tests/io/test_hostile.py",
    "CPL-F02": "tests/io/test_hostile.py",
    "CPL-R06": "tests/core/test_rules.py",
    "CPL-R07": "tests/core/test_rules.py",
    "CPL-M01": "tests/core/test_merge.py",
    "CPL-M02": "tests/core/test_merge.py",
    "CPL-M03": "tests/core/test_merge.py",
    "CPL-M04": "tests/core/test_merge.py",
    "CPL-M05": "tests/core/test_merge.py",
    "CPL-I01": "tests/io/test_secas_workbook.py",
    "CPL-I02": "tests/io/test_secas_workbook.py",
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
