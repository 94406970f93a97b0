"""What every command shares: the group that turns errors into exit statuses, the one reading
of the clock, date and path options, the registry and signing options, and writing a result
where the user asked.

No command logic lives here. No module below the commands reads the clock: a command takes
its time from ``reference_time`` (and its day from ``today``) and hands it down.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from cplkit.base.files import write_output
from cplkit.core.text import visible
from cplkit.errors import EXIT_INTERNAL, EXIT_OUTPUT, CplkitError, PassphraseNeeded, UsageError

F = TypeVar("F", bound=Callable[..., Any])


class Group(click.Group):
    """A click group whose commands report a ``CplkitError`` as a message and its exit code,
    and whose help lists them in the order they were added (click sorts them by name)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CplkitError as exc:
            click.echo(f"cplkit: {visible(exc.message)}", err=True)
            if exc.hint:
                click.echo(f"  hint: {visible(exc.hint)}", err=True)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            # a file or folder the system would not read or write: say which, and why
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"cplkit: {visible(exc.strerror or str(exc))}{visible(where)}", err=True)
            click.echo("  hint: check the path, its permissions and the free space; nothing "
                       "was changed", err=True)
            ctx.exit(EXIT_OUTPUT)
        except (click.exceptions.ClickException, click.exceptions.Exit,
                click.exceptions.Abort):
            raise
        except Exception as exc:
            if os.environ.get("CPLKIT_DEBUG"):
                raise
            click.echo(f"cplkit: internal error: {type(exc).__name__}: {visible(str(exc))}",
                       err=True)
            click.echo("  hint: this is a bug in cplkit, please report it with the command you "
                       "ran (CPLKIT_DEBUG=1 shows the details)", err=True)
            ctx.exit(EXIT_INTERNAL)


#: where a command keeps its reference time, in click's context (shared by nested contexts)
_REFERENCE_TIME = "cplkit.reference_time"


def reference_time() -> dt.datetime:
    """The one time the running command works at: an aware UTC datetime in whole seconds,
    read from the clock the first time it is asked for and the same for the rest of the command
    (every signature, validity check, freshness check and timestamp of one command agree)."""
    ctx = click.get_current_context(silent=True)
    meta: dict[str, Any] = ctx.meta if ctx is not None else {}
    if _REFERENCE_TIME not in meta:
        meta[_REFERENCE_TIME] = dt.datetime.now(dt.UTC).replace(microsecond=0)
    moment: dt.datetime = meta[_REFERENCE_TIME]
    return moment


def today() -> dt.date:
    """The day of the reference time on this machine's calendar (what ``date.today()`` gives
    at that time): the default of every date option."""
    return reference_time().astimezone().date()


#: the days a date option may name: the CPL began in the 2010s; the bounds keep the date
#: arithmetic of the commands (an audit's window, a statement's next update) inside the calendar
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)


def parse_date(_ctx: click.Context | None, _param: click.Parameter | None,
               value: str | None) -> dt.date:
    if value is None:
        return today()
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise click.BadParameter(f"{value} is not a day between {EARLIEST_DATE} and "
                                 f"{LATEST_DATE}")
    return day


def emit(text: str, output: Path | None, *, inputs: tuple[Path, ...] = ()) -> None:
    """Print ``text``, or write it to ``output`` (whole, and never over one of ``inputs``)."""
    if output is None:
        click.echo(text, nl=False)
        return
    write_output(output, text.encode("utf-8"), inputs=inputs)


def rules_option(help_text: str = "Use this ruleset (JSON) instead of the bundled one."
                 ) -> Callable[[F], F]:
    option: Callable[[F], F] = click.option(
        "--rules", "rules_file", type=click.Path(path_type=Path, dir_okay=False), help=help_text)
    return option


registry_option = click.option(
    "--registry", "-r", "registry", type=click.Path(path_type=Path, file_okay=False),
    required=True, envvar="CPLKIT_REGISTRY", show_envvar=True,
    help="The registry directory holding every issued version.")


