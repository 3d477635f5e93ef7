"""Behaviour, bad input, results and plots of the threshold estimators (claims T1-T5)."""

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError, ModelError, ScaleError
from loyaltystats.results import ClaimResult, Result
from loyaltystats.scales import GRADE_1_10, RECOMMEND_0_10
from loyaltystats.stats import fit_proportional_odds, pava
from loyaltystats.thresholds import (
    BandTable,
    BasicsCeiling,
    LevelClaim,
    LevelTable,
    LoyaltyCurve,
    MomentsOfTruth,
    band_table,
    basics_ceiling,
    by_level,
    claim_region,
    loyalty_curve,
    moments_of_truth,
)
from loyaltystats.thresholds._common import quantile_from_counts
from loyaltystats.thresholds.curve import _argmax_low

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(scope="module")
def responses():
    rng = np.random.default_rng(42)
    n = 6000
    lv = rng.choice(["below", "met", "exceeded"], n, p=[0.15, 0.6, 0.25])
    shift = pd.Series(lv).map({"below": -2.3, "met": 0.0, "exceeded": 1.3}).to_numpy()
    grade = np.clip(np.round(8 + shift + rng.normal(0, 0.9, n)), 1, 10).astype(np.int8)
    stay = rng.random(n) < np.where(grade >= 9, 0.85, 0.55)
    b1 = rng.integers(1, 6, n).astype(np.int8)
    d1 = rng.integers(1, 6, n).astype(np.int8)
    return pd.DataFrame({
        "grade": grade, "stay": stay, "B1": b1, "D1": d1,
        "expectation": pd.Categorical(lv, categories=["below", "met", "exceeded"], ordered=True),
        "ok": rng.random(n) < 0.7, "peak": grade >= 9,
    })


# ----------------------------------------------------------------- helpers
def test_quantile_from_counts_matches_numpy_and_conover_interval():
    values = np.array([6.0, 7.0, 8.0, 9.0])
    counts = np.array([1, 3, 4, 2])
    rows = np.repeat(values, counts)
    est, lo, hi = quantile_from_counts(values, counts, 0.5, 0.95)
    assert est == np.median(rows)
    # n = 10: Bin(10, .5) gives ranks 2 and 9 (coverage 0.979)
    assert (lo, hi) == (np.sort(rows)[1], np.sort(rows)[8])
    assert np.isnan(quantile_from_counts(values, np.zeros(4), 0.5, 0.95)).all()


def test_pava_is_monotone_and_weighted():
    y = np.array([0.5, 0.3, 0.4, 0.9, 0.8])
    w = np.array([1, 3, 1, 1, 1])
    fit = pava(y, w)
    assert np.all(np.diff(fit) >= 0)
    assert fit.tolist() == pytest.approx([0.35, 0.35, 0.4, 0.85, 0.85])
    assert np.sum(w * fit) == pytest.approx(np.sum(w * y))
    assert pava([1, 2, 3], [1, 1, 1]).tolist() == [1, 2, 3]


def test_ties_in_the_grid_go_to_the_lower_breakpoint():
    assert _argmax_low(np.array([[-5.0, -3.0, -3.0, -4.0]])).tolist() == [1]
    # three distinct scores: steps at 2 and at 3 are both saturated (equal likelihood)
    df = pd.DataFrame({"g": [1] * 50 + [2] * 50 + [3] * 50,
                       "y": [1] * 10 + [0] * 40 + [1] * 25 + [0] * 25 + [1] * 40 + [0] * 10})
    res = loyalty_curve(df, "g", "y", n_boot=0)
    prof = res.tables["profile"]
    step = prof[prof.kind == "step"]
    assert step["llf"].iloc[0] == pytest.approx(step["llf"].iloc[1], abs=1e-8)
    assert res.info["breakpoint"] == 2.0


