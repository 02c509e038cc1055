"""`citistat sample`: write synthetic 12345 exports to try citistat on (all people and numbers invented)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..errors import UsageError
from .common import check_period, echo_err

DEFAULT_RANGE = "2023-03..2024-03"
# A load-test size: above this many tickets per period only one period is written unless --periods says otherwise.
LARGE_TICKETS = 100_000


def parse_periods(text: str) -> list[str]:
    """ "2023-03..2024-03" (a range), "2024-03" (one month) or "2023-11,2024-03" (a list)."""
    from ..sample import period_range

    periods: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        first, _, last = part.partition("..")
        check_period(first)
        if last:
            check_period(last)
            if last < first:
                raise UsageError(f"the range {part!r} ends before it starts; write it as EARLIER..LATER")
            periods += period_range(first, last)
        else:
            periods.append(first)
    if len(set(periods)) != len(periods):
        raise UsageError(f"the periods {text!r} name a month twice")
    return periods


def _periods_callback(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_periods(value)
    except UsageError as exc:
        raise click.BadParameter(exc.message) from None


@click.command("sample")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--tickets", "-n", type=click.IntRange(min=1), default=None, help="Tickets per period. Default: 2500.")
@click.option(
    "--periods",
    callback=_periods_callback,
    default=None,
    help=f"Months to generate: a range like {DEFAULT_RANGE}, one month, or a comma list. "
    f"Default: {DEFAULT_RANGE}; with more than {LARGE_TICKETS:,} tickets, only the last of those months.",
)
@click.option("--seed", type=int, default=None, help="Random seed; the same seed gives the same files. Default: 7.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv", "both"]),
    default=None,
    help="One file per month in this format. Default: the shipped layout (xlsx per month, "
    "the last month split into an xlsx and an overlapping GB18030 CSV).",
)
@click.option(
    "--agencies",
    type=click.IntRange(2, 60),
    default=60,
    show_default=True,
    help="Number of agencies (about a third municipal departments).",
)
@click.pass_context
def command(
    ctx: click.Context,
    out_dir: Path,
    tickets: int | None,
    periods: list[str] | None,
    seed: int | None,
    fmt: str | None,
    agencies: int,
) -> None:
    """Write synthetic 12345 hotline exports into OUT_DIR and print the files written.

    The data are invented (names, phone numbers, tickets) but shaped like real
    exports: title and 说明 rows, a 合计 row, messy agency names, unreadable
    dates, repeat callers, an agency rename, weak, improving and suspicious
    units. `citistat sample sample_data` rebuilds the shipped sample set.

    For a load test: `citistat sample big --tickets 1000000` writes one month
    of a million tickets.
    """
    from ..sample import DEFAULT_SEED, DEFAULT_TICKETS_PER_PERIOD, write_sample_set

    quiet = bool((ctx.obj or {}).get("quiet"))
    tickets = tickets or DEFAULT_TICKETS_PER_PERIOD
    if periods is None:
        periods = parse_periods(DEFAULT_RANGE)
        if tickets > LARGE_TICKETS:
            periods = periods[-1:]
    formats = {"xlsx": ("xlsx",), "csv": ("csv",), "both": ("xlsx", "csv"), None: None}[fmt]
    echo_err(f"generating {tickets:,} tickets for each of {len(periods)} period(s) into {out_dir} …", quiet)
    started = time.perf_counter()
    written = write_sample_set(
        out_dir,
        tickets_per_period=tickets,
        seed=DEFAULT_SEED if seed is None else seed,
        periods=periods,
        agencies=agencies,
        formats=formats,
    )
    for path in written:
        click.echo(str(path))
    echo_err(
        f"wrote {len(written)} file(s) in {time.perf_counter() - started:.1f} s; all people and numbers are invented",
        quiet,
    )
