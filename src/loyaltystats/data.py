"""The data contract: validate the three tidy input tables before any statistics.

loyaltystats works on three tidy tables whose column names are always passed in, never
guessed:

``responses``
    One row per survey answer: customer id, time, overall score, recommend score,
    attribute ratings, optional weights, flags and categorical columns.
``customers``
    One row per customer: id, start, end or duration, switched flag, optional intent flag,
    segment (categorical) columns.
``experiences``
    One row per event: customer id, time, kind (negative, recovery, delight, ...).

Each validator runs its checks in a fixed, documented order and never drops, fills or
coerces anything silently. With ``on_error="raise"`` (the default) the first problem
raises a :class:`~loyaltystats.errors.DataError` (a :class:`ValueError`) or, for scores
outside their scale, a :class:`~loyaltystats.errors.ScaleError`; the message names the
table, the column, how many rows are affected and up to five offending values. With
``on_error="split"`` every row-level problem is collected instead and the table is
partitioned into accepted and rejected rows. Either way a :class:`Validation` comes back.

All checks are vectorized; validating a frame with 10**6 rows takes a fraction of a second.

Examples
--------
>>> import pandas as pd
>>> from loyaltystats.data import validate_responses
>>> df = pd.DataFrame({"cust": [1, 2, 3], "grade": [8, 11, 7.5]})
>>> validate_responses(df, id="cust", score="grade")
Traceback (most recent call last):
...
loyaltystats.errors.ScaleError: responses.grade: values outside the scale grade 1-10 (numbers 1-10) (1 row; e.g. 11.0)
>>> v = validate_responses(df, id="cust", score="grade", on_error="split")
>>> v.accepted.index.tolist(), v.rejected["reason"].tolist()
([0, 2], ['grade: values outside the scale grade 1-10 (numbers 1-10)'])
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from .errors import DataError, ParameterError, ScaleError
from .scales import (
    GRADE_1_10,
    LIKERT_1_5,
    MISSING_VALUES,
    NOT_NUMBERS,
    RECOMMEND_0_10,
    Scale,
    _as_numbers,
    _classify_types,
    _is_bool_type,
    _is_plain_numeric_dtype,
    _is_real_type,
    labels_note,
)

__all__ = [
    "OnError",
    "PROBLEM_COLUMNS",
    "Validation",
    "as_flag",
    "validate_responses",
    "validate_customers",
    "validate_experiences",
    "validate_column",
    "COLUMN_RULES",
]

OnError = Literal["raise", "split"]

COLUMN_RULES = ("score", "flag", "flag_or_missing", "count", "number", "duration", "time",
                "id", "unique_id", "category")
"""The kinds of column :func:`validate_column` checks (see its docstring)."""
"""How a validator reacts to bad rows: ``"raise"`` the first problem, or ``"split"`` the table."""

PROBLEM_COLUMNS = ("table", "column", "problem", "n_rows", "examples")
"""Columns of :attr:`Validation.problems`, in order."""

_MAX_EXAMPLES = 5
_MISSING = MISSING_VALUES
_NOT_NUMBERS = NOT_NUMBERS


# ---------------------------------------------------------------------------------------
# result type
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Validation:
    """Outcome of a validator: the accepted rows, the rejected rows and the problems found.

    Parameters
    ----------
    accepted : pandas.DataFrame
        The input rows that passed every check, with their original index and dtypes.
        When nothing was rejected this is a shallow copy of the input (no data copied).
    rejected : pandas.DataFrame
        The input rows that failed at least one check, with an added ``reason`` column
        (``"column: problem"``, several joined by ``"; "``). Always empty in ``"raise"``
        mode. If the input already has a ``reason`` column the added one is called
        ``reason_`` (underscores are appended until the name is free).
    problems : pandas.DataFrame
        One row per problem with the columns ``table, column, problem, n_rows, examples``
        (``examples`` holds a tuple of at most five offending values).
    table : str
        Which table was validated.
    errors : tuple of DataError
        The problems as exceptions, in the order found (not shown in the repr).

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltystats.data import validate_customers
    >>> v = validate_customers(pd.DataFrame({"id": [1, 2, 2]}), id="id", on_error="split")
    >>> v
    Validation(table='customers', accepted=1 row, rejected=2 rows, problems=1)
    >>> v.problems[["column", "problem", "n_rows"]].to_dict("records")
    [{'column': 'id', 'problem': 'duplicate customer ids', 'n_rows': 2}]
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    problems: pd.DataFrame
    table: str = ""
    errors: tuple[DataError, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        """Whether no row was rejected."""
        return len(self.rejected) == 0

    @property
    def reason_column(self) -> str:
        """Name of the column holding the reasons in :attr:`rejected` (normally ``reason``)."""
        return str(self.rejected.columns[-1])

    def raise_first(self) -> None:
        """Raise the first problem found, if any (turns a split result into raise mode)."""
        if self.errors:
            raise self.errors[0]

    def __repr__(self) -> str:
        def rows(n: int) -> str:
            return f"{n} row{'s' if n != 1 else ''}"

        return (
            f"Validation(table={self.table!r}, accepted={rows(len(self.accepted))}, "
            f"rejected={rows(len(self.rejected))}, problems={len(self.problems)})"
        )


# ---------------------------------------------------------------------------------------
# value helpers (all vectorized)
# ---------------------------------------------------------------------------------------


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


def as_flag(
    series: pd.Series | np.ndarray | Iterable[Any],
    *,
    column: str,
    table: str,
    mapping: Mapping[Any, bool] | None = None,
) -> np.ndarray:
    """Read a column as a boolean flag, refusing anything that is not clearly boolean.

    Accepted values: booleans (``bool`` dtype or a nullable ``boolean`` column without
    missing values), integers 0/1, floats exactly 0.0/1.0, and any value that is a key of
    ``mapping``. Strings are accepted only through ``mapping``: ``"True"``, ``"yes"`` or
    ``"1"`` are never guessed. Mapping keys take precedence over the 0/1 rule, so
    ``{1: True, 2: False}`` reads a 1/2 coding.

    Parameters
    ----------
    series : pandas.Series or array-like
        The values.
    column, table : str
        Used in the error message.
    mapping : mapping, optional
        Explicit translation of other values, e.g. ``{"yes": True, "no": False}``; its
        values must be ``True`` or ``False``.

    Returns
    -------
    numpy.ndarray of bool

    Raises
    ------
    DataError
        If any value (including a missing one) is not a flag; the message names the
        offending values and how many rows have them.

    Examples
    --------
    >>> import pandas as pd
    >>> as_flag(pd.Series([1, 0, 1]), column="switched", table="customers")
    array([ True, False,  True])
    >>> as_flag(pd.Series(["yes", "no"]), column="intent", table="customers",
    ...         mapping={"yes": True, "no": False})
    array([ True, False])
    >>> as_flag(pd.Series([0, 2]), column="switched", table="customers")
    Traceback (most recent call last):
    ...
    loyaltystats.errors.DataError: customers.switched: not a boolean flag (expected True/False, 0/1 or a key of the flag mapping) (1 row; e.g. 2)
    """
    _check_mapping(mapping)
    s = series if isinstance(series, pd.Series) else pd.Series(series)
    values, bad = _flag_values(s, mapping)
    if bad.any():
        raise _flag_error(s, bad, column=str(column), table=table)
    return values


def _flag_error(s: pd.Series, bad: np.ndarray, *, column: str, table: str) -> DataError:
    return DataError(
        "not a boolean flag (expected True/False, 0/1 or a key of the flag mapping)",
        table=table, column=column, n_rows=int(bad.sum()),
        examples=_distinct_examples(s.to_numpy(dtype=object), bad),
    )


# ---------------------------------------------------------------------------------------
# the checker: records problems in raise or split mode
# ---------------------------------------------------------------------------------------


def _as_pandas(df: Any, columns: Iterable[Hashable | None], table: str) -> Any:
    """An engine input (Polars, DuckDB, Parquet path, Dask) as pandas, with only ``columns``.

    The validators then check it exactly as a pandas table (the same messages and counts).
    Anything else is returned as it is (a non-table fails in :class:`_Checker`).
    """
    from ._frames import is_table, read_columns

    if is_table(df):
        return read_columns(df, list(dict.fromkeys(c for c in columns if c is not None)), table)
    return df


class _Checker:
    """Runs checks on one table; raises at the first problem or collects them all."""

    def __init__(self, df: pd.DataFrame, table: str, on_error: str) -> None:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"{table} must be a pandas DataFrame, got {type(df).__name__}")
        if on_error not in ("raise", "split"):
            raise ParameterError(f"on_error must be 'raise' or 'split', got {on_error!r}")
        self.df = df
        self.table = table
        self.split = on_error == "split"
        self.n = len(df)
        self.errors: list[DataError] = []
        self.masks: list[np.ndarray] = []
        self._bad: dict[Hashable, np.ndarray] = {}
        self._labels: np.ndarray | None = None

    # -- structural problems: always raise --------------------------------------------

    def fail(self, message: str, column: Hashable | None = None, **kw: Any) -> None:
        raise DataError(message, table=self.table,
                        column=None if column is None else str(column), **kw)

    def require_columns(self, columns: Iterable[Hashable | None]) -> None:
        wanted = list(dict.fromkeys(c for c in columns if c is not None))
        available = list(self.df.columns)
        missing = [c for c in wanted if c not in self.df.columns]
        if missing:
            shown = ", ".join(repr(c) for c in available[:30])
            if len(available) > 30:
                shown += f", ... ({len(available)} in all)"
            self.fail(
                f"missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(c) for c in missing)}; available columns: {shown or 'none'}",
                column=",".join(str(c) for c in missing),
            )
        dup_names = self.df.columns[self.df.columns.duplicated()]
        clash = [c for c in wanted if c in set(dup_names)]
        if clash:
            self.fail("column name appears more than once in the table", column=clash[0])

    def require_rows(self) -> None:
        if self.n == 0:
            self.fail("no rows", n_rows=0)

    # -- row-level problems ------------------------------------------------------------

    @property
    def labels(self) -> np.ndarray:
        if self._labels is None:
            self._labels = self.df.index.to_numpy()
        return self._labels

    def bad(self, column: Hashable | None) -> np.ndarray:
        """Rows already rejected because of ``column`` (all False if none)."""
        found = self._bad.get(column)
        return np.zeros(self.n, dtype=bool) if found is None else found

    def record(self, column: Hashable, mask: np.ndarray,
               make_error: Callable[[np.ndarray], DataError]) -> None:
        """Report the rows in ``mask`` not already rejected for ``column``."""
        previous = self._bad.get(column)
        if previous is not None:
            mask = mask & ~previous
        if not mask.any():
            return
        err = make_error(mask)
        if not self.split:
            raise err
        self.errors.append(err)
        self.masks.append(mask)
        self._bad[column] = mask if previous is None else previous | mask

    def check(self, column: Hashable, mask: np.ndarray, message: str,
              examples: np.ndarray | Callable[[], np.ndarray] | None = None,
              cls: type[DataError] = DataError) -> None:
        """Report ``mask`` rows with ``message``; examples are values (default: row labels,
        said in the message: CSV line numbers for a table the command line read)."""
        if examples is None:
            message += labels_note(self.df.index)

        def make(m: np.ndarray) -> DataError:
            source = self.labels if examples is None else examples
            if callable(source):
                source = source()
            return cls(message, table=self.table, column=str(column), n_rows=int(m.sum()),
                       examples=_distinct_examples(source, m))

        self.record(column, mask, make)

    def check_rows(self, column: Hashable, mask: np.ndarray, message: str,
                   parts: list[tuple[str, np.ndarray | Callable[[], np.ndarray]]]) -> None:
        """Like :meth:`check`, examples built as ``"a=1, b=2"`` from several columns.

        ``parts`` holds arrays or callables returning one (to defer costly conversions).
        """

        def make(m: np.ndarray) -> DataError:
            pos = np.flatnonzero(m)[:_MAX_EXAMPLES]
            arrays = [(name, arr() if callable(arr) else arr) for name, arr in parts]
            examples = [", ".join(f"{name}={_plain(arr[p])}" for name, arr in arrays)
                        for p in pos]
            return DataError(message, table=self.table, column=str(column),
                             n_rows=int(m.sum()), examples=examples)

        self.record(column, mask, make)

    # -- reusable column checks -----------------------------------------------------------

    def no_missing(self, column: Hashable) -> np.ndarray:
        missing = self.df[column].isna().to_numpy()
        self.check(column, missing, _MISSING)
        return missing

    def numbers(self, column: Hashable, cls: type[DataError] = DataError) -> np.ndarray:
        s = self.df[column]
        values, not_numbers = _as_numbers(s)
        self.check(column, not_numbers, _NOT_NUMBERS, lambda: s.to_numpy(dtype=object), cls)
        self.check(column, np.isnan(values), _MISSING)
        return values

    def on_scale(self, column: Hashable, scale: Scale) -> np.ndarray:
        # text in a score column is a scale problem too: ScaleError, as in Scale.check
        values = self.numbers(column, ScaleError)
        invalid = scale.invalid_mask(values)

        def make(m: np.ndarray) -> DataError:
            try:
                scale.check(values[m], column=str(column), table=self.table)
            except ScaleError as err:
                return err
            raise AssertionError("Scale.invalid_mask and Scale.check disagree")  # pragma: no cover

        self.record(column, invalid, make)
        return values

    def temporal(self, column: Hashable, *, allowed: tuple[str, ...], what: str) -> _Temporal:
        s = self.df[column]
        t = _temporal(s, allowed=allowed)
        self.check(column, t.not_valid,
                   f"values are not {what} (strings and objects are never converted; "
                   "use pd.to_datetime or pd.to_numeric first)",
                   lambda: s.to_numpy(dtype=object))
        self.check(column, t.missing, _MISSING)
        if t.kind == "numeric":
            self.check(column, np.isinf(t.values), "infinite values", t.values)
        return t

    def same_kind(self, first: Hashable, a: _Temporal, second: Hashable, b: _Temporal,
                  *, other_table: str | None = None) -> None:
        if "other" in (a.kind, b.kind):
            return  # no usable values: already reported row by row
        if a.kind != b.kind or a.tz_aware != b.tz_aware:
            where = f"{other_table}.{first}" if other_table else str(first)
            self.fail(
                f"{second} is {_describe_kind(b)} but {where} is {_describe_kind(a)}; "
                "use the same kind of time for both",
                column=second,
            )

    def flag(self, column: Hashable, mapping: Mapping[Any, bool] | None) -> None:
        s = self.df[column]
        _, bad = _flag_values(s, mapping)
        self.record(column, bad, lambda m: _flag_error(s, m, column=str(column), table=self.table))

    # -- outcome ----------------------------------------------------------------------

    def result(self) -> Validation:
        df = self.df
        reason = "reason"
        while reason in df.columns:
            reason += "_"
        records = [
            (e.table, e.column, e.message, e.n_rows, e.examples) for e in self.errors
        ]
        problems = pd.DataFrame(records, columns=list(PROBLEM_COLUMNS)).astype(
            {"table": object, "column": object, "problem": object, "n_rows": np.int64,
             "examples": object}
        )
        if not self.masks:
            rejected = df.take(np.array([], dtype=np.intp)).assign(
                **{reason: np.array([], dtype=object)}
            )
            return Validation(df.copy(deep=False), rejected, problems, self.table, ())
        rejected_mask = np.logical_or.reduce(self.masks)
        positions = np.flatnonzero(rejected_mask)
        reasons = np.full(len(positions), "", dtype=object)
        for mask, err in zip(self.masks, self.errors):
            hit = mask[positions]
            note = labels_note(self.df.index)
            text = f"{err.column}: {err.message.removesuffix(note)}"
            current = reasons[hit]
            reasons[hit] = np.where(current == "", text, current + "; " + text)
        # take (not iloc) so the results are independent frames: adding a column to them
        # later does not raise pandas' SettingWithCopyWarning
        accepted = df.take(np.flatnonzero(~rejected_mask))
        rejected = df.take(positions).assign(**{reason: reasons})
        return Validation(accepted, rejected, problems, self.table, tuple(self.errors))


