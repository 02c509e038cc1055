"""render: period results → charts, HTML, PDF books and spreadsheet exports.

    build_books(inputs, out_dir, *, templates_dirs, formats=("pdf", "html"), agencies=None,
                pdf_variant=None, attachments=(), workers=1) -> BookSet
    render_memo(inputs, out_path, *, templates_dirs) -> Path
    export_tables_xlsx(inputs, path) -> Path

WeasyPrint and matplotlib are imported only when a book is built.
"""

from __future__ import annotations

from .books import BookSet, build_books, render_memo
from .tables import export_tables_xlsx

__all__ = ["BookSet", "build_books", "export_tables_xlsx", "render_memo"]
