"""The public tables of one period: rates per unit with n and intervals, and counts at every grain.

Only counts and rates leave: no ticket text, no caller key, no notes. Small cells are
withheld (see suppression.py) and a rate is withheld when its denominator is below the
threshold or any count it is made of is withheld in the agency table.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..count import GRAINS, with_derived
from ..results import METRICS
from .suppression import suppress

# Published count columns; the three answer groups each add up to n_tickets.
PUBLIC_COUNTS: tuple[str, ...] = (
    "n_tickets",
    "responded",
    "not_responded",
    "response_unknown",
    "resolved",
    "not_resolved",
    "resolution_unknown",
    "satisfied",
    "dissatisfied",
    "satisfaction_unknown",
    "closed",
    "closed_on_time",
    "overdue",
    "reopened",
)
ANSWER_GROUPS: tuple[tuple[str, ...], ...] = (
    ("responded", "not_responded", "response_unknown"),
    ("resolved", "not_resolved", "resolution_unknown"),
    ("satisfied", "dissatisfied", "satisfaction_unknown"),
)
# The counts each rate is made of, in the published table.
RATE_PARTS: dict[str, tuple[str, ...]] = {
    "response": ("responded", "not_responded"),
    "resolution": ("resolved", "not_resolved"),
    "satisfaction": ("satisfied", "dissatisfied"),
}
# Rows of a finer grain add up to a row of a coarser one: these keys group them.
PARENT_KEYS: dict[str, tuple[str, ...]] = {
    "agency": ("unit_type",),
    "category": ("agency",),
    "district": ("agency",),
    "street": ("agency", "district"),
    "place": ("agency", "district", "street"),
    "channel": ("agency",),
}
RATE_COLUMNS: tuple[str, ...] = (
    "period",
    "level",
    "unit_type",
    "agency",
    "metric",
    "n_tickets",
    "n",
    "rate",
    "ci_low",
    "ci_high",
    "suppressed",
)


@dataclass(frozen=True)
class PublicTable:
    name: str  # "rates" or "counts-<grain>"
    keys: tuple[str, ...]
    frame: pd.DataFrame
    suppressed_rows: int


def public_counts(grain: str, counts: pd.DataFrame, threshold: int) -> PublicTable:
    """One grain's counts in the public columns, small cells withheld."""
    keys = GRAINS[grain]
    frame = with_derived(counts).reset_index(drop=True)
    frame["satisfaction_unknown"] = (
        frame["not_surveyed"] + frame["refused"] + frame["unreachable"] + frame["satisfaction_unknown"]
    )
    frame = frame[[*keys, *PUBLIC_COUNTS]].sort_values(list(keys), kind="stable").reset_index(drop=True)
    for key in keys:
        frame[key] = frame[key].astype("string")
    out, flagged = suppress(
        frame, PUBLIC_COUNTS, threshold=threshold, row_groups=ANSWER_GROUPS, parents=PARENT_KEYS.get(grain, ())
    )
    out["suppressed"] = flagged.to_numpy()
    return PublicTable(f"counts-{grain}", keys, out, int(flagged.sum()))


def public_rates(
    period: str,
    agency_counts: pd.DataFrame,
    published_agency: pd.DataFrame,
    definitions,
    threshold: int,
    *,
    confidence: float = 0.95,
    city_name: str = "",
) -> PublicTable:
    """Rates of the city, of each unit type and of each agency, with n, the interval, and what was withheld."""
    counts = agency_counts.reset_index(drop=True)
    rows: list[dict] = []
    city = counts.drop(columns=["period", "agency", "unit_type"]).sum(numeric_only=True).to_dict()
    rows += _rate_rows(period, "city", None, city_name, city, definitions, threshold, confidence, hidden=set())
    for unit_type, part in counts.groupby("unit_type", dropna=False, sort=True):
        totals = part.drop(columns=["period", "agency", "unit_type"]).sum(numeric_only=True).to_dict()
        label = None if pd.isna(unit_type) else str(unit_type)
        rows += _rate_rows(period, "unit_type", label, None, totals, definitions, threshold, confidence, hidden=set())
    shown = published_agency.set_index("agency")
    for record in counts.sort_values("agency").to_dict("records"):
        published = shown.loc[record["agency"]]
        hidden = {c for c in PUBLIC_COUNTS if pd.isna(published[c])}
        agency_type = None if pd.isna(record["unit_type"]) else str(record["unit_type"])
        rows += _rate_rows(
            period,
            "agency",
            agency_type,
            str(record["agency"]),
            record,
            definitions,
            threshold,
            confidence,
            hidden=hidden,
        )
    frame = pd.DataFrame(rows, columns=list(RATE_COLUMNS))
    frame["n_tickets"] = frame["n_tickets"].astype("Int64")
    frame["n"] = frame["n"].astype("Int64")
    return PublicTable(
        "rates", ("period", "level", "unit_type", "agency", "metric"), frame, int(frame["suppressed"].sum())
    )


def _rate_rows(
    period, level, unit_type, agency, counts: dict, definitions, threshold: int, confidence: float, *, hidden: set[str]
) -> list[dict]:
    from ..score.rates import rate_stat

    rows = []
    n_tickets = int(counts.get("n_tickets", 0))
    for metric in METRICS:
        stat = rate_stat(metric, counts, definitions, confidence)
        withheld = stat.denominator < threshold or bool(hidden & set(RATE_PARTS[metric])) or "n_tickets" in hidden
        rows.append(
            {
                "period": period,
                "level": level,
                "unit_type": unit_type,
                "agency": agency,
                "metric": metric,
                "n_tickets": None if "n_tickets" in hidden else n_tickets,
                "n": None if withheld else stat.denominator,
                "rate": None if withheld or stat.value is None else round(stat.value, 6),
                "ci_low": None if withheld or stat.ci_low is None else round(stat.ci_low, 6),
                "ci_high": None if withheld or stat.ci_high is None else round(stat.ci_high, 6),
                "suppressed": withheld,
            }
        )
    return rows
