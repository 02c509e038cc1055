"""`citistat init`: write a starter config/ to edit, suited to the kind of city a profile describes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click

from .common import workspace_option

STARTERS_DIR = "starters"  # config/starters/<kind>/: files that replace the shipped ones for that kind of city
ROSTER = Path("agencies") / "roster.csv"


def shipped_profiles() -> list[str]:
    from ..workspace import DEFAULT_CONFIG_DIR

    return sorted(p.stem for p in (DEFAULT_CONFIG_DIR / "profiles").glob("*.toml"))


@click.command("init")
@click.option(
    "--profile",
    "profile",
    default=None,
    metavar="NAME",
    help="The input profile your exports fit (see `citistat profiles`): the starter suits that kind of "
    "city (names, unit types and weights, topics). Default: the Chinese 12345 sample city.",
)
@click.option(
    "--lang",
    type=click.Choice(["zh-CN", "en"]),
    default=None,
    help="Language of the books and messages. Default: the starter's (en for a US 311 profile).",
)
@click.option("--force", is_flag=True, help="Overwrite files that already exist in config/.")
@workspace_option
def command(profile, lang, force, workspace):
    """Write a starter config/ (settings, scoring, profiles, agency roster and aliases) to edit.

    Without a config/ folder citistat uses the shipped defaults; init copies
    them so you can change what differs in your city. With --profile the
    starter fits that kind of export: `--profile nyc-311` gives English
    settings, the city's agencies as one unit type, weights without a
    satisfaction survey, and 311 topics. Existing files are kept unless
    --force is given.
    """
    from ..workspace import DEFAULT_CONFIG_DIR, open_workspace

    if profile is not None and profile not in shipped_profiles():
        raise click.BadParameter(
            f"{profile!r} is not a shipped profile; use one of {', '.join(shipped_profiles())}", param_hint="--profile"
        )
    ws = open_workspace(workspace)
    starter = starter_for(profile)
    files = starter_files(DEFAULT_CONFIG_DIR, starter, profile)
    lang = lang or (starter_settings(starter).get("lang") if starter else None)
    written, kept = [], []
    for relative, source in files.items():
        target = ws.config_dir / relative
        if target.exists() and not force:
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        text = source.read_bytes()
        if relative == Path("citistat.toml") and lang:
            text = with_language(text.decode("utf-8"), lang).encode("utf-8")
        target.write_bytes(text)
        written.append(target)
    ws.caller_salt()  # each workspace gets its own secret salt for caller keys
    for path in written:
        click.echo(f"wrote {path}")
    if kept:
        click.echo(f"kept {len(kept)} existing file(s); use --force to overwrite", err=True)
    if starter is not None:
        click.echo(
            f"starter: {starter.name} (for {profile}); edit config/citistat.toml (city name), "
            f"config/agencies/roster.csv and config/scoring.toml to fit your city",
            err=True,
        )


def starter_for(profile: str | None) -> Path | None:
    """The starter folder whose starter.toml lists `profile`; None means the shipped defaults."""
    from ..workspace import DEFAULT_CONFIG_DIR

    if profile is None:
        return None
    for folder in sorted((DEFAULT_CONFIG_DIR / STARTERS_DIR).glob("*/")):
        if profile in starter_settings(folder).get("profiles", []):
            return folder
    return None


def starter_settings(folder: Path) -> dict:
    path = folder / "starter.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def starter_files(defaults: Path, starter: Path | None, profile: str | None) -> dict[Path, Path]:
    """config-relative path -> file to copy: the shipped defaults, then the starter's files over them.

    A starter's agencies/roster-<profile>.csv becomes agencies/roster.csv for that profile.
    """
    files = {
        p.relative_to(defaults): p
        for p in sorted(defaults.rglob("*"))
        if p.is_file() and not p.name.endswith(".salt") and p.relative_to(defaults).parts[0] != STARTERS_DIR
    }
    if starter is None:
        return files
    # the shipped boundaries are the sample city's (synthetic): another city's maps need its own config/geo
    files = {relative: path for relative, path in files.items() if relative.parts[0] != "geo"}
    for path in sorted(starter.rglob("*")):
        relative = path.relative_to(starter)
        if not path.is_file() or relative.name == "starter.toml" or relative.name.startswith("roster-"):
            continue
        files[relative] = path
    own_roster = starter / "agencies" / f"roster-{profile}.csv"
    if own_roster.is_file():
        files[ROSTER] = own_roster
    return files


def with_language(settings_text: str, lang: str) -> str:
    """The settings file with [build] lang set to `lang`, comments and everything else kept."""
    replaced, count = re.subn(r'(?m)^lang\s*=\s*"[^"]*"', f'lang = "{lang}"', settings_text, count=1)
    return replaced if count else settings_text.replace("[build]\n", f'[build]\nlang = "{lang}"\n', 1)
