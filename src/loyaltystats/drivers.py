"""Driver importance for two outcomes (claim P2: satisfaction and loyalty have different drivers).

Importance is the Shapley (LMG) decomposition of a linear regression's R-squared: each driver's
average gain in R-squared over all orders in which the drivers can enter. Normalized shares sum
to one per outcome, so the two outcomes' driver profiles can be compared directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._boundary import Missing, reads
from ._plotting import get_ax
from ._validate import FrameLike, as_frame
from .data import validate_column
from .errors import DataError
from .results import ClaimResult, estimates_frame, judge_interval
from .scales import Scale
from .stats.dominance import dominance_statistics, shapley_r2
from .stats.patterns import row_patterns, weighted_cov
from .stats.seeds import make_rng

__all__ = ["DriverImportance", "driver_importance", "shapley_r2"]

STATEMENT_P2 = "Satisfaction and loyalty have different drivers."


def _dominance_tables(cov: np.ndarray, drivers: list[str], outcomes: list[str]
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dominance statistics and pairwise dominance of the drivers, per outcome."""
    p = len(drivers)
    stats_, pairs = [], []
    for k, o in enumerate(outcomes):
        sub = cov[np.ix_(list(range(p)) + [p + k], list(range(p)) + [p + k])]
        st, pr = dominance_statistics(sub, drivers)
        stats_.append(st.assign(outcome=o))
        pairs.append(pr.assign(outcome=o))
    first = ["outcome"]
    st_all, pr_all = pd.concat(stats_, ignore_index=True), pd.concat(pairs, ignore_index=True)
    return (st_all[first + [c for c in st_all.columns if c != "outcome"]],
            pr_all[first + [c for c in pr_all.columns if c != "outcome"]])


