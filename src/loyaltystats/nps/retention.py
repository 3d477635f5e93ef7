"""How well do NPS, recommend, satisfaction and experiences predict who stays? (claim N3)

For each predictor, two models of retention: a Cox proportional-hazards model (lifelines,
Efron ties, fitted on the rows) and a logistic model of switching within a horizon (fitted on
the count table per predictor value). They are compared by Harrell's concordance with seeded
bootstrap intervals for every pairwise difference, by AIC and by the likelihood-ratio test
against the null model; the logistic fit comes with a calibration table. The information lost
by cutting 0-10 into three NPS groups is a nested likelihood-ratio test (11 levels against 3).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

from .._boundary import Missing, reads
from .._validate import FrameLike, as_frame, check_unique_ids
from ..data import validate_column
from ..errors import DataError, ModelError, ParameterError
from ..results import ClaimResult, estimates_frame, judge_interval
from ..scales import RECOMMEND_0_10, Scale, missing_error
from ..stats import fit_binomial, lr_test, wilson_ci
from ..stats.survival import kaplan_meier
from ..tables import count_cells
from ._common import CATEGORIES, binary, categorize, column, numeric, rng_from, z_value

__all__ = ["RetentionResult", "versus_retention", "harrell_c", "kaplan_meier"]

STATEMENT_N3 = "Satisfaction and NPS are not loyalty"
NPS_CATEGORY = "nps_category"


# ------------------------------------------------------------------ concordance from counts
def _c_from_tables(D: np.ndarray, Cn: np.ndarray) -> np.ndarray:
    """Harrell's C from event and censoring weights per (time, risk rank); leading axes kept.

    ``D[..., k, r]`` events at the k-th time with risk rank r, ``Cn`` the censored ones.
    A pair (i, j) is comparable when i has the event and j leaves later (or is censored at
    the same time); it is concordant when i's risk is higher, tied counts one half (the
    convention of Harrell 1996 as implemented by lifelines ``concordance_index``).
    """
    tot = D + Cn
    later = np.flip(np.cumsum(np.flip(tot, axis=-2), axis=-2), axis=-2) - tot  # T_j > t_k
    A = later + Cn
    A_below = np.cumsum(A, axis=-1) - A  # risk rank strictly lower
    concordant = (D * A_below).sum(axis=(-2, -1))
    tied = (D * A).sum(axis=(-2, -1))
    pairs = (D.sum(axis=-1) * A.sum(axis=-1)).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (concordant + 0.5 * tied) / pairs


def harrell_c(time: Any, event: Any, risk: Any, weights: Any = None) -> float:
    """Harrell's concordance index of a risk score (higher = leaves sooner), from counts.

    Parameters
    ----------
    time, event : array_like
        Follow-up time and event indicator (1 = switched / churned).
    risk : array_like
        Risk score; only its order matters.
    weights : array_like, optional
        Frequency weights (e.g. bootstrap counts).

    Returns
    -------
    float
        ``(concordant + ties / 2) / comparable pairs``.

    Notes
    -----
    Computed on the table of (distinct time, event, risk rank) counts in
    ``O(n + times x ranks)``; equal to :func:`lifelines.utils.concordance_index` with
    ``-risk`` as the predicted time.

    Examples
    --------
    >>> harrell_c([1, 2, 3, 4], [1, 1, 1, 0], [4, 3, 2, 1])
    1.0
    >>> harrell_c([1, 2, 3, 4], [1, 1, 1, 0], [1, 1, 1, 1])
    0.5
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=float)
    _, ti = np.unique(t, return_inverse=True)
    _, ri = np.unique(np.asarray(risk, dtype=float), return_inverse=True)
    nt, nr = int(ti.max()) + 1, int(ri.max()) + 1
    code = ti * nr + ri
    D = np.bincount(code, weights=w * e, minlength=nt * nr).reshape(nt, nr)
    Cn = np.bincount(code, weights=w * (1 - e), minlength=nt * nr).reshape(nt, nr)
    return float(_c_from_tables(D, Cn))


