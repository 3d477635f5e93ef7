"""Sufficient-statistics tables: the only place that touches raw rows.

Every model in loyaltystats whose predictors are categorical (or binned) is fitted on a small
table of counts per cell instead of on the rows. For a binomial GLM the counts
``(successes, n)`` per cell are sufficient statistics, so the cell fit gives exactly the
row-level maximum-likelihood estimates; a discrete-time hazard is a binomial GLM on the
person-period table aggregated by (period, covariate cell). The cost that grows with the data
is one vectorized pass: factorize the key columns to small integer codes, combine them into one
cell code arithmetically and count with :func:`numpy.bincount`.

Examples
--------
>>> import pandas as pd
>>> from loyaltystats.tables import count_cells
>>> df = pd.DataFrame({"band": ["8", "8", "9-10", "9-10"], "stayed": [1, 0, 1, 1]})
>>> count_cells(df, "band", outcome="stayed")
   band  n  successes
0     8  2          1
1  9-10  2          2
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._person_period_runs import change_points, experience_periods, pp_cells_from_runs
from ._positions import _offset
from ._rules import MAX_CELLS, violation
from ._validate import require_frame
from .scales import labels_note

__all__ = ["count_cells", "person_period", "factorize_column", "dense_codes",
           "shared_codes"]

MAX_PERSON_PERIOD_ROWS = 500_000_000
"""Largest person-period table :func:`person_period` builds (rows); about 10 GB of
working memory. Raise it deliberately for bigger data."""

# Counting in blocks keeps the combined int64 code array small (cache-friendly, no extra
# copy of the whole data); measured faster than one big bincount at 10^7 rows.
_CHUNK = 1 << 18


def _as_list(x: str | Sequence[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return list(x)


def _engine_input(data: Any) -> bool:
    """True for the non-pandas inputs handled by :mod:`loyaltystats.engines`."""
    from .engines import is_engine_input

    return is_engine_input(data)


def _require_columns(data: pd.DataFrame, cols: Sequence[str], table: str) -> None:
    require_frame(data, cols, table, allow_empty=True)

def factorize_column(s: pd.Series, *, table: str = "data") -> tuple[np.ndarray, pd.Index]:
    """Small non-negative integer codes and the sorted unique values of a key column.

    Missing values raise :class:`DataError` instead of becoming a cell of their own or being
    dropped. Integer and boolean columns are coded arithmetically (fast path); categoricals use
    their codes (all categories kept, in category order); anything else goes through
    :func:`pandas.factorize` with sorting.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, uniques = factorize_column(pd.Series([3, 1, 3]))
    >>> codes.tolist(), uniques.tolist()
    ([2, 0, 2], [1, 2, 3])
    """
    name = str(s.name)
    if s.isna().any():
        bad = s.isna()
        raise violation("missing_key", table=table, column=name, n_rows=int(bad.sum()),
                        examples=s.index[bad.to_numpy()][:5].tolist(), note=labels_note(s.index))
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(np.int64), pd.Index(s.cat.categories)
    values = s.to_numpy()
    if values.dtype.kind == "b":
        return values.astype(np.int64), pd.Index([False, True])
    lo, hi = (int(values.min()), int(values.max())) if values.dtype.kind in "iu" and len(
        values) else (0, -1)
    if -2**62 < lo <= hi < 2**62:  # else int64 arithmetic could overflow (uint64 ids)
        if hi - lo < 1_000_000:
            # Arithmetic coding keeps every value between min and max as a potential cell;
            # empty cells are dropped after counting.
            return (values.astype(np.int64) - lo), pd.RangeIndex(lo, hi + 1)
        if hi - lo < 4 * len(values):
            # Identifiers (customer ids): rank the present values through a table over the
            # range -- linear, where pandas.factorize(sort=True) hashes and sorts.
            return _rank_coded(values, lo, hi)
    codes, uniques = pd.factorize(s, sort=True)
    return codes.astype(np.int64), pd.Index(uniques)


def dense_codes(s: pd.Series, *, table: str = "data") -> tuple[np.ndarray, pd.Index]:
    """Codes ``0..k-1`` of the ``k`` values present in a key column, in their sorted order.

    Like :func:`factorize_column`, but without codes for values that do not occur (integer
    ranges with gaps, unused categories): identifiers coded for cluster counts and
    per-customer arrays.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, uniques = dense_codes(pd.Series([30, 10, 30]))
    >>> codes.tolist(), uniques.tolist()
    ([1, 0, 1], [10, 30])
    """
    codes, uniques = factorize_column(s, table=table)
    present = np.bincount(codes, minlength=len(uniques)) > 0
    if present.all():
        return codes, uniques
    rank = np.cumsum(present) - 1
    return rank[codes], uniques[present]


def shared_codes(first: pd.Series, second: pd.Series, *, tables: tuple[str, str] = (
        "data", "data")) -> tuple[np.ndarray, np.ndarray, int]:
    """Codes of two identifier columns on one coding (the values of both, in sorted order).

    For integer ids within a range of at most four times the rows, one table over the range
    ranks the ids of both columns (no concatenation, no hashing; int32 codes when they
    fit); otherwise :func:`dense_codes` on the two columns concatenated (codes in order of
    appearance when the ids do not sort, e.g. mixed types).

    Returns
    -------
    tuple
        The codes of ``first``, the codes of ``second`` and the number of distinct ids.

    Examples
    --------
    >>> import pandas as pd
    >>> a, b, k = shared_codes(pd.Series([30, 10]), pd.Series([20, 30, 30]))
    >>> a.tolist(), b.tolist(), k
    ([2, 0], [1, 2, 2], 3)
    """
    va, vb = first.to_numpy(), second.to_numpy()
    if va.dtype.kind in "iu" and vb.dtype.kind in "iu" and len(va) and len(vb):
        lo = min(int(va.min()), int(vb.min()))
        hi = max(int(va.max()), int(vb.max()))
        if hi - lo < max(4 * (len(va) + len(vb)), 1_000_000) and -2**62 < lo and hi < 2**62:
            present = np.zeros(hi - lo + 1, dtype=bool)
            oa, ob = _offset(va, lo, hi), _offset(vb, lo, hi)
            present[oa] = True
            present[ob] = True
            k = int(present.sum())
            rank = np.cumsum(present, dtype=np.int32 if k < 2**31 else np.int64)
            rank -= 1
            return rank[oa], rank[ob], k
    for s, t in ((first, tables[0]), (second, tables[1])):
        if s.isna().any():
            factorize_column(s, table=t)  # raises, naming the table and column
    both = pd.concat([first, second], ignore_index=True)
    try:
        codes, uniques = dense_codes(both, table=tables[0])
    except TypeError:  # ids that do not sort (mixed types): codes in order of appearance
        codes, uniques = pd.factorize(both)
        codes = codes.astype(np.int64)
    return codes[: len(first)], codes[len(first):], len(uniques)


def _rank_coded(values: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, pd.Index]:
    """Codes 0..k-1 of the k distinct integers in ``values`` (all within ``lo..hi``) in sorted
    order and those integers: what ``pandas.factorize(sort=True)`` returns."""
    offset = values.astype(np.int64)
    offset -= lo
    present = np.zeros(hi - lo + 1, dtype=bool)
    present[offset] = True
    rank = np.cumsum(present, dtype=np.int64)
    rank -= 1
    uniques = np.flatnonzero(present) + lo
    return rank[offset], pd.Index(uniques.astype(values.dtype))


def _binary_outcome(s: pd.Series, table: str) -> np.ndarray:
    v = s.to_numpy()
    if v.dtype.kind == "b":
        return v
    if s.isna().any():
        bad = s.isna().to_numpy()
        raise violation("missing_outcome", table=table, column=str(s.name), n_rows=int(bad.sum()),
                        examples=s.index[bad][:5].tolist(), note=labels_note(s.index))
    if v.dtype.kind in "iuf":
        ok = (v == 0) | (v == 1)
        if not ok.all():
            bad = s[~ok]
            raise violation("outcome_not_binary", table=table, column=str(s.name),
                            n_rows=len(bad), examples=pd.unique(bad.to_numpy())[:5])
        return v == 1
    if str(s.dtype) == "boolean":
        return s.to_numpy(bool)
    if v.dtype.kind == "O":
        # Python booleans and 0/1 numbers in an object column (never text such as "1")
        ok = np.fromiter((isinstance(x, (bool, np.bool_, int, float, np.integer, np.floating))
                          and not isinstance(x, str) and x in (0, 1) for x in v), bool, len(v))
        if ok.all():
            return v.astype(bool)
    raise violation("outcome_dtype", table=table, column=str(s.name), n_rows=len(s),
                    examples=pd.unique(s.to_numpy())[:5], dtype=s.dtype)


def _numeric_weights(s: pd.Series, table: str) -> np.ndarray:
    if s.dtype.kind not in "iuf":
        raise violation("weights_dtype", table=table, column=str(s.name), n_rows=len(s),
                        examples=pd.unique(s.to_numpy())[:5], dtype=s.dtype)
    w = s.to_numpy(float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise violation("weights_bad", table=table, column=str(s.name), n_rows=int(bad.sum()),
                        examples=pd.unique(w[bad])[:5])
    return w


def _chunked_bincount(code: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    out = np.zeros(size, dtype=np.float64 if weights is not None else np.int64)
    for lo in range(0, len(code), _CHUNK):
        hi = lo + _CHUNK
        w = None if weights is None else weights[lo:hi]
        out += np.bincount(code[lo:hi], weights=w, minlength=size)
    return out


def _chunked_bincount_outcome(code: np.ndarray, y: np.ndarray, size: int) -> np.ndarray:
    """Rows per (cell, outcome), shape ``(size, 2)``: one bincount of ``2 code + y``, in
    chunks so that the doubled codes never exist for all rows at once."""
    out = np.zeros(2 * size, dtype=np.int64)
    for lo in range(0, len(code), _CHUNK):
        hi = lo + _CHUNK
        out += np.bincount(code[lo:hi] * 2 + y[lo:hi], minlength=2 * size)
    return out.reshape(size, 2)


def _combine(codes: list[np.ndarray], sizes: list[int], is_id: list[bool]
             ) -> tuple[np.ndarray, int, np.ndarray | None]:
    """The cell code of each row, the number of potential cells and None, or an empty array
    when the codes must be compacted before counting (see :func:`_count_compact`).

    The limit applies to the product of the non-identifier keys; with identifier keys the
    product of all keys may be far larger than the rows, so only the combinations present
    are counted."""
    total = guarded = 1
    for s, ident in zip(sizes, is_id):
        total *= max(s, 1)
        if not ident:
            guarded *= max(s, 1)
    if guarded > MAX_CELLS or total >= 2**62:
        raise violation("too_many_cells", total=guarded if guarded > MAX_CELLS else total)
    if len(codes) == 1:
        return codes[0], total, None  # one key: its codes are the cell codes (no copy)
    code = np.zeros(len(codes[0]) if codes else 0, dtype=np.int64)
    for c, s in zip(codes, sizes):
        code *= s
        code += c
    return code, total, None if total <= MAX_CELLS else np.empty(0, np.int64)


def count_cells(
    data: pd.DataFrame,
    by: str | Sequence[str],
    outcome: str | None = None,
    weights: str | None = None,
    *,
    table: str = "data",
    id_keys: Sequence[str] = (),
) -> pd.DataFrame:
    """Count rows per cell of the grouping columns.

    Parameters
    ----------
    data : pandas.DataFrame
        Raw rows.
    by : str or list of str
        Grouping columns; their combinations define the cells. Missing values raise.
    outcome : str, optional
        A 0/1 or boolean column; adds ``successes`` (rows with outcome 1) per cell.
    weights : str, optional
        Non-negative case weights; adds ``weight`` (sum of weights), ``weight_sq`` (sum of
        squared weights, for Kish's effective sample size) and, with an outcome,
        ``weight_successes``.
    table : str
        Name used in error messages.
    id_keys : list of str
        Grouping columns that identify a unit (a customer id, for cluster-robust fits):
        they have as many values as units, so a count refuses no grouping for them, and only
        the combinations present are counted (at most one cell per row). The other keys'
        potential cells are limited as always (bin continuous columns first).

    Returns
    -------
    pandas.DataFrame
        One row per non-empty cell, sorted by the grouping columns, with the grouping columns
        (original values), ``n`` (int64) and, as requested, ``successes``, ``weight``,
        ``weight_successes``, ``weight_sq``.

    Notes
    -----
    Vectorized: the key columns are coded to integers, combined into one cell code and
    counted with :func:`numpy.bincount` in blocks; no Python loop over rows or groups.
    The result does not depend on the row order.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"k": [0, 1, 1, 2], "switched": [False, True, False, True]})
    >>> count_cells(df, "k", outcome="switched")
       k  n  successes
    0  0  1          0
    1  1  2          1
    2  2  1          1
    """
    keys = _as_list(by)
    if not keys:
        raise violation("no_keys", table=table)
    if not isinstance(data, pd.DataFrame) and _engine_input(data):
        from .engines import count_cells_engine

        return count_cells_engine(data, keys, outcome, weights, table=table,
                                  id_keys=tuple(id_keys))
    extra = [c for c in (outcome, weights) if c is not None]
    _require_columns(data, keys + extra, table)
    if len(data) == 0:
        raise violation("no_rows_to_count", table=table)

    coded = [factorize_column(data[k], table=table) for k in keys]
    codes = [c for c, _ in coded]
    sizes = [len(u) for _, u in coded]
    code, total, present = _combine(codes, sizes, [k in id_keys for k in keys])

    y = _binary_outcome(data[outcome], table) if outcome is not None else None
    if present is not None:
        if weights is None:
            present, columns = _count_compact(code, y)
            return _cells_frame(data, keys, coded, sizes, present, columns)
        present, inverse = np.unique(code, return_inverse=True)
        code, total = inverse.astype(np.int64), len(present)
    if y is None:
        n = _chunked_bincount(code, total)
        columns: dict[str, np.ndarray] = {"n": n}
    else:
        # one pass over the rows counts them and their successes: the outcome is the last
        # binary digit of a doubled cell code (no gather of the successes' codes)
        both = _chunked_bincount_outcome(code, y, total)
        n = both.sum(axis=1)
        columns = {"n": n, "successes": both[:, 1]}
    if weights is not None:
        w = _numeric_weights(data[weights], table)
        columns["weight"] = _chunked_bincount(code, total, w)
        if y is not None:
            columns["weight_successes"] = _chunked_bincount(code[y], total, w[y])
        columns["weight_sq"] = _chunked_bincount(code, total, w * w)

    nonempty = np.flatnonzero(n > 0)
    cell_codes = nonempty if present is None else present[nonempty]
    return _cells_frame(data, keys, coded, sizes, cell_codes,
                        {name: arr[nonempty] for name, arr in columns.items()})


def _count_compact(code: np.ndarray, y: np.ndarray | None
                   ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The present cell codes (sorted) and their counts, from one sort of the codes.

    For identifier keys (at most one cell per row): sorting the int64 codes and measuring
    the runs is several times faster than ``numpy.unique(return_inverse=True)`` + bincount
    (an argsort and a scatter), and needs no code per row. The outcome rides along as the
    last binary digit of the doubled code, so the successes are the odd codes of each run."""
    if y is not None:
        code *= 2  # ``code`` is the combined code made for this count: changed in place
        code += y
    code.sort()
    cell = code if y is None else code >> 1
    bounds = np.flatnonzero(np.concatenate(([True], cell[1:] != cell[:-1], [True])))
    columns = {"n": np.diff(bounds)}
    if y is not None:
        odd = np.concatenate(([0], np.cumsum(code & 1)))[bounds]
        columns["successes"] = np.diff(odd)
    return cell[bounds[:-1]], columns


