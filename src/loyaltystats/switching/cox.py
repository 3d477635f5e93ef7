"""The Cox path: the Cox model on a (start, stop] table, fitted from counts per cell.

The rows are counted per (event times covered, covariate pattern) and the partial likelihood is
maximised on those counts (:func:`loyaltystats.stats.fit_cox_counts`); the estimates equal
lifelines' ``CoxTimeVaryingFitter`` on the rows (the reference in the tests).

Examples
--------
>>> import pandas as pd
>>> from loyaltystats.switching import cox_time_varying
>>> long = pd.DataFrame({"start": [0.0] * 6, "stop": [1.0, 2, 3, 4, 5, 6],
...                      "event": [1, 1, 0, 1, 0, 1], "x": [1, 0, 1, 1, 0, 0]})
>>> fit = cox_time_varying(long, covariates=["x"])
>>> fit.params.index.tolist()
['x']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._boundary import Missing, reads
from .._validate import FrameLike, as_frame
from ..errors import DataError
from ..stats.cox import fit_cox_counts

__all__ = ["CoxFit", "cox_time_varying"]


@dataclass(frozen=True, eq=False)
class CoxFit:
    """A fitted Cox model with time-varying covariates.

    Attributes
    ----------
    params, bse : pandas.Series
        Log hazard ratios and standard errors (lifelines, Efron ties).
    cov : pandas.DataFrame
        Covariance matrix of ``params``.
    llf : float
        Partial log-likelihood.
    n_rows, n_subjects, n_events : int
        Size of the long table.
    info : dict
        Notes on the fit (``rows_dropped`` when fitted with ``missing="drop"``).
    """

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    llf: float
    n_rows: int
    n_subjects: int
    n_events: int
    _start: np.ndarray = field(repr=False)
    _stop: np.ndarray = field(repr=False)
    _event: np.ndarray = field(repr=False)
    _X: np.ndarray = field(repr=False)
    #: settings and notes, e.g. ``rows_dropped`` with ``missing="drop"``
    info: dict[str, Any] = field(default_factory=dict)

    def table(self, level: float = 0.95, *, method: str = "Cox (lifelines "
              "CoxTimeVaryingFitter, Efron ties)") -> pd.DataFrame:
        """Tidy table of log hazard ratios: term, estimate, ci_low, ci_high, n, method,
        std_err, z, p_value."""
        z = stats.norm.ppf(0.5 + level / 2)
        est, se = self.params.to_numpy(), self.bse.to_numpy()
        return pd.DataFrame({
            "term": self.params.index.astype(str), "estimate": est,
            "ci_low": est - z * se, "ci_high": est + z * se, "n": self.n_subjects,
            "method": method, "std_err": se, "z": est / se,
            "p_value": 2 * stats.norm.sf(np.abs(est / se)),
        })

    def baseline_cumulative_hazard(self, times: np.ndarray) -> np.ndarray:
        """Breslow estimate of the cumulative hazard at covariates 0, at ``times``."""
        tau, d, s0, _ = self._risk_sets()
        cum = np.cumsum(d / s0)
        pos = np.searchsorted(tau, np.asarray(times, float), side="right") - 1
        return np.where(pos >= 0, cum[np.maximum(pos, 0)], 0.0)

    def _risk_sets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Distinct event times, events, S0 and S1 (risk-set sums of w and w x)."""
        beta = self.params.to_numpy()
        w = np.exp(self._X @ beta)
        tau, d = np.unique(self._stop[self._event], return_counts=True)
        o1 = np.argsort(self._stop, kind="stable")
        o0 = np.argsort(self._start, kind="stable")
        wx = np.column_stack([w, w[:, None] * self._X])
        cs1 = np.vstack([np.zeros(wx.shape[1]), np.cumsum(wx[o1], axis=0)])
        cs0 = np.vstack([np.zeros(wx.shape[1]), np.cumsum(wx[o0], axis=0)])
        total = cs1[-1]
        # at risk at tau: start < tau <= stop  ==  (stop >= tau) minus (start >= tau)
        stop_ge = total - cs1[np.searchsorted(self._stop[o1], tau, side="left")]
        start_ge = total - cs0[np.searchsorted(self._start[o0], tau, side="left")]
        at_risk = stop_ge - start_ge
        return tau, d.astype(float), at_risk[:, 0], at_risk[:, 1:]

    def cumulative_risk(self, x: np.ndarray, horizon: float,
                        level: float = 0.95) -> pd.DataFrame:
        """P(event by ``horizon``) for covariate rows ``x`` held fixed from time 0.

        Breslow baseline with the Tsiatis (1981) variance, which adds the uncertainty of the
        coefficients to that of the baseline; the interval is computed for the log
        cumulative hazard and transformed, so it stays inside (0, 1).

        Returns columns ``cumulative_hazard, estimate, ci_low, ci_high, std_err_log``.
        """
        x = np.atleast_2d(np.asarray(x, float))
        tau, d, s0, s1 = self._risk_sets()
        keep = tau <= horizon
        d, s0, s1 = d[keep], s0[keep], s1[keep]
        beta = self.params.to_numpy()
        V = self.cov.to_numpy()
        z = stats.norm.ppf(0.5 + level / 2)
        rows = []
        for xs in x:
            r = float(np.exp(xs @ beta))
            lam = r * np.sum(d / s0)
            xbar = s1 / s0[:, None]
            q = r * np.sum((d / s0)[:, None] * (xs[None, :] - xbar), axis=0)
            var = r**2 * np.sum(d / s0**2) + q @ V @ q
            se_log = np.sqrt(var) / lam if lam > 0 else np.nan
            lo_l, hi_l = np.log(lam) - z * se_log, np.log(lam) + z * se_log
            rows.append({"cumulative_hazard": lam, "estimate": 1 - np.exp(-lam),
                         "ci_low": 1 - np.exp(-np.exp(lo_l)),
                         "ci_high": 1 - np.exp(-np.exp(hi_l)), "std_err_log": se_log})
        return pd.DataFrame(rows)


