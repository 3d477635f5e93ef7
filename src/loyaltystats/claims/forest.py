"""The report's first figure: every claim's deciding estimate against its claimed region.

The claims sit on different scales (a probability, a hazard ratio, a grade, a log-odds), so
each claim gets its own row with its own axis (a forest plot of small multiples): the claimed
region shaded, the deciding estimate and interval coloured by the verdict.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["VERDICT_COLOURS", "forest_figure"]

VERDICT_COLOURS = {"supported": "#176d2b", "contradicted": "#a4161a",
                   "inconclusive": "#b08900", "descriptive": "#555555"}
"""Colour of each verdict in the report's figures and tables."""


def _limits(row: pd.Series) -> tuple[float, float]:
    """An x range that shows the interval and the finite ends of the region."""
    pts = [row["ci_low"], row["ci_high"], row["estimate"]]
    pts += [v for v in (row["region_low"], row["region_high"])
            if isinstance(v, float) and math.isfinite(v)]
    lo, hi = float(np.nanmin(pts)), float(np.nanmax(pts))
    pad = 0.15 * (hi - lo) if hi > lo else max(abs(lo) * 0.1, 0.5)
    return lo - pad, hi + pad


def forest_figure(table: pd.DataFrame) -> Any:
    """One row per tested claim: deciding estimate, interval and claimed region.

    Parameters
    ----------
    table : DataFrame
        :attr:`ClaimsReport.table` (columns ``id, term, estimate, ci_low, ci_high,
        region_low, region_high, verdict``); rows without an estimate are left out.

    Returns
    -------
    matplotlib.figure.Figure
        Detached from pyplot (a notebook shows it once).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"id": ["S1"], "term": ["p[k=1]"], "estimate": [0.5],
    ...                   "ci_low": [0.49], "ci_high": [0.51], "region_low": [0.52],
    ...                   "region_high": [0.62], "verdict": ["contradicted"]})
    >>> len(forest_figure(t).axes)
    1
    """
    from .._plotting import require_matplotlib

    plt = require_matplotlib()
    rows = table[pd.to_numeric(table["estimate"], errors="coerce").notna()]
    rows = rows.reset_index(drop=True)
    n = max(len(rows), 1)
    fig, axes = plt.subplots(n, 1, figsize=(7.5, 0.55 * n + 0.9), squeeze=False)
    for ax, (_, row) in zip(axes[:, 0], rows.iterrows()):
        colour = VERDICT_COLOURS.get(row["verdict"], "#555555")
        left, right = _limits(row)
        lo_r, hi_r = row["region_low"], row["region_high"]
        if isinstance(lo_r, float) and not math.isnan(lo_r):
            ax.axvspan(max(lo_r, left), min(hi_r, right), color="#9bbfe0", alpha=0.45, lw=0)
        ax.plot([row["ci_low"], row["ci_high"]], [0, 0], color=colour, lw=2.5,
                solid_capstyle="butt")
        ax.plot([row["estimate"]], [0], "o", color=colour, ms=6)
        ax.set_xlim(left, right)
        ax.set_ylim(-1, 1)
        ax.set_yticks([])
        ax.tick_params(axis="x", labelsize=7, length=2, pad=1)
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        ax.text(-0.01, 0.1, f"{row['id']}  {str(row['term'])[:34]}", transform=ax.transAxes,
                ha="right", va="center", fontsize=8)
        ax.text(1.01, 0.1, str(row["verdict"]), transform=ax.transAxes, ha="left",
                va="center", fontsize=8, color=colour, fontweight="bold")
    fig.suptitle("Each claim's deciding estimate (dot, interval) against its claimed region "
                 "(shaded)", fontsize=9)
    # room on the left for the labels and on the right for the verdicts
    fig.subplots_adjust(left=0.36, right=0.86, top=1 - 0.5 / (0.55 * n + 0.9),
                        bottom=0.25 / (0.55 * n + 0.9), hspace=1.1)
    plt.close(fig)
    return fig
