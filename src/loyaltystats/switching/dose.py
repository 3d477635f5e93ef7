"""S1 as a dose-response: P(switch | k negative experiences), the "second strike", the claim.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from loyaltystats.switching import dose_response
>>> rng = np.random.default_rng(0)
>>> k = rng.integers(0, 4, 4000)
>>> df = pd.DataFrame({"negatives": k,
...                    "switched": rng.random(4000) < np.array([0.1, 0.57, 0.78, 0.9])[k]})
>>> dose_response(df).proportions["k"].tolist()
['0', '1', '2', '3+']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._boundary import Missing, reads
from .._deprecate import positional_options
from .._plotting import get_ax
from .._validate import FrameLike, check_unique_ids
from ..errors import DataError, ModelError
from ..results import ClaimResult, Result
from ..stats import fit_binomial, lr_test, wilson_ci
from ..stats.glm_profile import fit_binomial_limit, profile_ci
from ..stats.survey_glm import fit_binomial_survey, survey_ciprop
from ..tables import count_cells
from ._common import (
    binary_cells,
    check_cap,
    check_level,
    claims_from_table,
    judge_levels,
    level_labels,
    parse_claimed,
    zcrit,
)

__all__ = ["DoseResponseResult", "dose_response"]

S1_STATEMENT = "P(switch | k negative experiences)"
# fewer successes or failures than this in a level: Wald intervals are unreliable and the
# logistic intervals come from the profile likelihood
SPARSE = 5


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class DoseResponseResult(Result):
    """Result of :func:`dose_response`.

    ``estimates`` holds, in this order: ``p[k=0] .. p[k=cap+]`` (Wilson), ``odds_ratio[k=j]``
    against k = 0 (logistic, k categorical), ``odds_ratio_per_negative`` (logistic, k
    linear), ``second_strike`` (log-odds step 1->2 minus step 0->1; needs ``cap >= 2``) and
    ``risk_ratio[k=j]`` against k = 0 (Katz log interval).

    ``tables``: ``cells`` (the count table with proportions and Wilson intervals),
    ``models`` (log-likelihood, AIC, parameters of the categorical and linear fits),
    ``coefficients`` (both logistic fits), ``claims`` (only with ``claimed``).
    ``info``: the likelihood-ratio test of linear against categorical k (``lr_statistic``,
    ``lr_df``, ``lr_p_value``), ``second_strike_p_value``, ``cap``, ``weighted``,
    ``tolerance``, ``n_customers``. With ``weights`` the likelihood-ratio keys are NaN
    (``lr_df`` stays the hypothesis df) and the design-based Wald F test of linearity is in
    ``wald_statistic``, ``wald_df``, ``wald_ddf``, ``wald_p_value``; ``design`` and
    ``df_resid`` (the t degrees of freedom of the linear model) describe the design, and the
    ``cells`` table has the design-based ``std_err`` of each proportion.
    """

    @property
    def proportions(self) -> pd.DataFrame:
        """``k, n, successes, p, ci_low, ci_high`` per level (the ``cells`` table)."""
        return self.tables["cells"]

    @property
    def claims(self) -> dict[str, ClaimResult]:
        """One :class:`ClaimResult` per claimed level (``"k=1"``...) and ``"overall"``.

        Empty when :func:`dose_response` was called without ``claimed``.
        """
        return claims_from_table(self.tables.get("claims"), claim_id=str(self.info.get(
            "claim_id", "S1")), statement=S1_STATEMENT, level=self.level,
            method="wilson", what="p")

    @property
    def claim(self) -> ClaimResult | None:
        """The overall claim result, or None without ``claimed``."""
        return self.claims.get("overall")

    def plot(self, ax: Any = None) -> Any:
        """P(switch | k) with Wilson intervals, the linear-logit fit and claimed regions.

        Returns the matplotlib Axes.
        """
        ax = get_ax(ax)
        cells = self.tables["cells"]
        x = np.arange(len(cells))
        p = cells["p"].to_numpy(float)
        ax.errorbar(x, p, yerr=[p - cells["ci_low"], cells["ci_high"] - p], fmt="o",
                    capsize=4, label="observed (Wilson CI)")
        if "p_linear" in cells:
            ax.plot(x, cells["p_linear"], "--", color="grey", label="logistic, k linear")
        claims = self.tables.get("claims")
        if claims is not None:
            for _, r in claims[claims["term"] != "overall"].iterrows():
                k = int(r["k"])
                ax.fill_between([k - 0.3, k + 0.3], r["claim_low"], r["claim_high"],
                                color="tab:orange", alpha=0.3, lw=0)
                ax.plot([k - 0.3, k + 0.3], [r["claimed"]] * 2, color="tab:orange")
            ax.plot([], [], color="tab:orange", label="claimed (+- tolerance)")
        ax.set_xticks(x)
        ax.set_xticklabels(cells["k"].tolist())
        ax.set_xlabel("negative experiences (k)")
        ax.set_ylabel("P(switch | k)")
        ax.set_ylim(0, 1)
        ax.set_title(self.title)
        ax.legend(loc="upper left", fontsize="small")
        return ax


def _counted_level_cells(customers: Any, negatives: str, switched: str, cap: int,
                        weights: str | None, binary: Mapping[str, str] | None = None
                        ) -> pd.DataFrame:
    """Count where the data live (pandas, Polars, DuckDB, Parquet, Dask), then check the
    counts on the cells: one path for every input.

    The count checks missing counts, the outcome and the weights while it groups; the
    distinct count values come back as cell keys, so negative or fractional counts are found
    on the small table, with the number of rows behind them (the estimator's wrapper adds
    the row labels of a pandas input, see :func:`loyaltystats._frames.locate_rows`).

    ``binary`` maps key names of the result to further 0/1 or boolean columns to group by
    (e.g. ``{"i": "considering_switch"}``); their distinct values are checked on the cells
    the same way and come back as bool keys. The result has one row per ``(k, *binary)``
    cell, ``k`` capped at ``cap``.
    """
    binary = dict(binary or {})
    # a missing count or flag: the count's MissingKeyError already has the one wording
    cells = count_cells(customers, [negatives, *binary.values()], outcome=switched,
                        weights=weights, table="customers")
    k = cells[negatives]
    if k.dtype.kind not in "iuf":
        raise DataError(f"counts must be numeric integers, got dtype {k.dtype}",
                        table="customers", column=negatives, n_rows=int(cells["n"].sum()),
                        examples=pd.unique(k.to_numpy())[:5])
    kv = k.to_numpy(float)
    for bad, message in ((np.isinf(kv), "infinite counts"),
                         (np.isfinite(kv) & (kv != np.floor(kv)), "counts must be whole numbers"),
                         (kv < 0, "counts must be non-negative")):
        if bad.any():
            raise DataError(message, table="customers", column=negatives,
                            n_rows=int(cells.loc[bad, "n"].sum()),
                            examples=pd.unique(kv[bad])[:5])
    keys: dict[str, np.ndarray] = {"k": np.minimum(kv, cap).astype(np.int8)}
    for name, column in binary.items():
        keys[name] = binary_cells(cells, column, "customers")
    counts = [c for c in cells.columns if c not in (negatives, *binary.values())]
    out = pd.DataFrame({**keys, **{c: cells[c].to_numpy() for c in counts}})
    return out.groupby(list(keys), as_index=False, sort=True).sum()


def _level_cells(customers: pd.DataFrame, negatives: str, switched: str, cap: int,
                 weights: str | None) -> tuple[pd.DataFrame, bool]:
    """Validate and count: one row per level 0..cap with (effective) successes and trials."""
    cells = _counted_level_cells(customers, negatives, switched, cap, weights)
    cells = cells.set_index("k").reindex(range(cap + 1))
    empty = cells["n"].isna()
    if empty.any():
        labels = level_labels(cap)
        raise ModelError(
            f"no customers with k = {[labels[i] for i in np.flatnonzero(empty)]} negatives; "
            f"lower cap (now {cap}) so that every level has data"
        )
    cells = cells.reset_index()
    if weights:
        # Kish effective sample size per level; the weighted proportion times n_eff serves as
        # the effective number of successes. Only descriptive (the ``n_eff`` column) and for
        # the exact binomial p-value of a claim: intervals, models and tests are design-based.
        n_eff = cells["weight"] ** 2 / cells["weight_sq"]
        p = cells["weight_successes"] / cells["weight"]
        cells["n_eff"] = n_eff
        cells["x_eff"] = p * n_eff
    else:
        cells["n_eff"] = cells["n"].astype(float)
        cells["x_eff"] = cells["successes"].astype(float)
    return cells, bool(weights)


@positional_options("cap", "claimed", "weights")
@reads(customers=("id", "negatives", "switched", "weights"))
def dose_response(
    customers: FrameLike,
    negatives: str = "negatives",
    switched: str = "switched",
    *,
    cap: int = 3,
    claimed: Mapping[int, float] | None = None,
    weights: str | None = None,
    tolerance: float = 0.05,
    level: float = 0.95,
    claim_id: str = "S1",
    id: str | None = None,
    missing: Missing = "raise",
) -> DoseResponseResult:
    """P(switch | k negative experiences) with intervals, logistic models and the S1 claim.

    Parameters
    ----------
    customers : pandas.DataFrame or engine input
        One row per customer. Polars (eager or lazy), a DuckDB relation, a Parquet path or
        glob and a Dask DataFrame are counted in their engine (see docs/engines.md); only the
        level counts come back, and the results equal the pandas path.
    negatives : str
        Column with the number of negative experiences: non-negative integers (float columns
        must hold whole numbers). Counts above ``cap`` are pooled into the ``cap+`` level.
    switched : str
        Column with the outcome, 0/1 or boolean: switched (or, to test S1 literally,
        "considers switching").
    cap : int
        Highest level; ``cap=3`` gives the levels 0, 1, 2, 3+.
    claimed : mapping of int to float, optional
        Claimed probabilities per level, e.g. ``{1: 0.57, 2: 0.78}``; the key ``cap`` means
        the ``cap+`` level.
    weights : str, optional
        Non-negative sampling weights. Proportions and models are weighted; intervals,
        models and tests use the design-based (linearization) variance of R's survey package
        for ``svydesign(ids=~1, weights=~w)`` (see Notes).
    tolerance : float
        Half-width of the region that turns a point claim into a testable claim:
        ``0.57`` is judged as ``[0.52, 0.62]`` with the default 0.05.
    level : float
        Confidence level of every interval.
    claim_id : str
        Identifier written into the claim results.
    id : str, optional
        The customer id column. Given, every id must appear once (a duplicated customer
        would be counted twice); the check is skipped when ``None``.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    DoseResponseResult
        ``estimates`` with the terms ``p[k=0] .. p[k=3+]``, ``odds_ratio[k=1..]``,
        ``odds_ratio_per_negative``, ``second_strike``, ``risk_ratio[k=1..]``; see the class
        for ``tables`` and ``info``. ``.claims`` gives a ClaimResult per claimed level and
        overall.

    Raises
    ------
    DataError
        Missing columns; negative, fractional or missing counts; outcome not 0/1; bad
        weights. The message names the offending rows.
    ModelError
        A level without customers, separation in the linear-k fit (all stayers below some
        k, all switchers above), or, with weights, separation in the logistic fits.

    Notes
    -----
    The counts ``(successes_k, n_k)`` per level are sufficient statistics, so the data are
    aggregated once with :func:`loyaltystats.tables.count_cells` and every model is fitted
    on ``cap + 1`` cells: the estimates equal those of a row-level logistic regression.

    * Proportions: :math:`\\hat p_k = s_k / n_k` with Wilson score intervals.
    * Logistic, k categorical: :math:`\\operatorname{logit} p_k = \\alpha + \\beta_k`,
      :math:`\\beta_0 = 0` (saturated: fits every level exactly); odds ratios
      :math:`e^{\\beta_k}` with Wald intervals.
    * Logistic, k linear: :math:`\\operatorname{logit} p_k = \\alpha + \\gamma k`; the
      likelihood-ratio test against the categorical model (``cap - 1`` df) asks whether each
      extra negative adds the same log-odds.
    * Second strike: :math:`(\\beta_2 - \\beta_1) - (\\beta_1 - \\beta_0) = \\beta_2 - 2\\beta_1`,
      the log-odds step from one to two negatives minus the step from none to one, with a
      Wald interval from the covariance matrix. Zero means the second strike adds as much
      log-odds as the first.
    * Sparse levels (unweighted): when any level has fewer than 5 switchers or 5 stayers the
      Wald intervals are unreliable, and the odds-ratio, per-negative and second-strike
      intervals (and the ``coefficients`` table) are profile-likelihood intervals instead,
      equal to R's ``confint()`` on the ``glm`` (MASS's profile method; see
      :func:`loyaltystats.stats.glm_profile.profile_ci` and docs/intervals.md); ``method``
      ends in ``(profile likelihood)``, ``info["intervals"]`` says which (``"Wald"`` or
      ``"profile likelihood"``), ``info["sparse_levels"]`` lists the levels, and
      ``second_strike_p_value`` is then the likelihood-ratio p-value. A level with only
      stayers or only switchers (separation) is listed in ``info["separated_levels"]`` and
      explained in ``info["separation"]``: its odds ratio is 0 or inf, its interval open on
      that side (``ci_low`` 0 or ``ci_high`` inf) and bounded on the other by the exact
      profile (:func:`loyaltystats.stats.glm_profile.fit_binomial_limit` fits the limit).
      With weights the design-based Wald intervals stay (survey has no likelihood).
    * Risk ratios :math:`p_k / p_0` with the Katz log interval
      :math:`\\exp(\\pm z \\sqrt{1/s_k - 1/n_k + 1/s_0 - 1/n_0})`.
    * Claim: a point claim :math:`p_k = c` is judged as the region
      :math:`[c - \\text{tolerance}, c + \\text{tolerance}]` with
      :func:`loyaltystats.results.judge_interval` (supported when the Wilson interval lies
      inside, contradicted when it misses the region). The exact two-sided binomial test of
      :math:`p_k = c` is reported beside it (``binomial_p_value``); it is not used for the
      verdict because with enough data it rejects any exact point. Overall: supported when
      every level is, contradicted when any level is, otherwise inconclusive.
    * Weights: the analysis of ``svydesign(ids=~1, weights=~w)`` in R's survey package
      (each customer a sampling unit, no strata or clusters), computed from the sums of
      weights and squared weights per (level, outcome) cell by
      :func:`loyaltystats.stats.survey_glm.fit_binomial_survey`. Logistic models as
      ``svyglm(..., family=quasibinomial())``: weighted estimates, sandwich covariance
      :math:`\\frac{n}{n-1} A^{-1} (\\sum_i w_i^2 (y_i - \\mu_i)^2 x_i x_i') A^{-1}`, Wald
      intervals and p-values with the t distribution on ``n - p`` df (``confint.svyglm``,
      ``summary.svyglm``); the second strike likewise (``svycontrast``). Proportions: the
      weighted mean with ``svyciprop(method="logit")`` intervals (linearized standard error,
      t on ``n_k - 1`` df); risk ratios: the linearized log ratio of the domain means with
      t on ``n - 1`` df. The linearity test is the design-based Wald F test of
      ``regTermTest`` (``beta_j = j beta_1``, ``cap - 1`` and ``n - cap - 1`` df), reported
      as ``wald_*`` (a likelihood-ratio test needs a likelihood; the ``lr_*`` keys are NaN).
      The ``models`` table gives the pseudo-log-likelihood with the weights rescaled to mean
      one (``-deviance(fit)/2``) and survey's design-based AIC (``AIC(fit)``). The exact
      binomial p-value of a claim still uses Kish's effective sample size
      :math:`n_{eff} = (\\sum w)^2 / \\sum w^2` (the ``n_eff`` column); it is reported,
      not judged. Checked against survey 4.1-1 in tests/test_survey_glm.py to 1e-8.

    S1 as worded ("consider switching") is about intent; with a ``switched`` column it tests
    the stronger behavioural reading. :func:`intent_vs_behavior` relates the two (S3).

    Checked against statsmodels' row-level ``Logit`` in the tests (coefficients and
    standard errors to 1e-6).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> k = rng.integers(0, 4, 20_000)
    >>> truth = np.array([0.10, 0.57, 0.78, 0.90])
    >>> df = pd.DataFrame({"negatives": k, "switched": rng.random(20_000) < truth[k]})
    >>> res = dose_response(df, claimed={1: 0.57, 2: 0.78})
    >>> res.claim.verdict
    'supported'
    >>> p1 = res.estimates.set_index("term").loc["p[k=1]"]
    >>> bool(p1.ci_low < 0.57 < p1.ci_high)
    True
    """
    check_unique_ids(customers, id, "customers")
    cap = check_cap(cap)
    level = check_level(level)
    parsed = parse_claimed(claimed, cap, tolerance)
    cells, weighted = _level_cells(customers, negatives, switched, cap, weights)
    labels = level_labels(cap)
    n_customers = int(cells["n"].sum())
    x, m = cells["x_eff"].to_numpy(float), cells["n_eff"].to_numpy(float)
    n_int = cells["n"].to_numpy(np.int64)
    fit_cells = pd.DataFrame({"k": np.arange(cap + 1), "successes": x, "n": m})
    fits = (_survey_fits(customers, negatives, switched, cap, weights, cells, level)
            if weighted else _binomial_fits(fit_cells, x, m, cap, level))
    full, lin, p, lo, hi = fits.full, fits.lin, fits.p, fits.lo, fits.hi

    rows: list[dict[str, Any]] = []
    for k in range(cap + 1):
        rows.append({"term": f"p[k={labels[k]}]", "estimate": p[k], "ci_low": lo[k],
                     "ci_high": hi[k], "n": n_int[k], "method": fits.method_p})
    beta = full.params.to_numpy()
    cov = full.cov.to_numpy()
    se = full.bse.to_numpy()
    z = fits.crit_full
    prof = fits.profile
    for k in range(1, cap + 1):
        b, s = beta[k], se[k]
        lo_b, hi_b = (b - z * s, b + z * s) if prof is None else prof[k]
        rows.append({"term": f"odds_ratio[k={labels[k]}]", "estimate": np.exp(b),
                     "ci_low": np.exp(lo_b), "ci_high": np.exp(hi_b),
                     "n": n_int[0] + n_int[k], "method": fits.model + ", k categorical" + fits.wald})
    g, gs, zl = float(lin.params["k"]), float(lin.bse["k"]), fits.crit_lin
    lo_g, hi_g = (g - zl * gs, g + zl * gs) if prof is None else prof["slope"]
    rows.append({"term": "odds_ratio_per_negative", "estimate": np.exp(g),
                 "ci_low": np.exp(lo_g), "ci_high": np.exp(hi_g),
                 "n": n_customers, "method": fits.model + ", k linear" + fits.wald})
    info: dict[str, Any] = {
        "n_customers": n_customers, "cap": cap, "weighted": weighted, "tolerance": tolerance,
        "claim_id": claim_id, **fits.info,
    }
    if cap >= 2:
        c = np.zeros(len(beta))
        c[1], c[2] = -2.0, 1.0
        with np.errstate(invalid="ignore"):   # separated: infinite coefficients
            est = float(c @ beta)
            s = float(np.sqrt(c @ cov @ c))
        lo_s, hi_s = (est - z * s, est + z * s) if prof is None else prof["second_strike"][:2]
        if prof is not None:
            est = prof["second_strike"][2]
        rows.append({"term": "second_strike", "estimate": est, "ci_low": lo_s,
                     "ci_high": hi_s, "n": int(n_int[:3].sum()),
                     "method": fits.model + ", k categorical: beta2 - 2 beta1" + fits.wald})
        info["second_strike_p_value"] = (fits.two_sided_p(est / s) if prof is None
                                         else prof["second_strike"][3])
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(1, cap + 1):
            rr = p[k] / p[0]
            s = fits.rr_log_se[k]
            rows.append({"term": f"risk_ratio[k={labels[k]}]", "estimate": rr,
                         "ci_low": rr * np.exp(-fits.crit_rr * s),
                         "ci_high": rr * np.exp(fits.crit_rr * s),
                         "n": n_int[0] + n_int[k], "method": fits.method_rr})

    table = pd.DataFrame({"k": labels, "n": n_int,
                          "successes": cells["successes"].to_numpy(np.int64),
                          "p": p, "ci_low": lo, "ci_high": hi})
    if weighted:
        table["weight"] = cells["weight"].to_numpy()
        table["n_eff"] = m
        table["std_err"] = fits.p_se
    table["p_linear"] = lin.predict(fit_cells)
    tables = _model_tables(full, lin, level, None if prof is None else prof["tables"])
    tables = {"cells": table, **tables}
    if parsed:
        claims = judge_levels(table.rename(columns={"p": "estimate"}), parsed, cap,
                              what="P(switch)", tolerance=tolerance, successes=x, trials=m)
        tables["claims"] = claims
        info["verdict"] = str(claims["verdict"].iloc[-1])
    return DoseResponseResult(
        estimates=pd.DataFrame(rows),
        title=f"P({switched} | {negatives}), k = 0..{cap}+",
        level=level, tables=tables, info=info,
    )


def _model_tables(full: Any, lin: Any, level: float,
                  profiles: list[pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """The ``models`` and ``coefficients`` tables of both logistic fits."""
    models = pd.DataFrame([
        {"model": "k categorical", "formula": full.formula, "llf": full.llf,
         "n_params": full.df_model + 1, "aic": full.aic},
        {"model": "k linear", "formula": lin.formula, "llf": lin.llf,
         "n_params": lin.df_model + 1, "aic": lin.aic},
    ])
    with np.errstate(invalid="ignore"):   # separated: infinite coefficients, replaced below
        parts = [full.table(level).assign(model="k categorical"),
                 lin.table(level).assign(model="k linear")]
    for part, prof in zip(parts, profiles or ()):
        part["ci_low"], part["ci_high"] = prof["ci_low"].to_numpy(), prof["ci_high"].to_numpy()
        part["method"] = "binomial GLM on cells (profile likelihood)"
    return {"models": models, "coefficients": pd.concat(parts, ignore_index=True)}


@dataclass(frozen=True)
class _Fits:
    """What differs between the unweighted (binomial likelihood) and the weighted
    (design-based) analysis: the fits, the level intervals and the critical values."""

    full: Any
    lin: Any
    p: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    method_p: str
    crit_full: float
    crit_lin: float
    two_sided_p: Callable[[float], float]
    rr_log_se: np.ndarray
    crit_rr: float
    method_rr: str
    info: dict[str, Any]
    model: str = "logistic"
    wald: str = " (Wald)"
    p_se: np.ndarray | None = None
    # profile-likelihood bounds (log-odds scale) when the Wald ones are unreliable: ``{k: (lo,
    # hi)}`` per level, ``"slope"``, ``"second_strike": (lo, hi, estimate, LR p-value)``, and
    # ``"tables"``: the profile_ci tables of both fits (for the coefficients table)
    profile: dict[Any, Any] | None = None


def _binomial_fits(fit_cells: pd.DataFrame, x: np.ndarray, m: np.ndarray, cap: int,
                   level: float) -> _Fits:
    """Unweighted: Wilson intervals, binomial GLMs on the counts, the LR test, z; profile
    likelihood for the logistic intervals when a level has fewer than 5 successes or
    failures (see :func:`_profile_intervals`)."""
    from scipy import stats

    p = x / m
    lo, hi = wilson_ci(x, m, level)
    sparse = bool(np.any((x < SPARSE) | (m - x < SPARSE)))
    full = fit_binomial_limit(fit_cells, "C(k)") if sparse else fit_binomial(fit_cells, "C(k)")
    lin = fit_binomial(fit_cells, "k")
    # with cap = 1 the two models coincide and there is nothing to test
    lr = (lr_test(lin, full) if cap >= 2
          else {"statistic": np.nan, "df": 0, "p_value": np.nan})
    z = zcrit(level)
    rr_se = np.full(cap + 1, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(1, cap + 1):
            rr_se[k] = np.sqrt(1 / x[k] - 1 / m[k] + 1 / x[0] - 1 / m[0])
    info: dict[str, Any] = {"lr_statistic": lr["statistic"], "lr_df": lr["df"],
                            "lr_p_value": lr["p_value"], "intervals": "Wald"}
    prof = None
    if sparse:
        prof, notes = _profile_intervals(fit_cells, full, lin, x, m, cap, level)
        info.update(notes)
    return _Fits(full=full, lin=lin, p=p, lo=lo, hi=hi, method_p="wilson", crit_full=z,
                 crit_lin=z, two_sided_p=lambda t: float(2 * stats.norm.sf(abs(t))),
                 rr_log_se=rr_se, crit_rr=z, method_rr="risk ratio vs k=0 (Katz log)",
                 info=info, profile=prof,
                 wald=" (profile likelihood)" if sparse else " (Wald)")


def _profile_intervals(fit_cells: pd.DataFrame, full: Any, lin: Any, x: np.ndarray,
                       m: np.ndarray, cap: int, level: float
                       ) -> tuple[dict[Any, Any], dict[str, Any]]:
    """Profile-likelihood intervals of the odds ratios, the slope and the second strike, and
    the ``info`` entries that say why and mark separated levels."""
    labels = level_labels(cap)
    contrasts = {}
    if cap >= 2:
        c = np.zeros(cap + 1)
        c[1], c[2] = -2.0, 1.0
        contrasts["second_strike"] = c
    cat = profile_ci(full, fit_cells, level, contrasts=contrasts)
    slope = profile_ci(lin, fit_cells, level)
    prof: dict[Any, Any] = {k: (cat.loc[k, "ci_low"], cat.loc[k, "ci_high"])
                            for k in range(1, cap + 1)}
    prof["slope"] = (slope.loc[1, "ci_low"], slope.loc[1, "ci_high"])
    if cap >= 2:
        r = cat.iloc[-1]
        prof["second_strike"] = (r["ci_low"], r["ci_high"], r["estimate"], r["p_value"])
    prof["tables"] = [cat.iloc[:cap + 1], slope]
    sparse = [labels[k] for k in range(cap + 1) if min(x[k], m[k] - x[k]) < SPARSE]
    zero = [labels[k] for k in range(cap + 1) if x[k] == 0 or x[k] == m[k]]
    notes: dict[str, Any] = {
        "intervals": "profile likelihood",
        "sparse_levels": sparse,
        "separated_levels": zero,
        "intervals_note": (f"levels {sparse} have fewer than {SPARSE} switchers or stayers: "
                           "the odds-ratio and second-strike intervals are profile-likelihood "
                           "intervals (as R's confint on a glm), not Wald"),
    }
    if zero:
        notes["separation"] = (
            f"levels {zero} have only stayers or only switchers: the categorical model fits "
            "them with a probability of exactly 0 or 1, so their log-odds (and the odds "
            "ratios that involve them) are infinite; their intervals are open on that side "
            "(0 or inf) and bounded on the other by the profile likelihood. Pooling the level "
            "with its neighbour (a lower cap) gives finite estimates")
    return prof, notes


def _survey_fits(customers: Any, negatives: str, switched: str, cap: int, weights: str,
                 cells: pd.DataFrame, level: float) -> _Fits:
    """Weighted: survey's design-based analysis of ``svydesign(ids=~1, weights=~w)``.

    A second count keyed by the outcome gives the sums of weights and squared weights per
    (level, outcome) cell: enough for ``svyglm``'s sandwich variance and ``svyciprop``.
    """
    from scipy import stats

    by_y = _counted_level_cells(customers, negatives, switched, cap, weights,
                                binary={"y": switched})
    sq = by_y.pivot_table(index="k", columns="y", values="weight_sq", aggfunc="sum")
    sq = sq.reindex(index=range(cap + 1), columns=[False, True]).fillna(0.0)
    n_total = float(cells["n"].sum())
    props = survey_ciprop(cells["weight"], cells["weight_successes"], sq[True], sq[False],
                          n_total=n_total, n_domain=cells["n"].to_numpy(float), level=level)
    design = {"outcome": "y", "weights": "weight", "weights_sq": "weight_sq", "counts": "n"}
    full = fit_binomial_survey(by_y, "C(k)", **design)
    lin = fit_binomial_survey(by_y, "k", **design)
    info: dict[str, Any] = {"lr_statistic": np.nan, "lr_df": max(cap - 1, 0),
                            "lr_p_value": np.nan, "design": full.design,
                            "df_resid": lin.df_resid}
    if cap >= 2:
        # linearity: beta_j = j beta_1 for j = 2..cap in the categorical model
        contrasts = np.zeros((cap - 1, cap + 1))
        for j in range(2, cap + 1):
            contrasts[j - 2, 1], contrasts[j - 2, j] = -j, 1.0
        wald = full.wald_test(contrasts)
        info.update({"wald_statistic": wald["statistic"], "wald_df": wald["df"],
                     "wald_ddf": wald["ddf"], "wald_p_value": wald["p_value"]})
    p, se = props["p"].to_numpy(), props["std_err"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = se / p
        rr_se = np.sqrt(rel**2 + rel[0] ** 2)
    rr_se[0] = np.nan
    return _Fits(full=full, lin=lin, p=p, lo=props["ci_low"].to_numpy(),
                 hi=props["ci_high"].to_numpy(), method_p="svyciprop logit (design-based)",
                 crit_full=full.tcrit(level), crit_lin=lin.tcrit(level),
                 two_sided_p=lambda t: float(2 * stats.t.sf(abs(t), full.df_resid)),
                 rr_log_se=rr_se, crit_rr=float(stats.t.ppf(0.5 + level / 2, n_total - 1)),
                 method_rr="risk ratio vs k=0 (linearized log, design-based)", info=info,
                 model="survey logistic", wald=" (Wald, t)", p_se=se)
