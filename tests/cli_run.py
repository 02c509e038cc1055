"""Running a citistat command in process, as the tests that drive whole sessions do."""

from __future__ import annotations

from click.testing import CliRunner, Result

from citistat.cli import main


def invoke(*args: str, ok=(0,)) -> Result:
    """`citistat ARGS`; fails the test when the exit status is not in `ok` or the command crashed."""
    result = CliRunner().invoke(main, list(args))
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert result.exit_code in ok and not crashed, (
        f"citistat {' '.join(args)} → {result.exit_code}\n{result.output}\n{result.exception!r}"
    )
    return result
