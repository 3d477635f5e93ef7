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
    CHUNK,
    IMPACT_CATEGORIES,
    as_frame,
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
    t_interval,
    varying,
)

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


# ------------------------------------------------------------------------------- rows
def grouped_gram(codes: np.ndarray, y: np.ndarray, groups: np.ndarray | None,
                 n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-group ``X'X``, ``X'y``, ``y'y``, ``n`` of the dummy design (one pass, in blocks).

    ``codes`` is (rows, attributes) int8 in Fortran order (0 low, 1 neutral, 2 high); the
    design is the intercept and a low and a high dummy per attribute. ``X'X`` holds counts
    of 0/1 products, computed exactly in float32 by ``ssyrk`` per block of at most 2^18
    rows (integers below 2^24 are exact) and accumulated in float64; ``X'y`` and ``y'y``
    are float64 sums per band.
    """
    from scipy.linalg import blas

    k = codes.shape[1]
    p = 1 + 2 * k
    xtx = np.zeros((n_groups, p, p))
    xty = np.zeros((n_groups, p))
    n_rows = len(y)
    for lo in range(0, n_rows, CHUNK):
        hi = min(lo + CHUNK, n_rows)
        yy = y[lo:hi]
        if groups is None:
            order: Any = slice(None)
            gs = np.zeros(hi - lo, dtype=np.int64)
            bounds = np.array([0, hi - lo])
        else:
            # sort the block by group: the gathers stay inside the block (cache-friendly)
            gch = groups[lo:hi]
            order = np.argsort(gch, kind="stable")
            gs = gch[order].astype(np.int64)
            bounds = np.searchsorted(gs, np.arange(n_groups + 1))
            yy = yy[order]
        m = hi - lo
        x = np.empty((m, p), dtype=np.float32, order="F")
        x[:, 0] = 1.0
        g3 = gs * 3
        for j in range(k):
            cj = codes[lo:hi, j][order]
            x[:, 1 + 2 * j] = cj == 0
            x[:, 2 + 2 * j] = cj == 2
            sums = np.bincount(g3 + cj, weights=yy, minlength=3 * n_groups).reshape(-1, 3)
            xty[:, 1 + 2 * j] += sums[:, 0]
            xty[:, 2 + 2 * j] += sums[:, 2]
        for g in range(len(bounds) - 1):
            b0, b1 = bounds[g], bounds[g + 1]
            if b1 > b0:
                upper = blas.ssyrk(1.0, x[b0:b1], trans=1).astype(np.float64)
                xtx[g] += upper + np.triu(upper, 1).T
    g_all = np.zeros(n_rows, dtype=np.int64) if groups is None else groups
    xty[:, 0] = np.bincount(g_all, weights=y, minlength=n_groups)
    yty = np.bincount(g_all, weights=y * y, minlength=n_groups)
    nn = np.bincount(g_all, minlength=n_groups).astype(float)
    return xtx, xty, yty, nn


def bootstrap_groups(n_rows: int, cluster: np.ndarray | None, n_groups: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Balanced random assignment of rows (or of whole clusters) to ``n_groups`` groups."""
    if cluster is None:
        g = min(n_groups, n_rows)
        return (rng.permutation(n_rows) % g).astype(np.int32), g
    codes, uniques = pd.factorize(cluster, sort=False)
    k = len(uniques)
    g = min(n_groups, k)
    assign = np.empty(k, dtype=np.int32)
    assign[rng.permutation(k)] = np.arange(k) % g
    return assign[codes], g


def solve_replicates(xtx_b: np.ndarray, xty_b: np.ndarray) -> np.ndarray:
    """Batched ``solve``; singular replicates give NaN."""
    try:
        return np.linalg.solve(xtx_b, xty_b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(xty_b.shape, np.nan)
        for b in range(xtx_b.shape[0]):
            try:
                out[b] = np.linalg.solve(xtx_b[b], xty_b[b])
            except np.linalg.LinAlgError:
                pass
        return out


@renamed_keywords(overall="score")
@reads(data=("score", "attributes", "cluster"))
def prca(
    data: FrameLike,
    score: Hashable,
    attributes: Sequence[Hashable],
    *,
    low: float | None = None,
    high: float | None = None,
    scale: Scale = LIKERT_1_5,
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
        Attribute ratings on ``scale``.
    low, high : float, optional
        A rating at or below ``low`` is low, at or above ``high`` is high, anything in
        between neutral (the reference). Default: the edges of the scale's three bands
        (``LIKERT_1_5``: low 1-2, neutral 3, high 4-5).
    scale : Scale
        Scale of the attribute ratings.
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
        Ratings outside ``scale`` (or overall scores outside ``overall_scale``).
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
    cols = [score, *attrs] + ([cluster] if cluster is not None else [])
    data = as_frame(data, cols, "data")
    require_frame(data, cols, "data")
    y = varying(numeric_column(data, score, "data", overall_scale), score, "data")
    lo_cut, hi_cut = resolve_cuts(scale, low, high)
    n = len(y)
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
    ybar = float(y.mean())
    yc = y - ybar
    sd = float(np.sqrt(yc @ yc / max(n - 1, 1)))
    if min_impact is None:
        min_impact = 0.2 * sd

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
    beta, cov, df = fit["beta"], fit["cov"], fit["df"]
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
    ia_method = "delta"
    pr_method = "ols"
    shares = np.full((k, len(IMPACT_CATEGORIES)), np.nan)
    stability = np.full(k, np.nan)
    n_failed = 0
    if rng is not None:
        w = rng.multinomial(g, np.full(g, 1.0 / g), size=n_boot).astype(float)
        beta_b = solve_replicates(np.tensordot(w, xtx_g, axes=(1, 0)), w @ xty_g)
        n_failed = int(np.isnan(beta_b).any(axis=1).sum())
        if n_failed > n_boot // 10:
            raise ModelError(f"prca: {n_failed} of {n_boot} bootstrap replicates were "
                             "singular; use fewer n_groups or more data")
        pen_b, rew_b = beta_b[:, 1::2], beta_b[:, 2::2]
        ok = ~np.isnan(beta_b).any(axis=1)
        cat_b = classify(pen_b[ok], rew_b[ok], ia_cut=ia_cut, min_impact=min_impact)
        for c_i, c in enumerate(IMPACT_CATEGORIES):
            shares[:, c_i] = (cat_b == c).mean(axis=0)
        stability = (cat_b == cats[None, :]).mean(axis=0)
        ia_lo, ia_hi = quantile_ci(asymmetry(pen_b[ok], rew_b[ok]), level)
        ia_method = "bootstrap"
        if ci == "bootstrap":
            pen_lo, pen_hi = quantile_ci(pen_b[ok], level)
            rew_lo, rew_hi = quantile_ci(rew_b[ok], level)
            pr_method = "bootstrap"

    names = [str(a) for a in attrs]
    table = pd.DataFrame({
        "attribute": names,
        "n_low": band_n[:, 0], "n_neutral": band_n[:, 1], "n_high": band_n[:, 2],
        "penalty": pen, "penalty_se": pen_se, "reward": rew, "reward_se": rew_se,
        "cov_penalty_reward": cov_pr, "asymmetry": ia, "asymmetry_se": ia_se,
        "range": rew - pen, "category": cats, "stability": stability,
    })
    for c_i, c in enumerate(IMPACT_CATEGORIES):
        table[f"share_{c}"] = shares[:, c_i]
    rows = []
    for j, a in enumerate(names):
        for q, est, lo_, hi_, m in (("penalty", pen[j], pen_lo[j], pen_hi[j], pr_method),
                                    ("reward", rew[j], rew_lo[j], rew_hi[j], pr_method),
                                    ("asymmetry", ia[j], ia_lo[j], ia_hi[j], ia_method)):
            rows.append({"term": f"{a}: {q}", "estimate": est, "ci_low": lo_, "ci_high": hi_,
                         "n": n, "method": m, "attribute": a, "quantity": q})
    terms = ["intercept"] + [f"{a}: {q}" for a in names for q in ("low", "high")]
    b_full = beta.copy()
    b_full[0] += ybar
    tvals = b_full / se
    t_lo, t_hi = t_interval(b_full, se, df, level)
    coefficients = pd.DataFrame({
        "term": terms, "estimate": b_full, "se": se, "t": tvals,
        "p_value": 2 * stats.t.sf(np.abs(tvals), df), "ci_low": t_lo, "ci_high": t_hi,
    })
    tss = float(yc @ yc)
    info = {
        "route": "prca", "n": n, "n_attributes": k, "df_resid": float(df),
        "sigma": float(np.sqrt(fit["sigma2"])), "r_squared": 1 - fit["rss"] / tss if tss > 0
        else float("nan"), "low": lo_cut, "high": hi_cut, "scale": scale.name,
        "ia_cut": float(ia_cut), "min_impact": float(min_impact), "ci": ci, "n_boot": int(n_boot),
        "n_groups": int(g) if n_boot else 0, "n_failed_replicates": n_failed,
        "cluster": None if cluster is None else str(cluster),
    }
    return PenaltyReward(
        estimates=estimates_frame(rows), title="Penalty-reward contrast analysis (K1)",
        level=level, tables={"attributes": table, "coefficients": coefficients}, info=info,
    )
