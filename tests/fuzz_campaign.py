"""`make fuzz`: a longer campaign of generated hostile inputs, and a table of outcomes per family.

    python tests/fuzz_campaign.py [--cases 520] [--batch 4] [--workers 2] [--seed 0] [--timeout 60]
                                  [--commands validate,ingest]

Cases are drawn from every family of fuzz_inputs (Hypothesis strategies, seeded)
and given to the commands in turn, `--batch` cases of one family per command (a
batch is a run of several files, as users load them: one bad file must not stop
the others), in a subprocess bounded by fuzz_harness. A batch's outcome counts for
each of its cases, so a failure is never hidden, only possibly counted more than
once; `--batch 1` runs every case alone. `run`
is left out by default: on a file that loads it renders every book (minutes per
case), and its loading is the code `ingest` runs. Exit status 1 when any case printed a traceback, ran over the
memory bound, hung or ended with another exit code than 0, 1 or 2.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).parent))
from fuzz_harness import Outcome, prepare_workspace, run_case  # noqa: E402
from fuzz_inputs import FAMILIES, InputCase, materialise  # noqa: E402

COMMANDS = ("validate", "ingest")


def draw_cases(family: str, count: int, first_seed: int) -> list[InputCase]:
    """`count` cases of one family (fewer when the family has fewer distinct cases), seeded."""
    cases: list[InputCase] = []
    for round_ in range(20):

        @seed(first_seed + round_)
        @settings(
            max_examples=count,
            database=None,
            phases=[Phase.generate],
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(FAMILIES[family])
        def collect(case: InputCase) -> None:
            if len(cases) < count:
                cases.append(case)

        collect()
        if len(cases) >= count:
            break
    return cases


def run_batch(
    index: int, cases: list[InputCase], command: str, root: Path, timeout: float
) -> list[tuple[InputCase, Outcome]]:
    folder = Path(tempfile.mkdtemp(dir=root, prefix=f"batch{index}-"))
    workspace = prepare_workspace(folder)
    paths = [materialise(case, folder, f"input{i}") for i, case in enumerate(cases)]
    outcome = run_case(command, paths, workspace, timeout=timeout)
    shutil.rmtree(folder, ignore_errors=True)
    return [(case, outcome) for case in cases]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=520)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--commands", default=",".join(COMMANDS))
    args = parser.parse_args(argv)

    per_family = -(-args.cases // len(FAMILIES))
    batches = [
        cases[i : i + args.batch]
        for family in FAMILIES
        for cases in [draw_cases(family, per_family, args.seed)]
        for i in range(0, len(cases), args.batch)
    ]
    commands = itertools.cycle(args.commands.split(","))
    results: list[tuple[InputCase, Outcome]] = []
    with tempfile.TemporaryDirectory(prefix="citistat-fuzz-") as root, ThreadPoolExecutor(args.workers) as pool:
        futures = [
            pool.submit(run_batch, i, batch, next(commands), Path(root), args.timeout)
            for i, batch in enumerate(batches)
        ]
        for done, future in enumerate(futures, start=1):
            results.extend(future.result())
            if done % 10 == 0:
                print(f"  {done}/{len(futures)} runs, {len(results)} cases", file=sys.stderr, flush=True)
    print(table(results, args.timeout))
    failures = [(case, outcome) for case, outcome in results if not outcome.ok or outcome.internal_error]
    for case, outcome in failures[:20]:
        print(f"\n--- {case!r}\n{outcome.describe()}")
    failures = [(case, outcome) for case, outcome in failures if not outcome.ok]
    return 1 if failures else 0


def table(results: list[tuple[InputCase, Outcome]], timeout: float) -> str:
    rows: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for case, outcome in results:
        for family in (case.family, "total"):
            row = rows[family]
            row["cases"] += 1
            row["tracebacks"] += outcome.traceback
            row["over-memory"] += outcome.over_memory
            row[f"hangs >{timeout:g} s"] += outcome.hang
            row["bad exit"] += outcome.bad_exit
            row["internal errors"] += outcome.internal_error
            row["max s"] = max(row["max s"], outcome.seconds)
            row["max MiB"] = max(row["max MiB"], outcome.peak_rss / 2**20)
    columns = [
        "cases",
        "tracebacks",
        "over-memory",
        f"hangs >{timeout:g} s",
        "bad exit",
        "internal errors",
        "max s",
        "max MiB",
    ]
    lines = ["| family | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for family in [*FAMILIES, "total"]:
        if family in rows:
            row = rows[family]
            cells = [f"{row[c]:.1f}" if c == "max s" else f"{row[c]:.0f}" for c in columns]
            lines.append(f"| {family} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