def test_claim_region_reads_a_grade_as_its_band():
    assert claim_region(9, GRADE_1_10) == (9.0, 10.0)
    lo, hi = claim_region(8, GRADE_1_10)
    assert lo == 8.0 and 8.999 < hi < 9.0
    assert claim_region(8.5, GRADE_1_10)[0] == 8.0  # 8.5 is an 8-and-a-half
    assert claim_region(5, GRADE_1_10)[0] == 1.0    # "<=6"
    assert claim_region((6, 7.99), GRADE_1_10) == (6.0, 7.99)
    with pytest.raises(ValueError):
        claim_region((8, 7), GRADE_1_10)


# ----------------------------------------------------------------- band_table
def test_band_table_counts_rates_and_lift(responses):
    res = band_table(responses, "grade", outcome="stay")
    t = res.tables["bands"]
    band = GRADE_1_10.band(responses["grade"])
    expected = responses.groupby(band, observed=False)["stay"].agg(["size", "mean"])
    np.testing.assert_array_equal(t["n"], expected["size"])
    np.testing.assert_allclose(t["rate"], expected["mean"])
    np.testing.assert_allclose(t["lift"], expected["mean"] / responses["stay"].mean())
    assert t["share"].sum() == pytest.approx(1.0)
    assert (t["rate_ci_low"] <= t["rate"]).all() and (t["rate"] <= t["rate_ci_high"]).all()
    assert (t["lift_ci_low"] < t["lift"]).all() and (t["lift"] < t["lift_ci_high"]).all()
    assert list(res.estimates.columns[:6]) == ["term", "estimate", "ci_low", "ci_high", "n",
                                               "method"]


def test_band_table_weights_match_duplicated_rows():
    df = pd.DataFrame({"grade": [6, 7, 8, 9, 10, 9, 8], "stay": [0, 1, 0, 1, 1, 1, 1],
                       "w": [1, 2, 1, 3, 1, 1, 2]})
    weighted = band_table(df, "grade", outcome="stay", weights="w").tables["bands"]
    dup = band_table(df.loc[df.index.repeat(df.w)], "grade", outcome="stay").tables["bands"]
    np.testing.assert_allclose(weighted["share"], dup["share"])
    np.testing.assert_allclose(weighted["rate"], dup["rate"])


def test_band_table_reports_an_empty_band_with_n_zero_and_no_interval():
    df = pd.DataFrame({"grade": [8, 8, 9, 10, 5], "stay": [1, 0, 1, 1, 0]})
    t = band_table(df, "grade", outcome="stay").tables["bands"].set_index("band")
    assert t.loc["7", "n"] == 0
    assert t.loc["7", "share"] == 0 and t.loc["7", "share_ci_high"] > 0
    assert np.isnan(t.loc["7", ["rate", "rate_ci_low", "rate_ci_high", "lift"]].astype(float)).all()


def test_band_table_on_the_recommend_scale():
    df = pd.DataFrame({"rec": [0, 6, 7, 8, 9, 10, 10]})
    t = band_table(df, "rec", scale=RECOMMEND_0_10).tables["bands"]
    assert t["band"].tolist() == ["detractor", "passive", "promoter"]
    assert t["n"].tolist() == [2, 2, 3]


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad, examples", [(11, [11.0]), (0, [0.0]), (np.nan, [0, 1, 2])])
def test_score_outside_the_scale_names_column_rows_and_values(responses, bad, examples):
    df = responses.head(50).copy()
    df["grade"] = df["grade"].astype(float)
    df.loc[df.index[:3], "grade"] = bad
    for call in (lambda d: band_table(d, "grade"),
                 lambda d: by_level(d, "grade", "expectation"),
                 lambda d: loyalty_curve(d, "grade", "stay", n_boot=0),
                 lambda d: basics_ceiling(d, "grade", ["B1"], ["D1"])):
        with pytest.raises(ScaleError) as err:
            call(df)
        assert err.value.column == "grade" and err.value.n_rows == 3
        assert list(err.value.examples) == examples   # a missing score: its row labels
        assert ("missing values" if np.isnan(bad) else "grade 1-10") in str(err.value)


