"""The bare reader: the fastest library read of an export into Arrow, and nothing else.

The yardstick for ingestion (its goal is "within 1.3× of the bare read"): xlsx
by fastexcel (calamine, what `polars.read_excel` uses) from the ticket sheet's
header row; CSV by `pyarrow.csv` on every core, decoding GB18030, every column
as text. No header search, no parsing, no checks.

    python -m bench.reader FILE…
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .measure import emit_report
from .naive import HEADER_ROW, SHEET


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reader")
    parser.add_argument("files", type=Path, nargs="+", help="the export (several when it comes in parts)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = sum(read(path) for path in args.files)
    seconds = time.perf_counter() - start
    emit_report({"rows": rows, "stages": {"read": seconds}, "inner_s": seconds})


def read(path: Path) -> int:
    return read_csv(path) if path.suffix.lower() == ".csv" else read_xlsx(path)


def read_xlsx(path: Path) -> int:
    import fastexcel

    return fastexcel.read_excel(str(path)).load_sheet(SHEET, header_row=HEADER_ROW).to_arrow().num_rows


def read_csv(path: Path) -> int:
    from pyarrow import csv

    with open(path, "rb") as handle:
        names = handle.readline() and handle.readline()  # a title row sits above the header
    columns = names.decode("gb18030").rstrip("\r\n").split(",")
    table = csv.read_csv(
        path,
        read_options=csv.ReadOptions(encoding="gb18030", skip_rows=1),
        convert_options=csv.ConvertOptions(column_types=dict.fromkeys(columns, "string")),
    )
    return table.num_rows


if __name__ == "__main__":
    main()
