"""A first profile for an export that no profile reads.

A new user's export often matches nothing shipped: a council's casework system, a district's own
hotline. Writing a profile from a blank page means reading docs/profiles.md and the file side by side.
`draft_profile` does the first pass: which column is which field (a header another profile knows, else
the header's words checked against the values below it), how the dates are spelt, whether they carry a
time of day, which statuses mean closed, and the rules that the data can support. It never guesses what
the values cannot tell (day/month order, a rate's meaning): it writes that as a question to answer in
the TOML, which `citistat validate` then tries on the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .profiles import STATUS_KEYS, Profile, fold_label
from .rawtable import RawTable

SAMPLE_ROWS = 2000  # values looked at per column: enough to tell dates, ids and codes apart

# Words in a header that suggest a field (folded: lower case, no spaces). Order within a field does not
# matter; the fields are tried in FIELD_ORDER, so an "id" column is not taken as an agency.
FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "ticket_id": ("id", "number", "no", "num", "key", "ticket", "case", "reference", "编号", "单号", "工单号"),
    "created_at": ("created", "opened", "open", "received", "requested", "submitted", "reported", "受理", "来电", "创建", "登记"),
    "closed_at": ("closed", "close", "completed", "resolved", "finished", "办结", "结案", "关闭", "完成"),
    "due_at": ("due", "target", "sla", "deadline", "expected", "期限", "时限", "截止"),
    "agency": ("agency", "department", "dept", "office", "owner", "responsible", "assigned", "division", "承办", "主办", "部门", "单位"),
    "category": ("category", "type", "complaint", "reason", "subject", "topic", "分类", "类别", "类型"),
    "status": ("status", "state", "状态"),
    "district": ("district", "borough", "ward", "region", "区县", "所属区", "辖区"),
    "channel": ("channel", "source", "origin", "method", "渠道", "来源"),
    "title": ("title", "summary", "description", "标题", "诉求"),
    # personal: mapped so that they are never copied (a phone is only hashed, a name dropped)
    "caller_phone": ("phone", "tel", "telephone", "mobile", "cell", "电话", "手机", "号码"),
    "caller_name": (
        "constituent", "caller", "resident", "citizen", "customer", "requester", "requestor", "complainant",
        "firstname", "lastname", "fullname", "contactname", "姓名", "来电人", "诉求人", "联系人",
    ),
}  # fmt: skip
FIELD_ORDER = (
    "ticket_id", "created_at", "closed_at", "due_at", "agency", "status", "category", "district", "channel",
    "title", "caller_phone", "caller_name",
)  # fmt: skip
PERSONAL_FIELDS = ("caller_phone", "caller_name")
DATE_FIELDS = ("created_at", "closed_at", "due_at")

# Date spellings tried on the values, most specific first. Day/month formats come in pairs that the values
# must tell apart (a day above 12); a file where both read every value gets a question, not a guess.
UNAMBIGUOUS_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日",
)  # fmt: skip
MONTH_FIRST = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")
DAY_FIRST = tuple(f.replace("%m/%d", "%d/%m") for f in MONTH_FIRST)
ENOUGH = 0.8  # share of a column's non-blank sample that must read as the field's kind


ANSWER_FIELDS = ("responded", "resolved", "satisfaction", "valid_callback", "reopened")


@dataclass(frozen=True)
class Guess:
    field: str
    header: str
    why: str
    profile: str | None = None  # the profile that names this header, when one does


@dataclass
class Draft:
    """What the file suggests, with the reason for each choice and the questions left to the user."""

    name: str
    source: str
    guesses: list[Guess]
    unmapped: list[str]
    date_formats: list[str] = field(default_factory=list)
    date_order: str = "ymd"
    day_only: bool = False
    statuses: dict[str, list[str]] = field(default_factory=dict)  # status key -> values as written
    unsorted_statuses: list[str] = field(default_factory=list)
    rules: dict[str, tuple[str, str]] = field(default_factory=dict)  # rate -> (rule, why)
    answers: dict[str, dict[str, list[str]]] = field(
        default_factory=dict
    )  # [flags] etc. of the profile that knew a header
    questions: list[str] = field(default_factory=list)

    def mapped(self) -> dict[str, str]:
        return {g.field: g.header for g in self.guesses}


def draft_profile(raw: RawTable, profiles: Mapping[str, Profile], name: str) -> Draft:
    """The first profile for `raw`'s file, from its header and values (`profiles`: the known ones)."""
    sample = raw.data.head(SAMPLE_ROWS)
    columns = dict(zip(raw.columns, (sample[c] for c in sample.columns), strict=True))
    guesses = _known_headers(raw.columns, profiles)
    taken = {g.header for g in guesses}
    for wanted in FIELD_ORDER:
        if wanted in {g.field for g in guesses}:
            continue
        guess = _by_words(wanted, columns, taken)
        if guess is not None:
            guesses.append(guess)
            taken.add(guess.header)
    draft = Draft(name, raw.file, guesses, [c for c in raw.columns if c not in taken])
    _dates(draft, columns)
    _statuses(draft, columns, profiles)
    _answers(draft, profiles)
    _rules(draft)
    if "ticket_id" not in draft.mapped():
        draft.questions.append(
            "no column looks like a ticket id (unique in every row): the draft reads the file row by row "
            '(row_identity = "row"); map ticket_id if the export has one'
        )
    if "agency" not in draft.mapped():
        draft.questions.append("no column looks like the agency: map agency to the column naming who handled it")
    return draft