def _event_time_cells(t0: np.ndarray, t1: np.ndarray, event: np.ndarray, X: np.ndarray
                      ) -> tuple[np.ndarray, ...]:
    """Count (start, stop] rows into cells of the partial likelihood.

    A row enters the partial likelihood only through the event times it covers (at risk at
    tau when start < tau <= stop) and its event, so start and stop can move down to the last
    event time at or before them without changing a risk set: rows collapse into (first,
    last event time covered, covariate pattern) cells whatever the clock's resolution, and a
    row covering no event time drops out (it carries no event). Returns the cells' start
    and stop (event times; ``-inf`` before the first), covariates, rows and events.
    """
    times = np.unique(t1[event])
    k0 = np.searchsorted(times, t0, side="right")
    k1 = np.searchsorted(times, t1, side="right")
    keep = k1 > k0
    if not keep.all():
        k0, k1, event, X = k0[keep], k1[keep], event[keep], X[keep]
    at = np.concatenate([[-np.inf], times])  # at[k]: the k-th event time (at[0]: before all)
    # one integer per cell: mixed radix over the factorized columns (dense codes, so the key
    # is exact); pandas' groupby is the fallback when the key would overflow int64
    codes, uniques = [k0, k1], [at, at]
    for j in range(X.shape[1]):
        code, uniq = pd.factorize(X[:, j])
        codes.append(code)
        uniques.append(np.asarray(uniq, float))
    sizes = [max(len(u), 1) for u in uniques]
    total = float(np.prod(np.array(sizes, dtype=float)))
    w = event.astype(float)
    if not len(k0) or total >= 2.0**62:
        frame = pd.DataFrame({f"c{j}": c for j, c in enumerate(codes)})
        inv = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
        cell_codes = tuple(frame.groupby(inv).first().to_numpy().T)
        n, d = np.bincount(inv).astype(float), np.bincount(inv, weights=w)
    else:
        key = np.ravel_multi_index(codes, sizes)
        if total <= max(4 * len(key), 2**20):  # dense enough to count by direct indexing
            n_all = np.bincount(key, minlength=int(total))
            cell_keys = np.flatnonzero(n_all)
            n = n_all[cell_keys].astype(float)
            d = np.bincount(key, weights=w, minlength=int(total))[cell_keys]
        else:
            cell_keys, inv = np.unique(key, return_inverse=True)
            n, d = np.bincount(inv.ravel()).astype(float), np.bincount(inv.ravel(), weights=w)
        cell_codes = np.unravel_index(cell_keys, sizes)
    cols = [u[c] for u, c in zip(uniques, cell_codes)]
    x = np.column_stack(cols[2:]) if X.shape[1] else np.empty((len(n), 0))
    return cols[0], cols[1], x, n, d