# ---------------------------------------------------------------------------------------
# argument helpers
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


# ---------------------------------------------------------------------------------------
# validators
# ---------------------------------------------------------------------------------------


def validate_responses(
    df: pd.DataFrame,
    *,
    id: Hashable | None = None,
    score: Hashable | None = None,
    scale: Scale = GRADE_1_10,
    recommend: Hashable | None = None,
    recommend_scale: Scale = RECOMMEND_0_10,
    ratings: Mapping[Hashable, Scale] | Iterable[Hashable] | None = None,
    ratings_scale: Scale = LIKERT_1_5,
    time: Hashable | None = None,
    weights: Hashable | None = None,
    flags: Iterable[Hashable] | None = None,
    flag_mapping: Mapping[Any, bool] | None = None,
    categorical: Iterable[Hashable] | None = None,
    on_error: OnError = "raise",
) -> Validation:
    """Validate a responses table (one row per survey answer).

    Only the columns named are checked; other columns are carried along untouched.

    Checks, in this order (the first failure raises in ``"raise"`` mode):

    1. every named column exists (always raises, listing missing and available columns);
    2. the table has rows (always raises);
    3. ``id``: no missing values;
    4. ``time``: numbers or datetime64, no missing or infinite values;
    5. ``score``: numbers, no missing values, valid on ``scale`` (:class:`ScaleError`);
    6. ``recommend``: the same on ``recommend_scale``;
    7. each rating column, in the order given: the same on its scale;
    8. ``weights``: numbers, no missing (NaN), infinite or negative weights (zero is allowed);
    9. each flag column: boolean, see :func:`as_flag`;
    10. each categorical column: no missing values.

    Within a column, a row is reported only for its first problem.

    Parameters
    ----------
    df : pandas.DataFrame
        The responses.
    id, time, score, recommend, weights : column name, optional
        Columns to check. ``time`` may hold numbers or datetime64 values.
    scale : Scale, default GRADE_1_10
        Scale of ``score``; fractional grades such as 8.5 are valid on GRADE_1_10.
    recommend_scale : Scale, default RECOMMEND_0_10
        Scale of ``recommend`` (whole numbers 0-10).
    ratings : dict of column -> Scale, or list of columns, optional
        Attribute ratings; a list uses ``ratings_scale`` for every column.
    ratings_scale : Scale, default LIKERT_1_5
        Scale for ratings given as a list.
    flags : list of column names, optional
        Boolean columns.
    flag_mapping : mapping, optional
        Explicit translation of flag values, e.g. ``{"yes": True, "no": False}``.
    categorical : list of column names, optional
        Columns that must have no missing values (segments, channels, ...).
    on_error : {"raise", "split"}, default "raise"
        Raise at the first problem, or return accepted and rejected rows.

    Returns
    -------
    Validation

    Raises
    ------
    DataError
        Missing columns, no rows, or (in ``"raise"`` mode) any row-level problem.
    ScaleError
        In ``"raise"`` mode, a score outside its scale.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"cust": [1, 2], "grade": [8.5, 7], "nps": [9, 6],
    ...                    "speed": [4, 5], "w": [1.0, 0.5]})
    >>> v = validate_responses(df, id="cust", score="grade", recommend="nps",
    ...                        ratings=["speed"], weights="w")
    >>> v.ok, len(v.accepted)
    (True, 2)
    """
    _require_scale(scale, "scale")
    _require_scale(recommend_scale, "recommend_scale")
    _require_scale(ratings_scale, "ratings_scale")
    _check_mapping(flag_mapping)
    rating_scales = _rating_scales(ratings, ratings_scale)
    flag_columns = _names(flags, "flags")
    categorical_columns = _names(categorical, "categorical")

    df = _as_pandas(df, [id, time, score, recommend, *rating_scales, weights, *flag_columns,
                         *categorical_columns], "responses")
    ck = _Checker(df, "responses", on_error)
    ck.require_columns([id, time, score, recommend, *rating_scales, weights, *flag_columns,
                        *categorical_columns])
    ck.require_rows()
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
    for column in flag_columns:
        ck.flag(column, flag_mapping)
    for column in categorical_columns:
        ck.no_missing(column)
    return ck.result()


