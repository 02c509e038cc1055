"""The ranking and metrics tables as a spreadsheet, for staff who want to sort and filter."""

from __future__ import annotations

from pathlib import Path

from ..briefing import BriefingInputs
from ..messages import Messages, load_messages
from ..results import METRICS, UnitResult
from ..safe_io import write_table_xlsx


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


def export_tables_xlsx(inputs: BriefingInputs, path: Path) -> Path:
    """One sheet with every unit and the city, then one ranking sheet per unit type."""
    t = load_messages(inputs.lang)
    result = inputs.result
    columns = header(t)
    sheets = {t("table.sheet_all"): (columns, [row(result.city)] + [row(u) for u in result.units])}
    for unit_type in result.unit_types:
        sheets[f"{t('table.sheet_ranking')} {unit_type}"] = (columns, [row(u) for u in result.ranking(unit_type)])
    return write_table_xlsx(path, sheets)
