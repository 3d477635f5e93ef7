"""Dominance analysis of R-squared from a covariance matrix (Budescu 1993; Azen & Budescu 2003).

Every statistic comes from the R-squared of the regression of the outcome on each subset of
the drivers, and each of those needs only the covariance matrix: ``R2(S) = c_S' C_SS^-1 c_S
/ var(y)``. Three levels of dominance of driver ``i`` over driver ``j``:

* *complete*: adding ``i`` raises R-squared more than adding ``j`` to every subset of the
  other drivers (including the empty one);
* *conditional*: ``i``'s average gain in R-squared is larger at every model size ``k``
  (the average over the subsets of ``k`` other drivers);
* *general*: ``i``'s average over the sizes is larger; that average is the Shapley (LMG)
  value, and the values add up to the full model's R-squared.
"""

from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np
import pandas as pd

from .._threads import one_blas_thread
from ..errors import ModelError

__all__ = ["subset_r2", "dominance_statistics"]  # shapley_r2 is public as drivers.shapley_r2


def subset_r2(cov: np.ndarray) -> dict[tuple[int, ...], float]:
    """R-squared of the outcome's regression on every subset of the drivers.

    Parameters
    ----------
    cov : ndarray, shape (p + 1, p + 1)
        Covariance of the ``p`` drivers followed by the outcome (last row and column).

    Returns
    -------
    dict
        Sorted tuple of driver indices -> R-squared (the empty tuple -> 0).

    Examples
    --------
    >>> import numpy as np
    >>> cov = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.3], [0.5, 0.3, 1.0]])
    >>> {k: round(v, 3) for k, v in subset_r2(cov).items()}
    {(): 0.0, (0,): 0.25, (1,): 0.09, (0, 1): 0.34}
    """
    p = cov.shape[0] - 1
    cxx, cxy, vy = cov[:p, :p], cov[:p, p], cov[p, p]
    r2: dict[tuple[int, ...], float] = {(): 0.0}
    for k in range(1, p + 1):
        for s in combinations(range(p), k):
            idx = list(s)
            try:
                beta = np.linalg.solve(cxx[np.ix_(idx, idx)], cxy[idx])
            except np.linalg.LinAlgError as exc:
                raise ModelError(f"drivers {idx} are collinear") from exc
            r2[s] = float(cxy[idx] @ beta / vy)
    return r2


def _conditional(r2: dict[tuple[int, ...], float], p: int) -> np.ndarray:
    """``(p, p)``: driver ``j``'s average gain in R-squared over the subsets of ``k`` others."""
    out = np.zeros((p, p))
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            gains = [r2[tuple(sorted((*s, j)))] - r2[s] for s in combinations(others, k)]
            out[j, k] = sum(gains) / comb(p - 1, k)
    return out


def shapley_r2(cov: np.ndarray) -> np.ndarray:
    """Shapley (LMG) decomposition of R-squared from a covariance matrix.

    Parameters
    ----------
    cov : ndarray, shape (p + 1, p + 1)
        Covariance of the ``p`` drivers followed by the outcome (last row and column).

    Returns
    -------
    ndarray, shape (p,)
        Each driver's contribution (its general dominance statistic); they sum to the
        full model's R-squared.

    Examples
    --------
    >>> import numpy as np
    >>> cov = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.3], [0.5, 0.3, 1.0]])
    >>> np.round(shapley_r2(cov), 3).tolist()   # uncorrelated drivers: squared correlations
    [0.25, 0.09]
    """
    p = cov.shape[0] - 1
    return _conditional(subset_r2(cov), p).mean(axis=1)


def _pairs(r2: dict[tuple[int, ...], float], cond: np.ndarray, names: list[str]
           ) -> list[dict[str, object]]:
    """Complete, conditional and general dominance for every pair of drivers."""
    p = len(names)
    general = cond.mean(axis=1)
    rows: list[dict[str, object]] = []

    def verdict(diffs: np.ndarray, i: int, j: int) -> str:
        if np.all(diffs > 0):
            return names[i]
        if np.all(diffs < 0):
            return names[j]
        return "undetermined"

    for i, j in combinations(range(p), 2):
        others = [k for k in range(p) if k not in (i, j)]
        subsets = [s for k in range(len(others) + 1) for s in combinations(others, k)]
        complete = np.array([r2[tuple(sorted((*s, i)))] - r2[tuple(sorted((*s, j)))]
                             for s in subsets])
        rows.append({"driver_1": names[i], "driver_2": names[j],
                     "complete": verdict(complete, i, j),
                     "conditional": verdict(cond[i] - cond[j], i, j),
                     "general": verdict(np.array([general[i] - general[j]]), i, j)})
    return rows


@one_blas_thread
def dominance_statistics(cov: np.ndarray, names: list[str] | None = None
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Conditional and general dominance statistics, and the dominance of every pair.

    Parameters
    ----------
    cov : ndarray, shape (p + 1, p + 1)
        Covariance of the ``p`` drivers followed by the outcome.
    names : list of str, optional
        Driver names (default ``x0, x1, ...``).

    Returns
    -------
    statistics : pandas.DataFrame
        One row per driver: ``driver``, ``general`` (the Shapley value), and
        ``size_0 .. size_{p-1}``: the average gain in R-squared when the driver joins a
        model of that many other drivers (``size_0`` is its own R-squared).
    pairs : pandas.DataFrame
        One row per pair: ``driver_1, driver_2``, and for ``complete``, ``conditional`` and
        ``general`` the dominating driver's name or ``"undetermined"``.

    Examples
    --------
    >>> import numpy as np
    >>> cov = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.3], [0.5, 0.3, 1.0]])
    >>> stats_, pairs = dominance_statistics(cov, ["a", "b"])
    >>> pairs[["complete", "conditional", "general"]].iloc[0].tolist()
    ['a', 'a', 'a']
    """
    p = cov.shape[0] - 1
    names = list(names) if names is not None else [f"x{j}" for j in range(p)]
    if len(names) != p:
        raise ModelError(f"{len(names)} names for {p} drivers")
    r2 = subset_r2(cov)
    cond = _conditional(r2, p)
    stats_ = pd.DataFrame({"driver": names, "general": cond.mean(axis=1)})
    for k in range(p):
        stats_[f"size_{k}"] = cond[:, k]
    return stats_, pd.DataFrame(_pairs(r2, cond, names),
                                columns=["driver_1", "driver_2", "complete", "conditional",
                                         "general"])
