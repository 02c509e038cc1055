"""The session's own settings: which agencies the office put in focus this time, why, and their time on the agenda.

In citistat.toml:

    [session]
    slot_minutes = 15        # each focus agency's slot (an entry's own `minutes` wins)
    followup_minutes = 10    # the previous session's follow-ups, opened first
    ranking_order = "worst_first"  # the ranking tables from the bottom up (default "best_first")
    focus = [{agency = "市水务局", reason = "…"}, {agency = "望京街道", reason = "…", minutes = 20}]

The chair's page lists the focus agencies with their reason; the agenda gives them their slots and
everyone else is reviewed "for the record".
"""

from __future__ import annotations

from .briefing import FocusAgency
from .config import RANKING_ORDERS, SessionSettings

SLOT_MINUTES = SessionSettings.slot_minutes  # declared once, in config.SessionSettings


def focus_agencies(settings: dict) -> list[FocusAgency]:
    """The focus agencies in the order the office listed them (validated by session_problems); config.py
    calls it once, and the code reads `config.settings.session.focus`."""
    session = settings.get("session") or {}
    slot = int(session.get("slot_minutes", SLOT_MINUTES))
    return [FocusAgency(str(item["agency"]).strip(), str(item.get("reason", "")).strip(), int(item.get("minutes", slot)))
            for item in session.get("focus") or []]


def _minutes_problem(value, at: str, key: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 240:
        return f"{at}: {key} = {value!r}; give whole minutes between 1 and 240"
    return None


def session_problems(settings: dict, where: str) -> list[str]:
    """What is wrong with [session], each problem naming the entry and how to fix it."""
    session = settings.get("session")
    if session is None:
        return []
    if not isinstance(session, dict):
        return [f"{where}: [session] must be a table"]
    problems = [p for key in ("slot_minutes", "followup_minutes") if key in session
                for p in [_minutes_problem(session[key], f"{where}: [session]", key)] if p]
    if session.get("ranking_order", RANKING_ORDERS[0]) not in RANKING_ORDERS:
        problems.append(f"{where}: [session] ranking_order = {session['ranking_order']!r}; "
                        f"use one of {', '.join(RANKING_ORDERS)}")
    focus = session.get("focus", [])
    if not isinstance(focus, list):
        return problems + [f"{where}: [session] focus must be a list of {{agency = \"…\", reason = \"…\"}}"]
    seen = set()
    for number, item in enumerate(focus, start=1):
        at = f"{where}: [session] focus entry {number}"
        if not isinstance(item, dict) or not str(item.get("agency", "")).strip():
            problems.append(f"{at}: give the agency, e.g. {{agency = \"市水务局\", reason = \"解决率连续下降\"}}")
            continue
        if not isinstance(item.get("reason", ""), str):
            problems.append(f"{at}: reason must be text")
        if "minutes" in item and (problem := _minutes_problem(item["minutes"], at, "minutes")):
            problems.append(problem)
        name = str(item["agency"]).strip()
        if name in seen:
            problems.append(f"{at}: {name} is listed twice; keep one entry")
        seen.add(name)
    return problems