def _cells_frame(data: pd.DataFrame, keys: list[str], coded: list[tuple[np.ndarray, pd.Index]],
                 sizes: list[int], cell_codes: np.ndarray, columns: dict[str, np.ndarray]
                 ) -> pd.DataFrame:
    """The cells table: each key's value per cell (from the combined codes) and the counts."""
    out: dict[str, Any] = {}
    # Undo the arithmetic combination to recover each key's code per cell (floor division by
    # a scalar is several times faster than numpy's remainder; r = rem - q s).
    rem = cell_codes.copy()
    key_codes: list[np.ndarray] = []
    for s in reversed(sizes):
        q = rem // s
        r = q * s
        np.subtract(rem, r, out=r)
        key_codes.append(r)
        rem = q
    key_codes.reverse()
    for k, kc, (_, uniques) in zip(keys, key_codes, coded):
        src = data[k]
        if isinstance(src.dtype, pd.CategoricalDtype):
            out[k] = pd.Categorical.from_codes(kc, dtype=src.dtype)
        else:
            vals = uniques.to_numpy()[kc]
            out[k] = vals.astype(src.dtype) if src.dtype.kind in "biuf" else vals
    out.update(columns)
    return pd.DataFrame(out)


def person_period(
    customers: pd.DataFrame,
    experiences: pd.DataFrame | None = None,
    *,
    id: str = "customer_id",
    start: str = "start",
    duration: str = "duration",
    event: str = "switched",
    experience_id: str | None = None,
    time: str = "time",
    kind: str = "kind",
    count: Mapping[str, Sequence[Any] | np.ndarray | pd.Series] | None = None,
    by: str | Sequence[str] | None = None,
    cap: int = 3,
    period_length: float = 1.0,
    horizon: int | None = None,
) -> pd.DataFrame:
    """Aggregated person-period table for discrete-time hazard models.

    Each customer is at risk in periods ``0 .. ceil(duration / period_length) - 1`` counted
    from their start; the event (switching) happens in the last period when ``event`` is
    true. Time-varying covariates are the number of experiences counted so far, including
    those during the period itself (the switch is decided at the end of the period), capped
    at ``cap``.

    Parameters
    ----------
    customers : DataFrame
        One row per customer with ``id``, ``start``, ``duration``, ``event`` and the ``by``
        columns.
    experiences : DataFrame, optional
        One row per experience with ``experience_id`` (default: ``id``), ``time`` (same clock
        as ``start``) and ``kind``. Needed when ``count`` is given.
    count : mapping, optional
        Covariate name -> which experiences it counts: a list of ``kind`` values, or a boolean
        mask aligned with ``experiences``. Default ``{"negatives": ["negative"]}`` when
        experiences are given.
    by : str or list of str, optional
        Customer-level grouping columns (segment, grade band...).
    cap : int
        Counts above ``cap`` are pooled into ``cap`` (the "3+" level).
    period_length : float
        Length of one period in the units of ``start`` and ``duration``.
    horizon : int, optional
        Keep only periods ``< horizon``.

    Returns
    -------
    DataFrame
        Columns ``period``, each count covariate, the ``by`` columns, ``at_risk`` and
        ``events``; one row per non-empty cell.

    Raises
    ------
    DataError
        Duplicate customer ids, non-positive or missing durations, experiences of unknown
        customers or outside a customer's time at risk.

    Examples
    --------
    >>> import pandas as pd
    >>> cust = pd.DataFrame({"customer_id": [1, 2], "start": [0, 0], "duration": [2, 3],
    ...                      "switched": [True, False]})
    >>> exp = pd.DataFrame({"customer_id": [1], "time": [0.5], "kind": ["negative"]})
    >>> person_period(cust, exp)
       period  negatives  at_risk  events
    0       0          0        1       0
    1       0          1        1       0
    2       1          0        1       0
    3       1          1        1       1
    4       2          0        1       0
    """
    by_cols = _as_list(by)
    if not (isinstance(customers, pd.DataFrame)
            and (experiences is None or isinstance(experiences, pd.DataFrame))) and (
            _engine_input(customers) or _engine_input(experiences)):
        from .engines import person_period_engine

        return person_period_engine(
            customers, experiences, id=id, start=start, duration=duration, event=event,
            experience_id=experience_id, time=time, kind=kind, count=count, by_cols=by_cols,
            cap=cap, period_length=period_length, horizon=horizon)
    ids, s, d, ev = _read_pp_customers(customers, id=id, start=start, duration=duration,
                                       event=event, by_cols=by_cols)
    periods = _count_periods(d, period_length, duration)
    if count is None:
        count = {"negatives": ["negative"]} if experiences is not None else {}
    change = None
    if count:
        idx, p, masks = experience_periods(
            experiences, count, ids, s, d, periods, id=id, experience_id=experience_id,
            time=time, kind=kind, period_length=period_length)
        change = change_points(idx, p, masks, int(periods.max()), cap)
    by_coded = [factorize_column(customers[col], table="customers") for col in by_cols]
    by_code, n_by = np.zeros(len(periods), np.int64), 1
    for c_codes, uniques in by_coded:
        by_code = by_code * len(uniques) + c_codes
        n_by *= len(uniques)
    at_risk, events, sizes = pp_cells_from_runs(periods, ev, by_code, n_by, change, len(count),
                                                cap=cap, horizon=horizon, max_cells=MAX_CELLS)
    sizes += [len(uniques) for _, uniques in by_coded]
    return _assemble_pp(customers, dict.fromkeys(count), by_cols, by_coded, sizes, at_risk,
                        events)


