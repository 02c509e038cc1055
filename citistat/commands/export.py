"""`citistat export`: a period's open data, under the public edition's rules."""

from __future__ import annotations

import click

from .common import open_config, period_option, workspace_option


@click.command("export")
@period_option()
@click.option(
    "--public",
    "public",
    is_flag=True,
    required=True,
    help="Write the public open data (the only kind of export; required so the intent is explicit).",
)
@click.option(
    "--requests/--no-requests",
    default=True,
    show_default=True,
    help="Also write the period's service requests as Open311 GeoReport v2 requests.json.",
)
@workspace_option
def command(period: str, public: bool, requests: bool, workspace) -> None:
    """Write PERIOD's open data into briefings/open-data/<period>/.

    Rates per unit with n and 95 % intervals and the counts at every grain, as CSV with a
    Frictionless datapackage.json (a Table Schema per file) and as Parquet; with --requests the
    service requests as Open311 requests.json. No personal data, no notes; counts below
    [public] min_cell (config/citistat.toml) are withheld, and the package states the rule.
    The latest published session of the period is used; a draft is exported marked as draft.
    """
    from ..opendata import export_period
    from ..pipeline import open_archive

    ws, config = open_config(workspace)
    with open_archive(ws, config) as archive:
        result = export_period(archive, config, period, requests=requests)
        archive.note_files_written()
    draft = " (DRAFT: the session is not published)" if result.session.is_draft else ""
    withheld = sum(result.suppressed_rows.values())
    click.echo(
        f"open data of {period} revision {result.session.revision}{draft}: {len(result.files)} files in "
        f"{result.folder}; cells below {result.threshold} withheld ({withheld} rows with a withheld value)"
    )
