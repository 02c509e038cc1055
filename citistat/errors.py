"""One exception family for everything a user can act on.

Rooted in click.ClickException so the CLI prints the message without a
traceback (tracebacks only with --debug). Library code raises these; it does
not print.
"""

from __future__ import annotations

import click


class CitistatError(click.ClickException):
    """A problem the user can fix; the message says how."""

    exit_code = 2


class ConfigError(CitistatError):
    """The configuration is invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"the configuration has {len(self.problems)} problem(s):\n{lines}")


class UsageError(CitistatError):
    """Bad command-line input (a period that is not YYYY-MM, a missing file…)."""


class NoUsableData(CitistatError):
    """Nothing usable came out of the inputs: the files are fine but hold nothing for the period asked,
    so the exit status is 2 (the request is the problem)."""


class FilesFailed(NoUsableData):
    """Nothing usable came out of the inputs because every file failed: the exit status is 1, like any
    failed file (the files are the problem)."""

    exit_code = 1


class ArchiveError(CitistatError):
    """The archive is locked, corrupted, or asked to do something it must refuse."""
