"""The agencies of the synthetic city and how well each one performs, month by month.

Most units answer 90–99 % of call-backs well; a few are weak, two improve over
the year, and one shows a pattern integrity screens should question (a jump in
基本满意 and tickets closed within minutes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .catalog import (
    DEPARTMENT,
    DEPARTMENTS,
    DISTRICTS,
    RENAME_FROM,
    RENAME_LAST_DAY_OLD,
    RENAMED_NEW,
    RENAMED_OLD,
    STREET_OFFICE,
    STREETS,
)

ORDINARY = "ordinary"
WEAK = "weak"
IMPROVING = "improving"
SUSPICIOUS = "suspicious"

WEAK_UNITS = ("市住房和城乡建设委员会", "望京街道", "长辛店镇")
IMPROVING_UNITS = ("市水务局", "交道口街道")
SUSPICIOUS_UNIT = "右安门街道"
SUSPICIOUS_FROM = "2023-12"  # first period of the odd pattern
HIGHLIGHTED_UNITS = (*WEAK_UNITS, *IMPROVING_UNITS, SUSPICIOUS_UNIT)

# The improvement runs over these twelve months (progress 0 → 1), whatever periods are generated,
# so a period looks the same whether it is generated alone or in a series.
IMPROVEMENT_START = "2023-03"
IMPROVEMENT_MONTHS = 12

MIN_AGENCIES = 2
MAX_AGENCIES = len(DEPARTMENTS) + len(STREETS)

# Short forms seen in exports, keyed by the name in use; the alias table maps them back.
ABBREVIATIONS: dict[str, str] = {
    RENAMED_OLD: "城管委",
    RENAMED_NEW: "城管局",
    "市住房和城乡建设委员会": "住建委",
    "市交通委员会": "交通委",
    "市市场监督管理局": "市场监管局",
    "市人力资源和社会保障局": "人社局",
    "市卫生健康委员会": "卫健委",
    "市公安局公安交通管理局": "交管局",
}


@dataclass(frozen=True)
class Rates:
    """Probabilities behind one unit's call-back answers in one month."""

    respond: float
    resolve: float
    satisfy: float  # target satisfaction rate among surveyed tickets
    basic_share: float  # share of satisfied answers that are 基本满意
    quick_close_share: float  # share of closed tickets closed within minutes


@dataclass(frozen=True)
class Agency:
    name: str  # the current canonical name
    unit_type: str
    district: str | None
    role: str
    base: Rates

    def name_in(self, period: str) -> str:
        """The name the export system used in `period` (the renamed department kept its old name before)."""
        if self.name == RENAMED_NEW and period < RENAME_FROM:
            return RENAMED_OLD
        return self.name

    def rates_in(self, period: str) -> Rates:
        if self.role == IMPROVING:
            return _improving_rates(months_between(IMPROVEMENT_START, period) / IMPROVEMENT_MONTHS, self.base)
        if self.role == SUSPICIOUS and period >= SUSPICIOUS_FROM:
            return Rates(respond=0.999, resolve=0.99, satisfy=0.997, basic_share=0.62, quick_close_share=0.40)
        return self.base


def months_between(start: str, end: str) -> int:
    (y0, m0), (y1, m1) = (map(int, start.split("-")), map(int, end.split("-")))
    return (y1 - y0) * 12 + (m1 - m0)


def _improving_rates(progress: float, base: Rates) -> Rates:
    t = min(max(progress, 0.0), 1.0)

    def ramp(start: float, end: float) -> float:
        return start + (end - start) * t

    return Rates(ramp(0.88, 0.985), ramp(0.76, 0.95), ramp(0.78, 0.965), base.basic_share, 0.0)


def select_agencies(count: int, rng: np.random.Generator) -> list[Agency]:
    """`count` agencies, about a third of them municipal departments, with their base rates."""
    if not MIN_AGENCIES <= count <= MAX_AGENCIES:
        raise ValueError(f"agencies must be between {MIN_AGENCIES} and {MAX_AGENCIES}, not {count}")
    departments = min(max(1, round(count / 3)), len(DEPARTMENTS))
    streets = count - departments
    if streets > len(STREETS):
        departments, streets = count - len(STREETS), len(STREETS)
    units: list[tuple[str, str, str | None]] = [(name, DEPARTMENT, None) for name in DEPARTMENTS[:departments]]
    units += [(name, STREET_OFFICE, district) for name, district in STREETS[:streets]]
    return [
        Agency(name, unit_type, district, _role(name), _base_rates(_role(name), rng))
        for name, unit_type, district in units
    ]


def _role(name: str) -> str:
    if name in WEAK_UNITS:
        return WEAK
    if name in IMPROVING_UNITS:
        return IMPROVING
    if name == SUSPICIOUS_UNIT:
        return SUSPICIOUS
    return ORDINARY


def _base_rates(role: str, rng: np.random.Generator) -> Rates:
    # Always draw the same numbers of values so one unit's role does not shift every later unit's rates.
    respond, resolve, satisfy, basic = rng.random(4)
    if role == WEAK:
        return Rates(0.85 + 0.07 * respond, 0.74 + 0.08 * resolve, 0.76 + 0.08 * satisfy, 0.10 + 0.08 * basic, 0.0)
    return Rates(0.965 + 0.03 * respond, 0.91 + 0.08 * resolve, 0.94 + 0.055 * satisfy, 0.05 + 0.10 * basic, 0.0)


def roster_rows(agencies: list[Agency]) -> list[dict[str, str]]:
    """Rows of config/agencies/roster.csv: agency,unit_type,district."""
    # Departments first, then street offices district by district; the stable sort keeps the catalog order within.
    ordered = sorted(
        agencies, key=lambda a: (a.unit_type != DEPARTMENT, DISTRICTS.index(a.district) if a.district else -1)
    )
    return [{"agency": a.name, "unit_type": a.unit_type, "district": a.district or ""} for a in ordered]


def alias_rows(agencies: list[Agency]) -> list[dict[str, str]]:
    """Rows of config/agencies/aliases.csv: the rename and the short forms of the agencies present."""
    present = {a.name for a in agencies}
    rows = []
    if RENAMED_NEW in present:
        rows.append({"alias": RENAMED_OLD, "canonical": RENAMED_NEW, "valid_from": "", "valid_to": RENAME_LAST_DAY_OLD})
    for name_in_use, short in ABBREVIATIONS.items():
        canonical = RENAMED_NEW if name_in_use == RENAMED_OLD else name_in_use
        if canonical not in present:
            continue
        valid_to = RENAME_LAST_DAY_OLD if name_in_use == RENAMED_OLD else ""
        rows.append({"alias": short, "canonical": canonical, "valid_from": "", "valid_to": valid_to})
    return rows