def validate_customers(
    df: pd.DataFrame,
    *,
    id: Hashable,
    start: Hashable | None = None,
    end: Hashable | None = None,
    duration: Hashable | None = None,
    switched: Hashable | None = None,
    intent: Hashable | None = None,
    flag_mapping: Mapping[Any, bool] | None = None,
    categorical: Iterable[Hashable] | None = None,
    on_error: OnError = "raise",
) -> Validation:
    """Validate a customers table (one row per customer).

    Checks, in this order (the first failure raises in ``"raise"`` mode):

    1. every named column exists (always raises, listing missing and available columns);
    2. the table has rows (always raises);
    3. ``id``: no missing values, no duplicate ids (every row of a duplicated id is
       rejected: which one is right cannot be known);
    4. ``start``: numbers or datetime64, no missing or infinite values;
    5. ``end``: numbers or datetime64; the same kind as ``start`` (a datetime against a
       numeric column, or a timezone-aware against a naive one, always raises); no missing
       or infinite values; not before ``start`` (``end == start`` is allowed);
    6. ``duration``: numbers or timedelta64, no missing, infinite or negative values; when
       ``start`` and ``end`` are given too and their kinds fit (all numeric, or datetimes
       with a timedelta), ``duration`` must equal ``end - start`` (numbers within
       ``numpy.isclose``);
    7. ``switched``, then ``intent``: boolean flags, see :func:`as_flag`;
    8. each categorical (segment) column: no missing values.

    Parameters
    ----------
    df : pandas.DataFrame
        The customers.
    id : column name
        Customer id; must be unique and present.
    start, end : column name, optional
        Start and end of the relationship, numbers or datetime64 (the same kind).
    duration : column name, optional
        Length of the relationship (numbers or timedelta64), instead of or besides ``end``.
    switched : column name, optional
        Whether the customer left (switched / churned) at ``end``.
    intent : column name, optional
        Stated intention to switch, a flag.
    flag_mapping : mapping, optional
        Explicit translation of flag values, e.g. ``{"yes": True, "no": False}``.
    categorical : list of column names, optional
        Segment columns that must have no missing values.
    on_error : {"raise", "split"}, default "raise"
        Raise at the first problem, or return accepted and rejected rows.

    Returns
    -------
    Validation

    Raises
    ------
    DataError
        Missing columns, no rows, mixed time kinds, or (in ``"raise"`` mode) any
        row-level problem.

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"id": ["a", "b"], "start": [0.0, 2.0], "end": [5.0, 1.0],
    ...                      "left": [1, 0]})
    >>> validate_customers(cust, id="id", start="start", end="end", switched="left")
    Traceback (most recent call last):
    ...
    loyaltystats.errors.DataError: customers.end: end before start (1 row; e.g. 'id=b, start=2.0, end=1.0')
    """
    _check_mapping(flag_mapping)
    categorical_columns = _names(categorical, "categorical")
    df = _as_pandas(df, [id, start, end, duration, switched, intent, *categorical_columns],
                    "customers")
    ck = _Checker(df, "customers", on_error)
    ck.require_columns([id, start, end, duration, switched, intent, *categorical_columns])
    ck.require_rows()

    missing_id = ck.no_missing(id)
    ids = df[id]
    duplicated = ids.duplicated(keep=False).to_numpy() & ~missing_id
    ck.check(id, duplicated, "duplicate customer ids", lambda: ids.to_numpy(dtype=object))

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
            before = np.zeros(len(df), dtype=bool)
            before[usable] = t_end.values[usable] < t_start.values[usable]
            ck.check_rows(end, before, "end before start",
                          [("id", id_values), ("start", t_start.values), ("end", t_end.values)])
    if duration is not None:
        t_dur = ck.temporal(duration, allowed=("timedelta",), what="numbers or timedeltas")
        negative = np.zeros(len(df), dtype=bool)
        ok = ~ck.bad(duration)
        zero = np.timedelta64(0, "ns") if t_dur.kind == "timedelta" else 0.0
        negative[ok] = t_dur.values[ok] < zero
        ck.check(duration, negative, "negative durations", t_dur.values)
        if t_start is not None and t_end is not None:
            kinds = (t_start.kind, t_end.kind, t_dur.kind)
            usable = ~ck.bad(start) & ~ck.bad(end) & ~ck.bad(duration)
            differs = np.zeros(len(df), dtype=bool)
            if kinds == ("numeric", "numeric", "numeric"):
                span = t_end.values[usable] - t_start.values[usable]
                differs[usable] = ~np.isclose(span, t_dur.values[usable])
            elif kinds == ("datetime", "datetime", "timedelta"):
                span = t_end.values[usable] - t_start.values[usable]
                differs[usable] = span != t_dur.values[usable]
            ck.check_rows(duration, differs, "duration differs from end - start",
                          [("id", id_values), ("start", t_start.values), ("end", t_end.values),
                           ("duration", t_dur.values)])
    if switched is not None:
        ck.flag(switched, flag_mapping)
    if intent is not None:
        ck.flag(intent, flag_mapping)
    for column in categorical_columns:
        ck.no_missing(column)
    return ck.result()


