"""Input profiles: validation messages, building, and detection by header."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from citistat.config import load_config
from citistat.ingest.profiles import (
    ProfileChoiceError,
    build_profile,
    detect_profile,
    validate_profile,
)

PROFILES_DIR = Path(__file__).resolve().parents[1] / "config" / "profiles"
SHIPPED = sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))

MINIMAL = {
    "date_formats": ["%Y-%m-%d %H:%M"],
    "columns": {"ticket_id": ["编号"], "created_at": ["时间"], "agency": ["单位"]},
}


def shipped(name: str) -> dict:
    with (PROFILES_DIR / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


def with_changes(**changes) -> dict:
    data = copy.deepcopy(MINIMAL)
    data.update(changes)
    return data


def test_the_four_required_profiles_ship():
    assert {"cn-12345", "nyc-311", "la-311", "open311"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_profile_is_valid_and_builds(name):
    data = shipped(name)
    assert validate_profile(name, data) == []
    profile = build_profile(name, data)
    assert set(profile.required) == {"ticket_id", "created_at", "agency"}


def test_the_shipped_configuration_loads():
    config = load_config(None)
    assert set(SHIPPED) <= set(config.profiles)


def test_a_minimal_profile_is_valid():
    assert validate_profile("mini", MINIMAL) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"columns": {"ticket_id": ["编号"], "created_at": ["时间"], "agency": ["单位"], "colour": ["颜色"]}},
            "'colour' is not a field",
        ),
        ({"columns": {"ticket_id": ["编号"], "created_at": ["时间"]}}, "required field 'agency' has no entry"),
        (
            {"columns": {"ticket_id": ["编号"], "created_at": ["编号"], "agency": ["单位"]}},
            "listed for both ticket_id and created_at",
        ),
        ({"required": ["ticket_id", "created_at"]}, "required must include agency"),
        ({"date_order": "dmy", "date_formats": ["%m/%d/%Y"]}, "contradicts date_order = 'dmy'"),
        ({"date_order": "ydm"}, "date_order = 'ydm'"),
        ({"date_formats": []}, "date_formats must be a non-empty list"),
        ({"date_formats": ["YYYY-MM-DD"]}, "has no % directive"),
        ({"satisfaction": {"happy": ["满意"]}}, "'happy' is not a level"),
        (
            {"satisfaction": {"satisfied": ["满意"], "dissatisfied": ["满意 "]}},
            "listed under both satisfied and dissatisfied",
        ),
        ({"flags": {"yes": ["是"]}}, "takes two lists"),
        ({"status": {"done": ["已办结"]}}, "'done' is not a status"),
        ({"rules": {"responded": "closed_by_due"}}, "needs a due_at entry"),
        ({"rules": {"resolved": "status_closed"}}, "needs a status entry"),
        ({"rules": {"responded": "guess"}}, "responded = 'guess'"),
        ({"timezone": "Mars/Olympus"}, "timezone 'Mars/Olympus' is unknown"),
        ({"derive": {"district": {"from": "title", "pattern": "([区县]"}}}, "not a valid regular expression"),
        ({"derive": {"district": {"from": "title", "pattern": "[区县]"}}}, "exactly one (group)"),
        ({"colour": "blue"}, "unknown setting(s) colour"),
        ({"columns": ["ticket_id", "created_at", "agency"]}, "[columns] is missing; map each field"),
    ],
)
def test_validation_names_each_problem(changes, expected):
    problems = validate_profile("bad", with_changes(**changes))
    assert any(expected in p for p in problems), problems


def test_validation_collects_every_problem_at_once():
    data = with_changes(date_order="ydm", timezone="Nowhere/Land", satisfaction={"happy": ["好"]})
    assert len(validate_profile("bad", data)) == 3


def test_a_derived_required_field_needs_no_column():
    data = with_changes(
        columns={"ticket_id": ["编号"], "created_at": ["时间"], "title": ["标题"]},
        derive={"agency": {"from": "title", "pattern": "(A\\d+区)"}},
    )
    assert validate_profile("derived", data) == []


def test_vocabularies_are_folded_for_matching():
    profile = build_profile("cn", shipped("cn-12345"))
    assert profile.flags["是"] is True and profile.flags["false"] is False  # "FALSE" folded to lower case
    assert profile.resolution["部分解决"] is False  # partly solved counts as not resolved
    assert profile.satisfaction["基本满意"] == "basically_satisfied"
    assert profile.status["已办结"] == "closed"


# ------------------------------------------------------------------ detection

LA_2017 = [
    "SRNumber",
    "CreatedDate",
    "UpdatedDate",
    "ActionTaken",
    "Owner",
    "RequestType",
    "Status",
    "RequestSource",
    "ServiceDate",
    "ClosedDate",
    "CD",
    "NCName",
]
LA_2020 = ["srnumber", "createddate", "closeddate", "_daystoclose", "owner", "status", "requesttype", "servicedate"]
NYC = [
    "Unique Key",
    "Created Date",
    "Closed Date",
    "Agency",
    "Agency Name",
    "Complaint Type",
    "Status",
    "Due Date",
    "Resolution Action Updated Date",
    "Borough",
]
CN = ["工单编号", "来电时间", "来电渠道", "承办单位", "工单状态", "是否响应", "是否解决", "满意度"]
CN_GBK = ["工单编号", "受理时间", "问题分类", "主办单位", "回访结果"]
OPEN311 = [
    "service_request_id",
    "status",
    "service_name",
    "agency_responsible",
    "requested_datetime",
    "expected_datetime",
]
BOARD = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"]


@pytest.fixture(scope="module")
def profiles():
    return {name: build_profile(name, shipped(name)) for name in SHIPPED}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (LA_2017, "la-311"),
        (LA_2020, "la-311"),
        (NYC, "nyc-311"),
        (CN, "cn-12345"),
        (CN_GBK, "cn-12345"),
        (OPEN311, "open311"),
        (BOARD, "cn-petition-board"),
    ],
)
def test_detect_profile_by_header(profiles, header, expected):
    assert detect_profile(header, profiles) == expected


def test_detection_ignores_spaces_and_full_width_forms(profiles):
    assert detect_profile(["工单编号\u3000", " 来电时间", "承办\u00a0单位", "满意度"], profiles) == "cn-12345"


def test_no_matching_profile_is_an_error(profiles):
    with pytest.raises(ProfileChoiceError) as caught:
        detect_profile(["a", "b", "c"], profiles)
    assert caught.value.code == "no_profile" and caught.value.candidates == []


def test_a_tie_is_ambiguous_and_lists_the_candidates(profiles):
    twin = {"cn-a": profiles["cn-12345"], "cn-b": profiles["cn-12345"], "nyc-311": profiles["nyc-311"]}
    with pytest.raises(ProfileChoiceError) as caught:
        detect_profile(CN, twin)
    assert caught.value.code == "ambiguous_profile"
    assert caught.value.candidates == ["cn-a", "cn-b"]


def test_a_profile_missing_a_required_header_is_not_a_candidate(profiles):
    without_agency = [c for c in NYC if c != "Agency"]
    with pytest.raises(ProfileChoiceError):
        detect_profile(without_agency, {"nyc-311": profiles["nyc-311"]})


def test_detection_also_takes_raw_profile_data():
    config = load_config(None)
    assert detect_profile(NYC, config.profiles) == "nyc-311"
