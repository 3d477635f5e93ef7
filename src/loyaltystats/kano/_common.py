"""Shared validation, coding and least-squares helpers of the Kano module (private).

Everything that touches raw rows lives here or in the ``_rows`` helpers of each module:
column checks, rating -> low / neutral / high codes, time columns, and ordinary least
squares from sufficient statistics (cross-product matrices), which gives exactly the
row-level OLS estimates and classical standard errors.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from .._validate import as_frame, require_frame  # noqa: F401  (re-exported)
from .._warn import warn_user
from ..errors import DataError, ModelError, ParameterError, ScaleError
from ..scales import Scale, missing_error
from ..stats.levels import check_level  # noqa: F401  (re-exported)

CATEGORIES = ("A", "O", "M", "I", "R", "Q")
"""Kano categories in the order used everywhere in this module."""

CATEGORY_NAMES = {
    "A": "attractive (delighter)",
    "O": "one-dimensional (performance)",
    "M": "must-be (basic)",
    "I": "indifferent",
    "R": "reverse",
    "Q": "questionable",
}
"""Long names of the Kano categories."""

TIE_ORDER = ("M", "O", "A", "I", "R", "Q")
"""Which category wins a tie for the most frequent answer: must-be before one-dimensional
before attractive before indifferent (the hierarchy rule M > O > A > I that the Kano
literature attributes to Berger et al. 1993), then reverse and questionable. The order
follows the cost of a wrong call: treating a basic as a delighter is the expensive one."""

IMPACT_CATEGORIES = ("A", "O", "M", "I", "R")
"""Categories the regression route can give (no "questionable" without answer pairs)."""

MONTH_DAYS = 30.4375
"""Days per month used to turn datetime columns into months (365.25 / 12)."""

CHUNK = 1 << 18

_F = TypeVar("_F", bound=Callable[..., Any])


class NotEstimableWarning(UserWarning):
    """A time window (or attribute) had too few responses to be estimated; it is reported
    with ``estimable = False`` and left out of the fit."""


def check_tie_order(tie_order: Sequence[str]) -> tuple[str, ...]:
    """The tie order as a tuple: every one of the six categories exactly once."""
    order = tuple(tie_order)  # a string "MOAIRQ" reads as its letters
    if sorted(order) != sorted(CATEGORIES):
        raise ParameterError(f"tie_order must list each of {list(CATEGORIES)} exactly once, "
                             f"got {list(order)}")
    return order


def modal_order(arr: np.ndarray, tie_order: Sequence[str] = TIE_ORDER) -> np.ndarray:
    """Column indices of each row of counts (columns in CATEGORIES order) from the most to
    the least frequent; equal counts are ordered by ``tie_order``."""
    prio = np.array([list(tie_order).index(c) for c in CATEGORIES])
    return np.lexsort((np.broadcast_to(prio, arr.shape), -arr), axis=1)


def warn_not_estimable(message: str) -> None:
    warn_user(message, NotEstimableWarning)


def attribute_scale_keyword(fn: _F) -> _F:
    """Accept the old ``scale=`` (the attributes' scale) as ``attribute_scale=`` for one release.

    Elsewhere ``scale`` is the score's scale; in the next release it becomes that here too,
    so the old spelling warns with a FutureWarning (its meaning, not only its name, changes)
    and giving both is a :class:`~loyaltystats.errors.ParameterError`.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "scale" in kwargs:
            what = f"kano.{fn.__name__}"
            if "attribute_scale" in kwargs:
                raise ParameterError(f"{what}: give attribute_scale= only (scale= is its old "
                                     "name here)")
            warn_user(f"{what}: scale= is the attributes' scale; pass attribute_scale= (in the "
                      "next release scale= becomes the score's scale, today overall_scale=)",
                      FutureWarning)
            kwargs["attribute_scale"] = kwargs.pop("scale")
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------- validation
def numeric_column(data: pd.DataFrame, column: Hashable, table: str,
                   scale: Scale | None = None) -> np.ndarray:
    """The column as float64, or a DataError / ScaleError naming the bad values."""
    s = data[column]
    if scale is not None:
        if not (pdt.is_numeric_dtype(s.dtype) and not pdt.is_bool_dtype(s.dtype)):
            raise ScaleError(f"must be numbers on scale {scale.name}, got dtype {s.dtype}",
                             table=table, column=str(column), n_rows=len(s),
                             examples=pd.unique(s.to_numpy())[:5])
        return scale.check(s.to_numpy(), column=str(column), table=table)
    if not (pdt.is_numeric_dtype(s.dtype) and not pdt.is_bool_dtype(s.dtype)):
        raise DataError(f"must be numeric, got dtype {s.dtype}", table=table,
                        column=str(column), n_rows=len(s), examples=pd.unique(s.to_numpy())[:5])
    error = missing_error(s, column=column, table=table, cls=DataError)
    if error is not None:
        raise error
    x = s.to_numpy(dtype=float, na_value=np.nan)
    bad = np.isinf(x)
    if bad.any():
        raise DataError("infinite values", table=table, column=str(column),
                        n_rows=int(bad.sum()), examples=pd.unique(x[bad])[:5])
    return x


def varying(y: np.ndarray, column: Hashable, table: str) -> np.ndarray:
    """``y`` unchanged, or a DataError when it is constant (there is nothing to explain)."""
    if len(y) and np.ptp(y) == 0:
        raise DataError("the overall score is constant: there is no variation to explain",
                        table=table, column=str(column), n_rows=len(y), examples=[y[0]])
    return y


def resolve_cuts(scale: Scale, low: float | None, high: float | None) -> tuple[float, float]:
    """Rating at or below ``low`` is low, at or above ``high`` is high, in between neutral."""
    if not isinstance(scale, Scale):
        raise ScaleError(f"scale must be a loyaltystats Scale, got {type(scale).__name__}")
    if low is None or high is None:
        if len(scale.bands) != 3:
            raise ScaleError(
                f"scale {scale.name!r} has {len(scale.bands)} bands; give low= and high= "
                "explicitly or use a scale with three bands (low, neutral, high)"
            )
        low = scale.bands[0].high if low is None else low
        high = scale.bands[2].low if high is None else high
    if not (scale.low <= low < high <= scale.high):
        raise ScaleError(f"need {scale.low:g} <= low < high <= {scale.high:g} on scale "
                         f"{scale.name}, got low={low}, high={high}")
    return float(low), float(high)


def band_codes(data: pd.DataFrame, column: Hashable, scale: Scale, low: float, high: float,
               table: str) -> np.ndarray:
    """int8 codes 0 (rating <= low), 1 (neutral), 2 (rating >= high); validates the scale."""
    s = data[column]
    if not (pdt.is_numeric_dtype(s.dtype) and not pdt.is_bool_dtype(s.dtype)):
        raise ScaleError(f"ratings must be numbers on scale {scale.name}, got dtype {s.dtype}",
                         table=table, column=str(column), n_rows=len(s),
                         examples=pd.unique(s.to_numpy())[:5])
    v = s.to_numpy()
    if v.dtype.kind in "iu":
        bad = (v < scale.low) | (v > scale.high)
    else:
        bad = scale.invalid_mask(v)
    if bad.any():
        vals = np.asarray(v[bad], dtype=float)
        raise ScaleError(
            f"{'NaN or ' if np.isnan(vals).any() else ''}ratings outside the scale "
            f"{scale.name} ({scale.low:g}-{scale.high:g})",
            table=table, column=str(column), n_rows=int(bad.sum()), examples=pd.unique(vals)[:5],
        )
    out = (v > low).astype(np.int8)
    out += v >= high
    return out


def as_time(s: pd.Series, *, table: str, unit_days: float = MONTH_DAYS) -> np.ndarray:
    """Float times from an orderable column.

    Numbers are kept as they are; datetimes become months (``unit_days`` days) since
    1970-01-01 and timedeltas months; an ordered categorical becomes its codes (one unit per
    category). Anything else (strings, unordered categoricals, booleans) is not orderable.
    """
    name = str(s.name)
    dtype = s.dtype
    if pdt.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        v = s.to_numpy().astype("datetime64[ns]")
        error = missing_error(s, column=name, table=table, cls=DataError)
        if error is not None:
            raise error
        return v.astype(np.int64) / (unit_days * 86400e9)
    if pdt.is_timedelta64_dtype(dtype):
        v = s.to_numpy().astype("timedelta64[ns]")
        error = missing_error(s, column=name, table=table, cls=DataError)
        if error is not None:
            raise error
        return v.astype(np.int64) / (unit_days * 86400e9)
    if isinstance(dtype, pd.CategoricalDtype):
        if not dtype.ordered:
            raise DataError(
                "time must be orderable: numbers, datetimes or an ordered categorical; got an "
                "unordered categorical", table=table, column=name, n_rows=len(s),
                examples=list(dtype.categories[:5]),
            )
        codes = s.cat.codes.to_numpy()
        error = missing_error(s, column=name, table=table, cls=DataError)
        if error is not None:
            raise error
        return codes.astype(float)
    if pdt.is_numeric_dtype(dtype) and not pdt.is_bool_dtype(dtype):
        error = missing_error(s, column=name, table=table, cls=DataError)
        if error is not None:
            raise error
        x = s.to_numpy(dtype=float, na_value=np.nan)
        bad = np.isinf(x)
        if bad.any():
            raise DataError("infinite times", table=table, column=name,
                            n_rows=int(bad.sum()), examples=pd.unique(x[bad])[:5])
        return x
    raise DataError(
        f"time must be orderable: numbers, datetimes or an ordered categorical; got dtype "
        f"{dtype} (strings are never parsed)", table=table, column=name, n_rows=len(s),
        examples=pd.unique(s.to_numpy())[:5],
    )


def check_seed(seed: Any, what: str) -> np.random.Generator:
    """:func:`loyaltystats.stats.seeds.make_rng` (one reading of a seed everywhere)."""
    from ..stats.seeds import make_rng

    return make_rng(seed, what)


# ---------------------------------------------------------------------------- categories
def asymmetry(penalty: Any, reward: Any) -> np.ndarray:
    """Impact-asymmetry index ``(R - P) / (R + P)`` with ``R = max(reward, 0)``,
    ``P = max(-penalty, 0)``; NaN when both are zero."""
    r = np.maximum(np.asarray(reward, dtype=float), 0.0)
    p = np.maximum(-np.asarray(penalty, dtype=float), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(r + p > 0, (r - p) / (r + p), np.nan)


def classify(penalty: Any, reward: Any, *, ia_cut: float, min_impact: float) -> np.ndarray:
    """Kano category of penalty / reward pairs (vectorized; returns an array of letters).

    ``I`` when the range ``reward - penalty`` (high vs low raters) is at most ``min_impact``
    in absolute value, ``R`` when it is negative beyond it, otherwise ``A`` / ``O`` / ``M`` by
    the impact-asymmetry index against ``+-ia_cut``.
    """
    pen = np.asarray(penalty, dtype=float)
    rew = np.asarray(reward, dtype=float)
    rng_ = rew - pen
    ia = asymmetry(pen, rew)
    out = np.full(np.broadcast(pen, rew).shape, "O", dtype="<U1")
    out[ia > ia_cut] = "A"
    out[ia < -ia_cut] = "M"
    out[np.abs(rng_) <= min_impact] = "I"
    out[rng_ < -min_impact] = "R"
    out[~np.isfinite(rng_)] = "?"
    return out


def quantile_ci(values: np.ndarray, level: float, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval that tolerates infinite replicates (no interpolation across inf)."""
    a = (1 - level) / 2
    v = np.asarray(values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanquantile(v, a, axis=axis, method="inverted_cdf")
        hi = np.nanquantile(v, 1 - a, axis=axis, method="inverted_cdf")
    return lo, hi


# ---------------------------------------------------------------------------- least squares
def ols_from_gram(xtx: np.ndarray, xty: np.ndarray, yty: float, n: float,
                  what: str = "model") -> dict[str, Any]:
    """OLS from ``X'X``, ``X'y``, ``y'y`` and the number of rows.

    Exactly the row-level OLS: ``beta = (X'X)^-1 X'y``, ``RSS = y'y - beta'X'y``,
    ``sigma^2 = RSS / (n - p)``, ``cov = sigma^2 (X'X)^-1``.
    """
    p = xtx.shape[0]
    df = n - p
    if df <= 0:
        raise ModelError(f"{what}: {int(n)} rows for {p} parameters")
    scale = np.sqrt(np.diag(xtx))
    if np.any(scale == 0):
        raise ModelError(f"{what}: a design column is all zero (an empty category)")
    xs = xtx / np.outer(scale, scale)
    if np.linalg.cond(xs) > 1e12:
        raise ModelError(f"{what}: the design is rank deficient (collinear categories)")
    inv = np.linalg.inv(xs) / np.outer(scale, scale)
    beta = inv @ xty
    rss = max(float(yty - beta @ xty), 0.0)
    sigma2 = rss / df
    return {"beta": beta, "cov": sigma2 * inv, "rss": rss, "df": df, "sigma2": sigma2,
            "xtx_inv": inv}


def t_interval(est: np.ndarray, se: np.ndarray, df: float, level: float
               ) -> tuple[np.ndarray, np.ndarray]:
    from scipy import stats

    q = stats.t.ppf(0.5 + level / 2, df) if math.isfinite(df) else stats.norm.ppf(0.5 + level / 2)
    return est - q * se, est + q * se


def design_row_codes(codes: np.ndarray, x: np.ndarray, offset: int) -> None:
    """Write low / high dummies of band ``codes`` into ``x[:, offset]`` and ``x[:, offset+1]``."""
    x[:, offset] = codes == 0
    x[:, offset + 1] = codes == 2
