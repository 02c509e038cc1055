"""The `[engine]` section of config/citistat.toml: which engine counts, and its limits.

[engine]
kind = "duckdb"            # pandas | duckdb | spark
memory_limit = "4GB"       # duckdb: spills to temp_directory past this, never runs out of memory
temp_directory = ""        # duckdb: where it spills (default: the system temp folder)
threads = 0                # duckdb: 0 = every core
master = "local[2]"        # spark: local[N], spark://host:7077, yarn, k8s://https://host:443
[engine.spark_conf]        # spark: any further Spark settings, passed as they are
"spark.executor.memory" = "8g"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

ENGINE_KINDS = ("pandas", "duckdb", "spark")
DEFAULT_KIND = "duckdb"
DEFAULT_MASTER = "local[*]"
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)
_MASTER = re.compile(r"^(local(\[(\d+|\*)(,\s*\d+)?\])?|spark://\S+|yarn|k8s://\S+|mesos://\S+)$")
_KNOWN = {"kind", "memory_limit", "temp_directory", "threads", "master", "app_name", "spark_conf"}
_Value = TypeVar("_Value")


def _doc(default: _Value, doc: str) -> _Value:
    """A setting with its one-line doc (config.setting_docs lists it; docs/settings.md must too)."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class EngineSettings:
    """[engine]: what `citistat recount` counts with. Checked by validate_engine."""

    kind: str = _doc(DEFAULT_KIND, "what counts: duckdb (in process) | spark | pandas")
    memory_limit: str = _doc(
        "4GB", "duckdb spills to temp_directory past this instead of running out of memory (empty: no limit)"
    )
    temp_directory: str = _doc("", "where duckdb spills (empty: the system temp folder)")
    threads: int = _doc(0, "duckdb's threads (0: every core)")
    master: str = _doc(DEFAULT_MASTER, "spark only: local[N], spark://HOST:7077, yarn, k8s://https://HOST:443")
    app_name: str = _doc("citistat", "spark only: the application's name in the cluster")
    spark_conf: dict[str, str] = field(
        default_factory=dict,
        metadata={"doc": "spark only: further Spark settings, passed as they are ([engine.spark_conf])"},
    )


def validate_engine(data: object) -> list[str]:
    """Problems with an `[engine]` table, each saying what to write instead (empty list: fine)."""
    if data is None:
        return []
    if not isinstance(data, dict):
        return ['[engine] must be a table (kind = "duckdb" …)']
    problems = [
        f"[engine] {key} is not a setting; use one of {', '.join(sorted(_KNOWN))}" for key in data if key not in _KNOWN
    ]
    kind = data.get("kind", DEFAULT_KIND)
    if kind not in ENGINE_KINDS:
        problems.append(f"[engine] kind = {kind!r}; use one of {', '.join(ENGINE_KINDS)}")
    memory = data.get("memory_limit", "")
    if memory and not (isinstance(memory, str) and _MEMORY.match(memory)):
        problems.append(f'[engine] memory_limit = {memory!r}; write a size such as "4GB" or "512MB"')
    threads = data.get("threads", 0)
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 0:
        problems.append(f"[engine] threads = {threads!r}; use a whole number, 0 for every core")
    master = data.get("master", DEFAULT_MASTER)
    if not (isinstance(master, str) and _MASTER.match(master)):
        problems.append(
            f"[engine] master = {master!r}; use local[N], spark://HOST:PORT, yarn or k8s://https://HOST:PORT"
        )
    conf = data.get("spark_conf", {})
    if not isinstance(conf, dict) or not all(isinstance(v, (str, int, float, bool)) for v in conf.values()):
        problems.append("[engine.spark_conf] must map Spark setting names to plain values")
    for key in ("temp_directory", "app_name"):
        if not isinstance(data.get(key, ""), str):
            problems.append(f"[engine] {key} must be text")
    return problems


def engine_settings(settings: dict[str, Any], *, kind: str | None = None, master: str | None = None) -> EngineSettings:
    """EngineSettings from a validated citistat.toml, with command-line choices on top."""
    data = dict(settings.get("engine", {}) or {})
    if kind:
        data["kind"] = kind
    if master:
        data["master"] = master
    if "spark_conf" in data:
        data["spark_conf"] = {
            str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in data["spark_conf"].items()
        }
    if "threads" in data:
        data["threads"] = int(data["threads"])
    return EngineSettings(**{key: value for key, value in data.items() if key in _KNOWN})  # others: the defaults
