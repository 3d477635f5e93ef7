"""Survival curves and tests, each once: Kaplan-Meier and the k-sample log-rank test.

Both equal lifelines (``KaplanMeierFitter``, ``multivariate_logrank_test``; pinned in
tests/test_switching_hazard.py and tests/test_nps_retention.py) and are vectorized over the
distinct times instead of fitting per group.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .levels import z_value

__all__ = ["kaplan_meier", "logrank", "rmst"]


def kaplan_meier(time: Any, event: Any, group: Any = None, *, level: float = 0.95
                 ) -> pd.DataFrame:
    """Kaplan-Meier curves with Greenwood log(-log) intervals, from counts per distinct time.

    Parameters
    ----------
    time, event : array_like
        Follow-up time and event indicator.
    group : array_like, optional
        Group label per row; one curve per group.
    level : float
        Confidence level of the pointwise intervals.

    Returns
    -------
    pandas.DataFrame
        ``group, time, at_risk, events, censored, survival, ci_low, ci_high`` at every
        distinct time of each group (the same numbers as lifelines ``KaplanMeierFitter``).

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    >>> km["survival"].round(3).tolist()
    [0.8, 0.6, 0.3, 0.3]
    """
    z = z_value(level)
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=bool)
    g = np.zeros(len(t), dtype=int) if group is None else np.asarray(group)
    labels, gi = np.unique(g, return_inverse=True) if group is not None else (np.array(["all"]),
                                                                             g)
    out = []
    for k, lab in enumerate(labels):
        sel = gi == k
        times, ti = np.unique(t[sel], return_inverse=True)
        d = np.bincount(ti, weights=e[sel], minlength=len(times))
        tot = np.bincount(ti, minlength=len(times)).astype(float)
        at_risk = np.cumsum(tot[::-1])[::-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.cumprod(1 - d / at_risk)
            gw = np.cumsum(np.where(at_risk > d, d / (at_risk * (at_risk - d)), np.inf))
            v = np.log(s)
            lo = np.exp(-np.exp(np.log(-v) - z * np.sqrt(gw) / v))
            hi = np.exp(-np.exp(np.log(-v) + z * np.sqrt(gw) / v))
        lo = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, lo))
        hi = np.where(s >= 1, 1.0, np.where(s <= 0, 0.0, hi))
        out.append(pd.DataFrame({"group": lab, "time": times, "at_risk": at_risk, "events": d,
                                 "censored": tot - d, "survival": s, "ci_low": lo,
                                 "ci_high": hi}))
    return pd.concat(out, ignore_index=True)


def logrank(durations: np.ndarray, events: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """k-sample log-rank test (vectorized over distinct event times).

    Returns ``{"statistic", "df", "p_value"}``; NaN with fewer than two groups.

    Examples
    --------
    >>> r = logrank([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], np.array([0, 0, 0, 1, 1, 1]))
    >>> round(r["p_value"], 4)   # lifelines' multivariate_logrank_test: 0.0246
    0.0246
    """
    durations = np.asarray(durations, float)
    events = np.asarray(events, bool)
    labels = pd.unique(groups)
    if len(labels) < 2:
        return {"statistic": math.nan, "df": 0, "p_value": math.nan}
    times = np.unique(durations[events])
    n_g, d_g = [], []
    for g in labels:
        sel = groups == g
        t = np.sort(durations[sel])
        te = np.sort(durations[sel & events])
        n_g.append(len(t) - np.searchsorted(t, times, side="left"))
        d_g.append(np.searchsorted(te, times, side="right") - np.searchsorted(te, times, "left"))
    n = np.array(n_g, float)        # (G, T)
    d = np.array(d_g, float)
    n_tot, d_tot = n.sum(0), d.sum(0)
    expected = (n * d_tot / n_tot).sum(1)
    observed = d.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.where(n_tot > 1, d_tot * (n_tot - d_tot) / (n_tot - 1), 0.0) / n_tot
    share = n / n_tot
    cov = -np.einsum("t,gt,ht->gh", f, share, n)
    cov[np.diag_indices_from(cov)] += (f * n).sum(1)
    diff = (observed - expected)[:-1]
    stat = float(diff @ np.linalg.solve(cov[:-1, :-1], diff))
    df = len(labels) - 1
    return {"statistic": stat, "df": df, "p_value": float(stats.chi2.sf(stat, df))}


def rmst(durations: np.ndarray, events: np.ndarray, horizon: float) -> tuple[float, float, pd.DataFrame]:
    """Kaplan-Meier restricted mean survival time up to ``horizon`` and its variance.

    Returns ``(rmst, variance, curve)`` where ``curve`` has columns ``time, survival``.

    Notes
    -----
    ``RMST = integral_0^tau S(t) dt`` of the Kaplan-Meier step function; the variance is the
    Greenwood-type estimator ``sum_j A_j^2 d_j / (n_j (n_j - d_j))`` over event times
    ``t_j <= tau`` with ``A_j = integral_{t_j}^tau S(u) du`` (Klein & Moeschberger 2003, 4.5).
    Computed from the event table (deaths and numbers at risk per distinct time), so the cost
    is one sort of the durations.

    Examples
    --------
    >>> import numpy as np
    >>> m, v, _ = rmst(np.array([1.0, 2, 3, 4]), np.array([True, True, True, True]), 10)
    >>> float(m), round(float(v), 4)
    (2.5, 0.3125)
    """
    d = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    times, inv = np.unique(d, return_inverse=True)
    deaths = np.bincount(inv, weights=e.astype(float))
    leaving = np.bincount(inv).astype(float)
    at_risk = len(d) - np.concatenate([[0.0], np.cumsum(leaving)[:-1]])
    keep = (deaths > 0) & (times <= horizon)
    t, dj, nj = times[keep], deaths[keep], at_risk[keep]
    surv = np.cumprod(1 - dj / nj)
    # step function: S = 1 on [0, t_1), surv[j] on [t_j, t_{j+1}), up to the horizon
    edges = np.concatenate([[0.0], t, [horizon]])
    levels = np.concatenate([[1.0], surv])
    areas = levels * np.diff(edges)
    total = float(areas.sum())
    after = total - np.cumsum(areas)[:-1]  # A_j: area from t_j to the horizon
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(nj > dj, after**2 * dj / (nj * (nj - dj)), 0.0)
    curve = pd.DataFrame({"time": np.concatenate([[0.0], t]), "survival": levels})
    return total, float(terms.sum()), curve
