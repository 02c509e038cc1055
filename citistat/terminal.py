"""Text tables on a terminal, where a Chinese character takes two columns."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """Terminal columns: wide and full-width (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad_left_aligned(text: str, width: int, *, cut: bool = False) -> str:
    """`text` followed by spaces up to `width` columns; cut to fit when `cut`."""
    if cut:
        while display_width(text) > width:
            text = text[:-1]
    return text + " " * max(0, width - display_width(text))


def pad_right_aligned(text: str, width: int) -> str:
    return " " * max(0, width - display_width(text)) + text
