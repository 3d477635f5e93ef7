"""Truth of the threshold claims' deciding estimands (T1 - T5) and their true / false worlds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats.simulate import WorldParams
from loyaltystats.simulate import reference as ref
from loyaltystats.simulate.estimands import _thresholds as T
from loyaltystats.simulate.estimands import get_spec
from loyaltystats.thresholds import loyalty_curve


@pytest.fixture
def small_reference(monkeypatch):
    # 30,000 customers: the medians' CDFs sit at least 0.1 from 1/2 in these worlds and T2's
    # truth 0.5 from its ceiling, far beyond this size's Monte-Carlo error
    monkeypatch.setattr(ref, "REFERENCE_CUSTOMERS", 30_000)


@given(st.lists(st.integers(1, 10), min_size=1, max_size=60), st.randoms())
@settings(max_examples=60, deadline=None)
def test_population_median_is_order_free_and_a_lower_median(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    m = T.population_median(np.array(shuffled))
    assert m == T.population_median(np.array(values))
    v = np.array(values)
    assert np.mean(v <= m) >= 0.5 and np.mean(v < m) < 0.5


def test_ols_cell_prediction_matches_statsmodels():
    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame({"a": rng.integers(1, 6, n), "b": rng.integers(1, 4, n)})
    df["y"] = 5 + 0.4 * df.a + (df.b == 3) * 1.2 + 0.1 * df.a * (df.b == 2) + rng.normal(0, 1, n)
    fit = smf.ols("y ~ C(a) + C(b)", data=df).fit()
    want = float(fit.predict(pd.DataFrame({"a": [5], "b": [2]})).iloc[0])
    got = T.ols_cell_prediction(df[["a", "b"]].to_numpy(), df["y"].to_numpy(), [5, 2])
    assert got == pytest.approx(want, rel=1e-10)


def test_step_logistic_pseudo_true_matches_statsmodels_and_the_estimator():
    g = np.arange(1.0, 11.0)
    rate = np.array([0.55, 0.57, 0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.86, 0.88])
    w = np.array([1, 1, 2, 3, 5, 8, 12, 14, 10, 6], float)
    w /= w.sum()
    got = T.step_logistic_pseudo_true(g, rate, w)
    assert got["breakpoint"] == 9.0
    # the same model at c = 9 by statsmodels' GLM on proportions with the shares as weights
    X = sm.add_constant(np.column_stack([g, (g >= 9).astype(float)]))
    glm = sm.GLM(rate, X, family=sm.families.Binomial(), var_weights=w).fit(tol=1e-12)
    assert got["jump"] == pytest.approx(glm.params[2], abs=1e-8)
    # the estimator on a large sample whose rates and shares are exactly these
    m = np.rint(w * 200_000).astype(int)
    y = np.rint(rate * m).astype(int)
    df = pd.DataFrame({"grade": np.repeat(g, m),
                       "kept": np.concatenate([np.r_[np.ones(k), np.zeros(mm - k)]
                                               for k, mm in zip(y, m)]).astype(bool)})
    res = loyalty_curve(df, "grade", "kept", n_boot=0)
    est = res.estimates.set_index("term")
    assert est.loc["breakpoint", "estimate"] == got["breakpoint"]
    assert est.loc["jump", "estimate"] == pytest.approx(got["jump"], abs=0.02)


def test_t4_truth_is_the_parameter():
    spec = get_spec("T4")
    assert spec.truth(spec.params("true"))["interaction (log-odds)"] == 1.5
    assert spec.truth(spec.params("false"))["interaction (log-odds)"] == 0.0
    assert spec.holds(spec.truth(spec.params("true")))
    assert not spec.holds(spec.truth(spec.params("false")))  # the null on the boundary


def test_t5_exact_retention_agrees_with_the_reference_world():
    p = WorldParams()
    exact = T._t5_truth(p, 24)
    c = ref.reference_tables(p, 24, n_customers=60_000)["customers"]
    c = c[c["start"] <= 12]
    grade = np.clip(np.rint(c["grade"].to_numpy()), 1, 10).astype(int)
    kept = c["retained_12m"].astype(float).to_numpy()
    for gr in (5, 7, 8, 9, 10):
        sel = grade == gr
        se = math.sqrt(exact[f"retention[{gr}]"] * (1 - exact[f"retention[{gr}]"]) / sel.sum())
        assert abs(kept[sel].mean() - exact[f"retention[{gr}]"]) < 4 * se, gr


@pytest.mark.parametrize("claim", ["T1", "T2", "T3", "T4", "T5"])
def test_true_world_holds_and_false_world_fails(claim, small_reference):
    spec = get_spec(claim)
    truth_true = spec.truth(spec.params("true"))
    truth_false = spec.truth(spec.params("false"))
    assert spec.holds(truth_true), truth_true
    assert not spec.holds(truth_false), truth_false
    assert all(np.isfinite(v) for v in (*truth_true.values(), *truth_false.values()))


def test_threshold_truths_in_numbers(small_reference):
    t1_false = get_spec("T1").truth(get_spec("T1").params("false"))
    assert t1_false == {"median[met]": 8.0, "median[exceeded]": 8.0}
    t3_true = get_spec("T3").truth(get_spec("T3").params("true"))
    assert t3_true == {"median[meets needs]": 6.0, "median[easy]": 8.0,
                       "median[enjoyable]": 9.0}
    t2 = get_spec("T2")
    assert t2.truth(t2.params("true"))[T._T2_TERM] == pytest.approx(8.0, abs=0.1)
    assert t2.truth(WorldParams())[T._T2_TERM] > 8.5  # the drift lifts the pooled grade
    t5 = get_spec("T5").truth(get_spec("T5").params("false"))
    assert t5["breakpoint"] == 7.0 and t5["jump"] > 0.5
