"""Positions of ids in a table of unique ids (private).

``pandas.Index(ids).get_indexer(values)`` hashes every id and looks every value up in the
hash table; for integer ids within a compact range a table over the range does the same
lookup by indexing (linear, no hashing), which matters at millions of customers and
experiences (issue #23).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["id_positions"]


def _offset(v: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """``v - lo`` for integers ``lo <= v <= hi``: in ``v``'s own type when it holds ``lo``,
    ``hi`` and ``hi - lo`` (no int64 copy), else in int64."""
    info = np.iinfo(v.dtype)
    if info.min <= lo and hi <= info.max and hi - lo <= info.max:
        return v - v.dtype.type(lo)
    return v.astype(np.int64) - lo


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
    if a.dtype.kind in "iu" and v.dtype.kind in "iu" and len(a) and len(v):
        lo, hi = int(a.min()), int(a.max())
        if hi - lo < 4 * len(a) + 1024 and -2**62 < lo and hi < 2**62:
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
