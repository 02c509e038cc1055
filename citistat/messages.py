"""The one message catalogue: every word citistat writes, per language (citistat/locale/*<lang>.toml).

    t = load_messages("en")
    t("book.revision", revision=3)                 # a book's, a page's or a question's wording
    t.issue("bad_date", column="受理时间", value="2024/2/30", formats="…")   # a data issue: (message, hint)

The files of a language are read together as one table of dotted keys:
`<lang>.toml` (the books), `record.<lang>.toml` (the archive's pages), `issues.<lang>.toml`
(data issues: `issue.<key>.message` and `.hint`, a key being a reason code or a code and a wording
after a dot, "corrupt_file.json") and `score.<lang>.toml` (the screens' questions). A key is defined
once; both languages have the same keys (tested). Templates never hold prose of their own: they call
`t("section.key", name=value)`. A missing key raises, so nothing silently prints a blank heading.

Values fill `{name}` placeholders; `{s}` reads "s" and `{were}` "were" unless the count (`count`, else
`n`) is 1, so one English template serves one and many.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh-CN", "en")
# The catalogue's files of one language, "{lang}" standing for it.
CATALOGUE_FILES = ("{lang}.toml", "record.{lang}.toml", "issues.{lang}.toml", "score.{lang}.toml")


@dataclass(frozen=True)
class Messages:
    """The catalogue in one language."""

    lang: str
    table: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = self.table[key]
        except KeyError:
            from .errors import MissingMessage  # imported late: the pure stages word messages without click

            raise MissingMessage(
                f"message {key!r} is missing from the {self.lang} catalogue ({LOCALE_DIR}/*{self.lang}.toml)"
            ) from None
        return text.format_map({**_plural_words(values), **values}) if values else text

    def has(self, key: str) -> bool:
        return key in self.table

    def issue(self, key: str, **fields: object) -> tuple[str, str]:
        """(message, hint) of a data issue. Fields an older record lacks show as empty; a key the
        catalogue does not know shows its reason code."""
        message = self.table.get(f"issue.{key}.message")
        if message is None:
            return reason_code(key), ""
        values = _Blank(code=reason_code(key), **_plural_words(fields), **fields)
        return message.format_map(values), self.table[f"issue.{key}.hint"].format_map(values)


def reason_code(key: str) -> str:
    """The stable reason code of an issue key ("corrupt_file.json" → "corrupt_file")."""
    return key.partition(".")[0]


def flatten(data: dict, prefix: str = "") -> dict[str, str]:
    """{"a": {"b": "x"}} -> {"a.b": "x"}."""
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@lru_cache(maxsize=4)
def load_messages(lang: str) -> Messages:
    if lang not in LANGUAGES:
        from .errors import CitistatError  # imported late, as in __call__

        raise CitistatError(f"no message catalogue for language {lang!r}; use one of {', '.join(LANGUAGES)}")
    table: dict[str, str] = {}
    for name in CATALOGUE_FILES:
        path = LOCALE_DIR / name.format(lang=lang)
        with path.open("rb") as handle:
            entries = flatten(tomllib.load(handle))
        if twice := sorted(set(entries) & set(table)):
            from .errors import CitistatError

            raise CitistatError(f"{path} defines {', '.join(twice)} again; a message key is defined once")
        table.update(entries)
    return Messages(lang, table)


def _plural_words(values: dict[str, object]) -> dict[str, str]:
    one = values.get("count", values.get("n")) in (1, "1")
    return {"s": "" if one else "s", "were": "was" if one else "were"}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""
