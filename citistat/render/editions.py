"""The three editions and the line between them, drawn on the inputs before any template sees them.

- internal: the chair's team. Everything: internal notes, follow-up notes, the repeat-caller
  watch list, the sample of data issues with their raw cell values.
- agency: what goes to a department head 48 hours before the meeting. Their own numbers and
  rank context, the questions the office chose to send, their follow-ups. No internal note,
  no follow-up note, no watch list, no raw cell values; a brief shows one agency's notes only.
- public: as agency, and small cells suppressed (category and place rows under SMALL_CELL
  tickets), since a handful of tickets about one address can point at one household.

`for_edition` returns inputs that never held what the edition must not show, so a template
(shipped or a workspace override) cannot print it, whatever it asks for.
"""

from __future__ import annotations

from dataclasses import replace

from ..briefing import AgencyNotes, BriefingInputs
from ..errors import CitistatError
from ..results import UnitResult

INTERNAL, AGENCY, PUBLIC = "internal", "agency", "public"
EDITIONS = (INTERNAL, AGENCY, PUBLIC)
OUTWARD = (AGENCY, PUBLIC)
SMALL_CELL = 5  # public edition: category and place rows with fewer tickets than this are left out


def check_edition(edition: str) -> str:
    if edition not in EDITIONS:
        raise CitistatError(f"unknown edition {edition!r}; use one of {', '.join(EDITIONS)}")
    return edition


def for_edition(inputs: BriefingInputs) -> BriefingInputs:
    """The inputs as the edition may see them (the internal edition unchanged)."""
    edition = check_edition(inputs.edition)
    if edition == INTERNAL:
        return inputs
    public = edition == PUBLIC
    result = inputs.result
    result = replace(
        result, city=_outward_unit(result.city, public), units=[_outward_unit(u, public) for u in result.units]
    )
    return replace(
        inputs,
        result=result,
        # a closing note may name people or places: the agency sees its own, the public only the status
        followups=[replace(f, notes="", evidence="" if public else f.evidence) for f in inputs.followups],
        notes={name: _outward_notes(notes) for name, notes in inputs.notes.items()},
        issues=[],  # raw cell values may hold phone numbers and names
        focus=[],  # the office's choice of agencies and its reasons are for the session itself
    )


def _outward_unit(unit: UnitResult, public: bool) -> UnitResult:
    unit = replace(unit, watchlist=[])
    if public:
        unit = replace(
            unit,
            categories=[row for row in unit.categories if row.n >= SMALL_CELL],
            places=[row for row in unit.places if row.n >= SMALL_CELL],
        )
    return unit


def _outward_notes(notes: AgencyNotes) -> AgencyNotes:
    return replace(notes, internal="")
