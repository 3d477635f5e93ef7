"""intent_vs_behavior (S3) and the package surface."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import loyaltystats.switching as sw
from loyaltystats.errors import DataError, ModelError
from loyaltystats.results import ClaimResult, Result
from loyaltystats.switching import IntentResult, intent_vs_behavior


def intent_world(n, conv, *, seed, p_no_intent=0.05):
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 4, n)
    intent = rng.random(n) < np.array([0.1, 0.57, 0.78, 0.9])[k]
    switched = rng.random(n) < np.where(intent, conv, p_no_intent)
    return pd.DataFrame({"negatives": k, "considering_switch": intent.astype(int),
                         "switched": switched})


def test_conversion_by_k_and_verdict():
    df = intent_world(8000, 0.3, seed=1)
    res = intent_vs_behavior(df)
    assert isinstance(res, ClaimResult) and res.claim_id == "S3"
    assert res.verdict == "supported"
    tab = res.tables["by_k"].set_index("k")
    assert tab.loc["all", "n"] == len(df)
    assert tab.loc["all", "n_intent"] == df["considering_switch"].sum()
    sub = df[(df.negatives == 2) & (df.considering_switch == 1)]
    assert tab.loc["2", "conversion"] == pytest.approx(sub["switched"].mean())
    est = res.estimates.set_index("term")
    assert est.loc["conversion[all]", "ci_low"] < 0.3 < est.loc["conversion[all]", "ci_high"]
    assert est.loc["intent_lift[all]", "ci_low"] < 0.25 < est.loc["intent_lift[all]", "ci_high"]


def test_world_where_intent_is_behaviour():
    res = intent_vs_behavior(intent_world(8000, 0.97, seed=2))
    assert res.verdict == "contradicted"
    assert intent_vs_behavior(intent_world(200, 0.88, seed=3)).verdict == "inconclusive"


def test_simulated_world_intent_does_not_change_behaviour():
    simulate = pytest.importorskip("loyaltystats.simulate")
    w = simulate.generate(20_000, months=24, seed=4)
    res = intent_vs_behavior(w.customers)
    assert res.verdict == "supported"
    tab = res.tables["by_k"].set_index("k")
    # in that world switching depends on negatives only: within a level, intent adds nothing
    for k in ("1", "2"):
        d = tab.loc[k, "conversion"] - tab.loc[k, "p_switch_no_intent"]
        assert abs(d) < 0.05


def test_empty_level_plot_and_round_trip():
    df = intent_world(2000, 0.3, seed=5)
    df.loc[df.negatives == 0, "considering_switch"] = 0
    res = intent_vs_behavior(df)
    row = res.estimates.set_index("term").loc["conversion[k=0]"]
    assert np.isnan(row.estimate) and row.n == 0
    fig, ax = plt.subplots()
    assert res.plot(ax=ax) is ax
    plt.close(fig)
    back = IntentResult.from_dict(json.loads(res.to_json()))
    assert back.verdict == res.verdict


def test_bad_input():
    df = intent_world(50, 0.3, seed=6)
    with pytest.raises(ModelError, match="nobody"):
        intent_vs_behavior(df.assign(considering_switch=0))
    bad = df.copy()
    bad.loc[[3, 7], "considering_switch"] = 5
    with pytest.raises(DataError, match="0/1") as err:
        intent_vs_behavior(bad)
    assert err.value.n_rows == 2 and "rows 3, 7" in str(err.value)
    with pytest.raises(DataError, match="whole numbers"):
        intent_vs_behavior(df.assign(negatives=df["negatives"] + 0.5))


def test_package_surface():
    for name in ("dose_response", "threshold", "hazard", "recovery", "intent_vs_behavior",
                 "cox_time_varying"):
        assert callable(getattr(sw, name))
        assert getattr(sw, name).__doc__ and "Examples" in getattr(sw, name).__doc__
    for cls in (sw.DoseResponseResult, sw.ThresholdResult, sw.HazardResult, sw.RecoveryResult,
                sw.IntentResult):
        assert issubclass(cls, Result)
        assert cls.plot is not Result.plot
