"""Input profiles: how one kind of export maps onto the canonical ticket table.

A profile is configuration (config/profiles/<name>.toml), not code. It names,
per canonical field, the column headers a source uses for it; the date formats
and their declared day/month order; the vocabularies for flags, resolution,
satisfaction and status; sentinel values meaning "no date"; the time zone; and
the rules that turn a row into `responded` / `resolved` (from call-back answers
in 12345 practice, from timestamps and status in 311 practice).

`validate_profile` is called by citistat.config.load_config for every profile,
so this module imports nothing heavy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeGuard

from ..tickets import CANONICAL_COLUMNS, SATISFACTION_LEVELS
from .labels import fold_label

# Fields a profile may map: the canonical columns a file can supply, plus the
# personal fields read only to hash (caller_phone) or to drop (caller_name).
DERIVED_FIELDS = frozenset(
    {"period", "agency_raw", "unit_type", "caller_key", "source_file", "source_sheet", "source_row"}
)
MAPPABLE_FIELDS: tuple[str, ...] = tuple(c for c in CANONICAL_COLUMNS if c not in DERIVED_FIELDS) + (
    "caller_phone",
    "caller_name",
    "resolution_action_at",
)
DEFAULT_REQUIRED: tuple[str, ...] = ("ticket_id", "created_at", "agency")
DATE_ORDERS = ("ymd", "mdy", "dmy")
RESPONSE_RULES = ("answer", "closed", "closed_by_due")
RESOLUTION_RULES = ("answer", "status_closed", "closed")
AGENCY_CASES = ("as_written", "upper", "lower", "fold")
DATE_PRECISIONS = ("auto", "day", "time")  # auto: day-only when no created/closed value carries a time of day
ROW_IDENTITIES = ("ticket_id", "row")  # row: the file has no ticket id; each row is one ticket, never deduplicated
DEFAULT_PLAUSIBLE_YEARS = (1990, 2100)  # [ingest] plausible_years: a hotline date outside them is a broken cell
STATUS_KEYS = ("closed", "in_progress", "returned", "reopened", "open", "cancelled")
FLAG_SECTIONS = ("flags", "resolution")
TOP_LEVEL_KEYS = frozenset(
    {
        "description",
        "columns",
        "required",
        "date_formats",
        "date_order",
        "timezone",
        "sentinels",
        "flags",
        "resolution",
        "satisfaction",
        "status",
        "rules",
        "derive",
        "min_matches",
        "agency_case",
        "serial_dates",
        "plausible_years",
        "date_precision",
        "row_identity",
        "personal",
    }
)
_DATE_DIRECTIVE = re.compile(r"%[a-zA-Z]")


_TRAILING_NOTE = re.compile(r"\s*[(（\[【][^()（）\[\]【】]*[)）\]】]\s*$")


def label_variants(header: str) -> tuple[str, str, str, str]:
    """A header's folded names, most literal first: the whole label; the leaf of a two-level header
    ("回访情况/是否满意"); and both without a trailing note in brackets, as templates write
    "是否响应（是/否）" or "来电时间(yyyy-mm-dd)"."""
    bare = _TRAILING_NOTE.sub("", str(header))
    return (
        fold_label(header),
        fold_label(str(header).rsplit("/", 1)[-1]),
        fold_label(bare),
        fold_label(bare.rsplit("/", 1)[-1]),
    )


@dataclass(frozen=True)
class Profile:
    """A validated profile, ready for the loader."""

    name: str
    columns: dict[str, tuple[str, ...]]  # canonical field -> header synonyms
    required: tuple[str, ...] = DEFAULT_REQUIRED
    date_formats: tuple[str, ...] = ()
    date_order: str = "ymd"
    timezone: str | None = None
    sentinels: tuple[str, ...] = ()
    flags: dict[str, bool] = field(default_factory=dict)  # folded answer -> True/False
    resolution: dict[str, bool] = field(default_factory=dict)
    satisfaction: dict[str, str] = field(default_factory=dict)  # folded answer -> level
    status: dict[str, str] = field(default_factory=dict)  # folded raw status -> normalised status
    response_rule: str = "answer"
    resolution_rule: str = "answer"
    description: str = ""
    derive: dict[str, dict] = field(default_factory=dict)  # field -> {from, pattern, fallback}
    min_matches: int = 3  # distinct fields whose headers must match for detection
    agency_case: str = "as_written"  # how agency keys are folded before the roster look-up (311 codes: "upper")
    serial_dates: bool = False  # a text cell such as "45377.25" in a date column is an Excel serial (Excel → CSV)
    plausible_years: tuple[int, int] = DEFAULT_PLAUSIBLE_YEARS  # dates outside them are broken cells
    date_precision: str = "auto"  # "day": created/closed carry no time of day, so no minute-based measure runs
    row_identity: str = "ticket_id"  # "row": no ticket id column; rows are numbered, never deduplicated
    personal: tuple[str, ...] = ()  # headers of columns personal as a whole: masked in the rejects report

    def header_map(self) -> dict[str, str]:
        """folded header synonym -> canonical field."""
        return {fold_label(s): name for name, synonyms in self.columns.items() for s in synonyms}


def validate_profile(name: str, data: Mapping) -> list[str]:
    """Every problem in one profile's data, as sentences a user can act on. Empty when valid."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        return [f"profile {name!r} is not a table of settings"]
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        problems.append(
            f"profile {name!r}: unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(sorted(TOP_LEVEL_KEYS))}"
        )
    problems += _check_columns(name, data.get("columns"))
    derive, columns = data.get("derive"), data.get("columns")
    derived = derive if isinstance(derive, Mapping) else {}
    columns = columns if isinstance(columns, Mapping) else {}  # else _check_columns said so
    default_required = [f for f in DEFAULT_REQUIRED if not (f == "ticket_id" and data.get("row_identity") == "row")]
    problems += _check_required(
        name, data.get("required", default_required), {**columns, **derived}, needs=default_required
    )
    problems += _check_dates(name, data)
    problems += _check_vocabularies(name, data)
    problems += _check_rules(name, data.get("rules", {}), {**columns, **derived})  # a derived close date counts
    if "timezone" in data:
        problems += _check_timezone(name, data["timezone"])
    problems += _check_derive(name, data.get("derive", {}), data.get("columns") or {})
    problems += _check_choices(name, data)
    personal = data.get("personal", [])
    if not isinstance(personal, list) or not all(isinstance(c, str) and c.strip() for c in personal):
        problems.append(f'profile {name!r}: personal must be a list of column headers, e.g. personal = ["身份证号"]')
    return problems


