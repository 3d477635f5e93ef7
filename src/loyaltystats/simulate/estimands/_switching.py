"""Deciding estimands and worlds of the switching claims (S1, S2, S3) and V1.

S1 and S2 are parameters of the world (exact). S3 and V1 follow from an exact dynamic
programme over (relationship grade, unrecovered negatives so far, recovered negatives so far)
month by month, the same state the generator's switching hazard reads; where the generator
lets switching depend on something else (the onboarding recommend score, or intent at the end
of the simulation for V1) the truth is computed instead on the reference world of
:mod:`loyaltystats.simulate.reference` with plain numpy / pandas.

Examples
--------
>>> from loyaltystats.simulate import WorldParams
>>> SPECS["S1"].truth(WorldParams())["p[k=1]"]
0.5
>>> round(SPECS["S2"].truth(WorldParams())["hr[recovered vs unrecovered]"], 4)
0.5769
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping

import numpy as np

from ...scales import GRADE_1_10
from ..params import CLAIMS_FALSE, CLAIMS_TRUE, WorldParams
from . import ClaimSpec, Term

__all__ = ["SPECS"]

_S1_TOLERANCE = 0.05  # dose_response's default: a point claim p = c is judged as c +- 0.05


def _s1_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    # intent is drawn from the count of negatives while observed: exact
    return {"p[k=1]": float(p.intent_by_negatives[1]), "p[k=2]": float(p.intent_by_negatives[2])}


# ----------------------------------------------------------------------------------------
# S2: recovered vs unrecovered negatives on the switching hazard
# ----------------------------------------------------------------------------------------
_S2_TERM = "hr[recovered vs unrecovered]"
# smallest effects of interest, as in the claims registry (a test checks they agree)
S2_MARGIN = 0.1
V1_MARGIN = 0.5


def _s2_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    # The world's monthly hazard is cloglog(eta) with beta_unrecovered * min(U, 3) +
    # beta_recovered * min(R, 3), counts taken after the month's own experiences, exactly the
    # running counts (cap 3, "switch decided at the period's end") of recovery(method=
    # "discrete"); exp(coefficient) of a cloglog model is the ratio of the continuous-time
    # hazards behind the monthly switching probabilities. The estimator also omits the grade
    # band effect: the truth is the world's conditional parameter (what the claim is about),
    # not the attenuated pseudo-true value of the misspecified model.
    return {_S2_TERM: math.exp(p.beta_recovered - p.beta_unrecovered)}


# ----------------------------------------------------------------------------------------
# the dynamic programme over (relationship grade, unrecovered, recovered), month by month
# ----------------------------------------------------------------------------------------
_CAP = 3  # the generator caps both counts at 3 in the hazard
_GRADES = np.arange(1, 11)
_BAND_OF_GRADE = np.array([GRADE_1_10.band_names.index(str(b))
                           for b in GRADE_1_10.band(_GRADES)])
_BANDS = tuple(GRADE_1_10.band_names)  # ('<=6', '7', '8', '9-10')


def _eta(p: WorldParams) -> np.ndarray:
    """Hazard linear predictor, shape (10 grades, 4 unrecovered, 4 recovered)."""
    k = np.arange(_CAP + 1)
    by_grade = (p.hazard_intercept + np.asarray(p.band_effect)[_BAND_OF_GRADE]
                + p.hazard_grade_slope * (_GRADES - 8))
    return (by_grade[:, None, None] + p.beta_unrecovered * k[None, :, None]
            + p.beta_recovered * k[None, None, :])


def _shift(mass: np.ndarray, axis: int) -> np.ndarray:
    """Move the mass one count up along ``axis`` (1 or 2); the capped level keeps its own."""
    out = np.zeros_like(mass)
    src = [slice(None)] * 3
    dst = [slice(None)] * 3
    src[axis], dst[axis] = slice(0, _CAP), slice(1, _CAP + 1)
    out[tuple(dst)] = mass[tuple(src)]
    top = [slice(None)] * 3
    top[axis] = _CAP
    out[tuple(top)] += mass[tuple(top)]
    return out


@functools.lru_cache(maxsize=16)
def _follow(p: WorldParams, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact state masses of a customer followed from the start for ``steps`` months.

    Returns
    -------
    alive : ndarray, shape (steps + 1, 10, 4, 4)
        ``alive[j, g, u, r]``: P(still a customer after ``j`` months with capped counts u, r
        | relationship grade g + 1).
    switched : ndarray, shape (steps + 1, 10, 4, 4)
        ``switched[j, g, u, r]``: P(switched at the end of month ``j`` (1-based) with counts
        u, r then | grade); row 0 is zero. The counts freeze at the switch, as the
        generator's "negatives while observed" do.
    """
    p_neg = 1.0 - (1.0 - p.p_fail) ** 2
    p_u, p_r = p_neg * (1.0 - p.p_recover), p_neg * p.p_recover
    stay = np.exp(-np.exp(_eta(p)))  # P(no switch this month | state after its experiences)
    alive = np.zeros((steps + 1, 10, _CAP + 1, _CAP + 1))
    switched = np.zeros_like(alive)
    alive[0, :, 0, 0] = 1.0
    for j in range(1, steps + 1):
        # this month's transaction first (a negative counts in this month's hazard) ...
        m = ((1.0 - p_neg) * alive[j - 1] + p_u * _shift(alive[j - 1], 1)
             + p_r * _shift(alive[j - 1], 2))
        # ... then the switch is decided at the end of the month
        alive[j] = m * stay
        switched[j] = m - alive[j]
    return alive, switched


