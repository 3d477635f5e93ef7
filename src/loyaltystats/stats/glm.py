"""Binomial GLMs fitted on cell tables, with likelihood-ratio tests.

A binomial GLM fitted to ``(successes, trials)`` per cell has exactly the maximum-likelihood
estimates and Fisher information of the same model fitted to the 0/1 rows, because the cell
counts are sufficient statistics. Fitting therefore costs the same for 10^3 or 10^9 rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

from .._threads import one_blas_thread
from ..errors import DataError, ModelError, ParameterError
from ._design import design_matrix

__all__ = ["BinomialFit", "fit_binomial", "lr_test"]

_LINKS = {
    "logit": sm.families.links.Logit,
    "cloglog": sm.families.links.CLogLog,
    "probit": sm.families.links.Probit,
    "log": sm.families.links.Log,
}


@dataclass(frozen=True, eq=False, repr=False)
class BinomialFit:
    """A fitted binomial GLM on cells.

    Attributes
    ----------
    params, bse : pandas.Series
        Coefficients and standard errors (model-based, from the Fisher information).
    cov : pandas.DataFrame
        Covariance matrix of the coefficients.
    llf : float
        Log-likelihood of the cell fit. It differs from the row-level log-likelihood by a
        constant (the binomial coefficients), so differences between nested models, and thus
        likelihood-ratio tests, are the same as on the rows.
    deviance, df_model, df_resid : float
        As in statsmodels.
    nobs : float
        Total trials (rows) behind the cells.
    n_cells : int
        Number of cells the model was fitted on.
    formula, link : str
        The model.
    separated : tuple of str
        Terms whose maximum-likelihood estimate is infinite (separation). Empty for every fit
        of :func:`fit_binomial`, which raises on separation; set by
        :func:`loyaltystats.stats.glm_profile.fit_binomial_limit`, whose ``params`` are then
        ``+-inf`` for these terms.
    """

    params: pd.Series
    bse: pd.Series
    cov: pd.DataFrame
    llf: float
    deviance: float
    df_model: int
    df_resid: float
    nobs: float
    n_cells: int
    formula: str
    link: str
    design_info: object = field(repr=False, default=None)
    separated: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (f"<BinomialFit: {self.link} link, {self.formula}; {self.n_cells} cells, "
                f"{self.nobs:g} trials, llf {self.llf:.6g}>\n"
                + self.summary().to_string(float_format=lambda x: f"{x:.4g}"))

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided Wald p-values of the coefficients."""
        return pd.Series(2 * stats.norm.sf(np.abs(self.params / self.bse)), index=self.params.index)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald intervals of the coefficients (columns ``ci_low``, ``ci_high``)."""
        z = stats.norm.ppf(0.5 + level / 2)
        return pd.DataFrame({"ci_low": self.params - z * self.bse,
                             "ci_high": self.params + z * self.bse})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficients, standard errors, z, p-values and intervals, one row per term.

        Examples
        --------
        >>> import pandas as pd
        >>> cells = pd.DataFrame({"x": [0, 1], "successes": [10, 30], "n": [100, 100]})
        >>> fit_binomial(cells, "x").summary().columns.tolist()
        ['coef', 'std_err', 'z', 'p_value', 'ci_low', 'ci_high']
        """
        ci = self.conf_int(level)
        return pd.DataFrame({"coef": self.params, "std_err": self.bse,
                             "z": self.params / self.bse, "p_value": self.pvalues,
                             "ci_low": ci["ci_low"], "ci_high": ci["ci_high"]})

    @property
    def aic(self) -> float:
        """Akaike information criterion from the cell log-likelihood (differences are valid)."""
        return -2 * self.llf + 2 * (self.df_model + 1)

    def table(self, level: float = 0.95, *, method: str = "binomial GLM on cells") -> pd.DataFrame:
        """Tidy coefficient table: term, estimate, ci_low, ci_high, n, method, std_err, z, p_value.

        Examples
        --------
        >>> import pandas as pd
        >>> cells = pd.DataFrame({"x": [0, 1], "successes": [10, 30], "n": [100, 100]})
        >>> fit_binomial(cells, "x").table()["term"].tolist()
        ['Intercept', 'x']
        """
        z = stats.norm.ppf(0.5 + level / 2)
        est = self.params.to_numpy()
        se = self.bse.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            zval = est / se
        return pd.DataFrame({
            "term": self.params.index.astype(str),
            "estimate": est,
            "ci_low": est - z * se,
            "ci_high": est + z * se,
            "n": int(round(self.nobs)),
            "method": method,
            "std_err": se,
            "z": zval,
            "p_value": 2 * stats.norm.sf(np.abs(zval)),
        })

    # patsy's design information cannot be pickled (patsy issue #26): a pickled or copied
    # fit keeps every number and table but not the design, so it cannot predict
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "design_info"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in {**state, "design_info": None}.items():
            object.__setattr__(self, k, v)

    def predict(self, cells: pd.DataFrame) -> np.ndarray:
        """Predicted probabilities for new cells (same columns as the fitting table)."""
        import patsy

        if self.design_info is None:
            raise ModelError("this fit was pickled or copied without its patsy design "
                             "(patsy cannot pickle it): refit to predict")
        X = np.asarray(patsy.dmatrix(self.design_info, cells, return_type="dataframe"))
        eta = X @ self.params.to_numpy()
        return _LINKS[self.link]().inverse(eta)


