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

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._engine_checks import (
    _P,
    _check_keys,
    _check_outcome,
    _count,
    _examples,
    _key_exprs,
    _missing,
    _outcome_exprs,
    _outcome_value,
    _scalars,
    _to_pandas,
)
from ._engine_frames import (
    _KNOWN,
    _categorical,
    _dtype_str,
    _finish_keys,
    _is_path,
    _kind,
    _module,
    _nw,
    _open,
    _parquet_backend,
    _quiet,
    _require,
)
from ._engine_person_period import (
    _EVC,
    _PCOL,
    _PER,
    _assemble,
    _check_pp_cells,
    _check_pp_customers,
    _check_pp_experiences,
    _count_pp_customers,
    _count_pp_steps,
    _customer_rows,
    _join_pp_experiences,
    _open_pp_experiences,
    _person_period_dask,
    _pp_count,
    _query_pp_customers,
)
from ._rules import MAX_CELLS, violation
from .errors import DataError

# count_cells_engine and person_period_engine are reached through loyaltystats.tables
__all__ = ["is_engine_input", "engine_name", "collect", "column_names", "filter_rows",
           "cut_at"]


# ---------------------------------------------------------------------------- which engine
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


# ---------------------------------------------------------------------------- count_cells
@_quiet
def count_cells_engine(data: Any, keys: list[str], outcome: str | None,
                       weights: str | None, *, table: str,
                       id_keys: Sequence[str] = ()) -> pd.DataFrame:
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
    # identifier keys (a customer id) are not crossed with anything: only the present
    # combinations come back from the group-by, so they do not count against the limit
    total = int(np.prod([max(s, 1) for k, s in zip(keys, sizes) if k not in id_keys],
                        dtype=object))
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
    backend = _pick_backend(customers, experiences) or _parquet_backend()
    count, masks = _pp_count(count, experiences)
    C = _open(customers, "customers", backend)
    _require(C, [id, start, duration, event] + by_cols, "customers")
    cols = dict(id=id, start=start, duration=duration, event=event)
    got, checks, numeric = _query_pp_customers(C, **cols, by_cols=by_cols,
                                               period_length=period_length)
    _check_pp_customers(C, got, numeric, **cols)
    cust = _customer_rows(C, **cols, by_cols=by_cols, period_length=period_length)
    names = list(count)
    flags = [f"{_P}f{j}" for j in range(len(names))]
    H = None
    if names:
        if experiences is None:
            raise violation("count_without_experiences", table="experiences")
        exp_id = experience_id or id
        E, kinds_needed = _open_pp_experiences(experiences, backend, masks, count,
                                               exp_id=exp_id, time=time, kind=kind)
        if backend == "dask":
            return _person_period_dask(
                C, E, checks=checks, got=got, id=id, start=start, duration=duration,
                event=event, exp_id=exp_id, time=time, kind=kind if kinds_needed else None,
                count=count, by_cols=by_cols, cap=cap, period_length=period_length,
                horizon=horizon)
        ej, cust = _join_pp_experiences(C, E, cust, masks, id=id, exp_id=exp_id, time=time,
                                        kind=kind if kinds_needed else None)
        _check_pp_experiences(E, ej, exp_id=exp_id, time=time, period_length=period_length)
        _check_pp_cells(C, checks, got, names, cap, horizon)
        H, cust = _count_pp_steps(ej, cust, backend=backend, count=count, masks=masks,
                                  kind=kind, flags=flags, by_cols=by_cols, cap=cap, time=time,
                                  period_length=period_length)
    else:
        _check_pp_cells(C, checks, got, names, cap, horizon)
    G, n_per = _count_pp_customers(cust, got, flags=flags, by_cols=by_cols, horizon=horizon)
    return _assemble(G, H, C, names=names, flags=flags, by_cols=by_cols, cap=cap,
                     n_per=n_per, per=_PER, pcol=_PCOL, evc=_EVC)