@functools.lru_cache(maxsize=16)
def _grade_by_start(p: WorldParams, months: int) -> np.ndarray:
    """P(relationship grade = 1..10 | start month s), shape (months, 10), exact."""
    # the onboarding survey is the grade process at the start month with no previous
    # delights; the mixture of normals is the generator's own, as in the exact truth
    from ..truth import _components, _grade_pmf

    sigma = math.hypot(p.sd_customer, p.sd_noise)
    out = np.empty((months, 10))
    for s in range(months):
        comp = _components(p, float(s), 0)
        out[s] = comp["prob"] @ _grade_pmf(comp["mu"], sigma)
    return out


def _dp_describes_switching(p: WorldParams) -> bool:
    """Whether the hazard depends on grade and negatives only (the programme's state)."""
    return not any(p.hazard_recommend_effect)


def _reference_customers(p: WorldParams, months: int):  # -> pandas.DataFrame
    from ..reference import reference_tables

    return reference_tables(p, months)["customers"]


# ----------------------------------------------------------------------------------------
# S3: P(switched | considering a switch)
# ----------------------------------------------------------------------------------------
_S3_TERM = "conversion[all]"
_S3_MARGIN = 0.1  # intent_vs_behavior's default: supported when the conversion is <= 0.9


def _intent_by_state(p: WorldParams) -> np.ndarray:
    """P(considering a switch | capped counts u, r), shape (4, 4).

    ``min(min(U, 3) + min(R, 3), 3) == min(U + R, 3)``: the capped counts determine the
    intent level (0, 1, 2, 3+) exactly.
    """
    k = np.minimum(np.add.outer(np.arange(_CAP + 1), np.arange(_CAP + 1)), 3)
    return np.asarray(p.intent_by_negatives)[k]


def s3_conversion_exact(p: WorldParams, months: int) -> float:
    """Exact P(switched during observation | considering a switch), all customers.

    Start months are uniform on ``0 .. months-1``, so a customer starting at ``s`` is observed
    for ``months - s`` months; intent is drawn from the negatives while observed; a
    considerer still a customer at the end switches then with ``p_considerer_switches``.
    Valid when :func:`_dp_describes_switching` holds.
    """
    alive, switched = _follow(p, months)
    intent = _intent_by_state(p)
    # per grade and length of observation L = 1..months: intent mass that switched by L
    # (cumulated over months) and intent mass still a customer after L
    sw_int = np.cumsum((switched * intent).sum(axis=(2, 3)), axis=0)[1:]  # (months, 10)
    al_int = (alive * intent).sum(axis=(2, 3))[1:]
    lengths = months - np.arange(months)  # start s -> L = months - s
    g = _grade_by_start(p, months)
    both = (g * (sw_int[lengths - 1] + p.p_considerer_switches * al_int[lengths - 1])).sum()
    considering = (g * (sw_int[lengths - 1] + al_int[lengths - 1])).sum()
    return float(both / considering)


