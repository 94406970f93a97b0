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
    #: rows in one sheet or CSV file (100,000-entry bulk sheets are normal work); a sheet's
    #: rows are counted from its row elements and from the row numbers its cells name
    max_rows: int = 250_000
    #: columns in one row of a CSV file, its header included: column ZZ, as far as a workbook's
    #: cell may reach (a CPL table has about 32 columns)
    max_columns: int = 702
    #: cells in one sheet
    max_cells: int = 6_000_000
    #: cells from A1 to a sheet's farthest cell, which the spreadsheet library allocates however
    #: few hold a value (a 100,000-row bulk sheet reaches AE: 3.1 million). Judged from the cells
    #: present: a range (``<dimension ref="A1:XFD1048576"/>``, a selection, a validation over
    #: whole columns) is a hint the library does not allocate by
    max_sheet_area: int = 20_000_000
    #: uncompressed size of the shared-strings part: the total text of the workbook's strings,
    #: which the spreadsheet library holds whole (a 100,000-row bulk sheet's are about 3 MiB)
    max_shared_strings_bytes: int = 128 * MiB
    #: text the cells of all sheets hold once each shared-string reference is replaced by its
    #: string (the sum, over references, of the referenced string's length in the XML): the
    #: library copies the string into every cell that refers to it, so one 32,000-character
    #: string referenced 360,000 times is 11 GiB from a 0.7 MB file (a 100,000-row bulk
    #: sheet's is about 90 MiB)
    max_expanded_text_bytes: int = 512 * MiB
    #: characters in one cell (Excel's own limit is 32,767)
    max_cell_chars: int = 32_767
    #: bytes of a workbook XML part read before its root element must have started
    max_prolog_bytes: int = 64 * 1024
    #: address space of the child process that reads one untrusted file; where the process
    #: inherited a lower hard limit (ulimit -v, systemd's LimitAS=), the child has that instead
    max_memory_bytes: int = 3 * 1024 * MiB
    #: wall time to read and check one file
    max_seconds: float = 600.0
    #: read each untrusted file in a child process under the two limits above
    isolate: bool = True


DEFAULT_LIMITS = Limits()
