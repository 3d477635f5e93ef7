"""Boundary checks shared by every estimator module."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
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
    from ._frames import read_columns

    return read_columns(data, columns, table)


@contextmanager
def reword_missing(errors: Mapping[str, Callable[[DataError], DataError]]) -> Iterator[None]:
    """Re-raise the engine's "missing values in a grouping column" error for a column in
    ``errors`` as the error its pandas path gives (same column and row count).

    ``errors`` maps a column to a function of the engine's error that builds the pandas
    one, e.g. ``lambda e: DataError("missing counts", table=e.table, column=e.column,
    n_rows=e.n_rows, examples=e.examples)``. Other errors pass through unchanged.
    """
    from .errors import MissingKeyError

    try:
        yield
    except MissingKeyError as exc:
        make = errors.get(exc.column) if exc.column is not None else None
        if make is None:
            raise
        raise make(exc) from None


def same_rows(message: str, cls: type[DataError] = DataError
              ) -> Callable[[DataError], DataError]:
    """For :func:`reword_missing`: ``message`` with the error's table, column, rows and
    examples (and its note on what the examples are: row labels of a pandas input)."""

    def make(e: DataError) -> DataError:
        note = e.message[e.message.find("; examples are"):] if "; examples are" in e.message else ""
        return cls(message + note, table=e.table, column=e.column, n_rows=e.n_rows,
                   examples=e.examples)

    return make


def check_unique_ids(data: Any, id: Hashable | None, table: str) -> None:
    """With ``id`` given, raise :class:`DataError` unless the column holds one row per id
    (no duplicates, nothing missing): the data contract's ``unique_id`` rule.

    For estimators with one row per customer: a duplicated row would be counted twice.
    Engine inputs bring back only the id column.
    """
    if id is None or _unique_integer_column(data, id):
        return
    from .data import validate_column

    validate_column(as_frame(data, [id], table), id, "unique_id", table=table)


def _unique_integer_column(data: Any, id: Hashable) -> bool:
    """True when ``data[id]`` is an integer column of a pandas DataFrame shown unique in
    linear time (:func:`loyaltystats._positions.unique_integer_ids`); False sends it to the
    data contract's check, which words any error."""
    from ._positions import unique_integer_ids

    if not isinstance(data, pd.DataFrame) or id not in data.columns:
        return False
    s = data[id]
    return isinstance(s, pd.Series) and unique_integer_ids(s.to_numpy())  # not a duplicated name
