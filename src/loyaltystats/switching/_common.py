"""Shared helpers of the switching module: boundary validation, claim tables, survival curves.

Everything here is private. Validation raises :class:`~loyaltystats.errors.DataError` naming
the table, the column, how many rows are affected, the first offending row labels (in the
message) and a few offending values; nothing is coerced or dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._validate import require_frame  # noqa: F401  (re-exported)
from ..errors import DataError, ParameterError
from ..results import ClaimResult, Verdict, estimates_frame, judge_interval
from ..scales import CSV_LINE, MISSING_VALUES, labels_note
from ..stats import binomial_test
from ..stats.levels import check_level  # noqa: F401  (re-exported)
from ..stats.levels import z_value as zcrit  # noqa: F401  (re-exported)
from ..stats.proportions import holm, newcombe_diff  # noqa: F401  (re-exported)
from ..stats.survival import (
    kaplan_meier,
    logrank,  # noqa: F401  (re-exported)
)

_MAX_LABELS = 5


# ---------------------------------------------------------------------------- validation
def _labels(df: pd.DataFrame, mask: np.ndarray) -> str:
    idx = df.index[np.asarray(mask, bool)][:_MAX_LABELS].tolist()
    more = ", ..." if int(np.sum(mask)) > _MAX_LABELS else ""
    what = "CSV lines " if df.index.name == CSV_LINE else "rows "
    return what + ", ".join(str(i) for i in idx) + more


def fail(df: pd.DataFrame, mask: np.ndarray, message: str, *, table: str, column: str,
         values: np.ndarray | pd.Series | None = None) -> DataError:
    """A DataError for the rows of ``df`` flagged by ``mask`` (row labels in the message).

    Missing values are said as the data contract says them: :data:`MISSING_VALUES`, with the
    row labels (CSV line numbers for a file the command line read) as the examples.
    """
    mask = np.asarray(mask, bool)
    if message == MISSING_VALUES:
        return DataError(MISSING_VALUES + labels_note(df.index), table=table, column=column,
                         n_rows=int(mask.sum()), examples=df.index[mask][:5].tolist())
    vals = df[column].to_numpy() if values is None else np.asarray(values)
    bad = vals[mask]
    try:
        examples = list(pd.unique(bad))[:5]
    except TypeError:  # unhashable values
        examples = list(bad[:5])
    return DataError(f"{message} ({_labels(df, mask)})", table=table, column=column,
                     n_rows=int(mask.sum()), examples=examples)


def count_column(df: pd.DataFrame, column: str, table: str) -> np.ndarray:
    """Validate a count column (non-negative integers, nothing missing) and return int64."""
    s = df[column]
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype) or dtype.kind not in "iuf":
        if str(dtype) in ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32",
                          "UInt64"):
            na = s.isna().to_numpy()
            if na.any():
                raise fail(df, na, MISSING_VALUES, table=table, column=column)
            v = s.to_numpy(np.int64)
        else:
            raise DataError(f"counts must be numeric integers, got dtype {dtype}", table=table,
                            column=column, n_rows=len(s), examples=pd.unique(s.to_numpy())[:5])
    elif dtype.kind == "f":
        v = s.to_numpy(float)
        bad = np.isnan(v)
        if bad.any():
            raise fail(df, bad, MISSING_VALUES, table=table, column=column)
        bad = np.isinf(v)
        if bad.any():
            raise fail(df, bad, "infinite counts", table=table, column=column)
        bad = v != np.floor(v)
        if bad.any():
            raise fail(df, bad, "counts must be whole numbers", table=table, column=column)
        v = v.astype(np.int64)
    else:
        v = s.to_numpy().astype(np.int64, copy=False)
    bad = v < 0
    if bad.any():
        raise fail(df, bad, "counts must be non-negative", table=table, column=column)
    return v


def binary_column(df: pd.DataFrame, column: str, table: str) -> np.ndarray:
    """Validate a 0/1 or boolean column and return a bool array."""
    s = df[column]
    dtype = s.dtype
    if dtype.kind == "b":
        return s.to_numpy()
    if str(dtype) == "boolean" or str(dtype).startswith(("Int", "UInt")):
        na = s.isna().to_numpy()
        if na.any():
            raise fail(df, na, MISSING_VALUES, table=table, column=column)
        v = s.to_numpy(np.int64)
    elif dtype.kind in "iuf":
        v = s.to_numpy()
        if dtype.kind == "f" and np.isnan(v).any():
            raise fail(df, np.isnan(v), MISSING_VALUES, table=table, column=column)
    elif dtype.kind == "O":
        if s.isna().any():
            raise fail(df, s.isna().to_numpy(), MISSING_VALUES, table=table, column=column)
        # a mix of bools and 0/1 is fine; anything else (strings, None, NaN) names its rows
        ok = s.isin([0, 1]).to_numpy() & s.map(lambda x: isinstance(
            x, (bool, int, float, np.bool_, np.integer, np.floating))).to_numpy(bool)
        if not ok.all():
            raise fail(df, ~ok, "must be 0/1 or boolean", table=table, column=column)
        return (s == 1).to_numpy(bool)
    else:
        raise DataError(f"must be 0/1 or boolean, got dtype {dtype}", table=table,
                        column=column, n_rows=len(s), examples=pd.unique(s.to_numpy())[:5])
    ok = (v == 0) | (v == 1)
    if not ok.all():
        raise fail(df, ~ok, "must be 0/1 or boolean", table=table, column=column)
    return v == 1


def binary_cells(cells: pd.DataFrame, column: str, table: str) -> np.ndarray:
    """Validate a 0/1 or boolean key of a cell table (column ``n``: rows per cell).

    The engine path of :func:`binary_column`: the distinct values come back as cell keys,
    so bad values are found on the small table and reported with the number of rows behind
    them (the sum of ``n`` over the offending cells; row labels do not exist there).
    Returns a bool array, one entry per cell.
    """
    s = cells[column]
    dtype = s.dtype
    if dtype.kind == "b":
        return s.to_numpy(bool)
    if dtype.kind in "iuf":
        v = s.to_numpy(float)
        ok = (v == 0) | (v == 1)
    elif dtype.kind == "O":      # object and categorical keys: judge every distinct value
        obj = s.astype(object)
        ok = obj.isin([0, 1]).to_numpy(bool) & obj.map(lambda x: isinstance(
            x, (bool, int, float, np.bool_, np.integer, np.floating))).to_numpy(bool)
        s = obj
    else:
        raise DataError(f"must be 0/1 or boolean, got dtype {dtype}", table=table,
                        column=column, n_rows=int(cells["n"].sum()),
                        examples=pd.unique(s.to_numpy())[:5])
    if not ok.all():
        raise DataError("must be 0/1 or boolean", table=table, column=column,
                        n_rows=int(cells.loc[~ok, "n"].sum()),
                        examples=pd.unique(s[~ok].to_numpy())[:5])
    return (s == 1).to_numpy(bool)


def weight_column(df: pd.DataFrame, column: str, table: str) -> np.ndarray:
    """Validate finite, non-negative numeric weights."""
    s = df[column]
    if s.dtype.kind not in "iuf":
        raise DataError(f"weights must be numeric, got dtype {s.dtype}", table=table,
                        column=column, n_rows=len(s), examples=pd.unique(s.to_numpy())[:5])
    w = s.to_numpy(float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise fail(df, bad, "weights must be finite and non-negative", table=table,
                   column=column)
    return w


def check_cap(cap: int) -> int:
    if isinstance(cap, bool) or not isinstance(cap, (int, np.integer)) or cap < 1:
        raise ParameterError(f"cap must be an integer >= 1, got {cap!r}")
    return int(cap)


def level_labels(cap: int) -> list[str]:
    """``['0', '1', '2', '3+']`` for ``cap=3``."""
    return [str(k) for k in range(cap)] + [f"{cap}+"]


# ---------------------------------------------------------------------------- intervals
def two_proportion_p(x1, n1, x0, n0) -> np.ndarray:
    """Two-sided p-value of the pooled two-proportion z (score) test."""
    x1, n1, x0, n0 = (np.asarray(a, float) for a in (x1, n1, x0, n0))
    p = (x1 + x0) / (n1 + n0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x1 / n1 - x0 / n0) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    return np.where(np.isfinite(z), 2 * stats.norm.sf(np.abs(z)), np.nan)


# ---------------------------------------------------------------------------- claims
def parse_claimed(claimed: Mapping[Any, float] | None, cap: int,
                  tolerance: float) -> dict[int, tuple[float, float, float]]:
    """``{k: (p0, low, high)}`` from ``{k: p0}``; ``k == cap`` means the ``cap+`` level."""
    if claimed is None:
        return {}
    if not isinstance(claimed, Mapping) or not claimed:
        raise ParameterError(f"claimed must be a non-empty mapping {{k: probability}}, got {claimed!r}")
    if not (isinstance(tolerance, (int, float)) and 0 <= tolerance < 1):
        raise ParameterError(f"tolerance must be in [0, 1), got {tolerance!r}")
    out: dict[int, tuple[float, float, float]] = {}
    for key, p0 in claimed.items():
        try:
            k = int(key)
        except (TypeError, ValueError):
            raise ParameterError(f"claimed keys must be numbers of negatives, got {key!r}") from None
        if k != float(key) or not 0 <= k <= cap:
            raise ParameterError(f"claimed level {key!r} is not one of 0..{cap} (cap={cap})")
        p0 = float(p0)
        if not 0 < p0 < 1:
            raise ParameterError(f"claimed probability for k={k} must be in (0, 1), got {p0}")
        out[k] = (p0, max(0.0, p0 - tolerance), min(1.0, p0 + tolerance))
    return dict(sorted(out.items()))


def combine_verdicts(verdicts: Sequence[str]) -> Verdict:
    """All supported -> supported; any contradicted -> contradicted; else inconclusive."""
    if verdicts and all(v == "supported" for v in verdicts):
        return "supported"
    if any(v == "contradicted" for v in verdicts):
        return "contradicted"
    return "inconclusive"


def judge_levels(
    rows: pd.DataFrame, parsed: Mapping[int, tuple[float, float, float]], cap: int, *,
    what: str, tolerance: float, successes: np.ndarray | None = None,
    trials: np.ndarray | None = None,
) -> pd.DataFrame:
    """Claims table: one row per claimed level and an ``overall`` row.

    ``rows`` holds, per level ``k`` (0..cap, in order), ``estimate, ci_low, ci_high, n``.
    With ``successes``/``trials`` an exact binomial test of the point claim is added.
    """
    labels = level_labels(cap)
    out = []
    for k, (p0, lo, hi) in parsed.items():
        r = rows.iloc[k]
        verdict = judge_interval(float(r["ci_low"]), float(r["ci_high"]), lo, hi)
        pval = (binomial_test(int(round(successes[k])), int(round(trials[k])), p0)
                if successes is not None and trials is not None and trials[k] > 0 else np.nan)
        reason = (f"{what} at k={labels[k]}: {r['estimate']:.3f} "
                  f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}] vs claimed region "
                  f"[{lo:.3f}, {hi:.3f}] ({p0:g} +- {tolerance:g})")
        out.append({"term": f"k={labels[k]}", "k": k, "claimed": p0, "claim_low": lo,
                    "claim_high": hi, "estimate": float(r["estimate"]),
                    "ci_low": float(r["ci_low"]), "ci_high": float(r["ci_high"]),
                    "n": int(r["n"]), "binomial_p_value": pval, "verdict": verdict,
                    "reason": reason})
    overall = combine_verdicts([o["verdict"] for o in out])
    out.append({"term": "overall", "k": -1, "claimed": np.nan, "claim_low": np.nan,
                "claim_high": np.nan, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "n": int(sum(o["n"] for o in out)), "binomial_p_value": np.nan,
                "verdict": overall,
                "reason": "; ".join(f"{o['term']}: {o['verdict']}" for o in out)})
    return pd.DataFrame(out)


def claims_from_table(table: pd.DataFrame | None, *, claim_id: str, statement: str,
                      level: float, method: str, what: str) -> dict[str, ClaimResult]:
    """Rebuild ClaimResult objects from a claims table made by :func:`judge_levels`."""
    if table is None or len(table) == 0:
        return {}
    out: dict[str, ClaimResult] = {}
    levels = table[table["term"] != "overall"]
    for _, r in levels.iterrows():
        est = estimates_frame([{"term": f"{what}[{r['term']}]", "estimate": r["estimate"],
                                "ci_low": r["ci_low"], "ci_high": r["ci_high"], "n": r["n"],
                                "method": method, "binomial_p_value": r["binomial_p_value"]}])
        out[str(r["term"])] = ClaimResult(
            estimates=est, title=f"{claim_id} at {r['term']}", level=level, claim_id=claim_id,
            statement=f"{statement} at {r['term']}: {float(r['claimed']):g}",
            claimed=float(r["claimed"]), verdict=r["verdict"], reason=str(r["reason"]),
            info={"claim_low": r["claim_low"], "claim_high": r["claim_high"],
                  "binomial_p_value": r["binomial_p_value"]},
        )
    overall = table[table["term"] == "overall"].iloc[0]
    est = pd.concat([c.estimates for c in out.values()], ignore_index=True)
    claimed = {str(int(r["k"])): float(r["claimed"]) for _, r in levels.iterrows()}
    out["overall"] = ClaimResult(
        estimates=est, title=f"{claim_id} overall", level=level, claim_id=claim_id,
        statement=statement, claimed=claimed, verdict=overall["verdict"],
        reason=str(overall["reason"]),
    )
    return out


# ---------------------------------------------------------------------------- survival curves
def km_table(durations: np.ndarray, events: np.ndarray, groups: np.ndarray | None = None,
             *, level: float = 0.95, max_points: int = 1000) -> pd.DataFrame:
    """Kaplan-Meier curves per group at the event times, for plotting and the landmark tables.

    :func:`loyaltystats.stats.survival.kaplan_meier` (the one implementation: exponential
    Greenwood intervals, equal to lifelines), reported at time 0 and at each distinct event
    time: columns ``group, time, at_risk, events, survival, ci_low, ci_high``. With more than
    ``max_points`` event times in a group the curve is reported at ``max_points`` evenly spaced
    times (the exact KM estimate there; ``events`` then counts events since the previous
    reported time).
    """
    durations = np.asarray(durations, float)
    events = np.asarray(events, bool)
    if groups is None:
        groups = np.zeros(len(durations), dtype=np.int64)
    groups = np.asarray(groups)
    frames = []
    for g in pd.unique(groups):
        sel = groups == g
        km = kaplan_meier(durations[sel], events[sel], level=level)
        km = km[km["events"] > 0]
        times = km["time"].to_numpy(float)
        d = km["events"].to_numpy(float)
        n_at = km["at_risk"].to_numpy(float)
        surv, lo, hi = (km[c].to_numpy(float) for c in ("survival", "ci_low", "ci_high"))
        if len(times) > max_points:
            t = np.sort(durations[sel])
            cum_d = np.cumsum(d)
            grid = np.linspace(times[0], times[-1], max_points)
            pos = np.searchsorted(times, grid, side="right") - 1
            prev = np.concatenate([[0], cum_d[pos][:-1]])
            times, n_at = grid, len(t) - np.searchsorted(t, grid, side="left")
            surv, lo, hi = surv[pos], lo[pos], hi[pos]
            d = cum_d[pos] - prev
        frames.append(pd.DataFrame({
            "group": g,
            "time": np.concatenate([[0.0], times]),
            "at_risk": np.concatenate([[int(sel.sum())], n_at]).astype(np.int64),
            "events": np.concatenate([[0], d]).astype(np.int64),
            "survival": np.concatenate([[1.0], surv]),
            "ci_low": np.concatenate([[1.0], lo]),
            "ci_high": np.concatenate([[1.0], hi]),
        }))
    return pd.concat(frames, ignore_index=True)


def draw_km(ax: Any, grp: pd.DataFrame, offset: float, label: str) -> None:
    """One Kaplan-Meier step curve with its interval band, shifted by ``offset`` periods."""
    line, = ax.step(grp["time"] + offset, grp["survival"], where="post", label=label)
    ax.fill_between(grp["time"] + offset, grp["ci_low"], grp["ci_high"], step="post",
                    alpha=0.15, color=line.get_color(), lw=0)