def _known_headers(headers: list[str], profiles: Mapping[str, Profile]) -> list[Guess]:
    """Headers another profile already names, e.g. 'Closed Date' (nyc-311) or 承办单位 (cn-12345)."""
    known: dict[str, tuple[str, str]] = {}
    for profile_name, profile in sorted(profiles.items()):
        for folded, field_name in profile.header_map().items():
            known.setdefault(folded, (field_name, profile_name))
    guesses: list[Guess] = []
    for header in headers:
        hit = known.get(fold_label(header))
        if hit and hit[0] not in {g.field for g in guesses}:
            guesses.append(Guess(hit[0], header, f"the header {hit[1]} uses for {hit[0]}", hit[1]))
    return guesses


def _answers(draft: Draft, profiles: Mapping[str, Profile]) -> None:
    """The answer vocabularies of the profile that knew the answer columns (是/否, 满意…), to start from."""
    sources = [g.profile for g in draft.guesses if g.field in ANSWER_FIELDS and g.profile]
    if not sources:
        return
    profile = profiles[max(set(sources), key=sources.count)]
    for section, answers in (("flags", profile.flags), ("resolution", profile.resolution)):
        if answers:
            draft.answers[section] = {
                key: sorted(a for a, value in answers.items() if value is truth)
                for key, truth in (("true", True), ("false", False))
            }
    if profile.satisfaction:
        levels: dict[str, list[str]] = {}
        for answer, level in profile.satisfaction.items():
            levels.setdefault(level, []).append(answer)
        draft.answers["satisfaction"] = {level: sorted(a) for level, a in levels.items()}


def _by_words(wanted: str, columns: Mapping[str, pd.Series], taken: set[str]) -> Guess | None:
    """The leftmost free column whose header has one of the field's words and whose values fit the field."""
    for header, values in columns.items():
        folded = fold_label(header)
        if header in taken or not _has_word(folded, FIELD_WORDS[wanted]):
            continue
        if wanted in PERSONAL_FIELDS and _names_another_field(folded):  # "Agency Name" is no caller's name
            continue
        fits, what = _values_fit(wanted, values)
        if fits:
            return Guess(wanted, header, f"the header's words, and {what}")
    return None


def _names_another_field(folded: str) -> bool:
    return any(_has_word(folded, words) for name, words in FIELD_WORDS.items() if name not in PERSONAL_FIELDS)


