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


def chair_context(inputs: BriefingInputs) -> dict:
    """{"chair": None} outside the internal edition; else the findings and the focus agencies in the office's order."""
    if inputs.edition != INTERNAL:
        return {"chair": None}
    result = inputs.result
    units = {u.agency: u for u in result.units}
    findings: ChairFindings = chair_findings(result)
    return {"chair": {"findings": findings,
                      "focus": [FocusView(item, units.get(item.agency)) for item in inputs.focus]}}
