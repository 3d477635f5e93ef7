"""The Cox model from counts: Efron's partial likelihood on (interval, covariate cell) counts.

Rows that share an entry time, an exit time and a covariate pattern enter every risk set
together and die together, so the partial likelihood, its score and its information depend on
the rows only through how many there are per cell and how many of them end with the event.
Fitting on those counts gives the row-level estimates (lifelines' ``CoxPHFitter`` and
``CoxTimeVaryingFitter``, R's ``coxph``; pinned in tests/test_stats_cox.py) at a cost that
grows with the cells and the events, not the rows.

The Efron sum over the ``m`` tied events at a time only needs a few scalars per event (the
``c`` sums of :func:`loyaltystats.stats._cox_efron.efron_sums`), so the score and the information are assembled per event
time from the risk-set sums ``S0, S1, S2`` and the death-set sums ``E0, E1, E2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._threads import one_blas_thread
from ..errors import DataError, ModelError, ParameterError
from ._cox_efron import EfronIndex, efron_sums
from ._cox_patterns import Patterns, find_patterns, max_patterns, pattern_likelihood
from .levels import z_value

__all__ = ["CoxCountsFit", "fit_cox_counts"]


@dataclass(frozen=True, eq=False)
class CoxCountsFit:
    """A Cox model fitted on counts per (entry, exit, covariate cell).

    Attributes
    ----------
    params, bse : pandas.Series
        Log hazard ratios and their standard errors (inverse observed information, or the
        robust sandwich when fitted with ``robust=True`` or ``cluster=``).
    cov : pandas.DataFrame
        Covariance matrix of ``params`` (robust when fitted so).
    llf : float
        The partial log-likelihood at ``params`` (Efron or Breslow, as fitted).
    n, n_events, n_cells : int
        Rows (the sum of the counts), events and cells fitted.
    n_iter : int
        Newton-Raphson iterations.
    ties : str
        ``"efron"`` or ``"breslow"``.
    level : float
        Confidence level of :meth:`summary`.
    info : dict
        ``llf_null``: the partial log-likelihood at zero (the model without covariates), for
        the likelihood-ratio test against it.
    naive_cov : pandas.DataFrame or None
        With a robust variance: the model-based one (inverse information), R's
        ``fit$naive.var``; None otherwise.
    n_strata, n_clusters : int
        Strata fitted (1 without strata) and clusters of the robust variance (0 without).
    strata_labels : tuple
        The stratum of each code used in :func:`~loyaltystats.stats.cox_baseline` and
        :func:`~loyaltystats.stats.cox_survival` (``(None,)`` without strata).
    """

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    llf: float
    n: int
    n_events: int
    n_cells: int
    n_iter: int
    ties: str
    level: float = 0.95
    info: dict[str, Any] = field(default_factory=dict)
    naive_cov: pd.DataFrame | None = None
    n_strata: int = 1
    n_clusters: int = 0
    strata_labels: tuple[Any, ...] = (None,)
    _cells: Any = field(default=None, repr=False)  # the _Cells fitted, for what follows a fit

    def summary(self) -> pd.DataFrame:
        """One row per covariate: ``coef, exp_coef, se, z, p, ci_low, ci_high``."""
        z = z_value(self.level)
        stat = self.params / self.bse
        return pd.DataFrame({
            "coef": self.params, "exp_coef": np.exp(self.params), "se": self.bse, "z": stat,
            "p": 2 * stats.norm.sf(np.abs(stat)),
            "ci_low": self.params - z * self.bse, "ci_high": self.params + z * self.bse})

    @property
    def robust(self) -> bool:
        """Whether ``cov`` and ``bse`` are the robust (sandwich) ones."""
        return self.naive_cov is not None

    def __repr__(self) -> str:
        return (f"CoxCountsFit({self.ties}, n={self.n}, events={self.n_events}, "
                f"cells={self.n_cells}, llf={self.llf:.4f})\n{self.summary().round(4)}")


def _as_cells(X: Any, stop: Any, events: Any, counts: Any, start: Any,
              names: Sequence[str] | None) -> tuple[np.ndarray, ...]:
    """Check and convert the cell arrays; every check names the offending input."""
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns] if names is None else list(names)
    x = np.asarray(X, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    n_cells, p = x.shape
    if p == 0:
        raise DataError("no covariates: X has no columns", column="X")
    names = [f"x{j}" for j in range(p)] if names is None else list(names)
    if len(names) != p:
        raise DataError(f"{len(names)} names for {p} covariates", column="names")
    out = {"stop": stop, "events": events,
           "counts": np.ones(n_cells) if counts is None else counts,
           "start": np.full(n_cells, -np.inf) if start is None else start}
    arrays = {}
    for what, v in out.items():
        a = np.asarray(v, dtype=float).ravel()
        if a.shape != (n_cells,):
            raise DataError(f"{what} has {a.size} values for {n_cells} cells", column=what)
        arrays[what] = a
    for what, a in {"X": x, **arrays}.items():
        bad = np.isnan(a) if what == "start" else ~np.isfinite(a)
        if bad.any():
            raise DataError("missing or infinite values", column=what,
                            n_rows=int(bad.any(axis=-1).sum() if a.ndim > 1 else bad.sum()))
    t0, t1, d, n = arrays["start"], arrays["stop"], arrays["events"], arrays["counts"]
    if np.any(t0 >= t1):
        raise DataError("need start < stop", column="stop", n_rows=int(np.sum(t0 >= t1)),
                        examples=list(t1[t0 >= t1][:5]))
    if np.any(n < 0) or np.any(d < 0) or np.any(d > n):
        bad = (n < 0) | (d < 0) | (d > n)
        raise DataError("need 0 <= events <= counts", column="events",
                        n_rows=int(bad.sum()), examples=list(d[bad][:5]))
    return x, t0, t1, d, n, names


def _count_le(times: np.ndarray, v: np.ndarray) -> np.ndarray:
    """How many of the sorted ``times`` are ``<= v``, per value (``searchsorted(side="right")``);
    many values against many times are sorted first (a binary search over sorted values
    stays in cache)."""
    if len(v) < 4096 or len(times) < 64:
        return np.searchsorted(times, v, side="right")
    order = np.argsort(v)
    out = np.empty(len(v), np.int64)
    out[order] = np.searchsorted(times, v[order], side="right")
    return out


def _time_blocks(t0: np.ndarray, t1: np.ndarray, has: np.ndarray, strata: np.ndarray | None
                 ) -> tuple[np.ndarray, ...]:
    """Event times (stratum by stratum), each cell's ``k0, k1`` in them, each time's stratum."""
    if strata is None:
        times = np.unique(t1[has])
        return (_count_le(times, t0), _count_le(times, t1), times,
                np.zeros(len(times), np.int64))
    k0, k1 = np.empty(len(t1), np.int64), np.empty(len(t1), np.int64)
    blocks, tstrat, offset = [], [], 0
    for code in np.unique(strata):
        idx = np.flatnonzero(strata == code)
        tg = np.unique(t1[idx][has[idx]])
        k0[idx] = offset + _count_le(tg, t0[idx])
        k1[idx] = offset + _count_le(tg, t1[idx])
        blocks.append(tg)
        tstrat.append(np.full(len(tg), code))
        offset += len(tg)
    times = np.concatenate(blocks) if blocks else np.zeros(0)
    return k0, k1, times, np.concatenate(tstrat) if tstrat else np.zeros(0, np.int64)


@dataclass(frozen=True)
class _Cells:
    """What the partial likelihood needs of the cells that does not depend on ``beta``.

    Computed once per fit, not per Newton step: the event times, each cell's range of event
    times at risk, and the products of covariates. A cell is at risk at the event time
    ``times[j]`` when ``start < times[j] <= stop``, i.e. ``k0 <= j < k1`` with ``k0, k1`` the
    numbers of event times ``<= start`` and ``<= stop``; so a risk-set sum is a cumulative sum
    over ``T + 1`` bins of weights added at ``k0`` and taken away at ``k1`` (a few bincounts
    per step: the cost grows with the cells, and then with the event times, not cells x
    event times).
    """

    x: np.ndarray
    d: np.ndarray
    n: np.ndarray
    k0: np.ndarray | None  # None: every cell at risk from the start (no entry times)
    k1: np.ndarray
    at: np.ndarray  # event time index of each death cell
    has: np.ndarray  # cells with deaths
    pairs: tuple[np.ndarray, np.ndarray]
    m: np.ndarray  # deaths per event time
    dx: np.ndarray  # sum of d * x
    times: np.ndarray  # the event times (stratum by stratum)
    tstrat: np.ndarray  # stratum code of each event time
    t0: np.ndarray  # the cells' entry and exit times (for the PH test's clock)
    t1: np.ndarray
    strata: np.ndarray  # stratum code of each cell (all 0 without strata)
    efron: EfronIndex  # the tied events, laid out once
    pats: Patterns | None = None  # rows at risk per (event time, pattern) when few patterns

    @classmethod
    def of(cls, x: np.ndarray, t0: np.ndarray, t1: np.ndarray, d: np.ndarray, n: np.ndarray,
           strata: np.ndarray | None = None, hint: dict[str, Any] | None = None) -> _Cells:
        """The cells' event-time indices; with strata the event times of each stratum form a
        block of their own (risk sets never cross strata: a cell's range stays in its block).

        ``hint`` (no strata): what the row pass already knows, ``k0, k1, times`` and the
        covariate patterns ``q, pat``, so nothing is searched or factorized again.
        """
        has = d > 0
        g = np.zeros(len(d), np.int64) if strata is None else strata
        if hint is not None and strata is None:
            k0, k1, times = hint["k0"], hint["k1"], hint["times"]
            tstrat = np.zeros(len(times), np.int64)
        else:
            k0, k1, times, tstrat = _time_blocks(t0, t1, has, strata)
        pairs = np.triu_indices(x.shape[1])
        at = k1[has] - 1  # a death cell's stop is an event time
        m = np.bincount(at, d[has], minlength=len(times))
        T, k0n = len(times), (k0 if k0.any() else None)
        if hint is not None and strata is None:
            found = None if hint["q"] is None else (hint["pat"], hint["q"])
        else:
            found = find_patterns(x, max_patterns(len(d), T))
        pats = (None if found is None else
                Patterns.of(found[0], found[1], k0n, k1, n, d, has, T, pairs))
        return cls(x=x, d=d, n=n, k0=k0n, k1=k1, at=at, has=has, pairs=pairs, m=m,
                   dx=(d[:, None] * x).sum(axis=0), times=times, tstrat=tstrat, t0=t0, t1=t1,
                   strata=g, efron=EfronIndex.of(m), pats=pats)

    @cached_property
    def xs(self) -> np.ndarray:
        """Covariates, then x_a * x_b for the pairs a <= b, one contiguous row each: bincount
        reads a row without striding."""
        x, (a, b) = self.x, self.pairs
        return np.ascontiguousarray(np.concatenate([x, x[:, a] * x[:, b]], axis=1).T)

    @cached_property
    def xs_dead(self) -> np.ndarray:
        """:attr:`xs` of the death cells."""
        return np.ascontiguousarray(self.xs[:, self.has])

    @property
    def n_times(self) -> int:
        return len(self.m)

    def risk(self, w: np.ndarray) -> np.ndarray:
        """Sum of each row of ``w`` over the risk set of every event time, (T, rows)."""
        T = self.n_times
        out = np.empty((T + 1, len(w)))
        for k, row in enumerate(w):
            v = -np.bincount(self.k1, row, minlength=T + 1)
            if self.k0 is None:
                v[0] += row.sum()
            else:
                v += np.bincount(self.k0, row, minlength=T + 1)
            out[:, k] = v
        return np.cumsum(out, axis=0)[:T]

    def deaths(self, w: np.ndarray) -> np.ndarray:
        """Sum of each row of ``w`` (one value per death cell) per event time, (T, rows)."""
        return np.stack([np.bincount(self.at, row, minlength=self.n_times) for row in w],
                        axis=1)

    def square(self, v: np.ndarray) -> np.ndarray:
        """(T, pairs) -> the symmetric (T, p, p) matrices."""
        p = self.x.shape[1]
        out = np.empty((len(v), p, p))
        out[:, self.pairs[0], self.pairs[1]] = v
        out[:, self.pairs[1], self.pairs[0]] = v
        return out


@dataclass(frozen=True)
class _Moments:
    """Per event time at one ``beta``: risk-set sums ``S0, S1, S2``, death-set sums ``E0, E1,
    E2`` (weighted by the risk score) and the Efron (or Breslow) sums of
    :func:`~loyaltystats.stats._cox_efron.efron_sums`."""

    S0: np.ndarray
    S1: np.ndarray
    S2: np.ndarray
    E0: np.ndarray
    E1: np.ndarray
    E2: np.ndarray
    logphi: np.ndarray
    c01: np.ndarray
    c11: np.ndarray
    c02: np.ndarray
    c12: np.ndarray
    c22: np.ndarray


def _moments(beta: np.ndarray, c: _Cells, ties: str) -> _Moments:
    """The sums over risk and death sets at every event time (see :class:`_Moments`)."""
    p = c.x.shape[1]
    if c.pats is not None:
        _, risk, dead = c.pats.sums(beta, second=True)
        risk, dead = risk.T, dead.T
    else:
        eta = c.x @ beta
        r = c.n * np.exp(eta)
        risk = c.risk(np.vstack([r, r * c.xs]))
        dr = (c.d * np.exp(eta))[c.has]
        dead = c.deaths(np.vstack([dr, dr * c.xs_dead]))
    return _Moments(risk[:, 0], risk[:, 1:p + 1], risk[:, p + 1:], dead[:, 0],
                    dead[:, 1:p + 1], dead[:, p + 1:],
                    *efron_sums(c.efron, risk[:, 0], dead[:, 0], ties))


def _partial_likelihood(beta: np.ndarray, c: _Cells, ties: str
                        ) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score and observed information at ``beta``."""
    if c.pats is not None:
        return pattern_likelihood(beta, c.pats, c.efron, ties)
    mo = _moments(beta, c, ties)
    S1, S2, E1, E2 = mo.S1, mo.S2, mo.E1, mo.E2
    c01, c11, c02, c12, c22 = mo.c01, mo.c11, mo.c02, mo.c12, mo.c22
    llf = float((c.d * (c.x @ beta)).sum() - mo.logphi.sum())
    score = c.dx - (c01 @ S1 - c11 @ E1)
    # the information is a sum over event times: sum the second moments (kept as the pairs
    # a <= b) and the outer products as matrix products over the times, then square once
    outer = (S1.T @ (S1 * c02[:, None]) - S1.T @ (E1 * c12[:, None])
             - E1.T @ (S1 * c12[:, None]) + E1.T @ (E1 * c22[:, None]))
    info = c.square((c01 @ S2 - c11 @ E2)[None])[0] - outer
    return llf, score, info


@dataclass(frozen=True)
class _Newton:
    """How Newton-Raphson ended: converged or not, its last step and the null likelihood."""

    ok: bool
    step: float
    llf_null: float

    def __bool__(self) -> bool:
        return self.ok


def _newton(x: np.ndarray, t0: np.ndarray, t1: np.ndarray, d: np.ndarray, n: np.ndarray,
            ties: str, max_iter: int, tol: float, names: Sequence[str],
            cells: _Cells | None = None
            ) -> tuple[np.ndarray, float, np.ndarray, int, _Newton]:
    """Newton-Raphson from zero with step halving; the estimate even when it did not converge.

    Kept apart from :func:`fit_cox_counts` so that a caller that must go on after a coefficient
    runs off (a level without events; lifelines warns and returns a large coefficient there)
    can still use the last iterate.
    """
    cells = _Cells.of(x, t0, t1, d, n) if cells is None else cells
    beta = np.zeros(x.shape[1])
    llf, score, info = _partial_likelihood(beta, cells, ties)
    llf_null = llf  # the partial likelihood at beta = 0 is the null model's
    step = np.zeros_like(beta)
    for n_iter in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError as exc:
            if n_iter > 1:  # the information vanished on the way: a coefficient runs off
                return beta, llf, info, n_iter, _Newton(
                    False, float(np.max(np.abs(step), initial=0.0)), llf_null)
            raise ModelError("singular information matrix: a covariate does not vary within "
                             f"the risk sets ({list(names)})") from exc
        for _ in range(30):  # halve the step until the likelihood does not fall
            new = _partial_likelihood(beta + step, cells, ties)
            if np.isfinite(new[0]) and new[0] >= llf - 1e-12 * abs(llf):
                break
            step = step / 2
        beta = beta + step
        llf, score, info = new
        if np.max(np.abs(step)) < tol:
            return beta, llf, info, n_iter, _Newton(True, float(np.max(np.abs(step))), llf_null)
    return beta, llf, info, max_iter, _Newton(False, float(np.max(np.abs(step), initial=0.0)),
                                              llf_null)


def _labels(v: Any, n_cells: int, what: str) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Codes 0, 1, ... and their labels for a per-cell array of strata or cluster labels."""
    a = pd.Series(np.asarray(v, dtype=object).ravel() if not isinstance(v, pd.Series)
                  else v.to_numpy())
    if len(a) != n_cells:
        raise DataError(f"{what} has {len(a)} values for {n_cells} cells", column=what)
    na = a.isna().to_numpy()
    if na.any():
        raise DataError("missing values", column=what, n_rows=int(na.sum()),
                        examples=["NaN"])
    codes, uniques = pd.factorize(a, sort=True)
    return codes.astype(np.int64), tuple(uniques.tolist())


def _label_array(labels: Sequence[Any]) -> np.ndarray:
    """A 1-d object array of labels, even when the labels are tuples."""
    out = np.empty(len(labels), dtype=object)
    for i, lab in enumerate(labels):
        out[i] = lab
    return out


def _check_ties(ties: Any) -> str:
    """``ties`` if supported, else a ParameterError naming the supported methods."""
    if ties not in ("efron", "breslow"):
        raise ParameterError(f"ties must be 'efron' or 'breslow' (the supported methods; "
                             f"'exact' is not implemented), got {ties!r}")
    return str(ties)


@one_blas_thread
def fit_cox_counts(
    X: Any,
    stop: Any,
    events: Any,
    counts: Any = None,
    *,
    start: Any = None,
    names: Sequence[str] | None = None,
    ties: Literal["efron", "breslow"] = "efron",
    strata: Any = None,
    robust: bool = False,
    cluster: Any = None,
    level: float = 0.95,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> CoxCountsFit:
    """Fit a Cox proportional-hazards model to counts per (entry, exit, covariate cell).

    Parameters
    ----------
    X : array_like or pandas.DataFrame, shape (n_cells, p)
        The covariate pattern of each cell (numeric; dummy-code categories yourself). A
        DataFrame's column names name the coefficients.
    stop : array_like
        Exit time of the cell's rows.
    events : array_like
        How many of the cell's rows end with the event at ``stop``.
    counts : array_like, optional
        How many rows the cell holds (default 1: one cell per row).
    start : array_like, optional
        Entry time (at risk for event times ``start < t <= stop``; counting-process data for
        time-varying covariates). Default: at risk from the beginning.
    names : list of str, optional
        Coefficient names (default the DataFrame's columns or ``x0, x1, ...``).
    ties : {"efron", "breslow"}
        Method for tied event times (Efron is the default of R's ``coxph`` and lifelines).
        ``"exact"`` is not implemented (a :class:`~loyaltystats.errors.ParameterError`).
    strata : array_like, optional
        The stratum of each cell (any labels): every stratum has its own baseline hazard
        and its own risk sets, the partial likelihoods are summed (R's ``strata()``).
    robust : bool
        Report the robust (sandwich, Lin and Wei 1989) variance: ``V B V`` with ``V`` the
        inverse information and ``B`` the sum over rows of the outer products of the score
        residuals (R's ``coxph(..., robust=TRUE)``). Every row of a cell has the same
        score residual (one for the rows with the event, one for the others), so ``B``
        comes from the cells.
    cluster : array_like, optional
        The cluster (e.g. customer id) of each cell; implies ``robust``: the score residuals
        are summed per cluster before the outer products (R's ``cluster(id)``). A cell holds
        rows of one cluster only: count the rows per (cell, cluster).
    level : float
        Confidence level of :meth:`CoxCountsFit.summary`.
    max_iter, tol : int, float
        Newton-Raphson limits: stop when the largest step is below ``tol``.

    Returns
    -------
    CoxCountsFit

    Raises
    ------
    DataError
        Arrays of different lengths, missing values, ``start >= stop``, events outside
        ``[0, counts]``, missing strata or cluster labels.
    ParameterError
        An unsupported ``ties`` method.
    ModelError
        No events, a singular information matrix (a covariate constant over the risk sets)
        or no convergence (a coefficient running off: perfect separation).

    Notes
    -----
    Newton-Raphson from ``beta = 0`` with step halving when the partial likelihood does not
    increase. The score and information are exact (no approximation beyond Efron's), so the
    estimates equal row-level fits to the optimiser's tolerance. The baseline hazard, the
    predicted survival and the proportional-hazards test of the fit come from the same
    cells: :func:`~loyaltystats.stats.cox_baseline`,
    :func:`~loyaltystats.stats.cox_survival`, :func:`~loyaltystats.stats.cox_zph`.

    Examples
    --------
    >>> import numpy as np
    >>> # two groups, 3 cells each: (x, time, rows, events); statsmodels' PHReg on the 40
    >>> # expanded rows gives 0.6463
    >>> x = np.array([0, 0, 0, 1, 1, 1])
    >>> t = np.array([1, 2, 3, 1, 2, 3])
    >>> fit = fit_cox_counts(x, t, events=[5, 5, 5, 10, 6, 2], counts=[5, 5, 10, 10, 6, 4],
    ...                      names=["x"])
    >>> round(float(fit.params["x"]), 3), fit.n, fit.n_events
    (0.646, 40, 33)
    >>> rob = fit_cox_counts(x, t, events=[5, 5, 5, 10, 6, 2], counts=[5, 5, 10, 10, 6, 4],
    ...                      names=["x"], robust=True)
    >>> bool(rob.robust), bool(rob.bse["x"] != fit.bse["x"])
    (True, True)
    """
    ties = _check_ties(ties)  # type: ignore[assignment]
    x, t0, t1, d, n, names = _as_cells(X, stop, events, counts, start, names)
    if ties == "efron" and np.any(d != np.round(d)):
        raise DataError("Efron's ties need whole event counts (use ties='breslow' for "
                        "weighted counts)", column="events")
    g, g_labels = (None, (None,)) if strata is None else _labels(strata, len(n), "strata")
    cl, _ = (None, ()) if cluster is None else _labels(cluster, len(n), "cluster")
    keep = n > 0
    if not keep.all():
        x, t0, t1, d, n = x[keep], t0[keep], t1[keep], d[keep], n[keep]
        g = None if g is None else g[keep]
        cl = None if cl is None else cl[keep]
    return _fit_cells(x, t0, t1, d, n, names=names, ties=ties, g=g, g_labels=g_labels, cl=cl,
                      robust=robust, level=level, max_iter=max_iter, tol=tol)


def _fit_cells(x: np.ndarray, t0: np.ndarray, t1: np.ndarray, d: np.ndarray, n: np.ndarray, *,
               names: Sequence[str], ties: str, g: np.ndarray | None = None,
               g_labels: tuple[Any, ...] = (None,), cl: np.ndarray | None = None,
               robust: bool = False, level: float = 0.95, max_iter: int = 50,
               tol: float = 1e-10, hint: dict[str, Any] | None = None) -> CoxCountsFit:
    """:func:`fit_cox_counts` on checked cells (every count positive); ``hint``: see
    :meth:`_Cells.of`."""
    if d.sum() == 0:
        raise ModelError("no events: the Cox model cannot be fitted")
    cells = _Cells.of(x, t0, t1, d, n, g, hint=hint)
    beta, llf, info, n_iter, converged = _newton(x, t0, t1, d, n, ties, max_iter, tol, names,
                                                 cells)
    if not converged:
        raise ModelError(f"the Cox fit did not converge in {max_iter} iterations (largest step "
                         f"{converged.step:.2g}; perfect separation?)")
    if np.max(np.abs(beta)) > 30:
        raise ModelError(f"a coefficient runs off ({dict(zip(names, beta.round(1)))}): "
                         "perfect separation, the model has no finite estimate")
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError as exc:
        raise ModelError("singular information matrix at the estimate") from exc
    naive = None
    if robust or cl is not None:
        from .cox_variance import sandwich

        naive = pd.DataFrame(cov, index=names, columns=names)
        cov = sandwich(beta, cells, ties, cov, cl)
    params = pd.Series(beta, index=names)
    return CoxCountsFit(params=params, bse=pd.Series(np.sqrt(np.diag(cov)), index=names),
                        cov=pd.DataFrame(cov, index=names, columns=names), llf=llf,
                        n=int(round(n.sum())), n_events=int(round(d.sum())),
                        n_cells=len(n), n_iter=n_iter, ties=ties, level=level,
                        info={"llf_null": converged.llf_null}, naive_cov=naive,
                        n_strata=len(g_labels),
                        n_clusters=0 if naive is None else
                        (int(n.sum()) if cl is None else len(np.unique(cl))),
                        strata_labels=g_labels, _cells=cells)
