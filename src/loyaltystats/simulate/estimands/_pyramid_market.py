"""Deciding estimands and worlds of the Top-of-Heart pyramid (P1) and market (M1) claims.

P1's differences are parameters of the world (exact): each level is high (rated 4-5) with a
probability that depends only on whether the level below is high. M1's changes are between
the company means of the surveyed grades in the first and the last calendar year; they
depend on who is still a customer and on the delight life cycle, so their truth is the same
statistic computed with plain numpy / pandas on the reference world of
:mod:`loyaltystats.simulate.reference`.

Examples
--------
>>> from loyaltystats.simulate import WorldParams
>>> t = SPECS["P1"].truth(WorldParams())
>>> round(t["difference[relevance -> trust]"], 2)
0.6
>>> SPECS["P1"].holds(SPECS["P1"].truth(SPECS["P1"].params("false")))
False
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..params import CLAIMS_FALSE, WorldParams
from . import ClaimSpec, Term

__all__ = ["SPECS", "company_changes"]

_LEVELS = ("relevance", "trust", "satisfaction_level", "loyalty_level")  # the demo mapping
_P1_TERMS = tuple(f"difference[{a} -> {b}]" for a, b in zip(_LEVELS, _LEVELS[1:]))
_P1_MARGIN = 0.1  # gating's default: supported when every difference lies in [0.1, 1]


def _p1_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    # P(level high | level below high) - P(level high | level below low); without gating
    # every level is high with probability 1/2 whatever the level below
    d = (p.toh_p_high_given_high - p.toh_p_high_given_low) if p.toh_gating else 0.0
    return dict.fromkeys(_P1_TERMS, float(d))


def company_changes(grade: np.ndarray, company: np.ndarray,
                    year: np.ndarray) -> dict[str, float]:
    """Change of the top company mean and of the spread of company means, first to last year.

    ``top_change`` is the largest company mean of the last year minus the largest of the
    first; ``spread_change`` the standard deviation (ddof 1) of the company means of the
    last year minus that of the first.

    Examples
    --------
    >>> g = np.array([7.0, 9.0, 8.0, 9.0])
    >>> c = np.array(["a", "b", "a", "b"])
    >>> y = np.array([0, 0, 1, 1])
    >>> out = company_changes(g, c, y)
    >>> out["top_change"], round(out["spread_change"], 4)
    (0.0, -0.7071)
    """
    grade = np.asarray(grade, dtype=float)
    year = np.asarray(year)
    first, last = year.min(), year.max()
    means = []
    for y in (first, last):
        sel = year == y
        codes, inv = np.unique(np.asarray(company)[sel], return_inverse=True)
        means.append(np.bincount(inv, weights=grade[sel]) / np.bincount(inv))
    return {"top_change": float(means[1].max() - means[0].max()),
            "spread_change": float(np.std(means[1], ddof=1) - np.std(means[0], ddof=1))}


def _m1_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    from ..reference import reference_tables

    r = reference_tables(p, months)["responses"]
    return company_changes(r["grade"].to_numpy(), r["company"].astype(str).to_numpy(),
                           r["year"].to_numpy())


SPECS: dict[str, ClaimSpec] = {
    "P1": ClaimSpec(
        claim_id="P1",
        estimand="For each step of the pyramid (relevance -> trust -> satisfaction -> "
                 "loyalty), P(the level is high, 4-5 | the level below is high) minus P(high "
                 "| the level below is low, 1-3), over all surveyed answers; exact (the "
                 "world's gating probabilities). Claimed at least 0.1 at every step.",
        terms=tuple(Term(t, _P1_MARGIN, 1.0) for t in _P1_TERMS),
        truth_fn=_p1_truth,
        true_world={}, false_world=CLAIMS_FALSE["P1"],
        true_note="default world: a level is high with probability 0.8 when the one below "
                  "is high, 0.2 when it is low (difference 0.6 at every step)",
        false_note="no gating: every level is high with probability 1/2 (difference 0)",
    ),
    "M1": ClaimSpec(
        claim_id="M1",
        estimand="Change from the first to the last calendar year of the study of (a) the "
                 "largest company mean of the surveyed grades and (b) the standard deviation "
                 "of the company means, all surveyed answers of the year pooled. "
                 "Monte-Carlo on the reference world. Claimed: the top rises (a > 0) and "
                 "the spread shrinks (b < 0); no change (0) is false.",
        terms=(Term("top_change", 0.0, math.inf, strict=True),
               Term("spread_change", -math.inf, 0.0, strict=True)),
        truth_fn=_m1_truth,
        true_world={}, false_world=CLAIMS_FALSE["M1"],
        true_note="default world: the market improves 0.6 grade points a year and company "
                  "differences halve every 24 months",
        false_note="no drift and no convergence: the fading delight lowers every company, "
                   "so the top falls, and the spread stays",
    ),
}
