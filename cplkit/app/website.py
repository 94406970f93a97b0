"""The registry's website, written to a folder: ``cplkit site`` and ``publish --site``.

Every version's public files (never the restricted FIR extract), with the rules it was checked
with and, under four eyes, what was staged and its approvals, where its signed manifest lists
them; each read through the registry's digest checks, under ``N/``. Beside them, what readers
need to verify every version themselves (``cplkit verify --site``): the signed policy chain
under ``policy/``, the signed ``latest.xml``, and every signing certificate the chain has
trusted under ``certificates/<SHA-256>.pem``, whose fingerprints the index shows; the index;
the Atom feed; and, once a version is issued, the report page (``report.html``: this regulatory
year's figures and the proliferation, as ``cplkit report`` counts them). The new site is built
beside the old one and swapped in, so a reader never sees half a site (except when the folder is
the one the command runs in: then its contents are swapped one by one, and put back if a move
fails), and a folder that is not a cplkit site is never overwritten. The folder is the one the
path names once links are followed: a symlink someone serves the site through keeps pointing at
the new site, and ``.`` is the folder it stands for.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from cplkit.app import figures, policy
from cplkit.base.files import read_small
from cplkit.errors import OutputError, RegistryError, UsageError
from cplkit.publications.filenames import IssuedFiles
from cplkit.publications.manifest import listed_names
from cplkit.publications.report_page import REPORT_PAGE, report_page
from cplkit.publications.signed_by import Certificate
from cplkit.publications.site_index import SiteCertificate, SiteVersion, atom_feed, index_page
from cplkit.registry import Registry, StoredVersion
from cplkit.registry.codec import STATEMENT

#: the file that marks a folder as a site cplkit wrote (and so may replace)
MARKER = ".cplkit-site"
#: the folder of the signing certificates, each named by its SHA-256 fingerprint
CERTIFICATES = "certificates"


@dataclass(frozen=True, slots=True)
class SiteBuilt:
    folder: Path
    versions: int


#: what a base URL never holds: whitespace and control characters (an Atom link could not carry
#: them, and a line break in a URL is a mistake, never an address)
_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f]")


def site_folder(out: Path, registry_path: Path | None = None) -> Path:
    """The folder ``out`` names, links followed, once it is known a site may be written there:
    absent, empty, or a site cplkit wrote, and neither inside the registry nor holding it.
    A ``UsageError`` otherwise; ``publish --site`` asks this before it issues anything."""
    folder = out.resolve()
    if folder.parent == folder:
        raise UsageError(f"{out} is the root folder; cplkit writes a site to a folder of its "
                         "own", hint="name a new folder, or an earlier cplkit site")
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir())
                                                    and not (folder / MARKER).exists())):
        raise UsageError(f"{out} exists and is not a site cplkit wrote; cplkit never "
                         "overwrites it", hint="name a new folder, or an earlier cplkit site")
    if registry_path is not None:
        registry = registry_path.resolve()
        if folder == registry or folder in registry.parents or registry in folder.parents:
            # replacing the site would replace the registry with it, or write into it
            raise UsageError(f"{out} and the registry {registry_path} overlap; the site is "
                             "replaced as a whole, so it lives outside the registry",
                             hint="name a folder beside the registry")
    return folder


def build_site(registry_path: Path, out: Path, base_url: str = "", *,
               as_of: dt.date) -> SiteBuilt:
    """Write the registry's site to ``out`` (created, or replaced if cplkit wrote it); its
    report page gives the figures of the regulatory year ``as_of`` (the command's today) falls
    in."""
    if _NOT_IN_URL.search(base_url):
        raise UsageError(f"--base-url {base_url!r} holds a space or a control character",
                         hint="give the address the site is served at, e.g. "
                              "https://cpl.example/")
    target = site_folder(out, registry_path)
    if base_url and not base_url.endswith("/"):
        base_url += "/"
    registry = Registry(registry_path)
    head = registry.head()
    building = target.with_name(f".{target.name}.building-{os.getpid()}")
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
            for name in (*names.public, *_kept(registry, stored, names)):
                if name in stored.files:
                    (folder / name).write_bytes(registry.file(stored, name))
                    copied.append(name)
            version = stored.version
            versions.append(SiteVersion(
                record.version, version.label, version.issue_date, len(version.entries),
                version.current_count,
                version.changes, names.web_page if names.web_page in copied else None,
                tuple((what, name) for what, name in names.links() if name in copied),
                None if stored.signer is None else Certificate(stored.signer.subject,
                                                               stored.signer.sha256)))
        certificates = _copy_trust(registry, building)
        report = _write_report(registry_path, building, as_of) \
            if versions else None
        (building / "index.html").write_bytes(index_page(versions, certificates, report))
        (building / "feed.xml").write_bytes(atom_feed(versions, head.created, base_url))
        _swap(building, target)
    except OSError as exc:
        raise OutputError(f"cannot write the site to {out}: {exc.strerror or exc}; the "
                          "previous site is unchanged") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return SiteBuilt(target, len(versions))


def _write_report(registry_path: Path, building: Path, as_of: dt.date) -> str:
    """The report page: the figures of the regulatory year ``as_of`` falls in and the latest
    version's proliferation, as ``cplkit report`` counts them; its name on the site."""
    made = figures.year_report(registry_path, figures.default_year(as_of))
    counted, companies = figures.proliferation(registry_path)
    (building / REPORT_PAGE).write_bytes(report_page(made.figures, made.latest, counted,
                                                     companies))
    return REPORT_PAGE


def _kept(registry: Registry, stored: StoredVersion, names: IssuedFiles) -> tuple[str, ...]:
    """The files kept with a version that its signed manifest lists, so a reader can check
    them: the rules and the approvals (a version issued before the manifest listed them
    keeps them in the registry only)."""
    kept = (names.ruleset, *names.approvals(stored.files))
    if names.manifest not in stored.files or not any(k in stored.files for k in kept):
        return ()
    listed = listed_names(registry.file(stored, names.manifest))
    return tuple(name for name in kept if name in listed)


def _copy_trust(registry: Registry, building: Path) -> list[SiteCertificate]:
    """What readers need to verify every version themselves: the signed policy chain (so a
    reader who pinned the first signing certificate follows a key rotation), the signed
    statement of what is current, and every signing certificate the chain has trusted, named
    by its SHA-256 fingerprint. The chain is verified before it is published."""
    chain = registry.policy_chain()
    policy.current(registry)
    certificates: dict[str, SiteCertificate] = {}
    (building / CERTIFICATES).mkdir()
    for stored in chain:
        for signer in stored.record.signers:
            if signer.sha256 in certificates:
                continue
            name = f"{CERTIFICATES}/{signer.sha256}.pem"
            (building / name).write_text(signer.pem)
            certificates[signer.sha256] = SiteCertificate(signer.subject, signer.sha256, name,
                                                          signer.added)
    folder = building / "policy"
    folder.mkdir()
    for stored in chain:
        number = stored.record.number
        (folder / f"{number}.json").write_bytes(stored.data)
        (folder / f"{number}.sig").mkdir()
        for name, signature in stored.signatures.items():
            (folder / f"{number}.sig" / name).write_bytes(signature)
    statement = registry.path / STATEMENT
    if statement.is_file():
        (building / STATEMENT).write_bytes(read_small(statement, 1 << 20, RegistryError,
                                                      "the signed statement"))
    return list(certificates.values())


def _swap(new: Path, out: Path) -> None:
    """The site ``new`` in the place of ``out``: the folder swapped whole, so a reader sees one
    site or the other; or, when ``out`` is the folder the command runs in, its contents one by
    one, as a shell standing in a replaced folder would be left in a deleted one."""
    if not out.exists():
        new.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if _is_working_folder(out):
        _swap_contents(new, out, old)
    else:
        out.rename(old)
        new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _swap_contents(new: Path, out: Path, old: Path) -> None:
    """The contents of ``out`` set aside in ``old`` and those of ``new`` moved in; if a move
    fails, every one made is undone before the error goes on. The marker stays throughout
    (replaced last), so whatever happens the folder is still a site the next run may replace."""
    set_aside: list[str] = []
    moved_in: list[str] = []
    old.mkdir()
    try:
        for child in sorted(out.iterdir()):
            if child.name != MARKER:
                child.rename(old / child.name)
                set_aside.append(child.name)
        for child in sorted(new.iterdir()):
            if child.name != MARKER:
                child.rename(out / child.name)
                moved_in.append(child.name)
        (new / MARKER).replace(out / MARKER)
    except OSError as exc:
        for name in reversed(moved_in):
            with contextlib.suppress(OSError):
                (out / name).rename(new / name)
        stranded = []
        for name in reversed(set_aside):
            try:
                (old / name).rename(out / name)
            except OSError:
                stranded.append(name)
        if stranded:
            raise OutputError(f"cannot write the site to {out}: {exc.strerror or exc}; nor put "
                              f"back all of the previous site: {', '.join(sorted(stranded))} "
                              f"stayed in {old}",
                              hint=f"move them back into {out} by hand, then run it again") \
                from None
        with contextlib.suppress(OSError):
            old.rmdir()  # empty once everything is back
        raise


def _is_working_folder(folder: Path) -> bool:
    try:
        return Path.cwd().resolve() == folder
    except OSError:  # the working folder was deleted under the command
        return False
