"""`citistat notes`: discussion topics, accomplishments, the agency's reply and internal notes per session."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from .common import period_option, wait_option, workspace_option


@click.group("notes")
def command() -> None:
    """Notes per session and agency that the books print beside the numbers."""


def _archive(workspace, readonly: bool = False, wait: float = 0):
    from ..archive.workspace import open_workspace_archive

    return open_workspace_archive(workspace, readonly=readonly, wait=wait)


@command.command("set")
@period_option()
@click.option("--agency", required=True)
@click.option("--topic", "topics", multiple=True, help="A discussion topic (repeat for several; replaces the list).")
@click.option(
    "--accomplishment", "accomplishments", multiple=True, help="An accomplishment (repeatable; replaces the list)."
)
@click.option("--response", default=None, help="The agency's written reply.")
@click.option("--internal", default=None, help="Office-only notes (never in the public edition).")
@workspace_option
@wait_option
def set_notes(period, agency, topics, accomplishments, response, internal, workspace, wait) -> None:
    """Set an agency's notes for a session; options not given keep their value."""
    with _archive(workspace, wait=wait) as archive:
        notes = archive.notes.set(
            period,
            agency,
            discussion_topics=list(topics) or None,
            accomplishments=list(accomplishments) or None,
            response=response,
            internal=internal,
        )
    click.echo(
        f"notes for {notes.agency} ({period}): {len(notes.discussion_topics)} topic(s), "
        f"{len(notes.accomplishments)} accomplishment(s)"
    )


@command.command("show")
@period_option()
@click.option("--agency", default=None, help="One agency only.")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def show(period, agency, workspace, as_json) -> None:
    """Show the session's notes."""
    with _archive(workspace, readonly=True) as archive:
        notes = archive.notes.for_briefing(period)
    if agency:
        notes = {k: v for k, v in notes.items() if k == agency}
    if as_json:
        click.echo(json.dumps({k: asdict(v) for k, v in notes.items()}, ensure_ascii=False, indent=2))
        return
    if not notes:
        click.echo(f"no notes for {period}")
    for name, entry in notes.items():
        click.echo(f"{name}")
        for topic in entry.discussion_topics:
            click.echo(f"  topic: {topic}")
        for item in entry.accomplishments:
            click.echo(f"  accomplishment: {item}")
        if entry.response:
            click.echo(f"  response: {entry.response}")
        if entry.internal:
            click.echo(f"  internal: {entry.internal}")


@command.command("import")
@period_option()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@workspace_option
@wait_option
def import_notes(period, folder, workspace, wait) -> None:
    """Import notes/<period>/<agency>.toml files (all or nothing)."""
    from ..workspace import open_workspace

    folder = folder or open_workspace(workspace).root / "notes" / period
    with _archive(workspace, wait=wait) as archive:
        agencies = archive.notes.import_folder(folder, period)
    click.echo(f"imported notes for {len(agencies)} agenc{'y' if len(agencies) == 1 else 'ies'}: {', '.join(agencies)}")
