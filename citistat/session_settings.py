"""The session's own settings: which agencies the office put in focus this time, and why.

`[session] focus = [{agency = "市水务局", reason = "..."}]` in citistat.toml. The chair's page
lists them with their reason; everyone else is reviewed "for the record".
"""

from __future__ import annotations

from .briefing import FocusAgency


def focus_agencies(settings: dict) -> list[FocusAgency]:
    """The focus agencies in the order the office listed them (validated by session_problems)."""
    items = (settings.get("session") or {}).get("focus") or []
    return [FocusAgency(str(item["agency"]).strip(), str(item.get("reason", "")).strip()) for item in items]


def session_problems(settings: dict, where: str) -> list[str]:
    """What is wrong with [session], each problem naming the entry and how to fix it."""
    session = settings.get("session")
    if session is None:
        return []
    if not isinstance(session, dict):
        return [f"{where}: [session] must be a table"]
    focus = session.get("focus", [])
    if not isinstance(focus, list):
        return [f"{where}: [session] focus must be a list of {{agency = \"…\", reason = \"…\"}}"]
    problems, seen = [], set()
    for number, item in enumerate(focus, start=1):
        at = f"{where}: [session] focus entry {number}"
        if not isinstance(item, dict) or not str(item.get("agency", "")).strip():
            problems.append(f"{at}: give the agency, e.g. {{agency = \"市水务局\", reason = \"解决率连续下降\"}}")
            continue
        if not isinstance(item.get("reason", ""), str):
            problems.append(f"{at}: reason must be text")
        name = str(item["agency"]).strip()
        if name in seen:
            problems.append(f"{at}: {name} is listed twice; keep one entry")
        seen.add(name)
    return problems
