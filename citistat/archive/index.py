"""`index.html`: the archive as one static page, readable straight from the folder (no server).

Every value goes through Jinja2's autoescaping; link targets are percent-encoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2

from ..safe_io import atomic_write_text
from .schema import now_iso

INDEX_NAME = "index.html"

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>citistat archive</title>
<style>
body { font-family: "Noto Sans CJK SC", sans-serif; margin: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }
.published { color: #075; } .draft { color: #a60; }
ul { margin: 0; padding-left: 1.2em; }
</style>
</head>
<body>
<h1>citistat archive</h1>
<p>{{ sessions|length }} session(s); written {{ written_at }}.</p>
<table>
<thead><tr><th>period</th><th>revision</th><th>status</th><th>meeting</th><th>city book</th>
<th>agency briefs</th><th>other files</th><th>data quality</th><th>follow-ups raised</th></tr></thead>
<tbody>
{% for s in sessions %}
<tr id="s-{{ s.period }}-r{{ s.revision }}">
<td>{{ s.period }}</td>
<td>{{ s.revision }}</td>
<td class="{{ s.status }}">{{ s.status }}{% if s.published_at %}<br>{{ s.published_at }}{% endif %}</td>
<td>{{ s.meeting_date or "—" }}</td>
<td>{% for link in s.city_book %}<a href="{{ link.href }}">{{ link.label }}</a> {% else %}—{% endfor %}</td>
<td>{% if s.briefs %}<ul>{% for link in s.briefs %}<li><a href="{{ link.href }}">{{ link.label }}</a></li>{% endfor %}</ul>{% else %}—{% endif %}</td>
<td>{% if s.others %}<ul>{% for link in s.others %}<li><a href="{{ link.href }}">{{ link.label }}</a></li>{% endfor %}</ul>{% else %}—{% endif %}</td>
<td>{{ s.quality.files }} file(s){% for status, n in s.quality.file_status.items() %}, {{ status }} {{ n }}{% endfor %};
rows read {{ s.quality.read }}, accepted {{ s.quality.accepted }}, rejected {{ s.quality.rejected }};
issues{% for severity, n in s.quality.issues.items() %} {{ severity }} {{ n }}{% else %} none{% endfor %}</td>
<td>{% for status, n in s.followups.items() %}{{ status }} {{ n }}{% if not loop.last %}, {% endif %}{% endfor %}</td>
</tr>
{% endfor %}
</tbody>
</table>
</body>
</html>
"""


@dataclass(frozen=True)
class Link:
    href: str
    label: str


def write_index(archive) -> Path:
    """Write `<archive>/index.html` atomically and return its path."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = environment.from_string(_TEMPLATE).render(
        sessions=[_session_row(archive, s) for s in archive.sessions()], written_at=now_iso())
    return atomic_write_text(archive.root / INDEX_NAME, html)


def _session_row(archive, session) -> dict:
    outputs = archive.outputs(session)

    def links(roles: tuple[str, ...]) -> list[Link]:
        return [Link(quote(o.path), Path(o.path).name) for o in outputs if o.role in roles]

    return {
        "period": session.period, "revision": session.revision, "status": session.status,
        "published_at": session.published_at, "meeting_date": session.meeting_date,
        "city_book": links(("city_book",)), "briefs": links(("agency_brief",)),
        "others": links(("memo", "export", "other")),
        "quality": _quality(archive, session.period), "followups": archive.followup_status_counts(session.period),
    }


def _quality(archive, period: str) -> dict:
    files = archive.input_file_rows(period)
    totals = {"read": 0, "accepted": 0, "rejected": 0}
    statuses: dict[str, int] = {}
    for row in files:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        reconciliation = json.loads(row["reconciliation"])
        for key in totals:
            totals[key] += reconciliation.get(key, 0)
    return {"files": len(files), "file_status": statuses, **totals, "issues": archive.issue_severity_counts(period)}
