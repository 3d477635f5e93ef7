"""Survival data preparation for the switching module: validation, time units, long tables.

Private. :func:`prepare` validates the customers and experiences tables and converts every
time to period units measured from the customer's start; :func:`long_table` builds the
row-level (start, stop] table with time-varying counts that the Cox models use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._positions import id_positions
from .._validate import as_frame
from ..errors import DataError, ParameterError
from ..scales import MISSING_VALUES
from ._common import binary_column, fail, require_frame

_DAYS = {"month": 365.25 / 12, "week": 7.0, "day": 1.0}


@dataclass(frozen=True, eq=False)
class SurvivalData:
    """Validated arrays, times in periods since each customer's start."""

    n: int
    duration: np.ndarray          # end - start, in periods (> 0)
    event: np.ndarray             # switched (bool)
    exp_customer: np.ndarray      # row position of each experience's customer
    exp_time: np.ndarray          # experience time since the customer's start, in periods
    masks: dict[str, np.ndarray] = field(default_factory=dict)   # counted experiences
    period_length: str = "1"


def _numeric_times(df: pd.DataFrame, col: str, table: str, period: str | float,
                   origin: Any) -> np.ndarray:
    s = df[col]
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        if isinstance(period, str):
            if period not in _DAYS:
                raise ParameterError(f"period must be one of {sorted(_DAYS)} or a number, got {period!r}")
            days = _DAYS[period]
        else:
            days = float(period)
        v = (s - origin) / pd.Timedelta(days=1)
        v = v.to_numpy(float) / days
    elif s.dtype.kind in "iuf":
        if isinstance(period, str):
            if period != "month":
                raise ParameterError(
                    f"with numeric times, period must be 'month' (times are in months) or the "
                    f"length of one period in the units of the time columns; got {period!r}")
            length = 1.0
        else:
            length = float(period)
        if not length > 0:
            raise ParameterError(f"period length must be positive, got {period!r}")
        v = s.to_numpy(float) / length
    else:
        raise DataError(f"times must be numeric or datetime, got dtype {s.dtype}", table=table,
                        column=col, n_rows=len(s), examples=pd.unique(s.to_numpy())[:5])
    if np.isnan(v).any():
        raise fail(df, np.isnan(v), MISSING_VALUES, table=table, column=col)
    if np.isinf(v).any():
        raise fail(df, np.isinf(v), "infinite times", table=table, column=col)
    return v


_RECOVERED_HINT = "; pass recovered=None to skip the unrecovered-negatives model"


def collect_tables(customers: Any, experiences: Any, customer_columns: Sequence[str | None],
                   experience_columns: Sequence[str | None], *,
                   recovered_hint: str | None = None) -> tuple[Any, Any]:
    """Both tables as pandas: engine inputs (Polars, DuckDB, Parquet, Dask) bring back only
    the named columns (``None`` entries skipped); pandas inputs and ``None`` pass unchanged.

    With ``recovered_hint`` (the optional ``recovered`` column), a missing column of that
    name gets the same hint as on the pandas path.
    """
    from .._frames import column_names

    customers = as_frame(customers, customer_columns, "customers")
    if experiences is None:
        return customers, None
    if recovered_hint:
        # a missing optional `recovered` column gets its hint before any column is read
        have = column_names(experiences, table="experiences")
        missing = [c for c in experience_columns if c is not None and c not in have]
        if recovered_hint in missing:
            raise DataError(f"missing column(s) {missing}; available: {have[:20]}"
                            f"{_RECOVERED_HINT}", table="experiences")
    experiences = as_frame(experiences, experience_columns, "experiences")
    return customers, experiences


