"""Scoring API: a fitted loyalty scorer, its JSON artifact, and a fast validated score()."""

from .artifact import (
    SCHEMA_VERSION,
    artifact_schema,
    load_scorer,
    record_schema,
    record_schema_for,
    scorer_to_json,
)
from .model import OUTPUT_COLUMNS, RISK_TIERS, LoyaltyScorer

__all__ = [
    "LoyaltyScorer", "load_scorer", "OUTPUT_COLUMNS", "RISK_TIERS", "SCHEMA_VERSION",
    "artifact_schema", "record_schema", "record_schema_for", "scorer_to_json",
]
