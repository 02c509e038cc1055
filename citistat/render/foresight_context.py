"""Context keys of the foresight pages: the early-warning list, the emerging hot spots and the outlook.

The early-warning list names callers (by pseudonym) and their case histories: it is made
for the hotline centre and the office, so it is in the context of the internal edition
only. Every other edition (agency, public, any added later) gets an empty list here, so no
template, shipped or overridden, can print it.
"""

from __future__ import annotations

from dataclasses import asdict

from ..briefing import BriefingInputs
from ..score.foresight_settings import EarlyWarningSettings, HotspotSettings, OutlookSettings

INTERNAL = "internal"


def foresight_context(inputs: BriefingInputs) -> dict:
    foresight = inputs.result.foresight
    internal = inputs.edition == INTERNAL
    return {
        "early_warning": list(foresight.early_warning) if internal else [],
        "early_warning_flagged": foresight.early_warning_flagged if internal else 0,
        "early_warning_shown": internal,
        "hotspots": foresight.hotspots,
        "outlook": foresight.outlook,
        # the thresholds and weights in force, for the wording of the methods and the score
        "ew_settings": inputs.result.definitions.get("early_warning") or asdict(EarlyWarningSettings()),
        "hs_settings": inputs.result.definitions.get("hotspots") or asdict(HotspotSettings()),
        "ol_settings": inputs.result.definitions.get("outlook") or asdict(OutlookSettings()),
    }
