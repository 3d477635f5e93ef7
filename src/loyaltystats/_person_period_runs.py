"""Person-period cells from runs of constant covariates (private; used by ``person_period``).

A customer at risk for ``P`` periods whose running experience counts change at a few
periods contributes to the (period, counts, by) cells along *runs*: periods ``[lo, hi)``
in one state. Adding +1 at ``(lo, state)`` and -1 at ``(hi, state)`` and summing over the
periods gives the at-risk count of every cell, so the work grows with the customers and the
experiences, never with customers x periods (the person-period rows are never formed;
issue #23: they were 2 GiB of arrays at 2 million customers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._positions import id_positions
from ._rules import violation
from .errors import DataError

__all__ = ["change_points", "experience_periods", "pp_cells_from_runs"]


def experience_periods(experiences: pd.DataFrame | None, count: Mapping[str, Any],
                       ids: pd.Series, s: np.ndarray, d: np.ndarray, periods: np.ndarray, *,
                       id: str, experience_id: str | None, time: str, kind: str,
                       period_length: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check the experiences; each one's customer position, period and what it counts.

    Returns ``idx`` (customer positions), ``p`` (period from the customer's start) and a
    boolean matrix ``(len(count), n_experiences)``: which covariates each one counts.
    """
    from .tables import _require_columns

    if experiences is None:
        raise violation("count_without_experiences", table="experiences")
    exp_id = experience_id or id
    _require_columns(experiences, [exp_id, time], "experiences")
    idx = id_positions(ids, experiences[exp_id])
    unknown = idx < 0
    if unknown.any():
        vals = experiences[exp_id].to_numpy()[unknown]
        raise violation("unknown_customers", table="experiences", column=exp_id,
                        n_rows=int(unknown.sum()), examples=pd.unique(vals)[:5])
    if experiences[time].dtype.kind not in "iuf":
        raise violation("time_dtype", table="experiences", column=time,
                        n_rows=len(experiences), examples=experiences[time].head(5),
                        dtype=experiences[time].dtype)
    t = experiences[time].to_numpy(float)
    since = t - s[idx]
    rel = since / period_length
    # exact check against the duration (not the rounded-up number of periods), so an
    # experience after a fractional end is an error too
    outside = ~np.isfinite(rel) | (rel < 0) | (since >= d[idx])
    if outside.any():
        raise violation("outside_at_risk", table="experiences", column=time,
                        n_rows=int(outside.sum()), examples=pd.unique(t[outside])[:5])
    # within 1e-9 of a fractional end floor() can name the period after the customer's
    # last one (periods are rounded with -1e-9): such an experience belongs to the last
    p = np.minimum(np.floor(rel).astype(np.int64), periods[idx] - 1)
    masks = np.zeros((len(count), len(experiences)), dtype=bool)
    for j, (name, which) in enumerate(count.items()):
        if isinstance(which, (np.ndarray, pd.Series)) and np.asarray(which).dtype == bool:
            mask = np.asarray(which)
            if len(mask) != len(experiences):
                raise DataError(f"mask for {name!r} has {len(mask)} entries, "
                                f"experiences has {len(experiences)} rows", table="experiences")
        else:
            _require_columns(experiences, [kind], "experiences")
            mask = experiences[kind].isin(list(which)).to_numpy()
        masks[j] = mask
    return idx.astype(np.int64), p, masks


