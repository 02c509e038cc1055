"""The normaliser's last step over text: invisible characters out of names, personal data out of free text.

Runs on the canonical columns of one table before anything is stored, counted or reported:

- control, bidi-override and zero-width characters are removed from every text field (names
  included): they can reverse how a name prints or hide a character no font draws;
- every field of the privacy settings (`privacy.Scrubber.fields`) has its personal data replaced
  by a typed placeholder; the count per field and pattern goes into the data-quality report,
  never the values.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from ..privacy import Scrubber
from ..quality import CELL, INFO

if TYPE_CHECKING:
    from .normalise import _Context

# C0 and C1 controls (TAB, LF and CR included: a name is one line), bidi embeddings, overrides,
# isolates and marks, zero-width characters and the soft hyphen. RE2 syntax (Arrow) and Python's.
INVISIBLE = (
    r"[\x00-\x1f\x7f-\x9f\x{00AD}\x{061C}\x{180E}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}"
    r"\x{2066}-\x{2069}\x{FEFF}]"
)
_INVISIBLE_PY = re.compile(INVISIBLE.replace(r"\x{", r"\u").replace("}", ""))  # the same class for Python's re
# Fields whose invisible characters are removed: every name and label a book can print.
NAME_FIELDS = ("agency", "agency_raw", "unit_type", "category", "subcategory", "district", "street", "place",
               "channel", "status", "title")


def scrub_table(ctx: "_Context", out: dict[str, pd.Series], scrubber: Scrubber, live: pd.Series) -> None:
    """Clean `out` (canonical field -> column) in place, reporting what changed on the live rows."""
    for name in NAME_FIELDS:
        if name in out:
            out[name] = _strip_invisible(ctx, name, out[name], live)
    for name in scrubber.fields:
        if name in out and not out[name].empty:
            out[name], counts = scrubber.series(out[name].astype("string"), key=name in scrubber.key_fields)
            if counts:
                total = sum(counts.values())
                kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))
                ctx.issue("personal_data_redacted", INFO, None, _column_field(ctx, name), kinds, count=total,
                          field=name, **_field_label(ctx, name))


def _strip_invisible(ctx: "_Context", name: str, values: pd.Series, live: pd.Series) -> pd.Series:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if values.empty:
        return values
    text = values.astype("string")
    array = pa.array(text.astype(object).to_numpy(), type=pa.large_string(), from_pandas=True)
    found = np.asarray(pc.match_substring_regex(array, INVISIBLE).fill_null(False).to_numpy(zero_copy_only=False),
                       dtype=bool)
    if not found.any():
        return values
    cleaned = pc.utf8_trim_whitespace(pc.replace_substring_regex(array, INVISIBLE, ""))
    result = pd.Series(cleaned.to_pandas(), index=values.index).astype("string")
    result = result.where(result.ne(""), pd.NA)
    changed = found & live.to_numpy(dtype=bool)
    if changed.any():
        first = int(np.flatnonzero(changed)[0])
        removed = sorted({ch for value in text[changed].drop_duplicates() for ch in _invisible_in(str(value))})
        ctx.issue("invisible_characters", CELL, first, _column_field(ctx, name), result.iloc[first],
                  count=int(changed.sum()), chars=", ".join(f"U+{ord(ch):04X}" for ch in removed[:8]),
                  field=name, **_field_label(ctx, name))
    return result


def _invisible_in(text: str) -> set[str]:
    return set(_INVISIBLE_PY.findall(text))


def _field_label(ctx: "_Context", name: str) -> dict[str, str]:
    """The canonical field's name stands in for the column of a field no file column holds (a derived one)."""
    return {} if _column_field(ctx, name) else {"column": name}


def _column_field(ctx: "_Context", name: str) -> str | None:
    """The field whose file column an issue names: agency_raw and unit_type come from the agency column."""
    name = "agency" if name in ("agency_raw", "unit_type") else name
    return name if name in ctx.columns else None