def _has_word(folded: str, words: tuple[str, ...]) -> bool:
    """English words must stand alone or at a boundary ("no" in "case no", not in "phone"); Chinese ones anywhere."""
    for word in words:
        if word.isascii():
            if re.search(rf"(^|[^a-z]){re.escape(word)}($|[^a-z])", folded) or folded in (word, f"{word}s"):
                return True
            if len(word) > 3 and word in folded:  # "createddate", "ownerdepartment"
                return True
        elif word in folded:
            return True
    return False


def _values_fit(wanted: str, values: pd.Series) -> tuple[bool, str]:
    present = values[values.notna() & (values.astype(str).str.strip() != "")]
    if present.empty:
        return False, "no values"
    if wanted in DATE_FIELDS:
        share = _date_share(present)
        return share >= ENOUGH, f"{share:.0%} of its values read as dates"
    if wanted == "ticket_id":
        unique = present.astype(str).nunique() / len(present)
        return unique >= 0.99 and len(present) >= 0.95 * len(values), "every value is distinct"
    if _date_share(present) >= ENOUGH:
        return False, "its values are dates"
    return True, "its values are text"


def _date_share(values: pd.Series) -> float:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return 1.0
    return float(_read_by(values.astype(str).str.strip(), UNAMBIGUOUS_FORMATS + MONTH_FIRST + DAY_FIRST).mean())


def _dates(draft: Draft, columns: Mapping[str, pd.Series]) -> None:
    """The spellings that read the date columns, their day/month order when the values tell it, and precision."""
    texts: list[str] = []
    stamps: list[pd.Timestamp] = []
    for wanted in DATE_FIELDS:
        header = draft.mapped().get(wanted)
        if header is None:
            continue
        values = columns[header]
        values = values[values.notna()]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            stamps += list(values)
        else:
            texts += [t for t in values.astype(str).str.strip() if t]
    if not texts and not stamps:
        return
    text = pd.Series(texts, dtype=object)
    formats = [f for f in UNAMBIGUOUS_FORMATS if _reads_some(text, f)]
    month_first = [f for f in MONTH_FIRST if _reads_some(text, f)]
    day_first = [f for f in DAY_FIRST if _reads_some(text, f)]
    if month_first and day_first and _reads_all(text, month_first) and _reads_all(text, day_first):
        draft.questions.append(
            "the dates read both month/day and day/month (no day above 12 in this file): add "
            f'{", ".join(repr(f) for f in month_first)} to date_formats with date_order = "mdy" for a US '
            f'export, or {", ".join(repr(f) for f in day_first)} with date_order = "dmy"'
        )
    elif month_first and (not day_first or _reads_all(text, formats + month_first)):
        formats, draft.date_order = formats + month_first, "mdy"
    elif day_first:
        formats, draft.date_order = formats + day_first, "dmy"
    draft.date_formats = formats or ["ISO8601"]  # a profile needs one; typed date cells need none
    parsed = [pd.to_datetime(text, format=f, errors="coerce") for f in formats]
    times = [t for series in parsed for t in series.dropna()] + [t for t in stamps if pd.notna(t)]
    draft.day_only = bool(times) and all(t == t.normalize() for t in times)


def _reads_some(text: pd.Series, fmt: str) -> bool:
    return bool(pd.to_datetime(text, format=fmt, errors="coerce").notna().any())


def _reads_all(text: pd.Series, formats: list[str]) -> bool:
    return bool(_read_by(text, formats).all())


def _read_by(text: pd.Series, formats: Sequence[str]) -> pd.Series:
    """True where one of `formats` reads the text."""
    read = pd.Series(False, index=text.index)
    for fmt in formats:
        read |= pd.to_datetime(text, format=fmt, errors="coerce").notna()
    return read


