"""`python -m bench scale`: a synthetic province recounted by DuckDB and by Spark in local mode.

Each engine runs in a fresh process (bench.scale_child) measured like the other benchmarks: wall time,
peak RSS of the process and of its whole tree (Spark's JVM is a child process), and for DuckDB the
largest size its spill folder reached under `--memory-limit`. The cost per 10M tickets is read off
the counting time; the cluster figures are a projection from that, not a measurement.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .measure import run_child
from .province import Province, write_province
from .report import RESULTS_DIR, machine_info
from .workloads import WORK_DIR

PROJECTED_EXECUTORS = (4, 16, 64)
CORES_PER_EXECUTOR = 4


def run_scale(
    province: Province,
    engines: list[str],
    *,
    memory_limit: str,
    master: str,
    mode: str,
    work_dir: Path = WORK_DIR,
    log=print,
    timeout: float | None = None,
) -> dict:
    root = work_dir / f"province-{province.cities}x{province.months}-{_label(province.tickets)}"
    log(f"scale: writing the province under {root} (cached)")
    summary = write_province(root, province, log)
    runs = []
    for engine in engines:
        log(f"scale: {engine} recount ({mode}) …")
        result = run_child(
            [
                "--engine",
                engine,
                "--source",
                str(root),
                "--out",
                str(work_dir / f"counts-{engine}"),
                "--memory-limit",
                memory_limit,
                "--temp-dir",
                str(work_dir / f"spill-{engine}"),
                "--master",
                master,
                "--mode",
                mode,
            ],
            module="bench.scale_child",
            timeout=timeout,
        )
        run = {
            "engine": engine,
            "ok": result.ok,
            "wall_s": round(result.wall_s, 1),
            "peak_rss_mib": round(result.peak_rss_mib),
            "tree_peak_rss_mib": round(result.tree_peak_rss_mib),
            **result.report,
        }
        if not result.ok:
            run["stderr_tail"] = result.stderr_tail
        derive_costs(run, master)
        log(f"scale: {engine}: {json.dumps(run, ensure_ascii=False)[:400]}")
        runs.append(run)
    return {"kind": "scale", "province": summary, "mode": mode, "runs": runs, "projection": projection(runs, master)}


def derive_costs(run: dict, master: str) -> dict:
    """Seconds, core-seconds (wall × cores) and CPU seconds per 10M tickets of one run."""
    if run.get("ok") and run.get("tickets"):
        run["count_s_per_10M"] = round(run["count_s"] / run["tickets"] * 1e7, 2)
        run["core_s_per_10M"] = round(run["count_s_per_10M"] * _cores(run["engine"], master), 2)
        if run.get("count_cpu_s") is not None:  # CPU actually used: the fair cost on a busy machine
            run["cpu_s_per_10M"] = round(run["count_cpu_s"] / run["tickets"] * 1e7, 2)
    return run


def _cores(engine: str, master: str) -> int:
    if engine == "spark" and master.startswith("local[") and master[6:-1].isdigit():
        return int(master[6:-1])
    return os.cpu_count() or 1


def _label(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else str(n)


def projection(runs: list[dict], master: str) -> dict | None:
    """Spark on N executors: the measured core-seconds per ticket spread over N × cores, plus the
    measured start. Assumes the scan and partial aggregation parallelise (they do: each Parquet file is
    read and pre-aggregated apart) and the shuffle stays small (it carries counts, not tickets)."""
    spark = next((r for r in runs if r["engine"] == "spark" and r.get("ok") and r.get("core_s_per_10M")), None)
    if spark is None:
        return None
    # CPU seconds when measured (wall × cores overstates the cost on a shared machine), else core-seconds.
    cost = spark.get("cpu_s_per_10M") or spark["core_s_per_10M"]
    per_ticket = cost / 1e7
    return {
        "basis": f"Spark {master} on this machine: {cost} CPU-s per 10M tickets "
        f"({'measured CPU time' if spark.get('cpu_s_per_10M') else 'wall × cores'}), start {spark['start_s']} s",
        "cores_per_executor": CORES_PER_EXECUTOR,
        "rows": [
            {
                "executors": n,
                "tickets": tickets,
                "projected_s": round(spark["start_s"] + per_ticket * tickets / (n * CORES_PER_EXECUTOR), 1),
            }
            for n in PROJECTED_EXECUTORS
            for tickets in (10**9,)
        ],
    }


def markdown(results: dict) -> str:
    meta, province = results["machine"], results["province"]
    p = province["province"]
    lines = [
        f"# citistat scale benchmark, {meta['date']} on {meta['host']}",
        "",
        f"{meta['cpus']} CPUs, load average at start {meta['load_average_at_start']}; citistat "
        f"{meta['versions'].get('citistat')} ({meta.get('commit')}). Synthetic province: {p['cities']} cities × "
        f"{p['months']} months from {p['first_period']}, {province['tickets']:,} tickets in {province['files']} "
        f"Parquet files ({province['bytes'] / 2**30:.2f} GiB), written by DuckDB in {province['generate_s']} s. "
        f"Mode: `{results['mode']}` ({'counts written as Parquet by the engine' if results['mode'] == 'write' else 'counts returned as the frames of count_all'}).",
        "",
        "| engine | ok | tickets | count rows | start s | count s | wall s | peak RSS MiB | tree RSS MiB | "
        "spill peak MiB | memory limit | s per 10M | core-s per 10M | CPU s | CPU s per 10M |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["runs"]:
        lines.append(
            f"| {r['engine']}{' ' + r['master'] if r.get('master') else ''} | {'yes' if r['ok'] else 'NO'} | "
            f"{r.get('tickets', 0):,} | {r.get('count_rows', 0):,} | {r.get('start_s', '—')} | "
            f"{r.get('count_s', '—')} | {r['wall_s']} | {r['peak_rss_mib']} | {r['tree_peak_rss_mib']} | "
            f"{r.get('spill_peak_mib', '—')} | {r.get('memory_limit') or '—'} | {r.get('count_s_per_10M', '—')} | "
            f"{r.get('core_s_per_10M', '—')} | {r.get('count_cpu_s', '—')} | {r.get('cpu_s_per_10M', '—')} |"
        )
    proj = results.get("projection")
    if proj:
        lines += [
            "",
            f"## Projection (not measured): Spark on a cluster of N executors × {proj['cores_per_executor']} cores",
            "",
            f"Basis: {proj['basis']}. Assumes the Parquet scan and partial aggregation spread evenly over the "
            "cores and the shuffle (counts only) stays small; storage bandwidth and skew are not modelled.",
            "",
            "| executors | tickets | projected s |",
            "|---|---|---|",
        ]
        lines += [f"| {row['executors']} | {row['tickets']:,} | {row['projected_s']} |" for row in proj["rows"]]
    notes = [f"{r['engine']}: {r['count_cpu_note']}" for r in results["runs"] if r.get("count_cpu_note")]
    check = results.get("cross_check")
    if check:
        notes.append(
            f"Cross-check: {check['what']}: {check['rows_only_in_duckdb']} rows only in DuckDB's, "
            f"{check['rows_only_in_spark']} only in Spark's, of {check['rows']:,} rows counting {check['tickets']:,} tickets."
        )
    if notes:
        lines += ["", "Notes:", ""] + [f"- {note}" for note in notes]
    failed = [r for r in results["runs"] if not r["ok"]]
    for r in failed:
        lines += ["", f"{r['engine']} failed:", "```", r.get("stderr_tail", ""), "```"]
    return "\n".join(lines) + "\n"


def write_scale_results(results: dict, name: str, directory: Path = RESULTS_DIR) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{results['machine']['date'][:10]}-{results['machine']['host']}-{name}"
    json_path, md_path = directory / f"{stem}.json", directory / f"{stem}.md"
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path


def main(args, log) -> int:
    province = Province(cities=args.cities, months=args.months, tickets=args.tickets, first_period=args.first_period)
    results = {
        "machine": machine_info(),
        **run_scale(
            province,
            args.engines,
            memory_limit=args.memory_limit,
            master=args.master,
            mode=args.mode,
            work_dir=args.work_dir,
            log=log,
        ),
    }
    if not args.no_write:
        paths = write_scale_results(results, args.name)
        log(f"wrote {paths[0]} and {paths[1]}")
    print(markdown(results))
    return 0 if all(r["ok"] for r in results["runs"]) else 1


def rerender(json_path: Path) -> None:
    """Write the markdown of a stored result again (after the table gained a column)."""
    results = json.loads(Path(json_path).read_text(encoding="utf-8"))
    master = next((r["master"] for r in results["runs"] if r.get("master")), "local[2]")
    for run in results["runs"]:
        derive_costs(run, master)
    results["projection"] = projection(results["runs"], master)
    Path(json_path).write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    Path(json_path).with_suffix(".md").write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    import sys

    for path in sys.argv[1:]:
        rerender(Path(path))
