"""Predictors and model fits behind :func:`loyaltystats.nps.versus_retention` (claim N3).

Kept apart from :mod:`loyaltystats.nps.retention` so that the public module stays short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..data import validate_column
from ..errors import DataError, ModelError
from ..scales import Scale, missing_error
from ..stats import wilson_ci
from ..stats.cox import _newton
from ..tables import count_cells
from ._common import CATEGORIES, categorize, column, numeric

NPS_CATEGORY = "nps_category"


# ------------------------------------------------------------------ predictors
@dataclass(frozen=True)
class _Predictor:
    """One predictor of retention: a linear column or the level codes of a categorical one."""

    label: str
    kind: str  # "linear" or "categorical"
    values: np.ndarray  # float values (linear) or integer level codes (categorical)
    levels: tuple[Any, ...] = ()

    def design(self) -> pd.DataFrame:
        """Design columns: the values, or one indicator per level after the first."""
        if self.kind == "linear":
            return pd.DataFrame({self.label: self.values})
        cols = {f"{self.label}[{lev}]": (self.values == i).astype(float)
                for i, lev in enumerate(self.levels) if i > 0}
        return pd.DataFrame(cols)

    @property
    def df(self) -> int:
        """Degrees of freedom of the predictor in a model."""
        return 1 if self.kind == "linear" else len(self.levels) - 1


def _categorical(label: str, s: pd.Series | np.ndarray, order: Sequence[Any] | None = None
                 ) -> _Predictor:
    """A categorical predictor with the levels present, in category or given order."""
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
    """Read and check the predictor columns: NPS category and recommend first, then the rest."""
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
@dataclass(frozen=True)
class _CoxFit:
    """What versus_retention reads of a Cox fit (Efron ties, fitted on counts)."""

    params: pd.Series
    bse: pd.Series
    llf: float
    llf_null: float

    @property
    def aic(self) -> float:
        """Partial AIC, as lifelines' ``AIC_partial_``."""
        return -2 * self.llf + 2 * len(self.params)

    def lr_test(self) -> tuple[float, float]:
        """Likelihood-ratio statistic against the model without covariates, and its p-value."""
        stat = 2 * self.llf - 2 * self.llf_null
        return float(stat), float(stats.chi2.sf(stat, len(self.params)))

    def p_values(self) -> pd.Series:
        """Wald p-values of the coefficients."""
        return pd.Series(stats.chi2.sf((self.params / self.bse) ** 2, 1), index=self.params.index)


# lifelines' text, kept so that the notes of a fit are the ones it gave on the rows
_LOW_VAR = ("Column(s) {} have very low variance. This may harm convergence. 1) Are you using "
            "formula's? Did you mean to add '-1' to the end. 2) Try dropping this redundant "
            "column before fitting if convergence fails.")


def _cox(pred: _Predictor, T: np.ndarray, E: np.ndarray) -> tuple[_CoxFit, list[str]]:
    """Cox model (Efron ties) of one predictor, fitted on the counts per (time, value) cell.

    Rows sharing a duration and a predictor value are exchangeable in the partial likelihood,
    so they are fitted as one cell with a count and an event count (the Newton-Raphson of
    :func:`~loyaltystats.stats.fit_cox_counts`): the estimates of lifelines' ``CoxPHFitter``
    on the rows run to convergence, at the cost of the cells.
    """
    # one integer per (time, value) cell from the two columns' hash codes (a 1-d key counts
    # faster than np.unique over rows)
    t_code, t_uniq = pd.factorize(T)
    v_code, v_uniq = pd.factorize(pred.values)
    cell_keys, inv = np.unique(t_code.astype(np.int64) * len(v_uniq) + v_code,
                               return_inverse=True)
    inv = inv.ravel()
    counts = np.bincount(inv, minlength=len(cell_keys)).astype(float)
    events = np.bincount(inv, weights=E.astype(float), minlength=len(cell_keys))
    times = np.asarray(t_uniq, float)[cell_keys // len(v_uniq)]
    values = np.asarray(v_uniq)[cell_keys % len(v_uniq)].astype(pred.values.dtype)
    X = replace(pred, values=values).design()
    names = list(X.columns)
    x = X.to_numpy(float)
    notes = []
    mean = counts @ x / counts.sum()
    var = counts @ (x - mean) ** 2 / (counts.sum() - 1)
    if (var < 1e-4).any():
        notes.append(_LOW_VAR.format([c for c, v in zip(names, var) if v < 1e-4]))
    start = np.full(len(cell_keys), -np.inf)
    try:
        beta, llf, info, _, done = _newton(x, start, times, events, counts, "efron",
                                           50, 1e-10, names)
        cov = np.linalg.inv(info)
    except (ModelError, np.linalg.LinAlgError) as exc:
        raise ModelError(f"Cox fit of {names} failed: {exc}") from exc
    if not done or np.max(np.abs(beta)) > 30:
        # as lifelines did: go on with the last iterate (its ranking is right: the level
        # without events has the lowest risk) and say so
        notes.append(f"Cox fit did not converge (coefficients {dict(zip(names, beta.round(1)))}"
                     "; a level without events?): the estimate is the last iterate")
    fit = _CoxFit(pd.Series(beta, index=names), pd.Series(np.sqrt(np.diag(cov)), index=names),
                  float(llf), float(done.llf_null))
    return fit, notes


def _logit_cells(values: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Count table of the horizon outcome per predictor value."""
    frame = pd.DataFrame({"x": values, "y": y})
    return count_cells(frame, "x", outcome="y", table="customers")


def _calibration(label: str, p: np.ndarray, s: np.ndarray, n: np.ndarray, level: float,
                 groups: int = 10) -> tuple[pd.DataFrame, float, int]:
    """Calibration table per group of predicted risk, Hosmer-Lemeshow statistic, groups."""
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

