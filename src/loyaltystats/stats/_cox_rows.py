"""Counting (start, stop] rows into the cells of the Cox partial likelihood, in a few passes.

A row enters the partial likelihood only through the event times it covers (at risk at
``tau`` when ``start < tau <= stop``) and its event, so ``start`` and ``stop`` can move down to
the last event time at or before them without changing a risk set: rows collapse into
(first, last event time covered, covariate pattern) cells whatever the clock's resolution,
and a row covering no event time drops out (it carries no event).

The rows are read once into small integer codes and counted with one ``bincount``:

* a clock of whole numbers in a modest range (days, months) is coded by its value; the
  values become event-time indexes on the counted cells, not on the rows;
* any other clock is mapped to event-time indexes on the rows: by a table lookup at
  ``floor(t)`` when the event times are whole numbers, else by a search over the event
  times (values sorted first when there are many);
* a covariate of whole numbers in a modest range (dummies, counts) is coded by its value,
  any other through ``pandas.factorize``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__: list[str] = []  # private helpers of loyaltystats.switching.cox

_DENSE = 2**20  # counting by direct indexing up to this many keys (or 4 per row)


def _int_dtype(top: float) -> type:
    """The narrowest signed integer type holding ``-top .. top``."""
    for dt in (np.int8, np.int16, np.int32):
        if top <= np.iinfo(dt).max:
            return dt
    return np.int64


def whole_int16(v: np.ndarray) -> np.ndarray | None:
    """``v`` as int16 when every value is a whole number below 2**14 in magnitude, else None.

    One cast and one comparison: NaN, infinities, fractions and values out of range all
    fail the comparison, so a column that passes needs no float ``min`` / ``max`` (its
    int16 copy gives them at an eighth of the bytes) and is already coded for counting.
    Tried only when the first values look like small whole numbers.
    """
    head = v[:64]
    if v.dtype.kind != "f" or not len(v) or np.any(head != np.floor(head)) \
            or np.max(np.abs(head)) >= 2**14:
        return None
    with np.errstate(invalid="ignore"):  # NaN and inf cast to anything: caught below
        vi = v.astype(np.int16)
    if not np.array_equal(vi, v):
        return None
    if vi.min() <= -2**14 or vi.max() >= 2**14:  # keeps hi - lo inside int16
        return None
    return vi


def small_int_codes(v: np.ndarray, lo: float, hi: float, limit: int,
                    whole: np.ndarray | None = None) -> np.ndarray | None:
    """``v - lo`` as a narrow integer array when every value is a whole number and
    ``hi - lo < limit``; ``whole``: ``v`` already cast and checked (:func:`whole_int16`)."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi - lo >= limit or abs(lo) > 2**52:
        return None
    if whole is not None:
        return whole - whole.dtype.type(lo) if lo != 0 else whole
    head = v[:64]
    if np.any(head != np.floor(head)):  # most continuous columns fail here, cheaply
        return None
    vi = v.astype(_int_dtype(max(abs(lo), abs(hi), hi - lo)))
    if not np.array_equal(vi, v):
        return None
    if lo != 0:
        vi -= vi.dtype.type(lo)
    return vi