def prepare(
    customers: pd.DataFrame,
    experiences: pd.DataFrame | None,
    *,
    id: str,
    start: str,
    end: str,
    switched: str,
    time: str,
    period: str | float,
    counts: Mapping[str, Any] | None = None,
    kind_column: str = "kind",
    recovered: str | None = None,
    kind: str | Sequence[str] = "negative",
) -> SurvivalData:
    """Validate both tables and return :class:`SurvivalData`.

    ``counts`` is not given by callers; the masks are built from ``kind`` (the experiences
    counted as negative) and ``recovered`` (a 0/1 column, required on those rows): mask
    ``negatives`` always, ``unrecovered`` and ``recovered`` when ``recovered`` is given.
    """
    require_frame(customers, [id, start, end, switched], "customers")
    ids = customers[id]
    if ids.isna().any():
        raise fail(customers, ids.isna().to_numpy(), "missing customer ids", table="customers",
                   column=id)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        raise fail(customers, dup, "duplicate customer ids", table="customers", column=id)
    origin = None
    is_dt = pd.api.types.is_datetime64_any_dtype
    if is_dt(customers[start].dtype):
        origin = customers[start].min()
    if is_dt(customers[end].dtype) != (origin is not None):
        raise DataError(f"start and end must both be datetimes or both numbers, got "
                        f"{customers[start].dtype} and {customers[end].dtype}",
                        table="customers", column=end)
    s = _numeric_times(customers, start, "customers", period, origin)
    e = _numeric_times(customers, end, "customers", period, origin)
    bad = e <= s
    if bad.any():
        raise fail(customers, bad, "end must be after start", table="customers", column=end)
    ev = binary_column(customers, switched, "customers")
    d = e - s

    kinds = [kind] if isinstance(kind, str) else list(kind)
    if experiences is None:
        experiences = pd.DataFrame({id: ids.iloc[:0], time: customers[start].iloc[:0],
                                    kind_column: pd.Series([], dtype=object)})
    if not isinstance(experiences, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(experiences).__name__}",
                        table="experiences")
    need = [id, time, kind_column] + ([recovered] if recovered else [])
    missing = [c for c in need if c not in experiences.columns]
    if missing:
        hint = _RECOVERED_HINT if recovered in missing else ""
        raise DataError(f"missing column(s) {missing}; available: "
                        f"{list(experiences.columns)[:20]}{hint}", table="experiences")
    idx = id_positions(ids, experiences[id])
    unknown = idx < 0
    if unknown.any():
        raise fail(experiences, unknown, "customer not in the customers table",
                   table="experiences", column=id)
    if len(experiences) and is_dt(experiences[time].dtype) != (origin is not None):
        raise DataError(f"experience times must be on the customers' clock ("
                        f"{customers[start].dtype}), got {experiences[time].dtype}",
                        table="experiences", column=time, n_rows=len(experiences))
    if len(experiences):
        t = _numeric_times(experiences, time, "experiences", period, origin)
    else:
        t = np.zeros(0)
    rel = t - s[idx]
    before = rel < 0
    if before.any():
        raise fail(experiences, before, "experiences dated before the customer's start",
                   table="experiences", column=time)
    after = rel >= d[idx]
    if after.any():
        raise fail(experiences, after,
                   "experiences dated at or after the customer's end (a customer is observed "
                   "on [start, end))", table="experiences", column=time)
    no_kind = experiences[kind_column].isna().to_numpy()
    if no_kind.any():
        # an experience of unknown kind may be a failure: it is not silently counted as none
        raise fail(experiences, no_kind, MISSING_VALUES,
                   table="experiences", column=kind_column)
    neg = experiences[kind_column].isin(kinds).to_numpy()
    masks = {"negatives": neg}
    if recovered:
        sub = experiences.loc[neg, [recovered]]
        rec = np.zeros(len(experiences), dtype=bool)
        if len(sub):
            rec[neg] = binary_column(sub, recovered, "experiences")
        masks["unrecovered"] = neg & ~rec
        masks["recovered"] = neg & rec
    return SurvivalData(n=len(customers), duration=d, event=ev,
                        exp_customer=idx.astype(np.int64), exp_time=rel, masks=masks)


def truncate(data: SurvivalData, horizon: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Durations and events censored at ``horizon`` periods."""
    if horizon is None:
        return data.duration, data.event
    d = np.minimum(data.duration, horizon)
    return d, data.event & (data.duration <= horizon)


def long_table(data: SurvivalData, names: Sequence[str], *, horizon: float | None,
               cap: int) -> pd.DataFrame:
    """Row-level (start, stop] table with cumulative capped counts of the ``names`` masks.

    One row per customer and interval between consecutive distinct times of counted
    experiences; the count at a row includes experiences at its start time. Follow-up is
    censored at ``horizon``; experiences at or after it are outside the window.
    """
    d, ev = truncate(data, horizon)
    inside = data.exp_time < d[data.exp_customer]
    any_mask = np.zeros(len(data.exp_time), dtype=bool)
    for nm in names:
        any_mask |= data.masks[nm]
    sel = inside & any_mask & (data.exp_time > 0)
    bp = pd.DataFrame({"c": data.exp_customer[sel], "t": data.exp_time[sel]}).drop_duplicates()
    cust = np.concatenate([np.arange(data.n), bp["c"].to_numpy()])
    t0 = np.concatenate([np.zeros(data.n), bp["t"].to_numpy(float)])
    order = np.lexsort((t0, cust))
    cust, t0 = cust[order], t0[order]
    last = np.ones(len(cust), dtype=bool)
    last[:-1] = cust[1:] != cust[:-1]
    t1 = np.where(last, d[cust], np.concatenate([t0[1:], [0.0]]))
    out = {"customer": cust, "start": t0, "stop": t1, "event": ev[cust] & last}
    for nm in names:
        m = inside & data.masks[nm]
        ec, et = data.exp_customer[m], data.exp_time[m]
        key_c = np.concatenate([ec, cust])
        key_t = np.concatenate([et, t0])
        typ = np.concatenate([np.zeros(len(ec), np.int8), np.ones(len(cust), np.int8)])
        o = np.lexsort((typ, key_t, key_c))
        val = (typ[o] == 0).astype(np.int64)
        cs = np.cumsum(val)
        is_row = typ[o] == 1
        # rows keep their (customer, start) order inside the combined order (no duplicates)
        row_pos = np.flatnonzero(is_row)
        first_comb = np.searchsorted(key_c[o], np.arange(data.n), side="left")
        base = (cs - val)[first_comb]          # every customer has at least one row
        out[nm] = np.minimum(cs[row_pos] - base[cust], cap)
    return pd.DataFrame(out)