# ---------------------------------------------------------------------------- person_period steps
def _read_pp_customers(customers: pd.DataFrame, *, id: str, start: str, duration: str,
                       event: str, by_cols: list[str],
                       ) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """Check the customers; their ids, starts, durations (float) and events (bool)."""
    _require_columns(customers, [id, start, duration, event] + by_cols, "customers")
    if len(customers) == 0:
        raise violation("no_customers", table="customers")
    ids = customers[id]
    if ids.duplicated().any():
        dup = ids[ids.duplicated()]
        raise violation("duplicate_customers", table="customers", column=id, n_rows=len(dup),
                        examples=dup.unique()[:5])
    for col in (start, duration):
        if customers[col].dtype.kind not in "iuf":
            raise violation("periods_dtype", table="customers", column=col,
                            n_rows=len(customers), examples=customers[col].head(5),
                            dtype=customers[col].dtype)
    s = customers[start].to_numpy(float)
    d = customers[duration].to_numpy(float)
    for col, arr in ((start, s), (duration, d)):
        miss = np.isnan(arr)
        if miss.any():
            raise violation("missing_period", table="customers", column=col,
                            n_rows=int(miss.sum()), examples=customers.index[miss][:5].tolist(),
                            note=labels_note(customers.index))
        bad = np.isinf(arr)
        if bad.any():
            raise violation("infinite_period", table="customers", column=col,
                            n_rows=int(bad.sum()), examples=pd.unique(arr[bad])[:5])
    bad = d <= 0
    if bad.any():
        raise violation("duration_not_positive", table="customers", column=duration,
                        n_rows=int(bad.sum()), examples=pd.unique(d[bad])[:5])
    ev = _binary_outcome(customers[event], "customers")
    return ids, s, d, ev


