"""`citistat config`: show the effective configuration."""

from __future__ import annotations

import json

import click

from .common import open_config, workspace_option


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Everything, as JSON.")
@workspace_option
def command(as_json, workspace):
    """Validate the configuration and show what is in effect, and which file each part came from."""
    _, config = open_config(workspace)
    if as_json:
        click.echo(json.dumps(config.effective(), ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"city: {config.city}   language: {config.lang}   edition: {config.edition}")
    click.echo(f"configuration hash: {config.digest()[:16]}")
    click.echo(f"profiles: {', '.join(sorted(config.profiles)) or 'none'}")
    click.echo(f"agencies in roster: {len(config.roster)}   aliases: {len(config.aliases)}   topics: {len(config.topics)}")
    click.echo("files:")
    for what, path in sorted(config.sources.items()):
        click.echo(f"  {what:<24} {path}")
