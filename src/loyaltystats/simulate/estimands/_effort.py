"""Deciding estimands and worlds of the effort claims (E1, E2).

Both are computed on the reference world (:mod:`loyaltystats.simulate.reference`), by code
independent of the estimators: E1's truth is the logistic model of "left within 12 months"
on the effort band and the onboarding wow moment, fitted by statsmodels on the reference
customers whose 12-month outcome is known; E2's is Harrell's C of each predictor as a risk
score (plain numpy, :func:`~loyaltystats.simulate.estimands._nps.harrell_concordance`).

Examples
--------
>>> SPECS["E1"].terms[0].term, SPECS["E2"].terms[0].term
('effort_minus_delight', 'C(effort) - C(grade)')
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..params import WorldParams
from . import ClaimSpec, Term
from ._nps import _nps_category, harrell_concordance

__all__ = ["SPECS", "e1_logistic_reference", "e2_concordance_reference"]

E1_MARGIN = 0.1  # loyaltystats.effort.E1_MARGIN
E2_MARGIN = 0.02  # loyaltystats.effort.E2_MARGIN
_E1_TERM = "effort_minus_delight"
_E2_TERMS = ("C(effort) - C(grade)", "C(effort) - C(recommend)",
             "C(effort) - C(nps_category)")


def e1_logistic_reference(p: WorldParams, months: int = 24) -> dict[str, float]:
    """Population logistic coefficients of leaving within 12 months, on the reference world.

    ``logit P(left) = a + b_high [CES 5-7] + b_low [CES 1-3] + b_d delighted`` among the
    customers whose 12-month outcome is known (the runner's rows); returns the deciding
    ``effort_minus_delight = b_high + b_d`` and the coefficients.
    """
    import statsmodels.api as sm

    from ..reference import reference_tables

    c = reference_tables(p, months)["customers"]
    known = c["retained_12m"].notna().to_numpy()
    effort = c["effort"].to_numpy()[known]
    X = np.column_stack([np.ones(int(known.sum())), effort >= 5, effort <= 3,
                         c["delighted"].to_numpy()[known]]).astype(float)
    left = (~c["retained_12m"].to_numpy(dtype=bool, na_value=True)[known]).astype(float)
    b = sm.GLM(left, X, family=sm.families.Binomial()).fit().params
    return {_E1_TERM: float(b[1] + b[3]), "b_high": float(b[1]), "b_low": float(b[2]),
            "b_delight": float(b[3])}


def _signed(values: np.ndarray, duration: np.ndarray, event: np.ndarray) -> np.ndarray:
    """A numeric predictor as the risk score a one-coefficient Cox model ranks by: the
    predictor itself when switching rises with it, its negative when it falls (the sign
    of the rate's slope over the predictor's values)."""
    levels, inv = np.unique(values, return_inverse=True)
    rate = (np.bincount(inv, weights=event, minlength=len(levels))
            / np.bincount(inv, weights=duration, minlength=len(levels)))
    n = np.bincount(inv, minlength=len(levels))
    slope = np.cov(levels.astype(float), rate, aweights=n)[0, 1]
    return values if slope >= 0 else -values


def e2_concordance_reference(p: WorldParams, months: int = 24) -> dict[str, float]:
    """Harrell's C of effort, grade, recommend and the NPS category, and effort's leads.

    Every customer, follow-up from start to switch or the end of the world's months; the
    numeric predictors enter as a one-coefficient Cox model ranks them (by the sign of their
    association with switching), the NPS category by its categories' switching rates (as N3).
    """
    from ..reference import reference_tables

    c = reference_tables(p, months)["customers"]
    duration = c["duration"].to_numpy().astype(float)
    event = c["switched"].to_numpy(bool)
    C = {}
    for name in ("effort", "grade", "recommend"):
        values = c[name].to_numpy().astype(float)
        C[name] = harrell_concordance(duration, event, _signed(values, duration, event))
    cat = _nps_category(c["recommend"].to_numpy())
    rate = (np.bincount(cat, weights=event, minlength=3)
            / np.maximum(np.bincount(cat, weights=duration, minlength=3), 1e-12))
    order = np.argsort(np.argsort(rate))
    C["nps_category"] = harrell_concordance(duration, event, order[cat])
    out = {f"C({k})": v for k, v in C.items()}
    for term, rival in zip(_E2_TERMS, ("grade", "recommend", "nps_category")):
        out[term] = C["effort"] - C[rival]
    return out


def _e1_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    return e1_logistic_reference(p, months)


def _e2_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    return e2_concordance_reference(p, months)


E1_TRUE = {"hazard_effort_effect": (-0.2, 0.0, 1.0), "hazard_delight_effect": -0.2}
E1_FALSE = {"hazard_effort_effect": (0.0, 0.0, 0.2), "hazard_delight_effect": -1.0}
E2_TRUE = {"hazard_effort_effect": (-0.5, 0.0, 1.5)}

SPECS: dict[str, ClaimSpec] = {
    "E1": ClaimSpec(
        claim_id="E1",
        estimand="Penalty of high effort (CES 5-7 against 4) minus the reward of an onboarding "
                 "wow moment, both on the log-odds of leaving within 12 months of the start, "
                 "adjusted for each other and for low effort (CES 1-3), among the customers "
                 "whose 12-month outcome the study sees (started at least 12 months before "
                 "its end): b_high + b_delight of the population logistic model, fitted by "
                 "statsmodels on the reference world. Claimed above 0.1 (the smallest effect "
                 "of interest): effort drives leaving more than delight prevents it.",
        terms=(Term(_E1_TERM, E1_MARGIN, math.inf, strict=True),),
        truth_fn=_e1_truth,
        true_world=E1_TRUE,
        false_world=E1_FALSE,
        true_note="high effort raises the switching hazard by 1.0 (cloglog), low effort "
                  "lowers it by 0.2, a wow moment lowers it by 0.2: effort's penalty is about "
                  "0.7 above delight's reward on the log-odds of leaving",
        false_note="a wow moment lowers the hazard by 1.0, high effort raises it by 0.2: "
                   "delight outweighs effort",
    ),
    "E2": ClaimSpec(
        claim_id="E2",
        estimand="Harrell's C of the onboarding effort score as a risk score for switching, "
                 "minus that of the onboarding grade, of the raw 0-10 recommend score and of "
                 "its NPS category: all customers, follow-up from the start to the switch or "
                 "the end of the world's months (censored); numeric scores ranked as a "
                 "one-coefficient Cox model ranks them, the NPS category by its switching "
                 "rates, tied scores one half. Plain numpy on the reference world. Claimed: "
                 "every difference above 0.02 (effort ranks who leaves better than each).",
        terms=tuple(Term(t, E2_MARGIN, math.inf, strict=True) for t in _E2_TERMS),
        truth_fn=_e2_truth,
        true_world=E2_TRUE,
        false_world={},
        true_note="high effort raises the switching hazard by 1.5, low effort lowers it by "
                  "0.5: effort ranks switchers better than the grade and recommend",
        false_note="default world: effort has no effect on switching (C about 0.5), the "
                   "grade band does",
    ),
}
