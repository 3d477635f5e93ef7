"""Fitting steps of :func:`loyaltystats.kano.adaptation` (private).

The within-customer design with calendar-window fixed effects, the fit for a fixed
adaptation factor ``a`` from cross-products, the cluster-robust score statistic, and the
profile of ``a`` with its interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, sparse, stats

from ..errors import ModelError

_A_GRID = np.round(np.arange(0.02, 1.501, 0.02), 10)


def _indicator(codes: np.ndarray, size: int) -> sparse.csr_matrix:
    """The (size, n) 0/1 matrix that sums the rows of a table per code."""
    return sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))),
                             shape=(size, len(codes)))


class _Model:
    """The demeaned design; for a fixed ``a`` the model is linear in the other coefficients.

    ``F`` holds the window (and stratum) fixed effects and the recent-repeat dummy, ``Z`` the
    first-delight effect of each delight window scaled by ``a^(k - 1)``; the customer means
    are removed (within transformation) and only the delight rows enter ``Z``, so the cost of
    one ``a`` does not depend on the number of responses. ``F`` is kept sparse (at most three
    entries per response) and its within transform ``MF = F - customer means`` is never
    formed: ``MF @ b`` and ``MF' v`` are a sparse product and a customer mean, so memory and
    time per ``a`` grow with the responses, not with responses x windows (issue #23).
    """

    def __init__(self, y: np.ndarray, d: np.ndarray, k: np.ndarray, s_rec: np.ndarray,
                 c_r: np.ndarray, t_r: np.ndarray, window: float,
                 strata_codes: np.ndarray | None) -> None:
        self.n = len(y)
        uc, cc = np.unique(c_r, return_inverse=True)
        self.cc, self.n_cust = cc, len(uc)
        self.n_c = np.bincount(cc, minlength=self.n_cust).astype(float)
        self.t_min = t_min = float(t_r.min())
        wi = np.floor((t_r - t_min) / window).astype(np.int64)
        n_w = int(wi.max()) + 1
        self.present_w = present_w = np.unique(wi)
        w_map = np.full(n_w, -1)
        w_map[present_w] = np.arange(len(present_w))
        self.wcol = wcol = w_map[wi]
        self.dw = dw = np.unique(wcol[d])  # windows with delight responses -> one c_w each
        z_map = np.full(len(present_w), -1)
        z_map[dw] = np.arange(len(dw))

        self.F, self.f_names = F, _ = _fixed_effects(d, s_rec, wcol, len(present_w),
                                                     strata_codes)
        ybar = float(y.mean())
        yc = y - ybar
        self.My = yc - self.cust_mean(yc)
        # per-customer sums of F: MF'MF = F'F - S' diag(1 / n_c) S
        S = _indicator(cc, self.n_cust) @ F
        self.FtF = ((F.T @ F) - S.T @ sparse.diags(1.0 / self.n_c) @ S).toarray()
        self.Fty = np.asarray(F.T @ self.My).ravel()  # My is demeaned, so MF'My = F'My
        self.yty = float(self.My @ self.My)
        self.n_f = F.shape[1]
        self.rows_d = rows_d = np.flatnonzero(d)
        self.zc = z_map[wcol[rows_d]]
        self.kd = k[rows_d]
        self.ucd, self.cd_inv = np.unique(cc[rows_d], return_inverse=True)
        self.pz = len(dw)
        cd = cc[rows_d]
        self.MF_d = (F[rows_d].toarray()
                     - (sparse.diags(1.0 / self.n_c[cd]) @ S[cd]).toarray())
        # for the score statistic: F' restricted to the delight rows, and S' (F' applied
        # to a per-customer constant is S' applied to that constant)
        self.cc_d = cd
        self.F_d_T = F[rows_d].T.tocsr()
        self.S_T = S.T.tocsr()
        self.My_d = self.My[rows_d]
        self.inv_nc = sparse.diags(1.0 / self.n_c[self.ucd])
        self.row_ix = np.arange(len(rows_d))

    def cust_mean(self, v: np.ndarray) -> np.ndarray:
        """The customer mean of ``v``, on every row of the customer."""
        return (np.bincount(self.cc, weights=v, minlength=self.n_cust) / self.n_c)[self.cc]

    def mf_dot(self, b: np.ndarray) -> np.ndarray:
        """``MF @ b`` without forming ``MF``."""
        fb = self.F @ b
        return fb - self.cust_mean(fb)

    def mf_t_dot(self, v: np.ndarray) -> np.ndarray:
        """``MF' v`` without forming ``MF`` (``MF' v = F' (v - customer means of v)``)."""
        return np.asarray(self.F.T @ (v - self.cust_mean(v))).ravel()

    def cross(self, a: float) -> tuple[np.ndarray, np.ndarray]:
        """``X'X`` and ``X'y`` of the demeaned design for adaptation factor ``a``."""
        pz, zc = self.pz, self.zc
        e = a ** (self.kd - 1.0)
        z = sparse.csr_matrix((e, (self.row_ix, zc)), shape=(len(self.rows_d), pz))
        ztf = np.asarray(z.T @ self.MF_d)
        zty = np.asarray(z.T @ self.My_d)
        s = sparse.csr_matrix((e, (self.cd_inv, zc)), shape=(len(self.ucd), pz))
        ztz = (np.diag(np.bincount(zc, weights=e * e, minlength=pz))
               - (s.T @ self.inv_nc @ s).toarray())
        xtx = np.block([[self.FtF, ztf.T], [ztf, ztz]])
        xty = np.r_[self.Fty, zty]
        return xtx, xty

    def fit(self, a: float) -> dict[str, Any]:
        """Least squares for a fixed ``a``: coefficients, RSS, ``X'X``, singularity."""
        xtx, xty = self.cross(a)
        try:
            beta = np.linalg.solve(xtx, xty)
            singular = False
        except np.linalg.LinAlgError:
            # a tiny a zeroes the columns of windows with only late delights (small studies):
            # the residual sum of squares is still defined (least-norm solution)
            beta = np.linalg.lstsq(xtx, xty, rcond=None)[0]
            singular = True
        return {"beta": beta, "rss": max(self.yty - float(beta @ xty), 0.0), "xtx": xtx,
                "singular": singular}

    def score_stat(self, a: float) -> float:
        """Cluster-robust score (LM) statistic of H0: adaptation = a, customers as clusters.

        With ``u`` the fitted values before the within transformation (``F b`` plus the
        delight effects) the residuals are ``My - u + cm(u)``; the derivative of the fitted
        values with respect to ``a`` (``g0``, on the delight rows), partialled out of the
        other regressors, is ``h - cm(h)`` with ``h = g0 - F gam - Z gam``. Written this way
        each evaluation makes two passes over the responses (``F @ .`` and a customer mean)
        for each of the two vectors; everything else runs on the delight rows.
        """
        n_f, kd, zc, rows_d, cc_d = self.n_f, self.kd, self.zc, self.rows_d, self.cc_d
        f = self.fit(a)
        b_f, b_z = f["beta"][:n_f], f["beta"][n_f:]
        e_pow = a ** (kd - 1.0)
        u = self.F @ b_f
        u[rows_d] += e_pow * b_z[zc]
        resid = self.My - u + self.cust_mean(u)
        g0_d = b_z[zc] * (kd - 1.0) * a ** (kd - 2.0)   # d fitted / d a, delight rows
        cm_g0 = np.bincount(cc_d, weights=g0_d, minlength=self.n_cust) / self.n_c
        g_d = g0_d - cm_g0[cc_d]                          # the demeaned g on delight rows
        xtg = np.r_[self.F_d_T @ g0_d - self.S_T @ cm_g0,
                    np.bincount(zc, weights=e_pow * g_d, minlength=self.pz)]
        gam = np.linalg.lstsq(f["xtx"], xtg, rcond=None)[0]
        h = -(self.F @ gam[:n_f])
        h[rows_d] += g0_d - e_pow * gam[n_f:][zc]
        g_tilde = h - self.cust_mean(h)                   # partialled out
        per_c = np.bincount(self.cc, weights=g_tilde * resid, minlength=self.n_cust)
        v = float(per_c @ per_c) * self.n_cust / max(self.n_cust - 1, 1)
        sc = float(g_tilde @ resid)
        return sc * sc / v if v > 0 else 0.0


def _fixed_effects(d: np.ndarray, s_rec: np.ndarray, wcol: np.ndarray, n_present: int,
                   strata_codes: np.ndarray | None) -> tuple[sparse.csr_matrix, list[str]]:
    """Window (and stratum x window) dummies and the recent-repeat dummy, empty ones dropped.

    Sparse: each response has at most one window dummy, one stratum x window dummy and
    the recent-repeat dummy.
    """
    n = len(wcol)
    rows, cols = [], []
    f_names = [f"window {j}" for j in range(1, n_present)]
    has_w = wcol >= 1
    rows.append(np.flatnonzero(has_w))
    cols.append(wcol[has_w] - 1)
    if strata_codes is not None:
        # each non-reference stratum of the non-delight answers gets its own effect per window
        n_lev = int(strata_codes.max()) if len(strata_codes) else 0
        for lev in range(1, n_lev + 1):
            in_lev = np.flatnonzero((strata_codes == lev) & ~d)
            rows.append(in_lev)
            cols.append(len(f_names) + wcol[in_lev])
            f_names += [f"stratum {lev} x window {j}" for j in range(n_present)]
    rec = np.flatnonzero(s_rec)
    rows.append(rec)
    cols.append(np.full(len(rec), len(f_names)))
    f_names.append("recent_repeat")
    r, c = np.concatenate(rows), np.concatenate(cols)
    keep = np.bincount(c, minlength=len(f_names)) > 0
    new = np.cumsum(keep) - 1
    F = sparse.csr_matrix((np.ones(len(r)), (r, new[c])), shape=(n, int(keep.sum())))
    return F, [nm for nm, kp in zip(f_names, keep) if kp]


@dataclass
class _AProfile:
    """The profile of ``a`` on the grid, its refined minimum and the residual df."""

    rss: np.ndarray
    j: int
    a_hat: float
    rss_min: float
    df: int


def _fit_profile(model: _Model) -> _AProfile:
    """RSS(a) on the grid, refined around its minimum; needs residual degrees of freedom."""
    rss = np.array([model.fit(a)["rss"] for a in _A_GRID])
    j = int(np.argmin(rss))
    a_hat, rss_min = float(_A_GRID[j]), float(rss[j])
    lo_b, hi_b = _A_GRID[max(j - 1, 0)], _A_GRID[min(j + 1, len(_A_GRID) - 1)]
    opt = optimize.minimize_scalar(lambda a: model.fit(a)["rss"], bounds=(lo_b, hi_b),
                                   method="bounded", options={"xatol": 1e-6})
    if opt.fun < rss_min:
        a_hat, rss_min = float(opt.x), float(opt.fun)
    p = model.n_f + model.pz + 1
    df = model.n - model.n_cust - p
    if df <= 0:
        raise ModelError(f"adaptation: {model.n} responses of {model.n_cust} customers leave "
                         "no degrees of freedom")
    return _AProfile(rss=rss, j=j, a_hat=a_hat, rss_min=rss_min, df=df)


def _infer_interval(model: _Model, prof: _AProfile, interval: str,
                    level: float) -> tuple[float, float]:
    """Interval of ``a``: inverted robust score test or profile F-test, edges by root search."""
    if interval == "profile":
        q = float(stats.f.ppf(level, 1, prof.df))
        thr = prof.rss_min * (1 + q / prof.df)
        crit_fn, crit_grid = (lambda a: model.fit(a)["rss"] - thr), prof.rss - thr
    else:
        chi = float(stats.chi2.ppf(level, 1))
        lm = np.array([model.score_stat(a) for a in _A_GRID])
        crit_fn, crit_grid = (lambda a: model.score_stat(a) - chi), lm - chi
    inside = np.flatnonzero(crit_grid <= 0)
    if len(inside) == 0:
        inside = np.array([prof.j])

    def edge(a0: float, a1: float) -> float:
        try:
            return float(optimize.brentq(crit_fn, a0, a1, xtol=1e-7))
        except ValueError:
            return float(a1)

    i_lo, i_hi = int(inside.min()), int(inside.max())
    a_lo = float(_A_GRID[0]) if i_lo == 0 else edge(_A_GRID[i_lo - 1], _A_GRID[i_lo])
    a_hi = float(_A_GRID[-1]) if i_hi == len(_A_GRID) - 1 else edge(_A_GRID[i_hi + 1],
                                                                      _A_GRID[i_hi])
    return min(a_lo, prof.a_hat), max(a_hi, prof.a_hat)
