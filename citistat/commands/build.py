"""`citistat build`: build a stored period's books from the archive."""

from __future__ import annotations

import time

import click

from .common import lang_options, open_config, period_option, wait_option, workspace_option
from .reporting import report_build


@click.command("build")
@period_option()
@lang_options
@click.option(
    "--meeting-date", help="Date of the session (YYYY-MM-DD). Default: the session's, or a few days after the period."
)
@click.option(
    "--agency",
    metavar="NAME",
    help="Preview after editing one agency's notes: lay out that agency's brief and its pages of the "
    "city book again, join the book from the parts already laid out, and print the seconds. "
    "The other briefs stay as the last build wrote them.",
)
@workspace_option
@wait_option
def command(period, langs, edition, meeting_date, agency, workspace, wait):
    """Build the books of PERIOD from the archive (no spreadsheet is read).

    For a published period this makes a new revision beside the published
    one, which stays untouched; the numbers are reproduced from the archive.
    """
    from ..pipeline import build_books

    started = time.perf_counter()
    ws, config = open_config(workspace)
    built = build_books(
        ws, config, period, langs=langs, editions=edition, meeting_date=meeting_date, wait=wait, agency=agency
    )
    report_build(built, ws.root)
    if agency:
        click.echo(f"Rebuilt {agency}'s brief and the city book in {time.perf_counter() - started:.1f} s.")
