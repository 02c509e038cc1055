"""The naive pipeline: what an analyst would write first, as the yardstick for citistat.

Single process, no archive, no caching:
`pandas.read_excel` (openpyxl) with header handling → pandas groupby for the
three rates per agency → one pyplot chart (PNG) per agency → one WeasyPrint
call per document: a city book with a page per agency, then one PDF per agency.

It does *less* than citistat (no trends, confidence intervals, screens,
appendices or exports), so citistat's speed-up over it is conservative.

    python -m bench.naive FILE --out DIR --period P
"""

from __future__ import annotations

import argparse
import csv
import html
import re
import time
from pathlib import Path

from .measure import emit_report

SHEET = "工单明细"
HEADER_ROW = 2  # 0-based: a merged title row and an export-time row sit above the header
CSV_SYNONYMS = {"受理时间": "来电时间", "主办单位": "承办单位", "回访结果": "满意度", "问题分类": "诉求类别"}
SATISFIED = ("非常满意", "满意", "基本满意")
DISSATISFIED = ("不满意", "非常不满意")
FONT = "Noto Sans CJK SC"
_SPACES = re.compile(r"[\s\u3000\u00a0]+")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.naive")
    parser.add_argument("files", type=Path, nargs="+", help="the export (several when it comes in parts)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--period", required=True)
    parser.add_argument("--aliases", type=Path, help="alias,canonical CSV to map short names (optional)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    emit_report(run(args.files, args.out, args.period, args.aliases))


def run(paths: list[Path] | Path, out: Path, period: str, aliases: Path | None = None) -> dict:
    stages: dict[str, float] = {}
    start = time.perf_counter()
    frame = _timed(stages, "read", read_exports, [paths] if isinstance(paths, Path) else list(paths))
    frame = _timed(stages, "normalise", normalise, frame, _read_aliases(aliases))
    rates, daily = _timed(stages, "aggregate", aggregate, frame)
    charts = _timed(stages, "charts", draw_charts, daily, out / "charts")
    pages = _timed(stages, "html", agency_pages, rates, charts, period)
    _timed(stages, "pdf_book", write_book, pages, rates, period, out)
    _timed(stages, "pdf_agencies", write_agency_pdfs, pages, out)
    return {
        "tickets": int(len(frame)),
        "agencies": int(len(rates)),
        "pdfs": 1 + len(pages),
        "stages": stages,
        "inner_s": time.perf_counter() - start,
    }


def _timed(stages: dict[str, float], name: str, func, *args):
    start = time.perf_counter()
    value = func(*args)
    stages[name] = time.perf_counter() - start
    return value


def read_exports(paths: list[Path]):
    import pandas as pd

    frames = [read_export(path) for path in paths]
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def read_export(path: Path):
    import pandas as pd

    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, encoding="gb18030", skiprows=1, dtype=str, keep_default_na=False, na_values=[""])
        frame = frame.rename(columns=CSV_SYNONYMS)
    else:
        frame = pd.read_excel(path, sheet_name=SHEET, header=HEADER_ROW, engine="openpyxl", dtype={"工单编号": str})
    frame["来电时间"] = pd.to_datetime(frame["来电时间"], errors="coerce", format="mixed")
    # the 合计 row and the signature line have no call time
    return frame[frame["来电时间"].notna()].reset_index(drop=True)


def _read_aliases(path: Path | None) -> dict[str, str]:
    if path is None or not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["alias"].strip(): row["canonical"].strip() for row in csv.DictReader(handle)}


def normalise(frame, aliases: dict[str, str]):
    agency = frame["承办单位"].astype(str).str.replace(_SPACES, "", regex=True)
    agency = agency.str.replace("（", "(").str.replace("）", ")")
    frame["agency"] = agency.map(lambda name: aliases.get(name, name))
    return frame


