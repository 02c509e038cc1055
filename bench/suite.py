"""What one `python -m bench run` measures, in order, and the numbers derived from it.

1. citistat end to end (`run`: ingest + build) per workload, `repeat` fresh processes each;
2. the naive pipeline on the same file, for the sizes asked;
3. a rebuild after one agency's notes change: `build --agency A` (the preview: that agency's brief and book
   part laid out again, the book joined from cached parts) and a full `build` (every brief and part looked
   at, the unchanged ones reused);
4. agency scaling: the smallest size with half the agencies;
5. ingestion alone (`ingest`) beside the bare reader (`bench.reader`) on the same file, at the
   ingest sizes: the ingestion goals are ratios to that read.
Speed-ups, linearity and the goals are computed from those medians.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .measure import ChildResult, run_child, summarise
from .workloads import (
    DEFAULT_AGENCIES,
    HISTORY_TICKETS,
    INLINE_XLSX,
    PERIOD,
    WORK_DIR,
    History,
    Log,
    Workload,
    aliases_file,
    ensure_template_workspace,
    ensure_workloads,
    fresh_workspace,
    size_label,
)

NAIVE_FIXED_STAGES = ("charts", "html", "pdf_book", "pdf_agencies")  # depend on agencies, not tickets


@dataclass
class Plan:
    sizes: list[int]
    formats: list[str]
    repeat: int = 3
    naive_sizes: list[int] = field(default_factory=list)
    naive_formats: list[str] = field(default_factory=lambda: ["xlsx"])
    naive_repeat: int = 1
    extrapolate_naive: bool = False
    agencies: int = DEFAULT_AGENCIES
    history_tickets: int = HISTORY_TICKETS
    rebuild: bool = True
    rebuild_repeat: int = 1
    scaling_agencies: int | None = 50  # None: skip the agency-scaling run
    ingest_sizes: list[int] = field(default_factory=list)  # ingestion vs the bare reader at these sizes
    # formats of the ingestion rows: by default the plan's, and the inline-string xlsx beside the shared one
    ingest_formats: list[str] | None = None
    keep_workspaces: bool = False
    end_to_end: bool = True  # False: only the ingestion rows (`--ingest-only`)
    work_dir: Path = WORK_DIR
    # agency count -> template workspace, fixed by prepare() so that a code change
    # in the middle of a run cannot swap the history under later repetitions
    templates: dict[int, Path] = field(default_factory=dict)

    def workloads(self) -> list[Workload]:
        """The end-to-end workloads (none with `end_to_end` off)."""
        if not self.end_to_end:
            return []
        return [Workload(size, self.agencies, fmt) for size in self.sizes for fmt in self.formats]

    def ingest_workloads(self) -> list[Workload]:
        formats = self.ingest_formats
        if formats is None:
            formats = [f for fmt in self.formats for f in ([fmt, INLINE_XLSX] if fmt == "xlsx" else [fmt])]
        return [
            Workload(size, self.agencies, fmt) for size in self.sizes if size in self.ingest_sizes for fmt in formats
        ]

    def history(self, agencies: int | None = None) -> History:
        return History(agencies or self.agencies, self.history_tickets)


def prepare(plan: Plan, log: Log = print) -> None:
    """Generate every input the plan needs (cached) and the template workspaces."""
    workloads = plan.workloads() + [w for w in plan.ingest_workloads() if w not in plan.workloads()]
    if plan.scaling_agencies and plan.end_to_end:
        workloads.append(Workload(min(plan.sizes), plan.scaling_agencies, plan.formats[0]))
    ensure_workloads(workloads, plan.work_dir, log)
    for agencies in {plan.agencies, plan.scaling_agencies if plan.end_to_end else None} - {None}:
        plan.templates[agencies] = ensure_template_workspace(plan.history(agencies), plan.work_dir, log)


def run_plan(plan: Plan, log: Log = print) -> dict:
    prepare(plan, log)
    runs_dir = plan.work_dir / "runs"
    entries: list[dict] = []
    rebuilds: list[dict] = []
    for workload in plan.workloads():
        summary, last_ws = time_citistat(plan, workload, runs_dir, log)
        entry = _entry(workload, "citistat", summary)
        if last_ws is not None:
            entry["rendered"] = describe_render(last_ws)
        entries.append(entry)
        if plan.rebuild and workload.fmt == plan.formats[0] and last_ws is not None:
            for build, summary in time_rebuild(plan, last_ws, log).items():
                rebuilds.append({**_entry(workload, "citistat rebuild", summary), "build": build})
        if last_ws is not None and not plan.keep_workspaces:
            shutil.rmtree(last_ws, ignore_errors=True)
        if workload.tickets in plan.naive_sizes and workload.fmt in plan.naive_formats:
            entries.append(_entry(workload, "naive", time_naive(plan, workload, runs_dir, log)))
    if plan.extrapolate_naive:
        entries.extend(extrapolate_naive(entries))
    scaling = time_agency_scaling(plan, entries, runs_dir, log) if plan.scaling_agencies and plan.end_to_end else []
    ingestion = [time_ingestion(plan, workload, runs_dir, log) for workload in plan.ingest_workloads()]
    return {
        "period": PERIOD,
        "plan": {
            "sizes": [size_label(s) for s in plan.sizes],
            "formats": plan.formats,
            "repeat": plan.repeat,
            "naive_sizes": [size_label(s) for s in plan.naive_sizes],
            "agencies": plan.agencies,
            "history": plan.history().key,
        },
        "entries": entries,
        "rebuilds": rebuilds,
        "scaling": scaling,
        "ingestion": ingestion,
        "speedups": speedups(entries),
        "linearity": linearity(entries),
    }


def _entry(workload: Workload, tool: str, summary: dict) -> dict:
    return {
        "tickets": workload.tickets,
        "size": size_label(workload.tickets),
        "format": workload.fmt,
        "agencies": workload.agencies,
        "tool": tool,
        **summary,
    }


def time_citistat(plan: Plan, workload: Workload, runs_dir: Path, log: Log) -> tuple[dict, Path | None]:
    """`repeat` fresh-process runs, each on a fresh copy of the history workspace."""
    template = plan.templates.get(workload.agencies) or ensure_template_workspace(
        plan.history(workload.agencies), plan.work_dir, log
    )
    results: list[ChildResult] = []
    workspace: Path | None = None
    for index in range(plan.repeat):
        if workspace is not None:
            shutil.rmtree(workspace, ignore_errors=True)
        workspace = fresh_workspace(template, runs_dir)
        child = run_child(
            [
                "run",
                "--workspace",
                str(workspace),
                "--period",
                workload.period,
                *map(str, workload.paths(plan.work_dir)),
            ]
        )
        results.append(child)
        log(_progress("citistat", workload, index, child))
    return summarise(results), workspace


def time_naive(plan: Plan, workload: Workload, runs_dir: Path, log: Log) -> dict:
    aliases = aliases_file(plan.history(workload.agencies), plan.work_dir)
    results = []
    for index in range(plan.naive_repeat):
        out = runs_dir / f"naive-{size_label(workload.tickets)}-{workload.fmt}-{index}"
        shutil.rmtree(out, ignore_errors=True)
        args = [*map(str, workload.paths(plan.work_dir)), "--out", str(out), "--period", workload.period]
        if aliases.is_file():
            args += ["--aliases", str(aliases)]
        child = run_child(args, module="bench.naive")
        results.append(child)
        log(_progress("naive", workload, index, child))
        if not plan.keep_workspaces:
            shutil.rmtree(out, ignore_errors=True)
    return summarise(results)


REBUILDS = {"full": [], "agency": ["--agency"]}  # `citistat build` and `citistat build --agency A`


def time_rebuild(plan: Plan, workspace: Path, log: Log) -> dict[str, dict]:
    """Edit one agency's notes, then time a full `citistat build` of the period; edit them again, then time
    `citistat build --agency A`; `rebuild_repeat` times each. Returns {"full": summary, "agency": summary}."""
    results: dict[str, list[ChildResult]] = {name: [] for name in REBUILDS}
    for index in range(plan.rebuild_repeat):
        for name, flag in REBUILDS.items():
            edit = run_child(["notes", "--workspace", str(workspace), "--period", PERIOD])
            if not edit.ok:
                log(f"  notes edit failed: {edit.stderr_tail}")
                results[name].append(edit)
                continue
            agency = [*flag, edit.report["agency"]] if flag else []
            child = run_child(["build", "--workspace", str(workspace), "--period", PERIOD, *agency])
            results[name].append(child)
            log(
                f"  rebuild ({name}) after notes edit #{index + 1}: {child.wall_s:.2f} s"
                + ("" if child.ok else " FAILED")
            )
    return {name: summarise(runs) for name, runs in results.items()}


def describe_render(workspace: Path) -> dict:
    """What a build rendered, read from its folder after the timed run: books, briefs and their pages."""
    import pikepdf

    folder = workspace / "briefings" / PERIOD
    books = sorted(folder.glob("*-book-*.pdf"))
    briefs = sorted((folder / "agencies").glob("*.pdf"))

    def pages(paths: list[Path]) -> int:
        total = 0
        for path in paths:
            with pikepdf.open(path) as pdf:
                total += len(pdf.pages)
        return total

    return {
        "books": [p.name for p in books],
        "book_pages": pages(books),
        "briefs": len(briefs),
        "brief_pages": pages(briefs),
    }


def time_agency_scaling(plan: Plan, entries: list[dict], runs_dir: Path, log: Log) -> list[dict]:
    """The smallest size with `scaling_agencies` agencies, beside the same size with the full count."""
    size, fmt = min(plan.sizes), plan.formats[0]
    workload = Workload(size, plan.scaling_agencies, fmt)
    summary, workspace = time_citistat(plan, workload, runs_dir, log)
    if workspace is not None and not plan.keep_workspaces:
        shutil.rmtree(workspace, ignore_errors=True)
    full = _find(entries, "citistat", size, fmt, plan.agencies)
    rows = [_entry(workload, "citistat", summary)]
    if full:
        rows.append(full)
    return rows


def time_ingestion(plan: Plan, workload: Workload, runs_dir: Path, log: Log) -> dict:
    """`citistat ingest` of the export into a fresh workspace, and the bare reader on the same file(s),
    alternated so that both see the same machine; `repeat` times each."""
    template = plan.templates.get(workload.agencies) or ensure_template_workspace(
        plan.history(workload.agencies), plan.work_dir, log
    )
    files = [str(p) for p in workload.paths(plan.work_dir)]
    ingests, bare = [], []
    for index in range(plan.repeat):
        child = run_child(files, module="bench.reader")
        bare.append(child)
        log(_progress("reader", workload, index, child))
        workspace = fresh_workspace(template, runs_dir)
        try:
            child = run_child(["ingest", "--workspace", str(workspace), *files])
        finally:
            shutil.rmtree(workspace, ignore_errors=True)
        ingests.append(child)
        log(_progress("ingest", workload, index, child))
    ours, reader = summarise(ingests), summarise(bare)
    ingest_s, read_s = ours["stages"].get("ingest"), reader["stages"].get("read")
    return {
        **_entry(workload, "citistat ingest", ours),
        "bare_read": reader,
        "ratio": ingest_s / read_s if ingest_s and read_s else None,
    }


def _find(entries: list[dict], tool: str, tickets: int, fmt: str, agencies: int | None = None) -> dict | None:
    for entry in entries:
        if (entry["tool"], entry["tickets"], entry["format"]) == (tool, tickets, fmt) and (
            agencies is None or entry["agencies"] == agencies
        ):
            return entry
    return None


def _progress(tool: str, workload: Workload, index: int, child: ChildResult) -> str:
    status = "" if child.ok else f" FAILED (exit {child.returncode})\n{child.stderr_tail}"
    return (
        f"  {tool:8} {workload.label:18} #{index + 1}: {child.wall_s:7.2f} s, "
        f"peak {child.peak_rss_mib:6.0f} MiB (tree {child.tree_peak_rss_mib:6.0f}){status}"
    )


def extrapolate_naive(entries: list[dict]) -> list[dict]:
    """Naive estimates for sizes it was not run at, from the largest size it was run at.

    Reading and aggregation are scaled linearly with tickets; charts and PDFs
    depend on the agency count only, so they are kept. Clearly labelled.
    """
    estimates = []
    for entry in entries:
        if entry["tool"] != "citistat" or _find(entries, "naive", entry["tickets"], entry["format"]):
            continue
        measured = [e for e in entries if e["tool"] == "naive" and e["format"] == entry["format"] and e["wall_s"]]
        if not measured:
            continue
        base = max(measured, key=lambda e: e["tickets"])
        factor = entry["tickets"] / base["tickets"]
        stages = {
            name: seconds * (1 if name in NAIVE_FIXED_STAGES else factor) for name, seconds in base["stages"].items()
        }
        startup = base["wall_s"] - sum(base["stages"].values())
        estimates.append(
            {
                "tickets": entry["tickets"],
                "size": entry["size"],
                "format": entry["format"],
                "agencies": entry["agencies"],
                "tool": "naive (extrapolated)",
                "extrapolated_from": base["size"],
                "runs": 0,
                "ok": 0,
                "wall_s": startup + sum(stages.values()),
                "stages": stages,
                "peak_rss_mib": None,
                "tree_peak_rss_mib": None,
            }
        )
    return estimates


def speedups(entries: list[dict]) -> list[dict]:
    rows = []
    for entry in entries:
        if not entry["tool"].startswith("naive") or not entry.get("wall_s"):
            continue
        ours = _find(entries, "citistat", entry["tickets"], entry["format"], entry["agencies"])
        if ours and ours.get("wall_s"):
            rows.append(
                {
                    "size": entry["size"],
                    "format": entry["format"],
                    "naive": entry["tool"],
                    "naive_s": entry["wall_s"],
                    "citistat_s": ours["wall_s"],
                    "speedup": entry["wall_s"] / ours["wall_s"],
                }
            )
    return rows


def linearity(entries: list[dict]) -> list[dict]:
    """Seconds per 100k tickets, and the marginal cost per 100k between consecutive sizes."""
    rows = []
    for fmt in sorted({e["format"] for e in entries}):
        ours = sorted(
            (e for e in entries if e["tool"] == "citistat" and e["format"] == fmt and e.get("wall_s")),
            key=lambda e: e["tickets"],
        )
        previous = None
        for entry in ours:
            row = {
                "format": fmt,
                "size": entry["size"],
                "wall_s": entry["wall_s"],
                "s_per_100k": entry["wall_s"] / entry["tickets"] * 100_000,
                "marginal_s_per_100k": None,
            }
            if previous:
                extra = entry["tickets"] - previous["tickets"]
                row["marginal_s_per_100k"] = (entry["wall_s"] - previous["wall_s"]) / extra * 100_000
            rows.append(row)
            previous = entry
    return rows
