"""Profile-likelihood intervals of binomial GLMs on cells, pinned against R 4.2.2 + MASS 7.3-58.2.

R code (the tables are pasted below as CELLS, SEPARATED, REF_ZERO)::

    library(MASS); options(digits = 12)
    k <- 0:3; d1 <- as.numeric(k == 1); d2 <- as.numeric(k == 2); d3 <- as.numeric(k == 3)
    s <- c(4, 9, 11, 9); n <- c(40, 25, 18, 12)
    f <- glm(cbind(s, n - s) ~ factor(k), family = binomial)
    confint(f)
    #                       2.5 %         97.5 %
    # (Intercept) -3.404218716169 -1.28203176205
    # factor(k)1   0.356258460504  3.04554317705
    # factor(k)2   1.320659380263  4.16722823703
    # factor(k)3   1.743911732816  5.13827267846
    confint(f, level = 0.9)
    #                         5 %           95 %
    # (Intercept) -3.182731697289 -1.41584796708
    # factor(k)1   0.555404156702  2.79827483254
    # factor(k)2   1.526448734709  3.90453399782
    # factor(k)3   1.981097269416  4.81400614973
    confint(glm(cbind(s, n - s) ~ k, family = binomial))
    # (Intercept) -2.800399536939 -1.20832089452
    # k            0.666680702079  1.68112135664
    confint(glm(cbind(s, n - s) ~ factor(k), family = binomial(link = "cloglog")))
    # (Intercept) -3.420605499207 -1.40700488537
    # factor(k)1   0.318028324535  2.75217316324
    # factor(k)2   1.107054047457  3.48603636004
    # factor(k)3   1.423267822176  3.90848437263
    # the second strike beta2 - 2 beta1 is the coefficient of d2 in this parameterisation:
    confint(glm(cbind(s, n - s) ~ I(d1 + 2 * d2) + d2 + d3, family = binomial))["d2", ]
    # -2.759349262978  1.58900081198
    # likelihood-ratio statistics of beta1 = 0 and of beta2 - 2 beta1 = 0
    deviance(glm(cbind(s, n - s) ~ d2 + d3, family = binomial)) - deviance(f)
    # 6.37476744896
    deviance(glm(cbind(s, n - s) ~ I(d1 + 2 * d2) + d3, family = binomial)) - deviance(f)
    # 0.291921699285

    # level 1 separated: 0 of 12 switched
    s <- c(3, 0, 7, 8); n <- c(30, 12, 15, 11)
    confint(glm(cbind(s, n - s) ~ factor(k), family = binomial))
    #                       2.5 %           97.5 %
    # (Intercept) -3.629352537228   -1.15697361982
    # factor(k)1               NA 7206.53404967722      <- NA: open; 7206: see below
    # factor(k)2   0.569488179211    3.77904610773
    # factor(k)3   1.519643752401    5.15889621368
    # R's glm stops at beta1 = -23.08 with SE 54,073, so its grid steps are thousands wide and
    # the spline puts the upper bound anywhere. The exact crossing of the profile, from R's
    # own glm deviances (the model is saturated: the supremum has deviance 0):
    q2 <- qnorm(0.975)^2
    pd1 <- function(b) deviance(glm(cbind(s, n - s) ~ d2 + d3, offset = b * d1,
                                    family = binomial))
    uniroot(function(b) pd1(b) - q2, c(-5, 5), tol = 1e-12)$root   # 0.787554465246
    pd1(0)                                                          # 2.10978740219
    pss <- function(t) deviance(glm(cbind(s, n - s) ~ I(d1 + 2 * d2) + d3, offset = t * d2,
                                    family = binomial))
    uniroot(function(t) pss(t) - q2, c(-5, 5), tol = 1e-12)$root    # 0.889016424214
    pss(0)                                                          # 5.47648965649

    # reference level separated: 0 of 15 switched at k = 0
    s <- c(0, 4, 6, 9); n <- c(15, 12, 10, 11)
    confint(glm(cbind(s, n - s) ~ factor(k), family = binomial))
    # (Intercept)             NA 3468.11155049       <- every row meaningless (NA and +-1000s)
    # factor(k)1  -4612.12631288            NA
    pk1 <- function(b) deviance(glm(cbind(s, n - s) ~ d2 + d3, offset = b * d1,
                                    family = binomial))
    uniroot(function(b) pk1(b) - q2, c(-5, 5), tol = 1e-12)$root    # 0.975561950725
    pk3 <- function(b) deviance(glm(cbind(s, n - s) ~ d1 + d2, offset = b * d3,
                                    family = binomial))
    uniroot(function(b) pk3(b) - q2, c(-5, 8), tol = 1e-12)$root    # 3.0847031176
    pa <- function(a) deviance(glm(cbind(s, n - s) ~ 0 + d1 + d2 + d3, offset = a + 0 * k,
                                   family = binomial))
    uniroot(function(a) pa(a) - q2, c(-8, 0), tol = 1e-12)$root     # -1.99063778017
    c(pk1(0), pk3(0), pa(0))          # 7.37576190346 23.11065899988 20.79441541680
    # beta2 - beta1 stays finite (both run to +inf): coefficient of d2 here
    confint(glm(cbind(s, n - s) ~ I(d1 + d2) + d2 + d3, family = binomial), "d2")
    # -0.607103456359  2.938516249154

Tolerances: R's glm stops at a relative deviance change of 1e-8, so its estimates and
standard errors (and thus MASS's grid of 9 steps of zmax/5 standard errors) differ from the
fully converged ones here by ~1e-9; the bounds then agree to ~3e-8 (logit) and ~4e-8
(cloglog), pinned at 1e-7. In the last R fit the intercept runs to -25.5 and R stops with a
fitted probability ~1e-11 instead of 0: its lower bound differs by 8e-7 (pinned at 2e-6).
"""

