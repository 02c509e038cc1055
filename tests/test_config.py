"""Configuration: shipped defaults, workspace overrides, every problem reported at once."""

from __future__ import annotations

import pytest

from citistat.config import load_config
from citistat.errors import ConfigError
from citistat.workspace import open_workspace


def test_shipped_defaults_load_from_an_empty_folder(tmp_path):
    config = load_config(open_workspace(tmp_path))
    assert config.lang in ("zh-CN", "en")
    assert "cn-12345" in config.profiles
    assert config.roster, "the shipped roster is not empty"
    assert len(config.digest()) == 64


def test_workspace_file_overrides_the_default_file_by_file(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "citistat.toml").write_text(
        '[city]\nname = "测试市"\n[build]\nlang = "en"\n', encoding="utf-8"
    )
    config = load_config(open_workspace(tmp_path))
    assert config.city == "测试市"
    assert config.lang == "en"
    assert config.sources["citistat.toml"].startswith(str(tmp_path))
    assert not config.sources["scoring.toml"].startswith(str(tmp_path))  # still the shipped one


def test_every_problem_is_reported_at_once(tmp_path):
    config_dir = tmp_path / "config"
    (config_dir / "agencies").mkdir(parents=True)
    (config_dir / "citistat.toml").write_text('[build]\nlang = "fr"\nedition = "secret"\n', encoding="utf-8")
    (config_dir / "agencies" / "roster.csv").write_text("name,type\nA,B\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(open_workspace(tmp_path))
    problems = caught.value.problems
    assert any("lang" in p and "fr" in p for p in problems)
    assert any("edition" in p for p in problems)
    assert any("roster.csv" in p and "agency" in p for p in problems)


def test_broken_toml_names_the_file(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "scoring.toml").write_text("weights = [", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(open_workspace(tmp_path))
    assert "scoring.toml" in caught.value.message
    assert "TOML" in caught.value.message


def test_caller_salt_is_made_once_per_workspace(tmp_path):
    ws = open_workspace(tmp_path)
    first = ws.caller_salt()
    assert len(first) == 64
    assert ws.caller_salt() == first
    assert open_workspace(tmp_path / "other").caller_salt() != first
