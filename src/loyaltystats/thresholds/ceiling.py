"""The ceiling of perfect basics without delight (T2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats

from .._boundary import Missing, reads
from .._deprecate import positional_options, renamed_keywords
from .._threads import one_blas_thread
from .._validate import FrameLike
from ..errors import DataError, ModelError, ParameterError
from ..results import ClaimResult, estimates_frame, judge_interval
from ..scales import GRADE_1_10, LIKERT_1_5, MISSING_VALUES, Scale
from ..stats import wilson_ci
from ._common import (
    bands_info,
    check_cell_scores,
    check_level,
    count_scored_cells,
    mean_from_counts,
    quantile_from_counts,
    require_bands,
    shade_bands,
    whiskers,
)

__all__ = ["BasicsCeiling", "basics_ceiling", "fit_linear_cells"]

STATEMENT = "Basics, even executed perfectly, cannot lift a score above 8.5"
GROUPS = ("basics best, no delighter", "basics best, delighter")


class BasicsCeiling(ClaimResult):
    """Result of :func:`basics_ceiling`.

    Tables: ``groups`` (``group, n, mean, mean_ci_low, mean_ci_high, sd, p90, p90_ci_low,
    p90_ci_high, p_above, p_above_ci_low, p_above_ci_high``; ``p_above`` is P(score >
    claimed)), ``predictions`` (``group, estimate, ci_low, ci_high, pi_low, pi_high`` and
    the attribute values predicted at), ``model`` (``term, estimate, std_err, ci_low,
    ci_high, t, p_value`` of the linear model) and ``distribution`` (``group, score, n``).
    """

    def plot(self, ax: Any = None) -> Any:
        """Subgroup means and model predictions (CI whiskers, prediction interval as a thin
        bar) for perfect basics without and with a delighter, the claimed ceiling as a
        dashed line, grade bands shaded. Returns the matplotlib Axes.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> df = pd.DataFrame({"B1": rng.integers(3, 6, 400), "D1": rng.integers(1, 6, 400)})
        >>> df["grade"] = np.clip(6 + (df.B1 == 5) + (df.D1 >= 4) + rng.integers(0, 2, 400), 1, 10)
        >>> ax = basics_ceiling(df, "grade", ["B1"], ["D1"]).plot()
        """
        from .._plotting import get_ax

        ax = get_ax(ax)
        shade_bands(ax, self.info["bands"], axis="y", discrete=False)
        g = self.tables["groups"].set_index("group")
        pr = self.tables["predictions"].set_index("group")
        for i, grp in enumerate(GROUPS):
            if grp in g.index:
                row = g.loc[grp]
                est = np.array([row["mean"]])
                ax.errorbar([i - 0.1], est, yerr=whiskers(est, [row["mean_ci_low"]],
                                                          [row["mean_ci_high"]]),
                            fmt="o", color="C0", capsize=4,
                            label="subgroup mean" if i == 0 else None, zorder=3)
            if grp in pr.index:
                row = pr.loc[grp]
                est = np.array([row["estimate"]])
                ax.vlines(i + 0.1, row["pi_low"], row["pi_high"], color="C1", lw=1, alpha=0.6,
                          label="prediction interval" if i == 0 else None, zorder=2)
                ax.errorbar([i + 0.1], est, yerr=whiskers(est, [row["ci_low"]], [row["ci_high"]]),
                            fmt="D", color="C1", capsize=4,
                            label="model prediction" if i == 0 else None, zorder=3)
        ax.axhline(self.info["claimed"], ls="--", color="C3", lw=1.2,
                   label=f"claimed ceiling {self.info['claimed']:g}")
        ax.set_xticks([0, 1])
        ax.set_xticklabels(list(GROUPS))
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(self.info["scale_low"] - 0.5, self.info["scale_high"] + 0.5)
        ax.set_ylabel(str(self.info["score"]))
        ax.legend(loc="lower right", fontsize=7)
        ax.set_title(self.title)
        return ax


@one_blas_thread
def fit_linear_cells(cells: pd.DataFrame, formula: str, *, n: str = "n", sum_y: str = "sum_y",
                     sum_y2: str = "sum_y2", groups: str | None = None) -> dict[str, Any]:
    """Least squares of a score on categorical predictors from per-cell sums.

    Per covariate cell the count ``n``, the sum ``sum_y`` and the sum of squares
    ``sum_y2`` of the response are sufficient: the coefficients are weighted least squares
    on the cell means with weights ``n``, and the residual sum of squares adds the
    within-cell part ``sum_y2 - sum_y^2 / n``. The result equals ordinary least squares on
    the rows (tested against statsmodels ``OLS``).

    With ``groups`` (a column of ``cells`` naming the cluster, e.g. the customer, so that the
    cells are counted per cluster) the covariance is cluster-robust (the sandwich with
    Stata's CR1 small-sample factor, as statsmodels ``cov_type="cluster"``): the score of a
    cluster is the sum over its cells of the design row times the cell's residual sum
    ``sum_y - n * fitted``, so the cells still suffice.

    Returns
    -------
    dict
        ``params`` and ``bse`` (Series), ``cov`` (DataFrame), ``sigma2``, ``df_resid``,
        ``nobs``, ``design_info`` (patsy, for predictions), ``cov_type`` ("nonrobust" or
        "cluster") and ``n_groups``.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"x": [0, 1], "n": [2, 2], "sum_y": [2.0, 6.0],
    ...                       "sum_y2": [2.0, 20.0]})
    >>> fit = fit_linear_cells(cells, "C(x)")
    >>> fit["params"].round(3).tolist(), round(fit["sigma2"], 3)
    ([1.0, 2.0], 1.0)
    """
    import patsy

    # the design is built once per distinct covariate pattern and gathered to the cells:
    # with a cluster the cells are about as many as the rows, and patsy's categorical
    # coding is a Python loop over values (4.3 s of 5.4 s on 491,552 cells before)
    covars = [c for c in cells.columns if c not in (n, sum_y, sum_y2, groups)]
    pattern = (cells.groupby(covars, sort=False, observed=True, dropna=False).ngroup()
               .to_numpy() if covars else np.zeros(len(cells), dtype=np.int64))
    _, first = np.unique(pattern, return_index=True)
    X = patsy.dmatrix(formula, cells.iloc[first].reset_index(drop=True),
                      return_type="dataframe")
    w = cells[n].to_numpy(float)
    sy = cells[sum_y].to_numpy(float)
    sy2 = cells[sum_y2].to_numpy(float)
    Xp = X.to_numpy()
    n_pat = len(first)
    nobs = w.sum()
    p = Xp.shape[1]
    if np.linalg.matrix_rank(Xp) < p:
        raise ModelError(f"the design {formula!r} is rank deficient: some levels are empty "
                         "or collinear")
    if nobs <= p:
        raise ModelError(f"{int(nobs)} observations for {p} parameters")
    # cross-products per pattern: the cells of one pattern share their design row
    XtWX = Xp.T @ (np.bincount(pattern, weights=w, minlength=n_pat)[:, None] * Xp)
    beta = np.linalg.solve(XtWX, Xp.T @ np.bincount(pattern, weights=sy, minlength=n_pat))
    fitted = (Xp @ beta)[pattern]
    ybar = sy / w
    within = float(np.sum(sy2 - sy**2 / w))
    between = float(np.sum(w * (ybar - fitted) ** 2))
    df_resid = nobs - p
    sigma2 = (within + between) / df_resid
    bread = np.linalg.inv(XtWX)
    n_groups = None
    if groups is None:
        cov = sigma2 * bread
    else:
        codes, uniq = pd.factorize(cells[groups])
        if (codes < 0).any():
            raise DataError(MISSING_VALUES, table="data", column=groups,
                            n_rows=int((codes < 0).sum()), examples=["NaN"])
        n_groups = len(uniq)
        if n_groups < 2:
            raise ModelError(f"a cluster-robust variance needs two or more clusters of "
                             f"{groups!r}, got {n_groups}")
        # a cluster's score is Xp' r_g, with r_g its residual sums per pattern, so the meat
        # sum_g Xp' r_g r_g' Xp is Xp' (R'R) Xp: R'R is patterns x patterns and sparse (a
        # cluster touches few patterns), never clusters x parameters
        R = sparse.csr_matrix((sy - w * fitted, (codes, pattern)), shape=(n_groups, n_pat))
        meat = Xp.T @ np.asarray((R.T @ R) @ Xp)
        factor = n_groups / (n_groups - 1) * (nobs - 1) / (nobs - p)
        cov = factor * bread @ meat @ bread
    names = list(X.columns)
    return {"params": pd.Series(beta, index=names),
            "bse": pd.Series(np.sqrt(np.diag(cov)), index=names),
            "cov": pd.DataFrame(cov, index=names, columns=names), "sigma2": float(sigma2),
            "df_resid": float(df_resid), "nobs": float(nobs), "design_info": X.design_info,
            "cov_type": "nonrobust" if groups is None else "cluster", "n_groups": n_groups}


def _group_stats(values: np.ndarray, counts: np.ndarray, claimed: float,
                 conf: float) -> dict[str, Any]:
    """Mean, 90th percentile and P(score > claimed) with intervals of one subgroup's counts."""
    n = int(counts.sum())
    mean, m_lo, m_hi, sd = mean_from_counts(values, counts, conf)
    p90, q_lo, q_hi = quantile_from_counts(values, counts, 0.9, conf)
    above = float(counts[values > claimed].sum())
    a_lo, a_hi = wilson_ci(above, n, conf)
    return {"n": n, "mean": mean, "mean_ci_low": m_lo, "mean_ci_high": m_hi, "sd": sd,
            "p90": p90, "p90_ci_low": q_lo, "p90_ci_high": q_hi,
            "p_above": above / n if n else np.nan, "p_above_ci_low": float(a_lo),
            "p_above_ci_high": float(a_hi)}


