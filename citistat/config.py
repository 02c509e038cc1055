"""Configuration: plain files under config/, validated as a whole before any work, parsed once into typed values.

Layout (each file optional in a workspace):

    config/citistat.toml         build settings (Settings below): the shipped file, then the workspace's
                                 key by key, then the command line; every key reports where it came from
    config/scoring.toml          rate definitions, weights by effective period and unit type, targets (Scoring)
    config/topics.toml           每月一题 topics
    config/agenda.toml           each session's focus agencies (`citistat agenda set`; workspace only)
    config/profiles/*.toml       input profiles (a workspace profile of the same name wins)
    config/agencies/aliases.csv  alias,canonical[,valid_from,valid_to]
    config/agencies/roster.csv   agency,unit_type[,…]

Each setting of citistat.toml is declared once below, with its type, default and a one-line doc
(docs/settings.md lists them all; a test checks it). Every problem found is collected and reported at
once (ConfigError); code elsewhere reads the typed values (`config.settings.build.workers`), never the files.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import json
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from .engines.settings import EngineSettings, engine_settings, validate_engine
from .errors import ConfigError, ConfigProblem
from .session_settings import (
    AGENDA_FILE,
    SLOT_MINUTES,
    agenda_problems,
    focus_agencies,
    parse_focus,
    session_problems,
)
from .workspace import DEFAULT_CONFIG_DIR, Workspace

if TYPE_CHECKING:  # pragma: no cover
    from .briefing import FocusAgency
    from .ingest.profiles import Profile
    from .score.definitions import Scoring

SETTINGS_FILE = "citistat.toml"
SCORING_FILE = "scoring.toml"
TOPICS_FILE = "topics.toml"
PRIVACY_FILE = "privacy.toml"
PROFILES_DIR = "profiles"
ALIASES_FILE = "agencies/aliases.csv"
ROSTER_FILE = "agencies/roster.csv"

LANGUAGES = ("zh-CN", "en")
EDITIONS = ("internal", "agency", "public")
FORMATS = ("pdf", "html")
MB = 1024 * 1024

# Where a setting's value came from, as `citistat config` prints it.
SHIPPED = "shipped default"
WORKSPACE = "workspace file"
COMMAND_LINE = "command line"
_PRECEDENCE = (SHIPPED, WORKSPACE, COMMAND_LINE)  # a later one overrides an earlier one, key by key


def setting(
    default: Any,
    doc: str,
    *,
    choices: tuple = (),
    minimum: float | None = None,
    maximum: float | None = None,
    check: Callable[[str, Any], list[str]] | None = None,
) -> Any:
    """Declare one setting: its default and one-line doc; `choices`, `minimum`, `maximum` and `check`
    (where, value -> problems) say what a valid value is."""
    return field(
        default=default,
        metadata={"doc": doc, "choices": choices, "minimum": minimum, "maximum": maximum, "check": check},
    )


def _plausible_years(where: str, value: Any) -> list[str]:
    from .ingest.profiles import check_plausible_years

    return check_plausible_years(where, value)


def _map_rate(where: str, value: Any) -> list[str]:
    from .score.geography import MAP_METRICS

    return [] if value in MAP_METRICS else [f"{where} = {value!r}; use one of {', '.join(MAP_METRICS)}"]


@dataclass(frozen=True)
class CitySettings:
    """[city]: whose books these are. Never taken from the shipped sample city once a workspace has its own
    citistat.toml: a city that forgot its name gets an empty cover line, not the sample's."""

    PER_WORKSPACE: ClassVar[bool] = True

    name: str = setting("", "the city's name, printed on every cover")
    name_en: str = setting("", "the name on the English books (empty: the name above)")

    def name_in(self, lang: str) -> str:
        return self.name if lang == "zh-CN" else (self.name_en or self.name)


