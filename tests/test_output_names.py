"""Output file names: one per agency, bounded, safe, stable; a collision fails loudly, never loses a brief."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest
from builders import files, issues, tickets

from citistat.errors import CitistatError
from citistat.render.file_names import SLUG_MAX_BYTES, bounded_slug, check_distinct, unit_file_stem

COLLIDING = [
    "!!!",
    "???",
    "Parks & Rec",
    "PARKS-REC",
    "parks rec",
    "..",
    "/",
    "市水务局" * 75,
    "市水务局" * 75 + "甲",
    "x" * 300,
    "x" * 299 + "y",
    "CON",
    "\u202e市水务局",
    "市水务局",
]


def test_every_name_gets_its_own_bounded_safe_stem():
    stems = [unit_file_stem(name) for name in COLLIDING]
    assert len(set(stems)) == len(COLLIDING)
    for stem in stems:
        assert len(stem.encode("utf-8")) <= SLUG_MAX_BYTES + 9
        assert "/" not in stem and "\0" not in stem and not stem.startswith(".")
        assert stem == stem.strip("-_ ")


def test_a_stem_is_stable_and_readable():
    assert unit_file_stem("Parks & Rec") == unit_file_stem("Parks & Rec")
    assert unit_file_stem("Parks & Rec").startswith("parks-rec-")
    assert unit_file_stem("市水务局").startswith("市水务局-")
    assert bounded_slug("市" * 100).encode("utf-8") == ("市" * 16).encode("utf-8")  # cut at a character


def test_two_agencies_on_one_path_fail_loudly():
    with pytest.raises(CitistatError, match="one would be lost.*'a', 'b'"):
        check_distinct({"a": Path("x/same.pdf"), "b": Path("x/same.pdf"), "c": Path("x/other.pdf")})


def test_a_run_with_colliding_agency_names_writes_one_brief_per_agency(tmp_path):
    """Through the pipeline: store tickets of colliding names, build, count the briefs on disk."""
    from citistat.archive import Archive
    from citistat.config import load_config
    from citistat.count import count_all
    from citistat.pipeline import build_books
    from citistat.workspace import open_workspace

    names = ["!!!", "???", "Parks & Rec", "PARKS-REC", "parks rec", "..", "/", "市水务局" * 75]
    rows = [(f"T{i}-{k}", name, True, k % 2 == 0, "satisfied") for i, name in enumerate(names) for k in range(3)]
    frame = tickets("2024-03", rows)
    with Archive.open(tmp_path / "briefings") as archive:
        archive.periods.store("2024-03", frame, count_all(frame), files(), issues())
    roster = tmp_path / "config" / "agencies"
    roster.mkdir(parents=True)
    with open(roster / "roster.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([("agency", "unit_type"), *((name, "委办局") for name in names)])
    (roster / "aliases.csv").write_text("alias,canonical,valid_from,valid_to\n", encoding="utf-8")
    ws = open_workspace(tmp_path)
    config = load_config(ws)
    one_worker = replace(config.settings, build=replace(config.settings.build, workers=1))
    config = replace(config, settings=one_worker)

    built = build_books(ws, config, "2024-03", formats=("pdf", "html"))

    briefs = built.books[config.lang].agency_pdfs
    assert sorted(briefs) == sorted(names)
    on_disk = sorted(p for p in (built.folder / "agencies").glob("*.pdf"))
    assert len(on_disk) == len(names) == len(set(briefs.values()))
    assert all(len(p.name.encode("utf-8")) < 120 for p in on_disk)
    manifest = json.loads((built.folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {o["path"] for o in manifest["outputs"]}
    written = {
        p.relative_to(tmp_path / "briefings").as_posix()
        for p in built.folder.rglob("*")
        if p.is_file() and p.name != "manifest.json" and "data" not in p.relative_to(built.folder).parts
    }
    assert listed == written  # exactly the files written: nothing missing, nothing extra
    assert {"chart", "key", "agency_brief", "city_book"} <= {o["role"] for o in manifest["outputs"]}
    with Archive.open(tmp_path / "briefings", readonly=True) as archive:
        assert archive.verify() == []
