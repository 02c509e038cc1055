"""`citistat early-warning`: the period's early-warning list for the hotline centre (internal)."""

from __future__ import annotations

from pathlib import Path

import click

from .common import input_options, open_config, period_option, workspace_option


@click.command("early-warning")
@period_option()
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write, .csv or .xlsx. Default: citistat-PERIOD-early-warning.xlsx in the workspace.",
)
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default=None, help="Language of the headers.")
@input_options
@workspace_option
def command(period, files, out, lang, profile, aliases, roster, workspace):
    """Write PERIOD's early-warning list (every flagged caller, with each contact of the look-back
    window) for the hotline centre: from FILES when given, else from the archive.

    Internal: callers appear by salted key and pseudonym only, never by name or number.
    """
    from dataclasses import replace

    from ..early_warning_export import write_early_warning
    from ..pipeline import history_for
    from ..score.early_warning import early_warnings

    ws, config = open_config(workspace, aliases, roster)
    history = history_for(ws, config, list(files), period, profile=profile)
    settings = config.scoring_rules.early_warning
    # The whole case history of the window: the book shows the latest contacts, the centre needs them all.
    entries, _ = early_warnings(history.tickets, period, replace(settings, timeline_size=10**6))
    path = out or ws.root / f"citistat-{period}-early-warning.xlsx"
    written = write_early_warning(path, entries, lang or config.lang)
    click.echo(f"{len(entries)} caller(s) flagged; written to {written}")