def validate_experiences(
    df: pd.DataFrame,
    *,
    id: Hashable,
    time: Hashable,
    kind: Hashable | None = None,
    kinds: Iterable[Any] | None = None,
    customers: pd.DataFrame | None = None,
    customer_id: Hashable | None = None,
    customer_start: Hashable | None = None,
    customer_end: Hashable | None = None,
    customer_duration: Hashable | None = None,
    on_error: OnError = "raise",
) -> Validation:
    """Validate an experiences table (one row per event a customer went through).

    A customer's lifetime is the half-open interval ``[start, end)``: an experience at
    exactly ``start`` is inside, one at exactly ``end`` is outside. For a customer who
    switched, ``end`` is the moment of churn, so an experience at ``time == end`` is an
    experience after churn; for a censored customer it lies at or after the end of
    observation. Either way it is rejected.

    When ``customers`` is given it must itself be valid: it is checked with
    :func:`validate_customers` (id, start, end / duration only) and any problem in it
    raises, even in ``"split"`` mode.

    Checks on the experiences, in this order (the first failure raises in ``"raise"``
    mode):

    1. every named column exists (always raises, listing missing and available columns);
    2. the table has rows (always raises);
    3. ``id``: no missing values; every id is a customer in ``customers`` (if given);
    4. ``time``: numbers or datetime64; the same kind as the customers' start / end
       (otherwise always raises); no missing or infinite values; not before the customer's
       start; before the customer's end (see above);
    5. ``kind``: no missing values; one of ``kinds`` (if given).

    Parameters
    ----------
    df : pandas.DataFrame
        The experiences.
    id, time : column name
        Customer id and time of the experience (numbers or datetime64).
    kind : column name, optional
        Kind of experience (``"negative"``, ``"recovery"``, ``"delight"``, ...).
    kinds : iterable, optional
        Allowed values of ``kind``; any value if omitted.
    customers : pandas.DataFrame, optional
        The customers table, to check ids and lifetimes against.
    customer_id : column name, optional
        Id column in ``customers``; defaults to ``id``.
    customer_start, customer_end : column name, optional
        Start and end columns in ``customers``; each bound is checked only if given.
    customer_duration : column name, optional
        Duration column in ``customers``, used as ``end = start + duration`` when
        ``customer_end`` is not given (needs ``customer_start``).
    on_error : {"raise", "split"}, default "raise"
        Raise at the first problem, or return accepted and rejected rows.

    Returns
    -------
    Validation

    Raises
    ------
    DataError
        Missing columns, no rows, an invalid ``customers`` table, mixed time kinds, or
        (in ``"raise"`` mode) any row-level problem.

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"id": [1, 2], "start": [0, 0], "end": [10, 4]})
    >>> exp = pd.DataFrame({"id": [1, 2, 3], "t": [2, 4, 1], "what": ["negative"] * 3})
    >>> v = validate_experiences(exp, id="id", time="t", kind="what", customers=cust,
    ...                          customer_start="start", customer_end="end",
    ...                          on_error="split")
    >>> v.rejected["reason"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['t: experiences at or after the end of the customer (after churn / end of observation; a lifetime is [start, end))',
     'id: customer ids not in the customers table']
    """
    if kinds is not None and kind is None:
        raise ParameterError("kinds was given without the kind column")
    allowed_kinds = None if kinds is None else list(kinds)
    if customers is None and any(
        c is not None for c in (customer_id, customer_start, customer_end, customer_duration)
    ):
        raise ParameterError("customer_id / customer_start / customer_end / customer_duration "
                         "need the customers table")
    if customer_duration is not None and (customer_start is None or customer_end is not None):
        raise ParameterError("customer_duration needs customer_start and replaces customer_end")

    c_id = id if customer_id is None else customer_id
    c_start = c_end = None
    df = _as_pandas(df, [id, time, kind], "experiences")
    if customers is not None:
        customers = _as_pandas(customers, [c_id, customer_start, customer_end,
                                           customer_duration], "customers")
        validate_customers(customers, id=c_id, start=customer_start, end=customer_end,
                           duration=customer_duration)
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

    ck = _Checker(df, "experiences", on_error)
    ck.require_columns([id, time, kind])
    ck.require_rows()

    ck.no_missing(id)
    ids = df[id]
    position = None
    if customers is not None:
        position = pd.Index(customers[c_id]).get_indexer(ids)
        ck.check(id, position < 0, "customer ids not in the customers table",
                 lambda: ids.to_numpy(dtype=object))

    t = ck.temporal(time, allowed=("datetime",), what="numbers or datetimes")
    if position is not None and (c_start is not None or c_end is not None):
        for name, bound in ((customer_start, c_start), (customer_end or customer_duration, c_end)):
            if bound is not None:
                ck.same_kind(name, bound, time, t, other_table="customers")
        usable = (position >= 0) & ~ck.bad(id) & ~ck.bad(time)
        pos = position[usable]
        parts = [("id", lambda: ids.to_numpy(dtype=object)), ("time", t.values)]
        if c_start is not None:
            starts = np.empty(len(df), dtype=c_start.values.dtype)
            starts[usable] = c_start.values[pos]
            before = np.zeros(len(df), dtype=bool)
            before[usable] = t.values[usable] < starts[usable]
            ck.check_rows(time, before, "experiences before the start of the customer",
                          [*parts, ("start", starts)])
        if c_end is not None:
            ends = np.empty(len(df), dtype=c_end.values.dtype)
            ends[usable] = c_end.values[pos]
            after = np.zeros(len(df), dtype=bool)
            after[usable] = t.values[usable] >= ends[usable]
            ck.check_rows(time, after,
                          "experiences at or after the end of the customer (after churn / end "
                          "of observation; a lifetime is [start, end))",
                          [*parts, ("end", ends)])

    if kind is not None:
        missing_kind = ck.no_missing(kind)
        if allowed_kinds is not None:
            kind_values = df[kind]
            unknown = ~kind_values.isin(allowed_kinds).to_numpy() & ~missing_kind
            ck.check(kind, unknown,
                     f"unknown kinds (allowed: {', '.join(repr(k) for k in allowed_kinds)})",
                     lambda: kind_values.to_numpy(dtype=object))
    return ck.result()


