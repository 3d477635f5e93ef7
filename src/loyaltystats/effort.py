"""The effortless experience: claims E1 (effort against delight) and E2 (CES against NPS).

E1, after Dixon, Freeman & Toman (HBR 2010): high effort drives disloyalty more than a
delight drives loyalty. :func:`effort_vs_delight` fits one logistic model of switching on the
same customers' effort band (low / neutral / high on the Customer Effort Score) and a delight
flag, counted in cells, and compares the penalty of high effort with the reward of a delight
on the log-odds scale, with an interval on their difference.

E2 (contested: de Haan, Verhoef & Wiesel 2015 found CES no better than top-box satisfaction
or NPS): effort ranks who leaves better than satisfaction or NPS. :func:`effort_vs_satisfaction`
is the N3 machinery (:func:`loyaltystats.nps.versus_retention`: Cox risk scores, Harrell's C,
a bootstrap of customers as cell counts) with effort added, judged on the differences of C.

Examples
--------
>>> from loyaltystats.effort import effort_vs_delight
>>> effort_vs_delight.__name__
'effort_vs_delight'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._boundary import Missing, reads
from ._plotting import get_ax
from ._validate import FrameLike
from .data import as_flag, validate_column
from .errors import DataError, ParameterError
from .results import ClaimResult, estimates_frame, judge_interval
from .scales import LIKERT_1_7, Scale
from .stats import fit_binomial
from .stats.levels import check_level, z_value
from .tables import count_cells

__all__ = ["EffortResult", "effort_vs_delight", "effort_vs_satisfaction"]

E1_MARGIN = 0.1
"""E1's smallest effect of interest: the penalty of high effort must exceed the reward of a
delight by 0.1 on the log-odds scale (odds of switching about 10% higher)."""

E2_MARGIN = 0.02
"""E2's smallest effect of interest: effort's concordance must beat each rival's by 0.02."""


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class EffortResult(ClaimResult):
    """Result of :func:`effort_vs_delight` (claim E1).

    ``estimates``: ``effort_minus_delight`` (the verdict's quantity: penalty of high effort
    minus reward of a delight), ``effort_penalty`` (log-odds of switching, high vs neutral
    effort), ``delight_reward`` (minus the log-odds of a delight), ``effort_reward``
    (minus the log-odds of low vs neutral effort) and ``effort_asymmetry`` (penalty of high
    effort minus reward of low effort). ``tables["cells"]``: counts per effort band and
    delight; ``tables["coefficients"]``: the logistic fit.
    """

    def plot(self, ax: Any = None) -> Any:
        """The effects on the log-odds of switching with intervals; returns the Axes."""
        ax = get_ax(ax)
        est = self.estimates.iloc[::-1].reset_index(drop=True)
        y = np.arange(len(est))
        e = est["estimate"].to_numpy(float)
        ax.errorbar(e, y, xerr=[e - est["ci_low"], est["ci_high"] - e], fmt="o", capsize=3)
        ax.axvline(0, color="0.6", lw=0.8)
        ax.axvline(self.info["margin"], color="C3", ls="--", lw=0.8,
                   label=f"margin {self.info['margin']:g}")
        ax.set_yticks(y)
        ax.set_yticklabels(est["term"].tolist(), fontsize=8)
        ax.set_xlabel("log-odds of switching (penalties toward it, rewards away from it)")
        ax.legend(fontsize=8, loc="center right")
        ax.set_title(f"E1 effort vs delight: {self.verdict}")
        return ax


