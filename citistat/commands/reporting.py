"""How commands tell the user what happened: results on stdout, progress on stderr."""

from __future__ import annotations

from pathlib import Path

import click


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def report_load(outcome, *, quiet: bool = False) -> None:
    """One line per file and the reconciliation identity, on stderr."""
    if quiet:
        return
    result = outcome.ingest
    for report in result.files:
        rec = report.reconciliation
        reason = f" ({report.reason})" if report.reason else ""
        click.echo(
            f"  {report.status:<11} {Path(report.path).name}: read {rec.read}, accepted {rec.accepted}, "
            f"rejected {rec.rejected}, excluded {rec.excluded}, duplicates {rec.duplicates}, skipped {rec.skipped}{reason}",
            err=True,
        )
    total = result.reconciliation
    click.echo(
        f"rows read {total.read} = accepted {total.accepted} + rejected {total.rejected} + excluded {total.excluded}"
        f" + duplicates {total.duplicates} + skipped {total.skipped}"
        f" ({'balances' if total.balances() else 'DOES NOT BALANCE'})",
        err=True,
    )
    for _, change in sorted(outcome.stored.items()):
        for line in change.lines():
            click.echo(f"  {line}", err=True)


def report_build(built, root: Path) -> None:
    """Where the books are, on stdout: the city book, the briefs' folder, the exports."""
    click.echo(f"Books for {built.period} (revision {built.revision}) in {_relative(built.folder, root)}/:")
    shown = set()
    editions = getattr(built, "editions", None) or {"": built.books}
    for edition, by_lang in editions.items():
        for lang, books in by_lang.items():
            for path in (books.city_book_pdf, books.city_book_html):
                if path is not None:
                    click.echo(f"  {_relative(path, root)}")
            if books.agency_pdfs:
                folder = next(iter(books.agency_pdfs.values())).parent
                label = f"{lang}, {edition}" if edition else lang
                click.echo(f"  {_relative(folder, root)}/  ({len(books.agency_pdfs)} agency briefs, {label})")
            shown |= {books.city_book_pdf, books.city_book_html, *books.agency_pdfs.values()}
    for path in built.outputs:
        # Charts and reuse keys are recorded with the books (the HTML book loads them) but are not for reading.
        if path not in shown and ".keys" not in path.parts and path.suffix != ".png":
            click.echo(f"  {_relative(path, root)}")
    warned = set()
    for books in built.books.values():  # each language's books share the names: one warning per name
        for warning in getattr(books, "warnings", ()):
            if warning not in warned:
                warned.add(warning)
                click.echo(f"warning: {warning}", err=True)
