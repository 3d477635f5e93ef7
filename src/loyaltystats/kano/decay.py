"""K2: the delighter life cycle. Penalty and reward of one attribute over time, a half-life.

"A delighter today is a performance attribute tomorrow and a basic six months later; what
is special today is normal in a year." The penalty and reward of the attribute are
estimated per time window (a penalty-reward regression inside each window); exponential
curves with one shared half-life are fitted to the window estimates; the category
trajectory delighter -> performance -> basic follows from the curves, with the time of each
crossing.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from loyaltystats.kano import decay
>>> rng = np.random.default_rng(0)
>>> n = 6000
>>> t = rng.uniform(0, 24, n)
>>> x = rng.integers(1, 6, n)
>>> fade = 2.0 ** (-t / 6)
>>> y = 7 + 1.5 * fade * (x >= 4) - (1 - fade) * (x <= 2) + rng.normal(0, 0.7, n)
>>> df = pd.DataFrame({"t": t, "x": x, "y": np.clip(y, 1, 10)})  # a grade 1-10
>>> r = decay(df, "y", "x", "t", window=2, n_boot=100, seed=1)
>>> 3 < r.half_life < 9
True
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._boundary import Missing, reads
from .._deprecate import renamed_keywords
from .._validate import FrameLike
from ..errors import DataError, ModelError, ParameterError
from ..results import ClaimResult, Result, estimates_frame, judge_interval
from ..scales import GRADE_1_10, LIKERT_1_5, Scale
from ..tables import factorize_column
from ._common import (
    MONTH_DAYS,
    as_frame,
    as_time,
    asymmetry,
    band_codes,
    check_level,
    check_seed,
    classify,
    numeric_column,
    ols_from_gram,
    quantile_ci,
    require_frame,
    resolve_cuts,
    varying,
    warn_not_estimable,
)

__all__ = ["Decay", "decay", "SIX_MONTHS", "SIX_MONTHS_RATE", "A_YEAR"]

SIX_MONTHS = (3.0, 9.0)
"""Region (months) for the articles' "six months", compared with the half-life; see Notes of
:func:`decay`."""

SIX_MONTHS_RATE = (math.log(2.0) / SIX_MONTHS[1], math.log(2.0) / SIX_MONTHS[0])
""":data:`SIX_MONTHS` as a decay rate per month, ``ln 2 / half_life``: the region the "six
months" verdict is judged on (finite also when no decay is seen)."""

A_YEAR = (9.0, 18.0)
"""Region (months) for "normal in a year", compared with the time the attribute becomes a
basic; see Notes of :func:`decay`."""

