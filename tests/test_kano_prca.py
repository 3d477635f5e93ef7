"""K1, regression route: penalty-reward contrast analysis."""

import json
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from loyaltystats.errors import DataError, ModelError, ParameterError, ScaleError
from loyaltystats.kano import PenaltyReward, classify_impact, impact_asymmetry, prca
from loyaltystats.scales import GRADE_1_10, LIKERT_1_7
from loyaltystats.simulate import generate

ATTRS = ["B1", "B2", "P1", "D1"]


@pytest.fixture(scope="module")
def early_world():
    # The delighter is a delighter at the start of its life cycle: the first 3 months.
    return generate(30_000, months=3, seed=2).responses


def _row_ols(df, overall, attrs, low=2, high=4):
    cols = [np.ones(len(df))]
    for a in attrs:
        cols += [(df[a] <= low).astype(float), (df[a] >= high).astype(float)]
    return sm.OLS(df[overall].astype(float).to_numpy(), np.column_stack(cols)).fit()


def test_parity_with_statsmodels_ols_on_rows(early_world):
    r = prca(early_world, "grade", ATTRS, n_boot=0)
    f = _row_ols(early_world, "grade", ATTRS)
    coef = r.tables["coefficients"]
    np.testing.assert_allclose(coef["estimate"], f.params, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(coef["se"], f.bse, rtol=1e-8)
    ci = f.conf_int(0.05)
    np.testing.assert_allclose(coef["ci_low"], ci[:, 0], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(coef["p_value"], f.pvalues, rtol=1e-6, atol=1e-300)
    assert r.info["r_squared"] == pytest.approx(f.rsquared, rel=1e-10)


def test_world_categories_recovered(early_world):
    r = prca(early_world, "grade", ATTRS, overall_scale=GRADE_1_10, cluster="customer_id",
             n_boot=300, seed=1)
    assert r.categories.to_dict() == {"B1": "M", "B2": "M", "P1": "O", "D1": "A"}
    assert (r.table["stability"] > 0.95).all()
    t = r.table.set_index("attribute")
    # truth: basics -2.5 when failed (less after recovery), no reward; P1 +-0.45; D1 +1.4 at
    # month 0 with no penalty (pen grows to -0.2 by month 2)
    assert t.loc["B1", "penalty"] < -1.5 and abs(t.loc["B1", "reward"]) < 0.1
    assert t.loc["P1", "penalty"] == pytest.approx(-0.45, abs=0.1)
    assert t.loc["P1", "reward"] == pytest.approx(0.45, abs=0.1)
    assert t.loc["D1", "reward"] > 0.9


def test_indifferent_and_reverse_attributes():
    rng = np.random.default_rng(4)
    n = 4000
    df = pd.DataFrame({"noise": rng.integers(1, 6, n), "rev": rng.integers(1, 6, n)})
    df["y"] = np.clip(7 - 0.6 * (df["rev"] - 3) + rng.normal(0, 0.8, n), 1, 10)  # a grade
    r = prca(df, "y", ["noise", "rev"], n_boot=200, seed=2)
    assert r.categories.to_dict() == {"noise": "I", "rev": "R"}


def test_classify_and_asymmetry_helpers():
    assert classify_impact([-1.0, -1.0, -0.1], [0.1, 1.0, 1.0]).tolist() == ["M", "O", "A"]
    assert classify_impact([0.5], [-0.5], min_impact=0.1).tolist() == ["R"]
    assert impact_asymmetry([-1.0], [3.0]).tolist() == [0.5]


def test_bootstrap_ci_and_reproducibility(early_world):
    a = prca(early_world, "grade", ATTRS, ci="bootstrap", cluster="customer_id", n_boot=200,
             seed=9)
    b = prca(early_world, "grade", ATTRS, ci="bootstrap", cluster="customer_id", n_boot=200,
             seed=9)
    assert a.estimates.equals(b.estimates)
    assert set(a.estimates["method"]) == {"bootstrap"}
    ols = prca(early_world, "grade", ATTRS, n_boot=0)
    # bootstrap and classical standard errors agree roughly (independent responses)
    width_b = (a.estimates["ci_high"] - a.estimates["ci_low"])[a.estimates.quantity == "reward"]
    width_o = (ols.estimates["ci_high"] - ols.estimates["ci_low"])[ols.estimates.quantity == "reward"]
    assert np.allclose(width_b.to_numpy(), width_o.to_numpy(), rtol=0.35)
    with pytest.raises(ParameterError, match="seed"):   # the default is 0; None is refused
        prca(early_world, "grade", ATTRS, n_boot=10, seed=None)


def test_asymmetry_delta_se_matches_bootstrap(early_world):
    r = prca(early_world, "grade", ATTRS, n_boot=1000, seed=3)
    t = r.table.set_index("attribute")
    e = r.estimates.set_index("term")
    for a in ("P1", "D1"):
        width = e.loc[f"{a}: asymmetry", "ci_high"] - e.loc[f"{a}: asymmetry", "ci_low"]
        assert t.loc[a, "asymmetry_se"] == pytest.approx(width / 3.92, rel=0.25)
    assert (t["asymmetry_se"] > 0).all()  # also at the boundary IA = -1 of the basics


def test_low_high_cuts_and_other_scales():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.integers(1, 8, 3000)})
    df["y"] = 7 + 1.0 * (df["x"] >= 6) + rng.normal(0, 0.5, 3000)
    r = prca(df, "y", ["x"], attribute_scale=LIKERT_1_7, low=3, high=6, n_boot=0)
    assert r.table.loc[0, "n_high"] == int((df["x"] >= 6).sum())
    assert r.categories.iloc[0] == "A"


