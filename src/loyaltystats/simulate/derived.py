"""The derived columns of the demo world, built from a :class:`World` as a user would.

:func:`loyaltystats.claims.demo_tables` and the reference worlds behind the Monte-Carlo
truth (:mod:`loyaltystats.simulate.reference`) both use :func:`with_derived_columns`, so an
estimand's truth is computed on exactly the columns the claims report reads.

Examples
--------
>>> from loyaltystats.simulate import generate
>>> from loyaltystats.simulate.derived import with_derived_columns
>>> t = with_derived_columns(generate(500, months=12, seed=3))
>>> {"baseline_ok", "peak", "year"} <= set(t["responses"].columns)
True
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .world import World

__all__ = ["RETENTION_HORIZON", "with_derived_columns"]

RETENTION_HORIZON = 12
"""Months of ``customers.retained_12m``."""


def with_derived_columns(world: World) -> dict[str, Any]:
    """The world's tables with the columns the demo mapping names.

    ``responses.baseline_ok`` (the mean of the customer's last three transaction grades, the
    current one included, is at least 7), ``responses.peak`` (the current grade is 9 or more),
    ``responses.year`` (calendar month // 12), and ``customers.retained_12m`` (nullable
    boolean: False when the customer switched within 12 months of starting, True when observed
    for 12 months without switching, missing when observation ended earlier).

    Parameters
    ----------
    world : World

    Returns
    -------
    dict
        ``responses``, ``customers``, ``experiences``, ``transactions``, ``truth``.
    """
    tr = world.transactions.sort_values(["customer_id", "time"], kind="stable")
    roll = (tr.groupby("customer_id", sort=False)["grade"]
              .rolling(3, min_periods=1).mean().reset_index(level=0, drop=True))
    tr = tr.assign(baseline_mean=roll.reindex(tr.index).to_numpy())
    resp = world.responses.merge(tr[["customer_id", "month", "baseline_mean"]],
                                 on=["customer_id", "month"], how="left", validate="one_to_one")
    resp["baseline_ok"] = resp["baseline_mean"] >= 7
    resp["peak"] = resp["grade"] >= 9
    resp["year"] = resp["month"] // 12
    resp = resp.drop(columns="baseline_mean")
    c = world.customers
    horizon = RETENTION_HORIZON
    switched_early = (c["switched"] & (c["duration"] <= horizon)).to_numpy()
    followed = switched_early | (c["duration"] >= horizon).to_numpy()
    retained = pd.array(~switched_early, dtype="boolean")
    retained[~followed] = pd.NA
    c = c.assign(retained_12m=retained)
    return {"responses": resp, "customers": c, "experiences": world.experiences,
            "transactions": world.transactions, "truth": world.truth}
