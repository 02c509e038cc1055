"""Run one citistat command on fuzz inputs in a subprocess bounded by `resource` limits, and judge the outcome.

A case passes when the command ends with exit 0, 1 or 2, prints no traceback,
stays under the memory bound and ends within the time bound. The child's address
space (RLIMIT_AS) and CPU time are capped so a runaway case cannot hurt the
machine; its peak resident memory (its own and its readers') comes from wait4.

    prepare_workspace(folder) -> Path
    run_case(command, paths, workspace, timeout=60) -> Outcome
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ADDRESS_SPACE_LIMIT = 8 * 2**30  # virtual: Python with pandas and pyarrow maps ~1.5 GB before any data
MEMORY_BOUND = 1536 * 2**20  # peak resident memory a case may reach
# The fuzz workspace's own limits: small enough that a bomb or a huge claim is caught in seconds.
FUZZ_SETTINGS = """
[ingest]
max_uncompressed_mb = 64
max_reader_memory_mb = 768
max_read_seconds = 30
"""


@dataclass
class Outcome:
    command: str
    exit_code: int | None  # None: killed for taking too long
    seconds: float
    peak_rss: int  # bytes
    output: str

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.output

    @property
    def hang(self) -> bool:
        return self.exit_code is None

    @property
    def over_memory(self) -> bool:
        return self.peak_rss > MEMORY_BOUND or "MemoryError" in self.output or "memory allocation" in self.output

    @property
    def bad_exit(self) -> bool:
        return self.exit_code is not None and self.exit_code not in (0, 1, 2)

    @property
    def internal_error(self) -> bool:
        return "internal_error" in self.output

    @property
    def ok(self) -> bool:
        return not (self.traceback or self.hang or self.over_memory or self.bad_exit)

    def describe(self) -> str:
        tail = "\n".join(self.output.strip().splitlines()[-15:])
        return (
            f"{self.command}: exit {self.exit_code}, {self.seconds:.1f} s, peak {self.peak_rss / 2**20:.0f} MiB\n{tail}"
        )


def prepare_workspace(folder: Path) -> Path:
    """A workspace whose settings keep the fuzz limits small (the rest is the shipped defaults)."""
    workspace = folder / "workspace"
    (workspace / "config").mkdir(parents=True, exist_ok=True)
    shipped = (REPO / "config" / "citistat.toml").read_text(encoding="utf-8")
    (workspace / "config" / "citistat.toml").write_text(_with_fuzz_limits(shipped), encoding="utf-8")
    return workspace


def _with_fuzz_limits(settings: str) -> str:
    overridden = {line.split("=", 1)[0].strip() for line in FUZZ_SETTINGS.splitlines() if "=" in line}
    kept = [line for line in settings.splitlines() if line.split("=", 1)[0].strip() not in overridden]
    text = "\n".join(kept)
    extra = "\n".join(line for line in FUZZ_SETTINGS.splitlines() if "=" in line)
    return text.replace("[ingest]", "[ingest]\n" + extra, 1)


def _limit_child() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (120, 130))
    os.setsid()  # its own process group: a hang is killed with everything it started


def command_line(command: str, paths: list[Path], workspace: Path) -> list[str]:
    base = [sys.executable, "-m", "citistat", command, "-w", str(workspace)]
    if command == "validate":
        return [*base, "--lang", "en", *map(str, paths)]
    if command == "ingest":
        return [*base, "--period", "2024-03", *map(str, paths)]
    return [*base, "--period", "2024-03", "--lang", "en", "--edition", "public", *map(str, paths)]


def run_case(command: str, paths: list[Path], workspace: Path, timeout: float = 60) -> Outcome:
    """Run `citistat COMMAND` on `paths` in a limited subprocess; kill it (and its group) after `timeout`."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
        "MPLBACKEND": "Agg",
    }
    started = time.monotonic()
    log = workspace.parent / f"output-{os.getpid()}-{time.monotonic_ns()}.txt"
    with open(log, "wb") as output:
        child = subprocess.Popen(
            command_line(command, paths, workspace),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=workspace,
            preexec_fn=_limit_child,
        )
        exit_code, usage = _wait(child, timeout)
    seconds = time.monotonic() - started
    text = log.read_bytes().decode("utf-8", "replace")
    log.unlink()
    return Outcome(command, exit_code, seconds, usage.ru_maxrss * 1024 if usage else 0, text)


def _wait(child: subprocess.Popen, timeout: float):
    """(exit code or None after a timeout, rusage of the child and its waited-for descendants)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage
        if time.monotonic() > deadline:
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - ended just now
                pass
            pid, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            return None, usage
        time.sleep(0.05)
