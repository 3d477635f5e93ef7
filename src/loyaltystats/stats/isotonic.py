"""Weighted isotonic regression by pool-adjacent-violators."""

from __future__ import annotations

import numpy as np

__all__ = ["pava"]


def pava(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted non-decreasing isotonic fit by pool-adjacent-violators.

    Parameters
    ----------
    y : array_like
        Values in the order of the predictor (in a loyalty curve: the loyal
        share in each score cell, by score).
    w : array_like
        Positive weights (in a loyalty curve: the cells' sizes).

    Returns
    -------
    ndarray
        The non-decreasing sequence minimizing ``sum w (y - fit)^2``.

    Examples
    --------
    >>> pava([0.2, 0.5, 0.4, 0.9], [1, 1, 3, 1]).round(3).tolist()
    [0.2, 0.425, 0.425, 0.9]
    """
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    vals: list[float] = []
    wts: list[float] = []
    sizes: list[int] = []
    for yi, wi in zip(y, w):
        vals.append(float(yi))
        wts.append(float(wi))
        sizes.append(1)
        while len(vals) > 1 and vals[-2] > vals[-1]:
            wsum = wts[-2] + wts[-1]
            merged = (vals[-2] * wts[-2] + vals[-1] * wts[-1]) / wsum
            size = sizes[-2] + sizes[-1]
            del vals[-1], wts[-1], sizes[-1]
            vals[-1], wts[-1], sizes[-1] = merged, wsum, size
    return np.repeat(vals, sizes)