def s3_conversion_reference(p: WorldParams, months: int) -> float:
    """P(switched | considering a switch) counted on the reference world (Monte-Carlo)."""
    c = _reference_customers(p, months)
    return float(c.loc[c["considering_switch"].to_numpy(bool), "switched"].mean())


def _s3_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    if _dp_describes_switching(p):
        return {_S3_TERM: s3_conversion_exact(p, months)}
    return {_S3_TERM: s3_conversion_reference(p, months)}


# ----------------------------------------------------------------------------------------
# V1: restricted mean survival time over 12 months by band of the relationship grade
# ----------------------------------------------------------------------------------------
_V1_HORIZON = 12  # the runner's horizon
_V1_TERM = f"rmst_difference[{_BANDS[-1]} - {_BANDS[0]}]"


def v1_rmst_exact(p: WorldParams, months: int, horizon: int = _V1_HORIZON) -> dict[str, float]:
    """Exact RMST over ``horizon`` months by band of the relationship grade.

    Durations are whole months and a switch ends a month, so the Kaplan-Meier step function
    is ``S(j)`` on ``[j, j + 1)`` and ``RMST = sum_{j=0}^{horizon-1} S(j)`` with ``S(j)`` =
    P(still a customer after j months). Grades are mixed within a band with their population
    shares (start uniform on ``0 .. months-1``). Valid when :func:`_dp_describes_switching`
    holds and ``p_considerer_switches == 0``.
    """
    alive, _ = _follow(p, horizon)
    rmst_g = alive[:horizon].sum(axis=(0, 2, 3))  # (10,): sum_{j<horizon} S_g(j)
    w = _grade_by_start(p, months).mean(axis=0)
    out = {}
    for i, band in enumerate(_BANDS):
        wb = w[_BAND_OF_GRADE == i]
        out[band] = float(wb @ rmst_g[_BAND_OF_GRADE == i] / wb.sum()) if wb.sum() > 0 \
            else math.nan
    return out


def km_rmst(durations: np.ndarray, events: np.ndarray, horizon: int) -> float:
    """Kaplan-Meier RMST of whole-month durations: ``sum_{j=0}^{horizon-1} S_KM(j)``."""
    d = np.asarray(durations, dtype=np.int64)
    e = np.asarray(events, dtype=bool)
    top = max(int(d.max()), horizon)
    deaths = np.bincount(d[e], minlength=top + 1)
    leaving = np.bincount(d, minlength=top + 1)
    at_risk = len(d) - np.concatenate([[0], np.cumsum(leaving)[:-1]])  # duration >= j
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - deaths / at_risk, 1.0)
    surv = np.cumprod(factor)  # S(j) = P(T > j), j = 0..top; factor[0] = 1 (durations >= 1)
    return float(surv[:horizon].sum())


def v1_rmst_reference(p: WorldParams, months: int,
                      horizon: int = _V1_HORIZON) -> dict[str, float]:
    """Kaplan-Meier RMST by band on the reference world (Monte-Carlo)."""
    c = _reference_customers(p, months)
    grade = c["grade"].to_numpy()
    band = _BAND_OF_GRADE[np.clip(np.rint(grade).astype(int), 1, 10) - 1]
    d, e = c["duration"].to_numpy(), c["switched"].to_numpy(bool)
    return {b: km_rmst(d[band == i], e[band == i], horizon) if (band == i).any() else math.nan
            for i, b in enumerate(_BANDS)}


def _v1_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    if _dp_describes_switching(p) and p.p_considerer_switches == 0:
        r = v1_rmst_exact(p, months)
    else:
        r = v1_rmst_reference(p, months)
    return {_V1_TERM: r[_BANDS[-1]] - r[_BANDS[0]], **{f"rmst[{b}]": v for b, v in r.items()}}


