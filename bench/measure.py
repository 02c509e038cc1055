"""Run one timed job in a fresh Python process and measure it from outside.

Each repetition is a new process, so imports, font caches and the page cache
of the input are paid (or not) as a user would pay them. We record:

- wall seconds of the whole process (start-up and imports included);
- peak RSS of the largest single process in the tree (`wait4` rusage; the
  same figure `/usr/bin/time -v` prints), and
- peak RSS summed over the whole process tree, sampled every 50 ms from /proc
  (worker pools count; pages shared between forked workers count twice, so
  this is an upper bound);
- the job's own report: a JSON line the child prints (stage seconds etc.).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPORT_PREFIX = "BENCH-REPORT "
SAMPLE_SECONDS = 0.05
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
REPO_DIR = Path(__file__).resolve().parent.parent


@dataclass
class ChildResult:
    ok: bool
    returncode: int
    wall_s: float
    peak_rss_mib: float  # largest single process
    tree_peak_rss_mib: float  # whole tree, sampled
    report: dict = field(default_factory=dict)
    stderr_tail: str = ""


def emit_report(report: dict) -> None:
    """Called by a child job: its result for the parent, as one line on stdout."""
    sys.stdout.write(REPORT_PREFIX + json.dumps(report, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def run_child(args: list[str], *, module: str = "bench.driver", timeout: float | None = None) -> ChildResult:
    """Run `python -m module args…` in a fresh process and measure it."""
    command = [sys.executable, "-m", module, *args]
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = TreeRssSampler(process.pid)
    sampler.start()
    # Threads drain the pipes; we reap the child ourselves with wait4 to get its rusage.
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    readers = [_drain(process.stdout, out_chunks), _drain(process.stderr, err_chunks)]
    try:
        _pid, status, usage = _wait4(process.pid, timeout)
    finally:
        sampler.stop()
    wall = time.perf_counter() - start
    for reader in readers:
        reader.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout = b"".join(out_chunks).decode("utf-8", "replace")
    stderr = b"".join(err_chunks).decode("utf-8", "replace")
    report = _parse_report(stdout)
    return ChildResult(
        ok=process.returncode == 0 and bool(report),
        returncode=process.returncode,
        wall_s=wall,
        peak_rss_mib=usage.ru_maxrss / 1024,  # Linux reports KiB
        tree_peak_rss_mib=max(sampler.peak_bytes, usage.ru_maxrss * 1024) / 2**20,
        report=report,
        stderr_tail="\n".join(stderr.strip().splitlines()[-25:]),
    )


def _drain(stream, chunks: list[bytes]) -> threading.Thread:
    def read() -> None:
        for block in iter(lambda: stream.read(65536), b""):
            chunks.append(block)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _wait4(pid: int, timeout: float | None):
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        result = os.wait4(pid, os.WNOHANG)
        if result[0] == pid:
            return result
        if deadline is not None and time.monotonic() > deadline:
            os.kill(pid, 9)
            return os.wait4(pid, 0)
        time.sleep(0.02)


def _parse_report(stdout: str) -> dict:
    for line in reversed(stdout.splitlines()):
        if line.startswith(REPORT_PREFIX):
            return json.loads(line[len(REPORT_PREFIX) :])
    return {}


class TreeRssSampler:
    """Samples the summed RSS of a process and all its descendants."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.root_pid))
            self._stop.wait(SAMPLE_SECONDS)


def tree_rss_bytes(root_pid: int) -> int:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, pending = 0, [root_pid]
    while pending:
        pid = pending.pop()
        total += _rss_bytes(pid)
        pending.extend(children.get(pid, []))
    return total


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * PAGE_BYTES
    except (OSError, IndexError, ValueError):
        return 0


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs: list[ChildResult]) -> dict:
    """Medians over repetitions: wall, RSS and every stage the children reported."""
    good = [run for run in runs if run.ok]
    stages: dict[str, list[float]] = {}
    for run in good:
        for name, seconds in run.report.get("stages", {}).items():
            stages.setdefault(name, []).append(seconds)
    return {
        "runs": len(runs),
        "ok": len(good),
        "wall_s": median([r.wall_s for r in good]),
        "wall_s_all": [round(r.wall_s, 3) for r in good],
        "inner_s": median([r.report.get("inner_s") for r in good]),
        "peak_rss_mib": median([r.peak_rss_mib for r in good]),
        "tree_peak_rss_mib": median([r.tree_peak_rss_mib for r in good]),
        "stages": {name: median(values) for name, values in stages.items()},
        "failures": [{"returncode": r.returncode, "stderr": r.stderr_tail} for r in runs if not r.ok],
        "last_report": good[-1].report if good else {},
    }
