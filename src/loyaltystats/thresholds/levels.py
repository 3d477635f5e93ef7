"""Score per level of an experience variable (T1, T3), with a proportional-odds model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._boundary import Missing, reads
from .._deprecate import positional_options, renamed_keywords
from .._validate import FrameLike
from ..errors import DataError, ModelError, ParameterError
from ..results import ClaimResult, Result, Verdict, estimates_frame, judge_interval
from ..scales import GRADE_1_10, Scale
from ..stats import wilson_ci
from ._common import (
    bands_info,
    check_level,
    level_order,
    mean_from_counts,
    quantile_from_counts,
    require_bands,
    score_cells,
    shade_bands,
    whiskers,
)
from .ordinal import fit_proportional_odds, saturated_loglik

__all__ = ["LevelTable", "LevelClaim", "by_level", "claim_region"]

STATEMENTS = {
    "T1": "Meeting expectations earns an 8; exceeding them earns a 9+",
    "T3": "A fulfilled basic need gets a 6 or 7; easy or pleasant gets an 8 or 8+; only a "
          "special experience gets a 9",
}


class _LevelPlot:
    """Plot shared by :class:`LevelTable` and :class:`LevelClaim`."""

    tables: Mapping[str, pd.DataFrame]
    info: Mapping[str, Any]
    title: str

    def plot(self, ax: Any = None) -> Any:
        """Mean and median per level with CI whiskers on the score axis, the grade bands
        shaded and, for a claim, the claimed region per level as a hatched box.
        Returns the matplotlib Axes.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import pandas as pd
        >>> df = pd.DataFrame({"grade": [7, 8, 8, 9, 9, 10, 6, 7],
        ...                    "exp": ["met", "met", "met", "exc", "exc", "exc", "met", "exc"]})
        >>> ax = by_level(df, "grade", "exp").plot()
        """
        from .._plotting import get_ax

        ax = get_ax(ax)
        t = self.tables["levels"]
        x = np.arange(len(t))
        shade_bands(ax, self.info["bands"], axis="y", discrete=False)
        for off, stat, marker in ((-0.08, "mean", "o"), (0.08, "median", "D")):
            est = t[stat].to_numpy(float)
            ax.errorbar(x + off, est, yerr=whiskers(est, t[f"{stat}_ci_low"],
                                                    t[f"{stat}_ci_high"]),
                        fmt=marker, capsize=4, label=stat, zorder=3)
        if "verdicts" in self.tables:
            from matplotlib.patches import Rectangle

            pos = {str(lv): i for i, lv in enumerate(t["level"].astype(str))}
            for _, row in self.tables["verdicts"].iterrows():
                i = pos[str(row["level"])]
                ax.add_patch(Rectangle((i - 0.3, row["claim_low"]), 0.6,
                                       row["claim_high"] - row["claim_low"], fill=False,
                                       hatch="//", ec="C3", lw=1, zorder=2,
                                       label="claimed" if i == 0 else None))
        ax.set_xticks(x)
        ax.set_xticklabels(t["level"].astype(str).tolist())
        ax.set_xlim(-0.5, len(t) - 0.5)
        lo, hi = self.info["scale_low"], self.info["scale_high"]
        ax.set_ylim(lo - 0.5, hi + 0.5)
        ax.set_xlabel(str(self.info["level_column"]))
        ax.set_ylabel(str(self.info["score"]))
        handles, labels = ax.get_legend_handles_labels()
        uniq = dict(zip(labels, handles))
        ax.legend(uniq.values(), uniq.keys(), loc="lower right", fontsize=8)
        ax.set_title(self.title)
        return ax


class LevelTable(_LevelPlot, Result):
    """Result of :func:`by_level` without a claim.

    Tables: ``levels`` (one row per level: ``level, n, mean, mean_ci_low, mean_ci_high, sd,
    median, median_ci_low, median_ci_high``), ``exceedance`` (``level, cutoff, n, successes,
    p, ci_low, ci_high``: P(score >= cutoff)), ``bands`` (``level, band, n, share, ci_low,
    ci_high``), ``distribution`` (``level, score, n``), ``model`` (the proportional-odds
    coefficients and cut-points, with odds ratios) and ``tests`` (``test, statistic, df,
    p_value``).
    """


class LevelClaim(_LevelPlot, ClaimResult):
    """Result of :func:`by_level` with ``claimed``: a :class:`LevelTable` plus a verdict.

    The extra table ``verdicts`` has ``level, statistic, estimate, ci_low, ci_high,
    claim_low, claim_high, verdict``.
    """


def claim_region(value: float | Sequence[float], scale: Scale) -> tuple[float, float]:
    """The score region a claimed grade stands for.

    A single number stands for its band of ``scale``: from the band's lower edge up to,
    but not including, the next band's lower edge (so on a fractional grade scale "an 8"
    is ``[8, 9)``, as 8.5 is an 8-and-a-half), and up to the top of the scale for the last
    band ("a 9+" is ``[9, 10]``). A pair ``(low, high)`` is taken literally as ``[low,
    high]``. The half-open upper edge is represented as ``next_low - 1e-9``.

    Examples
    --------
    >>> from loyaltystats.scales import GRADE_1_10
    >>> claim_region(9, GRADE_1_10)
    (9.0, 10.0)
    >>> lo, hi = claim_region(8, GRADE_1_10)
    >>> lo, round(hi, 6)
    (8.0, 9.0)
    >>> claim_region((6, 7.99), GRADE_1_10)
    (6.0, 7.99)
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        if len(value) != 2 or not value[0] <= value[1]:
            raise ParameterError(f"a claimed region must be (low, high) with low <= high, got {value!r}")
        return float(value[0]), float(value[1])
    v = float(value)
    if not (scale.low <= v <= scale.high):
        raise ParameterError(f"claimed grade {v} is outside the scale {scale.name}")
    bands = scale.bands
    lows = [b.low for b in bands]
    i = int(np.searchsorted(lows, v, side="right") - 1)
    if i == len(bands) - 1:
        return float(bands[i].low), float(bands[i].high)
    return float(bands[i].low), float(bands[i + 1].low) - 1e-9


