"""`index.html`: the archive as one static page, readable straight from the folder (no server, no network).

Every session with its status, revision and meeting date; its books per language and
edition; the follow-up memo and follow-ups; the annual reports and open-data exports.
A filter box (plain JavaScript, also driven by the URL hash `#q=…&status=…`) narrows the
rows by period, agency or status. The page is written in the workspace's language
(`index.html`) and in the other one (`index.<lang>.html`), each linking to the other.

Follow-up figures are as at the session's meeting date (never today's clock), so the
page says what the books said. Every value goes through Jinja2's autoescaping; link
targets are relative and percent-encoded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ..safe_io import atomic_write_text
from .record import OPEN_DATA_FOLDER, REPORTS_FOLDER, files_under, quality_at
from .schema import now_iso

INDEX_NAME = "index.html"
INDEX_TEMPLATE = "index.html"
LANGUAGES = ("zh-CN", "en")
# citistat-<period>-<book | agency slug>-<lang>-<edition>.<pdf|html>, as render names them
_BOOK_NAME = re.compile(
    r"^citistat-(?P<period>\d{4}-\d{2})-(?P<what>.+)-(?P<lang>zh-CN|en)-(?P<edition>[a-z]+)"
    r"\.(?P<format>pdf|html)$"
)
_REPORT_NAME = re.compile(
    r"^citistat-(?P<year>\d{4})-annual-(?P<lang>zh-CN|en)(?:-(?P<edition>[a-z]+))?"
    r"\.(?P<format>pdf|html)$"
)


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    lang: str | None = None  # the language of the linked file, when it has one


@dataclass
class BookGroup:
    """The books of one language and edition in one session."""

    lang: str
    edition: str
    city: list[Link] = field(default_factory=list)
    briefs: list[Link] = field(default_factory=list)


def index_path(root: Path, lang: str, primary: str) -> Path:
    return root / (INDEX_NAME if lang == primary else f"index.{lang}.html")


def write_index(archive, lang: str | None = None) -> Path:
    """Write the index in the archive's language (`index.html`) and the other language; return index.html."""
    primary = lang or getattr(archive, "index_lang", None) or LANGUAGES[0]
    data = _index_data(archive)
    for each in LANGUAGES:
        other = next(o for o in LANGUAGES if o != each)
        html = _render(each, data, other_href=index_path(archive.root, other, primary).name)
        atomic_write_text(index_path(archive.root, each, primary), html)
    return index_path(archive.root, primary, primary)


