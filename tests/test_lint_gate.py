"""The lint gate stays wired: CI runs it after the tests, the pinned ruff is the one the settings require,
and every module on mypy's strict list exists (a renamed module must not drop off the list unnoticed)."""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _lint_extra() -> dict[str, str]:
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg", encoding="utf-8")
    pins = [line.strip() for line in parser["options.extras_require"]["lint"].splitlines() if line.strip()]
    return dict(pin.split("==", 1) for pin in pins)


def test_ci_runs_the_tests_then_the_lint_gate():
    commands = [
        line.strip()
        for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("make ")
    ]
    assert commands == ["make test", "make lint"]


def test_make_lint_checks_format_lint_and_types():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "Makefile has no lint target"
    steps = recipe.group(1)
    assert "ruff format --check" in steps and "ruff check" in steps and "mypy" in steps


def test_the_pinned_tools_are_the_ones_the_settings_expect():
    pins = _lint_extra()
    assert set(pins) == {"ruff", "mypy", "pandas-stubs"}
    assert _pyproject()["tool"]["ruff"]["required-version"] == f"=={pins['ruff']}"


def test_every_strict_module_exists():
    overrides = _pyproject()["tool"]["mypy"]["overrides"]
    strict = [o for o in overrides if o.get("disallow_untyped_defs")]
    assert len(strict) == 1 and strict[0]["module"], "one strict list, not empty"
    for module in strict[0]["module"]:
        path = REPO.joinpath(*module.split("."))
        assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), module