import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import ModelError
from loyaltystats.stats import fit_binomial
from loyaltystats.stats.glm_profile import fit_binomial_limit, profile_ci
from loyaltystats.switching import dose_response

CELLS = pd.DataFrame({"k": [0, 1, 2, 3], "successes": [4, 9, 11, 9], "n": [40, 25, 18, 12]})
SEPARATED = pd.DataFrame({"k": [0, 1, 2, 3], "successes": [3, 0, 7, 8], "n": [30, 12, 15, 11]})
REF_ZERO = pd.DataFrame({"k": [0, 1, 2, 3], "successes": [0, 4, 6, 9], "n": [15, 12, 10, 11]})
STRIKE = [0.0, -2.0, 1.0, 0.0]


def _ci(table):
    return table[["ci_low", "ci_high"]].to_numpy(float)


def test_logit_equals_r_confint():
    fit = fit_binomial(CELLS, "C(k)")
    got = profile_ci(fit, CELLS, contrasts={"second_strike": STRIKE})
    r = [[-3.404218716169, -1.28203176205], [0.356258460504, 3.04554317705],
         [1.320659380263, 4.16722823703], [1.743911732816, 5.13827267846],
         [-2.759349262978, 1.58900081198]]
    np.testing.assert_allclose(_ci(got), r, atol=1e-7)
    assert (got["method"] == "profile likelihood (R spline)").all()
    assert not got[["open_low", "open_high"]].to_numpy().any()
    assert got.loc[1, "lr_statistic"] == pytest.approx(6.37476744896, abs=1e-8)
    assert got.loc[4, "lr_statistic"] == pytest.approx(0.291921699285, abs=1e-8)
    # the profile interval is not the Wald one: skewed to the right
    wald = fit.conf_int().to_numpy()
    assert np.all(np.abs(_ci(got)[:4] - wald) > 0.05)


def test_level_linear_and_cloglog_equal_r():
    got = profile_ci(fit_binomial(CELLS, "C(k)"), CELLS, 0.9)
    np.testing.assert_allclose(_ci(got), [
        [-3.182731697289, -1.41584796708], [0.555404156702, 2.79827483254],
        [1.526448734709, 3.90453399782], [1.981097269416, 4.81400614973]], atol=1e-7)
    got = profile_ci(fit_binomial(CELLS, "k"), CELLS)
    np.testing.assert_allclose(_ci(got), [[-2.800399536939, -1.20832089452],
                                          [0.666680702079, 1.68112135664]], atol=1e-7)
    got = profile_ci(fit_binomial(CELLS, "C(k)", link="cloglog"), CELLS)
    np.testing.assert_allclose(_ci(got), [
        [-3.420605499207, -1.40700488537], [0.318028324535, 2.75217316324],
        [1.107054047457, 3.48603636004], [1.423267822176, 3.90848437263]], atol=1e-7)


def test_separated_level_is_open_on_one_side_and_exact_on_the_other():
    with pytest.raises(ModelError, match="separation"):
        fit_binomial(SEPARATED, "C(k)")
    fit = fit_binomial_limit(SEPARATED, "C(k)")
    assert fit.separated == ("C(k)[T.1]",)
    assert fit.params["C(k)[T.1]"] == -np.inf and fit.deviance < 1e-9
    got = profile_ci(fit, SEPARATED, contrasts={"second_strike": STRIKE}).set_index("term")
    # finite terms: R's confint (MASS spline) to 1e-7
    np.testing.assert_allclose(_ci(got.loc[["Intercept", "C(k)[T.2]", "C(k)[T.3]"]]), [
        [-3.629352537228, -1.15697361982], [0.569488179211, 3.77904610773],
        [1.519643752401, 5.15889621368]], atol=1e-7)
    b1 = got.loc["C(k)[T.1]"]
    assert b1.estimate == -np.inf and b1.ci_low == -np.inf and b1.open_low and not b1.open_high
    assert b1.ci_high == pytest.approx(0.787554465246, abs=1e-9)      # R: NA, 7206.5
    assert b1.lr_statistic == pytest.approx(2.10978740219, abs=1e-8)
    ss = got.loc["second_strike"]
    assert ss.estimate == np.inf and ss.open_high and ss.ci_high == np.inf
    assert ss.ci_low == pytest.approx(0.889016424214, abs=1e-9)
    assert ss.lr_statistic == pytest.approx(5.47648965649, abs=1e-8)


