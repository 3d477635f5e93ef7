"""The checks of each table of :mod:`loyaltystats.data`, in the order its validators
document: the row checks of responses, customers and experiences (with the time checks that
span columns or tables: a customer's end after the start and the duration equal to
end - start, each experience inside its customer's lifetime ``[start, end)``), and the
one-column rules of ``validate_column``."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._data_checker import _Checker
from ._data_values import (
    _check_mapping,
    _describe_kind,
    _flag_error,
    _flag_values,
    _require_scale,
    _Temporal,
    _temporal,
)
from .errors import DataError, ParameterError
from .scales import Scale, _classify_types, _is_bool_type, _is_real_type


def _check_responses(ck: _Checker, *, id: Hashable | None, time: Hashable | None,
                     score: Hashable | None, scale: Scale, recommend: Hashable | None,
                     recommend_scale: Scale, rating_scales: dict[Hashable, Scale],
                     weights: Hashable | None, flags: list[Hashable],
                     flag_mapping: Mapping[Any, bool] | None,
                     categorical: list[Hashable]) -> None:
    """The row checks of a responses table, in the order ``validate_responses`` documents."""
    if id is not None:
        ck.no_missing(id)
    if time is not None:
        ck.temporal(time, allowed=("datetime",), what="numbers or datetimes")
    if score is not None:
        ck.on_scale(score, scale)
    if recommend is not None:
        ck.on_scale(recommend, recommend_scale)
    for column, rating_scale in rating_scales.items():
        ck.on_scale(column, rating_scale)
    if weights is not None:
        w = ck.numbers(weights)
        ck.check(weights, np.isinf(w), "infinite weights", w)
        ck.check(weights, w < 0, "negative weights", w)
    for column in flags:
        ck.flag(column, flag_mapping)
    for column in categorical:
        ck.no_missing(column)


def _check_customers(ck: _Checker, *, id: Hashable, start: Hashable | None,
                     end: Hashable | None, duration: Hashable | None,
                     switched: Hashable | None, intent: Hashable | None,
                     flag_mapping: Mapping[Any, bool] | None,
                     categorical: list[Hashable]) -> None:
    """The row checks of a customers table, in the order ``validate_customers`` documents."""
    missing_id = ck.no_missing(id)
    ids = ck.df[id]
    duplicated = ids.duplicated(keep=False).to_numpy() & ~missing_id
    ck.check(id, duplicated, "duplicate customer ids", lambda: ids.to_numpy(dtype=object))

    _check_customer_times(ck, ids, start=start, end=end, duration=duration)
    if switched is not None:
        ck.flag(switched, flag_mapping)
    if intent is not None:
        ck.flag(intent, flag_mapping)
    for column in categorical:
        ck.no_missing(column)


def _check_experiences(ck: _Checker, customers: pd.DataFrame | None, *, id: Hashable,
                       time: Hashable, kind: Hashable | None, allowed_kinds: list[Any] | None,
                       c_id: Hashable,
                       bounds: tuple[tuple[Any, _Temporal | None], tuple[Any, _Temporal | None]],
                       ) -> None:
    """The row checks of an experiences table, in the order ``validate_experiences``
    documents (``bounds``: the customers' start and end columns and times)."""
    (_, c_start), (_, c_end) = bounds
    ck.no_missing(id)
    ids = ck.df[id]
    position = None
    if customers is not None:
        position = pd.Index(customers[c_id]).get_indexer(ids)
        ck.check(id, position < 0, "customer ids not in the customers table",
                 lambda: ids.to_numpy(dtype=object))

    t = ck.temporal(time, allowed=("datetime",), what="numbers or datetimes")
    if position is not None and (c_start is not None or c_end is not None):
        _check_lifetimes(ck, ids, position, t, id=id, time=time, bounds=bounds)

    if kind is not None:
        missing_kind = ck.no_missing(kind)
        if allowed_kinds is not None:
            kind_values = ck.df[kind]
            unknown = ~kind_values.isin(allowed_kinds).to_numpy() & ~missing_kind
            ck.check(kind, unknown,
                     f"unknown kinds (allowed: {', '.join(repr(k) for k in allowed_kinds)})",
                     lambda: kind_values.to_numpy(dtype=object))


def _check_customer_times(ck: _Checker, ids: pd.Series, *, start: Hashable | None,
                          end: Hashable | None, duration: Hashable | None) -> None:
    """Check the customers' start, end and duration, each and against each other."""

    def id_values() -> np.ndarray:
        return ids.to_numpy(dtype=object)

    t_start = t_end = t_dur = None
    if start is not None:
        t_start = ck.temporal(start, allowed=("datetime",), what="numbers or datetimes")
    if end is not None:
        t_end = ck.temporal(end, allowed=("datetime",), what="numbers or datetimes")
        if t_start is not None:
            ck.same_kind(start, t_start, end, t_end)
            usable = ~ck.bad(start) & ~ck.bad(end)
            before = np.zeros(ck.n, dtype=bool)
            before[usable] = t_end.values[usable] < t_start.values[usable]
            ck.check_rows(end, before, "end before start",
                          [("id", id_values), ("start", t_start.values), ("end", t_end.values)])
    if duration is not None:
        t_dur = ck.temporal(duration, allowed=("timedelta",), what="numbers or timedeltas")
        negative = np.zeros(ck.n, dtype=bool)
        ok = ~ck.bad(duration)
        zero = np.timedelta64(0, "ns") if t_dur.kind == "timedelta" else 0.0
        negative[ok] = t_dur.values[ok] < zero
        ck.check(duration, negative, "negative durations", t_dur.values)
        if t_start is not None and t_end is not None:
            kinds = (t_start.kind, t_end.kind, t_dur.kind)
            usable = ~ck.bad(start) & ~ck.bad(end) & ~ck.bad(duration)
            differs = np.zeros(ck.n, dtype=bool)
            if kinds == ("numeric", "numeric", "numeric"):
                span = t_end.values[usable] - t_start.values[usable]
                differs[usable] = ~np.isclose(span, t_dur.values[usable])
            elif kinds == ("datetime", "datetime", "timedelta"):
                span = t_end.values[usable] - t_start.values[usable]
                differs[usable] = span != t_dur.values[usable]
            ck.check_rows(duration, differs, "duration differs from end - start",
                          [("id", id_values), ("start", t_start.values), ("end", t_end.values),
                           ("duration", t_dur.values)])


def _customer_bounds(customers: pd.DataFrame, *, customer_start: Hashable | None,
                     customer_end: Hashable | None, customer_duration: Hashable | None,
                     ) -> tuple[_Temporal | None, _Temporal | None]:
    """Each customer's start and end (``start + duration`` when no end column is given)."""
    c_start = c_end = None
    if customer_start is not None:
        c_start = _temporal(customers[customer_start], allowed=("datetime",))
    if customer_end is not None:
        c_end = _temporal(customers[customer_end], allowed=("datetime",))
    elif customer_duration is not None:
        c_dur = _temporal(customers[customer_duration], allowed=("timedelta",))
        if (c_start.kind, c_dur.kind) not in (("numeric", "numeric"),
                                              ("datetime", "timedelta")):
            raise DataError(
                f"cannot add a {_describe_kind(c_dur)} duration to a "
                f"{_describe_kind(c_start)} start; pass customer_end instead",
                table="customers", column=str(customer_duration),
            )
        c_end = c_start._replace(values=c_start.values + c_dur.values)
    return c_start, c_end


def _check_lifetimes(ck: _Checker, ids: pd.Series, position: np.ndarray, t: _Temporal, *,
                     id: Hashable, time: Hashable,
                     bounds: tuple[tuple[Any, _Temporal | None], tuple[Any, _Temporal | None]],
                     ) -> None:
    """Check each experience against its customer's start and end (``bounds``: name, times)."""
    (_, c_start), (_, c_end) = bounds
    for name, bound in bounds:
        if bound is not None:
            ck.same_kind(name, bound, time, t, other_table="customers")
    usable = (position >= 0) & ~ck.bad(id) & ~ck.bad(time)
    pos = position[usable]
    parts = [("id", lambda: ids.to_numpy(dtype=object)), ("time", t.values)]
    if c_start is not None:
        starts = np.empty(ck.n, dtype=c_start.values.dtype)
        starts[usable] = c_start.values[pos]
        before = np.zeros(ck.n, dtype=bool)
        before[usable] = t.values[usable] < starts[usable]
        ck.check_rows(time, before, "experiences before the start of the customer",
                      [*parts, ("start", starts)])
    if c_end is not None:
        ends = np.empty(ck.n, dtype=c_end.values.dtype)
        ends[usable] = c_end.values[pos]
        after = np.zeros(ck.n, dtype=bool)
        after[usable] = t.values[usable] >= ends[usable]
        ck.check_rows(time, after,
                      "experiences at or after the end of the customer (after churn / end "
                      "of observation; a lifetime is [start, end))",
                      [*parts, ("end", ends)])


def _check_column_rule(ck: _Checker, column: Hashable, rule: str, *, scale: Scale | None,
                       flag_mapping: Mapping[Any, bool] | None) -> None:
    """Check ``column`` against one rule of :data:`~loyaltystats.data.COLUMN_RULES`."""
    s = ck.df[column]
    if rule == "score":
        if scale is None:
            raise ParameterError("rule 'score' needs a scale")
        _require_scale(scale, "scale")
        ck.on_scale(column, scale)
    elif rule == "flag":
        _check_mapping(flag_mapping)
        ck.flag(column, flag_mapping)
    elif rule == "flag_or_missing":
        _check_mapping(flag_mapping)
        known = ~s.isna().to_numpy()
        _, bad = _flag_values(s, flag_mapping)
        ck.record(column, bad & known,
                  lambda m: _flag_error(s, m, column=str(column), table=ck.table))
    elif rule in ("count", "number"):
        x = ck.numbers(column)
        ck.check(column, np.isinf(x), "infinite values", x)
        if rule == "count":
            ck.check(column, (x < 0) | (x != np.floor(x)), "values are not whole numbers >= 0", x)
    elif rule == "duration":
        t = ck.temporal(column, allowed=("timedelta",), what="numbers or timedeltas")
        ok = ~ck.bad(column)
        zero = np.timedelta64(0, "ns") if t.kind == "timedelta" else 0.0
        negative = np.zeros(len(s), dtype=bool)
        negative[ok] = t.values[ok] < zero
        ck.check(column, negative, "negative durations", t.values)
    elif rule == "time":
        ck.temporal(column, allowed=("datetime",), what="numbers or datetimes")
    elif rule in ("id", "category"):
        missing = ck.no_missing(column)
        if rule == "category" and s.dtype == object:
            obj = s.to_numpy(dtype=object)
            numeric = _classify_types(obj, lambda t: _is_real_type(t) or _is_bool_type(t))
            text = ~numeric & ~missing
            if numeric.any() and text.any():
                ck.check(column, text, "a mix of numbers and strings (it cannot be ordered)",
                         obj)
    elif rule == "unique_id":
        missing = ck.no_missing(column)
        dup = s.duplicated(keep=False).to_numpy() & ~missing
        ck.check(column, dup, f"duplicate ids (one row per id in {ck.table})",
                 lambda: s.to_numpy(dtype=object))
