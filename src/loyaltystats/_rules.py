"""The checks of the counting step, each said once: its rule id, its words, its order.

Counting happens where the data live: numpy for a pandas DataFrame
(:mod:`loyaltystats.tables`), a lazy query for Polars, DuckDB, Parquet and Dask
(:mod:`loyaltystats.engines`; no rows leave the engine, so the offending rows are counted
there). Both paths evaluate the same rules and raise through :func:`violation`, so a problem
has one message, one error class and one place in the order of checks whatever the input.
Each error carries its rule id (``err.rule``), which is how partial results are merged (the
Dask person-period path adds up the offending rows of every partition per rule).

The wording of a missing value is the data contract's own
(:data:`loyaltystats.scales.MISSING_VALUES`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from .errors import DataError, MissingKeyError, TooManyCellsError
from .scales import MISSING_VALUES

__all__ = ["Rule", "RULES", "violation", "PERSON_PERIOD_EXPERIENCE_ORDER", "MAX_CELLS"]

MAX_CELLS = 50_000_000
"""The most potential cells a count may define (both paths): beyond, bin the columns first."""


class Rule(NamedTuple):
    """One check of the counting step: an id, its message and the error class."""

    id: str
    message: str
    error: type[DataError] = DataError


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("no_keys", "count_cells needs at least one grouping column"),
    Rule("no_rows_to_count", "no rows to count"),
    Rule("missing_key", MISSING_VALUES, MissingKeyError),
    Rule("missing_outcome", MISSING_VALUES),
    Rule("outcome_not_binary", "outcome must be 0/1 or boolean"),
    Rule("outcome_dtype", "outcome must be 0/1 or boolean, got dtype {dtype}"),
    Rule("weights_dtype", "weights must be numeric, got dtype {dtype}"),
    Rule("weights_bad", "weights must be finite and non-negative"),
    Rule("too_many_cells", "the grouping columns define {total:,} potential cells; bin "
                           "continuous columns first", TooManyCellsError),
    # person-period: the customers
    Rule("no_customers", "no rows"),
    Rule("duplicate_customers", "duplicate customer ids"),
    Rule("periods_dtype", "must be numeric (periods), got dtype {dtype}"),
    Rule("missing_period", MISSING_VALUES),
    Rule("infinite_period", "infinite values"),
    Rule("duration_not_positive", "durations must be positive"),
    Rule("too_many_person_periods",
         "the person-period table would have {total:.3g} rows (at most {limit:,}; "
         "tables.MAX_PERSON_PERIOD_ROWS): durations this long are not in periods of "
         "{period:g}; check the unit, or use a longer period_length"),
    Rule("too_many_pp_cells", "the person-period cells number {total:,}; pool levels or "
                              "set a horizon", TooManyCellsError),
    # person-period: the experiences
    Rule("count_without_experiences", "count needs an experiences table"),
    Rule("unknown_customers", "experiences of unknown customers"),
    Rule("time_dtype", "must be numeric, got dtype {dtype}"),
    Rule("outside_at_risk",
         "experiences outside the customer's time at risk [start, start + duration)"),
)}
"""Every rule of the counting step by id."""

PERSON_PERIOD_EXPERIENCE_ORDER = ("unknown_customers", "time_dtype", "outside_at_risk")
"""The order in which the experiences' rules are checked (the first broken one is raised)."""


def violation(rule: str, *, table: str | None = None, column: str | None = None,
              n_rows: int | None = None, examples: Iterable[Any] = (), note: str = "",
              **words: Any) -> DataError:
    """The error for a broken rule: its message (``words`` fill its placeholders, ``note``
    is appended, e.g. what the examples are), its class, and ``err.rule = rule``."""
    r = RULES[rule]
    err = r.error(r.message.format(**words) + note, table=table, column=column,
                  n_rows=n_rows, examples=examples)
    err.rule = rule
    return err
