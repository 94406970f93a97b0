"""The one way cplkit parses XML it did not write, and validates XML against its XSDs.

``hardened_parser`` never loads a DTD, never expands an entity, never touches the network and
refuses huge trees. ``xsd_errors`` validates against a bundled schema (compiled once). Callers
still refuse a DOCTYPE outright before parsing; this module is the second wall, not the first.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lxml import etree

from cplkit.base import resources


def hardened_parser(*, keep_comments: bool = False) -> etree.XMLParser:
    """No DTD, no entities, no network, no huge trees. Comments and processing instructions are
    dropped, unless ``keep_comments`` (a verifier keeps them, to refuse a document that has
    any: a comment inside a signed value is not signed, and a reader could stop at it)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False,
                           remove_comments=not keep_comments, remove_pis=not keep_comments)


@cache
def _schema(name: str) -> etree.XMLSchema:
    with resources.schema_path(name).open("rb") as stream:
        return etree.XMLSchema(etree.parse(stream, hardened_parser()))


def xsd_errors(name: str, root: Any) -> list[str]:
    """Why ``root`` is not valid against the bundled schema ``name`` (empty: it is valid)."""
    schema = _schema(name)
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]
