"""`citistat ingest`: load files into the archive without building books."""

from __future__ import annotations

from pathlib import Path

import click

from .common import input_options, open_config, period_option, wait_option, workspace_option
from .reporting import report_load


@click.command("ingest")
@period_option(
    required=False, help="Store only this period (YYYY-MM); other rows count as excluded. Default: every period found."
)
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@input_options
@click.option("--new-revision", is_flag=True, help="Allow new data for a published period: it becomes a new revision.")
@workspace_option
@wait_option
@click.pass_context
def command(ctx, period, files, profile, aliases, roster, new_revision, workspace, wait):
    """Load FILES into the archive (as drafts) and say what changed.

    Re-ingesting a period replaces its draft data and reports the tickets
    added or removed and the counts that moved. A published period is never
    changed: build it again to make a new revision.
    """
    from ..pipeline import expand_inputs, load_files

    ws, config = open_config(workspace, aliases, roster)
    outcome = load_files(
        ws, config, expand_inputs(list(files)), period=period, profile=profile, new_revision=new_revision, wait=wait
    )
    report_load(outcome, quiet=ctx.obj.get("quiet", False))
    for stored_period in sorted(outcome.stored):
        click.echo(stored_period)
    if any(f.status in ("failed", "quarantined") for f in outcome.ingest.files):
        ctx.exit(1)
