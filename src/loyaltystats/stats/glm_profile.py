"""Profile-likelihood intervals for binomial GLMs on cells, as R's ``confint()`` on a ``glm``.

Wald intervals :math:`\\hat\\beta \\pm z\\,SE` assume a quadratic log-likelihood; with few
successes or failures in a cell the likelihood is skewed and, under separation (a cell with
only successes or only failures), the estimate is infinite and the Wald interval means
nothing. The profile-likelihood interval inverts the likelihood-ratio test instead: it holds
every value :math:`b` of a coefficient (or of a contrast :math:`c'\\beta`) whose signed root

.. math:: z(b) = \\operatorname{sign}(b - \\hat b)\\sqrt{D(b) - D(\\hat\\beta)}

lies between the normal quantiles, :math:`D(b)` being the deviance of the model refitted
with the coefficient held at :math:`b` (an offset on the cells: each refit costs microseconds).

For a regular fit :func:`profile_ci` computes exactly what R 4.2 computes with
``confint(glm(...))`` (MASS 7.3's ``profile.glm`` and ``confint.profile.glm``): the profile on
the grid :math:`\\hat b \\pm j\\,\\delta\\,SE`, :math:`j = 1..9`, :math:`\\delta = z_{max}/5`,
:math:`z_{max} = \\sqrt{\\chi^2_{1}(1 - (1-\\text{level})/4)}`, an fmm spline through it
(R's ``spline``) and linear interpolation of the inverse at the normal quantiles (R's
``approx``). Where the grid does not reach the cut-off R returns ``NA``; here the exact root of
:math:`z(b) = \\pm z_{1-\\alpha/2}` is found instead (``method`` says so).

Under separation R's ``glm`` stops at a finite, meaningless estimate, and ``confint`` gives
``NA`` on one side and an arbitrary number on the other. :func:`fit_binomial_limit` fits the
limit instead (the supremum of the likelihood, the diverging terms at :math:`\\pm\\infty`) and
:func:`profile_ci` returns the exact profile roots: the open side is ``-inf`` or ``+inf``
(``open_low`` / ``open_high`` are True), the other side is the finite bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special, stats

from .._threads import one_blas_thread
from ..errors import DataError, ModelError
from ._design import design_matrix
from .glm import BinomialFit, fit_binomial
from .levels import check_level

__all__ = ["fit_binomial_limit", "profile_ci"]

_MAXSTEPS = 10          # MASS: while ((step <- step + 1) < maxsteps ...), i.e. 9 steps a side
_BOUNDARY = 1e-8        # a fitted probability this close to 0 or 1 in a 0/all cell: separated


# --- R's spline(method = "fmm") and approx(), ported from R 4.2's stats/src/splines.c ---------

def _regularize(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``regularize.values(x, y, ties = mean)``: drop NaN, sort by x, average tied x."""
    ok = ~(np.isnan(x) | np.isnan(y))
    order = np.argsort(x[ok], kind="stable")
    x, y = x[ok][order], y[ok][order]
    ux, inv = np.unique(x, return_inverse=True)
    if len(ux) == len(x):
        return x, y
    return ux, np.bincount(inv, weights=y) / np.bincount(inv)


def _fmm_coef(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients of Forsythe, Malcolm and Moler's spline (R's ``fmm_spline``, 0-based)."""
    n = len(x)
    b, c, d = np.zeros(n), np.zeros(n), np.zeros(n)
    if n < 3:
        b[:] = (y[-1] - y[0]) / (x[-1] - x[0]) if n == 2 else 0.0
        return b, c, d
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, n - 1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0], b[n - 1] = -d[0], -d[n - 2]
    c[0] = c[n - 1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[n - 1] = c[n - 2] / (x[n - 1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[n - 1] = -c[n - 1] * d[n - 2] * d[n - 2] / (x[n - 1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] -= t * d[i - 1]
        c[i] -= t * c[i - 1]
    c[n - 1] /= b[n - 1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[n - 1] = (y[n - 1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[n - 1])
    for i in range(n - 1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[n - 1] *= 3.0
    d[n - 1] = d[n - 2]
    return b, c, d


def _r_spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``spline(x, y)``: the fmm spline at ``3 * length(x)`` equally spaced points."""
    x, y = _regularize(np.asarray(x, float), np.asarray(y, float))
    b, c, d = _fmm_coef(x, y)
    u = np.linspace(x[0], x[-1], 3 * len(x))
    i = np.clip(np.searchsorted(x, u, side="right") - 1, 0, len(x) - 1)
    dx = u - x[i]
    return u, y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))


