"""``cplkit demo``: the whole main job on the bundled samples, with a throwaway key."""

from __future__ import annotations

from pathlib import Path

import click

from cplkit.cli.common import reference_time, today


@click.command()
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Keep everything here (default: a new temporary directory).")
def demo(out: Path | None) -> None:
    """The whole main job on the bundled samples, with a throwaway key: check the submissions,
    publish two signed versions, verify them, and show where everything is."""
    from cplkit.app.demo import run_demo

    run_demo(out, click.echo, now=reference_time(), today=today())
