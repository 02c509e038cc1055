"""The three rates from additive counts, for follow-ups ("has the metric moved since?").

Only what the follow-up ledger needs; the score stage owns the full definitions
(weights, partial credit). Unknown answers are in no denominator, and a zero
denominator gives None (N/A), never 0 or 1.
"""

from __future__ import annotations

from collections.abc import Mapping

METRICS: tuple[str, ...] = ("response", "resolution", "satisfaction")

_YES_NO: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "response": (("responded",), ("not_responded",)),
    "resolution": (("resolved",), ("not_resolved",)),
    "satisfaction": (("very_satisfied", "satisfied_plain", "basically_satisfied"),
                     ("dissatisfied_plain", "very_dissatisfied")),
}


def rate(counts: Mapping[str, int | float], metric: str) -> float | None:
    yes_columns, no_columns = _YES_NO[metric]
    yes = sum(counts.get(c, 0) or 0 for c in yes_columns)
    no = sum(counts.get(c, 0) or 0 for c in no_columns)
    return yes / (yes + no) if yes + no else None
