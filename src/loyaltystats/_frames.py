"""The one input path: every estimator reads its tables through these functions.

A table is a pandas DataFrame or an engine input (Polars, DuckDB, Parquet paths, Dask; see
:mod:`loyaltystats.engines`); this module is the only place outside :mod:`~loyaltystats.tables`
and :mod:`~loyaltystats.engines` that tells them apart. An estimator asks for what it needs:

- :func:`count_cells` (re-exported from :mod:`loyaltystats.tables`): rows per cell of some key
  columns, counted where the data live; the contract's checks then run once on the small cell
  table, the same code for every input;
- :func:`read_columns`: the named columns as a pandas DataFrame, one row per input row, for
  the fits that need rows (Cox, bootstraps over respondents, regressions on raw scores);
- :func:`column_names`, :func:`keep_rows` and :func:`cut_at`: the schema, a lazy filter and a
  lazy cut of scores at thresholds, whatever the input.

:func:`locate_rows` adds row references to an error found on a cell table when the input
has rows to point at (a pandas DataFrame: its row labels, or the CSV line numbers of a file
the command line read).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError
from .scales import CSV_LINE
from .tables import count_cells

__all__ = ["count_cells", "read_columns", "column_names", "keep_rows", "cut_at", "is_table",
           "locate_rows", "row_references"]

_MAX_LABELS = 5


def _engine(data: Any) -> bool:
    from .engines import is_engine_input

    return not isinstance(data, pd.DataFrame) and is_engine_input(data)


def is_table(data: Any) -> bool:
    """True for a table (a pandas DataFrame or an engine input), False for a vector."""
    return isinstance(data, pd.DataFrame) or _engine(data)


def read_columns(data: Any, columns: Sequence[Hashable | None], table: str) -> Any:
    """The table's rows with (at least) ``columns``, as pandas.

    A pandas DataFrame comes back as it is (no copy); an engine input brings back only
    ``columns`` (``None`` entries skipped). Missing columns are reported by the caller's checks.
    """
    if not _engine(data):
        return data
    from .engines import collect

    return collect(data, [str(c) for c in columns if c is not None], table=table)


def column_names(data: Any, table: str = "data") -> list[Any]:
    """The table's column names (an engine reads its schema only)."""
    if not _engine(data):
        return list(data.columns)
    from .engines import column_names as engine_columns

    return engine_columns(data, table=table)


def keep_rows(data: Any, column: str, *, isin: Sequence[Any] | None = None,
              not_null: bool = False, table: str = "data") -> Any:
    """The rows whose ``column`` is in ``isin`` and/or not missing (lazily in an engine)."""
    if _engine(data):
        from .engines import filter_rows

        return filter_rows(data, column, isin=isin, not_null=not_null, table=table)
    if column not in data.columns:
        raise DataError(f"missing column(s) {[column]}; available: {list(data.columns)[:20]}",
                        table=table)
    keep = np.ones(len(data), dtype=bool)
    if isin is not None:
        keep &= data[column].isin([v for v in isin if v is not None]).to_numpy()
    if not_null:
        keep &= data[column].notna().to_numpy()
    return data if keep.all() else data.loc[keep]


def cut_at(data: Any, cuts: Mapping[str, float], *, table: str = "data") -> Any:
    """Numeric columns replaced by ``column >= threshold`` (missing values stay missing;
    other columns unchanged, for the estimator to reject on its cell table)."""
    if _engine(data):
        from .engines import cut_at as engine_cut

        return engine_cut(data, cuts, table=table)
    absent = [c for c in cuts if c not in data.columns]
    if absent:
        raise DataError(f"missing column(s) {absent}; available: {list(data.columns)[:20]}",
                        table=table)
    out = {}
    for col, threshold in cuts.items():
        s = data[col]
        if s.dtype.kind in "iuf" and not isinstance(s.dtype, pd.CategoricalDtype):
            flag = s.to_numpy(float) >= float(threshold)
            miss = s.isna().to_numpy()
            if miss.any():  # missing stays missing (the count then names the column)
                flag = flag.astype(object)
                flag[miss] = None
            out[col] = flag
    return data.assign(**out) if out else data


def row_references(index: pd.Index, mask: np.ndarray) -> str:
    """``"rows 3, 10, 17"`` (or ``"CSV lines 5, 12, 19"``) for the rows flagged by ``mask``."""
    mask = np.asarray(mask, bool)
    idx = index[mask][:_MAX_LABELS].tolist()
    more = ", ..." if int(mask.sum()) > _MAX_LABELS else ""
    what = "CSV lines " if index.name == CSV_LINE else "rows "
    return what + ", ".join(str(i) for i in idx) + more


def locate_rows(error: DataError, tables: Mapping[str, Any]) -> DataError:
    """``error`` with the references of the rows holding its example values, when it was
    found on a cell table of a pandas input (which has rows to point at).

    Errors that already name rows, carry no values, or come from an engine input come back
    unchanged.
    """
    data = tables.get(error.table or "")
    column = error.column
    if (not isinstance(data, pd.DataFrame) or column is None or column not in data.columns
            or not error.examples or "; examples are" in error.message
            or "(rows " in error.message or "(CSV lines " in error.message):
        return error
    values = [v for v in error.examples if not (isinstance(v, str) and v in ("NaN", "NaT", "NA"))]
    if not values:
        return error
    try:
        mask = data[column].isin(values).to_numpy(bool)
    except (TypeError, ValueError):  # unhashable values: no references, the error stands
        return error
    if not mask.any():
        return error
    located = type(error)(f"{error.message} ({row_references(data.index, mask)})",
                          table=error.table, column=column, n_rows=error.n_rows,
                          examples=error.examples)
    return located
