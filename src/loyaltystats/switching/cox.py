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
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._boundary import Missing, reads
from .._validate import FrameLike, as_frame
from ..errors import DataError, ParameterError
from ..stats._cox_rows import count_rows, whole_int16
from ..stats.cox import CoxCountsFit, _check_ties, _fit_cells, _label_array, _labels
from ..stats.cox_baseline import cox_survival
from ..stats.cox_zph import CoxZph, cox_zph

__all__ = ["CoxFit", "cox_time_varying"]


@dataclass(frozen=True, eq=False)
class CoxFit:
    """A fitted Cox model with time-varying covariates.

    Attributes
    ----------
    params, bse : pandas.Series
        Log hazard ratios and standard errors (robust ones when fitted with ``robust=True``).
    cov : pandas.DataFrame
        Covariance matrix of ``params``.
    llf : float
        Partial log-likelihood.
    n_rows, n_subjects, n_events : int
        Size of the long table.
    ties : str
        ``"efron"`` or ``"breslow"``: the partial likelihood and the baseline hazard.
    counts_fit : CoxCountsFit
        The fit on the cells (:func:`loyaltystats.stats.fit_cox_counts`): its baseline
        (:func:`~loyaltystats.stats.cox_baseline`), predictions
        (:func:`~loyaltystats.stats.cox_survival`), naive variance with ``robust=True``.
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
    #: settings and notes, e.g. ``rows_dropped`` with ``missing="drop"``
    info: dict[str, Any] = field(default_factory=dict)
    ties: str = "efron"
    counts_fit: CoxCountsFit | None = field(default=None, repr=False)

    def table(self, level: float = 0.95, *, method: str | None = None) -> pd.DataFrame:
        """Tidy table of log hazard ratios: term, estimate, ci_low, ci_high, n, method,
        std_err, z, p_value."""
        if method is None:
            robust = self.counts_fit is not None and self.counts_fit.robust
            # the fit is always the one on counts (equal to lifelines' on the rows)
            method = (f"Cox (partial likelihood on counts, {self.ties.capitalize()} ties"
                      + (", robust variance clustered by id" if robust else "") + ")")
        z = stats.norm.ppf(0.5 + level / 2)
        est, se = self.params.to_numpy(), self.bse.to_numpy()
        return pd.DataFrame({
            "term": self.params.index.astype(str), "estimate": est,
            "ci_low": est - z * se, "ci_high": est + z * se, "n": self.n_subjects,
            "method": method, "std_err": se, "z": est / se,
            "p_value": 2 * stats.norm.sf(np.abs(est / se)),
        })

    def _counts(self) -> CoxCountsFit:
        if self.counts_fit is None:
            raise ParameterError("this CoxFit keeps no cell fit (made by cox_time_varying)")
        return self.counts_fit

    def baseline_cumulative_hazard(self, times: np.ndarray, *, ties: str | None = None,
                                   stratum: Any = None) -> np.ndarray:
        """The cumulative hazard at covariates 0, at ``times``.

        Its jumps match the fit's ties method, as R's ``survfit(coxph(...))``: ``d / S0``
        after a Breslow fit, Efron's ``sum_r 1 / (S0 - r/m E0)`` after an Efron fit
        (:func:`loyaltystats.stats.cox_baseline`). ``ties="breslow"`` after an Efron fit
        gives lifelines' ``baseline_cumulative_hazard_``. ``stratum``: the stratum's label
        (a tuple of the strata columns' values) when fitted with ``strata``.
        """
        fit = self._counts()
        x = np.zeros((1, len(self.params)))
        out = cox_survival(fit, x, times, stratum=stratum, ties=ties)  # type: ignore[arg-type]
        return out["cumulative_hazard"].to_numpy()

    def cumulative_risk(self, x: np.ndarray, horizon: float, level: float = 0.95, *,
                        stratum: Any = None) -> pd.DataFrame:
        """P(event by ``horizon``) for covariate rows ``x`` held fixed from time 0.

        The baseline matching the fit's ties (see :meth:`baseline_cumulative_hazard`) with
        Tsiatis' (1981) variance, which adds the uncertainty of the coefficients to that of
        the baseline; the interval is computed for the log cumulative hazard and
        transformed, so it stays inside (0, 1). Equals ``1 - surv`` and the ``1 - upper,
        1 - lower`` of R's ``survfit(fit, newdata, conf.type = "log-log")``.

        Returns columns ``cumulative_hazard, estimate, ci_low, ci_high, std_err_log``.
        """
        x = np.atleast_2d(np.asarray(x, float))
        out = cox_survival(self._counts(), x, [float(horizon)], stratum=stratum,
                           level=level, conf_type="log-log")
        H = out["cumulative_hazard"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            se_log = np.where(H > 0, out["std_err"].to_numpy() / H, np.nan)
        return pd.DataFrame({"cumulative_hazard": H, "estimate": 1 - np.exp(-H),
                             "ci_low": 1 - out["ci_high"].to_numpy(),
                             "ci_high": 1 - out["ci_low"].to_numpy(), "std_err_log": se_log})

    def zph(self, transform: str = "km") -> CoxZph:
        """The proportional-hazards test of the fit (R's ``cox.zph``), see
        :func:`loyaltystats.stats.cox_zph`; the ``"rank"`` clock ranks the rows' stops."""
        return cox_zph(self._counts(), transform,  # type: ignore[arg-type]
                       rank_times=self._stop)


def _event_time_cells(t0: np.ndarray, t1: np.ndarray, event: np.ndarray, X: np.ndarray
                      ) -> tuple[np.ndarray, ...]:
    """Count (start, stop] rows into cells of the partial likelihood
    (:func:`loyaltystats.stats._cox_rows.count_rows`).

    A row enters the partial likelihood only through the event times it covers (at risk at
    tau when start < tau <= stop) and its event, so start and stop can move down to the last
    event time at or before them without changing a risk set: rows collapse into (first,
    last event time covered, covariate pattern) cells whatever the clock's resolution, and a
    row covering no event time drops out (it carries no event). Returns the cells' start
    and stop (event times; ``-inf`` before the first), covariates, rows and events.
    """
    cells = count_rows(t0, t1, np.asarray(event, bool), list(np.asarray(X, float).T), [])
    return cells["start"], cells["stop"], cells["x"], cells["n"], cells["d"]


def _column(s: pd.Series, whole: dict[str, np.ndarray] | None = None
            ) -> tuple[np.ndarray, int, tuple[float, float] | None]:
    """A column's values, how many are missing and (numeric columns) its min and max: a
    float column costs a ``min`` (it propagates NaN) and a ``max``, not a mask. Small whole
    numbers cost one int16 cast and comparison instead (:func:`whole_int16`); the cast is
    kept in ``whole`` (by column name) for counting."""
    a = s.to_numpy()
    if a.dtype.kind in "iub" or (a.dtype.kind == "f" and len(a) == 0):
        return a, 0, None
    if a.dtype.kind == "f":
        vi = whole_int16(a) if whole is not None else None
        if vi is not None:
            whole[s.name] = vi
            return a, 0, (float(vi.min()), float(vi.max()))
        lo = a.min()
        if np.isnan(lo):
            return a, int(np.isnan(a).sum()), None
        return a, 0, (float(lo), float(a.max()))
    return a, int(s.isna().to_numpy().sum()), None


def _n_unique(a: np.ndarray, s: pd.Series) -> int:
    """Distinct values of a column (ids sorted as they usually are: one pass)."""
    if a.dtype.kind in "iu" and len(a) > 1:
        step = a[1:] != a[:-1]
        if np.all(a[1:] >= a[:-1]):
            return int(step.sum()) + 1
    return int(s.nunique())


@reads(long=("covariates", "start", "stop", "event", "id", "strata"))
def cox_time_varying(
    long: FrameLike,
    *,
    covariates: Sequence[str],
    start: str = "start",
    stop: str = "stop",
    event: str = "event",
    id: str | None = None,
    ties: Literal["efron", "breslow"] = "efron",
    robust: bool = False,
    strata: Sequence[str] | None = None,
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
        Column names; ``id`` (optional) counts the subjects and is the cluster of the robust
        variance.
    ties : {"efron", "breslow"}
        Tied event times in the partial likelihood and in the baseline hazard (R's
        ``coxph(ties=)``; Efron is its default). ``"exact"`` is not implemented.
    robust : bool
        Robust (sandwich) variance with the score residuals summed per ``id`` (R's
        ``coxph(..., cluster = id)``); needs ``id``, as R does for (start, stop] data.
    strata : list of str, optional
        Columns whose combinations are strata: a baseline hazard and risk sets of their own
        (R's ``strata()``); constant within a subject's rows or not, as in R.
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
    ParameterError
        An unsupported ``ties`` method, ``robust`` without ``id``.
    ModelError
        No events, a covariate constant over the risk sets, or no convergence (perfect
        separation).

    Notes
    -----
    Newton-Raphson on Efron's (or Breslow's) partial likelihood computed from counts per
    (first and last event time covered, covariate pattern, stratum; with ``robust`` also
    subject) (:func:`loyaltystats.stats.fit_cox_counts`): the cost grows with the cells and
    the event times, not the rows, and the estimates equal lifelines'
    ``CoxTimeVaryingFitter`` on the rows (tested to 1e-7). The baseline hazard and the
    cumulative-risk intervals (:meth:`CoxFit.cumulative_risk`) match the ties method as R's
    ``survfit`` does; robust standard errors, strata and the proportional-hazards test
    (:meth:`CoxFit.zph`) are pinned against R's ``coxph`` and ``cox.zph`` in the tests.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 400)
    >>> t = rng.exponential(1 / np.exp(0.7 * x))
    >>> long = pd.DataFrame({"start": 0.0, "stop": np.minimum(t, 2.0), "event": t < 2.0, "x": x,
    ...                      "id": np.arange(400)})
    >>> fit = cox_time_varying(long, covariates=["x"])
    >>> bool(abs(fit.params["x"] - 0.7) < 0.3)
    True
    >>> rob = cox_time_varying(long, covariates=["x"], id="id", robust=True)
    >>> bool(abs(rob.bse["x"] / fit.bse["x"] - 1) < 0.2)
    True
    """
    strata = list(strata or [])
    cols = [start, stop, event, *covariates, *strata] + ([id] if id else [])
    long = as_frame(long, cols, "long")
    absent = [c for c in cols if c not in long.columns]
    if absent:
        raise DataError(f"missing column(s) {absent}", table="long")
    if robust and not id:
        raise ParameterError("robust=True needs id= (the subject of each row: the score "
                             "residuals are summed per subject)")
    ties = _check_ties(ties)  # type: ignore[assignment]
    df = long  # the columns are read, never written: no copy of the rows
    lims: dict[str, Any] = {}
    whole: dict[str, np.ndarray] = {}
    # small whole numbers are cast once here and counted from the cast; a start column
    # whose first values are all equal (0 for fixed covariates) is likely constant: its
    # min and max are cheaper than the cast
    head = df[start].to_numpy()[:64]
    probe = {stop, *covariates} | ({start} if len(head) and np.any(head != head[0]) else set())
    for c in cols:
        _, n_na, lims[c] = _column(df[c], whole if c in probe else None)
        if n_na:
            raise DataError("missing values (pass missing='drop' to leave those rows out)",
                            table="long", column=c, n_rows=n_na, examples=["NaN"])
    t0, t1, evb, xcols = _checked_rows(df, start, stop, event, covariates, lims)
    if not xcols:
        raise DataError("no covariates: X has no columns", column="X")
    extras, labels = [], [None]
    if strata:
        g, uniq = pd.MultiIndex.from_frame(df[strata]).factorize(sort=True)
        extras.append((g.astype(np.int64), len(uniq)))
        labels = [tuple(u) if len(strata) > 1 else u[0] for u in uniq]
    if robust:
        codes, uniq = pd.factorize(df[id])
        extras.append((codes.astype(np.int64), len(uniq)))
    cells = count_rows(t0, t1, evb, xcols, extras,
                       {"start": lims[start], "stop": lims[stop],
                        "x": [lims[c] for c in covariates],
                        "whole": {"start": whole.get(start), "stop": whole.get(stop),
                                  "x": [whole.get(c) for c in covariates]}})
    n, d = cells["n"], cells["d"]
    g_codes, g_labels = None, (None,)
    if strata:  # the strata labels of the cells, coded as fit_cox_counts codes them
        g_codes, g_labels = _labels(_label_array(labels)[cells["extras"][0]], len(n), "strata")
    cl = _labels(cells["extras"][-1], len(n), "cluster")[0] if robust else None
    fit = _fit_cells(cells["x"], cells["start"], cells["stop"], d, n,
                     names=[str(c) for c in covariates], ties=ties, g=g_codes,
                     g_labels=g_labels, cl=cl, robust=robust,
                     hint=None if strata else cells["hint"])
    id_values = _column(df[id])[0] if id else None
    return CoxFit(params=fit.params, bse=fit.bse, cov=fit.cov, llf=fit.llf,
                  n_rows=len(df), n_subjects=_n_unique(id_values, df[id]) if id else len(df),
                  n_events=int(np.count_nonzero(evb)), _start=t0, _stop=t1, _event=evb,
                  ties=fit.ties, counts_fit=fit)


def _checked_rows(df: pd.DataFrame, start: str, stop: str, event: str,
                  covariates: Sequence[str], lims: dict[str, Any] | None = None
                  ) -> tuple[Any, ...]:
    """Entry and exit times, events and covariate columns of the rows, checked (no missing
    values: checked before). Whole-column checks cost a ``min`` or ``max`` unless they fail;
    ``lims`` holds (and gets) the min and max of the float columns."""
    lims = {} if lims is None else lims
    t0, t1 = df[start].to_numpy(float), df[stop].to_numpy(float)
    if not len(t1):
        return t0, t1, df[event].to_numpy().astype(bool), [df[c].to_numpy(float)
                                                           for c in covariates]
    for c, v in ((start, t0), (stop, t1)):
        lims[c] = lims.get(c) or (float(v.min()), float(v.max()))
    if not lims[start][1] < lims[stop][0] and np.any(t0 >= t1):
        raise DataError("need start < stop", table="long", column=stop,
                        n_rows=int(np.sum(t0 >= t1)))
    # the cells carry event times, not the rows' stops: an infinite stop is refused here, as
    # fit_cox_counts refused it when the cells kept the rows' times
    if not np.all(np.isfinite(lims[stop])):
        raise DataError("missing or infinite values", table="long", column=stop,
                        n_rows=int(np.sum(~np.isfinite(t1))))
    ev = df[event].to_numpy()
    if ev.dtype != bool:
        if not np.all((ev == 0) | (ev == 1)):
            raise DataError("event must be 0/1", table="long", column=event)
        ev = ev.astype(bool)
    xcols = []
    for c in covariates:
        x = df[c].to_numpy(float)
        lims[c] = lims.get(c) or (float(x.min()), float(x.max()))
        if not np.all(np.isfinite(lims[c])):
            raise DataError("missing or infinite values", table="long", column=c,
                            n_rows=int(np.sum(~np.isfinite(x))))
        xcols.append(x)
    return t0, t1, ev, xcols
