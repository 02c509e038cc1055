"""Personal data in ticket text: finding it, replacing it with a typed placeholder, masking personal columns.

Callers write their numbers and names into tickets ("请回电13912345000，联系人王小明"). Ingest
scrubs every free-text and place field with a `Scrubber` before anything is stored or counted,
and the rejects report masks whole personal columns. The patterns are configuration
(config/privacy.toml, `validate_privacy` is called by load_config), so a city adds its own.

Speed: most values hold nothing personal. Each pattern names a `quick` RE2 expression that every
match contains; Arrow tests it over the whole column at C speed, and only the few values that pass
are searched with Python's `re` (which has the look-behinds and the checks the patterns need).
A value's found values are never logged or kept: only the count per field and pattern.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: most commands never scrub
    import numpy as np
    import pandas as pd
    import pyarrow as pa

PRIVACY_FILE = "privacy.toml"
TOP_LEVEL_KEYS = frozenset({"fields", "key_fields", "personal_columns", "mask", "mask_en", "pattern"})
PATTERN_KEYS = frozenset({"name", "regex", "placeholder", "placeholder_en", "check", "quick", "enabled"})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Full-width digits and at-signs slip past the ASCII `quick` tests: such values are always looked at.
_WIDE = "[０-９＠]"
_WIDE_CHAR = re.compile(_WIDE)
# After a key field lost a placeholder, the words that introduced it and loose separators at its end go too.
_KEY_LEFTOVER = re.compile(
    r"(?i)(?:[\s,，;；:：、/()（）-]|联系电话|电话|手机|联系方式|联系人|来电人|姓名|座机|邮箱"
    r"|\b(?:tel|phone|contact|caller|name|e-?mail)\b)+$"
)


# ------------------------------------------------------------------ checks of the matched digits


def luhn_valid(text: str) -> bool:
    """The Luhn checksum of the digits in `text` (card numbers)."""
    digits = [int(ch) for ch in text if ch.isdigit()]
    if len(digits) < 12:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return total % 10 == 0


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def cn_id_valid(text: str) -> bool:
    """The check digit of an 18-digit resident ID number (GB 11643-1999)."""
    chars = [ch for ch in text if ch.isdigit() or ch in "Xx"]
    if len(chars) != 18 or not all(ch.isdigit() for ch in chars[:17]):
        return False
    total = sum(int(ch) * weight for ch, weight in zip(chars[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == chars[17].upper()


CHECKS: dict[str, Callable[[str], bool]] = {"luhn": luhn_valid, "cn_id": cn_id_valid}


# ------------------------------------------------------------------ configuration


def validate_privacy(data: Mapping, where: str = PRIVACY_FILE) -> list[str]:
    """Every problem in privacy settings, as sentences a user can act on. Empty when valid."""
    problems: list[str] = []
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        allowed = ", ".join(sorted(TOP_LEVEL_KEYS))
        problems.append(f"{where}: unknown setting(s) {', '.join(unknown)}; allowed: {allowed}")
    for key in ("fields", "key_fields", "personal_columns"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problems.append(f"{where}: {key} must be a list of names")
    patterns = data.get("pattern", [])
    if not isinstance(patterns, list):
        return problems + [f"{where}: write each pattern as a [[pattern]] table"]
    for number, pattern in enumerate(patterns, start=1):
        problems += _pattern_problems(pattern, f"{where}: [[pattern]] #{number}")
    return problems


def _pattern_problems(pattern: object, where: str) -> list[str]:
    if not isinstance(pattern, Mapping):
        return [f"{where} is not a table of settings"]
    found = []
    unknown = sorted(set(pattern) - PATTERN_KEYS)
    if unknown:
        found.append(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(PATTERN_KEYS))}")
    if not str(pattern.get("name", "")).strip():
        found.append(f"{where}: give it a name")
    if pattern.get("enabled", True) is False:
        return found  # a shipped pattern turned off needs nothing else
    where = f"{where} ({pattern.get('name', '?')})"
    for key in ("regex", "placeholder"):
        if not isinstance(pattern.get(key), str) or not pattern[key]:
            found.append(f"{where}: {key} is missing")
    for key in ("regex", "quick"):
        if isinstance(pattern.get(key), str):
            try:
                compiled = re.compile(pattern[key])
            except re.error as exc:
                found.append(f"{where}: {key} is not a valid regular expression ({exc})")
                continue
            if compiled.search("") is not None:
                found.append(f"{where}: {key} matches empty text; it would mark every value")
    if "check" in pattern and pattern["check"] not in CHECKS:
        found.append(f"{where}: check = {pattern['check']!r}; use one of {', '.join(CHECKS)}")
    return found


def merge_privacy(shipped: Mapping, workspace: Mapping | None) -> dict:
    """The shipped settings with a workspace's added: its patterns after (same name replaces), lists extended."""
    merged = {key: value for key, value in shipped.items() if key != "pattern"}
    patterns = {p.get("name"): dict(p) for p in shipped.get("pattern", [])}
    if workspace:
        for key in ("fields", "key_fields", "personal_columns"):
            merged[key] = list(dict.fromkeys([*shipped.get(key, []), *workspace.get(key, [])]))
        for key in ("mask", "mask_en"):
            if key in workspace:
                merged[key] = workspace[key]
        for pattern in workspace.get("pattern", []):
            patterns[pattern.get("name")] = dict(pattern)  # a dict keeps the shipped order; new ones go last
    merged["pattern"] = [p for p in patterns.values() if p.get("enabled", True) is not False]
    return merged


