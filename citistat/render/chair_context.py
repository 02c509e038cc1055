"""The chair's page as the templates read it: the score stage's findings and the session's focus agencies.

Internal edition only: the office's choice of agencies and its reasons are for the
session, and an outward edition's inputs carry no focus (editions.for_edition).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..briefing import BriefingInputs, FocusAgency
from ..results import UnitResult
from ..score.chair import ChairFindings, chair_findings
from .editions import INTERNAL


@dataclass(frozen=True)
class FocusView:
    item: FocusAgency
    unit: UnitResult | None  # None: the agency has no result this period (a name the roster does not know)
    agency: object | None = None  # its AgencyView (questions, follow-ups, flags in priority order), when it has one


def chair_context(inputs: BriefingInputs, agencies: list | None = None) -> dict:
    """{"chair": None} outside the internal edition; else the findings and the focus agencies in the office's order.

    `agencies` are the book's AgencyViews: a focus agency's question sheet is made from its own."""
    if inputs.edition != INTERNAL:
        return {"chair": None}
    result = inputs.result
    units = {u.agency: u for u in result.units}
    views = {view.name: view for view in agencies or []}
    findings: ChairFindings = chair_findings(result)
    focus = [FocusView(item, units.get(item.agency), views.get(item.agency)) for item in inputs.focus]
    chosen = {item.agency for item in inputs.focus}
    return {
        "chair": {
            "findings": findings,
            "focus": focus,
            "for_the_record": [view for view in agencies or [] if view.name not in chosen],
            "followup_minutes": inputs.followup_minutes,
        }
    }
