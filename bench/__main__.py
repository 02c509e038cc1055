"""`python -m bench [generate|run|scale] …`: citistat's benchmark (see bench/README.md).

With no command it runs the full benchmark (`run` with its defaults).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .workloads import DEFAULT_AGENCIES, FORMATS, HISTORY_TICKETS, INGEST_FORMATS, WORK_DIR, parse_list, parse_size

DEFAULT_SIZES = "100k,1M,2M"
DEFAULT_NAIVE_SIZES = "100k"
DEFAULT_INGEST_SIZES = "1M"


def _sizes(text: str) -> list[int]:
    try:
        return [parse_size(part) for part in parse_list(text)]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _formats(text: str, known: tuple[str, ...] = FORMATS) -> list[str]:
    formats = parse_list(text)
    unknown = [f for f in formats if f not in known]
    if unknown or not formats:
        raise argparse.ArgumentTypeError(f"formats must be among {', '.join(known)}; got {text!r}")
    return formats


def _ingest_formats(text: str) -> list[str]:
    return _formats(text, INGEST_FORMATS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    _add_scale_command(commands)
    for name, help_text in (
        ("generate", "make the (cached) inputs and template workspaces"),
        ("run", "time citistat and the naive pipeline; write bench/results/"),
    ):
        sub = commands.add_parser(name, help=help_text)
        _add_workload_options(sub)
        if name == "run":
            _add_run_options(sub)
    return parser


def _add_scale_command(commands) -> None:
    sub = commands.add_parser("scale", help="a synthetic province recounted by DuckDB and Spark (bench/scale.py)")
    sub.add_argument("--cities", type=int, default=20)
    sub.add_argument("--months", type=int, default=36)
    sub.add_argument("--tickets", type=parse_size, default=parse_size("50M"), help="tickets in all (default 50M)")
    sub.add_argument("--first-period", default="2021-01")
    sub.add_argument("--engines", type=parse_list, default=["duckdb", "spark"], help="default duckdb,spark")
    sub.add_argument("--memory-limit", default="2GB", help="DuckDB's memory limit: past it, it spills (default 2GB)")
    sub.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    sub.add_argument(
        "--mode",
        choices=("write", "frames"),
        default="write",
        help="write: counts to Parquet by the engine; frames: counts back as count_all's frames",
    )
    sub.add_argument("--name", default="scale", help="results file suffix (default scale)")
    sub.add_argument("--work-dir", type=Path, default=WORK_DIR)
    sub.add_argument("--no-write", action="store_true")


def _add_workload_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--sizes",
        type=_sizes,
        default=_sizes(DEFAULT_SIZES),
        help=f"tickets in the briefed period, e.g. 100k,1M (default {DEFAULT_SIZES})",
    )
    sub.add_argument("--formats", type=_formats, default=list(FORMATS), help="xlsx,csv (default both)")
    sub.add_argument("--agencies", type=int, default=DEFAULT_AGENCIES, help=f"default {DEFAULT_AGENCIES}")
    sub.add_argument(
        "--history-tickets",
        type=parse_size,
        default=HISTORY_TICKETS,
        help="tickets in each of the 12 earlier periods (default 50k)",
    )
    sub.add_argument(
        "--work-dir", type=Path, default=WORK_DIR, help="cache of inputs and workspaces (default bench/work)"
    )
    sub.add_argument(
        "--scaling-agencies",
        type=int,
        default=50,
        help="agency count of the scaling run at the smallest size; 0 skips it (default 50)",
    )


def _add_run_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--repeat", type=int, default=3, help="fresh-process runs per workload (default 3)")
    sub.add_argument(
        "--naive-sizes",
        type=_sizes,
        default=_sizes(DEFAULT_NAIVE_SIZES),
        help=f"sizes the naive pipeline runs at (default {DEFAULT_NAIVE_SIZES}; openpyxl needs "
        "~85 s per 1M rows just to read)",
    )
    sub.add_argument("--naive-formats", type=_formats, default=["xlsx"], help="default xlsx")
    sub.add_argument("--naive-repeat", type=int, default=1, help="default 1")
    sub.add_argument(
        "--extrapolate-naive",
        action="store_true",
        help="estimate the naive time at sizes it did not run at (labelled as extrapolated)",
    )
    sub.add_argument(
        "--ingest-sizes",
        type=_sizes,
        default=_sizes(DEFAULT_INGEST_SIZES),
        help=f"sizes at which ingestion alone is timed beside the bare reader (default "
        f"{DEFAULT_INGEST_SIZES}; only sizes also in --sizes)",
    )
    sub.add_argument(
        "--ingest-formats",
        type=_ingest_formats,
        default=None,
        help="formats of the ingestion rows, among xlsx,xlsx-inline,csv (default: --formats, with "
        "the inline-string xlsx beside the shared-string one)",
    )
    sub.add_argument("--no-ingest", action="store_true", help="skip the ingestion-vs-reader measurement")
    sub.add_argument(
        "--ingest-only",
        action="store_true",
        help="only the ingestion-vs-reader rows (no end-to-end, naive, rebuild or agency-scaling runs)",
    )
    sub.add_argument("--no-rebuild", action="store_true", help="skip the rebuild-after-notes measurement")
    sub.add_argument("--rebuild-repeat", type=int, default=1, help="rebuilds timed per size (default 1)")
    sub.add_argument("--keep", action="store_true", help="keep run workspaces and naive outputs in bench/work/runs/")
    sub.add_argument("--no-write", action="store_true", help="print the table but write nothing to bench/results/")
    sub.add_argument("--results-dir", type=Path, default=None, help="where results go (default bench/results)")


def make_plan(args: argparse.Namespace):
    from .suite import Plan

    return Plan(
        sizes=args.sizes,
        formats=args.formats,
        repeat=getattr(args, "repeat", 1),
        naive_sizes=getattr(args, "naive_sizes", []),
        naive_formats=getattr(args, "naive_formats", ["xlsx"]),
        naive_repeat=getattr(args, "naive_repeat", 1),
        extrapolate_naive=getattr(args, "extrapolate_naive", False),
        agencies=args.agencies,
        history_tickets=args.history_tickets,
        rebuild=not getattr(args, "no_rebuild", False),
        rebuild_repeat=getattr(args, "rebuild_repeat", 1),
        scaling_agencies=args.scaling_agencies or None,
        ingest_sizes=[]
        if getattr(args, "no_ingest", False)
        else getattr(args, "ingest_sizes", _sizes(DEFAULT_INGEST_SIZES)),
        ingest_formats=getattr(args, "ingest_formats", None),
        keep_workspaces=getattr(args, "keep", False),
        end_to_end=not getattr(args, "ingest_only", False),
        work_dir=args.work_dir,
    )


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "scale":
        from .scale import main as scale_main

        return scale_main(args, log)
    if args.command is None:
        args = build_parser().parse_args(["run", *(argv or [])])
    plan = make_plan(args)
    from .suite import prepare, run_plan

    if args.command == "generate":
        prepare(plan, log)
        return 0
    from .report import RESULTS_DIR, machine_info, markdown, write_results

    machine = machine_info()
    results = {"machine": machine, **run_plan(plan, log)}
    table = markdown(results)
    if not args.no_write:
        json_path, md_path = write_results(results, args.results_dir or RESULTS_DIR)
        log(f"wrote {json_path} and {md_path}")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
