"""Score residuals of a Cox fit on cells, and the robust (sandwich) variance built on them.

The score residual of a row is :math:`U_i = \\int (x_i - \\bar x(t))\\, dM_i(t)`, with
:math:`dM_i = dN_i - Y_i(t) e^{x_i\\beta} d\\hat\\Lambda_0(t)` (Therneau and Grambsch 2000,
section 7.2; R's ``residuals(fit, type = "score")``). With Efron's ties the ``m`` deaths at a
time are ``m`` hazard jumps at which each dying row is present with weights
``1, (m-1)/m, ..., 1/m``, as R's ``agscore3`` does. Every row of a cell (same entry, exit,
covariates and stratum) has the same residual, one for the rows that end with the event and
one for the others, so

.. math:: B = \\sum_{cells} (n - d)\\, U_c U_c^\\top + d\\, U_d U_d^\\top

(or, with clusters, :math:`B = \\sum_g U_g U_g^\\top` with :math:`U_g` the sum of the
residuals of the cluster's rows), and the robust variance is :math:`V B V` with :math:`V`
the inverse information (Lin and Wei 1989; R's ``coxph(..., robust = TRUE)`` or
``cluster(id)``).
"""

from __future__ import annotations

import numpy as np

from .cox import _Cells, _moments

__all__: list[str] = []  # private helpers of fit_cox_counts


def score_residuals(beta: np.ndarray, c: _Cells, ties: str
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Score residual of a cell's censored rows and of its rows with the event, (cells, p).

    The residual of the rows with the event is only meaningful for cells with ``d > 0``.
    """
    mo = _moments(beta, c, ties)
    # per event time: hazard jumps sum_l 1/phi_l and sum_l xbar_l / phi_l
    hz = mo.c01
    xh = mo.c02[:, None] * mo.S1 - mo.c12[:, None] * mo.E1
    cum_h = np.concatenate([[0.0], np.cumsum(hz)])
    cum_xh = np.vstack([np.zeros(mo.S1.shape[1]), np.cumsum(xh, axis=0)])
    k0 = np.zeros_like(c.k1) if c.k0 is None else c.k0
    H = cum_h[c.k1] - cum_h[k0]
    XH = cum_xh[c.k1] - cum_xh[k0]
    r = np.exp(c.x @ beta)[:, None]
    u_cens = -r * (c.x * H[:, None] - XH)
    # the rows that die at their exit time t: (x - mean of the xbar_l) plus the Efron
    # correction r (x sum_l a_l / phi_l - sum_l a_l xbar_l / phi_l)
    m = np.maximum(c.m, 1)[:, None]
    mh3 = (mo.c01[:, None] * mo.S1 - mo.c11[:, None] * mo.E1) / m
    mh1 = mo.c11[:, None]
    mh2 = mo.c12[:, None] * mo.S1 - mo.c22[:, None] * mo.E1
    t = np.maximum(c.k1 - 1, 0)
    u_dead = u_cens + (c.x - mh3[t]) + r * (c.x * mh1[t] - mh2[t])
    return u_cens, u_dead


def sandwich(beta: np.ndarray, c: _Cells, ties: str, V: np.ndarray,
             cluster: np.ndarray | None = None) -> np.ndarray:
    """The robust variance ``V B V`` (see the module docstring); ``cluster`` codes per cell."""
    u_cens, u_dead = score_residuals(beta, c, ties)
    alive = c.n - c.d
    dead = np.where(c.d > 0, c.d, 0.0)
    u_dead = np.where((c.d > 0)[:, None], u_dead, 0.0)
    if cluster is None:
        B = (u_cens.T * alive) @ u_cens + (u_dead.T * dead) @ u_dead
    else:
        total = alive[:, None] * u_cens + dead[:, None] * u_dead
        G = np.stack([np.bincount(cluster, col) for col in total.T], axis=1)
        B = G.T @ G
    return V @ B @ V
