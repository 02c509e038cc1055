"""One writer at a time, and nothing lost when a run is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from citistat.archive import Archive
from citistat.errors import ArchiveError

WORKER = Path(__file__).parent / "fixtures" / "archive" / "worker.py"


def test_second_writer_gets_a_clear_error_naming_the_holder(tmp_path):
    with Archive.open(tmp_path / "b"):
        with pytest.raises(ArchiveError) as caught:
            Archive.open(tmp_path / "b")
    message = caught.value.message
    assert f"is in use by process {os.getpid()} since " in message
    assert "wait for that run to finish, or pass --wait SECONDS" in message


def test_a_second_writer_is_refused_with_the_same_message_every_time(tmp_path):
    with Archive.open(tmp_path / "b"):
        messages = set()
        for _ in range(5):
            with pytest.raises(ArchiveError) as caught:
                Archive.open(tmp_path / "b")
            messages.add(caught.value.message)
    assert len(messages) == 1


def test_a_second_writer_with_wait_gets_its_turn_when_the_first_ends(tmp_path):
    import threading

    opened = threading.Event()

    def first_writer():
        with Archive.open(tmp_path / "b"):
            opened.set()
            time.sleep(0.5)

    threading.Thread(target=first_writer).start()
    opened.wait(10)
    started = time.monotonic()
    with Archive.open(tmp_path / "b", wait=10) as second:
        assert not second.readonly
    assert 0.4 < time.monotonic() - started < 5


def test_a_second_writer_whose_wait_runs_out_is_refused(tmp_path):
    with Archive.open(tmp_path / "b"):
        started = time.monotonic()
        with pytest.raises(ArchiveError, match=r"in use by .* \(waited 0.3 s\)"):
            Archive.open(tmp_path / "b", wait=0.3)
        assert time.monotonic() - started >= 0.3


def test_a_reader_keeps_its_snapshot_while_a_writer_commits(tmp_path):
    from builders import MARCH, store

    with Archive.open(tmp_path / "b") as writer:
        with Archive.open(tmp_path / "b", readonly=True) as reader:
            assert reader.periods.all() == []
            store(writer, "2024-03", MARCH)  # commits while the reader reads
            assert reader.periods.all() == [] and reader.sessions.all() == []  # one consistent state, not half of each
        with Archive.open(tmp_path / "b", readonly=True) as later:
            assert later.periods.all() == ["2024-03"] and len(later.periods.tickets("2024-03")) == len(MARCH)


def test_a_store_never_deletes_data_a_reader_may_still_read(tmp_path):
    from builders import APRIL, MARCH, store

    with Archive.open(tmp_path / "b") as writer:
        store(writer, "2024-03", MARCH)
        with Archive.open(tmp_path / "b", readonly=True) as reader:
            store(writer, "2024-03", APRIL[:0] + MARCH[:2])  # replaces the draft's data while the reader reads
            assert len(reader.periods.tickets("2024-03")) == len(MARCH)  # the reader's snapshot still finds its files
        assert writer.unreferenced_files()  # left for gc, which removes them once no one reads
        writer.collect_garbage(apply=True)
        assert writer.unreferenced_files() == [] and writer.verify() == []


def test_lock_is_released_on_close_and_readers_need_none(tmp_path):
    with Archive.open(tmp_path / "b") as writer:
        with Archive.open(tmp_path / "b", readonly=True) as reader:
            assert reader.sessions.all() == []
            with pytest.raises(ArchiveError, match="read-only"):
                reader.followups.add("市水务局", "x", "y", period="2024-03")
        assert writer.periods.all() == []
    Archive.open(tmp_path / "b").close()


def test_the_parts_share_one_connection_one_snapshot_and_a_readers_parts_never_write(tmp_path):
    from builders import MARCH, store

    with Archive.open(tmp_path / "b") as writer:
        store(writer, "2024-03", MARCH)
        parts = (writer.periods, writer.sessions, writer.followups, writer.notes, writer.memos)
        assert all(part.connection is writer.connection for part in parts)
        with Archive.open(tmp_path / "b", readonly=True) as reader:
            writer.notes.set("2024-03", "市水务局", response="答复")  # commits while the reader reads
            writer.followups.add("市水务局", "x", "y", period="2024-03")
            assert reader.notes.for_briefing("2024-03") == {} and reader.followups.find() == []
            for write in (
                lambda: reader.notes.set("2024-03", "市水务局", response="r"),
                lambda: reader.followups.add("市水务局", "x", "y", period="2024-03"),
                lambda: reader.sessions.begin_build("2024-03"),
            ):
                with pytest.raises(ArchiveError, match="read-only"):
                    write()
        with Archive.open(tmp_path / "b", readonly=True) as later:
            assert list(later.notes.for_briefing("2024-03")) == ["市水务局"] and len(later.followups.find()) == 1


def test_reading_a_missing_archive_says_so(tmp_path):
    with pytest.raises(ArchiveError, match="no archive at"):
        Archive.open(tmp_path / "nothing", readonly=True)


def _run_worker(root: Path, iterations: int, *kill_at: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(root), str(iterations), *kill_at],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _assert_consistent(root: Path) -> None:
    with Archive.open(root, readonly=True) as reader:  # a reader first: it must cope with the interrupted write
        assert reader.verify() == []
    with Archive.open(root) as archive:  # the killed run's lock went with it
        assert archive.verify() == []
        for period in archive.periods.all():
            tickets, counts = archive.periods.tickets(period), archive.periods.counts("agency", [period])
            assert counts["n_tickets"].sum() == len(tickets)  # data rows and files belong together
        for session in archive.sessions.all():
            if session.status == "published":
                assert session.build_state == "built" and archive.sessions.outputs(session)


def _assert_next_run_completes(root: Path) -> None:
    rerun = _run_worker(root, 6)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert out.split() == [str(i) for i in range(6)]
    _assert_consistent(root)


# Each point is reached several times per iteration; the N-th time falls in a later
# iteration, after some sessions are built and one is published (iteration 3).
@pytest.mark.parametrize(
    "point, nth",
    [("data_written", 9), ("before_commit", 23), ("manifest_written", 5), ("frozen", 2), ("before_commit", 40)],
)
def test_run_killed_at_a_fragile_point_leaves_a_consistent_archive(tmp_path, point, nth):
    root = tmp_path / "briefings"
    worker = _run_worker(root, 50, point, str(nth))
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == -signal.SIGKILL, err
    assert 0 < len(out.split()) < 50  # it did some work, and it died before the end
    _assert_consistent(root)
    _assert_next_run_completes(root)


@pytest.mark.parametrize("finished, delay", [(2, 0.02), (6, 0.07)])
def test_run_killed_at_a_random_moment_leaves_a_consistent_archive(tmp_path, finished, delay):
    root = tmp_path / "briefings"
    worker = _run_worker(root, 50)
    for _ in range(finished + 1):  # wait for `finished` + 1 iterations to end
        if not worker.stdout.readline():
            pytest.fail(f"worker ended early: {worker.stderr.read()}")
    time.sleep(delay)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    _assert_consistent(root)
    _assert_next_run_completes(root)
