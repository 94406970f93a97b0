"""The signed statement of what is current: ``latest.xml``.

A DCC file proves who issued it, not that it is still the latest: whoever withholds updates
keeps a removed device model approved (a freeze), and an old file can be served as new (a
rollback). As TUF's timestamp role and the EU trusted lists do, every publish signs a short
statement: the latest version, its DCC file's SHA-256, its issue date, when the statement was
signed, and the time by which a fresh one will have been signed ("next update", 14 days by
default). ``cplkit refresh`` re-signs it when nothing has changed. Built and read here; signed
and verified like the DCC file by ``cplkit.signing``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from lxml import etree

from cplkit.base.xmlsafe import xsd_errors
from cplkit.core import model as m

NS = "urn:cplkit:latest:1"
Q = "{" + NS + "}"
FILE = "latest.xml"
#: SECAS publishes about weekly: a statement older than two weeks means something is wrong
DEFAULT_NEXT_UPDATE = dt.timedelta(days=14)

_UTC = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True, slots=True)
class Statement:
    """What a latest.xml says."""

    version: m.VersionNumber
    dcc_file: str
    dcc_sha256: str
    issue_date: dt.date
    signed_at: dt.datetime
    next_update: dt.datetime


def build(statement: Statement) -> Any:
    default_namespace: Any = {None: NS}
    return etree.Element(Q + "Latest", nsmap=default_namespace,
                         version=str(statement.version), dccFile=statement.dcc_file,
                         dccSha256=statement.dcc_sha256,
                         issueDate=statement.issue_date.isoformat(),
                         signedAt=statement.signed_at.astimezone(dt.UTC).strftime(_UTC),
                         nextUpdate=statement.next_update.astimezone(dt.UTC).strftime(_UTC))


def schema_errors(root: Any) -> list[str]:
    return xsd_errors("latest.xsd", root)


def _utc(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, _UTC).replace(tzinfo=dt.UTC)


def read_signed(root: Any) -> Statement:
    """The statement of a signed element that passed its schema."""
    return Statement(m.VersionNumber.parse(root.get("version")), root.get("dccFile"),
                     root.get("dccSha256"), dt.date.fromisoformat(root.get("issueDate")),
                     _utc(root.get("signedAt")), _utc(root.get("nextUpdate")))
