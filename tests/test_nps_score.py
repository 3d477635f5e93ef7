"""NPS and its intervals (claim N1): reference values, properties, simulation, bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyaltystats.errors import DataError, ScaleError
from loyaltystats.nps import (
    NPSResult,
    nps_interval,
    nps_scale,
    score,
    score_counts,
    variance,
)
from loyaltystats.scales import GRADE_1_10, LIKERT_1_5, RECOMMEND_0_10
from loyaltystats.simulate import generate

Z95 = stats.norm.ppf(0.975)


def answers(det, pas, pro, *, det_value=3, pas_value=8, pro_value=10):
    return np.r_[[det_value] * det, [pas_value] * pas, [pro_value] * pro]


# ------------------------------------------------------------------ reference values
# The R package NPS (Brendan Rocks; source read from github.com/brendan-r/NPS, R/nps.R) defines
#   npvar(x)  = (p_pro + p_det) - (p_pro - p_det)^2        (per-answer variance, -1..1 scale)
#   nps.se(x) = sqrt(npvar / n)
#   nps_test(x, y): se = sqrt(var_x / n_x + var_y / n_y), p = 1 - (2 pnorm(|delta| / se) - 1)
# R is not available here, so the expected numbers below are computed by hand from those
# formulas (worked examples), not produced by running R.
R_NPS_EXAMPLES = [
    # det, pas, pro, nps (-1..1), npvar, nps_se
    (20, 30, 50, 0.30, 0.5 + 0.2 - 0.09, np.sqrt(0.61 / 100)),
    (10, 10, 0, -0.50, 0.5 - 0.25, np.sqrt(0.25 / 20)),
    (1, 1, 1, 0.0, 2 / 3, np.sqrt((2 / 3) / 3)),
    (0, 0, 40, 1.0, 0.0, 0.0),
    (7, 11, 2, -0.25, 0.45 - 0.0625, np.sqrt(0.3875 / 20)),
]


@pytest.mark.parametrize("det, pas, pro, nps, npvar, se", R_NPS_EXAMPLES)
def test_variance_and_se_against_r_nps_formulas(det, pas, pro, nps, npvar, se):
    n = det + pas + pro
    assert variance(pro / n, det / n, 1) == pytest.approx(npvar, abs=1e-12)
    r = score(answers(det, pas, pro))
    assert r.nps == pytest.approx(100 * nps, abs=1e-10)
    assert r.estimates.loc[0, "std_err"] == pytest.approx(100 * se, abs=1e-10)
    assert r.info["variance"] == pytest.approx(npvar / n, abs=1e-14)
    # nps_test one-sample interval: nps +- qnorm(0.975) * se (clipped to [-100, 100] here)
    lo, hi = r.ci
    assert lo == pytest.approx(max(-100, 100 * (nps - Z95 * se)), abs=1e-9)
    assert hi == pytest.approx(min(100, 100 * (nps + Z95 * se)), abs=1e-9)


def test_worked_example_from_the_brief():
    # counts 50 promoters / 30 passives / 20 detractors: NPS 30, var = (0.5 + 0.2 - 0.09) / 100
    r = score_counts(20, 30, 50)
    assert r.nps == 30.0
    assert r.info["variance"] == pytest.approx((0.5 + 0.2 - 0.09) / 100)
    assert r.ci == pytest.approx((30 - 100 * Z95 * np.sqrt(0.0061), 30 + 100 * Z95 * np.sqrt(0.0061)))


def _r_iterative_score(det, pro, n, z):
    """The halving search of R NPS's nps_interval_estimators.R ("iterative", Tango), rewritten."""
    b, c = det, pro
    pa = 2 * n
    nps0 = (c - b) / n

    def score_at(d):
        pb = -b - c + (2 * n - c + b) * d
        pc = -b * d * (1 - d)
        q21 = (np.sqrt(pb**2 - 4 * pa * pc) - pb) / (2 * pa)
        return (c - b - n * d) / np.sqrt(n * (2 * q21 + d * (1 - d)))

    limits = []
    for sign in (1, -1):
        if (sign == 1 and c == n) or (sign == -1 and b == n):
            limits.append(float(sign))
            continue
        est = nps0
        dp = 1 - sign * est
        for _ in range(200):
            dp *= 0.5
            cand = est + sign * dp
            if abs(score_at(cand)) < z:
                est = cand
            if dp < 1e-12:
                break
        limits.append(est)
    return limits[1], limits[0]


