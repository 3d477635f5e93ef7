"""Boundary checks shared by every estimator module."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import pandas as pd

from .errors import DataError

__all__ = ["require_frame", "as_frame", "FrameLike"]

#: What the estimators accept as a table: a pandas DataFrame or an engine input of
#: :mod:`loyaltystats.engines` (Polars DataFrame or LazyFrame, DuckDB relation, Parquet path,
#: glob or folder, Dask DataFrame). ``Any`` because the engines are optional imports.
FrameLike = Any


def require_frame(data: Any, columns: Sequence[Hashable], table: str, *,
                  allow_empty: bool = False) -> None:
    """Raise :class:`DataError` unless ``data`` is a pandas DataFrame holding ``columns``
    (and, unless ``allow_empty``, at least one row)."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(data).__name__}", table=table)
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError(
            f"missing column(s) {missing}; available: {list(data.columns)[:20]}", table=table
        )
    if not allow_empty and len(data) == 0:
        raise DataError("no rows", table=table)


def as_frame(data: Any, columns: Sequence[Hashable | None], table: str) -> Any:
    """``data`` itself unless it is an engine input (Polars, DuckDB, Parquet path, Dask), whose
    ``columns`` are collected into pandas (:func:`loyaltystats.engines.collect`).

    For estimators that need one row per respondent; those fitted on cells count in the
    engine instead. ``None`` entries (optional columns not given) are skipped.
    """
    from .engines import collect, is_engine_input

    if not is_engine_input(data):
        return data
    return collect(data, [str(c) for c in columns if c is not None], table=table)
