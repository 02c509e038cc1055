"""What a session's folder holds on disk, file by file.

Revision 1 of a period lives in `<period>/`, and later revisions in
`<period>/rev-N/` inside it: each revision's files are its own folder's minus
the folders of the later revisions.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REVISION_FOLDER = re.compile(r"rev-[0-9]+")
DATA_FOLDER = "data"
TEMP_SUFFIX = ".tmp"  # safe_io's temporary files: `.<name>.<random>.tmp`


def folder_files(folder: Path) -> list[Path]:
    """Every file under a session's folder (symbolic links included: they are files someone put there),
    without the folders of other revisions nested in it."""
    if not folder.is_dir():
        return []
    found = []
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        if here == folder:
            dirs[:] = [d for d in dirs if not REVISION_FOLDER.fullmatch(d)]
        for name in dirs:
            if (here / name).is_symlink():  # os.walk does not descend into it; it is still something put there
                found.append(here / name)
        found.extend(here / name for name in files)
    return sorted(found)


def is_data_file(folder: Path, path: Path) -> bool:
    """A file under the revision's `data/` folder (the store's, not the build's)."""
    return path.relative_to(folder).parts[0] == DATA_FOLDER


def is_temporary(path: Path) -> bool:
    return path.name.endswith(TEMP_SUFFIX)
