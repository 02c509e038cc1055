"""`citistat agenda set`: a session's focus agencies, kept per period in config/agenda.toml, read by the build."""

from __future__ import annotations

from cli_run import invoke

from citistat.config import load_config
from citistat.workspace import open_workspace


def test_agenda_set_stores_the_periods_choice_and_it_wins_over_the_session_setting(tmp_path):
    invoke(
        "agenda",
        "set",
        "-w",
        str(tmp_path),
        "-p",
        "2024-03",
        "--focus",
        "市水务局",
        "--reason",
        '回升，核实"措施"',
        "--focus",
        "望京街道",
        "--reason",
        "连续排名靠后",
        "--minutes",
        "20",
        "--minutes",
        "10",
    )
    config = load_config(open_workspace(tmp_path))
    chosen = list(config.focus_for("2024-03"))
    assert [(f.agency, f.reason, f.minutes) for f in chosen] == [
        ("市水务局", '回升，核实"措施"', 20),
        ("望京街道", "连续排名靠后", 10),
    ]
    assert list(config.focus_for("2024-02")) == []  # another period keeps [session] focus (none)
    shown = invoke("agenda", "show", "-w", str(tmp_path), "-p", "2024-03").output
    assert "望京街道" in shown and "10 min" in shown
    invoke("agenda", "clear", "-w", str(tmp_path), "-p", "2024-03")
    assert list(load_config(open_workspace(tmp_path)).focus_for("2024-03")) == []


def test_agenda_set_refuses_an_unknown_agency_and_unmatched_reasons(tmp_path):
    refused = invoke("agenda", "set", "-w", str(tmp_path), "-p", "2024-03", "--focus", "不存在的局", ok=(2,))
    assert "not in the roster" in refused.output and "--allow-unlisted" in refused.output
    refused = invoke(
        "agenda",
        "set",
        "-w",
        str(tmp_path),
        "-p",
        "2024-03",
        "--focus",
        "市水务局",
        "--focus",
        "望京街道",
        "--reason",
        "一个",
        ok=(2,),
    )
    assert "one reason per agency" in refused.output
    assert not (tmp_path / "config" / "agenda.toml").exists()


def test_a_broken_agenda_file_is_a_config_error_naming_the_entry(tmp_path):
    import pytest

    from citistat.errors import ConfigError

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "agenda.toml").write_text(
        '["2024-13x"]\nfocus = []\n["2024-03"]\nfocus = [{reason = "x"}]\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(open_workspace(tmp_path))
    text = str(caught.value)
    assert "'2024-13x'" in text and "focus entry 1: give the agency" in text


def test_a_topics_lead_and_milestones_are_checked(tmp_path):
    import pytest

    from citistat.errors import ConfigError

    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "topics.toml").write_text(
        '[[topic]]\nname = "排水"\ncategories = ["排水"]\nlead = 3\n'
        'milestones = [{due = "2024/3/1", text = "排查"}, {text = ""}, {text = "清掏", done = "yes"}]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(open_workspace(tmp_path))
    text = str(caught.value)
    assert "[[topic]] 排水: lead" in text and "milestone 1: due = '2024/3/1'" in text
    assert "milestone 2: give its text" in text and "milestone 3: done = 'yes'" in text
