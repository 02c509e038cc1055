"""Writers hold the lock for the whole of their work; readers never need it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from citistat.archive import Archive
from citistat.cli import main


def invoke(workspace, *args):
    return CliRunner().invoke(main, [*args, "--workspace", str(workspace)])


@pytest.fixture
def exports(tmp_path):
    from citistat.sample import write_sample_set

    write_sample_set(tmp_path / "exports", tickets_per_period=60, seed=2, agencies=3, periods=["2024-03"])
    return tmp_path / "exports"


def test_ingest_takes_the_lock_before_it_reads_a_file(tmp_path, exports, monkeypatch):
    import citistat.ingest

    reads = []
    original = citistat.ingest.load
    monkeypatch.setattr(citistat.ingest, "load", lambda *a, **k: reads.append(a) or original(*a, **k))
    with Archive.open(tmp_path / "briefings"):  # another writer
        refused = [invoke(tmp_path, "ingest", str(exports)) for _ in range(3)]
    assert reads == []  # refused before reading anything, every time, with one message
    assert {r.exit_code for r in refused} == {2}
    assert len({r.output for r in refused}) == 1 and "is in use by process" in refused[0].output
    done = invoke(tmp_path, "ingest", str(exports))
    assert done.exit_code in (0, 1) and reads, done.output


def test_metrics_answers_while_a_writer_holds_the_lock_inside_a_write(tmp_path, exports):
    assert invoke(tmp_path, "ingest", str(exports)).exit_code in (0, 1)
    with Archive.open(tmp_path / "briefings") as writer:
        writer.db.execute("BEGIN IMMEDIATE")  # a writer mid-transaction, as a build recording its books
        writer.db.execute("UPDATE sessions SET build_state = 'building'")
        result = invoke(tmp_path, "metrics", "--period", "2024-03")
        listed = invoke(tmp_path, "sessions", "list")
        writer.db.execute("ROLLBACK")
    assert result.exit_code == 0, result.output
    assert "period 2024-03" in result.output
    assert listed.exit_code == 0 and "build none" in listed.output  # the committed state, not the open write


def test_every_writing_command_offers_wait():
    from citistat.commands import build, ingest, memo, publish, run

    writers = [ingest.command, run.command, build.command, publish.command, memo.command]
    groups = {"followup": ["add", "update", "close", "import"], "notes": ["set", "import"], "sessions": ["gc", "index"]}
    for group, names in groups.items():
        command = main.get_command(None, group)
        writers += [command.commands[name] for name in names]
    for command in writers:
        assert "wait" in {p.name for p in command.params}, command.name