@dataclass(frozen=True)
class BuildSettings:
    """[build]: what a build writes."""

    lang: str = setting("zh-CN", "language of the books and messages", choices=LANGUAGES)
    edition: str = setting("internal", "edition built by default", choices=EDITIONS)
    formats: tuple[str, ...] = setting(FORMATS, "what the books are written as", choices=FORMATS)
    pdf_variant: str = setting("pdf/ua-1", "tagged PDF (pdf/ua-1); pdf/a-3b embeds the period's counts and inputs")
    workers: int = setting(2, "processes that write the PDFs (the machine's cores)", minimum=1)
    meeting_weekday: int = setting(2, "default meeting day after the period ends (0 = Monday)", minimum=0, maximum=6)


@dataclass(frozen=True)
class ArchiveSettings:
    """[archive]: where the sessions are kept."""

    path: str = setting("briefings", "the archive folder, relative to the workspace (or absolute)")


@dataclass(frozen=True)
class IngestSettings:
    """[ingest]: what one input file may cost before it is refused, and when a file counts as failed.

    The readers take these as `ingest.rawtable.Limits` (bytes rather than MB): `Limits.from_settings`."""

    max_uncompressed_mb: int = setting(
        2048, "refuse a workbook whose parts inflate past this (1M rows × 10 columns ≈ 410 MB)", minimum=1
    )
    max_compression_ratio: float = setting(
        200.0, "refuse a zip entry that inflates more than this many times", minimum=1
    )
    max_rows: int = setting(5_000_000, "rows in one table", minimum=1)
    max_zip_entries: int = setting(10_000, "parts in one workbook", minimum=1)
    max_columns: int = setting(16_384, "columns in one table (Excel's widest sheet)", minimum=1)
    max_cell_chars: int = setting(
        32_767, "characters in one cell (Excel's longest); longer cells are cut and reported", minimum=1
    )
    max_cells: int = setting(100_000_000, "rows × columns of one table", minimum=1)
    max_reader_memory_mb: int = setting(4096, "memory a workbook reader may use before the file is refused", minimum=1)
    max_read_seconds: float = setting(600.0, "time a workbook reader may take before the file is refused", minimum=1)
    reject_threshold: float = setting(
        0.05, "a file with a larger share of rejected rows is flagged as failed", minimum=0, maximum=1
    )
    plausible_years: tuple[int, int] = setting(
        (1990, 2100), "a date outside these years is a broken cell (serial 0 shows as 1899)", check=_plausible_years
    )


@dataclass(frozen=True)
class PublicSettings:
    """[public]: what the public edition and the open-data export may show."""

    min_cell: int = setting(10, "counts from 1 to min_cell − 1, and rates on fewer answers, are withheld", minimum=1)


@dataclass(frozen=True)
class MapsSettings:
    """[maps]: the district and street maps (boundaries in config/geo/)."""

    key_property: str = setting("name", "the GeoJSON feature property holding the name as the tickets spell it")
    rate: str = setting(
        "resolution", "the rate the district maps show: response | resolution | satisfaction", check=_map_rate
    )


def _session_problems(data: dict, where: str) -> list[str]:
    return session_problems({"session": data}, where)


@dataclass(frozen=True)
class SessionSettings:
    """[session]: the agencies the office reviews in depth this session, and the agenda's times."""

    slot_minutes: int = setting(SLOT_MINUTES, "each focus agency's slot on the agenda (an entry's own `minutes` wins)")
    followup_minutes: int = setting(10, "the previous session's follow-ups, opened first")
    ranking_order: str = setting("best_first", "the ranking tables: best_first | worst_first (from the bottom up)")
    focus: tuple[FocusAgency, ...] = setting((), 'the focus agencies: [{agency = "…", reason = "…", minutes = 20}]')


def _session_from(data: dict) -> SessionSettings:
    """The focus entries become FocusAgency values (each slot defaulting to slot_minutes)."""
    return SessionSettings(**{**data, "focus": tuple(focus_agencies({"session": data}))})


def _engine_problems(data: dict, where: str) -> list[str]:
    return [f"{where}: {p}" for p in validate_engine(data)]


