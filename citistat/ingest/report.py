"""Reports on an ingest: the message catalogue, the rejects files, the JSON and terminal summaries.

Reason codes are stable (scripts and the archive key on them); the wording
may improve. Templates take named fields such as {column}, {value}, {count}; English ones add {s}, "s" unless the count is 1.
"""

from __future__ import annotations

# code -> lang -> (message template, hint template)
CATALOGUE: dict[str, dict[str, tuple[str, str]]] = {
    "missing_required": {
        "zh-CN": ("必填字段“{column}”为空，该行未计入", "在原表补全“{column}”后重新导入"),
        "en": ("required value {column!r} is empty; the row is rejected", "fill in {column!r} in the source file and load it again"),
    },
    "bad_date": {
        "zh-CN": ("“{column}”的值 {value!r} 不是可识别的日期（格式或日期本身无效）", "改为输入配置中声明的格式之一：{formats}"),
        "en": ("{column!r} value {value!r} is not a valid date in any declared format", "write it in one of the profile's formats: {formats}"),
    },
    "bad_optional_date": {
        "zh-CN": ("“{column}”的值 {value!r} 不是可识别的日期，按空值处理", "改为输入配置中声明的格式之一：{formats}"),
        "en": ("{column!r} value {value!r} is not a valid date; treated as missing", "write it in one of the profile's formats: {formats}"),
    },
    "formula_error": {
        "zh-CN": ("“{column}”是公式错误值 {value}", "在 Excel 中修正公式或粘贴为数值后重新导出"),
        "en": ("{column!r} holds the formula error {value}", "fix the formula in Excel or paste values, then export again"),
    },
    "id_precision": {
        "zh-CN": ("工单编号 {value} 是超过 15 位的数字，Excel 可能已丢失末位", "导出时把工单编号列设为文本格式"),
        "en": ("ticket id {value} is a number longer than 15 digits; Excel may have lost its last digits", "export the id column as text"),
    },
    "unknown_answer": {
        "zh-CN": ("“{column}”的值 {value!r} 不在词表中，按未知处理", "把该值加入输入配置的词表，或在原表中更正"),
        "en": ("{column!r} value {value!r} is not in the profile's vocabulary; counted as unknown", "add the value to the profile's vocabulary or correct it in the file"),
    },
    "unknown_status": {
        "zh-CN": ("工单状态 {value!r} 不在词表中（{count} 行），原样保留", "在输入配置的 [status] 中加入该值"),
        "en": ("status {value!r} is not in the profile's vocabulary ({count} row{s}); kept as written", "add it to the profile's [status] table"),
    },
    "unknown_agency": {
        "zh-CN": ("承办单位 {value!r} 不在单位名录中（{count} 件工单），已保留", "在名录 roster.csv 中加入该单位，或在 aliases.csv 中把它映射到规范名称"),
        "en": ("agency {value!r} is not in the roster ({count} ticket{s}); kept", "add it to roster.csv, or map it to a canonical name in aliases.csv"),
    },
    "closed_before_created": {
        "zh-CN": ("办结时间早于来电时间", "核对该工单的时间记录"),
        "en": ("closed before it was created", "check the ticket's timestamps in the source system"),
    },
    "sentinel_date": {
        "zh-CN": ("“{column}”中有 {count} 个占位日期（如 1900-01-01 或序列号 0），按空值处理", ""),
        "en": ("{count} placeholder date{s} in {column!r} (such as 01/01/1900 or serial 0) treated as missing", ""),
    },
    "structural_row": {
        "zh-CN": ("跳过非数据行（{value}）", ""),
        "en": ("skipped a non-data row ({value})", ""),
    },
    "blank_rows": {
        "zh-CN": ("跳过 {count} 个空行", ""),
        "en": ("skipped {count} blank row{s}", ""),
    },
    "out_of_period": {
        "zh-CN": ("{count} 行的来电时间不在 {period}，未计入本期", "这些工单属于其来电所在月份"),
        "en": ("{count} row{s} created outside {period}, excluded", "a ticket belongs to the month it was created in"),
    },
    "duplicate_identical": {
        "zh-CN": ("{count} 行与已导入的工单完全相同，已合并", ""),
        "en": ("{count} row{s} identical to tickets already loaded, collapsed", ""),
    },
    "duplicate_conflict": {
        "zh-CN": ("工单 {value} 有 {count} 个不同版本，保留 {kept}", "规则：办结时间最晚者优先，其次状态最靠后者，再次后导入者"),
        "en": ("ticket {value} has {count} different versions; kept {kept}", "rule: latest close time, then most advanced status, then the file loaded last"),
    },
    "profile_chosen": {
        "zh-CN": ("使用输入配置 {value}", ""),
        "en": ("read with input profile {value}", ""),
    },
    "no_profile": {
        "zh-CN": ("表头与任何输入配置都不匹配", "用 --profile 指定配置，或按 docs/profiles.md 新建一个；表头为：{value}"),
        "en": ("the header matches no input profile", "pass --profile, or write a profile (docs/profiles.md); the header is: {value}"),
    },
    "ambiguous_profile": {
        "zh-CN": ("表头同时匹配多个输入配置：{value}", "用 --profile 指定其中一个"),
        "en": ("the header matches several input profiles equally: {value}", "choose one with --profile"),
    },
    "unknown_profile_name": {
        "zh-CN": ("没有名为 {value} 的输入配置", "可用的配置：{formats}"),
        "en": ("there is no input profile named {value}", "available profiles: {formats}"),
    },
    "missing_column": {
        "zh-CN": ("缺少必需的列“{column}”（可用名称：{value}）", "检查表头行，或用 --profile 指定其他配置"),
        "en": ("required column {column!r} is missing (accepted names: {value})", "check the header row, or choose another profile with --profile"),
    },
    "missing_column_near": {  # the hint of missing_column when a header looks close
        "zh-CN": ("", "是否为“{value}”？请把它加入输入配置 [columns] {column}"),
        "en": ("", "did you mean {value!r}? add it to [columns] {column} in the profile"),
    },
    "too_many_rejects": {
        "zh-CN": ("{count} 行被拒收，占 {value}，超过阈值 {kept}", "检查该文件是否用对了输入配置和日期格式"),
        "en": ("{count} row{s} rejected, {value} of the file, above the threshold of {kept}", "check the file's profile and date formats"),
    },
    "no_roster": {
        "zh-CN": ("未配置单位名录，单位类型为空", "在 config/agencies/roster.csv 中列出各单位及其类型"),
        "en": ("no agency roster is configured; unit types are empty", "list each agency and its type in config/agencies/roster.csv"),
    },
}