_N_GRID = 400
_N_CURVE = 400


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class Decay(Result):
    """Penalty and reward of one attribute over time with a fitted half-life (K2).

    ``estimates`` rows: ``half_life`` (profile-likelihood interval; ``inf`` when no finite
    half-life is identified), ``reward_0``, ``reward_inf``, ``penalty_0``, ``penalty_inf``
    (the curves at the origin and in the limit), ``t_delighter_to_performance`` and
    ``t_performance_to_basic`` (first times the impact-asymmetry index falls to ``ia_cut``
    and below ``-ia_cut``; ``inf`` if never within the horizon), with parametric-bootstrap
    percentile intervals.

    Tables
    ------
    ``windows``
        One row per time window: ``window, t_start, t_end, t_mean, n, n_low, n_neutral,
        n_high, penalty, penalty_se, reward, reward_se, cov_penalty_reward, asymmetry,
        category, estimable, reason``. Times are relative to the origin.
    ``curve``
        The fitted curves on a grid of times: ``t, reward, reward_low, reward_high,
        penalty, penalty_low, penalty_high, asymmetry, category``.
    ``profile``
        ``half_life, chi2`` of the profile fit (for plotting / checking the interval).
    """

    @property
    def windows(self) -> pd.DataFrame:
        """Per-window penalty and reward (``tables["windows"]``)."""
        return self.tables["windows"]

    @property
    def half_life(self) -> float:
        """Point estimate of the half-life (``inf`` when none is identified)."""
        e = self.estimates.set_index("term")
        return float(e.loc["half_life", "estimate"])

    @property
    def claims(self) -> dict[str, ClaimResult]:
        """The articles' "six months" and "a year" (K2) as claim results (``claim`` is the
        first, the one the claims report judges).

        ``"six months"``: the half-life of the delight lies in :data:`SIX_MONTHS`, judged on
        the decay rate ``ln 2 / half_life`` in :data:`SIX_MONTHS_RATE` (the same verdict,
        but finite when no decay is seen: an infinite half-life is rate 0); its estimates
        hold the ``decay_rate`` row, then the ``half_life`` row for reading.
        ``"a year"``: the attribute becomes a basic (impact-asymmetry below ``-ia_cut``)
        within :data:`A_YEAR`. Verdicts by :func:`~loyaltystats.results.judge_interval`.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(2)
        >>> t = rng.uniform(0, 24, 4000); x = rng.integers(1, 6, 4000)
        >>> df = pd.DataFrame({"t": t, "x": x, "y": np.clip(7 + 1.0 * (x >= 4)
        ...                    + rng.normal(0, 0.7, 4000), 1, 10)})
        >>> r = decay(df, "y", "x", "t", window=3, n_boot=100, seed=1)
        >>> r.claims["six months"].verdict != "supported"
        True
        """
        e = self.estimates.set_index("term")
        out = {}
        spec = (
            ("six months", "decay_rate", SIX_MONTHS_RATE, SIX_MONTHS, ("half_life",),
             "A delighter today is a basic six months later (the delight halves in about "
             "six months)"),
            ("a year", "t_performance_to_basic", A_YEAR, A_YEAR, (),
             "What is special today is normal (a basic) in a year"),
        )
        for key, term, region, months, extra, statement in spec:
            row = e.loc[term]
            lo, hi = float(row["ci_low"]), float(row["ci_high"])
            verdict = judge_interval(lo, hi, *region)
            shown = f"[{lo:.3g}, {hi:.3g}]"
            if term == "decay_rate":
                h = e.loc["half_life"]
                shown += (f" per month (half-life [{float(h['ci_low']):.3g}, "
                          f"{float(h['ci_high']):.3g}] months)")
            target = (f"[{region[0]:.3g}, {region[1]:.3g}] ({list(months)} months)"
                      if term == "decay_rate" else str(list(region)))
            if verdict == "supported":
                reason = f"the {_level_pct(self.level)} interval {shown} lies inside {target}"
            elif verdict == "contradicted":
                reason = f"the interval {shown} lies outside {target}"
            else:
                reason = f"the interval {shown} overlaps {target} without lying inside it"
            est = estimates_frame([{**e.loc[t].to_dict(), "term": t} for t in (term, *extra)])
            out[key] = ClaimResult(
                estimates=est, title=f"K2: {key}", level=self.level, claim_id="K2",
                statement=statement,
                claimed={"region_months": list(months), "region": [float(r) for r in region],
                         "quantity": term},
                verdict=verdict, reason=reason,
                info={"attribute": self.info.get("attribute"), "unit": self.info.get("unit")},
            )
        return out

    @property
    def claim(self) -> ClaimResult:
        """K2's claim as the claims report judges it: the "six months" half-life."""
        return self.claims["six months"]

    def plot(self, ax: Any = None) -> Any:
        """Window estimates, fitted curves with their band and the crossing times."""
        from .plots import decay_curve

        return decay_curve(self, ax=ax)


def _level_pct(level: float) -> str:
    return f"{100 * level:g}%"


