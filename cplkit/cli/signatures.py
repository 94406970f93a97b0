"""Commands for keys and signatures: ``keygen``, ``verify``, ``refresh`` and ``trust add|list``.

Each parses its options, calls one use case and renders what it returns. ``verify`` exits with
the status of the first check a file fails (10-19, docs/signing.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from cplkit.cli.common import (
    SigningOptions,
    next_update_option,
    parse_date,
    reference_time,
    registry_option,
    signing_options,
)
from cplkit.errors import UsageError


@click.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory to write key.pem and cert.pem into (created if needed).")
@click.option("--days", type=click.IntRange(1, 3650), default=365, show_default=True)
def keygen(out: Path, days: int) -> None:
    """Make a THROWAWAY P-256 key and self-signed certificate, for trying cplkit out only."""
    from cplkit.app.key_files import make_throwaway_keys

    key_path, cert_path = make_throwaway_keys(out, days, now=reference_time())
    click.echo(f"wrote {key_path} and {cert_path}")
    click.echo("THROWAWAY KEY, NOT FOR PRODUCTION: the key is unencrypted and the certificate "
               "self-signed. Sign real CPL versions only with SECAS's organisation key.",
               err=True)


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--site", "site_folder", type=click.Path(path_type=Path, file_okay=False),
              help="Check a whole copy of the registry's website (cplkit site) instead of FILE.")
@click.option("--registry", "registry_folder", type=click.Path(path_type=Path, file_okay=False),
              help="Check a whole registry instead of FILE, every issued file included.")
@click.option("--trust", "trust_file", type=click.Path(path_type=Path, dir_okay=False),
              required=True, help="The certificate to trust, or a PEM bundle of them; nothing "
                                  "else is trusted.")
@click.option("--previous", type=click.Path(path_type=Path, dir_okay=False),
              help="The previous version's DCC file: FILE must be exactly the next version "
                   "and name this one's SHA-256.")
@click.option("--at", "at", metavar="YYYY-MM-DD", help="Check certificate validity on this day "
              "(default: the file's issue date, or the CMS signing time).")
@click.option("--signature", type=click.Path(path_type=Path, dir_okay=False),
              help="For a CSV or FIR extract: its detached CMS signature (default: FILE.p7s).")
@click.option("--latest", type=click.Path(path_type=Path, dir_okay=False),
              help="The signed latest.xml: FILE (a DCC file) must be the version it names as "
                   "current, and the statement must not be past its next-update time.")
@click.option("--policy", "policy_folder", type=click.Path(path_type=Path, file_okay=False),
              help="The registry's signed policy chain (policy/ on its site): a file signed by "
                   "a key the chain rotated to verifies, if the chain starts from --trust.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def verify(file: Path | None, site_folder: Path | None, registry_folder: Path | None,
           trust_file: Path, previous: Path | None, at: str | None,
           signature: Path | None, latest: Path | None, policy_folder: Path | None,
           fmt: str) -> None:
    """Verify a signed DCC file (XML), CSV or FIR extract, manifest or latest.xml, trusting
    only --trust; or a whole site (--site) or registry (--registry).

    A manifest is checked with every file it lists, found beside it. --site and --registry
    check every version's files against its manifest, the chain of DCC files, the approvals
    against the policy, the policy chain from --trust and latest.xml, one line per problem,
    and exit with the highest status found.

    Exit status: 0 valid; 10 not well-formed or a DTD/entities; 11 not a CPL file (schema);
    12 signature missing, repeated, moved or partial; 13 signature does not match (changed);
    14 untrusted signer; 15 algorithm refused (SHA-1...); 16 certificate not valid then;
    17 not the version after --previous; 18 latest.xml past its next-update time (a freeze);
    19 not the version latest.xml names as current (a rollback); 20 the --policy chain has a
    forged or unapproved step, or starts elsewhere; 2 usage; 3 a file cannot be read.
    """
    from cplkit.app.verifying import verify_file
    from cplkit.render.verification import render_verification

    whole = site_folder or registry_folder
    if (file is not None) + (site_folder is not None) + (registry_folder is not None) != 1:
        raise UsageError("give one of FILE, --site DIR or --registry DIR")
    if whole is not None:
        if previous or at or signature or latest or policy_folder:
            raise UsageError("--site and --registry check every file, the chain, the policy "
                             "and latest.xml they hold: give only --trust (and --format)")
        _verify_mirror(site_folder, registry_folder, trust_file, fmt)
        return
    assert file is not None
    day = parse_date(None, None, at) if at else None
    done = verify_file(file, trust_file, previous=previous, at=day, signature=signature,
                       latest=latest, policy=policy_folder, now=reference_time())
    click.echo(render_verification(done.result, fmt, done.file, previous=done.previous,
                                   signature=done.signature, statement=done.statement))


def _verify_mirror(site: Path | None, registry: Path | None, trust: Path, fmt: str) -> None:
    import sys

    from cplkit.app.mirror import verify_registry, verify_site
    from cplkit.render.verification import render_mirror

    if site is not None and not site.is_dir():
        raise UsageError(f"--site {site} is not a folder", hint="give the folder cplkit site "
                                                                "wrote, or a copy of it")
    now = reference_time()
    check = verify_site(site, trust, now=now) if site is not None else \
        verify_registry(registry, trust, now=now)  # type: ignore[arg-type]
    click.echo(render_mirror(check.kind, check.folder, check.versions, check.current,
                             check.approved, [(p.where, p.error) for p in check.problems], fmt))
    sys.exit(check.exit_code)


@click.command()
@registry_option
@next_update_option
@signing_options
def refresh(registry: Path, next_update_days: int, signing: SigningOptions) -> None:
    """Re-sign latest.xml, the statement that the latest version is current, when no version
    was issued since: readers refuse a statement past its next-update time."""
    import datetime as dt

    from cplkit.app.publish import refresh as run_refresh

    signer = signing.required("the statement of what is current is signed")
    statement = run_refresh(registry, signer, dt.timedelta(days=next_update_days),
                            now=reference_time())
    click.echo(f"latest.xml: version {statement.version} is current; signed "
               f"{statement.signed_at:%Y-%m-%d %H:%M} UTC, next update by "
               f"{statement.next_update:%Y-%m-%d %H:%M} UTC")


@click.group()
def trust() -> None:
    """The registry's signed policy: the signing certificates it trusts, its approvers and how
    many approvals it needs. Each change is signed by a key the registry trusts (a key rotation
    by the old key) or, under four eyes, staged and approved like a version."""


def _policy_changed(changed: Any, registry: Path, done: str, already: str) -> None:
    from cplkit.cli.common import staged_policy_message

    if changed.staged is not None:
        click.echo(staged_policy_message(changed.staged, registry))
    else:
        click.echo(done if changed.record is not None else already)


@trust.command(name="add")
@click.argument("new_cert", metavar="CERT", type=click.Path(path_type=Path, dir_okay=False))
@registry_option
@click.option("--reason", required=True, help="Why: recorded with the certificate.")
@signing_options
def trust_add(new_cert: Path, registry: Path, reason: str, signing: SigningOptions) -> None:
    """Trust CERT to sign the registry's next versions: signed with --key/--cert, a signing
    key the registry trusts already (for a key rotation, the old one)."""
    from cplkit.app.trust import trust_file
    from cplkit.render.escape import one_line

    signer = signing.required("a key the registry trusts signs the change")
    added = trust_file(registry, new_cert, reason, signer, now=reference_time())
    # a subject is the certificate maker's text: an escape sequence in it reaches no terminal
    named = f"{one_line(added.subject)} (SHA-256 {added.fingerprint})"
    _policy_changed(added.changed, registry, f"now trusting {named}", f"already trusted: {named}")


@trust.command(name="list")
@registry_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def trust_list(registry: Path, fmt: str) -> None:
    """The policy in force: trusted signing certificates (oldest first), approvers and the
    number of approvals each version needs, after its whole signed chain verified."""
    from cplkit.app.reading import policy
    from cplkit.render.escape import one_line

    record = policy(registry)
    if fmt == "json":
        click.echo(json.dumps({
            "policy": record.number, "required": record.required,
            "signers": [{"subject": t.subject, "sha256": t.sha256, "added": t.added,
                         "reason": t.reason} for t in record.signers],
            "approvers": [{"name": a.name, "keys": [{"subject": k.subject, "sha256": k.sha256}
                                                    for k in a.keys]}
                          for a in record.approvers]}, indent=1, ensure_ascii=False))
        return
    for t in record.signers:
        click.echo(f"{one_line(t.added)}  {one_line(t.sha256)}  "
                   f"{one_line(t.subject)}  ({one_line(t.reason)})")
    for a in record.approvers:
        keys = ", ".join(one_line(k.subject) for k in a.keys)
        click.echo(f"approver {one_line(a.name)}: {keys}")
    click.echo(f"policy record {record.number}: each version needs {record.required} "
               f"approval{'' if record.required == 1 else 's'}")


@trust.command(name="approver")
@click.argument("approver_cert", metavar="CERT",
                type=click.Path(path_type=Path, dir_okay=False))
@registry_option
@click.option("--name", help="The person (default: the certificate's subject); a renewed key "
                             "of the same person is theirs too, and counts once.")
@click.option("--reason", required=True, help="Why: recorded with the approver.")
@signing_options
def trust_approver(approver_cert: Path, registry: Path, name: str | None, reason: str,
                   signing: SigningOptions) -> None:
    """Four eyes: let the key of CERT approve staged versions and policy changes."""
    from cplkit.app.trust import add_approver
    from cplkit.render.escape import one_line

    signer = signing.required("a key the registry trusts signs the change")
    changed = add_approver(registry, approver_cert, reason, signer, name,
                           now=reference_time())
    _policy_changed(changed, registry, f"now an approver: {one_line(approver_cert)}",
                    f"already an approver: {one_line(approver_cert)}")


@trust.command(name="approvals")
@click.argument("required", type=click.IntRange(0, 20))
@registry_option
@click.option("--reason", required=True, help="Why: recorded with the number.")
@signing_options
def trust_approvals(required: int, registry: Path, reason: str,
                    signing: SigningOptions) -> None:
    """Four eyes: from now on each version and policy change needs REQUIRED approvals from
    distinct approvers, none the preparer (0: publish in one step, as without approvers)."""
    from cplkit.app.trust import require_approvals

    signer = signing.required("a key the registry trusts signs the change")
    changed = require_approvals(registry, required, reason, signer, now=reference_time())
    _policy_changed(changed, registry, f"each version now needs {required} approval"
                                       f"{'' if required == 1 else 's'}",
                    f"each version needs {required} approval{'' if required == 1 else 's'} "
                    "already")


@trust.command(name="apply")
@click.argument("staged", type=click.Path(path_type=Path, file_okay=False))
@registry_option
def trust_apply(staged: Path, registry: Path) -> None:
    """Four eyes: write the staged policy change STAGED once enough approvers signed it."""
    from cplkit.app.policy import apply_proposal
    from cplkit.render.escape import one_line

    record = apply_proposal(staged, registry)
    click.echo(f"policy record {record.number} is in force: {one_line(record.change)}")
