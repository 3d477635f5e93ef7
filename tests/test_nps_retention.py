"""NPS versus retention (claim N3): concordance, KM, nested test 11 vs 3, verdicts."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.utils import concordance_index

from loyaltystats.errors import DataError, ScaleError
from loyaltystats.nps import RetentionResult, harrell_c, kaplan_meier, versus_retention
from loyaltystats.simulate import generate


def retention_world(n, *, full_scale, seed, months=24):
    """Customers with a uniform 0-10 recommend and monthly switching hazard.

    full_scale=True: log-hazard linear in the 0-10 score (within-category differences matter).
    full_scale=False: the hazard depends on the NPS category only.
    """
    rng = np.random.default_rng(seed)
    rec = rng.integers(0, 11, n)
    if full_scale:
        eta = -0.22 * (rec - 5)
    else:
        eta = np.select([rec <= 6, rec <= 8], [0.6, 0.1], -0.6)
    hazard = 0.04 * np.exp(eta)
    t = rng.geometric(np.clip(hazard, 1e-6, 1))
    start = rng.integers(0, months, n)  # staggered entry: administrative censoring
    follow = months - start
    return pd.DataFrame({"recommend": rec, "duration": np.minimum(t, follow),
                         "switched": t <= follow,
                         "tenure": rng.integers(1, 60, n),
                         "region": rng.choice(["a", "b", "c"], n)})


# ------------------------------------------------------------------ building blocks
def test_harrell_c_equals_lifelines_with_ties_and_censoring():
    rng = np.random.default_rng(0)
    n = 400
    t = rng.integers(1, 13, n).astype(float)
    e = rng.random(n) < 0.6
    risk = rng.integers(0, 5, n) + 0.1 * (t < 4)
    assert harrell_c(t, e, risk) == pytest.approx(concordance_index(t, -risk, e), abs=1e-12)
    w = rng.integers(0, 3, n)
    rows = np.repeat(np.arange(n), w)
    assert harrell_c(t, e, risk, weights=w) == pytest.approx(
        concordance_index(t[rows], -risk[rows], e[rows]), abs=1e-12)


def test_kaplan_meier_equals_lifelines():
    df = retention_world(500, full_scale=False, seed=1)
    km = kaplan_meier(df.duration, df.switched)
    kmf = KaplanMeierFitter().fit(df.duration, df.switched)
    sf = kmf.survival_function_.iloc[1:, 0]  # lifelines adds time 0
    ci = kmf.confidence_interval_.iloc[1:]
    assert km["time"].tolist() == sf.index.tolist()
    assert km["survival"].to_numpy() == pytest.approx(sf.to_numpy(), abs=1e-12)
    assert km["ci_low"].to_numpy() == pytest.approx(ci.iloc[:, 0].to_numpy(), abs=1e-10)
    assert km["ci_high"].to_numpy() == pytest.approx(ci.iloc[:, 1].to_numpy(), abs=1e-10)


# ------------------------------------------------------------------ versus_retention
@pytest.fixture(scope="module")
def full_world_result():
    df = retention_world(4000, full_scale=True, seed=11)
    return df, versus_retention(df, ["tenure", "region"], n_boot=200, seed=1)


def test_eleven_levels_beat_three_when_the_full_score_matters(full_world_result):
    _, r = full_world_result
    assert r.info["n_levels_11"] == 11
    assert r.info["lr_11_vs_3_cox_df"] == 8
    assert r.info["lr_11_vs_3_cox_p"] < 0.001
    assert r.info["lr_11_vs_3_logit_p"] < 0.01
    coding = r.tables["recommend_coding"].set_index("coding")
    assert coding.loc["score levels", "cox_aic"] < coding.loc["nps categories", "cox_aic"]
    # the raw score predicts better than the category, with a bootstrap CI excluding 0
    diff = r.tables["concordance_differences"].set_index("term").loc["nps_category - recommend"]
    assert diff["ci_high"] < 0


def test_eleven_levels_do_not_beat_three_when_only_the_category_matters():
    df = retention_world(4000, full_scale=False, seed=11)
    r = versus_retention(df, n_boot=50, seed=1)
    assert r.info["lr_11_vs_3_cox_p"] > 0.05
    assert r.info["lr_11_vs_3_logit_p"] > 0.05
    coding = r.tables["recommend_coding"].set_index("coding")
    assert coding.loc["nps categories", "cox_aic"] < coding.loc["score levels", "cox_aic"]


def test_models_match_direct_fits(full_world_result):
    df, r = full_world_result
    est = r.estimates.set_index("term")
    assert est.index.tolist() == ["nps_category", "recommend", "tenure", "region"]
    assert est.loc["region", "kind"] == "categorical" and est.loc["region", "df"] == 2
    # Cox on the raw score: lifelines directly
    cph = CoxPHFitter().fit(df[["recommend", "duration", "switched"]], "duration", "switched")
    assert est.loc["recommend", "cox_loglik"] == pytest.approx(cph.log_likelihood_, rel=1e-9)
    assert est.loc["recommend", "estimate"] == pytest.approx(cph.concordance_index_, abs=1e-9)
    assert est.loc["recommend", "cox_lr"] == pytest.approx(
        cph.log_likelihood_ratio_test().test_statistic, rel=1e-9)
    # horizon logistic: the cell fit equals a row-level Logit
    h = r.info["horizon"]
    known = (df.switched & (df.duration <= h)) | (df.duration >= h)
    y = (df.switched & (df.duration <= h))[known].astype(float)
    x = sm.add_constant(df.loc[known, "recommend"].astype(float))
    logit = sm.Logit(y.to_numpy(), x.to_numpy()).fit(disp=0)
    assert est.loc["recommend", "logit_lr"] == pytest.approx(2 * (logit.llf - logit.llnull),
                                                             rel=1e-7)
    assert est.loc["recommend", "n_horizon"] == known.sum()
    # every concordance interval contains its estimate; tenure is noise
    assert (est["ci_low"] <= est["estimate"]).all() and (est["estimate"] <= est["ci_high"]).all()
    assert est.loc["tenure", "ci_low"] < 0.5 + 0.03
    cal = r.tables["calibration"]
    assert set(cal["predictor"]) == set(est.index)
    assert cal.groupby("predictor")["n"].sum().eq(known.sum()).all()


def test_km_hazard_ratios_and_plots(full_world_result):
    _, r = full_world_result
    km = r.tables["kaplan_meier"]
    assert list(dict.fromkeys(km["group"])) == ["detractor", "passive", "promoter"]
    last = km.groupby("group")["survival"].last()
    assert last["promoter"] > last["passive"] > last["detractor"]
    hr = r.tables["hazard_ratios"].set_index("term")
    assert hr.loc["promoter vs detractor", "ci_high"] < 1
    assert r.info["logrank_p"] < 0.001
    for kind in ("survival", "concordance"):
        fig, ax = plt.subplots()
        assert r.plot(ax=ax, kind=kind) is ax
        plt.close(fig)
    back = RetentionResult.from_dict(r.to_dict())
    assert back.verdict == r.verdict and back.claim_id == "N3"
    r.to_json()


def test_verdict_on_the_nps_category(full_world_result):
    df, r = full_world_result
    c = r.estimates.set_index("term").loc["nps_category"]
    assert r.verdict == "supported" and c["ci_high"] < 0.7
    strict = versus_retention(df, n_boot=50, seed=1, threshold=0.55)
    assert strict.verdict == "contradicted"


def test_simulated_world_runs_and_pools_sparse_scores():
    w = generate(3000, seed=2)
    r = versus_retention(w.customers, ["grade", "negatives"], n_boot=50, seed=3)
    assert r.info["notes"] == []
    levels = r.info["levels_11"]
    assert levels[-1] == "10" and len(levels) <= 11
    assert r.estimates["term"].tolist() == ["nps_category", "recommend", "grade", "negatives"]


def test_bad_input():
    df = retention_world(300, full_scale=False, seed=0)
    with pytest.raises(ValueError, match="seed"):   # the default is 0; None is refused
        versus_retention(df, seed=None)
    bad = df.assign(recommend=df.recommend.where(df.index != 3, 12))
    with pytest.raises(ScaleError) as info:
        versus_retention(bad, seed=0, n_boot=10)
    assert info.value.column == "recommend" and 12 in info.value.examples
    with pytest.raises(DataError, match="positive") as info:
        versus_retention(df.assign(duration=df.duration.where(df.index != 0, 0)), seed=0)
    assert info.value.column == "duration"
    with pytest.raises(DataError, match="0/1") as info:
        versus_retention(df.assign(switched=2), seed=0)
    assert info.value.column == "switched"
    with pytest.raises(DataError, match="missing values") as info:
        versus_retention(df.assign(tenure=df.tenure.where(df.index != 0)), ["tenure"], seed=0)
    assert info.value.column == "tenure"
    with pytest.raises(DataError, match="missing column"):
        versus_retention(df, ["nope"], seed=0)
    with pytest.raises(DataError, match="no events"):
        versus_retention(df.assign(switched=False), seed=0)


def test_one_predictor_name_is_one_predictor_not_its_letters():
    df = retention_world(600, full_scale=True, seed=3)
    one = versus_retention(df, predictors="tenure", n_boot=20, seed=1)
    listed = versus_retention(df, predictors=["tenure"], n_boot=20, seed=1)
    pd.testing.assert_frame_equal(one.estimates, listed.estimates)
    assert "tenure" in one.estimates["term"].tolist()
    with pytest.raises(ValueError, match="n_boot"):
        versus_retention(df, predictors="tenure", n_boot=0, seed=1)
