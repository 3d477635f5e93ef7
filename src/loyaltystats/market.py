"""Market convergence (claim M1): the top keeps rising while differences shrink."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._boundary import Missing, reads
from ._plotting import get_ax
from ._validate import FrameLike, as_frame
from .data import validate_column
from .errors import DataError
from .results import ClaimResult, estimates_frame
from .scales import GRADE_1_10, Scale
from .stats.seeds import make_rng

__all__ = ["ConvergenceResult", "convergence"]

STATEMENT_M1 = ("The top of the customer-friendliness ranking keeps rising while differences "
                "within sectors shrink.")


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class ConvergenceResult(ClaimResult):
    """Result of :func:`convergence`."""

    def plot(self, ax: Any = None) -> Any:
        """Mean score per company and period, with the spread between companies."""
        ax = get_ax(ax)
        cells = self.tables["cells"]
        for company, g in cells.groupby("company", sort=True, observed=True):
            ax.errorbar(g["period"], g["mean"], yerr=1.96 * g["se"], marker="o", capsize=2,
                        label=str(company))
        # periods are labels (years, waves), not a continuous axis
        periods = sorted(cells["period"].unique())
        ax.set_xticks(periods)
        ax.set_xticklabels([str(p) for p in periods])
        ax.set_xlabel("period")
        ax.set_ylabel("mean score")
        ax.legend(fontsize=7, ncol=2)
        ax.set_title(f"M1 convergence: {self.verdict}")
        return ax


@reads(data=("score", "company", "period"))
def convergence(data: FrameLike, score: str, company: str, period: str, *,
                n_boot: int = 2000, seed: int = 0, level: float = 0.95,
                scale: Scale | None = GRADE_1_10,
                missing: Missing = "raise") -> ConvergenceResult:
    """Change of the top company's mean and of the spread between companies (claim M1).

    Parameters
    ----------
    data : pandas.DataFrame or engine input
        One row per response. From Polars, DuckDB, Parquet paths and Dask only the
        ``score``, ``company`` and ``period`` columns are collected into pandas.
    score, company, period : str
        Numeric score, company (or brand) and an orderable period (e.g. year).
    n_boot : int
        Parametric-bootstrap replicates for the intervals.
    seed : int
        Seed of the bootstrap.
    level : float
        Confidence level.
    scale : Scale or None, default GRADE_1_10
        Scale of ``score``: a score off it (or text, a boolean, NaN) raises
        :class:`~loyaltystats.errors.ScaleError`; ``None`` accepts any finite number.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    ConvergenceResult
        ``estimates``: ``top_change`` (mean of the top-ranked company in the last period minus
        that of the top-ranked company in the first) and ``spread_change`` (standard deviation
        of company means, last minus first). Supported when the first interval is above 0 and
        the second below 0; contradicted when either lies wholly on the wrong side.

    Notes
    -----
    Company-period means and standard errors come from sufficient statistics (n, sum, sum of
    squares per cell). The bootstrap draws each cell mean from a normal with its standard
    error and recomputes both quantities, so the ranking's own uncertainty is included.

    Examples
    --------
    >>> from loyaltystats.simulate import generate
    >>> r = generate(6000, seed=1).responses.assign(year=lambda d: d["month"] // 12)
    >>> convergence(r, "grade", "company", "year").estimates["term"].tolist()
    ['top_change', 'spread_change']
    """
    data = as_frame(data, [score, company, period], "data")
    for c in (score, company, period):
        if c not in data.columns:
            raise DataError(f"missing column {c!r}", table="data", column=c)
    # the data contract: scores on their scale; companies and periods present and of one kind
    if scale is None:
        validate_column(data, score, "number", table="data")
    else:
        validate_column(data, score, "score", table="data", scale=scale)
    validate_column(data, company, "category", table="data")
    validate_column(data, period, "category", table="data")
    y = data[score]
    df = pd.DataFrame({"company": data[company].to_numpy(), "period": data[period].to_numpy(),
                       "y": y.to_numpy(float)})
    df["y2"] = df["y"] ** 2
    g = df.groupby(["period", "company"], observed=True, sort=True)
    cells = g["y"].agg(["size", "sum"]).join(g["y2"].sum()).reset_index()
    cells.columns = ["period", "company", "n", "sum", "sumsq"]
    cells["mean"] = cells["sum"] / cells["n"]
    var = (cells["sumsq"] - cells["n"] * cells["mean"] ** 2) / (cells["n"] - 1).clip(lower=1)
    cells["se"] = np.sqrt(var.clip(lower=0) / cells["n"])
    periods = sorted(cells["period"].unique())
    if len(periods) < 2:
        raise DataError("need at least two periods", table="data", column=period)
    first, last = periods[0], periods[-1]
    a = cells[cells["period"] == first].set_index("company")
    b = cells[cells["period"] == last].set_index("company")
    common = a.index.intersection(b.index)
    if len(common) < 2 or (cells["n"] < 2).any():
        raise DataError("need at least two companies with two or more responses in the first "
                        "and last periods", table="data", column=company)
    a, b = a.loc[common], b.loc[common]

    def stats_of(ma: np.ndarray, mb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return mb.max(axis=-1) - ma.max(axis=-1), mb.std(axis=-1, ddof=1) - ma.std(axis=-1, ddof=1)

    top, spread = stats_of(a["mean"].to_numpy(), b["mean"].to_numpy())
    rng = make_rng(seed, "convergence")
    ma = rng.normal(a["mean"].to_numpy(), a["se"].to_numpy(), size=(n_boot, len(common)))
    mb = rng.normal(b["mean"].to_numpy(), b["se"].to_numpy(), size=(n_boot, len(common)))
    bt, bs = stats_of(ma, mb)
    q = [(1 - level) / 2, 1 - (1 - level) / 2]
    (tl, th), (sl, sh) = np.quantile(bt, q), np.quantile(bs, q)
    n = int(cells["n"].sum())
    est = estimates_frame([
        {"term": "top_change", "estimate": float(top), "ci_low": tl, "ci_high": th, "n": n,
         "method": "parametric bootstrap of company means"},
        {"term": "spread_change", "estimate": float(spread), "ci_low": sl, "ci_high": sh, "n": n,
         "method": "parametric bootstrap of company means"},
    ])
    if tl > 0 and sh < 0:
        verdict, reason = "supported", "the top rose and the spread between companies shrank"
    elif th < 0 or sl > 0:
        verdict = "contradicted"
        reason = "the top fell" if th < 0 else "the spread between companies grew"
    else:
        verdict, reason = "inconclusive", "at least one change is not distinguishable from zero"
    return ConvergenceResult(
        estimates=est, title="M1 market convergence", level=level,
        tables={"cells": cells[["period", "company", "n", "mean", "se"]]},
        info={"first_period": str(first), "last_period": str(last), "n_boot": n_boot,
              "seed": seed},
        claim_id="M1", statement=STATEMENT_M1, claimed={"top_change": "> 0",
                                                       "spread_change": "< 0"},
        verdict=verdict, reason=reason)
