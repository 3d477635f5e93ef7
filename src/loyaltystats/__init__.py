"""loyaltystats: test what customer-experience practice believes about satisfaction and loyalty.

Subpackages and the names below are imported on first use (PEP 562), so that
``import loyaltystats`` and the command line (``loyaltystats --help``) start fast; the
statistics stack (SciPy, statsmodels, lifelines) loads only when a function needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

_SUBMODULES = (
    "claims", "data", "demo", "design", "drivers", "effort", "errors", "kano", "market", "nps",
    "pyramid",
    "results", "roles", "scales", "scoring", "simulate", "stats", "switching", "tables",
    "thresholds", "value",
)
_NAMES = {
    "check_claims": "claims", "list_claims": "claims",
    "ArtifactError": "errors", "DataError": "errors", "LoyaltyStatsError": "errors",
    "ModelError": "errors", "NotFittedError": "errors", "ScaleError": "errors",
    "ParameterError": "errors", "OutputError": "errors", "InputFileError": "errors",
    "ClaimResult": "results", "Result": "results",
    "GRADE_1_10": "scales", "LIKERT_1_5": "scales", "LIKERT_1_7": "scales",
    "RECOMMEND_0_10": "scales", "Band": "scales", "Scale": "scales",
    "LoyaltyScorer": "scoring", "load_scorer": "scoring",
    "count_cells": "tables", "person_period": "tables",
    "SurvivalColumns": "roles",
}

__all__ = [
    "__version__",
    *_SUBMODULES,
    "LoyaltyScorer", "load_scorer", "check_claims", "list_claims",
    "LoyaltyStatsError", "DataError", "ScaleError", "ModelError", "ArtifactError",
    "NotFittedError", "ParameterError", "OutputError", "InputFileError",
    "Result", "ClaimResult",
    "Scale", "Band", "GRADE_1_10", "RECOMMEND_0_10", "LIKERT_1_5", "LIKERT_1_7",
    "count_cells", "person_period", "SurvivalColumns",
]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _NAMES:
        value = getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'loyaltystats' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs: the names as if imported eagerly
    from . import (  # noqa: F401
        claims,
        data,
        demo,
        design,
        drivers,
        effort,
        errors,
        kano,
        market,
        nps,
        pyramid,
        results,
        roles,
        scales,
        scoring,
        simulate,
        stats,
        switching,
        tables,
        thresholds,
        value,
    )
    from .claims import check_claims, list_claims  # noqa: F401
    from .errors import (  # noqa: F401
        ArtifactError,
        DataError,
        InputFileError,
        LoyaltyStatsError,
        ModelError,
        NotFittedError,
        OutputError,
        ParameterError,
        ScaleError,
    )
    from .results import ClaimResult, Result  # noqa: F401
    from .scales import GRADE_1_10, LIKERT_1_5, LIKERT_1_7, RECOMMEND_0_10, Band, Scale  # noqa: F401
    from .scoring import LoyaltyScorer, load_scorer  # noqa: F401
    from .tables import count_cells, person_period  # noqa: F401
