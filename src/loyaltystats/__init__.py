"""loyaltystats: test what customer-experience practice believes about satisfaction and loyalty."""

from . import (
    claims,
    data,
    demo,
    drivers,
    errors,
    kano,
    market,
    nps,
    pyramid,
    results,
    scales,
    scoring,
    simulate,
    stats,
    switching,
    tables,
    thresholds,
    value,
)
from ._version import __version__
from .claims import check_claims, list_claims
from .errors import (
    ArtifactError,
    DataError,
    LoyaltyStatsError,
    ModelError,
    NotFittedError,
    ScaleError,
)
from .results import ClaimResult, Result
from .scales import GRADE_1_10, LIKERT_1_5, LIKERT_1_7, RECOMMEND_0_10, Band, Scale
from .scoring import LoyaltyScorer, load_scorer
from .tables import count_cells, person_period

__all__ = [
    "__version__",
    "claims", "data", "demo", "drivers", "errors", "kano", "market", "pyramid", "value", "nps", "results", "scales", "scoring", "simulate", "stats",
    "switching", "tables", "thresholds",
    "LoyaltyScorer", "load_scorer", "check_claims", "list_claims",
    "LoyaltyStatsError", "DataError", "ScaleError", "ModelError", "ArtifactError",
    "NotFittedError",
    "Result", "ClaimResult",
    "Scale", "Band", "GRADE_1_10", "RECOMMEND_0_10", "LIKERT_1_5", "LIKERT_1_7",
    "count_cells", "person_period",
]
