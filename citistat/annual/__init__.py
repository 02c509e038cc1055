"""The annual report: the year's record, built from the archive's sessions (citistat report --year Y).

    build_annual_report(ws, config, 2023, langs=("zh-CN", "en")) -> list[ReportFiles]

collect.py gathers the year (rates, monthly trends, ranks, topics, commitments, integrity
questions, data quality); render.py writes it as HTML and PDF with the books' templates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .collect import AnnualReport, collect_year, sessions_in_year
from .render import ReportFiles, next_revision, render_report, report_folder, write_stamp

if TYPE_CHECKING:
    from ..config import Config
    from ..workspace import Workspace


def build_annual_report(
    ws: Workspace,
    config: Config,
    year: int,
    *,
    langs: tuple[str, ...] = (),
    edition: str | None = None,
    formats: tuple[str, ...] = ("pdf", "html"),
) -> list[ReportFiles]:
    """Write the year's report in every language asked into `<archive>/reports/<year>/`."""
    from ..pipeline import _templates_dirs, open_archive

    langs = tuple(dict.fromkeys(langs or (config.lang,)))
    edition = edition or config.edition
    written = []
    with open_archive(ws, config) as archive:
        folder = report_folder(archive.root, year)
        reports = [collect_year(archive, config, year, lang) for lang in langs]
        revision = next_revision(folder, reports[0].basis())
        for report in reports:
            written.append(
                render_report(
                    report,
                    folder,
                    templates_dirs=_templates_dirs(ws),
                    edition=edition,
                    revision=revision,
                    formats=formats,
                )
            )
        write_stamp(folder, reports[0], revision)
        archive.note_files_written()
    return written


__all__ = ["AnnualReport", "ReportFiles", "build_annual_report", "collect_year", "sessions_in_year"]
