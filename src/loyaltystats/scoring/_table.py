"""Precomputed score table: every output of a fitted scorer for every input cell.

Every scorer input is categorical once banded (grade band, NPS category, negatives level
``0 .. cap`` with ``cap+`` shared, tenure month ``0 .. baseline_months-1`` with later months
sharing the last, and each feature's category), so every output is a function of one cell.
The table is derived from the fitted coefficients at fit and load time (never saved), and
``score`` validates, computes the cell index and gathers.

The table is built by running the direct computation (:mod:`._reference`) on one
representative record per cell, so the frame path returns bit-identical values to it; the
one-dict path returns the same table row (the old dict path summed in plain Python, which
differed from the frame path by a few ulp; now both paths agree exactly).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._reference import RISK_TIERS, reference_score_frame

__all__ = ["MAX_TABLE_CELLS", "ScoreTable", "build_table", "frame_fast", "one_fast"]

MAX_TABLE_CELLS = 100_000
"""Largest number of cells tabulated; a scorer with more (many features with many levels)
scores by direct computation instead (same outputs, the pre-table speed)."""

_NUM_COLS = ("p_switch", "expected_months", "contribution_1", "contribution_2",
             "contribution_3")
_TEXT_COLS = ("reason_1", "reason_2", "reason_3")


@dataclass(frozen=True)
class ScoreTable:
    """The tabulated outputs, flattened in C order over (band, nps, negatives, tenure,
    feature 1, feature 2, ...)."""

    shape: tuple[int, ...]
    strides: tuple[int, ...]
    numeric: Mapping[str, np.ndarray]
    text: Mapping[str, np.ndarray]
    tier: np.ndarray
    rows: tuple[dict[str, Any], ...]
    feature_codes: Mapping[str, Mapping[str, int]]


def table_shape(scorer: Any) -> tuple[int, ...]:
    """Number of levels per cell axis."""
    return (len(scorer.scale.bands), len(scorer.recommend_scale.bands),
            scorer.cap + 1 if scorer.has_negatives_ else 1, len(scorer._cum),
            *(len(v) for v in scorer.feature_levels_.values()))


def build_table(scorer: Any) -> ScoreTable | None:
    """Tabulate every output for every cell; None when the table would be too large."""
    shape = table_shape(scorer)
    n = math.prod(shape)
    if n > MAX_TABLE_CELLS:
        return None
    grid = np.indices(shape).reshape(len(shape), -1)
    recs = pd.DataFrame({
        "grade": np.array([b.low for b in scorer.scale.bands], dtype=float)[grid[0]],
        "recommend": np.array([b.low for b in scorer.recommend_scale.bands],
                              dtype=float)[grid[1]],
        "negatives": grid[2], "tenure_months": grid[3]})
    for k, (f, levels) in enumerate(scorer.feature_levels_.items()):
        recs[f] = np.array(levels, dtype=object)[grid[4 + k]]
    out = reference_score_frame(scorer, recs, errors="raise")
    numeric = {c: _frozen(out[c].to_numpy(float)) for c in _NUM_COLS}
    text = {c: _frozen(out[c].to_numpy(object)) for c in _TEXT_COLS}
    tier = _frozen(out["risk_tier"].cat.codes.to_numpy(np.int8))
    lists = {c: out[c].astype(float if c in _NUM_COLS else object)
             .tolist() for c in out.columns}
    bands, cats = scorer.scale.band_names, scorer.recommend_scale.band_names
    # plain Python values, as the one-dict path has always returned them
    rows = tuple({**{c: v[i] for c, v in lists.items()},
                  "band": bands[grid[0, i]], "nps_category": cats[grid[1, i]]}
                 for i in range(n))
    strides = tuple(int(s) for s in np.cumprod((1,) + shape[:0:-1])[::-1])
    codes = {f: {lv: i for i, lv in enumerate(levels)}
             for f, levels in scorer.feature_levels_.items()}
    return ScoreTable(shape, strides, numeric, text, tier, rows, codes)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def one_fast(scorer: Any, table: ScoreTable, r: Mapping[str, Any]) -> dict[str, Any] | None:
    """The output for one valid record; None sends it to the validating path.

    The checks are the direct path's (:func:`._reference.reference_score_one`): only plain
    ints and floats in range (bools, NaN, text and numpy scalars go to full validation).
    """
    try:
        g, rec, neg, ten = r["grade"], r["recommend"], r["negatives"], r["tenure_months"]
    except KeyError:
        return None
    if type(g) not in (int, float) or type(rec) not in (int, float) \
            or type(neg) not in (int, float) or type(ten) not in (int, float):
        return None
    sc, rs = scorer.scale, scorer.recommend_scale
    if not (sc.low <= g <= sc.high) or (not sc.allow_fractional and g != int(g)):
        return None
    # a finite-range check before int(): int(inf) and int(nan) raise
    if not (rs.low <= rec <= rs.high) or rec != int(rec) or not (0 <= neg < math.inf) \
            or neg != int(neg) or not (0 <= ten < math.inf):
        return None
    st = table.strides
    idx = (bisect.bisect_right(scorer._band_lows, g) - 1) * st[0] \
        + (bisect.bisect_right(scorer._rec_lows, rec) - 1) * st[1] \
        + min(int(ten), table.shape[3] - 1) * st[3]
    if scorer.has_negatives_:
        idx += min(int(neg), scorer.cap) * st[2]
    k = 4
    for f, codes in table.feature_codes.items():
        v = r.get(f)
        # a str check first: an unhashable value must not reach the dict lookup
        if type(v) is not str or v not in codes:
            return None
        idx += codes[v] * st[k]
        k += 1
    return table.rows[idx].copy()


def _numeric_codes(s: pd.Series, lo: float, hi: float, integer: bool) -> np.ndarray | None:
    """Float values of a numeric column when every value is valid, else None."""
    if s.dtype.kind not in "iuf":
        return None
    x = s.to_numpy(float)
    with np.errstate(invalid="ignore"):
        # NaN fails both comparisons, so it is caught here too; infinity is out of range
        ok = (x >= lo) & (x <= hi) if np.isfinite(hi) else (x >= lo) & (x < hi)
    if not ok.all():
        return None
    if integer and s.dtype.kind == "f" and not (x == np.round(x)).all():
        return None
    return x


def frame_fast(scorer: Any, table: ScoreTable, df: pd.DataFrame,
               errors: str) -> pd.DataFrame | None:
    """Outputs for a frame whose every record is valid; None sends it to full validation
    (which then raises or flags with the usual messages)."""
    n = len(df)
    spec = scorer._spec
    cols = df.columns
    if n == 0 or any(f not in cols for f in spec.fields if f != "negatives") \
            or (scorer.has_negatives_ and "negatives" not in cols):
        return None
    g = _numeric_codes(df["grade"], spec.grade_low, spec.grade_high, not spec.grade_fractional)
    rec = _numeric_codes(df["recommend"], spec.recommend_low, spec.recommend_high, True)
    ten = _numeric_codes(df["tenure_months"], 0, np.inf, False)
    neg = _numeric_codes(df["negatives"], 0, np.inf, True) if "negatives" in cols else None
    if g is None or rec is None or ten is None or ("negatives" in cols and neg is None):
        return None
    st = table.strides
    band_code = _band_codes(g, scorer._band_lows)
    cat_code = _band_codes(rec, scorer._rec_lows)
    # the cell index in int32 (the table has far fewer than 2**31 cells), built in place:
    # half the memory traffic of int64 temporaries
    idx = np.minimum(ten, table.shape[3] - 1).astype(np.int32)
    idx *= st[3]
    _add_scaled(idx, band_code, st[0])
    _add_scaled(idx, cat_code, st[1])
    if scorer.has_negatives_:
        _add_scaled(idx, np.minimum(neg, scorer.cap).astype(np.int32), st[2])
    for k, (f, levels) in enumerate(scorer.feature_levels_.items()):
        codes = _category_codes(df[f], levels)
        if codes is None:
            return None
        _add_scaled(idx, codes, st[4 + k])
    return _gather(scorer, table, idx, band_code, cat_code, df.index, errors)


def _add_scaled(idx: np.ndarray, codes: np.ndarray, stride: int) -> None:
    """``idx += codes * stride`` in idx's integer type, without an int64 temporary."""
    if stride == 1:
        idx += codes
    else:
        idx += codes.astype(idx.dtype, copy=False) * idx.dtype.type(stride)


