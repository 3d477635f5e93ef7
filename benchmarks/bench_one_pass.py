"""One pass over the rows (issue #21): each cell-fitted estimator against ``count_cells`` plus
its fits on the counted cells, on the same rows in the same run.

For every public estimator whose rows become cells through
:func:`loyaltystats.tables.count_cells` (directly or through ``loyaltystats._cells``) the
script times

* (a) the public call end to end (validation, counting, fits, result tables), and
* (b) the public ``tables.count_cells`` on the same key columns of the same DataFrame, plus
  the model fit(s) the estimator makes, called through the estimator's own internal fit
  functions on the counted cells (what (b) holds is listed per estimator in ``contains``),

as medians of ``--repeats`` runs after one warm-up, and reports the ratio (a)/(b). The
issue's target is (a)/(b) <= 1.5 at 10^7 rows: anything the public call does to the rows
besides one count shows up as a ratio above 1. The estimates of (a) and (b) are compared
(largest absolute difference over the terms both give: estimates, and interval bounds
where (b) computes them).

Data: one synthetic survey table drawn with numpy (the generator of
bench_engine_estimators.py plus effort, delight and moment-of-truth columns), compact
dtypes (int8 scores and counts, boolean flags, pandas Categorical segment and level). Every
estimator reads one row per response/customer, so all run at the full size.

Run:  .venv/bin/python benchmarks/bench_one_pass.py [--quick] [--repeats 3] [--rows N]
      [--out PATH]
Writes benchmarks/results/one-pass.md (``--quick``: small sizes, writes nothing unless
``--out``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from loyaltystats.tables import count_cells

try:  # imported as benchmarks.<module>
    from benchmarks._timing import median_seconds, mem_total_gib
    from benchmarks._timing import versions as _versions
    from benchmarks.bench_engine_estimators import PYRAMID, survey
except ImportError:  # run as a script: benchmarks/ is on sys.path
    from _timing import median_seconds, mem_total_gib  # type: ignore[no-redef]
    from _timing import versions as _versions  # type: ignore[no-redef]
    from bench_engine_estimators import PYRAMID, survey  # type: ignore[no-redef]

RESULTS = Path(__file__).parent / "results" / "one-pass.md"
CONF = 0.95
Terms = dict[str, float]


# ---------------------------------------------------------------------------- data
def one_pass_data(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` survey rows: every column the estimators below read (see the module doc)."""
    df = survey(n, seed)
    rng = np.random.default_rng(seed + 1)
    effort = rng.integers(1, 8, n).astype(np.int8)
    delighted = rng.random(n) < 0.2
    lp = -2 + 1.0 * (effort >= 5) - 0.3 * (effort <= 3) - 0.3 * delighted
    df["effort"] = effort
    df["delighted"] = delighted
    df["churned"] = rng.random(n) < 1 / (1 + np.exp(-lp))
    df["baseline_ok"] = rng.random(n) < 0.6
    df["peak"] = rng.random(n) < 0.3
    base, peak = df["baseline_ok"].to_numpy(), df["peak"].to_numpy()
    p_first = np.array([0.10, 0.20, 0.25, 0.60])[2 * base + peak]
    df["feels_first"] = rng.random(n) < p_first
    df["customer_id"] = rng.permutation(n) + 1_000_000  # unique ids in random order
    df["customer_no"] = np.arange(1, n + 1)  # unique ids in ascending order
    return df


# ---------------------------------------------------------------------------- helpers
def terms_of(rows: Any) -> Terms:
    """``{term: estimate, "term|ci_low": ..., "term|ci_high": ...}`` of estimate rows (a list
    of dicts or an ``estimates`` DataFrame)."""
    frame = pd.DataFrame(rows)
    out: Terms = {}
    for _, r in frame.iterrows():
        for col in ("estimate", "ci_low", "ci_high"):
            if col in frame.columns:
                key = str(r["term"]) if col == "estimate" else f"{r['term']}|{col}"
                out[key] = float(r[col])
    return out


def max_abs_diff(a: Terms, b: Terms) -> tuple[float, int]:
    """Largest absolute difference over the keys of ``b`` (all must be in ``a``) and how many
    values were compared; equal infinities and NaN in both count as equal."""
    worst, n = 0.0, 0
    for key, vb in b.items():
        va = a[key]
        n += 1
        if (math.isnan(va) and math.isnan(vb)) or va == vb:
            continue
        worst = max(worst, abs(va - vb))
    return worst, n


