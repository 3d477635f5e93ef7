"""Customer lifetime by grade band (claim V1): restricted mean survival time and value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._boundary import Missing, reads
from ._deprecate import moved_name, renamed_keywords
from ._plotting import get_ax
from ._validate import FrameLike, as_frame, check_unique_ids
from .data import validate_column
from .errors import DataError, ParameterError
from .results import ClaimResult, estimates_frame, judge_interval
from .roles import ROLE_PARAMS, SurvivalColumns, takes_survival_columns
from .scales import GRADE_1_10, Scale
from .stats.survival import rmst as _rmst

__all__ = ["LifetimeResult", "lifetime_by_band"]

STATEMENT_V1 = "Customer lifetime value depends on the experiences at moments of truth."


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class LifetimeResult(ClaimResult):
    """Result of :func:`lifetime_by_band`."""

    def plot(self, ax: Any = None) -> Any:
        """Kaplan-Meier curves per band up to the horizon."""
        ax = get_ax(ax)
        for band, km in self.tables["km"].groupby("band", sort=False, observed=True):
            ax.step(km["time"], km["survival"], where="post", label=str(band))
        ax.set_xlabel("months since start")
        ax.set_ylabel("still a customer")
        ax.set_ylim(0, 1.02)
        ax.legend(title="grade band", fontsize=8)
        ax.set_title(f"V1 lifetime by band: {self.verdict}")
        return ax


@renamed_keywords(grade="score")
@takes_survival_columns(**ROLE_PARAMS["lifetime_by_band"])
@reads(customers=("id", "score", "duration", "event", "value"))
def lifetime_by_band(customers: FrameLike, score: str = "grade", duration: str = "duration",
                     event: str = "switched", *, horizon: float = 24, scale: Scale = GRADE_1_10,
                     value: str | None = None, level: float = 0.95,
                     margin: float = 0.0, id: str | None = None,
                     missing: Missing = "raise",
                     columns: SurvivalColumns | None = None,  # consumed by the decorator
                     ) -> LifetimeResult:
    """Restricted mean lifetime (and value) by grade band, and the top-minus-bottom difference.

    Parameters
    ----------
    customers : pandas.DataFrame or engine input
        One row per customer. From Polars, DuckDB, Parquet paths and Dask only the
        ``score``, ``duration``, ``event`` (and ``value``) columns are collected into pandas.
    score, duration, event : str
        Grade on ``scale``, time observed (months), switched (0/1).
    horizon : float
        Restriction time of the restricted mean survival time (RMST).
    value : str, optional
        Value per month; adds ``value[band]`` = RMST x mean monthly value of the band.
    level : float
        Confidence level.
    margin : float
        Smallest effect of interest, in months: the top band must outlive the bottom band by
        more than ``margin`` (the claims report uses 0.5). With a margin, a world where the
        grade does not matter is contradicted as data grow instead of staying inconclusive.
    id : str, optional
        The customer id column. Given, every id must appear once (a duplicated customer
        would be counted twice); the check is skipped when ``None``.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.
    columns : SurvivalColumns, optional
        The customers table's columns named once for every survival estimator
        (:class:`loyaltystats.SurvivalColumns`); its roles fill ``id``, ``start``/``end`` or
        ``duration`` and the event column of this function. Giving a role both ways raises
        :class:`~loyaltystats.errors.ParameterError`.

    Returns
    -------
    LifetimeResult
        ``estimates``: ``rmst_difference[top - bottom]`` first (the verdict's quantity), then
        ``rmst[band]`` and, with ``value``, ``value[band]``. Supported when the difference's
        interval lies above ``margin``; contradicted when below it; inconclusive otherwise.

    Notes
    -----
    RMST and its variance come from the Kaplan-Meier curve of each band (:func:`loyaltystats.stats.rmst`; the
    point estimate equals lifelines' ``restricted_mean_survival_time``, tested); bands are
    independent, so the difference's variance is the sum.

    Examples
    --------
    >>> from loyaltystats.simulate import generate
    >>> res = lifetime_by_band(generate(4000, seed=1).customers, horizon=12)
    >>> res.estimates["term"].iloc[0]
    'rmst_difference[9-10 - <=6]'
    """
    check_unique_ids(customers, id, "customers")
    customers = as_frame(customers, [score, duration, event, value or None], "customers")
    for c in [score, duration, event] + ([value] if value else []):
        if c not in customers.columns:
            raise DataError(f"missing column {c!r}", table="customers", column=c)
    band = scale.band(customers[score], column=score, table="customers")
    # the data contract: numbers (never text), a 0/1 event, finite values
    validate_column(customers, duration, "duration", table="customers")
    validate_column(customers, event, "flag", table="customers")
    if value:
        validate_column(customers, value, "number", table="customers")
    d = customers[duration].to_numpy(float)
    bad = ~np.isfinite(d) | (d <= 0)
    if bad.any():
        raise DataError("durations must be positive numbers", table="customers", column=duration,
                        n_rows=int(bad.sum()), examples=pd.unique(d[bad])[:5])
    ev = customers[event].to_numpy()
    if ev.dtype.kind != "b":
        ok = np.isin(ev, [0, 1])
        if not ok.all():
            raise DataError("event must be 0/1 or boolean", table="customers", column=event,
                            n_rows=int((~ok).sum()), examples=pd.unique(ev[~ok])[:5])
    ev = ev.astype(bool)
    z = stats.norm.ppf(0.5 + level / 2)
    rows, km_rows, rm = [], [], {}
    for b in scale.band_names:
        m = np.asarray(band == b)
        if m.sum() == 0:
            rows.append({"term": f"rmst[{b}]", "estimate": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "n": 0, "method": "Kaplan-Meier RMST"})
            continue
        mean, var, curve = _rmst(d[m], ev[m], horizon)
        rm[b] = (float(mean), float(var), int(m.sum()))
        se = np.sqrt(var)
        rows.append({"term": f"rmst[{b}]", "estimate": mean, "ci_low": mean - z * se,
                     "ci_high": mean + z * se, "n": int(m.sum()), "method": "Kaplan-Meier RMST"})
        km_rows.append(curve.assign(band=b))
        if value:
            v = customers[value].to_numpy(float)[m]
            mv, sv = float(np.mean(v)), float(np.std(v, ddof=1) / np.sqrt(len(v)))
            est = mean * mv
            se_v = np.sqrt(mv**2 * var + mean**2 * sv**2)
            rows.append({"term": f"value[{b}]", "estimate": est, "ci_low": est - z * se_v,
                         "ci_high": est + z * se_v, "n": int(m.sum()),
                         "method": "RMST x mean monthly value (delta method)"})
    present = [b for b in scale.band_names if b in rm]
    if len(present) < 2:
        raise DataError("need customers in at least two grade bands", table="customers",
                        column=score)
    top, bottom = present[-1], present[0]
    diff = rm[top][0] - rm[bottom][0]
    se = np.sqrt(rm[top][1] + rm[bottom][1])
    lo, hi = diff - z * se, diff + z * se
    if not (np.isfinite(margin) and margin >= 0):
        raise ParameterError(f"margin must be a finite number >= 0, got {margin!r}")
    verdict = judge_interval(lo, hi, float(margin), np.inf)
    more = f" by more than {margin:g} months" if margin else ""
    reason = {"supported": f"customers graded {top} stay longer than those graded {bottom}{more}",
              "contradicted": (f"customers graded {top} do not stay longer than those graded "
                               f"{bottom}{more}"),
              "inconclusive": f"the lifetime difference between top and bottom bands is not "
                              f"distinguishable from {margin:g}"}[verdict]
    reason += f": {diff:.3g} [{lo:.3g}, {hi:.3g}] months"
    head = {"term": f"rmst_difference[{top} - {bottom}]", "estimate": diff, "ci_low": lo,
            "ci_high": hi, "n": rm[top][2] + rm[bottom][2], "method": "Kaplan-Meier RMST"}
    return LifetimeResult(
        estimates=estimates_frame([head] + rows), title="V1 lifetime by grade band", level=level,
        tables={"km": pd.concat(km_rows, ignore_index=True)}, info={"horizon": horizon},
        claim_id="V1", statement=STATEMENT_V1, claimed=[float(margin), None], verdict=verdict,
        reason=reason + f" (restricted mean over {horizon:g} months)")


def __getattr__(name: str) -> Any:
    # value.rmst moved to stats.rmst (#17); the old name works for one release
    if name == "rmst":
        return moved_name("loyaltystats.value", name, "loyaltystats.stats", _rmst)
    raise AttributeError(f"module 'loyaltystats.value' has no attribute {name!r}")
