"""Design-based (Taylor linearization) logistic regression with sampling weights.

:func:`fit_binomial_survey` is the logistic model of R's
``svyglm(y ~ x, design = svydesign(ids = ~1, weights = ~w, data = d), family = quasibinomial())``
(survey 4.1): the same weighted point estimates, the same sandwich variance, the same
design degrees of freedom and t-based tests and intervals. It runs on rows or on cells.

Why cells are enough: the estimating equations are :math:`\\sum_i w_i (y_i - \\mu_i) x_i = 0`,
and with one row per primary sampling unit (``ids = ~1``) the middle of the sandwich is
:math:`\\sum_i w_i^2 (y_i - \\mu_i)^2 x_i x_i'`. Rows that share the covariates and the
outcome share :math:`x_i` and :math:`y_i - \\mu_i`, so per ``(covariates, outcome)`` cell the
sum of weights, the sum of squared weights and the number of rows are sufficient. With
clusters, the cells must also be keyed by the cluster (the score totals per cluster enter
the variance); with strata, by the stratum.

Supported designs: ``ids = ~1`` or ``ids = ~cluster`` (one stage), optional ``strata``
(clusters are taken as nested in strata, ``nest = TRUE``), no finite-population correction,
no calibration or post-stratification. A stratum with a single PSU raises, as survey's
default ``options(survey.lonely.psu = "fail")``.
:func:`survey_ciprop` gives ``svyciprop(method = "logit")`` intervals of weighted
proportions in domains from cell sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from .._threads import one_blas_thread
from ..errors import DataError, ModelError, ParameterError
from ._design import design_matrix
from .levels import check_level

__all__ = ["SurveyBinomialFit", "fit_binomial_survey", "survey_ciprop"]


@dataclass(frozen=True, eq=False, repr=False)
class SurveyBinomialFit:
    """A logistic regression with a design-based (linearization) covariance, as ``svyglm``.

    Attributes
    ----------
    params, bse : pandas.Series
        Coefficients and design-based standard errors (R: ``coef(fit)``, ``SE(fit)``).
    cov : pandas.DataFrame
        Design-based (sandwich) covariance, R's ``vcov(fit)``.
    naive_cov : pandas.DataFrame
        Model-based covariance with the weights rescaled to mean one, R's ``fit$naive.cov``.
    deviance : float
        Binomial deviance with the weights rescaled to mean one (R's ``deviance(fit)``).
    df_resid : float
        Residual degrees of freedom of the design, ``degf + 1 - p`` (R's
        ``fit$df.residual``): the t distribution of tests and intervals uses them.
    degf : int
        Design degrees of freedom: PSUs minus strata (R's ``degf(design)``).
    nobs : int
        Rows behind the fit.
    n_psu, n_strata, n_cells : int
        Primary sampling units (rows without clusters), strata (1 without), cells fitted.
    formula, design : str
        The right-hand side and the design in R's notation.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"x": [0, 0, 1, 1, 0, 1], "y": [0, 1, 1, 1, 0, 0],
    ...                   "w": [1.0, 2, 1, 3, 1, 1]})
    >>> fit = fit_binomial_survey(d, "x", outcome="y", weights="w")
    >>> fit.params.index.tolist(), fit.df_resid
    (['Intercept', 'x'], 4.0)
    """

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    naive_cov: pd.DataFrame
    deviance: float
    df_resid: float
    degf: int
    nobs: int
    n_psu: int
    n_strata: int
    n_cells: int
    formula: str
    design: str
    design_info: object = field(repr=False, default=None)

    def __repr__(self) -> str:
        return (f"<SurveyBinomialFit: logit, {self.formula}; {self.design}, {self.nobs} rows, "
                f"df {self.df_resid:g}>\n"
                + self.summary().to_string(float_format=lambda x: f"{x:.4g}"))

    @property
    def df_model(self) -> int:
        """Number of coefficients minus one."""
        return len(self.params) - 1

    @property
    def llf(self) -> float:
        """Pseudo-log-likelihood with the weights rescaled to mean one: ``-deviance / 2``."""
        return -self.deviance / 2

    @property
    def eff_p(self) -> float:
        """Effective number of parameters, R's ``AIC(fit)["eff.p"]``: the trace of
        ``naive_cov^-1 cov`` over the coefficients other than the intercept."""
        idx = [i for i, t in enumerate(self.params.index) if t != "Intercept"]
        if not idx:
            return 0.0
        v0 = self.naive_cov.to_numpy()[np.ix_(idx, idx)]
        v = self.cov.to_numpy()[np.ix_(idx, idx)]
        return float(np.trace(np.linalg.solve(v0, v)))

    @property
    def aic(self) -> float:
        """The design-based AIC of Lumley and Scott (2015), R's ``AIC(fit)["AIC"]``:
        ``deviance + 2 eff_p``."""
        return self.deviance + 2 * self.eff_p

    def tcrit(self, level: float = 0.95) -> float:
        """Two-sided t quantile with ``df_resid`` degrees of freedom (as ``confint.svyglm``).

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"x": [0, 0, 1, 1, 0, 1], "y": [0, 1, 1, 1, 0, 0],
        ...                   "w": [1.0, 2, 1, 3, 1, 1]})
        >>> round(fit_binomial_survey(d, "x", outcome="y", weights="w").tcrit(), 4)
        2.7764
        """
        return float(stats.t.ppf(0.5 + check_level(level) / 2, self.df_resid))

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values from the t distribution with ``df_resid`` (``summary.svyglm``)."""
        return pd.Series(2 * stats.t.sf(np.abs(self.params / self.bse), self.df_resid),
                         index=self.params.index)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald intervals with the t quantile (``confint(fit)``): ``ci_low``, ``ci_high``."""
        t = self.tcrit(level)
        return pd.DataFrame({"ci_low": self.params - t * self.bse,
                             "ci_high": self.params + t * self.bse})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficients, standard errors, t, p-values and intervals, one row per term.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"x": [0, 0, 1, 1, 0, 1], "y": [0, 1, 1, 1, 0, 0],
        ...                   "w": [1.0, 2, 1, 3, 1, 1]})
        >>> fit_binomial_survey(d, "x", outcome="y", weights="w").summary().columns.tolist()
        ['coef', 'std_err', 't', 'p_value', 'ci_low', 'ci_high']
        """
        ci = self.conf_int(level)
        return pd.DataFrame({"coef": self.params, "std_err": self.bse,
                             "t": self.params / self.bse, "p_value": self.pvalues,
                             "ci_low": ci["ci_low"], "ci_high": ci["ci_high"]})

    def table(self, level: float = 0.95, *,
              method: str = "survey logistic (linearization)") -> pd.DataFrame:
        """Tidy table with the columns of :meth:`BinomialFit.table` plus ``df``.

        ``z`` holds the Wald statistic (a t statistic here) and ``p_value`` its t p-value.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"x": [0, 0, 1, 1, 0, 1], "y": [0, 1, 1, 1, 0, 0],
        ...                   "w": [1.0, 2, 1, 3, 1, 1]})
        >>> fit_binomial_survey(d, "x", outcome="y", weights="w").table()["term"].tolist()
        ['Intercept', 'x']
        """
        s = self.summary(level)
        return pd.DataFrame({
            "term": self.params.index.astype(str), "estimate": s["coef"].to_numpy(),
            "ci_low": s["ci_low"].to_numpy(), "ci_high": s["ci_high"].to_numpy(),
            "n": int(self.nobs), "method": method, "std_err": s["std_err"].to_numpy(),
            "z": s["t"].to_numpy(), "p_value": s["p_value"].to_numpy(), "df": self.df_resid,
        })

    def wald_test(self, contrasts: Any) -> dict[str, float]:
        """Wald F test of ``C beta = 0``, as ``regTermTest(fit, ...)`` (method ``"Wald"``).

        Returns ``{"statistic" (F), "df", "ddf", "p_value"}`` with ``ddf = df_resid``.

        Examples
        --------
        >>> import pandas as pd
        >>> d = pd.DataFrame({"x": [0, 0, 1, 1, 0, 1], "y": [0, 1, 1, 1, 0, 0],
        ...                   "w": [1.0, 2, 1, 3, 1, 1]})
        >>> fit = fit_binomial_survey(d, "x", outcome="y", weights="w")
        >>> fit.wald_test([[0, 1]])["df"]
        1
        """
        c = np.atleast_2d(np.asarray(contrasts, float))
        if c.shape[1] != len(self.params):
            raise ParameterError(f"contrasts need {len(self.params)} columns, got {c.shape[1]}")
        b = c @ self.params.to_numpy()
        v = c @ self.cov.to_numpy() @ c.T
        q = c.shape[0]
        f = float(b @ np.linalg.solve(v, b)) / q
        return {"statistic": f, "df": q, "ddf": float(self.df_resid),
                "p_value": float(stats.f.sf(f, q, self.df_resid))}

    def predict(self, data: pd.DataFrame) -> np.ndarray:
        """Predicted probabilities for new rows or cells (the covariates of the fit)."""
        import patsy

        if self.design_info is None:
            raise ModelError("this fit was pickled or copied without its patsy design: "
                             "refit to predict")
        X = np.asarray(patsy.dmatrix(self.design_info, data, return_type="dataframe"))
        return special.expit(X @ self.params.to_numpy())

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "design_info"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in {**state, "design_info": None}.items():
            object.__setattr__(self, k, v)