def _bands(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """low (<= low), neutral, high (>= high) effort."""
    return np.where(values <= low, "low", np.where(values >= high, "high", "neutral"))


def _linear(fit: Any, weights: dict[str, float]) -> tuple[float, float]:
    """Estimate and standard error of a linear combination of the fit's coefficients."""
    names = list(fit.params.index)
    c = np.array([weights.get(n, 0.0) for n in names])
    est = float(c @ fit.params.to_numpy())
    se = float(np.sqrt(c @ fit.cov.to_numpy() @ c))
    return est, se


@reads(customers=("id", "effort", "delight", "outcome"))
def effort_vs_delight(
    customers: FrameLike,
    effort: str = "effort",
    delight: str = "delighted",
    outcome: str = "switched",
    *,
    scale: Scale = LIKERT_1_7,
    low: float = 3,
    high: float = 5,
    margin: float = E1_MARGIN,
    level: float = 0.95,
    id: str | None = None,
    missing: Missing = "raise",
) -> EffortResult:
    """Does high effort drive switching more than a delight prevents it (claim E1)?

    Parameters
    ----------
    customers : pandas.DataFrame or engine input
        One row per customer: the effort item, a 0/1 delight flag and a 0/1 outcome
        (switched within the window the user chose). Counted in cells (effort value x
        delight), so every engine input works and the rows are never materialised.
    effort : str
        The Customer Effort Score column on ``scale`` (default 1-7, 7 = very high effort).
    delight : str
        1 when the customer had a delight (a wow moment), else 0.
    outcome : str
        1 when the customer switched (churned, did not repurchase), else 0.
    scale : Scale
        Scale of ``effort``; the high-effort direction is the top of the scale.
    low, high : float
        Effort at or below ``low`` is low effort, at or above ``high`` high effort (CES 1-3
        and 5-7 by default; 4 is the neutral reference).
    margin : float
        Smallest effect of interest on the log-odds scale (:data:`E1_MARGIN`).
    level : float
        Confidence level.
    id : str, optional
        Customer id column: every id must appear once (checked when given).
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    EffortResult
        Supported when the whole interval of ``effort_minus_delight`` lies above
        ``margin``, contradicted when it lies below, inconclusive otherwise.

    Raises
    ------
    DataError
        Effort off its scale, flags that are not 0/1, no customer in an effort band or
        without/with a delight.

    Notes
    -----
    ``logit P(outcome) = a + b_high [high effort] + b_low [low effort] + b_d delight``
    (neutral effort and no delight the reference), maximum likelihood on the cell counts
    (:func:`loyaltystats.stats.fit_binomial`, equal to statsmodels on rows). The effort
    penalty is ``b_high``, the delight reward ``-b_d``, their difference
    ``b_high + b_d`` with a Wald interval from the coefficients' covariance; the asymmetry of
    effort is ``b_high + b_low`` (penalty of high effort minus reward of low). The
    comparison is on the same customers and adjusted for each other; it is observational:
    customers who expect to leave may rate effort higher.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 20_000
    >>> ces = rng.integers(1, 8, n); d = rng.random(n) < 0.2
    >>> lp = -2 + 1.0 * (ces >= 5) - 0.3 * (ces <= 3) - 0.3 * d
    >>> df = pd.DataFrame({"effort": ces, "delighted": d.astype(int),
    ...                    "switched": (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)})
    >>> r = effort_vs_delight(df)
    >>> r.estimates["term"].iloc[0], r.verdict
    ('effort_minus_delight', 'supported')
    """
    check_level(level)
    if not low < high:
        raise ParameterError(f"need low < high effort, got low={low}, high={high}")
    cells = count_cells(customers, [effort, delight], outcome=outcome, table="customers")
    # the contract's checks, on the distinct values (every row's value is in some cell)
    validate_column(cells, effort, "score", table="customers", scale=scale)
    validate_column(cells, delight, "flag", table="customers")
    values = cells[effort].to_numpy(float)
    if (cells["successes"] > cells["n"]).any():
        raise DataError("must be 0/1", table="customers", column=outcome)
    cells = cells.assign(band=_bands(values, low, high),
                         delight=as_flag(cells[delight], column=delight,
                                         table="customers").astype(int))
    by_band = cells.groupby("band")["n"].sum()
    by_delight = cells.groupby("delight")["n"].sum()
    empty = [b for b in ("low", "neutral", "high") if by_band.get(b, 0) == 0]
    empty += [f"{delight}={v}" for v in (0, 1) if by_delight.get(v, 0) == 0]
    if empty:
        raise DataError(f"no customers in {empty}: the effects cannot be compared",
                        table="customers", column=effort if len(empty[0]) < 8 else delight)
    fit = fit_binomial(cells.groupby(["band", "delight"], as_index=False)[["n", "successes"]]
                       .sum(), "C(band, Treatment('neutral')) + delight")
    hi_, lo_ = "C(band, Treatment('neutral'))[T.high]", "C(band, Treatment('neutral'))[T.low]"
    z = z_value(level)
    n = int(cells["n"].sum())
    rows = []
    for term, weights in (("effort_minus_delight", {hi_: 1.0, "delight": 1.0}),
                          ("effort_penalty", {hi_: 1.0}),
                          ("delight_reward", {"delight": -1.0}),
                          ("effort_reward", {lo_: -1.0}),
                          ("effort_asymmetry", {hi_: 1.0, lo_: 1.0})):
        est, se = _linear(fit, weights)
        rows.append({"term": term, "estimate": est, "ci_low": est - z * se,
                     "ci_high": est + z * se, "n": n,
                     "method": "logistic on cells, Wald (log-odds of switching)"})
    estimates = estimates_frame(rows)
    head = estimates.iloc[0]
    verdict = judge_interval(head["ci_low"], head["ci_high"], margin, np.inf)
    if verdict == "supported" and not head["ci_low"] > margin:
        verdict = "inconclusive"  # on the margin itself: not beyond it
    reason = (f"penalty of high effort minus reward of a delight = {head['estimate']:.3f} "
              f"(log-odds; {level:.0%} CI {head['ci_low']:.3f} to {head['ci_high']:.3f}); "
              f"the claim needs it above {margin:g}")
    return EffortResult(estimates=estimates, verdict=verdict, reason=reason, level=level,
                        claim_id="E1",
                        tables={"cells": cells.reset_index(drop=True),
                                "coefficients": fit.table()},
                        info={"margin": margin, "low": low, "high": high, "n": n,
                              "effort": effort, "delight": delight, "outcome": outcome})


def effort_vs_satisfaction(
    customers: FrameLike,
    effort: str = "effort",
    satisfaction: str = "grade",
    duration: str = "duration",
    event: str = "switched",
    *,
    recommend: str | None = "recommend",
    margin: float = E2_MARGIN,
    n_boot: int = 500,
    seed: int | np.random.Generator = 0,
    level: float = 0.95,
    id: str | None = None,
    missing: Missing = "raise",
) -> ClaimResult:
    """Does effort rank who leaves better than satisfaction and NPS (claim E2)?

    Parameters
    ----------
    customers : pandas.DataFrame or engine input
        One row per customer with the follow-up ``duration``, the ``event`` flag and the
        effort, satisfaction and recommend columns.
    effort, satisfaction : str
        The effort item (higher = more effort) and the satisfaction grade.
    duration, event : str
        Follow-up time (> 0) and the switched flag (0 = censored).
    recommend : str or None
        The 0-10 recommend column (NPS); ``None`` compares effort with satisfaction only.
    margin : float
        Smallest effect of interest on the concordance scale (:data:`E2_MARGIN`).
    n_boot : int
        Bootstrap replicates (customers resampled as cell counts).
    seed : int or numpy.random.Generator
        Seed of the bootstrap (default 0).
    level : float
        Confidence level.
    id : str, optional
        Customer id column: every id must appear once (checked when given).
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    ClaimResult
        ``estimates``: ``C(effort) - C(<rival>)`` for satisfaction and, with ``recommend``,
        for the raw recommend score and the NPS category (all deciding), then each
        predictor's C. Supported when every difference's interval lies above ``margin``,
        contradicted when one lies below it. ``tables`` and ``info`` hold the full
        :func:`~loyaltystats.nps.versus_retention` result's tables.

    Notes
    -----
    The N3 machinery (:func:`loyaltystats.nps.versus_retention`): a Cox model per predictor
    (effort and satisfaction linear, recommend as the NPS category and linear), Harrell's C
    of each risk score and bootstrap percentile intervals of the differences.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 3000
    >>> eff = rng.integers(1, 8, n); gr = rng.integers(1, 11, n); rec = rng.integers(0, 11, n)
    >>> t = np.ceil(rng.exponential(1 / (0.05 * np.exp(0.4 * (eff - 4))), n))
    >>> df = pd.DataFrame({"effort": eff, "grade": gr, "recommend": rec,
    ...                    "duration": np.minimum(t, 24), "switched": (t <= 24).astype(int)})
    >>> effort_vs_satisfaction(df, n_boot=50).verdict
    'supported'
    """
    from .nps import versus_retention

    res = versus_retention(customers, [effort, satisfaction], duration, event,
                           recommend=recommend, n_boot=n_boot, seed=seed, level=level,
                           claim_predictor=effort, id=id, missing=missing)
    diffs = res.tables["concordance_differences"]
    rivals = [satisfaction] + (["recommend", "nps_category"] if recommend else [])
    rows = []
    for rival in rivals:
        name = "recommend" if rival == "recommend" else rival
        row = diffs[(diffs["a"] == effort) & (diffs["b"] == name)]
        sign = 1.0
        if row.empty:
            row, sign = diffs[(diffs["a"] == name) & (diffs["b"] == effort)], -1.0
        r = row.iloc[0]
        lo, hi = sorted((sign * r["ci_low"], sign * r["ci_high"]))
        rows.append({"term": f"C({effort}) - C({name})", "estimate": sign * r["estimate"],
                     "ci_low": lo, "ci_high": hi, "n": r["n"], "method": r["method"]})
    for _, r in res.estimates.iterrows():
        rows.append({k: r[k] for k in ("term", "estimate", "ci_low", "ci_high", "n",
                                        "method")} | {"term": f"C({r['term']})"})
    estimates = estimates_frame(rows)
    deciding = estimates.iloc[:len(rivals)]
    if (deciding["ci_low"] > margin).all():
        verdict = "supported"
    elif (deciding["ci_high"] < margin).any():
        verdict = "contradicted"
    else:
        verdict = "inconclusive"
    worst = deciding.loc[deciding["ci_low"].idxmin()]
    reason = (f"the weakest advantage of effort is {worst['term']} = {worst['estimate']:.3f} "
              f"({level:.0%} CI {worst['ci_low']:.3f} to {worst['ci_high']:.3f}); the claim "
              f"needs every difference above {margin:g}")
    return ClaimResult(estimates=estimates, verdict=verdict, reason=reason, level=level,
                       claim_id="E2", tables=dict(res.tables),
                       info={"margin": margin, "rivals": rivals, **dict(res.info)})
