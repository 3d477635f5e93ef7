"""The Net Promoter Score with honest uncertainty (claim N1).

The NPS of ``n`` answers is ``100 * (p_prom - p_det)``, the mean of a variable that is +1 for a
promoter, 0 for a passive and -1 for a detractor. Its sampling distribution follows from the
trinomial distribution of the three counts, so everything here works on the three counts: the
cost after counting does not depend on the number of responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._boundary import (
    Missing,
    check_missing,
    drop_missing_rows,
    drop_missing_values,
    record_dropped,
)
from .._deprecate import positional_options
from .._frames import is_table, read_columns
from ..errors import DataError, ParameterError
from ..results import Result, estimates_frame
from ..scales import RECOMMEND_0_10, Scale, missing_error
from ..stats import wilson_ci
from ._common import categorize, check_weights, rng_from, trinomial, z_value

__all__ = [
    "NPSResult",
    "score",
    "score_counts",
    "variance",
    "nps_interval",
    "CI_METHODS",
]

CIMethod = Literal["wald", "adjusted", "score", "bootstrap"]
CI_METHODS = ("wald", "adjusted", "score", "bootstrap")

# Pseudo-counts of the adjusted Wald interval (Rocks 2016; Sauro & Lewis, MeasuringU 2021):
# 3/4 detractor, 3/2 passive, 3/4 promoter, i.e. 3 added to n, shrinking towards NPS = 0.
ADJUST_PSEUDO = np.array([0.75, 1.5, 0.75])


# ---------------------------------------------------------------------------- maths
def variance(p_promoters: Any, p_detractors: Any, n: Any) -> np.ndarray:
    """Sampling variance of the NPS on the -1..1 scale (multiply by 100**2 for points).

    Parameters
    ----------
    p_promoters, p_detractors : array_like
        Shares of promoters and detractors.
    n : array_like
        Number of responses (or Kish's effective sample size).

    Returns
    -------
    ndarray
        ``(p_prom + p_det - (p_prom - p_det)**2) / n``.

    Notes
    -----
    Each answer is a draw of ``s`` in {-1, 0, +1} with probabilities
    ``(p_det, p_pas, p_prom)``; ``E[s] = p_prom - p_det`` and
    ``E[s^2] = p_prom + p_det``, so ``Var(s) = p_prom + p_det - (p_prom - p_det)^2`` and the
    mean of ``n`` answers has variance ``Var(s) / n``. This is ``npvar`` divided by ``n`` in the
    R package NPS (Rocks), whose ``nps.se`` is its square root.

    Examples
    --------
    >>> round(float(variance(0.5, 0.2, 100)), 10)
    0.0061
    """
    pp = np.asarray(p_promoters, dtype=float)
    pd_ = np.asarray(p_detractors, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (pp + pd_ - (pp - pd_) ** 2) / np.asarray(n, dtype=float)


def _wald(p: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = p[..., 2] - p[..., 0]
    se = np.sqrt(np.maximum(variance(p[..., 2], p[..., 0], n), 0.0))
    return d, np.clip(d - z * se, -1, 1), np.clip(d + z * se, -1, 1)


def _tango_z(delta: np.ndarray, b: np.ndarray, c: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Tango's score statistic for ``p_prom - p_det = delta``; b promoters, c detractors."""
    a = 2 * n
    bb = -b - c + (2 * n - b + c) * delta
    cc = -c * delta * (1 - delta)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (np.sqrt(np.maximum(bb**2 - 4 * a * cc, 0.0)) - bb) / (2 * a)
        v = n * (2 * q + delta * (1 - delta))
        return (b - c - n * delta) / np.sqrt(np.maximum(v, 0.0))


def _score_interval(counts: np.ndarray, n: np.ndarray, z: float, iters: int = 60
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Invert Tango's score test by vectorized bisection (monotone in delta)."""
    b = counts[..., 2].astype(float)
    c = counts[..., 0].astype(float)
    d = (b - c) / n
    out = []
    for lo0, hi0, target_upper in ((-1.0, None, False), (None, 1.0, True)):
        lo = np.full_like(d, -1.0) if lo0 is not None else d.copy()
        hi = d.copy() if hi0 is None else np.full_like(d, 1.0)
        for _ in range(iters):
            mid = (lo + hi) / 2
            zmid = _tango_z(mid, b, c, n)
            inside = np.abs(zmid) <= z
            if target_upper:  # accepted values lie below the upper limit
                lo = np.where(inside, mid, lo)
                hi = np.where(inside, hi, mid)
            else:
                hi = np.where(inside, mid, hi)
                lo = np.where(inside, lo, mid)
        out.append(hi if not target_upper else lo)
    low, high = out
    # all promoters (or all detractors): the limit at the boundary is the boundary itself
    high = np.where(b >= n - 1e-12, 1.0, high)
    low = np.where(c >= n - 1e-12, -1.0, low)
    return low, high


def nps_interval(
    counts: Any,
    *,
    method: CIMethod = "wald",
    level: float = 0.95,
    n_eff: Any = None,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits for the NPS (on the -1..1 scale) of one or many count triples.

    Parameters
    ----------
    counts : array_like, shape (..., 3)
        Detractors, passives, promoters (weighted totals allowed).
    method : {"wald", "adjusted", "score", "bootstrap"}
        See :func:`score`.
    level : float
        Confidence level.
    n_eff : array_like, optional
        Effective sample size per triple (Kish); default the sum of the counts.
    n_boot : int
        Bootstrap replicates (``method="bootstrap"``).
    seed : int or Generator
        Seed of the random steps (default 0: the same call gives the same numbers; ``None`` is refused).

    Returns
    -------
    (low, high) : tuple of ndarray
        Shape ``counts.shape[:-1]``.

    Examples
    --------
    >>> lo, hi = nps_interval([20, 30, 50], method="wald")
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1469, 0.4531)
    """
    c = np.asarray(counts, dtype=float)
    if c.shape[-1:] != (3,):
        raise DataError(f"counts must have 3 columns (detractors, passives, promoters), "
                        f"got shape {c.shape}", column="counts")
    if np.any(c < 0) or not np.all(np.isfinite(c)):
        raise DataError("counts must be finite and non-negative", column="counts")
    total = c.sum(axis=-1)
    if np.any(total <= 0):
        raise DataError("a count triple has no responses", column="counts")
    n = total if n_eff is None else np.broadcast_to(np.asarray(n_eff, dtype=float), total.shape)
    z = z_value(level)
    p = c / total[..., None]
    if method == "wald":
        _, lo, hi = _wald(p, n, z)
    elif method == "adjusted":
        ca = p * n[..., None] + ADJUST_PSEUDO
        na = n + ADJUST_PSEUDO.sum()
        _, lo, hi = _wald(ca / na[..., None], na, z)
    elif method == "score":
        lo, hi = _score_interval(p * n[..., None], n, z)
    elif method == "bootstrap":
        rng = rng_from(seed, "the bootstrap interval")
        m = np.maximum(np.rint(n), 1).astype(np.int64)
        shape = p.shape[:-1]
        flat_p = p.reshape(-1, 3)
        flat_m = m.reshape(-1)
        if n_boot < 1:
            raise ParameterError("n_boot must be at least 1")
        lo = np.empty(len(flat_m))
        hi = np.empty(len(flat_m))
        a = (1 - level) / 2
        step = max(1, 4_000_000 // n_boot)  # triples per block: bounded memory
        for s in range(0, len(flat_m), step):
            mm, pp = flat_m[s:s + step], flat_p[s:s + step]
            reps = rng.multinomial(mm[:, None], pp[:, None, :], size=(len(mm), n_boot))
            stat = (reps[..., 2] - reps[..., 0]) / mm[:, None]
            lo[s:s + step], hi[s:s + step] = np.quantile(stat, [a, 1 - a], axis=1)
        lo, hi = lo.reshape(shape), hi.reshape(shape)
    else:
        raise ParameterError(f"ci must be one of {CI_METHODS}, got {method!r}")
    return lo, hi


# ---------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class NPSResult(Result):
    """An NPS with its interval and the three shares.

    The ``estimates`` table has the rows ``nps`` (points, -100..100), ``promoters``,
    ``passives`` and ``detractors`` (shares 0..1 with Wilson intervals on the effective sample
    size), with the extra column ``std_err``. ``info`` holds the counts, ``n_eff``, the
    interval method and the settings.

    Examples
    --------
    >>> r = score_counts(20, 30, 50)
    >>> r.nps, r.se
    (30.0, 7.8102)
    """

    @property
    def nps(self) -> float:
        """The NPS in points (-100..100)."""
        return float(self.estimates.loc[0, "estimate"])

    @property
    def ci(self) -> tuple[float, float]:
        """Confidence limits of the NPS in points."""
        row = self.estimates.loc[0]
        return float(row["ci_low"]), float(row["ci_high"])

    @property
    def se(self) -> float:
        """Standard error of the NPS in points (trinomial formula), rounded to 4 decimals."""
        return round(float(self.estimates.loc[0, "std_err"]), 4)

    @property
    def counts(self) -> np.ndarray:
        """Detractor, passive, promoter totals (weighted when weights were given)."""
        return np.array([self.info["detractors"], self.info["passives"], self.info["promoters"]])

    @property
    def n_eff(self) -> float:
        """Kish effective sample size (the number of responses when unweighted)."""
        return float(self.info["n_eff"])

    def plot(self, ax: Any = None) -> Any:
        """Stacked shares of detractors, passives, promoters, annotated with the NPS and CI.

        Returns the matplotlib Axes.
        """
        from .plots import plot_shares

        return plot_shares(self, ax=ax)


def _result(totals: np.ndarray, n_rows: float, n_eff: float, *, method: CIMethod, level: float,
            n_boot: int, seed: Any, title: str, weighted: bool,
            extra: dict[str, Any] | None = None) -> NPSResult:
    if method not in CI_METHODS:
        raise ParameterError(f"ci must be one of {CI_METHODS}, got {method!r}")
    p = totals / totals.sum()
    lo, hi = nps_interval(totals, method=method, level=level, n_eff=n_eff, n_boot=n_boot,
                          seed=seed)
    d = float(p[2] - p[0])
    var = float(variance(p[2], p[0], n_eff))
    se = 100 * np.sqrt(max(var, 0.0))
    z_lo, z_hi = wilson_ci(p * n_eff, np.full(3, n_eff), level)
    n_int = int(round(n_rows))
    # say which variance was used: clustered answers shrink the effective sample size
    label = method + (", cluster-robust (design effect)"
                      if extra and "n_clusters" in extra else "")
    rows = [{"term": "nps", "estimate": 100 * d, "ci_low": 100 * float(lo),
             "ci_high": 100 * float(hi), "n": n_int, "method": label, "std_err": se}]
    for k, name in ((2, "promoters"), (1, "passives"), (0, "detractors")):
        rows.append({"term": name, "estimate": float(p[k]), "ci_low": float(z_lo[k]),
                     "ci_high": float(z_hi[k]), "n": n_int, "method": "wilson",
                     "std_err": float(np.sqrt(p[k] * (1 - p[k]) / n_eff))})
    info: dict[str, Any] = {
        "detractors": float(totals[0]), "passives": float(totals[1]),
        "promoters": float(totals[2]), "n_rows": n_int, "n_eff": float(n_eff),
        "variance": var, "ci": method, "weighted": weighted, **(extra or {}),
    }
    if method == "bootstrap":
        info["n_boot"] = int(n_boot)
        if isinstance(seed, (int, np.integer)):
            info["seed"] = int(seed)
    return NPSResult(estimates=estimates_frame(rows), title=title, level=level, info=info)


@positional_options("scale", "weights", "ci", "level", "seed")
def score(
    values: Any,
    *,
    scale: Scale = RECOMMEND_0_10,
    weights: Any = None,
    ci: CIMethod = "wald",
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    n_boot: int = 2000,
    column: str | None = None,
    cluster: Any = None,
    missing: Missing = "raise",
) -> NPSResult:
    """Net Promoter Score with a confidence interval.

    Parameters
    ----------
    values : array_like, pandas.Series, pandas.DataFrame or engine input
        Likelihood-to-recommend answers on ``scale``. NaN, values off the scale and
        non-numeric values raise :class:`~loyaltystats.errors.ScaleError`. A table (a pandas
        DataFrame, or Polars, DuckDB, a Parquet path, Dask) is counted where it lives: give
        the answers' column as ``column=`` and ``weights`` / ``cluster`` as column names
        (with ``cluster`` the three columns are read).
    scale : Scale
        A scale with bands named ``detractor`` and ``promoter`` (other bands are passive).
        Default 0-10 with detractors 0-6, passives 7-8, promoters 9-10. For a 1-10 item with
        promoters 9-10 and detractors 1-6 use ``nps_scale(1, 10, detractors=(1, 6),
        promoters=(9, 10))``.
    weights : array_like, optional
        Non-negative survey weights, one per answer. Shares are weighted and the variance uses
        Kish's effective sample size ``(sum w)^2 / sum w^2``.
    ci : {"wald", "adjusted", "score", "bootstrap"}
        Interval method; see Notes. ``"adjusted"`` is the one to use at small ``n``.
    level : float
        Confidence level.
    seed : int or numpy.random.Generator, optional
        Seed of the random steps (default 0: the same call gives the same numbers; ``None`` is refused).
    n_boot : int
        Bootstrap replicates.
    column : str, optional
        Name used in error messages (default: the Series name, else ``"recommend"``).
    cluster : array_like, optional
        Cluster label per answer (e.g. the customer id when customers answer repeatedly).
        The variance then becomes the cluster-robust (linearization) variance and every
        interval uses ``n_eff / deff``; see Notes.
    missing : {"raise", "drop"}
        What to do with rows missing a value in the answers, weights or clusters: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    NPSResult
        ``estimates`` rows ``nps`` (points, -100..100; columns ``estimate, ci_low, ci_high, n,
        method, std_err``), ``promoters``, ``passives``, ``detractors`` (shares, Wilson
        intervals). ``n`` is the number of answers; ``info["n_eff"]`` the effective size.

    Notes
    -----
    With shares ``p_prom, p_det`` and ``d = p_prom - p_det`` the standard error is
    ``sqrt((p_prom + p_det - d^2) / n)`` (trinomial variance; :func:`variance`).

    - ``"wald"``: ``d +- z se``. Undercovers at small ``n`` and collapses to a point when all
      answers fall in one category.
    - ``"adjusted"``: the adjusted Wald interval of Rocks (2016), as given by Sauro & Lewis
      (MeasuringU, 2021): add 3/4 to the promoters and to the detractors and 3/2 to the
      passives (3 to ``n``), then the Wald formula on the adjusted shares. Like Agresti-Coull
      for one proportion, the pseudo-counts pull the centre towards 0 and widen the interval
      where the Wald interval is too narrow. Closed form, and hence easy to reproduce in a
      spreadsheet.
    - ``"score"``: inverts Tango's (1998) score test for a difference of two shares of one
      multinomial (the iterative score interval of Rocks 2016 and of the R package NPS), by
      bisection.

    Which to use at small ``n``: in the seeded coverage study ``benchmarks/nps_coverage.py``
    (2,000 samples per row, ``n`` = 50, 200, 1,000, six (p_prom, p_det) settings; results in
    ``benchmarks/results/nps_coverage.md``) the score interval stayed within 94.5-96.8%
    coverage in every row and the adjusted interval within 94.5-96.5% in all rows but one
    (98.1%, conservative, at p_prom = 0.95, p_det = 0.02, n = 50), while Wald and bootstrap
    fell to 81% in that row and Wald to 90.5% at p_prom = 0.85, n = 50. Both ``"score"`` and
    ``"adjusted"`` keep their coverage at small ``n``; ``"score"`` is the tighter of the two.
    - ``"bootstrap"``: percentile interval from ``n_boot`` multinomial draws of the three
      counts (never of the rows): cost independent of ``n``. With weights it draws
      ``round(n_eff)`` answers from the weighted shares.

    Weighted answers: shares are ``sum w[category] / sum w`` and every interval uses ``n_eff``
    in place of ``n``, a design-effect approximation (Kish 1965) that ignores stratification.

    Clustered answers (``cluster=``): answers of the same customer are correlated, and the
    trinomial variance, which treats them as independent, is too small. With ``G`` clusters
    the linearization variance of the (weighted) mean score is
    ``G / (G - 1) * sum_g (sum_{i in g} w_i (s_i - d))^2 / (sum w)^2``; its ratio to the
    trinomial variance is the design effect ``deff`` (``info["deff"]``), and all intervals are
    computed with the effective size ``n_eff / deff``. In the simulated world of
    :mod:`loyaltystats.simulate` (3,000 customers, about 2.5 answers each, ``deff`` about
    1.4) the nominal 95% Wald interval covered the true NPS in 92 of 100 seeded worlds
    without ``cluster=`` and in 96 of 100 with ``cluster=customer_id``.

    References: Reichheld (2003), HBR 81(12); Rocks (2016), The American Statistician 70(4),
    365-372; Tango (1998), Statistics in Medicine 17, 891-908.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.r_[[10] * 30, [9] * 20, [8] * 30, [3] * 20]   # 50 promoters, 20 detractors
    >>> r = score(x)
    >>> r.nps, [round(v, 2) for v in r.ci]
    (30.0, [14.69, 45.31])
    >>> round(score(x, ci="adjusted").ci[0], 2)
    14.05

    A table in an engine (here Polars; DuckDB, Parquet paths and Dask alike) is counted
    there; name the answers' column:

    >>> import polars as pl
    >>> score(pl.DataFrame({"rec": x}), column="rec").nps
    30.0
    """
    if check_missing(missing) == "drop":
        # leave out the answers missing a value (or a weight, or a cluster), then score
        if is_table(values):
            values, counts = drop_missing_rows(values, [column, weights, cluster], "data")
            dropped = {"data": counts} if counts else {}
        else:
            name = column or (str(values.name) if isinstance(values, pd.Series)
                              and values.name is not None else "values")
            (values, weights, cluster), counts = drop_missing_values(
                values, weights, cluster, names=[name, "weights", "cluster"])
            dropped = {name: counts} if counts else {}
        return record_dropped(score(values, scale=scale, weights=weights, ci=ci, level=level,
                                    seed=seed, n_boot=n_boot, column=column,
                                    cluster=cluster), dropped)
    if is_table(values):
        return _score_table(values, scale, weights, ci, level, seed, n_boot, column, cluster)
    name = column or (str(values.name) if isinstance(values, pd.Series) and values.name
                      is not None else "recommend")
    codes = categorize(values, scale, column=name, table=None)
    w = None
    if weights is not None:
        wname = str(weights.name) if isinstance(weights, pd.Series) and weights.name else "weights"
        w = check_weights(weights, len(codes), column=wname, table=None)
    totals, n_rows, n_eff = trinomial(codes, w)
    extra: dict[str, Any] = {}
    if cluster is not None:
        n_eff, extra = _cluster_design(codes, w, totals, n_eff, cluster)
    return _result(totals, n_rows, n_eff, method=ci, level=level, n_boot=n_boot, seed=seed,
                   title=f"NPS of {name} ({ci} interval)", weighted=w is not None,
                   extra=extra)


def _score_table(data: Any, scale: Scale, weights: Any, ci: CIMethod, level: float,
                  seed: Any, n_boot: int, column: str | None,
                  cluster: Any) -> NPSResult:
    """:func:`score` of a table (pandas or an engine): ``column`` names the answers,
    ``weights`` and ``cluster`` name columns. Counted where the data live per (answer) value,
    validated and categorised on those cells; with ``cluster`` the three columns are read
    instead (the design effect needs each answer's cluster)."""
    from .._cells import check_cell_scores, count_scored_cells
    for what, v in (("column", column), ("weights", weights), ("cluster", cluster)):
        if v is not None and not isinstance(v, str):
            raise ParameterError(f"with a table, {what}= must be a column name, got "
                                 f"{type(v).__name__}")
    if column is None:
        raise ParameterError("with a table, give column= (the answers' column)")
    if cluster is not None:
        rows = read_columns(data, [column, weights, cluster], "data")
        return score(rows[column], scale=scale,
                     weights=None if weights is None else rows[weights], ci=ci, level=level,
                     seed=seed, n_boot=n_boot, column=column, cluster=rows[cluster])
    cells = count_scored_cells(data, [column], {column: scale}, weights=weights, table="data")
    values = check_cell_scores(cells, column, scale, "data")
    codes = categorize(values, scale, column=column, table="data")
    n_rows = float(cells["n"].sum())
    if weights is None:
        totals = np.bincount(codes, weights=cells["n"].to_numpy(float), minlength=3)
        n_eff = n_rows
    else:
        w, w2 = cells["weight"].to_numpy(float), cells["weight_sq"].to_numpy(float)
        if not (w > 0).any():
            raise DataError("all weights are zero", table="data", column=weights,
                            n_rows=int(n_rows))
        totals = np.bincount(codes, weights=w, minlength=3)
        n_eff = float(w.sum() ** 2 / w2.sum())
    return _result(totals, n_rows, n_eff, method=ci, level=level, n_boot=n_boot, seed=seed,
                   title=f"NPS of {column} ({ci} interval)", weighted=weights is not None)


def _cluster_design(codes: np.ndarray, w: np.ndarray | None, totals: np.ndarray, n_eff: float,
                    cluster: Any) -> tuple[float, dict[str, Any]]:
    """Effective sample size under clustering: ``n_eff / deff`` (linearization variance)."""
    cl = pd.Series(np.asarray(cluster, dtype=object) if not isinstance(cluster, pd.Series)
                   else cluster.to_numpy())
    name = str(cluster.name) if isinstance(cluster, pd.Series) and cluster.name else "cluster"
    if len(cl) != len(codes):
        raise DataError(f"{len(cl)} cluster labels for {len(codes)} answers", column=name)
    error = missing_error(cluster if isinstance(cluster, pd.Series) else cl, column=name,
                          table=None, cls=DataError)
    if error is not None:
        raise error
    g, uniq = pd.factorize(cl)
    n_cl = len(uniq)
    if n_cl < 2:
        raise DataError("need at least two clusters", column=name, examples=list(uniq))
    ww = np.ones(len(codes)) if w is None else w
    p = totals / totals.sum()
    d = p[2] - p[0]
    resid = ww * (codes.astype(float) - 1.0 - d)
    per = np.bincount(g, weights=resid, minlength=n_cl)
    var_cl = n_cl / (n_cl - 1) * float(np.sum(per**2)) / float(ww.sum()) ** 2
    var_iid = float(variance(p[2], p[0], n_eff))
    deff = var_cl / var_iid if var_iid > 0 else 1.0
    return n_eff / deff, {"deff": deff, "n_clusters": int(n_cl), "n_eff_unclustered": n_eff}


def score_counts(
    detractors: float,
    passives: float,
    promoters: float,
    *,
    ci: CIMethod = "wald",
    level: float = 0.95,
    n_eff: float | None = None,
    seed: int | np.random.Generator = 0,
    n_boot: int = 2000,
) -> NPSResult:
    """NPS from the three counts (e.g. counted in a database); see :func:`score`.

    Parameters
    ----------
    detractors, passives, promoters : float
        Counts, or weighted totals together with ``n_eff``.
    ci, level, seed, n_boot
        As in :func:`score`.
    n_eff : float, optional
        Effective sample size for weighted totals; default the sum of the counts.

    Returns
    -------
    NPSResult

    Examples
    --------
    >>> r = score_counts(20, 30, 50, ci="bootstrap", seed=1, n_boot=1000)
    >>> r.nps, bool(r.ci[0] < 30 < r.ci[1])
    (30.0, True)
    """
    totals = np.array([detractors, passives, promoters], dtype=float)
    bad = ~np.isfinite(totals) | (totals < 0)
    if bad.any():
        raise DataError("counts must be finite and non-negative", column="counts",
                        n_rows=int(bad.sum()), examples=totals[bad])
    total = float(totals.sum())
    if total <= 0:
        raise DataError("no responses", column="counts", n_rows=0)
    ne = total if n_eff is None else float(n_eff)
    if not np.isfinite(ne) or ne <= 0:
        raise DataError("n_eff must be positive", column="n_eff", examples=[ne])
    return _result(totals, total, ne, method=ci, level=level, n_boot=n_boot, seed=seed,
                   title=f"NPS from counts ({ci} interval)", weighted=n_eff is not None)
