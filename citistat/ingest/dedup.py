"""One row per ticket across all the files of a load.

Overlapping exports repeat tickets. Rows sharing a ticket_id are grouped:

- a row whose content equals the kept version is an identical copy: collapsed
  and counted as a duplicate (times compare to the minute: one export shows
  seconds, another does not);
- a row that differs is a conflicting version. The kept version is chosen by
  one documented rule: the latest close time (a ticket not closed counts as
  earliest), then the most advanced status (closed > reopened > returned >
  in progress > open > unknown), then the file loaded last (a later export
  carries the newer state). Every version of a conflict is reported;
- a ticket that was reopened (重办) in any version counts once, and the kept
  row is flagged `reopened = True`.

Only the rows whose id repeats are examined row by row, so a million unique
tickets cost one `duplicated()` pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# Columns that say where a row came from, not what the ticket is.
PROVENANCE = ("source_file", "source_sheet", "source_row", "load_order", "status_rank")
DUPLICATE_COLUMNS = [
    "ticket_id",
    "kind",
    "kept",
    "source_file",
    "source_sheet",
    "source_row",
    "status",
    "closed_at",
    "differs_in",
]


@dataclass
class DedupResult:
    tickets: pd.DataFrame  # one row per ticket_id
    dropped: pd.DataFrame  # the rows collapsed away (with source_file), for per-file counts
    duplicates: pd.DataFrame  # every version of each repeated ticket: DUPLICATE_COLUMNS
    conflicts: list[dict]  # per conflicting ticket: ticket_id, versions, kept (file, row)


def deduplicate(rows: pd.DataFrame) -> DedupResult:
    """Collapse repeated ticket ids by the rule above. `rows` needs status_rank and load_order columns."""
    repeated = rows["ticket_id"].duplicated(keep=False)
    if not repeated.any():
        empty = pd.DataFrame(columns=DUPLICATE_COLUMNS)
        return DedupResult(rows, rows.iloc[0:0], empty, [])
    groups = rows[repeated].copy()
    # A profile without a closing time or a status leaves the column out: every version then ties on it.
    for column, dtype in (("closed_at", "datetime64[ns]"), ("status", object)):
        if column not in groups:
            groups[column] = pd.Series(None, index=groups.index, dtype=dtype)
    groups["_closed_key"] = groups["closed_at"].fillna(pd.Timestamp.min)
    groups = groups.sort_values(["ticket_id", "_closed_key", "status_rank", "load_order", "source_row"], kind="stable")
    winners = groups.groupby("ticket_id", sort=False).tail(1)
    winner_of = winners.set_index("ticket_id", drop=False)

    content = [c for c in rows.columns if c not in PROVENANCE]
    comparable = _comparable(groups[content])
    fingerprint = pd.util.hash_pandas_object(comparable.astype(object), index=False)
    winner_print = fingerprint[winners.index].set_axis(winners["ticket_id"].to_numpy())
    identical = fingerprint.to_numpy() == groups["ticket_id"].map(winner_print).to_numpy()
    conflict_ids = set(groups.loc[~identical, "ticket_id"])
    duplicates = _versions_frame(groups, comparable, winners, content, conflict_ids)
    versions = groups["ticket_id"].value_counts()
    kept_at = winner_of[["source_file", "source_sheet", "source_row"]].to_dict("index")
    conflicts = [
        {
            "ticket_id": ticket_id,
            "versions": int(versions[ticket_id]),
            "kept_file": kept_at[ticket_id]["source_file"],
            "kept_sheet": kept_at[ticket_id]["source_sheet"],
            "kept_row": int(kept_at[ticket_id]["source_row"]),
        }
        for ticket_id in groups["ticket_id"].drop_duplicates()
        if ticket_id in conflict_ids
    ]
    reopened_ids = set(groups.loc[groups["reopened"].fillna(False).astype(bool), "ticket_id"])

    keep_index = rows.index[~repeated].union(winners.index)
    tickets = rows.loc[keep_index].sort_index()
    tickets.loc[tickets["ticket_id"].isin(reopened_ids), "reopened"] = True
    dropped = rows.loc[rows.index.difference(keep_index)]
    return DedupResult(tickets, dropped, duplicates, conflicts)


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Content as compared: times to the minute, because one export shows seconds and another does not."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.floor("min")
    return out


def _versions_frame(
    groups: pd.DataFrame, comparable: pd.DataFrame, winners: pd.DataFrame, content: list[str], conflict_ids: set
) -> pd.DataFrame:
    """Every version of every repeated ticket; for conflicts, the columns in which each differs from the kept one."""
    frame = groups[["ticket_id", "source_file", "source_sheet", "source_row", "status", "closed_at"]].copy()
    frame["kept"] = groups.index.isin(winners.index)
    frame["kind"] = frame["ticket_id"].map(lambda t: "conflict" if t in conflict_ids else "identical")
    frame["differs_in"] = ""
    kept_row = comparable.loc[winners.index].set_axis(winners["ticket_id"].to_numpy())
    for index in frame.index[frame["kind"].eq("conflict") & ~frame["kept"]]:
        kept = kept_row.loc[[groups.at[index, "ticket_id"]]].iloc[0]
        frame.at[index, "differs_in"] = ",".join(_differences(comparable.loc[index], kept, content))
    return frame[DUPLICATE_COLUMNS].reset_index(drop=True)


def _differences(version: pd.Series, kept: pd.Series, columns: list[str]) -> list[str]:
    """Names of the content columns in which `version` differs from `kept` (missing equals missing)."""
    changed = []
    for column in columns:
        a, b = version[column], kept[column]
        if pd.isna(a) and pd.isna(b):
            continue
        if pd.isna(a) or pd.isna(b) or a != b:
            changed.append(column)
    return changed