def _r_approx(x: np.ndarray, y: np.ndarray, xout: np.ndarray) -> np.ndarray:
    """R's ``approx(x, y, xout)$y``: linear, NaN outside the range of x (``rule = 1``)."""
    x, y = _regularize(np.asarray(x, float), np.asarray(y, float))
    out = np.interp(xout, x, y)
    return np.where((xout < x[0]) | (xout > x[-1]), np.nan, out)


# --- the binomial likelihood on cells, with an offset, tolerant of separation ------------------

def _link_terms(link: str, eta: np.ndarray) -> tuple[np.ndarray, ...]:
    """``log mu``, ``log(1 - mu)``, ``mu`` and ``dmu/deta``, computed stably."""
    if link == "logit":
        lmu, l1mu = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
        mu = np.exp(lmu)
        dmu = np.exp(lmu + l1mu)
    elif link == "cloglog":
        ee = np.exp(np.minimum(eta, 700.0))
        l1mu = -ee
        mu = -np.expm1(-ee)
        with np.errstate(divide="ignore"):
            lmu = np.log(mu)
        dmu = np.exp(np.minimum(eta, 700.0) - ee)
    elif link == "probit":
        lmu, l1mu = stats.norm.logcdf(eta), stats.norm.logcdf(-eta)
        mu, dmu = np.exp(lmu), stats.norm.pdf(eta)
    else:  # log
        lmu = np.minimum(eta, 0.0)
        mu = np.exp(lmu)
        with np.errstate(divide="ignore"):
            l1mu = np.log1p(-mu)
        dmu = mu
    return lmu, l1mu, mu, dmu


def _loglik(y: np.ndarray, m: np.ndarray, lmu: np.ndarray, l1mu: np.ndarray) -> np.ndarray:
    """Per-cell ``y log mu + (m - y) log(1 - mu)`` with ``0 * log 0 = 0``."""
    return np.where(y > 0, y * lmu, 0.0) + np.where(m - y > 0, (m - y) * l1mu, 0.0)


def _deviance(X: np.ndarray, beta: np.ndarray, off: np.ndarray, y: np.ndarray, m: np.ndarray,
              link: str) -> float:
    lmu, l1mu, _, _ = _link_terms(link, X @ beta + off)
    sat = special.xlogy(y, y / m) + special.xlogy(m - y, (m - y) / m)
    return float(2 * np.sum(sat - _loglik(y, m, lmu, l1mu)))


def _irls(X: np.ndarray, y: np.ndarray, m: np.ndarray, off: np.ndarray, link: str,
          beta: np.ndarray | None = None, maxiter: int = 300
          ) -> tuple[np.ndarray, float, np.ndarray]:
    """Fisher scoring with step halving; under separation the deviance converges to its
    infimum while some coefficients run away. Returns (beta, deviance, previous beta)."""
    beta = np.zeros(X.shape[1]) if beta is None else np.array(beta, float)
    dev = _deviance(X, beta, off, y, m, link)
    prev, tol_scale = beta, float(np.sum(m))
    if X.shape[1] == 0:
        return beta, dev, prev
    for _ in range(maxiter):
        eta = X @ beta + off
        _, _, mu, dmu = _link_terms(link, eta)
        var = mu * (1 - mu)
        ok = (dmu > 0) & (var > 0)
        w = np.where(ok, m * dmu**2 / np.where(ok, var, 1.0), 0.0)
        z = np.where(ok, eta - off + (y / m - mu) / np.where(ok, dmu, 1.0), 0.0)
        sw = np.sqrt(w)
        new = np.linalg.lstsq(X * sw[:, None], z * sw, rcond=None)[0]
        new_dev = _deviance(X, new, off, y, m, link)
        for _ in range(40):
            if np.isfinite(new_dev) and new_dev <= dev + 1e-12 * (abs(dev) + 1) + 1e-14 * tol_scale:
                break
            new = (new + beta) / 2
            new_dev = _deviance(X, new, off, y, m, link)
        prev, beta, change, dev = beta, new, abs(new_dev - dev), new_dev
        if np.max(np.abs(beta - prev)) <= 1e-10 * (np.max(np.abs(beta)) + 1):
            return beta, dev, prev
        # separation: the deviance settles while the runaway coefficients keep moving
        if (change <= 1e-12 * (abs(dev) + 1) + 1e-14 * tol_scale
                and _boundary_cells(X @ beta + off, y, m, link).any()):
            return beta, dev, prev
    raise ModelError(f"a profile refit did not converge in {maxiter} iterations")


