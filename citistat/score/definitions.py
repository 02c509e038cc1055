"""Scoring definitions: config/scoring.toml as typed values, and its validation.

`validate_scoring` lists every problem of the raw TOML data (the config loader
calls it before any work); `parse_scoring` turns valid data into `Scoring`.
Missing sections fall back to the defaults below, so a workspace file only
needs the values it changes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..periods import is_period
from ..tickets import SATISFACTION_LEVELS
from . import foresight_settings
from .foresight_settings import EarlyWarningSettings, HotspotSettings, OutlookSettings
from .setting_checks import is_number, number_setting_problem

RATE_METRICS: tuple[str, ...] = ("response", "resolution", "satisfaction")
TARGET_METRICS: tuple[str, ...] = (*RATE_METRICS, "on_time")
BASES: tuple[str, ...] = ("answered", "valid_callback")
RESPONSE_SOURCES: tuple[str, ...] = ("callback", "on_time")
ANY_UNIT_TYPE = "*"
NEUTRAL_RULES = ("not_satisfied", "excluded", "satisfied")
SMALL_UNITS = ("unranked", "marked", "pooled")  # a unit below min_n: listed apart without a rank, ranked with a mark,
# or ranked on its last three months pooled (score/small_units.py)
MISSING_RATES = ("renormalise", "require_all")  # a rate absent for a whole unit type: drop it, or score nobody
WEIGHT_TOLERANCE = 1e-6
# Answers that can never mean satisfied or dissatisfied: they are the "unknown" kinds.
_UNKNOWN_LEVELS = ("not_surveyed", "refused", "unreachable", "unknown")


@dataclass(frozen=True)
class RateDefinitions:
    satisfied: tuple[str, ...] = ("very_satisfied", "satisfied", "basically_satisfied")
    dissatisfied: tuple[str, ...] = ("dissatisfied", "very_dissatisfied")
    basic_weight: float = 1.0  # weight of 基本满意 in the satisfaction numerator
    base: str = "answered"  # "answered" | "valid_callback"
    response: str = "callback"  # "callback" | "on_time"
    neutral: str = "not_satisfied"  # the middle answer (一般): in the denominator, not satisfied (top-two-box)


@dataclass(frozen=True)
class WeightVersion:
    version: str
    effective_from: str  # "YYYY-MM"
    unit_type: str  # a unit type or "*"
    response: float
    resolution: float
    satisfaction: float

    def weights(self) -> dict[str, float]:
        return {"response": self.response, "resolution": self.resolution, "satisfaction": self.satisfaction}


@dataclass(frozen=True)
class Target:
    metric: str
    unit_type: str
    target: float
    amber: float  # width of the amber band below the target, as a proportion


@dataclass(frozen=True)
class ScreenSettings:
    min_tickets: int = 10  # fewer tickets (or answers) than this and a screen stays silent
    quick_close_minutes: int = 10
    quick_close_share: float = 0.10
    basic_share_jump_pp: float = 10.0
    perfect_streak_periods: int = 3
    callback_coverage_drop_pp: float = 10.0
    sat_up_resolution_down_pp: float = 2.0
    repeat_window_days: int = 30
    repeat_caller_min_tickets: int = 3
    watchlist_size: int = 10
    place_min_periods: int = 3
    place_history_periods: int = 6
    places_size: int = 10
    hot_topics_size: int = 10
    rising_min_n: int = 20


DEFAULT_WEIGHTS = (WeightVersion("2020-01", "2020-01", ANY_UNIT_TYPE, 0.1, 0.5, 0.4),)


@dataclass(frozen=True)
class Scoring:
    rates: RateDefinitions = field(default_factory=RateDefinitions)
    min_n: int = 30
    alpha: float = 0.05
    confidence: float = 0.95
    weights: tuple[WeightVersion, ...] = DEFAULT_WEIGHTS
    targets: tuple[Target, ...] = ()
    screens: ScreenSettings = field(default_factory=ScreenSettings)
    missing_rates: str = "renormalise"  # [ranking] missing_rates
    small_units: str = "unranked"  # [ranking] small_units
    early_warning: EarlyWarningSettings = field(default_factory=EarlyWarningSettings)
    hotspots: HotspotSettings = field(default_factory=HotspotSettings)
    outlook: OutlookSettings = field(default_factory=OutlookSettings)

    def weights_for(self, period: str, unit_type: str | None) -> WeightVersion | None:
        """The version in force: latest effective_from ≤ period; a unit type's own version beats "*"."""
        in_force = [w for w in self.weights if w.effective_from <= period]
        own = [w for w in in_force if unit_type is not None and w.unit_type == unit_type]
        pool = own or [w for w in in_force if w.unit_type == ANY_UNIT_TYPE]
        return max(pool, key=lambda w: w.effective_from) if pool else None

    def target_for(self, metric: str, unit_type: str | None) -> Target | None:
        own = [t for t in self.targets if t.metric == metric and t.unit_type == unit_type]
        fallback = [t for t in self.targets if t.metric == metric and t.unit_type == ANY_UNIT_TYPE]
        chosen = own or fallback
        return chosen[0] if chosen else None

    def as_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- validation


