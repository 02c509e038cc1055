"""HTML → PDF with WeasyPrint: fonts by file, restricted fetching, conformance variants, attachments."""

from __future__ import annotations

from collections.abc import Sequence
from multiprocessing.util import Finalize
from pathlib import Path
from shutil import rmtree

from ..errors import CitistatError
from ..safe_io import atomic_write_bytes
from .fonts import CJKFont

DEFAULT_VARIANT = "pdf/ua-1"  # tagged, with a structure tree and /Lang: readable by screen readers
VARIANTS = ("pdf/ua-1", "pdf/ua-2", "pdf/a-3b", "pdf/a-3u", "pdf/a-2b", "pdf/a-2u")
FONT_FAMILY = "CitistatCJK"


def font_face_css(font: CJKFont) -> str:
    """@font-face rules for the CJK font files (a real bold face when one exists)."""
    rules = [
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: normal; src: url("{font.regular.as_uri()}"); }}'
    ]
    if font.bold is not None:
        rules.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: bold; src: url("{font.bold.as_uri()}"); }}'
        )
    return "\n".join(rules) + "\n"


def check_variant(variant: str | None, attachments: list[Path]) -> str:
    """The variant to write; attachments only where the standard allows them (PDF/A-3, or not PDF/A)."""
    variant = (variant or DEFAULT_VARIANT).lower()
    if variant not in VARIANTS:
        raise CitistatError(f"PDF variant {variant!r} is not supported; use one of {', '.join(VARIANTS)}")
    if attachments and variant.startswith("pdf/a-") and not variant.startswith("pdf/a-3"):
        raise CitistatError(
            f"{variant} forbids attached files; use pdf/a-3b to attach {', '.join(p.name for p in attachments)}"
        )
    return variant


class PdfWriter:
    """One per process: shares the font configuration so font files are loaded once, not per document."""

    def __init__(self, fetcher, variant: str, attachments: Sequence[Path] = (), stylesheet: str = "") -> None:
        from weasyprint.text.fonts import FontConfiguration

        from . import pdf_speedups

        pdf_speedups.install()
        self.fetcher = fetcher
        self.variant = variant
        self.attachments = list(attachments)
        self.font_config = FontConfiguration()
        self.stylesheet = stylesheet  # parsed on first use, then shared by every document of the process
        self._css = None
        # WeasyPrint copies @font-face files (~40 MB of CJK fonts) into a temporary folder that only its
        # __del__ removes, which never runs in a pool worker (they leave by os._exit) and not reliably at
        # interpreter exit: remove it when the writer goes away, or when the process ends, whichever is first.
        self.close = Finalize(self, _remove_font_folder, args=(self.font_config,), exitpriority=0)

    def layout(self, html: str, base_url: Path, *, shared_style: bool = False):
        """Lay the HTML out into pages (the slow part: about 0.1 s a page). `shared_style`: the HTML has no
        stylesheet of its own and gets the process's, parsed once (as a user stylesheet: the document's own
        rules, its @page margins, still come after it)."""
        from weasyprint import CSS, HTML

        stylesheets = None
        if shared_style:
            if self._css is None:
                self._css = CSS(
                    string=self.stylesheet,
                    base_url=str(base_url) + "/",
                    url_fetcher=self.fetcher,
                    font_config=self.font_config,
                )
            stylesheets = [self._css]
        return HTML(string=html, base_url=str(base_url) + "/", url_fetcher=self.fetcher).render(
            font_config=self.font_config, stylesheets=stylesheets
        )

    def write_document(self, document, out_path: Path, *, attach: bool = False, tagged: bool = True) -> Path:
        """Write laid-out pages (a whole document or a `document.copy(pages)`) as one PDF; untagged (no
        variant) for the folio sheet, whose margins are stamped on a tagged book as artifacts."""
        from weasyprint import Attachment

        # "Data": PDF/A-3 wants each embedded file's relationship to the document stated
        files = (
            [Attachment(filename=str(p), url_fetcher=_plain_fetcher(), relationship="Data") for p in self.attachments]
            if attach
            else []
        )
        data = document.write_pdf(
            pdf_variant=self.variant if tagged else None,
            attachments=files or None,
            uncompressed_pdf=False,
            pdf_identifier=b"citistat",
        )
        return atomic_write_bytes(out_path, data)

    def write(
        self, html: str, base_url: Path, out_path: Path, *, attach: bool = False, shared_style: bool = False
    ) -> Path:
        return self.write_document(self.layout(html, base_url, shared_style=shared_style), out_path, attach=attach)


def _remove_font_folder(font_config) -> None:
    folder = getattr(font_config, "_folder", None)
    if folder:
        rmtree(folder, ignore_errors=True)
        font_config._folder = None


def _plain_fetcher():
    """Attachments are files the caller chose (counts CSV, manifest), so they bypass the asset fence."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"file"})