def _band_codes(x: np.ndarray, lows: list[float]) -> np.ndarray:
    """Band index of in-range values: how many band lows after the first are <= x.

    Equal to ``searchsorted(lows, x, "right") - 1``; a few comparisons against a handful of
    bands are several times faster than a binary search per value.
    """
    code = np.zeros(len(x), dtype=np.int32)
    for lo in lows[1:]:
        code += x >= lo
    return code


def _category_codes(s: pd.Series, levels: tuple[str, ...]) -> np.ndarray | None:
    """Level codes when every value is a known level, else None."""
    try:
        if isinstance(s.dtype, pd.CategoricalDtype):
            cat = s.cat.set_categories(list(levels))
            codes = cat.cat.codes.to_numpy()
        else:
            codes = pd.Categorical(s.to_numpy(object), categories=list(levels)).codes
    except (TypeError, ValueError):  # unhashable values: full validation names them
        return None
    if (codes < 0).any():
        return None
    return codes.astype(np.int64)


def _gather(scorer: Any, table: ScoreTable, idx: np.ndarray, band_code: np.ndarray,
            cat_code: np.ndarray, index: pd.Index, errors: str) -> pd.DataFrame:
    """The output frame for valid cell indices, columns in OUTPUT_COLUMNS order."""
    data: dict[str, Any] = {
        "p_switch": table.numeric["p_switch"][idx],
        "expected_months": table.numeric["expected_months"][idx],
        "risk_tier": pd.Categorical.from_codes(table.tier[idx], categories=list(RISK_TIERS)),
        "band": pd.Categorical.from_codes(band_code, categories=scorer.scale.band_names),
        "nps_category": pd.Categorical.from_codes(
            cat_code, categories=scorer.recommend_scale.band_names),
    }
    for i in (1, 2, 3):
        data[f"reason_{i}"] = table.text[f"reason_{i}"][idx]
        data[f"contribution_{i}"] = table.numeric[f"contribution_{i}"][idx]
    if errors == "flag":
        data["error"] = np.full(len(idx), "", dtype=object)
    return pd.DataFrame(data, index=index, copy=False)