def _column(data: pd.DataFrame, name: str, what: str) -> np.ndarray:
    if name not in data.columns:
        raise DataError(f"missing {what} column; available: {list(data.columns)}",
                        table="data", column=name)
    s = data[name]
    if s.dtype.kind not in "biuf":
        raise DataError(f"{what} must be numeric, got dtype {s.dtype}", table="data",
                        column=name, n_rows=len(s), examples=pd.unique(s.to_numpy())[:5])
    v = s.to_numpy(float)
    bad = ~np.isfinite(v) | (v < 0)
    if what == "outcome":
        bad |= (v != 0) & (v != 1)
    if bad.any():
        need = "0/1" if what == "outcome" else "finite and non-negative"
        raise DataError(f"{what} must be {need}", table="data", column=name,
                        n_rows=int(bad.sum()), examples=pd.unique(v[bad])[:5])
    return v


def _irls(X: np.ndarray, y: np.ndarray, w: np.ndarray, rhs: str, maxiter: int,
          tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic maximum likelihood by Newton's method; (beta, mu)."""
    beta = np.zeros(X.shape[1])
    wsum = w.sum()
    ybar = float(w @ y / wsum)
    if 0 < ybar < 1 and X.shape[1] and np.allclose(X[:, 0], 1):
        beta[0] = np.log(ybar / (1 - ybar))
    sep = ModelError(f"separation in {rhs!r}: estimates diverge; some covariate patterns "
                     "have only successes or only failures; pool sparse levels")
    pos = w > 0
    for _ in range(maxiter):
        mu = special.expit(X @ beta)
        h = (X * (w * mu * (1 - mu))[:, None]).T @ X
        try:
            step = np.linalg.solve(h, X.T @ (w * (y - mu)))
        except np.linalg.LinAlgError as exc:
            raise sep from exc
        beta = beta + step
        if np.max(np.abs(beta)) > 30:
            raise sep
        if np.max(np.abs(step)) < tol * (1 + np.max(np.abs(beta))):
            mu = special.expit(X @ beta)
            break
    else:
        raise ModelError(f"the fit of {rhs!r} did not converge in {maxiter} iterations")
    if (np.abs(beta) > 20).any() or np.any((mu[pos] < 1e-10) | (mu[pos] > 1 - 1e-10)):
        raise sep
    return beta, mu


def _codes(data: pd.DataFrame, name: str | None) -> np.ndarray:
    if name is None:
        return np.zeros(len(data), np.int64)
    if name not in data.columns:
        raise DataError(f"missing design column; available: {list(data.columns)}",
                        table="data", column=name)
    s = data[name]
    if s.isna().any():
        raise DataError("design columns must not be missing", table="data", column=name,
                        n_rows=int(s.isna().sum()))
    return pd.factorize(s, sort=True)[0].astype(np.int64)


def _meat(infl: np.ndarray, g: np.ndarray, a: np.ndarray | None, counts: np.ndarray,
          stratum: np.ndarray, psu: np.ndarray | None) -> np.ndarray:
    """Sum over strata of ``n_h / (n_h - 1)`` times the centred cross-products of the PSU
    totals of the influence rows (survey's ``svyrecvar`` for one stage without fpc).

    Without clusters (``psu`` None) every row is a PSU: ``infl`` holds the cell totals and
    the per-cell sum of the rows' influence outer products is ``a g g'`` (``g = A^-1 x``,
    ``a`` the sum of ``w^2 (y - mu)^2``)."""
    p = infl.shape[1]
    out = np.zeros((p, p))
    for h in np.unique(stratum):
        ins = stratum == h
        tot = infl[ins].sum(axis=0)
        if psu is None:
            n_h = float(counts[ins].sum())
            cross = (g[ins] * a[ins, None]).T @ g[ins]
        else:
            ids, inv = np.unique(psu[ins], return_inverse=True)
            n_h = float(len(ids))
            t = np.zeros((len(ids), p))
            np.add.at(t, inv, infl[ins])
            cross = t.T @ t
        if n_h < 2:
            raise ModelError(f"stratum {int(h)} has only one PSU (survey's default "
                             "lonely.psu = 'fail'): merge it with another stratum")
        out += (cross - np.outer(tot, tot) / n_h) * n_h / (n_h - 1)
    return out


@one_blas_thread
def fit_binomial_survey(
    data: pd.DataFrame,
    formula: str,
    *,
    outcome: str,
    weights: str,
    weights_sq: str | None = None,
    counts: str | None = None,
    cluster: str | None = None,
    strata: str | None = None,
    maxiter: int = 100,
    tol: float = 1e-12,
) -> SurveyBinomialFit:
    """Logistic regression with sampling weights and a design-based variance (``svyglm``).

    Parameters
    ----------
    data : pandas.DataFrame
        Rows (one per unit) or cells (one per covariate pattern, outcome and, with a
        design, cluster and stratum).
    formula : str
        Right-hand side of a patsy formula, e.g. ``"k"`` or ``"C(k)"``.
    outcome : str
        0/1 outcome per row or cell.
    weights : str
        Sampling weights per row, or their sum per cell.
    weights_sq, counts : str, optional
        For cells: the sum of squared weights and the number of rows per cell. Both or
        neither; neither means ``data`` holds rows. With ``cluster`` ``weights_sq`` is not
        used (the cluster totals carry the variance) but ``counts`` still counts rows.
    cluster, strata : str, optional
        PSU identifiers (``ids = ~cluster``; taken within strata, ``nest = TRUE``) and strata.
    maxiter, tol : int, float
        Newton iterations and relative step tolerance.

    Returns
    -------
    SurveyBinomialFit

    Raises
    ------
    DataError
        Missing columns, an outcome that is not 0/1, negative or non-finite weights.
    ModelError
        Separation, non-convergence, a rank-deficient design, a stratum with one PSU.
    ParameterError
        ``weights_sq`` without ``counts`` or the reverse.

    Notes
    -----
    With :math:`A = \\sum_i w_i \\mu_i (1 - \\mu_i) x_i x_i'` and the influence rows
    :math:`z_i = A^{-1} w_i (y_i - \\mu_i) x_i`, the covariance is
    :math:`\\sum_h \\frac{n_h}{n_h - 1} \\sum_{j \\in h} (z_{hj} - \\bar z_h)(z_{hj} - \\bar z_h)'`
    over strata :math:`h` with :math:`n_h` PSUs whose totals are :math:`z_{hj}` (each row
    is a PSU without clusters). With ``ids = ~1`` and no strata this is
    :math:`\\frac{n}{n-1} A^{-1} (\\sum_i w_i^2 r_i^2 x_i x_i') A^{-1}` (:math:`\\bar z = 0`
    at the solution). Tests and intervals use the t distribution with
    ``degf + 1 - p`` degrees of freedom, ``degf`` = PSUs with positive weight minus strata.
    On cells, rows of weight zero inside a cell of positive weight cannot be told apart and
    count in ``degf`` (survey leaves them out; only the t quantile moves, negligibly).

    Checked against R's survey 4.1-1 ``svyglm`` in tests/test_survey_glm.py (coefficients,
    standard errors, df, deviance, AIC, ``regTermTest``) to 1e-8.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> d = pd.DataFrame({"k": rng.integers(0, 4, 500), "w": rng.uniform(0.5, 2, 500)})
    >>> d["y"] = (rng.random(500) < 0.2 + 0.2 * d["k"]).astype(int)
    >>> fit = fit_binomial_survey(d, "k", outcome="y", weights="w")
    >>> fit.df_resid, fit.design
    (498.0, 'ids=~1')
    """

    if (weights_sq is not None and counts is None) or (
            counts is not None and weights_sq is None and cluster is None):
        raise ParameterError("cells need counts, and weights_sq unless a cluster is given; "
                             "rows need neither")
    y = _column(data, outcome, "outcome")
    w = _column(data, weights, "weights")
    rows = counts is None
    n_rows = np.ones(len(data)) if rows else _column(data, counts, "counts")
    sq = w * w if rows else (None if weights_sq is None
                             else _column(data, weights_sq, "weights_sq"))
    if len(data) == 0 or w.sum() <= 0:
        raise ModelError("no rows with positive weight")
    rhs = formula.split("~", 1)[-1].strip()
    Xd = design_matrix(rhs, data, table="data")
    X = Xd.to_numpy(float)
    if np.linalg.matrix_rank(X[w > 0]) < X.shape[1]:
        raise ModelError(f"design for {rhs!r} is rank deficient: some levels are empty "
                         "or collinear")
    beta, mu = _irls(X, y, w, rhs, maxiter, tol)
    wbar = w.sum() / n_rows.sum()             # svyglm rescales the weights to mean one
    info = (X * (w * mu * (1 - mu))[:, None]).T @ X
    ainv = np.linalg.inv(info)
    infl = (X * (w * (y - mu))[:, None]) @ ainv
    stratum, psu = _codes(data, strata), (None if cluster is None else _codes(data, cluster))
    a = None if sq is None else sq * (y - mu) ** 2
    cov = _meat(infl, X @ ainv, a, n_rows, stratum, psu)
    pos = w > 0
    n_strata = len(np.unique(stratum[pos]))
    if psu is None:
        n_psu = int(round(n_rows[pos].sum()))
    else:
        n_psu = len({(a, b) for a, b in zip(stratum[pos], psu[pos])})
    degf = n_psu - n_strata
    with np.errstate(divide="ignore", invalid="ignore"):
        ll = np.where(y == 1, np.log(mu), np.log1p(-mu))
    deviance = float(-2 * np.sum(np.where(pos, w / wbar * ll, 0.0)))
    names = list(Xd.columns)
    design = "ids=~1" if cluster is None else f"ids=~{cluster}"
    if strata is not None:
        design += f", strata=~{strata}"
    return SurveyBinomialFit(
        params=pd.Series(beta, index=names), bse=pd.Series(np.sqrt(np.diag(cov)), index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        naive_cov=pd.DataFrame(ainv * wbar, index=names, columns=names),
        deviance=deviance, df_resid=float(degf + 1 - len(names)), degf=int(degf),
        nobs=int(round(n_rows.sum())), n_psu=n_psu, n_strata=n_strata, n_cells=len(data),
        formula=rhs, design=design, design_info=Xd.design_info)


def survey_ciprop(weight: Any, weight_successes: Any, weight_sq_successes: Any,
                  weight_sq_failures: Any, *, n_total: float, n_domain: Any,
                  level: float = 0.95) -> pd.DataFrame:
    """Weighted proportions in domains with ``svyciprop(method = "logit")`` intervals.

    For a design ``svydesign(ids = ~1, weights = ~w)`` of ``n_total`` rows, domain ``d``
    (e.g. ``svyby(~y, ~k, design, svyciprop, method = "logit")``) has the proportion
    :math:`p_d = \\sum_d w y / \\sum_d w`, the linearized standard error
    :math:`\\sqrt{\\frac{N}{N-1} \\sum_d w^2 (y - p_d)^2} / \\sum_d w` (survey's ``svymean``
    in the domain: ``N`` counts every row of the design) and the interval
    :math:`\\operatorname{expit}(\\operatorname{logit} p_d \\pm t_{n_d - 1}\\, se / (p_d (1 - p_d)))`
    with the domain's design degrees of freedom ``n_domain - 1``.

    Parameters
    ----------
    weight, weight_successes : array_like
        Sum of weights and of weights of the rows with outcome 1, per domain.
    weight_sq_successes, weight_sq_failures : array_like
        Sum of squared weights of the rows with outcome 1 and with outcome 0, per domain.
    n_total : float
        Rows in the whole design.
    n_domain : array_like
        Rows in each domain (their degrees of freedom are ``n_domain - 1``).
    level : float
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        ``p, std_err, ci_low, ci_high, df`` per domain.

    Examples
    --------
    >>> t = survey_ciprop([10.0], [4.0], [6.0], [8.0], n_total=20, n_domain=[8])
    >>> round(float(t["p"][0]), 3), round(float(t["std_err"][0]), 4)
    (0.4, 0.1903)
    """
    level = check_level(level)
    W = np.asarray(weight, float)
    p = np.asarray(weight_successes, float) / W
    ss = (np.asarray(weight_sq_successes, float) * (1 - p) ** 2
          + np.asarray(weight_sq_failures, float) * p**2)
    se = np.sqrt(n_total / (n_total - 1) * ss) / W
    df = np.asarray(n_domain, float) - 1
    t = stats.t.ppf(0.5 + level / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = t * se / (p * (1 - p))
        logit = special.logit(p)
    return pd.DataFrame({"p": p, "std_err": se, "ci_low": special.expit(logit - half),
                         "ci_high": special.expit(logit + half), "df": df})
