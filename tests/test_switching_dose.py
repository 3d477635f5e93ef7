"""dose_response (S1): parity with row-level statsmodels, claims, weights, bad input."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from loyaltystats.errors import DataError, ModelError
from loyaltystats.switching import DoseResponseResult, dose_response

TRUTH = np.array([0.20, 0.57, 0.78, 0.90])


def strike_customers(n, p=TRUTH, *, seed, follow=12.0):
    """Customers with k negatives at the start and a constant switching rate per k such
    that P(switch within 12 months | k) = p[k]; observed for ``follow`` months."""
    rng = np.random.default_rng(seed)
    p = np.asarray(p, float)
    k = rng.integers(0, len(p), n)
    t = rng.exponential(12 / -np.log1p(-p[k]))
    k = np.where(k == len(p) - 1, k + rng.integers(0, 3, n), k)   # the "3+" level: 3, 4, 5
    return pd.DataFrame({"negatives": k, "switched": (t <= follow).astype(int)})


def _est(res, term):
    return res.estimates.set_index("term").loc[term]


@pytest.fixture(scope="module")
def world():
    return strike_customers(12_000, seed=2024)


def test_known_world_covers_truth_and_supports_the_claim(world):
    res = dose_response(world, claimed={1: 0.57, 2: 0.78})
    for k, lab in enumerate(["0", "1", "2", "3+"]):
        row = _est(res, f"p[k={lab}]")
        assert row.ci_low < TRUTH[k] < row.ci_high
    assert res.claim.verdict == "supported"
    claims = res.claims
    assert set(claims) == {"k=1", "k=2", "overall"}
    assert claims["k=1"].claim_id == "S1" and claims["k=1"].claimed == 0.57
    assert claims["k=1"].info["claim_low"] == pytest.approx(0.52)
    # the exact binomial test of the point value does not reject in the true world
    assert claims["k=1"].info["binomial_p_value"] > 0.01
    assert res.info["verdict"] == "supported"


def test_world_without_second_strike_contradicts_78():
    df = strike_customers(12_000, (0.20, 0.57, 0.57, 0.60), seed=8)
    res = dose_response(df, claimed={1: 0.57, 2: 0.78})
    assert res.claims["k=1"].verdict == "supported"
    assert res.claims["k=2"].verdict == "contradicted"
    assert res.claims["k=2"].info["binomial_p_value"] < 1e-10
    assert res.claim.verdict == "contradicted"
    # a small sample cannot tell: inconclusive, not supported
    small = dose_response(df.iloc[:300], claimed={1: 0.57, 2: 0.78})
    assert small.claims["k=1"].verdict == "inconclusive"


def test_tolerance_is_a_parameter(world):
    narrow = dose_response(world, claimed={1: 0.57}, tolerance=0.005)
    assert narrow.claim.verdict == "inconclusive"
    assert narrow.claims["k=1"].info["claim_high"] == pytest.approx(0.575)
    with pytest.raises(ValueError, match="claimed level"):
        dose_response(world, claimed={4: 0.9})
    with pytest.raises(ValueError, match="in \\(0, 1\\)"):
        dose_response(world, claimed={1: 57})


def test_models_match_row_level_statsmodels_logit(world):
    res = dose_response(world, cap=3)
    rows = world.assign(k=np.minimum(world["negatives"], 3))
    coefs = res.tables["coefficients"]
    for model, rhs in (("k categorical", "C(k)"), ("k linear", "k")):
        ref = smf.logit(f"switched ~ {rhs}", rows).fit(disp=0, tol=1e-12)
        ours = coefs[coefs["model"] == model].set_index("term")
        np.testing.assert_allclose(ours["estimate"], ref.params[ours.index], rtol=1e-6)
        np.testing.assert_allclose(ours["std_err"], ref.bse[ours.index], rtol=1e-6)
    full = smf.logit("switched ~ C(k)", rows).fit(disp=0)
    lin = smf.logit("switched ~ k", rows).fit(disp=0)
    assert res.info["lr_statistic"] == pytest.approx(2 * (full.llf - lin.llf), rel=1e-6)
    assert res.info["lr_df"] == 2
    # second strike = beta2 - 2 beta1 from the row fit
    b = full.params
    ss = _est(res, "second_strike")
    assert ss.estimate == pytest.approx(b["C(k)[T.2]"] - 2 * b["C(k)[T.1]"], rel=1e-6)
    c = np.zeros(len(b))
    c[1], c[2] = -2, 1
    se = np.sqrt(c @ full.cov_params().to_numpy() @ c)
    assert ss.ci_high - ss.estimate == pytest.approx(1.959964 * se, rel=1e-5)


def test_second_strike_contrast_detects_a_weaker_second_step():
    # log-odds steps: 0->1 = 1.67, 1->2 = 0.98: the second strike adds less than the first
    df = strike_customers(20_000, seed=11)
    ss = _est(dose_response(df), "second_strike")
    logit = np.log(TRUTH / (1 - TRUTH))
    true = (logit[2] - logit[1]) - (logit[1] - logit[0])
    assert ss.ci_low < true < ss.ci_high and ss.ci_high < 0


def test_interval_coverage_over_repeated_worlds():
    # 200 seeded worlds: the Wilson, Katz and Wald (second strike) intervals cover the truth
    # at about the nominal 95% (binomial sd of the rate 0.015)
    logit = np.log(TRUTH / (1 - TRUTH))
    strike = (logit[2] - logit[1]) - (logit[1] - logit[0])
    hits = np.zeros(3)
    for s in range(200):
        est = dose_response(strike_customers(3000, seed=1000 + s)).estimates.set_index("term")
        for j, (term, true) in enumerate((("p[k=1]", TRUTH[1]), ("second_strike", strike),
                                          ("risk_ratio[k=2]", TRUTH[2] / TRUTH[0]))):
            hits[j] += est.loc[term, "ci_low"] < true < est.loc[term, "ci_high"]
    assert np.all((hits / 200 > 0.91) & (hits / 200 < 0.99)), hits / 200


def test_risk_ratios_and_odds_ratios(world):
    res = dose_response(world)
    cells = res.proportions
    rr = _est(res, "risk_ratio[k=2]")
    assert rr.estimate == pytest.approx(cells["p"][2] / cells["p"][0])
    assert rr.ci_low > 1
    orr = _est(res, "odds_ratio[k=1]")
    p0, p1 = cells["p"][0], cells["p"][1]
    assert orr.estimate == pytest.approx(p1 / (1 - p1) / (p0 / (1 - p0)), rel=1e-8)
    assert list(cells["k"]) == ["0", "1", "2", "3+"]
    assert cells["n"].sum() == len(world)


def test_integer_weights_equal_duplicated_rows(world):
    sub = world.iloc[:3000].copy()
    rng = np.random.default_rng(0)
    sub["w"] = rng.integers(1, 4, len(sub))
    weighted = dose_response(sub, weights="w")
    dup = sub.loc[sub.index.repeat(sub["w"])]
    plain = dose_response(dup)
    a, b = weighted.estimates.set_index("term"), plain.estimates.set_index("term")
    # weighted proportions equal the duplicated-row proportions
    for lab in ("0", "1", "2", "3+"):
        assert a.loc[f"p[k={lab}]", "estimate"] == pytest.approx(b.loc[f"p[k={lab}]", "estimate"])
    # but the design-based intervals are wider: duplicated rows are not independent customers
    assert (a.loc["p[k=1]", "ci_high"] - a.loc["p[k=1]", "ci_low"]) > (
        b.loc["p[k=1]", "ci_high"] - b.loc["p[k=1]", "ci_low"])
    assert weighted.info["weighted"] is True
    # constant weights change nothing
    const = dose_response(sub.assign(w=2.0), weights="w")
    np.testing.assert_allclose(const.estimates["estimate"],
                               dose_response(sub).estimates["estimate"], rtol=1e-10)


def test_cap_pools_and_empty_level_fails(world):
    res = dose_response(world, cap=2)
    assert res.proportions["k"].tolist() == ["0", "1", "2+"]
    assert "second_strike" in res.estimates["term"].tolist()
    assert "second_strike" not in dose_response(world, cap=1).estimates["term"].tolist()
    with pytest.raises(ModelError, match="lower cap"):
        dose_response(world, cap=7)


def test_plot_and_json_round_trip(world):
    res = dose_response(world, claimed={1: 0.57, 2: 0.78})
    fig, ax = plt.subplots()
    assert res.plot(ax=ax) is ax
    plt.close(fig)
    back = DoseResponseResult.from_dict(json.loads(res.to_json()))
    pd.testing.assert_frame_equal(back.estimates, res.estimates)
    assert back.claim.verdict == "supported"
    assert "p[k=1]" in res.to_text() and "<table" in res._repr_html_()


def test_bool_and_float_columns_are_accepted(world):
    a = dose_response(world)
    b = dose_response(world.assign(negatives=world["negatives"].astype(float),
                                   switched=world["switched"].astype(bool)))
    pd.testing.assert_frame_equal(a.estimates, b.estimates)


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("values, msg, n_bad", [
    ([0, 1, -1, 2, -3], "non-negative", 2),
    ([0, 1, 1.5, 2, 0], "whole numbers", 1),
    ([0, 1, np.nan, 2, 0], "missing values", 1),
    (["0", "1", "1", "2", "0"], "numeric", 5),
])
def test_bad_counts_name_the_rows(values, msg, n_bad):
    df = pd.DataFrame({"negatives": values, "switched": [0, 1, 0, 1, 1]})
    with pytest.raises(DataError, match=msg) as err:
        dose_response(df)
    assert err.value.table == "customers" and err.value.column == "negatives"
    assert err.value.n_rows == n_bad
    if n_bad < 5:  # the row label: in the message, or as the example of a missing value
        assert "rows 2" in str(err.value) or err.value.examples == (2,)


@pytest.mark.parametrize("values", [[0, 1, 2, 1, 0], [0.0, 1.0, np.nan, 1.0, 0.0],
                                    ["no", "yes", "no", "yes", "no"]])
def test_switched_not_binary(values):
    df = pd.DataFrame({"negatives": [0, 1, 2, 1, 0], "switched": values})
    # a blank is a missing value (the one wording), anything else not 0/1 a bad flag
    with pytest.raises(DataError, match="missing values" if pd.isna(values).any() else "0/1") as err:
        dose_response(df)
    assert err.value.column == "switched"


def test_missing_column_and_bad_weights():
    df = pd.DataFrame({"negatives": [0, 1], "switched": [0, 1]})
    with pytest.raises(DataError, match="missing column"):
        dose_response(df, switched="churned")
    with pytest.raises(DataError, match="non-negative") as err:
        dose_response(df.assign(w=[1.0, -2.0]), weights="w")
    assert "rows 1" in str(err.value)
