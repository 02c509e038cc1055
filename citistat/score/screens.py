"""Integrity screens: patterns a panel should ask about, phrased as questions, never accusations.

Each screen reads counts only (the "solved tickets that come back" screen reads
tickets, in repeat.py) and returns a Flag or None. Thresholds come from the
[screens] section of config/scoring.toml. Screens speak from `min_tickets`
(default 10), below the ranking minimum: a question costs little, and small
units are where a pattern hides; the 100 % streak alone needs the ranking
minimum of answers each period, because 100 % of a handful is common.
"""

from __future__ import annotations

from ..messages import load_messages
from ..periods import shift_period
from ..results import Delta, Flag
from .definitions import Scoring
from .history import CountBook, Counts
from .rates import tally
from .stats import two_proportion_test


def message(code: str, lang: str, **values) -> str:
    """The flag's question, from the catalogue's `question` section."""
    return load_messages(lang)(f"question.{code}", **values)


def metric_name(metric: str, lang: str) -> str:
    """A metric as a question names it ("Response rate"); an unknown one by its own name."""
    t = load_messages(lang)
    return t(f"question_metric.{metric}") if t.has(f"question_metric.{metric}") else metric


def quick_close(counts: Counts, scoring: Scoring, lang: str) -> Flag | None:
    """Many tickets closed within minutes of creation."""
    closed, quick = counts.get("closed", 0), counts.get("quick_closed", 0)
    if closed < scoring.screens.min_tickets or quick == 0:
        return None
    share = quick / closed
    if share <= scoring.screens.quick_close_share:
        return None
    minutes = scoring.screens.quick_close_minutes
    return Flag(
        "quick_close",
        "watch",
        message("quick_close", lang, share=share, n=quick, closed=closed, minutes=minutes),
        share,
        {"quick_closed": quick, "closed": closed, "minutes": minutes},
    )


def satisfaction_up_resolution_down(deltas: dict[str, dict[str, Delta]], scoring: Scoring, lang: str) -> Flag | None:
    sat = deltas.get("satisfaction", {}).get("previous")
    res = deltas.get("resolution", {}).get("previous")
    if sat is None or res is None or sat.pp is None or res.pp is None:
        return None
    threshold = scoring.screens.sat_up_resolution_down_pp
    if sat.pp < threshold or res.pp > -threshold or not (sat.significant or res.significant):
        return None
    return Flag(
        "sat_up_resolution_down",
        "watch",
        message("sat_up_resolution_down", lang, sat=sat.pp, res=res.pp, base=sat.base_period),
        sat.pp - res.pp,
        {"satisfaction_pp": sat.pp, "resolution_pp": res.pp, "against": sat.base_period},
    )


def _basic_share(counts: Counts) -> tuple[float | None, int]:
    satisfied = (
        counts.get("very_satisfied", 0) + counts.get("satisfied_plain", 0) + counts.get("basically_satisfied", 0)
    )
    return (counts.get("basically_satisfied", 0) / satisfied if satisfied else None), satisfied


def _jump_is_real(x_after: float, n_after: int, x_before: float, n_before: int, scoring: Scoring) -> bool:
    """Enough answers on both sides and a change the two-proportion test tells apart from noise."""
    if min(n_after, n_before) < scoring.screens.min_tickets:
        return False
    test = two_proportion_test(x_after, n_after, x_before, n_before, scoring.alpha)
    return test is not None and test.significant


def basic_share_jump(current: Counts, bases: dict[str, Counts], scoring: Scoring, lang: str) -> Flag | None:
    """The share of 基本满意 among satisfied answers jumps against an earlier period (previous, a year ago):
    a sign answers may be coached. A jump must pass the threshold and the significance test."""
    after, n_after = _basic_share(current)
    if after is None:
        return None
    for base_period, counts in bases.items():
        before, n_before = _basic_share(counts)
        if before is None:
            continue
        jump = (after - before) * 100
        if jump >= scoring.screens.basic_share_jump_pp and _jump_is_real(
            current.get("basically_satisfied", 0), n_after, counts.get("basically_satisfied", 0), n_before, scoring
        ):
            return Flag(
                "basic_share_jump",
                "watch",
                message("basic_share_jump", lang, before=before, after=after, base=base_period),
                jump,
                {
                    "before": before,
                    "after": after,
                    "against": base_period,
                    "satisfied_before": n_before,
                    "satisfied_after": n_after,
                },
            )
    return None


