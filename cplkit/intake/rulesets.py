"""Loads a ruleset: the bundled ``schemas/ruleset.json`` or an edited copy given by the user.

An edited file is checked against ``schemas/ruleset.schema.json`` first (the bundled one is held
to it by the tests), then its cross-references by ``Ruleset.from_dict``; any problem becomes one
``DataFileError`` that lists every bad part by its JSON path, so SECAS can fix an edited ruleset
in one go. Nothing here applies rules.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from cplkit.base import resources, strict_json
from cplkit.base.digest import sha256_hex
from cplkit.base.files import read_small
from cplkit.core.ruleset import Ruleset
from cplkit.errors import DataFileError

BUNDLED = "ruleset.json"
_MAX_RULESET_BYTES = 5 * 2**20


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(p) for p in path) if path else "(top level)"


def validate_ruleset_data(data: Any, origin: str) -> Ruleset:
    errors = resources.schema_errors("ruleset.schema.json", data)
    lines = [f"{_pointer(e.absolute_path)}: {e.message}" for e in errors[:20]]
    if len(errors) > 20:
        lines.append(f"... and {len(errors) - 20} more")
    try:
        # the cross-references too, so every bad part is named at once; where the structure
        # itself is broken they cannot all be followed, and the schema errors say why
        ruleset = _ruleset(data, origin)
    except DataFileError as exc:
        lines.extend(line for line in exc.message.split("\n  - ")[1:])
    except (KeyError, TypeError, ValueError, AttributeError):
        if not lines:
            raise
    if lines:
        raise DataFileError(
            f"{origin} is not a valid cplkit ruleset:\n  - " + "\n  - ".join(lines),
            hint="fix the parts named above; 'cplkit rules' prints the bundled ruleset to start "
                 "from")
    return ruleset


def load_ruleset(path: Path | None = None) -> Ruleset:
    """The ruleset at ``path``, or the bundled one."""
    if path is None:
        return _bundled()
    origin = str(path)
    # a pipe or a device in the file's place is refused at once, and a file no ruleset could
    # be is never read whole; then a duplicate key (which plain JSON lets the last value win),
    # a number of absurd length or nesting past any ruleset's depth is one error naming it
    raw = read_small(path, _MAX_RULESET_BYTES, DataFileError, "the ruleset")
    data = strict_json.loads(raw, f"the ruleset {origin}", DataFileError,
                             hint="check the file with a JSON validator or editor")
    return validate_ruleset_data(data, origin)


def _ruleset(data: Any, origin: str) -> Ruleset:
    """``data`` as a ``Ruleset`` (its cross-references checked), with the digest of its
    canonical JSON."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Ruleset.from_dict(data, origin=origin, digest=sha256_hex(canonical.encode()),
                             canonical=canonical)


@functools.cache
def _bundled() -> Ruleset:
    """The bundled ruleset, made once a process (a ``Ruleset`` is frozen, so every caller can
    share it). It is part of the package, held to its schema by the tests (every data file
    under schemas/ follows its own), so no command pays for jsonschema's import and check
    (about 80 ms of a form's 0.4 s check); its cross-references are checked as any ruleset's."""
    return _ruleset(resources.load_json(BUNDLED), "the bundled ruleset")


def bundled_text() -> str:
    return resources.schema_path(BUNDLED).read_text(encoding="utf-8")