def _level_column_was_level(fn: Any) -> Any:
    """by_level's level column was ``level=`` (now ``by=``, ``level`` being the confidence
    level everywhere): a column name given as ``level=`` still works one release, warned."""
    import functools

    from .._warn import warn_user

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if isinstance(kwargs.get("level"), str):
            if "by" in kwargs or len(args) >= 3:
                raise ParameterError("by_level: the level column is by=; level= is the "
                                     "confidence level")
            warn_user("by_level: the level column is now by= (level= is the confidence "
                      "level, as everywhere); level='column' goes in the next release",
                      DeprecationWarning)
            kwargs["by"] = kwargs.pop("level")
        return fn(*args, **kwargs)

    return wrapper


def _check_options(level: float, scale: Scale, statistic: str) -> float:
    """Check the level, the scale and the statistic; return the confidence level."""
    conf = check_level(level)
    require_bands(scale)
    if statistic not in ("median", "mean"):
        raise ParameterError(f"statistic must be 'median' or 'mean', got {statistic!r}")
    return conf


def _count_levels(data: FrameLike, score: str, by: str, scale: Scale,
                  levels: Sequence[Any] | None,
                  ) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Levels, score values and the (level, score) count matrix; refuse fewer than two levels.

    Returns the levels, the sorted score values, the counts, the rows per level and the
    indices of the levels with data.
    """
    cells = score_cells(data, score, scale, by=[by], table="data")
    # pandas: the column's own order (all categories, even empty ones); engines: the levels
    # found in the cells
    if levels is not None:
        levels = list(levels)
        if len(set(levels)) != len(levels):
            raise ParameterError(f"levels must not repeat, got {levels!r}")
        cells = cells[cells[by].isin(levels).to_numpy()]
    else:
        levels = level_order(data[by] if isinstance(data, pd.DataFrame) else cells[by])
    values = np.sort(pd.unique(cells[score].to_numpy(float)))
    li = pd.Index(levels).get_indexer(cells[by])
    vi = np.searchsorted(values, cells[score].to_numpy(float))
    counts = np.zeros((len(levels), len(values)))
    np.add.at(counts, (li, vi), cells["n"].to_numpy(float))
    n_level = counts.sum(axis=1)
    with_data = np.flatnonzero(n_level > 0)
    if len(with_data) < 2:
        only = [levels[i] for i in with_data]
        raise DataError("the level column needs at least two levels with data to compare",
                        table="data", column=by, n_rows=int(cells["n"].sum()), examples=only)
    return levels, values, counts, n_level, with_data


def _describe_levels(levels: list[Any], values: np.ndarray, counts: np.ndarray,
                     n_level: np.ndarray, scale: Scale, cutoffs: Sequence[float],
                     conf: float) -> tuple[list[dict[str, Any]], ...]:
    """Per level: mean, median, P(score >= cutoff) and band shares, as table and estimate rows.

    Returns the rows of the ``levels``, ``exceedance`` and ``bands`` tables and the
    estimate rows.
    """
    lv_rows, ex_rows, band_rows, est_rows = [], [], [], []
    band_codes = scale.band_codes(values)
    nb = len(scale.bands)
    for i, lv in enumerate(levels):
        c = counts[i]
        n = int(n_level[i])
        mean, m_lo, m_hi, sd = mean_from_counts(values, c, conf)
        med, q_lo, q_hi = quantile_from_counts(values, c, 0.5, conf)
        lv_rows.append({"level": lv, "n": n, "mean": mean, "mean_ci_low": m_lo,
                        "mean_ci_high": m_hi, "sd": sd, "median": med,
                        "median_ci_low": q_lo, "median_ci_high": q_hi})
        est_rows.append({"term": f"mean[{lv}]", "estimate": mean, "ci_low": m_lo,
                         "ci_high": m_hi, "n": n, "method": "t", "level": lv,
                         "quantity": "mean"})
        est_rows.append({"term": f"median[{lv}]", "estimate": med, "ci_low": q_lo,
                         "ci_high": q_hi, "n": n, "method": "order statistics", "level": lv,
                         "quantity": "median"})
        for cut in cutoffs:
            s = float(c[values >= cut].sum())
            lo, hi = wilson_ci(s, n, conf)
            p = s / n if n else np.nan
            ex_rows.append({"level": lv, "cutoff": float(cut), "n": n, "successes": int(s),
                            "p": p, "ci_low": float(lo), "ci_high": float(hi)})
            est_rows.append({"term": f"P(>={cut:g})[{lv}]", "estimate": p, "ci_low": float(lo),
                             "ci_high": float(hi), "n": n, "method": "wilson", "level": lv,
                             "quantity": f"P(>={cut:g})"})
        per_band = np.bincount(band_codes, weights=c, minlength=nb)
        b_lo, b_hi = wilson_ci(per_band, np.full(nb, n), conf)
        for j, b in enumerate(scale.band_names):
            share = per_band[j] / n if n else np.nan
            band_rows.append({"level": lv, "band": b, "n": int(per_band[j]), "share": share,
                              "ci_low": b_lo[j], "ci_high": b_hi[j]})
            est_rows.append({"term": f"share {b}[{lv}]", "estimate": share, "ci_low": b_lo[j],
                             "ci_high": b_hi[j], "n": n, "method": "wilson", "level": lv,
                             "quantity": f"share {b}"})
    return lv_rows, ex_rows, band_rows, est_rows


def _fit_ordinal(levels: list[Any], values: np.ndarray, counts: np.ndarray,
                 with_data: np.ndarray, conf: float,
                 ) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, Any],
                            list[dict[str, Any]]]:
    """Proportional odds on the (level, score) counts and its test against the saturated model.

    Returns the model table, the test rows, the ``info`` entries (the fit's log-likelihood
    and test p-value, or the reason it failed) and the odds-ratio estimate rows.
    """
    model_table = pd.DataFrame()
    tests: list[dict[str, Any]] = []
    info: dict[str, Any] = {}
    or_rows: list[dict[str, Any]] = []
    sub = counts[with_data]
    keep_cat = sub.sum(axis=0) > 0
    sub = sub[:, keep_cat]
    cats = values[keep_cat]
    L, K = sub.shape
    li_g, ki_g = np.nonzero(sub > 0)
    X = np.zeros((len(li_g), L - 1))
    has = li_g > 0
    X[np.flatnonzero(has), li_g[has] - 1] = 1.0
    names = [f"{levels[with_data[g]]} vs {levels[with_data[0]]}" for g in range(1, L)]
    try:
        if K < 2:
            raise ModelError("every response has the same score")
        fit = fit_proportional_odds(X, ki_g, sub[li_g, ki_g], exog_names=names,
                                    categories=[f"{v:g}" for v in cats])
    except ModelError as exc:
        info["model_error"] = str(exc)
    else:
        model_table = fit.table(conf)
        info["po_loglik"] = fit.llf
        for g, name in enumerate(names, start=1):
            row = model_table.iloc[g - 1]
            or_rows.append({"term": f"OR[{name}]", "estimate": row["odds_ratio"],
                            "ci_low": row["or_ci_low"], "ci_high": row["or_ci_high"],
                            "n": int(fit.nobs), "method": "proportional odds (Wald)",
                            "level": levels[with_data[g]], "quantity": "odds ratio"})
        df = (L - 1) * (K - 2)
        if df > 0:
            stat = max(2 * (saturated_loglik(sub) - fit.llf), 0.0)
            tests.append({"test": "proportional odds vs saturated multinomial (LR)",
                          "statistic": stat, "df": df,
                          "p_value": float(stats.chi2.sf(stat, df))})
            info["po_test_p_value"] = tests[-1]["p_value"]
    return model_table, tests, info, or_rows


def _judge_claim(claimed: Mapping[Any, float | Sequence[float]], levels_table: pd.DataFrame,
                 levels: list[Any], by: str, scale: Scale,
                 statistic: str) -> tuple[list[dict[str, Any]], Verdict, str]:
    """Each claimed level's interval against its region, and the overall verdict and reason."""
    if not isinstance(claimed, Mapping) or not claimed:
        raise ParameterError("claimed must be a non-empty mapping level -> grade or (low, high)")
    lv_table = levels_table.set_index(levels_table["level"].astype(str))
    unknown = [k for k in claimed if str(k) not in lv_table.index]
    if unknown:
        raise DataError(f"claimed levels not found; levels are {[str(v) for v in levels]}",
                        table="data", column=by, n_rows=0, examples=unknown)
    v_rows = []
    for key, value in claimed.items():
        lo, hi = claim_region(value, scale)
        row = lv_table.loc[str(key)]
        est, c_lo, c_hi = (float(row[statistic]), float(row[f"{statistic}_ci_low"]),
                           float(row[f"{statistic}_ci_high"]))
        v_rows.append({"level": key, "statistic": statistic, "estimate": est, "ci_low": c_lo,
                       "ci_high": c_hi, "claim_low": lo, "claim_high": hi,
                       "verdict": judge_interval(c_lo, c_hi, lo, hi)})
    verdicts = [r["verdict"] for r in v_rows]
    verdict: Verdict
    if "contradicted" in verdicts:
        verdict = "contradicted"
    elif all(v == "supported" for v in verdicts):
        verdict = "supported"
    else:
        verdict = "inconclusive"
    parts = [f"{r['level']}: {statistic} {r['estimate']:.3g} [{r['ci_low']:.3g}, "
             f"{r['ci_high']:.3g}] vs [{r['claim_low']:.3g}, {r['claim_high']:.3g}] "
             f"{r['verdict']}" for r in v_rows]
    return v_rows, verdict, "; ".join(parts)


