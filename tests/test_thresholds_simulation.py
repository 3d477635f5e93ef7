"""Simulation tests of T1-T5 on ``simulate.generate``: estimates cover the world's truth, and
with the claim switched off in the world the verdict is no longer "supported".

The grade truths of the simulator are exact at calendar month 0 (the delighter's reward
decays afterwards, see docs/simulate.md), so T1-T3 use one-month worlds. The intervals are
checked at 99% so that the fixed seeds are not fragile.
"""

import pandas as pd
import pytest

from loyaltystats.simulate import claims_true_overrides, generate, world_where_false
from loyaltystats.thresholds import (
    band_table,
    basics_ceiling,
    by_level,
    loyalty_curve,
    moments_of_truth,
)

T1_CLAIM = {"met": 8, "exceeded": 9}


def _covers(lo, hi, value):
    return lo <= value <= hi


@pytest.fixture(scope="module")
def month0():
    return generate(80_000, months=1, seed=11)


@pytest.fixture(scope="module")
def month0_false():
    return {cid: generate(80_000, months=1, seed=11, **world_where_false(cid))
            for cid in ("T1", "T2")}


def test_t1_estimates_cover_the_truth_and_the_claim_is_supported(month0):
    res = by_level(month0.responses, "grade", "expectation", claimed=T1_CLAIM, level=0.99)
    lv = res.tables["levels"].set_index("level")
    ex = res.tables["exceedance"].query("cutoff == 9").set_index("level")
    truth_mean = month0.truth["mean_grade_by_expectation"]
    truth_p9 = month0.truth["p_9plus_by_expectation"]
    for level in ("below", "met", "exceeded"):
        assert _covers(lv.loc[level, "mean_ci_low"], lv.loc[level, "mean_ci_high"],
                       truth_mean[level]), level
        assert _covers(ex.loc[level, "ci_low"], ex.loc[level, "ci_high"], truth_p9[level]), level
    assert res.verdict == "supported"
    # the mean of "met" (7.92) is not an 8: the caller's choice of statistic matters
    by_mean = by_level(month0.responses, "grade", "expectation", claimed=T1_CLAIM,
                       statistic="mean")
    assert by_mean.tables["verdicts"].set_index("level").loc["met", "verdict"] == "contradicted"


def test_t1_false_world_is_not_supported(month0_false):
    # exceeding expectations earns about 8.4 (P(9+) = 0.48): the median sits on the 8 / 9
    # boundary, so with some seeds the verdict is "inconclusive" rather than "contradicted"
    res = by_level(month0_false["T1"].responses, "grade", "expectation", claimed=T1_CLAIM)
    assert res.verdict != "supported"
    assert res.tables["verdicts"].set_index("level").loc["exceeded", "verdict"] != "supported"
    by_mean = by_level(month0_false["T1"].responses, "grade", "expectation", claimed=T1_CLAIM,
                       statistic="mean")
    assert by_mean.tables["verdicts"].set_index("level").loc["exceeded", "verdict"] == \
        "contradicted"


def test_t1_true_world_holds_pooled_over_all_months():
    w = generate(6_000, months=12, seed=4, **claims_true_overrides("T1"))
    assert by_level(w.responses, "grade", "expectation", claimed=T1_CLAIM).verdict == "supported"


def test_t3_tiers_cover_the_truth(month0):
    res = by_level(month0.responses, "grade", "tier", level=0.99, claim_id="T3",
                   claimed={"meets needs": (6, 7.99), "easy": 8, "enjoyable": 9})
    lv = res.tables["levels"].set_index("level")
    for tier, mean in month0.truth["mean_grade_by_tier"].items():
        assert _covers(lv.loc[tier, "mean_ci_low"], lv.loc[tier, "mean_ci_high"], mean), tier
    # the simulated world makes T3 only partly true: "meets needs" has a median of 8
    v = res.tables["verdicts"].set_index("level")["verdict"]
    assert v["easy"] == v["enjoyable"] == "supported"
    assert v["meets needs"] == "contradicted" and res.verdict == "contradicted"
    ors = res.tables["model"].set_index("term")["odds_ratio"]
    assert ors["meets needs vs not met"] < ors["easy vs not met"] < ors["enjoyable vs not met"]