def _check_choices(name: str, data: Mapping) -> list[str]:
    """The one-word settings and the plausible years."""
    problems = []
    for key, allowed in (
        ("agency_case", AGENCY_CASES),
        ("date_precision", DATE_PRECISIONS),
        ("row_identity", ROW_IDENTITIES),
    ):
        if key in data and data[key] not in allowed:
            problems.append(f"profile {name!r}: {key} = {data[key]!r}; use one of {', '.join(allowed)}")
    matches = data.get("min_matches", 3)
    if not isinstance(matches, int) or isinstance(matches, bool) or matches < 1:
        problems.append(f"profile {name!r}: min_matches = {matches!r}; use a whole number ≥ 1")
    if "description" in data and not isinstance(data["description"], str):
        problems.append(f"profile {name!r}: description must be a text")
    if "serial_dates" in data and not isinstance(data["serial_dates"], bool):
        problems.append(f"profile {name!r}: serial_dates must be true or false")
    if "plausible_years" in data:
        problems += check_plausible_years(f"profile {name!r}: plausible_years", data["plausible_years"])
    if data.get("row_identity") == "row" and "ticket_id" in (data.get("required") or []):
        problems.append(
            f'profile {name!r}: row_identity = "row" means the file has no ticket id; remove ticket_id from required'
        )
    return problems


