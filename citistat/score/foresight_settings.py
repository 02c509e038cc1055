"""The [early_warning], [hotspots] and [outlook] sections of config/scoring.toml: typed values and validation.

Every value is printed on the methods page; `validate_section` lists each problem
with how to fix it, so `load_config` refuses a bad file before any work.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .setting_checks import is_number, number_setting_problem


@dataclass(frozen=True)
class EarlyWarningSettings:
    window_days: int = 90  # the case history read back from the period's end
    min_contacts: int = 2  # a caller needs this many contacts in the window (one call is not a pattern)
    accel_contacts: int = 4  # "accelerating": at least k contacts about one case in the last d days …
    accel_days: int = 30  # … (d) and more than in the d days before
    came_back_min: int = 1  # contacts about a case after one of its tickets was marked solved
    agencies_min: int = 2  # distinct agencies about the same place or problem, one ticket of it unsolved
    unresolved_days: int = 30  # a case first raised this many days before the period's end, still unresolved
    weight_accelerating: float = 2.0  # score points per contact in the last d days (when accelerating)
    weight_came_back: float = 3.0  # per contact after "solved"
    weight_agencies: float = 4.0  # per agency beyond the first
    weight_unresolved: float = 1.0  # per `unresolved_days` of age of the oldest unresolved case
    list_size: int = 20  # entries in the book (the export holds every flagged caller)
    timeline_size: int = 12  # most recent contacts shown per entry


@dataclass(frozen=True)
class HotspotSettings:
    level: str = "district"  # the place of a cell: "district" (a street grain may follow)
    fdr: float = 0.05  # Benjamini–Hochberg false-discovery rate across the cells tested
    min_total: int = 20  # a cell is tested with at least this many tickets (period + baseline)
    baseline_periods: int = 12  # periods before this one that form a cell's baseline
    list_size: int = 15


@dataclass(frozen=True)
class OutlookSettings:
    min_rise: int = 5  # a rise is at least this many tickets …
    min_rise_share: float = 0.2  # … and at least this share above this month's count
    per_district: int = 3  # rises listed per district


LEVELS = ("district",)
SECTIONS = {"early_warning": EarlyWarningSettings, "hotspots": HotspotSettings, "outlook": OutlookSettings}


def validate_section(name: str, data: object, problems: list[str]) -> None:
    """Append every problem of one section to `problems`."""
    if not isinstance(data, dict):
        problems.append(f"[{name}] must be a table")
        return
    known = {f.name: f for f in fields(SECTIONS[name])}
    for key, value in data.items():
        where = f"[{name}] {key} = {value!r}"
        if key in known and known[key].type == "str":
            if value not in LEVELS:
                problems.append(f"{where}; use one of {', '.join(LEVELS)}")
        elif problem := number_setting_problem(name, key, value, known):
            problems.append(problem)
        elif key == "fdr" and not 0 < value < 1:
            problems.append(f"{where}; use a number strictly between 0 and 1")
        elif (
            key
            in (
                "accel_contacts",
                "accel_days",
                "min_contacts",
                "agencies_min",
                "unresolved_days",
                "window_days",
                "baseline_periods",
            )
            and value < 1
        ):
            problems.append(f"{where}; use a whole number ≥ 1")
    if name == "early_warning":
        window = data.get("window_days", EarlyWarningSettings.window_days)
        accel = data.get("accel_days", EarlyWarningSettings.accel_days)
        if is_number(window) and is_number(accel) and 2 * accel > window:
            problems.append(
                f"[early_warning] accel_days = {accel} needs window_days ≥ {2 * accel} "
                "(the rise compares the last accel_days with the accel_days before)"
            )


def parse_section(name: str, data: dict | None):
    return SECTIONS[name](**(data or {}))