@pytest.mark.parametrize("det, pas, pro", [(20, 30, 50), (3, 10, 37), (0, 5, 45), (12, 0, 8),
                                           (40, 5, 5)])
def test_score_interval_matches_the_r_nps_iterative_algorithm(det, pas, pro):
    n = det + pas + pro
    lo, hi = nps_interval([det, pas, pro], method="score")
    rlo, rhi = _r_iterative_score(det, pro, n, Z95)
    assert float(lo) == pytest.approx(rlo, abs=1e-9)
    assert float(hi) == pytest.approx(rhi, abs=1e-9)


def test_adjusted_interval_formula():
    # Rocks (2016) adjusted Wald: +3/4 detractors, +3/4 promoters, +3 to n
    det, pas, pro = 4, 10, 16
    n2 = 30 + 3
    pp, pd_ = (16 + 0.75) / n2, (4 + 0.75) / n2
    se = np.sqrt((pp + pd_ - (pp - pd_) ** 2) / n2)
    lo, hi = nps_interval([det, pas, pro], method="adjusted")
    assert (float(lo), float(hi)) == pytest.approx((pp - pd_ - Z95 * se, pp - pd_ + Z95 * se))


def test_bootstrap_converges_to_wald_at_large_n():
    counts = np.array([200_000, 300_000, 500_000])
    w_lo, w_hi = nps_interval(counts, method="wald")
    b_lo, b_hi = nps_interval(counts, method="bootstrap", n_boot=20_000, seed=5)
    half = float(w_hi - w_lo) / 2
    # Monte Carlo error of a 2.5% quantile with 20,000 replicates is ~1.5% of the half width
    assert abs(float(b_lo - w_lo)) < 0.05 * half
    assert abs(float(b_hi - w_hi)) < 0.05 * half
    # and the bootstrap is reproducible with the same seed
    assert nps_interval(counts, method="bootstrap", n_boot=500, seed=1) == \
        nps_interval(counts, method="bootstrap", n_boot=500, seed=1)


def test_intervals_agree_at_large_n_and_contain_the_estimate():
    counts = [3_000, 2_000, 5_000]
    limits = {m: nps_interval(counts, method=m, seed=0) for m in ("wald", "adjusted", "score",
                                                                   "bootstrap")}
    for lo, hi in limits.values():
        assert float(lo) < 0.2 < float(hi)
        assert float(lo) == pytest.approx(float(limits["wald"][0]), abs=2e-3)


def test_degenerate_samples():
    r = score([10] * 20)
    assert r.nps == 100 and r.ci == (100.0, 100.0)  # Wald collapses
    lo, hi = score([10] * 20, ci="score").ci
    assert hi == 100 and lo < 90
    lo, hi = score([0] * 20, ci="adjusted").ci
    assert lo == -100 and -100 < hi < -60


def test_shares_and_result_round_trip():
    r = score(answers(20, 30, 50))
    est = r.estimates.set_index("term")
    assert est.loc[["promoters", "passives", "detractors"], "estimate"].tolist() == [0.5, 0.3, 0.2]
    assert list(r.estimates.columns[:6]) == ["term", "estimate", "ci_low", "ci_high", "n", "method"]
    back = NPSResult.from_dict(r.to_dict())
    assert isinstance(back, NPSResult) and back.nps == r.nps and back.ci == r.ci
    r.to_json()
    assert "NPS" in repr(r) and "nps" in r._repr_html_()
    with pytest.raises(AttributeError):
        r.title = "x"  # frozen


# ------------------------------------------------------------------ weights and scales
def test_weights_kish_and_duplication():
    x = answers(20, 30, 50)
    assert score(x, weights=np.ones(100)).ci == score(x).ci
    w = np.r_[np.full(20, 2.0), np.ones(80)]  # detractors count double
    r = score(x, weights=w)
    assert r.nps == pytest.approx(100 * (50 - 40) / 120)
    assert r.n_eff == pytest.approx(120**2 / (20 * 4 + 80))
    assert r.estimates.loc[0, "n"] == 100
    # weighted shares equal those of duplicated rows; the variance uses n_eff, not 120
    dup = score(np.r_[x, [3] * 20])
    assert r.nps == pytest.approx(dup.nps)
    assert r.se > dup.se


