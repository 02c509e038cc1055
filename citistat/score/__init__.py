"""score: counts in; rates, intervals, deltas, scores, ranks and screens out.

Pure: nothing here touches files, charts or documents (no click, matplotlib,
jinja2 or weasyprint).

    score_period(history, period, config) -> PeriodResult
    metrics_table(result) -> list[dict]
"""

from .build import score_period
from .definitions import Scoring, parse_scoring, validate_scoring
from .methods import metrics_table

__all__ = ["Scoring", "metrics_table", "parse_scoring", "score_period", "validate_scoring"]
