"""The registry's website: an index of every version, latest first, and an Atom feed.

The index is one self-contained page (no network requests) listing each version with its date,
counts and history line, linking to the version's own page and files, and naming the signing
certificates (with their SHA-256 fingerprints) a reader verifies the whole site with. The feed
follows RFC 4287: one entry per version, with ids that never change (derived from the
registry's creation time and the version number), so a reader subscribed to it sees each new
version once. Built from
records; which files are copied where is the caller's job. A label or history line is shown with
its control characters visible (``core.text.visible``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from lxml import etree

from cplkit.base.templates import render
from cplkit.core.text import plural, visible
from cplkit.publications.signed_by import Certificate

ATOM = "http://www.w3.org/2005/Atom"
A = "{" + ATOM + "}"


@dataclass(frozen=True, slots=True)
class SiteCertificate:
    """A signing certificate the registry's policy has trusted, as the site publishes it: a
    reader pins one by its SHA-256 fingerprint (compared with one SECAS gives elsewhere)."""

    subject: str
    sha256: str
    file: str  # its path on the site, e.g. certificates/<sha256>.pem
    added: str


@dataclass(frozen=True, slots=True)
class SiteVersion:
    """One issued version as the site shows it."""

    number: str
    label: str
    issue_date: dt.date
    entries: int
    current: int
    changes: str
    page: str | None  # the version's own page, if it has one
    files: tuple[tuple[str, str], ...]  # (what it is, file name)
    signer: Certificate | None = None  # None: issued before versions recorded their signer


def _id(seed: str, what: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"cplkit:{seed}:{what}").urn


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _latest_first(versions: Sequence[SiteVersion]) -> list[SiteVersion]:
    return sorted(versions, key=lambda v: (v.issue_date, v.number), reverse=True)


def _shown(version: SiteVersion) -> SiteVersion:
    """A version with its label and history line as people may see them: a control character
    (an old import's ``_x000B_``, an escape) written as a visible escape, never as itself in a
    page, and never one an XML feed cannot hold."""
    # line ends first: a CR ends a line of SECAS's history, it is not a character to show
    changes = version.changes.replace("\r\n", "\n").replace("\r", "\n")
    signer = None if version.signer is None else replace(
        version.signer, subject=visible(version.signer.subject))
    return replace(version, label=visible(version.label), changes=visible(changes),
                   signer=signer)


def index_page(versions: Sequence[SiteVersion],
               certificates: Sequence[SiteCertificate] = (), report: str | None = None
               ) -> bytes:
    """The index: every version, latest first, the signing certificates (with their SHA-256
    fingerprints) a reader verifies the site with, and a link to the ``report`` page (the
    year's statistics and the proliferation) where the site has one."""
    latest_first = [_shown(v) for v in _latest_first(versions)]
    shown = [replace(c, subject=visible(c.subject)) for c in certificates]
    return render("site-index.html.j2", title="Central Products List: every version",
                  versions=latest_first, latest=latest_first[0] if latest_first else None,
                  certificates=shown, report=report, plural=plural).encode()


def atom_feed(versions: Sequence[SiteVersion], seed: str, base_url: str = "") -> bytes:
    """The Atom feed: one entry per version (ids stable across rebuilds)."""
    default_namespace: Any = {None: ATOM}
    feed = etree.Element(A + "feed", nsmap=default_namespace)
    etree.SubElement(feed, A + "id").text = _id(seed, "feed")
    etree.SubElement(feed, A + "title").text = "Central Products List"
    etree.SubElement(feed, A + "subtitle").text = ("Every version of the CPL: the device models "
                                                    "allowed on the DCC network")
    newest = max((v.issue_date for v in versions), default=dt.date(1970, 1, 1))
    etree.SubElement(feed, A + "updated").text = _stamp(newest)
    author = etree.SubElement(feed, A + "author")
    etree.SubElement(author, A + "name").text = "CPL publisher (cplkit)"
    etree.SubElement(feed, A + "link", rel="self", href=f"{base_url}feed.xml")
    etree.SubElement(feed, A + "link", rel="alternate", href=f"{base_url}index.html")
    for version in map(_shown, _latest_first(versions)):
        entry = etree.SubElement(feed, A + "entry")
        etree.SubElement(entry, A + "id").text = _id(seed, version.number)
        etree.SubElement(entry, A + "title").text = version.label
        etree.SubElement(entry, A + "updated").text = _stamp(version.issue_date)
        if version.page:
            etree.SubElement(entry, A + "link", rel="alternate",
                             href=f"{base_url}{version.number}/{version.page}")
        summary = etree.SubElement(entry, A + "summary")
        # the signer by fingerprint: a subscriber who reads only the feed knows which
        # certificate to check the version with (and compares it with one SECAS gives elsewhere)
        signed = "" if version.signer is None else (
            f"\n\nSigned with the certificate {version.signer.subject}, SHA-256 fingerprint "
            f"{version.signer.sha256}.")
        summary.text = (f"{plural(version.entries, 'entry', 'entries')} ({version.current} "
                        "Current). " + version.changes.replace("\r\n", "\n").strip() + signed)
    data: bytes = etree.tostring(feed, xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    return data
