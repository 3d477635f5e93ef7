"""Dataframe engines for :mod:`loyaltystats.tables`: Polars, DuckDB, Parquet files and Dask.

Only the aggregation step touches rows, so only it speaks to engines. :func:`count_cells` and
:func:`person_period` in :mod:`loyaltystats.tables` hand every input that is not a pandas
DataFrame to this module, which

1. opens it as a lazy `narwhals <https://narwhals-dev.github.io/narwhals/>`_ frame (one code
   path for every engine; narwhals translates each expression to the engine's own API);
2. validates it *in the engine* with aggregate checks (one scalar query: row count, missing
   keys, outcome values outside 0/1, bad weights, durations...). Only when a check fails is a
   second small query run, for up to five offending values. The errors are the same
   :class:`~loyaltystats.errors.DataError` messages as on the pandas path;
3. runs the group-by in the engine and brings back only the cell table, as a pandas
   DataFrame with the same columns, dtypes and row order as the pandas path.

Accepted inputs: ``polars.DataFrame``, ``polars.LazyFrame``, a ``duckdb`` relation, a
``dask.dataframe.DataFrame`` (computed on the active ``distributed`` client if there is one),
a ``pyarrow.Table``, a narwhals frame, and a path, glob or list of paths of Parquet files
(read out of core by DuckDB, or by Polars ``scan_parquet`` when DuckDB is not installed).
pandas DataFrames never come here: :mod:`loyaltystats.tables` counts them with numpy.

Key dtypes come back as on the pandas path: integer, float and boolean keys keep their
width; strings (and Polars ``Categorical``, which has no fixed category list) come back as
``object`` in sorted order; a Polars ``Enum`` or DuckDB ``ENUM`` comes back as an ordered
pandas ``Categorical`` in category order; a Dask categorical keeps its pandas dtype.

Needs the optional ``engines`` extra: ``pip install "loyaltystats[engines]"``.

Examples
--------
>>> import polars as pl
>>> from loyaltystats.tables import count_cells
>>> count_cells(pl.DataFrame({"k": [0, 1, 1], "y": [1, 0, 1]}), "k", outcome="y")
   k  n  successes
0  0  1          1
1  1  2          1
"""

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

from ._rules import MAX_CELLS, PERSON_PERIOD_EXPERIENCE_ORDER, violation
from .errors import DataError

# count_cells_engine and person_period_engine are reached through loyaltystats.tables
__all__ = ["is_engine_input", "engine_name", "collect", "column_names", "filter_rows",
           "cut_at"]

# integer keys spanning less than this are coded arithmetically, as on the pandas path
_INT_RANGE = 1_000_000
# how many offending rows are fetched to pick up to five distinct example values
_EXAMPLE_ROWS = 1000
_P = "__ls_"  # prefix of helper columns

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


def is_engine_input(obj: Any) -> bool:
    """True for the inputs this module accepts (anything but pandas, see the module doc).

    Examples
    --------
    >>> import pandas as pd, polars as pl
    >>> is_engine_input(pl.DataFrame({"a": [1]})), is_engine_input("data/*.parquet")
    (True, True)
    >>> is_engine_input(pd.DataFrame({"a": [1]}))
    False
    """
    return _is_path(obj) or _module(obj) in _KNOWN


def engine_name(obj: Any) -> str:
    """A short name of the engine behind ``obj``: ``polars``, ``duckdb``, ``dask``, ``pyarrow``,
    ``parquet`` (a path) or ``pandas``.

    Examples
    --------
    >>> import polars as pl
    >>> engine_name(pl.LazyFrame({"a": [1]})), engine_name(["a.parquet", "b.parquet"])
    ('polars', 'parquet')
    """
    if isinstance(obj, pd.DataFrame):
        return "pandas"
    if _is_path(obj):
        return "parquet"
    mod = _module(obj)
    if mod == "narwhals":
        return str(obj.implementation).split(".")[-1].lower()
    return {"dask_expr": "dask", "_duckdb": "duckdb"}.get(mod, mod)


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


# ---------------------------------------------------------------------------- queries
def _to_pandas(lf: Any) -> pd.DataFrame:
    return lf.collect().to_pandas()


def _scalars(lf: Any, exprs: list[Any]) -> dict[str, Any]:
    if not exprs:
        return {}
    row = _to_pandas(lf.select(*exprs))
    return {c: row[c].iloc[0] for c in row.columns}


def _examples(lf: Any, bad: Any, col: str, *, unique: bool = True) -> list[Any]:
    """Up to five distinct values of ``col`` in rows where ``bad`` holds."""
    nw = _nw()
    q = lf if bad is None else lf.filter(bad)
    vals = _to_pandas(q.select(nw.col(col)).head(_EXAMPLE_ROWS))[col]
    vals = vals.to_numpy(dtype=object)
    vals = np.array([np.nan if v is None or v is pd.NA else v for v in vals], dtype=object)
    try:
        out = list(pd.unique(vals))[:5] if unique else list(vals[:5])
    except TypeError:
        out = list(vals[:5])
    return [v.item() if isinstance(v, np.generic) else v for v in out]


