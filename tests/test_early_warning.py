"""Early warning: planted escalating callers top the list; independent solved calls raise nothing."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from citistat.score.definitions import parse_scoring, validate_scoring
from citistat.score.early_warning import early_warnings
from citistat.score.foresight_settings import EarlyWarningSettings
from citistat.tickets import conform

PERIOD = "2024-03"
END = pd.Timestamp("2024-04-01")
AGENCIES = ["东华门街道", "市住建委", "市城管委", "市水务局", "市交通委"]
CATEGORIES = ["物业管理", "噪声扰民", "市容环境", "供水排水", "道路交通", "供暖"]
STREETS = [("东城区", "东华门街道", f"社区{i}") for i in range(6)] + [
    ("朝阳区", "建外街道", f"社区{i}") for i in range(6)
]


class Tickets:
    def __init__(self):
        self.rows: list[dict] = []

    def add(
        self,
        caller,
        when,
        *,
        category="物业管理",
        place=0,
        agency="东华门街道",
        resolved=True,
        closed_after=2,
        satisfaction="satisfied",
    ):
        created = pd.Timestamp(when)
        district, street, community = STREETS[place]
        self.rows.append(
            dict(
                ticket_id=f"T{len(self.rows):05d}",
                created_at=created,
                period=created.strftime("%Y-%m"),
                agency=agency,
                category=category,
                district=district,
                street=street,
                place=community,
                closed_at=None
                if resolved is None and closed_after is None
                else created + pd.Timedelta(days=closed_after or 2),
                resolved=resolved,
                satisfaction=satisfaction,
                caller_key=caller,
            )
        )

    def frame(self) -> pd.DataFrame:
        return conform(pd.DataFrame(self.rows))


def background(t: Tickets, rng: np.random.Generator, callers: int = 300) -> None:
    """Ordinary callers: one to three calls on unrelated matters, mostly solved."""
    for c in range(callers):
        for _ in range(int(rng.integers(1, 4))):
            day = pd.Timestamp("2024-01-05") + pd.Timedelta(days=int(rng.integers(0, 85)))
            t.add(
                f"bg{c:04d}",
                day,
                category=CATEGORIES[rng.integers(0, 6)],
                place=int(rng.integers(0, 12)),
                agency=AGENCIES[rng.integers(0, 5)],
                resolved=bool(rng.random() < 0.85),
            )


def escalating(t: Tickets, caller: str, rng: np.random.Generator, place: int) -> None:
    """One problem at one place: solved on paper, back again, ever more often, passed between agencies."""
    days = sorted(int(d) for d in rng.choice(np.arange(0, 88), size=14, replace=False, p=_rising(88)))
    for i, d in enumerate(days):
        t.add(
            caller,
            pd.Timestamp("2024-01-03") + pd.Timedelta(days=d),
            category="噪声扰民",
            place=place,
            agency=AGENCIES[i % 3],
            resolved=(i % 2 == 0),
            satisfaction="dissatisfied",
        )


def _rising(n: int) -> np.ndarray:
    weights = np.linspace(0.2, 3.0, n)
    return weights / weights.sum()


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(15)
    t = Tickets()
    background(t, rng)
    for i, caller in enumerate(("escalating-a", "escalating-b", "escalating-c")):
        escalating(t, caller, rng, place=i)
    # Many independent calls, each solved: different problems at different places, to different agencies.
    for i in range(12):
        t.add(
            "independent",
            pd.Timestamp("2024-01-10") + pd.Timedelta(days=6 * i),
            category=CATEGORIES[i % 6],
            place=i,
            agency=AGENCIES[i % 5],
            resolved=True,
        )
    return t.frame()


def test_planted_escalating_callers_top_the_list(planted):
    entries, _ = early_warnings(planted, PERIOD, EarlyWarningSettings())
    assert {e.caller_key for e in entries[:3]} == {"escalating-a", "escalating-b", "escalating-c"}
    for entry in entries[:3]:
        assert set(entry.reasons) == {"accelerating", "came_back", "several_agencies", "unresolved"}
        assert entry.recent_contacts > entry.earlier_contacts
    assert [e.rank for e in entries] == list(range(1, len(entries) + 1))
    assert [e.score for e in entries] == sorted((e.score for e in entries), reverse=True)


def test_a_limit_cuts_the_list_not_the_count(planted):
    everyone, flagged = early_warnings(planted, PERIOD, EarlyWarningSettings())
    top, same = early_warnings(planted, PERIOD, EarlyWarningSettings(), limit=2)
    assert flagged == same == len(everyone) > 2 and top == everyone[:2]


def test_many_independent_solved_calls_are_not_flagged(planted):
    entries, _ = early_warnings(planted, PERIOD, EarlyWarningSettings())
    assert "independent" not in {e.caller_key for e in entries}


def _one_case(reason_rows):
    t = Tickets()
    for row in reason_rows:
        t.add("x", **row)
    return early_warnings(t.frame(), PERIOD, EarlyWarningSettings())[0]


def test_each_reason_on_its_own():
    came_back = _one_case([dict(when="2024-03-01"), dict(when="2024-03-10", resolved=True)])
    assert came_back[0].reasons == ["came_back"] and came_back[0].after_solved == 1
    # Two calls about the same place to two agencies, the last one not solved.
    agencies = _one_case(
        [
            dict(when="2024-03-10", category="供水排水", agency="市水务局", resolved=False),
            dict(when="2024-03-15", category="物业管理", agency="东华门街道", resolved=False),
        ]
    )
    assert agencies[0].reasons == ["several_agencies"]
    # First raised in January, never solved.
    unresolved = _one_case(
        [dict(when="2024-01-20", resolved=False), dict(when="2024-03-02", resolved=None, closed_after=None)]
    )
    assert unresolved[0].reasons == ["unresolved"] and unresolved[0].oldest_unresolved_days == 72
    # Four unsolved calls in the last 30 days, one in the 30 before.
    rising = _one_case(
        [dict(when=d, resolved=False) for d in ("2024-02-20", "2024-03-05", "2024-03-12", "2024-03-20", "2024-03-28")]
    )
    assert "accelerating" in rising[0].reasons and rising[0].recent_contacts == 4
    steady = _one_case(
        [
            dict(when=d, resolved=False)
            for d in (
                "2024-02-05",
                "2024-02-12",
                "2024-02-20",
                "2024-02-27",
                "2024-03-05",
                "2024-03-12",
                "2024-03-20",
                "2024-03-28",
            )
        ]
    )
    assert "accelerating" not in steady[0].reasons  # four and four: many calls, not rising


def test_a_caller_silent_this_period_is_not_listed():
    t = Tickets()
    for day in ("2024-01-05", "2024-01-20", "2024-02-10"):
        t.add("quiet", day, resolved=False)
    assert early_warnings(t.frame(), PERIOD, EarlyWarningSettings()) == ([], 0)


def test_timeline_and_json_carry_keys_only(planted):
    entry = early_warnings(planted, PERIOD, EarlyWarningSettings(timeline_size=5))[0][0]
    assert len(entry.timeline) == 5
    assert [e.date for e in entry.timeline] == sorted(e.date for e in entry.timeline)
    assert entry.caller_ref.startswith("R-") and entry.caller_ref != entry.caller_key
    text = json.dumps(entry.__dict__, default=lambda o: o.__dict__, ensure_ascii=False)
    assert "title" not in text and "phone" not in text


def test_thresholds_are_validated():
    problems = validate_scoring(
        {
            "early_warning": {
                "accel_days": 60,
                "window_days": 90,
                "weight_came_back": -1,
                "bogus": 1,
                "unresolved_days": 0,
            }
        }
    )
    text = "\n".join(problems)
    assert "window_days ≥ 120" in text and "weight_came_back" in text and "unknown setting 'bogus'" in text
    assert "unresolved_days = 0" in text
    settings = parse_scoring({"early_warning": {"accel_contacts": 6}}).early_warning
    assert settings.accel_contacts == 6 and settings.accel_days == 30


def test_the_sample_citys_escalating_caller_is_flagged_first():
    """The shipped sample's demolition-compensation caller (22 calls on the watch list, 20 after "solved")."""
    from pathlib import Path

    from citistat import ingest
    from citistat.config import load_config
    from citistat.score.repeat import watchlists

    root = Path(__file__).resolve().parents[1]
    config = load_config(None)
    files = sorted((root / "sample_data").glob("12345_工单_2024-0[123]*"))
    tickets = ingest.load(files, config, salt=b"test-salt").tickets
    top = watchlists(tickets, PERIOD, parse_scoring(config.scoring), by_agency=False)[""][0]
    assert (top.tickets, top.after_solved) == (22, 20)
    entries, _ = early_warnings(tickets, PERIOD, parse_scoring(config.scoring).early_warning)
    assert entries[0].caller_ref == top.caller_ref
    assert {"came_back", "accelerating", "unresolved"} <= set(entries[0].reasons)
    assert entries[0].categories == ["房屋拆迁"]