SECTIONS: dict[str, type] = {
    "city": CitySettings,
    "build": BuildSettings,
    "archive": ArchiveSettings,
    "ingest": IngestSettings,
    "public": PublicSettings,
    "engine": EngineSettings,
    "maps": MapsSettings,
    "session": SessionSettings,
}
# Sections whose checks and parsing live beside the code that knows them.
_VALIDATORS: dict[str, Callable[[dict, str], list[str]]] = {"engine": _engine_problems, "session": _session_problems}
_BUILDERS: dict[str, Callable[[dict], Any]] = {
    "engine": lambda data: engine_settings({"engine": data}),
    "session": _session_from,
}


@dataclass(frozen=True)
class Settings:
    """config/citistat.toml as typed values: every key has one, the declared default when no file sets it."""

    city: CitySettings = field(default_factory=CitySettings)
    build: BuildSettings = field(default_factory=BuildSettings)
    archive: ArchiveSettings = field(default_factory=ArchiveSettings)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    public: PublicSettings = field(default_factory=PublicSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    maps: MapsSettings = field(default_factory=MapsSettings)
    session: SessionSettings = field(default_factory=SessionSettings)

    def items(self) -> Iterator[tuple[str, str, Any]]:
        """(section, key, value) of every setting, in declaration order."""
        for section in SECTIONS:
            part = getattr(self, section)
            for declared in fields(part):
                yield section, declared.name, getattr(part, declared.name)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {section: asdict(getattr(self, section)) for section in SECTIONS}

    @classmethod
    def from_dict(cls, data: Mapping, *, file: str = SETTINGS_FILE) -> Settings:
        """Settings from one citistat.toml's data over the declared defaults; ConfigError when invalid."""
        problems: list[str | ConfigProblem] = []
        settings, _ = parse_settings([Layer(SHIPPED, file, dict(data))], problems)
        if problems:
            raise ConfigError(problems)
        return settings


def setting_docs() -> Iterator[tuple[str, str, Any, str]]:
    """(section, key, default, doc) of every declared setting: what docs/settings.md must list."""
    for section, cls in SECTIONS.items():
        defaults = cls()
        for declared in fields(cls):
            yield section, declared.name, getattr(defaults, declared.name), declared.metadata.get("doc", "")


@dataclass(frozen=True)
class SettingSource:
    kind: str  # SHIPPED | WORKSPACE | COMMAND_LINE
    where: str  # the file; "built in" for a default no file sets; empty for the command line

    def __str__(self) -> str:
        return f"{self.kind} ({self.where})" if self.where else self.kind


@dataclass(frozen=True)
class Layer:
    """One source of settings: later layers override earlier ones key by key."""

    kind: str
    where: str
    data: dict


def parse_settings(layers: list[Layer], problems: list) -> tuple[Settings, dict[str, SettingSource]]:
    """Merge the layers key by key, check every value and build the typed Settings.

    Problems are appended (each naming the file, section and key); the values that are wrong keep their
    defaults so the rest can still be checked."""
    _unknown_sections(layers, problems)
    own_file = any(layer.kind == WORKSPACE for layer in layers)
    sections, sources = {}, {}
    for name, cls in SECTIONS.items():
        merged, origin = _merge_section(
            name, layers, skip_shipped=own_file and getattr(cls, "PER_WORKSPACE", False), problems=problems
        )
        values = _checked_section(name, cls, merged, origin, problems)
        sections[name] = _build_section(name, cls, values, problems, origin)
        for declared in fields(cls):
            layer = origin.get(declared.name)
            sources[f"{name}.{declared.name}"] = (
                SettingSource(layer.kind, layer.where) if layer else SettingSource(SHIPPED, "built in")
            )
    return Settings(**sections), sources


def _unknown_sections(layers: list[Layer], problems: list) -> None:
    for layer in layers:
        for name, value in layer.data.items():
            if name not in SECTIONS:
                near = difflib.get_close_matches(name, SECTIONS, n=1)
                kind = "section" if isinstance(value, dict) else "setting outside a section"
                problems.append(
                    ConfigProblem(
                        layer.where or layer.kind,
                        name,
                        "",
                        f"is not a {kind} of {SETTINGS_FILE}",
                        f"did you mean [{near[0]}]?"
                        if near
                        else f"use the sections {', '.join(f'[{s}]' for s in SECTIONS)}",
                    )
                )


def _merge_section(name: str, layers: list[Layer], *, skip_shipped: bool, problems: list) -> tuple[dict, dict]:
    merged: dict[str, Any] = {}
    origin: dict[str, Layer] = {}
    for layer in layers:
        table = layer.data.get(name)
        if table is None or (skip_shipped and layer.kind == SHIPPED):
            continue
        if not isinstance(table, dict):
            problems.append(
                ConfigProblem(
                    layer.where or layer.kind,
                    name,
                    "",
                    "must be a table",
                    f"write [{name}] on a line of its own and its keys below it",
                )
            )
            continue
        for key, value in table.items():
            merged[key] = value
            origin[key] = layer
    return merged, origin


def _where(origin: Mapping[str, Layer], key: str | None = None) -> str:
    """The file a problem is in: the key's own layer, else the strongest layer that set anything in the section."""
    layer = origin.get(key) if key is not None else None
    layer = layer or max(origin.values(), key=lambda each: _PRECEDENCE.index(each.kind), default=None)
    return (layer.where or layer.kind) if layer else SETTINGS_FILE


def _checked_section(name: str, cls: type, merged: dict, origin: dict, problems: list) -> dict:
    """The section's valid values (wrong ones left out, their problems appended)."""
    if name in _VALIDATORS:  # checked beside the code that uses the values
        sentences = _VALIDATORS[name](merged, _where(origin))
        problems.extend(sentences)
        return {} if sentences else merged
    declared = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in merged.items():
        if key not in declared:
            near = difflib.get_close_matches(key, declared, n=1)
            problems.append(
                ConfigProblem(
                    _where(origin, key),
                    name,
                    key,
                    "is not a setting",
                    f"did you mean {near[0]}?" if near else f"use one of {', '.join(declared)}",
                )
            )
            continue
        found = _value_problems(declared[key], value)
        if found:
            problems.extend(ConfigProblem(_where(origin, key), name, key, what, fix) for what, fix in found)
        else:
            values[key] = _typed(declared[key], value)
    return values


def _build_section(name: str, cls: type, values: dict, problems: list, origin: dict) -> Any:
    try:
        return _BUILDERS[name](values) if name in _BUILDERS else cls(**values)
    except (TypeError, ValueError) as error:  # a validator let something through: say so, keep the defaults
        problems.append(ConfigProblem(_where(origin), name, "", f"could not be read ({error})", "check its values"))
        return cls()


def _value_problems(declared, value: Any) -> list[tuple[str, str]]:
    """(what is wrong, how to fix it) for one value against its declaration."""
    meta, default = declared.metadata, declared.default
    if meta.get("check"):  # its sentences read "<where> = value; how to fix"
        return [
            tuple(sentence.strip().split("; ", 1)) if "; " in sentence else (sentence.strip(), "see docs/settings.md")
            for sentence in meta["check"]("", value)
        ]
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return [(f"= {value!r} is not a list", f"write a list such as {json.dumps(list(default))}")]
        wrong = [v for v in value if meta["choices"] and v not in meta["choices"]]
        return (
            [(f"= {value!r} lists {', '.join(map(repr, wrong))}", f"use only {', '.join(meta['choices'])}")]
            if wrong
            else []
        )
    if not _is_type(value, type(default)):
        return [
            (
                f"= {value!r} is not {_TYPE_WORDS[type(default)]}",
                f"write {_TYPE_WORDS[type(default)]}, e.g. {json.dumps(default, ensure_ascii=False)}",
            )
        ]
    if meta["choices"] and value not in meta["choices"]:
        return [(f"= {value!r} is not allowed", f"use one of {', '.join(meta['choices'])}")]
    low, high = meta["minimum"], meta["maximum"]
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        return [(f"= {value!r} is out of range", f"use a value {span}")]
    return []


_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


def _is_type(value: Any, wanted: type) -> bool:
    if isinstance(value, bool) or wanted is bool:
        return isinstance(value, bool) and wanted is bool
    if wanted is float:
        return isinstance(value, (int, float))
    return isinstance(value, wanted)


def _typed(declared, value: Any) -> Any:
    default = declared.default
    if isinstance(default, tuple):
        return tuple(value)
    return float(value) if isinstance(default, float) else value


@dataclass(frozen=True)
class Config:
    """The effective configuration. `settings`, `scoring_rules` and `input_profiles` are the typed values the
    code reads; `scoring` and `profiles` keep the files' data as written (for the manifest and the digest)."""

    settings: Settings
    scoring: dict
    topics: list[dict]
    profiles: dict[str, dict]
    aliases: list[dict]
    roster: list[dict]
    sources: dict[str, str] = field(default_factory=dict)  # what -> file it came from
    privacy: dict = field(default_factory=dict)  # personal-data patterns (citistat.privacy); {} = the shipped ones
    # Roster and alias names that held invisible characters, now removed: {file, line, column, name, chars}
    name_fixes: list[dict] = field(default_factory=list)
    geo: dict = field(default_factory=dict)  # level -> citistat.geo.Boundaries from config/geo/ (the maps)
    setting_sources: dict[str, SettingSource] = field(default_factory=dict)  # "section.key" -> where it came from
    agenda: dict = field(default_factory=dict)  # config/agenda.toml as written: period -> {focus = [...]}
    scoring_rules: Scoring = None  # type: ignore[assignment]  # parsed from `scoring` when not given
    input_profiles: dict[str, Profile] = None  # type: ignore[assignment]  # built from `profiles` when not given

    def __post_init__(self) -> None:
        # A Config made in code (tests, a library user) may pass the files' data: parse it once, here.
        if isinstance(self.settings, Mapping):
            object.__setattr__(self, "settings", Settings.from_dict(self.settings))
        if self.scoring_rules is None:
            from .score.definitions import parse_scoring

            object.__setattr__(self, "scoring_rules", parse_scoring(self.scoring))
        if self.input_profiles is None:
            object.__setattr__(self, "input_profiles", _built_profiles(self.profiles, self.settings.ingest))

    @property
    def city(self) -> str:
        return self.settings.city.name

    def city_name(self, lang: str) -> str:
        """The city as the books in `lang` name it."""
        return self.settings.city.name_in(lang)

    @property
    def lang(self) -> str:
        return self.settings.build.lang

    @property
    def edition(self) -> str:
        return self.settings.build.edition

    def focus_for(self, period: str | None) -> tuple[FocusAgency, ...]:
        """The session's focus agencies: the period's own choice (`citistat agenda set`), else [session] focus."""
        chosen = self.agenda.get(period) if period else None
        if not isinstance(chosen, dict):
            return self.settings.session.focus
        return tuple(parse_focus(chosen.get("focus", []), self.settings.session.slot_minutes))

    def effective(self) -> dict:
        """The configuration as used, for `citistat config` and the run manifest."""
        return {
            "settings": self.settings.to_dict(),
            "scoring": self.scoring,
            "topics": self.topics,
            "profiles": self.profiles,
            "aliases": self.aliases,
            "roster": self.roster,
            "privacy": self.privacy,
            "agenda": self.agenda,
            "sources": self.sources,
            "setting_sources": {key: str(source) for key, source in self.setting_sources.items()},
        }

    def digest(self) -> str:
        """sha256 of the effective configuration (sources excluded: moving a file changes nothing)."""
        data = {k: v for k, v in self.effective().items() if k not in ("sources", "setting_sources")}
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _built_profiles(profiles: Mapping[str, Mapping], ingest: IngestSettings) -> dict[str, Profile]:
    from .ingest.profiles import build_profile

    return {name: build_profile(name, data, plausible_years=ingest.plausible_years) for name, data in profiles.items()}


def _pick(workspace: Workspace | None, relative: str) -> Path:
    """The workspace's file when it has one, else the shipped default."""
    if workspace is not None:
        candidate = workspace.config_dir / relative
        if candidate.exists():
            return candidate
    return DEFAULT_CONFIG_DIR / relative


def _read_toml(path: Path, problems: list) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.append(f"{path}: file not found")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML ({exc}); fix the syntax at the line shown")
    return {}


def read_csv_table(path: Path, required: tuple[str, ...], problems: list) -> list[dict]:
    """A small CSV a clerk edits in Excel: UTF-8 (with or without BOM) or GB18030."""
    if not path.exists():
        return []
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes almost anything
        problems.append(f"{path}: cannot determine the encoding; save it as UTF-8 CSV")
        return []
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        problems.append(
            f"{path}: missing column(s) {', '.join(missing)}; the header must start with {','.join(required)}"
        )
        return []
    rows = []
    for line_no, row in enumerate(reader, start=2):
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        if not any(clean.values()):
            continue
        for column in required:
            if not clean.get(column):
                problems.append(f"{path}, line {line_no}: column {column!r} is empty")
        clean["_line"] = line_no
        rows.append(clean)
    return rows


def _load_profiles(workspace: Workspace | None, problems: list, sources: dict) -> dict[str, dict]:
    folders = [DEFAULT_CONFIG_DIR / PROFILES_DIR]
    if workspace is not None:
        folders.append(workspace.config_dir / PROFILES_DIR)
    profiles: dict[str, dict] = {}
    for folder in folders:  # later folders win: the workspace overrides a shipped profile
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            profiles[path.stem] = _read_toml(path, problems)
            sources[f"profile:{path.stem}"] = str(path)
    return profiles


def _settings_layers(
    workspace: Workspace | None, overrides: Mapping[str, Any] | None, problems: list, sources: dict[str, str]
) -> list[Layer]:
    """The shipped citistat.toml, the workspace's over it, then the command line's choices."""
    shipped = DEFAULT_CONFIG_DIR / SETTINGS_FILE
    layers = [Layer(SHIPPED, str(shipped), _read_toml(shipped, problems))]
    sources[SETTINGS_FILE] = str(shipped)
    own = workspace.config_dir / SETTINGS_FILE if workspace is not None else None
    if own is not None and own.exists():
        layers.append(Layer(WORKSPACE, str(own), _read_toml(own, problems)))
        sources[SETTINGS_FILE] = str(own)
    if overrides:
        layers.append(Layer(COMMAND_LINE, "", _nested(overrides, problems)))
    return layers


def _nested(overrides: Mapping[str, Any], problems: list) -> dict[str, dict]:
    """{"build.lang": "en"} -> {"build": {"lang": "en"}}."""
    data: dict[str, dict] = {}
    for dotted, value in overrides.items():
        section, _, key = dotted.partition(".")
        if not key:
            problems.append(
                ConfigProblem(COMMAND_LINE, section, "", "names no key", "write SECTION.KEY=VALUE, e.g. build.lang=en")
            )
            continue
        data.setdefault(section, {})[key] = value
    return data


def override_value(text: str) -> Any:
    """A command-line value as TOML reads it (2, 0.5, true, ["pdf"]); anything else is text."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def load_config(
    workspace: Workspace | None,
    *,
    aliases: str | Path | None = None,
    roster: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Load and validate the effective configuration; raise ConfigError listing every problem.

    `overrides` are the command line's settings, {"section.key": value}, over the files."""
    problems: list[str | ConfigProblem] = []
    sources: dict[str, str] = {}

    def toml(relative: str) -> dict:
        path = _pick(workspace, relative)
        sources[relative] = str(path)
        return _read_toml(path, problems)

    settings, setting_sources = parse_settings(_settings_layers(workspace, overrides, problems, sources), problems)
    scoring = toml(SCORING_FILE)
    topics = toml(TOPICS_FILE).get("topic", [])
    profiles = _load_profiles(workspace, problems, sources)

    alias_path = Path(aliases) if aliases else _pick(workspace, ALIASES_FILE)
    roster_path = Path(roster) if roster else _pick(workspace, ROSTER_FILE)
    for label, path in (("aliases", alias_path), ("roster", roster_path)):
        if not path.exists():
            problems.append(f"{path}: {label} file not found")
        sources[label] = str(path)
    alias_rows = read_csv_table(alias_path, ("alias", "canonical"), problems)
    roster_rows = read_csv_table(roster_path, ("agency", "unit_type"), problems)
    name_fixes = _strip_invisible_names(alias_path, alias_rows, ("alias", "canonical"))
    name_fixes += _strip_invisible_names(roster_path, roster_rows, ("agency", "unit_type"))

    privacy = _load_privacy(workspace, problems, sources)
    problems.extend(_domain_problems(scoring, profiles, sources))
    from .score.topic_settings import topic_problems

    problems.extend(f"{sources[TOPICS_FILE]}: {p}" for p in topic_problems(topics))

    agenda = _load_agenda(workspace, problems, sources)
    geo = _load_geo(workspace, settings.maps, problems, sources)
    if problems:
        raise ConfigError(problems)
    return Config(
        settings,
        scoring,
        topics,
        profiles,
        alias_rows,
        roster_rows,
        sources,
        privacy,
        name_fixes,
        geo,
        setting_sources,
        agenda=agenda,
    )


def _load_agenda(workspace: Workspace | None, problems: list, sources: dict[str, str]) -> dict:
    """config/agenda.toml (written by `citistat agenda set`, workspace only): each period's focus, as written."""
    path = workspace.config_dir / AGENDA_FILE if workspace is not None else None
    if path is None or not path.exists():
        return {}
    sources[AGENDA_FILE] = str(path)
    agenda = _read_toml(path, problems)
    problems.extend(agenda_problems(agenda, str(path)))
    return agenda


def _load_geo(workspace: Workspace | None, maps: MapsSettings, problems: list, sources: dict[str, str]) -> dict:
    """The map boundaries: a workspace with a config/ folder uses its config/geo/ (none: no maps); without
    config/ the shipped defaults, the sample city's synthetic boundaries among them, apply."""
    from .errors import CitistatError
    from .geo import load_boundaries

    own = workspace is not None and workspace.config_dir.is_dir()
    folder = workspace.config_dir if workspace is not None and own else DEFAULT_CONFIG_DIR
    try:
        found = load_boundaries(folder, maps.key_property)
    except CitistatError as error:
        problems.append(str(error))
        return {}
    sources.update({f"geo/{level}": b.source for level, b in found.items()})
    return found


def _strip_invisible_names(path: Path, rows: list[dict], columns: tuple[str, ...]) -> list[dict]:
    """Remove control and bidi characters from the names of `rows` in place; list what was changed."""
    from .names import codepoints, invisible_in, strip_invisible

    fixes = []
    for row in rows:
        for column in columns:
            found = invisible_in(row.get(column) or "")
            if found:
                row[column] = strip_invisible(row[column])
                fixes.append(
                    {
                        "file": str(path),
                        "line": row.get("_line"),
                        "column": column,
                        "name": row[column],
                        "chars": codepoints(found),
                    }
                )
    return fixes


def _load_privacy(workspace: Workspace | None, problems: list, sources: dict) -> dict:
    """The shipped personal-data patterns, with a workspace's config/privacy.toml added (citistat.privacy)."""
    from .privacy import merge_privacy, validate_privacy

    shipped_path = DEFAULT_CONFIG_DIR / PRIVACY_FILE
    shipped = _read_toml(shipped_path, problems)
    problems.extend(validate_privacy(shipped, str(shipped_path)))
    sources[PRIVACY_FILE] = str(shipped_path)
    extra = None
    if workspace is not None and (workspace.config_dir / PRIVACY_FILE).exists():
        path = workspace.config_dir / PRIVACY_FILE
        extra = _read_toml(path, problems)
        problems.extend(validate_privacy(extra, str(path)))
        sources[PRIVACY_FILE] = f"{shipped_path} + {path}"
    return merge_privacy(shipped, extra)


def _domain_problems(scoring: dict, profiles: dict[str, dict], sources: dict) -> list[str]:
    """Checks that need domain knowledge live beside the code that uses the values."""
    from .ingest.profiles import validate_profile
    from .score.definitions import validate_scoring

    found = [f"{sources[SCORING_FILE]}: {p}" for p in validate_scoring(scoring)]
    for name, data in profiles.items():
        found.extend(f"{sources[f'profile:{name}']}: {p}" for p in validate_profile(name, data))
    return found
