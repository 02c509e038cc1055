"""score_period end to end on a tiny city: every field of the PeriodResult filled and consistent."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from citistat.config import Config
from citistat.count import History, count_all
from citistat.score import metrics_table, score_period
from citistat.tickets import conform

ROSTER = [
    {"agency": "交道口街道", "unit_type": "街乡镇"},
    {"agency": "望京街道", "unit_type": "街乡镇"},
    {"agency": "市水务局", "unit_type": "委办局"},
    {"agency": "市空转局", "unit_type": "委办局"},
]


def unit_tickets(period: str, agency: str, unit_type: str, yes: int, no: int, *, sat: str = "satisfied") -> list[dict]:
    """`yes` tickets answered yes to everything and satisfied, `no` answered no and dissatisfied."""
    created = pd.Timestamp(f"{period}-10 09:00")
    rows = []
    for i in range(yes + no):
        good = i < yes
        rows.append(
            {
                "ticket_id": f"{agency}-{period}-{i}",
                "created_at": created,
                "period": period,
                "agency": agency,
                "unit_type": unit_type,
                "category": "noise" if i % 2 else "road",
                "responded": True,
                "resolved": good,
                "satisfaction": sat if good else "dissatisfied",
                "closed_at": created + pd.Timedelta(hours=5),
                "due_at": created + pd.Timedelta(days=1),
            }
        )
    return rows


def config(lang: str = "en", scoring: dict | None = None) -> Config:
    return Config(
        settings={"build": {"lang": lang}},
        scoring=scoring or {},
        profiles={},
        aliases=[],
        roster=ROSTER,
        topics=[{"name": "Noise", "categories": ["noise"], "keywords": []}],
    )


@pytest.fixture(scope="module")
def result():
    rows = []
    for period in ("2025-01", "2025-02"):
        rows += unit_tickets(period, "交道口街道", "街乡镇", 45, 5)
        rows += unit_tickets(period, "望京街道", "街乡镇", 40, 10)
        rows += unit_tickets(period, "市水务局", "委办局", 38, 2)
    rows += unit_tickets("2025-02", "新单位", "街乡镇", 9, 1)  # not in the roster, first tickets now
    tickets = conform(pd.DataFrame(rows))
    return score_period(History(counts=count_all(tickets), tickets=tickets), "2025-02", config())


def test_units_cover_the_roster_and_every_unit_with_tickets(result):
    assert [u.agency for u in result.units] == ["交道口街道", "望京街道", "市水务局", "市空转局", "新单位"]
    idle = result.unit("市空转局")
    assert (idle.status, idle.n_tickets, idle.score, idle.rank) == ("no tickets", 0, None, None)
    assert idle.rates["resolution"].value is None
    assert result.unit("新单位").status == "new"
    assert result.unit("新单位").deltas["resolution"]["previous"].reason == "new"
    assert result.unit_types == ["街乡镇", "委办局"]


def test_rates_scores_and_ranks_by_hand(result):
    street = result.unit("交道口街道")
    assert street.rates["resolution"].value == 45 / 50
    assert street.rates["satisfaction"].value == 45 / 50
    assert street.rates["response"].value == 50 / 50
    assert street.score == pytest.approx(100 * (0.1 * 1.0 + 0.5 * 0.9 + 0.4 * 0.9))
    assert street.weights_version == "2020-01"
    assert (street.rank, street.rank_of, street.small_n) == (1, 2, False)
    assert result.unit("望京街道").score == pytest.approx(100 * (0.1 * 1.0 + 0.5 * 0.8 + 0.4 * 0.8))
    assert result.unit("望京街道").rank == 2  # 82 is below 交道口街道's 91
    new = result.unit("新单位")
    assert new.score == pytest.approx(100 * (0.1 * 1.0 + 0.5 * 0.9 + 0.4 * 0.9))  # scored, shown
    assert new.small_n and new.rank is None  # 10 answers < 30: listed unranked, not tied on a few answers
    department = result.unit("市水务局")
    assert (department.rank, department.rank_of) == (1, 1)


def test_small_units_can_be_ranked_with_a_mark_when_the_office_asks():
    rows = []
    for period in ("2025-01", "2025-02"):
        rows += unit_tickets(period, "交道口街道", "街乡镇", 45, 5)
    rows += unit_tickets("2025-02", "新单位", "街乡镇", 9, 1)
    tickets = conform(pd.DataFrame(rows))
    marked = score_period(
        History(counts=count_all(tickets), tickets=tickets),
        "2025-02",
        config(scoring={"ranking": {"small_units": "marked"}}),
    )
    assert (marked.unit("新单位").rank, marked.unit("新单位").rank_of, marked.unit("新单位").small_n) == (2, 2, True)


def test_weights_version_for_departments_from_2025():
    rows = unit_tickets("2025-02", "市水务局", "委办局", 38, 2)
    tickets = conform(pd.DataFrame(rows))
    scoring = {
        "weights": [
            {
                "version": "base",
                "effective_from": "2020-01",
                "unit_type": "*",
                "response": 0.1,
                "resolution": 0.5,
                "satisfaction": 0.4,
            },
            {
                "version": "dept-2025",
                "effective_from": "2025-01",
                "unit_type": "委办局",
                "response": 0.2,
                "resolution": 0.6,
                "satisfaction": 0.2,
            },
        ]
    }
    out = score_period(History(counts=count_all(tickets), tickets=tickets), "2025-02", config(scoring=scoring))
    unit = out.unit("市水务局")
    assert unit.weights_version == "dept-2025"
    assert unit.score == pytest.approx(100 * (0.2 * 1.0 + 0.6 * 38 / 40 + 0.2 * 38 / 40))
    assert out.definitions["weights_in_force"]["委办局"]["version"] == "dept-2025"
    assert out.weights_version == "base"


def test_city_is_the_sum_of_everything(result):
    city = result.city
    assert city.agency == "Citywide"
    assert city.n_tickets == 50 + 50 + 40 + 10
    assert city.rates["resolution"].value == (45 + 40 + 38 + 9) / 150
    assert city.counts["n_tickets"] == sum(u.n_tickets for u in result.units)
    assert city.volume["previous"].change == 150 - 140
    assert result.previous_period == "2025-01" and result.last_year_period is None
    assert city.deltas["resolution"]["last_year"].reason == "no history"


def test_series_topics_and_definitions(result):
    street = result.unit("交道口街道")
    assert [p.period for p in street.series["resolution"]] == ["2025-01", "2025-02"]
    assert [p.n for p in street.series["volume"]] == [50, 50]
    assert [t.name for t in result.topics] == ["Noise"]
    assert result.hot_topics[0].category in {"noise", "road"}
    assert result.definitions["min_n"] == 30 and "formulas" in result.definitions
    assert result.min_n == 30


def test_result_serialises_to_json(result):
    text = json.dumps(result.to_dict(), ensure_ascii=False)
    assert "交道口街道" in text


def test_metrics_table_rows(result):
    rows = metrics_table(result)
    assert rows[0]["agency"] == "Citywide"
    assert [r["agency"] for r in rows[1:]] == [
        "交道口街道",
        "望京街道",
        "新单位",
        "市水务局",
        "市空转局",
    ]  # unranked (small n) after the ranked
    first = rows[1]
    assert first["resolution"] == 45 / 50 and first["resolution_n"] == 50
    assert first["resolution_delta_pp"] == 0 and first["resolution_significant"] is False
    assert first["rank"] == 1 and first["flags"] == len(result.unit("交道口街道").flags)
    assert rows[-1]["score"] is None


def test_chinese_run_names_the_city_in_chinese():
    tickets = conform(pd.DataFrame(unit_tickets("2025-02", "市水务局", "委办局", 3, 1)))
    out = score_period(History(counts=count_all(tickets), tickets=tickets), "2025-02", config(lang="zh-CN"))
    assert out.city.agency == "全市"


def test_empty_history_scores_to_na_not_a_crash():
    out = score_period(History(), "2025-02", config())
    assert out.city.n_tickets == 0 and out.city.score is None
    assert all(u.status == "no tickets" for u in out.units)
