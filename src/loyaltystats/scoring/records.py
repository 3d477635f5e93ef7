"""Validation of scoring records: every bad value is named, nothing is dropped or coerced.

A record has the fields ``grade`` (overall grade on the scorer's scale), ``recommend``
(0-10), ``negatives`` (count of unrecovered negative experiences so far, >= 0),
``tenure_months`` (months since the customer started, >= 0) and every categorical user feature
the scorer was trained with.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["RecordSpec", "BASE_FIELDS", "to_frame", "check_records"]

BASE_FIELDS = ("grade", "recommend", "negatives", "tenure_months")


@dataclass(frozen=True)
class RecordSpec:
    """What a valid record looks like; built from the scorer's feature spec."""

    grade_low: float
    grade_high: float
    grade_fractional: bool
    recommend_low: float
    recommend_high: float
    categories: Mapping[str, tuple[str, ...]]

    @property
    def fields(self) -> tuple[str, ...]:
        return BASE_FIELDS + tuple(self.categories)


def to_frame(records: pd.DataFrame | Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> pd.DataFrame:
    """Records as a DataFrame without changing any value."""
    if isinstance(records, pd.DataFrame):
        return records
    if isinstance(records, Mapping):
        return pd.DataFrame([dict(records)])
    if isinstance(records, (list, tuple)):
        if not all(isinstance(r, Mapping) for r in records):
            bad = [type(r).__name__ for r in records if not isinstance(r, Mapping)]
            raise DataError("every record must be a mapping (dict)", table="records",
                            n_rows=len(bad), examples=bad)
        return pd.DataFrame([dict(r) for r in records])
    raise DataError(f"records must be a DataFrame, a list of dicts or one dict, got "
                    f"{type(records).__name__}", table="records")


def _numeric(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a mask of entries that are not real numbers (bools and text included)."""
    if s.dtype.kind in "iuf":
        x = s.to_numpy(float)
        return x, np.isnan(x)
    if s.dtype.kind == "b":
        return np.full(len(s), np.nan), np.ones(len(s), bool)
    obj = s.to_numpy(object)
    ok = np.fromiter(
        (isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
         for v in obj), dtype=bool, count=len(obj))
    x = np.full(len(obj), np.nan)
    if ok.any():
        x[ok] = obj[ok].astype(float)
    return x, ~ok | np.isnan(x)


def check_records(df: pd.DataFrame, spec: RecordSpec) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Parse and check records.

    Returns the parsed columns (``grade``, ``recommend``, ``negatives``, ``tenure_months`` as
    float arrays and each categorical feature as an int code array, -1 where invalid) and an
    object array with one error message per row (``""`` for valid rows).
    """
    n = len(df)
    errors = np.full(n, "", dtype=object)
    parsed: dict[str, np.ndarray] = {}
    missing = [f for f in spec.fields if f not in df.columns]
    if missing:
        errors[:] = f"missing field(s) {missing}; "
    rules = {
        "grade": (spec.grade_low, spec.grade_high, not spec.grade_fractional),
        "recommend": (spec.recommend_low, spec.recommend_high, True),
        "negatives": (0, np.inf, True),
        "tenure_months": (0, np.inf, False),
    }
    for field, (lo, hi, integer) in rules.items():
        if field not in df.columns:
            parsed[field] = np.full(n, np.nan)
            continue
        x, not_number = _numeric(df[field])
        with np.errstate(invalid="ignore"):
            bad_range = ~not_number & ((x < lo) | (x > hi) | ~np.isfinite(x))
            bad_int = ~not_number & ~bad_range & integer & (x != np.round(x))
        what = f"{lo:g}-{hi:g}" if np.isfinite(hi) else f">= {lo:g}"
        for mask, msg in ((not_number, "not a number"), (bad_range, f"outside {what}"),
                          (bad_int, "not a whole number")):
            if mask.any():
                vals = df[field].to_numpy(object)[mask]
                errors[mask] = errors[mask] + np.array(
                    [f"{field}: {msg} ({v!r}); " for v in vals], dtype=object)
        parsed[field] = x
    for field, cats in spec.categories.items():
        if field not in df.columns:
            parsed[field] = np.full(n, -1)
            continue
        s = df[field]
        obj = s.to_numpy(dtype=object)
        # a list or dict (unhashable) is never a category: it becomes an unknown value here
        # instead of a TypeError inside pandas
        hashable = np.array([isinstance(v, Hashable) for v in obj], dtype=bool)
        safe = pd.Series(np.where(hashable, obj, None), index=s.index, dtype=object)
        codes = pd.Categorical(safe.where(safe.notna(), None), categories=list(cats)).codes
        bad = codes < 0
        if bad.any():
            vals = s.to_numpy(object)[bad]
            errors[bad] = errors[bad] + np.array(
                [f"{field}: unknown category ({v!r}); " for v in vals], dtype=object)
        parsed[field] = codes.astype(np.int64)
    errors = np.array([e.rstrip("; ") for e in errors], dtype=object) if np.any(errors != "") \
        else errors
    return parsed, errors


def raise_first(df: pd.DataFrame, errors: np.ndarray) -> None:
    """Raise a DataError for the first failing field, naming rows and values."""
    bad = errors != ""
    if not bad.any():
        return
    first = str(errors[bad][0])
    field = first.split(":", 1)[0]
    same = np.array([str(e).startswith(field + ":") for e in errors])
    examples = df[field].to_numpy(object)[same][:5] if field in df.columns else []
    raise DataError(first.split(";")[0].split(": ", 1)[-1].split(" (")[0],
                    table="records", column=field if field in df.columns else None,
                    n_rows=int(same.sum()) if field in df.columns else int(bad.sum()),
                    examples=examples if field in df.columns else [first])