def _count(expr: Any) -> Any:
    nw = _nw()
    return expr.fill_null(True).cast(nw.Int64).sum()


def _missing(fr: _Frame, col: str) -> Any:
    nw = _nw()
    c = nw.col(col)
    return (c.is_null() | c.is_nan()) if _kind(fr, col) == "f" else c.is_null()


# ---------------------------------------------------------------------------- validation
@dataclass
class _KeyCheck:
    col: str
    kind: str
    alias: str


def _key_exprs(fr: _Frame, keys: Sequence[str], tag: str) -> tuple[list[Any], list[_KeyCheck]]:
    """Scalar expressions for the missing-value counts and the number of levels of keys."""
    nw = _nw()
    exprs, checks = [], []
    for i, k in enumerate(keys):
        a = f"{_P}{tag}{i}_"
        kind = _kind(fr, k)
        exprs.append(_count(_missing(fr, k)).alias(a + "na"))
        if kind == "i":
            exprs += [nw.col(k).min().alias(a + "min"), nw.col(k).max().alias(a + "max")]
        elif kind in "fO":
            exprs.append(nw.col(k).n_unique().alias(a + "nu"))
        checks.append(_KeyCheck(k, kind, a))
    return exprs, checks


def _check_keys(fr: _Frame, checks: list[_KeyCheck], got: dict[str, Any],
                table: str) -> list[int]:
    """Raise like :func:`loyaltystats.tables.factorize_column`; return the level counts."""
    sizes = []
    for ch in checks:
        if int(got[ch.alias + "na"]):
            raise violation("missing_key", table=table, column=ch.col,
                            n_rows=int(got[ch.alias + "na"]), examples=["NaN"])
        if ch.kind == "b":
            sizes.append(2)
        elif ch.kind == "c":
            sizes.append(len(_categories(fr, ch.col)))
        elif ch.kind == "i":
            lo, hi = int(got[ch.alias + "min"]), int(got[ch.alias + "max"])
            if hi - lo < _INT_RANGE:
                sizes.append(hi - lo + 1)
            else:
                nw = _nw()
                sizes.append(int(_scalars(fr.lf, [nw.col(ch.col).n_unique().alias("u")])["u"]))
        else:
            sizes.append(int(got[ch.alias + "nu"]))
    return sizes


def _outcome_exprs(fr: _Frame, col: str, alias: str) -> list[Any]:
    nw = _nw()
    kind = _kind(fr, col)
    c = nw.col(col)
    if kind in "bif":
        # missing values apart from other bad values: each has its own message
        miss = [_count(_missing(fr, col)).alias(alias + "na")]
        return miss if kind == "b" else miss + [_count(~((c == 0) | (c == 1))).alias(alias)]
    return []


def _outcome_bad(fr: _Frame, col: str) -> Any:
    nw = _nw()
    c = nw.col(col)
    return (~((c == 0) | (c == 1))).fill_null(True)


def _check_outcome(fr: _Frame, col: str, got: dict[str, Any], alias: str, n: int,
                   table: str) -> None:
    """Raise like ``tables._binary_outcome``."""
    kind = _kind(fr, col)
    if kind in "bif" and int(got[alias + "na"]):
        raise violation("missing_outcome", table=table, column=col,
                        n_rows=int(got[alias + "na"]), examples=["NaN"])
    if kind in "if":
        if int(got[alias]):
            raise violation("outcome_not_binary", table=table, column=col,
                            n_rows=int(got[alias]),
                            examples=_examples(fr.lf, _outcome_bad(fr, col), col))
    elif kind != "b":
        raise violation("outcome_dtype", table=table, column=col, n_rows=n,
                        examples=_examples(fr.lf, None, col), dtype=_dtype_str(fr, col))


def _outcome_value(fr: _Frame, col: str) -> Any:
    """The outcome as Int64 0/1 (validated before)."""
    nw = _nw()
    c = nw.col(col)
    return c.cast(nw.Int64) if _kind(fr, col) == "b" else (c == 1).cast(nw.Int64)


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