@positional_options("scale", "claimed")
@renamed_keywords(conf_level="level")
@_level_column_was_level
@reads(data=("score", "by"))
def by_level(
    data: FrameLike,
    score: str,
    by: str,
    *,
    scale: Scale = GRADE_1_10,
    claimed: Mapping[Any, float | Sequence[float]] | None = None,
    statistic: Literal["median", "mean"] = "median",
    cutoffs: Sequence[float] = (8, 9),
    claim_id: str = "T1",
    statement: str | None = None,
    level: float = 0.95,
    levels: Sequence[Any] | None = None,
    missing: Missing = "raise",
) -> LevelTable | LevelClaim:
    """The score per level of an experience variable, with an ordinal model (T1, T3).

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per response. Polars, DuckDB, Parquet paths and Dask are counted in their
        engine (see docs/engines.md); the results equal the pandas path.
    score : str
        Score column, validated against ``scale``.
    by : str
        The level column, an experience variable: expectations below / met / exceeded
        (T1), or the tiers meets needs / easy / enjoyable (T3). Levels are taken in
        category order for a categorical column (unused categories are reported with
        ``n = 0``), else sorted; ``levels`` overrides both. The first level with data is the
        reference of the ordinal model. (Its old name ``level=`` works one release.)
    scale : Scale
        Declared scale with bands.
    claimed : mapping, optional
        Level -> claimed grade (a number, standing for its band, see :func:`claim_region`)
        or an explicit region ``(low, high)``, e.g. ``{"met": 8, "exceeded": 9}`` (T1) or
        ``{"meets needs": (6, 7.99), "easy": 8, "enjoyable": 9}`` (T3). Turns the result
        into a :class:`LevelClaim`.
    statistic : {"median", "mean"}
        Which per-level statistic is compared with the claimed region. Default the median:
        "earns an 8" reads as the typical customer's grade, and the mean of a bounded grade
        is pulled down by the long lower tail (a level whose customers mostly give 8 and a
        few give 4 has a mean below 8).
    cutoffs : sequence of float
        Thresholds ``c`` for the exceedance probabilities P(score >= c).
    claim_id, statement : str
        Claim identifier and text (default the T1 statement; ``claim_id="T3"`` picks T3's).
    level : float
        Confidence level of every interval and of the tests (``conf_level=`` is its old
        name, kept one release).
    levels : sequence, optional
        Only these levels, in this order (a level without data is reported with ``n = 0``).
        Rows at other levels are counted and validated but left out of every estimate: T3
        speaks about three tiers and says nothing about "not met".
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    LevelTable or LevelClaim
        ``estimates`` rows ``mean[l]``, ``median[l]``, ``P(>=c)[l]``, ``share <band>[l]``
        per level ``l`` and ``OR[l vs ref]`` per non-reference level (extra columns
        ``level`` and ``quantity``); see :class:`LevelTable` for the tables.

    Raises
    ------
    ScaleError
        Scores outside the scale or missing.
    DataError
        A level column with fewer than two levels holding data, missing level values,
        claimed levels that do not exist.

    Notes
    -----
    All estimates come from the counts per (level, score) of one
    :func:`~loyaltystats.tables.count_cells` pass.

    * Mean: t-interval. Median and other quantiles: distribution-free order-statistic
      interval (Conover 1999, section 3.2), which on a discrete scale often collapses to
      one grade when n is large.
    * P(score >= c) and band shares: Wilson intervals.
    * Proportional odds: ``logit P(score <= k | level) = theta_k - beta_level`` fitted on
      the counts (the distinct score values are the ordered categories); ``exp(beta)`` is
      the odds ratio of a higher rather than a lower score against the reference level,
      with Wald intervals. A failed fit (e.g. a level whose answers are all at the top
      grade) leaves the model table empty and puts the reason in ``info["model_error"]``.
    * Proportional-odds test: likelihood ratio of the model against the saturated
      multinomial (one free distribution per level, which is also the non-proportional
      cumulative-logit model): ``2 (l_sat - l_po)`` on ``(L - 1)(K - 2)`` degrees of
      freedom for ``L`` levels and ``K`` score categories. With sparse low grades the
      chi-squared approximation is rough; with millions of rows it rejects tiny
      departures.
    * Verdict: for each claimed level, :func:`~loyaltystats.results.judge_interval` of the
      chosen statistic's interval against the claimed region: *supported* when every
      claimed level is supported, *contradicted* when at least one is contradicted,
      *inconclusive* otherwise.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"grade": [7, 8, 8, 8, 9, 9, 10, 9, 6, 8],
    ...                    "exp": ["met"] * 5 + ["exceeded"] * 5})
    >>> res = by_level(df, "grade", "exp", claimed={"met": 8, "exceeded": 9})
    >>> res.tables["levels"][["level", "n", "mean", "median"]]
          level  n  mean  median
    0  exceeded  5   8.4     9.0
    1       met  5   8.0     8.0
    >>> res.verdict
    'inconclusive'
    """
    conf = _check_options(level, scale, statistic)
    levels, values, counts, n_level, with_data = _count_levels(data, score, by, scale, levels)
    lv_rows, ex_rows, band_rows, est_rows = _describe_levels(levels, values, counts, n_level,
                                                             scale, cutoffs, conf)
    info: dict[str, Any] = {"score": score, "level_column": by, "scale": scale.name,
                            "scale_low": float(scale.low), "scale_high": float(scale.high),
                            "bands": bands_info(scale), "n": int(n_level.sum()),
                            "statistic": statistic,
                            "reference": str(levels[with_data[0]])}
    model_table, tests, model_info, or_rows = _fit_ordinal(levels, values, counts, with_data,
                                                           conf)
    info.update(model_info)
    est_rows += or_rows
    tables = {
        "levels": pd.DataFrame(lv_rows),
        "exceedance": pd.DataFrame(ex_rows),
        "bands": pd.DataFrame(band_rows),
        "distribution": pd.DataFrame({
            "level": np.repeat(np.array(levels, dtype=object), len(values)),
            "score": np.tile(values, len(levels)),
            "n": counts.ravel().astype(np.int64)}).query("n > 0").reset_index(drop=True),
        "model": model_table,
        "tests": pd.DataFrame(tests, columns=["test", "statistic", "df", "p_value"]),
    }
    estimates = estimates_frame(est_rows)
    title = f"{score} by {by}"
    if claimed is None:
        return LevelTable(estimates=estimates, title=title, level=conf, tables=tables, info=info)
    v_rows, verdict, reason = _judge_claim(claimed, tables["levels"], levels, by, scale,
                                           statistic)
    tables["verdicts"] = pd.DataFrame(v_rows)
    claimed_json = {str(k): (list(v) if isinstance(v, (list, tuple)) else float(v))
                    for k, v in claimed.items()}
    return LevelClaim(
        estimates=estimates, title=title, level=conf, tables=tables, info=info,
        claim_id=claim_id, statement=statement or STATEMENTS.get(claim_id, ""),
        claimed=claimed_json, verdict=verdict, reason=reason,
    )
