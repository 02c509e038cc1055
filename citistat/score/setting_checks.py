"""Checks shared by the scoring sections whose settings are numbers declared as dataclass fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field
from typing import Any, TypeGuard


def is_number(value: object) -> TypeGuard[int | float]:
    """An int or a float from TOML; a bool is not a number here."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number_setting_problem(section: str, key: str, value: object, known: Mapping[str, Field[Any]]) -> str | None:
    """The first problem of `[section] key = value` against the section's fields, or None: unknown key,
    not a number ≥ 0, or not whole where the field is an int."""
    where = f"[{section}] {key} = {value!r}"
    if key not in known:
        return f"[{section}] unknown setting {key!r}; known: {', '.join(known)}"
    if not is_number(value) or value < 0:
        return f"{where}; use a number ≥ 0"
    if known[key].type == "int" and not isinstance(value, int):
        return f"{where}; use a whole number"
    return None
