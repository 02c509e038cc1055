"""A short crash campaign in the default suite (`make crash` runs the long one: 21 kills, 20 store kills)."""

from __future__ import annotations

import pytest
from crash_campaign import campaign, store_kills

pytestmark = pytest.mark.skipif(not __import__("os").path.exists("/proc/self/stat"), reason="reads /proc")


def test_kills_during_ingest_build_and_publish_leave_a_consistent_archive(tmp_path):
    tally = campaign(tmp_path / "ws", kills=2, seed=3, pdf=False)
    assert sum(tally.kills.values()) == 2
    assert tally.orphans == 0 and tally.inconsistent == 0 and tally.reruns == 2


def test_kills_during_stores_leave_nothing_after_gc(tmp_path):
    kills, left = store_kills(tmp_path / "b", kills=2, seed=5)
    assert kills == 2 and left == 0
