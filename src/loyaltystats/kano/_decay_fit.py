"""Fitting steps of :func:`loyaltystats.kano.decay` (private): windows, profile, curves.

Penalty and reward per time window from cell sums, the profile fit of exponential curves
with one shared half-life, the curves and crossing times, and their parametric bootstrap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import DataError, ModelError, ParameterError
from ._common import asymmetry, ols_from_gram, quantile_ci

_N_GRID = 400
_N_CURVE = 400


# ----------------------------------------------------------------------------- windows
def _window_fits(w: np.ndarray, band: np.ndarray, yc: np.ndarray, adj: list[np.ndarray],
                 adj_sizes: list[int], n_windows: int, min_n: int, min_band: int
                 ) -> list[dict[str, Any]]:
    """Penalty / reward per window from cell sufficient statistics (n, sum y, sum y^2)."""
    a_total = int(np.prod(adj_sizes)) if adj_sizes else 1
    total = n_windows * 3 * a_total
    if total > 20_000_000:
        raise DataError(f"windows x bands x adjust levels give {total:,} cells; use wider "
                        "windows or fewer adjust columns", table="data")
    code = w.astype(np.int64) * 3 + band
    acode = np.zeros(len(w), dtype=np.int64)
    for c, s in zip(adj, adj_sizes):
        acode *= s
        acode += c
    code = code * a_total + acode
    cnt = np.bincount(code, minlength=total).reshape(n_windows, 3, a_total)
    sy = np.bincount(code, weights=yc, minlength=total).reshape(n_windows, 3, a_total)
    syy = np.bincount(code, weights=yc * yc, minlength=total).reshape(n_windows, 3, a_total)
    # level of each adjust column per adjust cell
    levels = []
    rem = np.arange(a_total)
    for s in reversed(adj_sizes):
        levels.append(rem % s)
        rem = rem // s
    levels.reverse()
    out = []
    for j in range(n_windows):
        nb = cnt[j].sum(axis=1)
        res: dict[str, Any] = {"n": int(nb.sum()), "n_low": int(nb[0]), "n_neutral": int(nb[1]),
                               "n_high": int(nb[2]), "estimable": False, "reason": ""}
        out.append(res)
        if res["n"] < min_n:
            res["reason"] = f"{res['n']} responses < min_n={min_n}"
            continue
        if nb.min() < min_band:
            res["reason"] = (f"low/neutral/high counts {nb.tolist()}: fewer than "
                             f"min_band={min_band} in a band")
            continue
        bi, ai = np.nonzero(cnt[j])
        n_c = cnt[j][bi, ai].astype(float)
        cols = [np.ones(len(bi)), (bi == 0).astype(float), (bi == 2).astype(float)]
        for lv in levels:
            present = np.unique(lv[ai])
            for level in present[1:]:  # first present level is the reference
                cols.append((lv[ai] == level).astype(float))
        x = np.column_stack(cols)
        xtx = (x * n_c[:, None]).T @ x
        xty = x.T @ sy[j][bi, ai]
        try:
            fit = ols_from_gram(xtx, xty, float(syy[j].sum()), float(n_c.sum()),
                                f"window {j}")
        except ModelError as exc:
            res["reason"] = str(exc)
            continue
        beta, cov = fit["beta"], fit["cov"]
        res.update({"penalty": beta[1], "penalty_se": math.sqrt(cov[1, 1]), "reward": beta[2],
                    "reward_se": math.sqrt(cov[2, 2]), "cov_penalty_reward": cov[1, 2],
                    "estimable": True})
    return out


# ----------------------------------------------------------------------------- curve fit
class _Profile:
    """Joint weighted least squares of reward(t) and penalty(t) with a shared half-life.

    ``reward(t) = r_inf + a_r x(t)``, ``penalty(t) = p_inf + a_p x(t)``,
    ``x(t) = 2 ** (-(t - t_ref) / h)``; for fixed ``h`` the model is linear, so the
    chi-square is profiled over a grid of ``h`` (generalized least squares with the 2x2
    covariance of each window's penalty and reward).
    """

    def __init__(self, t: np.ndarray, reward: np.ndarray, penalty: np.ndarray,
                 cov: np.ndarray, h_grid: np.ndarray) -> None:
        self.t = t
        self.t_ref = float(t.min())
        m = len(t)
        self.y = np.empty(2 * m)
        self.y[0::2] = reward
        self.y[1::2] = penalty
        # whitening: L_w^-1 with L_w the Cholesky factor of each window's covariance
        self.winv = np.zeros((2 * m, 2 * m))
        for i in range(m):
            ell = np.linalg.cholesky(cov[i])
            self.winv[2 * i:2 * i + 2, 2 * i:2 * i + 2] = np.linalg.inv(ell)
        self.yw = self.winv @ self.y
        self.h_grid = h_grid
        q, r = zip(*(np.linalg.qr(self._xw(h)) for h in h_grid))
        self.q = np.stack(q)  # (J, 2m, 4)
        self.r_inv = np.linalg.inv(np.stack(r))  # (J, 4, 4)

    def _x(self, h: float) -> np.ndarray:
        m = len(self.t)
        xt = np.exp2(-(self.t - self.t_ref) / h)
        x = np.zeros((2 * m, 4))
        x[0::2, 0] = 1.0
        x[0::2, 1] = xt
        x[1::2, 2] = 1.0
        x[1::2, 3] = xt
        return x

    def _xw(self, h: float) -> np.ndarray:
        return self.winv @ self._x(h)

    def chi2(self, h: float, yw: np.ndarray | None = None) -> float:
        yw = self.yw if yw is None else yw
        beta, *_ = np.linalg.lstsq(self._xw(h), yw, rcond=None)
        r = yw - self._xw(h) @ beta
        return float(r @ r)

    def beta(self, h: float, yw: np.ndarray | None = None) -> np.ndarray:
        yw = self.yw if yw is None else yw
        beta, *_ = np.linalg.lstsq(self._xw(h), yw, rcond=None)
        return beta

    def grid_chi2(self, yw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """chi2 over the grid for many whitened responses ``yw`` (B, 2m): (B, J), proj."""
        proj = np.einsum("bn,jnk->bjk", yw, self.q)
        return (yw**2).sum(axis=1)[:, None] - (proj**2).sum(axis=2), proj


def _curves(beta: np.ndarray, h: float, t_ref: float, t: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """reward(t), penalty(t) for parameter rows ``beta`` (..., 4) and half-lives ``h`` (...)."""
    b = np.asarray(beta, dtype=float)
    hh = np.asarray(h, dtype=float)[..., None]
    xt = np.exp2(-(t - t_ref) / hh)
    return b[..., 0:1] + b[..., 1:2] * xt, b[..., 2:3] + b[..., 3:4] * xt


def _rate(half_life: float) -> float:
    """Decay rate per time unit, ``ln 2 / half_life`` (0 for an infinite half-life)."""
    return 0.0 if math.isinf(half_life) else math.log(2.0) / half_life


def _first_passage(t: np.ndarray, ia: np.ndarray, level: float, below: str) -> np.ndarray:
    """First time ``ia`` falls to / below ``level`` (linear interpolation); inf if never."""
    hit = ia <= level if below == "le" else ia < level
    first = np.argmax(hit, axis=-1)
    any_hit = hit.any(axis=-1)
    out = np.full(ia.shape[:-1], np.inf)
    idx = np.nonzero(any_hit)
    f = first[idx]
    t_hit = t[f]
    prev = np.maximum(f - 1, 0)
    ia_prev = ia[idx + (prev,)]
    ia_hit = ia[idx + (f,)]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where((f > 0) & (ia_prev != ia_hit), (ia_prev - level) / (ia_prev - ia_hit),
                        1.0)
    out[idx] = np.where(f > 0, t[prev] + np.clip(frac, 0, 1) * (t_hit - t[prev]), t[0])
    return out


# ----------------------------------------------------------------------------- steps
@dataclass
class _ProfileFit:
    """The profiled half-life, its interval and the curve parameters at the estimate."""

    prof: _Profile
    grid: np.ndarray
    chi_grid: np.ndarray
    h_lo: float
    h_hi: float
    h_hat: float
    chi_min: float
    dof: int
    phi: float
    h_ci_lo: float
    h_ci_hi: float
    boundary: bool
    h_report: float
    beta: np.ndarray
    t_end: float


@dataclass
class _CurveFit:
    """The fitted curves on the time grid, the crossing times and their bootstrap bounds."""

    horizon: float
    t_curve: np.ndarray
    rew_c: np.ndarray
    pen_c: np.ndarray
    t_ao: float
    t_om: float
    params: np.ndarray
    band_lo: np.ndarray
    band_hi: np.ndarray
    p_lo: np.ndarray
    p_hi: np.ndarray
    cross_ci: dict[str, Any]


def _fit_profile(ok: pd.DataFrame, window: float, level: float) -> _ProfileFit:
    """Profile the shared half-life over a log grid, refine the minimum, invert chi2."""
    tw = ok["t_mean"].to_numpy(float)
    cov = np.empty((len(ok), 2, 2))
    cov[:, 0, 0] = ok["reward_se"].to_numpy(float) ** 2
    cov[:, 1, 1] = ok["penalty_se"].to_numpy(float) ** 2
    cov[:, 0, 1] = cov[:, 1, 0] = ok["cov_penalty_reward"].to_numpy(float)
    t_end = float(ok["t_end"].max())
    span = max(float(tw.max() - tw.min()), window)
    h_lo, h_hi = window / 2, 100 * span
    grid = np.geomspace(h_lo, h_hi, _N_GRID)
    prof = _Profile(tw, ok["reward"].to_numpy(float), ok["penalty"].to_numpy(float), cov, grid)
    chi_grid = prof.grid_chi2(prof.yw[None, :])[0][0]
    j = int(np.argmin(chi_grid))
    h_hat, chi_min = float(grid[j]), float(chi_grid[j])
    if 0 < j < _N_GRID - 1:
        opt = optimize.minimize_scalar(lambda lh: prof.chi2(math.exp(lh)),
                                       bounds=(math.log(grid[j - 1]), math.log(grid[j + 1])),
                                       method="bounded", options={"xatol": 1e-6})
        if opt.fun < chi_min:
            h_hat, chi_min = float(math.exp(opt.x)), float(opt.fun)
    dof = 2 * len(ok) - 5
    phi = max(1.0, chi_min / dof) if dof > 0 else 1.0
    q = float(stats.chi2.ppf(level, 1))
    thr = chi_min + phi * q
    inside = np.flatnonzero(chi_grid <= thr)

    def edge(a: float, b: float) -> float:
        f = lambda lh: prof.chi2(math.exp(lh)) - thr  # noqa: E731
        try:
            return float(math.exp(optimize.brentq(f, math.log(a), math.log(b), xtol=1e-8)))
        except ValueError:
            return float(b)

    if len(inside) == 0:  # the refined minimum lies between grid points
        inside = np.array([j])
    i_lo, i_hi = int(inside.min()), int(inside.max())
    h_ci_lo = h_lo if i_lo == 0 else edge(grid[i_lo - 1], grid[i_lo])
    h_ci_lo = min(h_ci_lo, h_hat)
    h_ci_hi = math.inf if i_hi == _N_GRID - 1 else edge(grid[i_hi + 1], grid[i_hi])
    h_ci_hi = max(h_ci_hi, h_hat)
    boundary = j == _N_GRID - 1
    return _ProfileFit(
        prof=prof, grid=grid, chi_grid=chi_grid, h_lo=h_lo, h_hi=h_hi, h_hat=h_hat,
        chi_min=chi_min, dof=dof, phi=phi, h_ci_lo=h_ci_lo, h_ci_hi=h_ci_hi, boundary=boundary,
        h_report=math.inf if boundary else h_hat, beta=prof.beta(h_hat), t_end=t_end,
    )


def _infer_curves(pf: _ProfileFit, horizon: float | None, *, ia_cut: float, level: float,
                  rng: np.random.Generator | None, n_boot: int) -> _CurveFit:
    """Curves up to the horizon, crossing times and curve parameters, with bootstrap bounds."""
    if horizon is None:
        horizon = pf.t_end
    if not (isinstance(horizon, int | float) and horizon > 0):
        raise ParameterError(f"horizon must be positive, got {horizon!r}")
    prof, beta, h_hat = pf.prof, pf.beta, pf.h_hat
    t_curve = np.linspace(0.0, float(horizon), _N_CURVE * 4 + 1)
    rew_c, pen_c = _curves(beta, h_hat, prof.t_ref, t_curve)
    ia_c = asymmetry(pen_c, rew_c)
    t_ao = float(_first_passage(t_curve, ia_c[None, :], ia_cut, "le")[0])
    t_om = float(_first_passage(t_curve, ia_c[None, :], -ia_cut, "lt")[0])
    x0 = 2.0 ** (prof.t_ref / h_hat)
    params = np.array([beta[0] + beta[1] * x0, beta[0], beta[2] + beta[3] * x0, beta[2]])
    cf = _CurveFit(
        horizon=horizon, t_curve=t_curve, rew_c=rew_c, pen_c=pen_c, t_ao=t_ao, t_om=t_om,
        params=params, band_lo=np.full((2, len(t_curve)), np.nan),
        band_hi=np.full((2, len(t_curve)), np.nan), p_lo=np.full(4, np.nan),
        p_hi=np.full(4, np.nan), cross_ci={"ao": (np.nan, np.nan), "om": (np.nan, np.nan)},
    )
    if rng is not None:
        _bootstrap_curves(cf, pf, rng, n_boot=n_boot, ia_cut=ia_cut, level=level)
    return cf


def _bootstrap_curves(cf: _CurveFit, pf: _ProfileFit, rng: np.random.Generator, *,
                      n_boot: int, ia_cut: float, level: float) -> None:
    """Parametric bootstrap of the window estimates, refitted on the grid, into ``cf``."""
    prof, grid, t_curve = pf.prof, pf.grid, cf.t_curve
    fitted_w = prof._xw(pf.h_hat) @ pf.beta
    yb = fitted_w[None, :] + math.sqrt(pf.phi) * rng.standard_normal((n_boot, len(fitted_w)))
    chi_b, proj = prof.grid_chi2(yb)
    jb = np.argmin(chi_b, axis=1)
    beta_b = np.einsum("bij,bj->bi", prof.r_inv[jb], proj[np.arange(n_boot), jb])
    h_b = grid[jb]
    rew_b, pen_b = _curves(beta_b, h_b, prof.t_ref, t_curve)
    cf.band_lo[0], cf.band_hi[0] = quantile_ci(rew_b, level)
    cf.band_lo[1], cf.band_hi[1] = quantile_ci(pen_b, level)
    ia_b = asymmetry(pen_b, rew_b)
    ia_b = np.where(np.isnan(ia_b), 0.0, ia_b)
    for key, lev, how in (("ao", ia_cut, "le"), ("om", -ia_cut, "lt")):
        cf.cross_ci[key] = quantile_ci(_first_passage(t_curve, ia_b, lev, how), level)
    x0_b = np.exp2(prof.t_ref / h_b)
    params_b = np.column_stack([beta_b[:, 0] + beta_b[:, 1] * x0_b, beta_b[:, 0],
                                beta_b[:, 2] + beta_b[:, 3] * x0_b, beta_b[:, 2]])
    cf.p_lo, cf.p_hi = quantile_ci(params_b, level)