# ------------------------------------------------------------------ Kaplan-Meier from counts
# ------------------------------------------------------------------ predictors
@dataclass(frozen=True)
class _Predictor:
    label: str
    kind: str  # "linear" or "categorical"
    values: np.ndarray  # float values (linear) or integer level codes (categorical)
    levels: tuple[Any, ...] = ()

    def design(self) -> pd.DataFrame:
        if self.kind == "linear":
            return pd.DataFrame({self.label: self.values})
        cols = {f"{self.label}[{lev}]": (self.values == i).astype(float)
                for i, lev in enumerate(self.levels) if i > 0}
        return pd.DataFrame(cols)

    @property
    def df(self) -> int:
        return 1 if self.kind == "linear" else len(self.levels) - 1


def _categorical(label: str, s: pd.Series | np.ndarray, order: Sequence[Any] | None = None
                 ) -> _Predictor:
    s = pd.Series(s)
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = [c for c in s.cat.categories if (s == c).any()]
        levels = present
    else:
        levels = sorted(s.unique().tolist(), key=lambda v: (str(type(v)), v)) \
            if order is None else [v for v in order if (s == v).any()]
    codes = pd.Categorical(s, categories=levels).codes.astype(np.int64)
    return _Predictor(label, "categorical", codes, tuple(levels))


def _build_predictors(customers: pd.DataFrame, predictors: Sequence[str], recommend: str | None,
                      categorical: Sequence[str], scale: Scale) -> list[_Predictor]:
    out: list[_Predictor] = []
    if recommend is not None:
        cat = categorize(column(customers, recommend, "customers"), scale, column=recommend,
                         table="customers")
        names = np.array(CATEGORIES, dtype=object)[cat]
        out.append(_categorical(NPS_CATEGORY, names, order=CATEGORIES))
        rec = scale.check(customers[recommend], column=recommend, table="customers")
        if np.ptp(rec) == 0:
            # one recommend score: neither the score nor its category can rank anyone
            raise DataError("a predictor is constant", table="customers", column=recommend,
                            n_rows=len(rec), examples=[rec[0]])
        out.append(_Predictor(recommend, "linear", rec))
    for name in predictors:
        if name == NPS_CATEGORY or (name == recommend and name not in categorical):
            continue
        s = column(customers, name, "customers")
        error = missing_error(s, column=name, table="customers", cls=DataError)
        if error is not None:
            raise error
        if name in categorical or s.dtype.kind not in "iuf":
            # a mix of numbers and text is a column read wrongly, not a category
            validate_column(customers, name, "category", table="customers")
            p = _categorical(name, s)
            if len(p.levels) < 2:
                raise DataError("a categorical predictor needs at least two levels",
                                table="customers", column=name, examples=list(p.levels))
            out.append(p)
        else:
            x = numeric(s, table="customers")
            if np.ptp(x) == 0:
                raise DataError("a predictor is constant", table="customers", column=name,
                                n_rows=len(x), examples=[x[0]])
            out.append(_Predictor(name, "linear", x))
    if not out:
        raise DataError("no predictors: give recommend= and/or predictors=[...]",
                        table="customers")
    labels = [p.label for p in out]
    if len(set(labels)) != len(labels):
        raise DataError(f"duplicate predictors {labels}", table="customers")
    return out


# ------------------------------------------------------------------ model fits
def _cox(pred: _Predictor | None, T: np.ndarray, E: np.ndarray, X: pd.DataFrame | None = None
         ) -> Any:
    """lifelines CoxPHFitter (Efron ties) on the rows; warnings from lifelines become notes."""
    from lifelines import CoxPHFitter

    X = pred.design() if X is None else X
    df = X.copy()
    df["_T"], df["_E"] = T, E.astype(int)
    cph = CoxPHFitter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cph.fit(df, duration_col="_T", event_col="_E")
        except Exception as exc:  # lifelines raises ConvergenceError (a subclass of Exception)
            raise ModelError(f"Cox fit of {list(X.columns)} failed: {exc}") from exc
    notes = [str(w.message).splitlines()[0] for w in caught
             if "ConvergenceWarning" in type(w.message).__name__]
    return cph, notes


