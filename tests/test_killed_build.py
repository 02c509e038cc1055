"""A build killed with SIGKILL takes its render workers with it; readers answer while a build runs.

The build runs as a real `python -m citistat build` with two spawned PDF workers (and multiprocessing's
resource tracker). The test waits until the workers are busy, checks that `metrics` answers and that a
second writer is refused, then kills the parent with SIGKILL: within 5 s nothing it started may be alive,
and the next build must find no stale process or lock and complete.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import command_line, descendants, is_alive

from citistat.archive import Archive

REPO = Path(__file__).parents[1]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")


def citistat(*args: str, workspace: Path, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "citistat", *args, "--workspace", str(workspace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


def finished(*args: str, workspace: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    process = citistat(*args, workspace=workspace)
    out, err = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A small city (3 agencies, two months) ingested, rendering with two pool workers."""
    from citistat.sample import write_agency_tables, write_sample_set
    from citistat.workspace import DEFAULT_CONFIG_DIR

    root = tmp_path_factory.mktemp("killed")
    write_sample_set(root / "exports", tickets_per_period=100, seed=5, agencies=3, periods=["2024-02", "2024-03"])
    write_agency_tables(root / "config", agencies=3)
    settings = (DEFAULT_CONFIG_DIR / "citistat.toml").read_text(encoding="utf-8")
    assert "workers = 2" in settings
    (root / "config" / "citistat.toml").write_text(settings, encoding="utf-8")
    done = finished("ingest", str(root / "exports"), workspace=root)
    assert done.returncode in (0, 1), done.stderr
    return root


def _wait_for_workers(build: subprocess.Popen, count: int, timeout: float = 120) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = {p for p in descendants(build.pid) if "spawn_main" in command_line(p)}
        if len(workers) >= count:
            return workers
        if build.poll() is not None:
            pytest.fail(f"the build ended before its workers started: {build.communicate()}")
        time.sleep(0.05)
    pytest.fail("the build's workers did not start")


def test_killed_build_leaves_no_process_and_no_lock_and_readers_answer_during_a_build(loaded):
    build = citistat("build", "--period", "2024-03", workspace=loaded)
    _wait_for_workers(build, 2)

    # While the build writes: a reader answers from its snapshot, a second writer is refused plainly.
    metrics = finished("metrics", "--period", "2024-03", workspace=loaded, timeout=120)
    assert metrics.returncode == 0, metrics.stderr
    assert "period 2024-03" in metrics.stdout
    second = finished("build", "--period", "2024-03", workspace=loaded, timeout=120)
    if build.poll() is None:  # (on a fast machine the build may have finished meanwhile)
        assert second.returncode == 2 and "is in use by process" in second.stderr, second.stderr

    started = descendants(build.pid)
    if build.poll() is None:
        assert started, "the build had no child process to leave behind"
        build.send_signal(signal.SIGKILL)
        build.wait()
        deadline = time.monotonic() + 5
        while any(is_alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = {p: command_line(p) for p in started if is_alive(p)}
        assert not left, f"processes outlived the killed build: {left}"
    build.communicate()

    rerun = finished("build", "--period", "2024-03", workspace=loaded)
    assert rerun.returncode == 0, rerun.stderr
    with Archive.open(loaded / "briefings") as archive:  # no stale lock
        assert archive.verify() == []
        assert archive.sessions.get("2024-03").build_state == "built"
