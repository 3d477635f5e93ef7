"""The reference world: one large seeded world per parameter set, for Monte-Carlo truth.

Where a claim's estimand has no closed form (a median pooled over 24 months of a thinned,
drifting population; a concordance index), its truth is the same statistic computed
directly on a large world simulated with the fixed seed :data:`REFERENCE_SEED`, with the
derived columns of :func:`loyaltystats.simulate.derived.with_derived_columns` (``baseline_ok``, ``peak``,
``year``, ``retained_12m``). The statistic is computed there by plain numpy / pandas code,
never by the estimator under test. :data:`REFERENCE_CUSTOMERS` customers make its Monte-Carlo
error negligible against the intervals of a study of 10,000 customers.

Examples
--------
>>> from loyaltystats.simulate import WorldParams
>>> from loyaltystats.simulate.reference import reference_tables
>>> t = reference_tables(WorldParams(), months=12, n_customers=2_000)
>>> sorted(t)
['customers', 'experiences', 'responses', 'transactions', 'truth']
"""

from __future__ import annotations

import functools
from typing import Any

from ..errors import ParameterError
from .params import WorldParams

__all__ = ["REFERENCE_SEED", "REFERENCE_CUSTOMERS", "reference_tables"]

REFERENCE_SEED = 19_930_101
"""Seed of every reference world (independent of the seeds of the worlds it describes)."""
REFERENCE_CUSTOMERS = 200_000
"""Customers in a reference world."""


def reference_tables(params: WorldParams, months: int = 24, *,
                     n_customers: int | None = None, scale: int = 1) -> dict[str, Any]:
    """The tables of the reference world for ``params`` (cached; do not modify them).

    Parameters
    ----------
    params : WorldParams
    months : int, default 24
    n_customers : int, optional
        Default: the module's :data:`REFERENCE_CUSTOMERS` at call time (tests lower it to
        run faster, with tolerances that allow for the larger Monte-Carlo error).
    scale : int, default 1
        Multiplies the default size. Truths whose Monte-Carlo error is not negligible at the
        default size use 5: a model prediction from answers clustered by customer (T2) and a
        largest share difference near 0 (P2). At 200,000
        customers the T2 prediction's Monte-Carlo standard deviation was 0.0035, a third of
        the standard error of a 5,000-customer study, enough to pull its coverage to 0.92.

    Returns
    -------
    dict
        ``responses``, ``customers``, ``experiences``, ``transactions`` and ``truth``, as
        :func:`loyaltystats.claims.demo_tables` returns them.
    """
    if not isinstance(params, WorldParams):
        raise TypeError(f"params must be a WorldParams, got {type(params).__name__}")
    if int(scale) < 1:
        raise ParameterError(f"scale must be a positive integer, got {scale!r}")
    n = REFERENCE_CUSTOMERS * int(scale) if n_customers is None else int(n_customers)
    return _cached(params, int(months), n)


@functools.lru_cache(maxsize=4)
def _cached(params: WorldParams, months: int, n_customers: int) -> dict[str, Any]:
    from .derived import with_derived_columns
    from .world import generate

    return with_derived_columns(generate(n_customers, months, seed=REFERENCE_SEED,
                                         params=params))