# ---------------------------------------------------------------------------- fits per estimator
def fits_dose(cells: pd.DataFrame) -> Terms:
    from loyaltystats.switching._common import level_labels
    from loyaltystats.switching.dose import _binomial_fits

    k = np.minimum(cells["negatives"].to_numpy(np.int64), 3)
    m = np.bincount(k, weights=cells["n"].to_numpy(float), minlength=4)
    x = np.bincount(k, weights=cells["successes"].to_numpy(float), minlength=4)
    fit_cells = pd.DataFrame({"k": np.arange(4), "successes": x, "n": m})
    f = _binomial_fits(fit_cells, x, m, 3, CONF)
    lab, beta = level_labels(3), f.full.params.to_numpy()
    out = {f"p[k={lab[j]}]": float(f.p[j]) for j in range(4)}
    out.update({f"p[k={lab[j]}]|ci_low": float(f.lo[j]) for j in range(4)})
    out.update({f"odds_ratio[k={lab[j]}]": float(np.exp(beta[j])) for j in range(1, 4)})
    out["odds_ratio_per_negative"] = float(np.exp(f.lin.params["k"]))
    out["second_strike"] = float(beta[2] - 2 * beta[1])
    return out


def fits_intent(cells: pd.DataFrame) -> Terms:
    from loyaltystats.stats import wilson_ci
    from loyaltystats.switching._common import level_labels

    k = np.minimum(cells["negatives"].to_numpy(np.int64), 3)
    code = 2 * k + cells["considering_switch"].to_numpy(np.int64)
    n = np.bincount(code, weights=cells["n"].to_numpy(float), minlength=8).reshape(4, 2)
    x = np.bincount(code, weights=cells["successes"].to_numpy(float), minlength=8).reshape(4, 2)
    n, x = np.vstack([n, n.sum(0)]), np.vstack([x, x.sum(0)])
    labels = level_labels(3) + ["all"]
    specs = {"p_intent": (n[:, 1], n.sum(1)), "p_switch": (x.sum(1), n.sum(1)),
             "conversion": (x[:, 1], n[:, 1]), "p_switch_no_intent": (x[:, 0], n[:, 0])}
    out: Terms = {}
    for name, (num, den) in specs.items():
        lo, hi = wilson_ci(num, den, CONF)
        for j, lab in enumerate(labels):
            term = f"{name}[k={lab}]" if lab != "all" else f"{name}[all]"
            out[term], out[term + "|ci_low"] = float(num[j] / den[j]), float(lo[j])
    return out


def fits_by_level(cells: pd.DataFrame) -> Terms:
    from loyaltystats.scales import GRADE_1_10
    from loyaltystats.thresholds._common import check_cell_scores, level_order
    from loyaltystats.thresholds.levels import _describe_levels, _fit_ordinal

    score = check_cell_scores(cells, "grade", GRADE_1_10, "data")
    levels = level_order(cells["expectation"])  # a categorical keeps all its categories
    values = np.sort(pd.unique(score))
    counts = np.zeros((len(levels), len(values)))
    np.add.at(counts, (pd.Index(levels).get_indexer(cells["expectation"]),
                       np.searchsorted(values, score)), cells["n"].to_numpy(float))
    n_level = counts.sum(axis=1)
    with_data = np.flatnonzero(n_level > 0)
    est = _describe_levels(levels, values, counts, n_level, GRADE_1_10, (8, 9), CONF)[3]
    or_rows = _fit_ordinal(levels, values, counts, with_data, CONF)[3]
    return terms_of(est + or_rows)


