"""The benchmark's inputs: synthetic 12345 exports of a given size, cached in bench/work/.

A workload is one period's export (xlsx or GB18030 csv) written by citistat's
own sample generator with a fixed seed, so every machine benchmarks the same
tickets. History (the twelve periods before) is generated once per agency
count and loaded into a template workspace; every timed run starts from a
fresh copy of that workspace, so trends come from the archive as in real use.

The generator knows 60 agencies. Real cities brief more (the goal is stated
for 100), so wider workloads split each street office's tickets with an extra
street office of the same district (`widen_agencies`); the extra offices are
added to the workspace's roster.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / "work"
PERIOD = "2024-03"
HISTORY_PERIODS = tuple(f"{y}-{m:02d}" for y, m in [(2023, m) for m in range(3, 13)] + [(2024, 1), (2024, 2)])
HISTORY_TICKETS = 50_000
DEFAULT_AGENCIES = 100
SEED = 7
FORMATS = ("xlsx", "csv")
# "xlsx" is written as Excel writes it, with shared strings; "xlsx-inline" is the same sheet with inline
# strings (what a streaming writer such as xlsxwriter's constant-memory mode makes), a second ingestion workload.
INLINE_XLSX = "xlsx-inline"
INGEST_FORMATS = ("xlsx", INLINE_XLSX, "csv")
WORKLOAD_VERSION = 2  # bump when the way workloads are made changes, to invalidate caches

Log = Callable[[str], None]

# Extra street offices (generic public names), 8 per district, in the order the
# generator's street offices of that district are listed: extra i pairs with street i.
EXTRA_STREETS: dict[str, tuple[str, ...]] = {
    "东城区": (
        "东直门街道",
        "和平里街道",
        "天坛街道",
        "体育馆路街道",
        "龙潭街道",
        "永定门外街道",
        "前门街道",
        "崇文门外街道",
    ),
    "西城区": (
        "大栅栏街道",
        "天桥街道",
        "椿树街道",
        "陶然亭街道",
        "广安门外街道",
        "牛街街道",
        "白纸坊街道",
        "菜市口街道",
    ),
    "朝阳区": (
        "朝外街道",
        "劲松街道",
        "潘家园街道",
        "八里庄街道",
        "六里屯街道",
        "左家庄街道",
        "香河园街道",
        "和平街街道",
    ),
    "海淀区": (
        "羊坊店街道",
        "甘家口街道",
        "紫竹院街道",
        "北下关街道",
        "青龙桥街道",
        "燕园街道",
        "花园路街道",
        "田村路街道",
    ),
    "丰台区": (
        "东高地街道",
        "东铁匠营街道",
        "大红门街道",
        "南苑街道",
        "新村街道",
        "云岗街道",
        "宛平街道",
        "马家堡街道",
    ),
}
STREET_OFFICE = "街乡镇"
_WHITESPACE = re.compile(r"[\s\u3000\u00a0]+")


def parse_size(text: str) -> int:
    """'100k' -> 100000, '1M' -> 1000000, '2.5M', '50000'."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise ValueError(f"size {text!r} is not a number like 100k, 1M or 50000")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(round(float(match.group(1)) * factor))


def size_label(tickets: int) -> str:
    if tickets % 1_000_000 == 0:
        return f"{tickets // 1_000_000}M"
    if tickets % 1_000 == 0:
        return f"{tickets // 1_000}k"
    return str(tickets)


def parse_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass(frozen=True)
class Workload:
    """One period's export: how many tickets, how many agencies, which format."""

    tickets: int
    agencies: int = DEFAULT_AGENCIES
    fmt: str = "xlsx"
    period: str = PERIOD

    @property
    def label(self) -> str:
        return f"{size_label(self.tickets)} {self.fmt} a{self.agencies}"

    @property
    def suffix(self) -> str:
        return "xlsx" if self.fmt == INLINE_XLSX else self.fmt

    def path(self, work_dir: Path = WORK_DIR) -> Path:
        inline = "-inline" if self.fmt == INLINE_XLSX else ""
        return (
            work_dir
            / "inputs"
            / f"tickets-{self.period}-{size_label(self.tickets)}-a{self.agencies}{inline}.{self.suffix}"
        )

    def paths(self, work_dir: Path = WORK_DIR) -> list[Path]:
        """The file(s) of the export: an xlsx month over a million tickets comes as numbered parts,
        as hotline systems export it (a sheet holds 1,048,576 rows)."""
        from citistat.sample.writers import part_paths

        return part_paths(self.path(work_dir), self.suffix, self.tickets)


@dataclass(frozen=True)
class History:
    """The periods before the briefed one, loaded once into a template workspace."""

    agencies: int = DEFAULT_AGENCIES
    tickets_per_period: int = HISTORY_TICKETS
    periods: tuple[str, ...] = HISTORY_PERIODS

    @property
    def key(self) -> str:
        return f"a{self.agencies}-{len(self.periods)}x{size_label(self.tickets_per_period)}"

    def path(self, work_dir: Path = WORK_DIR) -> Path:
        return work_dir / "inputs" / f"history-{self.key}"

    def template_dir(self, work_dir: Path = WORK_DIR) -> Path:
        return work_dir / "templates" / f"workspace-{self.key}"


