"""Rulesets as the commands take them: the bundled one, or an edited copy named by path.

The library behind ``--rules`` on every command and ``cplkit rules``: loading checks the file
against its schema and cross-references (``cplkit.intake.rulesets``).
"""

from __future__ import annotations

from pathlib import Path

from cplkit.core.ruleset import Ruleset
from cplkit.intake.rulesets import bundled_text, load_ruleset


def bundled_ruleset() -> str:
    """The bundled ruleset's JSON text, after checking that it loads."""
    load_ruleset()
    return bundled_text()


def ruleset_from(path: Path | None) -> Ruleset:
    """An edited ruleset at ``path``, or the bundled one."""
    return load_ruleset(path)
