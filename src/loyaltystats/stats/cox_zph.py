"""The proportional-hazards test of a Cox fit on cells (R's ``cox.zph``, survival >= 3.0).

Grambsch and Therneau (1994) let each coefficient drift with a function of time,
:math:`\\beta_k(t) = \\beta_k + \\theta_k g(t)`, and test :math:`\\theta = 0` with the score
test at :math:`(\\hat\\beta, 0)`. As in survival 3.x (``zph1``/``zph2``), the score for
:math:`\\theta` is :math:`\\sum_t g(t) \\sum_{deaths} (x_i - \\bar x(t))` and the information
is the full ``2p x 2p`` matrix :math:`[I, I_g; I_g, I_{gg}]` with :math:`I_g = \\sum_t g(t)
I_t` and :math:`I_{gg} = \\sum_t g(t)^2 I_t` (:math:`I_t` the contribution of event time
``t`` to the information, Efron or Breslow as fitted); :math:`g` is the transformed time
centred at its mean over the events. Each covariate is tested with the ``p + 1`` scores of
:math:`\\beta` and its own :math:`\\theta_k` (1 df), GLOBAL with all ``2p`` (``p`` df). The
score of :math:`\\beta` is set to zero (the fit's), as R does.

Everything is a sum over event times of risk- and death-set sums, so it comes from the cells:
a cell's Schoenfeld residual :math:`x - \\bar x(t)` is the same for each of its deaths.
Transforms: ``"km"`` (R's default: one minus the Kaplan-Meier estimate of all rows, strata
pooled, just before ``t``), ``"identity"``, ``"rank"`` (the average rank of ``t`` among
all rows' exit times) and ``"log"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._plotting import get_ax
from .._threads import one_blas_thread
from ..errors import ParameterError
from .cox import CoxCountsFit, _Cells, _label_array, _moments

__all__ = ["CoxZph", "cox_zph"]

_TRANSFORMS = ("km", "identity", "rank", "log")


@dataclass(frozen=True, eq=False)
class CoxZph:
    """The proportional-hazards test of :func:`cox_zph`.

    Attributes
    ----------
    table : pandas.DataFrame
        ``term, chisq, df, p_value``: one row per covariate and ``GLOBAL``.
    residuals : pandas.DataFrame
        One row per cell with events: ``stratum, time, transformed_time, count`` (the
        events the row stands for) and one column per covariate with the scaled Schoenfeld
        residual (:math:`\\hat\\beta_k + \\hat\\theta_k(t)` in expectation; R's ``zph$y``).
    transform : str
        The time transform.
    """

    table: pd.DataFrame
    residuals: pd.DataFrame
    transform: str

    def plot(self, term: str | None = None, ax: Any = None, df: int = 4) -> Any:
        """Scaled Schoenfeld residuals of ``term`` (default the first) against the
        transformed time, with a natural-spline smooth (``df`` degrees of freedom, as R's
        ``plot.cox.zph``) and a +-2 standard-error band; a flat smooth is what
        proportional hazards predicts. Returns the matplotlib Axes."""
        import patsy

        terms = [c for c in self.table["term"] if c != "GLOBAL"]
        term = terms[0] if term is None else term
        if term not in terms:
            raise ParameterError(f"term must be one of {terms}, got {term!r}")
        ax = get_ax(ax)
        r = self.residuals.dropna(subset=[term])
        x, y, w = (r["transformed_time"].to_numpy(), r[term].to_numpy(),
                   r["count"].to_numpy(float))
        ax.scatter(x, y, s=8 + 4 * np.sqrt(w), alpha=0.5, color="tab:blue", lw=0,
                   label="scaled Schoenfeld residuals")
        if len(np.unique(x)) > df:
            basis = patsy.dmatrix(f"cr(x, df={df}) - 1", {"x": x})
            sw = np.sqrt(w)[:, None]
            coef, *_ = np.linalg.lstsq(np.asarray(basis) * sw, y * sw[:, 0], rcond=None)
            grid = np.linspace(x.min(), x.max(), 200)
            G = np.asarray(patsy.build_design_matrices([basis.design_info], {"x": grid})[0])
            B = np.asarray(basis)
            resid = y - B @ coef
            sigma2 = float(np.sum(w * resid**2) / max(w.sum() - df, 1))
            cov = sigma2 * np.linalg.pinv((B * w[:, None]).T @ B)
            fitline = G @ coef
            band = 2 * np.sqrt(np.einsum("ij,jk,ik->i", G, cov, G))
            ax.plot(grid, fitline, color="tab:red", label=f"spline smooth (df={df})")
            ax.fill_between(grid, fitline - band, fitline + band, color="tab:red", alpha=0.15)
        row = self.table.set_index("term").loc[term]
        ax.set_xlabel(f"time ({self.transform} transform)")
        ax.set_ylabel(f"beta(t) for {term}")
        ax.set_title(f"{term}: PH test chi2 = {row['chisq']:.2f}, p = {row['p_value']:.2g}")
        ax.legend(fontsize="small")
        return ax


def _km_clock(c: _Cells) -> np.ndarray:
    """1 - KM(t-) of all rows (strata pooled) at each event time of the fit."""
    u = np.unique(c.times)
    o1, o0 = np.argsort(c.t1, kind="stable"), np.argsort(c.t0, kind="stable")
    cs1 = np.concatenate([[0.0], np.cumsum(c.n[o1])])
    cs0 = np.concatenate([[0.0], np.cumsum(c.n[o0])])
    # at risk at u: start < u <= stop  ==  (stop >= u) minus (start >= u)
    at_risk = ((cs1[-1] - cs1[np.searchsorted(c.t1[o1], u, side="left")])
               - (cs0[-1] - cs0[np.searchsorted(c.t0[o0], u, side="left")]))
    deaths = np.bincount(np.searchsorted(u, c.t1[c.has]), c.d[c.has], minlength=len(u))
    surv = np.cumprod(1 - deaths / at_risk)
    before = np.concatenate([[1.0], surv[:-1]])
    return 1 - before[np.searchsorted(u, c.times)]


def _clock(c: _Cells, transform: str, rank_times: np.ndarray | None) -> np.ndarray:
    """The transformed time of every event time of the fit."""
    if transform == "identity":
        return c.times.astype(float)
    if transform == "log":
        return np.log(c.times)
    if transform == "km":
        return _km_clock(c)
    # rank: the average rank of t among all rows' exit times (R's rank(times))
    t, w = (c.t1, c.n) if rank_times is None else (np.asarray(rank_times, float),
                                                   np.ones(len(rank_times)))
    o = np.argsort(t, kind="stable")
    cs = np.concatenate([[0.0], np.cumsum(w[o])])
    below = cs[np.searchsorted(t[o], c.times, side="left")]
    upto = cs[np.searchsorted(t[o], c.times, side="right")]
    return below + (upto - below + 1) / 2


def _score_and_information(fit: CoxCountsFit, g: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    """The score for theta, the 2p x 2p information, the total information and moments."""
    c = fit._cells
    mo = _moments(fit.params.to_numpy(), c, fit.ties)
    p = c.x.shape[1]
    dx = np.stack([np.bincount(c.at, (c.d * c.x[:, k])[c.has], minlength=c.n_times)
                   for k in range(p)], axis=1)
    score_t = dx - (mo.c01[:, None] * mo.S1 - mo.c11[:, None] * mo.E1)
    second = c.square(mo.c01[:, None] * mo.S2 - mo.c11[:, None] * mo.E2)
    outer = (mo.c02[:, None, None] * mo.S1[:, :, None] * mo.S1[:, None, :]
             - mo.c12[:, None, None] * (mo.S1[:, :, None] * mo.E1[:, None, :]
                                        + mo.E1[:, :, None] * mo.S1[:, None, :])
             + mo.c22[:, None, None] * mo.E1[:, :, None] * mo.E1[:, None, :])
    info_t = second - outer
    total = info_t.sum(axis=0)
    ig = np.einsum("t,tij->ij", g, info_t)
    igg = np.einsum("t,tij->ij", g**2, info_t)
    imat = np.block([[total, ig], [ig, igg]])
    return g @ score_t, imat, total, mo


@one_blas_thread
def cox_zph(
    fit: CoxCountsFit,
    transform: Literal["km", "identity", "rank", "log"] = "km",
    *,
    global_test: bool = True,
    rank_times: Any = None,
) -> CoxZph:
    """Test proportional hazards per covariate and globally (R's ``cox.zph``).

    Parameters
    ----------
    fit : CoxCountsFit
        From :func:`~loyaltystats.stats.fit_cox_counts` (any ties, strata, entry times).
    transform : {"km", "identity", "rank", "log"}
        The function of time the coefficients may drift with (R's default ``"km"``).
    global_test : bool
        Add the ``GLOBAL`` row (all covariates at once).
    rank_times : array_like, optional
        For ``"rank"``: every row's exit time, when the cells' exit times are not the rows'
        (the cells of :func:`~loyaltystats.switching.cox_time_varying` move them to event
        times); default the cells' exit times weighted by their counts.

    Returns
    -------
    CoxZph
        ``table`` (``term, chisq, df, p_value``), the scaled Schoenfeld residuals and
        :meth:`CoxZph.plot`.

    Notes
    -----
    See the module docstring; pinned against R's ``cox.zph`` on the ``rossi`` data for
    every transform, Breslow and Efron ties, strata and (start, stop] data.

    Examples
    --------
    >>> import numpy as np
    >>> from loyaltystats.stats import fit_cox_counts
    >>> rng = np.random.default_rng(1)
    >>> x = rng.integers(0, 2, 300)
    >>> t = np.ceil(rng.exponential(10 / np.exp(0.5 * x)))
    >>> fit = fit_cox_counts(x, np.minimum(t, 20), t <= 20, names=["x"])
    >>> zph = cox_zph(fit)
    >>> zph.table["term"].tolist(), list(zph.table.columns)
    (['x', 'GLOBAL'], ['term', 'chisq', 'df', 'p_value'])
    """
    if transform not in _TRANSFORMS:
        raise ParameterError(f"transform must be one of {list(_TRANSFORMS)}, got {transform!r}")
    c = fit._cells
    if c is None:
        raise ParameterError("this fit keeps no cells (fit it with fit_cox_counts)")
    tt = _clock(c, transform, rank_times)
    g = tt - np.sum(c.m * tt) / c.m.sum()
    u, imat, total, mo = _score_and_information(fit, g)
    p = len(u)
    names = list(fit.params.index)
    rows = []
    for k in range(p):
        kk = list(range(p)) + [p + k]
        uk = np.r_[np.zeros(p), u[k]]
        rows.append({"term": names[k], "chisq": float(uk @ np.linalg.solve(imat[np.ix_(kk, kk)],
                                                                            uk)), "df": 1})
    if global_test:
        ug = np.r_[np.zeros(p), u]
        rows.append({"term": "GLOBAL", "chisq": float(ug @ np.linalg.solve(imat, ug)),
                     "df": p})
    table = pd.DataFrame(rows)
    table["p_value"] = stats.chi2.sf(table["chisq"], table["df"])
    return CoxZph(table=table, residuals=_scaled_residuals(fit, mo, total, tt),
                  transform=transform)


def _scaled_residuals(fit: CoxCountsFit, mo: Any, total: np.ndarray, tt: np.ndarray
                      ) -> pd.DataFrame:
    """R's scaled Schoenfeld residuals, one row per cell with events (see :class:`CoxZph`)."""
    c = fit._cells
    p = c.x.shape[1]
    mean = (mo.c01[:, None] * mo.S1 - mo.c11[:, None] * mo.E1) / np.maximum(c.m, 1)[:, None]
    t = c.at
    resid = c.x[c.has] - mean[t]
    strata = c.strata[c.has]
    # used[s, k]: the events of stratum s when covariate k varies in it, else 0
    n_s = int(c.strata.max()) + 1
    used = np.zeros((n_s, p))
    for s in range(n_s):
        rows = c.x[c.strata == s]
        varies = (rows != rows[:1]).any(axis=0) if len(rows) else np.zeros(p, bool)
        used[s] = np.where(varies, c.d[c.strata == s].sum(), 0.0)
    wtmat = sum(np.minimum(u[:, None], u[None, :]) for u in used)
    vmean = total / np.where(wtmat == 0, 1, wtmat)
    scaled = np.full_like(resid, np.nan)
    for s in range(n_s):
        k = np.flatnonzero(used[s] > 0)
        rows = strata == s
        if len(k) and rows.any():
            scaled[np.ix_(rows, k)] = np.linalg.solve(vmean[np.ix_(k, k)],
                                                      resid[np.ix_(rows, k)].T).T
    scaled += fit.params.to_numpy()
    labels = _label_array(fit.strata_labels)
    out = pd.DataFrame({"stratum": labels[strata], "time": c.times[t],
                        "transformed_time": tt[t], "count": c.d[c.has]})
    for k, name in enumerate(fit.params.index):
        out[str(name)] = scaled[:, k]
    order = np.lexsort((strata, c.times[t]))
    return out.iloc[order].reset_index(drop=True)