def _check_proportion(value: object, where: str, problems: list[str]) -> None:
    if not is_number(value) or not 0 <= value <= 1:
        problems.append(f"{where} = {value!r}; use a number between 0 and 1")


def _check_levels(rates: dict, problems: list[str]) -> None:
    chosen: dict[str, str] = {}
    for key in ("satisfied", "dissatisfied"):
        levels = rates.get(key, getattr(RateDefinitions, key))
        if not isinstance(levels, (list, tuple)) or not levels:
            problems.append(f"[rates] {key} must be a non-empty list of satisfaction levels")
            continue
        for level in levels:
            if level == "neutral":
                problems.append(
                    f"[rates] {key}: the neutral answer is set by [rates] neutral = one of {', '.join(NEUTRAL_RULES)}"
                )
            elif level not in SATISFACTION_LEVELS or level in _UNKNOWN_LEVELS:
                allowed = ", ".join(lv for lv in SATISFACTION_LEVELS if lv not in (*_UNKNOWN_LEVELS, "neutral"))
                problems.append(f"[rates] {key}: unknown level {level!r}; use one of {allowed}")
            elif level in chosen:
                problems.append(f"[rates] level {level!r} is in both {chosen[level]} and {key}; keep it in one list")
            else:
                chosen[level] = key


def _check_rates(rates: object, problems: list[str]) -> None:
    if not isinstance(rates, dict):
        problems.append("[rates] must be a table")
        return
    _check_levels(rates, problems)
    if "basic_weight" in rates:
        _check_proportion(rates["basic_weight"], "[rates] basic_weight", problems)
    if rates.get("base", "answered") not in BASES:
        problems.append(f"[rates] base = {rates.get('base')!r}; use one of {', '.join(BASES)}")
    if rates.get("neutral", "not_satisfied") not in NEUTRAL_RULES:
        problems.append(f"[rates] neutral = {rates.get('neutral')!r}; use one of {', '.join(NEUTRAL_RULES)}")
    if rates.get("response", "callback") not in RESPONSE_SOURCES:
        problems.append(f"[rates] response = {rates.get('response')!r}; use one of {', '.join(RESPONSE_SOURCES)}")


def _check_ranking(ranking: object, problems: list[str]) -> None:
    if not isinstance(ranking, dict):
        problems.append("[ranking] must be a table")
        return
    min_n = ranking.get("min_n", 30)
    if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 0:
        problems.append(f"[ranking] min_n = {min_n!r}; use a whole number ≥ 0")
    if ranking.get("small_units", "unranked") not in SMALL_UNITS:
        problems.append(f"[ranking] small_units = {ranking.get('small_units')!r}; use one of {', '.join(SMALL_UNITS)}")
    if ranking.get("missing_rates", "renormalise") not in MISSING_RATES:
        problems.append(
            f"[ranking] missing_rates = {ranking.get('missing_rates')!r}; use one of {', '.join(MISSING_RATES)}"
        )
    for key in ("alpha", "confidence"):
        value = ranking.get(key, 0.5)
        if not is_number(value) or not 0 < value < 1:
            problems.append(f"[ranking] {key} = {value!r}; use a number strictly between 0 and 1")


def _check_weights(versions: object, problems: list[str]) -> None:
    if not isinstance(versions, list) or not versions:
        problems.append("[[weights]] must list at least one version")
        return
    seen: set[tuple[str, str]] = set()
    for i, version in enumerate(versions, start=1):
        where = f"[[weights]] #{i}"
        if not isinstance(version, dict):
            problems.append(f"{where} must be a table")
            continue
        for key in ("version", "effective_from", "unit_type"):
            if not isinstance(version.get(key), str) or not version.get(key):
                problems.append(f"{where}: {key} is missing; give it as text")
        start = version.get("effective_from")
        if isinstance(start, str) and not is_period(start):
            problems.append(f"{where}: effective_from = {start!r}; write the period as YYYY-MM")
        slot = (str(start), str(version.get("unit_type")))
        if slot in seen:
            problems.append(f"{where}: a second version for unit type {slot[1]!r} from {slot[0]}; keep one")
        seen.add(slot)
        values = [version.get(m) for m in RATE_METRICS]
        for metric, value in zip(RATE_METRICS, values):
            _check_proportion(value, f"{where} {metric}", problems)
        weights = [v for v in values if is_number(v)]
        if len(weights) == len(values) and abs(sum(weights) - 1) > WEIGHT_TOLERANCE:
            problems.append(f"{where}: the weights add up to {sum(weights):g}; they must add up to 1")
    if not any(isinstance(v, dict) and v.get("unit_type") == ANY_UNIT_TYPE for v in versions):
        problems.append('[[weights]] needs a version with unit_type = "*" so every unit type has weights')


