"""The role mapping and tables of the bundled simulated world (``loyaltystats report --demo``)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

__all__ = ["DEMO_MAPPING", "demo_tables"]

DEMO_MAPPING = MappingProxyType({
    "responses": {
        "id": "customer_id", "time": "time", "score": "grade", "recommend": "recommend",
        "expectation": "expectation", "tier": "tier", "basics": ["B1", "B2"],
        "delighters": ["D1"], "attributes": ["B1", "B2", "P1", "D1"],
        "outcome_valued": "feels_first", "baseline_ok": "baseline_ok", "peak": "peak",
        "company": "company", "period": "year", "wave": "year",
        "pyramid": ["relevance", "trust", "satisfaction_level", "loyalty_level"],
        "loyalty": "recommend",
    },
    "customers": {
        "id": "customer_id", "start": "start", "end": "end", "duration": "duration",
        "switched": "switched", "negatives": "negatives", "intent": "considering_switch",
        "grade": "grade", "recommend": "recommend", "retained": "retained_12m",
        "value": "monthly_value", "effort": "effort", "delighted": "delighted",
    },
    "experiences": {"id": "customer_id", "time": "time", "kind": "kind",
                    "recovered": "recovered"},
    "transactions": {"id": "customer_id", "time": "time", "rating": "grade"},
})
"""Role -> column for the simulated world of :func:`loyaltystats.simulate.generate`."""


def demo_tables(n_customers: int = 20_000, seed: int = 1, **overrides: Any) -> dict[str, Any]:
    """Simulate the demo world and add the derived columns its mapping names.

    Derived columns (documented so a user can build the same from their data):
    ``responses.baseline_ok`` (the mean of the customer's last three transaction grades, the
    current one included, is at least 7), ``responses.peak`` (the current grade is 9 or more),
    ``responses.year`` (calendar month // 12),
    and ``customers.retained_12m`` (nullable boolean, known for the cohort that started at
    least 12 months before the study ended: False when the customer switched within 12
    months of starting, True otherwise; missing for later starters, also those who switched
    early, because keeping only them would over-count switchers; claims on it use only the
    non-missing rows and say so).

    Examples
    --------
    >>> t = demo_tables(2000, seed=3)
    >>> sorted(t)
    ['customers', 'experiences', 'responses', 'transactions', 'truth']
    """
    from ..simulate import generate
    from ..simulate.derived import with_derived_columns

    return with_derived_columns(generate(n_customers, seed=seed, **overrides))
