"""The partial likelihood through covariate patterns: rows at risk per (event time, pattern).

Cells that share a covariate pattern share the risk score ``exp(x beta)``, so every risk-set
sum is ``S_k(t) = sum_q N[t, q] exp(x_q beta) x_q^k`` with ``N[t, q]`` the rows of pattern
``q`` at risk at the event time ``t``, and every death-set sum the same with ``D[t, q]`` the
events. ``N`` and ``D`` do not depend on ``beta``: they are counted once per fit (whole
counts: their cumulative sums are exact), and a Newton step is a few products of the
``(T, P)`` tables with ``(P, 1 + p)`` weights. Used when the patterns are few (the table is
not much larger than the cells); otherwise :class:`~loyaltystats.stats.cox._Cells` sums over
the cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._cox_efron import EfronIndex, efron_sums

__all__: list[str] = []  # private helpers of loyaltystats.stats.cox


def max_patterns(n_cells: int, n_times: int) -> int:
    """The most patterns for which the ``(P, T)`` tables pay: not much larger than the
    cells, and at most 5e7 entries."""
    return min((8 * n_cells + 4096) // (n_times + 1), 50_000_000 // (n_times + 1))


def find_patterns(x: np.ndarray, max_patterns: int
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """The distinct rows of ``x`` and each row's pattern index, or None when there are more
    than ``max_patterns``."""
    n, p = x.shape
    if n == 0 or p == 0:
        return None
    codes, uniques = [], []
    size = 1
    for j in range(p):
        code, uniq = pd.factorize(x[:, j])
        if len(uniq) > max_patterns or size * len(uniq) >= 2**62:
            return None
        codes.append(code)
        uniques.append(np.asarray(uniq, float))
        size *= len(uniq)
    key = np.ravel_multi_index(codes, [len(u) for u in uniques])
    if size <= 4 * n + 1024:  # dense: count by direct indexing
        seen = np.bincount(key, minlength=size) > 0
        uk = np.flatnonzero(seen)
        if len(uk) > max_patterns:
            return None
        lut = np.cumsum(seen) - 1
        q = lut[key]
    else:
        uk, q = np.unique(key, return_inverse=True)
        if len(uk) > max_patterns:
            return None
    digits = np.unravel_index(uk, [len(u) for u in uniques])
    pat = np.column_stack([u[c] for u, c in zip(uniques, digits)])
    return pat, q.ravel().astype(np.int64)


@dataclass(frozen=True)
class Patterns:
    """Rows at risk ``N`` and events ``D`` per (pattern, event time), ``(P, T)`` each (one
    contiguous row per pattern: products with the ``(P, k)`` weights run in BLAS)."""

    pat: np.ndarray  # (P, p) the covariate patterns
    N: np.ndarray
    D: np.ndarray
    dx: np.ndarray  # sum of d * x over the cells
    pairs: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, pat: np.ndarray, q: np.ndarray, k0: np.ndarray | None, k1: np.ndarray,
           n: np.ndarray, d: np.ndarray, has: np.ndarray, T: int,
           pairs: tuple[np.ndarray, np.ndarray]) -> Patterns:
        """Count the cells (pattern ``q``, at risk for event times ``k0 <= j < k1``)."""
        P = len(pat)
        size = (T + 1) * P
        row = q * (T + 1)  # pattern q's row of the (P, T + 1) table
        N = -np.bincount(row + k1, n, minlength=size)
        if k0 is None:
            N[::T + 1] += np.bincount(q, n, minlength=P)
        else:
            N += np.bincount(row + k0, n, minlength=size)
        N = np.cumsum(N.reshape(P, T + 1), axis=1)[:, :T]
        D = np.bincount(q[has] * T + k1[has] - 1, d[has], minlength=T * P).reshape(P, T)
        return cls(pat=pat, N=np.ascontiguousarray(N), D=D, dx=D.sum(axis=1) @ pat,
                   pairs=pairs)

    def weights(self, beta: np.ndarray, second: bool = False) -> tuple[np.ndarray, ...]:
        """``r = exp(x_q beta)`` and the weights ``[r, r x_q (, r x_qa x_qb)]``, (., P)."""
        r = np.exp(self.pat @ beta)
        cols = [r[None], r * self.pat.T]
        if second:
            a, b = self.pairs
            cols.append(r * (self.pat[:, a] * self.pat[:, b]).T)
        return r, np.concatenate(cols, axis=0)

    def sums(self, beta: np.ndarray, second: bool = False) -> tuple[np.ndarray, ...]:
        """``r`` and the risk-set and death-set sums, ``(1 + p (+ pairs), T)`` each."""
        r, W = self.weights(beta, second)
        return r, W @ self.N, W @ self.D


def pattern_likelihood(beta: np.ndarray, ps: Patterns, ef: EfronIndex, ties: str
                       ) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score and observed information at ``beta`` from the tables.

    The second moments enter the information only through ``sum_t c01 S2 - c11 E2``, which
    is ``sum_q r_q x_q x_q' (N' c01 - D' c11)_q``: no per-time second moments are formed.
    """
    r, W = ps.weights(beta)
    S = W @ ps.N
    S1 = S[1:]  # (p, T)
    if ties == "breslow" or not (len(ef.tied) or len(ef.many)):
        # no tied events (or Breslow's ties): c11 = c12 = c22 = 0, the death-set sums unused
        logphi, c01, _, c02, _, _ = efron_sums(ef, S[0], None, ties)
        score = ps.dx - S1 @ c01
        w = r * (ps.N @ c01)
        outer = (S1 * c02) @ S1.T
    else:
        E = W @ ps.D
        E1 = E[1:]
        logphi, c01, c11, c02, c12, c22 = efron_sums(ef, S[0], E[0], ties)
        score = ps.dx - (S1 @ c01 - E1 @ c11)
        w = r * (ps.N @ c01 - ps.D @ c11)
        # sum_t c02 S1 S1' - c12 (S1 E1' + E1 S1') + c22 E1 E1'
        outer = S1 @ (S1 * c02 - E1 * c12).T - E1 @ (S1 * c12 - E1 * c22).T
    llf = float(ps.dx @ beta - logphi.sum())
    second = ps.pat.T @ (w[:, None] * ps.pat)
    return llf, score, second - outer
