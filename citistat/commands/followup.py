"""`citistat followup`: the ledger of commitments and data requests made at sessions."""

from __future__ import annotations

import json

import click

from .common import period_option, wait_option, workspace_option

METRIC_CHOICE = click.Choice(["response", "resolution", "satisfaction"])
KIND_CHOICE = click.Choice(["commitment", "data_request"])
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


@click.group("followup")
def command() -> None:
    """Follow-ups: what each agency committed to at a session, who owns it, and whether it happened."""


def _archive(workspace, readonly: bool = False, wait: float = 0):
    from ..archive.workspace import open_workspace_archive

    return open_workspace_archive(workspace, readonly=readonly, wait=wait)


def _line(record) -> str:
    due = f"due {record.due}" if record.due else "no due date"
    metric = f" [{record.metric}]" if record.metric else ""
    return (
        f"#{record.id}  {record.status:<8} {record.raised_period}  {record.agency}  {record.owner}  {due}"
        f"{metric}  {record.kind}: {record.text}"
    )


@command.command("add")
@click.argument("text")
@period_option(help="The session (YYYY-MM) that raised it.")
@click.option("--agency", required=True, help="Canonical agency name.")
@click.option("--owner", required=True, help="The person answerable for it.")
@click.option("--due", default=None, help="Due date, YYYY-MM-DD.")
@click.option("--metric", type=METRIC_CHOICE, default=None, help="The rate it should move.")
@click.option("--kind", type=KIND_CHOICE, default="commitment", show_default=True)
@click.option("--notes", default="", help="Internal notes (never in the public edition).")
@click.option(
    "--raised-on",
    default=None,
    help="Date raised, YYYY-MM-DD. Default: the session's meeting date "
    "(else the first [build] meeting_weekday at least 3 days after the period).",
)
@workspace_option
@wait_option
def add(text, period, agency, owner, due, metric, kind, notes, raised_on, workspace, wait) -> None:
    """Record a follow-up raised at the period's session."""
    with _archive(workspace, wait=wait) as archive:
        new_id = archive.followups.add(
            agency, text, owner, due, period=period, raised_on=raised_on, metric=metric, kind=kind, notes=notes
        )
        click.echo(_line(archive.followups.get(new_id)))


@command.command("list")
@period_option(required=False, help="Only those raised at this session.")
@click.option("--agency", default=None)
@click.option(
    "--status",
    type=click.Choice(["open", "overdue", "done", "dropped"]),
    default=None,
    help="Status as of today (overdue = open and past its due date).",
)
@workspace_option
@json_option
def list_followups(period, agency, status, workspace, as_json) -> None:
    """List follow-ups, optionally of one session, agency or status (overdue is computed as of today)."""
    with _archive(workspace, readonly=True) as archive:
        records = archive.followups.find(period, agency, status)
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2))
        return
    for record in records:
        click.echo(_line(record))
    if not records:
        click.echo("no follow-ups")


@command.command("show")
@click.argument("followup_id", type=int)
@workspace_option
@json_option
def show(followup_id, workspace, as_json) -> None:
    """One follow-up with its history of status changes."""
    with _archive(workspace, readonly=True) as archive:
        record, history = archive.followups.get(followup_id), archive.followups.history(followup_id)
    if as_json:
        click.echo(json.dumps({**record.to_dict(), "history": history}, ensure_ascii=False, indent=2))
        return
    click.echo(_line(record))
    for change in history:
        click.echo(f"  {change['at']}  {change['old_status'] or '—'} → {change['new_status']}  {change['note']}")


@command.command("update")
@click.argument("followup_id", type=int)
@click.option("--text", default=None)
@click.option("--agency", default=None)
@click.option("--owner", default=None)
@click.option("--due", default=None, help="YYYY-MM-DD.")
@click.option("--metric", type=METRIC_CHOICE, default=None)
@click.option("--kind", type=KIND_CHOICE, default=None)
@click.option("--notes", default=None)
@click.option("--status", type=click.Choice(["open", "done", "dropped"]), default=None)
@click.option("--note", default="", help="Why the status changed (kept in the history).")
@workspace_option
@wait_option
def update(followup_id, text, agency, owner, due, metric, kind, notes, status, note, workspace, wait) -> None:
    """Change a follow-up's fields or status."""
    with _archive(workspace, wait=wait) as archive:
        record = archive.followups.update(
            followup_id,
            status=status,
            note=note,
            text=text,
            agency=agency,
            owner=owner,
            due=due,
            metric=metric,
            kind=kind,
            notes=notes,
        )
    click.echo(_line(record))


@command.command("close")
@click.argument("followup_id", type=int)
@click.option("--dropped", is_flag=True, help="Close it as dropped rather than done.")
@click.option("--note", default="", help="What was done, or why it was dropped.")
@click.option("--on", "closed_on", default=None, help="Date closed, YYYY-MM-DD. Default: today.")
@workspace_option
@wait_option
def close(followup_id, dropped, note, closed_on, workspace, wait) -> None:
    """Mark a follow-up done (or dropped)."""
    with _archive(workspace, wait=wait) as archive:
        record = archive.followups.close(followup_id, status="dropped" if dropped else "done", note=note, on=closed_on)
    click.echo(_line(record))


@command.command("import")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@period_option(help="The session (YYYY-MM) that raised them.")
@click.option(
    "--skip-bad", is_flag=True, help="Import the good rows and report the bad ones (default: all or nothing)."
)
@workspace_option
@wait_option
@json_option
def import_followups(path, period, skip_bad, workspace, wait, as_json) -> None:
    """Import follow-ups from a CSV or xlsx (单位, 事项, 责任人, 完成时限, 指标, 类型)."""
    with _archive(workspace, wait=wait) as archive:
        report = archive.followups.import_sheet(path, period, skip_bad=skip_bad)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"imported {len(report.imported)} follow-up(s) from {path}")
    if report.already:
        click.echo(f"{len(report.already)} identical item(s) were recorded before and were not added again", err=True)
    for problem in report.problems:
        click.echo(f"skipped {problem.location()}: {problem.message}", err=True)
