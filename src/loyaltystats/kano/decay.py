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

from .._boundary import Missing, reads
from .._deprecate import renamed_keywords
from .._validate import FrameLike
from ..errors import DataError, ParameterError
from ..results import ClaimResult, Result, estimates_frame, judge_interval
from ..scales import GRADE_1_10, LIKERT_1_5, Scale
from ..tables import factorize_column
from ._common import (
    MONTH_DAYS,
    as_frame,
    as_time,
    asymmetry,
    attribute_scale_keyword,
    band_codes,
    check_level,
    check_seed,
    classify,
    numeric_column,
    require_frame,
    resolve_cuts,
    varying,
    warn_not_estimable,
)
from ._decay_fit import (
    _CurveFit,
    _fit_profile,
    _infer_curves,
    _ProfileFit,
    _rate,
    _window_fits,
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



# ----------------------------------------------------------------------------- steps
def _check_decay_options(score: Hashable, attribute: Hashable, time: Hashable, *,
                         adjust: Any, window: Any, level: float, min_n: Any, min_band: Any,
                         n_boot: Any, seed: Any
                         ) -> tuple[float, np.random.Generator | None, list[Hashable]]:
    """Validate the options; the generator when bootstrapping and the adjust columns."""
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
    return level, rng, adj_cols


def _read_decay(data: FrameLike, score: Hashable, attribute: Hashable, time: Hashable,
                adj_cols: list[Hashable], *, overall_scale: Scale | None,
                attribute_scale: Scale, low: float | None, high: float | None
                ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The columns as a pandas frame, the varying overall score and the attribute's bands."""
    data = as_frame(data, [score, attribute, time, *adj_cols], "data")
    require_frame(data, [score, attribute, time, *adj_cols], "data")
    y = varying(numeric_column(data, score, "data", overall_scale), score, "data")
    lo_cut, hi_cut = resolve_cuts(attribute_scale, low, high)
    band = band_codes(data, attribute, attribute_scale, lo_cut, hi_cut, "data")
    return data, y, band


def _read_times(data: pd.DataFrame, time: Hashable, origin: Any, unit_days: float
                ) -> tuple[np.ndarray, float]:
    """Times relative to the origin (none before it) and the origin on the column's clock."""
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
    return t_rel, t0


def _count_windows(data: pd.DataFrame, time: Hashable, t_rel: np.ndarray, window: float,
                   adj_cols: list[Hashable]
                   ) -> tuple[np.ndarray, int, list[np.ndarray], list[int]]:
    """Window of each row, the number of windows and the codes of the adjust columns."""
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
    return w, n_windows, adj_codes, adj_sizes


def _window_table(fits: list[dict[str, Any]], w: np.ndarray, t_rel: np.ndarray,
                  window: float, n_windows: int, *, ia_cut: float,
                  min_impact: float) -> pd.DataFrame:
    """One row per window: times, counts, penalty and reward, asymmetry and category."""
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
    return wt[["window", "t_start", "t_end", "t_mean", "n", "n_low", "n_neutral", "n_high",
               "penalty", "penalty_se", "reward", "reward_se", "cov_penalty_reward",
               "asymmetry", "category", "estimable", "reason"]]


def _estimable_windows(wt: pd.DataFrame, n_windows: int, time: Hashable,
                       n_rows: int) -> pd.DataFrame:
    """The estimable windows; warns about the others and needs at least three."""
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
            n_rows=n_rows,
        )
    return ok


def _assemble_decay(attribute: Hashable, wt: pd.DataFrame, ok: pd.DataFrame,
                    pf: _ProfileFit, cf: _CurveFit, *, ia_cut: float, min_impact: float,
                    bootstrapped: bool, level: float, info: dict[str, Any]) -> Decay:
    """The result: estimates, the window, curve and profile tables, and the info."""
    curve = pd.DataFrame({
        "t": cf.t_curve, "reward": cf.rew_c, "reward_low": cf.band_lo[0],
        "reward_high": cf.band_hi[0], "penalty": cf.pen_c,
        "penalty_low": cf.band_lo[1], "penalty_high": cf.band_hi[1],
    })
    curve["asymmetry"] = asymmetry(curve["penalty"], curve["reward"])
    curve["category"] = classify(curve["penalty"], curve["reward"], ia_cut=ia_cut,
                                 min_impact=min_impact)
    n_used = int(ok["n"].sum())
    method_b = "parametric bootstrap" if bootstrapped else "none"
    rows = [{"term": "half_life", "estimate": pf.h_report, "ci_low": pf.h_ci_lo,
             "ci_high": pf.h_ci_hi, "n": n_used, "method": "profile likelihood"}]
    # the same fit as a rate: finite where the half-life is not (no decay = rate 0), so a
    # verdict and an interval's coverage can rest on it
    rows.append({"term": "decay_rate", "estimate": _rate(pf.h_report),
                 "ci_low": _rate(pf.h_ci_hi), "ci_high": _rate(pf.h_ci_lo), "n": n_used,
                 "method": "profile likelihood (ln 2 / half_life)"})
    for i, name in enumerate(("reward_0", "reward_inf", "penalty_0", "penalty_inf")):
        if pf.boundary and name.endswith("_inf"):
            # no finite half-life: the limits are not identified (the fit is a trend)
            rows.append({"term": name, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                         "n": n_used, "method": "not identified"})
            continue
        rows.append({"term": name, "estimate": cf.params[i], "ci_low": cf.p_lo[i],
                     "ci_high": cf.p_hi[i], "n": n_used, "method": method_b})
    rows.append({"term": "t_delighter_to_performance", "estimate": cf.t_ao,
                 "ci_low": cf.cross_ci["ao"][0], "ci_high": cf.cross_ci["ao"][1], "n": n_used,
                 "method": method_b})
    rows.append({"term": "t_performance_to_basic", "estimate": cf.t_om,
                 "ci_low": cf.cross_ci["om"][0], "ci_high": cf.cross_ci["om"][1], "n": n_used,
                 "method": method_b})
    profile = pd.DataFrame({"half_life": pf.grid, "chi2": pf.chi_grid})
    return Decay(
        estimates=estimates_frame(rows),
        title=f"Delighter life cycle (K2) of {attribute}", level=level,
        tables={"windows": wt, "curve": curve, "profile": profile}, info=info,
    )


@renamed_keywords(overall="score")
@attribute_scale_keyword
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
    attribute_scale: Scale = LIKERT_1_5,
    scale: Scale | None = None,
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
        The attribute's rating on ``attribute_scale`` (coded low / neutral / high as in :func:`prca`).
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
    low, high, attribute_scale : see :func:`prca`.
    scale : Scale, optional
        Old spelling of ``attribute_scale``, accepted for this release with a
        :class:`FutureWarning`: in the next release ``scale`` becomes the overall score's
        scale (today ``overall_scale``), as everywhere else. Giving both is a
        :class:`~loyaltystats.errors.ParameterError`.
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
        Ratings outside ``attribute_scale``.

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
    # ``scale`` never arrives here: attribute_scale_keyword turns it into attribute_scale
    level, rng, adj_cols = _check_decay_options(
        score, attribute, time, adjust=adjust, window=window, level=level, min_n=min_n,
        min_band=min_band, n_boot=n_boot, seed=seed)
    data, y, band = _read_decay(data, score, attribute, time, adj_cols,
                                overall_scale=overall_scale, attribute_scale=attribute_scale,
                                low=low, high=high)
    t_rel, t0 = _read_times(data, time, origin, unit_days)
    w, n_windows, adj_codes, adj_sizes = _count_windows(data, time, t_rel, window, adj_cols)
    ybar = float(y.mean())
    yc = y - ybar
    sd = float(np.std(y, ddof=1)) if len(y) > 1 else 0.0
    if min_impact is None:
        min_impact = 0.2 * sd

    fits = _window_fits(w, band, yc, adj_codes, adj_sizes, n_windows, min_n, min_band)
    wt = _window_table(fits, w, t_rel, window, n_windows, ia_cut=ia_cut,
                       min_impact=min_impact)
    ok = _estimable_windows(wt, n_windows, time, len(y))
    pf = _fit_profile(ok, window, level)
    cf = _infer_curves(pf, horizon, ia_cut=ia_cut, level=level, rng=rng, n_boot=n_boot)
    info = {
        "attribute": str(attribute), "overall": str(score), "time": str(time),
        "unit": "months" if pd.api.types.is_datetime64_any_dtype(data[time].dtype)
        else "time units", "window": float(window), "origin": t0,
        "n_windows": n_windows, "n_estimable": int(len(ok)), "n": len(y),
        "chi2_min": pf.chi_min, "df": pf.dof, "overdispersion": pf.phi,
        "half_life_at_grid_boundary": bool(pf.boundary), "h_grid": [float(pf.h_lo),
                                                                    float(pf.h_hi)],
        "horizon": float(cf.horizon), "data_end": pf.t_end, "ia_cut": float(ia_cut),
        "min_impact": float(min_impact), "n_boot": int(n_boot),
        "adjust": [str(c) for c in adj_cols],
        "verdict_six_months": judge_interval(_rate(pf.h_ci_hi), _rate(pf.h_ci_lo),
                                             *SIX_MONTHS_RATE),
        "verdict_a_year": judge_interval(*cf.cross_ci["om"], *A_YEAR),
    }
    return _assemble_decay(attribute, wt, ok, pf, cf, ia_cut=ia_cut, min_impact=min_impact,
                           bootstrapped=rng is not None, level=level, info=info)
