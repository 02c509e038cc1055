"""Where citistat works: a folder with an optional config/ and the archive.

With no config/ in the workspace, the defaults shipped inside the package
apply, so citistat runs from any folder after install.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    """A data folder shipped with citistat (config/ or templates/).

    In a source checkout (and an editable install) they are the folders at the
    repository top; a wheel installs copies under <prefix>/share/citistat/.
    """
    checkout = PACKAGE_DIR.parent / name
    if (PACKAGE_DIR.parent / "setup.cfg").is_file() and checkout.is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "citistat" / name


DEFAULT_CONFIG_DIR = _shipped("config")
DEFAULT_TEMPLATES_DIR = _shipped("templates")
SALT_FILE = "caller-key.salt"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    def archive_dir(self, configured: str = "briefings") -> Path:
        """The archive folder: `[archive] path` (config.settings.archive.path), relative to the workspace."""
        path = Path(configured)
        return path if path.is_absolute() else self.root / path

    def caller_salt(self) -> bytes:
        """The salt for hashing phone numbers: one per workspace, made on first use, never in code."""
        path = self.config_dir / SALT_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
            tmp.replace(path)
        return path.read_text(encoding="ascii").strip().encode("ascii")


def open_workspace(path: str | Path | None) -> Workspace:
    return Workspace(Path(path or ".").resolve())
