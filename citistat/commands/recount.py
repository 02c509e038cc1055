"""`citistat recount`: count archived periods again from their stored tickets, with DuckDB, Spark or pandas."""

from __future__ import annotations

import click

from ..errors import UsageError
from .common import open_config, workspace_option


def parse_periods(text: str) -> list[str]:
    """ "2019-01..2023-12", "2024-03" or "2024-01,2024-03" -> the periods, in order."""
    from ..periods import check_period, period_range

    periods: list[str] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        if ".." in part:
            first, last = (check_period(p.strip()) for p in part.split("..", 1))
            if first > last:
                raise UsageError(f"--periods {part}: the first period comes after the last; write FIRST..LAST")
            periods.extend(period_range(first, last))
        else:
            periods.append(check_period(part))
    if not periods:
        raise UsageError("--periods is empty; write a period (2024-03), a range (2019-01..2023-12) or a list")
    return sorted(set(periods))


def _periods_callback(ctx, param, value):
    try:
        return parse_periods(value)
    except UsageError as exc:
        raise click.BadParameter(exc.message) from None


DESCRIPTIONS = {
    "stored": "counts stored (revision {revision}); changed: {grains}",
    "unchanged": "counts unchanged",
    "published": "published (revision {revision}) and its counts would change ({grains}): left as it is; "
    "use --new-revision to store them as the next revision",
    "missing": "not in the archive",
}


@click.command("recount")
@click.option(
    "--periods",
    "-p",
    required=True,
    callback=_periods_callback,
    help="Periods to recount: 2024-03, a range 2019-01..2023-12, or a list 2024-01,2024-03.",
)
@click.option(
    "--engine",
    "kind",
    type=click.Choice(["duckdb", "spark", "pandas"]),
    default=None,
    help="Engine that counts. Default: [engine] kind in citistat.toml, else duckdb.",
)
@click.option(
    "--master",
    default=None,
    help="Spark master URL (local[4], spark://host:7077, yarn, k8s://…). Default: [engine] master.",
)
@click.option("--new-revision", is_flag=True, help="Store changed counts of a published period as its next revision.")
@workspace_option
def command(periods, kind, master, new_revision, workspace):
    """Count archived PERIODS again from their stored tickets and store the counts back.

    For a change of count definitions (the quick-close minutes in scoring.toml), or a check that the
    stored counts are what the tickets say. The tickets, input files and issues of each period stay as
    they are; drafts are updated in place, published periods only with --new-revision.
    """
    from ..archive.workspace import archive_for
    from ..engines import open_engine, validate_engine
    from ..engines.recount import recount_periods

    if master and validate_engine({"master": master}):
        raise click.BadParameter("; ".join(validate_engine({"master": master})), param_hint="--master")
    chosen = {key: value for key, value in (("engine.kind", kind), ("engine.master", master)) if value}
    ws, config = open_config(workspace, overrides=chosen)
    settings = config.settings.engine
    quick_close = config.scoring_rules.screens.quick_close_minutes
    with archive_for(ws, config.settings) as archive, open_engine(settings) as engine:
        results = recount_periods(archive, engine, periods, quick_close_minutes=quick_close, new_revision=new_revision)
    for result in results:
        text = DESCRIPTIONS[result.status].format(revision=result.revision, grains=", ".join(result.changed_grains))
        tickets = f"{result.tickets:>9,} tickets  " if result.status != "missing" else " " * 19
        click.echo(f"{result.period}  {tickets}{text}")
    click.echo(
        f"recounted with {settings.kind}" + (f" ({settings.master})" if settings.kind == "spark" else ""), err=True
    )
