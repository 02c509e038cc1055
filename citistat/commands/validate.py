"""`citistat validate`: check input files and show every problem, without touching the archive."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from .common import input_options, open_config, period_option, workspace_option

EXIT_CLEAN = 0
EXIT_PROBLEMS = 1  # rows quarantined, files failed, or (with --strict) warnings


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@input_options
@period_option(required=False, help="Only this period (YYYY-MM) counts; other rows are listed as excluded.")
@click.option("--json", "as_json", is_flag=True, help="Print the full report as JSON on stdout.")
@click.option("--strict", is_flag=True, help="Treat warnings (bad optional cells, unknown answers) as failures.")
@click.option(
    "--rejects",
    "rejects_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write rejects.csv and rejects.xlsx (every rejected row, with the reason) into this folder.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh-CN", "en"]),
    default=None,
    help="Language of the messages. Default: the workspace's [build] lang, else the system locale (LANG).",
)
@workspace_option
@click.pass_context
def command(ctx, files, profile, aliases, roster, period, as_json, strict, rejects_dir, lang, workspace):
    """Read FILES as `citistat ingest` would and report what is wrong, where, and how to fix it.

    Prints one line per file (status and where every row went: accepted,
    rejected, excluded, duplicates, skipped), issue counts by reason code and
    the first issues with their file, sheet, row and column. Exit code 0 when
    clean, 1 when rows were rejected or a file failed (with --strict also on
    warnings), 2 on usage or configuration errors.
    """
    from .. import ingest
    from ..ingest import report
    from ..pipeline import expand_inputs

    ws, config = open_config(workspace, aliases, roster)
    lang = lang or message_language(config)
    result = ingest.load(
        expand_inputs(list(files)), config, period=period, profile=profile, salt=ws.caller_salt(), lang=lang
    )
    if rejects_dir is not None:
        from ..privacy import Scrubber

        for path in report.write_rejects(
            result, rejects_dir, scrubber=Scrubber.from_settings(config.privacy), lang=lang
        ):
            click.echo(f"wrote {path}", err=True)
    if as_json:
        payload = report.validation_json(result, report.agency_counts(result.tickets))
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(report.render_text(result, lang))
    ctx.exit(exit_code(result, strict))


def message_language(config) -> str:
    """The workspace's own [build] lang when it sets one, else the system locale: zh* → zh-CN, anything else → en.

    The shipped settings say zh-CN for the books of the sample city; a new user in
    another country who has not configured a workspace should not get Chinese messages.
    """
    from ..config import SHIPPED

    source = config.setting_sources.get("build.lang")
    if source is not None and source.kind != SHIPPED:
        return config.lang
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value and value not in ("C", "POSIX"):
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


def exit_code(result, strict: bool) -> int:
    """0 clean; 1 when a file failed or was quarantined, or (strict) when any file has warnings."""
    bad = {"failed", "quarantined"} | ({"warnings"} if strict else set())
    if any(report.status in bad for report in result.files) or not result.reconciliation.balances():
        return EXIT_PROBLEMS
    return EXIT_CLEAN