def _logit_cells(values: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    frame = pd.DataFrame({"x": values, "y": y})
    return count_cells(frame, "x", outcome="y", table="customers")


def _auc_from_cells(p: np.ndarray, s: np.ndarray, n: np.ndarray) -> float:
    f = n - s
    u, inv = np.unique(p, return_inverse=True)
    S = np.bincount(inv, weights=s, minlength=len(u))
    F = np.bincount(inv, weights=f, minlength=len(u))
    below = np.cumsum(F) - F
    denom = S.sum() * F.sum()
    return float((S * (below + 0.5 * F)).sum() / denom) if denom > 0 else float("nan")


def _calibration(label: str, p: np.ndarray, s: np.ndarray, n: np.ndarray, level: float,
                 groups: int = 10) -> tuple[pd.DataFrame, float, int]:
    order = np.argsort(p, kind="stable")
    p, s, n = p[order], s[order], n[order]
    u, inv = np.unique(p, return_inverse=True)
    if len(u) <= groups:
        g = inv
    else:
        mid = np.cumsum(n) - n / 2
        g = np.minimum((groups * mid / n.sum()).astype(int), groups - 1)
        g = np.unique(g, return_inverse=True)[1]
    k = int(g.max()) + 1
    nn = np.bincount(g, weights=n, minlength=k)
    ss = np.bincount(g, weights=s, minlength=k)
    ee = np.bincount(g, weights=n * p, minlength=k)
    lo, hi = wilson_ci(ss, nn, level)
    tab = pd.DataFrame({"predictor": label, "group": np.arange(1, k + 1), "n": nn.astype(int),
                        "observed": ss / nn, "predicted": ee / nn, "ci_low": lo, "ci_high": hi})
    with np.errstate(divide="ignore", invalid="ignore"):
        hl = float(np.nansum((ss - ee) ** 2 / (ee * (1 - ee / nn))))
    return tab, hl, k


def _pool_scores(score: np.ndarray, cat: np.ndarray, E: np.ndarray, known: np.ndarray,
                 y_h: np.ndarray, min_cell: int) -> tuple[np.ndarray, list[str]]:
    """Group the observed scores into the finest levels with enough data, within categories.

    Scores are taken in order within each NPS category and pooled with their neighbours
    until the level has at least ``min_cell`` events (Cox), ``min_cell`` switchers and
    ``min_cell`` stayers at the horizon; a sparse remainder joins the previous level of the
    same category. Pooling only within a category keeps the 3-category model nested.
    """
    values = np.unique(score)
    ev = {v: int(E[score == v].sum()) for v in values}
    sk = score[known]
    y1 = {v: int(y_h[sk == v].sum()) for v in values}
    y0 = {v: int((~y_h[sk == v]).sum()) for v in values}
    cat_of = {v: int(cat[score == v][0]) for v in values}
    groups: list[list[float]] = []
    for c in range(3):
        cur: list[float] = []
        start = len(groups)
        for v in (v for v in values if cat_of[v] == c):
            cur.append(v)
            if (sum(ev[u] for u in cur) >= min_cell and sum(y1[u] for u in cur) >= min_cell
                    and sum(y0[u] for u in cur) >= min_cell):
                groups.append(cur)
                cur = []
        if cur:
            if len(groups) > start:
                groups[-1].extend(cur)
            else:
                groups.append(cur)
    code = np.empty(len(score), dtype=np.int64)
    labels = []
    for g, vals in enumerate(groups):
        code[np.isin(score, vals)] = g
        labels.append(f"{vals[0]:g}" if len(vals) == 1 else f"{vals[0]:g}-{vals[-1]:g}")
    return code, labels


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
) -> RetentionResult:
    """Compare how well NPS and other measures predict retention (claim N3).

    Parameters
    ----------
    customers : pandas.DataFrame or engine input
        One row per customer with the follow-up ``duration`` (> 0), the ``event`` flag
        (switched / churned; False = censored) and the predictor columns. From Polars, DuckDB,
        Parquet or Dask only these columns are collected (the Cox fits need rows).
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

    Returns
    -------
    RetentionResult
        Claim N3; see :class:`RetentionResult` for the tables.

    Notes
    -----
    *Cox model.* lifelines ``CoxPHFitter`` with Efron's ties, fitted on the rows (one per
    customer; a row-level fit, so its cost grows with the number of customers). ``cox_lr`` is
    the likelihood-ratio statistic against the null model, ``cox_aic`` the partial AIC.

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
    preds = _build_predictors(customers, list(predictors), recommend, categorical, scale)
    n = len(T)
    h = float(np.floor(T.max() / 2)) if horizon is None else float(horizon)
    if h <= 0:
        raise ParameterError(f"horizon must be positive, got {h}")
    known = E & (T <= h) | (T >= h)
    y_h = (E & (T <= h))[known]
    notes: list[str] = []

    # ---- per-predictor fits
    model_rows: list[dict[str, Any]] = []
    calib: list[pd.DataFrame] = []
    risks: list[np.ndarray] = []
    fits: dict[str, Any] = {}
    for p in preds:
        cph, warn = _cox(p, T, E)
        notes += [f"{p.label}: {w}" for w in warn]
        fits[p.label] = cph
        risk = p.design().to_numpy(float) @ cph.params_.to_numpy(float)
        risks.append(risk)
        lrt = cph.log_likelihood_ratio_test()
        c = harrell_c(T, E, risk)
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
            calib.append(tab)
            logit = {"logit_aic": full.aic, "logit_lr": lr["statistic"],
                     "logit_lr_p": lr["p_value"], "auc": auc, "hosmer_lemeshow": hl,
                     "hl_p": float(stats.chi2.sf(hl, k - 2)) if k > 2 else float("nan")}
        except ModelError as exc:
            notes.append(f"{p.label}: horizon logistic model not fitted ({exc})")
            logit = {k_: float("nan") for k_ in ("logit_aic", "logit_lr", "logit_lr_p", "auc",
                                                 "hosmer_lemeshow", "hl_p")}
        model_rows.append({"term": p.label, "estimate": c, "n": n, "kind": p.kind, "df": p.df,
                           "cox_loglik": float(cph.log_likelihood_),
                           "cox_aic": float(cph.AIC_partial_),
                           "cox_lr": float(lrt.test_statistic), "cox_lr_p": float(lrt.p_value),
                           **logit, "n_horizon": int(known.sum())})

    # ---- bootstrap of the concordances on (time, event, ranks) cells
    _, ti = np.unique(T, return_inverse=True)
    ranks = [np.unique(r, return_inverse=True)[1] for r in risks]
    joint = np.column_stack([ti, E.astype(np.int64)] + ranks)
    cells_j, inv, cnt = np.unique(joint, axis=0, return_inverse=True, return_counts=True)
    inv = inv.ravel()
    nt = int(ti.max()) + 1
    reps = rng.multinomial(n, cnt / n, size=n_boot).astype(float)
    cboot = np.empty((n_boot, len(preds)))
    for j in range(len(preds)):
        nr = int(cells_j[:, 2 + j].max()) + 1
        code = (cells_j[:, 0] * nr + cells_j[:, 2 + j]) * 2 + cells_j[:, 1]
        M = sparse.csr_matrix((np.ones(len(code)), (np.arange(len(code)), code)),
                              shape=(len(code), nt * nr * 2))
        block = max(1, 20_000_000 // (nt * nr * 2))
        for s in range(0, n_boot, block):
            tab = np.asarray((sparse.csr_matrix(reps[s:s + block]) @ M).todense())
            tab = tab.reshape(-1, nt, nr, 2)
            cboot[s:s + block, j] = _c_from_tables(tab[..., 1], tab[..., 0])
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
    tables: dict[str, pd.DataFrame] = {}
    if diffs:
        tables["concordance_differences"] = estimates_frame(diffs)
    if calib:
        tables["calibration"] = pd.concat(calib, ignore_index=True)

    # ---- recommend: 3 categories vs 11 levels, KM, hazard ratios
    info: dict[str, Any] = {"horizon": h, "n_customers": n, "n_events": int(E.sum()),
                            "n_boot": int(n_boot), "threshold": threshold}
    if isinstance(seed, (int, np.integer)):
        info["seed"] = int(seed)
    if recommend is not None:
        cat_p, rec_p = preds[0], preds[1]
        fine, fine_labels = _pool_scores(rec_p.values, cat_p.values, E, known, y_h, min_cell)
        rec11 = _Predictor(f"{recommend}_levels", "categorical", fine, tuple(fine_labels))
        cph11, warn = _cox(rec11, T, E)
        notes += [f"{recommend} (11 levels): {w}" for w in warn]
        cph3 = fits[NPS_CATEGORY]
        lin = fits[recommend]
        df_diff = rec11.df - cat_p.df
        cox_stat = max(2 * (cph11.log_likelihood_ - cph3.log_likelihood_), 0.0)
        cox_p = float(stats.chi2.sf(cox_stat, df_diff)) if df_diff > 0 else float("nan")
        coding = [
            {"coding": "nps categories", "levels": ", ".join(cat_p.levels), "df": cat_p.df,
             "cox_loglik": cph3.log_likelihood_, "cox_aic": cph3.AIC_partial_},
            {"coding": "score levels", "levels": ", ".join(fine_labels), "df": rec11.df,
             "cox_loglik": cph11.log_likelihood_, "cox_aic": cph11.AIC_partial_},
            {"coding": "linear", "levels": "", "df": 1, "cox_loglik": lin.log_likelihood_,
             "cox_aic": lin.AIC_partial_},
        ]
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
        tables["recommend_coding"] = pd.DataFrame(coding)
        labels = np.array(cat_p.levels, dtype=object)[cat_p.values]
        km = kaplan_meier(T, E, labels, level=level)
        order = {c: i for i, c in enumerate(CATEGORIES)}
        km = km.sort_values(["group", "time"], key=lambda s: s.map(order) if s.name == "group"
                            else s, kind="stable").reset_index(drop=True)
        tables["kaplan_meier"] = km
        summ = cph3.summary
        hr = []
        for col in cph3.params_.index:
            r = summ.loc[col]
            b, se = float(r["coef"]), float(r["se(coef)"])
            hr.append({"term": col.split("[", 1)[1].rstrip("]") + " vs " + cat_p.levels[0],
                       "estimate": float(np.exp(b)), "ci_low": float(np.exp(b - z * se)),
                       "ci_high": float(np.exp(b + z * se)),
                       "n": int((cat_p.values == cat_p.levels.index(
                           col.split("[", 1)[1].rstrip("]"))).sum()),
                       "method": "Cox (Efron) hazard ratio", "p_value": float(r["p"])})
        tables["hazard_ratios"] = estimates_frame(hr)
        from lifelines.statistics import multivariate_logrank_test

        lrk = multivariate_logrank_test(T, labels, E)
        info.update(logrank_statistic=float(lrk.test_statistic), logrank_p=float(lrk.p_value))
    info["notes"] = notes

    est = estimates_frame(model_rows)
    target = claim_predictor or (NPS_CATEGORY if recommend is not None else preds[0].label)
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
