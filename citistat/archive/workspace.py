"""Opening the archive of a workspace, for the commands."""

from __future__ import annotations

import tomllib
from pathlib import Path

from ..workspace import DEFAULT_CONFIG_DIR, open_workspace
from .base import DEFAULT_MEETING_WEEKDAY


def open_workspace_archive(workspace: str | Path | None, *, readonly: bool = False):
    """The archive configured for the workspace ([archive] path, default briefings/)."""
    from . import Archive

    ws = open_workspace(workspace)
    settings = _settings(ws)
    weekday = settings.get("build", {}).get("meeting_weekday", DEFAULT_MEETING_WEEKDAY)
    return Archive.open(ws.archive_dir(settings), readonly=readonly, meeting_weekday=weekday)


def _settings(ws) -> dict:
    """The validated settings; the settings file alone while a pipeline stage is not installed."""
    from ..config import load_config

    try:
        return load_config(ws).settings
    except ModuleNotFoundError:
        local = ws.config_dir / "citistat.toml"
        path = local if local.exists() else DEFAULT_CONFIG_DIR / "citistat.toml"
        return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
