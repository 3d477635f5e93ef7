"""Deciding estimands and worlds of the Top-of-Heart pyramid (P1) and market (M1) claims.

P1's differences are parameters of the world (exact): each level above relevance is high
(rated 4-5) with a probability that depends only on whether the level directly below is high,
which is exactly what :func:`loyaltystats.pyramid.gating` conditions on. M1's changes compare
the company means of the grades in the first and the last calendar year; the grades are
rounded and clipped to 1-10 and the customers still there are thinned by switching, so no
closed form exists. Their truth is the same statistic (largest company mean; standard
deviation of the company means) on the generator's Monte-Carlo company-year means
(``truth["company_mean_grade_by_year"]``: every transaction of a 250,000-customer world),
computed here with plain numpy, never by :func:`loyaltystats.market.convergence`.

Examples
--------
>>> from loyaltystats.simulate import WorldParams
>>> t = SPECS["P1"].truth(WorldParams())
>>> round(t["difference[relevance -> trust]"], 2)
0.6
>>> SPECS["P1"].holds(SPECS["P1"].truth(SPECS["P1"].params("false")))
False
>>> SPECS["M1"].terms[1].high, SPECS["M1"].terms[1].strict
(0.0, True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..params import CLAIMS_FALSE, WorldParams
from . import ClaimSpec, Term

__all__ = ["SPECS", "company_changes", "changes_of_means"]

# ----------------------------------------------------------------------------------------
# P1: gating of the Top-of-Heart pyramid
# ----------------------------------------------------------------------------------------
_LEVELS = ("relevance", "trust", "satisfaction_level", "loyalty_level")  # the demo mapping
# gating's estimates rows: "difference[<below> -> <above>]" per adjacent pair of levels
_P1_TERMS = tuple(f"difference[{a} -> {b}]" for a, b in zip(_LEVELS, _LEVELS[1:]))
# gating's default margin: supported when every difference's interval lies in [0.1, 1]
# (closed: judge_interval accepts ci_low == margin), contradicted when one lies below 0.1
_P1_MARGIN = 0.1


def _p1_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    # gating compares P(level high | the level directly below high) with P(high | below
    # low), "high" meaning rated 4-5 (its default high=4). The generator draws each level's
    # high flag from the flag of the level directly below only (a Markov chain up the
    # pyramid, ratings 4-5 exactly when high), so the two probabilities are the parameters
    # whatever the levels further down, in every month and for every customer. Without
    # gating every level is high with probability 1/2 independently: difference 0.
    d = (p.toh_p_high_given_high - p.toh_p_high_given_low) if p.toh_gating else 0.0
    return dict.fromkeys(_P1_TERMS, float(d))


# ----------------------------------------------------------------------------------------
# M1: the top rises, the spread between companies shrinks
# ----------------------------------------------------------------------------------------
def changes_of_means(first: np.ndarray, last: np.ndarray) -> dict[str, float]:
    """``top_change`` and ``spread_change`` of company means in a first and a last period.

    ``top_change`` is the largest mean of the last period minus the largest of the first
    (the top company may differ); ``spread_change`` the standard deviation (ddof 1) of the
    last period's means minus that of the first's. Companies missing (NaN) in either period
    are left out, as :func:`loyaltystats.market.convergence` keeps only companies present in
    both.

    Examples
    --------
    >>> out = changes_of_means(np.array([7.0, 9.0, np.nan]), np.array([8.0, 9.0, 5.0]))
    >>> out["top_change"], round(out["spread_change"], 4)
    (0.0, -0.7071)
    """
    first, last = np.asarray(first, dtype=float), np.asarray(last, dtype=float)
    both = ~(np.isnan(first) | np.isnan(last))
    a, b = first[both], last[both]
    if a.size < 2:
        return {"top_change": math.nan, "spread_change": math.nan}
    return {"top_change": float(b.max() - a.max()),
            "spread_change": float(np.std(b, ddof=1) - np.std(a, ddof=1))}


def company_changes(grade: np.ndarray, company: np.ndarray,
                    year: np.ndarray) -> dict[str, float]:
    """Change of the top company mean and of the spread of company means, first to last year.

    The company means of ``grade`` per value of ``year`` (all rows of the year pooled), then
    :func:`changes_of_means` between the smallest and the largest year.

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
    codes, inv = np.unique(np.asarray(company), return_inverse=True)
    means = []
    for y in (year.min(), year.max()):
        sel = year == y
        n = np.bincount(inv[sel], minlength=codes.size)
        s = np.bincount(inv[sel], weights=grade[sel], minlength=codes.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            means.append(np.where(n > 0, s / n, np.nan))
    return changes_of_means(means[0], means[1])


def _m1_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    # The runner's period is the calendar year (month // 12): with 24 months, year 0 vs
    # year 1; the estimator pools every surveyed answer of a company-year. Surveys are a
    # random p_survey of the transactions, drawn independently of everything, so the
    # population company-year means of the surveyed grades are those of all transactions;
    # the generator's truth holds them for every transaction of a 250,000-customer world
    # (months 12y .. 12y+11), about four times the rows of our reference world's answers and
    # so half its Monte-Carlo error (about 0.006 on top_change instead of 0.011). The test
    # checks them against the reference world's answers.
    from ..truth import compute_truth

    by_company = compute_truth(p, months)["company_mean_grade_by_year"]
    m = np.array([[np.nan if v is None else v for v in row] for row in by_company.values()],
                 dtype=float)  # (company, year)
    return changes_of_means(m[:, 0], m[:, -1])


SPECS: dict[str, ClaimSpec] = {
    "P1": ClaimSpec(
        claim_id="P1",
        estimand="For each adjacent pair of pyramid levels (relevance -> trust -> "
                 "satisfaction -> loyalty): P(the level is high, 4-5 on its 1-5 scale | the "
                 "level directly below is high) minus P(high | the level below is low, 1-3), "
                 "over all surveyed answers of the study (each answer one draw of the four "
                 "levels); exact (the world's gating probabilities). Claimed at least 0.1 at "
                 "every step (region [0.1, 1], all three).",
        terms=tuple(Term(t, _P1_MARGIN, 1.0) for t in _P1_TERMS),
        truth_fn=_p1_truth,
        true_world={}, false_world=CLAIMS_FALSE["P1"],
        true_note="default world: a level is high with probability 0.8 when the one below "
                  "is high, 0.2 when it is low (difference 0.6 at every step)",
        false_note="no gating: every level is high with probability 1/2 whatever the level "
                   "below (difference 0 at every step)",
    ),
    "M1": ClaimSpec(
        claim_id="M1",
        estimand="Between the first and the last calendar year of the study (month // 12; "
                 "years 0 and 1 of 24 months), on the 1-10 grade of every surveyed answer "
                 "(all customers active then, the answers of a company-year pooled): (a) "
                 "top_change, the largest company mean of the last year minus the largest of "
                 "the first (the top company may differ); (b) spread_change, the standard "
                 "deviation (ddof 1) of the company means in the last year minus that in the "
                 "first. Monte-Carlo (the generator's company-year means of all "
                 "transactions). Claimed: a > 0 and b < 0, both strictly; no change (0) is "
                 "false.",
        terms=(Term("top_change", 0.0, math.inf, strict=True),
               Term("spread_change", -math.inf, 0.0, strict=True)),
        truth_fn=_m1_truth,
        true_world={}, false_world=CLAIMS_FALSE["M1"],
        true_note="default world: the market improves 0.6 grade points a year and company "
                  "differences halve every 24 months; net of the fading delight the top "
                  "rises about 0.17 and the spread shrinks about 0.11",
        false_note="no drift and no convergence: the fading delight (K2) lowers every "
                   "company alike, so the top falls about 0.2 and the spread stays (change "
                   "about 0)",
    ),
}