def _count_periods(d: np.ndarray, period_length: float, duration: str) -> np.ndarray:
    """Periods at risk per customer, refused when the person-periods are absurdly many."""
    # checked before anything else: a duration typed in days instead of months (or 1e9)
    # is a unit mistake to report, and 2**62 overflows
    periods_f = np.ceil(d / period_length - 1e-9)
    total_f = float(periods_f.sum())
    if total_f > MAX_PERSON_PERIOD_ROWS:
        big = periods_f > total_f / len(d)
        raise violation("too_many_person_periods", table="customers", column=duration,
                        n_rows=int(big.sum()), examples=np.sort(d[big])[::-1], total=total_f,
                        limit=MAX_PERSON_PERIOD_ROWS, period=period_length)
    return periods_f.astype(np.int64)


def _assemble_pp(customers: pd.DataFrame, covariates: dict[str, np.ndarray],
                 by_cols: list[str], by_coded: list[Any], sizes: list[int],
                 at_risk: np.ndarray, events: np.ndarray) -> pd.DataFrame:
    """The non-empty cells with their period, counts, by values, at-risk rows and events."""
    nonempty = np.flatnonzero(at_risk > 0)
    rem = nonempty.copy()
    key_codes: list[np.ndarray] = []
    for size in reversed(sizes):
        key_codes.append(rem % size)
        rem //= size
    key_codes.reverse()
    out: dict[str, Any] = {"period": key_codes[0]}
    for name, kc in zip(covariates, key_codes[1:1 + len(covariates)]):
        out[name] = kc
    for col, kc, (_, uniques) in zip(by_cols, key_codes[1 + len(covariates):], by_coded):
        src = customers[col]
        if isinstance(src.dtype, pd.CategoricalDtype):
            # keep the category order (bands are ordered) instead of sorting the labels
            out[col] = pd.Categorical.from_codes(kc, dtype=src.dtype)
        else:
            vals = uniques.to_numpy()[kc]
            out[col] = vals.astype(src.dtype) if src.dtype.kind in "biuf" else vals
    out["at_risk"] = at_risk[nonempty]
    out["events"] = events[nonempty]
    return pd.DataFrame(out)