# ---------------------------------------------------------------------------- count_cells
@_quiet
def count_cells_engine(data: Any, keys: list[str], outcome: str | None,
                       weights: str | None, *, table: str) -> pd.DataFrame:
    """:func:`loyaltystats.tables.count_cells` for a non-pandas input (see the module doc)."""
    nw = _nw()
    fr = _open(data, table)
    extra = [c for c in (outcome, weights) if c is not None]
    _require(fr, keys + extra, table)

    exprs = [nw.len().alias(f"{_P}n")]
    kexprs, checks = _key_exprs(fr, keys, "k")
    exprs += kexprs
    if outcome is not None:
        exprs += _outcome_exprs(fr, outcome, f"{_P}ybad")
    wkind = _kind(fr, weights) if weights is not None else None
    if weights is not None and wkind in "if":
        w = nw.col(weights)
        bad_w = w.is_null() | (w < 0)
        if wkind == "f":
            bad_w = bad_w | ~w.is_finite()
        exprs.append(_count(bad_w).alias(f"{_P}wbad"))
    got = _scalars(fr.lf, exprs)
    n = int(got[f"{_P}n"])
    if n == 0:
        raise violation("no_rows_to_count", table=table)
    sizes = _check_keys(fr, checks, got, table)
    total = int(np.prod([max(s, 1) for s in sizes], dtype=object))
    if total > MAX_CELLS:
        raise violation("too_many_cells", total=total)
    if outcome is not None:
        _check_outcome(fr, outcome, got, f"{_P}ybad", n, table)
    if weights is not None:
        if wkind not in "if":
            raise violation("weights_dtype", table=table, column=weights, n_rows=n,
                            examples=_examples(fr.lf, None, weights),
                            dtype=_dtype_str(fr, weights))
        if int(got[f"{_P}wbad"]):
            raise violation("weights_bad", table=table, column=weights,
                            n_rows=int(got[f"{_P}wbad"]),
                            examples=_examples(fr.lf, bad_w.fill_null(True), weights))

    prep: list[Any] = []
    helpers: list[str] = []
    aggs, casts = [nw.len().alias("n")], [nw.col("n").cast(nw.Int64)]
    y, wc, w2, wy = f"{_P}y", f"{_P}w", f"{_P}w2", f"{_P}wy"
    if outcome is not None:
        prep.append(_outcome_value(fr, outcome).alias(y))
        helpers.append(y)
        aggs.append(nw.col(y).sum().alias("successes"))
        casts.append(nw.col("successes").cast(nw.Int64))
    if weights is not None:
        w = nw.col(weights).cast(nw.Float64)
        prep += [w.alias(wc), (w * w).alias(w2)]
        helpers += [wc, w2]
        aggs.append(nw.col(wc).sum().alias("weight"))
        casts.append(nw.col("weight").cast(nw.Float64))
        if outcome is not None:
            prep.append((w * _outcome_value(fr, outcome).cast(nw.Float64)).alias(wy))
            helpers.append(wy)
            aggs.append(nw.col(wy).sum().alias("weight_successes"))
            casts.append(nw.col("weight_successes").cast(nw.Float64))
        aggs.append(nw.col(w2).sum().alias("weight_sq"))
        casts.append(nw.col("weight_sq").cast(nw.Float64))
    lf = fr.lf.with_columns(*prep) if prep else fr.lf
    lf = lf.select(*keys, *helpers)
    cells = lf.group_by(keys).agg(*aggs).with_columns(*casts)
    pdf = _to_pandas(cells)
    pdf = _finish_keys(pdf, fr, keys)
    order = ["n", "successes", "weight", "weight_successes", "weight_sq"]
    pdf = pdf[keys + [c for c in order if c in pdf.columns]]
    pdf = pdf.sort_values(keys, kind="mergesort").reset_index(drop=True)
    for c in ("n", "successes"):
        if c in pdf:
            pdf[c] = pdf[c].to_numpy(np.int64)
    for c in ("weight", "weight_successes", "weight_sq"):
        if c in pdf:
            pdf[c] = pdf[c].to_numpy(np.float64)
    return pdf



# ---------------------------------------------------------------------------- collect
@_quiet
def collect(data: Any, columns: Sequence[str], *, table: str = "data") -> pd.DataFrame:
    """Bring only ``columns`` of an engine input back as a pandas DataFrame.

    For the estimators that need one row per respondent (Cox and Kaplan-Meier fits,
    bootstraps over respondents, regressions on raw scores): the engine reads, selects and
    (Dask: on the active client) computes; only the named columns travel. Values and
    missing values are the engine's own, so the pandas validation that follows names the
    same offending rows as for a pandas input.

    Parameters
    ----------
    data : engine input
        Anything :func:`is_engine_input` accepts.
    columns : sequence of str
        The columns to bring back, in this order (duplicates are dropped).
    table : str
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        One row per input row, in the engine's row order.

    Raises
    ------
    DataError
        When a column is missing or the input is not a supported engine.

    Examples
    --------
    >>> import polars as pl
    >>> collect(pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}), ["b"])
       b
    0  x
    1  y
    """
    nw = _nw()
    cols = list(dict.fromkeys(columns))
    fr = _open(data, table)
    _require(fr, cols, table)
    # dates as datetimes: DuckDB hands DATE to pandas as Python date objects (object dtype)
    exprs = [nw.col(c).cast(nw.Datetime("us")).alias(c) if fr.schema[c] == nw.Date
             else nw.col(c) for c in cols]
    pdf = fr.lf.select(*exprs).collect().to_pandas().reset_index(drop=True)
    for c in cols:
        restored = _categorical(pdf, fr, c)  # the same categories as count_cells gives
        if restored is not None:
            pdf[c] = restored
    for c in pdf.columns:
        # Dask and pyarrow hand back Arrow-backed strings; pandas users (and the pandas
        # path) have object columns with None for missing
        if isinstance(pdf[c].dtype, (pd.StringDtype, pd.ArrowDtype)) and pdf[c].dtype.kind in "OU":
            vals = pdf[c].astype(object).to_numpy()
            vals[pd.isna(vals)] = None
            pdf[c] = pd.Series(vals, dtype=object, index=pdf.index)
    return pdf


