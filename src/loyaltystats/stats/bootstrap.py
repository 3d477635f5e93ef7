"""Multinomial bootstrap over count tables: the cost does not depend on the number of rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import DataError, ParameterError

__all__ = ["BootstrapResult", "multinomial_bootstrap"]


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Percentile bootstrap result.

    Attributes
    ----------
    estimate : float
        The statistic on the observed counts.
    ci_low, ci_high : float
        Percentile interval at ``level``.
    se : float
        Standard deviation of the replicates.
    replicates : ndarray
        The statistic per replicate.
    """

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    level: float
    replicates: np.ndarray


def multinomial_bootstrap(
    counts: np.ndarray,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int | np.random.Generator,
) -> BootstrapResult:
    """Bootstrap a statistic of a count table by resampling the counts, never the rows.

    Parameters
    ----------
    counts : array_like of int, shape (k,) or (g, k)
        One multinomial table of ``k`` cells, or ``g`` independent groups (segments, waves)
        each resampled with its own total, as in a stratified bootstrap.
    statistic : callable
        Vectorized: receives an array of shape ``(n_boot, k)`` (or ``(n_boot, g, k)``) of
        resampled counts and returns ``n_boot`` values. It is first called on the observed
        counts with a leading axis of length one.
    n_boot : int
        Number of replicates.
    level : float
        Confidence level of the percentile interval.
    seed : int or numpy.random.Generator
        Required: bootstrap results must be reproducible.

    Examples
    --------
    >>> import numpy as np
    >>> counts = np.array([20, 30, 50])          # detractors, passives, promoters
    >>> nps = lambda c: 100 * (c[..., 2] - c[..., 0]) / c.sum(axis=-1)
    >>> res = multinomial_bootstrap(counts, nps, n_boot=500, seed=1)
    >>> res.estimate
    30.0
    >>> bool(res.ci_low < 30 < res.ci_high)
    True
    """
    c = np.asarray(counts)
    if c.ndim not in (1, 2):
        raise DataError(f"counts must be 1-D or 2-D, got shape {c.shape}", column="counts")
    if np.any(c < 0) or not np.all(np.isfinite(c)) or np.any(c != np.round(c)):
        raise DataError("counts must be non-negative integers", column="counts",
                        n_rows=int(np.sum((c < 0) | (c != np.round(c)))))
    totals = c.sum(axis=-1)
    if np.any(totals == 0):
        raise DataError("a group has no observations", column="counts")
    if n_boot < 1:
        raise ParameterError("n_boot must be at least 1")
    rng = np.random.default_rng(seed)
    c = c.astype(np.int64)
    observed = float(np.asarray(statistic(c[np.newaxis]))[0])
    if c.ndim == 1:
        reps = rng.multinomial(int(totals), c / totals, size=n_boot)
    else:
        p = c / totals[:, None]
        reps = np.stack([rng.multinomial(int(t), pi, size=n_boot) for t, pi in zip(totals, p)],
                        axis=1)
    values = np.asarray(statistic(reps), dtype=float)
    a = (1 - level) / 2
    lo, hi = np.nanquantile(values, [a, 1 - a])
    return BootstrapResult(observed, float(lo), float(hi), float(np.nanstd(values, ddof=1)),
                           level, values)
