"""The citistat side of the benchmark: one job per fresh process.

It makes the same library calls as `citistat run` / `citistat ingest` /
`citistat build` (citistat/commands/*.py), minus the printing, and reports the
pipeline's own stage timings (`StageTimer`, `BuildOutcome.timings`, and any
finer timings the ingest and render results carry) as one JSON line.

    python -m bench.driver run    --workspace W --period P FILE…
    python -m bench.driver ingest --workspace W FILE…
    python -m bench.driver build  --workspace W --period P [--agency A]   (A: `citistat build --agency A`)
    python -m bench.driver notes  --workspace W --period P [--agency A]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from .measure import emit_report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.driver")
    parser.add_argument("job", choices=["run", "ingest", "build", "notes"])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--workspace", type=Path, required=True)
    parser.add_argument("--period")
    parser.add_argument("--agency")
    args = parser.parse_intermixed_args(argv)
    start = time.perf_counter()
    report = JOBS[args.job](args)
    report["inner_s"] = time.perf_counter() - start
    emit_report(report)


def _open(workspace: Path):
    from citistat.commands.common import open_config

    return open_config(workspace)


def run_job(args) -> dict:
    """`citistat run --period P FILES --workspace W`: load, then build."""
    from citistat.pipeline import StageTimer, build_books, expand_inputs, load_files

    timer = StageTimer()
    with timer.stage("startup"):
        ws, config = _open(args.workspace)
    loaded = load_files(ws, config, expand_inputs(list(args.files)), timer=timer)
    built = build_books(ws, config, args.period, timer=timer)
    report = _load_report(loaded)
    report.update(_build_report(built))
    report["stages"] = {**dict(timer.seconds), **_finer_timings(loaded.ingest, "ingest"), **_render_timings(built)}
    return report


def ingest_job(args) -> dict:
    """`citistat ingest FILES`: every period found goes into the archive."""
    from citistat.pipeline import StageTimer, expand_inputs, load_files

    timer = StageTimer()
    ws, config = _open(args.workspace)
    loaded = load_files(ws, config, expand_inputs(list(args.files)), timer=timer)
    report = _load_report(loaded)
    report["stages"] = {**dict(timer.seconds), **_finer_timings(loaded.ingest, "ingest")}
    return report


def build_job(args) -> dict:
    """`citistat build --period P [--agency A]`: books from the archive, no spreadsheet read."""
    from citistat.pipeline import StageTimer, build_books

    timer = StageTimer()
    with timer.stage("startup"):
        ws, config = _open(args.workspace)
    built = build_books(ws, config, args.period, timer=timer, agency=args.agency)
    report = _build_report(built)
    report["stages"] = {**dict(timer.seconds), **_render_timings(built)}
    return report


def notes_job(args) -> dict:
    """Edit one agency's session notes in the archive (the change a rebuild must pick up)."""
    from citistat.pipeline import open_archive

    ws, config = _open(args.workspace)
    with open_archive(ws, config) as archive:
        agency = args.agency or _first_agency(archive, args.period)
        text = f"基准测试修改的讨论要点 {time.strftime('%H:%M:%S')}"
        archive.notes.set(args.period, agency, discussion_topics=[text])
    return {"agency": agency, "note": text}


def _first_agency(archive, period: str) -> str:
    history = archive.periods.history(period)
    counts = history.counts["agency"]
    return str(sorted(counts.loc[counts["period"].astype(str) == period, "agency"].astype(str))[0])


def _load_report(loaded) -> dict:
    result = loaded.ingest
    reconciliation = getattr(result, "reconciliation", None)
    return {
        "tickets": int(len(result.tickets)),
        "periods": sorted(loaded.stored),
        "issues": len(getattr(result, "issues", []) or []),
        "file_status": [getattr(f, "status", "?") for f in getattr(result, "files", [])],
        "reconciliation": reconciliation.to_dict() if hasattr(reconciliation, "to_dict") else None,
    }


def _build_report(built) -> dict:
    paths = [Path(p) for p in built.outputs]
    pdfs = [p for p in paths if p.suffix == ".pdf"]
    return {
        "period": built.period,
        "revision": built.revision,
        "outputs": len(paths),
        "pdfs": len(pdfs),
        "pdf_mib": round(sum(p.stat().st_size for p in pdfs if p.is_file()) / 2**20, 2),
        "agencies": _agency_count(built),
        "book_parts": _part_counts(built),
    }


def _part_counts(built) -> dict[str, int]:
    """The city books' parts, summed over languages: how many, laid out in this run, taken from the cache."""
    total: dict[str, int] = {}
    for books in (built.books or {}).values():
        for name, count in (getattr(books, "parts", None) or {}).items():
            total[name] = total.get(name, 0) + count
    return total


def _agency_count(built) -> int | None:
    """Briefs written per language."""
    counts = {len(books.agency_pdfs) for books in (built.books or {}).values()}
    return counts.pop() if len(counts) == 1 else None


def _render_timings(built) -> dict[str, float]:
    """Charts and PDF seconds, summed over the languages of the build (one BookSet each)."""
    total: dict[str, float] = {}
    for books in (built.books or {}).values():
        for name, seconds in _finer_timings(books, "render").items():
            total[name] = total.get(name, 0.0) + seconds
    return total


def _finer_timings(obj, prefix: str) -> dict[str, float]:
    """Sub-stage seconds if a stage result carries them (e.g. read vs normalise, charts vs PDF)."""
    timings = getattr(obj, "timings", None) or getattr(obj, "seconds", None)
    if not isinstance(timings, dict):
        return {}
    return {
        f"{prefix}.{name}": float(value)
        for name, value in timings.items()
        if isinstance(value, (int, float)) and name != "total"
    }  # total repeats the stage itself


JOBS = {"run": run_job, "ingest": ingest_job, "build": build_job, "notes": notes_job}

if __name__ == "__main__":
    main()