def all_cells(scorer: Any) -> list[dict[str, Any]]:
    """Every cell as records with edge cases (for tests): every representative grade
    including fractional ones at band edges, recommend on the whole scale, negatives
    ``0 .. cap+2`` and tenure ``0 .. baseline_months+3`` including fractions."""
    sc = scorer.scale
    grades = sorted({float(x) for b in sc.bands for x in (b.low, b.high)}
                    | set(np.arange(sc.low, sc.high + 1)))
    if sc.allow_fractional:
        grades = sorted(set(grades) | {x + d for x in grades for d in (-0.01, 0.5)
                                       if sc.low <= x + d <= sc.high})
    grades = [float(x) for x in grades]
    recs = [float(x) for x in np.arange(scorer.recommend_scale.low,
                                        scorer.recommend_scale.high + 1)]
    negs = range(scorer.cap + 3)
    P = len(scorer._cum)
    tens = [*range(P + 4), 0.5, P - 1.5, P - 0.5, P + 0.25]
    feats = [list(v) for v in scorer.feature_levels_.values()]
    names = list(scorer.feature_levels_)
    return [{"grade": g, "recommend": rc, "negatives": ng, "tenure_months": t,
             **dict(zip(names, fv, strict=True))}
            for g, rc, ng, t, *fv in itertools.product(grades, recs, negs, tens, *feats)]
