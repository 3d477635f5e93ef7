"""What a claims report was run on: rows per table and the time range, for its first screen."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .._frames import read_columns

__all__ = ["count_rows", "time_ranges"]


def count_rows(frame: Any) -> int | str:
    """Rows of a table given to :func:`check_claims` (any engine input), or ``"?"``.

    Examples
    --------
    >>> count_rows(pd.DataFrame({"a": [1, 2, 3]}))
    3
    """
    if isinstance(frame, pd.DataFrame):
        return len(frame)
    height = getattr(frame, "height", None)  # Polars DataFrame
    if isinstance(height, int):
        return height
    try:  # lazy or out-of-core inputs: count through the engine
        from ..tables import count_cells

        cells = count_cells(frame, [])
        return int(cells["n"].sum())
    except Exception:  # noqa: BLE001 - the count is context, never worth failing the report
        return "?"


def time_ranges(tables: Mapping[str, Any], mapping: Mapping[str, Mapping[str, Any]]
                ) -> dict[str, tuple[Any, Any]]:
    """Per table with a mapped ``time`` (or ``period``) column: its smallest and largest value.

    Examples
    --------
    >>> t = {"responses": pd.DataFrame({"t": [3, 1, 2]})}
    >>> time_ranges(t, {"responses": {"time": "t"}})
    {'responses': (1, 3)}
    """
    out: dict[str, tuple[Any, Any]] = {}
    for name, frame in tables.items():
        roles = mapping.get(name, {})
        col = roles.get("time") or roles.get("period")
        if not isinstance(col, str):
            continue
        try:
            values = read_columns(frame, [col], name)[col]
            lo, hi = values.min(), values.max()
        except Exception:  # noqa: BLE001 - context only; the claims check the column itself
            continue
        if pd.notna(lo) and pd.notna(hi):
            out[name] = (lo.item() if hasattr(lo, "item") else lo,
                         hi.item() if hasattr(hi, "item") else hi)
    return out
