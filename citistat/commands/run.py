"""`citistat run`: load a period's files (and any history they hold), then build its books."""

from __future__ import annotations

from pathlib import Path

import click

from .common import echo_err, input_options, lang_options, open_config, period_option, wait_option, workspace_option
from .reporting import report_build, report_load


@click.command("run")
@period_option(help="The period to brief, YYYY-MM. Files may hold earlier periods too: they become history.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@input_options
@lang_options
@click.option("--meeting-date", help="Date of the session (YYYY-MM-DD). Default: a few days after the period ends.")
@click.option("--new-revision", is_flag=True, help="Allow new data for a published period: it becomes a new revision.")
@workspace_option
@wait_option
@click.pass_context
def command(ctx, period, files, profile, aliases, roster, langs, edition, meeting_date, new_revision, workspace, wait):
    """Load FILES (files or folders) and build the briefing books of PERIOD.

    Every period found in the files is stored in the archive, so a year of
    monthly exports loaded once gives every later book its trends. The books
    are written to the archive folder of the period, e.g. briefings/2024-03/.

    Example: citistat run --period 2024-03 sample_data/
    """
    from ..pipeline import StageTimer, build_books, expand_inputs, load_files, open_archive

    ws, config = open_config(workspace, aliases, roster)
    quiet = ctx.obj.get("quiet", False)
    timer = StageTimer()
    with open_archive(ws, config, wait=wait) as archive:  # one lock from the first file read to the last book
        outcome = load_files(
            ws,
            config,
            expand_inputs(list(files)),
            profile=profile,
            lang=(langs or (None,))[0],
            new_revision=new_revision,
            timer=timer,
            archive=archive,
        )
        report_load(outcome, quiet=quiet)
        built = build_books(
            ws,
            config,
            period,
            langs=langs,
            editions=edition,
            meeting_date=meeting_date,
            loaded=outcome,
            timer=timer,
            archive=archive,
        )
    report_build(built, ws.root)
    failed = any(f.status in ("failed", "quarantined") for f in outcome.ingest.files)
    if failed:
        echo_err("some rows or files were quarantined: see the rejects report and the data-quality appendix.", quiet)
        ctx.exit(1)
