"""The boundary every public estimator shares, declared with :func:`reads`.

Around each estimator that takes tables it applies, in one place:

1. the missing-value policy ``missing="raise" | "drop"`` (below);
2. row references: an error the estimator found on a cell table of a pandas input points at
   the rows holding the offending values (:func:`loyaltystats._frames.locate_rows`);
3. no verdict on garbage: a claim result whose deciding estimate or interval is NaN (an
   empty cell, nothing to estimate) raises :class:`~loyaltystats.errors.ModelError` with the
   reason, instead of carrying a verdict.

(The package's own warnings are shown at the user's line by :func:`loyaltystats._warn.warn_user`,
not by intercepting them here: ``warnings.catch_warnings`` is global state and not
thread-safe.)

Real survey exports always have blanks. By default (``"raise"``) a blank in a column an
estimator reads is an error of the data contract naming the table, column and rows. With
``"drop"`` the rows missing a value in any column the estimator reads are left out first
(per table; in an engine lazily, in the engine), and the result says how many rows were
dropped and for which column in ``result.info["rows_dropped"]``::

    {"customers": {"negatives": 3, "rows": 3}}

A row missing two columns counts for both; the table's total is under ``"rows"``. Values
that are present but wrong (off the scale, text among numbers, negative counts) are never
dropped: they are errors whatever the policy.

Estimators declare which of their parameters name columns of which table with
:func:`reads`; the policy is applied before the estimator sees the data, so the
estimator itself has one path.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd

from ._frames import locate_rows
from ._threads import single_blas_thread
from .errors import DataError, ModelError, ParameterError
from .results import ClaimResult

__all__ = ["Missing", "MISSING_POLICIES", "check_missing", "drop_missing_rows",
           "reads", "drop_missing_values"]

Missing = Literal["raise", "drop"]
MISSING_POLICIES = ("raise", "drop")

_F = TypeVar("_F", bound=Callable[..., Any])


def check_missing(missing: Any) -> str:
    """Return ``missing`` if it is a policy, else raise :class:`ParameterError`."""
    if not isinstance(missing, str) or missing not in MISSING_POLICIES:
        raise ParameterError(f"missing must be 'raise' or 'drop', got {missing!r}")
    return missing


def _column_names(value: Any) -> list[Hashable]:
    """The column names a parameter value holds: a name, a sequence of names or a mapping
    whose keys are names (``None`` and non-names give nothing)."""
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, (str, int)):
        return [value]
    if isinstance(value, Mapping):
        return [k for k in value if isinstance(k, (str, int)) and not isinstance(k, bool)]
    if isinstance(value, Iterable) and not isinstance(value, (pd.Series, np.ndarray)):
        return [v for v in value if isinstance(v, (str, int)) and not isinstance(v, bool)]
    return []


def drop_missing_rows(data: Any, columns: Sequence[Hashable], table: str
                      ) -> tuple[Any, dict[str, int]]:
    """``data`` without the rows missing a value (NaN, None, NaT, null) in ``columns``.

    Works on every input the estimators take: a pandas DataFrame is filtered with
    ``.loc``; an engine input (Polars, DuckDB, Parquet, Dask) is filtered lazily in its
    engine and only the named columns are read to count. Columns the table does not have
    are skipped (the estimator reports them as missing columns).

    Returns
    -------
    data
        The filtered table (``data`` itself when nothing is missing).
    dropped : dict
        ``{column: rows missing it, ..., "rows": rows dropped}``, empty when none.

    Examples
    --------
    >>> import pandas as pd
    >>> kept, dropped = drop_missing_rows(pd.DataFrame({"a": [1, None, 3]}), ["a"], "t")
    >>> len(kept), dropped
    (2, {'a': 1, 'rows': 1})
    """
    from ._frames import column_names, keep_rows, read_columns

    have = column_names(data, table=table)
    present = [c for c in dict.fromkeys(columns) if c in have]
    if not present:
        return data, {}
    miss = read_columns(data, present, table)[present].isna()
    rows = miss.any(axis=1).to_numpy()
    if not rows.any():
        return data, {}
    counts = {str(c): int(n) for c, n in miss.sum().items() if n}
    counts["rows"] = int(rows.sum())
    for c in present:  # lazily in an engine; a pandas frame loses those rows
        data = keep_rows(data, c, not_null=True, table=table)
    return data, counts


def drop_missing_values(*arrays: Any, names: Sequence[str]) -> tuple[list[Any], dict[str, int]]:
    """For estimators that take aligned vectors (``nps.score(values, weights=...)``): the
    positions where any vector is missing, left out of all of them.

    ``None`` entries pass through. Returns the filtered vectors (Series keep their labels)
    and ``{name: missing in it, ..., "rows": positions dropped}`` (empty when none).

    Examples
    --------
    >>> (v, w), dropped = drop_missing_values([9, None, 3], [1.0, 2.0, None],
    ...                                       names=["values", "weights"])
    >>> list(v), list(w), dropped
    ([9.0], [1.0], {'values': 1, 'weights': 1, 'rows': 2})
    """
    series = [None if a is None else (a if isinstance(a, pd.Series) else pd.Series(a))
              for a in arrays]
    lengths = {len(s) for s in series if s is not None}
    if len(lengths) > 1:
        return list(arrays), {}   # the estimator reports the length mismatch
    masks = {name: s.isna().to_numpy() for name, s in zip(names, series) if s is not None}
    if not masks:
        return list(arrays), {}
    rows = np.logical_or.reduce(list(masks.values()))
    if not rows.any():
        return list(arrays), {}
    counts = {name: int(m.sum()) for name, m in masks.items() if m.any()}
    counts["rows"] = int(rows.sum())
    out = [None if s is None else s[~rows] for s in series]
    return out, counts


def record_dropped(result: Any, dropped: Mapping[str, Any]) -> Any:
    """Write ``dropped`` into ``result.info["rows_dropped"]`` (results keep ``info`` as a
    plain dict, so a frozen result can carry it)."""
    info = getattr(result, "info", None)
    if isinstance(info, dict):
        info["rows_dropped"] = dict(dropped)
    return result


def _no_verdict_on_nan(result: Any, intervals: bool = True) -> Any:
    """``result``, unless it is a claim result whose deciding estimate or interval is not
    finite (then :class:`ModelError` with the reason, the same as the claims report's).

    ``intervals=False`` (a call with ``n_boot=0``: the user asked for point estimates only)
    checks the estimates alone; their missing intervals leave the verdict inconclusive.
    """
    if isinstance(result, ClaimResult):
        from .claims.report import nonfinite_deciding_terms

        checked = result
        if not intervals:
            est = result.estimates.assign(ci_low=result.estimates["ci_low"].fillna(-np.inf),
                                          ci_high=result.estimates["ci_high"].fillna(np.inf))
            checked = ClaimResult(estimates=est, claim_id=result.claim_id,
                                  verdict=result.verdict)
        problem = nonfinite_deciding_terms(result.claim_id, checked)
        if problem:  # worded as the claims report words it
            raise ModelError(f"{problem} ({result.reason})" if result.reason else problem)
    return result


def reads(**tables: Sequence[str]) -> Callable[[_F], _F]:
    """Declare the columns an estimator reads and give it the shared boundary.

    ``tables`` maps each table parameter of the estimator to the parameters whose values
    name columns of that table (a name, a list of names, or a mapping keyed by names). The
    estimator must have a ``missing`` keyword; with ``"drop"`` the decorator filters the
    tables, calls the estimator with ``missing="raise"`` on the rest and records the drops in
    ``result.info["rows_dropped"]``. Errors get row references (pandas inputs); a claim
    result with a NaN deciding estimate becomes a :class:`ModelError`.

    Examples
    --------
    >>> @reads(data=("column",))
    ... def mean(data, column="x", *, missing="raise"):
    ...     from loyaltystats.results import Result, estimates_frame
    ...     return Result(estimates=estimates_frame([{"term": "mean", "method": "mean",
    ...         "estimate": data[column].mean(), "ci_low": 0, "ci_high": 0, "n": len(data)}]))
    >>> r = mean(pd.DataFrame({"x": [1.0, None, 3.0]}), missing="drop")
    >>> r.estimates["estimate"].item(), r.info["rows_dropped"]
    (2.0, {'data': {'x': 1, 'rows': 1}})
    """

    def decorate(fn: _F) -> _F:
        sig = inspect.signature(fn)
        if "missing" not in sig.parameters:  # pragma: no cover - a programming error
            raise TypeError(f"{fn.__name__} needs a 'missing' keyword for reads")

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with single_blas_thread():  # see loyaltystats._threads
                return checked(*args, **kwargs)

        def checked(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            given = {t: bound.arguments.get(t) for t in tables}
            try:
                intervals = bound.arguments.get("n_boot") != 0
                if check_missing(bound.arguments["missing"]) == "raise":
                    return _no_verdict_on_nan(fn(*args, **kwargs), intervals)
                dropped: dict[str, dict[str, int]] = {}
                for table, params in tables.items():
                    data = bound.arguments.get(table)
                    if data is None:
                        continue
                    cols: list[Hashable] = []
                    for p in params:
                        cols += [c for c in _column_names(bound.arguments.get(p))
                                 if c not in cols]
                    kept, counts = drop_missing_rows(data, cols, table)
                    bound.arguments[table] = kept
                    if counts:
                        dropped[table] = counts
                bound.arguments["missing"] = "raise"
                return _no_verdict_on_nan(
                    record_dropped(fn(*bound.args, **bound.kwargs), dropped), intervals)
            except DataError as exc:
                # found on a cell table: point at the rows of a pandas input that hold the
                # offending values (its labels, or CSV lines), as a row-by-row check would
                located = locate_rows(exc, given)
                if located is exc:
                    raise
                raise located from None

        return wrapper  # type: ignore[return-value]

    return decorate
