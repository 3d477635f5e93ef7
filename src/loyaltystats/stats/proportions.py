"""Binomial proportions and their confidence intervals (vectorized)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import DataError, ParameterError

__all__ = ["wilson_ci", "clopper_pearson_ci", "proportion_table", "binomial_test"]


def _check(successes: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    if not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1), got {level}")
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    bad = (m < 0) | (x < 0) | (x > m) | ~np.isfinite(x) | ~np.isfinite(m)
    if np.any(bad):
        raise DataError("need 0 <= successes <= n", column="successes",
                        n_rows=int(np.sum(bad)), examples=np.atleast_1d(x)[np.atleast_1d(bad)][:5])
    return x, m


def wilson_ci(successes, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes, n : array_like
        Counts; ``n`` may be a (Kish) effective sample size and need not be an integer.
    level : float
        Confidence level.

    Returns
    -------
    (low, high) : tuple of ndarray
        NaN where ``n == 0``.

    Notes
    -----
    Interval of Wilson (1927): ``(p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``.
    Reference values from Newcombe (1998, Stat. Med. 17:857, Table I) are checked in the tests.

    Examples
    --------
    >>> lo, hi = wilson_ci(57, 100)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4722, 0.6627)
    """
    x, m = _check(successes, n, level)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / m
        denom = 1 + z**2 / m
        centre = (p + z**2 / (2 * m)) / denom
        half = z * np.sqrt(p * (1 - p) / m + z**2 / (4 * m**2)) / denom
    lo = np.where(m > 0, np.clip(centre - half, 0, 1), np.nan)
    hi = np.where(m > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def clopper_pearson_ci(successes, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) interval from beta quantiles.

    Examples
    --------
    >>> lo, hi = clopper_pearson_ci(57, 100)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4671, 0.6686)
    """
    x, m = _check(successes, n, level)
    a = 1 - level
    with np.errstate(invalid="ignore"):
        lo = np.where(x > 0, stats.beta.ppf(a / 2, x, m - x + 1), 0.0)
        hi = np.where(x < m, stats.beta.ppf(1 - a / 2, x + 1, m - x), 1.0)
    lo = np.where(m > 0, lo, np.nan)
    hi = np.where(m > 0, hi, np.nan)
    return lo, hi


def binomial_test(successes: int, n: int, p0: float) -> float:
    """Exact two-sided binomial test p-value (scipy's minimum-likelihood method).

    Examples
    --------
    >>> round(binomial_test(57, 100, 0.57), 3)
    1.0
    """
    return float(stats.binomtest(int(successes), int(n), p0).pvalue)


def proportion_table(cells: pd.DataFrame, by: str | list[str], *, successes: str = "successes",
                     n: str = "n", level: float = 0.95, method: str = "wilson") -> pd.DataFrame:
    """Per-cell proportion with its interval, from a count table.

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"k": [0, 1], "n": [100, 100], "successes": [10, 57]})
    >>> proportion_table(cells, "k")[["k", "p", "n"]]
       k     p    n
    0  0  0.10  100
    1  1  0.57  100
    """
    keys = [by] if isinstance(by, str) else list(by)
    fn = {"wilson": wilson_ci, "clopper-pearson": clopper_pearson_ci}.get(method)
    if fn is None:
        raise ParameterError(f"method must be 'wilson' or 'clopper-pearson', got {method!r}")
    x = cells[successes].to_numpy(float)
    m = cells[n].to_numpy(float)
    lo, hi = fn(x, m, level)
    out = cells[keys].copy().reset_index(drop=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["p"] = np.where(m > 0, x / m, np.nan)
    out["ci_low"], out["ci_high"] = lo, hi
    out["successes"] = cells[successes].to_numpy()
    out["n"] = cells[n].to_numpy()
    return out


def newcombe_diff(x1: Any, n1: Any, x0: Any, n0: Any, level: float = 0.95
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference of proportions ``p1 - p0`` with Newcombe's hybrid score interval
    (method 10 of Newcombe 1998, built from the two Wilson intervals).

    Returns ``(difference, ci_low, ci_high)``, elementwise for arrays.

    Examples
    --------
    >>> d, lo, hi = newcombe_diff(56, 70, 48, 80)   # Newcombe (1998b): 0.0524, 0.3339
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0524, 0.3339)
    """
    x1, n1, x0, n0 = (np.asarray(a, float) for a in (x1, n1, x0, n0))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson_ci(x1, n1, level)
    l0, u0 = wilson_ci(x0, n0, level)
    d = p1 - p0
    return d, d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + np.sqrt((u1 - p1) ** 2
                                                                        + (p0 - l0) ** 2)


def holm(p: Any) -> np.ndarray:
    """Holm's step-down adjusted p-values (statsmodels' ``multipletests``).

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    from statsmodels.stats.multitest import multipletests

    return multipletests(np.asarray(p, float), method="holm")[1]