def fits_band_table(cells: pd.DataFrame) -> Terms:
    from loyaltystats.scales import GRADE_1_10
    from loyaltystats.stats import wilson_ci
    from loyaltystats.thresholds._common import check_cell_scores
    from loyaltystats.thresholds.bands import _lift

    codes = GRADE_1_10.band_codes(check_cell_scores(cells, "grade", GRADE_1_10, "data"))
    nb = len(GRADE_1_10.bands)
    n = np.bincount(codes, weights=cells["n"].to_numpy(float), minlength=nb)
    s = np.bincount(codes, weights=cells["successes"].to_numpy(float), minlength=nb)
    rate, share, p_all = s / n, n / n.sum(), s.sum() / n.sum()
    r_lo, _ = wilson_ci(s, n, CONF)
    s_lo, _ = wilson_ci(share * n.sum(), np.full(nb, n.sum()), CONF)
    lift = _lift(rate, n, p_all, n.sum(), stats.norm.ppf(0.5 + CONF / 2))[0]
    out: Terms = {}
    for i, b in enumerate(GRADE_1_10.band_names):
        out[f"share[{b}]"], out[f"share[{b}]|ci_low"] = float(share[i]), float(s_lo[i])
        out[f"rate[{b}]"], out[f"rate[{b}]|ci_low"] = float(rate[i]), float(r_lo[i])
        out[f"lift[{b}]"] = float(lift[i])
    out["rate[overall]"] = float(p_all)
    return out


def fits_loyalty_curve(cells: pd.DataFrame) -> Terms:
    from loyaltystats.scales import GRADE_1_10
    from loyaltystats.stats import wilson_ci
    from loyaltystats.thresholds import curve
    from loyaltystats.thresholds._common import check_cell_scores

    s = check_cell_scores(cells, "grade", GRADE_1_10, "data")
    order = np.argsort(s)
    s, y, m = (s[order], cells["successes"].to_numpy(float)[order],
               cells["n"].to_numpy(float)[order])
    z, crit = float(stats.norm.ppf(0.5 + CONF / 2)), float(stats.chi2.ppf(CONF, 1))
    fits = curve._fit_linear_banded(s, y, m, GRADE_1_10, "grade", z)
    curve._fit_segmented(s, y, m, "grade", z, crit, fits)
    jump = curve._infer_jump(fits, "step", s, z, crit, y, m)
    lo, hi, _ = curve._bootstrap_breakpoint(fits.best["step"], y, m, 0, CONF, 0)
    curve._sup_lr_tests(fits, y, m, 0, 0)
    r_lo, r_hi = wilson_ci(y, m, CONF)
    return terms_of(curve._estimate_rows(s, m, y / m, r_lo, r_hi, fits.models, "grade", jump,
                                         0, lo, hi))


