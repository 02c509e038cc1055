"""`citistat memo`: the follow-up memo after a session."""

from __future__ import annotations

import click

from .common import open_config, period_option, wait_option, workspace_option


@click.command("memo")
@period_option()
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default=None, help="Language of the memo.")
@workspace_option
@wait_option
def command(period, lang, workspace, wait):
    """Write the follow-up memo of PERIOD's session.

    It lists every commitment and data request recorded for the session
    (`citistat followup add/import`), by agency, with owner and due date —
    CitiStat practice is to send it within two days of the meeting.
    """
    from ..pipeline import write_memo

    ws, config = open_config(workspace)
    path = write_memo(ws, config, period, lang=lang, wait=wait)
    click.echo(str(path))
