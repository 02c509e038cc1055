"""citistat.toml as typed settings: declared once, merged key by key, every value with its source."""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from pathlib import Path

import pytest
from click.testing import CliRunner

from citistat.cli import main
from citistat.config import (
    COMMAND_LINE,
    SECTIONS,
    SHIPPED,
    WORKSPACE,
    IngestSettings,
    Settings,
    load_config,
    setting_docs,
)
from citistat.errors import ConfigError, ConfigProblem
from citistat.ingest.rawtable import Limits
from citistat.workspace import DEFAULT_CONFIG_DIR, open_workspace

ROOT = Path(__file__).resolve().parents[1]


def workspace_with(tmp_path: Path, settings_text: str):
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "citistat.toml").write_text(settings_text, encoding="utf-8")
    return open_workspace(tmp_path)


def problems_of(tmp_path: Path, settings_text: str, **kwargs) -> list:
    with pytest.raises(ConfigError) as caught:
        load_config(workspace_with(tmp_path, settings_text), **kwargs)
    return caught.value.details


def test_a_workspace_file_overrides_key_by_key(tmp_path):
    config = load_config(workspace_with(tmp_path, "[build]\nworkers = 1\n[ingest]\nmax_rows = 10\n"))
    assert config.settings.build.workers == 1
    assert config.settings.ingest.max_rows == 10
    # the keys the workspace left out keep the shipped values, not a second set of defaults in code
    assert config.settings.ingest.max_uncompressed_mb == 2048
    assert config.settings.build.meeting_weekday == 2
    assert config.setting_sources["ingest.max_rows"].kind == WORKSPACE
    assert config.setting_sources["ingest.max_uncompressed_mb"].kind == SHIPPED


def test_a_workspace_file_without_ingest_keeps_the_shipped_limits(tmp_path):
    config = load_config(workspace_with(tmp_path, '[build]\nlang = "en"\n'))
    assert Limits.from_settings(config.settings.ingest).max_uncompressed_bytes == 2048 * 1024 * 1024


def test_the_sample_city_never_names_a_workspace_that_has_its_own_file(tmp_path):
    assert load_config(open_workspace(tmp_path / "bare")).city == "示例市"  # no config/: the sample city
    config = load_config(workspace_with(tmp_path, '[build]\nlang = "en"\n'))
    assert config.city == "" and config.city_name("en") == ""
    named = load_config(workspace_with(tmp_path, '[city]\nname = "测试市"\n'))
    assert (named.city_name("zh-CN"), named.city_name("en")) == ("测试市", "测试市")


def test_the_command_line_wins_and_says_so(tmp_path):
    ws = workspace_with(tmp_path, '[engine]\nkind = "pandas"\n')
    config = load_config(ws, overrides={"engine.kind": "duckdb", "build.workers": 3})
    assert (config.settings.engine.kind, config.settings.build.workers) == ("duckdb", 3)
    assert config.setting_sources["engine.kind"].kind == COMMAND_LINE


def test_every_problem_names_file_section_key_and_fix(tmp_path):
    found = problems_of(
        tmp_path,
        '[build]\nworkrs = 2\nworkers = "two"\nmeeting_weekday = 9\n'
        'formats = ["pdf", "docx"]\n[ingest]\nreject_threshold = 2\n'
        'plausible_years = [2100, 1990]\n[biuld]\nlang = "en"\n',
    )
    structured = {(p.section, p.key): p for p in found if isinstance(p, ConfigProblem)}
    assert set(structured) >= {
        ("build", "workrs"),
        ("build", "workers"),
        ("build", "meeting_weekday"),
        ("build", "formats"),
        ("ingest", "reject_threshold"),
        ("ingest", "plausible_years"),
        ("biuld", ""),
    }
    assert all(p.file.endswith("config/citistat.toml") and p.fix for p in structured.values())
    assert "did you mean workers" in structured["build", "workrs"].fix
    assert "did you mean [build]" in structured["biuld", ""].fix
    assert "between 0 and 6" in structured["build", "meeting_weekday"].fix
    assert "docx" in structured["build", "formats"].what
    assert "1990" in str(structured["ingest", "plausible_years"])


def test_a_bad_command_line_value_is_blamed_on_the_command_line(tmp_path):
    found = problems_of(tmp_path, "", overrides={"build.workers": 0})
    assert [str(p) for p in found] == ["command line: [build] workers = 0 is out of range; use a value at least 1"]


