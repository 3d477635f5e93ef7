"""Queries and aggregate checks for :mod:`loyaltystats.engines`: scalar queries run in the
engine, offending example values, and the key and outcome checks that raise the pandas
path's :class:`~loyaltystats.errors.DataError` messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._engine_frames import _categories, _dtype_str, _Frame, _kind, _nw
from ._rules import violation

# integer keys spanning less than this are coded arithmetically, as on the pandas path
_INT_RANGE = 1_000_000
# how many offending rows are fetched to pick up to five distinct example values
_EXAMPLE_ROWS = 1000
_P = "__ls_"  # prefix of helper columns


# ---------------------------------------------------------------------------- queries
def _to_pandas(lf: Any) -> pd.DataFrame:
    return lf.collect().to_pandas()


def _scalars(lf: Any, exprs: list[Any]) -> dict[str, Any]:
    if not exprs:
        return {}
    row = _to_pandas(lf.select(*exprs))
    return {c: row[c].iloc[0] for c in row.columns}


def _examples(lf: Any, bad: Any, col: str, *, unique: bool = True) -> list[Any]:
    """Up to five distinct values of ``col`` in rows where ``bad`` holds."""
    nw = _nw()
    q = lf if bad is None else lf.filter(bad)
    vals = _to_pandas(q.select(nw.col(col)).head(_EXAMPLE_ROWS))[col]
    vals = vals.to_numpy(dtype=object)
    vals = np.array([np.nan if v is None or v is pd.NA else v for v in vals], dtype=object)
    try:
        out = list(pd.unique(vals))[:5] if unique else list(vals[:5])
    except TypeError:
        out = list(vals[:5])
    return [v.item() if isinstance(v, np.generic) else v for v in out]


def _count(expr: Any) -> Any:
    nw = _nw()
    return expr.fill_null(True).cast(nw.Int64).sum()


def _missing(fr: _Frame, col: str) -> Any:
    nw = _nw()
    c = nw.col(col)
    return (c.is_null() | c.is_nan()) if _kind(fr, col) == "f" else c.is_null()


# ---------------------------------------------------------------------------- validation
@dataclass
class _KeyCheck:
    col: str
    kind: str
    alias: str


def _key_exprs(fr: _Frame, keys: Sequence[str], tag: str) -> tuple[list[Any], list[_KeyCheck]]:
    """Scalar expressions for the missing-value counts and the number of levels of keys."""
    nw = _nw()
    exprs, checks = [], []
    for i, k in enumerate(keys):
        a = f"{_P}{tag}{i}_"
        kind = _kind(fr, k)
        exprs.append(_count(_missing(fr, k)).alias(a + "na"))
        if kind == "i":
            exprs += [nw.col(k).min().alias(a + "min"), nw.col(k).max().alias(a + "max")]
        elif kind in "fO":
            exprs.append(nw.col(k).n_unique().alias(a + "nu"))
        checks.append(_KeyCheck(k, kind, a))
    return exprs, checks


def _check_keys(fr: _Frame, checks: list[_KeyCheck], got: dict[str, Any],
                table: str) -> list[int]:
    """Raise like :func:`loyaltystats.tables.factorize_column`; return the level counts."""
    sizes = []
    for ch in checks:
        if int(got[ch.alias + "na"]):
            raise violation("missing_key", table=table, column=ch.col,
                            n_rows=int(got[ch.alias + "na"]), examples=["NaN"])
        if ch.kind == "b":
            sizes.append(2)
        elif ch.kind == "c":
            sizes.append(len(_categories(fr, ch.col)))
        elif ch.kind == "i":
            lo, hi = int(got[ch.alias + "min"]), int(got[ch.alias + "max"])
            if hi - lo < _INT_RANGE:
                sizes.append(hi - lo + 1)
            else:
                nw = _nw()
                sizes.append(int(_scalars(fr.lf, [nw.col(ch.col).n_unique().alias("u")])["u"]))
        else:
            sizes.append(int(got[ch.alias + "nu"]))
    return sizes


def _outcome_exprs(fr: _Frame, col: str, alias: str) -> list[Any]:
    nw = _nw()
    kind = _kind(fr, col)
    c = nw.col(col)
    if kind in "bif":
        # missing values apart from other bad values: each has its own message
        miss = [_count(_missing(fr, col)).alias(alias + "na")]
        return miss if kind == "b" else miss + [_count(~((c == 0) | (c == 1))).alias(alias)]
    return []


def _outcome_bad(fr: _Frame, col: str) -> Any:
    nw = _nw()
    c = nw.col(col)
    return (~((c == 0) | (c == 1))).fill_null(True)


def _check_outcome(fr: _Frame, col: str, got: dict[str, Any], alias: str, n: int,
                   table: str) -> None:
    """Raise like ``tables._binary_outcome``."""
    kind = _kind(fr, col)
    if kind in "bif" and int(got[alias + "na"]):
        raise violation("missing_outcome", table=table, column=col,
                        n_rows=int(got[alias + "na"]), examples=["NaN"])
    if kind in "if":
        if int(got[alias]):
            raise violation("outcome_not_binary", table=table, column=col,
                            n_rows=int(got[alias]),
                            examples=_examples(fr.lf, _outcome_bad(fr, col), col))
    elif kind != "b":
        raise violation("outcome_dtype", table=table, column=col, n_rows=n,
                        examples=_examples(fr.lf, None, col), dtype=_dtype_str(fr, col))


def _outcome_value(fr: _Frame, col: str) -> Any:
    """The outcome as Int64 0/1 (validated before)."""
    nw = _nw()
    c = nw.col(col)
    return c.cast(nw.Int64) if _kind(fr, col) == "b" else (c == 1).cast(nw.Int64)
