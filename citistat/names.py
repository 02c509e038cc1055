"""Names as a book prints them: without control, bidi-override or zero-width characters.

A U+202E right-to-left override in an agency name reverses how the rest of a line prints, and a
control character may be invisible in one program and a box in another. Such characters carry
no meaning in a name, so they are removed wherever names come in: ingest (ingest.scrub, over
whole columns with Arrow) and the agency roster and aliases (config.load_config, here).
"""

from __future__ import annotations

import re

# C0 and C1 controls (TAB, LF and CR included: a name is one line), bidi embeddings, overrides,
# isolates and marks, zero-width characters, invisible operators and the soft hyphen. RE2 syntax (Arrow).
INVISIBLE = (
    r"[\x00-\x1f\x7f-\x9f\x{00AD}\x{061C}\x{180E}\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}-\x{2064}"
    r"\x{2066}-\x{2069}\x{FEFF}]"
)
INVISIBLE_PY = re.compile(INVISIBLE.replace(r"\x{", r"\u").replace("}", ""))  # the same class for Python's re


def invisible_in(text: str) -> list[str]:
    """The invisible characters of `text`, each once, in code point order."""
    return sorted(set(INVISIBLE_PY.findall(text)))


def strip_invisible(text: str) -> str:
    return INVISIBLE_PY.sub("", text).strip()


def codepoints(chars) -> str:
    """ "\u202e" -> "U+202E": the character itself may be invisible or undrawable."""
    return ", ".join(f"U+{ord(ch):04X}" for ch in chars)
