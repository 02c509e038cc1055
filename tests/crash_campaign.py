"""Kill -9 at seeded random moments of `ingest`, `build` and `publish`, and check what is left.

After every kill: no process the killed run started is alive 5 s later, the archive opens and verifies
clean, every file of a published revision is byte-for-byte what it was, no lock is left, and the same
command run again completes. `make crash` runs the long campaign; the default suite a short one.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from processes import command_line, descendants, is_alive

from citistat.archive import Archive

REPO = Path(__file__).parents[1]
STAGES = ("ingest", "build", "publish")
PERIOD = "2024-03"


@dataclass
class Tally:
    kills: Counter = field(default_factory=Counter)
    finished_first: Counter = field(default_factory=Counter)  # the run ended before its kill came
    orphans: int = 0
    inconsistent: int = 0
    reruns: int = 0

    def table(self) -> str:
        lines = [f"{'stage':<8} {'kills':>5} {'ended first':>11}"]
        lines += [f"{s:<8} {self.kills[s]:>5} {self.finished_first[s]:>11}" for s in STAGES]
        lines.append(
            f"total kills {sum(self.kills.values())}; processes left {self.orphans}; "
            f"inconsistent archives {self.inconsistent}; re-runs completed {self.reruns}"
        )
        return "\n".join(lines)


def make_workspace(root: Path, *, pdf: bool) -> Path:
    from citistat.sample import write_agency_tables, write_sample_set
    from citistat.workspace import DEFAULT_CONFIG_DIR

    write_sample_set(root / "exports", tickets_per_period=120, seed=9, agencies=3, periods=["2024-02", PERIOD])
    write_agency_tables(root / "config", agencies=3)
    settings = (DEFAULT_CONFIG_DIR / "citistat.toml").read_text(encoding="utf-8")
    if not pdf:
        settings = settings.replace('formats = ["pdf", "html"]', 'formats = ["html"]')
    (root / "config" / "citistat.toml").write_text(settings, encoding="utf-8")
    return root


def command(stage: str, root: Path) -> list[str]:
    args = {
        "ingest": ["ingest", str(root / "exports"), "--new-revision"],
        "build": ["build", "--period", PERIOD],
        "publish": ["publish", "--period", PERIOD],
    }[stage]
    return [sys.executable, "-m", "citistat", *args, "--workspace", str(root)]


def start(stage: str, root: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command(stage, root),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def complete(stage: str, root: Path) -> float:
    """Run a stage to its end; return its seconds. Exit 0 or 1 (rows rejected) is a completed run."""
    started = time.monotonic()
    process = start(stage, root)
    _, err = process.communicate(timeout=600)
    if process.returncode not in (0, 1):
        raise AssertionError(f"citistat {stage} failed ({process.returncode}): {err}")
    return time.monotonic() - started


def published_files(root: Path) -> dict[str, str]:
    """sha256 of every file under a published revision and of every memo: what must never change."""
    with Archive.open(root / "briefings", readonly=True) as archive:
        folders = [s.folder for s in archive.sessions.all() if s.status == "published"]
        from citistat.archive.contents import folder_files

        paths = [p for folder in folders for p in folder_files(folder)]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def latest_state(root: Path) -> tuple[str, str]:
    with Archive.open(root / "briefings", readonly=True) as archive:
        session = archive.sessions.get(PERIOD)
        return session.status, session.build_state


def prepare(stage: str, root: Path) -> None:
    """Bring the archive to where `stage` has work to do."""
    status, build_state = latest_state(root)
    if stage == "publish" and (status == "published" or build_state != "built"):
        if status == "published":
            complete("ingest", root)
        complete("build", root)
    if stage == "build" and status == "published":
        complete("ingest", root)


def kill_once(stage: str, root: Path, delay: float, tally: Tally) -> None:
    before = published_files(root)
    process = start(stage, root)
    time.sleep(delay)
    family = descendants(process.pid)
    if process.poll() is not None:
        tally.finished_first[stage] += 1
        process.communicate()
        return
    family |= descendants(process.pid)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    tally.kills[stage] += 1

    deadline = time.monotonic() + 5
    while any(is_alive(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [f"{p} {command_line(p)}" for p in family if is_alive(p)]
    tally.orphans += len(left)
    for pid in (int(line.split()[0]) for line in left):  # do not leave them to the next kill
        os.kill(pid, signal.SIGKILL)

    problems = _archive_problems(root, before)
    tally.inconsistent += bool(problems)
    assert not left, f"{stage} killed after {delay:.2f} s left processes behind: {left}"
    assert not problems, f"{stage} killed after {delay:.2f} s: {problems}"

    status, _ = latest_state(root)
    if not (stage == "publish" and status == "published"):  # a publish may have finished before the kill
        complete(stage, root)
    tally.reruns += 1
    assert published_files(root).items() >= before.items()


def _archive_problems(root: Path, before: dict[str, str]) -> list[str]:
    with Archive.open(root / "briefings", readonly=True) as archive:
        problems = [p.message for p in archive.verify()]
    with Archive.open(root / "briefings"):  # no stale lock: a writer gets in at once
        pass
    now = published_files(root)
    problems += [
        f"published file {path} changed or went missing" for path, sha in before.items() if now.get(path) != sha
    ]
    return problems


def campaign(root: Path, kills: int, seed: int, *, pdf: bool = True) -> Tally:
    make_workspace(root, pdf=pdf)
    rng = random.Random(seed)
    durations = {stage: complete(stage, root) for stage in STAGES}  # a first session, timed
    tally = Tally()
    attempts = 0
    while sum(tally.kills.values()) < kills and attempts < kills * 3:
        stage = STAGES[attempts % len(STAGES)]
        attempts += 1
        prepare(stage, root)
        # Python's start-up is a fixed cost; the kill falls anywhere from it to the end of the work.
        kill_once(stage, root, rng.uniform(0.3, max(durations[stage], 0.5)), tally)
    return tally


def store_kills(root: Path, kills: int, seed: int) -> tuple[int, int]:
    """Kill the archive worker right after a data file is written (before the database knows it), `kills`
    times; then gc. Returns (kills, unreferenced files left after gc)."""
    worker = Path(__file__).parent / "fixtures" / "archive" / "worker.py"
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = 0
    for _ in range(kills):
        run = subprocess.run(
            [sys.executable, str(worker), str(root), "30", "data_written", str(rng.randint(1, 12))],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert run.returncode == -signal.SIGKILL, run.stderr
        done += 1
    with Archive.open(root) as archive:
        assert archive.verify() == []
        archive.collect_garbage(apply=True)
        left = archive.unreferenced_files()
        assert archive.verify() == []
    return done, len(left)


if __name__ == "__main__":  # make crash
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=21)
    parser.add_argument("--store-kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tally = campaign(Path(folder) / "ws", options.kills, options.seed)
        stores, left = store_kills(Path(folder) / "stores", options.store_kills, options.seed)
    print(tally.table())
    print(f"store kills {stores}; unreferenced files after gc {left}")
