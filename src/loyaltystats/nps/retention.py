"""How well do NPS, recommend, satisfaction and experiences predict who stays? (claim N3)

For each predictor, two models of retention: a Cox proportional-hazards model (Efron ties,
fitted on the counts per (follow-up time, predictor value) cell) and a logistic model of switching within a horizon (fitted on
the count table per predictor value). They are compared by Harrell's concordance with seeded
bootstrap intervals for every pairwise difference, by AIC and by the likelihood-ratio test
against the null model; the logistic fit comes with a calibration table. The information lost
by cutting 0-10 into three NPS groups is a nested likelihood-ratio test (11 levels against 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._boundary import Missing, reads
from .._validate import FrameLike, as_frame, check_unique_ids
from ..errors import DataError, ModelError, ParameterError
from ..results import ClaimResult, estimates_frame, judge_interval
from ..roles import ROLE_PARAMS, SurvivalColumns, takes_survival_columns
from ..scales import RECOMMEND_0_10, Scale
from ..stats import fit_binomial, lr_test
from ..stats.concordance import _auc_from_cells, _bootstrap_c, harrell_c
from ..stats.survival import kaplan_meier
from ._common import CATEGORIES, binary, categorize, column, numeric, rng_from, z_value
from ._retention_models import (
    NPS_CATEGORY,
    _build_predictors,
    _calibration,
    _cox,
    _CoxFit,
    _logit_cells,
    _pool_scores,
    _Predictor,
)

__all__ = ["RetentionResult", "versus_retention", "harrell_c", "kaplan_meier"]

STATEMENT_N3 = "Satisfaction and NPS are not loyalty"


# ------------------------------------------------------------------ result
@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class RetentionResult(ClaimResult):
    """Predictive value of NPS and other measures for retention (claim N3).

    ``estimates``: one row per predictor, ``estimate`` = Harrell's C of the Cox model with a
    bootstrap percentile interval, and the columns ``kind``, ``df``, ``cox_loglik``,
    ``cox_aic``, ``cox_lr``, ``cox_lr_p``, ``logit_aic``, ``logit_lr``, ``logit_lr_p``,
    ``auc``, ``hosmer_lemeshow``, ``hl_p``.

    ``tables``: ``concordance_differences`` (C of a minus C of b for every pair, bootstrap
    CI), ``calibration`` (observed and predicted switching within the horizon per group of
    predicted risk), ``recommend_coding`` (NPS categories vs score levels vs linear, with the
    nested LR tests), ``kaplan_meier`` (per NPS category), ``hazard_ratios`` (passives and
    promoters against detractors).

    Examples
    --------
    >>> r = _example()
    >>> r.claim_id, r.estimates["term"].tolist()
    ('N3', ['nps_category', 'recommend', 'grade'])
    """

    def plot(self, ax: Any = None, kind: str = "survival") -> Any:
        """``kind="survival"``: Kaplan-Meier curves per NPS category; ``"concordance"``:
        Harrell's C per predictor with intervals. Returns the Axes."""
        from .plots import plot_nps_bars, plot_survival

        if kind == "survival":
            if "kaplan_meier" not in self.tables:
                raise ParameterError("no Kaplan-Meier table: versus_retention ran without recommend")
            return plot_survival(self.tables["kaplan_meier"], ax=ax,
                                 title="Retention by NPS category")
        if kind == "concordance":
            ax = plot_nps_bars(self.estimates, ax=ax, title="Harrell's C (Cox) per predictor")
            ax.set_xlabel("concordance (0.5 = no better than chance)")
            ax.axvline(0.5, color="grey", lw=1)
            return ax
        raise ParameterError(f"kind must be 'survival' or 'concordance', got {kind!r}")


