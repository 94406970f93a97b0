"""What every command shares: the group that turns errors into exit statuses, date and path
options, the registry and signing options, and writing a result where the user asked.

No command logic lives here.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from cplkit.base.files import write_output
from cplkit.core.text import visible
from cplkit.errors import EXIT_INTERNAL, EXIT_OUTPUT, CplkitError, UsageError

F = TypeVar("F", bound=Callable[..., Any])


class Group(click.Group):
    """A click group whose commands report a ``CplkitError`` as a message and its exit code."""

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


def parse_date(_ctx: click.Context | None, _param: click.Parameter | None,
               value: str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


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


def signing_options(fn: Any) -> Any:
    """--key, --cert, --chain and --passphrase-env: who signs the version."""
    options = [
        click.option("--key", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="CPLKIT_KEY", show_envvar=True,
                     help="Signing key: PEM (encrypted or not) or PKCS#12."),
        click.option("--cert", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="CPLKIT_CERT", show_envvar=True,
                     help="The key's X.509 certificate (PEM); taken from a PKCS#12 key if "
                          "omitted."),
        click.option("--chain", type=click.Path(path_type=Path, dir_okay=False),
                     envvar="CPLKIT_CHAIN", help="Intermediate certificates (PEM bundle)."),
        click.option("--passphrase-env", metavar="VAR",
                     help="Name of the environment variable holding the key's passphrase "
                          "(otherwise asked for when needed)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def signer_from_options(key: Path | None, cert: Path | None, chain: Path | None,
                        passphrase_env: str | None) -> Any:
    """The signer the signing options name (None without --key), asking for a passphrase on a
    terminal when the key needs one and none was given."""
    from cplkit.app.keys import open_signer
    from cplkit.errors import SigningError

    if key is None:
        return None
    passphrase: bytes | None = None
    if passphrase_env:
        value = os.environ.get(passphrase_env)
        if value is None:
            raise UsageError(f"--passphrase-env names {passphrase_env}, which is not set")
        passphrase = value.encode()
    try:
        return open_signer(key, cert, chain, passphrase)
    except SigningError as exc:
        if passphrase is None and "no passphrase" in exc.message and sys.stdin.isatty():
            typed = click.prompt(f"Passphrase for {key}", hide_input=True, err=True)
            return open_signer(key, cert, chain, typed.encode())
        raise


list_format = click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]),
                           default="text", show_default=True)
