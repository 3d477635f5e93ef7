"""Does an NPS survey mostly measure the last transaction? (claim N2)

A distributed-lag regression of the recommend answer on the ratings of the customer's last
``lags`` transactions up to the survey. The lag coefficients, normalized to sum to one, are the
weights the answer puts on each transaction; the claim is that the most recent one carries
more than half of the weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from .._asof import last_at_or_before, sorted_by_key_time
from .._boundary import Missing, reads
from .._deprecate import positional_options, renamed_keywords
from .._validate import FrameLike, as_frame
from ..errors import DataError, ModelError, ParameterError
from ..results import ClaimResult, estimates_frame, judge_interval
from ..scales import GRADE_1_10, RECOMMEND_0_10, Scale, missing_error
from ..stats.patterns import row_patterns
from ..tables import shared_codes
from ._common import column, no_missing, z_value

__all__ = ["RecencyResult", "recency"]

STATEMENT_N2 = "An NPS survey twice a year mostly measures the last transaction"


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class RecencyResult(ClaimResult):
    """Lag weights of the recommend answer on the last transactions (claim N2).

    ``estimates`` rows: ``weight_lag1`` .. ``weight_lagL`` (shares of the total effect, lag 1
    = most recent transaction), ``coef_lag1`` .. ``coef_lagL`` (recommend points per rating
    point), ``coef_sum`` and ``intercept``. ``tables["lag_weights"]`` repeats the weights with a
    ``lag`` column for plotting; ``info["share_last"]`` and its limits give the verdict.

    Examples
    --------
    >>> r = _example()
    >>> r.claim_id, r.verdict
    ('N2', 'supported')
    """

    @property
    def share_last(self) -> float:
        """Share of the weight on the most recent transaction."""
        return float(self.info["share_last"])

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of the lag weights with interval bars and the one-half line."""
        from .plots import plot_lag_weights

        return plot_lag_weights(self.tables["lag_weights"], ax=ax,
                                title=f"N2: weight of each transaction ({self.verdict})")


def _times(s: pd.Series, table: str) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(s):
        no_missing(s, table=table)
        return s.to_numpy("datetime64[ns]").astype(np.int64).astype(float)
    if s.dtype.kind not in "iuf":
        raise DataError(f"time must be numeric or datetime, got dtype {s.dtype}", table=table,
                        column=str(s.name), n_rows=len(s), examples=s.head(5).tolist())
    error = missing_error(s, column=s.name, table=table, cls=DataError)
    if error is not None:
        raise error
    x = s.to_numpy(float)
    bad = np.isinf(x)
    if bad.any():
        raise DataError("infinite times", table=table, column=str(s.name),
                        n_rows=int(bad.sum()), examples=pd.unique(x[bad])[:5])
    return x


@renamed_keywords(rating="score")
@reads(transactions=("customer", "time", "score"),
               responses=("customer", "time", "recommend"))
