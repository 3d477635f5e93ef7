"""Hierarchical Dirichlet-multinomial posterior of segment NPS, hyperparameters integrated out.

Model: segment ``i`` has shares ``p_i ~ Dirichlet(s m)`` and counts
``c_i | p_i ~ Multinomial(n_i, p_i)``. Weak, proper hyperprior:

- ``m ~ Dirichlet(1, 1, 1)``: the overall shares, uniform on the simplex;
- ``tau = 1 / sqrt(1 + s) ~ Uniform(0, 1)``: ``tau`` is the between-segment standard deviation
  of each share in units of its largest possible value, ``sd(p_ij) = tau sqrt(m_j (1 - m_j))``
  (0: all segments alike, 1: every segment all one category). It is the Dirichlet version of
  the prior uniform on ``(a / (a + b), (a + b)^(-1/2))`` that Gelman et al. (Bayesian Data
  Analysis, 3rd ed., section 5.3) use for the beta-binomial hierarchy.

The posterior of the hyperparameters is computed numerically, without a sampler:

1. on a grid of ``tau`` (zoomed in on where the mass is), the conditional mode of ``v``, the
   additive log-ratios ``(log(m_d / m_r), log(m_p / m_r))``, by Newton's method, and a Laplace
   approximation ``m | tau ~ N(v_hat, Sigma)`` that also gives the marginal ``p(tau | data)``;
2. a Gauss quadrature rule with ``_N_TAU`` nodes for that marginal (Golub-Welsch on the grid),
   and five sigma points of ``N(v_hat, Sigma)`` at each node: ``K = 5 _N_TAU`` weighted
   hyperparameter values ``(s_k, m_k)``;
3. each segment's posterior is the mixture of ``Dirichlet(s_k m_k + c_i)``; its NPS
   distribution function is the weighted sum of the exact component ones (quadrature as in
   :func:`loyaltystats.nps.bayes.nps_posterior_cdf`), inverted by a vectorized Illinois method.

Nothing is random.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

_N_GRID = 40     # tau grid points per pass
_N_TAU = 8       # Gauss nodes for the marginal posterior of tau
_LOG_DROP = 30.0  # grid points whose log density is this far below the peak carry no mass
_GL_X, _GL_W = np.polynomial.legendre.leggauss(48)
# sigma points of a 2-d standard normal (kappa = 1): exact for polynomials of degree 3 and
# for the fourth moments along the axes
_SIGMA = np.array([[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]) * np.sqrt(3.0)
_SIGMA_W = np.array([1 / 3, 1 / 6, 1 / 6, 1 / 6, 1 / 6])
_GH1_X, _GH1_W = np.polynomial.hermite.hermgauss(7)
_GH_Z = np.stack(np.meshgrid(_GH1_X, _GH1_X, indexing="ij"), axis=-1).reshape(-1, 2)
# weights of the product rule times exp(|z|^2): integrate f, not f exp(-|z|^2)
_GH_W = (np.outer(_GH1_W, _GH1_W).ravel() * np.exp((_GH_Z**2).sum(axis=1)))
HYPERPRIOR = ("m ~ Dirichlet(1, 1, 1); tau = 1/sqrt(1 + concentration) ~ Uniform(0, 1)")


# ------------------------------------------------------------------ hyperparameter posterior
def _shares(v: np.ndarray) -> np.ndarray:
    """Additive log-ratios ``(..., 2)`` to shares ``(..., 3)`` (the last category is the base)."""
    z = np.concatenate([v, np.zeros(v.shape[:-1] + (1,))], axis=-1)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _log_post(tau: np.ndarray, v: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Log posterior density of ``(tau, v)`` up to a constant; broadcasts over leading axes.

    The Dirichlet-multinomial log marginal likelihood of all segments plus the log density of
    the uniform prior on ``m`` in log-ratio coordinates (``sum(log m)``, the Jacobian).
    """
    m = _shares(v)
    s = 1.0 / tau**2 - 1.0
    a = s[..., None] * m
    A = a.sum(axis=-1)
    n = counts.sum(axis=1)
    ll = (special.gammaln(A)[..., None] - special.gammaln(A[..., None] + n)).sum(axis=-1)
    ai = a[..., None, :]
    ll = ll + (special.gammaln(ai + counts) - special.gammaln(ai)).sum(axis=(-1, -2))
    return ll + np.log(m).sum(axis=-1)