# ----------------------------------------------------------------------------- windows
def _window_fits(w: np.ndarray, band: np.ndarray, yc: np.ndarray, adj: list[np.ndarray],
                 adj_sizes: list[int], n_windows: int, min_n: int, min_band: int
                 ) -> list[dict[str, Any]]:
    """Penalty / reward per window from cell sufficient statistics (n, sum y, sum y^2)."""
    a_total = int(np.prod(adj_sizes)) if adj_sizes else 1
    total = n_windows * 3 * a_total
    if total > 20_000_000:
        raise DataError(f"windows x bands x adjust levels give {total:,} cells; use wider "
                        "windows or fewer adjust columns", table="data")
    code = w.astype(np.int64) * 3 + band
    acode = np.zeros(len(w), dtype=np.int64)
    for c, s in zip(adj, adj_sizes):
        acode *= s
        acode += c
    code = code * a_total + acode
    cnt = np.bincount(code, minlength=total).reshape(n_windows, 3, a_total)
    sy = np.bincount(code, weights=yc, minlength=total).reshape(n_windows, 3, a_total)
    syy = np.bincount(code, weights=yc * yc, minlength=total).reshape(n_windows, 3, a_total)
    # level of each adjust column per adjust cell
    levels = []
    rem = np.arange(a_total)
    for s in reversed(adj_sizes):
        levels.append(rem % s)
        rem = rem // s
    levels.reverse()
    out = []
    for j in range(n_windows):
        nb = cnt[j].sum(axis=1)
        res: dict[str, Any] = {"n": int(nb.sum()), "n_low": int(nb[0]), "n_neutral": int(nb[1]),
                               "n_high": int(nb[2]), "estimable": False, "reason": ""}
        out.append(res)
        if res["n"] < min_n:
            res["reason"] = f"{res['n']} responses < min_n={min_n}"
            continue
        if nb.min() < min_band:
            res["reason"] = (f"low/neutral/high counts {nb.tolist()}: fewer than "
                             f"min_band={min_band} in a band")
            continue
        bi, ai = np.nonzero(cnt[j])
        n_c = cnt[j][bi, ai].astype(float)
        cols = [np.ones(len(bi)), (bi == 0).astype(float), (bi == 2).astype(float)]
        for lv in levels:
            present = np.unique(lv[ai])
            for level in present[1:]:  # first present level is the reference
                cols.append((lv[ai] == level).astype(float))
        x = np.column_stack(cols)
        xtx = (x * n_c[:, None]).T @ x
        xty = x.T @ sy[j][bi, ai]
        try:
            fit = ols_from_gram(xtx, xty, float(syy[j].sum()), float(n_c.sum()),
                                f"window {j}")
        except ModelError as exc:
            res["reason"] = str(exc)
            continue
        beta, cov = fit["beta"], fit["cov"]
        res.update({"penalty": beta[1], "penalty_se": math.sqrt(cov[1, 1]), "reward": beta[2],
                    "reward_se": math.sqrt(cov[2, 2]), "cov_penalty_reward": cov[1, 2],
                    "estimable": True})
    return out


