"""The DCC file: the CPL version as XML, built for signing and read back only from what was signed.

``build`` turns a ``CplVersion`` into the unsigned document (schemas/cpl-dcc.xsd): version
number, label, issue date, the SHA-256 of the previous version's DCC file, and every entry with
all published fields in canonical form and its status. ``write_signed`` writes the same document
signed, a batch of entries at a time, never holding it as one tree (at 72,900 entries the tree
is about 480 MiB; ``cplkit.signing.xmldsig_streamed`` signs it as it is written).
``read_signed`` turns the element a signature verifier returned back into records; it never
looks at the raw document. Signing and verifying are in ``cplkit.signing``; the checks of a
DCC file as a whole in ``cplkit.publications.verify_issued``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, BinaryIO

from lxml import etree

from cplkit.base.xmlsafe import xsd_errors
from cplkit.core import model as m
from cplkit.signing.signers import Signer
from cplkit.signing.xmldsig_streamed import write_enveloped

NS = "urn:cplkit:central-products-list:1"
Q = "{" + NS + "}"

#: published field -> element name, in the workbook's column order (number and status are
#: attributes of Entry)
ELEMENTS: tuple[tuple[str, str], ...] = (
    (m.DEVICE_TYPE, "DeviceType"),
    (m.MANUFACTURER_ID, "ManufacturerIdentifier"),
    (m.MODEL_ID, "ModelIdentifier"),
    (m.HARDWARE_VERSION, "HardwareVersion"),
    (m.HARDWARE_REVISION, "HardwareRevision"),
    (m.FIRMWARE_VERSION, "FirmwareVersion"),
    (m.SPEC_VERSION, "SmetsChtsVersion"),
    (m.GBCS_VERSION, "GbcsVersion"),
    (m.CPA_ID, "CpaCertificateId"),
    (m.CPA_SECURITY_CHARACTERISTICS, "CpaSecurityCharacteristics"),
    (m.CPA_EXPIRY, "CpaExpiryDate"),
    (m.DLMS_ID, "DlmsCertificateId"),
    (m.DLMS_VERSION, "DlmsVersion"),
    (m.ZSE_ID, "ZseCertificateId"),
    (m.ZSE_VERSION, "ZseVersion"),
    (m.IMAGE_CREATOR, "ImageCreator"),
    (m.IMAGE_HASH, "ImageHash"),
    (m.IMAGE_DESCRIPTOR, "ImageDescriptor"),
)
#: qualified element tag -> field, so reading 72,900 entries needs no per-child name parsing
_FIELD_OF_TAG = {Q + element: name for name, element in ELEMENTS}


#: entries serialised and digested at a time by ``write_signed``: a batch's elements are the
#: only part of the document held as a tree (1,000 entries are about 7 MiB of it)
BATCH = 1000


def build(version: m.CplVersion, previous: tuple[str, str] | None,
          signed_at: dt.datetime) -> Any:
    """The unsigned DCC document as one tree; ``previous`` is (version, SHA-256 of its DCC
    file). ``write_signed`` writes the same document without the tree: this one is for small
    documents and the tests that hold the two to each other.

    ``signed_at`` is written into the signed content: a certificate is checked at the moment
    it signed, which for an imported version is long after its issue date."""
    root, entries = _skeleton(version, previous, signed_at)
    for entry in version.entries:
        _add_entry(entries, entry)
    return root


def write_signed(version: m.CplVersion, previous: tuple[str, str] | None,
                 signed_at: dt.datetime, signer: Signer, out: BinaryIO, *,
                 batch: int = BATCH) -> str:
    """The DCC file, signed by ``signer``, written to ``out`` a batch of ``batch`` entries at a
    time (the document ``build`` makes, byte for byte, and the signature ``sign_xml`` makes);
    returns the file's SHA-256 (hex). The file is not verified here."""
    root, entries = _skeleton(version, previous, signed_at)

    def fill(parent: Any) -> Iterator[None]:
        for start in range(0, len(version.entries), batch):
            for entry in version.entries[start:start + batch]:
                _add_entry(parent, entry)
            yield None

    return write_enveloped(root, entries, fill, signer, out)


