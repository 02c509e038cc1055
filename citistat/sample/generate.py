"""Synthetic 12345 tickets, one period at a time, vectorised with numpy.

Each column is drawn as integer codes into a small vocabulary and turned into
text only at the end, so a million tickets take seconds. The same seed gives
the same frame, row for row.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import callers as repeat
from . import codes, mess
from .agencies import HIGHLIGHTED_UNITS, Agency, select_agencies
from .catalog import (
    CATEGORIES,
    CHANNEL_WEIGHTS,
    CHANNELS,
    GIVEN_NAMES,
    PHONE_PREFIXES,
    STREETS,
    SURNAMES,
    TITLE_TEMPLATES,
    communities_of,
)
from .layout import COLUMNS

# Calls by hour of day: quiet at night, busy in the morning and early evening.
_HOUR_WEIGHTS = np.array([1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.5, 3, 5, 6, 6, 5, 4, 4, 5, 5, 5, 4.5, 4, 4, 3.5, 3, 2, 1.5])
_HOUR_WEIGHTS = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()

# Shares of call-back answers that say nothing about satisfaction (未回访, 拒绝评价, 无法联系, blank).
_UNKNOWN_ANSWER_SHARES = (0.03, 0.01, 0.015, 0.005)
_RETURNED_SHARE = 0.015
_REOPENED_STATUS_SHARE = 0.015
_BLANK_FLAG_SHARE = 0.005


@dataclass(frozen=True)
class Vocabulary:
    """Lookup tables shared by every period of one generated history."""

    agencies: list[Agency]
    cell_category: np.ndarray  # cell -> category index; a cell is one (category, subcategory)
    cell_subcategory: np.ndarray  # cell -> subcategory text
    cell_base_weight: np.ndarray
    cell_department_options: np.ndarray  # cell x k -> agency index (padded by repetition)
    street_agency: np.ndarray  # catalog street -> agency index, or -1 when the office is not sampled
    street_weight: np.ndarray
    titles: np.ndarray  # cell x template -> title text


def generate_tickets(
    periods: list[str], tickets_per_period: int, agencies: int = 60, seed: int = 7, *, messy: bool = True
) -> pd.DataFrame:
    """Raw export rows (Chinese headers, as in layout.COLUMNS) for each period, in time order.

    `messy` adds what real exports carry: spelling variants of agency names,
    ids with a leading tab or apostrophe, and a few unreadable call times.
    """
    frames = generate_by_period(periods, tickets_per_period, agencies, seed, messy=messy)
    return pd.concat(frames.values(), ignore_index=True)


def generate_by_period(
    periods: list[str], tickets_per_period: int, agencies: int = 60, seed: int = 7, *, messy: bool = True
) -> dict[str, pd.DataFrame]:
    """The same tickets as generate_tickets, one frame per period (a period cannot be read back
    from a row whose call time is unreadable)."""
    if tickets_per_period < 1:
        raise ValueError("tickets_per_period must be at least 1")
    if len(set(periods)) != len(periods):
        raise ValueError("periods must not repeat")
    rng = np.random.default_rng(seed)
    vocabulary = build_vocabulary(select_agencies(agencies, rng), rng)
    callers = repeat.make_callers(vocabulary, tickets_per_period, rng)
    return {period: _period_frame(period, tickets_per_period, vocabulary, callers, rng, messy) for period in periods}


def build_vocabulary(agencies: list[Agency], rng: np.random.Generator) -> Vocabulary:
    index = {a.name: i for i, a in enumerate(agencies)}
    departments = [i for i, a in enumerate(agencies) if a.district is None]
    cells = [(c, sub) for c, category in enumerate(CATEGORIES) for sub in category.subcategories]
    options = []
    for c, _ in cells:
        present = [index[d] for d in CATEGORIES[c].departments if d in index] or departments[:1]
        options.append((present * 3)[:3])  # pad to a fixed width so a random column picks uniformly
    street_agency = np.array([index.get(name, -1) for name, _ in STREETS])
    return Vocabulary(
        agencies=agencies,
        cell_category=np.array([c for c, _ in cells]),
        cell_subcategory=np.array([sub for _, sub in cells], dtype=object),
        cell_base_weight=np.array([CATEGORIES[c].weight / len(CATEGORIES[c].subcategories) for c, _ in cells]),
        cell_department_options=np.array(options),
        street_agency=street_agency,
        street_weight=_street_weights(rng),
        titles=np.array([[t.format(sub) for t in TITLE_TEMPLATES] for _, sub in cells], dtype=object),
    )


def _street_weights(rng: np.random.Generator) -> np.ndarray:
    """How busy each place is; the units whose story the sample tells get enough tickets to show it."""
    weights = rng.gamma(4.0, 1.0, len(STREETS))
    floor = np.quantile(weights, 0.75)
    for i, (name, _) in enumerate(STREETS):
        if name in HIGHLIGHTED_UNITS:
            weights[i] = max(weights[i], floor)
    return weights


def _period_frame(
    period: str, n: int, vocab: Vocabulary, callers: list[repeat.RepeatCaller], rng: np.random.Generator, messy: bool
) -> pd.DataFrame:
    start, export_time, days = period_bounds(period)
    cell = rng.choice(len(vocab.cell_category), size=n, p=_cell_weights(period, vocab))
    street = rng.choice(len(STREETS), size=n, p=vocab.street_weight / vocab.street_weight.sum())
    agency = _route(cell, street, vocab, rng)
    created = start + _offsets_in_month(n, days, rng)
    columns = {
        "cell": cell,
        "street": street,
        "community": rng.integers(0, 5, n),
        "agency": agency,
        "created": created,
        "channel": rng.choice(len(CHANNELS), size=n, p=CHANNEL_WEIGHTS),
        "title": vocab.titles[cell, rng.integers(0, len(TITLE_TEMPLATES), n)],
        "name": _names(n, rng),
        "phone": _phones(n, rng),
    }
    columns.update(_outcomes(period, agency, created, export_time, vocab, rng))
    repeat.overwrite_with_callers(columns, period, callers, vocab, rng)
    frame = _to_export_frame(columns, period, vocab)
    if messy:
        frame = mess.add_mess(frame, period, rng)
    return frame


def period_bounds(period: str) -> tuple[np.datetime64, np.datetime64, int]:
    """Start of the month, the export time (08:00 on the 1st of the next month), and the number of days."""
    year, month = map(int, period.split("-"))
    days = calendar.monthrange(year, month)[1]
    start = np.datetime64(f"{year:04d}-{month:02d}-01T00:00:00", "s")
    export_time = start + np.timedelta64(days, "D") + np.timedelta64(8, "h")
    return start, export_time, days


def _cell_weights(period: str, vocab: Vocabulary) -> np.ndarray:
    month = int(period[5:7])
    season = np.array([CATEGORIES[c].season[month - 1] for c in range(len(CATEGORIES))])
    weights = vocab.cell_base_weight * season[vocab.cell_category]
    return weights / weights.sum()


def _route(cell: np.ndarray, street: np.ndarray, vocab: Vocabulary, rng: np.random.Generator) -> np.ndarray:
    """Street office of the place when the category is handled locally (and that office is sampled), else a department."""
    street_share = np.array([c.street_share for c in CATEGORIES])[vocab.cell_category[cell]]
    office = vocab.street_agency[street]
    local = (rng.random(cell.size) < street_share) & (office >= 0)
    pick = rng.integers(0, vocab.cell_department_options.shape[1], cell.size)
    department = vocab.cell_department_options[cell, pick]
    return np.where(local, office, department)


def _offsets_in_month(n: int, days: int, rng: np.random.Generator) -> np.ndarray:
    seconds = (
        rng.integers(0, days, n) * 86400 + rng.choice(24, size=n, p=_HOUR_WEIGHTS) * 3600 + rng.integers(0, 3600, n)
    )
    return seconds.astype("timedelta64[s]")


def _names(n: int, rng: np.random.Generator) -> np.ndarray:
    surnames = np.array(SURNAMES, dtype=object)
    given = np.array(GIVEN_NAMES, dtype=object)
    return surnames[rng.integers(0, len(SURNAMES), n)] + given[rng.integers(0, len(GIVEN_NAMES), n)]


def _phones(n: int, rng: np.random.Generator) -> np.ndarray:
    prefixes = np.array([int(p) for p in PHONE_PREFIXES], dtype=np.int64)
    numbers = prefixes[rng.integers(0, len(prefixes), n)] * 10**8 + rng.integers(0, 10**8, n)
    return numbers.astype(str).astype(object)


def _outcomes(
    period: str,
    agency: np.ndarray,
    created: np.ndarray,
    export_time: np.datetime64,
    vocab: Vocabulary,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Status, close time and the call-back answers, from each unit's rates in this period."""
    rates = [a.rates_in(period) for a in vocab.agencies]
    respond_p, resolve_p, satisfy_p, basic_p, quick_p = (
        np.array([getattr(r, f) for r in rates])[agency]
        for f in ("respond", "resolve", "satisfy", "basic_share", "quick_close_share")
    )
    n = agency.size
    hours = rng.lognormal(mean=np.log(30.0), sigma=1.0, size=n)
    seconds = np.where(rng.random(n) < quick_p, rng.integers(120, 600, n), (hours * 3600).astype(np.int64))
    closed = created + seconds.astype("timedelta64[s]")
    status = status_codes(closed <= export_time, rng)
    answered = status_is_surveyed(status)
    resolved = np.where(answered, resolution_codes(resolve_p, rng), codes.RESOLUTION_BLANK)
    satisfaction = satisfaction_codes(resolved, resolve_p, satisfy_p, basic_p, rng)
    satisfaction = np.where(answered, satisfaction, codes.NOT_SURVEYED)
    return {
        "status": status,
        "closed": np.where(status == codes.OPEN, np.datetime64("NaT"), closed),
        "responded": flag_codes(respond_p, rng),
        "resolved": resolved,
        "satisfaction": satisfaction,
        "reopened": (status == codes.REOPENED) | (rng.random(n) < 0.01),
    }


