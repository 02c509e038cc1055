"""The ranking and metrics tables as a spreadsheet, for staff who want to sort and filter."""

from __future__ import annotations

from pathlib import Path

from ..briefing import BriefingInputs
from ..messages import Messages, load_messages
from ..results import METRICS, PeriodResult, UnitResult
from ..safe_io import write_table_xlsx
from ..score.definitions import ANY_UNIT_TYPE


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def header(t: Messages) -> list[str]:
    columns = [t("table.rank"), t("table.agency"), t("table.unit_type"), t("table.tickets")]
    for metric in METRICS:
        name = t(f"metric.{metric}")
        columns += [
            f"{name} %",
            f"{name} n",
            f"{name} {t('table.shortfall')}",
            f"{name} {t('table.unknown')}",
            f"{name} {t('table.ci_low')}",
            f"{name} {t('table.ci_high')}",
            f"{name} {t('table.delta_pp')}",
            f"{name} {t('table.significant')}",
        ]
    return columns + [t("table.score"), t("table.small_n"), t("table.status")]


def row(unit: UnitResult) -> list[object]:
    cells: list[object] = [unit.rank, unit.agency, unit.unit_type, unit.n_tickets]
    for metric in METRICS:
        rate = unit.rates.get(metric)
        delta = unit.deltas.get(metric, {}).get("previous")
        if rate is None:
            cells += [None] * 8
            continue
        cells += [
            _percent(rate.value),
            rate.denominator,
            rate.shortfall,
            rate.unknown,
            _percent(rate.ci_low),
            _percent(rate.ci_high),
            None if delta is None or delta.pp is None else round(delta.pp, 2),
            None if delta is None else delta.significant,
        ]
    return cells + [None if unit.score is None else round(unit.score, 2), unit.small_n, unit.status]


def score_heading(result: PeriodResult, unit_type: str | None, t: Messages) -> str:
    """The score column's heading with the weights the composite of `unit_type` used, e.g.
    "Score (Response 50%, Resolution 50%)"; plain when the result records none (an older archive)."""
    effective = (result.definitions or {}).get("weights_effective") or {}
    if not effective:
        return t("table.score")
    used = effective.get(unit_type or "—", effective.get(ANY_UNIT_TYPE, {}))
    weights = ", ".join(f"{t(f'metric.{m}')} {w:.0%}" for m, w in used.items()) or t("table.no_weighted_rate")
    return f"{t('table.score')} ({weights})"


def weight_sheet(result: PeriodResult, t: Messages) -> tuple[list[str], list[list[object]]]:
    """Per unit type: the weights in force as configured, the weights the composite used, the rates left out."""
    definitions = result.definitions or {}
    configured = definitions.get("weights_in_force") or {}
    columns = [t("table.unit_type"), t("methods.version")]
    columns += [f"{t(f'metric.{m}')} {t('table.weight_configured')}" for m in METRICS]
    columns += [f"{t(f'metric.{m}')} {t('table.weight_used')}" for m in METRICS]
    columns.append(t("table.not_in_data"))
    rows = []
    for unit_type, used in (definitions.get("weights_effective") or {}).items():
        base = configured.get(unit_type) or configured.get(ANY_UNIT_TYPE) or {}
        left_out = [t(f"metric.{m}") for m in METRICS if base.get(m, 0) > 0 and m not in used]
        label = t("legend.all_units") if unit_type == ANY_UNIT_TYPE else unit_type
        rows.append(
            [label, base.get("version")]
            + [base.get(m) for m in METRICS]
            + [round(used[m], 4) if m in used else None for m in METRICS]
            + [", ".join(left_out) or None]
        )
    if definitions.get("date_precision") == "day":
        rows.append([t("methods.day_only")])
    return columns, rows


def export_tables_xlsx(inputs: BriefingInputs, path: Path) -> Path:
    """One sheet with every unit and the city, one ranking sheet per unit type (its score column names the
    weights the composite used), then the weights in force."""
    t = load_messages(inputs.lang)
    result = inputs.result
    columns = header(t)
    every = [*columns[:-3], f"{t('table.score')} ({t('table.see_weights')})", *columns[-2:]]
    sheets = {t("table.sheet_all"): (every, [row(result.city)] + [row(u) for u in result.units])}
    for unit_type in result.unit_types:
        ranked = [*columns[:-3], score_heading(result, unit_type, t), *columns[-2:]]
        sheets[f"{t('table.sheet_ranking')} {unit_type}"] = (ranked, [row(u) for u in result.ranking(unit_type)])
    sheets[t("table.sheet_weights")] = weight_sheet(result, t)
    return write_table_xlsx(path, sheets)
