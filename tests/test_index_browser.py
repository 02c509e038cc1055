"""The archive index in a real browser (headless Chromium): links resolve, the filter works, the page looks right.

The filter is driven through the URL hash (#q=…&status=…), which the page reads on load, and
the page is read back with --dump-dom after its script ran. The screenshot is compared with
tests/snapshots/index/index-zh-CN.png within a tolerance; set CITISTAT_UPDATE_SNAPSHOTS=1 to
write a new reference after a deliberate change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from builders import APRIL, MARCH, store  # noqa: E402

from citistat.archive import Archive
from citistat.archive import index as index_module

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REFERENCE = Path(__file__).parent / "snapshots" / "index" / "index-zh-CN.png"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--font-render-hinting=none",
]
# Pixels that may differ from the reference (anti-aliasing, a font build): 1.5 % of the page, and a
# mean difference of at most 2 of 255 per channel.
MAX_CHANGED_SHARE = 0.015
MAX_MEAN_DIFFERENCE = 2.0


@pytest.fixture(autouse=True)
def _chromium_installed():
    # not a skip: `make test` installs it, and a missing browser must not pass as green
    assert CHROMIUM is not None, "chromium is not installed: run scripts/install-system-deps.sh (make test does)"


def _book(folder: Path, name: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(name, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def archive_root(tmp_path_factory) -> Path:
    """Two periods: 2024-03 published with books in two languages, then revised; 2024-04 a draft."""
    root = tmp_path_factory.mktemp("index") / "briefings"
    original = index_module.now_iso
    index_module.now_iso = lambda: "2024-04-30T12:00:00+08:00"  # the page's clock, pinned for the screenshot
    try:
        _fill(root)
    finally:
        index_module.now_iso = original
    return root


def _fill(root: Path) -> None:
    with Archive.open(root) as archive:
        for period, rows in (("2024-03", MARCH), ("2024-04", APRIL)):
            store(archive, period, rows)
            build = archive.sessions.begin_build(period, f"{period}-28")
            outputs = []
            for lang in ("zh-CN", "en"):
                outputs.append(_book(build.folder, f"citistat-{period}-book-{lang}-internal.pdf"))
                for agency in ("市城市管理局", "市水务局"):
                    outputs.append(_book(build.folder, f"agencies/citistat-{period}-{agency}-{lang}-internal.pdf"))
            archive.sessions.record_outputs(build, {}, outputs)
        archive.sessions.publish("2024-03")
        archive.followups.add("市水务局", "排查漏损", "李四", "2024-04-20", period="2024-03")
        memo = _book(
            archive.memos.next_path("2024-03", "citistat-2024-03-memo-zh-CN.pdf").parent,
            "citistat-2024-03-memo-zh-CN.pdf",
        )
        archive.memos.record("2024-03", "zh-CN", memo)
        # an open-data export of the published period and an annual report built from both periods
        export = root / "open-data" / "2024-03"
        for name in ("rates.csv", "counts-agency.csv", "parquet/rates.parquet", "requests.json"):
            _book(export, name)
        (export / "datapackage.json").write_text(json.dumps({"x_citistat": {"status": "published"}}), "utf-8")
        reports = root / "reports" / "2024"
        for lang in ("zh-CN", "en"):
            _book(reports, f"citistat-2024-annual-{lang}-internal.pdf")
        (reports / "report.json").write_text(
            json.dumps(
                {
                    "year": 2024,
                    "revision": 1,
                    "status": "draft",
                    "sessions": [
                        {"period": "2024-03", "revision": 1, "status": "published"},
                        {"period": "2024-04", "revision": 1, "status": "draft"},
                    ],
                }
            ),
            "utf-8",
        )
        with archive.transaction() as db:  # the publishing clock too: the page is the same on every run
            db.execute("UPDATE sessions SET published_at = '2024-04-01T09:00:00+08:00' WHERE published_at IS NOT NULL")
        # closing rewrites index.html (the export and reports above were written beside the sessions)
        archive.note_files_written()


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    shutil.rmtree(profile, ignore_errors=True)
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=60, check=True
    )


def _dom(tmp_path: Path, page: Path, fragment: str = "") -> str:
    return _chromium(tmp_path, "--dump-dom", page.as_uri() + fragment).stdout


class _Page(HTMLParser):
    """Links and the filter's verdict on each row, from the DOM after the page's script ran."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.rows: dict[str, bool] = {}  # row id or period -> shown
        self.shown_text = ""
        self._in_shown = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "tr" and "row" in (attrs.get("class") or "").split():
            key = attrs.get("id") or attrs.get("data-period")
            self.rows[key] = "hidden" not in (attrs.get("class") or "").split()
        self._in_shown = attrs.get("id") == "shown"

    def handle_data(self, data):
        if self._in_shown:
            self.shown_text += data
            self._in_shown = False


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.fixture(scope="module")
def unfiltered(archive_root, tmp_path_factory) -> dict[str, _Page]:
    folder = tmp_path_factory.mktemp("chromium")
    return {name: _parse(_dom(folder, archive_root / name)) for name in ("index.html", "index.en.html")}