def _render(lang: str, data: dict, *, other_href: str) -> str:
    import jinja2

    from ..messages import load_messages
    from ..render.formatting import DASH, date_label, num, period_label, tidy_for
    from ..workspace import DEFAULT_TEMPLATES_DIR

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(DEFAULT_TEMPLATES_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    messages = load_messages(lang)
    environment.filters.update(num=num, period=lambda p: period_label(p, lang), date=lambda d: date_label(d, lang))
    environment.globals.update(
        t=messages,
        DASH=DASH,
        label=lambda group, key: messages(f"{group}.{key}") if messages.has(f"{group}.{key}") else key,
    )
    return tidy_for(lang)(environment.get_template(INDEX_TEMPLATE).render(lang=lang, other_href=other_href, **data))


def _index_data(archive) -> dict:
    sessions = archive.sessions.all()
    latest = {s.period: s.revision for s in sessions}
    # newest first: the record is read from the latest session back
    ordered = sorted(sessions, key=lambda s: (s.period, s.revision), reverse=True)
    rows = [_session_row(archive, s, latest[s.period] == s.revision) for s in ordered]
    return {"sessions": rows, "reports": _reports(archive), "exports": _exports(archive), "written_at": now_iso()}


def _href(path: str | Path) -> str:
    return quote(Path(path).as_posix())


def _session_row(archive, session, is_latest: bool) -> dict:
    groups: dict[tuple[str, str], BookGroup] = {}
    others: list[Link] = []
    agencies: set[str] = set()
    for output in archive.sessions.outputs(session):
        name = Path(output.path).name
        match = _BOOK_NAME.match(name)
        if output.role in ("city_book", "agency_brief") and match:
            group = groups.setdefault((match["lang"], match["edition"]), BookGroup(match["lang"], match["edition"]))
            if output.role == "city_book":
                group.city.append(Link(_href(output.path), match["format"].upper()))
            else:
                group.briefs.append(Link(_href(output.path), match["what"]))
                agencies.add(match["what"])
        elif output.role in ("city_book", "agency_brief", "memo"):
            others.append(Link(_href(output.path), name))
    memo = []
    if is_latest:  # memos belong to the period, shown beside its latest revision: the newest in each language
        newest = {m.lang: m for m in archive.memos.all(session.period)}  # listed oldest first
        memo = [_memo_link(Path(m.path)) for m in newest.values()]
    order = {lang: i for i, lang in enumerate(LANGUAGES)}
    books = sorted(groups.values(), key=lambda g: (order.get(g.lang, 9), g.edition))
    for group in books:
        group.briefs.sort(key=lambda link: link.label)
    return {
        "period": session.period,
        "revision": session.revision,
        "status": session.status,
        "published_at": session.published_at,
        "meeting_date": session.meeting_date,
        "books": books,
        "others": others,
        "memo": memo,
        "agencies": sorted(agencies | _followup_agencies(archive, session.period)),
        "quality": quality_at(archive, session.period, session.data_revision) if session.data_revision else None,
        "followups": _followups(archive, session.period),
    }


def _memo_link(relative: Path) -> Link:
    """A memo's link, labelled by its language when its name says it (citistat-<period>-memo-<lang>.pdf)."""
    match = re.match(r"^citistat-\d{4}-\d{2}-memo-(zh-CN|en)\.(pdf|html)$", relative.name)
    return Link(_href(relative), match[2].upper(), match[1]) if match else Link(_href(relative), relative.name)


def _followup_agencies(archive, period: str) -> set[str]:
    return {
        r[0] for r in archive.db.execute("SELECT DISTINCT agency FROM followups WHERE raised_period = ?", (period,))
    }


def _followups(archive, period: str) -> dict:
    """Brought to the meeting (as at its date, as the book showed them) and raised at it (stored status)."""
    carried = archive.followups.for_briefing(period)
    raised = dict.fromkeys(("open", "done", "dropped"), 0)
    for row in archive.db.execute(
        "SELECT status, COUNT(*) FROM followups WHERE raised_period = ? GROUP BY status", (period,)
    ):
        raised[row[0]] = raised.get(row[0], 0) + row[1]
    return {
        "carried": sum(1 for f in carried if f.status in ("open", "overdue")),
        "carried_overdue": sum(1 for f in carried if f.status == "overdue"),
        "raised": sum(raised.values()),
        **{f"raised_{k}": v for k, v in raised.items()},
    }


def _reports(archive) -> list[dict]:
    """Annual reports under reports/<year>/, newest year first, each with its files per language."""
    folder = archive.root / REPORTS_FOLDER
    years: dict[str, dict] = {}
    for relative in files_under(archive.root, folder, (".pdf", ".html")):
        match = _REPORT_NAME.match(relative.name)
        if not match:
            continue
        entry = years.setdefault(
            match["year"], {"year": match["year"], "links": [], **_report_stamp(archive.root / relative.parent)}
        )
        entry["links"].append({"lang": match["lang"], "format": match["format"].upper(), "href": _href(relative)})
    order = {lang: i for i, lang in enumerate(LANGUAGES)}
    for entry in years.values():
        entry["links"].sort(key=lambda link: (order.get(link["lang"], 9), link["format"]))
    return [years[y] for y in sorted(years, reverse=True)]


def _report_stamp(folder: Path) -> dict:
    """What report.json says: the sessions the report was built from, and whether any was a draft."""
    import json

    try:
        data = json.loads((folder / "report.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {"basis": [], "status": "", "revision": None}
    return {"basis": data.get("sessions", []), "status": data.get("status", ""), "revision": data.get("revision")}


def _export_status(package: Path) -> str:
    import json

    try:
        return json.loads(package.read_text("utf-8")).get("x_citistat", {}).get("status", "")
    except (OSError, ValueError):
        return ""


def _exports(archive) -> list[dict]:
    exports = []
    for package in sorted(archive.root.glob(f"{OPEN_DATA_FOLDER}/*/datapackage.json")):
        folder = package.parent
        period = folder.name
        requests = folder / "requests.json"
        exports.append(
            {
                "period": period,
                "status": _export_status(package),
                "package": _href(package.relative_to(archive.root)),
                "requests": _href(requests.relative_to(archive.root)) if requests.is_file() else None,
                "files": [
                    Link(_href(p), (archive.root / p).relative_to(folder).as_posix())
                    for p in files_under(archive.root, folder, (".csv", ".parquet"))
                ],
            }
        )
    return exports