def aggregate(frame):
    """Response, resolution and satisfaction rate per agency, plus daily counts for the charts."""
    respond = frame["是否响应"].astype("string").str.strip()
    resolve = frame["是否解决"].astype("string").str.strip()
    satisfy = frame["满意度"].astype("string").str.strip()
    work = frame[["agency"]].assign(
        tickets=1,
        responded=(respond == "是").fillna(False),
        response_known=respond.isin(["是", "否"]).fillna(False),
        resolved=(resolve == "已解决").fillna(False),
        resolution_known=resolve.isin(["已解决", "未解决", "部分解决"]).fillna(False),
        satisfied=satisfy.isin(SATISFIED).fillna(False),
        satisfaction_known=satisfy.isin(SATISFIED + DISSATISFIED).fillna(False),
        day=frame["来电时间"].dt.day,
    )
    sums = work.astype({name: "int64" for name in work.columns if name != "agency"}).groupby("agency").sum()
    rates = sums[["tickets"]].copy()
    rates["response_rate"] = sums["responded"] / sums["response_known"].where(sums["response_known"] > 0)
    rates["resolution_rate"] = sums["resolved"] / sums["resolution_known"].where(sums["resolution_known"] > 0)
    rates["satisfaction_rate"] = sums["satisfied"] / sums["satisfaction_known"].where(sums["satisfaction_known"] > 0)
    rates["score"] = 0.1 * rates["response_rate"] + 0.5 * rates["resolution_rate"] + 0.4 * rates["satisfaction_rate"]
    rates = rates.sort_values("score", ascending=False)
    daily = work.groupby(["agency", "day"]).size()
    return rates, daily


def draw_charts(daily, folder: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = [FONT, "DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for index, (agency, series) in enumerate(daily.groupby(level="agency")):
        days = series.index.get_level_values("day")
        plt.figure(figsize=(6.4, 3.2))
        plt.bar(days, series.to_numpy(), color="#4472c4")
        plt.title(f"{agency} 每日工单量")
        plt.xlabel("日")
        plt.ylabel("工单数")
        plt.tight_layout()
        path = folder / f"agency-{index:03d}.png"
        plt.savefig(path, dpi=150)
        plt.close()
        paths[str(agency)] = path
    return paths


def _percent(value) -> str:
    return "—" if value != value else f"{value * 100:.1f}%"  # NaN -> —


def agency_pages(rates, charts: dict[str, Path], period: str) -> dict[str, str]:
    pages = {}
    for rank, (agency, row) in enumerate(rates.iterrows(), start=1):
        name = html.escape(str(agency))
        pages[str(agency)] = (
            f'<section class="agency"><h2>{name}</h2><p>{period} 排名第 {rank} 名，工单 {int(row["tickets"])} 件</p>'
            f"<table><tr><th>响应率</th><th>解决率</th><th>满意率</th></tr>"
            f"<tr><td>{_percent(row['response_rate'])}</td><td>{_percent(row['resolution_rate'])}</td>"
            f"<td>{_percent(row['satisfaction_rate'])}</td></tr></table>"
            f'<img src="{charts[str(agency)].resolve().as_uri()}" style="width:100%"></section>'
        )
    return pages


def _document(title: str, body: str) -> str:
    style = (
        f"@page {{ size: A4; margin: 2cm }} body {{ font-family: '{FONT}'; font-size: 11pt }}"
        " section.agency { page-break-before: always } table { border-collapse: collapse }"
        " td, th { border: 1px solid #999; padding: 4px 10px }"
    )
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body>{body}</body></html>"
    )


def write_book(pages: dict[str, str], rates, period: str, out: Path) -> Path:
    from weasyprint import HTML

    ranking = "".join(
        f"<tr><td>{i}</td><td>{html.escape(str(a))}</td><td>{_percent(r['score'])}</td></tr>"
        for i, (a, r) in enumerate(rates.iterrows(), start=1)
    )
    cover = f"<h1>{period} 12345 热线考核简报</h1><table><tr><th>名次</th><th>单位</th><th>综合得分</th></tr>{ranking}</table>"
    path = out / f"city-book-{period}.pdf"
    HTML(string=_document(f"{period} 城市简报", cover + "".join(pages.values()))).write_pdf(path)
    return path


def write_agency_pdfs(pages: dict[str, str], out: Path) -> list[Path]:
    from weasyprint import HTML

    paths = []
    for index, page in enumerate(pages.values()):
        path = out / f"agency-{index:03d}.pdf"
        HTML(string=_document("单位简报", page)).write_pdf(path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    main()
