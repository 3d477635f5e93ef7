"""S3: considering a switch is not switching. How many who intend to switch actually do?

Examples
--------
>>> from loyaltystats.switching import IntentResult
>>> IntentResult.__mro__[1].__name__
'ClaimResult'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._boundary import Missing, reads
from .._deprecate import positional_options
from .._plotting import get_ax
from .._validate import FrameLike, check_unique_ids
from ..errors import ModelError, ParameterError
from ..results import ClaimResult, judge_interval
from ..stats import wilson_ci
from ._common import (
    check_cap,
    check_level,
    level_labels,
    newcombe_diff,
)
from .dose import _counted_level_cells

__all__ = ["IntentResult", "intent_vs_behavior"]


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class IntentResult(ClaimResult):
    """Result of :func:`intent_vs_behavior` (claim S3).

    ``estimates``: per level ``k`` (and ``all``): ``conversion[k=..]`` = P(switch | intends
    to switch), ``p_intent[k=..]``, ``p_switch[k=..]``, ``p_switch_no_intent[k=..]``
    (Wilson) and ``intent_lift[k=..]`` = conversion - P(switch | no intent) (Newcombe).

    ``tables["by_k"]``: the counts behind them.
    """

    def plot(self, ax: Any = None) -> Any:
        """Intent, switching and conversion by k with intervals; returns the Axes."""
        ax = get_ax(ax)
        tab = self.tables["by_k"]
        tab = tab[tab["k"] != "all"]
        x = np.arange(len(tab))
        for i, (col, label) in enumerate((("p_intent", "considers switching"),
                                          ("p_switch", "switched"),
                                          ("conversion", "switched | considered"))):
            e = tab[col].to_numpy(float)
            ax.errorbar(x + (i - 1) * 0.15, e,
                        yerr=[e - tab[f"{col}_ci_low"], tab[f"{col}_ci_high"] - e],
                        fmt="o", capsize=3, label=label)
        ax.set_xticks(x)
        ax.set_xticklabels(tab["k"].tolist())
        ax.set_ylim(0, 1)
        ax.set_xlabel("negative experiences (k)")
        ax.set_ylabel("share")
        ax.set_title(self.title)
        ax.legend(fontsize="small")
        return ax


def _intent_cells(customers: Any, negatives: str, intent: str, switched: str,
                  cap: int) -> pd.DataFrame:
    """Validated counts per (k, intent) cell: columns ``k, i, n, successes`` (switched)."""
    # counted where the data live; the count and intent values are checked on the cells
    cells = _counted_level_cells(customers, negatives, switched, cap, None,
                                 binary={"i": intent})
    any_intent = bool(cells.loc[cells["i"], "n"].sum() > 0)
    if not any_intent:
        raise ModelError(f"nobody in {intent!r} intends to switch: no conversion to estimate")
    return cells


@positional_options("cap")
@reads(customers=("id", "negatives", "intent", "switched"))
def intent_vs_behavior(
    customers: FrameLike,
    negatives: str = "negatives",
    intent: str = "considering_switch",
    switched: str = "switched",
    *,
    cap: int = 3,
    margin: float = 0.1,
    level: float = 0.95,
    claim_id: str = "S3",
    id: str | None = None,
    missing: Missing = "raise",
) -> IntentResult:
    """The share of customers intending to switch who actually switch, by k negatives.

    Parameters
    ----------
    customers : pandas.DataFrame or engine input
        One row per customer with both an intent and a behaviour measurement. Polars (eager
        or lazy), a DuckDB relation, a Parquet path or glob and a Dask DataFrame are counted
        in their engine by (negatives, intent) with ``switched`` as the outcome; only the
        cells come back (see docs/engines.md), and the results equal the pandas path.
    negatives : str
        Count of negative experiences (non-negative integers), pooled above ``cap``.
    intent : str
        0/1 or boolean: the customer says they consider switching.
    switched : str
        0/1: the customer switched (in the window that follows the intent measurement).
    cap : int
        Highest level (``cap+``).
    margin : float
        The claim "considering is not switching" is supported when the overall conversion
        interval lies inside ``[0, 1 - margin]``, i.e. clearly fewer than ``1 - margin`` of
        the customers who consider switching do so.
    level : float
        Confidence level.
    claim_id : str
        Identifier written into the result.
    id : str, optional
        The customer id column. Given, every id must appear once (a duplicated customer
        would be counted twice); the check is skipped when ``None``.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    IntentResult
        A :class:`~loyaltystats.results.ClaimResult` with the conversion table.

    Raises
    ------
    DataError
        Bad counts or 0/1 columns (rows named; for an engine input the number of rows and
        the offending values, checked on the cells).
    ModelError
        Nobody intends to switch.

    Notes
    -----
    Per level :math:`k`: :math:`P(I \\mid k)`, :math:`P(S \\mid k)`, the conversion
    :math:`P(S \\mid I, k)` and :math:`P(S \\mid \\bar I, k)`, each a binomial proportion with
    a Wilson interval, from one count table by (k, intent). A level with nobody intending
    to switch has an undefined conversion (NaN, ``n = 0``). ``intent_lift`` is the
    difference between switching with and without intent (Newcombe interval): how much the
    stated intent tells about behaviour. Read it per level: ``intent_lift[all]`` pools the
    levels, and since both intent and switching rise with k it shows a lift even when,
    within every level, intent adds nothing (Simpson's paradox). S1's 57% / 78% speaks of *considering*; this
    function shows how far that is from switching.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> k = rng.integers(0, 4, 5000)
    >>> intent = rng.random(5000) < np.array([0.1, 0.57, 0.78, 0.9])[k]
    >>> switched = rng.random(5000) < np.where(intent, 0.3, 0.05)
    >>> df = pd.DataFrame({"negatives": k, "considering_switch": intent, "switched": switched})
    >>> res = intent_vs_behavior(df)
    >>> res.verdict
    'supported'
    """
    check_unique_ids(customers, id, "customers")
    cap = check_cap(cap)
    level = check_level(level)
    if not 0 <= margin < 1:
        raise ParameterError(f"margin must be in [0, 1), got {margin!r}")
    cells = _intent_cells(customers, negatives, intent, switched, cap)
    full = pd.MultiIndex.from_product([range(cap + 1), [False, True]], names=["k", "i"])
    c = cells.set_index(["k", "i"]).reindex(full, fill_value=0)
    n = c["n"].to_numpy().reshape(cap + 1, 2)
    x = c["successes"].to_numpy().reshape(cap + 1, 2)
    n = np.vstack([n, n.sum(0)])
    x = np.vstack([x, x.sum(0)])
    labels = level_labels(cap) + ["all"]
    n_k, n_int = n.sum(1), n[:, 1]
    tab = pd.DataFrame({"k": labels, "n": n_k, "n_intent": n_int,
                        "n_switched": x.sum(1), "n_intent_switched": x[:, 1],
                        "n_no_intent_switched": x[:, 0]})
    specs = {
        "p_intent": (n_int, n_k),
        "p_switch": (x.sum(1), n_k),
        "conversion": (x[:, 1], n_int),
        "p_switch_no_intent": (x[:, 0], n[:, 0]),
    }
    rows: list[dict[str, Any]] = []
    for name, (num, den) in specs.items():
        num, den = num.astype(float), den.astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(den > 0, num / den, np.nan)
        lo, hi = wilson_ci(num, den, level)
        tab[name], tab[f"{name}_ci_low"], tab[f"{name}_ci_high"] = p, lo, hi
        for j, lab in enumerate(labels):
            rows.append({"term": f"{name}[k={lab}]" if lab != "all" else f"{name}[all]",
                         "estimate": p[j], "ci_low": lo[j], "ci_high": hi[j],
                         "n": int(den[j]), "method": "wilson"})
    d, dl, dh = newcombe_diff(x[:, 1], n[:, 1], x[:, 0], n[:, 0], level)
    for j, lab in enumerate(labels):
        rows.append({"term": f"intent_lift[k={lab}]" if lab != "all" else "intent_lift[all]",
                     "estimate": float(d[j]), "ci_low": float(dl[j]), "ci_high": float(dh[j]),
                     "n": int(n[j].sum()),
                     "method": "P(switch | intent) - P(switch | no intent), Newcombe"})
    conv = tab.iloc[-1]
    verdict = judge_interval(float(conv["conversion_ci_low"]), float(conv["conversion_ci_high"]),
                             0.0, 1.0 - margin)
    reason = (f"of {int(conv['n_intent'])} customers considering a switch, "
              f"{conv['conversion']:.1%} switched [{conv['conversion_ci_low']:.1%}, "
              f"{conv['conversion_ci_high']:.1%}]; claim region [0, {1 - margin:g}]")
    return IntentResult(
        estimates=pd.DataFrame(rows), title=f"{switched} among {intent}, by {negatives}",
        level=level, tables={"by_k": tab},
        info={"cap": cap, "margin": margin, "n_customers": int(n[-1].sum())},
        claim_id=claim_id, statement="considering a switch is not switching: fewer than "
        f"{1 - margin:.0%} of those who consider switching do switch",
        claimed=[0.0, 1.0 - margin], verdict=verdict, reason=reason)
