"""Positions of ids in a table of unique ids (private).

``pandas.Index(ids).get_indexer(values)`` hashes every id and looks every value up in the
hash table; for integer ids within a compact range a table over the range does the same
lookup by indexing (linear, no hashing), which matters at millions of customers and
experiences (issue #23).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["compact_range", "id_positions", "unique_integer_ids"]

_CHUNK = 1 << 16  # ids offset per block: a small buffer instead of a copy of the ids


def _offset(v: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """``v - lo`` for integers ``lo <= v <= hi``: in ``v``'s own type when it holds ``lo``,
    ``hi`` and ``hi - lo`` (no int64 copy), else in int64."""
    info = np.iinfo(v.dtype)
    if info.min <= lo and hi <= info.max and hi - lo <= info.max:
        return v - v.dtype.type(lo)
    return v.astype(np.int64) - lo


def compact_range(a: np.ndarray, slack: int = 0) -> tuple[int, int] | None:
    """``(min, max)`` of integer values whose range is below ``4 * len(a) + slack`` (a table
    over the range costs at most a few bytes per value), else None (not integers, empty,
    wide or near the int64 limits).

    Examples
    --------
    >>> compact_range(np.array([7, 3, 5]))
    (3, 7)
    >>> compact_range(np.array([0, 10**15])) is None
    True
    """
    if a.dtype.kind not in "iu" or not len(a):
        return None
    lo, hi = int(a.min()), int(a.max())
    if hi - lo >= 4 * len(a) + slack or not -2**62 < lo <= hi < 2**62:
        return None
    return lo, hi


def unique_integer_ids(ids: np.ndarray) -> bool:
    """True when integer ``ids`` are shown to have no repeated value in linear time:
    strictly ascending, or each marked once in a table over their compact range. False when
    this cannot show it (other dtypes, a wide range, a duplicate): the caller's full check
    (``pandas.Series.duplicated``, which hashes every id: about 1 s at 10^7) then decides
    and words the error.

    Examples
    --------
    >>> unique_integer_ids(np.array([3, 1, 2])), unique_integer_ids(np.array([3, 1, 3]))
    (True, False)
    """
    if ids.dtype.kind not in "iu" or len(ids) < 2:
        return False
    head = ids[:1025]
    if (head[1:] > head[:-1]).all() and (ids[1:] > ids[:-1]).all():
        return True
    span = compact_range(ids)
    if span is None:
        return False
    lo, hi = span
    seen = np.zeros(hi - lo + 1, dtype=bool)
    buf = np.empty(min(len(ids), _CHUNK), dtype=np.int64)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start:start + _CHUNK]
        off = buf[:len(part)]
        np.subtract(part, lo, out=off, dtype=np.int64)
        seen[off] = True
    return int(np.count_nonzero(seen)) == len(ids)


def id_positions(ids: pd.Series | np.ndarray, values: pd.Series | np.ndarray) -> np.ndarray:
    """The position of each value in ``ids`` (unique), -1 where it is not there.

    Equal to ``pandas.Index(ids).get_indexer(values)``, which it falls back to for anything
    but integer ids and values within a range of at most four times the ids (duplicated ids
    therefore raise as pandas does).

    Examples
    --------
    >>> id_positions(pd.Series([10, 30, 20]), pd.Series([20, 10, 99])).tolist()
    [2, 0, -1]
    """
    a, v = np.asarray(ids), np.asarray(values)
    span = compact_range(a, slack=1024) if v.dtype.kind in "iu" and len(v) else None
    if span is not None:
        lo, hi = span
        table = np.full(hi - lo + 1, -1, dtype=np.int64)
        table[a.astype(np.int64) - lo] = np.arange(len(a))
        if np.count_nonzero(table >= 0) == len(a):  # else duplicated ids: pandas raises
            if lo <= int(v.min()) and int(v.max()) <= hi:  # the usual case: one gather
                return table[_offset(v, lo, hi)]
            off = v.astype(np.int64) - lo
            inside = (off >= 0) & (off <= hi - lo)
            out = np.full(len(v), -1, dtype=np.int64)
            out[inside] = table[off[inside]]
            return out
    return pd.Index(ids).get_indexer(values)