def test_t2_ceiling_covers_the_truth_and_flips(month0, month0_false):
    kw = {"basics": ["B1", "B2"], "delighters": ["D1"], "others": ["P1"], "level": 0.99}
    res = basics_ceiling(month0.responses, "grade", **kw)
    truth = month0.truth["basics_best_no_delight_mean"]
    assert _covers(res.info["ceiling_ci_low"], res.info["ceiling_ci_high"], truth)
    assert res.verdict == "supported"
    groups = res.tables["groups"].set_index("group")
    assert groups.loc["basics best, delighter", "p_above"] > \
        groups.loc["basics best, no delighter", "p_above"]
    false = basics_ceiling(month0_false["T2"].responses, "grade", **kw)
    truth_false = month0_false["T2"].truth["basics_best_no_delight_mean"]
    assert _covers(false.info["ceiling_ci_low"], false.info["ceiling_ci_high"], truth_false)
    assert false.verdict == "contradicted"


def _t4_frame(world):
    """Responses with the mean of the customer's last three transaction grades (T4)."""
    tr = world.transactions.sort_values(["customer_id", "month"])
    g = tr["grade"].astype(float)
    same1 = tr["customer_id"].shift(1) == tr["customer_id"]
    same2 = tr["customer_id"].shift(2) == tr["customer_id"]
    base = pd.concat([g, g.shift(1).where(same1), g.shift(2).where(same2)], axis=1).mean(axis=1)
    tr = tr.assign(baseline_grade=base.to_numpy())[["customer_id", "month", "baseline_grade"]]
    return world.responses.merge(tr, on=["customer_id", "month"], how="left", validate="1:1")


@pytest.mark.parametrize("claim_true", [True, False])
def test_t4_cells_cover_the_truth_and_the_verdict_flips(claim_true):
    overrides = {} if claim_true else world_where_false("T4")
    w = generate(20_000, months=12, seed=5, **overrides)
    df = _t4_frame(w)
    assert df["baseline_grade"].notna().all()
    res = moments_of_truth(df, "feels_first", "baseline_grade", "grade", baseline_from=7,
                           peak_from=9, level=0.99)
    cells = res.tables["cells"]
    for row in cells.itertuples():
        truth = w.truth["t4_cell_probs"][f"baseline_ok={row.baseline},peak={row.peak}"]
        assert _covers(row.ci_low, row.ci_high, truth)
    if claim_true:
        assert res.verdict == "supported"
    else:
        assert res.verdict != "supported"


def _retention(world, months=24):
    c = world.customers
    c = c[c["start"] <= months - 12].copy()
    c["retained"] = ~(c["switched"] & (c["duration"] <= 12))
    return c


@pytest.mark.parametrize("claim_true", [True, False])
def test_t5_band_rates_cover_the_truth_and_the_verdict_flips(claim_true):
    overrides = {} if claim_true else world_where_false("T5")
    w = generate(30_000, months=24, seed=2, **overrides)
    cust = _retention(w)
    bands = band_table(cust, "grade", outcome="retained", level=0.99).tables["bands"]
    for _, row in bands.iterrows():
        truth = w.truth["retention_12m_by_band"][row.band]
        assert _covers(row.rate_ci_low, row.rate_ci_high, truth), row.band
    res = loyalty_curve(cust, "grade", "retained", n_boot=100, seed=1)
    if claim_true:
        assert res.verdict == "supported"
        assert res.info["breakpoint"] == 9.0
        boot = res.estimates.set_index("term").loc["breakpoint (bootstrap)"]
        assert boot["ci_low"] >= 8
    else:
        assert res.verdict != "supported"
        # the false world puts the whole jump at 7: the best step is there, not at the top
        assert res.info["breakpoint"] == 7.0
        rate = bands.set_index("band")["rate"]
        assert rate["7"] - rate["<=6"] > 0.1


def test_t3_verdict_flips_to_supported_in_the_t3_world():
    # default world: "meets needs" has a median of 8 (contradicted, see above); the T3 world
    # puts the tiers at 6-7 / 8 / 9, and the same call supports the claim
    claimed = {"meets needs": (6, 7.99), "easy": 8, "enjoyable": 9}
    w = generate(6_000, months=12, seed=5, **claims_true_overrides("T3"))
    res = by_level(w.responses, "grade", "tier", claimed=claimed, claim_id="T3",
                   levels=list(claimed))
    assert res.verdict == "supported"
    lv = res.tables["levels"].set_index("level")
    for tier, mean in w.truth["mean_grade_by_tier"].items():
        if tier in claimed:
            assert _covers(lv.loc[tier, "mean_ci_low"], lv.loc[tier, "mean_ci_high"], mean), tier
