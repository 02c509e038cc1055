"""Rates, intervals, tests, composite scores, ranks and targets, against hand arithmetic."""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from citistat.results import RateStat
from citistat.score.composite import cityscore, composite_score, rank_units, small_sample
from citistat.score.definitions import (
    RateDefinitions,
    Scoring,
    Target,
    WeightVersion,
    parse_scoring,
    validate_scoring,
)
from citistat.score.rates import gap_to_full, rag, rate_stat, unit_rates
from citistat.score.stats import normal_cdf, normal_quantile, two_proportion_test, wilson_interval

SHIPPED = Path(__file__).parents[1] / "config" / "scoring.toml"


def counts(**values: int) -> dict[str, int]:
    return values


# ---------------------------------------------------------------- stats


def test_normal_cdf_and_quantile():
    assert normal_cdf(0) == 0.5
    assert normal_cdf(1.959963984540054) == pytest.approx(0.975, abs=1e-12)
    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-9)
    with pytest.raises(ValueError):
        normal_quantile(1.0)


def test_wilson_interval_matches_newcombe_1998():
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553 to 0.3662.
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    # 0/10 → 0 to 0.2775 (the Wald interval would be 0 to 0).
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    assert wilson_interval(0, 0) == (None, None)


def test_wilson_interval_at_100_percent_has_width():
    low, high = wilson_interval(50, 50)
    assert high == 1.0 and 0.9 < low < 1.0


def test_two_proportion_test_by_hand():
    # 90/100 against 80/100: pooled p = 170/200 = 0.85; se = sqrt(0.85 × 0.15 × (1/100 + 1/100))
    result = two_proportion_test(90, 100, 80, 100)
    z = (0.9 - 0.8) / math.sqrt(0.85 * 0.15 * (2 / 100))
    assert result.z == pytest.approx(z)
    assert result.p_value == pytest.approx(2 * 0.5 * math.erfc(z / math.sqrt(2)))
    assert result.significant  # z ≈ 1.98 > 1.96
    assert not two_proportion_test(45, 50, 40, 50).significant  # same rates, half the n
    assert two_proportion_test(1, 0, 1, 1) is None
    same = two_proportion_test(30, 30, 40, 40)
    assert (same.p_value, same.significant) == (1.0, False)


# ---------------------------------------------------------------- rates


def test_three_rates_from_counts():
    c = counts(
        n_tickets=60,
        responded=47,
        not_responded=3,
        response_unknown=10,
        resolved=40,
        not_resolved=8,
        resolution_unknown=12,
        very_satisfied=10,
        satisfied_plain=20,
        basically_satisfied=10,
        dissatisfied_plain=4,
        very_dissatisfied=1,
        not_surveyed=15,
    )
    d = RateDefinitions()
    response = rate_stat("response", c, d)
    assert response.value == 47 / (47 + 3)
    assert (response.denominator, response.unknown, response.shortfall) == (50, 60 - 50, 3)
    assert response.ci_low < response.value < response.ci_high
    assert rate_stat("resolution", c, d).value == 40 / (40 + 8)
    satisfaction = rate_stat("satisfaction", c, d)
    assert satisfaction.value == (10 + 20 + 10) / (10 + 20 + 10 + 4 + 1)
    assert satisfaction.shortfall == 4 + 1


def test_basic_satisfied_weighted_point_nine():
    c = counts(n_tickets=50, very_satisfied=10, satisfied_plain=20, basically_satisfied=10, dissatisfied_plain=5)
    stat = rate_stat("satisfaction", c, RateDefinitions(basic_weight=0.9))
    assert stat.numerator == pytest.approx(10 + 20 + 0.9 * 10)
    assert stat.value == pytest.approx((10 + 20 + 0.9 * 10) / 45)


def test_valid_callback_base_uses_only_valid_answers():
    c = counts(n_tickets=10, resolved=8, not_resolved=2, valid_resolved=3, valid_not_resolved=1)
    stat = rate_stat("resolution", c, RateDefinitions(base="valid_callback"))
    assert stat.value == 3 / (3 + 1)
    assert stat.unknown == 10 - 4


def test_on_time_response_for_311():
    c = counts(n_tickets=20, closed=18, due_known=19, closed_on_time=12, overdue=4, responded=0)
    stat = rate_stat("response", c, RateDefinitions(response="on_time"))
    assert stat.value == 12 / (12 + 4)
    assert stat.shortfall == 4
    assert rate_stat("on_time", c, RateDefinitions()).value == 12 / 16


def test_zero_denominators_are_none_everywhere():
    for metric in ("response", "resolution", "satisfaction", "on_time"):
        stat = rate_stat(metric, counts(n_tickets=5, response_unknown=5, not_surveyed=5), RateDefinitions())
        assert (stat.value, stat.ci_low, stat.ci_high) == (None, None, None)
        assert gap_to_full(stat) is None


def test_targets_rag_and_ratio():
    target = Target("resolution", "*", 0.95, 0.03)
    assert rag(0.95, target) == "green"
    assert rag(0.93, target) == "amber"  # within 3 points below
    assert rag(0.91, target) == "red"
    assert rag(None, target) is None
    scoring = Scoring(targets=(target, Target("resolution", "委办局", 0.90, 0.0)))
    rates = unit_rates(counts(n_tickets=100, resolved=92, not_resolved=8), scoring, "街乡镇")
    assert rates["resolution"].target_ratio == pytest.approx(0.92 / 0.95)
    assert rates["resolution"].rag == "amber"
    own = unit_rates(counts(n_tickets=100, resolved=92, not_resolved=8), scoring, "委办局")
    assert (own["resolution"].target, own["resolution"].rag) == (0.90, "green")
    assert rates["response"].target is None


