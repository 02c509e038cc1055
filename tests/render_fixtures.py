"""A realistic BriefingInputs built by hand: four agencies of two unit types, 13 periods of history.

Render recomputes nothing, so the fixture states every figure the books print.
Rates are made from counts with the Wilson interval so they look like the
score stage's output; tests assert on the numbers written here.
"""

from __future__ import annotations

import math
from dataclasses import replace

from citistat.briefing import AgencyNotes, BriefingInputs, FocusAgency, FollowUp, InputFile
from citistat.quality import DataIssue, FileReport, Reconciliation
from citistat.results import (
    CategoryRow,
    Delta,
    Flag,
    PeriodResult,
    PlaceRow,
    RateStat,
    SeriesPoint,
    TopicResult,
    UnitResult,
    VolumeDelta,
    WatchItem,
)

PERIOD = "2024-03"
PERIODS = [f"{2023 + (m + 2) // 12}-{(m + 2) % 12 + 1:02d}" for m in range(13)]  # 2023-03 … 2024-03
DEPT, STREET = "委办局", "街乡镇"
WATER, HOUSING, WANGJING, JIAODAOKOU = "市水务局", "市住房和城乡建设委员会", "望京街道", "交道口街道"
CALLER_REF = "R-3f9a"
INTERNAL_NOTE = "内部备注：局长本周出差，由副局长参会"
FOLLOWUP_NOTE = "跟进备注：已电话催办两次"
FOCUS_REASON = "解决率较上期显著下降，物业投诉集中"  # the office's reason: internal material
HOSTILE = '<img src="file:///etc/passwd"><script>alert(1)</script>'


def wilson(yes: float, n: int, z: float = 1.959964) -> tuple[float | None, float | None]:
    if n == 0:
        return None, None
    p = yes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def rate(metric: str, yes: int, no: int, unknown: int = 0, target: float | None = 0.95) -> RateStat:
    n = yes + no
    value = yes / n if n else None
    low, high = wilson(yes, n)
    rag = (
        None
        if value is None or target is None
        else ("green" if value >= target else "amber" if value >= target - 0.05 else "red")
    )
    return RateStat(
        metric,
        float(yes),
        n,
        unknown,
        value,
        low,
        high,
        no,
        target,
        rag,
        None if value is None or target is None else value / target,
    )


def delta(pp: float | None, significant: bool | None, base: str = "2024-02", reason: str | None = None) -> Delta:
    return Delta("previous", base, None, pp, significant, 0.01 if significant else 0.4, reason)


def series(start: float, end: float, n: int) -> list[SeriesPoint]:
    step = (end - start) / 12
    return [SeriesPoint(p, round(start + step * i, 4), n) for i, p in enumerate(PERIODS)]


def unit(
    agency: str,
    unit_type: str | None,
    n: int,
    yes: tuple[int, int, int],
    no: tuple[int, int, int],
    *,
    score: float | None,
    rank: int | None,
    rank_of: int,
    moves: tuple = (None, None, None),
    small_n: bool = False,
    **extra,
) -> UnitResult:
    rates = {
        m: rate(m, y, x, unknown=n - y - x) for m, y, x in zip(("response", "resolution", "satisfaction"), yes, no)
    }
    deltas = {m: {"previous": d or delta(None, None, reason="no history")} for m, d in zip(rates, moves)}
    counts = {
        "n_tickets": n,
        "responded": yes[0],
        "not_responded": no[0],
        "resolved": yes[1],
        "not_resolved": no[1],
        "dissatisfied": no[2],
    }
    rate_series = {m: series((r.value or 0.9) - 0.03, r.value or 0.9, r.denominator) for m, r in rates.items()}
    rate_series["volume"] = [SeriesPoint(p, float(n - 12 + i), n - 12 + i) for i, p in enumerate(PERIODS)]
    return UnitResult(
        agency,
        unit_type,
        n,
        counts,
        rates,
        deltas,
        {"previous": VolumeDelta("previous", "2024-02", n - 10, 10, 10 / (n - 10))},
        score,
        rank,
        rank_of,
        small_n,
        rate_series,
        **extra,
    )