def test_old_scale_keyword_warns_and_gives_the_same_numbers():
    # scale= is the attributes' scale here, the score's everywhere else: it still works for
    # one release, with a FutureWarning, and becomes the score's scale in the next
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.integers(1, 8, 3000)})
    df["y"] = 7 + 1.0 * (df["x"] >= 6) + rng.normal(0, 0.5, 3000)
    new = prca(df, "y", ["x"], attribute_scale=LIKERT_1_7, low=3, high=6, n_boot=50, seed=2)
    with pytest.warns(FutureWarning, match=r"kano\.prca: scale= is the attributes' scale; "
                      r"pass attribute_scale=.*next release scale= becomes the score's scale"):
        old = prca(df, "y", ["x"], scale=LIKERT_1_7, low=3, high=6, n_boot=50, seed=2)
    pd.testing.assert_frame_equal(old.estimates, new.estimates, check_exact=True)
    for name in new.tables:
        pd.testing.assert_frame_equal(old.tables[name], new.tables[name], check_exact=True)
    assert old.info == new.info
    with pytest.raises(ParameterError, match="attribute_scale= only"):
        prca(df, "y", ["x"], scale=LIKERT_1_7, attribute_scale=LIKERT_1_7, n_boot=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new spelling and the default do not warn
        prca(df.assign(x=df["x"].clip(1, 5)), "y", ["x"], n_boot=0)


def test_result_round_trip_and_plot(early_world):
    r = prca(early_world, "grade", ATTRS, n_boot=50, seed=1)
    back = PenaltyReward.from_dict(json.loads(r.to_json()))
    assert back.categories.to_dict() == r.categories.to_dict()
    fig, ax = plt.subplots()
    assert r.plot(ax=ax) is ax
    plt.close(fig)


# ------------------------------------------------------------------------ bad input
def test_bad_inputs():
    df = pd.DataFrame({"y": [7.0, 8, 9, 6, 7, 8], "x": [1, 3, 5, 1, 3, 5],
                       "z": [4, 4, 5, 5, 4, 5], "s": list("abcdef")})
    with pytest.raises(DataError, match="no low or neutral") as err:
        prca(df, "y", ["z"], n_boot=0)
    assert err.value.column == "z"
    bad = df.assign(x=[1, 3, 9, 1, 3, 5])
    with pytest.raises(ScaleError) as err:
        prca(bad, "y", ["x"], n_boot=0)
    assert err.value.column == "x" and err.value.examples == (9.0,)
    with pytest.raises(DataError, match="numbers"):
        prca(df, "s", ["x"], n_boot=0)
    with pytest.raises(ScaleError):
        prca(df.assign(y=[7, 8, 11, 6, 7, 8]), "y", ["x"], overall_scale=GRADE_1_10, n_boot=0)
    with pytest.raises(ModelError, match="rank deficient"):
        prca(df.assign(x2=df["x"]), "y", ["x", "x2"], n_boot=0)
    with pytest.raises(DataError, match="missing column"):
        prca(df, "y", ["nope"], n_boot=0)
    with pytest.raises(DataError, match="twice"):
        prca(df, "y", ["x", "x"], n_boot=0)