def check_plausible_years(where: str, years: object) -> list[str]:
    """[first, last] whole years, first ≤ last; also used for [ingest] plausible_years."""
    if (
        not isinstance(years, list)
        or len(years) != 2
        or not all(isinstance(y, int) and not isinstance(y, bool) for y in years)
        or not 1000 <= years[0] <= years[1] <= 9999
    ):
        return [f"{where} = {years!r}; write two years, first ≤ last, e.g. [1990, 2100]"]
    return []


def build_profile(name: str, data: Mapping, *, plausible_years: tuple[int, int] | None = None) -> Profile:
    """A Profile from validated data (call validate_profile first; load_config does).

    `plausible_years` is the workspace's [ingest] setting, used when the profile declares none.
    """
    rules = data.get("rules", {})
    years = data.get("plausible_years") or plausible_years or DEFAULT_PLAUSIBLE_YEARS
    return Profile(
        name=name,
        columns={k: tuple(v) for k, v in data["columns"].items()},
        required=tuple(
            data.get(
                "required",
                [f for f in DEFAULT_REQUIRED if not (f == "ticket_id" and data.get("row_identity") == "row")],
            )
        ),
        date_formats=tuple(data.get("date_formats", ())),
        date_order=data.get("date_order", "ymd"),
        timezone=data.get("timezone"),
        sentinels=tuple(str(s) for s in data.get("sentinels", ())),
        flags=_folded_flags(data.get("flags", {})),
        resolution=_folded_flags(data.get("resolution", {})),
        satisfaction=_folded(data.get("satisfaction", {})),
        status=_folded(data.get("status", {})),
        response_rule=rules.get("responded", "answer"),
        resolution_rule=rules.get("resolved", "answer"),
        description=data.get("description", ""),
        derive={k: dict(v) for k, v in data.get("derive", {}).items()},
        min_matches=int(data.get("min_matches", 3)),
        agency_case=data.get("agency_case", "as_written"),
        serial_dates=bool(data.get("serial_dates", False)),
        plausible_years=(int(years[0]), int(years[1])),
        date_precision=data.get("date_precision", "auto"),
        row_identity=data.get("row_identity", "ticket_id"),
        personal=tuple(str(c) for c in data.get("personal", ())),
    )