def _boundary_cells(eta: np.ndarray, y: np.ndarray, m: np.ndarray, link: str) -> np.ndarray:
    """Cells with only failures (successes) fitted at probability 0 (1): separation."""
    lmu, l1mu, _, _ = _link_terms(link, eta)
    return (((y == 0) & (lmu < np.log(_BOUNDARY)))
            | ((y == m) & (l1mu < np.log(_BOUNDARY))))


# --- the limit fit under separation -------------------------------------------------------------

def _design(fit: BinomialFit | None, cells: pd.DataFrame, formula: str, successes: str,
            trials: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, object, list[str]]:
    """The design matrix, successes and trials of the cells with trials (as fit_binomial)."""

    for c in (successes, trials):
        if c not in cells.columns:
            raise DataError(f"missing count column; available: {list(cells.columns)}",
                            table="cells", column=c)
    for c in (successes, trials):
        v = cells[c].to_numpy(float)
        bad = ~np.isfinite(v) | (v < 0)
        if bad.any():
            raise DataError("counts must be finite and non-negative", table="cells", column=c,
                            n_rows=int(bad.sum()), examples=pd.unique(v[bad])[:5])
    data = cells.loc[cells[trials].to_numpy(float) > 0].reset_index(drop=True)
    spec = fit.design_info if fit is not None else formula
    if spec is None:
        raise ModelError("this fit was pickled or copied without its patsy design: refit it")
    X = design_matrix(spec, data, table="cells")
    return (X.to_numpy(float), data[successes].to_numpy(float), data[trials].to_numpy(float),
            X.design_info, [str(c) for c in X.columns])


