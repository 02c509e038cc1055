"""`citistat metrics`: the period's table of counts, rates, intervals, deltas, scores and ranks."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..terminal import pad_left_aligned
from .common import input_options, open_config, period_option, workspace_option


@click.command("metrics")
@period_option()
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the full period result as JSON.")
@input_options
@workspace_option
def command(period, files, as_json, profile, aliases, roster, workspace):
    """Print PERIOD's metrics per agency: from FILES when given, else from the archive.

    Columns: n, the three rates with 95 % intervals, the change against the
    previous period in percentage points (* = significant at 5 %), composite
    score and rank within the unit type. "—" means N/A (no answers to count).
    """
    from ..pipeline import score_from_archive, score_from_files

    ws, config = open_config(workspace, aliases, roster)
    if files:
        result = score_from_files(ws, config, list(files), period, profile=profile)
    else:
        result = score_from_archive(ws, config, period)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(format_table(result))


def _left(text: str, width: int) -> str:
    return pad_left_aligned(text, width, cut=True)


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}"


def _delta(unit, metric: str) -> str:
    delta = unit.deltas.get(metric, {}).get("previous")
    if delta is None or delta.pp is None:
        return "—"
    mark = "*" if delta.significant else ""
    pp = round(delta.pp, 1) + 0.0  # no "-0.0"
    return f"{pp:+.1f}{mark}"


def format_table(result) -> str:
    header = f"{'rank':>4}  {_left('agency', 24)} {_left('type', 6)} {'n':>6}  {'resp%':>6} {'Δ':>6}  {'resol%':>6} {'Δ':>6}  {'satis%':>6} {'Δ':>6}  {'score':>5}"
    from ..score.methods import weights_in_force_note

    lines = [f"period {result.period} (previous {result.previous_period or '—'}); weights {result.weights_version}"]
    note = weights_in_force_note(result)
    if note:
        lines.append(f"weights in force: {note}")
    if result.definitions.get("date_precision") == "day":
        lines.append("dates carry no time of day: no minute-based measure")
    lines.append(header)
    typed = [u for t in result.unit_types for u in result.ranking(t)]
    untyped = sorted(
        (u for u in result.units if not u.unit_type), key=lambda u: (u.rank is None, u.rank or 0, u.agency)
    )
    units = [result.city] + typed + untyped
    for unit in units:
        rank = "" if unit.rank is None else f"{unit.rank}{'†' if unit.small_n else ''}"
        cells = [f"{rank:>4}", _left(unit.agency, 24), _left(unit.unit_type or "", 6), f"{unit.n_tickets:>6}"]
        for metric in ("response", "resolution", "satisfaction"):
            rate = unit.rates.get(metric)
            cells.append(f" {_pct(rate.value if rate else None):>6} {_delta(unit, metric):>6}")
        cells.append(f" {'—' if unit.score is None else f'{unit.score:.1f}':>5}")
        lines.append("  ".join(cells))
    lines.append("† below the minimum n for ranking; * change significant at the 5 % level; — N/A")
    return "\n".join(lines)
