"""The normaliser's last step over text: invisible characters out of names, personal data out of free text.

Runs on the canonical columns of one table before anything is stored, counted or reported:

- control, bidi-override and zero-width characters are removed from every text field (names
  included): they can reverse how a name prints or hide a character no font draws;
- every field of the privacy settings (`privacy.Scrubber.fields`) has its personal data replaced
  by a typed placeholder; the count per field and pattern goes into the data-quality report,
  never the values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..names import INVISIBLE, codepoints, invisible_in, strip_invisible
from ..privacy import Scrubber, arrow_distinct
from ..quality import CELL, INFO

if TYPE_CHECKING:
    from .normalise import _Context

# Fields whose invisible characters are removed: every name and label a book can print.
NAME_FIELDS = (
    "agency",
    "agency_raw",
    "unit_type",
    "category",
    "subcategory",
    "district",
    "street",
    "place",
    "channel",
    "status",
    "title",
)


def scrub_table(
    ctx: _Context, columns: dict[str, pd.Series], scrubber: Scrubber, live: pd.Series
) -> dict[str, pd.Series]:
    """The text fields of `columns` (canonical field -> column) cleaned, reporting what changed on the live rows."""
    out: dict[str, pd.Series] = {}
    for name in NAME_FIELDS:
        if name in columns:
            out[name] = clean_names(ctx, name, columns[name], live)
    for name in scrubber.fields:
        if name in columns:
            out[name] = scrub_column(ctx, name, out.get(name, columns[name]), scrubber)
    return out


def scrub_column(ctx: _Context, name: str, values: pd.Series, scrubber: Scrubber) -> pd.Series:
    """One field's personal data replaced (removed from a key field); the count by pattern becomes an issue."""
    if values.empty:
        return values
    cleaned, counts = scrubber.series(values.astype("string"), key=name in scrubber.key_fields)
    if counts:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
        ctx.issue(
            "personal_data_redacted",
            INFO,
            None,
            _column_field(ctx, name),
            kinds,
            count=sum(counts.values()),
            field=name,
            **_field_label(ctx, name),
        )
    return cleaned


def clean_names(ctx: _Context, name: str, values: pd.Series, live: pd.Series) -> pd.Series:
    """`values` without invisible characters; one CELL issue for the column when some had them."""
    import numpy as np
    import pyarrow.compute as pc

    if values.empty:
        return values
    distinct, codes = arrow_distinct(values)
    flagged = np.asarray(
        pc.match_substring_regex(distinct, INVISIBLE).fill_null(False).to_numpy(zero_copy_only=False), dtype=bool
    )
    if not flagged.any():
        return values
    hits = np.flatnonzero(flagged)
    before = distinct.take(hits).to_pylist()  # only the few distinct values that need it
    cleaned = np.empty(len(distinct), dtype=object)  # None throughout
    cleaned[hits] = np.array([strip_invisible(text) or None for text in before], dtype=object)
    rows = flagged[codes] & (codes >= 0)
    result = values.astype("string").copy()
    result[rows] = pd.array(cleaned[codes[rows]], dtype="string")
    changed = rows & live.to_numpy(dtype=bool)
    if changed.any():
        first = int(np.flatnonzero(changed)[0])
        removed = sorted({ch for text in before for ch in invisible_in(text)})
        ctx.issue(
            "invisible_characters",
            CELL,
            first,
            _column_field(ctx, name),
            result.iloc[first],
            count=int(changed.sum()),
            chars=codepoints(removed[:8]),
            field=name,
            **_field_label(ctx, name),
        )
    return result


def _field_label(ctx: _Context, name: str) -> dict[str, str]:
    """The canonical field's name stands in for the column of a field no file column holds (a derived one)."""
    return {} if _column_field(ctx, name) else {"column": name}


def _column_field(ctx: _Context, name: str) -> str | None:
    """The field whose file column an issue names: agency_raw and unit_type come from the agency column."""
    name = "agency" if name in ("agency_raw", "unit_type") else name
    return name if name in ctx.columns else None
