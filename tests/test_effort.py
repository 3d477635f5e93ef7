"""Claims E1 and E2 (the effortless experience): against statsmodels on rows, the N3
machinery, bad input, and verdicts in worlds where the claim is true and where it is false."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from loyaltystats.effort import effort_vs_delight, effort_vs_satisfaction
from loyaltystats.errors import DataError, LoyaltyStatsError, ScaleError
from loyaltystats.nps import versus_retention


def _e1_world(n: int, seed: int, b_high: float, b_delight: float) -> pd.DataFrame:
    """Customers with a CES 1-7, a delight flag and switching from a known logistic model."""
    rng = np.random.default_rng(seed)
    ces = rng.integers(1, 8, n)
    d = rng.random(n) < 0.25
    lp = -1.5 + b_high * (ces >= 5) - 0.2 * (ces <= 3) + b_delight * d
    return pd.DataFrame({"customer_id": np.arange(n), "effort": ces,
                         "delighted": d.astype(int),
                         "switched": (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)})


def test_e1_equals_statsmodels_logit_on_rows():
    df = _e1_world(6000, 1, 0.8, -0.3)
    res = effort_vs_delight(df, id="customer_id")
    X = pd.DataFrame({"const": 1.0, "high": (df.effort >= 5).astype(float),
                      "low": (df.effort <= 3).astype(float),
                      "delight": df.delighted.astype(float)})
    fit = sm.Logit(df.switched, X).fit(disp=0)
    est = res.estimates.set_index("term")
    for term, c in {"effort_minus_delight": [0, 1, 0, 1], "effort_penalty": [0, 1, 0, 0],
                    "delight_reward": [0, 0, 0, -1], "effort_reward": [0, 0, -1, 0],
                    "effort_asymmetry": [0, 1, 1, 0]}.items():
        t = fit.t_test(np.array([c], float))
        assert est.loc[term, "estimate"] == pytest.approx(float(t.effect[0]), abs=1e-8), term
        lo, hi = t.conf_int(alpha=0.05)[0]
        assert est.loc[term, "ci_low"] == pytest.approx(lo, abs=1e-6), term
        assert est.loc[term, "ci_high"] == pytest.approx(hi, abs=1e-6), term
    assert res.claim.claim_id == "E1"


def test_e1_from_polars_equals_pandas():
    pl = pytest.importorskip("polars")
    df = _e1_world(3000, 2, 0.8, -0.3)
    got = effort_vs_delight(pl.from_pandas(df))
    pd.testing.assert_frame_equal(got.estimates, effort_vs_delight(df).estimates)


@pytest.mark.parametrize("column, value, error, match", [
    ("effort", 8, ScaleError, "effort"),
    ("effort", "5", DataError, "effort"),
    ("delighted", 2, DataError, "delighted"),
])
def test_e1_bad_input_names_the_column(column, value, error, match):
    df = _e1_world(500, 3, 0.8, -0.3)
    df[column] = df[column].astype(object)
    df.loc[7, column] = value
    with pytest.raises(error, match=match):
        effort_vs_delight(df)


def test_e1_an_empty_band_is_an_error_not_a_verdict():
    df = _e1_world(500, 3, 0.8, -0.3)
    df = df[df.effort != 4]
    with pytest.raises(DataError, match="no customers in"):
        effort_vs_delight(df)
    assert issubclass(DataError, LoyaltyStatsError)


def test_e1_verdicts_in_true_and_false_worlds():
    # true: high effort adds 0.8 to the log-odds, a delight takes 0.3 off (difference 0.5);
    # false: a delight takes 0.9 off, high effort adds 0.3 (difference -0.6); n = 10,000
    true = [effort_vs_delight(_e1_world(10_000, s, 0.8, -0.3)).verdict for s in range(20)]
    false = [effort_vs_delight(_e1_world(10_000, s, 0.3, -0.9)).verdict for s in range(20)]
    assert true.count("supported") >= 18 and "contradicted" not in true
    assert false.count("contradicted") >= 18 and "supported" not in false
    small = [effort_vs_delight(_e1_world(300, s, 0.3, -0.9)).verdict for s in range(20)]
    assert "supported" not in small  # never wrong at n = 300


def _e2_world(n: int, seed: int, effort_slope: float, grade_slope: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    eff = rng.integers(1, 8, n)
    grade = rng.integers(1, 11, n)
    rec = np.clip(grade + rng.integers(-1, 2, n), 0, 10)
    rate = 0.04 * np.exp(effort_slope * (eff - 4) - grade_slope * (grade - 6))
    t = np.ceil(rng.exponential(1 / rate))
    return pd.DataFrame({"customer_id": np.arange(n), "effort": eff, "grade": grade,
                         "recommend": rec, "duration": np.minimum(t, 24),
                         "switched": (t <= 24).astype(int)})


def test_e2_reads_the_n3_machinery():
    df = _e2_world(3000, 1, 0.3, 0.05)
    res = effort_vs_satisfaction(df, n_boot=100, seed=3)
    ref = versus_retention(df, ["effort", "grade"], n_boot=100, seed=3,
                           claim_predictor="effort")
    c = ref.estimates.set_index("term")["estimate"]
    est = res.estimates.set_index("term")
    assert est.loc["C(effort) - C(grade)", "estimate"] == pytest.approx(
        c["effort"] - c["grade"], abs=1e-12)
    assert est.loc["C(effort) - C(recommend)", "estimate"] == pytest.approx(
        c["effort"] - c["recommend"], abs=1e-12)
    assert list(est.index[:3]) == ["C(effort) - C(grade)", "C(effort) - C(recommend)",
                                   "C(effort) - C(nps_category)"]
    assert res.verdict == "supported" and res.claim.claim_id == "E2"


def test_e2_verdicts_in_true_and_false_worlds():
    true = [effort_vs_satisfaction(_e2_world(10_000, s, 0.3, 0.05), n_boot=100).verdict
            for s in range(4)]
    false = [effort_vs_satisfaction(_e2_world(10_000, s, 0.05, 0.3), n_boot=100).verdict
             for s in range(4)]
    assert true == ["supported"] * 4
    assert false == ["contradicted"] * 4


def test_e2_from_polars_equals_pandas():
    pl = pytest.importorskip("polars")
    df = _e2_world(1500, 5, 0.3, 0.05)
    got = effort_vs_satisfaction(pl.from_pandas(df), n_boot=30, seed=2)
    want = effort_vs_satisfaction(df, n_boot=30, seed=2)
    pd.testing.assert_frame_equal(got.estimates, want.estimates)
