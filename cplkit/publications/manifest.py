"""The manifest of a published CPL version: every file with its SHA-256, signed like the DCC file.

A workbook or web page downloaded on its own carries no signature; the manifest says which
bytes belong to the version, and ``cplkit verify manifest-N.xml`` checks them all: the published
files, the rules the version was checked with and, under four eyes, what was staged and its
approvals. Built and read here; signed by ``cplkit.signing``, verified by
``cplkit.publications.verify_issued``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from cplkit.base.xmlsafe import hardened_parser, xsd_errors

NS = "urn:cplkit:manifest:1"
Q = "{" + NS + "}"


def build(version: str, label: str, digests: Mapping[str, str], signed_at: dt.datetime,
          restricted: frozenset[str] = frozenset()) -> Any:
    """The unsigned manifest: each file with its SHA-256 (``digests``: name -> SHA-256, taken
    as the files were written), those in ``restricted`` marked so (the public site leaves them
    out, and a check of a public copy does not miss them)."""
    default_namespace: Any = {None: NS}
    root = etree.Element(Q + "Manifest", nsmap=default_namespace, version=version, label=label,
                         signedAt=signed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    root.text = "\n"
    for name, digest in digests.items():
        item = etree.SubElement(root, Q + "File", name=name, sha256=digest)
        if name in restricted:
            item.set("restricted", "true")
        item.tail = "\n"
    return root


def schema_errors(root: Any) -> list[str]:
    return xsd_errors("manifest.xsd", root)


@dataclass(frozen=True, slots=True)
class ManifestContent:
    version: str
    label: str
    files: Mapping[str, str]  # name -> SHA-256
    restricted: frozenset[str] = frozenset()  # not for the public site


def read_signed(root: Any) -> ManifestContent:
    items = list(root.iterfind(Q + "File"))
    return ManifestContent(root.get("version"), root.get("label"),
                           {f.get("name"): f.get("sha256") for f in items},
                           frozenset(f.get("name") for f in items
                                     if f.get("restricted") in ("true", "1")))


def listed_names(data: bytes) -> frozenset[str]:
    """The names of the files a manifest the registry issued lists, read without checking its
    signature (the registry's digests hold it): which kept files a site may carry."""
    root = etree.fromstring(data, hardened_parser())
    return frozenset(read_signed(root).files)
