"""`citistat init`: write a starter config/ to edit."""

from __future__ import annotations

import shutil

import click

from .common import workspace_option


@click.command("init")
@click.option("--force", is_flag=True, help="Overwrite files that already exist in config/.")
@workspace_option
def command(force, workspace):
    """Write a starter config/ (settings, scoring, profiles, agency roster and aliases) to edit.

    Without a config/ folder citistat uses the shipped defaults; init copies
    them so you can change what differs in your city. Existing files are kept
    unless --force is given.
    """
    from ..workspace import DEFAULT_CONFIG_DIR, open_workspace

    ws = open_workspace(workspace)
    written, kept = [], []
    for source in sorted(DEFAULT_CONFIG_DIR.rglob("*")):
        if not source.is_file() or source.name.endswith(".salt"):
            continue
        target = ws.config_dir / source.relative_to(DEFAULT_CONFIG_DIR)
        if target.exists() and not force:
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    ws.caller_salt()  # each workspace gets its own secret salt for caller keys
    for path in written:
        click.echo(f"wrote {path}")
    if kept:
        click.echo(f"kept {len(kept)} existing file(s); use --force to overwrite", err=True)
