"""The names of the files one CPL version issues: the one list, used by everything that writes,
links, verifies or looks them up.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class IssuedFiles:
    """The file names of version ``version`` (e.g. '2.052')."""

    version: str

    @property
    def dcc_xml(self) -> str:
        """The signed DCC file."""
        return f"cpl-{self.version}.xml"

    @property
    def csv_extract(self) -> str:
        """SECAS's 'saveable in CSV' extract."""
        return f"cpl-{self.version}.csv"

    @property
    def csv_signature(self) -> str:
        """The extract's detached CMS signature."""
        return f"cpl-{self.version}.csv.p7s"

    @property
    def workbook(self) -> str:
        return f"cpl-{self.version}.xlsx"

    @property
    def json_export(self) -> str:
        return f"cpl-{self.version}.json"

    @property
    def web_page(self) -> str:
        return f"cpl-{self.version}.html"

    @property
    def plain_english_workbook(self) -> str:
        """The Plain English Mapping: company, device type in plain words and product name of
        each Current entry."""
        return f"plain-english-{self.version}.xlsx"

    @property
    def plain_english_csv(self) -> str:
        return f"plain-english-{self.version}.csv"

    @property
    def ruleset(self) -> str:
        """The rules the version was checked with, as canonical JSON (kept, not published)."""
        return "ruleset.json"

    @property
    def secas_texts(self) -> str:
        """SECAS's own texts of an imported workbook, kept with the version the import made
        (not published): every later workbook of the registry writes them."""
        return "secas-texts.json"

    @property
    def fir_extract(self) -> str:
        """The FIR contact and release notes for the Firmware Information Repository
        (restricted: never on the public site)."""
        return f"fir-{self.version}.json"

    @property
    def fir_signature(self) -> str:
        """The FIR extract's detached CMS signature."""
        return f"fir-{self.version}.json.p7s"

    @property
    def restricted(self) -> frozenset[str]:
        """The files the manifest lists as restricted: kept in the registry, not published."""
        return frozenset((self.fir_extract, self.fir_signature))

    @property
    def staged_record(self) -> str:
        """What approvers approved (four eyes): the staged files' digests, kept with the
        version so the approvals can be checked again later."""
        return f"staged-{self.version}.json"

    @property
    def staged_version(self) -> str:
        """The version as it was staged and approved."""
        return f"staged-version-{self.version}.json"

    @property
    def staged_summary(self) -> str:
        """What approvers were shown (four eyes): the findings, the diff, the history line and
        any rules change, staged with the version and covered by the digest they approved."""
        return f"staged-summary-{self.version}.json"

    @property
    def preparation(self) -> str:
        """The preparer's signature over what was staged."""
        return f"preparation-{self.version}.p7s"

    def approval(self, index: int) -> str:
        """The ``index``-th approval (from 1), a CMS signature over what was staged."""
        return f"approval-{self.version}-{index}.p7s"

    def approvals(self, present: Collection[str]) -> tuple[str, ...]:
        """The four-eyes files of the version among ``present`` (its issued files): what was
        staged and shown, the preparer's signature and every approval, in that order; none
        for a version issued in one step."""
        named = [self.staged_record, self.staged_summary, self.staged_version, self.preparation]
        index = 1
        while self.approval(index) in present:
            named.append(self.approval(index))
            index += 1
        return tuple(name for name in named if name in present)

    @property
    def manifest(self) -> str:
        """The signed list of every other file with its SHA-256."""
        return f"manifest-{self.version}.xml"

    @property
    def public(self) -> tuple[str, ...]:
        """The files a public site carries: never the restricted FIR extract, the kept rules
        or the approvals."""
        return (self.web_page, self.dcc_xml, self.workbook, self.csv_extract,
                self.csv_signature, self.json_export, self.notice_text, self.notice_email,
                self.plain_english_workbook, self.plain_english_csv, self.manifest)

    @property
    def notice_text(self) -> str:
        """The notice to all parties, plain text."""
        return f"notice-{self.version}.txt"

    @property
    def notice_email(self) -> str:
        """The notice to all parties as an e-mail (plain text and HTML), ready to send."""
        return f"notice-{self.version}.eml"

    def links(self) -> tuple[tuple[str, str], ...]:
        """(what it is, file name) of every file a reader of the web page may want."""
        return (("Signed DCC file (XML)", self.dcc_xml), ("Workbook (.xlsx)", self.workbook),
                ("CSV extract", self.csv_extract), ("CSV signature (CMS)", self.csv_signature),
                ("JSON", self.json_export),
                ("Plain English Mapping (.xlsx)", self.plain_english_workbook),
                ("Plain English Mapping (CSV)", self.plain_english_csv),
                ("Signed manifest", self.manifest))
