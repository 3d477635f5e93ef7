"""Design-based logistic regression with sampling weights (stats.survey_glm) and its use in
dose_response(weights=...), pinned against R's survey package (issue #20).

The data: ``survey_rows()`` below, written to CSV with ``d.to_csv("d.csv", index=False)``
(the weights are multiples of 1/8, so the CSV holds them exactly). R 4.2.2, survey 4.1-1:

    library(survey)
    options(digits = 12)
    d <- read.csv("d.csv")
    d$k <- pmin(d$negatives, 3)                       # dose_response's cap = 3
    ctl <- glm.control(epsilon = 1e-14, maxit = 100)  # converged fully (see DEFAULT_CONTROL)
    des <- svydesign(ids = ~1, weights = ~w, data = d)
    lin <- svyglm(switched ~ k, design = des, family = quasibinomial(), control = ctl)
    coef(lin); SE(lin); vcov(lin); lin$df.residual; degf(des)
    deviance(lin); AIC(lin); lin$naive.cov
    summary(lin)$coefficients; confint(lin)
    cat <- svyglm(switched ~ factor(k), design = des, family = quasibinomial(), control = ctl)
    coef(cat); SE(cat); cat$df.residual; deviance(cat); AIC(cat)
    sc <- svycontrast(cat, c(0, -2, 1, 0)); c(coef(sc), SE(sc))
    alt <- svyglm(switched ~ k + I(k == 2) + I(k == 3), design = des,
                  family = quasibinomial(), control = ctl)
    rt <- regTermTest(alt, ~ I(k == 2) + I(k == 3)); c(rt$Ftest, rt$df, rt$ddf, rt$p)
    svyby(~switched, ~k, des, svyciprop, method = "logit", vartype = c("se", "ci"))
    m <- svyby(~switched, ~k, des, svymean)
    for (j in 1:3) { e <- eval(bquote(quote(log(.(as.name(j)) / `0`))))
      r <- svycontrast(m, e); print(c(coef(r), SE(r), confint(r, df = degf(des)))) }
    des2 <- svydesign(ids = ~cl, strata = ~st, weights = ~w, data = d, nest = TRUE)
    des3 <- svydesign(ids = ~cl, weights = ~w, data = d)
    des4 <- svydesign(ids = ~1, strata = ~st, weights = ~w, data = d)
    # for each: f <- svyglm(switched ~ k, design = desX, family = quasibinomial(),
    #                       control = ctl); coef(f); SE(f); f$df.residual

Its output is pasted next to each test below.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError, ModelError, ParameterError
from loyaltystats.stats.survey_glm import (
    SurveyBinomialFit,
    fit_binomial_survey,
    survey_ciprop,
)
from loyaltystats.switching import dose_response


def survey_rows(n: int = 2000, seed: int = 20) -> pd.DataFrame:
    """Customers with weights that depend on the outcome at k = 1 (so that the design-based
    and the Kish variance differ), 120 clusters in 4 strata."""
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 6, n)
    p = np.array([0.15, 0.5, 0.72, 0.85, 0.88, 0.9])[k]
    y = (rng.random(n) < p).astype(int)
    w = rng.integers(4, 33, n) / 8 + 2.0 * y * (k == 1)
    cluster = rng.integers(0, 120, n)
    return pd.DataFrame({"negatives": k, "switched": y, "w": w, "cl": cluster,
                         "st": cluster % 4})


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    out = survey_rows()
    out["k"] = np.minimum(out["negatives"], 3)
    return out


def _cells(d: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return (d.assign(w2=d["w"] ** 2, one=1)
            .groupby(keys, as_index=False)[["w", "w2", "one"]].sum())


def test_the_data_are_the_ones_r_read(d):
    # R: c(nrow(d), sum(d$w), sum(d$switched))  ->  2000.00 4868.25 1341.00
    assert len(d) == 2000
    assert d["w"].sum() == 4868.25 and d["switched"].sum() == 1341


def test_linear_model_on_rows_matches_svyglm(d):
    # coef(lin): (Intercept) -0.774313898976  k 0.986894519269
    # SE(lin):               0.0990073894322    0.0545305162493
    # vcov(lin): 0.00980246316219 -0.00421312352575 / -0.00421312352575 0.00297357720242
    # lin$df.residual 1998; degf(des) 1999; deviance(lin) 1975.42355886
    # AIC(lin): eff.p 1.10235820168  AIC 1977.62827526525
    # lin$naive.cov: 0.00898197067345 -0.00398608896524 / -0.00398608896524 0.00269746911474
    fit = fit_binomial_survey(d, "k", outcome="switched", weights="w")
    np.testing.assert_allclose(fit.params, [-0.774313898976, 0.986894519269], rtol=1e-9)
    np.testing.assert_allclose(fit.bse, [0.0990073894322, 0.0545305162493], rtol=1e-9)
    np.testing.assert_allclose(fit.cov, [[0.00980246316219, -0.00421312352575],
                                         [-0.00421312352575, 0.00297357720242]], rtol=1e-9)
    np.testing.assert_allclose(fit.naive_cov, [[0.00898197067345, -0.00398608896524],
                                               [-0.00398608896524, 0.00269746911474]],
                               rtol=1e-9)
    assert fit.df_resid == 1998 and fit.degf == 1999 and fit.nobs == 2000
    assert fit.deviance == pytest.approx(1975.42355886, rel=1e-10)
    assert fit.eff_p == pytest.approx(1.10235820168, rel=1e-9)
    assert fit.aic == pytest.approx(1977.62827526525, rel=1e-10)
    assert fit.llf == pytest.approx(-1975.42355886 / 2, rel=1e-10)
    assert fit.design == "ids=~1" and fit.n_strata == 1 and fit.n_psu == 2000


def test_summary_and_confint_use_t_on_the_design_df(d):
    # summary(lin)$coefficients:
    #   (Intercept) -0.774313898976 0.0990073894322 -7.82076876702 8.43164188841e-15
    #   k            0.986894519269 0.0545305162493 18.09802266967 6.51322637105e-68
    # confint(lin): (Intercept) -0.968482440244 -0.580145357707
    #               k            0.879951887457  1.093837151082
    s = fit_binomial_survey(d, "k", outcome="switched", weights="w").summary()
    np.testing.assert_allclose(s["t"], [-7.82076876702, 18.09802266967], rtol=1e-9)
    np.testing.assert_allclose(s["p_value"], [8.43164188841e-15, 6.51322637105e-68], rtol=1e-8)
    np.testing.assert_allclose(s[["ci_low", "ci_high"]],
                               [[-0.968482440244, -0.580145357707],
                                [0.879951887457, 1.093837151082]], rtol=1e-9)


def test_default_glm_control_agrees_to_1e6(d):
    # DEFAULT_CONTROL: svyglm(switched ~ k, design = des, family = quasibinomial()) with
    # glm's default epsilon = 1e-8: coef -0.774313898816 0.986894519040,
    # SE 0.0990074023174 0.0545305642273 (stops a little early; still within 1e-6)
    fit = fit_binomial_survey(d, "k", outcome="switched", weights="w")
    np.testing.assert_allclose(fit.params, [-0.774313898816, 0.986894519040], rtol=1e-6)
    np.testing.assert_allclose(fit.bse, [0.0990074023174, 0.0545305642273], rtol=1e-6)


def test_categorical_model_contrast_and_wald_test(d):
    # coef(cat): -1.61048339084 2.44155580274 2.62062600398 3.60918153113
    # SE(cat):   0.168941392277 0.202977971524 0.216268331622 0.199454317117
    # cat$df.residual 1996; deviance(cat) 1893.06294147; AIC(cat)["AIC"] 1900.04407561458
    # svycontrast(cat, c(0, -2, 1, 0)): -2.262485601510 SE 0.312101654692
    # regTermTest(alt, ~I(k == 2) + I(k == 3)): F = 29.6689291418 on 2 and 1996 df,
    #   p = 2.00798527475e-13
    fit = fit_binomial_survey(d, "C(k)", outcome="switched", weights="w")
    np.testing.assert_allclose(fit.params, [-1.61048339084, 2.44155580274, 2.62062600398,
                                            3.60918153113], rtol=1e-9)
    np.testing.assert_allclose(fit.bse, [0.168941392277, 0.202977971524, 0.216268331622,
                                         0.199454317117], rtol=1e-9)
    assert fit.df_resid == 1996
    assert fit.deviance == pytest.approx(1893.06294147, rel=1e-10)
    assert fit.aic == pytest.approx(1900.04407561458, rel=1e-10)
    c = np.array([0, -2, 1, 0.0])
    assert c @ fit.params.to_numpy() == pytest.approx(-2.262485601510, rel=1e-9)
    assert np.sqrt(c @ fit.cov.to_numpy() @ c) == pytest.approx(0.312101654692, rel=1e-9)
    # linearity, beta_j = j beta_1: the same hypothesis as R's reparametrized model
    test = fit.wald_test([[0, -2, 1, 0], [0, -3, 0, 1]])
    assert test["statistic"] == pytest.approx(29.6689291418, rel=1e-9)
    assert (test["df"], test["ddf"]) == (2, 1996)
    assert test["p_value"] == pytest.approx(2.00798527475e-13, rel=1e-8)
    with pytest.raises(ParameterError, match="4 columns"):
        fit.wald_test([[0, 1]])


@pytest.mark.parametrize("cluster, strata, se, df", [
    # des2 (ids = ~cl, strata = ~st, nest = TRUE): SE 0.0962908038635 0.0508175790242, df 115
    ("cl", "st", [0.0962908038635, 0.0508175790242], 115),
    # des3 (ids = ~cl): SE 0.0959136475361 0.0507613017890, df 118
    ("cl", None, [0.0959136475361, 0.0507613017890], 118),
    # des4 (ids = ~1, strata = ~st): SE 0.0990336597502 0.0545396987424, df 1995
    (None, "st", [0.0990336597502, 0.0545396987424], 1995),
])
def test_clusters_and_strata_match_svyglm(d, cluster, strata, se, df):
    # coef is the same in every design: -0.774313898976 0.986894519269
    fit = fit_binomial_survey(d, "k", outcome="switched", weights="w", cluster=cluster,
                              strata=strata)
    np.testing.assert_allclose(fit.params, [-0.774313898976, 0.986894519269], rtol=1e-9)
    np.testing.assert_allclose(fit.bse, se, rtol=1e-9)
    assert fit.df_resid == df
    # the same from cells keyed by the design (weights_sq is not needed with clusters)
    keys = ["k", "switched"] + [c for c in (cluster, strata) if c is not None]
    cells = _cells(d, keys)
    kw = {"weights_sq": "w2"} if cluster is None else {}
    got = fit_binomial_survey(cells, "k", outcome="switched", weights="w", counts="one",
                              cluster=cluster, strata=strata, **kw)
    np.testing.assert_allclose(got.bse, fit.bse, rtol=1e-10)
    assert got.df_resid == df and got.nobs == 2000


def test_cells_give_the_row_fit(d):
    rows = fit_binomial_survey(d, "C(k)", outcome="switched", weights="w")
    cells = _cells(d, ["k", "switched"])
    assert len(cells) == 8
    got = fit_binomial_survey(cells, "C(k)", outcome="switched", weights="w",
                              weights_sq="w2", counts="one")
    np.testing.assert_allclose(got.params, rows.params, rtol=1e-10)
    np.testing.assert_allclose(got.cov, rows.cov, rtol=1e-10)
    assert (got.df_resid, got.nobs, got.n_cells) == (rows.df_resid, 2000, 8)
    assert got.deviance == pytest.approx(rows.deviance, rel=1e-12)
    # predictions at the cells
    np.testing.assert_allclose(got.predict(cells), rows.predict(cells), rtol=1e-10)


def test_weights_scale_free_and_integer_weights_give_duplicated_point_estimates(d):
    base = fit_binomial_survey(d, "k", outcome="switched", weights="w")
    scaled = fit_binomial_survey(d.assign(w=d["w"] * 37.5), "k", outcome="switched",
                                 weights="w")
    np.testing.assert_allclose(scaled.params, base.params, rtol=1e-10)
    np.testing.assert_allclose(scaled.cov, base.cov, rtol=1e-10)
    assert scaled.deviance == pytest.approx(base.deviance, rel=1e-10)
    w8 = d.assign(w=(d["w"] * 8).astype(int))
    dup = w8.loc[w8.index.repeat(w8["w"])].assign(w=1.0)
    a = fit_binomial_survey(w8, "k", outcome="switched", weights="w")
    b = fit_binomial_survey(dup, "k", outcome="switched", weights="w")
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)
    # ... but not their variance: duplicated rows are not independent units
    assert a.bse["k"] > 1.5 * b.bse["k"]


def test_level_proportions_match_svyciprop():
    # svyby(~switched, ~k, des, svyciprop, method = "logit", vartype = c("se", "ci")):
    #   k switched       se              ci_l           ci_u
    #   0 0.166521511932 0.0234477302724 0.125334902877 0.217871247380
    #   1 0.696581637922 0.0237799660315 0.647898362556 0.741222237856
    #   2 0.733048057931 0.0264221627088 0.677987207550 0.781725136280
    #   3 0.880660323281 0.0111427526170 0.857005766586 0.900854557846
    d = survey_rows()
    d["k"] = np.minimum(d["negatives"], 3)
    g = d.assign(w2=d["w"] ** 2)
    per = g.groupby("k").agg(W=("w", "sum"), n=("w", "size"))
    per["Wy"] = g[g["switched"] == 1].groupby("k")["w"].sum()
    sq = g.pivot_table(index="k", columns="switched", values="w2", aggfunc="sum")
    got = survey_ciprop(per["W"], per["Wy"], sq[1], sq[0], n_total=len(d), n_domain=per["n"])
    np.testing.assert_allclose(got["p"], [0.166521511932, 0.696581637922, 0.733048057931,
                                          0.880660323281], rtol=1e-9)
    np.testing.assert_allclose(got["std_err"], [0.0234477302724, 0.0237799660315,
                                                0.0264221627088, 0.0111427526170], rtol=1e-9)
    np.testing.assert_allclose(got["ci_low"], [0.125334902877, 0.647898362556,
                                               0.677987207550, 0.857005766586], rtol=1e-9)
    np.testing.assert_allclose(got["ci_high"], [0.217871247380, 0.741222237856,
                                                0.781725136280, 0.900854557846], rtol=1e-9)
    np.testing.assert_array_equal(got["df"], per["n"] - 1)


@pytest.fixture(scope="module")
def weighted_dose():
    return dose_response(survey_rows(), weights="w", claimed={1: 0.6})


def test_dose_response_odds_ratios_match_svyglm(weighted_dose):
    # the same rows through dose_response(weights="w"); R as above (lin, cat, confint):
    #   exp(coef(lin)["k"]) with exp(confint(lin)["k", ]); SE(lin)["k"] = 0.0545305162493
    est = weighted_dose.estimates.set_index("term")
    orn = est.loc["odds_ratio_per_negative"]
    assert orn.estimate == pytest.approx(np.exp(0.986894519269), rel=1e-9)
    assert orn.ci_low == pytest.approx(np.exp(0.879951887457), rel=1e-9)
    assert orn.ci_high == pytest.approx(np.exp(1.093837151082), rel=1e-9)
    assert orn.method == "survey logistic, k linear (Wald, t)"
    coefs = weighted_dose.tables["coefficients"].set_index(["model", "term"])
    assert coefs.loc[("k linear", "k"), "std_err"] == pytest.approx(0.0545305162493, rel=1e-9)
    assert coefs.loc[("k linear", "k"), "df"] == 1998
    np.testing.assert_allclose(coefs.loc["k categorical", "std_err"],
                               [0.168941392277, 0.202977971524, 0.216268331622,
                                0.199454317117], rtol=1e-9)
    cat = [2.44155580274, 2.62062600398, 3.60918153113]
    np.testing.assert_allclose(
        est.loc[["odds_ratio[k=1]", "odds_ratio[k=2]", "odds_ratio[k=3+]"], "estimate"],
        np.exp(cat), rtol=1e-9)
    # second strike: svycontrast -2.262485601510, SE 0.312101654692, t on 1996 df
    from scipy import stats
    ss = est.loc["second_strike"]
    t = stats.t.ppf(0.975, 1996)
    assert ss.estimate == pytest.approx(-2.262485601510, rel=1e-9)
    assert ss.ci_high - ss.estimate == pytest.approx(t * 0.312101654692, rel=1e-8)
    assert weighted_dose.info["second_strike_p_value"] == pytest.approx(
        2 * stats.t.sf(2.262485601510 / 0.312101654692, 1996), rel=1e-7)


def test_dose_response_proportions_risk_ratios_test_and_models(weighted_dose):
    est = weighted_dose.estimates.set_index("term")
    p1 = est.loc["p[k=1]"]
    assert (p1.estimate, p1.ci_low, p1.ci_high) == pytest.approx(
        (0.696581637922, 0.647898362556, 0.741222237856), rel=1e-9)
    assert p1.method == "svyciprop logit (design-based)"
    cells = weighted_dose.tables["cells"]
    assert cells["std_err"][3] == pytest.approx(0.0111427526170, rel=1e-9)
    # log risk ratios: svycontrast(m, quote(log(`j`/`0`))): estimate, SE, confint(df = 1999)
    #   1: 1.431060496147 0.144888191974 1.146912812690 1.715208179603
    #   2: 1.482086761218 0.145349119487 1.197035129114 1.767138393321
    #   3: 1.66554749159  0.14137634345  1.38828707485  1.94280790832
    rr = np.log(est.loc[["risk_ratio[k=1]", "risk_ratio[k=2]", "risk_ratio[k=3+]"],
                        ["estimate", "ci_low", "ci_high"]].to_numpy())
    np.testing.assert_allclose(rr, [[1.431060496147, 1.146912812690, 1.715208179603],
                                    [1.482086761218, 1.197035129114, 1.767138393321],
                                    [1.66554749159, 1.38828707485, 1.94280790832]], rtol=1e-9)
    info = weighted_dose.info
    assert info["wald_statistic"] == pytest.approx(29.6689291418, rel=1e-9)
    assert (info["wald_df"], info["wald_ddf"]) == (2, 1996)
    assert info["wald_p_value"] == pytest.approx(2.00798527475e-13, rel=1e-8)
    assert np.isnan(info["lr_p_value"]) and info["design"] == "ids=~1"
    models = weighted_dose.tables["models"].set_index("model")
    assert models.loc["k linear", "llf"] == pytest.approx(-1975.42355886 / 2, rel=1e-10)
    assert models.loc["k categorical", "aic"] == pytest.approx(1900.04407561458, rel=1e-10)
    # the claim is judged on the design-based interval [0.648, 0.741] against [0.55, 0.65]
    assert weighted_dose.claims["k=1"].verdict == "inconclusive"


def test_design_based_differs_from_kish_where_weights_follow_the_outcome(weighted_dose):
    # weights raised for switchers at k = 1: Kish's n_eff ignores that they correlate with the
    # outcome; the linearized variance does not
    cells = weighted_dose.tables["cells"]
    p, n_eff = cells["p"].to_numpy(), cells["n_eff"].to_numpy()
    kish = np.sqrt(p * (1 - p) / n_eff)
    assert abs(cells["std_err"][1] / kish[1] - 1) > 0.05


def test_unweighted_dose_response_is_untouched():
    # the Kish-free unweighted path still matches the row-level likelihood (statsmodels)
    import statsmodels.formula.api as smf

    d = survey_rows()
    res = dose_response(d)
    d["k"] = np.minimum(d["negatives"], 3)
    sm = smf.logit("switched ~ k", d).fit(disp=0)
    coefs = res.tables["coefficients"].set_index(["model", "term"])
    assert coefs.loc[("k linear", "k"), "std_err"] == pytest.approx(sm.bse["k"], rel=1e-6)
    assert "df" not in res.tables["coefficients"]
    assert res.estimates["method"][0] == "wilson"


def test_bad_input_and_lonely_psu(d):
    with pytest.raises(DataError, match="0/1") as info:
        fit_binomial_survey(d.assign(switched=d["switched"] * 2), "k", outcome="switched",
                            weights="w")
    assert info.value.column == "switched" and info.value.n_rows == 1341
    with pytest.raises(DataError, match="non-negative") as info:
        fit_binomial_survey(d.assign(w=-d["w"]), "k", outcome="switched", weights="w")
    assert info.value.column == "w"
    with pytest.raises(DataError, match="missing"):
        fit_binomial_survey(d, "k", outcome="nope", weights="w")
    with pytest.raises(ParameterError, match="counts"):
        fit_binomial_survey(d, "k", outcome="switched", weights="w", weights_sq="w")
    lonely = d.assign(st=np.where(d["cl"] == 0, 99, d["st"]))
    with pytest.raises(ModelError, match="only one PSU"):
        fit_binomial_survey(lonely, "k", outcome="switched", weights="w", cluster="cl",
                            strata="st")
    sep = pd.DataFrame({"x": [0, 0, 1, 1], "y": [0, 0, 1, 1], "w": [1.0, 2, 1, 2]})
    with pytest.raises(ModelError, match="separation"):
        fit_binomial_survey(sep, "x", outcome="y", weights="w")
    with pytest.raises(ModelError, match="rank deficient"):
        fit_binomial_survey(d.assign(k2=2 * d["k"]), "k + k2", outcome="switched", weights="w")


def test_fit_pickles_and_copies_without_its_design(d):
    fit = fit_binomial_survey(d, "k", outcome="switched", weights="w")
    assert isinstance(fit, SurveyBinomialFit)
    for other in (pickle.loads(pickle.dumps(fit)), copy.deepcopy(fit)):
        pd.testing.assert_series_equal(other.bse, fit.bse)
        with pytest.raises(ModelError, match="refit"):
            other.predict(d)
    assert "SurveyBinomialFit" in repr(fit) and "ids=~1" in repr(fit)