@_quiet
def column_names(data: Any, *, table: str = "data") -> list[str]:
    """The column names of an engine input (read from its schema; no rows are read).

    Examples
    --------
    >>> import polars as pl
    >>> column_names(pl.LazyFrame({"a": [1], "b": [2]}))
    ['a', 'b']
    """
    return list(_open(data, table).schema)


@_quiet
def filter_rows(data: Any, column: str, *, isin: Sequence[Any] | None = None,
                not_null: bool = False, table: str = "data") -> Any:
    """Keep the rows whose ``column`` is in ``isin`` and/or not missing, lazily in the engine.

    Returns a native lazy object of the same engine (a Polars ``LazyFrame``, a DuckDB
    relation, a Dask DataFrame; a Parquet path comes back as a DuckDB relation, or a Polars
    ``LazyFrame`` without DuckDB), which every estimator accepts. Nothing is read until an
    estimator counts it.

    Examples
    --------
    >>> import polars as pl
    >>> lf = filter_rows(pl.DataFrame({"t": ["a", "b", None]}), "t", isin=["a", None])
    >>> lf.collect()["t"].to_list()
    ['a']
    """
    nw = _nw()
    fr = _open(data, table)
    _require(fr, [column], table)
    lf = fr.lf
    if isin is not None:
        lf = lf.filter(nw.col(column).is_in([v for v in isin if v is not None]))
    if not_null:
        # NaN counts as missing, as pandas' notna() has it (Polars keeps NaN apart from null)
        lf = lf.filter(~_missing(fr, column))
    return lf.to_native()


@_quiet
def cut_at(data: Any, cuts: Mapping[str, float], *, table: str = "data") -> Any:
    """Replace numeric columns by ``column >= threshold``, lazily in the engine.

    For estimators that cut a score at a threshold before counting: the count then has two
    cells per column instead of one per distinct value. Missing values (null, and NaN in
    float columns) stay missing, so the count reports them by column and row count.
    Columns that are not integer or float are left as they are, for the estimator to
    reject on the cell table with its own message. Returns a native lazy object as
    :func:`filter_rows` does.

    Examples
    --------
    >>> import polars as pl
    >>> lf = cut_at(pl.DataFrame({"g": [6.5, 7.0, None]}), {"g": 7})
    >>> lf.collect()["g"].to_list()
    [False, True, None]
    """
    nw = _nw()
    fr = _open(data, table)
    _require(fr, list(cuts), table)
    exprs = []
    for col, threshold in cuts.items():
        if _kind(fr, col) not in "if":
            continue
        c = nw.col(col)
        flag = c.cast(nw.Float64) >= float(threshold)
        exprs.append(nw.when(~_missing(fr, col)).then(flag).alias(col))
    lf = fr.lf.with_columns(*exprs) if exprs else fr.lf
    return lf.to_native()


# ---------------------------------------------------------------------------- person_period
def _pick_backend(*objs: Any) -> str | None:
    """The engine shared by the non-pandas, non-path inputs (None: only pandas and paths)."""
    found = set()
    for o in objs:
        if o is None or isinstance(o, pd.DataFrame) or _is_path(o):
            continue
        name = engine_name(o)
        found.add({"pyarrow": _parquet_backend()}.get(name, name))
    if len(found) > 1:
        raise DataError(f"customers and experiences come from different engines {sorted(found)}; "
                        "give both in one engine (or as Parquet paths)")
    return found.pop() if found else None


def _cumulative(ep: Any, backend: str, cid: str, per: str, flags: list[str],
                cums: list[str]) -> Any:
    """Running sums of ``flags`` per customer in period order (one row per customer-period)."""
    nw = _nw()
    if backend != "dask":
        return ep.with_columns(*[nw.col(f).cum_sum().over(cid, order_by=per).alias(c)
                                 for f, c in zip(flags, cums)])
    # narwhals has no ordered window for Dask: shuffle by customer, then pandas per partition
    native = ep.to_native().shuffle(on=cid)
    meta = native._meta.reset_index(drop=True).assign(
        **{c: pd.Series(dtype=np.int64) for c in cums})

    def run(part: pd.DataFrame) -> pd.DataFrame:
        part = part.sort_values([cid, per], kind="mergesort").reset_index(drop=True)
        g = part.groupby(cid, sort=False)
        return part.assign(**{c: g[f].cumsum().to_numpy(np.int64) for f, c in zip(flags, cums)})

    return nw.from_native(native.map_partitions(run, meta=meta))