class ProfileChoiceError(ValueError):
    """No profile, or more than one, fits a header; `candidates` lists the ones that tied.

    For no_profile, `nearest` is the profile whose synonyms matched most columns,
    `matched` maps its fields to the file's headers that matched them, and
    `missing` lists the required fields it could not find.
    """

    def __init__(
        self,
        code: str,
        candidates: list[str],
        message: str,
        *,
        nearest: str | None = None,
        matched: dict[str, str] | None = None,
        missing: list[str] | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.candidates = candidates
        self.nearest = nearest
        self.matched = matched or {}
        self.missing = missing or []


def detect_profile(columns: Iterable[str], profiles: Mapping[str, Profile | Mapping]) -> str:
    """The profile whose column synonyms match the header best.

    `profiles` maps names to built Profiles or to raw profile data (Config.profiles).

    A candidate must find every required field (or derive it) and at least
    `min_matches` fields. The one matching most fields wins; a tie for first
    place is ambiguous and raises ProfileChoiceError listing the candidates.
    """
    columns = [str(c) for c in columns]
    headers: dict[str, str] = {}
    for level in range(4):  # whole labels first, so a leaf or a bare label never hides a whole one
        for c in columns:
            headers.setdefault(label_variants(c)[level], c)
    scores: dict[str, int] = {}
    near: list[tuple[int, str, dict[str, str], list[str]]] = []
    for name, profile in profiles.items():
        if not isinstance(profile, Profile):
            profile = build_profile(name, profile)
        matched = {
            f: headers[fold_label(s)]
            for f, synonyms in profile.columns.items()
            for s in synonyms[::-1]
            if fold_label(s) in headers
        }  # reversed: the first synonym wins
        needed = set(profile.required) - set(profile.derive)
        if needed <= set(matched) and len(matched) >= profile.min_matches:
            scores[name] = len(matched)
        near.append((len(matched), name, matched, sorted(needed - set(matched))))
    if not scores:
        count, nearest, matched, missing = (
            max(near, key=lambda e: (e[0], -len(e[3]), e[1])) if near else (0, None, {}, [])
        )
        raise ProfileChoiceError(
            "no_profile",
            [],
            "the header matches no input profile",
            nearest=nearest if count else None,
            matched=matched,
            missing=missing,
        )
    best = max(scores.values())
    leaders = sorted(name for name, score in scores.items() if score == best)
    if len(leaders) > 1:
        raise ProfileChoiceError(
            "ambiguous_profile", leaders, f"the header matches several profiles: {', '.join(leaders)}"
        )
    return leaders[0]


def _folded(table: Mapping[str, Iterable[str]]) -> dict[str, str]:
    return {fold_label(answer): key for key, answers in table.items() for answer in answers}


def _folded_flags(table: Mapping[str, Iterable[str]]) -> dict[str, bool]:
    return {fold_label(answer): key == "true" for key, answers in table.items() for answer in answers}


DERIVABLE_FIELDS = (
    "agency",
    "category",
    "subcategory",
    "district",
    "street",
    "place",
    "channel",
    "title",
    "created_at",
    "closed_at",
    "due_at",
    "resolution_action_at",
)


def _check_derive(name: str, derive: object, columns: Mapping) -> list[str]:
    """Each [derive.FIELD] names a derivable field, a source the profile maps, and a pattern with one group."""
    if not isinstance(derive, Mapping):
        return [f"profile {name!r}: [derive] must be a table of field = {{from = ..., pattern = ...}}"]
    problems = []
    for target, rule in derive.items():
        if target not in DERIVABLE_FIELDS or not isinstance(rule, Mapping):
            problems.append(
                f"profile {name!r}: [derive] {target!r} must be one of {', '.join(DERIVABLE_FIELDS)}, "
                "with a table {from, pattern[, fallback]}"
            )
            continue
        source = rule.get("from")
        if source not in MAPPABLE_FIELDS:
            problems.append(f"profile {name!r}: [derive.{target}] from = {source!r} is not a field")
        elif source not in columns and source not in derive:
            problems.append(f"profile {name!r}: [derive.{target}] from = {source!r} has no entry in [columns]")
        elif source == target:
            problems.append(f"profile {name!r}: [derive.{target}] cannot derive a field from itself")
        unknown = sorted(set(rule) - {"from", "pattern", "fallback"})
        if unknown:
            problems.append(
                f"profile {name!r}: [derive.{target}] unknown key(s) {', '.join(unknown)}; use from, pattern, fallback"
            )
        if "fallback" in rule and not isinstance(rule["fallback"], str):
            problems.append(f"profile {name!r}: [derive.{target}] fallback must be a text")
        try:
            compiled = re.compile(str(rule.get("pattern", "")))
            if compiled.groups != 1:
                problems.append(f"profile {name!r}: [derive.{target}] pattern must have exactly one (group)")
        except re.error as exc:
            problems.append(f"profile {name!r}: [derive.{target}] pattern is not a valid regular expression ({exc})")
    return problems


def _check_columns(name: str, columns: object) -> list[str]:
    if not isinstance(columns, Mapping) or not columns:
        return [
            f'profile {name!r}: [columns] is missing; map each field to a list of header names, e.g. ticket_id = ["工单编号"]'
        ]
    problems = []
    seen: dict[str, str] = {}
    for field_name, synonyms in columns.items():
        if field_name not in MAPPABLE_FIELDS:
            problems.append(
                f"profile {name!r}: [columns] {field_name!r} is not a field; use one of {', '.join(MAPPABLE_FIELDS)}"
            )
            continue
        if not _is_text_list(synonyms) or not synonyms:
            problems.append(f"profile {name!r}: [columns] {field_name} must be a non-empty list of header names")
            continue
        for synonym in synonyms:
            other = seen.setdefault(fold_label(synonym), field_name)
            if other != field_name:
                problems.append(
                    f"profile {name!r}: header {synonym!r} is listed for both {other} and {field_name}; keep it under one"
                )
    return problems


def _check_required(
    name: str, required: object, columns: Mapping, needs: Iterable[str] = DEFAULT_REQUIRED
) -> list[str]:
    if not _is_text_list(required):
        return [f"profile {name!r}: required must be a list of field names"]
    problems = []
    for field_name in needs:
        if field_name not in required:
            problems.append(f"profile {name!r}: required must include {field_name}")
    for field_name in required:
        if field_name not in columns:
            problems.append(f"profile {name!r}: required field {field_name!r} has no entry in [columns] or [derive]")
    return problems


def _check_dates(name: str, data: Mapping) -> list[str]:
    problems = []
    order = data.get("date_order", "ymd")
    if order not in DATE_ORDERS:
        problems.append(f"profile {name!r}: date_order = {order!r}; use one of {', '.join(DATE_ORDERS)}")
    formats = data.get("date_formats", [])
    if not _is_text_list(formats) or not formats:
        problems.append(
            f'profile {name!r}: date_formats must be a non-empty list of strftime formats, e.g. ["%Y-%m-%d %H:%M:%S"]'
        )
        return problems
    for fmt in formats:
        if fmt.upper() == "ISO8601":  # pandas' strict ISO 8601 parser: year first, never ambiguous
            continue
        if not _DATE_DIRECTIVE.search(fmt):
            problems.append(f"profile {name!r}: date format {fmt!r} has no % directive")
        elif _bad_directive(fmt):
            problems.append(f"profile {name!r}: date format {fmt!r}: {_bad_directive(fmt)}")
        elif order in DATE_ORDERS and not _format_follows_order(fmt, order):
            problems.append(
                f"profile {name!r}: date format {fmt!r} contradicts date_order = {order!r}; "
                "a profile declares one order so ambiguous dates are never guessed"
            )
    sentinels = data.get("sentinels", [])
    if not isinstance(sentinels, list) or not all(
        isinstance(s, (str, int, float)) and not isinstance(s, bool) for s in sentinels
    ):
        problems.append(f"profile {name!r}: sentinels must be a list of texts or numbers")
    elif not problems:
        problems += _unreadable_sentinels(name, formats, sentinels)
    return problems


def _unreadable_sentinels(name: str, formats: list[str], sentinels: list) -> list[str]:
    """A sentinel no declared format reads would never match a cell: its placeholder dates would load as dates."""
    import pandas as pd

    from .values import parse_dates  # values imports this module: import on use

    texts = [s for s in sentinels if isinstance(s, str)]
    if not texts:
        return []
    parsed = parse_dates(pd.Series(texts, dtype=object), formats)
    return [
        f"profile {name!r}: sentinel {text!r} fits none of date_formats; write it as the export writes it"
        for text, bad in zip(texts, parsed.bad.tolist())
        if bad
    ]


def _bad_directive(fmt: str) -> str | None:
    """strptime's complaint about the format itself ("'Q' is a bad directive"), found now rather than mid-load."""
    from datetime import datetime

    try:
        datetime.strptime("", fmt)
    except ValueError as exc:
        return None if "does not match" in str(exc) else str(exc)
    return None


def _format_follows_order(fmt: str, order: str) -> bool:
    """True when the day and month directives of `fmt` appear in the declared order.

    A year-first format (2024-03-05, 2024/3/5) is never read day first anywhere: a day-month
    profile may declare it next to its own (a UK export with ISO dates in another column)."""
    day = fmt.find("%d")
    month = min((i for i in (fmt.find("%m"), fmt.find("%b"), fmt.find("%B")) if i >= 0), default=-1)
    if day < 0 or month < 0:
        return True
    year = fmt.find("%Y")
    if 0 <= year < min(day, month) and month < day:
        return True
    return (month < day) if order in ("ymd", "mdy") else (day < month)


def _check_vocabularies(name: str, data: Mapping) -> list[str]:
    problems = []
    for section in FLAG_SECTIONS:
        table = data.get(section)
        if table is None:
            continue
        if not isinstance(table, Mapping) or set(table) - {"true", "false"}:
            problems.append(f"profile {name!r}: [{section}] takes two lists, true = [...] and false = [...]")
            continue
        problems += _overlaps(name, section, table)
    satisfaction = data.get("satisfaction", {})
    if isinstance(satisfaction, Mapping):
        for level in satisfaction:
            if level not in SATISFACTION_LEVELS:
                problems.append(
                    f"profile {name!r}: [satisfaction] {level!r} is not a level; use one of {', '.join(SATISFACTION_LEVELS)}"
                )
        problems += _overlaps(name, "satisfaction", satisfaction)
    else:
        problems.append(f"profile {name!r}: [satisfaction] must map levels to lists of answers")
    status = data.get("status", {})
    if isinstance(status, Mapping):
        for key in status:
            if key not in STATUS_KEYS:
                problems.append(
                    f"profile {name!r}: [status] {key!r} is not a status; use one of {', '.join(STATUS_KEYS)}"
                )
        problems += _overlaps(name, "status", status)
    else:
        problems.append(f"profile {name!r}: [status] must map statuses to lists of values")
    return problems


def _overlaps(name: str, section: str, table: Mapping) -> list[str]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for key, answers in table.items():
        if not _is_text_list(answers):
            problems.append(f"profile {name!r}: [{section}] {key} must be a list of texts")
            continue
        for answer in answers:
            other = seen.setdefault(fold_label(answer), key)
            if other != key:
                problems.append(
                    f"profile {name!r}: [{section}] answer {answer!r} is listed under both {other} and {key}"
                )
    return problems


def _check_rules(name: str, rules: object, columns: Mapping) -> list[str]:
    if not isinstance(rules, Mapping):
        return [f"profile {name!r}: [rules] must be a table"]
    problems = []
    responded = rules.get("responded", "answer")
    resolved = rules.get("resolved", "answer")
    if responded not in RESPONSE_RULES:
        problems.append(f"profile {name!r}: [rules] responded = {responded!r}; use one of {', '.join(RESPONSE_RULES)}")
    elif responded == "closed" and "closed_at" not in columns and "resolution_action_at" not in columns:
        problems.append(
            f'profile {name!r}: [rules] responded = "closed" (a close date means responded) needs a closed_at entry in [columns]'
        )
    elif responded == "closed_by_due" and "due_at" not in columns:
        problems.append(f'profile {name!r}: [rules] responded = "closed_by_due" needs a due_at entry in [columns]')
    if resolved not in RESOLUTION_RULES:
        problems.append(f"profile {name!r}: [rules] resolved = {resolved!r}; use one of {', '.join(RESOLUTION_RULES)}")
    elif resolved == "closed" and "closed_at" not in columns:
        problems.append(
            f'profile {name!r}: [rules] resolved = "closed" (a close date means resolved) needs a closed_at entry in [columns]'
        )
    elif resolved == "status_closed" and "status" not in columns:
        problems.append(f'profile {name!r}: [rules] resolved = "status_closed" needs a status entry in [columns]')
    return problems


def _check_timezone(name: str, zone: object) -> list[str]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return [f'profile {name!r}: timezone {zone!r} is unknown; use an IANA name such as "Asia/Shanghai"']
    return []


def _is_text_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
