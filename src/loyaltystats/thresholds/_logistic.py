"""Small logistic regressions on binomial cells, batched over replicates.

The segmented fits of :func:`~loyaltystats.thresholds.loyalty_curve` need one logistic
regression per candidate breakpoint and, for the bootstrap, per replicate: thousands of
fits on a dozen cells. statsmodels costs milliseconds per fit, so they are done here by
Newton-Raphson on arrays of shape ``(replicates, cells)`` in one go.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

__all__: list[str] = []


@dataclass(frozen=True, eq=False)
class BatchFit:
    """Fitted coefficients, covariances and log-likelihoods of a batch of logistic fits."""

    params: np.ndarray  # (B, p)
    cov: np.ndarray     # (B, p, p)
    llf: np.ndarray     # (B,)
    converged: np.ndarray  # (B,) bool
    separated: np.ndarray  # (B,) bool: (quasi-)separation, see fit_logistic_batch
    extreme: np.ndarray    # (B, c) bool: cells fitted at a rate numerically 0 or 1


def binomial_loglik(eta: np.ndarray, y: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``sum y eta - m log(1 + e^eta)`` over the last axis (no binomial coefficients)."""
    return np.sum(y * eta - m * np.logaddexp(0.0, eta), axis=-1)


EXTREME = 1e-3
"""A cell whose rows all share one outcome and whose fitted count of the other outcome is
below this (``m * min(mu, 1 - mu)``) marks (quasi-)separation: the likelihood keeps rising as
a coefficient runs to infinity, and the fit stops only because the steps become tiny."""


def fit_logistic_batch(X: np.ndarray, y: np.ndarray, m: np.ndarray, *, maxiter: int = 60,
                       tol: float = 1e-10, offset: np.ndarray | None = None) -> BatchFit:
    """Newton-Raphson for ``B`` logistic regressions sharing the design ``X``.

    Parameters
    ----------
    X : ndarray, shape (c, p)
        Design of the ``c`` cells (with the intercept column).
    y, m : ndarray, shape (B, c) or (c,)
        Successes and trials per cell for each of the ``B`` data sets; cells with ``m = 0``
        carry no information.
    offset : ndarray, shape (c,), optional
        A fixed term added to each cell's linear predictor (for profile likelihoods).

    Notes
    -----
    The step is capped at a norm of 5 per iteration, which keeps separated fits (whose
    coefficients diverge while the log-likelihood converges to its supremum) from
    overflowing; a tiny ridge keeps the Newton system solvable when a column has no
    information in a replicate. Fits stop individually when their step falls below
    ``tol``. A fit is marked ``separated`` when a coefficient ran past 20 or a cell with
    rows that all share one outcome is fitted with fewer than :data:`EXTREME` expected rows
    of the other (as R's glm warns "fitted probabilities numerically 0 or 1"): its
    coefficients are not finite maxima and their Wald standard errors mean nothing.
    """
    X = np.asarray(X, dtype=float)
    y = np.atleast_2d(np.asarray(y, dtype=float))
    m = np.atleast_2d(np.asarray(m, dtype=float))
    B = y.shape[0]
    p = X.shape[1]
    off = np.zeros(X.shape[0]) if offset is None else np.asarray(offset, dtype=float)
    beta = np.zeros((B, p))
    rate = np.clip(y.sum(1) / np.maximum(m.sum(1), 1), 1e-6, 1 - 1e-6)
    beta[:, 0] = np.log(rate / (1 - rate))  # X[:, 0] is the intercept
    active = np.ones(B, dtype=bool)
    eye = np.eye(p)
    for _ in range(maxiter):
        idx = np.flatnonzero(active)
        if not len(idx):
            break
        b = beta[idx]
        eta = b @ X.T + off
        mu = expit(eta)
        W = m[idx] * mu * (1 - mu)
        grad = (y[idx] - m[idx] * mu) @ X
        H = np.einsum("cp,bc,cq->bpq", X, W, X)
        ridge = 1e-10 * (np.trace(H, axis1=1, axis2=2) / p + 1.0)
        step = np.linalg.solve(H + ridge[:, None, None] * eye, grad[..., None])[..., 0]
        norm = np.linalg.norm(step, axis=1)
        step *= np.minimum(1.0, 5.0 / np.maximum(norm, 1e-300))[:, None]
        beta[idx] = b + step
        active[idx] = np.max(np.abs(step), axis=1) > tol
    eta = beta @ X.T + off
    mu = expit(eta)
    W = m * mu * (1 - mu)
    H = np.einsum("cp,bc,cq->bpq", X, W, X)
    with np.errstate(all="ignore"):
        try:
            cov = np.linalg.inv(H)
        except np.linalg.LinAlgError:
            cov = np.full_like(H, np.nan)
            for i in range(B):
                try:
                    cov[i] = np.linalg.inv(H[i])
                except np.linalg.LinAlgError:
                    pass
    llf = binomial_loglik(eta, y, m)
    minority = m * np.minimum(mu, 1 - mu)
    extreme = (m > 0) & (minority < EXTREME) & ((y == 0) | (y == m))
    separated = np.any(np.abs(beta) > 20, axis=1) | extreme.any(axis=1)
    return BatchFit(params=beta, cov=cov, llf=llf, converged=~active, separated=separated,
                    extreme=extreme)
