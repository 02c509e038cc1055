"""The message catalogues: same keys in both languages, every key a template asks for exists."""

from __future__ import annotations

import re

import pytest

from citistat.errors import MissingMessage
from citistat.messages import load_messages
from citistat.results import METRICS
from citistat.workspace import DEFAULT_TEMPLATES_DIR

DYNAMIC = {  # keys templates build from data: prefix -> every value the data may take
    "metric.": [*METRICS, "volume"],
    "short.": list(METRICS),
    "rag.": ["green", "amber", "red"],
    "status.": ["draft", "published", "active", "new", "no tickets", "renamed"],
    "edition.": ["internal", "public"],
    "book.edition_note.": ["internal", "public"],
    "followup.state.": ["open", "done", "overdue", "dropped"],
    "flag.": ["info", "watch", "concern"],
    "compare.": ["previous", "last_year", "mean3"],
    "methods.def.": list(METRICS),
}


# The archive's own pages speak the books' catalogue plus record.<lang>.toml (tested in test_record.py).
RECORD_TEMPLATES = {"report.html", "index.html"}


def template_keys(names: set[str] | None = None) -> set[str]:
    keys = set()
    for path in DEFAULT_TEMPLATES_DIR.rglob("*.html"):
        if (path.name in RECORD_TEMPLATES) != (names is not None) or (names and path.name not in names):
            continue
        keys.update(re.findall(r"""\bt\(["']([a-z_.0-9]+)["']\s*[,)]""", path.read_text("utf-8")))
    return keys


def test_both_catalogues_have_the_same_keys():
    assert set(load_messages("zh-CN").table) == set(load_messages("en").table)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_key_a_template_uses_exists(lang):
    messages = load_messages(lang)
    wanted = template_keys() | {prefix + value for prefix, values in DYNAMIC.items() for value in values}
    assert len(template_keys()) > 50  # the scan found the templates
    assert sorted(k for k in wanted if not messages.has(k)) == []


def test_placeholders_are_filled_and_a_missing_key_says_which():
    t = load_messages("en")
    assert t("book.revision", revision=3) == "revision 3"
    with pytest.raises(MissingMessage, match="no.such.key"):
        t("no.such.key")


def test_page_footer_words():
    zh, en = load_messages("zh-CN"), load_messages("en")
    assert zh("page.prefix") + "5" + zh("page.middle") + "104" + zh("page.suffix") == "第 5 页 / 共 104 页"
    assert en("page.prefix") + "5" + en("page.middle") + "104" + en("page.suffix") == "Page 5 of 104"
