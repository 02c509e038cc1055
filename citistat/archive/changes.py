"""What changed when a period was stored again: tickets in and out, counts that moved."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

SAMPLE_IDS = 20  # ticket ids listed per direction; the totals are always complete


@dataclass(frozen=True)
class ChangeSummary:
    period: str
    revision: int  # the session revision the data now belongs to
    replaced: bool  # an earlier copy of the period's data existed
    tickets_before: int
    tickets_after: int
    tickets_added: int
    tickets_removed: int
    added_sample: list[str] = field(default_factory=list)
    removed_sample: list[str] = field(default_factory=list)
    # agency -> count column -> (before, after), only for counts that differ
    moved: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    previous_unreadable: bool = False  # the earlier copy failed its hash check, so nothing to compare

    def to_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """A short plain-text account for the run summary."""
        if not self.replaced:
            return [f"{self.period}: stored {self.tickets_after} tickets (revision {self.revision})"]
        out = [
            f"{self.period}: replaced revision {self.revision} data: {self.tickets_before} → {self.tickets_after} tickets "
            f"(+{self.tickets_added} / −{self.tickets_removed})"
        ]
        if self.previous_unreadable:
            out.append("  the previous copy was damaged; no comparison made")
        for agency, columns in self.moved.items():
            moved = ", ".join(f"{name} {before}→{after}" for name, (before, after) in columns.items())
            out.append(f"  {agency}: {moved}")
        return out


def compare_tickets(before: pd.Series, after: pd.Series) -> tuple[list[str], list[str]]:
    """Ticket ids added and removed, sorted."""
    old, new = set(before.dropna().astype(str)), set(after.dropna().astype(str))
    return sorted(new - old), sorted(old - new)


def agency_totals(counts: pd.DataFrame | None) -> dict[str, dict[str, int]]:
    """agency -> additive column -> total, from an agency-grain counts frame."""
    if counts is None or counts.empty or "agency" not in counts:
        return {}
    numeric = [c for c in counts.columns if pd.api.types.is_numeric_dtype(counts[c]) and c != "period"]
    summed = counts.groupby(counts["agency"].astype(str), sort=True)[numeric].sum()
    return {str(agency): {str(c): int(v) for c, v in row.items()} for agency, row in summed.iterrows()}


def moved_counts(
    before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]
) -> dict[str, dict[str, tuple[int, int]]]:
    moved: dict[str, dict[str, tuple[int, int]]] = {}
    for agency in sorted(set(before) | set(after)):
        old, new = before.get(agency, {}), after.get(agency, {})
        columns = {
            name: (old.get(name, 0), new.get(name, 0))
            for name in list(dict.fromkeys([*old, *new]))
            if old.get(name, 0) != new.get(name, 0)
        }
        if columns:
            moved[agency] = columns
    return moved


def summarise(
    period: str,
    revision: int,
    previous: tuple[pd.DataFrame, pd.DataFrame | None] | None,
    tickets: pd.DataFrame,
    agency_counts: pd.DataFrame | None,
    previous_unreadable: bool,
) -> ChangeSummary:
    if previous is None:
        return ChangeSummary(
            period,
            revision,
            previous_unreadable,
            0,
            len(tickets),
            len(tickets),
            0,
            previous_unreadable=previous_unreadable,
        )
    old_tickets, old_counts = previous
    added, removed = compare_tickets(old_tickets["ticket_id"], tickets["ticket_id"])
    return ChangeSummary(
        period,
        revision,
        True,
        len(old_tickets),
        len(tickets),
        len(added),
        len(removed),
        added[:SAMPLE_IDS],
        removed[:SAMPLE_IDS],
        moved_counts(agency_totals(old_counts), agency_totals(agency_counts)),
    )
