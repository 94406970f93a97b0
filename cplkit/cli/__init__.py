"""The ``cplkit`` command line: a thin click layer over the use cases in ``cplkit.app``.

Commands live in one module per topic (submissions, the master list, signatures, the demo) and
are added to the group here, explicitly, in the order ``cplkit --help`` lists them. Each parses
its options, calls one use case, renders the result and picks the exit status; a ``CplkitError``
becomes its message and its own exit code. Heavy imports happen inside commands so ``cplkit
--help`` and a one-form check start fast. No validation logic lives here.
"""

from __future__ import annotations

import click

from cplkit import __version__
from cplkit.cli import getting_started, liaison, master, reporting, signatures, submissions
from cplkit.cli.common import Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="cplkit")
def cli() -> None:
    """Build, check and publish the GB smart metering Central Products List (CPL)."""


for command in (
    submissions.check, submissions.rules, submissions.codes, submissions.template,
    master.init, master.import_, master.publish, master.approve, master.staged,
    master.history, master.show, master.list_, master.diff_, master.audit, reporting.report,
    reporting.certificates,
    master.names, master.site, master.notify,
    liaison.submissions, liaison.delivery,
    signatures.keygen, signatures.verify, signatures.refresh, signatures.trust,
    getting_started.demo,
):
    cli.add_command(command)


def main() -> None:
    import os
    import sys

    if not os.environ.get("CPLKIT_DEBUG"):
        # an error a library's cleanup raises after the real one was reported (a half-written
        # temporary file, say) is noise to the person at the terminal, not a second failure
        sys.unraisablehook = lambda _: None
    cli(prog_name="cplkit")
