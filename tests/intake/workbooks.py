"""Builds workbooks from raw XML parts, so tests can make files Excel never would."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

CONTENT_TYPES = b"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
ROOT_RELS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = b"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = b"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
SHEET_OPEN = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b"<sheetData>")
SHEET_CLOSE = b"</sheetData></worksheet>"


def inline_cell(ref: str, text: str) -> bytes:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{escaped}</t></is></c>'.encode()


def write_workbook(path: Path, sheet_xml: bytes | Iterable[bytes],
                   extra: Mapping[str, bytes] | None = None,
                   compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A one-sheet workbook whose sheet1.xml is ``sheet_xml`` (bytes or chunks of it)."""
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        if isinstance(sheet_xml, bytes):
            z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        else:
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as stream:
                for chunk in sheet_xml:
                    stream.write(chunk)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


def table_sheet(rows: list[list[str]]) -> bytes:
    """Sheet XML for a table of text cells starting at A1."""
    out = [SHEET_OPEN]
    for r, row in enumerate(rows, start=1):
        cells = b"".join(inline_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v)
        out.append(f'<row r="{r}">'.encode() + cells + b"</row>")
    out.append(SHEET_CLOSE)
    return b"".join(out)


def workbook_parts(sheets: Iterable[tuple[str, str, str]], *,
                   strings: bytes | None = None) -> dict[str, bytes]:
    """The parts around the sheets of a workbook: ``sheets`` are (name, state, relationship
    target, e.g. 'worksheets/sheet1.xml'), several sheets may share a target; ``strings`` is a
    shared-strings part's XML (written as xl/sharedStrings.xml)."""
    targets: dict[str, str] = {}
    elements = []
    for number, (name, state, target) in enumerate(sheets, start=1):
        rid = targets.setdefault(target, f"rId{len(targets) + 1}")
        hidden = f' state="{state}"' if state != "visible" else ""
        elements.append(f'<sheet name="{name}" sheetId="{number}"{hidden} r:id="{rid}"/>')
    workbook = WORKBOOK.replace(
        b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/>', "".join(elements).encode())
    relationships = "".join(
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'relationships/worksheet" Target="{target}"/>' for target, rid in targets.items())
    rels = WORKBOOK_RELS.split(b"<Relationship ")[0] + relationships.encode() \
        + b"</Relationships>"
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": ROOT_RELS,
             "xl/workbook.xml": workbook, "xl/_rels/workbook.xml.rels": rels}
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
    return parts


def write_parts(path: Path, parts: Mapping[str, bytes]) -> Path:
    """A zip of exactly ``parts`` (name: bytes), in that order."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def shared_strings(texts: Iterable[str]) -> bytes:
    """A shared-strings part holding ``texts``, in that order."""
    items = "".join(f"<si><t>{t.replace('&', '&amp;').replace('<', '&lt;')}</t></si>"
                    for t in texts)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main">' + items.encode() + b"</sst>")
