"""The Top-of-Heart pyramid (claim P1): relevance -> trust -> satisfaction -> loyalty.

The claim is a gating structure: a customer reaches level k only when level k-1 is amply met.
Its testable consequence: P(level k high | level k-1 high) far exceeds
P(level k high | level k-1 low) at every step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._boundary import Missing, reads
from ._cells import check_cell_scores
from ._plotting import get_ax
from ._validate import FrameLike
from .errors import DataError, TooManyCellsError
from .results import ClaimResult, estimates_frame, judge_interval
from .scales import LIKERT_1_5, Scale
from .stats import wilson_ci
from .stats.proportions import newcombe_diff
from .tables import count_cells

__all__ = ["GatingResult", "gating", "newcombe_diff_ci"]

STATEMENT_P1 = ("Relevance -> trust -> satisfaction -> loyalty: you climb a level only when "
                "the one below is amply met.")


def newcombe_diff_ci(x1, n1, x2, n2, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval for p1 - p2 (method 10 of Newcombe 1998).

    Examples
    --------
    >>> lo, hi = newcombe_diff_ci(56, 70, 48, 80)   # Newcombe (1998b) example: 0.0524, 0.3339
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0524, 0.3339)
    """
    _, lo, hi = newcombe_diff(x1, n1, x2, n2, level)   # the one implementation, in stats
    return lo, hi


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class GatingResult(ClaimResult):
    """Result of :func:`gating`: per step the two conditional shares and their difference."""

    def plot(self, ax: Any = None) -> Any:
        """Grouped bars: P(high | level below high) and P(high | level below low) per step."""
        ax = get_ax(ax)
        steps = self.tables["steps"]
        x = np.arange(len(steps))
        for off, which, label in ((-0.2, "high", "level below high"),
                                  (0.2, "low", "level below low")):
            p = steps[f"p_given_{which}"].to_numpy()
            err = [p - steps[f"ci_low_{which}"], steps[f"ci_high_{which}"] - p]
            ax.bar(x + off, p, width=0.4, yerr=err, capsize=3, label=label)
        ax.set_xticks(x)
        ax.set_xticklabels(steps["step"].tolist(), fontsize=8)
        ax.set_ylabel("P(level high)")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=8)
        ax.set_title(f"P1 gating: {self.verdict}")
        return ax


def _step_counts(cells: pd.DataFrame, below: str, above: str, scale: Scale,
                 high: float | None) -> tuple[Any, Any, Any, Any]:
    """``(x_high, n_high, x_low, n_low)`` of one step from the counts per (below, above) cell:
    ``n_high`` respondents rate ``below`` high, ``x_high`` of them rate ``above`` high too.
    ``high=None``: the cells already hold the high/low flags (cut in the engine)."""
    n = cells["n"].to_numpy()
    if high is None:
        hb, ha = cells[below].to_numpy(bool), cells[above].to_numpy(bool)
    else:
        hb = check_cell_scores(cells, below, scale, "data") >= high
        ha = check_cell_scores(cells, above, scale, "data") >= high
    return n[hb & ha].sum(), n[hb].sum(), n[~hb & ha].sum(), n[~hb].sum()


def _counted_pairs(data: Any, levels: Sequence[str], scale: Scale,
                  high: float) -> tuple[Callable[[str, str], pd.DataFrame], float | None]:
    """How to count the pairs of any input (pandas or an engine): ``(pair_cells, cut)``.

    One count over all levels at once (two queries; for a 1-5 scale and four levels at most
    625 cells), whose ratings are then checked on the cells and summed per pair. When the
    levels define too many cells (ratings off the scale or continuous), each level is
    checked on its own cells, which names the offending column; should they pass, every
    level is cut at ``high`` in the engine and the pairs are counted on the flags.
    """
    from ._cells import count_scored_cells
    from ._frames import cut_at

    cols = list(dict.fromkeys(levels))
    try:
        joint = count_scored_cells(data, cols, {c: scale for c in cols}, table="data")
    except TooManyCellsError:
        for c in cols:
            one = count_scored_cells(data, [c], {c: scale}, table="data")
            check_cell_scores(one, c, scale, "data")
        flags = cut_at(data, {c: high for c in cols}, table="data")
        return (lambda b, a: count_cells(flags, list(dict.fromkeys([b, a])), table="data"),
                None)
    for c in cols:
        check_cell_scores(joint, c, scale, "data")
    return (lambda b, a: joint.groupby(list(dict.fromkeys([b, a])), as_index=False,
                                       observed=True, sort=True)["n"].sum(), high)


