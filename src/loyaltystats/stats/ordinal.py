"""Proportional-odds (cumulative-logit) model fitted on count tables.

statsmodels' ``OrderedModel`` takes one row per observation and no frequency weights, so a
model on a table of counts per (cell, category) is fitted here by Newton-Raphson with the
analytic gradient and Hessian of the multinomial log-likelihood. The counts are sufficient
statistics: the estimates, the observed information and the log-likelihood equal those of
the same model fitted row by row (checked against ``OrderedModel`` on raw rows in the tests,
and against Venables & Ripley's ``polr`` fit of the MASS ``housing`` table).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from .._threads import one_blas_thread
from ..errors import DataError, ModelError, ParameterError
from .levels import z_value

__all__ = ["OrdinalFit", "fit_proportional_odds", "fit_proportional_odds_cells",
           "saturated_loglik"]


@dataclass(frozen=True)
class _Link:
    """A cumulative link: the cdf ``F``, its upper tail ``1 - F`` (kept separately so that
    differences in the upper tail keep their digits), the density ``f = F'``, ``f'`` and
    ``F^-1`` for the starting values."""

    name: str
    cdf: Callable[[np.ndarray], np.ndarray]
    sf: Callable[[np.ndarray], np.ndarray]
    pdf: Callable[[np.ndarray], np.ndarray]
    dpdf: Callable[[np.ndarray], np.ndarray]
    ppf: Callable[[np.ndarray], np.ndarray]


def _finite(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """``fn`` where its argument is finite, 0 at the infinite cut-points (f and f' vanish
    there, but inf - inf or inf * 0 would give NaN)."""
    def wrapped(x: np.ndarray) -> np.ndarray:
        fin = np.isfinite(x)
        out = np.zeros_like(x, dtype=float)
        out[fin] = fn(x[fin])
        return out
    return wrapped


def _logistic_pdf(x: np.ndarray) -> np.ndarray:
    F = expit(x)
    return F * (1 - F)


LINKS = {
    "logit": _Link("logit", expit, lambda x: expit(-x), _finite(_logistic_pdf),
                   _finite(lambda x: _logistic_pdf(x) * (1 - 2 * expit(x))),
                   lambda q: np.log(q / (1 - q))),
    "probit": _Link("probit", stats.norm.cdf, stats.norm.sf, _finite(stats.norm.pdf),
                    _finite(lambda x: -x * stats.norm.pdf(x)), stats.norm.ppf),
    # complementary log-log: F(x) = 1 - exp(-exp(x)), scipy's gumbel_l
    "cloglog": _Link("cloglog", lambda x: -np.expm1(-np.exp(x)), lambda x: np.exp(-np.exp(x)),
                     _finite(lambda x: np.exp(x - np.exp(x))),
                     _finite(lambda x: np.exp(x - np.exp(x)) * (1 - np.exp(x))),
                     lambda q: np.log(-np.log1p(-q))),
}
"""The cumulative links: ``F(theta_k - x'beta) = P(Y <= k | x)``."""


def _get_link(link: str) -> _Link:
    if link not in LINKS:
        raise ParameterError(f"link must be one of {list(LINKS)}, got {link!r}")
    return LINKS[link]


@dataclass(frozen=True, eq=False)
class OrdinalFit:
    """A fitted cumulative-link (by default proportional-odds) model.

    The model is ``logit P(Y <= k | x) = theta_k - x'beta`` (the parameterization of MASS
    ``polr`` and statsmodels ``OrderedModel``): a positive ``beta`` shifts the distribution
    towards higher categories, and ``exp(beta)`` is the common odds ratio of a higher
    rather than a lower category.

    Attributes
    ----------
    params, bse : pandas.Series
        Coefficients then cut-points (named ``"a|b"`` after the categories they separate);
        standard errors from the observed information.
    cov : pandas.DataFrame
        Inverse of the observed information.
    llf : float
        Log-likelihood; equal to the row-level log-likelihood (no multinomial constant).
    nobs : float
        Total count.
    n_rows : int
        Number of non-empty (cell, category) rows the model was fitted on.
    categories : list
        Ordered outcome categories.
    n_iter : int
        Newton iterations used.
    link : str
        ``"logit"``, ``"probit"`` or ``"cloglog"``: ``F(theta_k - x'beta) = P(Y <= k | x)``.
    """

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    llf: float
    nobs: float
    n_rows: int
    categories: list
    n_iter: int
    n_coef: int
    link: str = "logit"

    @property
    def coef(self) -> pd.Series:
        """The regression coefficients (without the cut-points)."""
        return self.params.iloc[: self.n_coef]

    @property
    def thresholds(self) -> pd.Series:
        """The cut-points ``theta_1 < ... < theta_{K-1}``."""
        return self.params.iloc[self.n_coef:]

    @property
    def df_model(self) -> int:
        """Number of estimated parameters."""
        return int(len(self.params))

    def table(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: term, estimate, ci_low, ci_high, n, method, std_err, z, p_value,
        odds_ratio, or_ci_low, or_ci_high (the odds-ratio columns are NaN for cut-points, and
        for links other than the logit, where ``exp(beta)`` is not an odds ratio).

        Examples
        --------
        >>> import numpy as np
        >>> fit = fit_proportional_odds(np.array([[0.], [0.], [1.], [1.]]), np.array([0, 1, 0, 1]),
        ...                             np.array([30, 10, 10, 30]), exog_names=["x"])
        >>> fit.table()["term"].tolist()
        ['x', '0|1']
        """
        z = z_value(level)
        est = self.params.to_numpy()
        se = self.bse.to_numpy()
        zval = est / se
        is_coef = np.arange(len(est)) < self.n_coef
        is_or = is_coef & (self.link == "logit")
        lo, hi = est - z * se, est + z * se
        method = ("proportional odds on counts" if self.link == "logit"
                  else f"cumulative {self.link} on counts")
        return pd.DataFrame({
            "term": self.params.index.astype(str),
            "estimate": est, "ci_low": lo, "ci_high": hi,
            "n": int(round(self.nobs)), "method": method,
            "std_err": se, "z": zval, "p_value": 2 * stats.norm.sf(np.abs(zval)),
            "odds_ratio": np.where(is_or, np.exp(est), np.nan),
            "or_ci_low": np.where(is_or, np.exp(lo), np.nan),
            "or_ci_high": np.where(is_or, np.exp(hi), np.nan),
        })


def _loglik_parts(phi: np.ndarray, X: np.ndarray, y: np.ndarray, K: int,
                  link: _Link = LINKS["logit"]):
    p = X.shape[1]
    beta, theta = phi[:p], phi[p:]
    eta = X @ beta if p else np.zeros(len(y))
    th = np.concatenate([[-np.inf], theta, [np.inf]])
    a = th[y + 1] - eta  # upper cut-point minus eta
    b = th[y] - eta      # lower cut-point minus eta
    # P = F(a) - F(b), computed on the side that avoids cancellation
    with np.errstate(invalid="ignore"):
        prob = np.where(b > 0, link.sf(b) - link.sf(a), link.cdf(a) - link.cdf(b))
    return a, b, prob


def _loglik(phi, X, y, w, K, link: _Link = LINKS["logit"]) -> float:
    _, _, prob = _loglik_parts(phi, X, y, K, link)
    if np.any(~(prob > 0)):
        return -np.inf
    return float(np.sum(w * np.log(prob)))


def _grad_hess(phi, X, y, w, K, link: _Link = LINKS["logit"]):
    """Analytic gradient and Hessian of the cumulative-link log-likelihood.

    With ``a = theta_y - eta`` and ``b = theta_{y-1} - eta`` and ``l = log(F(a) - F(b))``:
    ``l_a = f(a)/P``, ``l_b = -f(b)/P``, ``l_aa = f'(a)/P - l_a^2``,
    ``l_bb = -f'(b)/P - l_b^2``, ``l_ab = -l_a l_b``; ``da/dphi = (-x, e_y)`` and
    ``db/dphi = (-x, e_{y-1})``.
    """
    a, b, prob = _loglik_parts(phi, X, y, K, link)
    fa, fb = link.pdf(a), link.pdf(b)
    ha, hb = link.dpdf(a), link.dpdf(b)
    la, lb = fa / prob, -fb / prob
    laa = ha / prob - la**2
    lbb = -hb / prob - lb**2
    lab = -la * lb
    m = len(y)
    Ea = np.zeros((m, K - 1))
    Eb = np.zeros((m, K - 1))
    upper = y < K - 1
    lower = y > 0
    Ea[np.flatnonzero(upper), y[upper]] = 1.0
    Eb[np.flatnonzero(lower), y[lower] - 1] = 1.0
    A = np.hstack([-X, Ea])
    B = np.hstack([-X, Eb])
    g = A.T @ (w * la) + B.T @ (w * lb)
    Hab = A.T @ ((w * lab)[:, None] * B)
    H = A.T @ ((w * laa)[:, None] * A) + B.T @ ((w * lbb)[:, None] * B) + Hab + Hab.T
    return g, H


@one_blas_thread
def fit_proportional_odds(
    X: np.ndarray,
    y: np.ndarray,
    counts: np.ndarray,
    *,
    exog_names: Sequence[str] | None = None,
    categories: Sequence[object] | None = None,
    maxiter: int = 100,
    tol: float = 1e-10,
    link: str = "logit",
) -> OrdinalFit:
    """Fit a proportional-odds model to counts per (covariate pattern, category).

    Parameters
    ----------
    X : ndarray, shape (m, p)
        Covariates of each row, without an intercept (the cut-points play its role).
    y : ndarray of int, shape (m,)
        Category code of each row, ``0 .. K-1`` in the order of the categories; every
        category must occur.
    counts : ndarray, shape (m,)
        Frequency of each row (non-negative; rows with zero count are dropped).
    exog_names : list of str, optional
        Names of the columns of ``X``.
    categories : list, optional
        Labels of the ``K`` categories, used to name the cut-points.
    maxiter, tol : int, float
        Newton-Raphson settings; convergence when the largest step is below ``tol``.
    link : {"logit", "probit", "cloglog"}
        The cumulative link ``F`` in ``P(Y <= k | x) = F(theta_k - x'beta)``: logistic
        (proportional odds, the default), normal (ordered probit) or complementary log-log
        (``F(x) = 1 - exp(-exp(x))``: proportional hazards in discrete time), as
        ``MASS::polr(method=)`` and ``ordinal::clm(link=)``.

    Returns
    -------
    OrdinalFit

    Raises
    ------
    ModelError
        A rank-deficient design, separation (a coefficient running away), or no convergence.

    Notes
    -----
    Newton-Raphson on ``(beta, theta)`` with step halving. Starting values: ``beta = 0`` and
    the logits of the marginal cumulative proportions. The log-likelihood is concave in
    ``(beta, theta)`` for every link with a log-concave density (logistic, normal,
    complementary log-log; Pratt 1981), so the maximum found is global.
    Standard errors come from the inverse of the observed information ``-H`` at the
    maximum, as in ``polr`` and ``OrderedModel``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.], [0.], [0.], [1.], [1.], [1.]])
    >>> y = np.array([0, 1, 2, 0, 1, 2])
    >>> fit = fit_proportional_odds(X, y, np.array([20, 20, 10, 10, 20, 20]), exog_names=["x"])
    >>> round(float(fit.params["x"]), 4)
    0.9808
    """
    F = _get_link(link)
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    y = np.asarray(y, dtype=np.int64)
    w = np.asarray(counts, dtype=float)
    if not (len(X) == len(y) == len(w)):
        raise DataError("X, y and counts must have the same number of rows")
    if np.any(~np.isfinite(w) | (w < 0)):
        raise DataError("counts must be finite and non-negative", column="counts",
                        n_rows=int(np.sum(~np.isfinite(w) | (w < 0))))
    keep = w > 0
    X, y, w = X[keep], y[keep], w[keep]
    K = int(y.max()) + 1 if len(y) else 0
    present = np.bincount(y, weights=w, minlength=K) if K else np.zeros(0)
    if K < 2 or np.any(present == 0):
        raise ModelError("the outcome needs at least two categories, each observed "
                         f"(counts per category: {present.tolist()})")
    p = X.shape[1]
    names = list(exog_names) if exog_names is not None else [f"x{j}" for j in range(p)]
    cats = list(categories) if categories is not None else list(range(K))
    if len(cats) != K or len(names) != p:
        raise DataError(f"expected {K} category labels and {p} names, got {len(cats)} and "
                        f"{len(names)}")
    if p and np.linalg.matrix_rank(np.hstack([np.ones((len(X), 1)), X])) < p + 1:
        raise ModelError("the design is rank deficient: some levels are empty or collinear")

    cum = np.cumsum(present)[:-1] / present.sum()
    phi = np.concatenate([np.zeros(p), F.ppf(cum)])
    llf = _loglik(phi, X, y, w, K, F)
    converged = False
    n_iter = 0
    for n_iter in range(1, maxiter + 1):  # noqa: B007 - n_iter is reported below
        g, H = _grad_hess(phi, X, y, w, K, F)
        try:
            step = np.linalg.solve(-H, g)
        except np.linalg.LinAlgError as exc:
            raise ModelError(
                "separation or collinearity: the information matrix became singular "
                f"(largest |coefficient| {np.max(np.abs(phi[:p]), initial=0):.3g}); a level "
                "may have all its answers in the lowest or highest categories"
            ) from exc
        t = 1.0
        for _ in range(40):
            new = phi + t * step
            new_llf = _loglik(new, X, y, w, K, F)
            if new_llf >= llf - 1e-12 * abs(llf):
                break
            t /= 2
        else:
            raise ModelError("the line search failed to increase the log-likelihood")
        phi, llf = new, new_llf
        if np.max(np.abs(t * step)) < tol:
            converged = True
            break
    if not converged:
        if p and np.any(np.abs(phi[:p]) > 20):
            raise ModelError("separation: coefficients diverge; a level has all its answers "
                             "in the lowest or highest categories; pool sparse levels")
        raise ModelError(f"the proportional-odds fit did not converge in {maxiter} iterations")
    _, H = _grad_hess(phi, X, y, w, K, F)
    try:
        cov = np.linalg.inv(-H)
    except np.linalg.LinAlgError as exc:  # pragma: no cover - guarded by the rank check
        raise ModelError(f"singular information matrix: {exc}") from exc
    se = np.sqrt(np.diag(cov))
    if p and (np.any(np.abs(phi[:p]) > 20) or np.any(~np.isfinite(se)) or np.any(se > 1e3)):
        raise ModelError("separation: coefficients diverge; a level has all its answers in "
                         "the lowest or highest categories; pool sparse levels")
    labels = names + [f"{cats[k]}|{cats[k + 1]}" for k in range(K - 1)]
    return OrdinalFit(
        params=pd.Series(phi, index=labels), bse=pd.Series(se, index=labels),
        cov=pd.DataFrame(cov, index=labels, columns=labels), llf=float(llf),
        nobs=float(w.sum()), n_rows=int(len(y)), categories=cats, n_iter=n_iter, n_coef=p,
        link=F.name,
    )


@one_blas_thread
def fit_proportional_odds_cells(
    cells: pd.DataFrame,
    formula: str,
    outcome: str,
    *,
    count: str = "n",
    categories: Sequence[object] | None = None,
    link: str = "logit",
) -> OrdinalFit:
    """Proportional-odds model from a count table with a patsy right-hand side.

    Parameters
    ----------
    cells : pandas.DataFrame
        One row per (covariate pattern, outcome category) with a count column, e.g. from
        :func:`loyaltystats.tables.count_cells` with the outcome among the ``by`` columns.
    formula : str
        Right-hand side, e.g. ``"C(Infl) + C(Type)"``; the intercept is dropped (the
        cut-points replace it).
    outcome : str
        Ordered outcome column. Its categories are the ordered categorical's categories
        when it is one, else its sorted distinct values (``categories`` overrides both).
    count : str
        Frequency column.
    categories : list, optional
        Outcome categories in order; categories without any count are dropped.
    link : {"logit", "probit", "cloglog"}
        The cumulative link (see :func:`fit_proportional_odds`).

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"x": [0, 0, 1, 1], "y": [1, 2, 1, 2], "n": [30, 10, 10, 30]})
    >>> fit = fit_proportional_odds_cells(cells, "x", "y")
    >>> round(float(fit.params["x"]), 4)
    2.1972
    """
    import patsy

    for c in (outcome, count):
        if c not in cells.columns:
            raise DataError(f"missing column; available: {list(cells.columns)}", table="cells",
                            column=c)
    col = cells[outcome]
    if categories is None:
        if isinstance(col.dtype, pd.CategoricalDtype):
            categories = list(col.cat.categories)
        else:
            categories = sorted(pd.unique(col).tolist())
    totals = cells.groupby(col, observed=False)[count].sum()
    cats = [c for c in categories if totals.get(c, 0) > 0]
    unknown = ~col.isin(categories)
    if unknown.any():
        raise DataError("outcome values not among the categories", table="cells", column=outcome,
                        n_rows=int(unknown.sum()), examples=pd.unique(col[unknown])[:5])
    code_of = {c: i for i, c in enumerate(cats)}
    keep = cells[count].to_numpy(float) > 0
    data = cells.loc[keep].reset_index(drop=True)
    y = np.array([code_of[v] for v in data[outcome]], dtype=np.int64)
    X = patsy.dmatrix(formula, data, return_type="dataframe")
    X = X.drop(columns=[c for c in X.columns if c == "Intercept"])
    return fit_proportional_odds(X.to_numpy(), y, data[count].to_numpy(float),
                                 exog_names=list(X.columns), categories=cats, link=link)


def saturated_loglik(counts: np.ndarray) -> float:
    """Log-likelihood of the saturated multinomial model of a (groups x categories) table.

    ``sum_gk n_gk log(n_gk / n_g)``: the maximum of any model that treats each group's
    distribution separately, such as the non-proportional cumulative-logit model or the
    multinomial logit with the group as a factor.

    Examples
    --------
    >>> round(saturated_loglik(np.array([[1, 1], [2, 0]])), 4)
    -1.3863
    """
    c = np.asarray(counts, dtype=float)
    tot = c.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(c > 0, c * np.log(c / tot), 0.0)
    return float(terms.sum())