@one_blas_thread
def fit_binomial(
    cells: pd.DataFrame,
    formula: str,
    *,
    successes: str = "successes",
    trials: str = "n",
    link: str = "logit",
    maxiter: int = 100,
    tol: float = 1e-12,
) -> BinomialFit:
    """Fit a binomial GLM to a table of counts per cell.

    Parameters
    ----------
    cells : pandas.DataFrame
        One row per cell, e.g. from :func:`loyaltystats.tables.count_cells`.
    formula : str
        Right-hand side of a patsy formula, e.g. ``"C(k)"`` or ``"k + C(segment)"``.
    successes, trials : str
        Count columns. For survey weights use ``"weight_successes"`` and ``"weight"``:
        integer weights then give the same fit as duplicated rows.
    link : {"logit", "cloglog", "probit", "log"}
        Link function; ``"cloglog"`` gives a discrete-time proportional-hazards model.
    maxiter, tol : int, float
        IRLS settings; the tight default tolerance makes cell and row fits agree to ~1e-10.

    Returns
    -------
    BinomialFit

    Raises
    ------
    ModelError
        Perfect or quasi-complete separation, non-convergence, or a rank-deficient design.
    DataError
        Missing count columns or impossible counts.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"k": [0, 1, 2], "successes": [10, 57, 78], "n": [100] * 3})
    >>> fit = fit_binomial(cells, "C(k)")
    >>> round(float(fit.params["C(k)[T.1]"]), 3)
    2.479
    """

    if link not in _LINKS:
        raise ParameterError(f"link must be one of {sorted(_LINKS)}, got {link!r}")
    for c in (successes, trials):
        if c not in cells.columns:
            raise DataError(f"missing count column; available: {list(cells.columns)}",
                            table="cells", column=c)
    y = cells[successes].to_numpy(float)
    m = cells[trials].to_numpy(float)
    bad = ~np.isfinite(y) | ~np.isfinite(m) | (y < 0) | (y > m * (1 + 1e-12)) | (m < 0)
    if bad.any():
        raise DataError("need 0 <= successes <= trials", table="cells", column=successes,
                        n_rows=int(bad.sum()), examples=y[bad][:5])
    keep = m > 0
    data = cells.loc[keep].reset_index(drop=True)
    y, m = y[keep], m[keep]
    if len(data) == 0:
        raise ModelError("no cell has any observations")
    rhs = formula.split("~", 1)[-1].strip()
    X = design_matrix(rhs, data, table="cells")
    rank = np.linalg.matrix_rank(X.to_numpy())
    if rank < X.shape[1]:
        raise ModelError(
            f"design for {rhs!r} is rank deficient ({rank} < {X.shape[1]} columns): "
            "some levels are empty or collinear"
        )
    model = sm.GLM(y / m, X, family=sm.families.Binomial(link=_LINKS[link]()), var_weights=m)
    with warnings.catch_warnings():
        # statsmodels flags any exact fit (a saturated model) as "perfect prediction"; we
        # detect real separation ourselves below from diverging estimates.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            # the parameters' change, not the deviance's: with large counts the deviance
            # carries rounding noise above any absolute tolerance and IRLS ran to maxiter
            # (2 million customers, issue #23); statsmodels does not warn when it stops
            res = model.fit(maxiter=maxiter, tol=tol, tol_criterion="params")
        except ConvergenceWarning as exc:
            raise ModelError(f"the fit of {rhs!r} did not converge in {maxiter} iterations") from exc
        except (np.linalg.LinAlgError, ValueError) as exc:
            raise ModelError(f"the fit of {rhs!r} failed: {exc}") from exc
    params, bse = res.params, res.bse
    mu = res.fittedvalues.to_numpy()
    # Quasi-complete separation: a cell predicted at 0 or 1 and coefficients that ran away.
    runaway = (np.abs(params) > 20) | ~np.isfinite(bse) | (bse > 1e3)
    if runaway.any() or np.any((mu < 1e-10) | (mu > 1 - 1e-10)):
        terms = list(params.index[runaway]) or ["(fitted probabilities at 0 or 1)"]
        raise ModelError(
            f"separation in {rhs!r}: estimates diverge for {terms}; some cells have only "
            "successes or only failures; pool sparse levels"
        )
    if not res.converged:
        raise ModelError(f"the fit of {rhs!r} did not converge in {maxiter} iterations")
    return BinomialFit(
        params=params, bse=bse, cov=res.cov_params(), llf=float(res.llf),
        deviance=float(res.deviance), df_model=int(res.df_model), df_resid=float(res.df_resid),
        nobs=float(m.sum()), n_cells=int(len(data)), formula=rhs, link=link,
        design_info=X.design_info,
    )


def lr_test(restricted: BinomialFit, full: BinomialFit) -> dict[str, float]:
    """Likelihood-ratio test of a nested restricted model against a fuller one.

    Returns ``{"statistic", "df", "p_value"}``. Both fits must be on the same cells.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"k": [0, 1, 2], "successes": [10, 57, 78], "n": [100] * 3})
    >>> res = lr_test(fit_binomial(cells, "k"), fit_binomial(cells, "C(k)"))
    >>> res["df"]
    1
    """
    if abs(restricted.nobs - full.nobs) > 1e-6 * max(full.nobs, 1):
        raise ModelError("the two fits are on different data")
    df = int(full.df_model - restricted.df_model)
    if df <= 0:
        raise ModelError("the 'full' model must have more parameters than the restricted one")
    stat = max(2 * (full.llf - restricted.llf), 0.0)
    return {"statistic": float(stat), "df": df, "p_value": float(stats.chi2.sf(stat, df))}
