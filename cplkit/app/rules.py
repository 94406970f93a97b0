"""Rulesets as the commands take them: the bundled one, an edited copy named by path, or the
one an issued version was checked with, as the registry keeps it.

The library behind ``--rules``, ``--rules-of`` and ``cplkit rules``: loading checks the file
against its schema and cross-references (``cplkit.intake.rulesets``).
"""

from __future__ import annotations

import json
from pathlib import Path

from cplkit.core.ruleset import Ruleset
from cplkit.errors import NotFound, RegistryError
from cplkit.intake.rulesets import bundled_text, load_ruleset, validate_ruleset_data
from cplkit.publications.names import IssuedFiles
from cplkit.registry import Registry, StoredVersion


def bundled_ruleset() -> str:
    """The bundled ruleset's JSON text, after checking that it loads."""
    load_ruleset()
    return bundled_text()


def ruleset_from(path: Path | None) -> Ruleset:
    """An edited ruleset at ``path``, or the bundled one."""
    return load_ruleset(path)


def kept_rules(ruleset: Ruleset, version: str) -> dict[str, bytes]:
    """The file that keeps ``ruleset`` with an issued version (none for a bare-dict ruleset,
    which has no content of its own to keep)."""
    if not ruleset.canonical:
        return {}
    return {IssuedFiles(version).ruleset: ruleset.canonical.encode("utf-8")}


def stored_rules(registry: Registry, stored: StoredVersion) -> Ruleset | None:
    """The ruleset ``stored`` was issued under, as the registry kept it (None: a version issued
    before cplkit kept its rules)."""
    name = IssuedFiles(str(stored.version.number)).ruleset
    if name not in stored.files:
        return None
    data = registry.file(stored, name)  # checked against the digest version.json records
    try:
        content = json.loads(data)
    except ValueError as exc:
        raise RegistryError(f"the rules kept with version {stored.version.number} are not "
                            f"JSON: {exc}", hint="restore the registry from a backup") from None
    return validate_ruleset_data(content, f"the rules of version {stored.version.number}")


def rules_of(registry_path: Path, version: str) -> Ruleset:
    """The ruleset version ``version`` of the registry was checked with ('cplkit check
    --rules-of')."""
    registry = Registry(registry_path)
    ruleset = stored_rules(registry, registry.read(version))
    if ruleset is None:
        raise NotFound(f"version {version} keeps no ruleset: it was issued before cplkit kept "
                       "the rules with each version",
                       hint="check with the ruleset of that time, with --rules FILE")
    return ruleset
