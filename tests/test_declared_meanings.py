"""What a profile declares about data that lacks things: day-only dates, close-date rules, derived fields,
row identity; and a composite over the rates a city has.

The worked example of docs/profiles.md (a US casework export with only open and
close dates, no satisfaction, no due date) is generated here and scored end to end.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pandas as pd
import pytest

from citistat.config import ConfigError, load_config
from citistat.count import count_tickets
from citistat.ingest import load
from citistat.pipeline import score_from_files
from citistat.results import RateStat
from citistat.score.composite import composite_score, effective_weights
from citistat.score.definitions import WeightVersion, validate_scoring
from citistat.score.methods import weights_in_force_note
from citistat.workspace import open_workspace

CASEWORK_PROFILE = """
description = "US casework export: open and close dates only"
required = ["ticket_id", "created_at", "agency"]
date_order = "mdy"
date_formats = ["%m/%d/%Y", "%m/%d/%Y %H:%M"]
agency_case = "{case}"
{extra}

[columns]
ticket_id = ["Case Number"]
created_at = ["Date Opened"]
closed_at = ["Date Closed"]
agency = ["Office"]
category = ["Case Type"]
{columns}

[rules]
responded = "closed"
resolved = "closed"
"""


def casework_workspace(
    tmp_path: Path, *, extra: str = "", columns: str = "", scoring: str | None = None, case: str = "upper"
) -> Path:
    profiles = tmp_path / "config" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "us-casework.toml").write_text(
        CASEWORK_PROFILE.format(extra=extra, columns=columns, case=case), encoding="utf-8"
    )
    if scoring is not None:
        (tmp_path / "config" / "scoring.toml").write_text(scoring, encoding="utf-8")
    return tmp_path


def casework_csv(path: Path, n: int = 400, *, times: bool = False) -> Path:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Case Number", "Date Opened", "Date Closed", "Office", "Case Type"])
        for i in range(n):
            day = 1 + i % 25
            office = ["Parks", "Streets", "Water", "Permits"][i % 4]
            closed = f"03/{day + rng.randint(0, 3):02d}/2024" if rng.random() < 0.8 - 0.1 * (i % 4) else ""
            if times and closed:
                closed += " 10:05"
            writer.writerow(
                [
                    f"C-{i}",
                    f"03/{day:02d}/2024" + (" 10:00" if times else ""),
                    closed,
                    office if i % 3 else office.lower(),
                    "Pothole",
                ]
            )
    return path


# ------------------------------------------------------------------ 7. ranking on the rates a city has


def stat(metric, value, n=100):
    denominator = n if value is not None else 0
    return RateStat(
        metric=metric,
        numerator=(value or 0) * denominator,
        denominator=denominator,
        unknown=0,
        value=value,
        ci_low=None,
        ci_high=None,
        shortfall=0,
    )


def test_effective_weights_renormalise_over_the_rates_that_exist():
    weights = WeightVersion("v", "2020-01", "*", 0.1, 0.5, 0.4)
    assert effective_weights(weights, {"response", "resolution"}) == pytest.approx(
        {"response": 1 / 6, "resolution": 5 / 6}
    )
    assert effective_weights(weights) == {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4}
    rates = {
        "response": stat("response", 0.9),
        "resolution": stat("resolution", 0.6),
        "satisfaction": stat("satisfaction", None),
    }
    assert composite_score(rates, weights) is None  # as configured: a weighted rate is N/A
    assert composite_score(rates, weights, {"response", "resolution"}) == pytest.approx(100 * (0.9 / 6 + 0.6 * 5 / 6))


def test_casework_units_are_ranked_on_the_rates_they_have(tmp_path):
    ws = casework_workspace(tmp_path, extra='date_precision = "day"')
    config = load_config(open_workspace(ws))
    result = score_from_files(open_workspace(ws), config, [casework_csv(tmp_path / "cases.csv")], "2024-03")
    offices = {u.agency: u for u in result.units if u.n_tickets}
    assert set(offices) == {"PARKS", "STREETS", "WATER", "PERMITS"}  # case folded: four offices, not eight
    assert sorted(u.rank for u in offices.values()) == [1, 2, 3, 4]
    assert all(u.rank_of == 4 for u in offices.values())
    assert offices["PARKS"].score == pytest.approx(100 * offices["PARKS"].rates["resolution"].value)
    effective = result.definitions["weights_effective"]["*"]
    assert set(effective) == {"response", "resolution"} and sum(effective.values()) == pytest.approx(1)
    assert "no satisfaction in the data: renormalised" in weights_in_force_note(result)
    assert result.definitions["date_precision"] == "day"
    from citistat.render.context import scoring_gap

    assert scoring_gap(result) is None


def test_a_configuration_can_require_every_rate(tmp_path):
    scoring = (Path(__file__).parents[1] / "config" / "scoring.toml").read_text(encoding="utf-8")
    assert 'missing_rates = "renormalise"' in scoring  # the shipped file names the setting
    scoring = scoring.replace('missing_rates = "renormalise"', 'missing_rates = "require_all"', 1)
    ws = casework_workspace(tmp_path, scoring=scoring)
    config = load_config(open_workspace(ws))
    result = score_from_files(open_workspace(ws), config, [casework_csv(tmp_path / "cases.csv")], "2024-03")
    assert all(u.rank is None and u.score is None for u in result.units)
    from citistat.render.context import scoring_gap

    assert scoring_gap(result) == "require_all"  # the rankings page says why nobody is ranked
    assert "not scored (no satisfaction in the data; missing_rates = require_all)" in weights_in_force_note(result)
    assert validate_scoring({"ranking": {"missing_rates": "sometimes"}})


# ------------------------------------------------------------------ 5. date precision


def test_day_only_dates_never_count_as_closed_within_minutes(tmp_path):
    ws = casework_workspace(tmp_path)
    config = load_config(open_workspace(ws))
    day_only = load([casework_csv(tmp_path / "days.csv")], config, lang="en").tickets
    assert count_tickets(day_only, by=("period",))["quick_closed"].sum() == 0
    timed = load([casework_csv(tmp_path / "times.csv", times=True)], config, lang="en").tickets
    assert count_tickets(timed, by=("period",))["quick_closed"].sum() > 0  # 10:00 → 10:05 the same day


def test_declared_day_precision_drops_the_time_of_day(tmp_path):
    ws = casework_workspace(tmp_path, extra='date_precision = "day"')
    config = load_config(open_workspace(ws))
    tickets = load([casework_csv(tmp_path / "times.csv", times=True)], config, lang="en").tickets
    assert (tickets["created_at"] == tickets["created_at"].dt.normalize()).all()
    assert count_tickets(tickets, by=("period",))["quick_closed"].sum() == 0


# ------------------------------------------------------------------ 6. declared meanings


def test_a_close_date_means_responded_and_resolved(tmp_path):
    ws = casework_workspace(tmp_path)
    tickets = load([casework_csv(tmp_path / "cases.csv")], load_config(open_workspace(ws)), lang="en").tickets
    closed = tickets["closed_at"].notna()
    assert (tickets["resolved"] == closed).all() and (tickets["responded"] == closed).all()


def test_derive_from_a_date_column_reads_the_date_as_written(tmp_path):
    ws = casework_workspace(tmp_path, extra='[derive.title]\nfrom = "created_at"\npattern = "^(\\\\d\\\\d)/"\n')
    tickets = load([casework_csv(tmp_path / "cases.csv", n=8)], load_config(open_workspace(ws)), lang="en").tickets
    assert set(tickets["title"]) == {"03"}


def test_derive_a_date_from_text(tmp_path):
    ws = casework_workspace(tmp_path, extra='[derive.due_at]\nfrom = "category"\npattern = "due (\\\\S+)"\n')
    path = tmp_path / "due.csv"
    path.write_text(
        "Case Number,Date Opened,Date Closed,Office,Case Type\n"
        "C-1,03/05/2024,,Parks,Pothole due 03/09/2024\nC-2,03/05/2024,,Parks,Pothole\n",
        encoding="utf-8",
    )
    tickets = load([path], load_config(open_workspace(ws)), lang="en").tickets.set_index("ticket_id")
    assert tickets.loc["C-1", "due_at"] == pd.Timestamp("2024-03-09") and pd.isna(tickets.loc["C-2", "due_at"])


@pytest.mark.parametrize(
    "extra, words",
    [
        ('[derive.title]\nfrom = "district"\npattern = "(.*)"\n', "has no entry in [columns]"),
        ('[derive.caller_key]\nfrom = "category"\npattern = "(.*)"\n', "must be one of"),
        ('[derive.title]\nfrom = "category"\npattern = "(a)(b)"\n', "exactly one (group)"),
        ('date_precision = "hour"\n', "date_precision"),
        ('min_matches = "three"\n', "min_matches"),
        ('serial_dates = "yes"\n', "serial_dates"),
        ("plausible_years = [2100, 1990]\n", "plausible_years"),
        ('[derive.due_at]\nfrom = "category"\npattern = "(x)"\nfallback = 3\n', "fallback must be a text"),
    ],
)
def test_every_profile_problem_is_reported_when_the_configuration_loads(tmp_path, extra, words):
    ws = casework_workspace(tmp_path, extra=extra)
    with pytest.raises(ConfigError) as raised:
        load_config(open_workspace(ws))
    assert words in str(raised.value)


def test_a_date_format_strptime_cannot_compile_is_reported_at_load(tmp_path):
    profiles = tmp_path / "config" / "profiles"
    profiles.mkdir(parents=True)
    text = CASEWORK_PROFILE.format(extra="", columns="", case="upper").replace('"%m/%d/%Y %H:%M"]', '"%m/%d/%Y %Q"]')
    (profiles / "p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(open_workspace(tmp_path))
    assert "bad directive" in str(raised.value)


def test_an_unknown_agency_case_is_reported_at_load(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_config(open_workspace(casework_workspace(tmp_path, case="title")))
    assert "agency_case = 'title'" in str(raised.value)


def test_rules_that_need_a_close_date_say_so_at_load(tmp_path):
    profiles = tmp_path / "config" / "profiles"
    profiles.mkdir(parents=True)
    text = CASEWORK_PROFILE.format(extra="", columns="", case="upper").replace('closed_at = ["Date Closed"]\n', "")
    (profiles / "p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(open_workspace(tmp_path))
    assert "needs a closed_at entry" in str(raised.value)


# ------------------------------------------------------------------ survey exports: neutral answers, no ticket id

SURVEY_PROFILE = """
description = "Satisfaction survey export without ticket ids"
required = ["created_at", "agency"]
row_identity = "row"
date_formats = ["%Y-%m-%d"]