def _check_targets(targets: object, problems: list[str]) -> None:
    if not isinstance(targets, list):
        problems.append("[[targets]] must be a list of tables")
        return
    for i, target in enumerate(targets, start=1):
        where = f"[[targets]] #{i}"
        if not isinstance(target, dict):
            problems.append(f"{where} must be a table")
            continue
        if target.get("metric") not in TARGET_METRICS:
            problems.append(f"{where}: metric = {target.get('metric')!r}; use one of {', '.join(TARGET_METRICS)}")
        if not isinstance(target.get("unit_type", ANY_UNIT_TYPE), str):
            problems.append(f'{where}: unit_type must be text (or "*")')
        _check_proportion(target.get("target"), f"{where} target", problems)
        _check_proportion(target.get("amber", 0.0), f"{where} amber", problems)


def _check_screens(screens: object, problems: list[str]) -> None:
    if not isinstance(screens, dict):
        problems.append("[screens] must be a table")
        return
    known = ScreenSettings.__dataclass_fields__
    for key, value in screens.items():
        if problem := number_setting_problem("screens", key, value, known):
            problems.append(problem)


_SECTIONS = ("rates", "ranking", "weights", "targets", "screens", *foresight_settings.SECTIONS)


def validate_scoring(data: dict) -> list[str]:
    """Every problem of a scoring configuration (raw TOML data), each with how to fix it."""
    problems: list[str] = []
    for key in data:
        if key not in _SECTIONS:
            problems.append(f"unknown section {key!r}; known sections: {', '.join(_SECTIONS)}")
    _check_rates(data.get("rates", {}), problems)
    _check_ranking(data.get("ranking", {}), problems)
    _check_weights(data.get("weights", [asdict(DEFAULT_WEIGHTS[0])]), problems)
    _check_targets(data.get("targets", []), problems)
    _check_screens(data.get("screens", {}), problems)
    for name in foresight_settings.SECTIONS:
        foresight_settings.validate_section(name, data.get(name, {}), problems)
    return problems


# ---------------------------------------------------------------- parsing


def parse_scoring(data: dict | None) -> Scoring:
    """Typed scoring definitions from valid TOML data (validate first); absent values take defaults."""
    data = data or {}
    rates = data.get("rates", {})
    ranking = data.get("ranking", {})
    defaults = RateDefinitions()
    definitions = RateDefinitions(
        satisfied=tuple(rates.get("satisfied", defaults.satisfied)),
        dissatisfied=tuple(rates.get("dissatisfied", defaults.dissatisfied)),
        basic_weight=float(rates.get("basic_weight", defaults.basic_weight)),
        base=rates.get("base", defaults.base),
        response=rates.get("response", defaults.response),
        neutral=rates.get("neutral", defaults.neutral),
    )
    weights = (
        tuple(
            WeightVersion(
                str(w["version"]),
                str(w["effective_from"]),
                str(w.get("unit_type", ANY_UNIT_TYPE)),
                float(w["response"]),
                float(w["resolution"]),
                float(w["satisfaction"]),
            )
            for w in data.get("weights", [])
        )
        or DEFAULT_WEIGHTS
    )
    targets = tuple(
        Target(t["metric"], str(t.get("unit_type", ANY_UNIT_TYPE)), float(t["target"]), float(t.get("amber", 0.0)))
        for t in data.get("targets", [])
    )
    return Scoring(
        rates=definitions,
        min_n=int(ranking.get("min_n", 30)),
        alpha=float(ranking.get("alpha", 0.05)),
        confidence=float(ranking.get("confidence", 0.95)),
        weights=weights,
        targets=targets,
        screens=ScreenSettings(**data.get("screens", {})),
        missing_rates=ranking.get("missing_rates", "renormalise"),
        small_units=ranking.get("small_units", "unranked"),
        early_warning=foresight_settings.parse_section("early_warning", data.get("early_warning")),
        hotspots=foresight_settings.parse_section("hotspots", data.get("hotspots")),
        outlook=foresight_settings.parse_section("outlook", data.get("outlook")),
    )