@reads(data=("levels",))
def gating(data: FrameLike, levels: Sequence[str], *, scale: Scale = LIKERT_1_5,
           high: float = 4, margin: float = 0.1, level: float = 0.95,
           missing: Missing = "raise") -> GatingResult:
    """Test the gating structure of a hierarchy of levels (claim P1).

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per respondent. Polars, DuckDB, Parquet paths and Dask are counted in the
        engine (per step, the respondents per pair of ratings); no rows are collected.
    levels : sequence of str
        Columns from the bottom of the pyramid to the top (e.g. relevance, trust,
        satisfaction, loyalty), each on ``scale``.
    scale : Scale
        Scale of the level ratings.
    high : float
        A level counts as "amply met" when its rating is at least ``high``.
    margin : float
        The claim is supported when, at every step, the interval of
        P(high | below high) - P(high | below low) lies inside ``[margin, 1]``; contradicted when
        at some step it lies wholly below ``margin``.
    level : float
        Confidence level.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    GatingResult
        ``estimates``: per step the difference with Newcombe's hybrid score interval;
        ``tables["steps"]``: the two conditional shares with Wilson intervals and counts.

    Examples
    --------
    >>> from loyaltystats.simulate import generate
    >>> r = generate(3000, seed=1).responses
    >>> res = gating(r, ["relevance", "trust", "satisfaction_level", "loyalty_level"])
    >>> res.verdict
    'supported'
    """
    levels = list(levels)
    if len(levels) < 2:
        raise DataError("gating needs at least two levels", table="data")
    # counted where the data live (pandas or an engine): missing values and the columns are
    # checked by the count, the ratings on the returned cells (see _counted_pairs)
    pair_cells, cut = _counted_pairs(data, levels, scale, high)

    rows, est = [], []
    verdicts = []
    for below, above in zip(levels, levels[1:]):
        xh, nh, xl, nl = _step_counts(pair_cells(below, above), below, above, scale, cut)
        if nh == 0 or nl == 0:
            raise DataError(f"{below!r} is never {'high' if nh == 0 else 'low'};"
                            " cannot compare", table="data", column=below)
        lo_h, hi_h = wilson_ci(xh, nh, level)
        lo_l, hi_l = wilson_ci(xl, nl, level)
        d_lo, d_hi = newcombe_diff_ci(xh, nh, xl, nl, level)
        d = xh / nh - xl / nl
        step = f"{below} -> {above}"
        rows.append({"step": step, "p_given_high": xh / nh, "ci_low_high": float(lo_h),
                     "ci_high_high": float(hi_h), "n_high": int(nh), "p_given_low": xl / nl,
                     "ci_low_low": float(lo_l), "ci_high_low": float(hi_l), "n_low": int(nl)})
        est.append({"term": f"difference[{step}]", "estimate": d, "ci_low": float(d_lo),
                    "ci_high": float(d_hi), "n": int(nh + nl), "method": "Newcombe hybrid score"})
        verdicts.append(judge_interval(float(d_lo), float(d_hi), margin, 1.0))
    if all(v == "supported" for v in verdicts):
        verdict, reason = "supported", f"every step's difference lies above {margin:g}"
    elif any(v == "contradicted" for v in verdicts):
        verdict = "contradicted"
        reason = f"at some step the difference lies wholly below {margin:g}: no gating"
    else:
        verdict, reason = "inconclusive", "some step's interval straddles the margin"
    return GatingResult(estimates=estimates_frame(est), title="P1 gating", level=level,
                        tables={"steps": pd.DataFrame(rows)}, info={"margin": margin,
                                                                     "high": high},
                        claim_id="P1", statement=STATEMENT_P1, claimed=[margin, 1.0],
                        verdict=verdict, reason=reason)
