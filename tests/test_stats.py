"""Tests of the estimation primitives against references, independent fits and simulation."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats.errors import DataError, ModelError
from loyaltystats.stats import (
    clopper_pearson_ci,
    fit_binomial,
    lr_test,
    multinomial_bootstrap,
    proportion_table,
    wilson_ci,
)
from loyaltystats.tables import count_cells, person_period

# Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison of
# seven methods", Statistics in Medicine 17:857-872, Table I, methods 3 (Wilson score, no
# continuity correction) and 5 (Clopper-Pearson "exact"); four decimals as published.
NEWCOMBE = [
    # x, n, wilson_low, wilson_high, exact_low, exact_high
    (81, 263, 0.2553, 0.3662, 0.2527, 0.3676),
    (15, 148, 0.0624, 0.1605, 0.0578, 0.1617),
    (0, 20, 0.0000, 0.1611, 0.0000, 0.1684),
    (1, 29, 0.0061, 0.1718, 0.0009, 0.1776),
]


@pytest.mark.parametrize("x, n, wl, wh, el, eh", NEWCOMBE)
def test_intervals_against_newcombe_1998(x, n, wl, wh, el, eh):
    lo, hi = wilson_ci(x, n)
    assert (round(float(lo), 4), round(float(hi), 4)) == (wl, wh)
    lo, hi = clopper_pearson_ci(x, n)
    assert (round(float(lo), 4), round(float(hi), 4)) == (el, eh)


def test_wilson_vectorized_and_empty_cells():
    lo, hi = wilson_ci(np.array([0, 5, 0]), np.array([10, 10, 0]))
    assert np.isnan(lo[2]) and np.isnan(hi[2])
    assert lo[0] == 0 and 0 < hi[0] < 1
    with pytest.raises(DataError):
        wilson_ci(11, 10)


def test_wilson_coverage_by_simulation():
    rng = np.random.default_rng(7)
    p, n, reps = 0.57, 80, 4000
    x = rng.binomial(n, p, reps)
    lo, hi = wilson_ci(x, np.full(reps, n))
    coverage = np.mean((lo <= p) & (p <= hi))
    # Wilson's actual coverage at n=80 is close to nominal; 4000 draws give SE ~0.0035.
    assert 0.93 <= coverage <= 0.97


def _raw(seed=0, n=20_000):
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 4, n)
    seg = rng.choice(["A", "B", "C"], n)
    eta = -1.5 + 0.6 * k + np.where(seg == "B", 0.3, 0.0) - np.where(seg == "C", 0.4, 0.0)
    y = rng.random(n) < 1 / (1 + np.exp(-eta))
    return pd.DataFrame({"k": k, "segment": seg, "y": y.astype(int), "w": rng.integers(1, 5, n)})


@pytest.mark.parametrize("formula", ["C(k) + C(segment)", "k + C(segment)", "C(k) * C(segment)"])
def test_cell_glm_equals_logit_on_raw_rows(formula):
    raw = _raw()
    cells = count_cells(raw, ["k", "segment"], outcome="y")
    fit = fit_binomial(cells, formula)
    ref = smf.logit(f"y ~ {formula}", data=raw).fit(disp=0, method="newton", tol=1e-14,
                                                     maxiter=100)
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-8)
    assert list(fit.params.index) == list(ref.params.index)
    assert fit.nobs == len(raw)


def test_lr_test_on_cells_equals_lr_on_rows():
    raw = _raw(1)
    cells = count_cells(raw, ["k", "segment"], outcome="y")
    res = lr_test(fit_binomial(cells, "k + C(segment)"), fit_binomial(cells, "C(k) + C(segment)"))
    r0 = smf.logit("y ~ k + C(segment)", data=raw).fit(disp=0)
    r1 = smf.logit("y ~ C(k) + C(segment)", data=raw).fit(disp=0)
    assert res["df"] == 2
    assert res["statistic"] == pytest.approx(2 * (r1.llf - r0.llf), rel=1e-6)


def test_weighted_cell_glm_equals_duplicated_rows():
    raw = _raw(2, 3000)
    cells = count_cells(raw, ["k", "segment"], outcome="y", weights="w")
    fit = fit_binomial(cells, "C(k) + C(segment)", successes="weight_successes", trials="weight")
    dup = raw.loc[raw.index.repeat(raw["w"])]
    ref = smf.logit("y ~ C(k) + C(segment)", data=dup).fit(disp=0, method="newton", tol=1e-14)
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-8)


def test_cloglog_hazard_on_person_period_equals_raw_person_months():
    rng = np.random.default_rng(5)
    n = 3000
    cust = pd.DataFrame({"customer_id": np.arange(n), "start": 0,
                         "duration": rng.integers(1, 13, n), "switched": rng.random(n) < 0.5})
    m = 2 * n
    who = rng.integers(0, n, m)
    exp = pd.DataFrame({"customer_id": who,
                        "time": rng.random(m) * cust.duration.to_numpy()[who],
                        "kind": "negative"})
    cells = person_period(cust, exp)
    fit = fit_binomial(cells, "C(period) + negatives", successes="events", trials="at_risk",
                       link="cloglog")
    # Independent expansion: one row per customer-month built with a plain loop.
    rows = []
    times = exp.groupby("customer_id")["time"].apply(np.sort).to_dict()
    for c in cust.itertuples():
        ts = times.get(c.customer_id, np.array([]))
        for p in range(c.duration):
            rows.append((p, min(int(np.sum(ts < p + 1)), 3),
                         int(c.switched and p == c.duration - 1)))
    long = pd.DataFrame(rows, columns=["period", "negatives", "event"])
    ref = smf.glm("event ~ C(period) + negatives", data=long,
                  family=sm.families.Binomial(link=sm.families.links.CLogLog())).fit(tol=1e-14)
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-7)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-7)


def test_separation_raises_model_error():
    cells = pd.DataFrame({"x": [0, 1, 2], "successes": [0, 5, 10], "n": [10, 10, 10]})
    with pytest.raises(ModelError, match="separation"):
        fit_binomial(cells, "C(x)")


def test_rank_deficient_design_raises():
    cells = pd.DataFrame({"x": [0, 1], "z": [0, 1], "successes": [3, 5], "n": [10, 10]})
    with pytest.raises(ModelError, match="rank deficient"):
        fit_binomial(cells, "x + z")


def test_impossible_counts_raise_data_error():
    cells = pd.DataFrame({"x": [0, 1], "successes": [11, 5], "n": [10, 10]})
    with pytest.raises(DataError, match="successes"):
        fit_binomial(cells, "x")


def test_bootstrap_reproducible_and_covers_truth():
    counts = np.array([300, 300, 400])
    nps = lambda c: 100 * (c[..., 2] - c[..., 0]) / c.sum(axis=-1)  # noqa: E731
    a = multinomial_bootstrap(counts, nps, n_boot=400, seed=3)
    b = multinomial_bootstrap(counts, nps, n_boot=400, seed=3)
    np.testing.assert_array_equal(a.replicates, b.replicates)
    # trinomial SE of NPS: 100*sqrt((p+ + p- - (p+ - p-)^2)/n)
    se = 100 * np.sqrt((0.4 + 0.3 - 0.1 ** 2) / 1000)
    assert a.se == pytest.approx(se, rel=0.15)
    with pytest.raises(DataError):
        multinomial_bootstrap(np.array([0, 0]), nps, seed=1)


def test_bootstrap_grouped_counts():
    counts = np.array([[50, 50], [10, 90]])
    diff = lambda c: c[..., 1, 1] / c[..., 1, :].sum(-1) - c[..., 0, 1] / c[..., 0, :].sum(-1)  # noqa: E731
    res = multinomial_bootstrap(counts, diff, n_boot=500, seed=0)
    assert res.estimate == pytest.approx(0.4)
    assert res.ci_low < 0.4 < res.ci_high


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 1000))
def test_glm_invariant_to_row_order(seed):
    raw = _raw(seed, 600)
    a = fit_binomial(count_cells(raw, "k", outcome="y"), "k")
    b = fit_binomial(count_cells(raw.sample(frac=1, random_state=seed), "k", outcome="y"), "k")
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-10)


def test_proportion_table():
    cells = pd.DataFrame({"k": [0, 1], "n": [263, 148], "successes": [81, 15]})
    out = proportion_table(cells, "k")
    assert out["ci_low"].round(4).tolist() == [0.2553, 0.0624]


def test_binomial_fit_summary_matches_statsmodels_on_rows():
    import statsmodels.api as sm

    from loyaltystats.stats import fit_binomial

    cells = pd.DataFrame({"x": [0, 1, 2], "successes": [10, 30, 45], "n": [100, 100, 90]})
    fit = fit_binomial(cells, "x")
    rows = cells.loc[cells.index.repeat(cells["n"])].reset_index(drop=True)
    rows["y"] = np.concatenate([np.r_[np.ones(s), np.zeros(n - s)]
                                for s, n in zip(cells["successes"], cells["n"])])
    ref = sm.GLM(rows["y"], sm.add_constant(rows[["x"]]), family=sm.families.Binomial()).fit()
    table = fit.summary()
    # p-values of 1e-14 amplify the fits' last digits: relative 1e-3 there, 1e-6 on intervals
    np.testing.assert_allclose(table["p_value"].to_numpy(), ref.pvalues.to_numpy(), rtol=1e-3)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]].to_numpy(),
                               ref.conf_int().to_numpy(), rtol=1e-6)
    assert "BinomialFit" in repr(fit) and "cov" not in repr(fit)


def test_fit_binomial_stops_on_the_parameters_and_reports_non_convergence():
    # Large counts (about 10^5 per cell, as in a person-period table of 2 million
    # customers) put rounding noise into the deviance; the IRLS stops on the parameters'
    # change and equals a long statsmodels run on the deviance criterion.
    import statsmodels.api as sm

    from loyaltystats.errors import ModelError
    from loyaltystats.stats.glm import fit_binomial

    rng = np.random.default_rng(5)
    cells = pd.DataFrame({"period": np.repeat(np.arange(24), 40),
                          "x": np.tile(np.arange(40) % 4, 24),
                          "g": np.tile(np.arange(40) // 4, 24)})
    cells["n"] = rng.integers(50_000, 150_000, len(cells)).astype(float)
    eta = -4 + 0.05 * cells["period"] + 0.3 * cells["x"] + 0.02 * cells["g"]
    cells["successes"] = rng.binomial(cells["n"].astype(int), 1 - np.exp(-np.exp(eta)))
    fit = fit_binomial(cells, "C(period) + x + C(g)", link="cloglog")
    X = pd.get_dummies(cells[["period", "g"]].astype(str), drop_first=True, dtype=float)
    X.insert(0, "x", cells["x"].astype(float))
    X.insert(0, "const", 1.0)
    ref = sm.GLM(cells["successes"] / cells["n"], X,
                 family=sm.families.Binomial(link=sm.families.links.CLogLog()),
                 var_weights=cells["n"]).fit(maxiter=300, tol=1e-14)
    assert float(fit.params["x"]) == pytest.approx(float(ref.params["x"]), rel=1e-10)
    assert float(fit.bse["x"]) == pytest.approx(float(ref.bse["x"]), rel=1e-8)
    with pytest.raises(ModelError, match="did not converge in 1 iterations"):
        fit_binomial(cells, "C(period) + x + C(g)", link="cloglog", maxiter=1)