def _statuses(draft: Draft, columns: Mapping[str, pd.Series], profiles: Mapping[str, Profile]) -> None:
    """The status values, sorted into citistat's statuses where another profile spells them the same way."""
    header = draft.mapped().get("status")
    if header is None:
        return
    known: dict[str, str] = {}
    for _, profile in sorted(profiles.items()):
        for folded, key in profile.status.items():
            known.setdefault(folded, key)
    values = columns[header].dropna().astype(str).str.strip()
    for value in values[values != ""].value_counts().index[:40]:
        status = known.get(fold_label(value))
        if status is not None and status in STATUS_KEYS:
            draft.statuses.setdefault(status, []).append(str(value))
        else:
            draft.unsorted_statuses.append(str(value))
    if draft.unsorted_statuses:
        draft.questions.append(
            "sort these statuses into [status] (closed, in_progress, returned, reopened, open, cancelled): "
            + ", ".join(draft.unsorted_statuses)
        )


def _rules(draft: Draft) -> None:
    """What measures response and resolution, from the columns the file has."""
    mapped = draft.mapped()
    if "responded" in mapped:
        draft.rules["responded"] = ("answer", f"the call-back answer in {mapped['responded']}")
    elif "due_at" in mapped and "closed_at" in mapped:
        draft.rules["responded"] = ("closed_by_due", "closed by the due date (311 practice)")
    elif "closed_at" in mapped:
        draft.rules["responded"] = (
            "closed",
            "the file has no call-back answer or due date: a close date means answered",
        )
    if "resolved" in mapped:
        draft.rules["resolved"] = ("answer", f"the answer in {mapped['resolved']}")
    elif "status" in mapped and "closed" in draft.statuses:
        draft.rules["resolved"] = ("status_closed", "resolved when the status is closed")
    elif "closed_at" in mapped:
        draft.rules["resolved"] = ("closed", "no resolution answer or status: a close date means resolved")
    for rate in ("responded", "resolved"):
        if rate not in draft.rules:
            draft.questions.append(f"nothing in the file measures {rate}: that rate stays unknown (not ranked on)")


# ---------------------------------------------------------------- the TOML


def render_toml(draft: Draft) -> str:
    """The draft as a profile file: every choice with its reason, every question as a comment to answer."""
    mapped = draft.mapped()
    lines = [
        f"# A first profile for {draft.source}, drafted by `citistat profiles draft`.",
        "# Check every line against the file, answer the questions, then try it: citistat validate FILE",
        "# (docs/profiles.md explains each key).",
        "",
        f"description = {_quote(f'Drafted from {Path(draft.source).name}')}",
        'timezone = "UTC"  # QUESTION: your city\'s IANA time zone, e.g. "America/Chicago" or "Asia/Shanghai"',
        f"required = {_list([f for f in ('ticket_id', 'created_at', 'agency') if f in mapped])}",
        f"date_formats = {_list(draft.date_formats)}",
        f'date_order = "{draft.date_order}"',
        "min_matches = 3",
    ]
    if draft.day_only:
        lines.append('date_precision = "day"  # no value in the file carries a time of day')
    if "ticket_id" not in mapped:
        lines.append('row_identity = "row"  # no ticket id: each row is one ticket, never deduplicated')
    lines += ["", "[columns]"]
    for guess in draft.guesses:
        lines.append(f"{guess.field} = {_list([guess.header])}  # {guess.why}")
    if draft.unmapped:
        lines.append(f"# not mapped: {', '.join(draft.unmapped)}")
    if draft.statuses or draft.unsorted_statuses:
        lines += ["", "[status]"]
        lines += [f"{status} = {_list(values)}" for status, values in draft.statuses.items()]
        if draft.unsorted_statuses:
            lines.append(f"# QUESTION: sort into the lists above: {', '.join(draft.unsorted_statuses)}")
    for section, table in draft.answers.items():
        lines += ["", f"[{section}]"] + [f"{key} = {_list(values)}" for key, values in table.items()]
    if draft.rules:
        lines += ["", "[rules]"]
        lines += [f'{rate} = "{rule}"  # {why}' for rate, (rule, why) in draft.rules.items()]
    if draft.questions:
        lines += ["", "# Questions the file could not answer:"]
        lines += [f"# - {question}" for question in draft.questions]
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_quote(v) for v in values) + "]"
