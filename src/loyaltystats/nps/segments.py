"""NPS per segment (with multiplicity control) and per period (with a test for trend) (N1).

Both functions reduce the rows once to a table of counts per (group, NPS category) with
:func:`loyaltystats.tables.count_cells`; every estimate, interval and test below is computed
from that small table. Engine inputs (Polars, DuckDB, Parquet, Dask) are counted per
(group, answer) in their engine, and the answers are checked and categorized on those cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from .._boundary import Missing, reads
from .._deprecate import positional_options
from .._validate import FrameLike, reword_missing, same_rows
from ..errors import DataError, ParameterError, ScaleError
from ..results import Result, estimates_frame
from ..scales import MISSING_VALUES, RECOMMEND_0_10, Scale
from ..tables import count_cells
from ._common import CATEGORIES, categorize, category_map, z_value
from .score import CIMethod, nps_interval, variance

__all__ = ["SegmentNPS", "TrendNPS", "by_segment", "trend"]


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class SegmentNPS(Result):
    """NPS per segment with the difference from the rest and adjusted p-values.

    ``estimates`` has one row per segment (``term`` = segment label) with the extra columns
    ``std_err``, ``n_eff``, ``diff_vs_rest``, ``diff_ci_low``, ``diff_ci_high``, ``z``,
    ``p_value``, ``p_holm``, ``p_bh`` and ``significant`` (by the chosen adjustment at
    ``1 - level``). ``tables["counts"]`` holds the (weighted) counts per segment.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"rec": [10, 9, 3, 8, 2, 10], "seg": list("aabbcc")})
    >>> by_segment(df, "rec", "seg").estimates["term"].tolist()
    ['a', 'b', 'c']
    """

    def plot(self, ax: Any = None) -> Any:
        """NPS per segment with interval bars and the overall NPS as a line; returns the Axes."""
        from .plots import plot_nps_bars

        return plot_nps_bars(self.estimates, ax=ax, overall=self.info.get("overall_nps"),
                             title=self.title)


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class TrendNPS(Result):
    """NPS per period with a test for a linear trend.

    ``estimates`` has one row per period; ``tables["trend"]`` the slope (NPS points per unit of
    the period position) with CI, z and p-value; the same numbers are in ``info``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"rec": [10, 9, 3, 8, 10, 10], "wave": [1, 1, 2, 2, 3, 3]})
    >>> trend(df, "rec", "wave").estimates["estimate"].tolist()
    [100.0, -50.0, 100.0]
    """

    def plot(self, ax: Any = None) -> Any:
        """NPS per period with interval bars; returns the Axes."""
        from .plots import plot_nps_bars

        slope = self.info.get("slope")
        p = self.info.get("p_value")
        title = self.title if slope is None else (
            f"{self.title}\nslope {slope:.2f} points per period, p = {p:.3g}")
        ax = plot_nps_bars(self.estimates, ax=ax, title=title, horizontal=False)
        ax.set_xlabel(str(self.info.get("time", "period")))
        return ax


def _group_counts(data: pd.DataFrame, recommend: str, group: str, scale: Scale,
                  weights: str | None, what: str
                  ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Validate and count per (group, category): labels, rows, weight sums, squared weights.

    The three grids have shape (k groups, 3 categories); unweighted, all three are the counts.
    """
    cells = _counted_cells(data, recommend, group, scale, weights, what)
    labels = cells[[group]].drop_duplicates().reset_index(drop=True)
    key = pd.MultiIndex.from_frame(cells[[group, "_category"]])
    full = pd.MultiIndex.from_product([labels[group], [0, 1, 2]], names=[group, "_category"])

    def grid(col: str) -> np.ndarray:
        s = pd.Series(cells[col].to_numpy(float), index=key).reindex(full, fill_value=0.0)
        return s.to_numpy().reshape(len(labels), 3)

    n = grid("n")
    if weights is None:
        return labels, n, n, n
    return labels, n, grid("weight"), grid("weight_sq")


def _unused_levels(categories: Any, present: Any, group: str, what: str) -> None:
    unused = sorted(set(categories) - set(present), key=str)
    if unused:
        raise DataError(f"empty {what}s (categories with no rows); remove unused categories",
                        table="data", column=group, n_rows=0, examples=unused)