# ----------------------------------------------------------------------------- curve fit
class _Profile:
    """Joint weighted least squares of reward(t) and penalty(t) with a shared half-life.

    ``reward(t) = r_inf + a_r x(t)``, ``penalty(t) = p_inf + a_p x(t)``,
    ``x(t) = 2 ** (-(t - t_ref) / h)``; for fixed ``h`` the model is linear, so the
    chi-square is profiled over a grid of ``h`` (generalized least squares with the 2x2
    covariance of each window's penalty and reward).
    """

    def __init__(self, t: np.ndarray, reward: np.ndarray, penalty: np.ndarray,
                 cov: np.ndarray, h_grid: np.ndarray) -> None:
        self.t = t
        self.t_ref = float(t.min())
        m = len(t)
        self.y = np.empty(2 * m)
        self.y[0::2] = reward
        self.y[1::2] = penalty
        # whitening: L_w^-1 with L_w the Cholesky factor of each window's covariance
        self.winv = np.zeros((2 * m, 2 * m))
        for i in range(m):
            ell = np.linalg.cholesky(cov[i])
            self.winv[2 * i:2 * i + 2, 2 * i:2 * i + 2] = np.linalg.inv(ell)
        self.yw = self.winv @ self.y
        self.h_grid = h_grid
        q, r = zip(*(np.linalg.qr(self._xw(h)) for h in h_grid))
        self.q = np.stack(q)  # (J, 2m, 4)
        self.r_inv = np.linalg.inv(np.stack(r))  # (J, 4, 4)

    def _x(self, h: float) -> np.ndarray:
        m = len(self.t)
        xt = np.exp2(-(self.t - self.t_ref) / h)
        x = np.zeros((2 * m, 4))
        x[0::2, 0] = 1.0
        x[0::2, 1] = xt
        x[1::2, 2] = 1.0
        x[1::2, 3] = xt
        return x

    def _xw(self, h: float) -> np.ndarray:
        return self.winv @ self._x(h)

    def chi2(self, h: float, yw: np.ndarray | None = None) -> float:
        yw = self.yw if yw is None else yw
        beta, *_ = np.linalg.lstsq(self._xw(h), yw, rcond=None)
        r = yw - self._xw(h) @ beta
        return float(r @ r)

    def beta(self, h: float, yw: np.ndarray | None = None) -> np.ndarray:
        yw = self.yw if yw is None else yw
        beta, *_ = np.linalg.lstsq(self._xw(h), yw, rcond=None)
        return beta

    def grid_chi2(self, yw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """chi2 over the grid for many whitened responses ``yw`` (B, 2m): (B, J), proj."""
        proj = np.einsum("bn,jnk->bjk", yw, self.q)
        return (yw**2).sum(axis=1)[:, None] - (proj**2).sum(axis=2), proj


def _curves(beta: np.ndarray, h: float, t_ref: float, t: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """reward(t), penalty(t) for parameter rows ``beta`` (..., 4) and half-lives ``h`` (...)."""
    b = np.asarray(beta, dtype=float)
    hh = np.asarray(h, dtype=float)[..., None]
    xt = np.exp2(-(t - t_ref) / hh)
    return b[..., 0:1] + b[..., 1:2] * xt, b[..., 2:3] + b[..., 3:4] * xt


def _rate(half_life: float) -> float:
    """Decay rate per time unit, ``ln 2 / half_life`` (0 for an infinite half-life)."""
    return 0.0 if math.isinf(half_life) else math.log(2.0) / half_life


def _first_passage(t: np.ndarray, ia: np.ndarray, level: float, below: str) -> np.ndarray:
    """First time ``ia`` falls to / below ``level`` (linear interpolation); inf if never."""
    hit = ia <= level if below == "le" else ia < level
    first = np.argmax(hit, axis=-1)
    any_hit = hit.any(axis=-1)
    out = np.full(ia.shape[:-1], np.inf)
    idx = np.nonzero(any_hit)
    f = first[idx]
    t_hit = t[f]
    prev = np.maximum(f - 1, 0)
    ia_prev = ia[idx + (prev,)]
    ia_hit = ia[idx + (f,)]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where((f > 0) & (ia_prev != ia_hit), (ia_prev - level) / (ia_prev - ia_hit),
                        1.0)
    out[idx] = np.where(f > 0, t[prev] + np.clip(frac, 0, 1) * (t_hit - t[prev]), t[0])
    return out


@renamed_keywords(overall="score")
@reads(data=("score", "attribute", "time", "adjust"))
def decay(
    data: FrameLike,
    score: Hashable,
    attribute: Hashable,
    time: Hashable,
    *,
    window: float = 1.0,
    origin: Any = None,
    adjust: Sequence[Hashable] | None = None,
    low: float | None = None,
    high: float | None = None,
    scale: Scale = LIKERT_1_5,
    overall_scale: Scale | None = GRADE_1_10,
    min_n: int = 30,
    min_band: int = 5,
    ia_cut: float = 0.2,
    min_impact: float | None = None,
    horizon: float | None = None,
    level: float = 0.95,
    n_boot: int = 500,
    seed: int | np.random.Generator = 0,
    unit_days: float = MONTH_DAYS,
    missing: Missing = "raise",
) -> Decay:
    """Penalty and reward of one attribute per time window, with a half-life (K2).

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per response. From Polars, DuckDB, Parquet paths and Dask only the
        ``score``, ``attribute``, ``time`` (and ``adjust``) columns are collected into
        pandas.
    score : column name
        Overall score.
    attribute : column name
        The attribute's rating on ``scale`` (coded low / neutral / high as in :func:`prca`).
    time : column name
        When the response was given: numbers (any unit; the claims assume months),
        datetimes (converted to months of ``unit_days`` days) or an ordered categorical
        (one unit per category). Strings and unordered categoricals raise.
    window : float
        Width of a time window in the units of ``time`` (months for datetimes).
    origin : number or Timestamp, optional
        Start of the first window and time 0 of the curves; default the earliest time.
    adjust : list of column names, optional
        Further columns entered as categorical dummies in every window's regression (other
        attributes, company, ...); they reduce noise and confounding.
    low, high, scale : see :func:`prca`.
    overall_scale : Scale or None, default GRADE_1_10
        Scale of the overall score (``None``: any finite number).
    min_n, min_band : int
        A window with fewer than ``min_n`` responses, or fewer than ``min_band`` in the low,
        neutral or high band, is not estimable: it is reported with ``estimable = False``
        and a reason, left out of the fit, and a :class:`NotEstimableWarning` is issued.
    ia_cut, min_impact : see :func:`prca` (categories of each window and of the curves).
    horizon : float, optional
        Crossing times are searched up to this time after the origin (``inf`` when there is
        none before it); default the end of the last window, so nothing is extrapolated.
        A longer horizon extrapolates the fitted curves.
    level : float
        Confidence level.
    n_boot : int
        Parametric-bootstrap replicates for the curve band, the curve parameters and the
        crossing times.
    seed : int or numpy.random.Generator
        Seed of the random steps (default 0: the same call gives the same numbers; ``None`` is refused).
    unit_days : float
        Days per unit when ``time`` holds datetimes (default a month, 30.4375 days).
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    Decay
        ``estimates`` (half-life, curve parameters, crossing times),
        ``tables["windows"]``, ``tables["curve"]``, ``tables["profile"]``;
        :meth:`Decay.claims` gives the "six months" and "a year" verdicts.

    Raises
    ------
    DataError
        Missing columns, a time column that is not orderable, missing times, times before
        ``origin``, non-numeric overall scores, fewer than three estimable windows.
    ScaleError
        Ratings outside ``scale``.

    Warns
    -----
    NotEstimableWarning
        Some windows had too few responses (see ``min_n``, ``min_band``).

    Notes
    -----
    *Windows.* Inside window ``w`` the overall score is regressed on the attribute's low and
    high dummies (neutral the reference) and the ``adjust`` dummies, by OLS from cell sums
    ``(n, sum y, sum y^2)`` per (window, band, adjust cell): exactly the row-level fit.
    Penalty ``pen_w`` and reward ``rew_w`` come with their classical covariance matrix.

    *Curves.* ``rew(t) = r_inf + (r_0 - r_inf) 2^(-t/h)`` and
    ``pen(t) = p_inf + (p_0 - p_inf) 2^(-t/h)`` with one half-life ``h`` for both (the life
    cycle of one attribute), fitted to the window estimates at their mean times by
    generalized least squares with each window's 2x2 covariance. For fixed ``h`` the model
    is linear, so ``chi2(h)`` is profiled over a log grid of ``h`` from ``window / 2`` to
    100 times the data span; the interval is ``{h : chi2(h) <= min chi2 + phi q}`` with
    ``q`` the chi-square(1) quantile and ``phi = max(1, min chi2 / df)`` (over-dispersion
    when the curves fit worse than the window standard errors allow). If the interval
    reaches the top of the grid, its upper end is ``inf``: no finite half-life is
    identified (a constant reward fits as well); if the best fit is there, the estimate is
    ``inf`` too and the limits ``reward_inf``, ``penalty_inf`` are reported as not
    identified (NaN).

    *Trajectory.* The impact-asymmetry index of the curves, ``IA(t)``, gives the category
    (A above ``ia_cut``, M below ``-ia_cut``, O in between). The crossing times are the
    first times ``IA(t) <= ia_cut`` (delighter -> performance) and ``IA(t) < -ia_cut``
    (performance -> basic). Their intervals, those of the curve parameters and the curve
    band come from a parametric bootstrap: window estimates redrawn from the fitted curves
    plus normal noise with the window covariances (times ``phi``), refitted on the grid.

    *Claims.* "Six months" is read as the half-life of the delight: in
    :data:`SIX_MONTHS` = [3, 9] months, the months closer to six than to the neighbouring
    round figures the articles use ("now" = 0 and "a year" = 12). "Normal in a year" is read
    as the time the attribute becomes a basic: in :data:`A_YEAR` = [9, 18] months (closer
    to 12 than to 6 or to 24). Both assume ``time`` in months.

    Responses are treated as independent: repeated responses of one customer in different
    windows make the window estimates slightly correlated, which the fit ignores. When
    customers adapt to repeated delights (K3), a pooled reward falls faster than the
    attribute's life cycle; restrict to first delights or see :func:`adaptation`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> t = rng.uniform(0, 24, 6000); x = rng.integers(1, 6, 6000)
    >>> fade = 2.0 ** (-t / 6)
    >>> df = pd.DataFrame({"t": t, "x": x, "y": np.clip(7 + 1.5 * fade * (x >= 4)
    ...                    - (1 - fade) * (x <= 2) + rng.normal(0, 0.7, 6000), 1, 10)})
    >>> r = decay(df, "y", "x", "t", window=2, n_boot=100, seed=1)
    >>> r.windows["category"].iloc[[0, -1]].tolist()
    ['A', 'M']
    """
    level = check_level(level)
    for name, v, lo_ in (("min_n", min_n, 1), ("min_band", min_band, 1), ("n_boot", n_boot, 0)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo_:
            raise ParameterError(f"{name} must be an int >= {lo_}, got {v!r}")
    if not (isinstance(window, int | float) and math.isfinite(window) and window > 0):
        raise ParameterError(f"window must be a positive number, got {window!r}")
    rng = check_seed(seed, "decay (n_boot > 0)") if n_boot else None
    adj_cols = [] if adjust is None else ([adjust] if isinstance(adjust, str) else list(adjust))
    clash = [c for c in adj_cols if c in (score, attribute, time)]
    if clash:
        raise DataError(f"adjust repeats the overall, attribute or time column {clash}",
                        table="data")
    data = as_frame(data, [score, attribute, time, *adj_cols], "data")
    require_frame(data, [score, attribute, time, *adj_cols], "data")
    y = varying(numeric_column(data, score, "data", overall_scale), score, "data")
    lo_cut, hi_cut = resolve_cuts(scale, low, high)
    band = band_codes(data, attribute, scale, lo_cut, hi_cut, "data")
    t_abs = as_time(data[time], table="data", unit_days=unit_days)
    if origin is None:
        t0 = float(t_abs.min())
    else:
        o = pd.Series([origin], name=str(time))
        if isinstance(data[time].dtype, pd.CategoricalDtype):
            o = o.astype(data[time].dtype)
        if (pd.api.types.is_datetime64_any_dtype(data[time].dtype)
                != pd.api.types.is_datetime64_any_dtype(o.dtype)):
            raise DataError(f"origin {origin!r} is not on the clock of the time column "
                            f"(dtype {data[time].dtype})", table="data", column=str(time),
                            examples=[origin])
        t0 = float(as_time(o, table="origin", unit_days=unit_days)[0])
    t_rel = t_abs - t0
    before = t_rel < 0
    if before.any():
        raise DataError("times before origin", table="data", column=str(time),
                        n_rows=int(before.sum()), examples=data[time].to_numpy()[before][:5])
    w = np.floor(t_rel / window).astype(np.int64)
    n_windows = int(w.max()) + 1
    if n_windows > 100_000:
        raise DataError(f"{n_windows} windows: window={window} is too narrow for the time span",
                        table="data", column=str(time))
    adj_codes, adj_sizes = [], []
    for c in adj_cols:
        codes_c, uniq = factorize_column(data[c], table="data")
        adj_codes.append(codes_c)
        adj_sizes.append(len(uniq))
    ybar = float(y.mean())
    yc = y - ybar
    sd = float(np.std(y, ddof=1)) if len(y) > 1 else 0.0
    if min_impact is None:
        min_impact = 0.2 * sd

    fits = _window_fits(w, band, yc, adj_codes, adj_sizes, n_windows, min_n, min_band)
    wt = pd.DataFrame(fits)
    for c in ("penalty", "penalty_se", "reward", "reward_se", "cov_penalty_reward"):
        if c not in wt:
            wt[c] = np.nan
    cnt_w = np.bincount(w, minlength=n_windows)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_mean = np.bincount(w, weights=t_rel, minlength=n_windows) / cnt_w
    wt.insert(0, "window", np.arange(n_windows))
    wt.insert(1, "t_start", np.arange(n_windows) * window)
    wt.insert(2, "t_end", (np.arange(n_windows) + 1) * window)
    wt.insert(3, "t_mean", t_mean)
    wt["asymmetry"] = asymmetry(wt["penalty"], wt["reward"])
    wt["category"] = np.where(wt["estimable"],
                              classify(wt["penalty"], wt["reward"], ia_cut=ia_cut,
                                       min_impact=min_impact), "")
    wt = wt[["window", "t_start", "t_end", "t_mean", "n", "n_low", "n_neutral", "n_high",
             "penalty", "penalty_se", "reward", "reward_se", "cov_penalty_reward",
             "asymmetry", "category", "estimable", "reason"]]
    bad = wt[~wt["estimable"]]
    if len(bad):
        warn_not_estimable(
            f"{len(bad)} of {n_windows} windows not estimable and left out of the fit "
            f"(windows {bad['window'].tolist()[:10]}{'...' if len(bad) > 10 else ''}): "
            f"{bad['reason'].iloc[0]}"
        )
    ok = wt[wt["estimable"]]
    if len(ok) < 3:
        raise DataError(
            f"{len(ok)} estimable window(s); the decay curves need at least 3 (use wider "
            "windows, or lower min_n / min_band)", table="data", column=str(time),
            n_rows=len(y),
        )

    # ------------------------------------------------------------------ profile fit
    tw = ok["t_mean"].to_numpy(float)
    cov = np.empty((len(ok), 2, 2))
    cov[:, 0, 0] = ok["reward_se"].to_numpy(float) ** 2
    cov[:, 1, 1] = ok["penalty_se"].to_numpy(float) ** 2
    cov[:, 0, 1] = cov[:, 1, 0] = ok["cov_penalty_reward"].to_numpy(float)
    t_end = float(ok["t_end"].max())
    span = max(float(tw.max() - tw.min()), window)
    h_lo, h_hi = window / 2, 100 * span
    grid = np.geomspace(h_lo, h_hi, _N_GRID)
    prof = _Profile(tw, ok["reward"].to_numpy(float), ok["penalty"].to_numpy(float), cov, grid)
    chi_grid = prof.grid_chi2(prof.yw[None, :])[0][0]
    j = int(np.argmin(chi_grid))
    h_hat, chi_min = float(grid[j]), float(chi_grid[j])
    if 0 < j < _N_GRID - 1:
        opt = optimize.minimize_scalar(lambda lh: prof.chi2(math.exp(lh)),
                                       bounds=(math.log(grid[j - 1]), math.log(grid[j + 1])),
                                       method="bounded", options={"xatol": 1e-6})
        if opt.fun < chi_min:
            h_hat, chi_min = float(math.exp(opt.x)), float(opt.fun)
    dof = 2 * len(ok) - 5
    phi = max(1.0, chi_min / dof) if dof > 0 else 1.0
    q = float(stats.chi2.ppf(level, 1))
    thr = chi_min + phi * q
    inside = np.flatnonzero(chi_grid <= thr)

    def edge(a: float, b: float) -> float:
        f = lambda lh: prof.chi2(math.exp(lh)) - thr  # noqa: E731
        try:
            return float(math.exp(optimize.brentq(f, math.log(a), math.log(b), xtol=1e-8)))
        except ValueError:
            return float(b)

    if len(inside) == 0:  # the refined minimum lies between grid points
        inside = np.array([j])
    i_lo, i_hi = int(inside.min()), int(inside.max())
    h_ci_lo = h_lo if i_lo == 0 else edge(grid[i_lo - 1], grid[i_lo])
    h_ci_lo = min(h_ci_lo, h_hat)
    h_ci_hi = math.inf if i_hi == _N_GRID - 1 else edge(grid[i_hi + 1], grid[i_hi])
    h_ci_hi = max(h_ci_hi, h_hat)
    boundary = j == _N_GRID - 1
    h_report = math.inf if boundary else h_hat
    beta = prof.beta(h_hat)

    # ------------------------------------------------------------------ curves + bootstrap
    if horizon is None:
        horizon = t_end
    if not (isinstance(horizon, int | float) and horizon > 0):
        raise ParameterError(f"horizon must be positive, got {horizon!r}")
    t_curve = np.linspace(0.0, float(horizon), _N_CURVE * 4 + 1)
    rew_c, pen_c = _curves(beta, h_hat, prof.t_ref, t_curve)
    ia_c = asymmetry(pen_c, rew_c)
    t_ao = float(_first_passage(t_curve, ia_c[None, :], ia_cut, "le")[0])
    t_om = float(_first_passage(t_curve, ia_c[None, :], -ia_cut, "lt")[0])
    x0 = 2.0 ** (prof.t_ref / h_hat)
    params = np.array([beta[0] + beta[1] * x0, beta[0], beta[2] + beta[3] * x0, beta[2]])

    band_lo = np.full((2, len(t_curve)), np.nan)
    band_hi = np.full((2, len(t_curve)), np.nan)
    p_lo = np.full(4, np.nan)
    p_hi = np.full(4, np.nan)
    cross_ci = {"ao": (np.nan, np.nan), "om": (np.nan, np.nan)}
    if rng is not None:
        fitted_w = prof._xw(h_hat) @ beta
        yb = fitted_w[None, :] + math.sqrt(phi) * rng.standard_normal((n_boot, len(fitted_w)))
        chi_b, proj = prof.grid_chi2(yb)
        jb = np.argmin(chi_b, axis=1)
        beta_b = np.einsum("bij,bj->bi", prof.r_inv[jb], proj[np.arange(n_boot), jb])
        h_b = grid[jb]
        rew_b, pen_b = _curves(beta_b, h_b, prof.t_ref, t_curve)
        band_lo[0], band_hi[0] = quantile_ci(rew_b, level)
        band_lo[1], band_hi[1] = quantile_ci(pen_b, level)
        ia_b = asymmetry(pen_b, rew_b)
        ia_b = np.where(np.isnan(ia_b), 0.0, ia_b)
        for key, lev, how in (("ao", ia_cut, "le"), ("om", -ia_cut, "lt")):
            cross_ci[key] = quantile_ci(_first_passage(t_curve, ia_b, lev, how), level)
        x0_b = np.exp2(prof.t_ref / h_b)
        params_b = np.column_stack([beta_b[:, 0] + beta_b[:, 1] * x0_b, beta_b[:, 0],
                                    beta_b[:, 2] + beta_b[:, 3] * x0_b, beta_b[:, 2]])
        p_lo, p_hi = quantile_ci(params_b, level)

    curve = pd.DataFrame({
        "t": t_curve, "reward": rew_c, "reward_low": band_lo[0], "reward_high": band_hi[0],
        "penalty": pen_c,
        "penalty_low": band_lo[1], "penalty_high": band_hi[1],
    })
    curve["asymmetry"] = asymmetry(curve["penalty"], curve["reward"])
    curve["category"] = classify(curve["penalty"], curve["reward"], ia_cut=ia_cut,
                                 min_impact=min_impact)
    n_used = int(ok["n"].sum())
    method_b = "parametric bootstrap" if rng is not None else "none"
    rows = [{"term": "half_life", "estimate": h_report, "ci_low": h_ci_lo, "ci_high": h_ci_hi,
             "n": n_used, "method": "profile likelihood"}]
    # the same fit as a rate: finite where the half-life is not (no decay = rate 0), so a
    # verdict and an interval's coverage can rest on it
    rows.append({"term": "decay_rate", "estimate": _rate(h_report), "ci_low": _rate(h_ci_hi),
                 "ci_high": _rate(h_ci_lo), "n": n_used,
                 "method": "profile likelihood (ln 2 / half_life)"})
    for i, name in enumerate(("reward_0", "reward_inf", "penalty_0", "penalty_inf")):
        if boundary and name.endswith("_inf"):
            # no finite half-life: the limits are not identified (the fit is a trend)
            rows.append({"term": name, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                         "n": n_used, "method": "not identified"})
            continue
        rows.append({"term": name, "estimate": params[i], "ci_low": p_lo[i],
                     "ci_high": p_hi[i], "n": n_used, "method": method_b})
    rows.append({"term": "t_delighter_to_performance", "estimate": t_ao,
                 "ci_low": cross_ci["ao"][0], "ci_high": cross_ci["ao"][1], "n": n_used,
                 "method": method_b})
    rows.append({"term": "t_performance_to_basic", "estimate": t_om, "ci_low": cross_ci["om"][0],
                 "ci_high": cross_ci["om"][1], "n": n_used, "method": method_b})
    profile = pd.DataFrame({"half_life": grid, "chi2": chi_grid})
    info = {
        "attribute": str(attribute), "overall": str(score), "time": str(time),
        "unit": "months" if pd.api.types.is_datetime64_any_dtype(data[time].dtype)
        else "time units", "window": float(window), "origin": t0,
        "n_windows": n_windows, "n_estimable": int(len(ok)), "n": len(y),
        "chi2_min": chi_min, "df": dof, "overdispersion": phi,
        "half_life_at_grid_boundary": bool(boundary), "h_grid": [float(h_lo), float(h_hi)],
        "horizon": float(horizon), "data_end": t_end, "ia_cut": float(ia_cut),
        "min_impact": float(min_impact), "n_boot": int(n_boot),
        "adjust": [str(c) for c in adj_cols],
        "verdict_six_months": judge_interval(_rate(h_ci_hi), _rate(h_ci_lo), *SIX_MONTHS_RATE),
        "verdict_a_year": judge_interval(*cross_ci["om"], *A_YEAR),
    }
    return Decay(
        estimates=estimates_frame(rows),
        title=f"Delighter life cycle (K2) of {attribute}", level=level,
        tables={"windows": wt, "curve": curve, "profile": profile}, info=info,
    )