@lru_cache(maxsize=1)
def shipped_privacy() -> dict:
    from .workspace import DEFAULT_CONFIG_DIR

    with (Path(DEFAULT_CONFIG_DIR) / PRIVACY_FILE).open("rb") as handle:
        return merge_privacy(tomllib.load(handle), None)


# ------------------------------------------------------------------ the scrubber


@dataclass(frozen=True)
class PiiPattern:
    name: str
    regex: re.Pattern
    placeholder: str
    placeholder_en: str
    check: Callable[[str], bool] | None = None
    quick: str | None = None

    def could_match(self, text: str) -> bool:
        """The cheap `quick` test (in Python's re; Arrow's RE2 does it for whole columns)."""
        quick = _python_quick(self.quick)
        return quick is None or quick.search(text) is not None

    def sub(self, text: str, counts: Counter, drop: bool) -> str:
        placeholder = "" if drop else (self.placeholder if _CJK.search(text) else self.placeholder_en)

        def replace(found: re.Match) -> str:
            part = "value" if "value" in found.re.groupindex and found.group("value") is not None else 0
            if self.check is not None and not self.check(found.group(part)):
                return found.group(0)
            counts[self.name] += 1
            start, end = found.span(part)
            whole = found.group(0)
            return whole[: start - found.start()] + placeholder + whole[end - found.start() :]

        return self.regex.sub(replace, text)


