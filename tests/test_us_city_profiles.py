"""The shipped profiles of three more US cities read their open-data exports as the city publishes them:
the full header (columns citistat does not use included), the city's own date spelling, statuses and
missing fields; each file is recognised without naming the profile."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from citistat.config import load_config
from citistat.ingest import load
from citistat.ingest.profiles import build_profile, detect_profile

CHICAGO_HEADER = [
    "SR_NUMBER", "SR_TYPE", "SR_SHORT_CODE", "CREATED_DEPARTMENT", "OWNER_DEPARTMENT", "STATUS", "ORIGIN",
    "CREATED_DATE", "LAST_MODIFIED_DATE", "CLOSED_DATE", "STREET_ADDRESS", "CITY", "STATE", "ZIP_CODE",
    "STREET_NUMBER", "STREET_DIRECTION", "STREET_NAME", "STREET_TYPE", "DUPLICATE", "LEGACY_RECORD",
    "LEGACY_SR_NUMBER", "PARENT_SR_NUMBER", "COMMUNITY_AREA", "WARD", "ELECTRICAL_DISTRICT", "ELECTRICITY_GRID",
    "POLICE_SECTOR", "POLICE_DISTRICT", "POLICE_BEAT", "PRECINCT", "SANITATION_DIVISION_DAYS", "CREATED_HOUR",
    "CREATED_DAY_OF_WEEK", "CREATED_MONTH", "X_COORDINATE", "Y_COORDINATE", "LATITUDE", "LONGITUDE", "LOCATION",
]  # fmt: skip
BOSTON_HEADER = [
    "case_enquiry_id", "open_dt", "sla_target_dt", "closed_dt", "on_time", "case_status", "closure_reason",
    "case_title", "subject", "reason", "type", "queue", "department", "submitted_photo", "closed_photo",
    "location", "fire_district", "pwd_district", "city_council_district", "police_district", "neighborhood",
    "neighborhood_services_district", "ward", "precinct", "location_street_name", "location_zipcode",
    "latitude", "longitude", "geom_4326", "source",
]  # fmt: skip
SF_HEADER = [
    "CaseID", "Opened", "Closed", "Updated", "Status", "Status Notes", "Responsible Agency", "Category",
    "Request Type", "Request Details", "Address", "Street", "Supervisor District", "Neighborhood",
    "Analysis Neighborhood", "Police District", "Latitude", "Longitude", "Point", "Source", "Media URL",
]  # fmt: skip


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in header})
    return path


def chicago_row(number: str, created: str, closed: str, status: str, department: str) -> dict[str, str]:
    return {
        "SR_NUMBER": number,
        "SR_TYPE": "Pothole in Street Complaint",
        "SR_SHORT_CODE": "PHF",
        "CREATED_DEPARTMENT": "311 City Services",
        "OWNER_DEPARTMENT": department,
        "STATUS": status,
        "ORIGIN": "Phone Call",
        "CREATED_DATE": created,
        "LAST_MODIFIED_DATE": closed or created,
        "CLOSED_DATE": closed,
        "STREET_NAME": "HALSTED",
        "COMMUNITY_AREA": "28",
        "WARD": "27",
        "DUPLICATE": "false",
        "LATITUDE": "41.8781",
        "LONGITUDE": "-87.6298",
    }


def test_a_chicago_export_reads_with_a_close_date_as_the_answer(tmp_path, config):
    rows = [
        chicago_row("SR24-00000001", "03/01/2024 08:15:30 AM", "03/02/2024 04:00:00 PM", "Completed", "CDOT - Department of Transportation"),
        chicago_row("SR24-00000002", "03/01/2024 11:59:59 PM", "", "Open", "Streets and Sanitation"),
        chicago_row("SR24-00000003", "03/02/2024 09:00:00 AM", "03/02/2024 09:30:00 AM", "Canceled", "streets and sanitation "),
        chicago_row("SR24-00000004", "03/03/2024 01:05:00 PM", "03/04/2024 10:00:00 AM", "Completed - Dup", "Streets and Sanitation"),
    ]  # fmt: skip
    result = load([write_csv(tmp_path / "311_Service_Requests.csv", CHICAGO_HEADER, rows)], config, lang="en")
    [report] = result.files
    assert report.profile == "chicago-311" and report.reconciliation.balances() and report.reconciliation.rejected == 0
    t = result.tickets.set_index("ticket_id")
    assert t.loc["SR24-00000001", "created_at"] == pd.Timestamp("2024-03-01 08:15:30")
    assert t.loc["SR24-00000002", "created_at"] == pd.Timestamp("2024-03-01 23:59:59")  # 12-hour clock, not 11:59
    assert t["responded"].tolist() == [True, False, True, True]  # a close date is the answer
    assert t["resolved"].tolist() == [True, False, False, True]  # Completed (a folded duplicate too) resolves
    assert t.loc["SR24-00000003", "status"] == "cancelled"
    # one department however it is cased or spaced, named as the file most often writes it
    assert sorted(t["agency"].unique()) == ["CDOT - Department of Transportation", "Streets and Sanitation"]
    assert t.loc["SR24-00000003", "agency_raw"] == "streets and sanitation "
    assert t.loc["SR24-00000001", "district"] == "27" and t.loc["SR24-00000001", "category"].startswith("Pothole")


def boston_row(case: str, opened: str, target: str, closed: str, status: str, subject: str) -> dict[str, str]:
    return {
        "case_enquiry_id": case,
        "open_dt": opened,
        "sla_target_dt": target,
        "closed_dt": closed,
        "on_time": "ONTIME",
        "case_status": status,
        "closure_reason": "Case Resolved." if status == "Closed" else "",
        "case_title": "Request for Pothole Repair",
        "subject": subject,
        "reason": "Highway Maintenance",
        "type": "Request for Pothole Repair",
        "queue": "PWDx_District 1C: North End",
        "department": "PWDx",
        "neighborhood": "Downtown / Financial District",
        "location_street_name": "INTERSECTION of Atlantic Ave & State St",
        "location_zipcode": "02109",
        "latitude": "42.3594",
        "longitude": "-71.0587",
        "source": "Citizens Connect App",
    }


def test_a_boston_export_answers_by_the_service_level_target(tmp_path, config):
    rows = [
        boston_row("101005000001", "2024-03-01 08:00:00", "2024-03-04 08:30:00", "2024-03-02 10:00:00", "Closed", "Public Works Department"),
        boston_row("101005000002", "2024-03-01 09:00:00", "2024-03-02 09:00:00", "2024-03-05 10:00:00", "Closed", "Public Works Department"),
        boston_row("101005000003", "2024-03-02 09:00:00", "", "", "Open", "Transportation - Traffic Division"),
        boston_row("101005000004", "2024-03-31 23:30:00", "2024-04-30 23:30:00", "", "Open", "Inspectional Services"),
    ]  # fmt: skip
    result = load([write_csv(tmp_path / "tmp_boston_311.csv", BOSTON_HEADER, rows)], config, lang="en")
    [report] = result.files
    assert report.profile == "boston-311" and report.reconciliation.balances() and report.reconciliation.rejected == 0
    t = result.tickets.set_index("ticket_id")
    responded = [None if pd.isna(v) else bool(v) for v in t["responded"]]
    # on time; closed after its target; no target (unknown); open and not yet due at the end of the export
    assert responded == [True, False, None, None]
    assert t["resolved"].tolist() == [True, True, False, False]
    assert t.loc["101005000001", "agency"] == "Public Works Department"  # the department in words, not PWDx
    assert t.loc["101005000002", "subcategory"] == "Request for Pothole Repair"
    assert set(t["period"].astype(str)) == {"2024-03"}


def test_a_san_francisco_export_reads_with_a_close_date_as_the_answer(tmp_path, config):
    def row(case, opened, closed, status, agency):
        return {
            "CaseID": case,
            "Opened": opened,
            "Closed": closed,
            "Updated": closed or opened,
            "Status": status,
            "Status Notes": "Case Resolved - pickup completed." if closed else "",
            "Responsible Agency": agency,
            "Category": "Street and Sidewalk Cleaning",
            "Request Type": "Bulky Items",
            "Supervisor District": "6",
            "Neighborhood": "South of Market",
            "Latitude": "37.7786",
            "Longitude": "-122.4059",
            "Source": "Phone",
        }

    rows = [
        row("17000001", "03/01/2024 12:05:00 AM", "03/01/2024 03:15:00 PM", "Closed", "Recology_Abandoned"),
        row("17000002", "03/01/2024 12:05:00 PM", "", "Open", "DPW Ops Queue"),
    ]
    result = load([write_csv(tmp_path / "311_Cases.csv", SF_HEADER, rows)], config, lang="en")
    [report] = result.files
    assert report.profile == "sf-311" and report.reconciliation.balances() and report.reconciliation.rejected == 0
    t = result.tickets.set_index("ticket_id")
    assert t.loc["17000001", "created_at"] == pd.Timestamp("2024-03-01 00:05:00")  # 12:05 AM is just after midnight
    assert t.loc["17000002", "created_at"] == pd.Timestamp("2024-03-01 12:05:00")
    assert t["responded"].tolist() == [True, False] and t["resolved"].tolist() == [True, False]
    assert t.loc["17000001", "district"] == "6" and t.loc["17000001", "agency"] == "Recology_Abandoned"


def test_the_new_profiles_do_not_take_files_of_another_city(config):
    profiles = {name: build_profile(name, data) for name, data in config.profiles.items()}
    open311_json = [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
        "address", "address_id", "zipcode", "lat", "long", "media_url",
    ]  # fmt: skip
    sf_api = [
        "service_request_id", "requested_datetime", "closed_date", "updated_datetime", "status_description",
        "status_notes", "agency_responsible", "service_name", "service_subtype", "service_details", "address",
        "street", "supervisor_district", "analysis_neighborhood", "police_district", "lat", "long", "source",
    ]  # fmt: skip
    nyc = ["Unique Key", "Created Date", "Closed Date", "Agency", "Complaint Type", "Status", "Latitude", "Longitude"]
    assert detect_profile(open311_json, profiles) == "open311"
    assert detect_profile(sf_api, profiles) == "sf-311"
    assert detect_profile(nyc, profiles) == "nyc-311"
    assert detect_profile([h.lower() for h in CHICAGO_HEADER], profiles) == "chicago-311"  # the API's names
    assert detect_profile(BOSTON_HEADER, profiles) == "boston-311"
