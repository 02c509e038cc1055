"""One measured recount of a Parquet ticket dataset (run by bench.scale in a fresh process).

    python -m bench.scale_child --engine duckdb|spark|pandas --source DIR --out DIR [--memory-limit 2GB]
                                [--temp-dir DIR] [--master local[2]] [--mode write|frames]

`write` (the province) writes every grain's counts as Parquet without passing them through Python;
`frames` (the 13-month history) returns them as the frames count_all gives, as citistat uses them.
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import shutil
import threading
import time
from pathlib import Path

from .measure import emit_report


def folder_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total


class SpillSampler:
    """The largest size the engine's spill folder reached."""

    def __init__(self, folder: Path | None):
        self.folder, self.peak, self._stop = folder, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.peak = max(self.peak, folder_bytes(self.folder))

    def __enter__(self):
        if self.folder is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of this process (every DuckDB thread), or of another one (Spark's JVM)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def jvm_pid(engine) -> int | None:
    if engine.kind != "spark":
        return None
    return int(engine.session.sparkContext._jvm.java.lang.ProcessHandle.current().pid())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", required=True)
    parser.add_argument("--source", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--memory-limit", default="")
    parser.add_argument("--temp-dir", type=Path, default=None)
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--spark-memory", default="3g")
    parser.add_argument("--mode", choices=("write", "frames"), default="write")
    args = parser.parse_args()
    if args.engine == "pandas" and args.mode == "write":
        parser.error("the pandas engine holds every ticket in memory: run it with --mode frames")

    from citistat.engines import EngineSettings, open_engine

    files = sorted(glob.glob(str(args.source / "**" / "tickets.parquet"), recursive=True))
    if args.temp_dir:
        shutil.rmtree(args.temp_dir, ignore_errors=True)
        args.temp_dir.mkdir(parents=True)
    settings = EngineSettings(
        kind=args.engine,
        memory_limit=args.memory_limit,
        temp_directory=str(args.temp_dir or ""),
        master=args.master,
        spark_conf={"spark.driver.memory": args.spark_memory, "spark.local.dir": str(args.temp_dir or "/tmp")},
    )
    started = time.perf_counter()
    with open_engine(settings) as engine, SpillSampler(args.temp_dir if args.engine == "duckdb" else None) as spill:
        if args.engine == "spark":
            _ = engine.session  # start the JVM: timed apart from the counting
        ready = time.perf_counter()
        jvm = jvm_pid(engine)
        cpu_used = lambda: cpu_seconds() + (cpu_seconds(jvm) if jvm else 0.0)  # noqa: E731
        cpu_before = cpu_used()
        if args.mode == "write":
            shutil.rmtree(args.out, ignore_errors=True)
            engine.write_counts(files, str(args.out))
        else:
            counts = engine.count(files)
        counted, cpu = time.perf_counter(), cpu_used() - cpu_before
        if args.mode == "write":
            rows, tickets = _written_totals(args.out)
        else:
            rows = sum(len(f) for f in counts.values())
            tickets = int(counts["agency"]["n_tickets"].sum())
    emit_report(
        {
            "engine": args.engine,
            "files": len(files),
            "tickets": tickets,
            "count_rows": rows,
            "start_s": round(ready - started, 2),
            "count_s": round(counted - ready, 2),
            "count_cpu_s": round(cpu, 1),
            "spill_peak_mib": round(spill.peak / 2**20, 1),
            "memory_limit": (args.memory_limit or None) if args.engine == "duckdb" else None,
            "master": args.master if args.engine == "spark" else None,
        }
    )


def _written_totals(out: Path) -> tuple[int, int]:
    """Rows written and tickets they count (the agency grain's n_tickets), read back outside the timing."""
    import duckdb

    pattern = str(out / "*.parquet") if out.is_dir() else str(out)
    rows, tickets = duckdb.sql(
        f"SELECT count(*), sum(n_tickets) FILTER (WHERE g_unit_type = 0) FROM read_parquet('{pattern}')"
    ).fetchall()[0]
    return int(rows), int(tickets or 0)


if __name__ == "__main__":
    main()
