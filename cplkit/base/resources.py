"""Finds and loads the data files bundled with cplkit (``schemas/``).

This is the only module that knows where they live: inside the installed package as
``cplkit/_schemas`` and ``cplkit/_samples`` (a wheel), or beside the package at the top of the
repository (a checkout or an editable install). It does not interpret the files it loads,
beyond holding a document to one of the bundled JSON Schemas (``schema_problem``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from cplkit.errors import DataFileError

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # cplkit/


@cache
def schemas_dir() -> Path:
    """The directory holding the bundled rulesets and JSON Schemas."""
    for candidate in (_PACKAGE_DIR / "_schemas", _PACKAGE_DIR.parent / "schemas"):
        if (candidate / "ruleset.schema.json").is_file():
            return candidate
    raise DataFileError(
        "cplkit's bundled data files (schemas/) are missing",
        hint="reinstall cplkit: pip install --force-reinstall cplkit",
    )


@cache
def samples_dir() -> Path:
    """The bundled valid sample submissions (used by 'cplkit demo')."""
    for candidate in (_PACKAGE_DIR / "_samples", _PACKAGE_DIR.parent / "samples"):
        if (candidate / "valid").is_dir():
            return candidate
    raise DataFileError("cplkit's bundled samples are missing",
                        hint="reinstall cplkit: pip install --force-reinstall cplkit")


def schema_path(name: str) -> Path:
    return schemas_dir() / name


@cache
def load_json(name: str) -> Any:
    """Load a bundled JSON file by its name under ``schemas/``; cached, so treat it as read-only."""
    path = schema_path(name)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(f"bundled data file {path} cannot be read: {exc}") from exc


@cache
def _validator(name: str) -> Any:
    # made once a process (jsonschema imported on first use: a form's check never needs it)
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_json(name))


def schema_errors(name: str, document: Any) -> list[Any]:
    """Every way ``document`` breaks the bundled JSON Schema ``name`` (jsonschema's errors),
    ordered by where they are."""
    return sorted(_validator(name).iter_errors(document),
                  key=lambda e: list(map(str, e.absolute_path)))


def schema_problem(name: str, document: Any) -> str | None:
    """Where and why ``document`` breaks the bundled JSON Schema ``name`` (its first error, as
    'path: message'), or None if it follows the schema."""
    errors = schema_errors(name, document)
    if not errors:
        return None
    where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
    return f"{where}: {errors[0].message}"
