"""`citistat profiles`: the input profiles available, where each comes from, and the fields it maps;
`citistat profiles draft FILE`: a first profile for an export that none reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from .common import workspace_option


@click.group("profiles", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the profiles as JSON on stdout.")
@workspace_option
@click.pass_context
def command(ctx, as_json, workspace):
    """List the input profiles (shipped and from the workspace's config/profiles/) and the fields they map.

    A file's profile is detected from its header; pass --profile to the other
    commands to choose one. docs/profiles.md explains how to write a profile;
    `citistat profiles draft FILE` writes a first one from an export.
    """
    if ctx.invoked_subcommand is not None:
        return
    from .common import open_config

    _, config = open_config(workspace)
    rows = [
        {
            "name": name,
            "source": config.sources.get(f"profile:{name}", ""),
            "description": profile.description,
            "fields": sorted(profile.columns),
            "derived": sorted(profile.derive),
            "required": list(profile.required),
        }
        for name, profile in sorted(config.input_profiles.items())
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']}  ({row['source']})")
        if row["description"]:
            click.echo(f"    {row['description']}")
        click.echo(f"    fields: {', '.join(row['fields'])}")
        if row["derived"]:
            click.echo(f"    derived: {', '.join(row['derived'])}")


@command.command("draft")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="The profile's name (default: from the file's name).")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the draft instead of writing it.")
@click.option("--force", is_flag=True, help="Replace a workspace profile of the same name.")
@workspace_option
def draft(file, name, to_stdout, force, workspace):
    """Draft a profile for FILE: which column is which field, how its dates are spelt, its statuses and rules.

    Each choice carries its reason, and what the file cannot tell (day/month
    order, the time zone, statuses no profile knows) is written as a question.
    The draft goes to the workspace's config/profiles/NAME.toml; check it, then
    try it with `citistat validate --profile NAME FILE`.
    """
    from ..ingest.draft import draft_profile, render_toml
    from ..ingest.loader import header_synonyms
    from ..ingest.rawtable import FileFailure
    from ..ingest.readers import open_table
    from ..safe_io import atomic_write_text
    from .common import open_config

    ws, config = open_config(workspace)
    name = name or _profile_name(file)
    target = ws.config_dir / "profiles" / f"{name}.toml"
    if not to_stdout and target.exists() and not force:
        raise click.UsageError(f"{target} exists; pass --force to replace it, or --name to draft another")
    try:
        raw = open_table(str(file), header_synonyms=header_synonyms(config.input_profiles), lang=config.lang)
    except FileFailure as failure:
        raise click.UsageError(failure.issue.message) from None
    reader = _profile_that_reads(raw.columns, config.input_profiles)
    if reader and not force:
        message = (
            f"profile {reader} already reads {file} (try `citistat validate --profile {reader}`); a draft would "
            "compete with it for such files: pass --force to draft anyway"
        )
        if not to_stdout:
            raise click.UsageError(message)
        click.echo(message, err=True)
    text = render_toml(draft_profile(raw, config.input_profiles, name))
    if to_stdout:
        click.echo(text, nl=False)
        return
    atomic_write_text(target, text)
    click.echo(f"wrote {target}")
    click.echo(f"check it, answer its questions, then: citistat validate --profile {name} {file}")


def _profile_that_reads(columns: list[str], profiles: dict) -> str | None:
    from ..ingest.profiles import ProfileChoiceError, detect_profile

    try:
        return detect_profile(columns, profiles)
    except ProfileChoiceError:
        return None


def _profile_name(file: Path) -> str:
    stem = re.sub(r"[^0-9A-Za-z_-]+", "-", file.stem).strip("-").lower()
    if not stem or stem[0].isdigit():
        stem = f"export-{stem}" if stem else "export"
    if len(stem) > 40:
        stem = stem[:40].rstrip("-")
    return stem