@reads(long=("covariates", "start", "stop", "event", "id"))
def cox_time_varying(
    long: FrameLike,
    *,
    covariates: Sequence[str],
    start: str = "start",
    stop: str = "stop",
    event: str = "event",
    id: str | None = None,
    missing: Missing = "raise",
) -> CoxFit:
    """Fit a Cox model with time-varying covariates on a long (start, stop] table.

    Parameters
    ----------
    long : pandas.DataFrame or engine input
        One row per subject and interval: ``start < stop``, ``event`` 1 only on the row that
        ends with the event, the covariates constant within the row. One interval per subject
        (``start = 0``, ``stop = duration``) gives the ordinary Cox model. From Polars (eager
        or lazy), a DuckDB relation, a Parquet path or glob or a Dask DataFrame only the named
        columns are collected into pandas (the fit needs rows); the fit equals the pandas path.
    covariates : list of str
        Numeric covariate columns (dummy-code categories yourself).
    start, stop, event, id : str
        Column names; ``id`` (optional) only counts the subjects.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    CoxFit

    Raises
    ------
    DataError
        Missing columns, ``start >= stop``, missing values, event not 0/1.
    ModelError
        No events, a covariate constant over the risk sets, or no convergence (perfect
        separation).

    Notes
    -----
    Newton-Raphson on Efron's partial likelihood computed from counts per (first and last
    event time covered, covariate pattern) (:func:`loyaltystats.stats.fit_cox_counts`): the
    cost grows with the cells and the event times, not the rows, and the estimates equal lifelines'
    ``CoxTimeVaryingFitter`` on the rows (tested to 1e-7). The Breslow baseline and the cumulative-risk intervals (:meth:`CoxFit.cumulative_risk`) are
    computed here, vectorized. Checked against lifelines' ``CoxPHFitter`` on the ``rossi``
    recidivism data in the tests.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 400)
    >>> t = rng.exponential(1 / np.exp(0.7 * x))
    >>> long = pd.DataFrame({"start": 0.0, "stop": np.minimum(t, 2.0), "event": t < 2.0, "x": x})
    >>> fit = cox_time_varying(long, covariates=["x"])
    >>> bool(abs(fit.params["x"] - 0.7) < 0.3)
    True
    """
    cols = [start, stop, event, *covariates] + ([id] if id else [])
    long = as_frame(long, cols, "long")
    absent = [c for c in cols if c not in long.columns]
    if absent:
        raise DataError(f"missing column(s) {absent}", table="long")
    df = long  # the columns are read, never written: no copy of the rows
    for c in cols:
        na = df[c].isna().to_numpy()
        if na.any():
            raise DataError("missing values (pass missing='drop' to leave those rows out)",
                            table="long", column=c, n_rows=int(na.sum()), examples=["NaN"])
    t0, t1 = df[start].to_numpy(float), df[stop].to_numpy(float)
    if np.any(t0 >= t1):
        raise DataError("need start < stop", table="long", column=stop,
                        n_rows=int(np.sum(t0 >= t1)))
    # the cells carry event times, not the rows' stops: an infinite stop is refused here, as
    # fit_cox_counts refused it when the cells kept the rows' times
    bad = ~np.isfinite(t1)
    if bad.any():
        raise DataError("missing or infinite values", table="long", column=stop,
                        n_rows=int(bad.sum()))
    ev = df[event].to_numpy()
    if not np.all((ev == 0) | (ev == 1)):
        raise DataError("event must be 0/1", table="long", column=event)
    evb = ev.astype(bool)
    X = df[list(covariates)].to_numpy(float)
    cell_start, cell_stop, xc, n, d = _event_time_cells(t0, t1, evb, X)
    fit = fit_cox_counts(xc, cell_stop, d, n, start=cell_start,
                         names=[str(c) for c in covariates])
    params, cov, bse = fit.params, fit.cov, fit.bse
    return CoxFit(params=params, bse=bse, cov=cov, llf=fit.llf,
                  n_rows=len(df), n_subjects=int(df[id].nunique()) if id else len(df),
                  n_events=int(evb.sum()), _start=t0, _stop=t1, _event=evb, _X=X)
