"""`citistat build`: build a stored period's books from the archive."""

from __future__ import annotations

import click

from .common import lang_options, open_config, period_option, wait_option, workspace_option
from .reporting import report_build


@click.command("build")
@period_option()
@lang_options
@click.option("--meeting-date", help="Date of the session (YYYY-MM-DD). Default: the session's, or a few days after the period.")
@workspace_option
@wait_option
def command(period, langs, edition, meeting_date, workspace, wait):
    """Build the books of PERIOD from the archive (no spreadsheet is read).

    For a published period this makes a new revision beside the published
    one, which stays untouched; the numbers are reproduced from the archive.
    """
    from ..pipeline import build_books

    ws, config = open_config(workspace)
    built = build_books(ws, config, period, langs=langs, editions=edition, meeting_date=meeting_date, wait=wait)
    report_build(built, ws.root)
