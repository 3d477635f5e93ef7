"""The baseline hazard of a Cox fit on cells, matching its ties, and predicted survival.

R's ``survfit(coxph(...))`` pairs the baseline hazard with the ties method of the fit
(``ctype``): after a Breslow fit the hazard jumps ``d / S0`` at each event time; after an
Efron fit the ``m`` tied deaths are ``m`` jumps with the dying rows present with weights
``1, (m-1)/m, ..., 1/m``,

.. math:: d\\hat\\Lambda_0(t) = \\sum_{r=0}^{m-1} \\frac{1}{S_0 - \\tfrac{r}{m} E_0},

with :math:`S_0` the risk-set and :math:`E_0` the death-set sums of :math:`e^{x\\beta}`
(the same fractions as Efron's partial likelihood). The variance of the cumulative hazard
of a covariate row :math:`x` with risk :math:`\\rho = e^{x\\beta}` is Tsiatis' (1981),

.. math:: \\rho^2 \\sum_t \\sum_r \\frac{1}{\\phi_r^2} + q^\\top V q, \\qquad
          q = \\rho \\sum_t \\sum_r \\frac{x - \\bar x_r(t)}{\\phi_r}

(with :math:`\\phi_r = S_0 - \\tfrac{r}{m}E_0` and :math:`\\bar x_r` the matching weighted mean;
Breslow: :math:`m = 1` in effect), the baseline's uncertainty plus that of the coefficients
through :math:`V` (the robust one when the fit is robust, as in R). Everything is a sum over
event times of risk- and death-set sums, so it comes from the cells of the fit.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._threads import one_blas_thread
from ..errors import DataError, ParameterError
from .cox import CoxCountsFit, _check_ties, _label_array, _moments
from .levels import check_level

__all__ = ["cox_baseline", "cox_survival"]


def _increments(fit: CoxCountsFit, ties: str | None) -> dict[str, np.ndarray]:
    """Per event time: stratum code, time, rows at risk, events, hazard jump, its variance
    term and the jump of the weighted covariate means (for Tsiatis' term)."""
    c = fit._cells
    if c is None:
        raise ParameterError("this fit keeps no cells (fit it with fit_cox_counts)")
    ties = fit.ties if ties is None else _check_ties(ties)
    mo = _moments(fit.params.to_numpy(), c, ties)
    return {"stratum": c.tstrat, "time": c.times, "n_risk": c.risk(c.n[None])[:, 0],
            "n_events": c.m, "hazard": mo.c01, "var": mo.c02,
            "xbar": mo.c02[:, None] * mo.S1 - mo.c12[:, None] * mo.E1}


def _block_cumsum(v: np.ndarray, block: np.ndarray) -> np.ndarray:
    """Cumulative sums of ``v`` (along axis 0) restarting at each new value of ``block``."""
    cs = np.cumsum(v, axis=0)
    first = np.r_[True, block[1:] != block[:-1]] if len(block) else np.zeros(0, bool)
    start = np.maximum.accumulate(np.where(first, np.arange(len(block)), 0))
    before = np.concatenate([np.zeros((1,) + v.shape[1:]), cs])[start]
    return cs - before


@one_blas_thread
def cox_baseline(fit: CoxCountsFit, *, ties: Literal["efron", "breslow"] | None = None
                 ) -> pd.DataFrame:
    """The baseline hazard (covariates 0) of a Cox fit, one row per stratum and event time.

    Parameters
    ----------
    fit : CoxCountsFit
        From :func:`~loyaltystats.stats.fit_cox_counts`.
    ties : {"efron", "breslow"}, optional
        Estimator of the hazard jumps; default the fit's ties method, as R's
        ``survfit(coxph(...))``. ``"breslow"`` after an Efron fit gives lifelines'
        ``baseline_cumulative_hazard_`` (Efron coefficients, Breslow jumps).

    Returns
    -------
    pandas.DataFrame
        ``stratum, time, n_risk, n_events, hazard, cumulative_hazard`` (``stratum`` is the
        label given to ``strata=``, None without strata; the cumulative hazard restarts in
        every stratum).

    Examples
    --------
    >>> from loyaltystats.stats import fit_cox_counts
    >>> fit = fit_cox_counts([0, 0, 1, 1, 0, 1], [1, 1, 2, 3, 4, 4],
    ...                      events=[1, 1, 1, 0, 1, 0], names=["x"])
    >>> cox_baseline(fit)[["time", "n_events", "n_risk"]].to_numpy().tolist()
    [[1.0, 2.0, 6.0], [2.0, 1.0, 4.0], [4.0, 1.0, 2.0]]
    """
    inc = _increments(fit, ties)
    labels = _label_array(fit.strata_labels)
    return pd.DataFrame({
        "stratum": labels[inc["stratum"]], "time": inc["time"], "n_risk": inc["n_risk"],
        "n_events": inc["n_events"], "hazard": inc["hazard"],
        "cumulative_hazard": _block_cumsum(inc["hazard"], inc["stratum"])})


def _rows(fit: CoxCountsFit, newdata: Any) -> np.ndarray:
    names = list(fit.params.index)
    if isinstance(newdata, pd.DataFrame):
        absent = [c for c in names if c not in newdata.columns]
        if absent:
            raise DataError(f"newdata lacks the covariate(s) {absent}", column=absent[0])
        newdata = newdata[names]
    x = np.atleast_2d(np.asarray(newdata, dtype=float))
    if x.shape[1] != len(names):
        raise DataError(f"newdata has {x.shape[1]} columns for {len(names)} covariates",
                        column="newdata")
    if not np.isfinite(x).all():
        raise DataError("missing or infinite values", column="newdata")
    return x


def _strata_codes(fit: CoxCountsFit, stratum: Any, n: int) -> np.ndarray:
    if fit.n_strata == 1 and stratum is None:
        return np.zeros(n, np.int64)
    if stratum is None:
        raise ParameterError(f"the fit has {fit.n_strata} strata: give stratum= (one of "
                             f"{list(fit.strata_labels)})")
    index = {lab: k for k, lab in enumerate(fit.strata_labels)}
    try:
        single = stratum in index  # a label, possibly a tuple (strata of several columns)
    except TypeError:  # unhashable: a list or an array of labels
        single = False
    values = [stratum] * n if single or np.ndim(stratum) == 0 else list(stratum)
    bad = [v for v in values if v not in index]
    if bad or len(values) != n:
        raise ParameterError(f"stratum must be one of {list(fit.strata_labels)} (one per "
                             f"row of newdata), got {bad[:5] or values[:5]}")
    return np.array([index[v] for v in values], np.int64)


@one_blas_thread
def cox_survival(
    fit: CoxCountsFit,
    newdata: Any,
    times: Any,
    *,
    stratum: Any = None,
    level: float = 0.95,
    conf_type: Literal["log", "log-log", "plain"] = "log",
    ties: Literal["efron", "breslow"] | None = None,
) -> pd.DataFrame:
    """Predicted survival of covariate rows held fixed, with Tsiatis' variance (R's
    ``survfit(fit, newdata)``).

    Parameters
    ----------
    fit : CoxCountsFit
        From :func:`~loyaltystats.stats.fit_cox_counts`.
    newdata : array_like or pandas.DataFrame, shape (rows, p)
        Covariate rows (a DataFrame is matched by the coefficient names).
    times : array_like
        Times at which to evaluate (the step function: events at ``t`` count at ``t``).
    stratum : label or sequence of labels, optional
        The stratum of every row (needed when the fit has strata).
    level : float
        Confidence level.
    conf_type : {"log", "log-log", "plain"}
        Interval scale, as R's ``conf.type`` (default ``"log"``, R's default):
        ``S exp(+-z se)``, ``S^exp(+-z se / H)`` (an interval for ``log H``, inside (0, 1)),
        ``S +- z S se``.
    ties : {"efron", "breslow"}, optional
        Baseline estimator; default the fit's ties (see :func:`cox_baseline`).

    Returns
    -------
    pandas.DataFrame
        One row per newdata row and time: ``row, stratum, time, cumulative_hazard,
        survival, std_err, ci_low, ci_high``; ``std_err`` is that of the cumulative hazard
        (R's ``std.err``), the interval is for the survival.

    Examples
    --------
    >>> from loyaltystats.stats import fit_cox_counts
    >>> fit = fit_cox_counts([0, 0, 1, 1, 0, 1], [1, 1, 2, 3, 4, 4],
    ...                      events=[1, 1, 1, 0, 1, 0], names=["x"])
    >>> out = cox_survival(fit, [[0.0], [1.0]], times=[2, 4])
    >>> list(out.columns)
    ['row', 'stratum', 'time', 'cumulative_hazard', 'survival', 'std_err', 'ci_low', 'ci_high']
    """
    level = check_level(level)
    if conf_type not in ("log", "log-log", "plain"):
        raise ParameterError(f"conf_type must be 'log', 'log-log' or 'plain', got {conf_type!r}")
    x = _rows(fit, newdata)
    tq = np.atleast_1d(np.asarray(times, dtype=float))
    if np.isnan(tq).any():
        raise DataError("missing times", column="times")
    codes = _strata_codes(fit, stratum, len(x))
    inc = _increments(fit, ties)
    cum_h = _block_cumsum(inc["hazard"], inc["stratum"])
    cum_v = _block_cumsum(inc["var"], inc["stratum"])
    cum_x = _block_cumsum(inc["xbar"], inc["stratum"])
    beta, V = fit.params.to_numpy(), fit.cov.to_numpy()
    z = stats.norm.ppf(0.5 + level / 2)
    labels = _label_array(fit.strata_labels)
    out = []
    for i, (xs, g) in enumerate(zip(x, codes)):
        blk = np.flatnonzero(inc["stratum"] == g)
        pos = np.searchsorted(inc["time"][blk], tq, side="right") - 1
        seen = pos >= 0  # at or after the stratum's first event time
        at = blk[pos[seen]]
        rho = float(np.exp(xs @ beta))
        H, var, q = np.zeros(len(tq)), np.zeros(len(tq)), np.zeros((len(tq), len(beta)))
        H[seen] = rho * cum_h[at]
        var[seen] = rho**2 * cum_v[at]
        q[seen] = rho * (cum_x[at] - xs * cum_h[at][:, None])
        se = np.sqrt(var + np.einsum("ti,ij,tj->t", q, V, q))
        out.append(pd.DataFrame({"row": i, "stratum": [labels[g]] * len(tq), "time": tq,
                                 "cumulative_hazard": H, "survival": np.exp(-H),
                                 "std_err": se, **_interval(H, se, z, conf_type)}))
    return pd.concat(out, ignore_index=True)


def _interval(H: np.ndarray, se: np.ndarray, z: float, conf_type: str) -> dict[str, Any]:
    """R's survfit intervals for S = exp(-H) from the standard error of H."""
    S = np.exp(-H)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            lo, hi = S * np.exp(-z * se), np.minimum(S * np.exp(z * se), 1.0)
        elif conf_type == "log-log":
            half = z * se / H
            lo, hi = np.exp(-H * np.exp(half)), np.exp(-H * np.exp(-half))
        else:
            lo, hi = np.maximum(S - z * S * se, 0.0), np.minimum(S + z * S * se, 1.0)
    none = H <= 0  # before the first event: S = 1, no interval
    return {"ci_low": np.where(none, np.nan, lo), "ci_high": np.where(none, np.nan, hi)}
