"""The exceptions cplkit raises when it cannot run, each with its process exit code.

Content problems are never exceptions: they are findings (``cplkit.core.findings``). An exception
here means "could not do the job at all": a bad option, an unreadable data file, a broken ruleset.
Exit codes are documented in the README and shared by every command.
"""

from __future__ import annotations

from typing import Any

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3
EXIT_REGISTRY = 4
EXIT_BUSY = 5


class CplkitError(Exception):
    """Base of every error cplkit reports to a user; ``exit_code`` is the process status."""

    exit_code: int = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n  hint: {self.hint}"

    def __reduce__(self) -> tuple[Any, ...]:
        # crosses from the child process that read a file with every attribute it carries
        return _rebuild, (type(self), self.args, dict(self.__dict__))


def _rebuild(cls: type[CplkitError], args: tuple[Any, ...],
             state: dict[str, Any]) -> CplkitError:
    error = Exception.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class UsageError(CplkitError):
    """A command was called wrongly (bad option value, missing argument)."""

    exit_code = EXIT_USAGE


class NotFound(UsageError):
    """What the command names does not exist: a version, an entry, a sheet. A usage error (2),
    not damage: the registry or file is fine, the name is wrong."""


class DataFileError(CplkitError):
    """A data file cplkit relies on (a ruleset, a schema) is missing or invalid."""

    exit_code = EXIT_USAGE


class InputFileError(CplkitError):
    """An input file could not be read at all (raised only where no finding can carry it)."""

    exit_code = EXIT_UNREADABLE


class RegistryError(CplkitError):
    """The registry is missing, damaged or altered by hand: nothing can be trusted until fixed."""

    exit_code = EXIT_REGISTRY


class RegistryBusy(CplkitError):
    """Another publish holds the registry, or its latest version moved on: retry later."""

    exit_code = EXIT_BUSY


EXIT_SIGNING = 6
EXIT_OUTPUT = 7
EXIT_APPROVAL = 8
EXIT_ISSUED_INCOMPLETE = 9
EXIT_INTERNAL = 70


class SigningError(CplkitError):
    """No signature could be made: an unreadable key, a wrong passphrase, a key that does not
    match its certificate, or a certificate the registry does not trust."""

    exit_code = EXIT_SIGNING


class PassphraseNeeded(SigningError):
    """The key is encrypted and no passphrase was given: on a terminal, the command asks."""


class ApprovalError(CplkitError):
    """The approvals a registry requires are not there: too few, from the preparer, twice from
    one key, of other content, or the staged files changed since they were approved; or the
    staged version would list an entry under a certificate withdrawn since it was prepared."""

    exit_code = EXIT_APPROVAL


class OutputError(CplkitError):
    """A file could not be written (disk full, read-only, not a directory, no permission), or
    the output would overwrite an input. Nothing was changed."""

    exit_code = EXIT_OUTPUT


class IssuedIncomplete(CplkitError):
    """A version WAS issued (signed, in the registry, current), but a step after it failed:
    writing the site, say. Distinct from every "nothing was issued" status, so a script that
    retries on failure does not issue a second version: it redoes the failed step alone."""

    exit_code = EXIT_ISSUED_INCOMPLETE


#: exit status of 'cplkit verify' per failure class (documented in the README)
VERIFY_EXIT = {
    "malformed": 10,  # not well-formed XML, or a DTD / entities
    "schema": 11,  # well-formed, but not a CPL DCC file (XSD)
    "structure": 12,  # no signature, several, in the wrong place, or not covering the document
    "signature": 13,  # the signature does not match the content
    "untrusted": 14,  # signed by a key none of the trusted certificates vouches for
    "algorithm": 15,  # an algorithm cplkit does not accept (SHA-1, ...)
    "certificate": 16,  # the signer's certificate was not valid at the signing time
    "chain": 17,  # not the version after --previous, or the previous digest does not match
    "stale": 18,  # latest.xml is past its next-update time: updates may be withheld (a freeze)
    "not-latest": 19,  # the file is not the one latest.xml names as current (a rollback)
    "policy": 20,  # the --policy chain has a forged or unapproved step, or another anchor
}


class VerificationError(CplkitError):
    """A file failed verification; ``failure`` names the class, which picks the exit status."""

    def __init__(self, failure: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.failure = failure
        self.exit_code = VERIFY_EXIT[failure]
