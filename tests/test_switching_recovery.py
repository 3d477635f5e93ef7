"""recovery (S2): verdicts flip with the world, Cox and discrete agree, bad input."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError, ModelError
from loyaltystats.switching import RecoveryResult, recovery


def recovery_world(n, *, hr_rec, hr_unrec, sat_rec, sat_unrec, seed, base=0.03, follow=24.0):
    """At most one failure per customer, at a whole month 0..11 (so that monthly periods are
    exact); after it the switching rate is multiplied by ``hr_rec`` or ``hr_unrec``.
    Satisfaction 7.5 without a failure plus ``sat_rec`` / ``sat_unrec`` after one (sd 1)."""
    rng = np.random.default_rng(seed)
    has = rng.random(n) < 0.6
    ft = rng.integers(0, 12, n).astype(float)
    rec = rng.random(n) < 0.5
    t0 = rng.exponential(1 / base, n)
    mult = np.where(rec, hr_rec, hr_unrec)
    t1 = ft + rng.exponential(1 / (base * mult))
    failed = has & (t0 > ft)
    t = np.where(failed, t1, t0)
    end = np.minimum(t, follow)
    sat = 7.5 + np.where(failed, np.where(rec, sat_rec, sat_unrec), 0.0) + rng.normal(0, 1, n)
    cust = pd.DataFrame({"customer_id": np.arange(n), "start": 0.0, "end": end,
                         "switched": t < follow, "satisfaction": sat})
    exp = pd.DataFrame({"customer_id": np.flatnonzero(failed), "time": ft[failed],
                        "kind": "negative", "recovered": rec[failed]})
    return cust, exp


@pytest.fixture(scope="module")
def paradox_world():
    return recovery_world(6000, hr_rec=0.8, hr_unrec=3.0, sat_rec=0.3, sat_unrec=-1.0, seed=1)


def test_paradox_world_supports_both_claims(paradox_world):
    cust, exp = paradox_world
    res = recovery(cust, exp, "satisfaction", method="discrete")
    verdicts = {k: c.verdict for k, c in res.claims.items()}
    assert verdicts == {"recovery_helps[retention]": "supported",
                        "paradox[retention]": "supported",
                        "recovery_helps[satisfaction]": "supported",
                        "paradox[satisfaction]": "supported"}
    est = res.estimates.set_index("term")
    for term, true in (("hr_per_recovered", 0.8), ("hr_per_unrecovered", 3.0),
                       ("hr[recovered vs unrecovered]", 0.8 / 3.0),
                       ("satisfaction_per_recovered", 0.3),
                       ("satisfaction[recovered vs unrecovered]", 1.3),
                       ("satisfaction_diff[recovered-not_recovered]", 1.3)):
        assert est.loc[term, "ci_low"] < true < est.loc[term, "ci_high"], term
    assert res.claims["paradox[retention]"].claim_id == "S2"
    assert res.claims["paradox[retention]"].claimed == [0.0, pytest.approx(1.1)]


def test_world_where_recovery_does_nothing():
    cust, exp = recovery_world(6000, hr_rec=3.0, hr_unrec=3.0, sat_rec=-1.0, sat_unrec=-1.0,
                               seed=2)
    res = recovery(cust, exp, "satisfaction", method="discrete")
    v = {k: c.verdict for k, c in res.claims.items()}
    assert v["recovery_helps[retention]"] == "inconclusive"
    assert v["recovery_helps[satisfaction]"] == "inconclusive"
    assert v["paradox[retention]"] == "contradicted"
    assert v["paradox[satisfaction]"] == "contradicted"


def test_cox_and_discrete_agree(paradox_world):
    cust, exp = paradox_world
    sub_c = cust.iloc[:1500]
    sub_e = exp[exp["customer_id"] < 1500]
    cox = recovery(sub_c, sub_e, method="cox").estimates.set_index("term")
    disc = recovery(sub_c, sub_e, method="discrete").estimates.set_index("term")
    for term in ("hr_per_recovered", "hr_per_unrecovered"):
        assert np.log(cox.loc[term, "estimate"]) == pytest.approx(
            np.log(disc.loc[term, "estimate"]), abs=0.1)
    assert "Efron" in cox.loc["hr_per_recovered", "method"]


def test_groups_km_and_missing_satisfaction(paradox_world):
    cust, exp = paradox_world
    c = cust.copy()
    c.loc[:9, "satisfaction"] = np.nan
    res = recovery(c, exp, "satisfaction", method="discrete", landmark=6)
    g = res.tables["groups"].set_index("group")
    assert g["n"].sum() == len(cust)
    assert g["n_missing"].sum() == 10 == res.info["n_missing_satisfaction"]
    assert g.loc["no_failure", "n"] == len(cust) - exp["customer_id"].nunique()
    assert set(res.tables["km"]["group"]) == {"no_failure", "recovered", "not_recovered"}
    assert res.info["km_logrank_p_value"] < 1e-6
    fig, ax = plt.subplots()
    assert res.plot(ax=ax) is ax
    plt.close(fig)
    back = RecoveryResult.from_dict(json.loads(res.to_json()))
    assert {k: v.verdict for k, v in back.claims.items()} == {
        k: v.verdict for k, v in res.claims.items()}


def test_several_failures_do_not_confound_the_verdict():
    # two failures each; recovery changes nothing: the status groups differ (not_recovered
    # customers carry more failures), the count model does not
    rng = np.random.default_rng(4)
    n = 8000
    ft = np.sort(rng.integers(0, 12, (n, 2)), axis=1).astype(float)
    has = rng.integers(0, 3, n)                        # 0, 1 or 2 failures
    rec = rng.random((n, 2)) < 0.5
    t = np.empty(n)
    e = rng.exponential(1.0, n)
    for i in range(n):
        bounds = np.concatenate([[0.0], ft[i, :has[i]], [np.inf]])
        cum = 0.0
        for j in range(len(bounds) - 1):
            r = 0.02 * 2.0**j
            if cum + r * (bounds[j + 1] - bounds[j]) >= e[i]:
                t[i] = bounds[j] + (e[i] - cum) / r
                break
            cum += r * (bounds[j + 1] - bounds[j])
    end = np.minimum(t, 24.0)
    cust = pd.DataFrame({"customer_id": np.arange(n), "start": 0.0, "end": end,
                         "switched": t < 24})
    ci = np.repeat(np.arange(n), has)
    j = np.concatenate([np.arange(h) for h in has])
    exp = pd.DataFrame({"customer_id": ci, "time": ft[ci, j], "kind": "negative",
                        "recovered": rec[ci, j]})
    exp = exp[exp["time"] < end[ci]]
    res = recovery(cust, exp, method="discrete")
    g = res.tables["groups"].set_index("group")
    assert g.loc["not_recovered", "mean_negatives"] > g.loc["recovered", "mean_negatives"]
    assert res.claims["recovery_helps[retention]"].verdict == "inconclusive"
    est = res.estimates.set_index("term")
    assert est.loc["hr_per_recovered", "ci_low"] < 2.0 < est.loc["hr_per_recovered", "ci_high"]


def test_simulated_worlds_flip_the_retention_verdicts():
    simulate = pytest.importorskip("loyaltystats.simulate")
    true_w = simulate.generate(20_000, months=24, seed=3, **simulate.claims_true_overrides("S2"))
    false_w = simulate.generate(20_000, months=24, seed=3, **simulate.world_where_false("S2"))
    t = recovery(true_w.customers, true_w.experiences, method="discrete")
    f = recovery(false_w.customers, false_w.experiences, method="discrete")
    assert t.claims["recovery_helps[retention]"].verdict == "supported"
    assert t.claims["paradox[retention]"].verdict == "supported"
    assert f.claims["recovery_helps[retention]"].verdict != "supported"
    assert f.claims["paradox[retention]"].verdict == "contradicted"


def test_bad_input(paradox_world):
    cust, exp = paradox_world
    with pytest.raises(DataError, match="numeric"):
        recovery(cust.assign(satisfaction="high"), exp, "satisfaction")
    bad = exp.assign(recovered=exp["recovered"].astype(object))
    bad.loc[bad.index[:2], "recovered"] = 3
    with pytest.raises(DataError, match="0/1") as err:
        recovery(cust, bad)
    assert err.value.n_rows == 2
    late = exp.copy()
    late.loc[late.index[0], "time"] = 30.0
    with pytest.raises(DataError, match="after the customer's end"):
        recovery(cust, late)
    with pytest.raises(ModelError, match="no customers in group"):
        recovery(cust, exp.assign(recovered=False))
    with pytest.raises(ValueError, match="method"):
        recovery(cust, exp, method="km")
