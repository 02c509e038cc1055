"""Options and helpers every command shares."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import Config, load_config
from ..errors import UsageError
from ..periods import check_period
from ..workspace import Workspace, open_workspace


def _period_callback(ctx, param, value):
    try:
        return value if value is None else check_period(value)
    except UsageError as exc:
        raise click.BadParameter(exc.message) from None


def workspace_option(func):
    return click.option(
        "--workspace",
        "-w",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Workspace folder (config/ and the archive). Default: the current directory.",
    )(func)


def period_option(required: bool = True, help: str = "The period, YYYY-MM."):
    return click.option("--period", "-p", required=required, callback=_period_callback, help=help)


def wait_option(func):
    """For commands that write the archive: wait for another writer instead of stopping at once."""
    return click.option(
        "--wait",
        "wait",
        type=click.FloatRange(min=0),
        default=0,
        show_default=True,
        metavar="SECONDS",
        help="If another run is writing the archive, wait up to this long for it to finish.",
    )(func)


def period_argument(required: bool = True):
    """PERIOD as an argument, checked like --period."""
    return click.argument("period", required=required, callback=_period_callback)


def input_options(func):
    """--profile, --aliases and --roster: the same on every command that reads files."""
    func = click.option(
        "--roster",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="Agency roster CSV (agency,unit_type,…) for this run.",
    )(func)
    func = click.option(
        "--aliases",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="Agency alias CSV (alias,canonical[,valid_from,valid_to]) for this run.",
    )(func)
    func = click.option(
        "--profile",
        default=None,
        help="Input profile to use (see `citistat profiles`). Default: detected from the header.",
    )(func)
    return func


def lang_options(func):
    func = click.option(
        "--edition",
        type=click.Choice(["internal", "agency", "public"]),
        multiple=True,
        help="internal: everything (city book and briefs); agency: the briefs sent to each agency, "
        "without internal notes or the watch list; public: the city book without notes, "
        "personal data or small cells. Repeat to build several.",
    )(func)
    func = click.option(
        "--lang",
        "langs",
        type=click.Choice(["zh-CN", "en"]),
        multiple=True,
        help="Language of the books; repeat for both (--lang zh-CN --lang en). "
        "Default: from the workspace configuration.",
    )(func)
    return func


def open_config(
    workspace: Path | None, aliases: Path | None = None, roster: Path | None = None, *, overrides: dict | None = None
) -> tuple[Workspace, Config]:
    """The workspace and its configuration; `overrides` ({"section.key": value}) are the command line's."""
    ws = open_workspace(workspace)
    return ws, load_config(ws, aliases=aliases, roster=roster, overrides=overrides)


def echo_err(message: str, quiet: bool = False) -> None:
    if not quiet:
        click.echo(message, err=True)