def _counted_cells(data: Any, recommend: str, group: str, scale: Scale, weights: str | None,
                  what: str) -> pd.DataFrame:
    """Counts per (group, category) of any input (pandas, Polars, DuckDB, Parquet, Dask).

    The count per (group, raw answer) checks missing labels and answers and the weights
    while it groups; the distinct answers are checked against ``scale`` on that small table
    (the rows behind a bad value are the sum of ``n`` over its cells) and mapped to the three
    categories there. No rows leave an engine.
    """
    from .._cells import check_cell_scores

    category_map(scale)  # a scale without NPS bands fails before anything is counted
    with reword_missing({recommend: same_rows(MISSING_VALUES, ScaleError)}):
        cells = count_cells(data, [group, recommend], weights=weights, table="data")
    grp = cells[group]
    if isinstance(grp.dtype, pd.CategoricalDtype):
        _unused_levels(grp.cat.categories, grp.unique(), group, what)
    x = check_cell_scores(cells, recommend, scale, "data")
    if weights is not None and not (cells["weight"].to_numpy() > 0).any():
        raise DataError("all weights are zero", table="data", column=weights,
                        n_rows=int(cells["n"].sum()))
    cells = cells.drop(columns=recommend).assign(
        _category=categorize(x, scale, column=recommend, table="data"))
    sums = [c for c in ("n", "weight", "weight_sq") if c in cells.columns]
    return cells.groupby([group, "_category"], sort=True, observed=True,
                         as_index=False)[sums].sum()


def _per_group_rows(labels: pd.Series, totals: np.ndarray, n_rows: np.ndarray,
                    n_eff: np.ndarray, ci: CIMethod, level: float, n_boot: int,
                    seed: Any) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray]:
    lo, hi = nps_interval(totals, method=ci, level=level, n_eff=n_eff, n_boot=n_boot, seed=seed)
    p = totals / totals.sum(axis=1, keepdims=True)
    d = p[:, 2] - p[:, 0]
    var = variance(p[:, 2], p[:, 0], n_eff)
    rows = [{"term": str(lab), "estimate": 100 * d[i], "ci_low": 100 * lo[i],
             "ci_high": 100 * hi[i], "n": int(round(n_rows[i])), "method": ci,
             "std_err": 100 * float(np.sqrt(var[i])), "n_eff": float(n_eff[i])}
            for i, lab in enumerate(labels)]
    return rows, d, var


