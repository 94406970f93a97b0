"""Finds and loads the data files bundled with cplkit (``schemas/``).

This is the only module that knows where they live: inside the installed package as
``cplkit/_schemas`` and ``cplkit/_samples`` (a wheel), or beside the package at the top of the
repository (a checkout or an editable install). It does not interpret the files it loads.
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
