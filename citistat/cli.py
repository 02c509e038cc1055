"""The command line: a thin adapter over the library.

Each command lives in citistat/commands/<name>.py, parses its options, calls
one library function and reports. Heavy imports (weasyprint, matplotlib,
pandas) happen inside the commands, so `citistat --help` is instant.
"""

from __future__ import annotations

import importlib
import logging
import sys
from types import ModuleType

import click

from . import __version__

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# command name -> module under citistat.commands that defines `command`
COMMANDS = {
    "init": "init",
    "sample": "sample",
    "profiles": "profiles",
    "config": "config_show",
    "validate": "validate",
    "ingest": "ingest",
    "metrics": "metrics",
    "run": "run",
    "build": "build",
    "publish": "publish",
    "sessions": "sessions",
    "followup": "followup",
    "notes": "notes",
    "memo": "memo",
    "report": "report",
    "export": "export",
    "recount": "recount",
    "early-warning": "early_warning",
    "agenda": "agenda",
}


class LazyGroup(click.Group):
    """Loads a command's module only when that command runs (or help lists it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._module(name) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = self._module(name)
        command = getattr(module, "command", None) if module else None
        return command if isinstance(command, click.Command) else None

    @staticmethod
    def _module(name: str) -> ModuleType | None:
        if name not in COMMANDS:
            return None
        try:
            return importlib.import_module(f"citistat.commands.{COMMANDS[name]}")
        except ModuleNotFoundError as exc:
            if exc.name == f"citistat.commands.{COMMANDS[name]}":
                return None  # command not built in this version
            raise


@click.group(cls=LazyGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="citistat")
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv for debug logs).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """citistat: CitiStat-style accountability briefings from 12345 / 311 hotline exports.

    Load a period's hotline spreadsheets, compute the three rates (response,
    resolution, satisfaction), scores, rankings and trends per agency, and
    write PDF briefing books, keeping an archive of every session.
    """
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["quiet"] = quiet
    if debug:
        sys.excepthook = sys.__excepthook__


def run() -> None:  # pragma: no cover - the console script
    main(prog_name="citistat")
