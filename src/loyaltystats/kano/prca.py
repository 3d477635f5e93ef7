"""K1, regression route: penalty-reward contrast analysis (PRCA).

Each attribute rating is coded low / neutral / high; the overall score is regressed on the
low and high dummies of all attributes at once (neutral is the reference). The low
coefficient is the *penalty* of under-performing, the high coefficient the *reward* of
over-performing. Basics (must-be) have a penalty and no reward, delighters (attractive) a
reward and no penalty, performance (one-dimensional) attributes both.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from loyaltystats.kano import prca
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame({"basic": rng.integers(1, 6, 600), "extra": rng.integers(1, 6, 600)})
>>> df["grade"] = (7 - 2.0 * (df["basic"] <= 2) + 1.5 * (df["extra"] >= 4)
...                + rng.normal(0, 0.5, 600))
>>> prca(df, "grade", ["basic", "extra"], n_boot=0).categories.to_dict()
{'basic': 'M', 'extra': 'A'}
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._boundary import Missing, reads
from .._deprecate import renamed_keywords
from .._validate import FrameLike
from ..errors import DataError, ModelError, ParameterError
from ..results import Result, estimates_frame
from ..scales import GRADE_1_10, LIKERT_1_5, Scale, missing_error
from ._common import (
    IMPACT_CATEGORIES,
    as_frame,
    asymmetry,
    attribute_scale_keyword,
    band_codes,
    check_level,
    check_seed,
    classify,
    numeric_column,
    ols_from_gram,
    quantile_ci,
    require_frame,
    resolve_cuts,
    t_interval,
    varying,
)
from ._prca_rows import bootstrap_groups, grouped_gram, solve_replicates

__all__ = ["PenaltyReward", "prca", "classify_impact", "impact_asymmetry"]


def impact_asymmetry(penalty: Any, reward: Any) -> np.ndarray:
    """Impact-asymmetry index of penalty / reward pairs.

    Parameters
    ----------
    penalty, reward : array_like
        Effects of a low and of a high rating relative to a neutral one (penalty usually
        negative).

    Returns
    -------
    numpy.ndarray
        ``(R - P) / (R + P)`` with ``R = max(reward, 0)`` and ``P = max(-penalty, 0)``: +1
        for a pure delighter, -1 for a pure basic, 0 when penalty and reward are equal;
        NaN when both are zero.

    Examples
    --------
    >>> impact_asymmetry([-0.5, -2.0, 0.0], [0.5, 0.0, 1.0]).tolist()
    [0.0, -1.0, 1.0]
    """
    return asymmetry(penalty, reward)


def classify_impact(penalty: Any, reward: Any, *, ia_cut: float = 0.2,
                    min_impact: float = 0.0) -> np.ndarray:
    """Kano category (A, O, M, I, R) of penalty / reward pairs.

    Parameters
    ----------
    penalty, reward : array_like
        Effects of a low and of a high rating relative to a neutral one.
    ia_cut : float
        Impact-asymmetry index above ``ia_cut`` is attractive (A), below ``-ia_cut`` must-be
        (M), in between one-dimensional (O). 0.2 means one side is at least 1.5 times the
        other.
    min_impact : float
        When the range ``reward - penalty`` is at most ``min_impact`` in absolute value the
        attribute is indifferent (I); when it is below ``-min_impact`` (high raters score
        lower than low raters) it is reverse (R).

    Returns
    -------
    numpy.ndarray of str

    Examples
    --------
    >>> classify_impact([-2.0, -0.5, 0.0, -0.01], [0.1, 0.5, 1.2, 0.01],
    ...                 min_impact=0.1).tolist()
    ['M', 'O', 'A', 'I']
    """
    return classify(penalty, reward, ia_cut=ia_cut, min_impact=min_impact)


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class PenaltyReward(Result):
    """Penalty-reward contrast analysis (K1, regression route).

    ``estimates`` has, per attribute, ``"<attribute>: penalty"`` (low vs neutral),
    ``"<attribute>: reward"`` (high vs neutral) and ``"<attribute>: asymmetry"`` (the
    impact-asymmetry index), with extra columns ``attribute`` and ``quantity``.

    Tables
    ------
    ``attributes``
        One row per attribute: ``attribute, n_low, n_neutral, n_high, penalty, penalty_se,
        reward, reward_se, cov_penalty_reward, asymmetry, asymmetry_se`` (delta method
        through the smooth form ``(rew + pen) / (rew - pen)``),
        ``range`` (reward - penalty), ``category``, ``stability`` (share of bootstrap
        replicates giving that category) and ``share_A, share_O, share_M, share_I,
        share_R``.
    ``coefficients``
        The whole regression: ``term, estimate, se, t, p_value, ci_low, ci_high``.
    """

    @property
    def table(self) -> pd.DataFrame:
        """The per-attribute table (``tables["attributes"]``)."""
        return self.tables["attributes"]

    @property
    def categories(self) -> pd.Series:
        """Category per attribute."""
        t = self.tables["attributes"]
        return pd.Series(t["category"].to_numpy(), index=t["attribute"].to_numpy(),
                         name="category")

    def plot(self, ax: Any = None) -> Any:
        """Penalty-reward bars with intervals and the category of each attribute."""
        from .plots import penalty_reward_bars

        return penalty_reward_bars(self, ax=ax)


# ---------------------------------------------------------------------------- steps
@dataclass
class _PrcaFit:
    """The pooled OLS fit and the per-group cross-products the bootstrap resamples."""

    beta: np.ndarray
    cov: np.ndarray
    df: float
    sigma2: float
    r_squared: float
    n: int
    xtx_g: np.ndarray
    xty_g: np.ndarray
    n_groups: int


@dataclass
class _PrcaEstimates:
    """Penalty, reward and asymmetry per attribute with their intervals and stability."""

    pen: np.ndarray
    rew: np.ndarray
    pen_se: np.ndarray
    rew_se: np.ndarray
    cov_pr: np.ndarray
    ia: np.ndarray
    ia_se: np.ndarray
    cats: np.ndarray
    pen_lo: np.ndarray
    pen_hi: np.ndarray
    rew_lo: np.ndarray
    rew_hi: np.ndarray
    ia_lo: np.ndarray
    ia_hi: np.ndarray
    shares: np.ndarray
    stability: np.ndarray
    ia_method: str = "delta"
    pr_method: str = "ols"
    n_failed: int = 0


def _check_prca_options(score: Hashable, attributes: Any, *, ci: str, level: float,
                        n_boot: Any, n_groups: Any, seed: Any
                        ) -> tuple[list[Hashable], float, np.random.Generator | None]:
    """Validate the attribute list and the options; the generator when bootstrapping."""
    if isinstance(attributes, str) or not isinstance(attributes, Sequence) or not attributes:
        raise DataError("attributes must be a non-empty list of column names",
                        table="data")
    attrs = list(attributes)
    if len(set(attrs)) != len(attrs):
        raise DataError("attributes are listed twice", table="data",
                        examples=[a for a in attrs if attrs.count(a) > 1])
    if score in attrs:
        raise DataError("the overall score is also listed as an attribute", table="data",
                        column=str(score))
    if ci not in ("ols", "bootstrap"):
        raise ParameterError(f"ci must be 'ols' or 'bootstrap', got {ci!r}")
    level = check_level(level)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0:
        raise ParameterError(f"n_boot must be an int >= 0, got {n_boot!r}")
    if ci == "bootstrap" and n_boot == 0:
        raise ParameterError("ci='bootstrap' needs n_boot > 0")
    if isinstance(n_groups, bool) or not isinstance(n_groups, int | np.integer) or n_groups < 2:
        raise ParameterError(f"n_groups must be an int >= 2, got {n_groups!r}")
    rng = check_seed(seed, "prca (n_boot > 0)") if n_boot else None
    return attrs, level, rng


def _read_prca(data: FrameLike, score: Hashable, attrs: list[Hashable],
               cluster: Hashable | None, overall_scale: Scale | None
               ) -> tuple[pd.DataFrame, np.ndarray]:
    """The columns as a pandas frame and the checked, varying overall score."""
    cols = [score, *attrs] + ([cluster] if cluster is not None else [])
    data = as_frame(data, cols, "data")
    require_frame(data, cols, "data")
    y = varying(numeric_column(data, score, "data", overall_scale), score, "data")
    return data, y


def _count_bands(data: pd.DataFrame, attrs: list[Hashable], scale: Scale, lo_cut: float,
                 hi_cut: float) -> tuple[np.ndarray, np.ndarray]:
    """Band codes (rows x attributes) and low / neutral / high counts; none may be empty."""
    n = len(data)
    k = len(attrs)
    codes = np.empty((n, k), dtype=np.int8, order="F")
    band_n = np.zeros((k, 3), dtype=np.int64)
    for j, a in enumerate(attrs):
        c = band_codes(data, a, scale, lo_cut, hi_cut, "data")
        codes[:, j] = c
        band_n[j] = np.bincount(c, minlength=3)
        if (band_n[j] == 0).any():
            empty = [b for b, m in zip(("low", "neutral", "high"), band_n[j]) if m == 0]
            raise DataError(
                f"no {' or '.join(empty)} ratings (low <= {lo_cut:g} < neutral < {hi_cut:g} "
                f"<= high; counts low/neutral/high = {band_n[j].tolist()}): penalty and reward "
                "relative to neutral are not estimable", table="data", column=str(a),
                n_rows=n,
            )
    return codes, band_n


def _fit_prca(data: pd.DataFrame, codes: np.ndarray, yc: np.ndarray,
              cluster: Hashable | None, n_groups: int,
              rng: np.random.Generator | None) -> _PrcaFit:
    """OLS from the cross-products, kept per random group when bootstrapping."""
    n = len(yc)
    if rng is not None:
        clus = data[cluster].to_numpy() if cluster is not None else None
        if clus is not None:
            error = missing_error(data[cluster], column=cluster, table="data", cls=DataError)
            if error is not None:
                raise error
        groups, g = bootstrap_groups(n, clus, n_groups, rng)
        xtx_g, xty_g, yty_g, n_g = grouped_gram(codes, yc, groups, g)
    else:
        g = 1
        xtx_g, xty_g, yty_g, n_g = grouped_gram(codes, yc, None, 1)
    fit = ols_from_gram(xtx_g.sum(0), xty_g.sum(0), float(yty_g.sum()), float(n_g.sum()),
                        "prca")
    tss = float(yc @ yc)
    return _PrcaFit(beta=fit["beta"], cov=fit["cov"], df=fit["df"], sigma2=fit["sigma2"],
                    r_squared=1 - fit["rss"] / tss if tss > 0 else float("nan"), n=n,
                    xtx_g=xtx_g, xty_g=xty_g, n_groups=g)


def _infer_prca(fit: _PrcaFit, *, ia_cut: float, min_impact: float,
                level: float) -> _PrcaEstimates:
    """Penalty, reward, asymmetry (delta method) and categories from the pooled fit."""
    beta, cov, df = fit.beta, fit.cov, fit.df
    k = (len(beta) - 1) // 2
    se = np.sqrt(np.diag(cov))
    pen, rew = beta[1::2], beta[2::2]
    pen_se, rew_se = se[1::2], se[2::2]
    cov_pr = cov[np.arange(1, 2 * k, 2), np.arange(2, 2 * k + 1, 2)]
    ia = asymmetry(pen, rew)
    # delta method for IA through the smooth form (rew + pen) / (rew - pen), equal to IA when
    # rew >= 0 >= pen; it keeps a non-zero standard error at the boundaries IA = +-1
    rng_pr = rew - pen
    with np.errstate(invalid="ignore", divide="ignore"):
        d_rew = -2 * pen / rng_pr**2
        d_pen = 2 * rew / rng_pr**2
        ia_se = np.sqrt(d_pen**2 * pen_se**2 + d_rew**2 * rew_se**2 + 2 * d_pen * d_rew * cov_pr)
    ia_se = np.where(rng_pr > 0, ia_se, np.nan)
    cats = classify(pen, rew, ia_cut=ia_cut, min_impact=min_impact)

    pen_lo, pen_hi = t_interval(pen, pen_se, df, level)
    rew_lo, rew_hi = t_interval(rew, rew_se, df, level)
    ia_lo, ia_hi = np.clip(ia - stats.norm.ppf(0.5 + level / 2) * ia_se, -1, 1), np.clip(
        ia + stats.norm.ppf(0.5 + level / 2) * ia_se, -1, 1)
    return _PrcaEstimates(
        pen=pen, rew=rew, pen_se=pen_se, rew_se=rew_se, cov_pr=cov_pr, ia=ia, ia_se=ia_se,
        cats=cats, pen_lo=pen_lo, pen_hi=pen_hi, rew_lo=rew_lo, rew_hi=rew_hi, ia_lo=ia_lo,
        ia_hi=ia_hi, shares=np.full((k, len(IMPACT_CATEGORIES)), np.nan),
        stability=np.full(k, np.nan),
    )


def _bootstrap_prca(est: _PrcaEstimates, fit: _PrcaFit, rng: np.random.Generator, *,
                    n_boot: int, ci: str, ia_cut: float, min_impact: float,
                    level: float) -> None:
    """Category shares, stability and bootstrap intervals, written into ``est``."""
    g = fit.n_groups
    w = rng.multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(float)
    beta_b = solve_replicates(np.tensordot(w, fit.xtx_g, axes=(1, 0)), w @ fit.xty_g)
    est.n_failed = int(np.isnan(beta_b).any(axis=1).sum())
    if est.n_failed > n_boot // 10:
        raise ModelError(f"prca: {est.n_failed} of {n_boot} bootstrap replicates were "
                         "singular; use fewer n_groups or more data")
    pen_b, rew_b = beta_b[:, 1::2], beta_b[:, 2::2]
    ok = ~np.isnan(beta_b).any(axis=1)
    cat_b = classify(pen_b[ok], rew_b[ok], ia_cut=ia_cut, min_impact=min_impact)
    for c_i, c in enumerate(IMPACT_CATEGORIES):
        est.shares[:, c_i] = (cat_b == c).mean(axis=0)
    est.stability = (cat_b == est.cats[None, :]).mean(axis=0)
    est.ia_lo, est.ia_hi = quantile_ci(asymmetry(pen_b[ok], rew_b[ok]), level)
    est.ia_method = "bootstrap"
    if ci == "bootstrap":
        est.pen_lo, est.pen_hi = quantile_ci(pen_b[ok], level)
        est.rew_lo, est.rew_hi = quantile_ci(rew_b[ok], level)
        est.pr_method = "bootstrap"


def _assemble_prca(attrs: list[Hashable], band_n: np.ndarray, fit: _PrcaFit,
                   est: _PrcaEstimates, *, ybar: float, level: float,
                   info: dict[str, Any]) -> PenaltyReward:
    """The result: estimates, the per-attribute table and the whole regression."""
    names = [str(a) for a in attrs]
    table = pd.DataFrame({
        "attribute": names,
        "n_low": band_n[:, 0], "n_neutral": band_n[:, 1], "n_high": band_n[:, 2],
        "penalty": est.pen, "penalty_se": est.pen_se, "reward": est.rew,
        "reward_se": est.rew_se, "cov_penalty_reward": est.cov_pr, "asymmetry": est.ia,
        "asymmetry_se": est.ia_se, "range": est.rew - est.pen, "category": est.cats,
        "stability": est.stability,
    })
    for c_i, c in enumerate(IMPACT_CATEGORIES):
        table[f"share_{c}"] = est.shares[:, c_i]
    rows = []
    for j, a in enumerate(names):
        for q, e, lo_, hi_, m in (
                ("penalty", est.pen[j], est.pen_lo[j], est.pen_hi[j], est.pr_method),
                ("reward", est.rew[j], est.rew_lo[j], est.rew_hi[j], est.pr_method),
                ("asymmetry", est.ia[j], est.ia_lo[j], est.ia_hi[j], est.ia_method)):
            rows.append({"term": f"{a}: {q}", "estimate": e, "ci_low": lo_, "ci_high": hi_,
                         "n": fit.n, "method": m, "attribute": a, "quantity": q})
    terms = ["intercept"] + [f"{a}: {q}" for a in names for q in ("low", "high")]
    se = np.sqrt(np.diag(fit.cov))
    b_full = fit.beta.copy()
    b_full[0] += ybar
    tvals = b_full / se
    t_lo, t_hi = t_interval(b_full, se, fit.df, level)
    coefficients = pd.DataFrame({
        "term": terms, "estimate": b_full, "se": se, "t": tvals,
        "p_value": 2 * stats.t.sf(np.abs(tvals), fit.df), "ci_low": t_lo, "ci_high": t_hi,
    })
    return PenaltyReward(
        estimates=estimates_frame(rows), title="Penalty-reward contrast analysis (K1)",
        level=level, tables={"attributes": table, "coefficients": coefficients}, info=info,
    )


@renamed_keywords(overall="score")
@attribute_scale_keyword
@reads(data=("score", "attributes", "cluster"))
def prca(
    data: FrameLike,
    score: Hashable,
    attributes: Sequence[Hashable],
    *,
    low: float | None = None,
    high: float | None = None,
    attribute_scale: Scale = LIKERT_1_5,
    scale: Scale | None = None,
    overall_scale: Scale | None = GRADE_1_10,
    cluster: Hashable | None = None,
    ci: Literal["ols", "bootstrap"] = "ols",
    n_boot: int = 1000,
    n_groups: int = 200,
    ia_cut: float = 0.2,
    min_impact: float | None = None,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    missing: Missing = "raise",
) -> PenaltyReward:
    """Penalty-reward contrast analysis of attribute ratings (K1, regression route).

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per response. From Polars, DuckDB, Parquet paths and Dask only the
        ``score``, ``attributes`` (and ``cluster``) columns are collected into pandas.
    score : column name
        Overall score (numbers; validated against ``overall_scale`` if given).
    attributes : list of column names
        Attribute ratings on ``attribute_scale``.
    low, high : float, optional
        A rating at or below ``low`` is low, at or above ``high`` is high, anything in
        between neutral (the reference). Default: the edges of the scale's three bands
        (``LIKERT_1_5``: low 1-2, neutral 3, high 4-5).
    attribute_scale : Scale, default LIKERT_1_5
        Scale of the attribute ratings.
    scale : Scale, optional
        Old spelling of ``attribute_scale``, accepted for this release with a
        :class:`FutureWarning`: in the next release ``scale`` becomes the overall score's
        scale (today ``overall_scale``), as everywhere else. Giving both is a
        :class:`~loyaltystats.errors.ParameterError`.
    overall_scale : Scale or None, default GRADE_1_10
        Scale of the overall score: a score off it (or text, a boolean, NaN) raises
        :class:`~loyaltystats.errors.ScaleError`. ``None`` accepts any finite number.
    cluster : column name, optional
        Customer id (or any cluster): the bootstrap then resamples whole clusters.
    ci : {"ols", "bootstrap"}
        Intervals of penalty and reward: classical OLS t-intervals (exact from the
        cross-products, homoskedastic errors, independent rows) or bootstrap percentiles
        (use this with ``cluster``).
    n_boot : int
        Bootstrap replicates for the category stability and the asymmetry interval; 0
        skips the bootstrap (asymmetry interval by the delta method, no stability).
    n_groups : int
        Rows (or clusters) are split at random into this many groups whose cross-products
        are resampled; see Notes.
    ia_cut : float
        Impact-asymmetry cut between A / O / M (see :func:`classify_impact`).
    min_impact : float, optional
        Smallest range ``reward - penalty`` that is not indifferent; default 0.2 standard
        deviations of the overall score (a small standardized effect, Cohen's d = 0.2).
    level : float
        Confidence level.
    seed : int or numpy.random.Generator
        Seed of the random steps (default 0: the same call gives the same numbers; ``None`` is refused).
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    PenaltyReward
        ``estimates`` (penalty, reward, asymmetry per attribute), ``tables["attributes"]``
        (counts per band, estimates, category, stability), ``tables["coefficients"]``.

    Raises
    ------
    DataError
        Missing columns, non-numeric or missing overall scores, an attribute without any
        low, neutral or high rating.
    ScaleError
        Ratings outside ``attribute_scale`` (or overall scores outside ``overall_scale``).
    ModelError
        Collinear attributes (for example two copies of the same rating).

    Notes
    -----
    Model: ``overall = b0 + sum_j (pen_j [x_j <= low] + rew_j [x_j >= high]) + e``, fitted
    by OLS from the sufficient statistics ``X'X, X'y, y'y`` accumulated in one pass over the
    rows in blocks: the coefficients and classical standard errors equal those of
    statsmodels' ``OLS`` on the rows (tested to 1e-8), at a fraction of the memory.

    Impact-asymmetry index (Mikulic & Prebezac 2008): ``IA = (R - P) / (R + P)`` with
    ``R = max(rew, 0)``, ``P = max(-pen, 0)``. Category: ``I`` if ``|rew - pen| <=
    min_impact``; ``R`` if ``rew - pen < -min_impact``; else ``A`` if ``IA > ia_cut``,
    ``M`` if ``IA < -ia_cut``, ``O`` otherwise. The cuts are this package's defaults, not
    universal constants, and are parameters.

    Bootstrap: the rows (or whole clusters) are dealt at random into ``n_groups`` groups and
    the cross-products of each group are kept. A replicate draws groups with replacement
    (multinomial weights) and solves the weighted sum of their cross-products: the exact
    OLS fit of a cluster bootstrap whose clusters are the groups. Its cost after the one
    pass does not depend on the number of rows; with 200 groups the standard error of a
    bootstrap standard error is about 5%.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"speed": rng.integers(1, 6, 800)})
    >>> df["grade"] = 7 + 0.4 * (df["speed"] - 3) + rng.normal(0, 0.5, 800)
    >>> r = prca(df, "grade", ["speed"], n_boot=200, seed=1)
    >>> r.categories.to_dict(), bool(r.table["stability"].iloc[0] > 0.9)
    ({'speed': 'O'}, True)
    """
    # ``scale`` never arrives here: attribute_scale_keyword turns it into attribute_scale
    attrs, level, rng = _check_prca_options(score, attributes, ci=ci, level=level,
                                            n_boot=n_boot, n_groups=n_groups, seed=seed)
    data, y = _read_prca(data, score, attrs, cluster, overall_scale)
    lo_cut, hi_cut = resolve_cuts(attribute_scale, low, high)
    codes, band_n = _count_bands(data, attrs, attribute_scale, lo_cut, hi_cut)
    ybar = float(y.mean())
    yc = y - ybar
    sd = float(np.sqrt(yc @ yc / max(len(y) - 1, 1)))
    if min_impact is None:
        min_impact = 0.2 * sd
    fit = _fit_prca(data, codes, yc, cluster, n_groups, rng)
    est = _infer_prca(fit, ia_cut=ia_cut, min_impact=min_impact, level=level)
    if rng is not None:
        _bootstrap_prca(est, fit, rng, n_boot=n_boot, ci=ci, ia_cut=ia_cut,
                        min_impact=min_impact, level=level)
    info = {
        "route": "prca", "n": len(y), "n_attributes": len(attrs), "df_resid": float(fit.df),
        "sigma": float(np.sqrt(fit.sigma2)), "r_squared": fit.r_squared, "low": lo_cut,
        "high": hi_cut, "scale": attribute_scale.name, "ia_cut": float(ia_cut),
        "min_impact": float(min_impact), "ci": ci, "n_boot": int(n_boot),
        "n_groups": int(fit.n_groups) if n_boot else 0, "n_failed_replicates": est.n_failed,
        "cluster": None if cluster is None else str(cluster),
    }
    return _assemble_prca(attrs, band_n, fit, est, ybar=ybar, level=level, info=info)
