"""Opening engine inputs for :mod:`loyaltystats.engines`: Parquet paths, Polars, DuckDB,
Dask and pyarrow tables as lazy narwhals frames, their column kinds and pandas-path dtypes."""

from __future__ import annotations

import functools
import glob as _glob
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .errors import DataError

_F = TypeVar("_F", bound=Callable[..., Any])


def _quiet(fn: _F) -> _F:
    """Silence narwhals' notice that Dask support moves to the ``narwhals-dask`` plugin."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Dask support is moving",
                                    category=FutureWarning)
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _nw() -> Any:
    try:
        import narwhals as nw
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "counting a non-pandas input needs narwhals; install the engines extra: "
            'pip install "loyaltystats[engines]"') from exc
    return nw


# ---------------------------------------------------------------------------- opening inputs
def _is_path(obj: Any) -> bool:
    if isinstance(obj, (str, os.PathLike)):
        return True
    return (isinstance(obj, (list, tuple)) and len(obj) > 0
            and all(isinstance(p, (str, os.PathLike)) for p in obj))


def _module(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


_KNOWN = {"polars", "duckdb", "dask", "dask_expr", "pyarrow", "narwhals", "_duckdb"}


def _parquet_files(path: Any, table: str) -> list[str]:
    paths = [path] if isinstance(path, (str, os.PathLike)) else list(path)
    files: list[str] = []
    for p in paths:
        p = os.fspath(p)
        if os.path.isdir(p):
            found = sorted(_glob.glob(os.path.join(p, "**", "*.parquet"), recursive=True))
        elif _glob.has_magic(p):
            found = sorted(_glob.glob(p, recursive=True))
        else:
            found = [p] if os.path.exists(p) else []
        if not found:
            raise DataError(f"no Parquet files match {p!r}", table=table)
        files.extend(found)
    return files


def _open_parquet(files: list[str], backend: str) -> Any:
    if backend == "polars":
        import polars as pl

        return pl.scan_parquet(files)
    if backend == "dask":
        import dask.dataframe as dd

        return dd.read_parquet(files)
    import duckdb

    return duckdb.read_parquet(files)


def _parquet_backend() -> str:
    try:
        import duckdb  # noqa: F401
    except ImportError:
        return "polars"
    return "duckdb"


def _from_pandas(df: pd.DataFrame, backend: str) -> Any:
    if backend == "polars":
        import polars as pl

        return pl.from_pandas(df)  # eager: a boolean mask can still be attached
    if backend == "dask":
        import dask.dataframe as dd

        return dd.from_pandas(df, npartitions=1)
    import duckdb

    return duckdb.from_df(df)


@dataclass
class _Frame:
    """A lazy narwhals frame plus what is needed to mirror the pandas path."""

    lf: Any
    backend: str              # polars, duckdb, dask
    schema: dict[str, Any]    # column -> narwhals dtype
    meta: dict[str, Any]      # column -> pandas dtype (Dask only: the frame's meta)
    # Parquet written from pandas: column -> (categories, ordered) of its Categoricals,
    # which DuckDB and Polars read as plain text
    file_categories: dict[str, tuple[list[Any], bool]] = field(default_factory=dict)


def _supported_error(obj: Any, table: str) -> DataError:
    return DataError(
        "expected a pandas, Polars, DuckDB or Dask DataFrame or a path of Parquet files, "
        f"got {type(obj).__name__}", table=table)


def _open(obj: Any, table: str, backend: str | None = None,
          masks: Mapping[str, np.ndarray] | None = None) -> _Frame:
    """Open ``obj`` as a lazy narwhals frame (``backend`` forces the engine of paths and
    pandas frames, so that two tables can be joined)."""
    nw = _nw()
    file_categories: dict[str, tuple[list[Any], bool]] = {}
    if _is_path(obj):
        files = _parquet_files(obj, table)
        file_categories = _parquet_categories(files[0])
        try:
            obj = _open_parquet(files, backend or _parquet_backend())
            if not isinstance(obj, (str, bytes)) and hasattr(obj, "collect_schema"):
                obj.collect_schema()  # Polars reads the footers only here
        except Exception as exc:  # the engine's own error: not Parquet, truncated, ...
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DataError(f"not readable Parquet ({len(files)} file(s), e.g. {files[0]}): "
                            f"{first}", table=table) from None
    elif isinstance(obj, pd.DataFrame):
        obj = _from_pandas(obj, backend or "duckdb")
    elif _module(obj) == "pyarrow":
        import pyarrow as pa

        if not isinstance(obj, pa.Table):
            raise _supported_error(obj, table)
        obj = _from_arrow(obj, backend)
    elif _module(obj) not in _KNOWN:
        raise _supported_error(obj, table)
    try:
        frame = nw.from_native(obj)
    except TypeError:
        raise _supported_error(obj, table) from None
    if isinstance(frame, nw.DataFrame):
        if masks:
            frame = frame.with_columns(*[
                nw.new_series(name, np.asarray(m, bool), backend=frame.implementation)
                for name, m in masks.items()])
        lf = frame.lazy()
    else:
        if masks:
            raise DataError("a boolean mask in count needs an eager experiences table "
                            "(pandas or a Polars DataFrame); for lazy inputs give the list "
                            "of kinds to count", table=table)
        lf = frame
    impl = str(lf.implementation).split(".")[-1].lower()
    if impl not in ("polars", "duckdb", "dask"):
        raise _supported_error(obj, table)
    schema = dict(lf.collect_schema())
    meta = {}
    if impl == "dask":
        native = lf.to_native()
        meta = {c: native._meta[c].dtype for c in native.columns}
    return _Frame(lf=lf, backend=impl, schema=schema, meta=meta,
                  file_categories=file_categories)


def _parquet_categories(path: str) -> dict[str, tuple[list[Any], bool]]:
    """The pandas Categoricals a Parquet file was written from: column -> (categories,
    ordered), read from the pandas metadata and the first row group's dictionary (what
    ``pandas.read_parquet`` restores). Text categories only; empty if there are none.

    Cached per file version: an estimator opens the same path for several queries."""
    try:
        st = os.stat(path)
    except OSError:
        return {}
    return dict(_parquet_categories_cached(os.path.abspath(path), st.st_mtime_ns, st.st_size))


@functools.lru_cache(maxsize=64)
def _parquet_categories_cached(path: str, mtime_ns: int,
                               size: int) -> dict[str, tuple[list[Any], bool]]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        meta = pf.schema_arrow.pandas_metadata or {}
    except Exception:  # noqa: BLE001 - no pyarrow or not written by pandas: no categories
        return {}
    out: dict[str, tuple[list[Any], bool]] = {}
    cols = [c for c in meta.get("columns", []) if c.get("pandas_type") == "categorical"
            and c.get("field_name") in pf.schema_arrow.names]
    if not cols or pf.num_row_groups == 0:
        return out
    for c in cols:
        name = c["field_name"]
        arr = pf.read_row_group(0, columns=[name]).column(name)
        if arr.num_chunks == 0 or not pa.types.is_dictionary(arr.type):
            continue
        cats = arr.chunk(0).dictionary.to_pylist()
        if cats and all(isinstance(v, str) for v in cats):
            out[name] = (cats, bool((c.get("metadata") or {}).get("ordered", False)))
    return out


def _as_file_categorical(col: pd.Series, spec: tuple[list[Any], bool]) -> pd.Series | None:
    """``col`` as the file's pandas Categorical, or None if a value is not a category."""
    cats, ordered = spec
    vals = col.astype(object).to_numpy()
    present = {v for v in vals if isinstance(v, str)}
    if not present <= set(cats):
        return None
    return pd.Series(pd.Categorical(vals, categories=cats, ordered=ordered), index=col.index)