@positional_options("lags")
def recency(
    transactions: FrameLike,
    responses: FrameLike,
    customer: str = "customer_id",
    score: str = "grade",
    recommend: str = "recommend",
    *,
    lags: int = 4,
    time: str = "time",
    rating_scale: Scale = GRADE_1_10,
    scale: Scale = RECOMMEND_0_10,
    include_current: bool = True,
    threshold: float = 0.5,
    level: float = 0.95,
    model: Literal["interval", "ols"] = "interval",
    missing: Missing = "raise",
) -> RecencyResult:
    """Distributed-lag regression of recommend on the last ``lags`` transaction ratings (N2).

    Parameters
    ----------
    transactions : pandas.DataFrame or engine input
        One row per transaction: ``customer``, ``time`` and ``score``. From Polars, DuckDB,
        Parquet or Dask only these three columns are collected (the regression needs rows).
    responses : pandas.DataFrame or engine input
        One row per survey answer: ``customer``, ``time`` and ``recommend``; from an engine
        only these three columns are collected.
    customer, score, recommend, time : str
        Column names (``time`` in both tables, numeric or datetime, same clock).
    lags : int
        Number of most recent transactions per answer (lag 1 = most recent).
    rating_scale, scale : Scale
        Scales of ``score`` (the transaction rating) and ``recommend``; values off the
        scale or NaN raise.
    include_current : bool
        Whether a transaction at exactly the survey time counts (the survey is about that
        transaction, as in a transactional survey). False: strictly earlier ones only.
    threshold : float
        The claim "mostly the last transaction" means ``weight_lag1 > threshold`` (one half).
    level : float
        Confidence level.
    model : {"interval", "ols"}
        ``"interval"`` (default): the answer is a rounded, clipped reading of a latent score
        with normal errors (interval regression: an answer ``k`` inside the scale means the
        latent score lies in ``[k - 0.5, k + 0.5)``, the bottom and top answers are open
        below and above). ``"ols"``: least squares on the answers as numbers, which the
        clipping at the top of the scale biases (see Notes).
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    RecencyResult
        Claim N2; ``verdict`` is ``supported`` when the whole interval of the weight of lag 1
        lies above ``threshold``, ``contradicted`` when it lies below, ``inconclusive``
        otherwise (also when the ratings do not predict the answer at all).

    Notes
    -----
    The model is ``recommend*_i = a + sum_l b_l rating_{i,l} + e_i`` with the answer the
    latent ``recommend*`` rounded and clipped to the scale (``model="interval"``: maximum
    likelihood with normal ``e``, by BFGS from the least-squares start) or the answer itself
    (``model="ols"``). Standard errors are clustered by customer (a customer answers more
    than once): the sandwich of the per-customer scores, with the small-sample factor
    ``G / (G - 1)``. The weight of lag ``l`` is ``w_l = b_l / sum_k b_k``; its covariance is
    ``J V J'`` with the Jacobian ``J_lk = (delta_lk B - b_l) / B^2``, ``B = sum_k b_k``
    (delta method). The weights do not depend on the scale of the answer: a linear
    rescaling of recommend multiplies every ``b_l`` alike. Clipping the answer at 10 is not
    linear, and biases the least-squares weights: in the simulated world of
    :mod:`loyaltystats.simulate` the OLS weight of lag 1 came out at 0.709 for a true 0.70
    (its interval covered the truth in 0.88 of 200 studies of 5,000 customers); the
    interval regression is the world's own model of the answer.

    Answers with fewer than ``lags`` earlier transactions of the same customer are left out,
    never padded; how many is reported in ``info["n_dropped_short_history"]``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n, m = 400, 6
    >>> tr = pd.DataFrame({"customer_id": np.repeat(np.arange(n), m),
    ...                    "time": np.tile(np.arange(m), n).astype(float),
    ...                    "grade": rng.integers(4, 11, n * m)})
    >>> g = tr["grade"].to_numpy().reshape(n, m)
    >>> w = np.array([0.1, 0.1, 0.2, 0.6])                    # oldest .. newest
    >>> rec = np.clip(np.rint(g[:, 2:] @ w - 1 + rng.normal(0, 0.5, n)), 0, 10)
    >>> resp = pd.DataFrame({"customer_id": np.arange(n), "time": 5.0, "recommend": rec})
    >>> r = recency(tr, resp)
    >>> round(r.share_last, 1), r.verdict
    (0.6, 'supported')
    """
    if not isinstance(lags, (int, np.integer)) or lags < 1:
        raise ParameterError(f"lags must be a positive integer, got {lags!r}")
    z = z_value(level)
    tc, rc, t_time, r_time, t_rating, r_rec = _read_recency(
        transactions, responses, customer=customer, time=time, score=score,
        recommend=recommend, rating_scale=rating_scale, scale=scale)
    X, y, groups, n_drop = _lagged_ratings(tc, rc, t_time, r_time, t_rating, r_rec, lags,
                                           include_current)
    params, cov, label, r_squared = _fit_lags(X, y, groups, model, scale)
    rows, w, se_w, B, se_B = _infer_weights(params, cov, lags, z, len(y), label)
    est = estimates_frame(rows)
    verdict, reason, lo1, hi1 = _judge_recency(w, se_w, B, se_B, z, threshold, level)
    lag_tab = est.iloc[:lags].copy()
    lag_tab.insert(0, "lag", np.arange(1, lags + 1))
    p_sum = float(2 * stats.norm.sf(abs(B / se_B))) if se_B > 0 else float("nan")
    info = {"share_last": float(w[0]), "share_last_ci_low": lo1, "share_last_ci_high": hi1,
            "lags": int(lags), "n_answers": len(y), "n_customers": int(np.count_nonzero(np.bincount(groups))),
            "n_dropped_short_history": n_drop, "coef_sum_p_value": p_sum,
            "r_squared": r_squared, "include_current": bool(include_current),
            "model": model}
    return RecencyResult(
        estimates=est, level=level, info=info, tables={"lag_weights": lag_tab},
        title=f"N2: weight of the last {lags} transactions in {recommend}",
        claim_id="N2", statement=STATEMENT_N2, claimed={"share_last_above": threshold},
        verdict=verdict, reason=reason)