_FALLBACK = {"zh-CN": ("{code}", ""), "en": ("{code}", "")}


def message(code: str, lang: str = "zh-CN", **fields: object) -> tuple[str, str]:
    """(message, hint) for a reason code in the given language; missing fields show as empty."""
    entry = CATALOGUE.get(code, _FALLBACK)
    template, hint = entry.get(lang) or entry["en"]
    values = _Blank(code=code, s="" if fields.get("count") == 1 else "s", **fields)
    return template.format_map(values), hint.format_map(values)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


# ------------------------------------------------------------------ per-agency counts

# The per-agency numbers `validate --json` prints, in this order.
AGENCY_COUNT_NAMES: tuple[str, ...] = (
    "n_tickets", "responded", "not_responded", "response_unknown", "resolved", "not_resolved", "resolution_unknown",
    "satisfied", "dissatisfied", "not_surveyed", "refused", "unreachable",
)


def agency_counts(tickets) -> list[dict]:
    """Per-agency counts of a canonical table, from the count stage (citistat.count.count_tickets)."""
    from ..count import count_tickets, with_derived

    if tickets.empty:
        return []
    counts = with_derived(count_tickets(tickets, by=("agency",)))
    counts = counts.sort_values(["n_tickets", "agency"], ascending=[False, True], kind="stable")
    return [
        {"agency": None if _missing(row["agency"]) else str(row["agency"]), **{k: int(row[k]) for k in AGENCY_COUNT_NAMES}}
        for _, row in counts.iterrows()
    ]


def _missing(value: object) -> bool:
    return value is None or value != value or str(value) == "<NA>"


# ------------------------------------------------------------------ rejects report


