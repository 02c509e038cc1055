"""What a citistat command's exit status means: the same three codes for every command.

The README and docs/archive.md print this table; a test keeps them in step with it.
"""

from __future__ import annotations

DONE = 0
PROBLEMS = 1
REFUSED = 2

TABLE = [
    (DONE, "done, and nothing needs attention"),
    (
        PROBLEMS,
        "done as far as the data allowed, and something needs attention: rows rejected or files failed "
        "(`validate`, `ingest`, `run`; every file failing included; with `validate --strict` also "
        "warnings), or `sessions verify` found a missing, changed, added or disagreeing file",
    ),
    (
        REFUSED,
        "nothing was done: a usage or configuration error, the archive refused (in use by another writer, "
        "published, no such period or session), or the files hold no ticket of the period asked for",
    ),
]


def markdown_table() -> str:
    rows = "\n".join(f"| {code} | {meaning} |" for code, meaning in TABLE)
    return f"| exit | meaning |\n|---|---|\n{rows}\n"
