"""The methods page and the metrics table: the numbers' definitions and a flat view of the result."""

from __future__ import annotations

from dataclasses import asdict

from ..results import METRICS, PeriodResult, UnitResult
from .definitions import ANY_UNIT_TYPE, Scoring

FORMULAS: dict[str, str] = {
    "response": "responded / (responded + not responded)",
    "response_on_time": "closed by the due date / closed tickets with a due date",
    "resolution": "resolved / (resolved + not resolved); partly resolved counts as not resolved",
    "satisfaction": "satisfied / (satisfied + dissatisfied), 基本满意 weighted by basic_weight; "
    "a neutral answer (一般) as [rates] neutral says (default: answered, not satisfied)",
    "on_time": "closed by the due date / closed tickets with a due date; open tickets are unknown",
    "unknown": "blank, unrecognised, not surveyed, refused or unreachable answers: counted, in no denominator",
    "n_a": "a zero denominator gives N/A (—), never 0 % or 100 %",
    "interval": "95 % Wilson score interval",
    "delta": "percentage points; significance by the pooled two-proportion z-test",
    "mean3": "pooled counts of the three periods before the current one",
    "score": "100 × Σ weight × rate; N/A when a weighted rate is N/A",
    "score_missing_rates": "a rate with no answers in a whole unit type is left out and the other weights renormalised "
    '([ranking] missing_rates = "renormalise"); weights_effective lists the weights used',
    "date_precision": "day: created and closed dates carry no time of day, so no minute-based measure is computed "
    '(no "closed within N minutes" screen) and durations are whole days',
    "ranking": "within unit type, by score, then by ticket volume; equal score and volume share a rank",
    "small_n": "a unit whose weighted rates rest on fewer than min_n answers is listed unranked "
    '([ranking] small_units = "unranked"), or ranked but marked ("marked")',
    "rag": "green at or above target, amber within the band below it, red further below",
    "target_ratio": "actual / target (CityScore); below 1 = under target",
}


def definitions_for(scoring: Scoring, period: str, unit_types: list[str]) -> dict:
    """Every definition in force for `period`, for the methods page and the archive."""
    in_force = {ANY_UNIT_TYPE: scoring.weights_for(period, None)}
    in_force.update({t: scoring.weights_for(period, t) for t in unit_types})
    rates = asdict(scoring.rates)
    return {
        "rates": rates,
        "formulas": dict(
            FORMULAS, response=FORMULAS["response_on_time" if scoring.rates.response == "on_time" else "response"]
        ),
        "weights_in_force": {t: asdict(w) if w else None for t, w in in_force.items()},
        "weights_versions": [asdict(w) for w in scoring.weights],
        "targets": [asdict(t) for t in scoring.targets],
        "min_n": scoring.min_n,
        "missing_rates": scoring.missing_rates,
        "alpha": scoring.alpha,
        "confidence": scoring.confidence,
        "screens": asdict(scoring.screens),
        "early_warning": asdict(scoring.early_warning),
        "hotspots": asdict(scoring.hotspots),
        "outlook": asdict(scoring.outlook),
    }


def first_weights_from(definitions: dict) -> str:
    """The effective_from of the earliest [[weights]] version ("" when none): a period before it is not scored."""
    return min((w["effective_from"] for w in definitions.get("weights_versions") or []), default="")


def weights_in_force_note(result: PeriodResult) -> str:
    """One line for the `metrics` header: the weights each unit type's composite used, and what was left out."""
    effective = result.definitions.get("weights_effective") or {}
    configured = result.definitions.get("weights_in_force") or {}
    parts = []
    for unit_type, used in effective.items():
        base = configured.get(unit_type) or configured.get(ANY_UNIT_TYPE) or {}
        if not base:  # no [[weights]] version is in force yet: the period predates every effective_from
            first = first_weights_from(result.definitions)
            parts.append(
                f"{unit_type}: not scored (no [[weights]] version in force for {result.period}"
                + (f"; the first starts {first}: add one with an earlier effective_from)" if first else ")")
            )
            continue
        dropped = [m for m in ("response", "resolution", "satisfaction") if base.get(m, 0) > 0 and m not in used]
        absent = [m for m in used if m in result.city.rates and result.city.rates[m].denominator == 0]
        if absent and result.definitions.get("missing_rates") == "require_all":
            parts.append(f"{unit_type}: not scored (no {'/'.join(absent)} in the data; missing_rates = require_all)")
            continue
        if used:
            shown = ", ".join(f"{metric} {weight:.2f}" for metric, weight in used.items())
            note = f" (no {'/'.join(dropped)} in the data: renormalised)" if dropped else ""
        else:  # every rate with a weight is missing: a rate weighted 0 is never promoted to carry the score
            shown = "not scored"
            note = f" (no weighted rate in the data: {'/'.join(dropped)} missing)" if dropped else " (no weighted rate)"
        parts.append(f"{unit_type}: {shown}{note}")
    return "; ".join(parts)


def _rate_cells(unit: UnitResult, metric: str) -> dict:
    stat = unit.rates[metric]
    delta = unit.deltas.get(metric, {}).get("previous")
    return {
        metric: stat.value,
        f"{metric}_ci_low": stat.ci_low,
        f"{metric}_ci_high": stat.ci_high,
        f"{metric}_n": stat.denominator,
        f"{metric}_shortfall": stat.shortfall,
        f"{metric}_delta_pp": delta.pp if delta else None,
        f"{metric}_significant": delta.significant if delta else None,
        f"{metric}_delta_reason": delta.reason if delta else None,
    }


def metrics_row(unit: UnitResult) -> dict:
    row: dict[str, object] = {
        "agency": unit.agency,
        "unit_type": unit.unit_type,
        "status": unit.status,
        "n": unit.n_tickets,
    }
    for metric in METRICS:
        row.update(_rate_cells(unit, metric))
    row.update(
        {
            "score": unit.score,
            "rank": unit.rank,
            "rank_of": unit.rank_of,
            "small_n": unit.small_n,
            "weights_version": unit.weights_version,
            "flags": len(unit.flags),
        }
    )
    return row


def metrics_table(result: PeriodResult) -> list[dict]:
    """One flat row per unit (the city first, then each unit type in rank order), for `citistat metrics`."""
    rows = [metrics_row(result.city)]
    listed = set()
    for unit_type in result.unit_types:
        for unit in result.ranking(unit_type):
            rows.append(metrics_row(unit))
            listed.add(unit.agency)
    untyped = sorted(
        (u for u in result.units if u.agency not in listed), key=lambda u: (u.rank is None, u.rank or 0, u.agency)
    )
    rows.extend(metrics_row(u) for u in untyped)
    return rows