@_quiet
def person_period_engine(
    customers: Any, experiences: Any, *, id: str, start: str, duration: str, event: str,
    experience_id: str | None, time: str, kind: str,
    count: Mapping[str, Sequence[Any] | np.ndarray | pd.Series] | None,
    by_cols: list[str], cap: int, period_length: float, horizon: int | None,
) -> pd.DataFrame:
    """:func:`loyaltystats.tables.person_period` for non-pandas inputs.

    No person-period rows are made. Each customer's capped counts are a step function of
    the period that changes only in periods with experiences, so the at-risk table is
    a difference array: +1 at (period 0, counts 0), -1 at (end, final counts), and, in each
    period where a customer's counts change, -1 at the old and +1 at the new counts. The
    engine counts these steps per cell in two group-bys (customers; customer-periods with
    experiences, using a running sum per customer); numpy adds them up along the periods.
    """
    nw = _nw()
    backend = _pick_backend(customers, experiences) or _parquet_backend()
    masks: dict[str, np.ndarray] = {}
    if count is None:
        count = {"negatives": ["negative"]} if experiences is not None else {}
    for which in count.values():
        if isinstance(which, (np.ndarray, pd.Series)) and np.asarray(which).dtype == bool:
            masks[f"{_P}mask{len(masks)}"] = np.asarray(which)
    C = _open(customers, "customers", backend)
    _require(C, [id, start, duration, event] + by_cols, "customers")
    L = float(period_length)
    d_f = nw.col(duration).cast(nw.Float64)
    periods = (d_f / L - 1e-9).ceil()

    exprs = [nw.len().alias(f"{_P}n"), nw.col(id).n_unique().alias(f"{_P}nu")]
    numeric = {c: _kind(C, c) in "if" for c in (start, duration)}
    for col in (start, duration):
        if numeric[col]:
            x = nw.col(col).cast(nw.Float64)
            exprs.append(_count(~x.is_finite()).alias(f"{_P}fin_{col == duration:d}"))
            exprs.append(_count(_missing(C, col)).alias(f"{_P}na_{col == duration:d}"))
    if numeric[duration]:
        exprs.append(_count(d_f <= 0).alias(f"{_P}dneg"))
        exprs.append(periods.max().alias(f"{_P}pmax"))
    exprs += _outcome_exprs(C, event, f"{_P}ev")
    kexprs, checks = _key_exprs(C, by_cols, "b")
    exprs += kexprs
    got = _scalars(C.lf, exprs)
    n = int(got[f"{_P}n"])
    if n == 0:
        raise violation("no_customers", table="customers")
    if int(got[f"{_P}nu"]) < n:
        dup = (C.lf.group_by(id).agg(nw.len().alias(f"{_P}c"))
               .filter(nw.col(f"{_P}c") > 1))
        n_dup = int(_scalars(dup, [(nw.col(f"{_P}c") - 1).sum().alias("d")])["d"])
        raise violation("duplicate_customers", table="customers", column=id, n_rows=n_dup,
                        examples=_examples(dup, None, id))
    for col in (start, duration):
        if not numeric[col]:
            raise violation("periods_dtype", table="customers", column=col, n_rows=n,
                            examples=_examples(C.lf, None, col, unique=False),
                            dtype=_dtype_str(C, col))
    for col in (start, duration):
        x = nw.col(col).cast(nw.Float64)
        if int(got[f"{_P}na_{col == duration:d}"]):
            raise violation("missing_period", table="customers", column=col,
                            n_rows=int(got[f"{_P}na_{col == duration:d}"]), examples=["NaN"])
        if int(got[f"{_P}fin_{col == duration:d}"]):
            raise violation("infinite_period", table="customers", column=col,
                            n_rows=int(got[f"{_P}fin_{col == duration:d}"]),
                            examples=_examples(C.lf.with_columns(x.alias(col)),
                                               _count_bad(~x.is_finite()), col))
    if int(got[f"{_P}dneg"]):
        raise violation("duration_not_positive", table="customers", column=duration,
                        n_rows=int(got[f"{_P}dneg"]),
                        examples=_examples(C.lf.with_columns(d_f.alias(duration)),
                                           d_f <= 0, duration))
    _check_outcome(C, event, got, f"{_P}ev", n, "customers")

    # helper names differ in more than case: DuckDB identifiers are case-insensitive
    cid, per, pcol, evc = f"{_P}id", f"{_P}period", f"{_P}nper", f"{_P}event"
    names = list(count)
    flags = [f"{_P}f{j}" for j in range(len(names))]
    cust = C.lf.select(
        nw.col(id).alias(cid), nw.col(start).cast(nw.Float64).alias(f"{_P}s"),
        d_f.alias(f"{_P}d"), periods.cast(nw.Int64).alias(pcol),
        _outcome_value(C, event).alias(evc), *[nw.col(c) for c in by_cols])
    H = None
    if names:
        if experiences is None:
            raise violation("count_without_experiences", table="experiences")
        exp_id = experience_id or id
        E = _open(experiences, "experiences", backend, masks=masks)
        _require(E, [exp_id, time], "experiences")
        kinds_needed = [w for w in count.values()
                        if not (isinstance(w, (np.ndarray, pd.Series))
                                and np.asarray(w).dtype == bool)]
        if kinds_needed:
            _require(E, [kind], "experiences")
        if masks:
            n_exp = int(_scalars(E.lf, [nw.len().alias("n")])["n"])
            for name, m in zip(names, count.values()):
                if isinstance(m, (np.ndarray, pd.Series)) and len(m) != n_exp:
                    raise DataError(f"mask for {name!r} has {len(m)} entries, "
                                    f"experiences has {n_exp} rows", table="experiences")
        if backend == "dask":
            return _person_period_dask(
                C, E, checks=checks, got=got, id=id, start=start, duration=duration,
                event=event, exp_id=exp_id, time=time, kind=kind if kinds_needed else None,
                count=count, by_cols=by_cols, cap=cap, period_length=period_length,
                horizon=horizon)
        key = nw.col(exp_id)
        ck, ek = _kind(C, id), _kind(E, exp_id)
        if ck in "if" and ek in "if" and C.schema[id] != E.schema[exp_id]:
            target = C.schema[id] if (ck == "i" and ek == "i") else nw.Float64
            key = key.cast(target)
            if ck != "i" or ek != "i":
                cust = cust.with_columns(nw.col(cid).cast(nw.Float64))
        mask_cols = list(masks)
        sel = [key.alias(cid), nw.col(exp_id).alias(f"{_P}raw_id"), nw.col(time)]
        if kinds_needed:
            sel.append(nw.col(kind))
        sel += [nw.col(c) for c in mask_cols]
        ej = E.lf.select(*sel).join(
            cust.select(cid, f"{_P}s", f"{_P}d", pcol).with_columns(
                nw.lit(True).alias(f"{_P}known")),
            on=cid, how="left")
        known = nw.col(f"{_P}known").fill_null(False)
        t_numeric = _kind(E, time) in "if"
        tf = nw.col(time).cast(nw.Float64)
        since = tf - nw.col(f"{_P}s")
        rel = since / L
        outside = (~rel.is_finite() | (rel < 0) | (since >= nw.col(f"{_P}d"))).fill_null(True)
        ex = [nw.len().alias("n"), _count(~known).alias("unknown")]
        if t_numeric:
            ex.append(_count(known & outside).alias("outside"))
        got_e = _scalars(ej, ex)
        if int(got_e["unknown"]):
            raise violation("unknown_customers", table="experiences", column=exp_id,
                            n_rows=int(got_e["unknown"]),
                            examples=_examples(ej.rename({f"{_P}raw_id": f"{_P}x"}), ~known,
                                               f"{_P}x"))
        if not t_numeric:
            raise violation("time_dtype", table="experiences", column=time,
                            n_rows=int(got_e["n"]),
                            examples=_examples(E.lf, None, time, unique=False),
                            dtype=_dtype_str(E, time))
        if int(got_e["outside"]):
            raise violation("outside_at_risk", table="experiences", column=time,
                            n_rows=int(got_e["outside"]),
                            examples=_examples(ej.with_columns(tf.alias(time)), outside, time))
        _check_pp_cells(C, checks, got, names, cap, horizon)
        flag_exprs = []
        mi = iter(mask_cols)
        for f, which in zip(flags, count.values()):
            if isinstance(which, (np.ndarray, pd.Series)) and np.asarray(which).dtype == bool:
                flag_exprs.append(nw.col(next(mi)).cast(nw.Int64).alias(f))
            else:
                flag_exprs.append(nw.col(kind).is_in(list(which)).fill_null(False)
                                  .cast(nw.Int64).alias(f))
        # period of each experience; min(.., P - 1) only matters within 1e-9 of a
        # fractional end, where floor() could name the period after the last one
        p_expr = nw.min_horizontal(rel.floor().cast(nw.Int64), nw.col(pcol) - 1)
        ep = (ej.with_columns(*flag_exprs, p_expr.alias(per))
                .filter(nw.any_horizontal(*[nw.col(f) > 0 for f in flags], ignore_nulls=True))
                .group_by(cid, per).agg(*[nw.col(f).sum() for f in flags]))
        cums = [f"{_P}c{j}" for j in range(len(flags))]
        ep = _cumulative(ep, backend, cid, per, flags, cums)
        before = [f"{_P}b{j}" for j in range(len(flags))]
        after = [f"{_P}a{j}" for j in range(len(flags))]
        steps = ep.with_columns(
            *[(nw.col(c) - nw.col(f)).clip(upper_bound=cap).alias(b)
              for c, f, b in zip(cums, flags, before)],
            *[nw.col(c).clip(upper_bound=cap).alias(a) for c, a in zip(cums, after)])
        steps = steps.filter(nw.any_horizontal(
            *[nw.col(b) != nw.col(a) for b, a in zip(before, after)], ignore_nulls=True))
        if by_cols:
            steps = steps.join(cust.select(cid, *by_cols), on=cid, how="inner")
        H = _to_pandas(steps.group_by(per, *before, *after, *by_cols)
                       .agg(nw.len().alias(f"{_P}n"))
                       .with_columns(nw.col(f"{_P}n").cast(nw.Int64)))
        totals = ep.group_by(cid).agg(*[nw.col(f).sum() for f in flags])
        cust = cust.join(totals, on=cid, how="left").with_columns(
            *[nw.col(f).fill_null(0).clip(upper_bound=cap).alias(f) for f in flags])
    else:
        _check_pp_cells(C, checks, got, names, cap, horizon)
    n_per = int(got[f"{_P}pmax"])
    if horizon is not None:
        n_per = min(n_per, int(horizon))
    G = _to_pandas(cust.group_by(pcol, evc, *flags[:len(names)], *by_cols)
                   .agg(nw.len().alias(f"{_P}n"))
                   .with_columns(nw.col(f"{_P}n").cast(nw.Int64)))
    return _assemble(G, H, C, names=names, flags=flags, by_cols=by_cols, cap=cap,
                     n_per=n_per, per=per, pcol=pcol, evc=evc)