def test_other_scales_by_declared_bands():
    s = nps_scale(1, 10, detractors=(1, 6), promoters=(9, 10))
    r = score([1, 6, 7, 8, 9, 10], scale=s)
    assert r.counts.tolist() == [2, 2, 2]
    with pytest.raises(ScaleError, match="outside the scale"):
        score([0, 5], scale=s)
    # a fractional 1-10 grade: 6.5 stays a detractor, 8.5 a passive, 9 is a promoter
    g = GRADE_1_10.with_bands([("detractor", 1, 6), ("passive", 7, 8), ("promoter", 9, 10)])
    assert score([8.5, 9, 6.5], scale=g).counts.tolist() == [1, 1, 1]
    five = nps_scale(1, 5, detractors=(1, 3), promoters=(5, 5))
    assert score([1, 4, 5, 5], scale=five).nps == 25.0
    with pytest.raises(ScaleError, match="detractor"):
        score([1, 2], scale=LIKERT_1_5)


def test_cluster_robust_variance():
    # perfectly correlated duplicates: each customer answers twice the same -> deff = 2
    x = answers(20, 30, 50)
    r1 = score(x)
    r2 = score(np.r_[x, x], cluster=np.r_[np.arange(100), np.arange(100)])
    assert r2.info["deff"] == pytest.approx(2 * 100 / 99, rel=1e-9)
    assert r2.nps == r1.nps
    assert r2.se == pytest.approx(r1.se * np.sqrt(100 / 99), rel=1e-3)


# ------------------------------------------------------------------ simulated world
def test_true_nps_is_covered_in_simulated_worlds():
    """Truth = truth["nps"] of the simulator; coverage over 40 seeded worlds of 3,000
    customers (the answers are clustered within customers, so cluster= is used)."""
    covered = []
    for seed in range(40):
        w = generate(3000, seed=seed)
        r = score(w.responses["recommend"], cluster=w.responses["customer_id"])
        covered.append(r.ci[0] <= w.truth["nps"] <= r.ci[1])
    # nominal 95%; with 40 worlds the binomial 1% lower quantile is about 0.85
    assert np.mean(covered) >= 0.85
    assert covered[0]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("values, match, example", [
    ([3, 11, 12], "outside the scale", 11),
    ([3, np.nan, 5], "NaN", None),
    (pd.Series([3, 4.5, 5], name="ltr"), "whole", 4.5),
    (pd.Series(["9", "ten", 5], name="ltr"), "not numbers", "ten"),
    ([-1, 5], "outside the scale", -1),
])
def test_bad_values_raise_naming_column_and_values(values, match, example):
    with pytest.raises(ScaleError, match=match) as info:
        score(values)
    err = info.value
    assert err.column in ("recommend", "ltr")
    if example is not None:
        assert example in err.examples


def test_bad_weights_and_arguments():
    x = answers(2, 2, 2)
    with pytest.raises(DataError, match="non-negative") as info:
        score(x, weights=pd.Series([1, -2, 1, 1, 1, 1], name="w"))
    assert info.value.column == "w" and -2.0 in info.value.examples
    with pytest.raises(DataError, match="non-negative"):
        score(x, weights=[1, np.nan, 1, 1, 1, 1])
    with pytest.raises(DataError, match="numeric"):
        score(x, weights=["a"] * 6)
    with pytest.raises(DataError, match="6 responses"):
        score(x, weights=[1, 1])
    with pytest.raises(DataError, match="all weights are zero"):
        score(x, weights=np.zeros(6))
    with pytest.raises(DataError, match="no responses"):
        score([])
    with pytest.raises(ValueError, match="seed"):   # the default is 0; None is refused
        score(x, ci="bootstrap", seed=None)
    with pytest.raises(ValueError, match="ci must be"):
        score(x, ci="exact")
    with pytest.raises(ValueError, match="level"):
        score(x, level=95)
    with pytest.raises(DataError):
        score_counts(-1, 2, 3)
    with pytest.raises(DataError):
        score_counts(0, 0, 0)


def test_plot_draws_into_given_axes():
    fig, ax = plt.subplots()
    out = score(answers(20, 30, 50)).plot(ax=ax)
    assert out is ax and len(ax.patches) == 3 and "NPS 30.0" in ax.get_title()
    plt.close(fig)


def test_recommend_scale_constant_is_the_default():
    assert score([0, 6, 7, 8, 9, 10], scale=RECOMMEND_0_10).counts.tolist() == [2, 2, 2]
