"""Reports on an ingest: the rejects files, the JSON and terminal summaries (messages: citistat.messages)."""

from __future__ import annotations

# ------------------------------------------------------------------ per-agency counts

# The per-agency numbers `validate --json` prints, in this order.
AGENCY_COUNT_NAMES: tuple[str, ...] = (
    "n_tickets",
    "responded",
    "not_responded",
    "response_unknown",
    "resolved",
    "not_resolved",
    "resolution_unknown",
    "satisfied",
    "dissatisfied",
    "not_surveyed",
    "refused",
    "unreachable",
)


def agency_counts(tickets) -> list[dict]:
    """Per-agency counts of a canonical table, from the count stage (citistat.count.count_tickets)."""
    from ..count import count_tickets, with_derived

    if tickets.empty:
        return []
    counts = with_derived(count_tickets(tickets, by=("agency",)))
    counts = counts.sort_values(["n_tickets", "agency"], ascending=[False, True], kind="stable")
    return [
        {
            "agency": None if _missing(row["agency"]) else str(row["agency"]),
            **{k: int(row[k]) for k in AGENCY_COUNT_NAMES},
        }
        for _, row in counts.iterrows()
    ]


def _missing(value: object) -> bool:
    return value is None or value != value or str(value) == "<NA>"


# ------------------------------------------------------------------ rejects report


def write_rejects(result, out_dir, stem: str = "rejects", *, scrubber=None, lang: str = "zh-CN") -> list:
    """rejects.csv and rejects.xlsx (every rejected row, formula-injection safe); returns the two paths.

    A row is named by file, sheet, row and ticket id, with the reason and the raw value that failed,
    then its other cells. Personal columns are masked and personal data in any cell replaced
    (`privacy.Scrubber.report_rows`, as for the rejects `build` writes from the archive).
    The xlsx also lists skipped rows, rows outside the period and duplicate versions,
    each on its own sheet, so a clerk can check every row that did not become a ticket.
    """
    from pathlib import Path

    from ..privacy import Scrubber
    from ..safe_io import write_table_csv, write_table_xlsx

    scrubber = scrubber or Scrubber.from_settings()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    def private(header: list[str], rows: list[list[object]]) -> tuple[list[str], list[list[object]]]:
        return header, scrubber.report_rows(header, rows, lang)

    header, rows = private(*_table(result.rejects))
    csv_path = write_table_csv(out / f"{stem}.csv", header, rows)
    sheets = {"rejects": (header, rows)}
    for name, frame in (("skipped", result.skipped), ("excluded", result.excluded), ("duplicates", result.duplicates)):
        sheets[name] = private(*_table(frame))
    sheets["issues"] = private(ISSUE_FIELDS, [[issue.to_dict()[k] for k in ISSUE_FIELDS] for issue in result.issues])
    xlsx_path = write_table_xlsx(out / f"{stem}.xlsx", sheets)
    return [csv_path, xlsx_path]


ISSUE_FIELDS = [
    "severity",
    "code",
    "file",
    "sheet",
    "row",
    "ticket_id",
    "column",
    "column_letter",
    "raw_value",
    "message",
    "hint",
]


def _table(frame) -> tuple[list[str], list[list[object]]]:
    header = [str(c) for c in frame.columns]
    rows = [[_plain(v) for v in record] for record in frame.itertuples(index=False, name=None)]
    return header, rows


def _plain(value: object) -> object:
    """A cell value xlsxwriter and csv understand: text, number, bool or None."""
    import datetime as _dt

    if value is None:
        return None
    try:
        if value != value:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    if str(value) == "<NA>":
        return None
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat(sep=" ") if isinstance(value, _dt.datetime) else value.isoformat()
    if isinstance(value, bool):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value if isinstance(value, (int, float)) else str(value)


# ------------------------------------------------------------------ JSON and terminal summaries


def validation_json(result, counts: list[dict]) -> dict:
    """Everything `validate --json` prints: files, the reconciliation, every issue, per-agency counts."""
    from collections import Counter

    return {
        "ok": result.ok and result.reconciliation.balances(),
        "period": result.period,
        "files": [report.to_dict() for report in result.files],
        "reconciliation": result.reconciliation.to_dict(),
        "issue_counts": dict(sorted(Counter(issue.code for issue in result.issues).items())),
        "issues": [issue.to_dict() for issue in result.issues],
        "agencies": counts,
    }


_SEVERITY_ORDER = {"file": 0, "row": 1, "cell": 2, "info": 3}


def render_text(result, lang: str = "zh-CN", first: int = 20) -> str:
    """A readable summary: one line per file, the total, issue counts by code, the first issues with locations."""
    from collections import Counter
    from pathlib import Path

    from ..messages import load_messages
    from ..terminal import display_width, pad_left_aligned, pad_right_aligned

    t = load_messages(lang)

    def words(name: str) -> str:  # a file status the catalogue does not know shows as it is
        return t(f"ingest_report.{name}") if t.has(f"ingest_report.{name}") else name

    names = ("read", "accepted", "rejected", "excluded", "duplicates", "skipped")
    width = max([display_width(words("file"))] + [display_width(Path(f.path).name) for f in result.files])

    def line(first: str, status: str, cells: list[str]) -> str:
        return f"{pad_left_aligned(first, width)}  {pad_left_aligned(status, 11)} " + " ".join(
            pad_right_aligned(cell, 10) for cell in cells
        )

    lines = [line(words("file"), words("status"), [words(n) for n in names])]
    for report in result.files:
        rec = report.reconciliation
        reason = f"  ({report.reason})" if report.reason else ""
        lines.append(line(Path(report.path).name, words(report.status), [str(getattr(rec, n)) for n in names]) + reason)
    total = result.reconciliation
    state = words("balances") if total.balances() else words("unbalanced")
    lines.append(line(words("total"), state, [str(getattr(total, n)) for n in names]))
    by_code = Counter((issue.severity, issue.code) for issue in result.issues)
    if by_code:
        lines += ["", words("issues") + ":"]
        for (severity, code), count in sorted(
            by_code.items(), key=lambda kv: (_SEVERITY_ORDER.get(kv[0][0], 9), kv[0][1])
        ):
            lines.append(f"  {severity:<5} {code:<24} {count:>8}")
    shown = sorted((i for i in result.issues if i.severity != "info"), key=lambda i: _SEVERITY_ORDER.get(i.severity, 9))
    if shown:
        lines += ["", t("ingest_report.first", n=min(first, len(shown))) + ":"]
        for issue in shown[:first]:
            hint = f" — {issue.hint}" if issue.hint else ""
            lines.append(f"  [{issue.severity}] {issue.location()}: {issue.message}{hint}")
        if len(shown) > first:
            lines.append("  " + t("ingest_report.more", n=len(shown) - first))
    return "\n".join(lines)