def _profile(cov: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Each outcome's Shapley shares of R-squared and its R-squared, from the covariance
    of the ``p`` drivers followed by the two outcomes."""
    shares, r2 = [], []
    for k in range(2):
        sub = cov[np.ix_(list(range(p)) + [p + k], list(range(p)) + [p + k])]
        contrib = shapley_r2(sub)
        total = contrib.sum()
        r2.append(total)
        shares.append(contrib / total if total > 0 else np.full(p, np.nan))
    return np.array(shares), np.array(r2)


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class DriverImportance(ClaimResult):
    """Result of :func:`driver_importance`."""

    def plot(self, ax: Any = None) -> Any:
        """Side-by-side bars of each driver's share of R-squared for the two outcomes."""
        ax = get_ax(ax)
        sh = self.tables["shares"]
        drivers = sh["driver"].unique().tolist()
        x = np.arange(len(drivers))
        for off, (outcome, g) in zip((-0.2, 0.2), sh.groupby("outcome", sort=False)):
            g = g.set_index("driver").loc[drivers]
            # percentile intervals need not contain the point estimate: clip the whiskers
            err = [np.clip(g["share"] - g["ci_low"], 0, None),
                   np.clip(g["ci_high"] - g["share"], 0, None)]
            ax.bar(x + off, g["share"].fillna(0), width=0.4, label=str(outcome),
                   yerr=np.nan_to_num(np.array(err, dtype=float)), capsize=3)
        ax.set_xticks(x)
        ax.set_xticklabels(drivers)
        ax.set_ylabel("share of R-squared (Shapley)")
        ax.legend(fontsize=8)
        ax.set_title(f"P2 drivers: {self.verdict}")
        return ax


def _max_abs_interval(diff: np.ndarray, boot: np.ndarray, level: float) -> tuple[float, float]:
    """Interval of max_j |d_j| from simultaneous (max-t) bootstrap intervals of every d_j."""
    keep = np.isfinite(diff) & np.isfinite(boot).all(axis=0)
    if not keep.any():
        return np.nan, np.nan
    d, b = diff[keep], boot[:, keep]
    se = b.std(axis=0, ddof=1)
    se = np.where(se > 0, se, np.finfo(float).tiny)
    t_max = np.max(np.abs(b - d) / se, axis=1)
    c = float(np.quantile(t_max, level))
    lo = float(np.max(np.maximum(np.abs(d) - c * se, 0.0)))
    hi = float(np.max(np.abs(d) + c * se))
    return min(lo, 1.0), min(hi, 1.0)


@reads(data=("outcomes", "drivers"))
def driver_importance(data: FrameLike, outcomes: Sequence[str], drivers: Sequence[str], *,
                      same: float = 0.1, different: float = 0.2, n_boot: int = 300,
                      seed: int | np.random.Generator = 0,
                      level: float = 0.95,
                      scales: Mapping[str, Scale] | None = None,
                      missing: Missing = "raise") -> DriverImportance:
    """Compare the driver profiles of two outcomes (claim P2).

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per respondent; numeric columns. From Polars, DuckDB, Parquet paths and
        Dask only the driver and outcome columns are collected into pandas.
    outcomes : pair of str
        The two outcomes, e.g. ``("grade", "loyalty_level")``.
    drivers : sequence of str
        Driver columns (attribute ratings); at most 12 (the decomposition visits all subsets).
    same, different : float
        Verdict regions for the largest difference in a driver's share between the outcomes:
        contradicted ("same drivers") when its interval lies inside ``[0, same]``, supported
        when inside ``[different, 1]``, inconclusive otherwise.
    n_boot : int
        Bootstrap replicates (a multinomial draw of the row patterns' counts, equal in
        distribution to resampling rows; the statistic is computed from the resampled
        covariance matrix).
    seed : int or Generator
        Seed of the random steps (default 0: the same call gives the same numbers; ``None`` is refused).
    level : float
        Confidence level.
    scales : mapping of column -> Scale, optional
        Scales of the outcomes and drivers: a value off its scale raises
        :class:`~loyaltystats.errors.ScaleError`. Columns without a scale must be finite
        numbers (never text or booleans).
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    DriverImportance
        ``estimates``: ``max share difference`` first, then each driver's share difference;
        ``tables["shares"]``: per outcome and driver, the share and its interval, R-squared,
        and ``ci_excludes_share`` (the percentile interval misses the share itself, as it
        can for a share near 0: read that interval with care);
        ``tables["dominance"]``: per outcome and driver, the general dominance statistic
        (the Shapley value, in R-squared) and the conditional ones ``size_0 ..``
        (:func:`~loyaltystats.stats.dominance_statistics`);
        ``tables["dominance_pairs"]``: per outcome and pair of drivers, which one
        dominates completely, conditionally and generally (or ``"undetermined"``).

    Notes
    -----
    Everything is computed from the covariance matrix, so the rows are counted once into
    their distinct patterns (:func:`~loyaltystats.stats.row_patterns`; ratings on a few points make few patterns)
    and each bootstrap replicate draws the patterns' counts from the multinomial
    distribution with the observed frequencies, which is the row bootstrap's distribution of
    the resampled data: its cost grows with the patterns, not the rows. The largest
    absolute difference ``max_j |d_j|`` is not a smooth function of the data (it is biased
    upward when the differences are small), so its interval is built from simultaneous
    intervals of all the differences: with ``c`` the ``level`` quantile of the bootstrap
    ``max_j |d*_j - d_j| / se_j`` (``se_j`` the bootstrap standard deviations), the
    intervals ``d_j +- c se_j`` hold together with probability ``level``, and then so does
    ``[max_j max(0, |d_j| - c se_j), max_j (|d_j| + c se_j)]`` for the largest absolute
    difference. It is conservative by construction. The percentile interval of the
    statistic (used before) covered a true largest difference of 0.014 in 0.49 of 200
    simulated studies of 5,000 customers; the basic interval fixed that but said
    "supported" when one outcome was pure noise. The shares table and R-squared show when
    the outcomes are weakly explained.

    Examples
    --------
    >>> from loyaltystats.simulate import generate
    >>> r = generate(3000, seed=1).responses
    >>> res = driver_importance(r, ("grade", "loyalty_level"), ["B1", "B2", "P1", "D1"],
    ...                         n_boot=50, seed=1)
    >>> res.estimates["term"].iloc[0]
    'max share difference'
    """
    outcomes = list(outcomes)
    drivers = list(drivers)
    if len(outcomes) != 2:
        raise DataError(f"need exactly two outcomes, got {outcomes}", table="data")
    if not 1 < len(drivers) <= 12:
        raise DataError(f"need 2 to 12 drivers, got {len(drivers)}", table="data")
    cols = drivers + outcomes
    data = as_frame(data, cols, "data")
    absent = [c for c in cols if c not in data.columns]
    if absent:
        raise DataError(f"missing column(s) {absent}", table="data")
    scales = dict(scales or {})
    for c in cols:
        # the data contract: finite numbers (no text, booleans or NaN), on the column's scale
        # when one is given
        if c in scales:
            validate_column(data, c, "score", table="data", scale=scales[c])
        else:
            validate_column(data, c, "number", table="data")
    if len(data) < len(drivers) + 3:
        raise DataError(f"{len(data)} rows for {len(drivers)} drivers: too few to fit",
                        table="data", n_rows=len(data))
    # the sufficient statistics are the cross-products of the columns, so the rows are
    # counted once into their distinct patterns and every bootstrap replicate reweights those
    # patterns: the cost no longer grows with the rows (issue #23)
    patterns, counts = row_patterns(data[cols].to_numpy(float))
    p = len(drivers)
    cov = weighted_cov(patterns, counts)
    shares, r2 = _profile(cov, p)
    dom_stats, dom_pairs = _dominance_tables(cov, drivers, outcomes)
    diff = shares[0] - shares[1]
    stat = float(np.nanmax(np.abs(diff)))
    rng = make_rng(seed, "driver_importance")
    boot_shares = np.empty((n_boot, 2, p))
    boot_r2 = np.empty((n_boot, 2))
    n = int(counts.sum())
    freq = counts / n
    for b in range(n_boot):
        # a multinomial draw of the pattern counts is a row bootstrap in distribution
        boot_shares[b], boot_r2[b] = _profile(
            weighted_cov(patterns, rng.multinomial(n, freq)), p)
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    boot_diff = boot_shares[:, 0] - boot_shares[:, 1]
    if n_boot:
        s_lo, s_hi = _max_abs_interval(diff, boot_diff, level)
    else:
        s_lo = s_hi = np.nan
    rows = [{"term": "max share difference", "estimate": stat, "ci_low": s_lo, "ci_high": s_hi,
             "n": n, "method": "Shapley R2 shares, bootstrap over row patterns (simultaneous max-t "
             "interval)"}]
    share_rows = []
    for j, d in enumerate(drivers):
        lo, hi = np.nanquantile(boot_diff[:, j], q) if n_boot else (np.nan, np.nan)
        rows.append({"term": f"share difference[{d}]", "estimate": diff[j], "ci_low": lo,
                     "ci_high": hi, "n": n, "method": "Shapley R2 shares, bootstrap over row patterns"})
        for k, o in enumerate(outcomes):
            lo_s, hi_s = (np.nanquantile(boot_shares[:, k, j], q) if n_boot
                          else (np.nan, np.nan))
            share_rows.append({"outcome": o, "driver": d, "share": shares[k, j],
                               "ci_low": lo_s, "ci_high": hi_s, "r_squared": r2[k],
                               # a percentile interval that misses its own estimate (a share
                               # near 0 with a skewed bootstrap) is flagged, not hidden
                               "ci_excludes_share": bool(n_boot and not lo_s <= shares[k, j]
                                                         <= hi_s)})
    if judge_interval(s_lo, s_hi, 0.0, same) == "supported":
        verdict, reason = "contradicted", (f"no driver's share differs by more than {same:g} "
                                           "between the outcomes")
    elif judge_interval(s_lo, s_hi, different, 1.0) == "supported":
        verdict, reason = "supported", (f"some driver's share differs by at least {different:g}"
                                        " between the outcomes")
    else:
        verdict, reason = "inconclusive", "the largest share difference is not clearly small or large"
    reason += f" (R-squared {r2[0]:.3f} for {outcomes[0]}, {r2[1]:.3f} for {outcomes[1]})"
    return DriverImportance(
        estimates=estimates_frame(rows), title="P2 driver importance", level=level,
        tables={"shares": pd.DataFrame(share_rows), "dominance": dom_stats,
                "dominance_pairs": dom_pairs},
        info={"n_boot": n_boot, "same": same, "different": different},
        claim_id="P2", statement=STATEMENT_P2, claimed={"max_share_difference_at_least":
                                                        different},
        verdict=verdict, reason=reason)
