"""Rulesets as the commands take them: the bundled one, an edited copy named by path, the one
an issued version was checked with, as the registry keeps it, and the rules in force for the
next change to a list (those of its latest version: rules change only when someone says so).

The library behind ``--rules``, ``--rules-of`` and ``cplkit rules``: loading checks the file
against its schema and cross-references (``cplkit.intake.rulesets``). It decides nothing about
what a rules change means for a list (``cplkit.core.ruleset_diff`` and the publish do).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from cplkit.base.digest import sha256_hex
from cplkit.core.ruleset import Ruleset
from cplkit.errors import NotFound, RegistryError
from cplkit.intake.rulesets import bundled_text, load_ruleset, validate_ruleset_data
from cplkit.publications.filenames import IssuedFiles

if TYPE_CHECKING:  # a check without a registry (a form, in a manufacturer's CI) never loads it
    from cplkit.registry import Registry, StoredVersion


def bundled_ruleset() -> str:
    """The bundled ruleset's JSON text, after checking that it loads."""
    load_ruleset()
    return bundled_text()


def ruleset_from(path: Path | None) -> Ruleset:
    """An edited ruleset at ``path``, or the bundled one."""
    return load_ruleset(path)


def edited_keeping_id(ruleset: Ruleset) -> str | None:
    """A warning when ``ruleset`` is an edited copy of the bundled rules that still carries
    their id (None otherwise): the history line of a rules change names the id, and two
    different rulesets under one id read as no change to whoever reads only the id."""
    bundled = load_ruleset()
    if ruleset.id != bundled.id or ruleset.digest == bundled.digest:
        return None
    return (f"the ruleset keeps the id '{ruleset.id}' of the bundled rules, but its content "
            f"differs (SHA-256 {ruleset.digest}, the bundled one's is {bundled.digest}): give "
            "it an id of its own (e.g. with the month it takes effect), so that the history "
            "line of the version that adopts it tells the two apart")


def stored_rules(registry: Registry, stored: StoredVersion) -> Ruleset | None:
    """The ruleset ``stored`` was issued under, as the registry kept it (None: a version issued
    before cplkit kept its rules)."""
    name = IssuedFiles(str(stored.version.number)).ruleset
    if name not in stored.files:
        return None
    data = registry.file(stored, name)  # checked against the digest version.json records
    bundled = load_ruleset()
    if sha256_hex(data) == bundled.digest:
        # kept as its canonical text, the bundled rules themselves: already checked, and
        # checking them again against the schema cost every publish and registry check ~40 ms
        return bundled
    try:
        content = json.loads(data)
    except ValueError as exc:
        raise RegistryError(f"the rules kept with version {stored.version.number} are not "
                            f"JSON: {exc}", hint="restore the registry from a backup") from None
    return validate_ruleset_data(content, f"the rules of version {stored.version.number}")


def rules_in_force(registry: Registry, latest: StoredVersion | None) -> Ruleset:
    """The rules the next change to the list is checked with when no ruleset is named: those
    the latest version was issued under, so a publish without --rules never reverts a rules
    change; the bundled rules for an empty registry, or a latest version issued before cplkit
    kept its rules."""
    kept = stored_rules(registry, latest) if latest is not None else None
    return kept if kept is not None else load_ruleset()


def latest_rules(registry_path: Path) -> tuple[Ruleset, str | None]:
    """The rules in force in a registry, and the version they were read from (None: an empty
    registry). A command that checks changes outside the registry's lock pins that version as
    its base, so the rules cannot change between the choice and the check."""
    from cplkit.registry import Registry

    registry = Registry(registry_path)
    head = registry.head()
    latest = registry.read(head=head) if head.latest is not None else None
    number = str(latest.version.number) if latest is not None else None
    return rules_in_force(registry, latest), number


def rules_of(registry_path: Path, version: str) -> Ruleset:
    """The ruleset version ``version`` of the registry was checked with ('cplkit check
    --rules-of')."""
    from cplkit.registry import Registry

    registry = Registry(registry_path)
    ruleset = stored_rules(registry, registry.read(version))
    if ruleset is None:
        raise NotFound(f"version {version} keeps no ruleset: it was issued before cplkit kept "
                       "the rules with each version",
                       hint="check with the ruleset of that time, with --rules FILE")
    return ruleset
