"""How a header or an answer is folded before it is matched: one rule for profiles and values alike."""

from __future__ import annotations

import unicodedata


def fold_label(text: str) -> str:
    """A header label folded for matching: NFKC, no spaces of any kind, lower case."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "\u200b\u200c\u200d\u2060\ufeff").lower()
