"""`citistat sessions`: list, show and verify the sessions in the archive."""

from __future__ import annotations

import json

import click

from .common import period_argument, wait_option, workspace_option

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")


@click.group("sessions")
def command() -> None:
    """The archive of sessions: what was built, published, and from which files."""


@command.command("list")
@workspace_option
@json_option
def list_sessions(workspace, as_json: bool) -> None:
    """Every session: period, revision, status, meeting date."""
    from ..archive.workspace import open_workspace_archive

    with open_workspace_archive(workspace, readonly=True) as archive:
        sessions = archive.sessions.all()
    if as_json:
        click.echo(json.dumps([s.to_dict() for s in sessions], ensure_ascii=False, indent=2))
        return
    if not sessions:
        click.echo("no sessions yet")
    for s in sessions:
        click.echo(
            f"{s.period}  rev {s.revision}  {s.status:<9}  meeting {s.meeting_date or '—'}  "
            f"build {s.build_state}  {s.published_at or ''}".rstrip()
        )


@command.command("show")
@period_argument()
@click.option("--revision", type=int, default=None, help="A revision other than the latest.")
@workspace_option
@json_option
def show(period: str, revision: int | None, workspace, as_json: bool) -> None:
    """One session: files in, data quality, outputs, manifest, follow-ups raised."""
    from ..archive.workspace import open_workspace_archive

    with open_workspace_archive(workspace, readonly=True) as archive:
        details = session_details(archive, period, revision)
    if as_json:
        click.echo(json.dumps(details, ensure_ascii=False, indent=2, default=str))
        return
    s = details["session"]
    click.echo(
        f"{s['period']} revision {s['revision']}: {s['status']} (build {s['build_state']}), "
        f"meeting {s['meeting_date'] or '—'}, folder {s['folder']}"
    )
    for f in details["input_files"]:
        click.echo(f"  input  {f['name']}  {f['status']}  sha256 {(f['sha256'] or '?')[:12]}")
    click.echo(f"  issues {details['issue_counts'] or 'none'}")
    for o in details["outputs"]:
        click.echo(f"  output {o['path']}  ({o['role']})  sha256 {o['sha256'][:12]}")
    click.echo(f"  follow-ups raised: {details['followups']}")


def session_details(archive, period: str, revision: int | None = None) -> dict:
    session = archive.sessions.get(period, revision)
    manifest = archive.sessions.manifest(session) or {}
    return {
        "session": session.to_dict(),
        "input_files": [
            {k: v for k, v in row.items() if k != "reconciliation"}
            | {"reconciliation": json.loads(row["reconciliation"])}
            for row in archive.periods.input_file_rows(period)
        ],
        "issue_counts": archive.periods.issue_counts(period),
        "outputs": [vars(o) for o in archive.sessions.outputs(session)],
        "config_hash": manifest.get("config_hash"),
        "versions": manifest.get("versions", {}),
        "followups": archive.followups.status_counts(period),
    }


@command.command("verify")
@period_argument(required=False)
@workspace_option
@json_option
def verify(period: str | None, workspace, as_json: bool) -> None:
    """Check every file under the archive against the database and manifest.json; exit 1 on any problem.

    Reports files missing, changed, or added under a published revision, the database and a manifest
    disagreeing, and an earlier manifest changed since a later one recorded its hash. Files a killed
    run left in draft folders are listed too (they are not problems: `citistat sessions gc` removes them).
    """
    from ..archive.workspace import open_workspace_archive

    with open_workspace_archive(workspace, readonly=True) as archive:
        problems = archive.verify(period)
        leftovers = [archive.relative_path(p) for p in archive.unreferenced_files()]
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            click.echo(f"{p.period} rev {p.revision}: [{p.code}] {p.message}")
        click.echo(f"{len(problems)} problem(s)" if problems else "all files match their recorded hashes")
    for path in leftovers:
        click.echo(f"unreferenced: {path}", err=True)
    if leftovers:
        click.echo(
            f"{len(leftovers)} file(s) no record refers to (left by an interrupted run); "
            "`citistat sessions gc --apply` removes them",
            err=True,
        )
    if problems:
        raise click.exceptions.Exit(1)


@command.command("gc")
@click.option("--apply", is_flag=True, help="Delete the files (default: only list them).")
@workspace_option
@wait_option
def gc(apply: bool, workspace, wait: float) -> None:
    """List (or with --apply delete) files no record refers to, left in draft folders by an interrupted run.

    Only draft folders are looked into; nothing under a published revision is ever deleted.
    """
    from ..archive.workspace import open_workspace_archive

    with open_workspace_archive(workspace, readonly=not apply, wait=wait) as archive:
        found = archive.collect_garbage(apply=apply)
        for path in found:
            click.echo(f"{'removed' if apply else 'would remove'} {archive.relative_path(path)}")
    if not found:
        click.echo("no unreferenced files")
    elif not apply:
        click.echo(f"{len(found)} file(s); run again with --apply to delete them", err=True)


@command.command("index")
@workspace_option
@wait_option
def index(workspace, wait: float) -> None:
    """Write briefings/index.html, a page listing every session (opens without a server)."""
    from ..archive import write_index
    from ..archive.workspace import open_workspace_archive

    with open_workspace_archive(workspace, wait=wait) as archive:
        click.echo(str(write_index(archive)))