def perfect_streak(
    book: CountBook, agency: str | None, period: str, metric: str, scoring: Scoring, lang: str
) -> Flag | None:
    """A rate at exactly 100 % period after period, each on enough answers to make that unlikely."""
    needed = scoring.screens.perfect_streak_periods
    if needed <= 0:
        return None
    streak, p = 0, period
    while book.is_known(p):
        parts = tally(metric, book.counts(agency, p), scoring.rates)
        if parts.denominator < scoring.min_n or parts.shortfall > 0:
            break
        streak += 1
        p = shift_period(p, -1)
    if streak < needed:
        return None
    return Flag(
        "perfect_streak",
        "info",
        message("perfect_streak", lang, metric=metric_name(metric, lang), periods=streak),
        float(streak),
        {"metric": metric, "periods": streak},
    )


def _coverage(counts: Counts, scoring: Scoring) -> float | None:
    n = counts.get("n_tickets", 0)
    return tally("satisfaction", counts, scoring.rates).denominator / n if n else None


def callback_coverage_drop(current: Counts, previous: Counts | None, scoring: Scoring, lang: str) -> Flag | None:
    """Fewer tickets carry a satisfaction answer: unhappy residents may be left out of the survey."""
    if previous is None:
        return None
    after, before = _coverage(current, scoring), _coverage(previous, scoring)
    if after is None or before is None:
        return None
    drop = (before - after) * 100
    n_after, n_before = current["n_tickets"], previous["n_tickets"]
    if drop < scoring.screens.callback_coverage_drop_pp or not _jump_is_real(
        after * n_after, n_after, before * n_before, n_before, scoring
    ):
        return None
    return Flag(
        "callback_coverage_drop",
        "watch",
        message("callback_coverage_drop", lang, before=before, after=after),
        -drop,
        {"before": before, "after": after},
    )


def _known(book: CountBook, agency: str | None, periods: list[str]) -> dict[str, Counts]:
    return {p: book.counts(agency, p) for p in periods if book.is_known(p)}


def unit_screens(
    book: CountBook, agency: str | None, period: str, deltas: dict[str, dict[str, Delta]], scoring: Scoring, lang: str
) -> list[Flag]:
    current = book.counts(agency, period)
    previous = _known(book, agency, [shift_period(period, -1)])
    found = [
        quick_close(current, scoring, lang),
        satisfaction_up_resolution_down(deltas, scoring, lang),
        basic_share_jump(
            current, _known(book, agency, [shift_period(period, -1), shift_period(period, -12)]), scoring, lang
        ),
        callback_coverage_drop(current, next(iter(previous.values()), None), scoring, lang),
        *(perfect_streak(book, agency, period, m, scoring, lang) for m in ("response", "resolution", "satisfaction")),
    ]
    return [flag for flag in found if flag is not None]


NAMES_LISTED = 8  # a flag names this many units and says how many more


def agency_changes(book: CountBook, period: str, lang: str) -> list[Flag]:
    """Unit names that appear or disappear against the previous period.

    A rename the alias table misses shows up as one name vanishing and another
    appearing: a −100 % / +100 % swing the panel should never see unexplained.
    """
    base = shift_period(period, -1)
    if not book.is_known(base):
        return []
    now, before = set(book.agencies(period)), set(book.agencies(base))
    flags = []
    for code, names in (("agencies_appeared", now - before), ("agencies_disappeared", before - now)):
        if not names:
            continue
        listed = sorted(names)
        shown = "、".join(listed[:NAMES_LISTED]) if lang == "zh-CN" else ", ".join(listed[:NAMES_LISTED])
        if len(listed) > NAMES_LISTED:
            shown += f" (+{len(listed) - NAMES_LISTED})"
        flags.append(
            Flag(
                code,
                "watch",
                message(code, lang, n=len(listed), base=base, names=shown),
                value=float(len(listed)),
                evidence={"names": listed, "base_period": base},
            )
        )
    return flags
