"""Safety limits for reading untrusted files: one frozen configuration with safe defaults.

A CPL submission is a few kilobytes; a bulk sheet of 100,000 entries is a few megabytes. The
limits sit far above real work and far below what would exhaust the machine, so a hostile or
broken file is refused (CPL-F02) in bounded time and memory. This module holds numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    #: size of the file on disk
    max_file_bytes: int = 100 * MiB
    #: members of a workbook's zip container
    max_zip_members: int = 2_000
    #: total uncompressed size of the XML parts of a workbook
    max_uncompressed_bytes: int = 512 * MiB
    #: uncompressed / compressed, for any member larger than 1 MiB uncompressed
    max_compression_ratio: int = 250
    #: rows in one sheet or CSV file (100,000-entry bulk sheets are normal work)
    max_rows: int = 250_000
    #: cells in one sheet
    max_cells: int = 6_000_000
    #: cells from A1 to a sheet's farthest cell, which the spreadsheet library allocates however
    #: few hold a value (a 100,000-row bulk sheet reaches AE: 3.1 million)
    max_sheet_area: int = 20_000_000
    #: characters in one cell (Excel's own limit is 32,767)
    max_cell_chars: int = 32_767
    #: bytes of a workbook XML part read before its root element must have started
    max_prolog_bytes: int = 64 * 1024
    #: address space of the child process that reads one untrusted file
    max_memory_bytes: int = 3 * 1024 * MiB
    #: wall time to read and check one file
    max_seconds: float = 600.0
    #: read each untrusted file in a child process under the two limits above
    isolate: bool = True


DEFAULT_LIMITS = Limits()