def test_fractional_grade_on_an_integer_scale_is_rejected():
    df = pd.DataFrame({"rec": [7.5, 8, 9]})
    with pytest.raises(ScaleError, match="whole numbers"):
        band_table(df, "rec", scale=RECOMMEND_0_10)
    # on the grade scale 8.5 is valid and belongs to band 8
    t = band_table(pd.DataFrame({"g": [8.5, 9.0]}), "g").tables["bands"].set_index("band")
    assert t.loc["8", "n"] == 1


def test_level_column_with_one_level(responses):
    df = responses.head(40).assign(expectation="met")
    with pytest.raises(DataError, match="at least two levels") as err:
        by_level(df, "grade", "expectation")
    assert err.value.column == "expectation" and err.value.n_rows == 40
    assert list(err.value.examples) == ["met"]


def test_outcome_that_is_not_binary(responses):
    df = responses.head(60).assign(stay=np.r_[[2, 0.5], np.ones(58)])
    for call in (lambda d: band_table(d, "grade", outcome="stay"),
                 lambda d: loyalty_curve(d, "grade", "stay", n_boot=0),
                 lambda d: moments_of_truth(d, "stay", "ok", "peak")):
        with pytest.raises(DataError, match="0/1") as err:
            call(df)
        assert err.value.column == "stay" and err.value.n_rows == 2


def test_other_bad_inputs(responses):
    df = responses.head(200)
    with pytest.raises(DataError, match="missing column"):
        band_table(df, "nope")
    with pytest.raises(DataError, match="claimed levels"):
        by_level(df, "grade", "expectation", claimed={"exceeded": 9, "wow": 10})
    with pytest.raises(ModelError, match="three distinct"):
        loyalty_curve(df.assign(grade=np.where(df.grade > 8, 9, 8)), "grade", "stay", n_boot=0)
    with pytest.raises(ModelError, match="constant"):
        loyalty_curve(df.assign(stay=True), "grade", "stay", n_boot=0)
    with pytest.raises(ValueError, match="seed"):
        loyalty_curve(df, "grade", "stay", n_boot=10, seed=None)
    with pytest.raises(DataError, match="0/1"):
        moments_of_truth(df, "stay", "grade", "peak")  # a score without a threshold
    with pytest.raises(ScaleError) as err:
        basics_ceiling(df.assign(B1=np.where(df.index < 2, 7, df.B1)), "grade", ["B1"], ["D1"])
    assert err.value.column == "B1" and err.value.n_rows == 2
    with pytest.raises(DataError, match="every basic at its best"):
        basics_ceiling(df.assign(B1=3), "grade", ["B1"], ["D1"])
    with pytest.raises(ValueError, match="level"):
        band_table(df, "grade", level=95)


def test_ordinal_separation_is_a_model_error():
    X = np.array([[0.0], [0.0], [1.0]])
    with pytest.raises(ModelError, match="separation"):
        fit_proportional_odds(X, np.array([0, 1, 1]), np.array([10, 10, 10]))


# ----------------------------------------------------------------- by_level
def test_by_level_empty_category_is_reported_and_left_out_of_the_model(responses):
    df = responses.head(500).copy()
    df["expectation"] = df["expectation"].cat.add_categories(["unknown"])
    res = by_level(df, "grade", "expectation")
    lv = res.tables["levels"].set_index("level")
    assert lv.loc["unknown", "n"] == 0 and np.isnan(lv.loc["unknown", "mean"])
    assert res.tables["model"]["term"].tolist()[:2] == ["met vs below", "exceeded vs below"]