def validate_column(
    data: pd.DataFrame,
    column: Hashable,
    rule: str,
    *,
    table: str,
    scale: Scale | None = None,
    flag_mapping: Mapping[Any, bool] | None = None,
) -> None:
    """Check one column against one rule of the data contract; raise the first problem.

    The same checks, in the same words, as :func:`validate_responses`,
    :func:`validate_customers` and :func:`validate_experiences`, for one column of any table
    (the claims report checks each column a claim reads this way before testing it).

    Rules (``COLUMN_RULES``):

    ``"score"``
        numbers (no strings, no booleans), no missing values, valid on ``scale``;
    ``"flag"``
        a boolean flag (:func:`as_flag`), no missing values;
    ``"flag_or_missing"``
        a flag where a missing value means "unknown" (kept as missing, never read as False);
    ``"count"``
        whole numbers >= 0; ``"number"``: finite numbers; ``"duration"``: numbers or
        timedeltas >= 0, finite;
    ``"time"``
        numbers or datetimes, no missing or infinite values;
    ``"id"``
        no missing values; ``"unique_id"``: no missing and no duplicated values;
    ``"category"``
        no missing values, and not a mix of numbers and strings (a mix cannot be ordered).

    Parameters
    ----------
    data : pandas.DataFrame
        The table.
    column : column name
        The column to check; a missing column raises, listing the available ones.
    rule : str
        One of :data:`COLUMN_RULES`.
    table : str
        Table name for the message (``"responses"``).
    scale : Scale, optional
        Required for ``"score"``.
    flag_mapping : mapping, optional
        Explicit translation of flag values, e.g. ``{"yes": True, "no": False}``.

    Raises
    ------
    DataError
        The column breaks the rule: the message names the table, the column, the number of
        rows and up to five offending values.
    ScaleError
        A score outside ``scale``.

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltystats.scales import GRADE_1_10
    >>> df = pd.DataFrame({"grade": [8, "9", 7]})
    >>> validate_column(df, "grade", "score", table="customers", scale=GRADE_1_10)
    Traceback (most recent call last):
    ...
    loyaltystats.errors.ScaleError: customers.grade: values are not numbers (strings, booleans and other objects are never converted) (1 row; e.g. '9')
    """
    if rule not in COLUMN_RULES:
        raise ParameterError(f"rule must be one of {COLUMN_RULES}, got {rule!r}")
    ck = _Checker(data, table, "raise")
    ck.require_columns([column])
    s = data[column]
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
                  lambda m: _flag_error(s, m, column=str(column), table=table))
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
        ck.check(column, dup, f"duplicate ids (one row per id in {table})",
                 lambda: s.to_numpy(dtype=object))