def _derivatives(tau: np.ndarray, v: np.ndarray, counts: np.ndarray,
                 h: float = 1e-3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Value, gradient and Hessian in ``v`` of :func:`_log_post` (central differences)."""
    f0 = _log_post(tau, v, counts)
    e = np.eye(2) * h
    fp = np.stack([_log_post(tau, v + e[j], counts) for j in range(2)], axis=-1)
    fm = np.stack([_log_post(tau, v - e[j], counts) for j in range(2)], axis=-1)
    grad = (fp - fm) / (2 * h)
    hess = np.empty(v.shape[:-1] + (2, 2))
    hess[..., 0, 0] = (fp[..., 0] - 2 * f0 + fm[..., 0]) / h**2
    hess[..., 1, 1] = (fp[..., 1] - 2 * f0 + fm[..., 1]) / h**2
    d = (_log_post(tau, v + e[0] + e[1], counts) - _log_post(tau, v + e[0] - e[1], counts)
         - _log_post(tau, v - e[0] + e[1], counts) + _log_post(tau, v - e[0] - e[1], counts))
    hess[..., 0, 1] = hess[..., 1, 0] = d / (4 * h**2)
    return f0, grad, hess


def _positive(neg_hess: np.ndarray) -> np.ndarray:
    """``neg_hess`` with its eigenvalues raised to a small positive floor (stack of 2x2)."""
    lam, vec = np.linalg.eigh(neg_hess)
    floor = 1e-8 * np.maximum(np.abs(lam).max(axis=-1, keepdims=True), 1.0)
    lam = np.maximum(lam, floor)
    return np.einsum("...ij,...j,...kj->...ik", vec, lam, vec)


_STEPS = np.array([1.0, 0.5, 0.25, 0.1, 0.02, 0.0])


def _profile(tau: np.ndarray, counts: np.ndarray,
             v0: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """``log p(tau | data)`` (up to a constant), the mode ``v_hat`` of ``v | tau`` and the
    moments of ``v | tau`` and ``m | tau`` (see :func:`_adaptive_gauss_hermite`).

    Newton's method in ``v`` at every ``tau`` at once, with a step-length search that never
    lowers the density; the Laplace approximation at the mode centres the quadrature.
    """
    v = np.broadcast_to(v0, tau.shape + (2,)).copy()
    rows = np.arange(len(tau))
    for _ in range(60):
        _, grad, hess = _derivatives(tau, v, counts)
        step = np.linalg.solve(_positive(-hess), grad[..., None])[..., 0]
        cand = v[:, None, :] + _STEPS[None, :, None] * step[:, None, :]
        f = _log_post(tau[:, None], cand, counts)
        best = np.nanargmax(np.where(np.isfinite(f), f, -np.inf), axis=1)
        moved = _STEPS[best][:, None] * step
        v = cand[rows, best]
        if np.max(np.abs(moved)) < 1e-7:
            break
    _, _, hess = _derivatives(tau, v, counts)
    lp, moments = _adaptive_gauss_hermite(tau, v, np.linalg.inv(_positive(-hess)), counts)
    return lp, v, moments


def _adaptive_gauss_hermite(tau: np.ndarray, v_hat: np.ndarray, cov: np.ndarray,
                            counts: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``log p(tau | data)`` (up to a constant) and the moments of ``v | tau`` and of
    ``m | tau`` (mean, covariance), by a 7 x 7 Gauss-Hermite rule centred and scaled by the
    Laplace approximation ``N(v_hat, cov)``."""
    chol = np.linalg.cholesky(cov)
    pts = v_hat[:, None, :] + np.sqrt(2.0) * np.einsum("gij,pj->gpi", chol, _GH_Z)
    lp = _log_post(tau[:, None], pts, counts)
    lp = np.where(np.isfinite(lp), lp, -np.inf)
    top = lp.max(axis=1, keepdims=True)
    wt = _GH_W[None, :] * np.exp(lp - top)
    total = wt.sum(axis=1)
    wt = wt / total[:, None]
    moments = {}
    for name, x in (("v", pts), ("m", _shares(pts))):
        mean = np.einsum("gp,gpi->gi", wt, x)
        dev = x - mean[:, None, :]
        moments[name] = mean
        moments[name + "_cov"] = np.einsum("gp,gpi,gpj->gij", wt, dev, dev)
    log_det = np.log(np.abs(np.linalg.det(chol)))
    return top[:, 0] + np.log(total) + log_det, moments


def _tau_grid(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """The grid posterior of ``tau``: points, normalized weights, conditional moments.

    A uniform grid on (0, 1), zoomed (up to three times) onto the interval holding the mass
    until at least half the grid points carry it.
    """
    pooled = (counts.sum(axis=0) + 1.0) / (counts.sum() + 3.0)
    v0 = np.log(pooled[:2] / pooled[2])
    lo, hi = 0.0, 1.0
    for _ in range(4):
        width = (hi - lo) / _N_GRID
        tau = lo + width * (np.arange(_N_GRID) + 0.5)
        lp, v, moments = _profile(tau, counts, v0)
        lp = np.where(np.isfinite(lp), lp, -np.inf)
        idx = np.flatnonzero(lp > lp.max() - _LOG_DROP)
        if len(idx) >= _N_GRID // 2:
            break
        lo, hi = max(tau[idx[0]] - 1.5 * width, 0.0), min(tau[idx[-1]] + 1.5 * width, 1.0)
        v0 = v[int(np.argmax(lp))]
    w = np.exp(lp - lp.max())
    return tau, w / w.sum(), moments


def _gauss_rule(x: np.ndarray, w: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss quadrature nodes and weights for the discrete measure ``sum w_g delta(x_g)``.

    Lanczos on ``diag(x)`` from ``sqrt(w)`` (with full re-orthogonalization) gives the Jacobi
    matrix of the measure; its eigenvalues are the nodes (Golub and Welsch, 1969).
    """
    q = np.sqrt(w) / np.sqrt(w.sum())
    basis, diag, off = [q], [], []
    for j in range(n):
        z = x * basis[j]
        diag.append(float(basis[j] @ z))
        B = np.array(basis)
        for _ in range(2):
            z = z - B.T @ (B @ z)
        beta = float(np.linalg.norm(z))
        if j + 1 == n or beta < 1e-10 * max(abs(diag[-1]), 1e-300):
            break
        off.append(beta)
        basis.append(z / beta)
    k = len(diag)
    T = np.diag(diag) + np.diag(off[:k - 1], 1) + np.diag(off[:k - 1], -1)
    nodes, vecs = np.linalg.eigh(T)
    return nodes, vecs[0] ** 2 * w.sum()


def _interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Linear interpolation of the rows of ``fp`` (any trailing shape) at ``x``."""
    flat = fp.reshape(len(xp), -1)
    out = np.stack([np.interp(x, xp, flat[:, j]) for j in range(flat.shape[1])], axis=-1)
    return out.reshape((len(x),) + fp.shape[1:])


def _sigma_shares(mom: dict[str, np.ndarray]) -> np.ndarray:
    """Five sigma points of ``m | tau`` per node, ``(nodes, 5, 3)``.

    Placed in share space along the two axes of the covariance of ``m``, so that the mixture
    has the conditional mean and covariance of the shares exactly (the segment's posterior
    mean and variance of the NPS are linear and quadratic in ``m``); at a node where a point
    would leave the simplex, placed in log-ratio space instead.
    """
    lam, vec = np.linalg.eigh(mom["m_cov"])
    lam, vec = np.maximum(lam[:, 1:], 0.0), vec[:, :, 1:]        # the two non-null axes
    step = vec * np.sqrt(lam)[:, None, :]                        # (nodes, 3, 2)
    pts = mom["m"][:, None, :] + np.einsum("kij,pj->kpi", step, _SIGMA)
    chol = np.linalg.cholesky(_positive(mom["v_cov"]))
    by_v = _shares(mom["v"][:, None, :] + np.einsum("kij,pj->kpi", chol, _SIGMA))
    inside = (pts > 0).all(axis=(1, 2))
    return np.where(inside[:, None, None], pts, by_v)


def hyper_components(counts: np.ndarray) -> dict[str, Any]:
    """Weighted hyperparameter values ``(s_k, m_k)`` approximating their posterior.

    Returns a dict with ``s`` (K,), ``m`` (K, 3), ``w`` (K,) summing to 1, and the grid
    posterior of ``tau`` (``tau``, ``tau_w``) for summaries.
    """
    counts = np.asarray(counts, dtype=float)
    tau, tw, mom = _tau_grid(counts)
    keep = tw > 1e-14
    nodes, nw = _gauss_rule(tau[keep], tw[keep], _N_TAU)
    nodes = np.clip(nodes, tau[keep].min(), tau[keep].max())
    at_nodes = {k: _interp(nodes, tau, v) for k, v in mom.items()}
    m = _sigma_shares(at_nodes).reshape(-1, 3)
    s = np.repeat(1.0 / nodes**2 - 1.0, len(_SIGMA))
    w = (nw[:, None] * _SIGMA_W[None, :]).ravel()
    return {"s": s, "m": m, "w": w / w.sum(), "tau": tau, "tau_w": tw}


# ------------------------------------------------------------------ mixture of Dirichlets
def cdf_many(s: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``P(p_r - p_d <= s_p)`` under ``Dirichlet(a[p, k])`` for every ``p`` and ``k``.

    ``s`` has shape (P,) in [-1, 1], ``a`` (P, K, 3); returns (P, K). The quadrature of
    :func:`loyaltystats.nps.bayes.nps_posterior_cdf`, vectorized, with 48 nodes
    (within 1e-5 of 256 nodes).
    """
    s = np.asarray(s, dtype=float)[:, None]
    b_d, b_rest = a[..., 0], a[..., 1] + a[..., 2]
    u_lo = special.betainc(b_d, b_rest, np.clip(-s, 0.0, 1.0))
    u_hi = special.betainc(b_d, b_rest, np.clip((1 - s) / 2, 0.0, 1.0))
    width = np.maximum(u_hi - u_lo, 0.0)
    u = u_lo[..., None] + width[..., None] * (_GL_X + 1) / 2
    x = special.betaincinv(b_d[..., None], b_rest[..., None], u)
    ss = s[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(x >= 1, 1.0, np.clip((ss + x) / (1 - x), 0.0, 1.0))
    inner = special.betainc(a[..., 2][..., None], a[..., 1][..., None], y) @ _GL_W * width / 2
    out = np.clip(inner + 1.0 - u_hi, 0.0, 1.0)
    out = np.where(s <= -1, 0.0, out)
    return np.where(s >= 1, 1.0, out)


def mixture_cdf(t: np.ndarray, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``P(NPS <= t_p)`` under the mixture ``sum_k w_k Dirichlet(a[p, k])``; ``t`` in NPS points."""
    return cdf_many(np.asarray(t, dtype=float) / 100.0, a) @ w


def _bracket(q: np.ndarray, a: np.ndarray, w: np.ndarray, mean: np.ndarray,
             sd: np.ndarray) -> tuple[np.ndarray, ...]:
    """A bracket ``lo < root <= hi`` and ``F - q`` at its ends, around the normal guess."""
    guess = mean + special.ndtri(q) * sd
    lo, hi = np.clip(guess - sd, -100.0, 100.0), np.clip(guess + sd, -100.0, 100.0)
    flo, fhi = mixture_cdf(lo, a, w) - q, mixture_cdf(hi, a, w) - q
    for step in (4.0, 16.0):
        bad = np.flatnonzero(flo > 0)
        if len(bad):
            lo[bad] = np.clip(guess[bad] - step * sd[bad], -100.0, 100.0)
            flo[bad] = mixture_cdf(lo[bad], a[bad], w) - q[bad]
        bad = np.flatnonzero(fhi < 0)
        if len(bad):
            hi[bad] = np.clip(guess[bad] + step * sd[bad], -100.0, 100.0)
            fhi[bad] = mixture_cdf(hi[bad], a[bad], w) - q[bad]
    lo, flo = np.where(flo > 0, -100.0, lo), np.where(flo > 0, -q, flo)
    hi, fhi = np.where(fhi < 0, 100.0, hi), np.where(fhi < 0, 1.0 - q, fhi)
    return lo, hi, flo, fhi


def mixture_quantiles(q: np.ndarray, a: np.ndarray, w: np.ndarray, mean: np.ndarray,
                      sd: np.ndarray) -> np.ndarray:
    """The ``q_p``-quantiles of the NPS under the mixtures ``a[p]`` (Illinois method).

    Bracketed around the normal approximation ``mean + z_q sd`` (widened until it brackets),
    run to ``|F(t) - q| < 1e-7`` or a bracket narrower than 1e-4 NPS points.
    """
    lo, hi, flo, fhi = _bracket(q, a, w, mean, sd)
    t = (lo + hi) / 2
    side = np.zeros(len(q))
    todo = np.ones(len(q), dtype=bool)
    for _ in range(100):
        i = np.flatnonzero(todo)
        if len(i) == 0:
            break
        denom = fhi[i] - flo[i]
        ti = np.where(denom > 0, hi[i] - fhi[i] * (hi[i] - lo[i]) / np.where(denom > 0, denom, 1),
                      (lo[i] + hi[i]) / 2)
        ti = np.where((ti > lo[i]) & (ti < hi[i]), ti, (lo[i] + hi[i]) / 2)
        ft = mixture_cdf(ti, a[i], w) - q[i]
        t[i] = ti
        up = ft > 0                      # the root is below ti: ti becomes the upper end
        hi[i] = np.where(up, ti, hi[i])
        fhi[i] = np.where(up, ft, fhi[i])
        lo[i] = np.where(up, lo[i], ti)
        flo[i] = np.where(up, flo[i], ft)
        # Illinois: halve the stale end's value when the same end moves twice in a row
        flo[i] = np.where(up & (side[i] == 1), flo[i] / 2, flo[i])
        fhi[i] = np.where(~up & (side[i] == -1), fhi[i] / 2, fhi[i])
        side[i] = np.where(up, 1, -1)
        todo[i] = (np.abs(ft) > 1e-7) & (hi[i] - lo[i] > 1e-4)
    return t


def segment_summaries(counts: np.ndarray, comp: dict[str, Any], level: float,
                      target: float | None) -> dict[str, np.ndarray]:
    """Posterior mean, sd, equal-tailed interval, ``P(NPS > target)`` and mean shrinkage weight
    of each segment's NPS under the mixture over ``comp`` (from :func:`hyper_components`)."""
    s, m, w = comp["s"], comp["m"], comp["w"]
    a = s[None, :, None] * m[None, :, :] + counts[:, None, :]          # (segments, K, 3)
    A = a.sum(axis=-1)
    mu = 100 * (a[..., 2] - a[..., 0]) / A
    var = 1e4 * (a[..., 2] * (A - a[..., 2]) + a[..., 0] * (A - a[..., 0])
                 + 2 * a[..., 0] * a[..., 2]) / (A**2 * (A + 1))
    mean = mu @ w
    sd = np.sqrt(np.maximum((var + mu**2) @ w - mean**2, 0.0))
    tail = (1 - level) / 2
    k = len(counts)
    q = np.r_[np.full(k, tail), np.full(k, 1 - tail)]
    both = mixture_quantiles(q, np.concatenate([a, a]), w, np.r_[mean, mean], np.r_[sd, sd])
    n = counts.sum(axis=1)
    out = {"mean": mean, "sd": sd, "ci_low": both[:k], "ci_high": both[k:],
           "shrinkage": (s[None, :] / (s[None, :] + n[:, None])) @ w}
    if target is not None:
        out["p_above"] = 1.0 - mixture_cdf(np.full(k, float(target)), a, w)
    return out


def hyper_summary(comp: dict[str, Any]) -> dict[str, Any]:
    """Posterior summaries of the hyperparameters for ``info``: the median concentration with
    its 95% interval, the posterior mean shares and the posterior mean of the overall NPS."""
    tau, tw = comp["tau"], comp["tau_w"]
    cum = np.cumsum(tw)

    def conc(p: float) -> float:            # the concentration falls as tau rises
        t = float(np.interp(1 - p, cum - tw / 2, tau))
        return 1.0 / t**2 - 1.0

    shares = comp["w"] @ comp["m"]
    overall = comp["w"] @ (100 * (comp["m"][:, 2] - comp["m"][:, 0]))
    median = conc(0.5)
    return {"alpha": (median * shares).tolist(), "concentration": median,
            "concentration_interval": [conc(0.025), conc(0.975)],
            "prior_mean_nps": float(overall), "mean_shares": shares.tolist(),
            "hyperprior": HYPERPRIOR, "n_components": int(len(comp["w"]))}