# ---------------------------------------------------------------- generation


def _spec_digest(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _is_cached(path: Path, spec: dict) -> bool:
    stamp = path.with_name(path.name + ".spec.json")
    return path.is_file() and stamp.is_file() and json.loads(stamp.read_text()).get("digest") == _spec_digest(spec)


def _mark_cached(path: Path, spec: dict) -> None:
    stamp = path.with_name(path.name + ".spec.json")
    stamp.write_text(json.dumps({"digest": _spec_digest(spec), "spec": spec}, ensure_ascii=False, indent=1))


def generate_frame(periods: list[str], tickets_per_period: int, agencies: int, seed: int = SEED):
    """Tickets from citistat's sample generator, widened past its agency list when asked."""
    from citistat.sample import generate_tickets

    native = min(agencies, generator_max_agencies())
    frame = generate_tickets(periods, tickets_per_period, agencies=native, seed=seed)
    if agencies > native:
        frame = widen_agencies(frame, agencies - native, seed=seed)
    return frame


def generator_max_agencies() -> int:
    try:
        from citistat.sample.agencies import MAX_AGENCIES
    except ImportError:  # pragma: no cover - older generator layout
        return 60
    return int(MAX_AGENCIES)


def _agency_column(frame) -> str:
    for name in ("承办单位", "主办单位", "agency"):
        if name in frame.columns:
            return name
    raise KeyError(f"no agency column among {list(frame.columns)}")


def extra_street_pairs(count: int) -> list[tuple[str, str, str]]:
    """(generator street, extra street, district) for the first `count` extra offices.

    Extras are taken round-robin over districts, like the generator's own street list.
    """
    from citistat.sample.catalog import STREETS

    by_district: dict[str, list[str]] = {}
    for street, district in STREETS:
        by_district.setdefault(district, []).append(street)
    pairs = []
    for index in range(8):
        for district, extras in EXTRA_STREETS.items():
            streets = by_district.get(district, [])
            if index < len(streets) and index < len(extras):
                pairs.append((streets[index], extras[index], district))
    if count > len(pairs):
        raise ValueError(f"at most {len(pairs)} extra agencies can be added; asked for {count}")
    return pairs[:count]


def widen_agencies(frame, extra: int, seed: int = SEED):
    """Give half of each paired street office's tickets to an extra office of the same district.

    Only the name changes (keeping any whitespace or bracket mess around it), so
    the ticket mix, rates and messiness stay those of the generator.
    """
    column = _agency_column(frame)
    cleaned = frame[column].astype("string").str.replace(_WHITESPACE, "", regex=True)
    rng = np.random.default_rng(seed + 1)
    coin = rng.random(len(frame)) < 0.5
    values = frame[column].astype("object").to_numpy(copy=True)
    streets = frame["所属街道"].astype("object").to_numpy(copy=True) if "所属街道" in frame.columns else None
    for original, twin, _district in extra_street_pairs(extra):
        rows = ((cleaned == original).fillna(False).to_numpy()) & coin
        values[rows] = [_renamed(str(v), original, twin) for v in values[rows]]
        if streets is not None:
            street_rows = rows & (frame["所属街道"].astype("string") == original).fillna(False).to_numpy()
            streets[street_rows] = twin
    frame = frame.copy()
    frame[column] = values
    if streets is not None:
        frame["所属街道"] = streets
    return frame


def _renamed(raw: str, original: str, twin: str) -> str:
    """`raw` with the twin's name; whitespace inside the name (东 华门街道) is not kept."""
    return raw.replace(original, twin) if original in raw else twin


def write_agency_config(workspace: Path, agencies: int) -> Path:
    """The workspace's roster and alias table: the generator's agencies plus the extra street offices."""
    from citistat.sample import write_agency_tables

    roster, _aliases = write_agency_tables(workspace / "config", agencies=min(agencies, generator_max_agencies()))
    extra = max(0, agencies - generator_max_agencies())
    if extra:
        with Path(roster).open(encoding="utf-8", newline="") as handle:
            fields = list(csv.DictReader(handle).fieldnames or ["agency", "unit_type", "district"])
        with Path(roster).open("a", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            for _original, twin, district in extra_street_pairs(extra):
                row = {name: "" for name in fields}
                row.update({"agency": twin, "unit_type": STREET_OFFICE})
                if "district" in fields:
                    row["district"] = district
                writer.writerow(row)
    return Path(roster)


def aliases_file(history: History, work_dir: Path = WORK_DIR) -> Path:
    return history.template_dir(work_dir) / "config" / "agencies" / "aliases.csv"


def ensure_workloads(workloads: list[Workload], work_dir: Path = WORK_DIR, log: Log = print) -> None:
    """Generate every missing export; one frame per (size, agencies) serves every format."""
    groups: dict[tuple[int, int, str], list[Workload]] = {}
    for workload in workloads:
        groups.setdefault((workload.tickets, workload.agencies, workload.period), []).append(workload)
    for (tickets, agencies, period), members in groups.items():
        missing = [w for w in members if not all(_is_cached(p, _workload_spec(w)) for p in w.paths(work_dir))]
        missing.sort(key=lambda w: w.fmt != INLINE_XLSX)  # the inline sheet first: the shared one is made from it
        if not missing:
            continue
        start = time.perf_counter()
        frame = generate_frame([period], tickets, agencies)
        log(f"generated {size_label(tickets)} tickets, {agencies} agencies in {time.perf_counter() - start:.1f} s")
        for workload in missing:
            workload.path(work_dir).parent.mkdir(parents=True, exist_ok=True)
            start = time.perf_counter()
            paths = _write_workload(frame, workload, work_dir)
            for path in paths:
                _mark_cached(path, _workload_spec(workload))
            size = sum(p.stat().st_size for p in paths) / 1e6
            log(f"wrote {', '.join(p.name for p in paths)} ({size:.1f} MB) in {time.perf_counter() - start:.1f} s")
        del frame


def _write_workload(frame, workload: Workload, work_dir: Path) -> list[Path]:
    """The export as its format asks: csv, xlsx with inline strings, or xlsx with shared strings (the
    inline file rewritten, part by part, the way Excel saves it)."""
    from citistat.sample import write_export_parts

    from .shared_strings import to_shared_strings

    if workload.fmt == "csv":
        return write_export_parts(frame, workload.path(work_dir), fmt="csv")
    if workload.fmt == INLINE_XLSX:
        return write_export_parts(frame, workload.path(work_dir), fmt="xlsx", constant_memory=True)
    inline = Workload(workload.tickets, workload.agencies, INLINE_XLSX, workload.period)
    temporary = not all(_is_cached(p, _workload_spec(inline)) for p in inline.paths(work_dir))
    sources = (
        write_export_parts(
            frame, workload.path(work_dir).with_suffix(".inline-tmp.xlsx"), fmt="xlsx", constant_memory=True
        )
        if temporary
        else inline.paths(work_dir)
    )
    targets = workload.paths(work_dir)
    for source, target in zip(sources, targets, strict=True):
        to_shared_strings(source, target)
        if temporary:
            source.unlink()
    return targets


def _workload_spec(workload: Workload) -> dict:
    return {"version": WORKLOAD_VERSION, "seed": SEED, "generator": source_digest("sample"), **asdict(workload)}


def _history_spec(history: History) -> dict:
    return {"version": WORKLOAD_VERSION, "seed": SEED, "generator": source_digest("sample"), **asdict(history)}


def _template_spec(history: History) -> dict:
    """A template workspace is stale when the history or any citistat code that stores it changes."""
    return {**_history_spec(history), "citistat": source_digest(".")}


def source_digest(subpackage: str) -> str:
    """Hash of citistat's Python sources under `subpackage` (cached inputs follow code changes)."""
    from citistat.workspace import PACKAGE_DIR

    digest = hashlib.sha256()
    for path in sorted((PACKAGE_DIR / subpackage).rglob("*.py")):
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_history_files(history: History, work_dir: Path = WORK_DIR, log: Log = print) -> Path:
    """The history periods as monthly GB18030 csv exports (the fastest format citistat reads), in one folder."""
    from citistat.sample import write_export

    folder = history.path(work_dir)
    stamp = folder / "complete"
    if _is_cached(stamp, _history_spec(history)):
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    frame = generate_frame(list(history.periods), history.tickets_per_period, history.agencies)
    size = history.tickets_per_period
    # the generator concatenates the periods in order, tickets_per_period rows each
    for index, period in enumerate(history.periods):
        month = frame.iloc[index * size : (index + 1) * size]
        write_export(month, folder / f"tickets-{period}.csv", fmt="csv", period=period)
    stamp.write_text("")
    _mark_cached(stamp, _history_spec(history))
    log(f"wrote {len(history.periods)} history exports ({history.key}) in {time.perf_counter() - start:.1f} s")
    return folder


def ensure_template_workspace(history: History, work_dir: Path = WORK_DIR, log: Log = print) -> Path:
    """A workspace whose archive already holds the history periods (made once, then copied)."""
    from .measure import run_child

    target = history.template_dir(work_dir)
    spec = _template_spec(history)
    stamp = target / "bench-template.json"
    if stamp.is_file() and json.loads(stamp.read_text()).get("digest") == _spec_digest(spec):
        return target
    source = ensure_history_files(history, work_dir, log)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    write_agency_config(target, history.agencies)
    child = run_child(["ingest", "--workspace", str(target), str(source)])
    if not child.ok:
        raise RuntimeError(f"loading the history into {target} failed:\n{child.stderr_tail}")
    stamp.write_text(json.dumps({"digest": _spec_digest(spec), "spec": spec}))
    log(f"prepared {target.name}: {child.report.get('tickets', '?')} history tickets in {child.wall_s:.1f} s")
    return target


def fresh_workspace(template: Path, runs_dir: Path) -> Path:
    """A copy of the template workspace for one timed run (the copy is not timed)."""
    runs_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%H%M%S")
    target = runs_dir / f"ws-{stamp}-{time.perf_counter_ns() % 1_000_000:06d}"
    shutil.copytree(template, target)
    return target