def status_codes(closed_in_time: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """办理中 when the ticket was not closed by export time; otherwise mostly 已办结, a few 已退回 or 重办."""
    u = rng.random(closed_in_time.size)
    finished = np.where(
        u < _RETURNED_SHARE,
        codes.RETURNED,
        np.where(u < _RETURNED_SHARE + _REOPENED_STATUS_SHARE, codes.REOPENED, codes.CLOSED),
    )
    return np.where(closed_in_time, finished, codes.OPEN)


def status_is_surveyed(status: np.ndarray) -> np.ndarray:
    """Only finished tickets (已办结, 重办) get a call-back."""
    return (status == codes.CLOSED) | (status == codes.REOPENED)


def flag_codes(p_yes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    answer = np.where(rng.random(p_yes.size) < p_yes, codes.YES, codes.NO)
    return np.where(rng.random(p_yes.size) < _BLANK_FLAG_SHARE, codes.FLAG_BLANK, answer)


def resolution_codes(p_resolved: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = p_resolved.size
    unresolved = np.where(rng.random(n) < 0.7, codes.UNRESOLVED, codes.PARTLY_RESOLVED)
    answer = np.where(rng.random(n) < p_resolved, codes.RESOLVED, unresolved)
    return np.where(rng.random(n) < _BLANK_FLAG_SHARE, codes.RESOLUTION_BLANK, answer)


def satisfaction_codes(
    resolved: np.ndarray, resolve_p: np.ndarray, target: np.ndarray, basic_share: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Answers whose satisfaction rate is about `target`, lower for unresolved tickets.

    An unresolved ticket is satisfied with probability 0.6·target; the resolved
    ones make up the rest, so the unit's overall rate stays near its target.
    """
    n = resolved.size
    p_unresolved = 0.6 * target
    p_resolved = np.minimum((target - (1 - resolve_p) * p_unresolved) / np.maximum(resolve_p, 1e-9), 0.999)
    satisfied = rng.random(n) < np.where(resolved != codes.RESOLVED, p_unresolved, p_resolved)
    u = rng.random(n)
    plain_or_very = np.where(rng.random(n) < 0.45, codes.VERY_SATISFIED, codes.SATISFIED)
    positive = np.where(u < basic_share, codes.BASICALLY_SATISFIED, plain_or_very)
    negative = np.where(u < 0.7, codes.DISSATISFIED, codes.VERY_DISSATISFIED)
    answer = np.where(satisfied, positive, negative)
    # 0..3: one of 未回访, 拒绝评价, 无法联系, blank (in that order); 4: the answer stands
    which = np.searchsorted(np.cumsum(_UNKNOWN_ANSWER_SHARES), rng.random(n), side="right")
    return np.where(which < 4, codes.NOT_SURVEYED + which, answer)


def _to_export_frame(columns: dict[str, np.ndarray], period: str, vocab: Vocabulary) -> pd.DataFrame:
    order = np.argsort(columns["created"], kind="stable")
    c = {key: value[order] for key, value in columns.items()}
    streets = np.array([name for name, _ in STREETS], dtype=object)
    districts = np.array([d for _, d in STREETS], dtype=object)
    communities = np.array([communities_of(name) for name, _ in STREETS], dtype=object)
    agency_names = np.array([a.name_in(period) for a in vocab.agencies], dtype=object)
    category_names = np.array([cat.name for cat in CATEGORIES], dtype=object)
    data = {
        "工单编号": ticket_ids(c["created"]),
        "来电时间": c["created"].astype("datetime64[ns]"),
        "来电渠道": np.array(CHANNELS, dtype=object)[c["channel"]],
        "诉求类别": category_names[vocab.cell_category[c["cell"]]],
        "诉求子类": vocab.cell_subcategory[c["cell"]],
        "标题": c["title"],
        "所属区": districts[c["street"]],
        "所属街道": streets[c["street"]],
        "社区": communities[c["street"], c["community"]],
        "承办单位": agency_names[c["agency"]],
        "工单状态": np.array(codes.STATUS_TEXT, dtype=object)[c["status"]],
        "办结时间": c["closed"].astype("datetime64[ns]"),
        "是否响应": np.array(codes.FLAG_TEXT, dtype=object)[c["responded"]],
        "是否解决": np.array(codes.RESOLUTION_TEXT, dtype=object)[c["resolved"]],
        "满意度": np.array(codes.SATISFACTION_TEXT, dtype=object)[c["satisfaction"]],
        "是否有效回访": np.where(c["satisfaction"] <= codes.LAST_REAL_ANSWER, "是", "否").astype(object),
        "来电人": c["name"],
        "联系电话": c["phone"],
        "是否重办": np.where(c["reopened"], "是", "否").astype(object),
    }
    # Text stays in plain object columns: the strings come from small shared vocabularies, so this
    # costs a pointer per cell, where converting a million rows to Arrow strings would cost seconds.
    return pd.DataFrame(
        {
            name: pd.Series(values, dtype=None if name in ("来电时间", "办结时间") else object)
            for name, values in data.items()
        },
        columns=list(COLUMNS),
    )


def ticket_ids(created: np.ndarray) -> np.ndarray:
    """GD + date + sequence within the day (4 digits, more when a day has 10,000 tickets or more)."""
    day = created.astype("datetime64[D]")
    first_of_day = np.searchsorted(day, day, side="left")  # `created` is sorted
    sequence = np.arange(day.size) - first_of_day + 1
    width = max(4, len(str(int(sequence.max())))) if day.size else 4
    numbers = _ymd(day) * 10**width + sequence
    return ("GD" + pd.Series(numbers).astype(str)).to_numpy(dtype=object)


def _ymd(day: np.ndarray) -> np.ndarray:
    years = day.astype("datetime64[Y]").astype(np.int64) + 1970
    months = day.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dates = (day - day.astype("datetime64[M]")).astype(np.int64) + 1
    return years * 10000 + months * 100 + dates
