"""The canonical ticket table: one row per distinct ticket, no personal data.

Every stage after ingest speaks this table. Ingest builds it; count reads it;
the archive stores it as Parquet. See docs/architecture.md.
"""

from __future__ import annotations

import pandas as pd

# Satisfaction answers after normalisation. "neutral" (一般, "neither satisfied nor dissatisfied") is a
# declared middle answer: by default it is in the denominator and not satisfied (top-two-box), see
# [rates] neutral in config/scoring.toml. The last four are "unknown" kinds: they are counted and shown,
# and they are in no satisfaction denominator.
SATISFACTION_LEVELS: tuple[str, ...] = (
    "very_satisfied",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "very_dissatisfied",
    "neutral",
    "not_surveyed",
    "refused",
    "unreachable",
    "unknown",
)

# column -> pandas dtype. Order is the order of the Parquet file.
CANONICAL_COLUMNS: dict[str, str] = {
    "ticket_id": "string",
    "created_at": "datetime64[ns]",
    "period": "string",  # "YYYY-MM" of created_at
    "agency": "string",
    "agency_raw": "string",
    "unit_type": "string",
    "category": "string",
    "subcategory": "string",
    "district": "string",
    "street": "string",
    "place": "string",  # village/community or point: for "places that keep coming back"
    # WGS84 degrees where the export has them (NYC, LA 311): only ever shown binned, cells under 5 suppressed
    "latitude": "Float64",
    "longitude": "Float64",
    "channel": "string",
    "status": "string",
    "title": "string",  # short free text; internal edition only
    "closed_at": "datetime64[ns]",
    "due_at": "datetime64[ns]",
    "responded": "boolean",
    "resolved": "boolean",
    "satisfaction": "category",
    "valid_callback": "boolean",
    "reopened": "boolean",
    "caller_key": "string",
    "source_file": "string",
    "source_sheet": "string",
    "source_row": "Int64",
}


def satisfaction_dtype() -> pd.CategoricalDtype:
    return pd.CategoricalDtype(categories=list(SATISFACTION_LEVELS), ordered=False)


def empty_tickets() -> pd.DataFrame:
    """A canonical table with no rows and the right dtypes."""
    return conform({name: [] for name in CANONICAL_COLUMNS})


def conform(frame: pd.DataFrame | dict) -> pd.DataFrame:
    """Return `frame` with exactly the canonical columns, in order, with canonical dtypes.

    Missing optional columns are added as all-null. Unknown columns are dropped,
    so personal data can never leak through an extra column.
    """
    frame = pd.DataFrame(frame)
    out = {}
    n = len(frame)
    for name, dtype in CANONICAL_COLUMNS.items():
        column = frame[name] if name in frame else pd.Series([None] * n, index=frame.index)
        if name == "satisfaction":
            column = column.astype("object").where(column.notna(), "unknown")
            out[name] = column.astype(satisfaction_dtype())
        elif dtype.startswith("datetime"):
            out[name] = pd.to_datetime(column).astype(pd.api.types.pandas_dtype(dtype))
        else:
            out[name] = column.astype(pd.api.types.pandas_dtype(dtype))
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def period_of(created_at: pd.Series) -> pd.Series:
    """The "YYYY-MM" period a ticket belongs to: the month it was created in."""
    return created_at.dt.strftime("%Y-%m").astype("string")
