"""The pipeline's contracts are named types: what a load and a build hand back, and what the archive
remembers of a session, reach the next stage whole."""

from __future__ import annotations

import typing
from dataclasses import fields
from types import SimpleNamespace

from citistat import pipeline
from citistat.archive.changes import ChangeSummary
from citistat.briefing import BriefingInputs
from citistat.ingest import IngestResult
from citistat.pipeline import BuildOutcome, LanguageBooks, LoadOutcome, SessionRecord, _briefing_inputs
from citistat.render import BookSet


def test_the_session_record_reaches_the_briefing_inputs_whole():
    record = SessionRecord(**{f.name: object() for f in fields(SessionRecord)})  # a sentinel per field
    config = SimpleNamespace(city_name=lambda lang: f"city in {lang}", geo={})
    inputs = _briefing_inputs(
        record,
        config,
        SimpleNamespace(period="2024-03"),
        SimpleNamespace(revision=2, status="draft"),
        lang="en",
        edition="internal",
        meeting="2024-04-10",
        built_on="2024-04-01",
    )
    for field in fields(SessionRecord):
        assert getattr(inputs, field.name) is getattr(record, field.name), field.name
    assert (inputs.city, inputs.revision, inputs.meeting_date) == ("city in en", 2, "2024-04-10")


def test_every_required_briefing_input_comes_from_the_record_or_the_build():
    """A required field added to BriefingInputs must be filled by name, not slip through a dict."""
    from dataclasses import MISSING

    from_build = {
        "city",
        "period",
        "meeting_date",
        "lang",
        "edition",
        "revision",
        "status",
        "result",
        "generated_on",
        "boundaries",
    }
    required = {f.name for f in fields(BriefingInputs) if f.default is MISSING and f.default_factory is MISSING}
    assert required <= from_build | {f.name for f in fields(SessionRecord)}


def test_outcomes_name_the_types_they_carry():
    names = {**vars(pipeline), "IngestResult": IngestResult, "ChangeSummary": ChangeSummary, "BookSet": BookSet}
    load = typing.get_type_hints(LoadOutcome, globalns=names)
    assert load["ingest"] is IngestResult and load["stored"] == dict[str, ChangeSummary]
    build = typing.get_type_hints(BuildOutcome, globalns=names)
    assert build["books"] == dict[str, BookSet] and build["editions"] == dict[str, dict[str, BookSet]]
    assert typing.get_type_hints(LanguageBooks, globalns=names)["books"] is BookSet
