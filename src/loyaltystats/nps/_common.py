"""Validation and counting shared by the NPS functions (private).

Everything that touches raw rows lives here: scale checks, weight checks and the reduction of
responses to the three counts (detractors, passives, promoters), possibly per cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, ScaleError
from ..scales import NOT_NUMBERS, Band, Scale, _as_numbers
from ..stats.levels import z_value  # noqa: F401  (re-exported)

CATEGORIES = ("detractor", "passive", "promoter")
"""The three NPS categories in scale order; code 0, 1, 2."""

_BLOCK = 1 << 22  # rows per block when mapping and counting large arrays


def nps_scale(
    low: float,
    high: float,
    *,
    detractors: tuple[float, float],
    promoters: tuple[float, float],
    name: str | None = None,
) -> Scale:
    """Declare an NPS-style scale by its detractor and promoter ranges.

    Everything between the two ranges is "passive". The scale is an integer scale.

    Parameters
    ----------
    low, high : float
        Smallest and largest valid answer.
    detractors, promoters : (float, float)
        Closed ranges; ``detractors`` must start at ``low`` and ``promoters`` end at ``high``.
    name : str, optional
        Name used in error messages.

    Returns
    -------
    Scale
        With bands named ``detractor``, ``passive`` (when the ranges leave room for it) and
        ``promoter``.

    Examples
    --------
    >>> s = nps_scale(1, 10, detractors=(1, 6), promoters=(9, 10))
    >>> s.band([1, 7, 9]).tolist()
    ['detractor', 'passive', 'promoter']
    """
    d_lo, d_hi = detractors
    p_lo, p_hi = promoters
    bands = [Band("detractor", d_lo, d_hi)]
    if p_lo - d_hi > 1:
        bands.append(Band("passive", d_hi + 1, p_lo - 1))
    bands.append(Band("promoter", p_lo, p_hi))
    return Scale(name or f"recommend {low:g}-{high:g}", low, high, bands=tuple(bands))


def category_map(scale: Scale) -> np.ndarray:
    """Band index -> NPS category code (0 detractor, 1 passive, 2 promoter).

    The scale must have exactly one band named ``detractor`` and one named ``promoter``;
    every other band counts as passive.
    """
    if not isinstance(scale, Scale):
        raise ScaleError(f"scale must be a loyaltystats Scale, got {type(scale).__name__}")
    names = scale.band_names
    if names.count("detractor") != 1 or names.count("promoter") != 1:
        raise ScaleError(
            f"scale {scale.name!r} needs one band named 'detractor' and one named 'promoter' "
            f"(others count as passive); it has bands {names}. Declare one with "
            "loyaltystats.nps.nps_scale(low, high, detractors=(..), promoters=(..))"
        )
    out = np.ones(len(names), dtype=np.int8)
    out[names.index("detractor")] = 0
    out[names.index("promoter")] = 2
    return out


def categorize(values: Any, scale: Scale, *, column: str, table: str | None) -> np.ndarray:
    """Validate scores on ``scale`` and return the NPS category code per score (int8)."""
    cmap = category_map(scale)
    if isinstance(values, pd.DataFrame):
        raise DataError("expected one column of scores, got a DataFrame", table=table,
                        column=column)
    raw = values.to_numpy() if isinstance(values, pd.Series) else values
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "iu" and raw.size:
        # Fast path for integer arrays (no NaN possible): validate by min and max, then map
        # every score to its category with a lookup table, in blocks (no float copy).
        lo_v, hi_v = int(raw.min()), int(raw.max())
        if scale.low <= lo_v and hi_v <= scale.high:
            ints = np.arange(lo_v, hi_v + 1)
            lows = np.array([b.low for b in scale.bands], dtype=float)
            lut = cmap[np.searchsorted(lows, ints, side="right") - 1]
            flat = raw.ravel()
            out = np.empty(flat.size, dtype=np.int8)
            for a in range(0, flat.size, _BLOCK):
                out[a:a + _BLOCK] = lut[flat[a:a + _BLOCK] - lo_v]
            return out
    x = scale.check(values, column=column, table=table)
    if x.size == 0:
        raise DataError("no responses", table=table, column=column, n_rows=0)
    lows = np.array([b.low for b in scale.bands], dtype=float)
    band = np.searchsorted(lows, x, side="right") - 1
    return cmap[band]


def check_weights(weights: Any, n: int, *, column: str, table: str | None) -> np.ndarray:
    """Validate case weights: numeric, finite, non-negative, one per row, not all zero."""
    if isinstance(weights, pd.Series) and weights.dtype.kind not in "iufb":
        bad = pd.to_numeric(weights, errors="coerce").isna() & weights.notna()
        raise DataError("weights must be numeric", table=table, column=column,
                        n_rows=int(bad.sum()), examples=weights[bad].unique()[:5])
    try:
        w = np.asarray(weights, dtype=float).ravel()
    except (TypeError, ValueError):
        raw = pd.Series(np.asarray(weights, dtype=object).ravel())
        bad = raw[pd.to_numeric(raw, errors="coerce").isna()]
        raise DataError("weights must be numeric", table=table, column=column,
                        n_rows=len(bad), examples=bad.unique()[:5]) from None
    if len(w) != n:
        raise DataError(f"{len(w)} weights for {n} responses", table=table, column=column)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise DataError("weights must be finite and non-negative", table=table, column=column,
                        n_rows=int(bad.sum()), examples=pd.unique(w[bad])[:5])
    if not (w > 0).any():
        raise DataError("all weights are zero", table=table, column=column, n_rows=n)
    return w


def trinomial(codes: np.ndarray, weights: np.ndarray | None = None
              ) -> tuple[np.ndarray, float, float]:
    """Weighted category totals, the number of rows and Kish's effective sample size.

    Returns ``(totals, n_rows, n_eff)`` where ``totals`` are the summed weights per category
    (the counts when unweighted) and ``n_eff = (sum w)^2 / sum w^2``.
    """
    counts = np.zeros(3)
    for a in range(0, len(codes), _BLOCK):
        counts += np.bincount(codes[a:a + _BLOCK], minlength=3)
    if weights is None:
        return counts, float(len(codes)), float(len(codes))
    tot = np.zeros(3)
    for a in range(0, len(codes), _BLOCK):
        tot += np.bincount(codes[a:a + _BLOCK], weights=weights[a:a + _BLOCK], minlength=3)
    n_eff = float(weights.sum() ** 2 / np.sum(weights**2))
    return tot, float(len(codes)), n_eff


def column(data: pd.DataFrame, name: str, table: str) -> pd.Series:
    """``data[name]`` or a DataError listing the available columns."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(data).__name__}", table=table)
    if name not in data.columns:
        raise DataError(f"missing column; available: {list(data.columns)[:20]}", table=table,
                        column=str(name))
    return data[name]


