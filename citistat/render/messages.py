"""The words of the books, from one message catalogue per language (citistat/locale/<lang>.toml).

Templates never hold prose of their own: they call `t("section.key", name=value)`.
A missing key raises, so a template cannot silently print a blank heading.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import CitistatError

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
LANGUAGES = ("zh-CN", "en")


class MissingMessage(CitistatError):
    """A template asked for a message the catalogue does not have."""


@dataclass(frozen=True)
class Messages:
    lang: str
    table: dict[str, str]

    def __call__(self, key: str, **values: object) -> str:
        try:
            text = self.table[key]
        except KeyError:
            raise MissingMessage(f"message {key!r} is missing from {LOCALE_DIR / (self.lang + '.toml')}") from None
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.table


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
        raise CitistatError(f"no message catalogue for language {lang!r}; use one of {', '.join(LANGUAGES)}")
    with (LOCALE_DIR / f"{lang}.toml").open("rb") as handle:
        return Messages(lang, flatten(tomllib.load(handle)))
