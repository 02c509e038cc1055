"""The fixed seed set of the fuzz suite: every family of hostile input, through the real CLI in a bounded subprocess.

Each test draws two cases of one family (seeded, so the set is the same every
run), gives both to one command, and requires exit 0, 1 or 2, no traceback, no
unforeseen reader failure, memory and time within the bounds, and both files
named in the report (one bad file does not stop the batch). `make fuzz` runs
the longer campaign (tests/fuzz_campaign.py).
"""

from __future__ import annotations

import pytest
from fuzz_campaign import draw_cases
from fuzz_harness import prepare_workspace, run_case
from fuzz_inputs import FAMILIES, InputCase, materialise

FIXED_SEED = 20
INGESTED = {"lying_zip", "legacy_xls", "json", "extreme_dates"}  # through `ingest`; the rest through `validate`


@pytest.mark.parametrize("family", list(FAMILIES))
def test_a_family_of_hostile_inputs_ends_cleanly(family, tmp_path):
    cases = draw_cases(family, 2, FIXED_SEED)
    paths = [materialise(case, tmp_path, f"input{i}") for i, case in enumerate(cases)]
    command = "ingest" if family in INGESTED else "validate"
    outcome = run_case(command, paths, prepare_workspace(tmp_path), timeout=60)
    assert outcome.ok, f"{cases}\n{outcome.describe()}"
    assert not outcome.internal_error, f"{cases}\n{outcome.describe()}"
    if command == "validate":
        for case, path in zip(cases, paths):
            if case.special != "directory":  # a folder expands to the files inside it: none here
                assert path.name in outcome.output, outcome.describe()


def test_run_refuses_non_files_with_a_clean_exit(tmp_path):
    cases = [
        InputCase("non_file", "fifo", ".csv", special="fifo"),
        InputCase("non_file", "zero", ".csv", special="dev_zero"),
    ]
    paths = [materialise(case, tmp_path, f"input{i}") for i, case in enumerate(cases)]
    outcome = run_case("run", paths, prepare_workspace(tmp_path), timeout=60)
    assert outcome.ok and outcome.exit_code in (1, 2), outcome.describe()
    assert outcome.output.count("not_a_regular_file") == 2