# ----------------------------------------------------------------------------------------
SPECS: dict[str, ClaimSpec] = {
    "S1": ClaimSpec(
        claim_id="S1",
        estimand="P(considering a switch | k negative experiences while observed) for k = 1 "
                 "and k = 2, over all customers (one row each); claimed 0.57 and 0.78, each "
                 "judged as the region claimed +- 0.05.",
        terms=(Term("p[k=1]", 0.57 - _S1_TOLERANCE, 0.57 + _S1_TOLERANCE),
               Term("p[k=2]", 0.78 - _S1_TOLERANCE, 0.78 + _S1_TOLERANCE)),
        truth_fn=_s1_truth,
        true_world=CLAIMS_TRUE["S1"], false_world=CLAIMS_FALSE["S1"],
        true_note="intent 0.57 after one negative and 0.78 after two (the article's figure)",
        false_note="intent 0.30 after one negative and 0.40 after two",
    ),
    "S2": ClaimSpec(
        claim_id="S2",
        estimand="Ratio of the monthly switching hazards (cloglog scale, exp of a coefficient "
                 "difference) of one more recovered vs one more unrecovered negative so far "
                 "(running counts including the month's own experiences, each capped at 3), "
                 "all customers over the whole follow-up, conditional on the relationship-"
                 "grade band: exp(beta_recovered - beta_unrecovered), exact. The claims "
                 "runner's model adjusts for the grade band, as the world's hazard does "
                 "(left out, it pulls the estimate towards 1). Claimed at most 0.9 (the "
                 "registry's smallest effect of interest: recovery cuts the hazard by at least "
                 "10%); HR 1 (recovery changes nothing) is false.",
        terms=(Term(_S2_TERM, 0.0, 1.0 - S2_MARGIN),),
        truth_fn=_s2_truth,
        true_world={}, false_world=CLAIMS_FALSE["S2"],
        true_note="default world: a recovered negative adds 0.15 to the cloglog hazard, an "
                  "unrecovered one 0.7 (HR exp(-0.55) = 0.58)",
        false_note="recovered negatives hurt retention as much as unrecovered ones "
                   "(beta_recovered = beta_unrecovered, HR 1, 0.1 beyond the margin)",
    ),
    "S3": ClaimSpec(
        claim_id="S3",
        estimand="P(switched during observation | considering a switch), all customers of a "
                 "study of the world's months (start uniform, observed to the end or the "
                 "switch; intent drawn from the negatives while observed); claimed at most "
                 f"{1 - _S3_MARGIN:g}. Exact by a dynamic programme over grade and capped "
                 "counts of negatives when switching depends on those only; otherwise "
                 "Monte-Carlo on the reference world.",
        terms=(Term(_S3_TERM, 0.0, 1.0 - _S3_MARGIN),),
        truth_fn=_s3_truth,
        true_world={}, false_world=CLAIMS_FALSE["S3"],
        true_note="default world: intent does not change behaviour; about 0.4 of those "
                  "considering a switch switch during observation (they have more negatives)",
        false_note="95% of the considerers still customers at the end switch then: the "
                   "conversion is about 0.97",
    ),
    "V1": ClaimSpec(
        claim_id="V1",
        estimand="Restricted mean survival time over 12 months since the start (sum of S(j), "
                 "j = 0..11, whole months) of customers with a relationship grade 9-10 "
                 "minus those graded <=6; grades mixed within a band with their population "
                 "shares (start uniform over the months). Exact by a dynamic programme when "
                 "switching depends on grade and negatives only; otherwise Kaplan-Meier on "
                 "the reference world. Claimed above 0.5 months (the registry's smallest "
                 "effect of interest; 0, no lifetime difference, is false).",
        terms=(Term(_V1_TERM, V1_MARGIN, math.inf, strict=True),),
        truth_fn=_v1_truth,
        true_world={},
        false_world=CLAIMS_FALSE["V1"],
        true_note="default world: the 9-10 band lowers the cloglog hazard by 0.9, <=6 raises "
                  "it by 0.5",
        false_note="no band effect and no grade slope: the hazard does not depend on the "
                   "grade, the RMST difference is exactly 0",
    ),
}
