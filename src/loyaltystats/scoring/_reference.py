"""The direct computation of scores from the coefficients (the pre-table implementation).

Kept verbatim for two reasons: it builds the precomputed cell table (so the table holds
exactly what this code returns), and it is the fallback when a scorer's cell table would be
too large (:data:`loyaltystats.scoring._table.MAX_TABLE_CELLS`) or when records need the
full validation (any invalid value, ``errors="flag"`` with errors, unusual dtypes).
tests/test_scoring_table.py compares the table path against it over every cell.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError
from .records import RecordSpec, check_records, raise_first

RISK_TIERS = ("low", "medium", "high")
_BLOCK = 1 << 17


def reference_score_one(self: Any, r: Mapping[str, Any]) -> dict[str, Any] | None:
    """Plain-Python path for one valid record; None sends it to the validating path."""
    try:
        g, rec, neg, ten = r["grade"], r["recommend"], r["negatives"], r["tenure_months"]
    except KeyError:
        return None
    for v in (g, rec, neg, ten):
        if type(v) not in (int, float):
            return None
    sc, rs = self.scale, self.recommend_scale
    if not (sc.low <= g <= sc.high) or (not sc.allow_fractional and g != int(g)):
        return None
    if not (rs.low <= rec <= rs.high) or rec != int(rec) or neg < 0 or neg != int(neg) \
            or not (0 <= ten < math.inf):
        return None
    coefs = self.coefficients_
    bands = sc.band_names
    band = bands[bisect.bisect_right(self._band_lows, g) - 1]
    cat = rs.band_names[bisect.bisect_right(self._rec_lows, rec) - 1]
    contrib = [("band", band, coefs["band"][band]),
               ("nps_category", cat, coefs["nps_category"][cat])]
    if self.has_negatives_:
        lv = str(min(int(neg), self.cap))
        contrib.append(("negatives", lv, coefs["negatives"][lv]))
    for f in self.feature_levels_:
        v = r.get(f)
        if not isinstance(v, str) or v not in coefs[f]:
            return None
        contrib.append((f, v, coefs[f][v]))
    eta = math.exp(sum(c for _, _, c in contrib))
    row = self._cum_rows[min(int(ten), len(self._cum_rows) - 1)]
    p = 1.0 - math.exp(-eta * row[-1])
    expected = sum(math.exp(-eta * x) for x in row)
    lo, hi = self.risk_thresholds_
    tier = "low" if p < lo else ("medium" if p < hi else "high")
    # a reason raises the risk: a level at or below its reference is not one
    top = sorted((c for c in contrib if c[2] > 0), key=lambda t: -t[2])[:3]
    out: dict[str, Any] = {"p_switch": p, "expected_months": expected, "risk_tier": tier,
                           "band": band, "nps_category": cat}
    for i in range(3):
        if i < len(top):
            out[f"reason_{i + 1}"] = f"{top[i][0]}={top[i][1]}"
            out[f"contribution_{i + 1}"] = float(top[i][2])
        else:
            out[f"reason_{i + 1}"], out[f"contribution_{i + 1}"] = "", float("nan")
    return out

def reference_score_frame(self: Any, df: pd.DataFrame, errors: str) -> pd.DataFrame:
    spec: RecordSpec = self._spec
    required = [f for f in spec.fields if f != "negatives" or self.has_negatives_]
    if errors == "raise":
        missing = [f for f in required if f not in df.columns]
        if missing:
            raise DataError(f"missing field(s) {missing}; available: {list(df.columns)[:20]}",
                            table="records")
    work = df if self.has_negatives_ or "negatives" in df.columns else \
        df.assign(negatives=0)
    parsed, err = check_records(work, spec)
    if errors == "raise":
        raise_first(work, err)
    n = len(df)
    ok = err == ""
    g = np.where(ok, parsed["grade"], self.scale.low)
    rec = np.where(ok, parsed["recommend"], self.recommend_scale.low)
    band_code = np.searchsorted(np.array(self._band_lows), g, side="right") - 1
    cat_code = np.searchsorted(np.array(self._rec_lows), rec, side="right") - 1
    parts = {"band": band_code, "nps_category": cat_code}
    if self.has_negatives_:
        neg = np.where(ok, parsed["negatives"], 0)
        parts["negatives"] = np.minimum(neg, self.cap).astype(np.int64)
    for f in self.feature_levels_:
        parts[f] = np.where(ok, parsed[f], 0)
    names = list(parts)
    contrib = np.column_stack([self._coef_vec[k][parts[k]] for k in names])
    eta = np.exp(contrib.sum(axis=1))
    ten = np.where(ok, parsed["tenure_months"], 0)
    rows = np.minimum(ten, len(self._cum) - 1).astype(np.int64)
    p = np.empty(n)
    expected = np.empty(n)
    for lo in range(0, n, _BLOCK):
        sl = slice(lo, lo + _BLOCK)
        surv = np.exp(-eta[sl, None] * self._cum[rows[sl]])
        p[sl] = 1 - surv[:, -1]
        expected[sl] = surv.sum(axis=1)
    t_lo, t_hi = self.risk_thresholds_
    tier_code = (p >= t_lo).astype(np.int8) + (p >= t_hi).astype(np.int8)
    out = pd.DataFrame(index=df.index)
    out["p_switch"] = np.where(ok, p, np.nan)
    out["expected_months"] = np.where(ok, expected, np.nan)
    out["risk_tier"] = pd.Categorical.from_codes(np.where(ok, tier_code, -1),
                                                 categories=list(RISK_TIERS))
    out["band"] = pd.Categorical.from_codes(np.where(ok, band_code, -1),
                                            categories=self.scale.band_names)
    out["nps_category"] = pd.Categorical.from_codes(
        np.where(ok, cat_code, -1), categories=self.recommend_scale.band_names)
    labels = np.column_stack([self._labels[k][parts[k]] for k in names])
    k = min(3, len(names))
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
    top_c = np.take_along_axis(contrib, order, axis=1)
    top_l = np.take_along_axis(labels, order, axis=1)
    for i in range(3):
        if i < k:
            # a reason raises the risk: a level at or below its reference is not one
            show = ok & (top_c[:, i] > 0)
            out[f"reason_{i + 1}"] = np.where(show, top_l[:, i], "")
            out[f"contribution_{i + 1}"] = np.where(show, top_c[:, i], np.nan)
        else:
            out[f"reason_{i + 1}"] = ""
            out[f"contribution_{i + 1}"] = np.nan
    if errors == "flag":
        out["error"] = err.astype(object) if n else np.array([], dtype=object)
    return out