def _from_arrow(tbl: Any, backend: str | None) -> Any:
    if backend == "polars" or (backend is None and _parquet_backend() == "polars"):
        import polars as pl

        return pl.from_arrow(tbl)
    if backend == "dask":
        import dask.dataframe as dd

        return dd.from_pandas(tbl.to_pandas(), npartitions=1)
    import duckdb

    return duckdb.from_arrow(tbl)


def _require(fr: _Frame, cols: Sequence[str], table: str) -> None:
    missing = [c for c in cols if c not in fr.schema]
    if missing:
        raise DataError(
            f"missing column(s) {missing}; available: {list(fr.schema)[:20]}", table=table
        )


# ---------------------------------------------------------------------------- dtypes
def _kind(fr: _Frame, col: str) -> str:
    """``b`` boolean, ``i`` integer, ``f`` float, ``c`` categorical with fixed categories,
    ``O`` anything else (strings, Polars Categorical, dates...)."""
    nw = _nw()
    dt = fr.schema[col]
    if fr.backend == "dask":
        m = fr.meta[col]
        if isinstance(m, pd.CategoricalDtype):
            return "O" if "__UNKNOWN_CATEGORIES__" in set(m.categories) else "c"
    if dt == nw.Boolean:
        return "b"
    if dt.is_integer():
        return "i"
    if dt.is_float():
        return "f"
    if isinstance(dt, nw.Enum):
        return "c"
    return "O"


