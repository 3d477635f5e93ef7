"""Comparisons of NPS between groups, waves, segments and periods (claim N1)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from loyaltystats.errors import DataError, ScaleError
from loyaltystats.nps import by_segment, compare, score, trend

Z95 = stats.norm.ppf(0.975)


def answers(det, pas, pro):
    return np.r_[[2] * det, [7] * pas, [10] * pro]


# ------------------------------------------------------------------ compare
def test_two_sample_against_r_nps_test_formula():
    # R NPS nps_test(x, y): se = sqrt(var_x/n_x + var_y/n_y); p = 1 - (2 pnorm(|d|/se) - 1).
    # x: 20/30/50 -> nps .3, var .61; y: 30/30/40 -> nps .1, var .69; n = 100 each (by hand).
    r = compare(answers(20, 30, 50), answers(30, 30, 40))
    se = np.sqrt(0.61 / 100 + 0.69 / 100)
    assert r.difference == pytest.approx(20.0)
    assert r.info["std_err"] == pytest.approx(100 * se)
    assert r.p_value == pytest.approx(2 * (1 - stats.norm.cdf(0.2 / se)))
    assert r.ci == pytest.approx((100 * (0.2 - Z95 * se), 100 * (0.2 + Z95 * se)))
    # NPSResult inputs give the same answer
    r2 = compare(score(answers(20, 30, 50)), score(answers(30, 30, 40)))
    assert r2.ci == pytest.approx(r.ci)


def test_two_sample_bootstrap_and_adjusted_are_close_to_wald_at_large_n():
    a, b = answers(2000, 3000, 5000), answers(3000, 3000, 4000)
    w = compare(a, b).ci
    bs = compare(a, b, ci="bootstrap", n_boot=4000, seed=3).ci
    ad = compare(a, b, ci="adjusted").ci
    assert bs == pytest.approx(w, abs=0.2)
    assert ad == pytest.approx(w, abs=0.05)


def test_paired_variance_from_the_transition_table():
    rng = np.random.default_rng(0)
    a = rng.choice([2, 7, 10], size=400, p=[0.2, 0.3, 0.5])
    # wave b: most keep their answer, some move
    b = np.where(rng.random(400) < 0.7, a, rng.choice([2, 7, 10], size=400))
    r = compare(a, b, paired=True)
    sa = np.select([a <= 6, a <= 8], [-1, 0], 1)
    sb = np.select([b <= 6, b <= 8], [-1, 0], 1)
    dd = sa - sb
    assert r.difference == pytest.approx(100 * dd.mean())
    assert r.info["std_err"] == pytest.approx(100 * dd.std() / np.sqrt(400))  # ddof=0
    tab = r.tables["transitions"]
    assert tab[["detractor", "passive", "promoter"]].to_numpy().sum() == 400
    # positive correlation between waves: paired SE below the independent one
    assert r.info["std_err"] < compare(a, b).info["std_err"]
    rb = compare(a, b, paired=True, ci="bootstrap", n_boot=4000, seed=1)
    assert rb.ci == pytest.approx(r.ci, abs=1.5)
    with pytest.raises(ValueError, match="paired"):
        compare(a, b, paired=True, ci="adjusted")
    with pytest.raises(DataError, match="align"):
        compare(a, b[:-1], paired=True)
    with pytest.raises(ScaleError, match="NaN") as info:
        compare(a, np.r_[b[:-1], np.nan], paired=True)
    assert info.value.column == "b"


def test_compare_plot():
    fig, ax = plt.subplots()
    assert compare(answers(2, 3, 5), answers(3, 3, 4)).plot(ax=ax) is ax
    plt.close(fig)


# ------------------------------------------------------------------ segments
def _segment_data(seed=0):
    rng = np.random.default_rng(seed)
    seg = np.repeat(["north", "east", "south", "west"], [300, 200, 400, 100])
    p_pro = pd.Series({"north": 0.5, "east": 0.35, "south": 0.4, "west": 0.4})[seg].to_numpy()
    u = rng.random(len(seg))
    rec = np.where(u < p_pro, 10, np.where(u < p_pro + 0.3, 8, 3))
    return pd.DataFrame({"rec": rec, "region": seg, "w": rng.uniform(0.5, 2, len(seg))})


def test_by_segment_against_direct_computation():
    df = _segment_data()
    r = by_segment(df, "rec", "region")
    est = r.estimates.set_index("term")
    assert list(est.index) == ["east", "north", "south", "west"]
    for seg in est.index:
        one = score(df.loc[df.region == seg, "rec"])
        c = compare(df.loc[df.region == seg, "rec"], df.loc[df.region != seg, "rec"])
        assert est.loc[seg, "estimate"] == pytest.approx(one.nps)
        assert (est.loc[seg, "ci_low"], est.loc[seg, "ci_high"]) == pytest.approx(one.ci)
        assert est.loc[seg, "diff_vs_rest"] == pytest.approx(c.difference)
        assert est.loc[seg, "p_value"] == pytest.approx(c.p_value)
    p = est["p_value"].to_numpy()
    assert est["p_holm"].to_numpy() == pytest.approx(multipletests(p, method="holm")[1])
    assert est["p_bh"].to_numpy() == pytest.approx(multipletests(p, method="fdr_bh")[1])
    assert est["significant"].tolist() == (est["p_holm"] < 0.05).tolist()
    bh = by_segment(df, "rec", "region", adjust="fdr_bh")
    assert bh.estimates["significant"].tolist() == (bh.estimates["p_bh"] < 0.05).tolist()
    assert r.info["overall_nps"] == pytest.approx(score(df["rec"]).nps)
    counts = df.assign(c=np.select([df.rec <= 6, df.rec <= 8], [0, 1], 2))
    tab = pd.crosstab(counts.region, counts.c).to_numpy()
    assert r.info["chi2"] == pytest.approx(stats.chi2_contingency(tab, correction=False)[0])


def test_by_segment_weighted_and_other_intervals():
    df = _segment_data(1)
    r = by_segment(df, "rec", "region", weights="w", ci="score")
    north = df[df.region == "north"]
    one = score(north["rec"], weights=north["w"], ci="score")
    row = r.estimates.set_index("term").loc["north"]
    assert row["estimate"] == pytest.approx(one.nps)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(one.ci)
    assert row["n_eff"] == pytest.approx(one.n_eff)
    boot = by_segment(df, "rec", "region", ci="bootstrap", seed=2, n_boot=500)
    assert (boot.estimates["ci_low"] < boot.estimates["estimate"]).all()


def test_by_segment_bad_input():
    df = _segment_data()
    df.loc[df.region == "west", "rec"] = np.nan
    with pytest.raises(DataError, match="missing values") as info:
        by_segment(df, "rec", "region")
    west = df.index[df.region == "west"]
    assert info.value.column == "rec" and info.value.n_rows == len(west)
    assert list(info.value.examples) == west[:5].tolist()   # row labels
    df = _segment_data()
    df.loc[3, "rec"] = np.nan
    with pytest.raises(ScaleError, match="NaN") as info:
        by_segment(df, "rec", "region")
    assert info.value.column == "rec" and info.value.table == "data"
    df = _segment_data()
    df.loc[5, "rec"] = 11
    with pytest.raises(ScaleError) as info:
        by_segment(df, "rec", "region")
    assert 11 in info.value.examples
    df = _segment_data()
    df["region"] = pd.Categorical(df["region"], categories=["north", "east", "south", "west",
                                                            "central"])
    with pytest.raises(DataError, match="empty segment") as info:
        by_segment(df, "rec", "region")
    assert "central" in info.value.examples
    df = _segment_data()
    df.loc[0, "region"] = None
    with pytest.raises(DataError, match=r"missing values \(NaN, None or NaT\)"):
        by_segment(df, "rec", "region")
    df = _segment_data()
    df.loc[0, "w"] = -1
    with pytest.raises(DataError, match="non-negative") as info:
        by_segment(df, "rec", "region", weights="w")
    assert info.value.column == "w"
    with pytest.raises(DataError, match="missing column"):
        by_segment(df, "recommend", "region")
    with pytest.raises(DataError, match="two segments"):
        by_segment(df.assign(one="x"), "rec", "one")


def test_by_segment_plot():
    fig, ax = plt.subplots()
    assert by_segment(_segment_data(), "rec", "region").plot(ax=ax) is ax
    assert len(ax.get_yticklabels()) == 4
    plt.close(fig)


# ------------------------------------------------------------------ trend
def _trend_data(slope, seed=0, n=3000):
    rng = np.random.default_rng(seed)
    wave = rng.integers(1, 7, n)
    p_pro = 0.35 + slope * (wave - 3.5)
    u = rng.random(n)
    rec = np.where(u < p_pro, 9, np.where(u < p_pro + 0.35, 7, 4))
    return pd.DataFrame({"rec": rec, "wave": wave, "w": rng.uniform(0.5, 2, n)})


def test_trend_slope_equals_ols_hc0_on_rows():
    df = _trend_data(0.03)
    r = trend(df, "rec", "wave")
    s = np.select([df.rec <= 6, df.rec <= 8], [-1.0, 0.0], 1.0)
    ols = sm.OLS(s, sm.add_constant(df.wave.to_numpy(float))).fit(cov_type="HC0")
    assert r.info["slope"] == pytest.approx(100 * ols.params[1], rel=1e-10)
    assert r.info["std_err"] == pytest.approx(100 * ols.bse[1], rel=1e-10)
    assert r.info["p_value"] == pytest.approx(ols.pvalues[1], rel=1e-6)
    wls = sm.WLS(s, sm.add_constant(df.wave.to_numpy(float)), weights=df.w).fit(cov_type="HC0")
    rw = trend(df, "rec", "wave", weights="w")
    assert rw.info["slope"] == pytest.approx(100 * wls.params[1], rel=1e-10)
    assert rw.info["std_err"] == pytest.approx(100 * wls.bse[1], rel=1e-10)
    assert len(r.estimates) == 6 and r.estimates["term"].tolist() == [str(i) for i in range(1, 7)]


def test_trend_verdict_flips_with_the_truth():
    assert trend(_trend_data(0.04, seed=1), "rec", "wave").info["p_value"] < 0.001
    flat = trend(_trend_data(0.0, seed=1), "rec", "wave")
    assert flat.info["p_value"] > 0.05
    assert flat.info["slope_ci_low"] < 0 < flat.info["slope_ci_high"]


def test_trend_with_labels_and_plot():
    df = _trend_data(0.03).assign(period=lambda d: "2024-Q" + d.wave.astype(str))
    r = trend(df, "rec", "period")
    assert r.info["positions"] == "ranks"
    assert r.info["slope"] == pytest.approx(trend(df, "rec", "wave").info["slope"])
    fig, ax = plt.subplots()
    assert r.plot(ax=ax) is ax
    plt.close(fig)
    with pytest.raises(DataError, match="two periods"):
        trend(df.assign(one=1), "rec", "one")
