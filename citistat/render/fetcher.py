"""The only way WeasyPrint may read a resource: files inside the asset folders and the charts folder.

Ticket text is untrusted. Autoescaping already shows `<img src=…>` as text,
but a user template could still reference any URL; this fetcher refuses the
network and every file outside the allowed folders (and data: is harmless).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher

log = logging.getLogger(__name__)


class FetchDenied(ValueError):
    """WeasyPrint catches ValueError, logs it, and leaves the resource out."""


class RestrictedFetcher(URLFetcher):
    def __init__(self, allowed_dirs: list[Path], allowed_files: Sequence[Path] = ()) -> None:
        super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False)
        self.allowed_dirs = [Path(d).resolve() for d in allowed_dirs]
        self.allowed_files = {Path(f).resolve() for f in allowed_files}
        self.denied: list[str] = []

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return True
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            return False
        path = Path(unquote(parts.path)).resolve()  # resolve() defeats ../ and symlinks out of a folder
        if path in self.allowed_files:
            return True
        return any(path.is_relative_to(folder) for folder in self.allowed_dirs)

    def fetch(self, url, headers=None):
        if not self.allows(url):
            self.denied.append(url)
            log.warning("refused to load %s: only the template assets and charts may be read", url)
            raise FetchDenied(f"citistat does not load {url}")
        return super().fetch(url, headers)
