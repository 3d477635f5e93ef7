"""Rows counted into their distinct patterns, and the cross-products the patterns carry.

Survey ratings take few values, so a table of ratings has far fewer distinct rows than rows;
a statistic that needs only weighted sums over rows (a covariance matrix, a likelihood of
independent rows) is computed once per pattern, weighted by its count.
"""

from __future__ import annotations

import numpy as np

__all__ = ["row_patterns", "weighted_cov"]

def row_patterns(x: np.ndarray, *, return_inverse: bool = False
                 ) -> tuple[np.ndarray, ...]:
    """The distinct rows of ``x`` and how many times each occurs.

    Parameters
    ----------
    x : ndarray, shape (n, k)
        Finite numbers.
    return_inverse : bool
        Also return the pattern of each row.

    Returns
    -------
    patterns : ndarray, shape (m, k)
        The distinct rows, sorted (so the result does not depend on the rows' order).
    counts : ndarray of int64, shape (m,)
    inverse : ndarray of int64, shape (n,)
        Only with ``return_inverse``: ``patterns[inverse]`` equals ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> pat, cnt = row_patterns(np.array([[2.0, 1.0], [1.0, 3.0], [2.0, 1.0]]))
    >>> pat.tolist(), cnt.tolist()
    ([[1.0, 3.0], [2.0, 1.0]], [1, 2])
    >>> row_patterns(np.array([[2.0, 1.0], [1.0, 3.0]]), return_inverse=True)[2].tolist()
    [1, 0]
    """
    whole = np.rint(x)
    if len(x) and np.array_equal(whole, x):
        lo = whole.min(axis=0)
        span = (whole.max(axis=0) - lo + 1).astype(np.int64)
        total = 1
        for s in span.tolist():
            total *= s
        if total < 2**62:  # ratings: one int64 key per row, sorted once (fast path)
            radix = np.cumprod(np.concatenate([[1], span[:0:-1]]))[::-1].astype(np.int64)
            key = (whole - lo).astype(np.int64) @ radix
            keys, counts = np.unique(key, return_counts=True)
            digits = (keys[:, None] // radix) % span
            if return_inverse:
                return digits + lo, counts.astype(np.int64), np.searchsorted(keys, key)
            return digits + lo, counts.astype(np.int64)
    if return_inverse:
        patterns, inverse, counts = np.unique(x, axis=0, return_inverse=True,
                                              return_counts=True)
        return patterns, counts.astype(np.int64), inverse.ravel().astype(np.int64)
    patterns, counts = np.unique(x, axis=0, return_counts=True)
    return patterns, counts.astype(np.int64)


def weighted_cov(patterns: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Covariance (``ddof=1``) of the rows that ``patterns`` repeated ``counts`` times make.

    Equals ``np.cov(rows, rowvar=False)`` of the expanded rows.

    Examples
    --------
    >>> import numpy as np
    >>> rows = np.array([[1.0, 2.0], [3.0, 5.0], [3.0, 5.0], [4.0, 4.0]])
    >>> pat, cnt = row_patterns(rows)
    >>> bool(np.allclose(weighted_cov(pat, cnt), np.cov(rows, rowvar=False)))
    True
    """
    w = np.asarray(counts, dtype=float)
    n = w.sum()
    dev = patterns - (w @ patterns) / n
    return (dev.T * w) @ dev / (n - 1)

