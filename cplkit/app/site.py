"""The registry's website, written to a folder: ``cplkit site`` and ``publish --site``.

Every version's public files (never the restricted FIR extract, the kept rules or the
approvals), each read through the registry's digest checks, under ``N/``; the index; the Atom
feed. The new site is built beside the old one and swapped in, so a reader never sees half a
site, and a folder that is not a cplkit site is never overwritten.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from cplkit.errors import OutputError, UsageError
from cplkit.publications.names import IssuedFiles
from cplkit.publications.site import SiteVersion, atom_feed, index_page
from cplkit.registry import Registry

#: the file that marks a folder as a site cplkit wrote (and so may replace)
MARKER = ".cplkit-site"


@dataclass(frozen=True, slots=True)
class SiteBuilt:
    folder: Path
    versions: int


def build_site(registry_path: Path, out: Path, base_url: str = "") -> SiteBuilt:
    """Write the registry's site to ``out`` (created, or replaced if cplkit wrote it)."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                              and not (out / MARKER).exists())):
        raise UsageError(f"{out} exists and is not a site cplkit wrote; cplkit never "
                         "overwrites it", hint="name a new folder, or an earlier cplkit site")
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    registry = Registry(registry_path)
    head = registry.head()
    building = out.with_name(f".{out.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    versions = []
    try:
        building.mkdir(parents=True)
        (building / MARKER).write_text("written by cplkit site; replaced by the next one\n")
        for record in head.versions:
            stored = registry.read(record.version, head=head)
            names = IssuedFiles(record.version)
            folder = building / record.version
            folder.mkdir()
            copied = []
            for name in names.public:
                if name in stored.files:
                    (folder / name).write_bytes(registry.file(stored, name))
                    copied.append(name)
            version = stored.version
            versions.append(SiteVersion(
                record.version, version.label, version.issue_date, len(version.entries),
                version.current_count,
                version.changes, names.web_page if names.web_page in copied else None,
                tuple((what, name) for what, name in names.links() if name in copied)))
        (building / "index.html").write_bytes(index_page(versions))
        (building / "feed.xml").write_bytes(atom_feed(versions, head.created, base_url))
        _swap(building, out)
    except OSError as exc:
        raise OutputError(f"cannot write the site to {out}: {exc.strerror or exc}; the "
                          "previous site is unchanged") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return SiteBuilt(out, len(versions))


def _swap(new: Path, out: Path) -> None:
    if not out.exists():
        new.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)