[columns]
created_at = ["回访日期"]
agency = ["被评价单位"]
satisfaction = ["评价结果"]

[satisfaction]
satisfied = ["满意"]
dissatisfied = ["不满意"]
neutral = ["一般"]
"""


def survey_load(tmp_path: Path):
    profiles = tmp_path / "config" / "profiles"
    profiles.mkdir(parents=True)
    (profiles / "survey.toml").write_text(SURVEY_PROFILE, encoding="utf-8")
    path = tmp_path / "survey.csv"
    rows = [("2024-03-05", "市水务局", answer) for answer in ("满意", "满意", "一般", "不满意", "不满意")]
    rows.append(("合计", "", ""))
    path.write_text("回访日期,被评价单位,评价结果\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    return load([path], load_config(open_workspace(tmp_path)), lang="en")


def test_a_file_without_ticket_ids_counts_every_row_once_and_says_so(tmp_path):
    result = survey_load(tmp_path)
    assert len(result.tickets) == 5 and result.tickets["ticket_id"].is_unique  # two identical rows both kept
    assert result.tickets["ticket_id"].str.fullmatch(r"survey\.csv@[0-9a-f]{8}#2").iloc[0]
    assert result.reconciliation.balances() and result.reconciliation.skipped == 1  # the 合计 line
    notes = [i for i in result.issues if i.code == "row_identity"]
    assert len(notes) == 1 and "no duplicate check" in notes[0].message


@pytest.mark.parametrize("rule, expected", [("not_satisfied", 2 / 5), ("excluded", 2 / 4), ("satisfied", 3 / 5)])
def test_neutral_answers_are_a_declared_category_counted_as_configured(tmp_path, rule, expected):
    from citistat.score.definitions import parse_scoring
    from citistat.score.rates import satisfaction_tally

    tickets = survey_load(tmp_path).tickets
    assert (tickets["satisfaction"] == "neutral").sum() == 1
    counts = count_tickets(tickets, by=("period",)).iloc[0].to_dict()
    assert counts["neutral"] == 1
    parts = satisfaction_tally(counts, parse_scoring({"rates": {"neutral": rule}}).rates)
    assert parts.numerator / parts.denominator == pytest.approx(expected)
    assert validate_scoring({"rates": {"neutral": "half"}})
    assert validate_scoring({"rates": {"dissatisfied": ["dissatisfied", "neutral"]}})


# ------------------------------------------------------------------ 9. docs/profiles.md


def test_the_profile_guide_covers_every_key_and_its_examples_are_valid():
    import re
    import tomllib

    from citistat.ingest.profiles import DERIVABLE_FIELDS, TOP_LEVEL_KEYS, validate_profile

    text = (Path(__file__).parents[1] / "docs" / "profiles.md").read_text(encoding="utf-8")
    for key in sorted(TOP_LEVEL_KEYS):
        assert f"`{key}`" in text or f"`{key}." in text, key
    for field in DERIVABLE_FIELDS:
        assert f"`{field}`" in text, field
    from citistat.ingest import profiles
    from citistat.tickets import SATISFACTION_LEVELS

    choices = (
        profiles.MAPPABLE_FIELDS,
        profiles.RESPONSE_RULES,
        profiles.RESOLUTION_RULES,
        profiles.AGENCY_CASES,
        profiles.DATE_PRECISIONS,
        profiles.ROW_IDENTITIES,
        profiles.DATE_ORDERS,
        profiles.STATUS_KEYS,
        SATISFACTION_LEVELS,
    )
    for value in (v for group in choices for v in group):
        assert f"`{value}`" in text, value  # every field, rule and level a profile accepts is explained
    examples = re.findall(r"```toml\n(.*?)```", text, re.S)
    assert len(examples) >= 2
    for example in examples:
        assert validate_profile("example", tomllib.loads(example)) == []
