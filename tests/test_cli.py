"""The CLI shell: help everywhere, version, errors without tracebacks."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from citistat import __version__
from citistat.cli import COMMANDS, main


def _all_commands(group: click.Group, ctx: click.Context, prefix=()):
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, ctx, prefix + (name,))


def _commands():
    ctx = click.Context(main)
    return list(_all_commands(main, ctx))


def test_every_listed_command_is_built():
    ctx = click.Context(main)
    assert set(main.list_commands(ctx)) == set(COMMANDS)


@pytest.mark.parametrize("path,cmd", _commands(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_text(path, cmd):
    assert cmd.help and len(cmd.help.strip()) > 20, f"citistat {' '.join(path)} has no help text"
    for flag in ("--help", "-h"):
        result = CliRunner().invoke(main, [*path, flag])
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_python_dash_m_works():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "citistat", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "citistat" in done.stdout


def test_help_does_not_import_heavy_libraries():
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from citistat.cli import main;"
        "CliRunner().invoke(main, ['--help']);"
        "print(','.join(m for m in ('weasyprint','matplotlib','pandas') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == ""


def test_bad_period_is_a_usage_error_without_traceback(tmp_path):
    sample = tmp_path / "x.csv"
    sample.write_text("a\n1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", "--period", "2024-13", str(sample)])
    assert result.exit_code == 2
    assert "YYYY-MM" in result.output
    assert "Traceback" not in result.output
