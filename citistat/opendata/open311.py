"""Service requests as an Open311 GeoReport v2 `requests.json` (the format 311 open-data portals serve).

Only what the standard's request list needs and a public record may carry: the request's id, category,
responsible agency, times and a coarse location (district and street). No caller, no ticket text
(`description` and `status_notes` are left out), no community or point-level place.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..safe_io import atomic_write_text


def service_requests(tickets: pd.DataFrame) -> list[dict]:
    """One GeoReport v2 request per ticket, in ticket-id order."""
    requests = []
    for row in tickets.sort_values("ticket_id", kind="stable").itertuples(index=False):
        closed = _time(row.closed_at)
        address = " ".join(str(v) for v in (row.district, row.street) if _present(v))
        requests.append(
            {
                "service_request_id": str(row.ticket_id),
                "status": "closed" if closed else "open",
                "service_name": str(row.category) if _present(row.category) else None,
                "service_code": str(row.category) if _present(row.category) else None,
                "agency_responsible": str(row.agency) if _present(row.agency) else None,
                "requested_datetime": _time(row.created_at),
                "updated_datetime": closed or _time(row.created_at),
                "expected_datetime": _time(row.due_at),
                "address": address or None,
                "zipcode": None,
                "lat": None,
                "long": None,
                "media_url": None,
            }
        )
    return requests


def write_requests(tickets: pd.DataFrame, path: Path) -> Path:
    text = json.dumps(service_requests(tickets), ensure_ascii=False, indent=1)
    return atomic_write_text(path, text + "\n")


def _present(value) -> bool:
    return value is not None and not pd.isna(value) and str(value) != ""


def _time(value) -> str | None:
    """W3C date-time, local time as the export gave it (the exports carry no offset)."""
    return None if value is None or pd.isna(value) else pd.Timestamp(value).isoformat(timespec="seconds")
