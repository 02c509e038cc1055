"""index.html: every session with its links, data quality and follow-ups, all escaped."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import unquote

from builders import APRIL, MARCH, build, store  # noqa: E402

from citistat.archive import Archive  # noqa: E402


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def test_index_lists_sessions_links_quality_and_followups(tmp_path):
    with Archive.open(tmp_path / "briefings") as archive:
        store(archive, "2024-03", MARCH)
        build(archive, "2024-03", "2024-04-03")
        archive.sessions.publish("2024-03")
        build(archive, "2024-03")
        store(archive, "2024-04", APRIL)
        archive.followups.add("市水务局", "x", "李四", period="2024-03")
        path = archive.write_index()
    html = path.read_text(encoding="utf-8")
    assert path == tmp_path / "briefings" / "index.html"
    assert html.count("<tr id=") == 3  # 2024-03 rev 1 and rev 2, 2024-04 rev 1
    assert '<td class="published">已发布' in html and '<td class="draft">草稿' in html
    links = _Links()
    links.feed(html)
    assert "2024-03/city-book.pdf" in links.hrefs and "2024-03/rev-2/city-book.html" in links.hrefs
    # Links are relative and percent-encoded, and each resolves to a file in the archive.
    assert "2024-03/agencies/%E5%B8%82%E5%9F%8E%E5%B8%82%E7%AE%A1%E7%90%86%E5%B1%80.pdf" in links.hrefs
    assert all((path.parent / unquote(href)).is_file() for href in links.hrefs)
    assert "读取 5 行，接收 4，拒收 1" in html
    assert html.count("本次会议提出 1 项：办理中 1，已完成 0，已撤销 0") == 2  # raised at 2024-03, on both revisions
    # the 2024-04 session is brought the open item, counted as at its meeting date, not today
    april = html.split('id="s-2024-04-r1"')[1]
    assert "带入本次会议 1 项（超期 0 项" in april


def test_index_is_rewritten_when_the_archive_closes_after_a_change(tmp_path):
    with Archive.open(tmp_path / "briefings") as archive:
        store(archive, "2024-03", MARCH)
    index = tmp_path / "briefings" / "index.html"
    assert 'id="s-2024-03-r1"' in index.read_text("utf-8")
    with Archive.open(tmp_path / "briefings") as archive:
        archive.followups.add("市水务局", "x", "李四", period="2024-03")
    assert "本次会议提出 1 项" in index.read_text("utf-8")
    before = index.stat().st_mtime_ns
    with Archive.open(tmp_path / "briefings") as archive:
        archive.sessions.all()  # reading changes nothing: the index is left alone
    assert index.stat().st_mtime_ns == before
    english = (tmp_path / "briefings" / "index.en.html").read_text("utf-8")
    assert '<html lang="en">' in english and "1 raised at the meeting: open 1" in english


def test_index_escapes_names(tmp_path):
    with Archive.open(tmp_path / "briefings") as archive:
        store(archive, "2024-03", MARCH)
        session_build = archive.sessions.begin_build("2024-03")
        evil = session_build.folder / '<img src=x onerror="alert(1)">&.pdf'
        evil.write_text("x")
        archive.sessions.record_outputs(session_build, {}, [evil])
        html = archive.write_index().read_text(encoding="utf-8")
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&amp;.pdf" in html
    assert "%3Cimg%20src%3Dx" in html  # the link target is percent-encoded
