"""What the books, the tables workbook and `metrics` say about data that lacks things, read end to end.

A workspace started as a new US user would (`citistat init --profile nyc-311 --lang en`) loads two
generated exports: April, the casework export of docs/profiles.md (day-only dates, no satisfaction,
no due date; a close date means responded and resolved); May, a survey export with a neutral answer
and no ticket id. The books are laid out once (HTML) and every test reads them.
"""

from __future__ import annotations

import csv
import random
import re
import tomllib
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from citistat.cli import main
from citistat.config import load_config
from citistat.count import count_tickets
from citistat.ingest import load
from citistat.pipeline import build_books, load_files, score_from_files
from citistat.score.methods import weights_in_force_note
from citistat.workspace import open_workspace

DOC = Path(__file__).parents[1] / "docs" / "profiles.md"
OFFICES = ["Parks", "Streets", "Water", "Permits"]

SURVEY_PROFILE = """
description = "Post-case survey without a case number"
required = ["created_at", "agency"]
row_identity = "row"
date_formats = ["%Y-%m-%d"]
agency_case = "upper"

[columns]
created_at = ["Survey Date"]
agency = ["Department"]
satisfaction = ["Overall Rating"]

[satisfaction]
very_satisfied = ["Very Satisfied"]
satisfied = ["Satisfied"]
neutral = ["Neutral"]
dissatisfied = ["Dissatisfied"]
"""


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def doc_casework_profile() -> str:
    """The worked example's profile, exactly as docs/profiles.md prints it."""
    text = DOC.read_text(encoding="utf-8")
    return next(block for block in re.findall(r"```toml\n(.*?)```", text, re.S) if "us-casework" in block)


def casework_csv(path: Path, n: int = 240) -> Path:
    rng = random.Random(3)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Case Number", "Date Opened", "Date Closed", "Office", "Case Type"])
        for i in range(n):
            day = 1 + i % 25
            office = OFFICES[i % 4]
            closed = f"04/{day + rng.randint(0, 4):02d}/2024" if rng.random() < 0.9 - 0.1 * (i % 4) else ""
            writer.writerow([f"C-{i}", f"04/{day:02d}/2024", closed, rng.choice([office, office.upper()]), "Pothole"])
    return path


