"""Baseline service quality crossed with an emotional peak at a moment of truth (T4)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._boundary import Missing, reads
from .._deprecate import renamed_keywords
from .._frames import count_cells, cut_at
from .._validate import FrameLike
from ..errors import DataError
from ..results import ClaimResult, estimates_frame, judge_interval
from ..scales import MISSING_VALUES
from ..stats import wilson_ci
from ._common import check_level, whiskers, z_value
from ._logistic import fit_logistic_batch

__all__ = ["MomentsOfTruth", "moments_of_truth"]

STATEMENT = ("Service that is OK (7+) plus an emotional peak at a few moments of truth (9+) "
             "makes the customer feel they come first")


class MomentsOfTruth(ClaimResult):
    """Result of :func:`moments_of_truth`.

    Tables: ``cells`` (``baseline, peak, n, successes, rate, ci_low, ci_high, log_odds``,
    one row per cell of the 2 x 2 table, empty cells included with ``n = 0``), ``models``
    (``model, term, estimate, std_err, ci_low, ci_high, z, p_value`` for the saturated
    ``baseline * peak`` and the additive ``baseline + peak`` logistic models) and ``tests``
    (``test, statistic, df, p_value``: the likelihood-ratio test of the interaction).
    """

    def plot(self, ax: Any = None) -> Any:
        """Interaction plot: outcome rate against baseline (not OK / OK), one line per
        peak level, with Wilson whiskers. Returns the matplotlib Axes.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import pandas as pd
        >>> df = pd.DataFrame({"ok": [0, 0, 1, 1] * 5, "peak": [0, 1, 0, 1] * 5,
        ...                    "first": [0, 0, 0, 1, 1, 0, 0, 1, 0, 1] * 2})
        >>> ax = moments_of_truth(df, "first", "ok", "peak").plot()
        """
        from .._plotting import get_ax

        ax = get_ax(ax)
        t = self.tables["cells"]
        ax.axvspan(-0.5, 0.5, color="0.92", lw=0, zorder=0)
        ax.axvspan(0.5, 1.5, color="0.84", lw=0, zorder=0)
        b_name, p_name = self.info["baseline"], self.info["peak"]
        if self.info.get("baseline_from") is not None:
            b_name = f"{b_name} >= {self.info['baseline_from']:g}"
        if self.info.get("peak_from") is not None:
            p_name = f"{p_name} >= {self.info['peak_from']:g}"
        for p, (marker, color) in zip((0, 1), (("o", "C0"), ("s", "C3"))):
            sub = t[t["peak"] == p].sort_values("baseline")
            est = sub["rate"].to_numpy(float)
            ax.errorbar(sub["baseline"] + (p - 0.5) * 0.06, est,
                        yerr=whiskers(est, sub["ci_low"], sub["ci_high"]), fmt=marker + "-",
                        color=color, capsize=4, label=f"{p_name}: {'yes' if p else 'no'}")
        ax.set_xticks([0, 1])
        ax.set_xticklabels([f"not ({b_name})", b_name])
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylabel(f"{self.info['outcome']} rate")
        ax.legend(loc="upper left", fontsize=8)
        ax.set_title(self.title)
        return ax


def _indicator(s: pd.Series, threshold: float | None, name: str,
               n: np.ndarray | None = None) -> np.ndarray:
    """The 0/1 indicator of a column (``column >= threshold`` with a threshold).

    ``s`` holds one value per row, or with ``n`` (rows per value) the key column of a count
    table; the errors then count the rows behind the offending cells.
    """
    rows = np.ones(len(s), dtype=np.int64) if n is None else np.asarray(n, dtype=np.int64)
    miss = s.isna().to_numpy()
    if miss.any():   # the rows behind the missing cells (no row labels on a cell table)
        raise DataError(MISSING_VALUES, table="data", column=name,
                        n_rows=int(rows[miss].sum()), examples=["NaN"])
    v = s.to_numpy(bool) if str(s.dtype) == "boolean" else s.to_numpy()
    if threshold is not None:
        if v.dtype.kind not in "iufb":
            raise DataError(f"must be numeric to compare with {threshold}, got dtype {s.dtype}",
                            table="data", column=name, n_rows=int(rows.sum()),
                            examples=pd.unique(v)[:5])
        return v.astype(float) >= threshold
    if v.dtype.kind == "b":
        return v
    if v.dtype.kind in "iuf":
        ok = (v == 0) | (v == 1)
        if not ok.all():
            raise DataError("must be 0/1 or boolean (or give a threshold to cut a score)",
                            table="data", column=name, n_rows=int(rows[~ok].sum()),
                            examples=pd.unique(v[~ok])[:5])
        return v == 1
    raise DataError(f"must be 0/1 or boolean, got dtype {s.dtype}", table="data", column=name,
                    n_rows=int(rows.sum()), examples=pd.unique(v)[:5])


def _counted_cells(data: Any, outcome: str, baseline: str, peak: str,
                   baseline_from: float | None, peak_from: float | None) -> pd.DataFrame:
    """Counts per (baseline, peak) indicator cell of any input (pandas or an engine).

    The count of rows and successes per distinct (baseline, peak) pair checks the columns,
    missing values and the outcome; the indicators are derived and checked on that cell
    table and the cells re-aggregated (a row-wise derivation commutes with counting).
    """
    keys = list(dict.fromkeys([baseline, peak]))
    cuts = {c: t for c, t in ((baseline, baseline_from), (peak, peak_from)) if t is not None}
    if len(keys) == 2 and cuts:
        # cut numeric scores where they live: two cells per column, not one per distinct value
        # (a continuous baseline would otherwise give one cell per row); columns it cuts
        # come back boolean, so they need no threshold below
        data = cut_at(data, cuts, table="data")
    raw = count_cells(data, keys, outcome=outcome, table="data")
    n = raw["n"].to_numpy(np.int64)

    def indicator(col: str, threshold: float | None) -> np.ndarray:
        cut = threshold is not None and raw[col].dtype.kind == "b" and len(keys) == 2
        return _indicator(raw[col], None if cut else threshold, col, n)

    b = indicator(baseline, baseline_from)
    p = indicator(peak, peak_from)
    frame = pd.DataFrame({"baseline": b.astype(np.int8), "peak": p.astype(np.int8),
                          "n": n, "successes": raw["successes"].to_numpy(np.int64)})
    return frame.groupby(["baseline", "peak"], as_index=False, sort=True)[
        ["n", "successes"]].sum()


@renamed_keywords(conf_level="level")
@reads(data=("outcome", "baseline", "peak"))
def moments_of_truth(
    data: FrameLike,
    outcome: str,
    baseline: str,
    peak: str,
    *,
    baseline_from: float | None = None,
    peak_from: float | None = None,
    margin: float = 0.0,
    level: float = 0.95,
    missing: Missing = "raise",
) -> MomentsOfTruth:
    """Outcome per cell of baseline quality x emotional peak, and their interaction (T4).

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per response. Polars (eager or lazy), a DuckDB relation, a Parquet path or
        glob and a Dask DataFrame are counted in their engine per distinct (``baseline``,
        ``peak``) pair, and the indicators are derived on those cells; the results equal the
        pandas path.
    outcome : str
        0/1 or boolean outcome (the customer feels they come first, stays, recommends).
    baseline : str
        Baseline service quality: a 0/1 column, or a score cut at ``baseline_from`` (e.g. the
        mean of the last transactions' grades with ``baseline_from=7``).
    peak : str
        Emotional peak at a moment of truth: a 0/1 column, or a score cut at ``peak_from``
        (e.g. the grade of the moment with ``peak_from=9``).
    baseline_from, peak_from : float, optional
        Thresholds: the indicator is ``column >= threshold``.
    margin : float
        Smallest interaction on the log-odds scale that counts as synergy (default 0).
    level : float
        Confidence level.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    MomentsOfTruth
        ``estimates`` rows ``rate[baseline=b,peak=p]`` (Wilson), ``peak log-OR |
        baseline=b``, ``interaction (log-odds)`` and ``interaction (risk difference)``.

    Raises
    ------
    DataError
        Missing columns, an outcome that is not 0/1, indicators that are not 0/1.

    Notes
    -----
    The 2 x 2 x outcome counts come from one :func:`~loyaltystats.tables.count_cells` pass
    (for an engine input: over the distinct ``baseline`` and ``peak`` values, so a
    continuous column cut at a threshold brings back one cell per distinct value).
    The saturated logistic model ``logit p = a + b B + c P + d B P`` fitted on four cells
    has the closed form ``d = lo11 - lo10 - lo01 + lo00`` with ``lo`` the empirical
    log-odds, and Wald variance ``sum 1/s + 1/(n - s)`` over the cells (Woolf); the tests
    check it against statsmodels ``Logit`` on the raw rows. The likelihood-ratio test
    compares it with the additive model ``a + b B + c P``. The interaction on the
    probability scale is ``(p11 - p10) - (p01 - p00)`` with variance ``sum p(1-p)/n``.

    Verdict on the log-odds interaction interval with
    :func:`~loyaltystats.results.judge_interval` against ``[margin, inf)``: *supported*
    when it lies above ``margin`` (the peak does more on top of OK service than without
    it), *contradicted* when it lies below, *inconclusive* otherwise. A cell with only 0s or
    only 1s has an infinite empirical log-odds; then every estimate comes from Firth's
    penalized likelihood, which for this saturated model is the empirical log-odds with 1/2
    added to every cell's successes and failures (Haldane-Anscombe; Firth 1993, Heinze and
    Schemper 2002), with its Wald interval, and ``info["firth"]`` is True. An empty cell
    leaves the interaction undefined: :class:`~loyaltystats.errors.ModelError` naming the
    empty cells (no verdict on a value that is not finite).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ok": [0] * 40 + [1] * 40, "peak": ([0] * 20 + [1] * 20) * 2,
    ...                    "first": [1] * 2 + [0] * 18 + [1] * 4 + [0] * 16
    ...                             + [1] * 4 + [0] * 16 + [1] * 15 + [0] * 5})
    >>> res = moments_of_truth(df, "first", "ok", "peak")
    >>> res.tables["cells"][["baseline", "peak", "n", "rate"]]
       baseline  peak   n  rate
    0         0     0  20  0.10
    1         0     1  20  0.20
    2         1     0  20  0.20
    3         1     1  20  0.75
    >>> round(res.info["interaction"], 3)
    1.674
    """
    conf = check_level(level)
    counted = _counted_cells(data, outcome, baseline, peak, baseline_from, peak_from)
    grid = pd.DataFrame({"baseline": [0, 0, 1, 1], "peak": [0, 1, 0, 1]})
    cells = grid.merge(counted, on=["baseline", "peak"], how="left").fillna(
        {"n": 0, "successes": 0})
    n = cells["n"].to_numpy(float)
    s = cells["successes"].to_numpy(float)
    z = z_value(conf)
    lo, hi = wilson_ci(s, n, conf)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n > 0, s / n, np.nan)
        log_odds = np.log(s / (n - s))
    # a cell with only 0s or only 1s (a rare combination in a small sample) has an infinite
    # empirical log-odds; Firth's penalized fit of the saturated model is then the empirical
    # log-odds of the counts plus 1/2 in every cell (Haldane-Anscombe), finite with a wide
    # interval. An empty cell identifies nothing: the interaction stays undefined.
    estimable = bool(np.all(n > 0))
    firth = estimable and not bool(np.all((s > 0) & (s < n)))
    s_fit, n_fit = (s + 0.5, n + 1.0) if firth else (s, n)
    if firth:
        log_odds = np.log(s_fit / (n_fit - s_fit))
    table = pd.DataFrame({"baseline": [0, 0, 1, 1], "peak": [0, 1, 0, 1],
                          "n": n.astype(np.int64), "successes": s.astype(np.int64),
                          "rate": rate, "ci_low": lo, "ci_high": hi,
                          "log_odds": np.where(np.isfinite(log_odds), log_odds, np.nan)})
    rows: list[dict[str, Any]] = []
    for i in range(4):
        rows.append({"term": f"rate[baseline={i // 2},peak={i % 2}]", "estimate": rate[i],
                     "ci_low": lo[i], "ci_high": hi[i], "n": int(n[i]), "method": "wilson"})
    n_tot = int(n.sum())
    models: list[dict[str, Any]] = []
    tests: list[dict[str, Any]] = []
    if estimable:
        var = 1 / s_fit + 1 / (n_fit - s_fit)
        d = log_odds[3] - log_odds[2] - log_odds[1] + log_odds[0]
        d_se = float(np.sqrt(var.sum()))
        for base in (0, 1):
            j0, j1 = 2 * base, 2 * base + 1
            e = log_odds[j1] - log_odds[j0]
            se = float(np.sqrt(var[j0] + var[j1]))
            rows.append({"term": f"peak log-OR | baseline={base}", "estimate": e,
                         "ci_low": e - z * se, "ci_high": e + z * se, "n": int(n[j0] + n[j1]),
                         "method": "Woolf (Wald)" + (", Firth" if firth else "")})
        # saturated model coefficients (treatment coding) and their Wald statistics
        coef = np.array([log_odds[0], log_odds[2] - log_odds[0], log_odds[1] - log_odds[0], d])
        Xsat = np.array([[1, 0, 0, 0], [1, 0, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=float)
        sat = fit_logistic_batch(Xsat, s_fit, n_fit)
        add = fit_logistic_batch(Xsat[:, :3], s_fit, n_fit)
        names = ["Intercept", "baseline", "peak", "baseline:peak"]
        for model, beta, cov, k in (("baseline * peak", coef, sat.cov[0], 4),
                                    ("baseline + peak", add.params[0], add.cov[0], 3)):
            se_k = np.sqrt(np.diag(cov))
            for j in range(k):
                zz = beta[j] / se_k[j]
                models.append({"model": model, "term": names[j], "estimate": beta[j],
                               "std_err": se_k[j], "ci_low": beta[j] - z * se_k[j],
                               "ci_high": beta[j] + z * se_k[j], "z": zz,
                               "p_value": float(2 * stats.norm.sf(abs(zz)))})
        lr = max(2 * float(sat.llf[0] - add.llf[0]), 0.0)
        tests.append({"test": "interaction (LR, baseline * peak vs baseline + peak)",
                      "statistic": lr, "df": 1, "p_value": float(stats.chi2.sf(lr, 1))})
    else:
        d, d_se = np.nan, np.nan
    d_lo, d_hi = d - z * d_se, d + z * d_se
    method = ("saturated logistic, Firth: +1/2 per cell (Wald)" if firth
              else "saturated logistic (Wald)")
    rows.append({"term": "interaction (log-odds)", "estimate": d, "ci_low": d_lo,
                 "ci_high": d_hi, "n": n_tot, "method": method})
    with np.errstate(invalid="ignore", divide="ignore"):
        rd = (rate[3] - rate[2]) - (rate[1] - rate[0])
        rd_se = float(np.sqrt(np.sum(rate * (1 - rate) / n)))
    rows.append({"term": "interaction (risk difference)", "estimate": rd,
                 "ci_low": rd - z * rd_se, "ci_high": rd + z * rd_se, "n": n_tot,
                 "method": "difference in differences (Wald)"})
    verdict = judge_interval(d_lo, d_hi, margin, np.inf) if estimable else "inconclusive"
    if estimable:
        reason = (f"interaction on the log-odds scale {d:.3g} [{d_lo:.3g}, {d_hi:.3g}] "
                  f"against the region [{margin:g}, inf)")
        if firth:
            reason += (" (a cell has only 0s or only 1s: Firth's penalized fit, 1/2 added to "
                       "every cell)")
    else:
        empty = [f"baseline={i // 2}, peak={i % 2}" for i in range(4) if n[i] == 0]
        reason = (f"no rows in cell(s) {'; '.join(empty)}: the interaction is not "
                  "identified")
    info = {"outcome": outcome, "baseline": baseline, "peak": peak,
            "baseline_from": baseline_from, "peak_from": peak_from, "margin": float(margin),
            "n": n_tot, "interaction": float(d), "interaction_se": float(d_se),
            "firth": bool(firth)}
    if tests:
        info["interaction_lr_p_value"] = tests[0]["p_value"]
    return MomentsOfTruth(
        estimates=estimates_frame(rows), title=f"{outcome} by {baseline} x {peak}", level=conf,
        tables={"cells": table, "models": pd.DataFrame(models), "tests": pd.DataFrame(tests)},
        info=info, claim_id="T4", statement=STATEMENT,
        claimed={"interaction_log_odds_above": float(margin)}, verdict=verdict, reason=reason,
    )