def test_by_level_keeps_the_descriptives_when_the_ordinal_model_fails():
    df = pd.DataFrame({"grade": [6, 7, 8, 8, 10, 10, 10], "lv": ["a"] * 4 + ["b"] * 3})
    res = by_level(df, "grade", "lv")
    assert "separation" in res.info["model_error"]
    assert res.tables["model"].empty
    assert res.tables["levels"]["median"].tolist() == [7.5, 10.0]


def test_by_level_claim_verdicts(responses):
    res = by_level(responses, "grade", "expectation", claimed={"met": 8, "exceeded": 9})
    assert isinstance(res, LevelClaim) and isinstance(res, ClaimResult)
    assert res.verdict == "supported"
    assert set(res.tables["verdicts"]["verdict"]) == {"supported"}
    wrong = by_level(responses, "grade", "expectation", claimed={"met": 9})
    assert wrong.verdict == "contradicted"
    by_mean = by_level(responses, "grade", "expectation", claimed={"met": (7.5, 8.5)},
                       statistic="mean", claim_id="T3")
    assert by_mean.tables["verdicts"]["statistic"].iloc[0] == "mean"
    assert "special experience" in by_mean.statement
    plain = by_level(responses, "grade", "expectation")
    assert isinstance(plain, LevelTable) and not isinstance(plain, ClaimResult)
    ors = plain.estimates.set_index("term").loc[["OR[met vs below]", "OR[exceeded vs below]"]]
    assert (ors["ci_low"] > 1).all()


# ----------------------------------------------------------------- loyalty_curve
def test_loyalty_curve_bootstrap_is_seeded(responses):
    a = loyalty_curve(responses, "grade", "stay", n_boot=40, seed=3)
    b = loyalty_curve(responses, "grade", "stay", n_boot=40, seed=3)
    assert a.estimates.equals(b.estimates)
    assert a.tables["bootstrap"]["count"].sum() == 40
    assert a.info["breakpoint"] == 9.0 and a.verdict == "supported"
    boot = loyalty_curve(responses, "grade", "stay", n_boot=40, seed=3,
                         breakpoint_ci="bootstrap", kind="hinge")
    assert boot.info["breakpoint_ci"] == "bootstrap" and boot.info["kind"] == "hinge"
    iso = a.tables["curve"]["isotonic"].to_numpy()
    assert np.all(np.diff(iso) >= -1e-12)


def test_loyalty_curve_on_a_linear_truth_is_not_supported():
    rng = np.random.default_rng(8)
    g = rng.integers(1, 11, 30_000)
    stay = rng.random(30_000) < 1 / (1 + np.exp(-(-2 + 0.35 * g)))
    res = loyalty_curve(pd.DataFrame({"g": g, "stay": stay}), "g", "stay", n_boot=0)
    assert res.verdict != "supported"


# ----------------------------------------------------------------- results and plots
def test_results_are_frozen_round_trip_and_plot(responses):
    df = responses.assign(first=responses["stay"])
    results = [
        band_table(df, "grade", outcome="stay"),
        by_level(df, "grade", "expectation"),
        by_level(df, "grade", "expectation", claimed={"met": 8}),
        basics_ceiling(df, "grade", ["B1"], ["D1"]),
        moments_of_truth(df, "first", "ok", "grade", peak_from=9),
        loyalty_curve(df, "grade", "stay", n_boot=20),
    ]
    kinds = (BandTable, LevelTable, LevelClaim, BasicsCeiling, MomentsOfTruth, LoyaltyCurve)
    for res, kind in zip(results, kinds):
        assert isinstance(res, kind) and isinstance(res, Result)
        with pytest.raises(AttributeError):
            res.title = "x"
        again = type(res).from_dict(json.loads(res.to_json()))
        pd.testing.assert_frame_equal(again.estimates, res.estimates, check_dtype=False)
        assert res.to_text() and not res.summary().empty and res._repr_html_()
        fig, ax = plt.subplots()
        assert again.plot(ax=ax) is ax  # plots work from the serialised tables too
        plt.close(fig)