def write_rejects(result, out_dir, stem: str = "rejects") -> list:
    """rejects.csv and rejects.xlsx (every rejected row, formula-injection safe); returns the two paths.

    The xlsx also lists skipped rows, rows outside the period and duplicate versions,
    each on its own sheet, so a clerk can check every row that did not become a ticket.
    """
    from pathlib import Path

    from ..safe_io import write_table_csv, write_table_xlsx

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rejects = result.rejects
    header, rows = _table(rejects)
    csv_path = write_table_csv(out / f"{stem}.csv", header, rows)
    sheets = {"rejects": (header, rows)}
    for name, frame in (("skipped", result.skipped), ("excluded", result.excluded), ("duplicates", result.duplicates)):
        sheets[name] = _table(frame)
    sheets["issues"] = (ISSUE_FIELDS, [[issue.to_dict()[k] for k in ISSUE_FIELDS] for issue in result.issues])
    xlsx_path = write_table_xlsx(out / f"{stem}.xlsx", sheets)
    return [csv_path, xlsx_path]


ISSUE_FIELDS = ["severity", "code", "file", "sheet", "row", "column", "column_letter", "raw_value", "message", "hint"]


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


_LABELS = {
    "zh-CN": {"file": "文件", "status": "状态", "read": "读取", "accepted": "接收", "rejected": "拒收", "excluded": "期外",
              "duplicates": "重复", "skipped": "跳过", "total": "合计", "balances": "平衡", "unbalanced": "不平衡",
              "issues": "问题统计", "first": "前 {n} 条问题", "more": "……另有 {n} 条，用 --json 或 --rejects 查看全部"},
    "en": {"file": "file", "status": "status", "read": "read", "accepted": "accepted", "rejected": "rejected",
           "excluded": "excluded", "duplicates": "duplicates", "skipped": "skipped", "total": "total",
           "balances": "balances", "unbalanced": "DOES NOT BALANCE", "issues": "issues by code",
           "first": "first {n} issues", "more": "… {n} more; see --json or --rejects for all"},
}
_SEVERITY_ORDER = {"file": 0, "row": 1, "cell": 2, "info": 3}


def render_text(result, lang: str = "zh-CN", first: int = 20) -> str:
    """A readable summary: one line per file, the total, issue counts by code, the first issues with locations."""
    from collections import Counter
    from pathlib import Path

    words = _LABELS.get(lang, _LABELS["en"])
    names = ("read", "accepted", "rejected", "excluded", "duplicates", "skipped")
    width = max([len(words["file"])] + [len(Path(f.path).name) for f in result.files])
    lines = [f"{words['file']:<{width}}  {words['status']:<11} " + " ".join(f"{words[n]:>10}" for n in names)]
    for report in result.files:
        rec = report.reconciliation
        reason = f"  ({report.reason})" if report.reason else ""
        lines.append(f"{Path(report.path).name:<{width}}  {report.status:<11} "
                     + " ".join(f"{getattr(rec, n):>10}" for n in names) + reason)
    total = result.reconciliation
    state = words["balances"] if total.balances() else words["unbalanced"]
    lines.append(f"{words['total']:<{width}}  {state:<11} " + " ".join(f"{getattr(total, n):>10}" for n in names))
    by_code = Counter((issue.severity, issue.code) for issue in result.issues)
    if by_code:
        lines += ["", words["issues"] + ":"]
        for (severity, code), count in sorted(by_code.items(), key=lambda kv: (_SEVERITY_ORDER.get(kv[0][0], 9), kv[0][1])):
            lines.append(f"  {severity:<5} {code:<24} {count:>8}")
    shown = sorted((i for i in result.issues if i.severity != "info"), key=lambda i: _SEVERITY_ORDER.get(i.severity, 9))
    if shown:
        lines += ["", words["first"].format(n=min(first, len(shown))) + ":"]
        for issue in shown[:first]:
            hint = f" — {issue.hint}" if issue.hint else ""
            lines.append(f"  [{issue.severity}] {issue.location()}: {issue.message}{hint}")
        if len(shown) > first:
            lines.append("  " + words["more"].format(n=len(shown) - first))
    return "\n".join(lines)
