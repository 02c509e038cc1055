"""The Jinja environment: strict, autoescaped, and overridable file by file.

Templates are looked up in a workspace's templates/ first, then in the shipped
ones; an agency's brief uses `agency-<slug>.html` when a folder has one.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from ..messages import Messages
from . import formatting

STATIC_DIR = "static"


def make_environment(templates_dirs: list[Path], messages: Messages) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(d) for d in templates_dirs]),
        autoescape=True,  # every value is text unless a template says otherwise
        undefined=StrictUndefined,  # a misspelt name fails the build instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    lang = messages.lang
    env.filters.update(
        pct=formatting.pct,
        pct_change=formatting.pct_change,
        pp=formatting.pp,
        points=formatting.points,
        direction=formatting.direction,
        num=formatting.num,
        signed=formatting.signed,
        score=formatting.score,
        arrow=formatting.arrow,
        sig=formatting.significance,
        period=partial(formatting.period_label, lang=lang),
        date=partial(formatting.date_label, lang=lang),
        css_string=css_string,
    )
    from .context import target_gap, unknown_share

    env.filters["unit_type"] = partial(unit_type_label, messages)
    env.globals.update(
        t=messages,
        interval=formatting.interval,
        DASH=formatting.DASH,
        target_gap=target_gap,
        unknown_share=unknown_share,
    )
    return env


def unit_type_label(messages: Messages, name: str | None) -> str:
    """A unit type as the edition's language names it ("委办局" -> "Municipal departments"), else as written."""
    if not name:
        return formatting.DASH
    key = f"unit_type.{name}"
    return messages(key) if messages.has(key) else name


def css_string(text: object) -> Markup:
    """A quoted CSS string (for `content:` in @page rules) that no text can break out of."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " ·/-_.,:()" or ord(ch) > 0x7F else f"\\{ord(ch):x} " for ch in str(text)
    )
    return Markup(f'"{escaped}"')


def agency_template(env: Environment, slug: str, base: str = "agency.html") -> Template:
    """`agency-<slug>.html` from the first folder that has it, else `agency.html`."""
    return env.select_template([f"agency-{slug}.html", base])


def find_static(templates_dirs: list[Path], name: str) -> Path:
    """A static asset (CSS…) from the first templates folder that has it."""
    for folder in templates_dirs:
        candidate = folder / STATIC_DIR / name
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(d / STATIC_DIR) for d in templates_dirs)
    from ..errors import CitistatError

    raise CitistatError(f"asset {name!r} not found in {searched}; restore it from citistat's templates/static/")
