"""`citistat report`: the annual report of a year, from the archive's sessions."""

from __future__ import annotations

import click

from .common import lang_options, open_config, workspace_option


@click.command("report")
@click.option("--year", "-y", type=click.IntRange(1990, 2100), required=True, help="The year, e.g. 2023.")
@lang_options
@workspace_option
def command(year: int, langs: tuple[str, ...], edition: str | None, workspace) -> None:
    """Write the annual report of YEAR into briefings/reports/<year>/ (PDF and HTML).

    The year's rates per unit and per type with intervals, monthly trends, how often each
    unit ranked last, each topic of the month before and after, commitments made, kept,
    overdue and dropped, the integrity questions and their answers, and data quality —
    built only from the archive's session records of the year: the latest published
    revision of each month, else its latest draft, marked as draft in the report.
    """
    from ..annual import build_annual_report

    ws, config = open_config(workspace)
    written = build_annual_report(ws, config, year, langs=langs, edition=edition)
    for files in written:
        for path in (files.pdf, files.html):
            if path is not None:
                click.echo(str(path))
    if written and written[0].status == "draft":
        click.echo(f"note: the {year} report is a DRAFT: some of its months are not published yet", err=True)