@positional_options("adjust")
@reads(data=("recommend", "by", "weights"))
def by_segment(
    data: FrameLike,
    recommend: str,
    by: str,
    *,
    adjust: Literal["holm", "fdr_bh"] = "holm",
    scale: Scale = RECOMMEND_0_10,
    weights: str | None = None,
    ci: CIMethod = "wald",
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
    missing: Missing = "raise",
) -> SegmentNPS:
    """NPS per segment, each segment against the rest, with multiplicity-adjusted p-values.

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per answer. Polars (eager or lazy), a DuckDB relation, a Parquet path or glob
        and a Dask DataFrame are counted in their engine; the results equal the pandas path.
    recommend : str
        Column of recommend answers on ``scale``.
    by : str
        Segment column. Missing labels, unused categorical levels and segments whose answers
        are all missing raise :class:`~loyaltystats.errors.DataError`.
    adjust : {"holm", "fdr_bh"}
        (``"bh"`` is accepted for ``"fdr_bh"``.) Which adjusted p-value decides the ``significant`` column; both Holm (family-wise
        error) and Benjamini-Hochberg (false discovery rate) are always reported.
    scale, ci, level, n_boot, seed
        As in :func:`score`; ``ci`` is the interval of each segment's NPS.
    weights : str, optional
        Column of survey weights (Kish effective sizes per segment and for the rest).
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    SegmentNPS
        One row per segment; ``info`` has the overall NPS and a chi-square test that the
        three shares are the same in every segment.

    Notes
    -----
    The difference of a segment from the rest is ``D = NPS_s - NPS_rest`` with
    ``Var(D) = Var(NPS_s) + Var(NPS_rest)`` (disjoint, independent samples; trinomial
    variances), a Wald interval and a z-test. The k p-values are adjusted with Holm's
    step-down method and with Benjamini & Hochberg's step-up method
    (:func:`statsmodels.stats.multitest.multipletests`). The chi-square test of homogeneity
    uses the k x 3 counts (with weights: the weighted shares times each segment's ``n_eff``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"rec": rng.integers(0, 11, 600), "region": np.repeat(list("ABC"), 200)})
    >>> r = by_segment(df, "rec", "region")
    >>> r.estimates[["term", "n"]].values.tolist()
    [['A', 200], ['B', 200], ['C', 200]]
    >>> bool((r.estimates["p_holm"] >= r.estimates["p_value"]).all())
    True
    """
    adjust = "fdr_bh" if adjust in ("bh", "BH") else adjust  # type: ignore[assignment]
    if adjust not in ("holm", "fdr_bh"):
        raise ParameterError(f"adjust must be 'holm' or 'fdr_bh' ('bh'), got {adjust!r}")
    z = z_value(level)
    labels, n_grid, totals, wsq_grid = _group_counts(data, recommend, by, scale, weights,
                                                     "segment")
    n_rows, wsum, wsq = n_grid.sum(axis=1), totals.sum(axis=1), wsq_grid.sum(axis=1)
    if len(labels) < 2:
        raise DataError("need at least two segments to compare", table="data", column=by,
                        examples=labels[by].tolist())
    n_eff = wsum**2 / wsq
    rows, d, var = _per_group_rows(labels[by], totals, n_rows, n_eff, ci, level, n_boot, seed)
    rest = totals.sum(axis=0) - totals
    rest_w, rest_wsq = wsum.sum() - wsum, wsq.sum() - wsq
    n_eff_rest = rest_w**2 / rest_wsq
    pr = rest / rest.sum(axis=1, keepdims=True)
    d_rest = pr[:, 2] - pr[:, 0]
    se = np.sqrt(var + variance(pr[:, 2], pr[:, 0], n_eff_rest))
    diff = d - d_rest
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = np.where(se > 0, diff / se, np.where(diff == 0, 0.0, np.inf))
    pv = 2 * stats.norm.sf(np.abs(zs))
    p_holm = multipletests(pv, method="holm")[1]
    p_bh = multipletests(pv, method="fdr_bh")[1]
    chosen = p_holm if adjust == "holm" else p_bh
    for i, r in enumerate(rows):
        r.update(diff_vs_rest=100 * diff[i], diff_ci_low=100 * (diff[i] - z * se[i]),
                 diff_ci_high=100 * (diff[i] + z * se[i]), z=float(zs[i]), p_value=float(pv[i]),
                 p_holm=float(p_holm[i]), p_bh=float(p_bh[i]),
                 significant=bool(chosen[i] < 1 - level))
    eff_counts = totals / totals.sum(axis=1, keepdims=True) * n_eff[:, None]
    keep = eff_counts.sum(axis=0) > 0
    if keep.sum() >= 2:
        chi2, chi_p, dof, _ = stats.chi2_contingency(eff_counts[:, keep], correction=False)
    else:
        chi2, chi_p, dof = 0.0, 1.0, 0
    tot = totals.sum(axis=0)
    overall = 100 * float((tot[2] - tot[0]) / tot.sum())
    counts = labels.copy()
    for k, name in enumerate(CATEGORIES):
        counts[name + "s"] = totals[:, k]
    counts["n"] = n_rows.astype(np.int64)
    counts["n_eff"] = n_eff
    info = {"overall_nps": overall, "adjust": adjust, "ci": ci, "n_segments": len(labels),
            "chi2": float(chi2), "chi2_df": int(dof), "chi2_p_value": float(chi_p),
            "weighted": weights is not None}
    return SegmentNPS(estimates=estimates_frame(rows), level=level, info=info,
                      tables={"counts": counts},
                      title=f"NPS of {recommend} by {by} ({ci} intervals, {adjust} adjusted)")


