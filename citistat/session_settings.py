"""The session's own settings: which agencies the office put in focus this time, why, and their time on the agenda.

In citistat.toml:

    [session]
    slot_minutes = 15        # each focus agency's slot (an entry's own `minutes` wins)
    followup_minutes = 10    # the previous session's follow-ups, opened first
    ranking_order = "worst_first"  # the ranking tables from the bottom up (default "best_first")
    focus = [{agency = "市水务局", reason = "…"}, {agency = "望京街道", reason = "…", minutes = 20}]

The chair's page lists the focus agencies with their reason; the agenda gives them their slots and
everyone else is reviewed "for the record".

A session's own choice, made with `citistat agenda set`, is kept in the workspace's config/agenda.toml, one
table per period; it wins over `[session] focus` for that period (load_config reads it into
Config.agenda, so the run manifest and the config digest record it):

    ["2024-03"]
    focus = [{agency = "市水务局", reason = "…", minutes = 20}]
"""

from __future__ import annotations

import json

from .briefing import FocusAgency
from .periods import is_period

SLOT_MINUTES = 15  # the default of [session] slot_minutes (config.SessionSettings)
RANKING_ORDERS = ("best_first", "worst_first")


AGENDA_FILE = "agenda.toml"


def focus_agencies(settings: dict) -> list[FocusAgency]:
    """[session] focus in the order the office listed them (validated by session_problems); config.py calls
    it once, and the code reads `config.focus_for(period)`, which prefers the period's own agenda."""
    session = settings.get("session") or {}
    return parse_focus(session.get("focus") or [], int(session.get("slot_minutes", SLOT_MINUTES)))


def parse_focus(entries: list, slot_minutes: int) -> list[FocusAgency]:
    """Focus entries ({agency, reason, minutes}) as FocusAgency values, each slot defaulting to slot_minutes."""
    return [
        FocusAgency(
            str(item["agency"]).strip(), str(item.get("reason", "")).strip(), int(item.get("minutes", slot_minutes))
        )
        for item in entries
    ]


def agenda_toml(agenda: dict) -> str:
    """config/agenda.toml's text: one table per period, its focus entries one a line (strings JSON-quoted,
    which TOML reads as basic strings)."""
    lines = [
        "# The focus agencies of each session, written by `citistat agenda set`; a period listed here",
        "# replaces [session] focus of citistat.toml for that session.",
        "",
    ]
    for period in sorted(agenda):
        lines.append(f"[{json.dumps(period)}]")
        lines.append("focus = [")
        for item in agenda[period].get("focus", []):
            fields = [
                f"agency = {json.dumps(item['agency'], ensure_ascii=False)}",
                f"reason = {json.dumps(item.get('reason', ''), ensure_ascii=False)}",
            ]
            if "minutes" in item:
                fields.append(f"minutes = {int(item['minutes'])}")
            lines.append("  {" + ", ".join(fields) + "},")
        lines += ["]", ""]
    return "\n".join(lines)


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
    problems = [
        p
        for key in ("slot_minutes", "followup_minutes")
        if key in session
        for p in [_minutes_problem(session[key], f"{where}: [session]", key)]
        if p
    ]
    if session.get("ranking_order", RANKING_ORDERS[0]) not in RANKING_ORDERS:
        problems.append(
            f"{where}: [session] ranking_order = {session['ranking_order']!r}; use one of {', '.join(RANKING_ORDERS)}"
        )
    return problems + focus_problems(session.get("focus", []), f"{where}: [session]")


def agenda_problems(agenda: dict, where: str) -> list[str]:
    """What is wrong with config/agenda.toml: a table per "YYYY-MM" period, each with a valid focus list."""
    problems = []
    for period, table in agenda.items():
        if not is_period(period):
            problems.append(f'{where}: [{period!r}] is not a period; name each table "YYYY-MM"')
            continue
        if not isinstance(table, dict):
            problems.append(f"{where}: [{period!r}] must be a table with focus = [...]")
            continue
        problems += focus_problems(table.get("focus", []), f"{where}: [{period!r}]")
    return problems


def focus_problems(focus, at_table: str) -> list[str]:
    if not isinstance(focus, list):
        return [f'{at_table} focus must be a list of {{agency = "…", reason = "…"}}']
    problems = []
    seen = set()
    for number, item in enumerate(focus, start=1):
        at = f"{at_table} focus entry {number}"
        if not isinstance(item, dict) or not str(item.get("agency", "")).strip():
            problems.append(f'{at}: give the agency, e.g. {{agency = "市水务局", reason = "解决率连续下降"}}')
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