@takes_survival_columns(**ROLE_PARAMS["versus_retention"])
@reads(customers=("id", "predictors", "duration", "event", "recommend", "categorical"))
def versus_retention(
    customers: FrameLike,
    predictors: Sequence[str] = (),
    duration: str = "duration",
    event: str = "switched",
    *,
    recommend: str | None = "recommend",
    categorical: Sequence[str] = (),
    scale: Scale = RECOMMEND_0_10,
    horizon: float | None = None,
    n_boot: int = 500,
    seed: int | np.random.Generator = 0,
    level: float = 0.95,
    threshold: float = 0.7,
    claim_predictor: str | None = None,
    min_cell: int = 5,
    id: str | None = None,
    missing: Missing = "raise",
    columns: SurvivalColumns | None = None,  # consumed by @takes_survival_columns
) -> RetentionResult:
    """Compare how well NPS and other measures predict retention (claim N3).

    Parameters
    ----------
    customers : pandas.DataFrame or engine input
        One row per customer with the follow-up ``duration`` (> 0), the ``event`` flag
        (switched / churned; False = censored) and the predictor columns. From Polars, DuckDB,
        Parquet or Dask only these columns are collected.
    predictors : sequence of str
        Further predictor columns: satisfaction grade, counts of experiences, any user column.
        Numeric columns enter linearly (one coefficient) unless listed in ``categorical``;
        other dtypes enter as categorical (first level = reference). Missing values raise.
    duration, event : str
        Follow-up time and event columns.
    recommend : str or None
        The 0-10 recommend column. Adds two predictors in front: ``nps_category``
        (detractor / passive / promoter from ``scale``, reference detractor) and the raw score
        (linear); enables the 11-against-3 test, Kaplan-Meier curves and hazard ratios.
    categorical : sequence of str
        Numeric predictor columns to treat as categorical.
    scale : Scale
        Scale of ``recommend`` with detractor and promoter bands.
    horizon : float, optional
        Horizon of the logistic model: switched within ``horizon`` (customers censored before
        it are left out). Default: half the longest follow-up.
    n_boot : int
        Bootstrap replicates for the concordance intervals (at least 10).
    seed : int or numpy.random.Generator
        Seed of the random steps (default 0: the same call gives the same numbers; ``None`` is refused).
    level : float
        Confidence level.
    threshold : float
        Concordance regarded as useful discrimination (0.7, "acceptable" in Hosmer &
        Lemeshow's rule of thumb). The claim "NPS is not loyalty" is ``supported`` when the
        whole interval of the claim predictor's C lies below ``threshold``,
        ``contradicted`` when it lies above, ``inconclusive`` otherwise.
    claim_predictor : str, optional
        Which predictor the verdict is about; default ``nps_category`` (else the first one).
    min_cell : int
        For the 11-against-3 test: a recommend score with fewer than ``min_cell`` events, or
        fewer than ``min_cell`` switchers or stayers at the horizon, is pooled with its
        neighbours within its NPS category (otherwise its coefficient diverges).
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
    RetentionResult
        Claim N3; see :class:`RetentionResult` for the tables.

    Notes
    -----
    *Cox model.* Efron's partial likelihood fitted on the counts of customers and events per
    (follow-up time, predictor value) cell (:func:`loyaltystats.stats.fit_cox_counts`): the
    estimates of lifelines' ``CoxPHFitter`` on the rows run to convergence, at a cost that grows
    with the cells, not the customers. ``cox_lr`` is the likelihood-ratio statistic against the
    null model, ``cox_aic`` the partial AIC. A coefficient that runs off (a level without
    events) is reported in ``info["notes"]`` and its last iterate kept, as lifelines did.

    *Concordance.* Harrell's C of the fitted risk score, computed from the counts per
    (distinct time, event, risk rank) (:func:`harrell_c`). The bootstrap resamples customers
    by drawing multinomial counts over the distinct (time, event, risk ranks of every
    predictor) cells, which is the row bootstrap without touching rows; the risk scores are
    kept from the full-sample fits (the optimism of refitting is ignored; for one-predictor
    models with few parameters it is small). Percentile intervals.

    *Horizon logistic model.* Binomial GLM of "switched by ``horizon``" on the predictor,
    fitted on the count table per predictor value (exact ML, same as on rows); likelihood
    ratio against the intercept-only model, AIC, the AUC (C of the binary outcome) and a
    calibration table with Wilson intervals (one group per distinct prediction, or ten groups
    of predicted risk) and the Hosmer-Lemeshow statistic (df = groups - 2).

    *Cutting 0-10 into three groups.* With recommend as 11 levels (each observed score its
    own level) the NPS category model is nested (it forces the scores within a category to
    share a coefficient); the LR test ``2 (ll_11 - ll_3)`` on ``levels_11 - 3`` df, for both
    the Cox and the logistic model, measures the information lost. Sparse scores (see
    ``min_cell``) are pooled with their neighbours within the same category, which keeps the
    nesting; the levels used are in ``info["levels_11"]``. A fit that still fails is reported
    in ``info["notes"]``.

    *Kaplan-Meier and hazard ratios* per NPS category: Greenwood log(-log) pointwise bands
    (:func:`kaplan_meier`); hazard ratios of passives and promoters against detractors from
    the ``nps_category`` Cox fit, with a multivariate log-rank test.

    Counts of experiences observed over the whole follow-up are not baseline predictors:
    customers who stay longer have more time to collect them. Count them before a landmark.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 600
    >>> rec = rng.integers(0, 11, n)
    >>> t = np.ceil(rng.exponential(1 / (0.1 * np.exp(-0.2 * (rec - 5))), n))
    >>> df = pd.DataFrame({"recommend": rec, "duration": np.minimum(t, 24),
    ...                    "switched": t <= 24, "tenure": rng.integers(1, 50, n)})
    >>> r = versus_retention(df, ["tenure"], n_boot=100, seed=1)
    >>> r.estimates["term"].tolist()
    ['nps_category', 'recommend', 'tenure']
    >>> bool(r.estimates.loc[1, "estimate"] > r.estimates.loc[2, "estimate"])
    True
    """
    check_unique_ids(customers, id, "customers")
    z = z_value(level)
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 10:
        raise ParameterError(f"n_boot must be an integer of at least 10, got {n_boot!r}")
    rng = rng_from(seed, "versus_retention (bootstrap of the concordance)")
    # one column name is one predictor, not a sequence of one-letter names
    predictors = [predictors] if isinstance(predictors, str) else list(predictors)
    customers, T, E = _read_retention(customers, predictors, duration, event, recommend)
    preds = _build_predictors(customers, list(predictors), recommend, categorical, scale)
    n = len(T)
    h, known, y_h = _horizon_outcome(T, E, horizon)
    model_rows, calib, risks, fits, notes = _fit_predictors(preds, T, E, known, y_h, level)
    cboot = _bootstrap_c(T, E, risks, rng, n_boot)
    diffs = _concordance_intervals(model_rows, preds, cboot, level, n_boot, n)
    tables: dict[str, pd.DataFrame] = {}
    if diffs:
        tables["concordance_differences"] = estimates_frame(diffs)
    if calib:
        tables["calibration"] = pd.concat(calib, ignore_index=True)
    info: dict[str, Any] = {"horizon": h, "n_customers": n, "n_events": int(E.sum()),
                            "n_boot": int(n_boot), "threshold": threshold}
    if isinstance(seed, (int, np.integer)):
        info["seed"] = int(seed)
    if recommend is not None:
        tables["recommend_coding"], coding_info, coding_notes = _recommend_coding(
            preds, fits, recommend, scale, T, E, known, y_h, min_cell)
        notes += coding_notes
        info.update(coding_info)
        tables["kaplan_meier"], tables["hazard_ratios"], logrank_info = _km_hazard_ratios(
            T, E, preds[0], fits[NPS_CATEGORY], level, z)
        info.update(logrank_info)
    info["notes"] = notes
    target = claim_predictor or (NPS_CATEGORY if recommend is not None else preds[0].label)
    return _assemble_retention(model_rows, tables, info, target=target, level=level,
                               threshold=threshold)


