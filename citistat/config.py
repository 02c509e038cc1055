"""Configuration: plain files under config/, validated as a whole before any work.

Layout (each file optional in a workspace; the shipped default fills the gap,
file by file):

    config/citistat.toml         build settings: city, language, edition, archive, limits
    config/scoring.toml          rate definitions, weights by effective period and unit type, targets
    config/topics.toml           每月一题 topics
    config/profiles/*.toml       input profiles (a workspace profile of the same name wins)
    config/agencies/aliases.csv  alias,canonical[,valid_from,valid_to]
    config/agencies/roster.csv   agency,unit_type[,…]

Every problem found is collected and reported at once (ConfigError).
"""

from __future__ import annotations

import csv
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .workspace import DEFAULT_CONFIG_DIR, Workspace

SETTINGS_FILE = "citistat.toml"
SCORING_FILE = "scoring.toml"
TOPICS_FILE = "topics.toml"
PRIVACY_FILE = "privacy.toml"
PROFILES_DIR = "profiles"
ALIASES_FILE = "agencies/aliases.csv"
ROSTER_FILE = "agencies/roster.csv"

LANGUAGES = ("zh-CN", "en")
EDITIONS = ("internal", "agency", "public")


@dataclass
class Config:
    settings: dict
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

    @property
    def city(self) -> str:
        return self.settings.get("city", {}).get("name", "")

    @property
    def lang(self) -> str:
        return self.settings.get("build", {}).get("lang", "zh-CN")

    @property
    def edition(self) -> str:
        return self.settings.get("build", {}).get("edition", "internal")

    def effective(self) -> dict:
        """The configuration as used, for `citistat config` and the run manifest."""
        return {
            "settings": self.settings,
            "scoring": self.scoring,
            "topics": self.topics,
            "profiles": self.profiles,
            "aliases": self.aliases,
            "roster": self.roster,
            "privacy": self.privacy,
            "sources": self.sources,
        }

    def digest(self) -> str:
        """sha256 of the effective configuration (sources excluded: moving a file changes nothing)."""
        data = {k: v for k, v in self.effective().items() if k != "sources"}
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _pick(workspace: Workspace | None, relative: str) -> Path:
    """The workspace's file when it has one, else the shipped default."""
    if workspace is not None:
        candidate = workspace.config_dir / relative
        if candidate.exists():
            return candidate
    return DEFAULT_CONFIG_DIR / relative


def _read_toml(path: Path, problems: list[str]) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.append(f"{path}: file not found")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: not valid TOML ({exc}); fix the syntax at the line shown")
    return {}


def read_csv_table(path: Path, required: tuple[str, ...], problems: list[str]) -> list[dict]:
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
        problems.append(f"{path}: missing column(s) {', '.join(missing)}; the header must start with {','.join(required)}")
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


def _load_profiles(workspace: Workspace | None, problems: list[str], sources: dict) -> dict[str, dict]:
    folders = [DEFAULT_CONFIG_DIR / PROFILES_DIR]
    if workspace is not None:
        folders.append(workspace.config_dir / PROFILES_DIR)
    profiles: dict[str, dict] = {}
    for folder in folders:  # later folders win: the workspace overrides a shipped profile
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            profiles[path.stem] = _read_toml(path, problems)
            sources[f"profile:{path.stem}"] = str(path)
    return profiles


def _check_settings(settings: dict, problems: list[str], where: str) -> None:
    build = settings.get("build", {})
    if build.get("lang", "zh-CN") not in LANGUAGES:
        problems.append(f"{where}: [build] lang = {build.get('lang')!r}; use one of {', '.join(LANGUAGES)}")
    if build.get("edition", "internal") not in EDITIONS:
        problems.append(f"{where}: [build] edition = {build.get('edition')!r}; use one of {', '.join(EDITIONS)}")
    if "plausible_years" in settings.get("ingest", {}):
        from .ingest.profiles import check_plausible_years

        problems.extend(check_plausible_years(f"{where}: [ingest] plausible_years", settings["ingest"]["plausible_years"]))
    from .engines.settings import validate_engine  # light: no engine is imported
    from .session_settings import session_problems

    problems.extend(session_problems(settings, where))

    problems.extend(f"{where}: {p}" for p in validate_engine(settings.get("engine")))


def load_config(
    workspace: Workspace | None,
    *,
    aliases: str | Path | None = None,
    roster: str | Path | None = None,
) -> Config:
    """Load and validate the effective configuration; raise ConfigError listing every problem."""
    problems: list[str] = []
    sources: dict[str, str] = {}

    def toml(relative: str) -> dict:
        path = _pick(workspace, relative)
        sources[relative] = str(path)
        return _read_toml(path, problems)

    settings = toml(SETTINGS_FILE)
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
    _check_settings(settings, problems, sources[SETTINGS_FILE])
    problems.extend(_domain_problems(scoring, profiles, sources))

    geo = _load_geo(workspace, settings, problems, sources)
    if problems:
        raise ConfigError(problems)
    return Config(settings, scoring, topics, profiles, alias_rows, roster_rows, sources, privacy, name_fixes, geo)


def _load_geo(workspace: Workspace | None, settings: dict, problems: list[str], sources: dict[str, str]) -> dict:
    """The map boundaries: a workspace with a config/ folder uses its config/geo/ (none: no maps); without
    config/ the shipped defaults, the sample city's synthetic boundaries among them, apply."""
    from .errors import CitistatError
    from .geo import GEO_DIR, load_boundaries

    own = workspace.config_dir if workspace is not None and workspace.config_dir.is_dir() else None
    folder = own or DEFAULT_CONFIG_DIR
    from .score.geography import MAP_METRICS

    key = str(settings.get("maps", {}).get("key_property", "name"))
    rate = settings.get("maps", {}).get("rate", "resolution")
    if rate not in MAP_METRICS:
        problems.append(f"{sources.get(SETTINGS_FILE, SETTINGS_FILE)}: [maps] rate = {rate!r}; use one of {', '.join(MAP_METRICS)}")
    try:
        found = load_boundaries(folder, key)
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
                fixes.append({"file": str(path), "line": row.get("_line"), "column": column, "name": row[column],
                              "chars": codepoints(found)})
    return fixes


def _load_privacy(workspace: Workspace | None, problems: list[str], sources: dict) -> dict:
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