def fits_moments(cells: pd.DataFrame) -> Terms:
    from loyaltystats.stats import wilson_ci
    from loyaltystats.thresholds._logistic import fit_logistic_batch

    code = 2 * cells["baseline_ok"].to_numpy(np.int64) + cells["peak"].to_numpy(np.int64)
    n = np.bincount(code, weights=cells["n"].to_numpy(float), minlength=4)
    s = np.bincount(code, weights=cells["successes"].to_numpy(float), minlength=4)
    lo, _ = wilson_ci(s, n, CONF)
    log_odds = np.log(s / (n - s))
    xsat = np.array([[1, 0, 0, 0], [1, 0, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], dtype=float)
    fit_logistic_batch(xsat, s, n)  # the two fits of the interaction's LR test
    fit_logistic_batch(xsat[:, :3], s, n)
    out = {f"rate[baseline={i // 2},peak={i % 2}]": float(s[i] / n[i]) for i in range(4)}
    out.update({f"rate[baseline={i // 2},peak={i % 2}]|ci_low": float(lo[i])
                for i in range(4)})
    out["interaction (log-odds)"] = float(log_odds[3] - log_odds[2] - log_odds[1]
                                          + log_odds[0])
    return out


CEILING = (["relevance", "trust"], ["satisfaction"])


def fits_ceiling(cells: pd.DataFrame) -> Terms:
    from loyaltystats.scales import GRADE_1_10, LIKERT_1_5
    from loyaltystats.thresholds import ceiling
    from loyaltystats.thresholds._common import check_cell_scores

    basics, delighters = CEILING
    attrs = basics + delighters
    cells = cells.copy()
    for a in attrs:
        cells[a] = check_cell_scores(cells, a, LIKERT_1_5, "data")
    cells["grade"] = check_cell_scores(cells, "grade", GRADE_1_10, "data")
    best, present_from, x0, x1 = ceiling._prediction_points(basics, delighters, [], None,
                                                            LIKERT_1_5, None)
    groups, _ = ceiling._describe_subgroups(cells, "grade", basics, delighters, best,
                                            present_from, 8.5, CONF)
    fit, agg = ceiling._fit_model(cells, "grade", attrs, None)
    t_crit = float(stats.t.ppf(0.5 + CONF / 2, fit["df_resid"]))
    preds = ceiling._predict(fit, agg, attrs, delighters, (x0, x1), t_crit, GRADE_1_10)
    return terms_of(ceiling._estimate_rows(groups, preds, 8.5, int(cells["n"].sum()), None))


def fits_effort(cells: pd.DataFrame) -> Terms:
    from loyaltystats.effort import _bands, _linear
    from loyaltystats.stats import fit_binomial

    grouped = cells.assign(band=_bands(cells["effort"].to_numpy(float), 3, 5),
                           delight=cells["delighted"].astype(int))
    fit = fit_binomial(grouped.groupby(["band", "delight"], as_index=False)[
        ["n", "successes"]].sum(), "C(band, Treatment('neutral')) + delight")
    hi_, lo_ = "C(band, Treatment('neutral'))[T.high]", "C(band, Treatment('neutral'))[T.low]"
    out: Terms = {}
    for term, w in (("effort_minus_delight", {hi_: 1.0, "delight": 1.0}),
                    ("effort_penalty", {hi_: 1.0}), ("delight_reward", {"delight": -1.0}),
                    ("effort_reward", {lo_: -1.0}), ("effort_asymmetry", {hi_: 1.0, lo_: 1.0})):
        out[term] = _linear(fit, w)[0]
    return out


def _nps_totals(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    from loyaltystats.nps._common import categorize
    from loyaltystats.scales import RECOMMEND_0_10
    from loyaltystats.thresholds._common import check_cell_scores

    x = check_cell_scores(cells, "recommend", RECOMMEND_0_10, "data")
    cat = categorize(x, RECOMMEND_0_10, column="recommend", table="data")
    return cells[keys].assign(_category=cat, n=cells["n"].to_numpy())


def fits_by_segment(cells: pd.DataFrame) -> Terms:
    from loyaltystats.nps.score import variance
    from loyaltystats.nps.segments import _per_group_rows

    t = _nps_totals(cells, ["segment"]).groupby(["segment", "_category"], observed=True)[
        "n"].sum().unstack(fill_value=0).reindex(columns=[0, 1, 2], fill_value=0)
    totals = t.to_numpy(float)
    n_rows = totals.sum(axis=1)
    rows, d, var = _per_group_rows(pd.Series(t.index.astype(str)), totals, n_rows, n_rows,
                                   "wald", CONF, 2000, 0)
    rest = totals.sum(axis=0) - totals
    pr = rest / rest.sum(axis=1, keepdims=True)
    se = np.sqrt(var + variance(pr[:, 2], pr[:, 0], rest.sum(axis=1)))
    pv = 2 * stats.norm.sf(np.abs((d - (pr[:, 2] - pr[:, 0])) / se))
    multipletests(pv, method="holm")
    multipletests(pv, method="fdr_bh")
    stats.chi2_contingency(totals, correction=False)
    return terms_of(rows)


def fits_nps_score(cells: pd.DataFrame) -> Terms:
    from loyaltystats.nps.score import _result

    t = _nps_totals(cells, [])
    totals = np.bincount(t["_category"], weights=t["n"].to_numpy(float), minlength=3)
    n = float(totals.sum())
    res = _result(totals, n, n, method="wald", level=CONF, n_boot=2000, seed=None,
                  title="", weighted=False)
    return terms_of(res.estimates)


def fits_gating(cells: pd.DataFrame) -> Terms:
    from loyaltystats.pyramid import _step_counts, newcombe_diff_ci
    from loyaltystats.scales import LIKERT_1_5
    from loyaltystats.stats import wilson_ci
    from loyaltystats.thresholds._common import check_cell_scores

    for c in PYRAMID:
        check_cell_scores(cells, c, LIKERT_1_5, "data")
    out: Terms = {}
    for below, above in zip(PYRAMID, PYRAMID[1:]):
        pair = cells.groupby([below, above], as_index=False, observed=True, sort=True)["n"].sum()
        xh, nh, xl, nl = _step_counts(pair, below, above, LIKERT_1_5, 4)
        wilson_ci(xh, nh, CONF)
        wilson_ci(xl, nl, CONF)
        lo, hi = newcombe_diff_ci(xh, nh, xl, nl, CONF)
        term = f"difference[{below} -> {above}]"
        out[term], out[term + "|ci_low"] = float(xh / nh - xl / nl), float(lo)
    return out


# ---------------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    """One estimator: its public call (a), the key columns and outcome of its count and the
    fits on the counted cells (b), and what (b) holds."""

    name: str
    call: Callable[[pd.DataFrame], Any]
    keys: list[str]
    outcome: str | None
    fits: Callable[[pd.DataFrame], Terms]
    contains: str


def cases() -> list[Case]:
    """The cell-fitted estimators benchmarked (see the results file for the ones left out)."""
    from loyaltystats.effort import effort_vs_delight
    from loyaltystats.nps import by_segment, score
    from loyaltystats.pyramid import gating
    from loyaltystats.switching import dose_response, intent_vs_behavior
    from loyaltystats.thresholds import (
        band_table,
        basics_ceiling,
        by_level,
        loyalty_curve,
        moments_of_truth,
    )

    return [
        Case("switching.dose_response", dose_response, ["negatives"], "switched", fits_dose,
             "k capped at 3; `_binomial_fits` (Wilson, GLM k categorical + k linear, LR test)"),
        Case("switching.dose_response (id=, shuffled ids)",
             lambda d: dose_response(d, id="customer_id"), ["negatives"], "switched",
             fits_dose, "as dose_response; (a) also checks that the ids are unique"),
        Case("switching.dose_response (id=, ascending ids)",
             lambda d: dose_response(d, id="customer_no"), ["negatives"], "switched",
             fits_dose, "as dose_response; (a) also checks that the ids are unique"),
        Case("switching.intent_vs_behavior",
             lambda d: intent_vs_behavior(d, intent="considering_switch"),
             ["negatives", "considering_switch"], "switched", fits_intent,
             "k capped at 3; Wilson intervals of the 4 shares per level"),
        Case("thresholds.by_level",
             lambda d: by_level(d, "grade", "expectation", claimed={"met": 8, "exceeded": 9}),
             ["expectation", "grade"], None, fits_by_level,
             "scores checked; `_describe_levels` + `_fit_ordinal` (proportional odds)"),
        Case("thresholds.band_table", lambda d: band_table(d, "grade", outcome="retained"),
             ["grade"], "retained", fits_band_table,
             "scores checked; band sums, Wilson intervals, `_lift`"),
        Case("thresholds.loyalty_curve (n_boot=0)",
             lambda d: loyalty_curve(d, "grade", "retained", n_boot=0),
             ["grade"], "retained", fits_loyalty_curve,
             "scores checked; `_fit_linear_banded`, `_fit_segmented`, `_infer_jump`, "
             "`_sup_lr_tests`, `_estimate_rows`"),
        Case("thresholds.loyalty_curve (n_boot=0, id=, shuffled ids)",
             lambda d: loyalty_curve(d, "grade", "retained", n_boot=0, id="customer_id"),
             ["grade"], "retained", fits_loyalty_curve,
             "as loyalty_curve; (a) also checks that the ids are unique"),
        Case("thresholds.moments_of_truth",
             lambda d: moments_of_truth(d, "feels_first", "baseline_ok", "peak"),
             ["baseline_ok", "peak"], "feels_first", fits_moments,
             "Wilson intervals, saturated + additive `fit_logistic_batch`"),
        Case("thresholds.basics_ceiling",
             lambda d: basics_ceiling(d, "grade", *CEILING),
             [*CEILING[0], *CEILING[1], "grade"], None, fits_ceiling,
             "ratings checked; `_describe_subgroups`, `_fit_model` (LS on cells), `_predict`"),
        Case("effort.effort_vs_delight",
             lambda d: effort_vs_delight(d, "effort", "delighted", "churned"),
             ["effort", "delighted"], "churned", fits_effort,
             "effort bands; `fit_binomial` (band + delight) and 5 contrasts"),
        Case("nps.by_segment", lambda d: by_segment(d, "recommend", "segment"),
             ["segment", "recommend"], None, fits_by_segment,
             "categories; `_per_group_rows`, Holm and BH (`multipletests`), chi-square"),
        Case("nps.score", lambda d: score(d, column="recommend"), ["recommend"], None,
             fits_nps_score, "categories; `_result` (Wald interval)"),
        Case("pyramid.gating", lambda d: gating(d, PYRAMID), PYRAMID, None, fits_gating,
             "ratings checked; per step pair sums, Wilson, Newcombe"),
    ]


# ---------------------------------------------------------------------------- measuring
def run(n: int, repeats: int, *, seed: int = 0, only: list[str] | None = None,
        time_it: bool = True, log: Callable[[str], None] = print) -> pd.DataFrame:
    """Measure every case on ``n`` rows: one row per estimator.

    Columns: ``estimator, rows, cells, public_s, count_s, count_fits_s, ratio`` ((a)/(b)),
    ``max_abs_diff, n_compared`` (estimates of (a) against (b)) and ``contains``. With
    ``time_it=False`` nothing is timed (the seconds and ratio are NaN): the agreement only.
    """
    df = one_pass_data(n, seed)
    out = []
    for case in cases():
        if only and not any(o in case.name for o in only):
            continue

        def public(c: Case = case) -> Any:
            return c.call(df)

        def counted(c: Case = case) -> pd.DataFrame:
            return count_cells(df, c.keys, outcome=c.outcome)

        def both(c: Case = case) -> Terms:
            return c.fits(counted(c))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a_terms = terms_of(public().estimates)
            cells = counted()
            b_terms = case.fits(cells)
            nan = float("nan")
            a_s = median_seconds(public, repeats, warmup=True) if time_it else nan
            c_s = median_seconds(counted, repeats, warmup=True) if time_it else nan
            b_s = median_seconds(both, repeats, warmup=True) if time_it else nan
        diff, compared = max_abs_diff(a_terms, b_terms)
        row = {"estimator": case.name, "rows": n, "cells": len(cells), "public_s": a_s,
               "count_s": c_s, "count_fits_s": b_s, "ratio": a_s / b_s,
               "max_abs_diff": diff, "n_compared": compared, "contains": case.contains}
        out.append(row)
        log(f"{case.name:52s} rows={n:>10,d} cells={len(cells):>6,d}  (a) {a_s:7.3f} s  "
            f"count {c_s:7.3f} s  (b) {b_s:7.3f} s  (a)/(b) {row['ratio']:5.2f}  "
            f"max|diff| {diff:.1e} over {compared}")
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------- report
LEFT_OUT = """\
* `switching.hazard(method="discrete")`, `switching.recovery`: their rows (customers and
  experiences) become cells through `tables.person_period`, not `count_cells`; timed in
  bench_switching.py. `switching.hazard(method="cox")`, `switching.cox_time_varying`: the
  Cox fits on counts, timed in bench_cox.py (another engineer's files).
* `switching.threshold`: counts through the same `dose._level_cells` as `dose_response`
  (same keys, same count) and then bootstraps the cells; covered by the dose row.
* `nps.trend`: the same `segments._counted_cells` count as `nps.by_segment`.
* `nps.versus_retention`, `nps.recency`, `nps.compare`: survival / paired / recency models
  whose rows are not reduced to one count table (`versus_retention` counts a derived
  horizon outcome after Kaplan-Meier and Cox steps on the rows).
* `effort.effort_vs_satisfaction`, the drivers and scoring modules: fitted on the rows or
  owned elsewhere (scoring).
"""


NOTES = """\
## Where the time goes (profiles of 2026-12-05, 10^7 rows, this machine)

* `dose_response` (cProfile, one call, 0.077 s under the profiler): `count_cells` 0.050 s
  (coding the key 0.022 s, the one bincount of rows and successes 0.027 s), the two binomial
  GLMs with Wilson intervals 0.014 s, everything else (capping k on the 11 cells, result
  tables) about 0.01 s. Validation already happens inside the one count (missing keys, the
  0/1 outcome) and on the cells (negative or fractional counts): the rest of (a) is
  the fits and tables on the 11 cells.
* `nps.by_segment`: 0.045 s of its 0.15 s is `statsmodels.stats.multitest.multipletests`
  (Holm calls `gc.collect()`), a cost per call and not per row: it is in (b) too.
* `id=` (the one-row-per-customer check, `_validate.check_unique_ids`, through
  `_positions.unique_integer_ids`): before this change
  the check was `pandas.Series.duplicated` (hashing every id): about 1.0 s at 10^7
  customers, so (a)/(b) was 18.9 (`dose_response`, shuffled ids), 13.0 (ascending ids) and
  23.3 (`loyalty_curve`), measured with this script in the same session with the old check
  patched back in. Now integer ids are checked in linear time: ascending ids in one
  comparison pass (about 6 ms), other ids by marking each id in a table over their range
  (at most four times the rows; min and max 6 ms, marking 51 ms in blocks of 2^16 ids);
  anything else (text ids, wide ranges, a duplicate) goes to the contract's check as before,
  which words the error. The shuffled-id rows stay above 1.5: marking 10^7 ids at random
  positions of a 10 MB table is cache-bound (about 15 ms for the same writes in order, 49 ms
  at random; the L2 cache is 2 MiB per core), as long as the whole count of the rows (49 ms).
  The check reads a column (8 bytes per row) that the count does not, so it cannot share
  its pass; (b) has no id check at all.
"""


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu"


def _fmt_s(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.3f}"


def report(table: pd.DataFrame, cmd: str, repeats: int,
           load: tuple[float, float, float] | None = None) -> str:
    """The markdown results page; ``load``: the load averages when the run started."""
    v = _versions(("loyaltystats", "numpy", "pandas", "scipy", "statsmodels"))
    lines = [
        "# One pass over the rows (issue #21)", "",
        f"Run {dt.date.today().isoformat()}: `{cmd}`", "",
        f"Machine: {platform.machine()}, {_cpu()}, "
        f"{len(os.sched_getaffinity(0))} cores available, "
        f"{mem_total_gib():.0f} GiB (shared machine); load average at the start "
        + ("not recorded" if load is None else ", ".join(f"{x:.2f}" for x in load)) + ". "
        + ", ".join(f"{k} {val}" for k, val in v.items()) + ".", "",
        "(a) = the public call end to end. (b) = the public `tables.count_cells` on the same "
        "key columns of the same DataFrame, plus the estimator's own fit functions on the "
        "counted cells (column *(b) holds*). `count` = `count_cells` alone. Medians of "
        f"{repeats} runs after one warm-up, same data, same process. `max |diff|`: the "
        "largest absolute difference between the estimates (and the interval bounds (b) "
        "computes) of (a) and (b), over `compared` values.", "",
        "Data: `one_pass_data(n)` of this script (bench_engine_estimators.survey plus effort, "
        "delight, moment-of-truth and id columns): int8 scores and counts, boolean flags, "
        "Categorical segment and expectation level, int64 ids; one row per response or "
        "customer, so every estimator runs at 10^7 rows. `loyalty_curve` runs with "
        "`n_boot=0` (its default 200 bootstrap replicates of the cells would add the same "
        "time to (a) and (b)).", "",
        "| estimator | rows | cells | (a) s | count s | (b) s | (a)/(b) | max abs diff "
        "| compared | (b) holds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in table.itertuples():
        lines.append(f"| `{r.estimator}` | {r.rows:,} | {r.cells:,} | {_fmt_s(r.public_s)} | "
                     f"{_fmt_s(r.count_s)} | {_fmt_s(r.count_fits_s)} | {r.ratio:.2f} | "
                     f"{r.max_abs_diff:.1e} | {r.n_compared} | {r.contains} |")
    above = table[table["ratio"] > 1.5]
    within = table[table["ratio"] <= 1.5]
    lines += ["", f"Within 1.5 (the target): {len(within)} of {len(table)} rows, the largest "
              f"{within['ratio'].max():.2f}. Above: "
              + (", ".join(f"`{r.estimator}` {r.ratio:.2f}" for r in above.itertuples())
                 or "none") + " (see below).", "", NOTES, "## Estimators left out", "",
              LEFT_OUT]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10^5 rows, to test the script")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rows", type=int, default=None, help="rows (default 10^7, quick 10^5)")
    ap.add_argument("--only", nargs="*", default=None, help="estimators whose name has this")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    n = args.rows or (100_000 if args.quick else 10_000_000)
    load = os.getloadavg()
    table = run(n, args.repeats, only=args.only)
    out = args.out or (None if args.quick else RESULTS)
    if out:
        cmd = ".venv/bin/python benchmarks/bench_one_pass.py " + " ".join(
            sys.argv[1:] if argv is None else argv)
        Path(out).write_text(report(table, cmd.strip(), args.repeats, load) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
