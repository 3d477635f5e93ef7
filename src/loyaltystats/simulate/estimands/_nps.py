"""Deciding estimands and worlds of the NPS claims (N1, N2, N3).

N1 describes practice and gets no verdict: only the coverage of its NPS interval is judged,
against the population NPS of the surveyed answers (the generator's Monte-Carlo truth). N2's
deciding weight is a parameter of the world (exact). N3's concordance index has no closed form
(it depends on the censoring of a 24-month study); it is Harrell's C computed here with plain
numpy on the customers of the reference world of :mod:`loyaltystats.simulate.reference`.

Examples
--------
>>> from loyaltystats.simulate import WorldParams
>>> SPECS["N2"].truth(WorldParams())["weight_lag1"]
0.55
>>> round(SPECS["N2"].truth(SPECS["N2"].params("false"))["weight_lag1"], 2)
0.25
>>> SPECS["N1"].descriptive, SPECS["N3"].terms[0].high
(True, 0.7)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..params import CLAIMS_FALSE, CLAIMS_TRUE, WorldParams
from . import ClaimSpec, Term

__all__ = ["SPECS", "harrell_concordance", "n3_concordance_reference",
           "recency_least_squares_reference"]

_N1_TERM = "nps"
_N2_TERM = "weight_lag1"
_N2_THRESHOLD = 0.5  # recency's default: "mostly the last transaction" is weight_lag1 > 1/2
_N2_LAGS = 4  # the runner's (recency's default) number of lags
_N3_TERM = "nps_category"
_N3_THRESHOLD = 0.7  # versus_retention's default: C below 0.7 is "not useful discrimination"


# ----------------------------------------------------------------------------------------
# N1: NPS of the surveyed answers
# ----------------------------------------------------------------------------------------
def _n1_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    # Surveys are drawn independently of everything with p_survey, so the NPS of the pooled
    # surveyed answers estimates the NPS of all transactions (transaction-weighted, pooled
    # over the months); the generator's truth counts every transaction of a 250,000-customer
    # reference world (p_survey = 1), which has a smaller Monte-Carlo error than the answers
    # of our reference world.
    from ..truth import compute_truth

    nps = compute_truth(p, months)["nps"]
    return {_N1_TERM: math.nan if nps is None else float(nps)}


# ----------------------------------------------------------------------------------------
# N2: weight of the most recent transaction in the recommend score
# ----------------------------------------------------------------------------------------
def _n2_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    # The estimator keeps only answers with at least four transactions (the current one
    # included), for which the world uses all four weights without renormalizing: the
    # recommend score is clip(round(a + slope * sum_j w_j G_{t-j} + noise)), so the lag
    # coefficients are proportional to w and the normalized first one is w_1, exact. Rounding
    # and clipping to 0-10 make the least-squares limit a little larger (0.556 for 0.55,
    # 0.709 for 0.70: recency_least_squares_reference); the truth is the world's parameter,
    # what the claim is about. With more than four weights (not used here) the estimator's
    # four lags would omit the older ones.
    return {_N2_TERM: float(p.normalized_recency_weights()[0])}


def recency_least_squares_reference(p: WorldParams, months: int = 24,
                                    lags: int = _N2_LAGS) -> np.ndarray:
    """Normalized least-squares lag weights of recommend on the reference world.

    The limit of the estimator's point estimate (its pseudo-true value), by ordinary least
    squares of each surveyed answer on the grades of the customer's last ``lags`` months (the
    current one first), answers with a shorter history left out. A diagnostic of the bias
    from rounding and clipping the answer, not the truth.

    Parameters
    ----------
    p : WorldParams
    months : int, default 24
    lags : int, default 4

    Returns
    -------
    ndarray, shape (lags,)
        ``b / b.sum()``, most recent first.
    """
    from ..reference import reference_tables

    t = reference_tables(p, months)
    tr, resp = t["transactions"], t["responses"]
    n = int(t["customers"]["customer_id"].max())
    grades = np.zeros((n + 1, months))
    grades[tr["customer_id"].to_numpy(), tr["month"].to_numpy()] = tr["grade"].to_numpy()
    start = np.zeros(n + 1, dtype=np.int64)
    start[t["customers"]["customer_id"].to_numpy()] = t["customers"]["start"].to_numpy()
    cid = resp["customer_id"].to_numpy()
    month = resp["month"].to_numpy().astype(np.int64)
    # one transaction per active month: lags - 1 earlier months exist from start on
    ok = month - (lags - 1) >= start[cid]
    x = np.column_stack([np.ones(int(ok.sum()))]
                        + [grades[cid[ok], month[ok] - j] for j in range(lags)])
    beta = np.linalg.lstsq(x, resp["recommend"].to_numpy(float)[ok], rcond=None)[0][1:]
    return beta / beta.sum()


# ----------------------------------------------------------------------------------------
# N3: Harrell's C of the onboarding NPS category for switching
# ----------------------------------------------------------------------------------------
def harrell_concordance(time: np.ndarray, event: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C of a risk score with few distinct values (higher = switches sooner).

    A pair is comparable when one customer switched at time ``t`` and the other is still a
    customer after ``t`` or was censored at ``t``; pairs switching at the same time are not
    comparable. A comparable pair is concordant when the earlier switcher has the higher risk;
    tied risks count one half (the convention of :func:`lifelines.utils.concordance_index`).
    One pass per distinct risk value with sorted times, O(n log n) for a 3-level score.

    Examples
    --------
    >>> harrell_concordance(np.array([1, 2, 3, 4]), np.array([1, 1, 1, 0]),
    ...                     np.array([2, 1, 1, 0]))
    0.9166666666666666
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    risk = np.asarray(risk, dtype=float)
    t_ev, r_ev = time[event], risk[event]
    concordant = tied = pairs = 0.0
    for level in np.unique(risk):
        sel = risk == level
        times = np.sort(time[sel])
        censored = np.sort(time[sel & ~event])
        later = len(times) - np.searchsorted(times, t_ev, side="right")
        censored_same = (np.searchsorted(censored, t_ev, side="right")
                         - np.searchsorted(censored, t_ev, side="left"))
        partners = (later + censored_same).astype(float)
        pairs += partners.sum()
        concordant += partners[r_ev > level].sum()
        tied += partners[r_ev == level].sum()
    return float((concordant + 0.5 * tied) / pairs) if pairs > 0 else math.nan


def _nps_category(recommend: np.ndarray) -> np.ndarray:
    """0 detractor (0-6), 1 passive (7-8), 2 promoter (9-10)."""
    r = np.asarray(recommend)
    return (r >= 7).astype(np.int64) + (r >= 9)


def n3_concordance_reference(p: WorldParams, months: int = 24) -> dict[str, float]:
    """Harrell's C of the onboarding NPS category for switching, on the reference world.

    The category's risk order is that of the population switching rates (switches per
    customer-month) of the three categories: the estimator's Cox coefficients of a single
    3-level predictor follow the same order in every world used here (checked with lifelines
    on the reference worlds), and the C depends on the score only through that order.

    Returns
    -------
    dict
        ``nps_category`` (the C) and ``rate[detractor]`` .. ``rate[promoter]``.
    """
    from ..reference import reference_tables

    c = reference_tables(p, months)["customers"]
    cat = _nps_category(c["recommend"].to_numpy())
    duration = c["duration"].to_numpy().astype(float)
    event = c["switched"].to_numpy(bool)
    present = np.bincount(cat, minlength=3) > 0
    rate = np.full(3, np.nan)
    rate[present] = (np.bincount(cat, weights=event, minlength=3)[present]
                     / np.bincount(cat, weights=duration, minlength=3)[present])
    # risk = rank of the category's switching rate; absent categories get no rank needed
    order = np.argsort(np.argsort(np.where(present, rate, -np.inf)))
    out = {_N3_TERM: harrell_concordance(duration, event, order[cat])}
    for k, name in enumerate(("detractor", "passive", "promoter")):
        out[f"rate[{name}]"] = float(rate[k])
    return out


def _n3_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    return n3_concordance_reference(p, months)


# ----------------------------------------------------------------------------------------
SPECS: dict[str, ClaimSpec] = {
    "N1": ClaimSpec(
        claim_id="N1",
        estimand="NPS (percent promoters 9-10 minus percent detractors 0-6, in points) of the "
                 "surveyed transactional answers pooled over the world's months, each answer "
                 "counted once (a customer answers several times); since surveys are drawn "
                 "at random among transactions this is the transaction-weighted NPS of all "
                 "transactions. Monte-Carlo: the generator's truth['nps'] (250,000 customers, "
                 "every transaction surveyed). Descriptive: not judged, only the interval's "
                 "coverage is measured (it treats repeated answers as independent).",
        terms=(Term(_N1_TERM, -100.0, 100.0),),
        truth_fn=_n1_truth,
        true_world={}, false_world={},
        true_note="default world (population NPS about +25); N1 describes practice, so both "
                  "worlds are the default",
        false_note="no false world: a descriptive claim; the default world again",
        descriptive=True,
    ),
    "N2": ClaimSpec(
        claim_id="N2",
        estimand="Normalized distributed-lag weight of the most recent transaction (the "
                 "surveyed one) in the 0-10 recommend answer, among answers with at least "
                 "four transactions of the customer up to the survey: the world's "
                 "normalized_recency_weights()[0], exact. This is the world's parameter, not "
                 "the least-squares limit of the estimator, which rounding and clipping of "
                 "recommend raise by about 0.006-0.009. Claimed above 0.5 (strictly: 'mostly "
                 "the last transaction').",
        terms=(Term(_N2_TERM, _N2_THRESHOLD, math.inf, strict=True),),
        truth_fn=_n2_truth,
        true_world=CLAIMS_TRUE["N2"],
        false_world=CLAIMS_FALSE["N2"],
        true_note="recency weights (0.7, 0.15, 0.1, 0.05): the last transaction carries 0.7 of "
                  "the weight, 0.2 above the boundary (the default 0.55 is only 0.05 above "
                  "it, about one standard error at 300 customers)",
        false_note="the last four transactions weigh equally: weight 0.25 on the last one",
    ),
    "N3": ClaimSpec(
        claim_id="N3",
        estimand="Harrell's C of the NPS category (detractor / passive / promoter) of the "
                 "onboarding recommend score as a risk score for switching: all customers, "
                 "follow-up from the start to the switch or the end of the world's months "
                 "(censored), the full follow-up (the runner's horizon of 12 months applies "
                 "to its logistic model only); a pair is comparable when one switched "
                 "before the other left (or at the other's censoring time), tied categories "
                 "count one half; categories ordered by their switching rates. Monte-Carlo on "
                 "the reference world, plain numpy. Claimed in [0, 0.7]: NPS does not "
                 "discriminate usefully.",
        terms=(Term(_N3_TERM, 0.0, _N3_THRESHOLD),),
        truth_fn=_n3_truth,
        true_world={},
        false_world=CLAIMS_FALSE["N3"],
        true_note="default world: recommend tells about switching only through the grade it "
                  "echoes; C about 0.58",
        false_note="the onboarding NPS category drives switching (cloglog hazard +1.5 for "
                   "detractors, -1.5 for promoters): C about 0.79. A 3-level score with ties "
                   "counted one half can reach about 0.92 here",
    ),
}