@dataclass(frozen=True)
class SigningOptions:
    """Who signs, as the signing options name it: a key file, or a key in a PKCS#11 token."""

    key: str | None
    cert: Path | None
    chain: Path | None
    passphrase_env: str | None
    pkcs11_module: Path | None
    pin_file: Path | None

    def required(self, why: str) -> Any:
        """The signer, which the command cannot do without (``why``)."""
        from cplkit.app.key_files import NO_KEY_HINT
        from cplkit.errors import SigningError

        signer = self.signer()
        if signer is None:
            raise SigningError(f"cannot sign: {why}: give --key and --cert", hint=NO_KEY_HINT)
        return signer

    def signer(self) -> Any:
        """The signer (None without --key), asking for a key file's passphrase on a terminal
        when it needs one and none was given."""
        from cplkit.app.key_files import is_token_uri, open_signer, open_token
        from cplkit.errors import SigningError

        if self.key is None:
            return None
        if is_token_uri(self.key):
            return open_token(self.key, self.pkcs11_module, self.cert, self.chain,
                              self.pin_file)
        key = Path(self.key)
        passphrase: bytes | None = None
        if self.passphrase_env:
            value = os.environ.get(self.passphrase_env)
            if value is None:
                raise UsageError(f"--passphrase-env names {self.passphrase_env}, which is not "
                                 "set")
            passphrase = value.encode()
        try:
            return open_signer(key, self.cert, self.chain, passphrase)
        except SigningError as exc:
            if passphrase is None and isinstance(exc, PassphraseNeeded) and sys.stdin.isatty():
                typed = click.prompt(f"Passphrase for {key}", hide_input=True, err=True)
                return open_signer(key, self.cert, self.chain, typed.encode())
            raise


#: how long the statement that a version is current (latest.xml) stays fresh
next_update_option = click.option(
    "--next-update-days", "next_update_days", type=click.IntRange(1, 366), default=14,
    show_default=True, help="latest.xml says a fresh statement follows within this many days "
                            "(SECAS publishes about weekly).")


def _no_pin_here(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        from cplkit.app.key_files import PIN_SOURCES

        raise UsageError("a PIN is never given on the command line: it would be seen in the "
                         "process list and the shell's history",
                         hint=f"give the token's PIN in {PIN_SOURCES}")


def signing_options(fn: Any) -> Any:
    """--key (a file or a pkcs11: URI), --cert, --chain, --passphrase-env, --pkcs11-module and
    --pin-file, handed to the command as one ``signing`` record."""
    options = [
        click.option("--key", metavar="KEY",
                     envvar="CPLKIT_KEY", show_envvar=True,
                     help="Signing key: a PEM (encrypted or not) or PKCS#12 file, or a key in a "
                          "token as a PKCS#11 URI (pkcs11:token=cpl;object=secas-signing)."),
        click.option("--cert", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="CPLKIT_CERT", show_envvar=True,
                     help="The key's X.509 certificate (PEM); taken from a PKCS#12 key if "
                          "omitted."),
        click.option("--chain", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="CPLKIT_CHAIN", help="Intermediate certificates (PEM bundle)."),
        click.option("--passphrase-env", metavar="VAR",
                     help="Name of the environment variable holding the key's passphrase "
                          "(otherwise asked for when needed)."),
        click.option("--pkcs11-module", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="CPLKIT_PKCS11_MODULE", show_envvar=True,
                     help="The token's PKCS#11 module (a shared library), for a pkcs11: key."),
        click.option("--pin-file", type=click.Path(path_type=Path, dir_okay=False),
                     help="A file holding the token's PIN (or set CPLKIT_PKCS11_PIN)."),
        click.option("--pin", hidden=True, expose_value=False, callback=_no_pin_here,
                     is_eager=True),
    ]

    @functools.wraps(fn)
    def command(*args: Any, key: str | None, cert: Path | None, chain: Path | None,
                passphrase_env: str | None, pkcs11_module: Path | None, pin_file: Path | None,
                **kwargs: Any) -> Any:
        return fn(*args, signing=SigningOptions(key, cert, chain, passphrase_env,
                                                pkcs11_module, pin_file), **kwargs)

    for option in reversed(options):
        command = option(command)
    return command


list_format = click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]),
                           default="text", show_default=True)


def staged_policy_message(folder: Path, registry: Path) -> str:
    """What to do next with a policy change staged for approval (four eyes)."""
    return (f"the registry requires approvals, so this policy change is staged at {folder}\n"
            f"approvers run: cplkit approve {folder} -r {registry} --key KEY --cert CERT; then: "
            f"cplkit trust apply {folder} -r {registry}")