@dataclass(frozen=True)
class Scrubber:
    patterns: tuple[PiiPattern, ...]
    fields: tuple[str, ...]
    key_fields: frozenset[str]
    personal_columns: frozenset[str]  # folded header names
    mask: str = "[已隐去]"
    mask_en: str = "[masked]"

    @classmethod
    def from_settings(cls, data: Mapping | None = None) -> Scrubber:
        """From validated settings (Config.privacy); the shipped ones when None."""
        from .ingest.profiles import fold_label

        data = shipped_privacy() if not data else data
        patterns = tuple(
            PiiPattern(
                p["name"],
                re.compile(p["regex"]),
                p["placeholder"],
                p.get("placeholder_en", p["placeholder"]),
                CHECKS.get(p.get("check", "")),
                p.get("quick"),
            )
            for p in data.get("pattern", [])
        )
        return cls(
            patterns,
            tuple(data.get("fields", ())),
            frozenset(data.get("key_fields", ())),
            frozenset(fold_label(c) for c in data.get("personal_columns", ())),
            data.get("mask", cls.mask),
            data.get("mask_en", cls.mask_en),
        )

    def text(self, value: str, counts: Counter | None = None, *, key: bool = False) -> str:
        """One value with every match replaced (removed, for a key field); counts per pattern name."""
        counts = Counter() if counts is None else counts
        before = sum(counts.values())
        if _WIDE_CHAR.search(value):  # full-width digits read as digits, as NFKC reads them in stored fields
            value = unicodedata.normalize("NFKC", value)
        for pattern in self.patterns:
            if pattern.could_match(value):
                value = pattern.sub(value, counts, key)
        if key and sum(counts.values()) > before:
            value = _tidy_key(value)
        return value

    def scalar(self, value: object) -> object:
        """A single cell (an issue's raw value, a skipped row's first cell): text scrubbed, the rest unchanged."""
        if isinstance(value, str) and value:
            return self.text(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            digits = str(int(value))  # a phone or card number typed as a number
            scrubbed = self.text(digits)
            return value if scrubbed == digits else scrubbed
        return value

    def series(self, values: pd.Series, *, key: bool = False) -> tuple[pd.Series, Counter]:
        """A pandas string column scrubbed, and the matches per pattern name (counted per row).

        Each distinct value is looked at once. Per pattern, Arrow's RE2 runs its `quick` test over
        the distinct values at C speed; Python's `re` then searches only the few that pass. A later
        pattern's test on the original text passes wherever it would on the text an earlier pattern
        changed (replacing removes digits, never adds them), so testing once up front is enough.
        """
        import numpy as np
        import pandas as pd

        counts: Counter = Counter()
        if values.empty or not self.patterns:
            return values, counts
        distinct, codes = arrow_distinct(values)
        if not len(distinct):
            return values, counts
        rows_per_value = np.bincount(codes[codes >= 0], minlength=len(distinct))
        # One scan of the whole column for any pattern's test; the tests one by one only over what it found.
        suspects = np.asarray(_flagged(distinct, self._any_quick()), dtype=np.int64)
        if not len(suspects):
            return values, counts
        subset = distinct.take(suspects)
        texts: dict[int, str] = {}  # distinct position -> its text so far, for the few looked at
        wide = set(suspects[_flagged(subset, _WIDE)].tolist())
        for index in wide:  # full-width digits read as digits, as everywhere else
            texts[index] = unicodedata.normalize("NFKC", distinct[index].as_py())
        touched: set[int] = set()
        for pattern in self.patterns:
            for index in sorted(wide.union(suspects[_flagged(subset, pattern.quick)].tolist())):
                found: Counter = Counter()
                text = texts[index] if index in texts else distinct[index].as_py()
                texts[index] = pattern.sub(text, found, key)
                if found:
                    touched.add(index)
                    for name, n in found.items():
                        counts[name] += n * int(rows_per_value[index])
        if not touched:
            return values, counts
        replacement = np.empty(len(distinct), dtype=object)  # None throughout
        for index in touched:
            cleaned = _tidy_key(texts[index]) if key else texts[index]
            if cleaned:  # else None: a place that was only a number is no place
                replacement[index] = cleaned
        rows = np.isin(codes, np.fromiter(touched, dtype=np.int64))
        out = values.astype("string").copy()
        out[rows] = pd.array(replacement[codes[rows]], dtype="string")
        return out, counts

    def _any_quick(self) -> str | None:
        """One RE2 expression that finds every pattern's `quick` text (None: some pattern has no test)."""
        if any(p.quick is None for p in self.patterns):
            return None
        return "|".join(f"(?:{p.quick})" for p in self.patterns) + "|" + _WIDE

    # -- personal columns

    def is_personal(self, column: object) -> bool:
        from .ingest.profiles import fold_label

        return fold_label(str(column)) in self.personal_columns

    def mask_for(self, lang: str) -> str:
        return self.mask if lang.startswith("zh") else self.mask_en

    def report_rows(self, header: list[str], rows: Iterable[list[object]], lang: str = "zh-CN") -> list[list[object]]:
        """Rows of a report written for people (the rejects report): a personal column masked whole,
        personal data in every other cell replaced. Every command writes its rejects through here."""
        import pandas as pd

        rows = [list(row) for row in rows]
        if not rows:
            return rows
        frame = pd.DataFrame(rows, dtype=object)
        for index in range(min(len(header), frame.shape[1])):
            personal = self.is_personal(header[index])
            frame[index] = self.cells(frame[index], mask=self.mask_for(lang) if personal else None)
        return frame.astype(object).where(frame.notna(), None).values.tolist()

    def cells(self, values, *, mask: str | None = None):
        """A column of raw cells (any types) as a report may show it: with `mask`, every filled cell
        masked; otherwise text scrubbed (the column at once) and numbers that are personal numbers replaced."""
        import pandas as pd

        values = values.astype(object)
        filled = values.notna() & values.map(lambda v: v != "")
        if mask is not None:
            return values.where(~filled, mask)
        texts = values.map(type).eq(str) & filled
        out = values.copy()
        if texts.any():
            scrubbed, _ = self.series(values[texts].astype("string"))
            out[texts] = scrubbed.astype(object)
        numbers = filled & ~texts
        if numbers.any():
            out[numbers] = values[numbers].map(self.scalar)
        return out.where(out.notna(), None) if not out.empty else pd.Series([], dtype=object)


def arrow_distinct(values: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """(the distinct values as an Arrow string array, each row's position in it or -1 where missing)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    array = (
        pa.array(values.array)
        if hasattr(values.array, "__arrow_array__")
        else pa.array(values.astype(object).to_numpy(), from_pandas=True)
    )
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    encoded = pc.dictionary_encode(array)
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return encoded.dictionary, codes


def _flagged(texts, quick: str | None) -> list[int]:
    """Positions in the Arrow string array `texts` where RE2 finds `quick` (all of them without a test)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if quick is None:
        return list(range(len(texts)))
    try:
        mask = pc.match_substring_regex(texts, quick)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # a city's `quick` RE2 cannot read
        return list(range(len(texts)))
    return np.flatnonzero(np.asarray(mask.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)).tolist()


@lru_cache(maxsize=64)
def _python_quick(quick: str | None) -> re.Pattern | None:
    if quick is None:
        return None
    try:
        return re.compile(quick)
    except re.error:  # RE2-only syntax: no shortcut, the pattern itself decides
        return None


def _tidy_key(value: str) -> str:
    return re.sub(r"\s+", " ", _KEY_LEFTOVER.sub("", value)).strip()


def counts_by_field(found: Iterable[tuple[str, Counter]]) -> dict[str, dict[str, int]]:
    """field -> pattern name -> redactions, leaving out fields with none."""
    return {field: dict(sorted(counts.items())) for field, counts in found if counts}