# ------------------------------------------------------------------ steps of versus_retention
def _read_retention(customers: FrameLike, predictors: list[str], duration: str, event: str,
                    recommend: str | None) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Collect the columns used and read the follow-up times and the event flags."""
    customers = as_frame(customers, [duration, event, recommend]
                         + [p for p in predictors if p != NPS_CATEGORY], "customers")
    T = numeric(column(customers, duration, "customers"), table="customers")
    bad = T <= 0
    if bad.any():
        raise DataError("durations must be positive", table="customers", column=duration,
                        n_rows=int(bad.sum()), examples=pd.unique(T[bad])[:5])
    E = binary(column(customers, event, "customers"), table="customers")
    if not E.any():
        raise DataError("no events: nobody switched, nothing to predict", table="customers",
                        column=event, n_rows=len(E))
    return customers, T, E


def _horizon_outcome(T: np.ndarray, E: np.ndarray, horizon: float | None
                     ) -> tuple[float, np.ndarray, np.ndarray]:
    """The horizon, who is known at it, and whether each of them switched by then."""
    h = float(np.floor(T.max() / 2)) if horizon is None else float(horizon)
    if h <= 0:
        raise ParameterError(f"horizon must be positive, got {h}")
    known = E & (T <= h) | (T >= h)
    y_h = (E & (T <= h))[known]
    return h, known, y_h


def _fit_predictors(preds: list[_Predictor], T: np.ndarray, E: np.ndarray, known: np.ndarray,
                    y_h: np.ndarray, level: float
                    ) -> tuple[list[dict[str, Any]], list[pd.DataFrame], list[np.ndarray],
                               dict[str, Any], list[str]]:
    """Fit every predictor: model rows, calibration tables, risk scores, Cox fits, notes."""
    model_rows: list[dict[str, Any]] = []
    calib: list[pd.DataFrame] = []
    risks: list[np.ndarray] = []
    fits: dict[str, Any] = {}
    notes: list[str] = []
    for p in preds:
        cph, warn = _cox(p, T, E)
        notes += [f"{p.label}: {w}" for w in warn]
        fits[p.label] = cph
        risk = p.design().to_numpy(float) @ cph.params.to_numpy(float)
        risks.append(risk)
        lr, lr_p = cph.lr_test()
        c = harrell_c(T, E, risk)
        logit, tab, note = _fit_horizon_logit(p, known, y_h, level)
        if tab is not None:
            calib.append(tab)
        if note is not None:
            notes.append(note)
        model_rows.append({"term": p.label, "estimate": c, "n": len(T), "kind": p.kind,
                           "df": p.df, "cox_loglik": cph.llf, "cox_aic": cph.aic,
                           "cox_lr": lr, "cox_lr_p": lr_p,
                           **logit, "n_horizon": int(known.sum())})
    return model_rows, calib, risks, fits, notes


def _fit_horizon_logit(p: _Predictor, known: np.ndarray, y_h: np.ndarray, level: float
                       ) -> tuple[dict[str, float], pd.DataFrame | None, str | None]:
    """Logistic model of switching by the horizon on one predictor, or a note why not."""
    cells = _logit_cells(p.values[known], y_h)
    form = "C(x)" if p.kind == "categorical" else "x"
    try:
        full = fit_binomial(cells, form)
        null = fit_binomial(cells, "1")
        lr = lr_test(null, full)
        pr = full.predict(cells)
        auc = _auc_from_cells(pr, cells["successes"].to_numpy(float),
                              cells["n"].to_numpy(float))
        tab, hl, k = _calibration(p.label, pr, cells["successes"].to_numpy(float),
                                  cells["n"].to_numpy(float), level)
        logit = {"logit_aic": full.aic, "logit_lr": lr["statistic"],
                 "logit_lr_p": lr["p_value"], "auc": auc, "hosmer_lemeshow": hl,
                 "hl_p": float(stats.chi2.sf(hl, k - 2)) if k > 2 else float("nan")}
    except ModelError as exc:
        logit = {k_: float("nan") for k_ in ("logit_aic", "logit_lr", "logit_lr_p", "auc",
                                             "hosmer_lemeshow", "hl_p")}
        return logit, None, f"{p.label}: horizon logistic model not fitted ({exc})"
    return logit, tab, None


def _concordance_intervals(model_rows: list[dict[str, Any]], preds: list[_Predictor],
                           cboot: np.ndarray, level: float, n_boot: int, n: int
                           ) -> list[dict[str, Any]]:
    """Add each C's percentile interval to its row; rows of every pairwise difference."""
    a = (1 - level) / 2
    for j, row in enumerate(model_rows):
        row["ci_low"], row["ci_high"] = np.quantile(cboot[:, j], [a, 1 - a])
        row["method"] = "Harrell C of Cox (Efron) risk score; bootstrap percentile CI"
    c_obs = np.array([r["estimate"] for r in model_rows])
    diffs = []
    for i, j in combinations(range(len(preds)), 2):
        d = cboot[:, i] - cboot[:, j]
        lo, hi = np.quantile(d, [a, 1 - a])
        # two-sided bootstrap p-value, (count + 1) / (B + 1) so it is never exactly 0
        tail = min((d <= 0).sum(), (d >= 0).sum())
        p_boot = float(min(1.0, 2 * (tail + 1) / (n_boot + 1)))
        diffs.append({"term": f"{preds[i].label} - {preds[j].label}", "a": preds[i].label,
                      "b": preds[j].label, "estimate": float(c_obs[i] - c_obs[j]),
                      "ci_low": float(lo), "ci_high": float(hi), "n": n,
                      "method": "bootstrap percentile (customers resampled as cell counts)",
                      "p_value": p_boot})
    return diffs