def _check_options(level: float, scale: Scale, basis: str, score: str, basics: Sequence[str],
                   delighters: Sequence[str], others: Sequence[str], cluster: str | None,
                   ) -> tuple[float, list[str], list[str], list[str]]:
    """Check the level, the scale, the basis and the attribute lists.

    Returns the confidence level and the basics, delighters and others as lists.
    """
    conf = check_level(level)
    require_bands(scale)
    if basis not in ("model", "subgroup"):
        raise ParameterError(f"basis must be 'model' or 'subgroup', got {basis!r}")
    basics, delighters, others = list(basics), list(delighters), list(others)
    if not basics:
        raise ParameterError("give at least one basic attribute")
    attrs = basics + delighters + others
    if len(set(attrs)) != len(attrs) or score in attrs:
        raise ParameterError(f"an attribute is listed twice or equals the score: {attrs}")
    if cluster is not None and cluster in attrs + [score]:
        raise ParameterError(f"cluster {cluster!r} is also the score or an attribute")
    return conf, basics, delighters, others


def _count_attribute_cells(data: FrameLike, score: str, attrs: list[str], cluster: str | None,
                           scale: Scale, attribute_scale: Scale) -> pd.DataFrame:
    """Rows per (attributes..., score[, cluster]) cell, ratings and scores checked on the cells."""
    # Counted where the data live (pandas or an engine), which checks the columns and
    # missing values (the cluster ids too); the ratings and scores are checked on the cells.
    scales = dict.fromkeys(attrs, attribute_scale)
    scales[score] = scale
    keys = attrs + [score] + ([cluster] if cluster is not None else [])
    # the cluster is an identifier: only the (cluster, ratings, score) combinations present
    # are counted (200,000 customers would make 2.5e8 potential cells)
    cells = count_scored_cells(data, keys, scales, table="data",
                               id_keys=[cluster] if cluster is not None else [])
    for a in attrs:
        cells[a] = check_cell_scores(cells, a, attribute_scale, "data")
    cells[score] = check_cell_scores(cells, score, scale, "data")
    return cells