def require_columns(data: pd.DataFrame, names: Sequence[str], table: str) -> None:
    """Raise DataError for the first missing column."""
    for n in names:
        column(data, n, table)


def no_missing(s: pd.Series, *, table: str, what: str = "missing values") -> None:
    """Raise DataError if the series has missing values."""
    bad = s.isna()
    if bad.any():
        raise DataError(what, table=table, column=str(s.name), n_rows=int(bad.sum()),
                        examples=["NaN"])


def numeric(s: pd.Series, *, table: str) -> np.ndarray:
    """A numeric column as float, or DataError naming non-numeric and missing values."""
    # the data contract's reading: strings ("8") and booleans are never taken as numbers
    x, not_numbers = _as_numbers(s)
    if not_numbers.any():
        raise DataError(NOT_NUMBERS, table=table, column=str(s.name), n_rows=int(not_numbers.sum()),
                        examples=pd.unique(s.to_numpy(dtype=object)[not_numbers])[:5])
    no_missing(s, table=table)
    bad = ~np.isfinite(x)
    if bad.any():
        raise DataError("infinite values", table=table, column=str(s.name),
                        n_rows=int(bad.sum()), examples=pd.unique(x[bad])[:5])
    return x


def binary(s: pd.Series, *, table: str) -> np.ndarray:
    """A 0/1 or boolean column as a bool array, or DataError."""
    if s.dtype.kind == "b":
        return s.to_numpy(bool)
    if str(s.dtype) == "boolean":
        no_missing(s, table=table)
        return s.to_numpy(bool)
    x = numeric(s, table=table)
    bad = (x != 0) & (x != 1)
    if bad.any():
        raise DataError("must be 0/1 or boolean", table=table, column=str(s.name),
                        n_rows=int(bad.sum()), examples=pd.unique(x[bad])[:5])
    return x == 1


def rng_from(seed: int | np.random.Generator | None, what: str) -> np.random.Generator:
    """:func:`loyaltystats.stats.seeds.make_rng` (one reading of a seed everywhere)."""
    from ..stats.seeds import make_rng

    return make_rng(seed, what)
