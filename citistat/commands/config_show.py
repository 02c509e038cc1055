"""`citistat config`: show the effective configuration, and where every setting came from."""

from __future__ import annotations

import json

import click

from .common import open_config, workspace_option


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Everything, as JSON.")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="SECTION.KEY=VALUE",
    help="Show the effect of a setting given on the command line (repeatable), e.g. --set build.lang=en.",
)
@workspace_option
def command(as_json, overrides, workspace):
    """Validate the configuration and show what is in effect: every setting of citistat.toml with its value and
    its source (shipped default, workspace file or command line), and which file each other part came from."""
    from ..config import override_value

    chosen = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r}: write SECTION.KEY=VALUE, e.g. build.lang=en", param_hint="--set")
        chosen[key.strip()] = override_value(value.strip())
    _, config = open_config(workspace, overrides=chosen)
    if as_json:
        click.echo(json.dumps(config.effective(), ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"city: {config.city}   language: {config.lang}   edition: {config.edition}")
    click.echo(f"configuration hash: {config.digest()[:16]}")
    click.echo("settings (citistat.toml):")
    for line in setting_lines(config):
        click.echo(line)
    click.echo(f"profiles: {', '.join(sorted(config.profiles)) or 'none'}")
    click.echo(
        f"agencies in roster: {len(config.roster)}   aliases: {len(config.aliases)}   topics: {len(config.topics)}"
    )
    click.echo("files:")
    for what, path in sorted(config.sources.items()):
        click.echo(f"  {what:<24} {path}")


def setting_lines(config) -> list[str]:
    """`[section]` headings, then `key = value` and its source, for every declared setting."""
    lines, section_shown = [], None
    for section, key, value in config.settings.items():
        if section != section_shown:
            lines.append(f"  [{section}]")
            section_shown = section
        shown = f"{key} = {_shown(value)}"
        lines.append(f"    {shown:<44} {config.setting_sources.get(f'{section}.{key}', '')}")
    return lines


def _shown(value) -> str:
    """A value as it would be written in citistat.toml."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_shown(v)}" for k, v in value.items()) + "}"
    if hasattr(value, "__dataclass_fields__"):  # a focus agency
        from dataclasses import asdict

        return _shown(asdict(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return f"{value:g}" if isinstance(value, float) else str(value)