def survey_csv(path: Path) -> Path:
    answers = ["Very Satisfied", "Satisfied", "Neutral", "Dissatisfied"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Survey Date", "Department", "Overall Rating"])
        for i in range(160):
            writer.writerow([f"2024-05-{1 + i % 28:02d}", OFFICES[i % 4], answers[(i // 4) % 4]])
    return path


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    root = tmp_path_factory.mktemp("us-city")
    invoke("init", "-w", root, "--profile", "nyc-311", "--lang", "en")
    profiles = root / "config" / "profiles"
    (profiles / "us-casework.toml").write_text(doc_casework_profile(), encoding="utf-8")
    (profiles / "survey.toml").write_text(SURVEY_PROFILE, encoding="utf-8")
    roster = "agency,unit_type,district\n" + "".join(f"{o.upper()},Office,\n" for o in OFFICES)
    (root / "config" / "agencies" / "roster.csv").write_text(roster, encoding="utf-8")
    ws = open_workspace(root)
    config = load_config(ws)
    files = [casework_csv(root / "cases.csv"), survey_csv(root / "survey.csv")]
    load_files(ws, config, files)
    built = {}
    for period in ("2024-04", "2024-05"):
        outcome = build_books(ws, config, period, formats=("html",))
        html = next(p for p in outcome.outputs if p.name.endswith("-book-en-internal.html"))
        tables = next(p for p in outcome.outputs if p.name.endswith("-tables-en.xlsx"))
        built[period] = (html.read_text(encoding="utf-8"), tables)
    return {"root": root, "config": config, "built": built}


def methods_text(html: str) -> str:
    section = html[html.index('<section class="methods">') :]
    section = section[: section.index("</section>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)).replace("&#34;", '"')


def sheets(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


# ------------------------------------------------------------------ declared meanings on the methods page


def test_the_methods_page_says_a_close_date_meant_responded_and_resolved(books):
    text = methods_text(books["built"]["2024-04"][0])
    assert "Files read with profile us-casework: a ticket with a close date counts as responded" in text
    assert "a ticket with a close date counts as resolved" in text
    # no satisfaction in a casework export: said beside its definition, not left for the reader to guess
    satisfaction = text[text.index("Satisfaction rate") : text.index("Unknown answers")]
    assert "carry no answer for it" in satisfaction
    # and the summary's and agencies' satisfaction cells say so instead of "unknown 100 %"
    html = books["built"]["2024-04"][0]
    assert html.count("not in this period&#39;s data") == 1 + len(OFFICES)


def test_day_only_data_shows_no_minute_setting_as_applied(books):
    text = methods_text(books["built"]["2024-04"][0])
    assert "Dates without a time of day" in text
    quick = re.search(r"Quick close \(minutes\) (.{0,40})", text).group(1)
    assert quick.startswith("not applied: no time of day")
    assert "within 10 minutes" not in books["built"]["2024-04"][0]


def test_the_survey_month_defines_neutral_and_row_identity(books):
    text = methods_text(books["built"]["2024-05"][0])
    assert (
        "A neutral answer (neither satisfied nor dissatisfied) is in the denominator and counts as not satisfied"
        in text
    )
    assert "Files read with profile survey have no ticket id: each row counts as one ticket" in text
    # the starter weighs response and resolution only; the survey has neither: nobody is scored, and it says why
    assert "not scored (no rate with a weight is in the data" in text
    rankings = books["built"]["2024-05"][0]
    assert "whose only rates in this period&#39;s data carry a weight of 0" in rankings.replace("'", "&#39;")
    assert "a ticket with a close date" not in text  # April's profile read no file of May


# ------------------------------------------------------------------ the weights in force, in the workbook


def test_the_tables_workbook_names_the_weights_in_force(books):
    tables = sheets(books["built"]["2024-04"][1])
    ranking = tables["Ranking Office"]
    assert "Score (Response 50%, Resolution 50%)" in ranking[0]
    assert [row[1] for row in ranking[1:]] and all(row[0] is not None for row in ranking[1:])  # every office ranked
    weights = tables["Weights in force"]
    header, rows = weights[0], {row[0]: row for row in weights[1:]}
    used = dict(zip(header, rows["Office"], strict=False))
    assert used["Response weight used"] == used["Resolution weight used"] == 0.5
    assert used["Satisfaction weight used"] is None
    assert any("without a time of day" in str(row[0]) for row in weights[1:])


def test_metrics_says_when_no_weighted_rate_is_in_the_data(books):
    ws = open_workspace(books["root"])
    result = score_from_files(ws, books["config"], [books["root"] / "survey.csv"], "2024-05")
    note = weights_in_force_note(result)
    assert "Office: not scored (no weighted rate in the data: response/resolution missing)" in note
    assert all(u.score is None and u.rank is None for u in result.units)


# ------------------------------------------------------------------ mixed precision


def test_minutes_are_measured_only_between_two_timed_stamps(books):
    path = books["root"] / "mixed.csv"
    path.write_text(
        "Case Number,Date Opened,Date Closed,Office,Case Type\n"
        "M-1,04/05/2024 10:00,04/05/2024 10:05,Parks,x\n"  # both timed, 5 minutes: a quick close
        "M-2,04/05/2024 23:55,04/06/2024,Parks,x\n"  # closed 'the next day': not within minutes
        "M-3,04/05/2024 14:00,04/05/2024,Parks,x\n"  # closed 'that day': neither quick nor early
        "M-4,04/05/2024 14:00,04/04/2024,Parks,x\n",  # a day before: early
        encoding="utf-8",
    )
    profile = doc_casework_profile().replace('date_precision = "day"', 'date_precision = "auto"')
    (books["root"] / "config" / "profiles" / "us-casework.toml").write_text(profile, encoding="utf-8")
    try:
        loaded = load([path], load_config(open_workspace(books["root"])), lang="en")
    finally:
        (books["root"] / "config" / "profiles" / "us-casework.toml").write_text(doc_casework_profile(), "utf-8")
    counts = count_tickets(loaded.tickets, by=("period",))
    assert counts["quick_closed"].sum() == 1
    early = [i.row for i in loaded.issues if i.code == "closed_before_created"]
    assert early == [5]


# ------------------------------------------------------------------ docs/profiles.md's worked example runs


def test_the_worked_example_of_the_profile_guide_runs_as_it_says(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    example = text[text.index("## Worked example") :]
    rows = re.search(r"```\n(Case Number,.*?)```", example, re.S).group(1)
    invoke("init", "-w", tmp_path, "--profile", "nyc-311", "--lang", "en")
    assert tomllib.loads(doc_casework_profile())["date_precision"] == "day"
    (tmp_path / "config" / "profiles" / "us-casework.toml").write_text(doc_casework_profile(), encoding="utf-8")
    roster = re.findall(r"`([A-Z]+,Office)`", example)
    assert roster == ["PARKS,Office", "STREETS,Office"]
    (tmp_path / "config" / "agencies" / "roster.csv").write_text(
        "agency,unit_type,district\n" + "".join(f"{r},\n" for r in roster), encoding="utf-8"
    )
    (tmp_path / "cases.csv").write_text(rows, encoding="utf-8")
    validated = invoke("validate", "-w", tmp_path, tmp_path / "cases.csv")
    assert re.search(r"cases\.csv\s+ok\s+3\s+3\s+0", validated.output)
    metrics = invoke("metrics", "-w", tmp_path, "-p", "2024-03", tmp_path / "cases.csv").output
    assert "weights in force: *: response 0.50, resolution 0.50; Office: response 0.50, resolution 0.50" in metrics
    assert "dates carry no time of day" in metrics
    # three rows: two offices, each under min_n answers, listed unranked with their scores
    listed = re.findall(r"^\s+(PARKS|STREETS)\s+Office\s+(\d)\s.*\s(\d+\.\d)$", metrics, re.M)
    assert listed == [("PARKS", "1", "100.0"), ("STREETS", "2", "50.0")]
    # a month of the same cases ranks them
    header, *cases = rows.splitlines()
    month = [header] + [f"{c.split(',')[0]}-{k},{c.split(',', 1)[1]}" for k in range(30) for c in cases]
    (tmp_path / "month.csv").write_text("\n".join(month) + "\n", encoding="utf-8")
    metrics = invoke("metrics", "-w", tmp_path, "-p", "2024-03", tmp_path / "month.csv").output
    ranked = re.findall(r"^\s+(\d)\s+(PARKS|STREETS)\s", metrics, re.M)
    assert ranked == [("1", "PARKS"), ("2", "STREETS")]


# ------------------------------------------------------------------ ranking on the rates each unit has

DEPARTMENTS = ["市水务局", "市城市管理局", "市交通委员会", "市住房和城乡建设委员会"]


def hotline_csv(path: Path, *, columns: tuple[str, ...], silent: str | None = None) -> Path:
    """A 12345 export of four departments; `silent`'s call-backs carry no satisfaction answer."""
    rng = random.Random(5)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["工单编号", "来电时间", "承办单位", *columns])
        for i in range(200):
            agency = DEPARTMENTS[i % 4]
            answers = {
                "是否响应": rng.choice(["是"] * (6 + i % 4) + ["否"]),
                "是否解决": rng.choice(["是", "是", "否"]),
                "满意度": "" if agency == silent else rng.choice(["满意", "基本满意", "不满意", "一般"]),
            }
            writer.writerow(
                [f"GD{i:05d}", f"2024-04-{1 + i % 28:02d} 09:{i % 60:02d}:00", agency, *(answers[c] for c in columns)]
            )
    return path


def score(tmp_path: Path, path: Path):
    ws = open_workspace(tmp_path)
    return score_from_files(ws, load_config(ws), [path], "2024-04")


def test_a_rate_missing_for_some_units_of_a_type_leaves_only_those_unranked(tmp_path):
    path = hotline_csv(tmp_path / "x.csv", columns=("是否响应", "是否解决", "满意度"), silent="市水务局")
    result = score(tmp_path, path)
    units = {u.agency: u for u in result.units if u.agency in DEPARTMENTS}
    assert units["市水务局"].rank is None and units["市水务局"].score is None and units["市水务局"].small_n
    assert units["市水务局"].rates["response"].value is not None  # its other rates are still shown
    assert sorted(units[a].rank for a in DEPARTMENTS[1:]) == [1, 2, 3]
    assert "satisfaction" in result.definitions["weights_effective"]["委办局"]  # the type keeps the rate


def test_a_unit_type_with_one_rate_is_ranked_on_it_alone(tmp_path):
    result = score(tmp_path, hotline_csv(tmp_path / "x.csv", columns=("是否响应",)))
    assert result.definitions["weights_effective"]["委办局"] == {"response": 1.0}
    units = [u for u in result.units if u.agency in DEPARTMENTS]
    assert len(units) == 4 and all(u.rank is not None for u in units)  # equal scores and volumes share a rank
    assert all(u.score == pytest.approx(100 * u.rates["response"].value) for u in units)


def test_without_weights_in_force_a_unit_is_not_called_small_for_a_rate_it_has_no_answers_for():
    from citistat.results import RateStat
    from citistat.score.composite import small_sample

    def rate(metric, n):
        return RateStat(metric, n * 0.8, n, 0, 0.8 if n else None, None, None, 0)

    rates = {
        "response": rate("response", 150),
        "resolution": rate("resolution", 150),
        "satisfaction": rate("satisfaction", 0),
    }
    assert not small_sample(rates, None, 30)  # no survey in the data: not "fewer than 30 answers"
    assert small_sample({**rates, "response": rate("response", 12)}, None, 30)


# ------------------------------------------------------------------ a rule's column missing from one file


def test_a_file_without_the_column_a_rule_reads_says_which_rate_is_unknown(books):
    path = books["root"] / "nyc-without-due.csv"
    path.write_text(
        "Unique Key,Created Date,Closed Date,Agency,Complaint Type,Status\n"
        "1,04/02/2024,04/03/2024,dsny,Noise,Closed\n2,04/02/2024,,DSNY,Noise,Open\n",
        encoding="utf-8",
    )
    loaded = load([path], books["config"], lang="en")
    notes = [i for i in loaded.issues if i.code == "rule_column_missing"]
    assert len(notes) == 1 and "no due_at column (Due Date" in notes[0].message
    assert 'responded = "closed_by_due"' in notes[0].message and loaded.tickets["responded"].isna().all()
    assert loaded.tickets["resolved"].tolist() == [True, False]  # status Closed: the other rate is read
    empty = books["root"] / "nyc-empty-due.csv"
    empty.write_text(
        "Unique Key,Created Date,Closed Date,Due Date,Agency,Complaint Type,Status\n"
        "1,04/02/2024,04/03/2024,,DOT,Noise,Closed\n2,04/02/2024,,,DOT,Noise,Open\n",
        encoding="utf-8",
    )
    notes = [i for i in load([empty], books["config"], lang="en").issues if i.code.startswith("rule_column")]
    assert [i.code for i in notes] == ["rule_column_empty"] and "'Due Date' is empty in every row" in notes[0].message


def test_a_close_date_taken_from_another_column_can_carry_the_close_date_rules(tmp_path):
    from citistat.ingest.profiles import validate_profile

    data = tomllib.loads(doc_casework_profile())
    del data["columns"]["closed_at"]
    data["derive"] = {"closed_at": {"from": "category", "pattern": r"closed (\S+)"}}
    assert validate_profile("p", data) == []


@pytest.mark.parametrize("lang, words", [("en", "How these figures were measured"), ("zh-CN", "本简报数据的计算口径")])
def test_an_agency_brief_says_how_its_figures_were_measured(tmp_path, lang, words):
    from dataclasses import replace

    import render_fixtures as fx

    from citistat.render.books import BookRenderer
    from citistat.render.fonts import find_cjk_font
    from citistat.workspace import DEFAULT_TEMPLATES_DIR

    def brief(inputs):
        renderer = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font())
        return renderer.agency_html(fx.WATER)

    inputs = fx.briefing_inputs(lang=lang)
    assert words not in brief(inputs)  # the sample's answers need no note
    casework = {"us-casework": {"responded": "closed", "resolved": "closed", "row_identity": "ticket_id"}}
    result = replace(inputs.result, definitions={**inputs.result.definitions, "date_precision": "day"})
    html = brief(replace(inputs, profile_meanings=casework, result=result))
    note = html[html.index(words) :]
    assert "us-casework" in note and ("close date counts as resolved" in note or "有办结日期的工单计为已解决" in note)


def test_the_satisfaction_definition_lists_the_answers_the_configuration_counts(tmp_path):
    from dataclasses import replace

    import render_fixtures as fx

    from citistat.render.books import BookRenderer
    from citistat.render.fonts import find_cjk_font
    from citistat.workspace import DEFAULT_TEMPLATES_DIR

    inputs = fx.briefing_inputs(lang="en")
    definitions = inputs.result.definitions
    strict = {**definitions, "rates": {**definitions["rates"], "satisfied": ["very_satisfied", "satisfied"]}}
    inputs = replace(inputs, result=replace(inputs.result, definitions=strict))
    html = BookRenderer(inputs, tmp_path, [DEFAULT_TEMPLATES_DIR], font=find_cjk_font()).city_html()
    text = methods_text(html)
    assert "satisfied includes very satisfied, satisfied." in text and "basically" not in text.split("Unknown")[0]


def test_validate_tells_a_new_user_the_dates_carry_no_time_of_day(books):
    header = "Unique Key,Created Date,Closed Date,Agency,Complaint Type,Status\n"
    days = books["root"] / "days.csv"
    days.write_text(header + "1,04/02/2024,04/03/2024,DOT,Noise,Closed\n2,04/02/2024,,DOT,Noise,Open\n", "utf-8")
    timed = books["root"] / "timed.csv"
    timed.write_text(header + "1,04/02/2024 09:15:00 AM,04/03/2024,DOT,Noise,Closed\n", "utf-8")
    notes = {
        path.name: [i for i in load([path], books["config"], lang="en").issues if i.code == "day_only_dates"]
        for path in (days, timed, books["root"] / "cases.csv")  # cases.csv: its profile declares day precision
    }
    assert len(notes["days.csv"]) == 1 and "no time of day" in notes["days.csv"][0].message
    assert notes["timed.csv"] == [] and notes["cases.csv"] == []


def test_a_rate_the_exports_never_carry_is_a_dash_beside_the_other_sparklines(books):
    april, may = (books["built"][p][0] for p in ("2024-04", "2024-05"))
    said = "a dash stands for a rate the exports do not carry (Satisfaction)"
    assert april.count(said) == len(OFFICES)  # the casework month: no satisfaction in any period yet
    assert said not in may  # the survey month carries it


def test_the_sparklines_say_how_many_periods_they_show(books):
    april, may = (books["built"][p][0] for p in ("2024-04", "2024-05"))
    assert "Tickets · 1 period<" in april and "13 periods" not in april  # the archive's first month
    assert "Tickets · 2 periods<" in may
