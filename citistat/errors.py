"""One exception family for everything a user can act on.

Rooted in click.ClickException so the CLI prints the message without a
traceback (tracebacks only with --debug). Library code raises these; it does
not print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import click


class CitistatError(click.ClickException):
    """A problem the user can fix; the message says how."""

    exit_code = 2


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in the configuration: where (file, section, key), what, and how to fix it."""

    file: str
    section: str
    key: str
    what: str  # e.g. "= 'fr' is not a language"
    fix: str  # e.g. "use one of zh-CN, en"

    def __str__(self) -> str:
        where = f"[{self.section}]" + (f" {self.key}" if self.key else "")
        return f"{self.file}: {where} {self.what}; {self.fix}"


class ConfigError(CitistatError):
    """The configuration is invalid. Carries every problem found, not just the first.

    `problems` are the sentences shown; `details` the same problems as given (a ConfigProblem where the
    file, section and key are known)."""

    def __init__(self, problems: Sequence[str | ConfigProblem]):
        self.details = list(problems)
        self.problems = [str(p) for p in self.details]
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


class MissingMessage(CitistatError):
    """Something asked for a message the catalogue (citistat.messages) does not have."""