def _skeleton(version: m.CplVersion, previous: tuple[str, str] | None,
              signed_at: dt.datetime) -> tuple[Any, Any]:
    """The document but its entries, and the Entries element that receives them."""
    # the default namespace is spelt with a None key, which lxml's stubs do not allow
    default_namespace: Any = {None: NS}
    root = etree.Element(Q + "CentralProductsList", nsmap=default_namespace,
                         version=str(version.number), issueDate=version.issue_date.isoformat(),
                         signedAt=signed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    root.text = "\n"
    label = etree.SubElement(root, Q + "Label")
    label.text = version.label
    label.tail = "\n"
    if previous is not None:
        etree.SubElement(root, Q + "Previous", version=previous[0], sha256=previous[1]).tail = "\n"
    entries = etree.SubElement(root, Q + "Entries", count=str(len(version.entries)))
    entries.text = "\n"
    entries.tail = "\n"
    return root, entries


#: (field, qualified tag, whether a date) for each published field, worked out once: an entry
#: is 18 lookups, and the DCC file of a large list 72,900 entries
_CHILDREN = tuple((name, Q + tag, name in m.DATE_FIELDS) for name, tag in ELEMENTS)


def _add_entry(entries: Any, entry: m.Entry) -> None:
    element = etree.SubElement(entries, Q + "Entry", number=entry.number or "",
                               status=entry.status or "")
    element.tail = "\n"
    canonical, published = entry.values, entry.published_values()
    for name, tag, is_date in _CHILDREN:
        # as SECAS issued it (an imported entry keeps its spaces and spelling); a date is
        # written as the date it is, whatever form SECAS typed it in
        value = canonical.get(name) if is_date else published.get(name)
        if value is None:
            continue
        etree.SubElement(element, tag).text = value if isinstance(value, str) else \
            m.as_text(value, m.DateStyle.ISO)


def schema_errors(root: Any) -> list[str]:
    return xsd_errors("cpl-dcc.xsd", root)


@dataclass(frozen=True, slots=True)
class DccContent:
    number: m.VersionNumber
    issue_date: dt.date
    label: str
    previous: tuple[str, str] | None
    entry_count: int
    signed_at: dt.datetime
    #: the signed Entries element: entries are read from it only when asked for
    signed_entries: Any = field(repr=False, compare=False)

    def entries(self) -> tuple[m.Entry, ...]:
        """Every entry of the signed list (72,900 entries take about a second to read, which a
        verification that only counts them does not spend)."""
        field_of = _FIELD_OF_TAG
        entries = []
        for element in self.signed_entries.iterfind(Q + "Entry"):
            values: dict[str, m.Value] = {m.ENTRY_NUMBER: element.get("number"),
                                          m.ENTRY_STATUS: element.get("status")}
            for child in element:
                name = field_of[child.tag]
                values[name] = child.text if name != m.CPA_EXPIRY else \
                    dt.date.fromisoformat(child.text)
            entries.append(m.Entry(MappingProxyType(values)))
        return tuple(entries)


def read_signed(root: Any) -> DccContent:
    """Records from the element a verifier returned as signed (already schema-valid)."""
    previous_element = root.find(Q + "Previous")
    previous = None if previous_element is None else (
        previous_element.get("version"), previous_element.get("sha256"))
    signed_entries = root.find(Q + "Entries")
    return DccContent(m.VersionNumber.parse(root.get("version")),
                      dt.date.fromisoformat(root.get("issueDate")),
                      root.findtext(Q + "Label") or "", previous, len(signed_entries),
                      dt.datetime.fromisoformat(root.get("signedAt").replace("Z", "+00:00")),
                      signed_entries)
