"""The canonical table a load produces is pinned: the same columns, dtypes and values, row for row.

Ingestion was rewritten for speed (columns worked per distinct value and by position in Arrow
instead of pandas passes). The rest of the pipeline, and every archive written before, depend on
the table staying what it was, so the expected tables, rejects, issues and counts here were
recorded by the code before that rewrite (commit d62397f), on two messy exports of the sample
generator (fixed files: a generator change cannot move them): the same 1,500 tickets as an xlsx
and, in reverse order, as a GB18030 CSV, loaded together (so duplicates and conflicts are in).

    python tests/test_ingest_golden.py --record    # only when the table is meant to change
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent / "fixtures" / "ingest_golden"
FILES = ("messy-1500.xlsx", "messy-1500.csv")
SALT = b"golden salt"


def _load(period: str | None):
    from citistat.config import load_config
    from citistat.ingest import load

    return load([HERE / name for name in FILES], load_config(None), period=period, salt=SALT, lang="en")


def _named(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """`column` (a path) as the file's name: the expectation holds wherever the checkout is."""
    frame = frame.copy()
    frame[column] = frame[column].map(lambda path: Path(str(path)).name).astype(frame[column].dtype)
    return frame


def _record_of(result) -> dict:
    return {
        "files": [
            {
                "file": Path(f.path).name,
                "status": f.status,
                "profile": f.profile,
                "reconciliation": f.reconciliation.to_dict(),
            }
            for f in result.files
        ],
        "total": result.reconciliation.to_dict(),
        "issues": [
            [i.code, i.severity, Path(i.file).name, i.sheet, i.row, i.column, i.raw_value, i.message]
            for i in result.issues
        ],
        "rejects": [
            [Path(str(r["file"])).name, int(r["row"]), r["code"], r["codes"], r["column"]]
            for r in result.rejects[["file", "row", "code", "codes", "column"]].to_dict("records")
        ],
        "duplicates": len(result.duplicates),
        "dtypes": {name: str(dtype) for name, dtype in result.tickets.dtypes.items()},
    }


@pytest.mark.parametrize("period", [None, "2024-03"])
def test_the_canonical_table_is_the_one_recorded_before_the_rewrite(period):
    result = _load(period)
    expected = pd.read_parquet(HERE / f"tickets-{period or 'all'}.parquet")
    tickets = _named(result.tickets, "source_file")
    assert list(tickets.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(tickets, expected, check_exact=True)


@pytest.mark.parametrize("period", [None, "2024-03"])
def test_rejects_issues_and_counts_are_the_ones_recorded_before_the_rewrite(period):
    result = _load(period)
    recorded = json.loads((HERE / f"record-{period or 'all'}.json").read_text(encoding="utf-8"))
    assert _record_of(result) == recorded
    assert result.reconciliation.balances() and all(f.reconciliation.balances() for f in result.files)


def _record() -> None:
    for period in (None, "2024-03"):
        result = _load(period)
        _named(result.tickets, "source_file").to_parquet(HERE / f"tickets-{period or 'all'}.parquet", index=False)
        (HERE / f"record-{period or 'all'}.json").write_text(
            json.dumps(_record_of(result), ensure_ascii=False, indent=0, default=str), encoding="utf-8"
        )


if __name__ == "__main__" and "--record" in sys.argv:
    _record()
