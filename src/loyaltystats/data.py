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

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._data_checker import _as_pandas, _Checker
from ._data_table_checks import (
    _check_column_rule,
    _check_customers,
    _check_experiences,
    _check_responses,
    _customer_bounds,
)
from ._data_values import (
    _check_mapping,
    _flag_error,
    _flag_values,
    _names,
    _rating_scales,
    _require_scale,
)
from .errors import DataError, ParameterError
from .scales import GRADE_1_10, LIKERT_1_5, RECOMMEND_0_10, Scale

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
"""How a validator reacts to bad rows: ``"raise"`` the first problem, or ``"split"`` the table."""

COLUMN_RULES = ("score", "flag", "flag_or_missing", "count", "number", "duration", "time",
                "id", "unique_id", "category")
"""The kinds of column :func:`validate_column` checks (see its docstring)."""

PROBLEM_COLUMNS = ("table", "column", "problem", "n_rows", "examples")
"""Columns of :attr:`Validation.problems`, in order."""


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
# flags
# ---------------------------------------------------------------------------------------


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
    _check_responses(ck, id=id, time=time, score=score, scale=scale, recommend=recommend,
                     recommend_scale=recommend_scale, rating_scales=rating_scales,
                     weights=weights, flags=flag_columns, flag_mapping=flag_mapping,
                     categorical=categorical_columns)
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
    _check_customers(ck, id=id, start=start, end=end, duration=duration, switched=switched,
                     intent=intent, flag_mapping=flag_mapping, categorical=categorical_columns)
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
        c_start, c_end = _customer_bounds(customers, customer_start=customer_start,
                                          customer_end=customer_end,
                                          customer_duration=customer_duration)

    ck = _Checker(df, "experiences", on_error)
    ck.require_columns([id, time, kind])
    ck.require_rows()
    _check_experiences(ck, customers, id=id, time=time, kind=kind, allowed_kinds=allowed_kinds,
                       c_id=c_id, bounds=((customer_start, c_start),
                                          (customer_end or customer_duration, c_end)))
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
    _check_column_rule(ck, column, rule, scale=scale, flag_mapping=flag_mapping)