def _prediction_points(basics: list[str], delighters: list[str], others: list[str],
                       at: Mapping[str, float] | None, attribute_scale: Scale,
                       present_from: float | None,
                       ) -> tuple[float, float, dict[str, float], dict[str, float]]:
    """The best rating, the delighter threshold and the attribute values predicted at.

    Returns ``best``, ``present_from``, the point without a delighter and the one with every
    delighter at its best.
    """
    best = float(attribute_scale.high)
    if present_from is None:
        present_from = float(attribute_scale.bands[-1].low) if attribute_scale.bands \
            else best
    mid = float(np.floor((attribute_scale.low + attribute_scale.high) / 2))
    at = dict(at or {})
    bad_at = [k for k in at if k not in delighters + others]
    if bad_at:
        raise ParameterError(f"'at' names attributes that are not delighters or others: {bad_at}")
    x0: dict[str, float] = {a: best for a in basics}
    for a in delighters:
        x0[a] = float(at.get(a, min(mid, present_from - 1)))
    for a in others:
        x0[a] = float(at.get(a, mid))
    x1 = dict(x0, **{a: best for a in delighters})
    return best, present_from, x0, x1


def _describe_subgroups(cells: pd.DataFrame, score: str, basics: list[str],
                        delighters: list[str], best: float, present_from: float,
                        claimed: float, conf: float,
                        ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Statistics and score distribution of perfect basics without and with a delighter."""
    s = cells[score].to_numpy(float)
    nn = cells["n"].to_numpy(float)
    basics_best = np.all(cells[basics].to_numpy(float) == best, axis=1)
    if delighters:
        present = np.any(cells[delighters].to_numpy(float) >= present_from, axis=1)
    else:
        present = np.zeros(len(cells), dtype=bool)
    if not basics_best.any():
        raise DataError(f"no respondent has every basic at its best ({best:g})", table="data",
                        column=",".join(basics), n_rows=0)
    values = np.sort(pd.unique(s))
    groups, dist_rows = [], []
    for grp, sel in zip(GROUPS, (basics_best & ~present, basics_best & present)):
        if grp == GROUPS[1] and not delighters:
            continue
        counts = np.zeros(len(values))
        np.add.at(counts, np.searchsorted(values, s[sel]), nn[sel])
        groups.append({"group": grp, **_group_stats(values, counts, claimed, conf)})
        for v, c in zip(values, counts):
            if c > 0:
                dist_rows.append({"group": grp, "score": float(v), "n": int(c)})
    return groups, dist_rows


def _fit_model(cells: pd.DataFrame, score: str, attrs: list[str], cluster: str | None,
               ) -> tuple[dict[str, Any], pd.DataFrame]:
    """The linear model of the score on every attribute, from sums per attribute cell.

    Returns the fit (:func:`fit_linear_cells`) and the cells it was fitted on.
    """
    s = cells[score].to_numpy(float)
    nn = cells["n"].to_numpy(float)
    by = attrs + ([cluster] if cluster is not None else [])
    # least squares from sums is the same for any partition of the rows into cells with one
    # design row (the within-cell sums of squares add up to the total): the (attributes,
    # score[, cluster]) cells are fitted as they are, without regrouping them by the
    # attributes (with the customer id they are about as many as the rows)
    agg = cells[by].assign(n=cells["n"].to_numpy(), sum_y=s * nn, sum_y2=s * s * nn)
    formula = " + ".join(f"C(Q('{a}'))" for a in attrs)
    return fit_linear_cells(agg, formula, groups=cluster), agg


def _predict(fit: dict[str, Any], agg: pd.DataFrame, attrs: list[str], delighters: list[str],
             points: tuple[dict[str, float], dict[str, float]], t_crit: float,
             scale: Scale) -> list[dict[str, Any]]:
    """Predicted mean with confidence and prediction intervals at each prediction point."""
    import patsy

    preds = []
    # the cells are about as many as the rows with a cluster: distinct values by hashing
    seen = {a: sorted(pd.unique(agg[a])) for a in attrs}
    for grp, x in zip(GROUPS, points):
        if grp == GROUPS[1] and not delighters:
            continue
        unseen = [a for a in attrs if x[a] not in seen[a]]
        if unseen:
            raise DataError(f"cannot predict at {x}: no respondent has that rating",
                            table="data", column=",".join(unseen), n_rows=0,
                            examples=[x[a] for a in unseen])
        new = pd.DataFrame({a: pd.Categorical([x[a]], categories=seen[a])
                            for a in attrs})
        X0 = np.asarray(patsy.build_design_matrices([fit["design_info"]], new)[0])[0]
        est = float(X0 @ fit["params"].to_numpy())
        se = float(np.sqrt(X0 @ fit["cov"].to_numpy() @ X0))
        pi = t_crit * np.sqrt(fit["sigma2"] + se**2)
        preds.append({"group": grp, "estimate": est, "ci_low": est - t_crit * se,
                      "ci_high": est + t_crit * se,
                      "pi_low": max(est - pi, float(scale.low)),
                      "pi_high": min(est + pi, float(scale.high)),
                      "std_err": se, **{a: x[a] for a in attrs}})
    return preds


def _model_table(fit: dict[str, Any], t_crit: float, df_t: float) -> pd.DataFrame:
    """The linear model's coefficients with t intervals and p-values."""
    tval = fit["params"] / fit["bse"]
    return pd.DataFrame({
        "term": [str(t).replace("C(Q('", "").replace("'))", "") for t in fit["params"].index],
        "estimate": fit["params"].to_numpy(), "std_err": fit["bse"].to_numpy(),
        "ci_low": (fit["params"] - t_crit * fit["bse"]).to_numpy(),
        "ci_high": (fit["params"] + t_crit * fit["bse"]).to_numpy(),
        "t": tval.to_numpy(),
        "p_value": 2 * stats.t.sf(np.abs(tval.to_numpy()), df_t),
    })


def _estimate_rows(groups: list[dict[str, Any]], preds: list[dict[str, Any]], claimed: float,
                   n_tot: int, cluster: str | None) -> list[dict[str, Any]]:
    """The ``estimates`` rows: subgroup mean, p90 and P(> claimed), then the predictions."""
    rows: list[dict[str, Any]] = []
    for g in groups:
        grp = g["group"]
        rows += [
            {"term": f"mean[{grp}]", "estimate": g["mean"], "ci_low": g["mean_ci_low"],
             "ci_high": g["mean_ci_high"], "n": g["n"], "method": "t", "group": grp},
            {"term": f"p90[{grp}]", "estimate": g["p90"], "ci_low": g["p90_ci_low"],
             "ci_high": g["p90_ci_high"], "n": g["n"], "method": "order statistics",
             "group": grp},
            {"term": f"P(>{claimed:g})[{grp}]", "estimate": g["p_above"],
             "ci_low": g["p_above_ci_low"], "ci_high": g["p_above_ci_high"], "n": g["n"],
             "method": "wilson", "group": grp},
        ]
    for p in preds:
        rows += [
            {"term": f"predicted mean[{p['group']}]", "estimate": p["estimate"],
             "ci_low": p["ci_low"], "ci_high": p["ci_high"], "n": n_tot,
             "method": "OLS on cells (confidence interval" + (
                 f", cluster-robust by {cluster})" if cluster is not None else ")"),
             "group": p["group"]},
            {"term": f"prediction interval[{p['group']}]", "estimate": p["estimate"],
             "ci_low": p["pi_low"], "ci_high": p["pi_high"], "n": n_tot,
             "method": "OLS on cells (prediction interval)", "group": p["group"]},
        ]
    return rows


@positional_options("claimed")
@renamed_keywords(conf_level="level")
@reads(data=("score", "basics", "delighters", "others", "cluster"))
def basics_ceiling(
    data: FrameLike,
    score: str,
    basics: Sequence[str],
    delighters: Sequence[str] = (),
    *,
    claimed: float = 8.5,
    others: Sequence[str] = (),
    at: Mapping[str, float] | None = None,
    scale: Scale = GRADE_1_10,
    attribute_scale: Scale = LIKERT_1_5,
    present_from: float | None = None,
    basis: Literal["model", "subgroup"] = "model",
    level: float = 0.95,
    cluster: str | None = None,
    missing: Missing = "raise",
) -> BasicsCeiling:
    """How high does the score get with every basic at its best and no delighter (T2)?

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per response with the score and the attribute ratings. Polars (eager or
        lazy), a DuckDB relation, a Parquet path or glob and a Dask DataFrame are counted in
        their engine (only the cells come back); the results equal the pandas path.
    score : str
        Overall score column, validated against ``scale``.
    basics : list of str
        Basic (must-be) attribute ratings; "at its best" means the top of
        ``attribute_scale``.
    delighters : list of str
        Delighter ratings; "present" means at least ``present_from``.
    claimed : float
        The claimed ceiling (8.5).
    others : list of str
        Further attributes (performance) entered in the model as covariates.
    at : mapping, optional
        Values of the delighters and ``others`` at which the model predicts the no-delighter
        score. Default: the neutral middle of ``attribute_scale`` (3 on 1-5), lowered below
        ``present_from`` for delighters if needed. The contrast with a delighter sets the
        delighters to the top of the scale.
    scale, attribute_scale : Scale
        Scales of the score and of the attribute ratings.
    present_from : float, optional
        Delighter threshold; default the lower edge of the top band of ``attribute_scale``
        (4 on :data:`~loyaltystats.scales.LIKERT_1_5`).
    basis : {"model", "subgroup"}
        Which mean decides the verdict: the model's prediction at perfect basics and no
        delighter (default; it holds the other attributes fixed) or the raw subgroup mean.
    level : float
        Confidence level.
    cluster : str, optional
        Column that identifies who answered (the customer id). A customer who answers more
        than once gives correlated answers; with ``cluster`` the model's covariance is
        cluster-robust (:func:`fit_linear_cells`) and ``info["cov_type"]`` says so. The
        claims report passes the responses' id. Without it the answers are treated as
        independent (in the simulated default world, about 12 answers per customer, the
        interval of the prediction then covered 0.915 instead of 0.95).
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    BasicsCeiling
        ``estimates`` rows ``mean``, ``p90`` and ``P(>claimed)`` per subgroup, and
        ``predicted mean`` and ``prediction interval`` per subgroup (extra column
        ``group``); see :class:`BasicsCeiling` for the tables.

    Raises
    ------
    ScaleError
        Scores or attribute ratings outside their scales, or missing.
    DataError
        Missing columns; no respondent with every basic at its best.
    ModelError
        A rank-deficient attribute design.

    Notes
    -----
    One :func:`~loyaltystats.tables.count_cells` pass counts rows per (attributes...,
    score), in the engine for an engine input; everything else, including the scale checks
    of the ratings and scores, works on those cells.

    * Subgroups: every basic at the top of its scale and no delighter present (the T2
      group), and every basic at its best with at least one delighter present (the
      contrast). Mean with a t-interval, 90th percentile with a distribution-free
      order-statistic interval, P(score > claimed) with a Wilson interval.
    * Model: ordinary least squares of the score on every attribute as a categorical
      factor (treatment coding, reference the lowest observed rating), fitted from the
      per-cell count, sum and sum of squares (:func:`fit_linear_cells`). The prediction
      at ``x0`` is ``x0'b`` with confidence interval ``+- t se(x0'b)`` and prediction
      interval ``+- t sqrt(s^2 + se^2)`` on ``N - p`` degrees of freedom, clipped to the
      score's scale (an individual score cannot leave it). The model is
      additive; rounding and clipping of grades make the true cell means slightly
      non-additive, so with very large samples its interval can miss a cell mean by a few
      hundredths.
    * Verdict: :func:`~loyaltystats.results.judge_interval` of the chosen mean's interval
      against ``[scale.low, claimed]``: *supported* when the whole interval lies at or
      below the ceiling, *contradicted* when it lies above it, *inconclusive* otherwise.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> df = pd.DataFrame({"B1": rng.integers(1, 6, n), "D1": rng.integers(1, 6, n)})
    >>> latent = 6 + 2 * (df.B1 >= 3) + 1.2 * (df.D1 >= 4) + rng.normal(0, 0.7, n)
    >>> df["grade"] = np.clip(np.round(latent), 1, 10).astype(int)
    >>> res = basics_ceiling(df, "grade", ["B1"], ["D1"])
    >>> res.verdict, round(res.info["ceiling"], 1)
    ('supported', 8.0)
    """
    conf, basics, delighters, others = _check_options(level, scale, basis, score, basics,
                                                      delighters, others, cluster)
    attrs = basics + delighters + others
    cells = _count_attribute_cells(data, score, attrs, cluster, scale, attribute_scale)
    best, present_from, x0, x1 = _prediction_points(basics, delighters, others, at,
                                                    attribute_scale, present_from)
    groups, dist_rows = _describe_subgroups(cells, score, basics, delighters, best,
                                            present_from, claimed, conf)
    fit, agg = _fit_model(cells, score, attrs, cluster)
    # cluster-robust: t with (clusters - 1) degrees of freedom, as statsmodels and Stata
    df_t = fit["df_resid"] if cluster is None else fit["n_groups"] - 1
    t_crit = float(stats.t.ppf(0.5 + conf / 2, df_t))
    preds = _predict(fit, agg, attrs, delighters, (x0, x1), t_crit, scale)
    model = _model_table(fit, t_crit, df_t)
    n_tot = int(cells["n"].to_numpy(float).sum())
    rows = _estimate_rows(groups, preds, claimed, n_tot, cluster)
    if basis == "model":
        est, lo, hi = preds[0]["estimate"], preds[0]["ci_low"], preds[0]["ci_high"]
    else:
        est, lo, hi = groups[0]["mean"], groups[0]["mean_ci_low"], groups[0]["mean_ci_high"]
    verdict = judge_interval(lo, hi, float(scale.low), float(claimed))
    what = "model-predicted mean" if basis == "model" else "subgroup mean"
    reason = (f"{what} with every basic at its best and no delighter {est:.3g} "
              f"[{lo:.3g}, {hi:.3g}] against the ceiling {claimed:g}")
    info = {"cov_type": fit["cov_type"], "cluster": cluster, "n_clusters": fit["n_groups"],
            "score": score, "basics": basics, "delighters": delighters, "others": others,
            "best": best, "present_from": float(present_from), "claimed": float(claimed),
            "basis": basis, "ceiling": float(est), "ceiling_ci_low": float(lo),
            "ceiling_ci_high": float(hi), "n": n_tot, "sigma": float(np.sqrt(fit["sigma2"])),
            "scale": scale.name, "scale_low": float(scale.low),
            "scale_high": float(scale.high), "bands": bands_info(scale)}
    return BasicsCeiling(
        estimates=estimates_frame(rows), title=f"{score} with perfect basics", level=conf,
        tables={"groups": pd.DataFrame(groups), "predictions": pd.DataFrame(preds),
                "model": model, "distribution": pd.DataFrame(dist_rows)},
        info=info, claim_id="T2", statement=STATEMENT, claimed=float(claimed),
        verdict=verdict, reason=reason,
    )
