"""Results on disk (JSON + markdown) and the table printed at the end of a run."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import time
from pathlib import Path

from .measure import REPO_DIR

RESULTS_DIR = Path(__file__).resolve().parent / "results"

# The goals bench/README.md states; checked against every run.
GOAL_WALL_S = 30.0  # 1M tickets xlsx → city book + 100 agency briefs (issue 16: must reach 30 s, aim 15 s)
GOAL_RSS_MIB = 1024.0
GOAL_SPEEDUP = 8.0
GOAL_REBUILD_S = 3.0
GOAL_MARGINAL_GROWTH = 1.25  # marginal s/100k at the largest step ≤ this × the first step
# Ingestion of a 1M-ticket export (read, header, parse, normalise, dedup)
GOAL_INGEST_RATIO = 1.3  # xlsx: ≤ this × the bare fastexcel read of the same file
GOAL_INGEST_CSV_S = 3.0
GOAL_INGEST_RSS_MIB = 1024.0


def machine_info() -> dict:
    from citistat.pipeline import library_versions

    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "host": socket.gethostname(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(v, 2) for v in os.getloadavg()],
        "platform": platform.platform(),
        "versions": library_versions(),
        "commit": _git_commit(),
    }


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO_DIR, capture_output=True, text=True)
    except OSError:
        return None
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") if out.returncode == 0 else None


def write_results(results: dict, directory: Path = RESULTS_DIR) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    meta = results["machine"]
    stem = f"{meta['date'][:10]}-{meta['host']}"
    json_path = directory / f"{stem}.json"
    md_path = directory / f"{stem}.md"
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path


def _s(value, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _stages(stages: dict[str, float]) -> str:
    shown = [(name, sec) for name, sec in stages.items() if sec is not None and sec >= 0.05]
    return " · ".join(f"{name} {sec:.1f}" for name, sec in shown)


def markdown(results: dict) -> str:
    meta = results["machine"]
    lines = [
        f"# citistat benchmark, {meta['date']} on {meta['host']}",
        "",
        f"{meta['cpus']} CPUs, load average at start {meta['load_average_at_start']}; "
        f"citistat {meta['versions'].get('citistat')} ({meta.get('commit')}), Python {meta['versions'].get('python')}. "
        f"Period {results['period']}, history {results['plan']['history']} in the archive; "
        f"medians of {results['plan']['repeat']} fresh-process runs (naive: see runs).",
        "",
        "## End to end",
        "",
    ]
    if results["entries"]:
        lines += [
            "| size | format | agencies | tool | runs | wall s (median) | peak RSS MiB | tree RSS MiB | stages (s, median) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
    else:
        lines.append("Not run (`--ingest-only`).")
    for entry in results["entries"]:
        tool = entry["tool"] + (f" from {entry['extrapolated_from']}" if entry.get("extrapolated_from") else "")
        runs = f"{entry.get('ok', 0)}/{entry.get('runs', 0)}"
        lines.append(
            f"| {entry['size']} | {entry['format']} | {entry['agencies']} | {tool} | {runs} | "
            f"{_s(entry.get('wall_s'))} | {_s(entry.get('peak_rss_mib'), 0)} | "
            f"{_s(entry.get('tree_peak_rss_mib'), 0)} | {_stages(entry.get('stages', {}))} |"
        )
    rendered = [e for e in results["entries"] if e.get("rendered")]
    if rendered:
        lines += [
            "",
            "What one build renders (the workspace's default languages and editions): "
            + "; ".join(
                f"{e['size']} {e['format']}: {', '.join(e['rendered']['books']) or 'no city book'} "
                f"({e['rendered']['book_pages']} pages) and {e['rendered']['briefs']} briefs "
                f"({e['rendered']['brief_pages']} pages)"
                for e in rendered[:1]
            )
            + ".",
        ]
    if results["speedups"]:
        lines += [
            "",
            "## Speed-up over the naive pipeline",
            "",
            "| size | format | naive s | citistat s | speed-up |",
            "|---|---|---|---|---|",
        ]
        for row in results["speedups"]:
            label = " (extrapolated naive)" if "extrapolated" in row["naive"] else ""
            lines.append(
                f"| {row['size']} | {row['format']} | {_s(row['naive_s'])}{label} | {_s(row['citistat_s'])} | "
                f"**{row['speedup']:.1f}×** |"
            )
    if results["linearity"]:
        lines += [
            "",
            "## Linearity (citistat)",
            "",
            "| format | size | wall s | s per 100k | marginal s per 100k |",
            "|---|---|---|---|---|",
        ]
        for row in results["linearity"]:
            lines.append(
                f"| {row['format']} | {row['size']} | {_s(row['wall_s'])} | {_s(row['s_per_100k'], 2)} | "
                f"{_s(row['marginal_s_per_100k'], 2)} |"
            )
    if results["scaling"]:
        lines += [
            "",
            "## Agency scaling (citistat)",
            "",
            "| size | format | agencies | wall s | stages |",
            "|---|---|---|---|---|",
        ]
        for row in results["scaling"]:
            lines.append(
                f"| {row['size']} | {row['format']} | {row['agencies']} | {_s(row.get('wall_s'))} | "
                f"{_stages(row.get('stages', {}))} |"
            )
    if results["rebuilds"]:
        lines += [
            "",
            "## Rebuild after editing one agency's notes",
            "",
            "`full`: `citistat build --period P`; `agency`: `citistat build --period P --agency A` (that agency's "
            "brief and book part laid out again, the book joined from the cached parts). Parts: laid out / in the book.",
            "",
            "| size | format | build | runs | wall s (median) | parts | stages |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in results["rebuilds"]:
            parts = (row.get("last_report") or {}).get("book_parts") or {}
            lines.append(
                f"| {row['size']} | {row['format']} | {row.get('build', 'full')} | "
                f"{row.get('ok', 0)}/{row.get('runs', 0)} | {_s(row.get('wall_s'), 2)} | "
                f"{parts.get('laid_out', '—')}/{parts.get('parts', '—')} | {_stages(row.get('stages', {}))} |"
            )
    if results.get("ingestion"):
        lines += [
            "",
            "## Ingestion beside the bare reader",
            "",
            "Bare reader: fastexcel (calamine) to Arrow for xlsx, `pyarrow.csv` for CSV (`bench/reader.py`). "
            "Seconds are in-process (imports excluded); RSS is the largest process's peak, and the whole "
            "tree's (the reader's children included). `xlsx` has shared strings, as Excel writes it; "
            "`xlsx-inline` is the same sheet with inline strings.",
            "",
            "| size | format | bare read s | bare peak MiB | ingest s | ingest peak MiB | ingest tree MiB | ratio "
            "| ingest stages |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for row in results["ingestion"]:
            bare = row["bare_read"]
            lines.append(
                f"| {row['size']} | {row['format']} | {_s(bare['stages'].get('read'))} | "
                f"{_s(bare.get('peak_rss_mib'), 0)} | {_s(row['stages'].get('ingest'))} | "
                f"{_s(row.get('peak_rss_mib'), 0)} | {_s(row.get('tree_peak_rss_mib'), 0)} | "
                f"{_s(row.get('ratio'), 2)}× | "
                f"{_stages({k: v for k, v in row['stages'].items() if k.startswith('ingest.')})} |"
            )
    lines += ["", "## Goals", "", "| goal | measured | met |", "|---|---|---|"]
    for goal, measured, met in goals(results):
        lines.append(f"| {goal} | {measured} | {'yes' if met else ('no' if met is not None else 'not measured')} |")
    failures = [(e, f) for e in results["entries"] + results["rebuilds"] for f in e.get("failures", [])]
    if failures:
        lines += ["", "## Failed runs", ""]
        for entry, failure in failures[:5]:
            lines += [
                f"- {entry['tool']} {entry['size']} {entry['format']}: exit {failure['returncode']}",
                "",
                "```",
                failure["stderr"][-1500:],
                "```",
            ]
    return "\n".join(lines) + "\n"


def goals(results: dict) -> list[tuple[str, str, bool | None]]:
    """(goal, measured value, met?) for each stated goal; None when this run did not measure it."""
    entries = results["entries"]
    one_m = next(
        (
            e
            for e in entries
            if e["tool"] == "citistat" and e["tickets"] == 1_000_000 and e["format"] == "xlsx" and e.get("wall_s")
        ),
        None,
    )
    rows: list[tuple[str, str, bool | None]] = []
    if one_m:
        rows.append((f"1M xlsx ≤ {GOAL_WALL_S:.0f} s wall", f"{one_m['wall_s']:.1f} s", one_m["wall_s"] <= GOAL_WALL_S))
        rss = one_m.get("tree_peak_rss_mib")
        rows.append(
            (
                f"1M xlsx ≤ {GOAL_RSS_MIB:.0f} MiB peak RSS (whole tree)",
                f"{_s(rss, 0)} MiB",
                None if rss is None else rss <= GOAL_RSS_MIB,
            )
        )
    else:
        rows.append((f"1M xlsx ≤ {GOAL_WALL_S:.0f} s wall, ≤ {GOAL_RSS_MIB:.0f} MiB", "—", None))
    for row in results["speedups"]:
        label = " (naive extrapolated)" if "extrapolated" in row["naive"] else ""
        rows.append(
            (
                f"≥ {GOAL_SPEEDUP:.0f}× naive at {row['size']} {row['format']}{label}",
                f"{row['speedup']:.1f}×",
                row["speedup"] >= GOAL_SPEEDUP,
            )
        )
    rows.extend(_linearity_goals(results["linearity"]))
    rows.extend(_ingestion_goals(results.get("ingestion", [])))
    for row in results["rebuilds"]:
        wall = row.get("wall_s")
        rows.append(
            (
                f"rebuild ({row.get('build', 'full')}) ≤ {GOAL_REBUILD_S:.0f} s at {row['size']}",
                f"{_s(wall, 2)} s",
                None if wall is None else wall <= GOAL_REBUILD_S,
            )
        )
    return rows


def _linearity_goals(rows: list[dict]) -> list[tuple[str, str, bool | None]]:
    out = []
    for fmt in sorted({r["format"] for r in rows}):
        marginals = [r for r in rows if r["format"] == fmt and r["marginal_s_per_100k"] is not None]
        if len(marginals) < 2:
            continue
        first, last = marginals[0]["marginal_s_per_100k"], marginals[-1]["marginal_s_per_100k"]
        out.append(
            (
                f"linear growth ({fmt}): marginal s/100k at {marginals[-1]['size']} ≤ "
                f"{GOAL_MARGINAL_GROWTH}× at {marginals[0]['size']}",
                f"{last:.2f} vs {first:.2f}",
                first > 0 and last <= GOAL_MARGINAL_GROWTH * first,
            )
        )
    return out


def _ingestion_goals(rows: list[dict]) -> list[tuple[str, str, bool | None]]:
    out = []
    for row in rows:
        if row["tickets"] != 1_000_000:
            continue
        seconds, ratio = row["stages"].get("ingest"), row.get("ratio")
        rss = row.get("tree_peak_rss_mib") or row.get("peak_rss_mib")  # the whole tree: the reader's children count
        if row["format"].startswith("xlsx"):
            out.append(
                (
                    f"1M {row['format']} ingestion ≤ {GOAL_INGEST_RATIO}× the bare fastexcel read",
                    f"{_s(ratio, 2)}× ({_s(seconds)} s vs {_s(row['bare_read']['stages'].get('read'))} s)",
                    None if ratio is None else ratio <= GOAL_INGEST_RATIO,
                )
            )
        else:
            out.append(
                (
                    f"1M {row['format']} ingestion ≤ {GOAL_INGEST_CSV_S:.0f} s",
                    f"{_s(seconds)} s",
                    None if seconds is None else seconds <= GOAL_INGEST_CSV_S,
                )
            )
        out.append(
            (
                f"1M {row['format']} ingestion ≤ {GOAL_INGEST_RSS_MIB:.0f} MiB peak RSS",
                f"{_s(rss, 0)} MiB",
                None if rss is None else rss <= GOAL_INGEST_RSS_MIB,
            )
        )
    return out
