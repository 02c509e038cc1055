"""`citistat agenda`: the agencies the office reviews in depth at a session, and why.

The choice is kept in the workspace's config/agenda.toml, one table per period, so it travels with the
rest of the configuration (and its digest) and the chair's page, the agenda and the question sheets of
that period read it in place of `[session] focus`.
"""

from __future__ import annotations

import json
import tomllib

import click

from .common import open_config, period_option, workspace_option


@click.group("agenda")
def command() -> None:
    """The session's focus agencies: chosen per period, with the reason for each."""


def _stored(path) -> dict:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return tomllib.load(handle)


@command.command("set")
@period_option(help="The session (YYYY-MM) the choice is for.")
@click.option(
    "--focus",
    "focus",
    multiple=True,
    required=True,
    metavar="AGENCY",
    help="A focus agency, in the order of the agenda (repeat for several; replaces the period's list).",
)
@click.option(
    "--reason", "reasons", multiple=True, metavar="TEXT", help="Why it was chosen: one per --focus, in the same order."
)
@click.option(
    "--minutes",
    "minutes",
    multiple=True,
    type=click.IntRange(1, 240),
    metavar="N",
    help="Its slot in minutes: one per --focus, or none for the [session] slot_minutes.",
)
@click.option("--allow-unlisted", is_flag=True, help="Accept an agency the roster does not list.")
@workspace_option
def set_agenda(period, focus, reasons, minutes, allow_unlisted, workspace) -> None:
    """Choose the session's focus agencies with a reason for each."""
    from ..safe_io import atomic_write_text
    from ..session_settings import AGENDA_FILE, agenda_toml, focus_problems

    ws, config = open_config(workspace)
    if reasons and len(reasons) != len(focus):
        raise click.UsageError(f"{len(focus)} --focus but {len(reasons)} --reason: give one reason per agency")
    if minutes and len(minutes) != len(focus):
        raise click.UsageError(f"{len(focus)} --focus but {len(minutes)} --minutes: give one per agency, or none")
    entries = []
    for i, agency in enumerate(focus):
        entry = {"agency": agency.strip(), "reason": reasons[i].strip() if reasons else ""}
        if minutes:
            entry["minutes"] = minutes[i]
        entries.append(entry)
    problems = focus_problems(entries, "--focus")
    listed = {(row.get("agency") or "").strip() for row in config.roster}
    unknown = [e["agency"] for e in entries if listed and e["agency"] not in listed]
    if unknown and not allow_unlisted:
        problems.append(
            f"not in the roster ({config.sources.get('roster', 'roster.csv')}): {', '.join(unknown)}; "
            "give the canonical name, or --allow-unlisted"
        )
    if problems:
        raise click.UsageError("; ".join(problems))
    path = ws.config_dir / AGENDA_FILE
    agenda = _stored(path)
    agenda[period] = {"focus": entries}
    atomic_write_text(path, agenda_toml(agenda))
    click.echo(
        f"{period}: {len(entries)} focus agenc{'y' if len(entries) == 1 else 'ies'} "
        f"({', '.join(e['agency'] for e in entries)}) in {path}"
    )


@command.command("clear")
@period_option(help="The session (YYYY-MM) whose choice is removed ([session] focus applies again).")
@workspace_option
def clear_agenda(period, workspace) -> None:
    """Remove a period's choice of focus agencies."""
    from ..safe_io import atomic_write_text
    from ..session_settings import AGENDA_FILE, agenda_toml

    ws, _ = open_config(workspace)
    path = ws.config_dir / AGENDA_FILE
    agenda = _stored(path)
    if agenda.pop(period, None) is None:
        click.echo(f"{period}: no focus agencies were set")
        return
    atomic_write_text(path, agenda_toml(agenda))
    click.echo(f"{period}: focus agencies removed")


@command.command("show")
@period_option()
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def show_agenda(period, workspace, as_json) -> None:
    """The session's focus agencies (from config/agenda.toml, else [session] focus)."""
    from dataclasses import asdict

    _, config = open_config(workspace)
    chosen = config.focus_for(period)
    if as_json:
        click.echo(json.dumps([asdict(item) for item in chosen], ensure_ascii=False, indent=2))
        return
    if not chosen:
        click.echo(f"{period}: no focus agencies (`citistat agenda set --period {period} --focus …`)")
    for item in chosen:
        click.echo(f"{item.agency}  {item.minutes} min  {item.reason}")
