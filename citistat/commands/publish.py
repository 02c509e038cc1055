"""`citistat publish`: freeze a period's latest build as the published session."""

from __future__ import annotations

import click

from .common import period_option, wait_option, workspace_option


@click.command("publish")
@workspace_option
@period_option()
@wait_option
def command(workspace, period: str, wait: float) -> None:
    """Publish the period's latest build: its files become read-only and their hashes are kept.

    A later build of the same period goes to a new revision (briefings/<period>/rev-2/);
    the published files are never overwritten.
    """
    from ..archive import write_index
    from ..archive.workspace import open_workspace_archive

    with open_workspace_archive(workspace, wait=wait) as archive:
        session = archive.sessions.publish(period)
        files = len(archive.sessions.outputs(session))
        write_index(archive)
    click.echo(f"published {period} revision {session.revision} ({files} file(s) frozen) in {session.folder}")
