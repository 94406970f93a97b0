"""The notice to all parties that a new CPL version is out: plain text, and an e-mail.

SECAS informs every party of each update. The notice says which version, when, what changed
(entries added, removed, and amended field by field, with their numbers and company names),
which files to fetch and how to verify them, with which signing certificate (by subject and
SHA-256 fingerprint). Text and HTML come from templates (``notice.txt.j2``,
``notice.html.j2``); the e-mail is a standard MIME message with both, and no sender or
recipients (``cplkit notify`` adds them when it sends).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP

from cplkit.base.templates import render
from cplkit.core import model as m
from cplkit.core.diff import Diff, diff
from cplkit.core.text import plural
from cplkit.core.wording import Wording
from cplkit.publications.filenames import IssuedFiles
from cplkit.publications.signed_by import SignedBy


@dataclass(frozen=True, slots=True)
class Line:
    """One entry in the notice: its number, who makes it, what it is."""

    number: str
    company: str
    device_type: str
    firmware: str
    what: str = ""  # for an amendment: the field, from, to


def _line(entry: m.Entry, companies: Mapping[str, str], what: str = "") -> Line:
    return Line(entry.number or "", Wording(companies).company(entry), entry.device_type or "",
                entry.firmware_version or "", what)


def _shown(value: m.Issued | None) -> str:
    return m.as_text(value) or "(empty)"


def _files(names: IssuedFiles) -> list[tuple[str, str]]:
    """(what it is, file name) of every public file of the version, in the site's order: the
    page, the files it links to, and the notice itself."""
    labels = {name: what for what, name in names.links()}
    labels |= {names.web_page: "Web page", names.notice_text: "This notice, as text",
               names.notice_email: "This notice, as an e-mail"}
    return [(labels.get(name, name), name) for name in names.public]


def _values(version: m.CplVersion, changed: Diff | None, companies: Mapping[str, str],
            signed_by: SignedBy) -> dict[str, object]:
    names = IssuedFiles(str(version.number))
    before = changed.old if changed else None
    if changed is None:  # the first version: every entry is new
        changed = diff(m.CplVersion(m.VersionNumber(0, 0), version.issue_date, (), ""), version)
    by_number = version.by_number()
    amended = [_line(by_number[a.number], companies, f"{a.field}: {_shown(a.old)} -> "
                     f"{_shown(a.new)}") for a in changed.amended if a.number in by_number]
    return {"version": version, "before": before,
            "added": [_line(e, companies) for e in changed.added],
            "removed": [_line(e, companies) for e in changed.removed],
            "amended": amended, "files": _files(names), "names": names,
            "current": version.current_count, "plural": plural,
            "signed_by": signed_by.shown(),
            "changes": version.changes.replace("\r\n", "\n").strip()}


def subject(version: m.CplVersion) -> str:
    return f"Central Products List: {version.label}"


def notice_text(version: m.CplVersion, changed: Diff | None,
                companies: Mapping[str, str], signed_by: SignedBy) -> bytes:
    """The notice as plain text; ``changed`` is what the version changed from the one before
    (None: it is the first); ``signed_by`` the certificate to check its files with."""
    return render("notice.txt.j2", **_values(version, changed, companies, signed_by)).encode()


def notice_email(version: m.CplVersion, changed: Diff | None,
                 companies: Mapping[str, str], signed_by: SignedBy) -> bytes:
    """The notice as an e-mail: plain text, with the HTML version as the alternative."""
    values = _values(version, changed, companies, signed_by)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject(version)
    message["MIME-Version"] = "1.0"
    message.set_content(render("notice.txt.j2", **values))
    message.add_alternative(render("notice.html.j2", title=subject(version), **values),
                            subtype="html")
    return message.as_bytes()