def codes_of(v: np.ndarray, limit: int, lims: tuple[float, float] | None = None,
             whole: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes of a column and the value of each code (whole numbers by value);
    ``lims``: the column's min and max when known; ``whole``: see :func:`small_int_codes`."""
    if len(v) == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    lo, hi = _lims(v, lims)
    code = small_int_codes(v, lo, hi, limit, whole)
    if code is not None:
        return code, lo + np.arange(int(hi - lo) + 1, dtype=float)
    code, uniq = pd.factorize(v)
    return code.astype(np.int64, copy=False), np.asarray(uniq, float)


def _lims(v: np.ndarray, lims: tuple[float, float] | None) -> tuple[float, float]:
    return (float(v.min()), float(v.max())) if lims is None else lims


def _index_in(times: np.ndarray, t: np.ndarray, lims: tuple[float, float] | None = None
              ) -> np.ndarray:
    """How many of the sorted event ``times`` are ``<= t``, per row.

    Whole-number event times (days, months) on any clock: a time ``<= t`` is one
    ``<= floor(t)``, so the count is a table lookup at ``floor(t)``; otherwise a search
    (:func:`loyaltystats.stats.cox._count_le`).
    """
    from .cox import _count_le

    T = len(times)
    if T and times[-1] - times[0] <= max(4 * len(t), 4096) and abs(times[0]) < 2**52 \
            and np.array_equal(times, np.floor(times)):
        base = times[0] - 1  # index 0: before the first event time
        width = int(times[-1] - base)
        lut = np.zeros(width + 1, _int_dtype(T))
        lut[(times - base).astype(np.int64)] = 1
        np.cumsum(lut, out=lut)
        u = t - base
        lo, hi = _lims(t, lims)
        if lo - base < -1 or hi - base > width + 1:  # far values, -inf starts: clip first
            u = np.clip(u, -1, width + 1)
        idx = u.astype(np.int64)  # truncation: floor for u >= 0, 0 for -1 < u < 0
        np.clip(idx, 0, width, out=idx)
        return lut[idx]
    return _count_le(times, t)


@dataclass(frozen=True)
class _Clock:
    """A clock column coded for counting: ``code`` per row (None: one value for all rows),
    ``values[code]`` the value (or event time) the code stands for."""

    code: np.ndarray | None
    values: np.ndarray
    by_value: bool = False  # coded by value (not yet by event time)


def _clocks(t0: np.ndarray, t1: np.ndarray, ev: np.ndarray,
            lims: dict[str, tuple[float, float]]) -> tuple[_Clock, _Clock, Any]:
    """Code start and stop; the event times when they had to be found on the rows."""
    n = len(t1)
    limit = max(n, 4096)
    lo1, hi1 = _lims(t1, lims.get("stop"))
    whole = lims.get("whole") or {}
    c1 = small_int_codes(t1, lo1, hi1, limit, whole.get("stop"))
    lo0, hi0 = _lims(t0, lims.get("start"))
    times = None
    if c1 is not None:  # whole-number stops: coded by value
        stop = _Clock(c1, lo1 + np.arange(int(hi1 - lo1) + 1, dtype=float), True)
        c0 = None if lo0 == hi0 else small_int_codes(t0, lo0, hi0, limit, whole.get("start"))
        if lo0 == hi0:
            return _Clock(None, np.array([lo0])), stop, None
        if c0 is not None:
            return _Clock(c0, lo0 + np.arange(int(hi0 - lo0) + 1, dtype=float), True), stop, None
    else:
        times = np.unique(t1[ev])
        stop = _Clock(_index_in(times, t1, (lo1, hi1)), np.concatenate([[-np.inf], times]))
        if lo0 == hi0:
            return _Clock(None, np.array([lo0])), stop, times
    if times is None:
        times = np.unique(t1[ev])
    return (_Clock(_index_in(times, t0, (lo0, hi0)), np.concatenate([[-np.inf], times])),
            stop, times)


def _count(codes: list[np.ndarray | None], sizes: list[int], ev: np.ndarray
           ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Rows and events per distinct combination of the codes (None: a constant code 0)."""
    n = len(ev)
    total = float(np.prod(np.array(sizes, dtype=float)))
    if total >= 2.0**62:  # the mixed-radix key would overflow: let pandas group
        frame = pd.DataFrame({f"c{j}": (np.zeros(n, np.int64) if c is None else c)
                              for j, c in enumerate(codes)})
        inv = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
        cells = list(frame.groupby(inv).first().to_numpy().T)
        return cells, np.bincount(inv).astype(float), np.bincount(inv, weights=ev)
    # a narrow key when the cells are few: int16 arithmetic moves an eighth of the bytes
    kdt = _int_dtype(2 * total) if total <= max(4 * n, _DENSE) else np.int64
    key = None
    for c, size in zip(codes, sizes):
        if key is None:
            key = None if c is None else c.astype(kdt, copy=True)
            continue
        if size > 1:
            key *= size
        if c is not None:
            key += c
    key = np.zeros(n, kdt) if key is None else key
    if total <= max(4 * n, _DENSE):  # one bincount: the event is the key's last digit
        key <<= 1
        key += ev
        both = np.bincount(key, minlength=2 * int(total)).reshape(-1, 2)
        n_all = both[:, 0] + both[:, 1]
        cell_keys = np.flatnonzero(n_all)
        rows = n_all[cell_keys].astype(float)
        events = both[cell_keys, 1].astype(float)
    else:
        inv, cell_keys = pd.factorize(key)
        rows, events = np.bincount(inv).astype(float), np.bincount(inv, weights=ev)
    return list(np.unravel_index(cell_keys, sizes)), rows, events


def count_rows(t0: np.ndarray, t1: np.ndarray, ev: np.ndarray, xcols: list[np.ndarray],
               extras: list[tuple[np.ndarray, int]],
               lims: dict[str, Any] | None = None) -> dict[str, Any]:
    """Count checked rows into cells (see the module docstring).

    ``extras``: further integer codes the cells keep apart (stratum, cluster) with their
    number of levels. Returns the cells' ``start, stop`` (event times, ``-inf`` before the
    first), covariates ``x``, rows ``n``, events ``d``, ``extras`` codes, and ``hint`` for
    :meth:`loyaltystats.stats.cox._Cells.of`. ``lims``: min and max already known
    (``"start"``, ``"stop"``: a pair each; ``"x"``: a pair or None per covariate);
    ``lims["whole"]``: columns already cast by :func:`whole_int16` (``"start"``, ``"stop"``:
    an array or None; ``"x"``: one per covariate).
    """
    from ._cox_patterns import max_patterns

    n = len(t1)
    lims = lims or {}
    start, stop, times = _clocks(t0, t1, ev, lims)
    xlims = lims.get("x") or [None] * len(xcols)
    xwhole = (lims.get("whole") or {}).get("x") or [None] * len(xcols)
    xc = [codes_of(v, max(n, 4096), lim, w) for v, lim, w in zip(xcols, xlims, xwhole)]
    codes = [start.code, stop.code, *(c for c, _ in xc), *(c for c, _ in extras)]
    sizes = [len(start.values), len(stop.values), *(len(u) for _, u in xc),
             *(k for _, k in extras)]
    cells, rows, events = _count(codes, sizes, ev)
    start_v = start.values[cells[0]]
    stop_v = stop.values[cells[1]]
    if times is None:
        times = np.unique(stop_v[events > 0])
    k0, k1 = (_cell_index(c, times, v, code)
              for c, v, code in ((start, start_v, cells[0]), (stop, stop_v, cells[1])))
    xcodes, ecodes = cells[2:2 + len(xc)], cells[2 + len(xc):]
    q, pat = _patterns(xcodes, xc, len(rows))
    keep = k1 > k0
    parts = [k0[keep], k1[keep], q[keep], *(e[keep] for e in ecodes)]
    rows, events = rows[keep], events[keep]
    if start.by_value or stop.by_value:
        # value-coded clocks: cells of different values may share their event times
        dims = [len(times) + 1, len(times) + 1, len(pat), *(k for _, k in extras)]
        merged, inv = _merge(parts, dims)
        rows, events = np.bincount(inv, rows), np.bincount(inv, events)
        parts = merged
    k0, k1, q = parts[0], parts[1], parts[2]
    at = np.concatenate([[-np.inf], times])
    fits = len(pat) <= max_patterns(len(rows), len(times))
    return {"start": at[k0], "stop": at[k1], "x": pat[q], "n": rows, "d": events,
            "extras": parts[3:],
            "hint": {"k0": k0, "k1": k1, "times": times, "q": q if fits else None,
                     "pat": pat}}


def _cell_index(clock: _Clock, times: np.ndarray, v: np.ndarray, code: np.ndarray
                ) -> np.ndarray:
    """The cells' event-time index on a clock: its code unless coded by value."""
    from .cox import _count_le

    if clock.code is None:  # one value for every row
        return np.full(len(v), np.searchsorted(times, clock.values[0], side="right"))
    return _count_le(times, v) if clock.by_value else code.astype(np.int64, copy=False)


def _patterns(xcodes: list[np.ndarray], xc: list[tuple[np.ndarray, np.ndarray]], n: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's covariate pattern (dense index) and the patterns' values."""
    sizes = [len(u) for _, u in xc]
    if not xcodes:
        return np.zeros(n, np.int64), np.zeros((1, 0))
    key = np.ravel_multi_index(xcodes, sizes) if np.prod(np.array(sizes, float)) < 2**62 \
        else None
    if key is None:
        uk, q = np.unique(np.column_stack(xcodes), axis=0, return_inverse=True)
        digits = list(uk.T)
    else:
        uk, q = np.unique(key, return_inverse=True)
        digits = list(np.unravel_index(uk, sizes))
    pat = np.column_stack([u[c] for (_, u), c in zip(xc, digits)])
    return q.ravel().astype(np.int64), pat


def _merge(parts: list[np.ndarray], dims: list[int]) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct combinations of the cell codes and each cell's combination."""
    if float(np.prod(np.array(dims, float))) < 2**62:
        uk, inv = np.unique(np.ravel_multi_index(parts, dims), return_inverse=True)
        return list(np.unravel_index(uk, dims)), inv.ravel()
    uk, inv = np.unique(np.column_stack(parts), axis=0, return_inverse=True)
    return list(uk.T), inv.ravel()
