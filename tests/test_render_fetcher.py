"""WeasyPrint may read the template assets and the charts, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from citistat.render.fetcher import FetchDenied, RestrictedFetcher


@pytest.fixture()
def fetcher(tmp_path) -> RestrictedFetcher:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "book.css").write_text("p {}", "utf-8")
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "a.png").write_bytes(b"\x89PNG")
    (tmp_path / "secret.txt").write_text("secret", "utf-8")
    return RestrictedFetcher([tmp_path / "static", tmp_path / "charts"], [Path("/usr/share/fonts/x.ttc")])


def test_assets_charts_fonts_and_data_urls_are_allowed(fetcher, tmp_path):
    assert fetcher.allows((tmp_path / "static" / "book.css").as_uri())
    assert fetcher.allows((tmp_path / "charts" / "a.png").as_uri())
    assert fetcher.allows("file:///usr/share/fonts/x.ttc")
    assert fetcher.allows("data:image/png;base64,iVBORw0KGgo=")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.org/tracker.png",
        "https://example.org/a.css",
        "ftp://example.org/x",
        "file://otherhost/etc/passwd",
        "file:///usr/share/fonts/other.ttc",
    ],
)
def test_everything_else_is_refused(fetcher, url):
    assert not fetcher.allows(url)


def test_dot_dot_out_of_an_allowed_folder_is_refused(fetcher, tmp_path):
    assert not fetcher.allows(f"file://{tmp_path}/charts/../secret.txt")


def test_a_refused_fetch_raises_and_is_recorded(fetcher):
    with pytest.raises(FetchDenied):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.denied == ["file:///etc/passwd"]


def test_an_allowed_fetch_reads_the_file(fetcher, tmp_path):
    response = fetcher.fetch((tmp_path / "static" / "book.css").as_uri())
    assert response.read() == b"p {}"  # the response is a file-like object
