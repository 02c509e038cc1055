"""A new user's first hour: a starter that fits the city's kind of export, and messages in their language."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from citistat.cli import main
from citistat.commands.init import shipped_profiles
from citistat.config import load_config
from citistat.workspace import open_workspace


def invoke(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


def test_init_for_a_us_311_city_writes_an_english_starter_that_fits(tmp_path):
    result = invoke("init", "-w", tmp_path, "--profile", "nyc-311", "--lang", "en")
    assert result.exit_code == 0, result.output
    config = load_config(open_workspace(tmp_path))  # the starter is a valid configuration
    assert config.lang == "en"
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in config.settings.city.name)
    roster = {row["agency"]: row["unit_type"] for row in config.roster}
    assert roster["NYPD"] == roster["DSNY"] == "Agency" and "委办局" not in roster.values()
    weights = config.scoring["weights"]
    assert all(w["satisfaction"] == 0 for w in weights) and {w["unit_type"] for w in weights} == {"*"}
    names = " ".join(t["name"] for t in config.topics)
    assert "Noise" in names and "供暖" not in names
    assert (tmp_path / "config" / "profiles" / "nyc-311.toml").is_file()
    assert not (tmp_path / "config" / "starters").exists()


@pytest.mark.parametrize("profile", shipped_profiles())
def test_every_shipped_profile_has_a_starter_that_loads(tmp_path, profile):
    result = invoke("init", "-w", tmp_path, "--profile", profile)
    assert result.exit_code == 0, result.output
    config = load_config(open_workspace(tmp_path))
    expected = "zh-CN" if profile.startswith("cn-") else "en"
    assert config.lang == expected


def test_init_language_overrides_the_starter(tmp_path):
    invoke("init", "-w", tmp_path, "--profile", "cn-12345", "--lang", "en")
    settings = tomllib.loads((tmp_path / "config" / "citistat.toml").read_text(encoding="utf-8"))
    assert settings["build"]["lang"] == "en" and settings["city"]["name"] == "示例市"


def test_init_refuses_an_unknown_profile(tmp_path):
    result = CliRunner().invoke(main, ["init", "-w", str(tmp_path), "--profile", "atlantis-311"])
    assert result.exit_code == 2 and "nyc-311" in result.output


def unknown_agency_file(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["工单编号", "来电时间", "承办单位", "是否响应"])
        writer.writerow(["GD1", "2024-03-05 10:00", "某个新单位", "是"])
    return path


@pytest.mark.parametrize(
    "locale, words",
    [("en_US.UTF-8", "is not in the roster"), ("zh_CN.UTF-8", "不在单位名录中"), ("C", "is not in the roster")],
)
def test_validate_speaks_the_system_language_without_a_configured_one(tmp_path, locale, words):
    path = unknown_agency_file(tmp_path / "a.csv")
    result = invoke("validate", "-w", tmp_path, path, env={"LANG": locale, "LC_ALL": "", "LC_MESSAGES": ""})
    assert words in result.output


def test_validate_speaks_the_configured_language_first(tmp_path):
    invoke("init", "-w", tmp_path, "--profile", "cn-12345")
    path = unknown_agency_file(tmp_path / "a.csv")
    result = invoke("validate", "-w", tmp_path, path, env={"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""})
    assert "不在单位名录中" in result.output


def test_a_message_board_starter_ranks_the_places_its_titles_name(tmp_path):
    invoke("init", "-w", tmp_path, "--profile", "cn-petition-board", "--lang", "en")
    config = load_config(open_workspace(tmp_path))
    assert config.lang == "en" and config.roster == []  # not the sample city's departments
    weights = config.scoring_rules.weights_for("2012-06", None)  # boards' archives go back years
    assert (weights.response, weights.resolution, weights.satisfaction) == (1.0, 0.0, 0.0)


@pytest.mark.parametrize("profile", ["nyc-311", "la-311", "open311", "cn-petition-board"])
def test_a_starter_scores_exports_of_earlier_years(tmp_path, profile):
    invoke("init", "-w", tmp_path, "--profile", profile)
    assert load_config(open_workspace(tmp_path)).scoring_rules.weights_for("2012-01", None) is not None


def test_a_period_before_every_weights_version_says_why_nobody_is_scored(tmp_path):
    from citistat.pipeline import score_from_files
    from citistat.score.methods import weights_in_force_note

    path = unknown_agency_file(tmp_path / "a.csv")
    path.write_text(path.read_text(encoding="utf-8").replace("2024-03-05", "2019-03-05"), encoding="utf-8")
    ws = open_workspace(tmp_path)  # the shipped sample city: weights from 2020-01
    result = score_from_files(ws, load_config(ws), [path], "2019-03")
    assert "no [[weights]] version in force for 2019-03; the first starts 2020-01" in weights_in_force_note(result)
