"""Early warning (未诉先办): callers whose grievance is escalating, before it escalates further.

A caller's contacts are grouped into *cases*: the same category at the same place
(district / street / community). Independent calls (different problems or places,
each solved) never form a case of more than one contact, so they raise nothing.
A caller is flagged with every reason that applies at the period's end:

- accelerating: at least `accel_contacts` contacts about one case in the last
  `accel_days` days, and more than in the `accel_days` before those;
- came_back: at least `came_back_min` contacts about a case after one of its
  tickets was marked solved;
- several_agencies: `agencies_min` or more agencies about the same place or the
  same problem, one of those tickets not solved;
- unresolved: a case first raised `unresolved_days` or more before the period's
  end whose latest ticket is not solved.

Score (the list's order), summed over the caller's flagged cases:

    weight_accelerating × contacts in the last accel_days        (accelerating cases)
  + weight_came_back    × contacts after "solved"               (came-back cases)
  + weight_agencies     × (agencies − 1)                        (the widest flagged place or problem)
  + weight_unresolved   × age of the oldest unresolved case / unresolved_days

Pure: reads the canonical tickets, returns plain values; callers are known only by
their salted key and its pseudonym.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from ..foresight import REASONS, EarlyWarning, TimelineEvent
from .foresight_settings import EarlyWarningSettings
from .repeat import PLACE_KEYS, caller_ref, callers_seen_again, period_bounds, place_label

COLUMNS = (
    "ticket_id",
    "caller_key",
    "agency",
    "category",
    "district",
    "street",
    "place",
    "created_at",
    "closed_at",
    "resolved",
    "satisfaction",
)
SOLVED, NOT_SOLVED, OPEN, UNKNOWN = "solved", "not_solved", "open", "unknown"


def window_tickets(tickets: pd.DataFrame, period: str, settings: EarlyWarningSettings) -> pd.DataFrame:
    """Contacts in the look-back window of callers with enough of them, one in the period."""
    start, end = period_bounds(period)
    created = tickets["created_at"]
    keep = (
        (tickets["caller_key"].notna() & (created >= end - pd.Timedelta(days=settings.window_days)) & (created < end))
        .fillna(False)
        .to_numpy(dtype=bool)
    )
    frame = tickets.loc[keep, [c for c in COLUMNS if c in tickets.columns]]
    frame = callers_seen_again(frame, min_tickets=max(settings.min_contacts, 1), since=start)
    return _with_case_columns(frame)


def _outcomes(frame: pd.DataFrame) -> np.ndarray:
    resolved = frame["resolved"].astype("boolean")
    closed = frame["closed_at"].notna().to_numpy()
    return np.select(
        [
            resolved.eq(True).fillna(False).to_numpy(dtype=bool),
            resolved.eq(False).fillna(False).to_numpy(dtype=bool),
            ~closed,
        ],
        [SOLVED, NOT_SOLVED, OPEN],
        UNKNOWN,
    )


def _place_labels(frame: pd.DataFrame) -> pd.Series:
    """ "district / street / community" per row, worded once per distinct place."""
    codes = [pd.factorize(frame[k]) for k in PLACE_KEYS]  # -1 for a missing part
    combined = np.zeros(len(frame), dtype=np.int64)
    for part, values in codes:
        combined = combined * (len(values) + 1) + (part + 1)
    distinct, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    missing = np.array([None], dtype=object)  # what code -1 points to
    parts = [(part[first], np.concatenate([values.to_numpy(dtype=object), missing])) for part, values in codes]
    labels = np.array(
        [place_label(*(values[p] for p, values in ((pp[i], vv) for pp, vv in parts))) for i in range(len(distinct))],
        dtype=object,
    )
    return pd.Series(labels[inverse.reshape(-1)], index=frame.index, dtype="string")


def _with_case_columns(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.assign(
        place_label=_place_labels(frame),
        category_label=frame["category"].astype("string").fillna(""),
        outcome=_outcomes(frame),
    )
    solved = out["outcome"] == SOLVED
    out["solved_at"] = out["closed_at"].fillna(out["created_at"]).where(solved)
    return out.sort_values(["caller_key", "created_at", "ticket_id"], kind="stable")


def _case_table(frame: pd.DataFrame, end: pd.Timestamp, s: EarlyWarningSettings) -> pd.DataFrame:
    """One row per (caller, category, place) case with the measures its reasons read."""
    keys = ["caller_key", "category_label", "place_label"]
    first_solved = frame.groupby(keys)["solved_at"].transform("min")
    days = pd.Timedelta(days=s.accel_days)
    recent = frame["created_at"] >= end - days
    earlier = (frame["created_at"] >= end - 2 * days) & ~recent
    cases = (
        frame.assign(
            after_solved=(frame["created_at"] > first_solved).fillna(False).astype(int),
            recent=recent.astype(int),
            earlier=earlier.astype(int),
        )
        .groupby(keys, sort=False)
        .agg(
            contacts=("ticket_id", "size"),
            after_solved=("after_solved", "sum"),
            recent=("recent", "sum"),
            earlier=("earlier", "sum"),
            first=("created_at", "min"),
            last_outcome=("outcome", "last"),
        )
        .reset_index()
    )
    cases["accelerating"] = (cases["recent"] >= s.accel_contacts) & (cases["recent"] > cases["earlier"])
    cases["came_back"] = cases["after_solved"] >= max(s.came_back_min, 1)
    cases["age_days"] = (end - cases["first"]).dt.days
    cases["unresolved"] = (cases["age_days"] >= s.unresolved_days) & (cases["last_outcome"] != SOLVED)
    return cases


def _agency_spread(frame: pd.DataFrame, s: EarlyWarningSettings) -> pd.Series:
    """caller_key -> the most agencies about one place or one problem of the caller, one of them unsolved
    (0 when no place or problem reaches `agencies_min`)."""
    callers, caller_keys = pd.factorize(frame["caller_key"])
    agencies, _ = pd.factorize(frame["agency"])  # -1 for no agency
    unsolved = (frame["outcome"] != SOLVED).to_numpy()
    widest = np.zeros(len(caller_keys), dtype=int)
    # Integer codes, not text: the groupings below run over every repeat caller's rows.
    for label in ("place_label", "category_label"):
        labels, _ = pd.factorize(frame[label])
        rows = pd.DataFrame({"caller": callers, "label": labels, "agency": agencies, "unsolved": unsolved}).loc[
            (frame[label] != "").to_numpy() & (agencies >= 0)
        ]
        groups = rows.groupby(["caller", "label"]).agg(agencies=("agency", "nunique"), unsolved=("unsolved", "any"))
        spans = groups.loc[groups["unsolved"] & (groups["agencies"] >= s.agencies_min), "agencies"]
        best = spans.groupby(level="caller").max()
        widest[best.index.to_numpy()] = np.maximum(widest[best.index.to_numpy()], best.to_numpy())
    return pd.Series(widest, index=pd.Index(caller_keys, name="caller_key"))


def _caller_table(cases: pd.DataFrame, spread: pd.Series, s: EarlyWarningSettings) -> pd.DataFrame:
    """One row per flagged caller: a column per reason and the score (see the module's docstring)."""
    cases = cases.assign(
        accel_points=cases["recent"].where(cases["accelerating"], 0),
        came_back_points=cases["after_solved"].where(cases["came_back"], 0),
        unresolved_age=cases["age_days"].where(cases["unresolved"]),
    )
    callers = cases.groupby("caller_key", sort=False).agg(
        accelerating=("accelerating", "any"),
        came_back=("came_back", "any"),
        unresolved=("unresolved", "any"),
        accel_points=("accel_points", "sum"),
        after_solved=("came_back_points", "sum"),
        oldest_unresolved=("unresolved_age", "max"),
    )
    callers["agencies"] = spread.reindex(callers.index, fill_value=0)
    callers["several_agencies"] = callers["agencies"] > 0
    callers["score"] = (
        s.weight_accelerating * callers["accel_points"]
        + s.weight_came_back * callers["after_solved"]
        + s.weight_agencies * (callers["agencies"] - 1).clip(lower=0)
        + s.weight_unresolved * callers["oldest_unresolved"].fillna(0) / s.unresolved_days
    ).round(2)
    return callers.loc[callers[list(REASONS)].any(axis=1)]


def _frequent(values) -> list[str]:
    """Distinct non-empty values, most frequent first (ties by name)."""
    counts = Counter(str(v) for v in values if isinstance(v, str) and v)
    return sorted(counts, key=lambda v: (-counts[v], v))


def _event(row: dict) -> TimelineEvent:
    return TimelineEvent(
        date=row["created_at"].strftime("%Y-%m-%d"),
        ticket_id=str(row["ticket_id"]),
        category=row["category"] if isinstance(row["category"], str) else None,
        agency=row["agency"] if isinstance(row["agency"], str) else None,
        outcome=str(row["outcome"]),
        satisfaction=row["satisfaction"] if isinstance(row["satisfaction"], str) else "unknown",
    )


def _lead_cases(cases: pd.DataFrame) -> pd.DataFrame:
    """Per caller, the case the entry's recent/earlier counts describe: a flagged one, the busiest lately."""
    flagged = cases["accelerating"] | cases["came_back"] | cases["unresolved"]
    ordered = cases.assign(flagged=flagged).sort_values(
        ["caller_key", "flagged", "recent", "contacts"], ascending=[True, False, False, False], kind="stable"
    )
    return ordered.drop_duplicates("caller_key").set_index("caller_key")


def _entries(
    frame: pd.DataFrame, cases: pd.DataFrame, callers: pd.DataFrame, start: pd.Timestamp, s: EarlyWarningSettings
) -> list[dict]:
    """The entries of `callers`, in their order; per-caller work in plain Python over their own rows."""
    keys = set(callers.index)
    rows_by_caller: dict[str, list[dict]] = {}
    columns = [
        "caller_key",
        "ticket_id",
        "created_at",
        "category",
        "agency",
        "satisfaction",
        "outcome",
        "category_label",
        "place_label",
    ]
    chosen = frame.loc[frame["caller_key"].isin(keys).to_numpy(), columns]
    chosen = chosen.assign(satisfaction=chosen["satisfaction"].astype("object"))
    for row in chosen.astype({"category": "object", "agency": "object"}).to_dict("records"):
        rows_by_caller.setdefault(row["caller_key"], []).append(row)
    cases = cases.loc[cases["caller_key"].isin(keys).to_numpy()]
    flagged_cases: dict[str, set] = {}
    for caller_key, category, place in cases.loc[
        (cases["accelerating"] | cases["came_back"] | cases["unresolved"]).to_numpy(),
        ["caller_key", "category_label", "place_label"],
    ].itertuples(index=False, name=None):
        flagged_cases.setdefault(caller_key, set()).add((category, place))
    lead = _lead_cases(cases)[["recent", "earlier"]].to_dict("index")
    entries = []
    for caller_key, caller in callers.to_dict("index").items():
        key = str(caller_key)
        rows = rows_by_caller[key]
        own_cases = flagged_cases.get(key)
        case_rows = [r for r in rows if (r["category_label"], r["place_label"]) in own_cases] if own_cases else rows
        entries.append(
            dict(
                caller_key=key,
                score=float(caller["score"]),
                reasons=[r for r in REASONS if bool(caller[r])],
                contacts=len(rows),
                contacts_in_period=sum(r["created_at"] >= start for r in rows),
                recent_contacts=int(lead[key]["recent"]),
                earlier_contacts=int(lead[key]["earlier"]),
                after_solved=int(caller["after_solved"]),
                agencies=_frequent(r["agency"] for r in case_rows),
                categories=_frequent(r["category"] for r in case_rows),
                places=_frequent(r["place_label"] for r in case_rows),
                oldest_unresolved_days=None
                if pd.isna(caller["oldest_unresolved"])
                else int(caller["oldest_unresolved"]),
                first_seen=rows[0]["created_at"].strftime("%Y-%m-%d"),
                last_seen=rows[-1]["created_at"].strftime("%Y-%m-%d"),
                timeline=[_event(r) for r in rows[-s.timeline_size :]] if s.timeline_size else [],
            )
        )
    return entries


def early_warnings(
    tickets: pd.DataFrame, period: str, settings: EarlyWarningSettings, *, limit: int | None = None
) -> tuple[list[EarlyWarning], int]:
    """The flagged callers, highest score first (ties: more contacts, then key), cut to `limit`
    when given, and how many were flagged in all."""
    start, end = period_bounds(period)
    frame = window_tickets(tickets, period, settings)
    if frame.empty:
        return [], 0
    cases = _case_table(frame, end, settings)
    callers = _caller_table(cases, _agency_spread(frame, settings), settings)
    contacts = frame.groupby("caller_key", sort=False).size()
    callers = callers.assign(contacts=contacts.reindex(callers.index)).reset_index()
    callers = callers.sort_values(
        ["score", "contacts", "caller_key"], ascending=[False, False, True], kind="stable"
    ).set_index("caller_key")
    # Only the entries shown get their details: the per-caller work stays small at a million tickets.
    shown = callers if limit is None else callers.head(limit)
    entries = _entries(frame, cases, shown, start, settings)
    return (
        [EarlyWarning(rank=i, caller_ref=caller_ref(e["caller_key"]), **e) for i, e in enumerate(entries, start=1)],
        len(callers),
    )