@reads(data=("recommend", "time", "weights"))
def trend(
    data: FrameLike,
    recommend: str,
    time: str,
    *,
    scale: Scale = RECOMMEND_0_10,
    weights: str | None = None,
    ci: CIMethod = "wald",
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
    missing: Missing = "raise",
) -> TrendNPS:
    """NPS per period with CIs and a test for a linear trend.

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per answer. Polars (eager or lazy), a DuckDB relation, a Parquet path or glob
        and a Dask DataFrame are counted in their engine; the results equal the pandas path.
    recommend : str
        Column of recommend answers on ``scale``.
    time : str
        Period column. Numeric periods are used as positions on the time axis (so gaps
        count); any other type (dates, labels) is sorted and placed at 0, 1, 2, ...
    scale, weights, ci, level, n_boot, seed
        As in :func:`by_segment`.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    TrendNPS
        One ``estimates`` row per period; ``tables["trend"]`` and ``info`` hold the slope in
        NPS points per unit of the time position, its CI, ``z`` and ``p_value``.

    Notes
    -----
    The trend is the least-squares slope ``b`` of the answer score ``s`` in {-1, 0, 1}
    (detractor, passive, promoter) on the period position ``t``; since the NPS is the mean of
    ``s``, ``100 b`` is the change of the NPS per unit of ``t``. Its standard error is the
    heteroscedasticity-consistent sandwich (HC0)
    ``sqrt(sum_i w_i^2 (t_i - t_bar)^2 e_i^2) / sum_i w_i (t_i - t_bar)^2``, computed exactly
    from the counts per (period, category) cell; unweighted, it equals statsmodels
    ``OLS(...).fit(cov_type="HC0")`` on the rows. z-test, two-sided.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> wave = np.repeat([1, 2, 3, 4], 500)
    >>> rec = np.where(rng.random(2000) < 0.3 + 0.05 * wave, 10, 5)
    >>> r = trend(pd.DataFrame({"rec": rec, "wave": wave}), "rec", "wave")
    >>> len(r.estimates), r.info["slope"] > 0, r.info["p_value"] < 0.05
    (4, True, True)
    """
    z = z_value(level)
    labels, n_grid, totals, wsq_grid = _group_counts(data, recommend, time, scale, weights,
                                                     "period")
    n_rows, wsum, wsq = n_grid.sum(axis=1), totals.sum(axis=1), wsq_grid.sum(axis=1)
    if len(labels) < 2:
        raise DataError("need at least two periods for a trend", table="data", column=time,
                        examples=labels[time].tolist())
    n_eff = wsum**2 / wsq
    rows, _, _ = _per_group_rows(labels[time], totals, n_rows, n_eff, ci, level, n_boot, seed)
    lab = labels[time]
    if lab.dtype.kind in "iuf":
        pos = lab.to_numpy(float)
    else:
        pos = np.arange(len(lab), dtype=float)  # count_cells returns the labels sorted
    W, S2 = totals, wsq_grid  # per (period, category) cell
    s = np.array([-1.0, 0.0, 1.0])
    t = np.repeat(pos[:, None], 3, axis=1)
    y = np.broadcast_to(s, W.shape)
    sw = W.sum()
    tbar = float((W * t).sum() / sw)
    ybar = float((W * y).sum() / sw)
    sxx = float((W * (t - tbar) ** 2).sum())
    b = float((W * (t - tbar) * (y - ybar)).sum() / sxx)
    a = ybar - b * tbar
    e = y - a - b * t
    se = float(np.sqrt((S2 * (t - tbar) ** 2 * e**2).sum()) / sxx)
    zs = b / se if se > 0 else (0.0 if b == 0 else np.inf)
    pv = float(2 * stats.norm.sf(abs(zs)))
    trend_tab = pd.DataFrame([{
        "term": "slope", "estimate": 100 * b, "ci_low": 100 * (b - z * se),
        "ci_high": 100 * (b + z * se), "n": int(n_rows.sum()),
        "method": "least-squares slope of the answer score, HC0 sandwich SE",
        "std_err": 100 * se, "z": float(zs), "p_value": pv}])
    info = {"slope": 100 * b, "slope_ci_low": 100 * (b - z * se),
            "slope_ci_high": 100 * (b + z * se), "std_err": 100 * se, "z": float(zs),
            "p_value": pv, "ci": ci, "n_periods": len(labels), "weighted": weights is not None,
            "time": time,
            "positions": "values" if lab.dtype.kind in "iuf" else "ranks"}
    return TrendNPS(estimates=estimates_frame(rows), level=level, info=info,
                    tables={"trend": trend_tab},
                    title=f"NPS of {recommend} by {time} ({ci} intervals)")

