"""A wheel must carry every shipped template and configuration file (setup.cfg's data_files)."""

from __future__ import annotations

import configparser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _data_file_globs() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg", encoding="utf-8")
    globs = []
    for value in parser["options.data_files"].values():
        globs += [g.strip() for g in value.replace("\n", ",").split(",") if g.strip()]
    return globs


def _shipped_files() -> set[Path]:
    files = set()
    for glob in _data_file_globs():
        files.update(p.relative_to(REPO) for p in REPO.glob(glob) if p.is_file())
    return files


def test_every_template_and_config_file_is_in_the_wheel():
    shipped = _shipped_files()
    wanted = {
        p.relative_to(REPO)
        for folder in ("templates", "config")
        for p in (REPO / folder).rglob("*")
        if p.is_file() and p.name != "caller-key.salt" and "__pycache__" not in p.parts
    }
    assert wanted, "no templates or configuration found"
    assert sorted(map(str, wanted - shipped)) == []


def test_data_files_install_beside_their_folder():
    # share/citistat/templates/sections must hold templates/sections/*, not a flattened copy
    parser = configparser.ConfigParser()
    parser.read(REPO / "setup.cfg", encoding="utf-8")
    for target, value in parser["options.data_files"].items():
        for glob in (g.strip() for g in value.replace("\n", ",").split(",") if g.strip()):
            assert target.removeprefix("share/citistat/") == str(Path(glob).parent), (target, glob)