def _read_recency(transactions: FrameLike, responses: FrameLike, *, customer: str, time: str,
                  score: str, recommend: str, rating_scale: Scale, scale: Scale
                  ) -> tuple[pd.Series, pd.Series, np.ndarray, np.ndarray, np.ndarray,
                             np.ndarray]:
    """Read and check customers, times, transaction ratings and recommend answers."""
    transactions = as_frame(transactions, [customer, time, score], "transactions")
    responses = as_frame(responses, [customer, time, recommend], "responses")
    tc = column(transactions, customer, "transactions")
    rc = column(responses, customer, "responses")
    no_missing(tc, table="transactions")
    no_missing(rc, table="responses")
    t_time = _times(column(transactions, time, "transactions"), "transactions")
    r_time = _times(column(responses, time, "responses"), "responses")
    t_rating = rating_scale.check(column(transactions, score, "transactions"), column=score,
                                  table="transactions")
    r_rec = scale.check(column(responses, recommend, "responses"), column=recommend,
                        table="responses")
    if len(t_rating) == 0 or len(r_rec) == 0:
        raise DataError("no rows", table="transactions" if len(t_rating) == 0 else "responses")
    return tc, rc, t_time, r_time, t_rating, r_rec


def _lagged_ratings(tc: pd.Series, rc: pd.Series, t_time: np.ndarray, r_time: np.ndarray,
                    t_rating: np.ndarray, r_rec: np.ndarray, lags: int, include_current: bool
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Match each answer to its last ``lags`` transactions; short histories are left out.

    Returns the lagged ratings (lag 1 = most recent first), the answers kept, their customer
    codes (the clusters) and how many answers were left out.
    """
    # common integer customer codes, transactions sorted by (customer, time)
    # codes in the ids' sorted order (integer ids ranked through a table, no hashing)
    t_code, r_code, n_codes = shared_codes(tc, rc, tables=("transactions", "responses"))
    if not sorted_by_key_time(t_code, t_time):
        order = np.lexsort((t_time, t_code))
        t_code, t_time, t_rating = t_code[order], t_time[order], t_rating[order]
    # position of each transaction within its customer's history
    first = np.r_[True, t_code[1:] != t_code[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(len(t_code)), 0))
    seq = np.arange(len(t_code)) - group_start
    # last transaction at (include_current) or before each survey, within its customer
    pos = last_at_or_before(t_code, t_time, r_code, r_time, n_codes,
                             strict=not include_current)
    ok = pos >= 0
    ok[ok] &= t_code[pos[ok]] == r_code[ok]
    ok[ok] &= seq[pos[ok]] >= lags - 1
    n_drop = int((~ok).sum())
    if ok.sum() <= lags + 1:
        raise ModelError(f"only {int(ok.sum())} answers have {lags} earlier transactions; "
                         "need more data or fewer lags")
    p_ok = pos[ok]
    X = np.column_stack([t_rating[p_ok - j] for j in range(lags)])
    return X, r_rec[ok], r_code[ok], n_drop


def _fit_lags(X: np.ndarray, y: np.ndarray, groups: np.ndarray, model: str, scale: Scale
              ) -> tuple[np.ndarray, np.ndarray, str, float]:
    """Fit the distributed-lag model: coefficients, cluster-robust covariance, label, R^2."""
    if model not in ("interval", "ols"):
        raise ParameterError(f"model must be 'interval' or 'ols', got {model!r}")
    design = sm.add_constant(X, has_constant="add")
    # the distinct (design row, answer) patterns: the design's rank is that of its distinct
    # rows, and the interval regression is a sum over them
    pat, cnt, inv = row_patterns(np.column_stack([design, y]), return_inverse=True)
    p = design.shape[1]
    d_pat, y_pat, w_pat = pat[:, :p], pat[:, p], cnt.astype(float)
    if np.linalg.matrix_rank(d_pat) < p:
        raise ModelError("the lagged ratings are collinear (e.g. constant); cannot separate "
                         "the lags")
    if model == "ols":
        fit = sm.OLS(y, design).fit(cov_type="cluster", cov_kwds={"groups": groups})
        params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
        return params, cov, "distributed-lag OLS, cluster-robust", float(fit.rsquared)
    # the interval regression needs OLS only for its start and R^2: both from the patterns
    start = np.linalg.solve(d_pat.T @ (w_pat[:, None] * d_pat), d_pat.T @ (w_pat * y_pat))
    ybar = float(w_pat @ y_pat) / w_pat.sum()
    rss = float(w_pat @ (y_pat - d_pat @ start) ** 2)
    rsquared = 1.0 - rss / float(w_pat @ (y_pat - ybar) ** 2)
    params, cov = _interval_regression((d_pat, y_pat, w_pat, inv), float(scale.low),
                                       float(scale.high), groups, start)
    return params, cov, "distributed-lag interval regression, cluster-robust", rsquared


def _infer_weights(params: np.ndarray, cov: np.ndarray, lags: int, z: float, n: int,
                   label: str) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray, float,
                                    float]:
    """Lag weights by the delta method; estimate rows, weights, their SEs, coef sum, its SE."""
    b = params[1:]
    V = cov[1:, 1:]
    B = float(b.sum())
    se_B = float(np.sqrt(np.ones(lags) @ V @ np.ones(lags)))
    J = (np.eye(lags) * B - b[:, None] * np.ones(lags)[None, :]) / B**2
    Vw = J @ V @ J.T
    w = b / B
    se_w = np.sqrt(np.maximum(np.diag(Vw), 0.0))
    rows: list[dict[str, Any]] = []
    meth_w = f"{label}, delta method"
    for j in range(lags):
        rows.append({"term": f"weight_lag{j + 1}", "estimate": w[j], "ci_low": w[j] - z * se_w[j],
                     "ci_high": w[j] + z * se_w[j], "n": n, "method": meth_w,
                     "std_err": se_w[j]})
    se_b = np.sqrt(np.diag(V))
    for j in range(lags):
        rows.append({"term": f"coef_lag{j + 1}", "estimate": b[j], "ci_low": b[j] - z * se_b[j],
                     "ci_high": b[j] + z * se_b[j], "n": n,
                     "method": label, "std_err": se_b[j]})
    rows.append({"term": "coef_sum", "estimate": B, "ci_low": B - z * se_B,
                 "ci_high": B + z * se_B, "n": n, "method": label,
                 "std_err": se_B})
    a, se_a = float(params[0]), float(np.sqrt(cov[0, 0]))
    rows.append({"term": "intercept", "estimate": a, "ci_low": a - z * se_a,
                 "ci_high": a + z * se_a, "n": n, "method": label,
                 "std_err": se_a})
    return rows, w, se_w, B, se_B


def _judge_recency(w: np.ndarray, se_w: np.ndarray, B: float, se_B: float, z: float,
                   threshold: float, level: float) -> tuple[str, str, float, float]:
    """Verdict on the weight of the most recent transaction, its reason and its limits."""
    lo1, hi1 = float(w[0] - z * se_w[0]), float(w[0] + z * se_w[0])
    if abs(B) <= z * se_B or B <= 0:
        verdict = "inconclusive"
        reason = ("the transaction ratings do not predict the recommend answer "
                  f"(sum of lag coefficients {B:.3f}, SE {se_B:.3f}); weights are not defined")
    else:
        verdict = judge_interval(lo1, hi1, threshold, float("inf"))
        where = {"supported": "above", "contradicted": "below",
                 "inconclusive": "around"}[verdict]
        reason = (f"the most recent transaction carries {w[0]:.0%} of the weight "
                  f"({level:.0%} CI {lo1:.0%} to {hi1:.0%}), {where} {threshold:.0%}")
    return verdict, reason, lo1, hi1


def _interval_regression(patterns: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                         low: float, high: float, groups: np.ndarray, start: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Normal interval regression of a rounded, clipped answer; cluster-robust covariance.

    ``patterns`` holds the distinct (design row, answer) patterns, the answer of each, their
    counts and each answer's pattern. The log-likelihood is a sum over answers that depends
    only on the pattern, so it is evaluated once per pattern, weighted by its count (ratings
    take few values); the cluster-robust meat sums each customer's answers' pattern scores.
    Returns the coefficients (without the log scale) and their covariance.
    """
    from scipy import optimize

    d_pat, y_pat, w_pat, inv = patterns
    n, p = float(w_pat.sum()), d_pat.shape[1]

    def parts(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo = np.where(y_pat <= low, -np.inf, y_pat - 0.5)
        hi = np.where(y_pat >= high, np.inf, y_pat + 0.5)
        beta, s = theta[:p], math.exp(theta[p])
        mu = d_pat @ beta
        a, b = (lo - mu) / s, (hi - mu) / s
        # upper-tail form where both ends are high, so the difference keeps its digits
        up = a > 0
        prob = np.where(up, stats.norm.sf(a) - stats.norm.sf(b),
                        stats.norm.cdf(b) - stats.norm.cdf(a))
        prob = np.maximum(prob, 1e-300)
        pa, pb = stats.norm.pdf(a), stats.norm.pdf(b)
        with np.errstate(invalid="ignore"):  # inf * 0 at an open end, replaced by 0
            apa = np.where(np.isfinite(a), a * pa, 0.0)
            bpb = np.where(np.isfinite(b), b * pb, 0.0)
        d_mu = (pa - pb) / (s * prob)
        d_ls = (apa - bpb) / prob
        scores = np.column_stack([d_pat * d_mu[:, None], d_ls])
        return np.log(prob), scores

    def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        ll, sc = parts(theta)
        return -float(w_pat @ ll) / n, -(w_pat @ sc) / n

    resid_sd = math.sqrt(float(w_pat @ (y_pat - d_pat @ start) ** 2) / n)
    theta0 = np.r_[start, math.log(max(resid_sd, 1e-3))]
    opt = optimize.minimize(nll, theta0, jac=True, method="BFGS",
                            options={"gtol": 1e-10, "maxiter": 500})
    theta = opt.x
    if not np.all(np.isfinite(theta)):
        raise ModelError("the interval regression of the answers did not converge")
    # Hessian of the mean log-likelihood by central differences of the analytic score
    k = p + 1
    H = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(1.0, abs(theta[j]))
        e = np.zeros(k)
        e[j] = h
        H[:, j] = (nll(theta + e)[1] - nll(theta - e)[1]) / (2 * h)
    H = (H + H.T) / 2 * n
    try:
        bread = np.linalg.inv(H)
    except np.linalg.LinAlgError as exc:
        raise ModelError("the interval regression's information matrix is singular") from exc
    sc_pat = parts(theta)[1]
    codes, uniq = pd.factorize(groups)
    g = len(uniq)
    per = np.column_stack([np.bincount(codes, weights=sc_pat[inv, j], minlength=g)
                           for j in range(k)])
    cov = bread @ (per.T @ per) @ bread * (g / (g - 1) if g > 1 else 1.0)
    return theta[:p], cov[:p, :p]


def _example() -> RecencyResult:
    """A small world where the last transaction carries 70% of the weight (for doctests)."""
    rng = np.random.default_rng(0)
    n, m = 600, 5
    tr = pd.DataFrame({"customer_id": np.repeat(np.arange(n), m),
                       "time": np.tile(np.arange(m), n).astype(float),
                       "grade": rng.integers(4, 11, n * m)})
    g = tr["grade"].to_numpy().reshape(n, m)
    rec = np.clip(np.rint(g[:, 1:] @ np.array([0.1, 0.1, 0.1, 0.7]) - 1
                          + rng.normal(0, 0.5, n)), 0, 10)
    resp = pd.DataFrame({"customer_id": np.arange(n), "time": 4.0, "recommend": rec})
    return recency(tr, resp)
