"""A published CPL workbook as people print it, through LibreOffice:
``python scripts/print_workbook.py cpl-N.xlsx --out DIR``.

Writes DIR/cpl-N.pdf (every tab, with the print setup the workbook carries: landscape, fitted
to the page's width, header rows on every page) and DIR/cpl-N-1.png, DIR/cpl-N-2.png... (every
page, at 100 dpi), and prints the number of pages. Needs LibreOffice Calc (Debian:
libreoffice-calc), and poppler's pdftoppm for the PNGs (Debian: poppler-utils).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from pathlib import Path


def convert(workbook: Path, out: Path, kind: str) -> Path:
    """``workbook`` converted by headless LibreOffice into ``out`` as ``kind`` (pdf, ods)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("needs LibreOffice Calc (Debian: libreoffice-calc)")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cplkit-print-") as profile:
        subprocess.run([soffice, f"-env:UserInstallation={Path(profile).as_uri()}",
                        "--headless", "--convert-to", kind, "--outdir", str(out),
                        str(workbook)], check=True, capture_output=True, timeout=600,
                       env={"HOME": profile, "PATH": "/usr/bin:/bin"})
    converted = out / f"{workbook.stem}.{kind}"
    if not converted.is_file():  # LibreOffice exits 0 even when it wrote nothing
        raise SystemExit(f"LibreOffice did not convert {workbook} to {kind}")
    return converted


def pages_as_png(pdf: Path) -> list[Path]:
    """Every page of ``pdf`` as a PNG beside it (poppler's pdftoppm)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise SystemExit("the PNGs need pdftoppm (Debian: poppler-utils); the PDF is written")
    subprocess.run([pdftoppm, "-r", "100", "-png", str(pdf), str(pdf.with_suffix(""))],
                   check=True, capture_output=True, timeout=600)
    return sorted(pdf.parent.glob(f"{pdf.stem}-*.png"))


def page_count(pdf: Path) -> int:
    """How many pages a PDF LibreOffice wrote has (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workbook", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    pdf = convert(args.workbook, args.out, "pdf")
    print(f"{pdf}: {page_count(pdf)} pages")
    pages = pages_as_png(pdf)
    print(f"{len(pages)} PNG pages: {pages[0]} ... {pages[-1]}" if pages else "no PNG pages")


if __name__ == "__main__":
    main()