# ---------------------------------------------------------------- composite and ranking


def stat(metric: str, value: float | None, n: int = 100) -> RateStat:
    return RateStat(
        metric,
        (value or 0) * n,
        n if value is not None else 0,
        0,
        value,
        None,
        None,
        0,
        target=0.95,
        target_ratio=None if value is None else value / 0.95,
    )


def test_composite_score_by_hand():
    rates = {
        "response": stat("response", 0.98),
        "resolution": stat("resolution", 0.90),
        "satisfaction": stat("satisfaction", 0.85),
    }
    weights = WeightVersion("v", "2020-01", "*", 0.1, 0.5, 0.4)
    assert composite_score(rates, weights) == pytest.approx(100 * (0.1 * 0.98 + 0.5 * 0.90 + 0.4 * 0.85))
    rates["satisfaction"] = stat("satisfaction", None)
    assert composite_score(rates, weights) is None
    # a metric weighted 0 may be N/A
    assert composite_score(rates, WeightVersion("v", "2020-01", "*", 0.5, 0.5, 0.0)) == pytest.approx(
        100 * (0.5 * 0.98 + 0.5 * 0.90)
    )


def test_cityscore_averages_target_ratios():
    rates = {"a": stat("response", 0.95), "b": stat("resolution", 0.76), "c": stat("satisfaction", None)}
    assert cityscore(rates) == pytest.approx((0.95 / 0.95 + 0.76 / 0.95) / 2)


def test_ranking_by_score_then_volume_with_shared_ranks():
    ranks = rank_units([("A", 90.0, 100), ("B", 95.0, 10), ("C", 90.0, 300), ("D", 90.0, 100), ("E", None, 500)])
    assert ranks["B"].rank == 1
    assert ranks["C"].rank == 2  # same score as A and D, more tickets
    assert ranks["A"].rank == ranks["D"].rank == 3  # same score, same volume: shared
    assert ranks["E"].rank is None
    assert {r.rank_of for r in ranks.values()} == {4}


def test_small_n_looks_at_weighted_rates_only():
    weights = WeightVersion("v", "2020-01", "*", 0.0, 0.5, 0.5)
    rates = {
        "response": stat("response", 1.0, 5),
        "resolution": stat("resolution", 0.9, 30),
        "satisfaction": stat("satisfaction", 0.9, 30),
    }
    assert not small_sample(rates, weights, 30)
    assert small_sample(rates, WeightVersion("v", "2020-01", "*", 0.1, 0.5, 0.4), 30)


# ---------------------------------------------------------------- definitions


def test_shipped_scoring_file_is_valid_and_versions_weights():
    data = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    assert validate_scoring(data) == []
    scoring = parse_scoring(data)
    assert scoring.weights_for("2024-12", "委办局").weights() == {
        "response": 0.1,
        "resolution": 0.5,
        "satisfaction": 0.4,
    }
    assert scoring.weights_for("2025-01", "委办局").version == "2025-01-委办局"
    assert scoring.weights_for("2025-06", "街乡镇").version == "2020-01"
    assert scoring.weights_for("2019-12", "街乡镇") is None
    assert scoring.screens.quick_close_minutes == 10 and scoring.min_n == 30


def test_empty_scoring_takes_the_defaults():
    assert validate_scoring({}) == []
    scoring = parse_scoring({})
    assert scoring.weights_for("2024-01", None).weights() == {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4}
    assert scoring.rates.basic_weight == 1.0 and scoring.alpha == 0.05


def test_every_problem_is_listed():
    problems = validate_scoring(
        {
            "rates": {
                "satisfied": ["very_satisfied", "refused"],
                "dissatisfied": ["very_satisfied"],
                "basic_weight": 1.5,
                "base": "all",
                "response": "soon",
            },
            "ranking": {"min_n": -1, "alpha": 0},
            "weights": [
                {
                    "version": "x",
                    "effective_from": "2020-1",
                    "unit_type": "委办局",
                    "response": 0.2,
                    "resolution": 0.5,
                    "satisfaction": 0.4,
                }
            ],
            "targets": [{"metric": "speed", "target": 2}],
            "screens": {"quick_close_minutes": "ten", "nonsense": 1},
            "extra": {},
        }
    )
    text = "\n".join(problems)
    for expected in (
        "unknown section 'extra'",
        "unknown level 'refused'",
        "in both satisfied and dissatisfied",
        "basic_weight = 1.5",
        "base = 'all'",
        "response = 'soon'",
        "min_n = -1",
        "alpha = 0",
        "write the period as YYYY-MM",
        "add up to 1.1",
        'unit_type = "*"',
        "metric = 'speed'",
        "target = 2",
        "quick_close_minutes = 'ten'",
        "unknown setting 'nonsense'",
    ):
        assert expected in text, expected
    assert len(problems) == 15


def test_score_stage_imports_no_presentation_library():
    code = (
        "import sys, citistat.score, citistat.count; "
        "bad = [m for m in ('click', 'matplotlib', 'jinja2', 'weasyprint') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
