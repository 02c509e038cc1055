"""JSON: Open311 GeoReport v2 service requests, or a list of records (NYC Open Data, Socrata rows.json)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from .header import cell_label, finish_names
from .rawtable import FileFailure, Limits, RawTable
from .read_common import _check_cells, _check_rows, _check_width, _decoded_text
from .safety import read_bounded

# ---------------------------------------------------------------- JSON


# Keys under which APIs wrap their list of records.
_RECORD_KEYS = ("service_requests", "requests", "records", "data", "results", "items", "features")


def read_json(path: str, limits: Limits) -> RawTable:
    """Open311 GeoReport v2 (a list of service requests) or a list of records (NYC Open Data, Socrata rows.json)."""
    file = str(path)
    text, encoding = _decoded_text(read_bounded(path), file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFailure.of(
            "corrupt_file.json", file, detail=f"{exc.msg}: line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:  # nesting deeper than the interpreter's recursion limit: no export looks like that
        raise FileFailure.of("corrupt_file.json_depth", file) from None
    except ValueError as exc:  # a number of more than 4,300 digits
        raise FileFailure.of("corrupt_file.json", file, detail=str(exc).partition(";")[0]) from None
    found = _json_records(document)
    if found is None:
        raise FileFailure.of("unknown_format.json", file)
    records, columns = found
    _check_rows(len(records), file, limits)
    _check_width(len(columns), file, limits)
    _check_cells(len(records), len(columns), file, limits)
    frame = (
        pd.DataFrame.from_records(records, columns=columns) if records else pd.DataFrame(columns=columns, dtype=object)
    )
    try:
        for name in frame.columns:
            if frame[name].dtype == object:
                frame[name] = frame[name].map(_json_cell)
    except RecursionError:
        raise FileFailure.of("corrupt_file.json_depth", file) from None
    names = finish_names([cell_label(c) for c in frame.columns])
    frame.columns = names
    return RawTable(
        file=file,
        sheet=None,
        format="json",
        encoding=encoding,
        header_rows=[],
        columns=names,
        column_letters=[None] * len(names),
        data=frame,
        row_numbers=np.arange(1, len(frame) + 1, dtype=np.int64),
    )


def _json_records(document: Any) -> tuple[list[dict], list[str]] | None:
    """(the records, the union of their keys), or None when the document holds no list of records."""
    if isinstance(document, dict):
        socrata = _socrata_columns(document)
        if socrata and isinstance(document.get("data"), list):  # Socrata rows.json: rows are lists
            columns = finish_names([cell_label(c.get("name") or c.get("fieldName")) for c in socrata])
            return [dict(zip(columns, row)) for row in document["data"] if isinstance(row, list)], columns
        for key in _RECORD_KEYS:
            if isinstance(document.get(key), list):
                return _json_records(document[key])
        return None
    if isinstance(document, list) and all(isinstance(item, dict) for item in document):
        keys: dict[str, None] = {}
        for record in document:  # union of keys, in order of first appearance
            for key in record:
                keys.setdefault(str(key), None)
        return [{str(k): v for k, v in r.items()} for r in document], list(keys)
    return None


def _socrata_columns(document: dict) -> list[dict] | None:
    """meta.view.columns of a Socrata rows.json when it is a list of column objects; None otherwise."""
    meta = document.get("meta")
    view = meta.get("view") if isinstance(meta, dict) else None
    columns = view.get("columns") if isinstance(view, dict) else None
    if isinstance(columns, list) and columns and all(isinstance(c, dict) for c in columns):
        return columns
    return None


def _json_cell(value: Any) -> Any:
    """Nested objects (GeoJSON points, attribute lists) kept as JSON text; scalars as they are."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value
