"""Band table: share of each grade band and, with an outcome, its rate and lift (T5)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._boundary import Missing, reads
from .._deprecate import positional_options, renamed_keywords
from .._validate import FrameLike
from ..results import Result, estimates_frame
from ..scales import GRADE_1_10, Scale
from ..stats import wilson_ci
from ._common import bands_info, check_level, require_bands, score_cells, whiskers, z_value

__all__ = ["BandTable", "band_table"]


class BandTable(Result):
    """Result of :func:`band_table`.

    ``tables["bands"]`` has one row per band of the scale, in scale order (empty bands
    included with ``n = 0``), with the columns ``band, low, high, n, weight, n_eff, share,
    share_ci_low, share_ci_high`` and, with an outcome, ``successes, rate, rate_ci_low,
    rate_ci_high, lift, lift_ci_low, lift_ci_high``.
    """

    def plot(self, ax: Any = None) -> Any:
        """Bars per band (the outcome rate when there is one, else the share) with CI
        whiskers; the overall rate as a dashed line. Returns the matplotlib Axes.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import pandas as pd
        >>> df = pd.DataFrame({"grade": [6, 7, 8, 9, 10, 9], "stay": [0, 0, 1, 1, 1, 0]})
        >>> ax = band_table(df, "grade", outcome="stay").plot()
        """
        from .._plotting import get_ax

        ax = get_ax(ax)
        t = self.tables["bands"]
        x = np.arange(len(t))
        has_rate = "rate" in t.columns
        col = "rate" if has_rate else "share"
        est = t[col].to_numpy(float)
        err = whiskers(est, t[f"{col}_ci_low"], t[f"{col}_ci_high"])
        for i in range(len(t)):
            ax.axvspan(i - 0.5, i + 0.5, color="0.92" if i % 2 == 0 else "0.84", zorder=0, lw=0)
        ax.bar(x, np.nan_to_num(est), yerr=err, capsize=4, color="C0", alpha=0.8, zorder=2)
        if has_rate and np.isfinite(self.info.get("overall_rate", np.nan)):
            ax.axhline(self.info["overall_rate"], ls="--", color="0.3", lw=1,
                       label="overall rate")
            ax.legend(loc="upper left", fontsize=8)
        ax.set_xticks(x)
        ax.set_xticklabels(t["band"].astype(str).tolist())
        ax.set_xlabel(f"band of {self.info.get('score', 'score')}")
        ax.set_ylabel(f"{self.info.get('outcome')} rate" if has_rate else "share")
        ax.set_xlim(-0.5, len(t) - 0.5)
        ax.set_title(self.title)
        return ax


def _lift(p_b: np.ndarray, n_b: np.ndarray, p_all: float, n_all: float,
          z: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        lift = p_b / p_all
        var = ((1 - p_b) / (n_b * p_b) + (1 - p_all) / (n_all * p_all)
               - 2 * (1 - p_b) / (n_all * p_all))
        var = np.where(var > 0, var, np.nan)
        half = z * np.sqrt(var)
        lo = np.exp(np.log(lift) - half)
        hi = np.exp(np.log(lift) + half)
    ok = (n_b > 0) & (p_b > 0) & (p_b < 1)
    return lift, np.where(ok, lo, np.nan), np.where(ok, hi, np.nan)


@positional_options("scale", "weights")
@renamed_keywords(conf_level="level")
@reads(data=("score", "outcome", "weights"))
def band_table(
    data: FrameLike,
    score: str,
    outcome: str | None = None,
    *,
    scale: Scale = GRADE_1_10,
    weights: str | None = None,
    level: float = 0.95,
    missing: Missing = "raise",
) -> BandTable:
    """Share of each grade band and, given a 0/1 outcome, its rate and lift.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per response.
    score : str
        Score column, validated against ``scale``.
    outcome : str, optional
        A 0/1 or boolean column (retained, loyal, promoter...).
    scale : Scale
        Declared scale with bands; default Dutch grades ``<=6, 7, 8, 9-10``.
    weights : str, optional
        Non-negative case weights. Shares and rates are then weighted and their Wilson
        intervals use Kish's effective sample size ``(sum w)^2 / sum w^2`` (overall for the
        shares, per band for the rates).
    level : float
        Confidence level of the intervals.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    BandTable
        ``estimates`` rows ``share[<band>]`` and, with an outcome, ``rate[<band>]``,
        ``lift[<band>]`` and ``rate[overall]`` (extra columns ``band`` and ``quantity``);
        ``tables["bands"]`` one wide row per band (see :class:`BandTable`).

    Raises
    ------
    ScaleError
        A score outside the scale (or missing), naming the column, the number of rows and
        the values.
    DataError
        An outcome that is not 0/1, missing columns, negative weights.

    Notes
    -----
    Counting is one pass of :func:`loyaltystats.tables.count_cells`; everything else works
    on the per-score counts.

    * share of band ``b``: ``n_b / N`` with a Wilson interval.
    * rate: ``s_b / n_b`` with a Wilson interval.
    * lift: ``rate_b / rate_overall``; its interval is ``exp(log lift +- z se)`` with the
      delta-method variance ``(1-p_b)/(n_b p_b) + (1-p)/(N p) - 2 (1-p_b)/(N p)``, which
      accounts for the band being part of the overall rate. It is NaN when the band's rate
      is 0 or 1, where the delta method breaks down (the Wilson interval of the rate is
      still given).

    An empty band is reported, not dropped: ``n = 0``, a share of 0 with its (valid)
    Wilson interval, and NaN rate, lift and intervals.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"grade": [5, 7, 8, 8, 9, 10], "stay": [0, 1, 0, 1, 1, 1]})
    >>> bt = band_table(df, "grade", outcome="stay")
    >>> bt.tables["bands"][["band", "n", "rate"]]
       band  n  rate
    0   <=6  1   0.0
    1     7  1   1.0
    2     8  2   0.5
    3  9-10  2   1.0
    """
    level = check_level(level)
    require_bands(scale)
    cells = score_cells(data, score, scale, outcome=outcome, weights=weights, table="data")
    z = z_value(level)
    codes = scale.band_codes(cells[score].to_numpy(float))
    nb = len(scale.bands)
    n = np.bincount(codes, weights=cells["n"].to_numpy(float), minlength=nb)
    if weights is not None:
        w = np.bincount(codes, weights=cells["weight"].to_numpy(float), minlength=nb)
        w2 = np.bincount(codes, weights=cells["weight_sq"].to_numpy(float), minlength=nb)
    else:
        w, w2 = n.copy(), n.copy()
    W, W2 = w.sum(), w2.sum()
    n_eff_all = W**2 / W2 if W2 > 0 else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(w2 > 0, w**2 / w2, 0.0)
    share = w / W if W > 0 else np.full(nb, np.nan)
    s_lo, s_hi = wilson_ci(share * n_eff_all, np.full(nb, n_eff_all), level)
    out = pd.DataFrame({
        "band": scale.band_names,
        "low": [float(b.low) for b in scale.bands],
        "high": [float(b.high) for b in scale.bands],
        "n": n.astype(np.int64), "weight": w, "n_eff": n_eff,
        "share": share, "share_ci_low": s_lo, "share_ci_high": s_hi,
    })
    rows: list[dict[str, Any]] = []
    for i, b in enumerate(scale.band_names):
        rows.append({"term": f"share[{b}]", "estimate": share[i], "ci_low": s_lo[i],
                     "ci_high": s_hi[i], "n": int(n[i]), "method": "wilson",
                     "band": b, "quantity": "share"})
    info: dict[str, Any] = {"score": score, "scale": scale.name, "n": int(n.sum()),
                            "weighted": weights is not None, "bands": bands_info(scale)}
    if outcome is not None:
        succ_col = "weight_successes" if weights is not None else "successes"
        s = np.bincount(codes, weights=cells[succ_col].to_numpy(float), minlength=nb)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(w > 0, s / w, np.nan)
        r_lo, r_hi = wilson_ci(np.nan_to_num(rate) * n_eff, n_eff, level)
        p_all = s.sum() / W
        o_lo, o_hi = wilson_ci(p_all * n_eff_all, n_eff_all, level)
        lift, l_lo, l_hi = _lift(rate, n_eff, p_all, n_eff_all, z)
        out["successes"] = np.bincount(codes, weights=cells["successes"].to_numpy(float),
                                       minlength=nb).astype(np.int64)
        out["rate"], out["rate_ci_low"], out["rate_ci_high"] = rate, r_lo, r_hi
        out["lift"], out["lift_ci_low"], out["lift_ci_high"] = lift, l_lo, l_hi
        for i, b in enumerate(scale.band_names):
            rows.append({"term": f"rate[{b}]", "estimate": rate[i], "ci_low": r_lo[i],
                         "ci_high": r_hi[i], "n": int(n[i]), "method": "wilson",
                         "band": b, "quantity": "rate"})
        for i, b in enumerate(scale.band_names):
            rows.append({"term": f"lift[{b}]", "estimate": lift[i], "ci_low": l_lo[i],
                         "ci_high": l_hi[i], "n": int(n[i]), "method": "delta (log ratio)",
                         "band": b, "quantity": "lift"})
        rows.append({"term": "rate[overall]", "estimate": p_all, "ci_low": float(o_lo),
                     "ci_high": float(o_hi), "n": int(n.sum()), "method": "wilson",
                     "band": "overall", "quantity": "rate"})
        info.update(outcome=outcome, overall_rate=float(p_all))
    title = f"{score} by band" + (f": share and {outcome} rate" if outcome else ": shares")
    return BandTable(estimates=estimates_frame(rows), title=title, level=level,
                     tables={"bands": out}, info=info)