def change_points(idx: np.ndarray, p: np.ndarray, masks: np.ndarray, n_periods_max: int,
                   cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (customer, period) where a customer's capped counts may change, and the state
    (combined capped counts) from there on; sorted by customer, then period."""
    counted = masks.any(axis=0)
    idx, p, masks = idx[counted], p[counted], masks[:, counted]
    key = idx * n_periods_max + p
    if len(key) > 1 and np.any(key[1:] < key[:-1]):  # logs are usually in order already
        o = np.argsort(key, kind="stable")
        idx, p, masks, key = idx[o], p[o], masks[:, o], key[o]
    if len(key) == 0:
        return idx, p, np.zeros(0, np.int64)
    new = np.r_[True, key[1:] != key[:-1]]
    starts = np.flatnonzero(new)
    inc = np.add.reduceat(masks.astype(np.int64), starts, axis=1)
    cum = np.cumsum(inc, axis=1)
    cp_idx = idx[starts]
    first = np.flatnonzero(np.r_[True, cp_idx[1:] != cp_idx[:-1]])
    # running counts within the customer: the global running sum minus what came before
    # the customer's first change point (one value per customer, repeated over its points)
    base = np.repeat(cum[:, first] - inc[:, first], np.diff(np.r_[first, len(cp_idx)]),
                     axis=1)
    capped = np.minimum(cum - base, cap)
    state = np.zeros(len(cp_idx), np.int64)
    for row in capped:
        state = state * (cap + 1) + row
    return cp_idx, p[starts], state


def pp_cells_from_runs(periods: np.ndarray, ev: np.ndarray, by_code: np.ndarray, n_by: int,
                       change: tuple[np.ndarray, np.ndarray, np.ndarray] | None, n_cov: int,
                       *, cap: int, horizon: int | None, max_cells: int
                       ) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """At-risk rows and events per cell, cells coded period-major as ``period, counts...,
    by...`` (the order of :func:`loyaltystats.tables.person_period`'s table).

    ``change`` is the output of :func:`change_points` (None without count covariates).
    Returns ``at_risk``, ``events`` (flat, one entry per cell) and the sizes of the code.
    """
    n = len(periods)
    n_per = int(periods.max())
    if horizon is not None:
        n_per = min(n_per, int(horizon))
    n_cov_states = (cap + 1) ** n_cov
    n_states = n_cov_states * n_by
    sizes = [n_per] + [cap + 1] * n_cov
    if n_per * n_states > max_cells:
        raise violation("too_many_pp_cells", total=n_per * n_states)
    if change is None or len(change[0]) == 0:
        cp_idx, cp_p, cp_state = (np.zeros(0, np.int64),) * 3
    else:
        cp_idx, cp_p, cp_state = change
    # runs: one from period 0 in state 0 per customer, one from each change point; each
    # ends where the customer's next run starts, or at the customer's last period
    # in (customer, period) order without a sort: the change points already are, and each
    # customer's first run goes before its change points (their periods are >= 0)
    n_cp = np.bincount(cp_idx, minlength=n)
    base_pos = np.arange(n) + (np.cumsum(n_cp) - n_cp)
    cp_pos = np.arange(len(cp_idx)) + cp_idx + 1
    run_c = np.empty(n + len(cp_idx), np.int64)
    run_lo = np.zeros(n + len(cp_idx), np.int64)
    run_state = np.zeros(n + len(cp_idx), np.int64)
    run_c[base_pos] = np.arange(n)
    run_c[cp_pos] = cp_idx
    run_lo[cp_pos] = cp_p
    run_state[cp_pos] = cp_state
    last = np.r_[run_c[1:] != run_c[:-1], True]
    run_hi = np.where(last, periods[run_c], np.r_[run_lo[1:], 0])
    s = run_state * n_by + by_code[run_c]
    lo = np.minimum(run_lo, n_per)
    hi = np.minimum(run_hi, n_per)
    width = n_states
    diff = (np.bincount(lo * width + s, minlength=(n_per + 1) * width)
            - np.bincount(hi * width + s, minlength=(n_per + 1) * width))
    at_risk = np.cumsum(diff.reshape(n_per + 1, width), axis=0)[:n_per].ravel()
    # the event falls in the customer's last period, in the state of its last run
    last_p = periods[run_c[last]] - 1
    ev_c = ev[run_c[last]] & (last_p < n_per)
    ev_code = last_p[ev_c] * width + s[last][ev_c]
    events = np.bincount(ev_code, minlength=n_per * width)
    return at_risk, events, sizes
