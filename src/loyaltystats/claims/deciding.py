"""Which estimate decides a claim's verdict, and its claimed region, for the report's table.

A claim is decided on the intervals of a few rows of its estimates (the terms of
:mod:`loyaltystats.simulate.estimands`, each with the region the claim puts it in; every
claim's rule is "all": supported when every interval lies inside its region, contradicted
when one lies outside). The row a reader should see is the one that carried the verdict: for
a contradicted claim the first term whose interval lies outside its region, for an
inconclusive one the first whose interval straddles a boundary, for a supported one the term
nearest to failing (its interval closest to a boundary, in interval widths).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..results import ClaimResult

__all__ = ["deciding_row", "region_text", "term_is_strict"]


def _placement(lo: float, hi: float, low: float, high: float, strict: bool) -> str:
    """``inside``, ``outside`` or ``straddles``: where an interval sits against a region."""
    if strict:
        inside, outside = low < lo and hi < high, hi <= low or lo >= high
    else:
        inside, outside = low <= lo and hi <= high, hi < low or lo > high
    return "inside" if inside else "outside" if outside else "straddles"


def _room(lo: float, hi: float, low: float, high: float) -> float:
    """Distance from the interval to the nearer boundary, in interval widths."""
    width = max(hi - lo, 1e-12)
    return min(lo - low, high - hi) / width


def deciding_row(claim_id: str, claim: ClaimResult) -> dict[str, Any]:
    """The estimates row that carried the claim's verdict, with its claimed region.

    Returns a dict with ``term, estimate, ci_low, ci_high, n, method`` (the row) and
    ``region_low, region_high, region_strict`` (the claimed region of that term; NaN when
    the claim's deciding terms are not in the estimates, e.g. on data with other columns).

    Examples
    --------
    >>> import pandas as pd
    >>> from loyaltystats.results import ClaimResult
    >>> est = pd.DataFrame({"term": ["p[k=1]", "p[k=2]"], "estimate": [0.57, 0.5],
    ...                     "ci_low": [0.55, 0.45], "ci_high": [0.59, 0.55], "n": [900, 400],
    ...                     "method": ["Wilson", "Wilson"]})
    >>> deciding_row("S1", ClaimResult(estimates=est, verdict="contradicted"))["term"]
    'p[k=2]'
    """
    from ..simulate.estimands import get_spec
    from .runners import headline

    est = claim.estimates
    empty = {"region_low": math.nan, "region_high": math.nan, "region_strict": False}
    if len(est) == 0:
        return {**headline(claim), **empty}
    try:
        terms = get_spec(claim_id).terms
    except KeyError:
        terms = ()
    by_term = est.drop_duplicates("term").set_index("term")
    present = [t for t in terms if t.term in by_term.index]
    if not present:
        return {**headline(claim), **empty}
    rows = []
    for t in present:
        r = by_term.loc[t.term]
        lo, hi = float(r["ci_low"]), float(r["ci_high"])
        rows.append((t, r, _placement(lo, hi, t.low, t.high, t.strict),
                     _room(lo, hi, t.low, t.high)))
    wanted = {"contradicted": "outside", "inconclusive": "straddles"}.get(claim.verdict)
    pick = next((x for x in rows if x[2] == wanted), None) if wanted else None
    if pick is None:  # supported (or descriptive): the term nearest to failing
        pick = min(rows, key=lambda x: x[3]) if claim.verdict == "supported" else rows[0]
    t, r, _, _ = pick
    return {"term": t.term, **{k: r[k] for k in ("estimate", "ci_low", "ci_high", "n",
                                                   "method")},
            "region_low": t.low, "region_high": t.high, "region_strict": t.strict}


def region_text(low: float, high: float, strict: bool = False) -> str:
    """A claimed region as a reader writes it: ``>= 8``, ``[0.52, 0.62]``, ``[6, 8)``.

    An upper end stored just below a whole number (``7.999999999``) is the open end of a
    half-open region.

    Examples
    --------
    >>> region_text(6, 7.999999999), region_text(0.25, float("inf"), strict=True)
    ('[6, 8)', '> 0.25')
    >>> region_text(0.52, 0.62), region_text(float("-inf"), 0, strict=True)
    ('[0.52, 0.62]', '< 0')
    """
    if low is None or high is None or (isinstance(low, float) and np.isnan(low)):
        return ""
    up = round(high) if math.isfinite(high) else high
    half_open = math.isfinite(high) and high != up and abs(high - up) < 1e-6
    high_shown = up if half_open else high

    def num(v: float) -> str:
        return f"{v:.4g}"

    if not math.isfinite(high):
        return f"{'>' if strict else '>='} {num(low)}"
    if not math.isfinite(low):
        return f"{'<' if strict else '<='} {num(high_shown)}"
    left = "(" if strict else "["
    right = ")" if strict or half_open else "]"
    return f"{left}{num(low)}, {num(high_shown)}{right}"


def term_is_strict(claim_id: str, term: str) -> bool:
    """Whether the claim needs ``term`` strictly inside its region (an effect claim whose
    null sits on the boundary).

    Examples
    --------
    >>> term_is_strict("T4", "interaction (log-odds)"), term_is_strict("S1", "p[k=1]")
    (True, False)
    """
    from ..simulate.estimands import get_spec

    try:
        return any(t.strict for t in get_spec(claim_id).terms if t.term == term)
    except KeyError:
        return False
