"""Reading column values and validator arguments for :mod:`loyaltystats.data`: flags,
times and the offending example values that messages show (vectorized), column lists, flag
mappings and scales."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from .errors import DataError, ParameterError
from .scales import (
    Scale,
    _as_numbers,
    _classify_types,
    _is_bool_type,
    _is_plain_numeric_dtype,
    _is_real_type,
)

_MAX_EXAMPLES = 5


def _plain(value: Any) -> Any:
    """A numpy scalar as the matching Python / pandas scalar, for readable messages."""
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    if isinstance(value, np.timedelta64):
        return pd.Timedelta(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _distinct_examples(values: np.ndarray, mask: np.ndarray) -> list[Any]:
    """Up to five distinct values at ``mask``, in order of appearance."""
    picked = np.asarray(values)[mask]
    try:
        uniq = pd.unique(picked[:10_000])
        if len(uniq) < _MAX_EXAMPLES and len(picked) > 10_000:
            uniq = pd.unique(picked)
    except TypeError:  # unhashable objects: just show the first ones
        uniq = picked
    return [_plain(v) for v in uniq[:_MAX_EXAMPLES]]


class _Temporal(NamedTuple):
    kind: str  # "datetime", "timedelta", "numeric" or "other" (no usable value at all)
    values: np.ndarray  # datetime64 / timedelta64 / float
    not_valid: np.ndarray  # values of the wrong type
    missing: np.ndarray
    tz_aware: bool


def _temporal(s: pd.Series, *, allowed: tuple[str, ...]) -> _Temporal:
    """Split a time-like column into kind, comparable values and bad-value masks."""
    dtype = s.dtype
    if "datetime" in allowed and pdt.is_datetime64_any_dtype(dtype):
        tz_aware = getattr(dtype, "tz", None) is not None
        if tz_aware:
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        values = s.to_numpy()
        return _Temporal("datetime", values, np.zeros(len(s), bool), np.isnat(values), tz_aware)
    if "timedelta" in allowed and pdt.is_timedelta64_dtype(dtype):
        values = s.to_numpy()
        return _Temporal("timedelta", values, np.zeros(len(s), bool), np.isnat(values), False)
    values, not_numbers = _as_numbers(s)
    missing = np.isnan(values) & ~not_numbers
    kind = "numeric" if (~not_numbers & ~missing).any() or _is_plain_numeric_dtype(dtype) else "other"
    return _Temporal(kind, values, not_numbers, missing, False)


def _describe_kind(t: _Temporal) -> str:
    if t.kind == "datetime":
        return "timezone-aware datetime" if t.tz_aware else "naive datetime"
    return {"timedelta": "timedelta", "numeric": "numeric"}.get(t.kind, t.kind)


def _flag_values(s: pd.Series, mapping: Mapping[Any, bool] | None) -> tuple[np.ndarray, np.ndarray]:
    """Boolean values and the mask of values that are not flags (missing included)."""
    n = len(s)
    if pdt.is_bool_dtype(s.dtype):
        if isinstance(s.dtype, np.dtype):
            return s.to_numpy(dtype=bool), np.zeros(n, dtype=bool)
        missing = s.isna().to_numpy()
        return s.to_numpy(dtype=bool, na_value=False), missing
    out = np.zeros(n, dtype=bool)
    decided = np.zeros(n, dtype=bool)
    if mapping:
        hit = s.isin(list(mapping)).to_numpy()
        if hit.any():
            out[hit] = s[hit].map(mapping).to_numpy(dtype=bool)
            decided = hit
    if _is_plain_numeric_dtype(s.dtype):
        x = s.to_numpy(dtype=float, na_value=np.nan)
    else:
        obj = s.to_numpy(dtype=object)
        usable = _classify_types(obj, lambda t: _is_real_type(t) or _is_bool_type(t))
        x = np.full(n, np.nan)
        if usable.any():
            x[usable] = obj[usable].astype(float)
    is_true = ~decided & (x == 1.0)
    out[is_true] = True
    bad = ~decided & ~is_true & (x != 0.0)  # NaN != 0 is True: missing counts as bad
    return out, bad


def _check_mapping(mapping: Mapping[Any, bool] | None) -> None:
    if mapping is None:
        return
    if not isinstance(mapping, Mapping):
        raise TypeError(f"flag_mapping must be a mapping such as {{'yes': True}}, got {mapping!r}")
    wrong = [v for v in mapping.values() if not isinstance(v, (bool, np.bool_))]
    if wrong:
        raise ParameterError(f"flag_mapping values must be True or False, got {wrong[:5]!r}")


def _flag_error(s: pd.Series, bad: np.ndarray, *, column: str, table: str) -> DataError:
    return DataError(
        "not a boolean flag (expected True/False, 0/1 or a key of the flag mapping)",
        table=table, column=column, n_rows=int(bad.sum()),
        examples=_distinct_examples(s.to_numpy(dtype=object), bad),
    )


# ---------------------------------------------------------------------------------------
# validator arguments
# ---------------------------------------------------------------------------------------


def _names(value: Hashable | Iterable[Hashable] | None, what: str) -> list[Hashable]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _rating_scales(ratings: Mapping[Hashable, Scale] | Iterable[Hashable] | Hashable | None,
                   default: Scale) -> dict[Hashable, Scale]:
    if ratings is None:
        return {}
    if isinstance(ratings, Mapping):
        out = dict(ratings)
    else:
        out = dict.fromkeys(_names(ratings, "ratings"), default)
    for column, scale in out.items():
        if not isinstance(scale, Scale):
            raise TypeError(f"ratings[{column!r}] must be a Scale, got {type(scale).__name__}")
    return out


def _require_scale(scale: Scale, name: str) -> None:
    if not isinstance(scale, Scale):
        raise TypeError(f"{name} must be a loyaltystats.scales.Scale, got {type(scale).__name__}")