def _recommend_coding(preds: list[_Predictor], fits: dict[str, Any], recommend: str,
                      scale: Scale, T: np.ndarray, E: np.ndarray, known: np.ndarray,
                      y_h: np.ndarray, min_cell: int
                      ) -> tuple[pd.DataFrame, dict[str, Any], list[str]]:
    """The 11-against-3 test: NPS categories vs score levels vs linear, Cox and logistic."""
    cat_p, rec_p = preds[0], preds[1]
    fine, fine_labels = _pool_scores(rec_p.values, cat_p.values, E, known, y_h, min_cell)
    rec11 = _Predictor(f"{recommend}_levels", "categorical", fine, tuple(fine_labels))
    cph11, warn = _cox(rec11, T, E)
    notes = [f"{recommend} (11 levels): {w}" for w in warn]
    cph3 = fits[NPS_CATEGORY]
    lin = fits[recommend]
    df_diff = rec11.df - cat_p.df
    cox_stat = max(2 * (cph11.llf - cph3.llf), 0.0)
    cox_p = float(stats.chi2.sf(cox_stat, df_diff)) if df_diff > 0 else float("nan")
    coding = [
        {"coding": "nps categories", "levels": ", ".join(cat_p.levels), "df": cat_p.df,
         "cox_loglik": cph3.llf, "cox_aic": cph3.aic},
        {"coding": "score levels", "levels": ", ".join(fine_labels), "df": rec11.df,
         "cox_loglik": cph11.llf, "cox_aic": cph11.aic},
        {"coding": "linear", "levels": "", "df": 1, "cox_loglik": lin.llf,
         "cox_aic": lin.aic},
    ]
    info: dict[str, Any] = {}
    # logistic on the cells of the recommend score, category derived per cell
    cells = _logit_cells(rec_p.values[known], y_h)
    cells["cat"] = categorize(cells["x"], scale, column=recommend, table="customers")
    lookup = pd.Series(fine, index=rec_p.values).groupby(level=0).first()
    cells["level"] = lookup.reindex(cells["x"].to_numpy()).to_numpy()
    try:
        f11 = fit_binomial(cells, "C(level)")
        f3 = fit_binomial(cells, "C(cat)")
        flin = fit_binomial(cells, "x")
        lt = lr_test(f3, f11)
        for row, f in zip(coding, (f3, f11, flin)):
            row.update(logit_loglik=f.llf, logit_aic=f.aic)
        info.update(lr_11_vs_3_logit=lt["statistic"], lr_11_vs_3_logit_df=lt["df"],
                    lr_11_vs_3_logit_p=lt["p_value"])
    except ModelError as exc:
        notes.append(f"11 vs 3 (horizon logistic) not fitted: {exc}")
        for row in coding:
            row.update(logit_loglik=float("nan"), logit_aic=float("nan"))
    info.update(lr_11_vs_3_cox=float(cox_stat), lr_11_vs_3_cox_df=int(df_diff),
                lr_11_vs_3_cox_p=cox_p, n_levels_11=len(rec11.levels),
                levels_11=list(fine_labels))
    return pd.DataFrame(coding), info, notes


