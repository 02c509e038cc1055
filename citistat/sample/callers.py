"""Repeat callers: a few invented people who call again and again.

Three kinds, so repeat-complaint screens have something to find:
- same_place: the same problem at the same building, mostly unresolved, sometimes
  marked 已解决 anyway (the first one, a demolition-compensation case, escalates every month);
- after_solved: tickets marked 已解决 that come straight back;
- dissatisfied: answers 不满意 / 非常不满意 again and again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import codes
from .agencies import IMPROVEMENT_START, months_between
from .catalog import CATEGORIES, GIVEN_NAMES, PHONE_PREFIXES, STREETS, SURNAMES, communities_of

if TYPE_CHECKING:  # pragma: no cover
    from .generate import Vocabulary

SAME_PLACE = "same_place"
AFTER_SOLVED = "after_solved"
DISSATISFIED = "dissatisfied"
KINDS = (SAME_PLACE, AFTER_SOLVED, DISSATISFIED)

# Probabilities over the answer codes of codes.py, per kind (rows: SAME_PLACE, AFTER_SOLVED, DISSATISFIED).
# resolution codes: 已解决, 未解决, 部分解决
_RESOLUTION_P = np.array([[0.35, 0.45, 0.20], [0.90, 0.05, 0.05], [0.50, 0.35, 0.15]])
# satisfaction codes: 非常满意, 满意, 基本满意, 不满意, 非常不满意, 未回访, 拒绝评价, 无法联系, blank
_SATISFACTION_P = np.array(
    [
        [0.00, 0.00, 0.25, 0.40, 0.25, 0.00, 0.00, 0.10, 0.00],
        [0.15, 0.25, 0.15, 0.40, 0.05, 0.00, 0.00, 0.00, 0.00],
        [0.00, 0.00, 0.00, 0.50, 0.40, 0.00, 0.10, 0.00, 0.00],
    ]
)
_REOPENED_STATUS_P = np.array([0.25, 0.10, 0.10])
_PLACE_CATEGORIES = ("房屋拆迁", "物业管理", "噪声扰民", "供水排水", "市容环境", "供暖")
_TITLE_ENDINGS = ("问题", "仍未解决", "再次反映", "多次反映无人处理")
FIRST_CASE = ("房屋拆迁", "拆迁补偿", "北新桥街道")


@dataclass(frozen=True)
class RepeatCaller:
    name: str
    phone: str
    kind: str
    cell: int
    street: int
    community: int
    building: int
    agency: int
    monthly_rate: float  # expected tickets in the first month
    growth: float  # the rate grows by this share of the first month's rate every month


def caller_count(tickets_per_period: int) -> int:
    """About one repeat caller per 125 tickets a month, at least 12 and at most 300."""
    return int(np.clip(tickets_per_period // 125, 12, 300))


def make_callers(vocab: Vocabulary, tickets_per_period: int, rng: np.random.Generator) -> list[RepeatCaller]:
    count = caller_count(tickets_per_period)
    place_cells = np.flatnonzero(np.isin([CATEGORIES[c].name for c in vocab.cell_category], _PLACE_CATEGORIES))
    callers = [_first_case(vocab, rng)]
    for i in range(1, count):
        kind = KINDS[i % 3]
        cell = int(rng.choice(place_cells)) if kind == SAME_PLACE else int(rng.integers(0, len(vocab.cell_category)))
        street = int(rng.integers(0, len(STREETS)))
        callers.append(_caller(kind, cell, street, float(rng.uniform(0.6, 2.0)), 0.0, vocab, rng))
    return callers


def _first_case(vocab: Vocabulary, rng: np.random.Generator) -> RepeatCaller:
    category, subcategory, street_name = FIRST_CASE
    cell = next(
        i
        for i, c in enumerate(vocab.cell_category)
        if CATEGORIES[c].name == category and vocab.cell_subcategory[i] == subcategory
    )
    street = next(i for i, (name, _) in enumerate(STREETS) if name == street_name)
    return _caller(SAME_PLACE, cell, street, 2.0, 0.35, vocab, rng)


def _caller(
    kind: str, cell: int, street: int, rate: float, growth: float, vocab: Vocabulary, rng: np.random.Generator
) -> RepeatCaller:
    category = CATEGORIES[vocab.cell_category[cell]]
    office = int(vocab.street_agency[street])
    agency = office if office >= 0 and category.street_share >= 0.5 else int(vocab.cell_department_options[cell, 0])
    name = SURNAMES[rng.integers(0, len(SURNAMES))] + GIVEN_NAMES[rng.integers(0, len(GIVEN_NAMES))]
    phone = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES))] + f"{int(rng.integers(0, 10**8)):08d}"
    return RepeatCaller(
        name, phone, kind, cell, street, int(rng.integers(0, 5)), int(rng.integers(1, 30)), agency, rate, growth
    )


def overwrite_with_callers(
    columns: dict[str, np.ndarray],
    period: str,
    callers: list[RepeatCaller],
    vocab: Vocabulary,
    rng: np.random.Generator,
) -> None:
    """Hand some of the period's tickets to the repeat callers (in place)."""
    n = columns["cell"].size
    months = max(months_between(IMPROVEMENT_START, period), 0)
    expected = np.array([c.monthly_rate * (1 + c.growth * months) for c in callers])
    counts = rng.poisson(expected)
    who = np.repeat(np.arange(len(callers)), counts)[: n // 4]  # never more than a quarter of the period
    rows = rng.choice(n, size=who.size, replace=False)
    for key, attribute in (
        ("name", "name"),
        ("phone", "phone"),
        ("cell", "cell"),
        ("street", "street"),
        ("community", "community"),
        ("agency", "agency"),
    ):
        columns[key][rows] = np.array([getattr(callers[w], attribute) for w in who], dtype=columns[key].dtype)
    columns["title"][rows] = [_title(callers[w], vocab, rng) for w in who]
    _overwrite_answers(columns, rows, np.array([KINDS.index(callers[w].kind) for w in who], dtype=int), rng)


def _title(caller: RepeatCaller, vocab: Vocabulary, rng: np.random.Generator) -> str:
    community = communities_of(STREETS[caller.street][0])[caller.community]
    ending = _TITLE_ENDINGS[rng.integers(0, len(_TITLE_ENDINGS))]
    return f"{community}{caller.building}号楼{vocab.cell_subcategory[caller.cell]}{ending}"


def _overwrite_answers(
    columns: dict[str, np.ndarray], rows: np.ndarray, kind: np.ndarray, rng: np.random.Generator
) -> None:
    """Answers that fit each kind, on the finished tickets only (an open ticket stays open)."""
    status = columns["status"][rows]
    finished = (status == codes.CLOSED) | (status == codes.REOPENED)
    rows, kind = rows[finished], kind[finished]
    columns["resolved"][rows] = _draw(_RESOLUTION_P[kind], rng)
    columns["satisfaction"][rows] = _draw(_SATISFACTION_P[kind], rng)
    reopened = rng.random(rows.size) < _REOPENED_STATUS_P[kind]
    columns["status"][rows] = np.where(reopened, codes.REOPENED, codes.CLOSED)
    columns["reopened"][rows] = reopened | (rng.random(rows.size) < 0.2)


def _draw(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One code per row from that row's probabilities (inverse CDF)."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(probabilities.shape[0]) * cumulative[:, -1:].ravel()
    codes: np.ndarray = (u[:, None] >= cumulative).sum(axis=1)
    return codes