def test_public_min_cell_is_checked_on_load_not_on_export(tmp_path):
    found = problems_of(tmp_path, "[public]\nmin_cell = 0\n")
    assert [(p.section, p.key) for p in found] == [("public", "min_cell")]


def test_the_shipped_file_repeats_the_declared_defaults():
    """One default per setting: the shipped citistat.toml may only repeat it (with comments)."""
    shipped = tomllib.loads((DEFAULT_CONFIG_DIR / "citistat.toml").read_text(encoding="utf-8"))
    defaults = {(section, key): default for section, key, default, _ in setting_docs()}
    for section, table in shipped.items():
        if getattr(SECTIONS[section], "PER_WORKSPACE", False):
            continue
        for key, value in table.items():
            declared = defaults[section, key]
            assert (list(declared) if isinstance(declared, tuple) else declared) == value, f"[{section}] {key}"


def test_the_readers_limits_default_to_the_declared_settings():
    assert Limits() == Limits.from_settings(IngestSettings())


def test_every_setting_is_documented_with_its_default():
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## \[(\w+)\]\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S))
    missing = []
    for section, key, default, doc in setting_docs():
        assert doc, f"[{section}] {key} has no one-line doc in its declaration"
        row = re.search(rf"^\| `{key}` \|[^|]*\| `([^`]*)` \|", sections.get(section, ""), flags=re.M)
        if row is None:
            missing.append(f"[{section}] {key}")
            continue
        shown = tomllib.loads(f"v = {row.group(1)}")["v"] if row.group(1) != "{}" else {}
        assert shown == (list(default) if isinstance(default, tuple) else default), f"[{section}] {key}"
    assert not missing, f"docs/settings.md does not list {', '.join(missing)}"


def test_settings_parsed_from_data_are_frozen_and_complete():
    settings = Settings.from_dict({"build": {"lang": "en"}})
    assert settings.build.lang == "en" and settings.ingest == IngestSettings()
    with pytest.raises(AttributeError):
        settings.build.lang = "zh-CN"  # type: ignore[misc]
    assert {(s, k) for s, k, _ in settings.items()} == {(s, f.name) for s, c in SECTIONS.items() for f in fields(c)}


def test_config_command_prints_every_setting_with_its_source(tmp_path):
    workspace_with(tmp_path, "[build]\nworkers = 1\n")
    result = CliRunner().invoke(main, ["config", "-w", str(tmp_path), "--set", "build.lang=en"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for section, key, _, _ in setting_docs():
        assert any(re.match(rf"\s+{key} = ", line) for line in lines), f"[{section}] {key} not shown"
    assert re.search(r"workers = 1\s+workspace file \(.*citistat\.toml\)", result.output)
    assert re.search(r'lang = "en"\s+command line', result.output)
    assert re.search(r"max_uncompressed_mb = 2048\s+shipped default", result.output)


def test_no_raw_settings_are_read_outside_config():
    """The code reads typed settings; only config.py (and the checks it calls) sees the files' data."""
    offenders = []
    for path in (ROOT / "citistat").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"config\.settings\.get\(", r"config\.settings\[", r"parse_scoring\(config"):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert not offenders


def test_the_shipped_scoring_repeats_the_code_defaults_but_the_citys_weights_and_targets():
    """A workspace scoring.toml without, say, [ranking] gets the code's defaults: they must be the shipped ones."""
    from dataclasses import asdict

    from citistat.score.definitions import parse_scoring

    shipped = asdict(parse_scoring(tomllib.loads((DEFAULT_CONFIG_DIR / "scoring.toml").read_text(encoding="utf-8"))))
    defaults = asdict(parse_scoring({}))
    drifted = [name for name in shipped if shipped[name] != defaults[name] and name not in ("weights", "targets")]
    assert not drifted, f"scoring.toml and score/definitions.py disagree on {', '.join(drifted)}"


def test_limits_from_the_files_data_are_parsed_and_checked_like_the_configuration():
    limits = Limits.from_settings({"ingest": {"max_rows": 7}})
    assert limits == Limits(max_rows=7)  # every other limit: the declared (shipped) one
    with pytest.raises(ConfigError, match="max_rows"):
        Limits.from_settings({"ingest": {"max_rows": "many"}})