def test_every_link_resolves_to_a_file(archive_root, unfiltered):
    for name, page in unfiltered.items():
        assert len(page.hrefs) >= 12
        assert any(h.startswith("reports/2024/") for h in page.hrefs)
        assert "open-data/2024-03/datapackage.json" in page.hrefs and "open-data/2024-03/requests.json" in page.hrefs
        assert "memos/2024-03/memo-1/citistat-2024-03-memo-zh-CN.pdf" in page.hrefs
        for href in page.hrefs:
            assert "://" not in href, f"{name} links outside the archive: {href}"
            assert (archive_root / unquote(href)).is_file(), f"{name}: {href} does not exist"


def test_filter_by_period_agency_and_status(archive_root, unfiltered, tmp_path):
    index = archive_root / "index.html"
    assert unfiltered["index.html"].rows == {"s-2024-03-r1": True, "s-2024-04-r1": True, "2024": True, "2024-03": True}
    assert "4 / 4" in unfiltered["index.html"].shown_text and "4 of 4" in unfiltered["index.en.html"].shown_text
    assert _parse(_dom(tmp_path, index, "#q=2024-04")).rows == {
        "s-2024-03-r1": False,
        "s-2024-04-r1": True,
        "2024": False,
        "2024-03": False,
    }
    assert _parse(_dom(tmp_path, index, "#status=published")).rows == {
        "s-2024-03-r1": True,
        "s-2024-04-r1": False,
        "2024": False,
        "2024-03": True,
    }
    by_agency = _parse(_dom(tmp_path, index, "#q=%E5%B8%82%E6%B0%B4%E5%8A%A1%E5%B1%80&status=draft"))  # 市水务局
    assert by_agency.rows == {"s-2024-03-r1": False, "s-2024-04-r1": True, "2024": False, "2024-03": False}
    assert "1 / 4" in by_agency.shown_text


def test_screenshot_matches_the_reference(archive_root, tmp_path):
    from PIL import Image, ImageChops

    shot = tmp_path / "index.png"
    _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,800", (archive_root / "index.html").as_uri())
    image = Image.open(shot).convert("RGB")
    if os.environ.get("CITISTAT_UPDATE_SNAPSHOTS") or not REFERENCE.exists():
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        image.save(REFERENCE, optimize=True)
        pytest.fail(f"reference written to {REFERENCE}: look at it, commit it and run again")
    reference = Image.open(REFERENCE).convert("RGB")
    assert image.size == reference.size
    difference = ImageChops.difference(image, reference).convert("L")
    histogram = difference.histogram()
    pixels = image.size[0] * image.size[1]
    changed = sum(histogram[16:]) / pixels
    mean = sum(value * count for value, count in enumerate(histogram)) / pixels
    assert changed <= MAX_CHANGED_SHARE and mean <= MAX_MEAN_DIFFERENCE, (
        f"index screenshot differs from {REFERENCE.name}: {changed:.2%} of pixels changed, mean {mean:.2f}"
    )
