"""Shared helpers of the threshold estimators: validation, counting, order statistics, plots.

Everything that touches raw rows lives here and in :func:`loyaltystats.tables.count_cells`;
the estimators themselves only see small count tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._cells import check_cell_scores, count_scored_cells  # noqa: F401  (re-exported)
from .._validate import require_frame as require_columns  # noqa: F401
from ..errors import ScaleError
from ..scales import Scale, missing_error
from ..stats.levels import check_level, z_value  # noqa: F401  (re-exported)

__all__: list[str] = []


def require_bands(scale: Scale) -> None:
    """Raise :class:`ScaleError` when ``scale`` is not a Scale with bands."""
    if not isinstance(scale, Scale):
        raise ScaleError(f"scale must be a loyaltystats Scale, got {type(scale).__name__}")
    if not scale.bands:
        raise ScaleError(f"scale {scale.name!r} has no bands")


def check_missing_scores(data: pd.DataFrame, score: str, scale: Scale, table: str) -> None:
    """Raise :class:`ScaleError` for missing scores before they reach the counting step."""
    error = missing_error(data[score], column=score, table=table)
    if error is not None:
        raise error


def score_cells(
    data: pd.DataFrame,
    score: str,
    scale: Scale,
    *,
    by: Sequence[str] = (),
    outcome: str | None = None,
    weights: str | None = None,
    table: str = "data",
) -> pd.DataFrame:
    """Validated counts per (``by`` ..., score) cell; the score column becomes float.

    Counted where the data live (pandas or an engine): the count checks the columns, missing
    keys, the outcome and the weights; the scores are checked on the cells below.
    """
    keys = list(by) + [score]
    cells = count_scored_cells(data, keys, {score: scale}, outcome=outcome, weights=weights,
                               table=table)
    cells[score] = check_cell_scores(cells, score, scale, table)
    return cells


def level_order(s: pd.Series) -> list[Any]:
    """Levels of a column in their natural order: category order, else sorted.

    Given the level column of a cell table, only levels with data are listed (a pandas
    categorical keeps all its categories).
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(pd.unique(s.dropna()).tolist())


def quantile_from_counts(values: np.ndarray, counts: np.ndarray, q: float,
                         level: float) -> tuple[float, float, float]:
    """Sample ``q``-quantile of a discrete distribution and its distribution-free CI.

    The point estimate is the order statistic of rank ``ceil(n q)``, averaged with the next
    one when ``n q`` is a whole number (type 2 of Hyndman and Fan 1996: the median of an
    even sample is the mean of the two middle values). The interval is ``[X_(l), X_(u)]`` with
    ``l = Bin(n, q).ppf(alpha / 2)`` and ``u = Bin(n, q).isf(alpha / 2) + 1``, whose coverage
    is at least ``level`` for continuous data (Conover, *Practical Nonparametric
    Statistics*, 3rd ed., section 3.2); ``NaN`` when ``n = 0``.
    """
    order = np.argsort(values)
    v = np.asarray(values, dtype=float)[order]
    c = np.asarray(counts, dtype=np.int64)[order]
    n = int(c.sum())
    if n == 0:
        return np.nan, np.nan, np.nan
    cum = np.cumsum(c)

    def at(rank: int) -> float:
        rank = min(max(rank, 1), n)
        return float(v[np.searchsorted(cum, rank)])

    nq = n * q
    r = int(np.ceil(nq - 1e-12))
    est = (at(r) + at(r + 1)) / 2 if abs(nq - round(nq)) < 1e-12 and 0 < round(nq) < n else at(r)
    a = (1 - level) / 2
    lo_rank = int(stats.binom.ppf(a, n, q))
    hi_rank = int(stats.binom.isf(a, n, q)) + 1
    return est, at(max(lo_rank, 1)), at(min(hi_rank, n))


def mean_from_counts(values: np.ndarray, counts: np.ndarray,
                     level: float) -> tuple[float, float, float, float]:
    """Mean, t-interval and standard deviation of a discrete distribution given as counts."""
    v = np.asarray(values, dtype=float)
    c = np.asarray(counts, dtype=float)
    n = c.sum()
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan
    mean = float((c * v).sum() / n)
    if n < 2:
        return mean, np.nan, np.nan, np.nan
    sd = float(np.sqrt((c * (v - mean) ** 2).sum() / (n - 1)))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / np.sqrt(n)
    return mean, mean - half, mean + half, sd


def bands_info(scale: Scale) -> list[list[Any]]:
    """JSON-safe band list ``[[name, low, high], ...]`` kept in ``info`` for plots."""
    return [[b.name, float(b.low), float(b.high)] for b in scale.bands]


def shade_bands(ax: Any, bands: Sequence[Sequence[Any]], *, axis: str = "x",
                discrete: bool = True, label: bool = True) -> None:
    """Shade alternate grade bands on a score axis and write their names.

    With ``discrete=True`` (an axis of score values) a band ``[low, high]`` is drawn as
    ``[low - 0.5, high + 0.5]`` so that every score value sits inside its band; with
    ``discrete=False`` (an axis of means) as ``[low, next band's low)``, the reading of
    :class:`~loyaltystats.scales.Scale` for fractional grades (8.5 belongs to band 8).
    """
    for i, (name, lo, hi) in enumerate(bands):
        if discrete:
            a, b = float(lo) - 0.5, float(hi) + 0.5
        else:
            a = float(lo) if i else float(lo) - 0.5
            b = float(bands[i + 1][1]) if i + 1 < len(bands) else float(hi) + 0.5
        color = "0.94" if i % 2 == 0 else "0.85"
        if axis == "x":
            ax.axvspan(a, b, color=color, zorder=0, lw=0)
            if label:
                ax.text((a + b) / 2, 0.01, str(name), transform=ax.get_xaxis_transform(),
                        ha="center", va="bottom", fontsize=8, color="0.35")
        else:
            ax.axhspan(a, b, color=color, zorder=0, lw=0)
            if label:
                ax.text(1.0, (a + b) / 2, " " + str(name), transform=ax.get_yaxis_transform(),
                        ha="left", va="center", fontsize=8, color="0.35")


def whiskers(est: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Non-negative error-bar lengths ``[[below], [above]]`` (NaN-safe)."""
    est = np.asarray(est, dtype=float)
    below = np.clip(est - np.asarray(lo, dtype=float), 0, None)
    above = np.clip(np.asarray(hi, dtype=float) - est, 0, None)
    return np.vstack([np.nan_to_num(below), np.nan_to_num(above)])
