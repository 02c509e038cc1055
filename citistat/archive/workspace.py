"""Opening the archive of a workspace, where its configuration says it is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..workspace import Workspace, open_workspace

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings


def archive_for(ws: Workspace, settings: Settings, *, readonly: bool = False, wait: float = 0):
    """The archive at the workspace's [archive] path (default briefings/); a writer waits up to `wait` s."""
    from . import Archive

    weekday = settings.build.meeting_weekday
    archive = Archive.open(ws.archive_dir(settings.archive.path), readonly=readonly, meeting_weekday=weekday, wait=wait)
    archive.index_lang = settings.build.lang
    return archive


def open_workspace_archive(workspace: str | Path | None, *, readonly: bool = False, wait: float = 0):
    """For commands that take --workspace: validate the configuration, then open its archive."""
    from ..config import load_config

    ws = open_workspace(workspace)
    return archive_for(ws, load_config(ws).settings, readonly=readonly, wait=wait)
