"""The role mapping and tables of the bundled simulated world (``loyaltystats report --demo``)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pandas as pd

__all__ = ["DEMO_MAPPING", "demo_tables"]

DEMO_MAPPING = MappingProxyType({
    "responses": {
        "id": "customer_id", "time": "time", "score": "grade", "recommend": "recommend",
        "expectation": "expectation", "tier": "tier", "basics": ["B1", "B2"],
        "delighters": ["D1"], "attributes": ["B1", "B2", "P1", "D1"],
        "outcome_valued": "feels_first", "baseline_ok": "baseline_ok", "peak": "peak",
        "company": "company", "period": "year", "wave": "year",
        "pyramid": ["relevance", "trust", "satisfaction_level", "loyalty_level"],
        "loyalty": "loyalty_level",
    },
    "customers": {
        "id": "customer_id", "start": "start", "end": "end", "duration": "duration",
        "switched": "switched", "negatives": "negatives", "intent": "considering_switch",
        "grade": "grade", "recommend": "recommend", "retained": "retained_12m",
        "value": "monthly_value",
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
    and ``customers.retained_12m`` (nullable boolean: False when the customer switched within
    12 months of starting, True when observed for 12 months without switching, missing when
    observation ended earlier; claims on it use only the non-missing rows and say so).

    Examples
    --------
    >>> t = demo_tables(2000, seed=3)
    >>> sorted(t)
    ['customers', 'experiences', 'responses', 'transactions', 'truth']
    """
    from ..simulate import generate

    w = generate(n_customers, seed=seed, **overrides)
    tr = w.transactions.sort_values(["customer_id", "time"], kind="stable")
    roll = (tr.groupby("customer_id", sort=False)["grade"]
              .rolling(3, min_periods=1).mean().reset_index(level=0, drop=True))
    tr = tr.assign(baseline_mean=roll.reindex(tr.index).to_numpy())
    resp = w.responses.merge(tr[["customer_id", "month", "baseline_mean"]],
                             on=["customer_id", "month"], how="left", validate="one_to_one")
    resp["baseline_ok"] = resp["baseline_mean"] >= 7
    resp["peak"] = resp["grade"] >= 9
    resp["year"] = resp["month"] // 12
    resp = resp.drop(columns="baseline_mean")
    c = w.customers
    horizon = 12
    switched_early = (c["switched"] & (c["duration"] <= horizon)).to_numpy()
    followed = switched_early | (c["duration"] >= horizon).to_numpy()
    retained = pd.array(~switched_early, dtype="boolean")
    retained[~followed] = pd.NA
    c = c.assign(retained_12m=retained)
    return {"responses": resp, "customers": c, "experiences": w.experiences,
            "transactions": w.transactions, "truth": w.truth}
