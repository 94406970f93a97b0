"""``cplkit demo``: the whole main job on the bundled samples, end to end, in one directory.

It makes a throwaway key, checks the valid sample submissions, starts a registry that trusts the
key, publishes two signed versions, verifies both (the second against the first), writes the
public site, and says where every output is (the DCC file, the CSV extract, the web page, the
workbook, the notice, the site) and how to check it with xmlsec1 and openssl. It uses the same
library functions as the commands; nothing here is special to the demo except the throwaway
key.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path

from cplkit.app.check import check_files
from cplkit.app.publish import publish
from cplkit.app.trust import init_registry
from cplkit.app.website import build_site
from cplkit.base import resources
from cplkit.core.text import plural
from cplkit.errors import UsageError
from cplkit.intake.rulesets import load_ruleset
from cplkit.publications.filenames import IssuedFiles
from cplkit.publications.verify_issued import check_chain, verify_csv, verify_dcc
from cplkit.registry.codec import VERSIONS
from cplkit.signing.signers import generate_throwaway, load_signer
from cplkit.signing.x509 import load_certificates


def run_demo(out: Path | None, say: Callable[[str], None], *, now: dt.datetime,
             today: dt.date) -> Path:
    """Check the samples, publish two versions signed at ``now`` and issued ``today`` with a
    throwaway key, verify them and build their site in ``out`` (a new temporary folder if
    None), saying each step; returns the folder."""
    work = out or Path(tempfile.mkdtemp(prefix="cplkit-demo-"))
    if work.exists() and any(work.iterdir()):
        raise UsageError(f"{work} is not empty; the demo needs a new or empty directory")
    work.mkdir(parents=True, exist_ok=True)
    samples = resources.samples_dir() / "valid"
    ruleset = load_ruleset()

    keys = work / "keys"
    keys.mkdir()
    key_pem, cert_pem = generate_throwaway(now=now)
    (keys / "key.pem").write_bytes(key_pem)
    (keys / "key.pem").chmod(0o600)
    (keys / "cert.pem").write_bytes(cert_pem)
    signer = load_signer(keys / "key.pem", keys / "cert.pem", None, None)
    say(f"1. made a THROWAWAY signing key (not for production): {keys}")

    # every sample but the bulk sheet's CSV twin, which lists the same devices (checked
    # together, the two are one listing submitted twice: CPL-M01)
    submissions = sorted(p for p in samples.iterdir() if p.suffix in (".xlsx", ".csv")
                         and p.name != "bulk-submission.csv")
    report = check_files(submissions, ruleset, today)
    say(f"2. checked {plural(len(submissions), 'sample submission')}: "
        f"{plural(report.entries, 'entry', 'entries')}, {plural(report.errors, 'error')}, "
        f"{plural(report.warnings, 'warning')}")

    registry = work / "registry"
    init_registry(registry, signer, now=now)
    versions = []
    for step, changes in ((3, [samples / "bulk-submission.csv"]),
                          (4, [samples / "form-gas-smart-meter.xlsx",
                               samples / "form-ppmid.xlsx"])):
        outcome = publish(registry, changes, None, today, signer, now=now)
        if outcome.issued is None:
            raise UsageError("the demo publish failed:\n" + "\n".join(
                f.message for r in outcome.report.files for f in r.findings))
        number = str(outcome.issued.version.number)
        versions.append(number)
        count = len(outcome.issued.version.entries)
        say(f"{step}. published and signed {outcome.issued.version.label} "
            f"({plural(count, 'entry', 'entries')}) from "
            + ", ".join(p.name for p in changes))

    trusted = load_certificates(cert_pem, "the throwaway certificate")
    first, second = (registry / VERSIONS / v / IssuedFiles(v).dcc_xml for v in versions)
    older = verify_dcc(first.read_bytes(), trusted)
    newer = verify_dcc(second.read_bytes(), trusted)
    check_chain(newer, older)
    names = IssuedFiles(versions[1])
    extract = registry / VERSIONS / versions[1] / names.csv_extract
    signature = extract.with_name(names.csv_signature)
    verify_csv(extract.read_bytes(), signature.read_bytes(), trusted)
    say(f"5. verified both DCC files ({versions[1]} follows {versions[0]}) and the CSV "
        "extract's CMS signature")
    site = build_site(registry, work / "site", as_of=today)
    say(f"6. wrote the public site of both versions: {site.folder}")

    folder = registry / VERSIONS / versions[1]
    say("\nWhere everything is:")
    say(f"  registry        {registry}")
    say(f"  version {versions[1]}     {folder} (every file of the version)")
    say(f"  signed DCC file {second}")
    say(f"  CSV extract     {extract} (signature: {signature.name})")
    say(f"  web page        {folder / names.web_page}")
    say(f"  workbook        {folder / names.workbook}")
    say(f"  notice          {folder / names.notice_text} (as an e-mail: {names.notice_email})")
    say(f"  site            {site.folder / 'index.html'} (feed: feed.xml)")
    say(f"  certificate     {keys / 'cert.pem'}")
    say("\nCheck it yourself:")
    say(f"  cplkit verify {second} --trust {keys / 'cert.pem'} --previous {first}")
    say(f"  xmlsec1 --verify --trusted-pem {keys / 'cert.pem'} {second}")
    say(f"  openssl cms -verify -binary -inform DER -in {signature} -content {extract} "
        f"-CAfile {keys / 'cert.pem'} -out /dev/null")
    say(f"  cplkit history -r {registry}")
    return work