def briefing_inputs(*, lang: str = "zh-CN", edition: str = "internal") -> BriefingInputs:
    water = unit(
        WATER,
        DEPT,
        240,
        (236, 228, 221),
        (2, 8, 12),
        score=93.6,
        rank=1,
        rank_of=2,
        moves=(delta(0.4, False), delta(2.1, True), delta(1.8, True)),
        categories=[
            CategoryRow("供水", 120, 0.5, 100, 20),
            CategoryRow("排水", 80, 1 / 3, 90, -10),
            CategoryRow("河道", 40, 1 / 6, None, None),
        ],
        places=[PlaceRow("东城区 / 交道口街道 / 菊儿社区", 14, 3)],
    )
    housing = unit(
        HOUSING,
        DEPT,
        180,
        (170, 150, 140),
        (6, 25, 30),
        score=81.2,
        rank=2,
        rank_of=2,
        moves=(delta(-0.5, False), delta(-4.2, True), delta(-3.0, True)),
        categories=[CategoryRow("物业管理", 100, 100 / 180, 90, 10), CategoryRow("房屋质量", 80, 80 / 180, 70, 10)],
        places=[PlaceRow("朝阳区 / 望京街道 / 花家地社区", 22, 5)],
        watchlist=[WatchItem(CALLER_REF, 6, 3, 4, ["物业管理", "房屋质量"], "2023-11", "2024-03")],
        flags=[Flag("sat_up_resolution_down", "watch", "满意率上升而解决率下降，请说明回访方式。")],
    )
    wangjing = unit(
        WANGJING,
        STREET,
        150,
        (148, 140, 139),
        (1, 9, 8),
        score=94.4,
        rank=1,
        rank_of=2,
        moves=(delta(0.1, False), delta(0.3, False), delta(-0.2, False)),
        flags=[Flag("quick_close", "concern", "12 件工单在 5 分钟内办结。", 12.0)],
    )
    jiaodaokou = unit(
        JIAODAOKOU, STREET, 20, (19, 15, 14), (1, 5, 4), score=None, rank=None, rank_of=2, small_n=True, status="new"
    )
    city = unit(
        "全市" if lang == "zh-CN" else "Citywide",
        None,
        590,
        (573, 533, 514),
        (10, 47, 54),
        score=None,
        rank=None,
        rank_of=0,
        moves=(delta(0.2, False), delta(-0.6, False), delta(-0.3, False)),
    )
    result = PeriodResult(
        period=PERIOD,
        previous_period="2024-02",
        last_year_period="2023-03",
        city=city,
        units=[housing, water, jiaodaokou, wangjing],
        unit_types=[DEPT, STREET],
        hot_topics=[CategoryRow("物业管理", 100, 100 / 590, 90, 10), CategoryRow("供水", 120, 120 / 590, 100, 20)],
        rising_topics=[CategoryRow("供水", 120, 120 / 590, 100, 20)],
        topics=[TopicResult("老旧小区加装电梯", 42, 60, -30.0, [(HOUSING, 30, 45), (WANGJING, 12, 15)])],
        flags=[Flag("basic_share_jump", "info", "全市“基本满意”占比上升 4 个百分点。", 0.04)],
        # the shape score.methods.definitions_for gives
        definitions={
            "rates": {"satisfied": ["very_satisfied", "satisfied", "basically_satisfied"], "basic_weight": 1.0},
            "weights_in_force": {
                "*": {
                    "version": "2020-01",
                    "effective_from": "2020-01",
                    "unit_type": "*",
                    "response": 0.1,
                    "resolution": 0.5,
                    "satisfaction": 0.4,
                }
            },
            "targets": [
                {"metric": m, "unit_type": "*", "target": 0.95, "amber": 0.05}
                for m in ("response", "resolution", "satisfaction")
            ],
            "min_n": 30,
            "alpha": 0.05,
            "confidence": 0.95,
            "screens": {"min_tickets": 10, "quick_close_minutes": 10, "quick_close_share": 0.1},
        },
        weights_version="2020-01",
        min_n=30,
    )
    files = [
        FileReport(
            "2024-03-东城.xlsx",
            "ok",
            format="xlsx",
            sha256="ab" * 32,
            reconciliation=Reconciliation(400, 380, 8, 5, 3, 4),
        ),
        FileReport(
            "2024-03-朝阳.csv",
            "warnings",
            format="csv",
            encoding="gb18030",
            sha256="cd" * 32,
            reconciliation=Reconciliation(215, 210, 2, 0, 0, 3),
        ),
    ]
    issues = [
        DataIssue(
            "bad_date",
            "row",
            "来电时间无法识别",
            "改为 YYYY-MM-DD",
            "2024-03-东城.xlsx",
            "Sheet1",
            17,
            "来电时间",
            "C",
            "13800138000",
        )
    ]
    followups = [
        FollowUp(
            1,
            HOUSING,
            "物业投诉专项整治，月底前报送整改清单",
            "王主任",
            "2024-03-20",
            "2024-02",
            "2024-03-06",
            "resolution",
            "open",
            notes=FOLLOWUP_NOTE,
            age_days=28,
            metric_before=0.88,
            metric_now=0.857,
        ),
        FollowUp(
            2,
            WATER,
            "提供排水工单超期明细 " + HOSTILE,
            "李科长",
            "2024-04-30",
            "2024-02",
            "2024-03-06",
            None,
            "open",
            kind="data_request",
            age_days=28,
        ),
        FollowUp(
            3,
            WANGJING,
            "回访话术培训",
            "张主任",
            "2024-03-01",
            "2024-01",
            "2024-02-05",
            "satisfaction",
            "done",
            age_days=57,
            metric_before=0.93,
            metric_now=0.946,
        ),
    ]
    notes = {
        HOUSING: AgencyNotes(
            HOUSING,
            ["物业管理投诉为何连续三个月上升？"],
            ["完成 12 个小区电梯加装"],
            "本月解决率下降系集中供暖投诉所致，已建立专班。",
            INTERNAL_NOTE,
        ),
        WATER: AgencyNotes(WATER, [], [], HOSTILE, ""),
    }
    inputs = BriefingInputs(
        city="示例市" if lang == "zh-CN" else "Sample City",
        period=PERIOD,
        meeting_date="2024-04-03",
        lang=lang,
        edition=edition,
        revision=2,
        status="draft",
        result=result,
        files=files,
        reconciliation=files[0].reconciliation + files[1].reconciliation,
        issue_counts={"bad_date": 6, "missing_agency": 4},
        issues=issues,
        followups=followups,
        notes=notes,
        input_files=[InputFile(f.path, f.sha256 or "", f.status) for f in files],
        config_hash="ef" * 32,
        versions={"citistat": "0.1.0", "weasyprint": "70.0"},
        generated_on="2024-04-01",
        focus=[FocusAgency(HOUSING, FOCUS_REASON)],
    )  # built two days before the meeting
    return inputs


def with_agencies(inputs: BriefingInputs, count: int) -> BriefingInputs:
    """The fixture widened to `count` street offices ranked 2, 3, … after 望京街道 (timing runs, ranking excerpts)."""
    base = inputs.result.unit(WANGJING)
    extra = [replace(base, agency=f"测试街道{i:03d}", rank=i + 2, rank_of=count + 2) for i in range(count)]
    result = replace(inputs.result, units=inputs.result.units + extra)
    return replace(inputs, result=result)