def _limit(X: np.ndarray, y: np.ndarray, m: np.ndarray, link: str
           ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """The maximum-likelihood limit: (beta at convergence, recession step, deviance, the
    separated cells)."""
    beta, dev, prev = _irls(X, y, m, np.zeros(len(y)), link)
    return beta, beta - prev, dev, _boundary_cells(X @ beta, y, m, link)


def _limit_cov(X: np.ndarray, y: np.ndarray, m: np.ndarray, beta: np.ndarray,
               sep: np.ndarray, link: str) -> np.ndarray:
    """A generalized inverse of the Fisher information of the non-separated cells: the
    covariance of every estimable ``c' beta`` (the same for any generalized inverse)."""
    XF = X[~sep]
    _, _, mu, dmu = _link_terms(link, XF @ beta)
    w = m[~sep] * dmu**2 / (mu * (1 - mu))
    return np.linalg.pinv((XF * w[:, None]).T @ XF)


def _estimable(c: np.ndarray, XF: np.ndarray) -> bool:
    """Is ``c' beta`` determined by the cells that are not separated (``c`` in their row
    space)?"""
    if XF.shape[0] == 0:
        return not np.any(c)
    a = np.linalg.lstsq(XF.T, c, rcond=None)[0]
    return bool(np.linalg.norm(XF.T @ a - c) <= 1e-8 * max(np.linalg.norm(c), 1.0))


@one_blas_thread
def fit_binomial_limit(
    cells: pd.DataFrame,
    formula: str,
    *,
    successes: str = "successes",
    trials: str = "n",
    link: str = "logit",
) -> BinomialFit:
    """:func:`~loyaltystats.stats.fit_binomial`, or its limit under separation.

    Without separation this is exactly :func:`~loyaltystats.stats.fit_binomial`. With
    separation (cells with only successes or only failures that the model can fit exactly),
    the likelihood has no maximum but a supremum, approached as some coefficients run to
    :math:`\\pm\\infty`. The returned fit is that limit: ``llf`` and ``deviance`` are the
    supremum, the terms not determined by the other cells are ``+-inf`` in ``params`` (with
    ``bse`` inf and a NaN row in ``cov``) and listed in ``separated``; the other terms are
    their finite limits with the standard errors of the model on the non-separated cells.
    Use :func:`profile_ci` for intervals: Wald intervals of such a fit mean nothing.

    Parameters
    ----------
    cells, formula, successes, trials, link
        As :func:`~loyaltystats.stats.fit_binomial`.

    Returns
    -------
    BinomialFit
        With ``separated`` naming the infinite terms (empty without separation).

    Raises
    ------
    ModelError
        The fit fails for another reason than separation (rank deficiency, no convergence).

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"k": [0, 1, 2], "successes": [3, 0, 7], "n": [30, 12, 15]})
    >>> fit = fit_binomial_limit(cells, "C(k)")
    >>> fit.separated
    ('C(k)[T.1]',)
    >>> float(fit.params["C(k)[T.1]"])
    -inf
    """
    try:
        return fit_binomial(cells, formula, successes=successes, trials=trials, link=link)
    except ModelError as exc:
        if not str(exc).startswith("separation"):
            raise
        original = exc
    X, y, m, info, names = _design(None, cells, formula.split("~", 1)[-1].strip(),
                                   successes, trials)
    beta, step, dev, sep = _limit(X, y, m, link)
    if not sep.any():
        raise original
    XF = X[~sep]
    finite = np.array([_estimable(np.eye(len(names))[j], XF) for j in range(len(names))])
    params = np.where(finite, beta, np.sign(step) * np.inf)
    cov = _limit_cov(X, y, m, beta, sep, link)
    cov[~finite, :] = np.nan
    cov[:, ~finite] = np.nan
    bse = np.where(finite, np.sqrt(np.abs(np.diag(cov))), np.inf)
    const = special.gammaln(m + 1) - special.gammaln(y + 1) - special.gammaln(m - y + 1)
    lmu, l1mu, _, _ = _link_terms(link, X @ beta)
    rank = int(np.linalg.matrix_rank(X))
    return BinomialFit(
        params=pd.Series(params, index=names), bse=pd.Series(bse, index=names),
        cov=pd.DataFrame(cov, index=names, columns=names),
        llf=float(np.sum(const + _loglik(y, m, lmu, l1mu))), deviance=dev,
        df_model=rank - 1, df_resid=float(len(y) - rank), nobs=float(m.sum()),
        n_cells=len(y), formula=formula.split("~", 1)[-1].strip(), link=link,
        design_info=info, separated=tuple(n for n, f in zip(names, finite) if not f),
    )


# --- the profile of one contrast -------------------------------------------------------------

class _Profile:
    """Deviance of the model refitted with ``c' beta`` held at ``t``: ``beta = t c / |c|^2 +
    N u`` with N a basis of the complement of c (the other columns when c is a unit vector,
    as MASS drops the column), fitted with the offset ``t X c / |c|^2``."""

    def __init__(self, X: np.ndarray, y: np.ndarray, m: np.ndarray, link: str, c: np.ndarray,
                 beta: np.ndarray) -> None:
        unit = np.flatnonzero(c)
        if len(unit) == 1 and c[unit[0]] == 1.0:
            N = np.delete(np.eye(len(c)), unit[0], axis=1)
        else:
            N = linalg.null_space(c[None, :])
        self.XN, self.xc = X @ N, X @ c / (c @ c)
        self.y, self.m, self.link = y, m, link
        self.start = self.u = N.T @ np.where(np.isfinite(beta), beta, 0.0)

    def deviance(self, t: float, *, restart: bool = False) -> float:
        if restart:
            self.u = self.start
        self.u, dev, _ = _irls(self.XN, self.y, self.m, t * self.xc, self.link, self.u)
        return dev


def _r_profile(prof: _Profile, est: float, se: float, dev0: float, level: float
               ) -> tuple[float, float]:
    """MASS 7.3's ``profile.glm`` (9 steps a side of ``zmax/5`` standard errors) and
    ``confint.profile.glm`` (fmm spline, linear inverse interpolation): NaN where the grid
    does not reach the cut-off, as R's NA."""
    zmax = np.sqrt(stats.chi2.ppf(1 - (1 - level) / 4, 1))
    delta = zmax / 5
    ts, zs = [est], [0.0]
    for sgn in (-1.0, 1.0):
        step, z = 0, 0.0
        prof.deviance(est, restart=True)
        while (step := step + 1) < _MAXSTEPS and abs(z) < zmax:
            t = est + sgn * step * delta * se
            zz = prof.deviance(t) - dev0
            if zz <= -1e-3:
                raise ModelError("profiling has found a better solution, so the original "
                                 "fit had not converged")
            z = sgn * np.sqrt(max(zz, 0.0))
            ts.append(t)
            zs.append(z)
    order = np.argsort(zs, kind="stable")
    sx, sy = _r_spline(np.asarray(ts)[order], np.asarray(zs)[order])
    a = (1 - level) / 2
    lo, hi = _r_approx(sy, sx, stats.norm.ppf([a, 1 - a]))
    return float(lo), float(hi)


def _root(prof: _Profile, start: float, side: float, scale: float, dev0: float, q: float
          ) -> float:
    """The exact crossing of ``D(t) - D0 = q^2`` on one side of ``start`` (where the profile
    is below the cut-off); ``+-inf`` when the profile never reaches it (an open side)."""
    def g(t: float) -> float:
        return prof.deviance(t) - dev0 - q * q

    prof.deviance(start, restart=True)
    a, step = start, scale
    for _ in range(80):
        b = a + side * step
        if g(b) > 0:
            return float(optimize.brentq(g, min(a, b), max(a, b), xtol=1e-12, rtol=1e-12))
        a, step = b, step * 2
    return side * np.inf


def _contrasts(fit: BinomialFit, terms: Sequence[str] | None,
               contrasts: Mapping[str, Sequence[float]] | None) -> dict[str, np.ndarray]:
    names = list(fit.params.index)
    out: dict[str, np.ndarray] = {}
    for t in names if terms is None else terms:
        if t not in names:
            raise ModelError(f"no term {t!r} in the fit; terms: {names}")
        out[str(t)] = np.eye(len(names))[names.index(t)]
    for name, c in (contrasts or {}).items():
        v = np.asarray(c, float)
        if v.shape != (len(names),) or not np.any(v) or not np.all(np.isfinite(v)):
            raise ModelError(f"contrast {name!r} needs {len(names)} finite weights, not all "
                             f"zero (one per term {names}), got {list(v)}")
        out[str(name)] = v
    return out


@one_blas_thread
def profile_ci(
    fit: BinomialFit,
    cells: pd.DataFrame,
    level: float = 0.95,
    *,
    terms: Sequence[str] | None = None,
    contrasts: Mapping[str, Sequence[float]] | None = None,
    successes: str = "successes",
    trials: str = "n",
) -> pd.DataFrame:
    """Profile-likelihood intervals of the coefficients (and contrasts) of a binomial fit.

    Parameters
    ----------
    fit : BinomialFit
        From :func:`~loyaltystats.stats.fit_binomial` or :func:`fit_binomial_limit`.
    cells : pandas.DataFrame
        The cells the model was fitted on (each refit needs them).
    level : float
        Confidence level.
    terms : sequence of str, optional
        Coefficients to profile; all by default.
    contrasts : mapping of str to sequence of float, optional
        Named linear combinations :math:`c'\\beta` (one weight per coefficient) to profile
        as well, e.g. ``{"second_strike": [0, -2, 1, 0]}``; their rows follow the terms.
    successes, trials : str
        Count columns, as in the fit.

    Returns
    -------
    pandas.DataFrame
        ``term, estimate, ci_low, ci_high, open_low, open_high, lr_statistic, p_value,
        method``. ``lr_statistic`` and ``p_value`` are the likelihood-ratio test of
        ``term = 0`` (``D(0) - D(hat)``, chi-square on 1 df). ``estimate`` is ``+-inf`` for a
        term that runs away under separation; the bound on that side is ``+-inf`` and
        flagged in ``open_low`` / ``open_high`` (R gives ``NA`` there). ``method`` is
        ``"profile likelihood (R spline)"`` for the MASS algorithm (regular fits: equal to
        R's ``confint``), ``"profile likelihood (exact root)"`` for the exact crossing (every
        term of a separated fit, and a side R would leave ``NA`` because its 9-step grid does
        not reach the cut-off).

    Raises
    ------
    ModelError
        Unknown term, bad contrast, cells other than the fitted ones, a refit that does not
        converge.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltystats.stats import fit_binomial
    >>> cells = pd.DataFrame({"k": [0, 1, 2, 3], "successes": [4, 9, 11, 9],
    ...                       "n": [40, 25, 18, 12]})
    >>> ci = profile_ci(fit_binomial(cells, "C(k)"), cells)
    >>> [round(float(ci.loc[1, c]), 6) for c in ("ci_low", "ci_high")]  # R: 0.356258, 3.045543
    [0.356258, 3.045543]
    """
    level = check_level(level)
    X, y, m, _, names = _design(fit, cells, fit.formula, successes, trials)
    if len(y) != fit.n_cells or abs(m.sum() - fit.nobs) > 1e-9 * max(fit.nobs, 1.0):
        raise ModelError(f"the cells ({len(y)} cells, {m.sum():g} trials) are not the ones "
                         f"the fit was made on ({fit.n_cells} cells, {fit.nobs:g} trials)")
    wanted = _contrasts(fit, terms, contrasts)
    q = float(stats.norm.ppf(0.5 + level / 2))
    if fit.separated:
        beta, step, dev0, sep = _limit(X, y, m, fit.link)
        cov = _limit_cov(X, y, m, beta, sep, fit.link)
    else:
        beta, dev0, _ = _irls(X, y, m, np.zeros(len(y)), fit.link, fit.params.to_numpy(float))
        beta, step, sep = fit.params.to_numpy(float), np.zeros(len(beta)), np.zeros(len(y), bool)
        cov = fit.cov.to_numpy(float)
    rows = []
    for name, c in wanted.items():
        prof = _Profile(X, y, m, fit.link, c, beta)
        if _estimable(c, X[~sep]):
            est, se = float(c @ beta), float(np.sqrt(c @ cov @ c))
            lo, hi = _r_profile(prof, est, se, dev0, level)
            method = "profile likelihood (R spline)"
            if np.isnan(lo) or np.isnan(hi):
                method = "profile likelihood (exact root)"
                lo = _root(prof, est, -1.0, se, dev0, q) if np.isnan(lo) else lo
                hi = _root(prof, est, 1.0, se, dev0, q) if np.isnan(hi) else hi
        else:
            # runs away under separation: open on that side, the exact root on the other
            est = float(np.sign(c @ step) * np.inf)
            lo = -np.inf if est < 0 else _root(prof, float(c @ beta), -1.0, 1.0, dev0, q)
            hi = np.inf if est > 0 else _root(prof, float(c @ beta), 1.0, 1.0, dev0, q)
            method = "profile likelihood (exact root; separated)"
        lr = max(prof.deviance(0.0, restart=True) - dev0, 0.0)
        rows.append({"term": name, "estimate": est, "ci_low": lo, "ci_high": hi,
                     "open_low": bool(lo == -np.inf), "open_high": bool(hi == np.inf),
                     "lr_statistic": lr, "p_value": float(stats.chi2.sf(lr, 1)),
                     "method": method})
    cols = ["term", "estimate", "ci_low", "ci_high", "open_low", "open_high", "lr_statistic",
            "p_value", "method"]
    return pd.DataFrame(rows, columns=cols)