def _pandas_dtype(fr: _Frame, col: str) -> Any:
    """The dtype the key column has on the pandas path (None: object)."""
    nw = _nw()
    k = _kind(fr, col)
    if fr.backend == "dask":
        m = fr.meta[col]
        if k == "c" or (k in "bif" and m.kind in "biuf"):
            return m
    if k == "c":
        return pd.CategoricalDtype(list(fr.schema[col].categories), ordered=True)
    if k in "bif":
        dt = fr.schema[col]
        names = {nw.Boolean: "bool", nw.Int8: "int8", nw.Int16: "int16", nw.Int32: "int32",
                 nw.Int64: "int64", nw.UInt8: "uint8", nw.UInt16: "uint16",
                 nw.UInt32: "uint32", nw.UInt64: "uint64", nw.Float32: "float32",
                 nw.Float64: "float64"}
        for d, name in names.items():
            if dt == d:
                return np.dtype(name)
    return None


def _dtype_str(fr: _Frame, col: str) -> str:
    return str(fr.meta[col]) if fr.backend == "dask" else str(fr.schema[col])


def _categories(fr: _Frame, col: str) -> list[Any]:
    if fr.backend == "dask":
        return list(fr.meta[col].categories)
    return list(fr.schema[col].categories)


# ---------------------------------------------------------------------------- finishing
def _categorical(pdf: pd.DataFrame, fr: _Frame, col: str) -> pd.Series | None:
    """``col`` as the pandas Categorical it has on the pandas path, or None if it has none:
    an Enum / ENUM / Dask categorical in its order, or a text column of Parquet written
    from pandas with the file's categories (if every value is one of them)."""
    if col in fr.file_categories and _kind(fr, col) == "O":
        return _as_file_categorical(pdf[col], fr.file_categories[col])
    target = _pandas_dtype(fr, col) if _kind(fr, col) == "c" else None
    if isinstance(target, pd.CategoricalDtype):
        return pd.Series(pd.Categorical(pdf[col].astype(object).to_numpy(), dtype=target),
                         index=pdf.index)
    return None


def _finish_keys(pdf: pd.DataFrame, fr: _Frame, keys: Sequence[str]) -> pd.DataFrame:
    """Key columns with the pandas-path dtypes (the values are the engine's)."""
    for k in keys:
        col = pdf[k]
        restored = _categorical(pdf, fr, k)
        if restored is not None:
            pdf[k] = restored
            continue
        target = _pandas_dtype(fr, k)
        if target is not None:
            pdf[k] = col.to_numpy().astype(target)
        else:
            vals = col.astype(object).to_numpy()
            pdf[k] = pd.Series(vals, dtype=object, index=pdf.index)
    return pdf
