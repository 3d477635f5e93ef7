"""Row-level cross-products of the penalty-reward regression and its group bootstrap (private).

The one pass over the rows of :func:`loyaltystats.kano.prca`: per-group ``X'X``, ``X'y``,
``y'y`` of the low / high dummy design, the random assignment of rows (or clusters) to the
groups the bootstrap resamples, and the batched solve of the replicates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._common import CHUNK


def grouped_gram(codes: np.ndarray, y: np.ndarray, groups: np.ndarray | None,
                 n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-group ``X'X``, ``X'y``, ``y'y``, ``n`` of the dummy design (one pass, in blocks).

    ``codes`` is (rows, attributes) int8 in Fortran order (0 low, 1 neutral, 2 high); the
    design is the intercept and a low and a high dummy per attribute. ``X'X`` holds counts
    of 0/1 products, computed exactly in float32 by ``ssyrk`` per block of at most 2^18
    rows (integers below 2^24 are exact) and accumulated in float64; ``X'y`` and ``y'y``
    are float64 sums per band.
    """
    from scipy.linalg import blas

    k = codes.shape[1]
    p = 1 + 2 * k
    xtx = np.zeros((n_groups, p, p))
    xty = np.zeros((n_groups, p))
    n_rows = len(y)
    for lo in range(0, n_rows, CHUNK):
        hi = min(lo + CHUNK, n_rows)
        yy = y[lo:hi]
        if groups is None:
            order: Any = slice(None)
            gs = np.zeros(hi - lo, dtype=np.int64)
            bounds = np.array([0, hi - lo])
        else:
            # sort the block by group: the gathers stay inside the block (cache-friendly)
            gch = groups[lo:hi]
            order = np.argsort(gch, kind="stable")
            gs = gch[order].astype(np.int64)
            bounds = np.searchsorted(gs, np.arange(n_groups + 1))
            yy = yy[order]
        m = hi - lo
        x = np.empty((m, p), dtype=np.float32, order="F")
        x[:, 0] = 1.0
        g3 = gs * 3
        for j in range(k):
            cj = codes[lo:hi, j][order]
            x[:, 1 + 2 * j] = cj == 0
            x[:, 2 + 2 * j] = cj == 2
            sums = np.bincount(g3 + cj, weights=yy, minlength=3 * n_groups).reshape(-1, 3)
            xty[:, 1 + 2 * j] += sums[:, 0]
            xty[:, 2 + 2 * j] += sums[:, 2]
        for g in range(len(bounds) - 1):
            b0, b1 = bounds[g], bounds[g + 1]
            if b1 > b0:
                upper = blas.ssyrk(1.0, x[b0:b1], trans=1).astype(np.float64)
                xtx[g] += upper + np.triu(upper, 1).T
    g_all = np.zeros(n_rows, dtype=np.int64) if groups is None else groups
    xty[:, 0] = np.bincount(g_all, weights=y, minlength=n_groups)
    yty = np.bincount(g_all, weights=y * y, minlength=n_groups)
    nn = np.bincount(g_all, minlength=n_groups).astype(float)
    return xtx, xty, yty, nn


def bootstrap_groups(n_rows: int, cluster: np.ndarray | None, n_groups: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Balanced random assignment of rows (or of whole clusters) to ``n_groups`` groups."""
    if cluster is None:
        g = min(n_groups, n_rows)
        return (rng.permutation(n_rows) % g).astype(np.int32), g
    codes, uniques = pd.factorize(cluster, sort=False)
    k = len(uniques)
    g = min(n_groups, k)
    assign = np.empty(k, dtype=np.int32)
    assign[rng.permutation(k)] = np.arange(k) % g
    return assign[codes], g


def solve_replicates(xtx_b: np.ndarray, xty_b: np.ndarray) -> np.ndarray:
    """Batched ``solve``; singular replicates give NaN."""
    try:
        return np.linalg.solve(xtx_b, xty_b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(xty_b.shape, np.nan)
        for b in range(xtx_b.shape[0]):
            try:
                out[b] = np.linalg.solve(xtx_b[b], xty_b[b])
            except np.linalg.LinAlgError:
                pass
        return out
