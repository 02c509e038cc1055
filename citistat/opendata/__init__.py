"""Open data out: what a city publishes of a period, under the public edition's rules.

    export_period(archive, config, "2024-03") -> ExportResult

Writes into `<archive>/open-data/<period>/`: the rates per unit with n and 95 % intervals
and the counts at every grain, as CSV described by a Frictionless Data Package
(`datapackage.json`, a Table Schema per file) and as Parquet, plus the period's service
requests as Open311 GeoReport v2 `requests.json`. No personal data and no notes leave;
small cells are withheld, with the threshold stated in the package.
"""

from .export import ExportResult, export_period, min_cell

__all__ = ["ExportResult", "export_period", "min_cell"]
