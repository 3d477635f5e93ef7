"""Deciding estimand and worlds of the drivers claim (P2).

P2 ("satisfaction and loyalty have different drivers") compares the Shapley (LMG) shares of
R-squared of the four attribute ratings for the grade (satisfaction) and for the loyalty
outcome. The demo mapping's ``loyalty_level`` does not depend on the attributes in the world
(R-squared 0, shares undefined), so the spec takes ``recommend`` as the loyalty outcome: the
runner must then map ``responses.loyalty`` to ``"recommend"``. The truth is the same statistic
on the answers of the reference world of :mod:`loyaltystats.simulate.reference`, computed here
by plain all-subsets least squares (never by :mod:`loyaltystats.drivers`).

Examples
--------
>>> SPECS["P2"].terms[0].term, SPECS["P2"].terms[0].low
('max share difference', 0.2)
>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(2_000, 2))
>>> s = shapley_shares(x, x @ [1.0, 0.0] + np.random.default_rng(1).normal(size=2_000))
>>> np.round(s, 2).tolist()
[1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from math import factorial

import numpy as np

from ..params import CLAIMS_TRUE, WorldParams
from . import ClaimSpec, Term

__all__ = ["SPECS", "ATTRIBUTES", "OUTCOMES", "shapley_shares", "p2_shares_reference"]

ATTRIBUTES = ("B1", "B2", "P1", "D1")
"""The driver columns (the demo mapping's ``responses.attributes``)."""
OUTCOMES = ("grade", "recommend")
"""Satisfaction (``responses.score``) and the loyalty outcome P2 is judged on."""

_P2_TERM = "max share difference"
_P2_DIFFERENT = 0.2  # driver_importance's default: supported when the interval is in [0.2, 1]


def _subset_r2(x: np.ndarray, y: np.ndarray) -> dict[tuple[int, ...], float]:
    """R-squared of the least-squares fit of ``y`` on every subset of the columns of ``x``."""
    xc = x - x.mean(axis=0)
    yc = y - y.mean()
    tss = float(yc @ yc)
    out: dict[tuple[int, ...], float] = {(): 0.0}
    for k in range(1, x.shape[1] + 1):
        for subset in combinations(range(x.shape[1]), k):
            a = xc[:, list(subset)]
            beta = np.linalg.lstsq(a, yc, rcond=None)[0]
            resid = yc - a @ beta
            out[subset] = 1.0 - float(resid @ resid) / tss
    return out


def shapley_shares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Each column's Shapley (LMG) share of the R-squared of ``y`` on all columns of ``x``.

    The Shapley value of column ``j`` is the mean over all orders of entry of its gain in
    R-squared, ``sum_S |S|! (p - |S| - 1)! / p! (R2(S + j) - R2(S))`` over the subsets ``S``
    of the other columns; shares divide by the full R-squared (NaN when it is 0).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    p = x.shape[1]
    r2 = _subset_r2(x, y)
    value = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            weight = factorial(k) * factorial(p - k - 1) / factorial(p)
            for subset in combinations(others, k):
                value[j] += weight * (r2[tuple(sorted((*subset, j)))] - r2[subset])
    total = value.sum()
    return value / total if total > 0 else np.full(p, np.nan)


def p2_shares_reference(p: WorldParams, months: int = 24, *,
                        attributes: Sequence[str] = ATTRIBUTES,
                        outcomes: Sequence[str] = OUTCOMES) -> dict[str, float]:
    """Population Shapley shares of the attributes per outcome, and their largest difference.

    Computed on the surveyed answers of the reference world (one row per answer, pooled over
    the months), as the estimator pools the rows of ``responses``.

    Returns
    -------
    dict
        ``max share difference``, ``share difference[<attribute>]`` (first outcome minus
        second) and ``share[<outcome>, <attribute>]``.
    """
    from ..reference import reference_tables

    # five times the reference size: the largest share difference near 0 (the false world)
    # is sensitive to the Monte-Carlo error of the reference world's shares
    r = reference_tables(p, months, scale=5)["responses"]
    x = r[list(attributes)].to_numpy(float)
    shares = [shapley_shares(x, r[o].to_numpy(float)) for o in outcomes]
    diff = shares[0] - shares[1]
    out = {_P2_TERM: float(np.max(np.abs(diff)))}  # NaN if a share is undefined
    for j, a in enumerate(attributes):
        out[f"share difference[{a}]"] = float(diff[j])
        for k, o in enumerate(outcomes):
            out[f"share[{o}, {a}]"] = float(shares[k][j])
    return out


def _p2_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    return p2_shares_reference(p, months)


SPECS: dict[str, ClaimSpec] = {
    "P2": ClaimSpec(
        claim_id="P2",
        estimand="Largest absolute difference, over the four attribute ratings B1, B2, P1, D1, "
                 "between an attribute's Shapley (LMG) share of the R-squared of the linear "
                 "regression of the grade (satisfaction) and of the 0-10 recommend answer "
                 "(loyalty; the runner must map responses.loyalty to 'recommend'), on all "
                 "surveyed answers pooled over the world's months. Monte-Carlo on the "
                 "reference world by all-subsets least squares. Claimed at least 0.2 "
                 "(driver_importance: supported when the interval is in [0.2, 1], "
                 "contradicted when in [0, 0.1]).",
        terms=(Term(_P2_TERM, _P2_DIFFERENT, 1.0,
                    coverage_exempt="the largest absolute difference gets a simultaneous "
                                    "(max-t) interval, conservative by construction: its "
                                    "coverage is at least 0.95, not near it"),),
        truth_fn=_p2_truth,
        true_world=CLAIMS_TRUE["P2"],
        false_world={},
        true_note="recommend gets +1.5 when the delight D1 is present and echoes the grade "
                  "with slope 0.6 (intercept 3): D1 takes about 0.8 of recommend's R-squared "
                  "against about 0.24 of the grade's; largest difference about 0.56",
        false_note="default world: recommend is the recency-weighted grade plus noise, so its "
                   "covariances with the attributes are proportional to the grade's and the "
                   "shares coincide up to rounding and clipping (largest difference about "
                   "0.01)",
    ),
}