# ---------------------------------------------------------------------------- Dask
def _pp_partition(cpart: pd.DataFrame, epart: pd.DataFrame, kw: dict[str, Any]) -> pd.DataFrame:
    """The pandas :func:`~loyaltystats.tables.person_period` on one co-partitioned pair;
    a DataError comes back as a value so that the driver can add up its counts."""
    from .tables import person_period

    if len(cpart) == 0:
        if len(epart) == 0:
            return pd.DataFrame({"v": [("ok", None)]})
        vals = epart[kw["experience_id"]].to_numpy()
        err = violation("unknown_customers", table="experiences", column=kw["experience_id"],
                        n_rows=len(epart), examples=list(pd.unique(vals))[:5])
        return pd.DataFrame({"v": [("err", err.rule, err.message, err.column, err.n_rows,
                                    list(err.examples))]})
    try:
        cells = person_period(cpart.reset_index(drop=True), epart.reset_index(drop=True), **kw)
    except DataError as exc:
        return pd.DataFrame({"v": [("err", exc.rule, exc.message, exc.column, exc.n_rows,
                                    list(exc.examples))]})
    return pd.DataFrame({"v": [("ok", cells)]})


def _person_period_dask(C: _Frame, E: _Frame, *, checks: list[_KeyCheck], got: dict[str, Any],
                        id: str, start: str, duration: str, event: str, exp_id: str,
                        time: str, kind: str | None, count: Mapping[str, Any],
                        by_cols: list[str], cap: int, period_length: float,
                        horizon: int | None) -> pd.DataFrame:
    """Dask: hash-partition customers and experiences by customer id into the same buckets
    and run the pandas person_period on each bucket pair (customers were validated
    globally before); the cell tables are added up.

    Every experience must find its customer in its own bucket, so a partitioning mismatch
    could not pass silently: it would be reported as experiences of unknown customers.
    (narwhals' Dask joins are not used here: dask-expr may compute two projections of one
    join in different row orders, which broke column assignment after a join.)
    """
    import dask.dataframe as dd

    cdf = C.lf.to_native()[[id, start, duration, event, *by_cols]]
    cols = [exp_id, time] + ([kind] if kind is not None and kind not in (exp_id, time) else [])
    edf = E.lf.to_native()[cols]
    c_dt, e_dt = C.meta[id], E.meta[exp_id]
    if c_dt != e_dt and c_dt.kind in "iuf" and e_dt.kind in "iuf":
        edf = edf.astype({exp_id: c_dt if c_dt.kind in "iu" and e_dt.kind in "iu"
                          else np.float64})
        if c_dt.kind not in "iu":
            cdf = cdf.astype({id: np.float64})
    k = max(cdf.npartitions, edf.npartitions)
    cs = cdf.shuffle(on=id, npartitions=k)
    es = edf.shuffle(on=exp_id, npartitions=k)
    kw = dict(id=id, start=start, duration=duration, event=event, experience_id=exp_id,
              time=time, kind=kind or "kind", count=dict(count), by=by_cols, cap=cap,
              period_length=period_length, horizon=horizon)
    parts = dd.map_partitions(_pp_partition, cs, es, kw, align_dataframes=False,
                              meta=pd.DataFrame({"v": pd.Series(dtype=object)}))
    results = list(parts.compute()["v"])
    errors = [r for r in results if r[0] == "err"]
    if errors:
        # each partition reports the first rule it found broken; the rule first in the
        # order of checks wins, with the offending rows of every partition added up
        for rule in PERSON_PERIOD_EXPERIENCE_ORDER:
            hit = [e for e in errors if e[1] == rule]
            if hit:
                examples: list[Any] = []
                for e in hit:
                    examples += [x for x in e[5] if x not in examples]
                err = DataError(hit[0][2], table="experiences", column=hit[0][3],
                                n_rows=sum(int(e[4]) for e in hit), examples=examples[:5])
                err.rule = rule
                raise err
        _check_pp_cells(C, checks, got, list(count), cap, horizon)
        e = errors[0]
        raise DataError(e[2], table="experiences", column=e[3], n_rows=e[4],
                        examples=e[5])  # pragma: no cover - not expected after validation
    _check_pp_cells(C, checks, got, list(count), cap, horizon)
    frames = [r[1] for r in results if r[1] is not None]
    keys = ["period", *count, *by_cols]
    cells = pd.concat(frames, ignore_index=True)
    cells = (cells.groupby(keys, sort=False, observed=True)[["at_risk", "events"]].sum()
             .reset_index())
    cells = cells.sort_values(keys, kind="mergesort").reset_index(drop=True)
    for c in ("period", *count, "at_risk", "events"):
        cells[c] = cells[c].to_numpy(np.int64)
    return cells


