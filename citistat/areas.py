"""What the maps show, per area: the period's tickets, a chosen rate and the change against last year.

Plain values computed by the score stage (citistat/score/geography.py) and drawn by
render (citistat/render/maps.py); `PeriodResult.areas` holds one `Areas`. Counts per
district or street office only: never a point, an address or a caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AreaStat:
    name: str
    n: int  # tickets this period
    last_year_n: int | None  # None: the same period a year before is not known
    rate: float | None  # the chosen rate in [0, 1]; None when nothing was answered
    denominator: int  # answers the rate is made of
    last_year_rate: float | None = None

    @property
    def change_pp(self) -> float | None:
        """The rate's change against last year, in percentage points."""
        if self.rate is None or self.last_year_rate is None:
            return None
        return (self.rate - self.last_year_rate) * 100


@dataclass(frozen=True)
class Areas:
    metric: str = "resolution"  # the rate the maps show ([maps] rate)
    district: list[AreaStat] = field(default_factory=list)
    street: list[AreaStat] = field(default_factory=list)
    # agency -> [(district, tickets)]: where an agency's tickets come from
    by_agency: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # 每月一题 topic -> [(district, tickets)]
    by_topic: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    unplaced: int = 0  # tickets of the period with no district
    hexbins: HexGrid | None = None  # where the tickets carry coordinates


@dataclass(frozen=True)
class HexCell:
    lon: float  # centre, degrees
    lat: float
    n: int  # tickets; a cell under the threshold is never stored


@dataclass(frozen=True)
class HexGrid:
    """Ticket density on regular hexagons (sides of equal length on the ground, near the city's latitude)."""

    cells: list[HexCell]
    width_km: float  # distance between neighbouring centres
    radius_deg: float  # centre to corner, in degrees of latitude
    lat0: float  # the latitude the grid is made regular at
    located: int  # tickets of the period with coordinates
    suppressed: int  # of those, tickets in cells under the threshold (not drawn)
    threshold: int = 5
