"""Wording of the archive's own pages (the index, the annual report, the open-data notes).

They speak the books' catalogue (citistat/locale/<lang>.toml) plus their own,
citistat/locale/record.<lang>.toml, kept apart so the books' catalogue and these
pages can change independently. A missing key raises, as in the books.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache

from .render.messages import LOCALE_DIR, Messages, flatten, load_messages

LANGUAGES = ("zh-CN", "en")


@lru_cache(maxsize=4)
def record_messages(lang: str) -> Messages:
    base = load_messages(lang)
    with (LOCALE_DIR / f"record.{lang}.toml").open("rb") as handle:
        own = flatten(tomllib.load(handle))
    return Messages(lang, {**base.table, **own})
