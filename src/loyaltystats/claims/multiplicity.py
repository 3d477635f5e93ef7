"""Family-wise verdicts: Holm's step-down over the claims a report tests.

Each claim's verdict is a 95% test on its own. A report that tests many claims will, now and
then, give a wrong definitive verdict somewhere even when each claim is calibrated; the Holm
column bounds the probability of *any* wrong definitive verdict in the report by 5%.

Every claim whose verdict is an interval-in-region test (the deciding terms of
:mod:`loyaltystats.simulate.estimands`, each judged with
:func:`~loyaltystats.results.judge_interval`) has two null hypotheses: "the quantity lies
outside the claimed region" (rejecting it supports the claim) and "it lies inside"
(rejecting it contradicts the claim). Their p-values are read off the deciding intervals:
each side of an interval is treated as a normal one at the interval's level, so that
``p < 0.05`` exactly when the 95% interval gives the claim's own verdict. The two are
complementary, so exactly one is true and a claim can only err by rejecting that one; its
test is the direction its interval points to (the smaller p-value, which is the two-sided
p-value of the nearer boundary). Holm's step-down (statsmodels ``multipletests``) runs over
these m tests; a claim keeps its verdict in the Holm column when its test survives the
adjustment and is ``inconclusive`` there otherwise. A claim that withheld its own verdict
(inconclusive) stays inconclusive but counts in the family.

Claims whose verdict is not one interval-in-region test stay out of the family and say so:
K1 (bootstrap stability of categories), T5 (a linearity test, a breakpoint grid and a jump)
and P2 (two separate regions for "same" and "different").
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ..results import ClaimResult

__all__ = ["OUTSIDE_FAMILY", "interval_p_values", "claim_p_values", "holm_verdicts"]

FAMILY_ALPHA = 0.05

OUTSIDE_FAMILY = {
    "N1": "descriptive: no verdict",
    "K1": "verdict by bootstrap stability of categories, not an interval test",
    "T5": "verdict by a linearity test, a breakpoint and a jump together",
    "P2": "separate regions for 'same' and 'different' drivers",
}
"""Claims that are not in the Holm family, with the reason."""


def interval_p_values(estimate: float, ci_low: float, ci_high: float, low: float,
                      high: float, level: float = 0.95) -> tuple[float, float]:
    """P-values (supported, contradicted) of one interval against a claimed region.

    Each side of the interval is read as a normal interval at ``level``: the standard
    error on the lower side is ``(estimate - ci_low) / z``, on the upper side
    ``(ci_high - estimate) / z``. Two-sided scale: ``p_supported < 1 - level`` exactly when
    the interval lies inside ``[low, high]``, ``p_contradicted < 1 - level`` exactly when it
    lies outside.

    Examples
    --------
    >>> p_sup, p_con = interval_p_values(0.6, 0.55, 0.65, 0.5, 1.0)
    >>> p_sup < 0.05 < p_con
    True
    >>> [round(p, 3) for p in interval_p_values(0.5, 0.4, 0.6, 0.4, 1.0)]  # on the edge
    [0.05, 1.0]
    """
    z = float(stats.norm.ppf(0.5 + level / 2))
    se_lo = (estimate - ci_low) / z
    se_hi = (ci_high - estimate) / z

    def upper_tail(dist: float, se: float, closed: bool) -> float:
        """2 P(Z > dist / se): how strongly the data put the quantity beyond a bound. A side
        of zero width (a median of whole grades) is all or nothing; it touches the bound
        inside a closed region (judge_interval's supported) but not outside (contradicted
        needs a strict gap)."""
        if se <= 0 or not math.isfinite(se) or not math.isfinite(dist):
            return 0.0 if (dist > 0 or (closed and dist == 0)) else 1.0
        return float(min(1.0, 2 * stats.norm.sf(dist / se)))

    # supported: above low (distance estimate - low, lower side) and below high
    p_above_low = upper_tail(estimate - low, se_lo, True) if math.isfinite(low) else 0.0
    p_below_high = upper_tail(high - estimate, se_hi, True) if math.isfinite(high) else 0.0
    p_sup = max(p_above_low, p_below_high)
    # contradicted: entirely above high, or entirely below low
    p_over = upper_tail(estimate - high, se_lo, False) if math.isfinite(high) else 1.0
    p_under = upper_tail(low - estimate, se_hi, False) if math.isfinite(low) else 1.0
    return p_sup, min(p_over, p_under)


def claim_p_values(claim_id: str, claim: ClaimResult) -> tuple[float, float] | None:
    """(p_supported, p_contradicted) of a claim from its deciding terms, or ``None`` when the
    claim is outside the family or its deciding terms are not among its estimates.

    A claim is supported when every deciding term is (intersection-union: the largest
    p-value), contradicted when any is (the smallest).

    Examples
    --------
    >>> import pandas as pd
    >>> est = pd.DataFrame({"term": ["weight_lag1"], "estimate": [0.7], "ci_low": [0.65],
    ...                     "ci_high": [0.75], "n": [100], "method": ["x"]})
    >>> p = claim_p_values("N2", ClaimResult(estimates=est, verdict="supported"))
    >>> p[0] < 0.05 < p[1]
    True
    """
    from ..simulate.estimands import get_spec

    if claim_id in OUTSIDE_FAMILY:
        return None
    try:
        terms = get_spec(claim_id).terms
    except KeyError:
        return None
    e = claim.estimates
    first: dict[str, int] = {}
    for i, term in enumerate(e["term"].tolist()):
        first.setdefault(term, i)
    if not all(t.term in first for t in terms):
        return None
    cols = [e[c].to_numpy(float) for c in ("estimate", "ci_low", "ci_high")]
    pairs = [interval_p_values(*(float(c[first[t.term]]) for c in cols), t.low, t.high,
                               claim.level) for t in terms]
    return max(p for p, _ in pairs), min(q for _, q in pairs)


def holm_verdicts(claims: Mapping[str, ClaimResult],
                  alpha: float = FAMILY_ALPHA) -> pd.DataFrame:
    """Holm-adjusted verdict of every claim, with the p-values behind it.

    Parameters
    ----------
    claims : mapping
        Claim id -> tested :class:`~loyaltystats.results.ClaimResult` (the report's
        ``claim_results``).
    alpha : float
        Family-wise error rate.

    Returns
    -------
    DataFrame
        One row per claim: ``id``, ``p_supported``, ``p_contradicted`` (unadjusted),
        ``p_holm`` (the Holm-adjusted p-value of the claim's test),
        ``holm_verdict`` and ``holm_note`` (why a claim is outside the family).

    Examples
    --------
    >>> import pandas as pd
    >>> est = pd.DataFrame({"term": ["weight_lag1"], "estimate": [0.7], "ci_low": [0.51],
    ...                     "ci_high": [0.89], "n": [100], "method": ["x"]})
    >>> t = holm_verdicts({"N2": ClaimResult(estimates=est, verdict="supported")})
    >>> t.loc[0, "holm_verdict"]
    'supported'
    """
    from statsmodels.stats.multitest import multipletests

    rows, pvals, where = [], [], []
    for cid, claim in claims.items():
        row = {"id": cid, "p_supported": np.nan, "p_contradicted": np.nan, "p_holm": np.nan,
               "holm_verdict": "", "holm_note": OUTSIDE_FAMILY.get(cid, "")}
        p = None if claim.verdict == "descriptive" else claim_p_values(cid, claim)
        if p is None and not row["holm_note"]:
            row["holm_note"] = "deciding terms not among the estimates"
        if p is not None:
            row["p_supported"], row["p_contradicted"] = p
            where.append(len(rows))
            # the test of the direction the claim's verdict took; an inconclusive claim
            # (which may withhold a verdict for reasons beyond the interval: K3 when the first
            # delight has no clear effect) counts with its nearer boundary
            pvals.append(p[0] if claim.verdict == "supported" else
                         p[1] if claim.verdict == "contradicted" else min(p))
        rows.append(row)
    if pvals:
        reject, adj, _, _ = multipletests(pvals, alpha=alpha, method="holm")
        for i, rej, pa in zip(where, reject, adj):
            verdict = claims[rows[i]["id"]].verdict
            rows[i]["p_holm"] = float(pa)
            rows[i]["holm_verdict"] = (verdict if rej and verdict in ("supported",
                                                                      "contradicted")
                                       else "inconclusive")
    return pd.DataFrame(rows, columns=["id", "p_supported", "p_contradicted", "p_holm",
                                       "holm_verdict", "holm_note"])
