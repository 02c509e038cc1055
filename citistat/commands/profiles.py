"""`citistat profiles`: the input profiles available, where each comes from, and the fields it maps."""

from __future__ import annotations

import json

import click

from .common import workspace_option


@click.command("profiles")
@click.option("--json", "as_json", is_flag=True, help="Print the profiles as JSON on stdout.")
@workspace_option
def command(as_json, workspace):
    """List the input profiles (shipped and from the workspace's config/profiles/) and the fields they map.

    A file's profile is detected from its header; pass --profile to the other
    commands to choose one. docs/profiles.md explains how to write a profile.
    """
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