def _check_pp_cells(C: _Frame, checks: list[_KeyCheck], got: dict[str, Any],
                    names: list[str], cap: int, horizon: int | None) -> None:
    sizes = _check_keys(C, checks, got, "customers")
    n_per = int(got[f"{_P}pmax"])
    if horizon is not None:
        n_per = min(n_per, int(horizon))
    total = int(np.prod([n_per] + [cap + 1] * len(names) + sizes, dtype=object))
    if total > MAX_CELLS:
        raise violation("too_many_pp_cells", total=total)


def _count_bad(expr: Any) -> Any:
    return expr.fill_null(True)


def _assemble(G: pd.DataFrame, H: pd.DataFrame | None, C: _Frame, *, names: list[str],
              flags: list[str], by_cols: list[str], cap: int, n_per: int, per: str,
              pcol: str, evc: str) -> pd.DataFrame:
    """Add the steps up along the periods; the cells in the pandas path's order."""
    cnt = f"{_P}n"
    ncov = len(names)
    G = _finish_keys(G, C, by_cols)
    if by_cols:
        combos = (G[by_cols].drop_duplicates().sort_values(by_cols, kind="mergesort")
                  .reset_index(drop=True))
        combos[f"{_P}b"] = np.arange(len(combos))
        G = G.merge(combos, on=by_cols, how="left")
        b_g = G[f"{_P}b"].to_numpy()
    else:
        combos = pd.DataFrame(index=[0])
        b_g = np.zeros(len(G), dtype=np.int64)
    B = len(combos)
    S = (cap + 1) ** ncov

    def state(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
        s = np.zeros(len(frame), dtype=np.int64)
        for c in cols:
            s = s * (cap + 1) + frame[c].to_numpy(np.int64)
        return s

    diff = np.zeros((n_per + 1, S, B), dtype=np.int64)
    events = np.zeros((n_per, S, B), dtype=np.int64)
    w = G[cnt].to_numpy(np.int64)
    P = G[pcol].to_numpy(np.int64)
    final = state(G, flags[:ncov])
    np.add.at(diff, (np.zeros_like(P), np.zeros_like(P), b_g), w)
    np.add.at(diff, (np.minimum(P, n_per), final, b_g), -w)
    ev = G[evc].to_numpy(np.int64) == 1
    last = P - 1
    sel = ev & (last < n_per)
    np.add.at(events, (last[sel], final[sel], b_g[sel]), w[sel])
    if H is not None and len(H):
        H = _finish_keys(H, C, by_cols)
        b_h = (H.merge(combos, on=by_cols, how="left")[f"{_P}b"].to_numpy()
               if by_cols else np.zeros(len(H), dtype=np.int64))
        p = H[per].to_numpy(np.int64)
        wh = H[cnt].to_numpy(np.int64)
        keep = p < n_per
        before = state(H, [f"{_P}b{j}" for j in range(ncov)])
        after = state(H, [f"{_P}a{j}" for j in range(ncov)])
        np.add.at(diff, (p[keep], before[keep], b_h[keep]), -wh[keep])
        np.add.at(diff, (p[keep], after[keep], b_h[keep]), wh[keep])
    at_risk = np.cumsum(diff, axis=0)[:n_per]
    pi, si, bi = np.nonzero(at_risk > 0)   # C order: period, counts, by (the pandas order)
    out: dict[str, Any] = {"period": pi.astype(np.int64)}
    rem = si.astype(np.int64)
    codes = []
    for _ in range(ncov):
        codes.append(rem % (cap + 1))
        rem = rem // (cap + 1)
    for name, c in zip(names, reversed(codes)):
        out[name] = c
    for col in by_cols:
        out[col] = combos[col].iloc[bi].reset_index(drop=True)
    out["at_risk"] = at_risk[pi, si, bi]
    out["events"] = events[pi, si, bi]
    return pd.DataFrame(out)