def test_separated_reference_level():
    fit = fit_binomial_limit(REF_ZERO, "C(k)")
    assert len(fit.separated) == 4
    got = profile_ci(fit, REF_ZERO, contrasts={"d21": [0, -1, 1, 0]}).set_index("term")
    assert got.loc["Intercept", "ci_high"] == pytest.approx(-1.99063778017, abs=1e-9)
    assert got.loc["C(k)[T.1]", "ci_low"] == pytest.approx(0.975561950725, abs=1e-9)
    assert got.loc["C(k)[T.3]", "ci_low"] == pytest.approx(3.0847031176, abs=1e-9)
    assert got.open_low.tolist() == [True, False, False, False, False]
    assert got.open_high.tolist() == [False, True, True, True, False]
    np.testing.assert_allclose(got.loc[["C(k)[T.1]", "C(k)[T.3]", "Intercept"], "lr_statistic"],
                               [7.37576190346, 23.11065899988, 20.79441541680], atol=1e-8)
    d21 = got.loc["d21"]
    assert d21.estimate == pytest.approx(1.09861228867, abs=1e-9)
    np.testing.assert_allclose([d21.ci_low, d21.ci_high], [-0.607103456359, 2.938516249154],
                               atol=2e-6)


def test_regular_fit_is_returned_unchanged_and_bad_arguments_raise():
    a, b = fit_binomial(CELLS, "C(k)"), fit_binomial_limit(CELLS, "C(k)")
    pd.testing.assert_series_equal(a.params, b.params)
    assert b.separated == ()
    with pytest.raises(ModelError, match="no term"):
        profile_ci(a, CELLS, terms=["nope"])
    with pytest.raises(ModelError, match="contrast"):
        profile_ci(a, CELLS, contrasts={"c": [1, 2]})
    with pytest.raises(ModelError, match="not the ones"):
        profile_ci(a, SEPARATED)


def _customers(s, n):
    k = np.repeat(np.arange(len(n)), n)
    y = np.concatenate([np.r_[np.ones(a), np.zeros(b - a)] for a, b in zip(s, n)])
    return pd.DataFrame({"negatives": k, "switched": y.astype(int)})


def test_dose_response_uses_profile_intervals_for_sparse_levels():
    res = dose_response(_customers([4, 9, 11, 9], [40, 25, 18, 12]))
    est = res.estimates.set_index("term")
    assert res.info["intervals"] == "profile likelihood"
    assert res.info["sparse_levels"] == ["0", "3+"] and res.info["separated_levels"] == []
    assert est.loc["odds_ratio[k=1]", "method"] == "logistic, k categorical (profile likelihood)"
    np.testing.assert_allclose(np.log(est.loc["odds_ratio[k=1]", ["ci_low", "ci_high"]]
                                      .to_numpy(float)), [0.356258460504, 3.04554317705],
                               atol=1e-7)
    np.testing.assert_allclose(np.log(est.loc["odds_ratio_per_negative", ["ci_low", "ci_high"]]
                                      .to_numpy(float)), [0.666680702079, 1.68112135664],
                               atol=1e-7)
    np.testing.assert_allclose(est.loc["second_strike", ["ci_low", "ci_high"]].to_numpy(float),
                               [-2.759349262978, 1.58900081198], atol=1e-7)


def test_dose_response_marks_and_explains_a_level_without_switchers():
    res = dose_response(_customers([3, 0, 7, 8], [30, 12, 15, 11]))
    est = res.estimates.set_index("term")
    assert res.info["separated_levels"] == ["1"]
    assert "only stayers or only switchers" in res.info["separation"]
    row = est.loc["odds_ratio[k=1]"]
    assert row.estimate == 0 and row.ci_low == 0
    assert row.ci_high == pytest.approx(np.exp(0.787554465246), rel=1e-9)
    assert est.loc["odds_ratio[k=2]", "ci_low"] == pytest.approx(np.exp(0.569488179211),
                                                                  rel=1e-7)
    coefs = res.tables["coefficients"]
    assert (coefs["method"] == "binomial GLM on cells (profile likelihood)").all()


def test_large_levels_keep_wald():
    res = dose_response(_customers([40, 90, 110, 90], [400, 250, 180, 120]))
    est = res.estimates.set_index("term")
    assert res.info["intervals"] == "Wald" and "separated_levels" not in res.info
    assert est.loc["odds_ratio[k=1]", "method"] == "logistic, k categorical (Wald)"
    fit = fit_binomial(CELLS.assign(successes=CELLS.successes * 10, n=CELLS.n * 10), "C(k)")
    b, s = fit.params["C(k)[T.1]"], fit.bse["C(k)[T.1]"]
    assert np.log(est.loc["odds_ratio[k=1]", "ci_high"]) == pytest.approx(b + 1.959964 * s,
                                                                          abs=1e-6)