def _km_hazard_ratios(T: np.ndarray, E: np.ndarray, cat_p: _Predictor, cph3: _CoxFit,
                      level: float, z: float) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Kaplan-Meier per NPS category, hazard ratios against detractors, the log-rank test."""
    labels = np.array(cat_p.levels, dtype=object)[cat_p.values]
    km = kaplan_meier(T, E, labels, level=level)
    order = {c: i for i, c in enumerate(CATEGORIES)}
    km = km.sort_values(["group", "time"], key=lambda s: s.map(order) if s.name == "group"
                        else s, kind="stable").reset_index(drop=True)
    p_values = cph3.p_values()
    hr = []
    for col in cph3.params.index:
        b, se = float(cph3.params[col]), float(cph3.bse[col])
        hr.append({"term": col.split("[", 1)[1].rstrip("]") + " vs " + cat_p.levels[0],
                   "estimate": float(np.exp(b)), "ci_low": float(np.exp(b - z * se)),
                   "ci_high": float(np.exp(b + z * se)),
                   "n": int((cat_p.values == cat_p.levels.index(
                       col.split("[", 1)[1].rstrip("]"))).sum()),
                   "method": "Cox (Efron) hazard ratio", "p_value": float(p_values[col])})
    from lifelines.statistics import multivariate_logrank_test

    lrk = multivariate_logrank_test(T, labels, E)
    return km, estimates_frame(hr), {"logrank_statistic": float(lrk.test_statistic),
                                     "logrank_p": float(lrk.p_value)}


def _assemble_retention(model_rows: list[dict[str, Any]], tables: dict[str, pd.DataFrame],
                        info: dict[str, Any], *, target: str, level: float, threshold: float
                        ) -> RetentionResult:
    """Judge the claim on the target predictor's C and build the result."""
    est = estimates_frame(model_rows)
    if target not in est["term"].tolist():
        raise ParameterError(f"claim_predictor {target!r} is not among {est['term'].tolist()}")
    row = est.set_index("term").loc[target]
    verdict = judge_interval(float(row["ci_low"]), float(row["ci_high"]), 0.0, threshold)
    best = est.loc[est["estimate"].idxmax(), "term"]
    word = {"supported": "below", "contradicted": "above", "inconclusive": "around"}[verdict]
    reason = (f"{target} ranks who switches first with C = {row['estimate']:.3f} "
              f"({level:.0%} CI {row['ci_low']:.3f} to {row['ci_high']:.3f}), {word} the "
              f"{threshold:g} of useful discrimination; best predictor: {best}")
    return RetentionResult(
        estimates=est, level=level, tables=tables, info=info,
        title="N3: how well each measure predicts retention",
        claim_id="N3", statement=STATEMENT_N3,
        claimed={"concordance_below": threshold, "predictor": target},
        verdict=verdict, reason=reason)


def _example() -> RetentionResult:
    """A small simulated example (for doctests)."""
    rng = np.random.default_rng(0)
    n = 500
    rec = rng.integers(0, 11, n)
    grade = np.clip(np.rint(rec * 0.6 + 3 + rng.normal(0, 1, n)), 1, 10)
    t = np.ceil(rng.exponential(1 / (0.08 * np.exp(-0.15 * (rec - 5))), n))
    df = pd.DataFrame({"recommend": rec, "grade": grade, "duration": np.minimum(t, 24),
                       "switched": t <= 24})
    return versus_retention(df, ["grade"], n_boot=50, seed=0)
