"""Harrell's concordance index from counts, and its bootstrap on cell counts.

The C-index is computed on the table of (distinct time, event, risk rank) counts in
``O(n + times x ranks)`` instead of over the pairs of rows; it equals lifelines
``concordance_index`` (pinned in tests/test_nps_retention.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .patterns import row_patterns

__all__ = ["harrell_c"]


def _c_from_tables(D: np.ndarray, Cn: np.ndarray) -> np.ndarray:
    """Harrell's C from event and censoring weights per (time, risk rank); leading axes kept.

    ``D[..., k, r]`` events at the k-th time with risk rank r, ``Cn`` the censored ones.
    A pair (i, j) is comparable when i has the event and j leaves later (or is censored at
    the same time); it is concordant when i's risk is higher, tied counts one half (the
    convention of Harrell 1996 as implemented by lifelines ``concordance_index``).
    """
    tot = D + Cn
    later = np.flip(np.cumsum(np.flip(tot, axis=-2), axis=-2), axis=-2) - tot  # T_j > t_k
    A = later + Cn
    A_below = np.cumsum(A, axis=-1) - A  # risk rank strictly lower
    concordant = (D * A_below).sum(axis=(-2, -1))
    tied = (D * A).sum(axis=(-2, -1))
    pairs = (D.sum(axis=-1) * A.sum(axis=-1)).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (concordant + 0.5 * tied) / pairs


def harrell_c(time: Any, event: Any, risk: Any, weights: Any = None) -> float:
    """Harrell's concordance index of a risk score (higher = leaves sooner), from counts.

    Parameters
    ----------
    time, event : array_like
        Follow-up time and event indicator (1 = switched / churned).
    risk : array_like
        Risk score; only its order matters.
    weights : array_like, optional
        Frequency weights (e.g. bootstrap counts).

    Returns
    -------
    float
        ``(concordant + ties / 2) / comparable pairs``.

    Notes
    -----
    Computed on the table of (distinct time, event, risk rank) counts in
    ``O(n + times x ranks)``; equal to :func:`lifelines.utils.concordance_index` with
    ``-risk`` as the predicted time.

    Examples
    --------
    >>> harrell_c([1, 2, 3, 4], [1, 1, 1, 0], [4, 3, 2, 1])
    1.0
    >>> harrell_c([1, 2, 3, 4], [1, 1, 1, 0], [1, 1, 1, 1])
    0.5
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=float)
    _, ti = np.unique(t, return_inverse=True)
    _, ri = np.unique(np.asarray(risk, dtype=float), return_inverse=True)
    nt, nr = int(ti.max()) + 1, int(ri.max()) + 1
    code = ti * nr + ri
    D = np.bincount(code, weights=w * e, minlength=nt * nr).reshape(nt, nr)
    Cn = np.bincount(code, weights=w * (1 - e), minlength=nt * nr).reshape(nt, nr)
    return float(_c_from_tables(D, Cn))


def _bootstrap_c(time: np.ndarray, event: np.ndarray, risks: list[np.ndarray],
                 rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Bootstrap replicates of Harrell's C of several risk scores of the same rows, jointly.

    Rows are resampled by multinomial counts over the distinct (time, event, rank of every
    risk score) cells, which is the row bootstrap without touching rows; one shared draw
    keeps the replicates of different scores paired, so their differences can be taken.
    Returns an ``(n_boot, len(risks))`` array.
    """
    n = len(time)
    _, ti = np.unique(time, return_inverse=True)
    ranks = [np.unique(r, return_inverse=True)[1] for r in risks]
    # the distinct (time, event, ranks) rows, sorted, by one integer key per row
    cells_j, cnt = row_patterns(np.column_stack([ti, event] + ranks).astype(float))
    cells_j = cells_j.astype(np.int64)
    nt = int(ti.max()) + 1
    reps = rng.multinomial(n, cnt / n, size=n_boot).astype(float)
    cboot = np.empty((n_boot, len(risks)))
    for j in range(len(risks)):
        nr = int(cells_j[:, 2 + j].max()) + 1
        code = (cells_j[:, 0] * nr + cells_j[:, 2 + j]) * 2 + cells_j[:, 1]
        # the joint cells of one (time, rank, event) code are summed per replicate with one
        # reduceat over the cells sorted by code (dense: the replicate counts are mostly
        # nonzero, so a sparse product only adds the cost of finding them); whole numbers,
        # so the sums are exact in any order
        order = np.argsort(code, kind="stable")
        codes_u, first = np.unique(code[order], return_index=True)
        # caps the dense (replicates x cells) block at about 20 million numbers
        block = max(1, 20_000_000 // max(nt * nr * 2, len(code)))
        for s in range(0, n_boot, block):
            part = reps[s:s + block]
            tab = np.zeros((len(part), nt * nr * 2))
            tab[:, codes_u] = np.add.reduceat(part[:, order], first, axis=1)
            tab = tab.reshape(-1, nt, nr, 2)
            cboot[s:s + block, j] = _c_from_tables(tab[..., 1], tab[..., 0])
    return cboot


def _auc_from_cells(p: np.ndarray, s: np.ndarray, n: np.ndarray) -> float:
    """Concordance (AUC) of a prediction with a binary outcome, from successes per cell."""
    f = n - s
    u, inv = np.unique(p, return_inverse=True)
    S = np.bincount(inv, weights=s, minlength=len(u))
    F = np.bincount(inv, weights=f, minlength=len(u))
    below = np.cumsum(F) - F
    denom = S.sum() * F.sum()
    return float((S * (below + 0.5 * F)).sum() / denom) if denom > 0 else float("nan")
