"""What a 每月一题 topic may declare beyond its tickets: its lead unit and its milestones (config/topics.toml).

[[topic]]
name = "供暖保障"
categories = ["供暖"]
lead = "市城市管理局"            # optional: else the unit with most of the topic's tickets is named, as such
milestones = [{due = "2024-03-15", text = "…", done = true}]   # due: YYYY-MM-DD or YYYY-MM; done optional
"""

from __future__ import annotations

import re

DUE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def topic_lead(topic: dict) -> str | None:
    return str(topic.get("lead", "")).strip() or None


def topic_problems(topics) -> list[str]:
    """Each problem names the topic and the milestone, and says how to fix it."""
    if not isinstance(topics, list):
        return ["[[topic]] must be a list of tables"]
    problems = []
    for number, topic in enumerate(topics, start=1):
        if not isinstance(topic, dict):
            problems.append(f"[[topic]] {number} must be a table")
            continue
        at = f"[[topic]] {topic.get('name') or number}"
        if "lead" in topic and not isinstance(topic["lead"], str):
            problems.append(f'{at}: lead must be the unit\'s name, e.g. lead = "市城市管理局"')
        milestones = topic.get("milestones", [])
        if not isinstance(milestones, list):
            problems.append(f'{at}: milestones must be a list of {{due = "2024-03-15", text = "…"}}')
            continue
        for i, item in enumerate(milestones, start=1):
            where = f"{at}: milestone {i}"
            if not isinstance(item, dict) or not str(item.get("text", "")).strip():
                problems.append(f'{where}: give its text, e.g. {{due = "2024-03-15", text = "完成排查"}}')
                continue
            if "due" in item and not (isinstance(item["due"], str) and DUE.match(item["due"])):
                problems.append(f"{where}: due = {item['due']!r}; write YYYY-MM-DD or YYYY-MM as text")
            if "done" in item and not isinstance(item["done"], bool):
                problems.append(f"{where}: done = {item['done']!r}; use true or false")
    return problems
