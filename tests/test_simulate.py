"""Tests of loyaltystats.simulate: determinism, schema, and the truth recovered by simulation.

Statistical checks use fixed seeds, so they are deterministic; tolerances are still derived
from standard errors (4 SE unless said otherwise) so that a change of seed would not make
them flaky.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from loyaltystats.scales import GRADE_1_10
from loyaltystats.simulate import (
    CLAIMS_FALSE,
    World,
    WorldParams,
    claims_true_overrides,
    compute_truth,
    generate,
    world_where_false,
)

N = 50_000
MONTHS = 24
BANDS = GRADE_1_10.band_names


@pytest.fixture(scope="module")
def world() -> World:
    return generate(N, MONTHS, seed=11)


@pytest.fixture(scope="module")
def month0_world() -> World:
    """Everybody starts at month 0 and is seen once: the month-0 truth applies to all rows."""
    return generate(N, months=1, seed=12)


def grade_matrix(w: World) -> np.ndarray:
    """Transaction grades as a (customer_id, month) matrix; 0 where inactive."""
    G = np.zeros((len(w.customers) + 1, w.months), dtype=np.float64)
    tx = w.transactions
    G[tx["customer_id"].to_numpy(), tx["month"].to_numpy()] = tx["grade"].to_numpy()
    return G


def wilson(k: int, n: int, z: float = 3.29) -> tuple[float, float]:
    p = k / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


def lagged_mean(w: World, G: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per response, the weighted mean of the current and previous grades that exist."""
    r = w.responses
    cid = r["customer_id"].to_numpy()
    mo = r["month"].to_numpy().astype(int)
    st = w.customers["start"].to_numpy()[cid - 1]
    acc = np.zeros(len(r))
    wsum = np.zeros(len(r))
    for j, wj in enumerate(weights):
        valid = (mo - j) >= st
        acc += np.where(valid, wj * G[cid, np.maximum(mo - j, 0)], 0.0)
        wsum += np.where(valid, wj, 0.0)
    return acc / wsum


# ---------------------------------------------------------------------------------------
# API, determinism, errors
# ---------------------------------------------------------------------------------------
def test_same_seed_identical_frames():
    a = generate(3000, months=12, seed=5)
    b = generate(3000, months=12, seed=5)
    for x, y in zip(list(a)[:3] + [a.transactions], list(b)[:3] + [b.transactions]):
        assert_frame_equal(x, y)
    assert a.truth == b.truth


def test_different_seed_differs():
    a = generate(3000, months=12, seed=5)
    b = generate(3000, months=12, seed=6)
    assert not a.customers.equals(b.customers)
    assert not a.responses["grade"].equals(b.responses["grade"])
    assert a.truth == b.truth  # the truth belongs to the parameters, not the sample


def test_generator_seed_accepted():
    a = generate(500, months=6, seed=np.random.default_rng(3))
    b = generate(500, months=6, seed=np.random.default_rng(3))
    assert_frame_equal(a.customers, b.customers)


def test_seed_is_required():
    with pytest.raises(TypeError):
        generate(100)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="seed"):
        generate(100, seed=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed"):
        generate(100, seed=1.5)  # type: ignore[arg-type]


def test_unknown_override_raises_type_error_naming_it():
    with pytest.raises(TypeError, match="half_lif"):
        generate(100, seed=1, half_lif=3.0)
    with pytest.raises(TypeError, match="nonsense"):
        WorldParams().replace(nonsense=1)


def test_overrides_and_params_combine():
    w = generate(200, months=6, seed=1, params=WorldParams(adaptation=1.0), half_life=12.0)
    assert w.params.adaptation == 1.0 and w.params.half_life == 12.0
    assert w.truth["delight_half_life"] == 12.0
    assert w.truth["adaptation"] == 1.0


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_bad_sizes_raise(bad):
    with pytest.raises(ValueError):
        generate(bad, seed=1)
    with pytest.raises(ValueError):
        generate(10, months=bad, seed=1)


@pytest.mark.parametrize("change", [
    {"p_fail": 1.5}, {"p_delight": 0.8, "p_delight_partial": 0.5},
    {"band_effect": (0.1, 0.2)}, {"intent_by_negatives": (0.1, 0.2, 0.3, 1.2)},
    {"recency_weights": ()}, {"half_life": 0.0}, {"sd_noise": -1.0},
    {"segment_probs": (0.5, 0.5, 0.5)}, {"r0": float("nan")},
])
def test_invalid_params_raise(change):
    with pytest.raises(ValueError):
        WorldParams(**change)


def test_world_unpacks_and_reprs(world):
    r, c, e, t = world
    assert r is world.responses and c is world.customers
    assert e is world.experiences and t is world.truth
    assert "customers=50000" in repr(world)


def test_params_hashable_and_frozen():
    p = WorldParams()
    assert hash(p) == hash(WorldParams())
    with pytest.raises(AttributeError):
        p.half_life = 3.0  # type: ignore[misc]
    assert WorldParams(recency_weights=[0.5, 0.5]).recency_weights == (0.5, 0.5)


# ---------------------------------------------------------------------------------------
# schema and internal consistency
# ---------------------------------------------------------------------------------------
RESPONSE_DTYPES = {
    "customer_id": "int32", "time": "float64", "month": "int16", "grade": "int8",
    "recommend": "int8", "expectation": "category", "tier": "category", "B1": "int8",
    "B2": "int8", "P1": "int8", "D1": "int8", "feels_first": "bool", "relevance": "int8",
    "trust": "int8", "satisfaction_level": "int8", "loyalty_level": "int8",
    "segment": "category", "company": "category", "n_prev_delights": "int16",
    "service_failure": "category",
}
CUSTOMER_DTYPES = {
    "customer_id": "int32", "segment": "category", "company": "category", "start": "int16",
    "end": "int16", "duration": "int16", "switched": "bool", "grade": "int8",
    "recommend": "int8", "negatives": "int16", "unrecovered_negatives": "int16",
    "recovered_negatives": "int16", "delights": "int16", "considering_switch": "bool",
    "monthly_value": "float64", "effort": "int8", "delighted": "bool",
}
EXPERIENCE_DTYPES = {"customer_id": "int32", "time": "float64", "kind": "category",
                     "attribute": "category", "recovered": "bool"}
TRANSACTION_DTYPES = {"customer_id": "int32", "time": "float64", "month": "int16",
                      "grade": "int8"}


@pytest.mark.parametrize("table,dtypes", [
    ("responses", RESPONSE_DTYPES), ("customers", CUSTOMER_DTYPES),
    ("experiences", EXPERIENCE_DTYPES), ("transactions", TRANSACTION_DTYPES),
])
def test_columns_and_dtypes(world, table, dtypes):
    df = getattr(world, table)
    assert list(df.columns) == list(dtypes)
    assert {k: str(v) for k, v in df.dtypes.items()} == dtypes


def test_categories(world):
    r, e = world.responses, world.experiences
    assert list(r["expectation"].cat.categories) == ["below", "met", "exceeded"]
    assert r["expectation"].cat.ordered
    assert list(r["tier"].cat.categories) == ["not met", "meets needs", "easy", "enjoyable"]
    assert list(e["kind"].cat.categories) == ["negative", "recovery", "delight"]
    assert list(r["company"].cat.categories) == ["C1", "C2", "C3", "C4", "C5"]


def test_value_ranges(world):
    r, c = world.responses, world.customers
    assert r["grade"].between(1, 10).all() and r["recommend"].between(0, 10).all()
    for col in ["B1", "B2", "P1", "D1", "relevance", "trust", "satisfaction_level",
                "loyalty_level"]:
        assert r[col].between(1, 5).all(), col
    assert c["grade"].between(1, 10).all() and c["recommend"].between(0, 10).all()
    assert (c["monthly_value"] > 0).all()
    assert c["customer_id"].tolist() == list(range(1, N + 1))


def test_durations_and_censoring(world):
    c = world.customers
    assert (c["duration"] >= 1).all()
    assert (c["duration"] == c["end"] - c["start"]).all()
    assert c["start"].between(0, MONTHS - 1).all()
    assert (c.loc[c["switched"], "end"] <= MONTHS).all()
    assert (c.loc[~c["switched"], "end"] == MONTHS).all()
    # a switch in the last month ends at `months` too, and is still a switch
    assert ((c["end"] == MONTHS) & c["switched"]).any()
    assert 0.1 < c["switched"].mean() < 0.6


def test_transactions_one_per_active_month(world):
    c, tx = world.customers, world.transactions
    assert len(tx) == int(c["duration"].sum())
    per = tx.groupby("customer_id").size()
    assert (per.to_numpy() == c["duration"].to_numpy()).all()
    st = c["start"].to_numpy()[tx["customer_id"] - 1]
    en = c["end"].to_numpy()[tx["customer_id"] - 1]
    assert ((tx["month"] >= st) & (tx["month"] < en)).all()
    assert ((tx["time"] >= tx["month"]) & (tx["time"] < tx["month"] + 1)).all()
    assert tx["customer_id"].is_monotonic_increasing


def test_experiences_within_customer_window_and_sorted(world):
    c, e = world.customers, world.experiences
    st = c["start"].to_numpy()[e["customer_id"] - 1]
    en = c["end"].to_numpy()[e["customer_id"] - 1]
    assert ((e["time"] >= st) & (e["time"] < en)).all()
    key = e["customer_id"].to_numpy() * 100.0 + e["time"].to_numpy()
    assert (np.diff(key) >= 0).all()


def test_experience_counts_match_customers(world):
    c, e = world.customers, world.experiences
    counts = e.groupby(["customer_id", "kind"], observed=False).size().unstack(fill_value=0)
    counts = counts.reindex(c["customer_id"], fill_value=0)
    assert (counts["negative"].to_numpy() == c["negatives"].to_numpy()).all()
    assert (counts["recovery"].to_numpy() == c["recovered_negatives"].to_numpy()).all()
    assert (counts["delight"].to_numpy() == c["delights"].to_numpy()).all()
    assert (c["negatives"] == c["unrecovered_negatives"] + c["recovered_negatives"]).all()
    neg = e[e["kind"] == "negative"]
    assert neg["attribute"].isin(["B1", "B2", "B1+B2"]).all()
    assert (e.loc[e["kind"] == "delight", "attribute"] == "D1").all()
    assert e.loc[e["kind"] == "recovery", "recovered"].all()
    # each recovery follows its negative by 0.01, inside the same month
    rec = e[e["kind"] == "recovery"]
    m = rec.merge(neg[neg["recovered"]], on=["customer_id", "attribute"], suffixes=("", "_n"))
    m = m[np.isclose(m["time"] - m["time_n"], 0.01)]
    assert len(m) == len(rec)
    assert (np.floor(m["time"]) == np.floor(m["time_n"])).all()


def test_responses_are_surveyed_transactions(world):
    r, tx = world.responses, world.transactions
    p = world.params.p_survey
    se = math.sqrt(p * (1 - p) / len(tx))
    assert abs(len(r) / len(tx) - p) < 4 * se
    merged = r[["customer_id", "month", "grade", "time"]].merge(
        tx, on=["customer_id", "month"], suffixes=("", "_tx"))
    assert len(merged) == len(r)
    assert (merged["grade"] == merged["grade_tx"]).all()
    assert np.allclose(merged["time"], merged["time_tx"])


def test_response_items_follow_their_definitions(world):
    r = world.responses
    failed = (r["B1"] <= 2) | (r["B2"] <= 2)
    assert ((r["service_failure"] != "none") == failed).all()
    unrec = r["service_failure"] == "unrecovered"
    assert ((r["expectation"] == "below") == unrec).all()
    assert ((r["expectation"] == "exceeded") == (~unrec & (r["D1"] >= 4))).all()
    assert ((r["tier"] == "not met") == unrec).all()
    assert ((r["tier"] == "enjoyable") == (~unrec & (r["D1"] >= 4))).all()
    assert ((r["tier"] == "easy") == (~unrec & (r["D1"] <= 3) & (r["P1"] >= 4))).all()


def test_truth_is_json_safe_and_documents_kinds(world):
    t = world.truth
    json.dumps(t, allow_nan=False)
    required = {
        "p_switch_12m_by_unrecovered", "p_consider_by_negatives", "retention_12m_by_band",
        "band_shares", "mean_grade_by_expectation", "p_9plus_by_expectation",
        "mean_grade_by_tier", "basics_best_no_delight_mean", "delight_half_life",
        "reward_at", "penalty_at", "recency_weights", "nps", "t4_cell_probs", "toh_gating",
        "adaptation",
    }
    assert required <= set(t)
    kinds = t["_kinds"]
    assert set(kinds) == {k for k in t if not k.startswith("_")}
    assert set(kinds.values()) <= {"exact", "monte-carlo"}
    assert len(t["reward_at"]) == MONTHS == len(t["penalty_at"])
    assert sorted(t["retention_12m_by_band"]) == sorted(BANDS)


def test_truth_is_a_copy():
    a = compute_truth(WorldParams(), 12)
    a["nps"] = -999.0
    assert compute_truth(WorldParams(), 12)["nps"] != -999.0


# ---------------------------------------------------------------------------------------
# truth recovered by simulation
# ---------------------------------------------------------------------------------------
def test_intent_by_negatives_within_wilson_ci(world):
    c, t = world.customers, world.truth
    k = np.minimum(c["negatives"].to_numpy(), 3)
    for kk in range(4):
        sel = c["considering_switch"].to_numpy()[k == kk]
        lo, hi = wilson(int(sel.sum()), len(sel))
        assert lo <= t["p_consider_by_negatives"][kk] <= hi, kk


def test_retention_12m_by_band(world):
    c, t = world.customers, world.truth
    f = c[c["start"] <= MONTHS - 12]
    band = GRADE_1_10.band(f["grade"])
    gone = (f["switched"] & (f["duration"] <= 12)).to_numpy()
    for b in BANDS:
        sel = np.asarray(band == b)
        n = int(sel.sum())
        p_true = t["retention_12m_by_band"][b]
        se = math.sqrt(p_true * (1 - p_true) / n)
        assert abs((1 - gone[sel].mean()) - p_true) < 4 * se, b
    # T5 by default: the top band retains far better, the rest are close together
    r = t["retention_12m_by_band"]
    assert r["9-10"] - r["8"] > 0.15 > r["8"] - r["7"] >= 0


def test_switching_without_negatives_matches_hazard_formula():
    w = generate(30_000, MONTHS, seed=13, p_fail=0.0)
    c, t = w.customers, w.truth
    # with no negatives every customer has k = 0: P(switch within 12 | band) is closed form
    p = w.params
    f = c[c["start"] <= MONTHS - 12]
    codes = GRADE_1_10.band_codes(f["grade"])
    gone = (f["switched"] & (f["duration"] <= 12)).to_numpy()
    expected = 1 - np.exp(-12 * np.exp(p.hazard_intercept + np.asarray(p.band_effect)[codes]))
    se = math.sqrt((expected * (1 - expected)).sum()) / len(f)
    assert abs(gone.mean() - expected.mean()) < 4 * se
    assert t["p_switch_12m_by_unrecovered"][0] == pytest.approx(
        sum(t["relationship_band_shares"][b] * (1 - math.exp(-12 * math.exp(
            p.hazard_intercept + p.band_effect[i]))) for i, b in enumerate(BANDS)))
    assert t["retention_12m_by_band"]["9-10"] == pytest.approx(
        math.exp(-12 * math.exp(p.hazard_intercept + p.band_effect[3])))


def test_p_switch_increases_with_unrecovered(world):
    p12 = world.truth["p_switch_12m_by_unrecovered"]
    assert p12[0] < p12[1] < p12[2] < p12[3]


def test_relationship_band_shares(world):
    c, t = world.customers, world.truth
    shares = pd.Series(GRADE_1_10.band(c["grade"])).value_counts(normalize=True)
    for b in BANDS:
        p = t["relationship_band_shares"][b]
        assert abs(shares[b] - p) < 4 * math.sqrt(p * (1 - p) / len(c)), b


def test_t1_month0_grades_by_expectation(month0_world):
    r, t = month0_world.responses, month0_world.truth
    means = r.groupby("expectation", observed=True)["grade"].agg(["mean", "std", "size"])
    for level in ["below", "met", "exceeded"]:
        m, s, n = means.loc[level]
        assert abs(m - t["mean_grade_by_expectation"][level]) < 4 * s / math.sqrt(n), level
    # T1 true by default: met about 8, exceeded 9+
    assert abs(means.loc["met", "mean"] - 8) < 0.15
    assert means.loc["exceeded", "mean"] >= 9
    p9 = (r["grade"] >= 9).groupby(r["expectation"], observed=True).mean()
    for level in ["met", "exceeded"]:
        p = t["p_9plus_by_expectation"][level]
        n = int((r["expectation"] == level).sum())
        assert abs(p9[level] - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_t3_tiers_and_t2_basics(month0_world):
    r, t = month0_world.responses, month0_world.truth
    g = r.groupby("tier", observed=True)["grade"].agg(["mean", "std", "size"])
    for tier, (m, s, n) in g.iterrows():
        assert abs(m - t["mean_grade_by_tier"][tier]) < 4 * s / math.sqrt(n), tier
    best = r[(r["B1"] >= 3) & (r["B2"] >= 3) & (r["P1"] == 3) & (r["D1"] == 3)]["grade"]
    assert abs(best.mean() - t["basics_best_no_delight_mean"]) < 4 * best.std() / math.sqrt(
        len(best))
    assert t["basics_best_no_delight_mean"] < 8.5  # T2 true by default


def test_band_shares_month0(month0_world):
    tx, t = month0_world.transactions, month0_world.truth
    shares = pd.Series(GRADE_1_10.band(tx["grade"])).value_counts(normalize=True)
    for b in BANDS:
        p = t["band_shares"]["month_0"][b]
        assert abs(shares[b] - p) < 4 * math.sqrt(p * (1 - p) / len(tx)), b


def test_band_shares_overall_and_nps(world):
    tx, r, t = world.transactions, world.responses, world.truth
    shares = pd.Series(GRADE_1_10.band(tx["grade"])).value_counts(normalize=True)
    for b in BANDS:
        # transactions of one customer are correlated: allow a design effect of about 4
        p = t["band_shares"]["overall"][b]
        assert abs(shares[b] - p) < 8 * math.sqrt(p * (1 - p) / len(tx)), b
    rec = r["recommend"]
    nps = 100 * ((rec >= 9).mean() - (rec <= 6).mean())
    assert abs(nps - t["nps"]) < 1.5
    assert 10 <= t["nps"] <= 35


def _delight_reward(r: pd.DataFrame) -> float:
    present = r.loc[r["D1"] >= 4, "grade"].mean()
    partial = r.loc[r["D1"] == 3, "grade"].mean()
    return float(present - partial)


def test_k2_delight_reward_decays(world):
    r = world.responses
    first = r[(r["n_prev_delights"] == 0) & (r["service_failure"] == "none")]
    early = _delight_reward(first[first["month"] <= 3])
    late = _delight_reward(first[first["month"] >= 16])
    t = world.truth
    assert early > late + 0.5
    assert early == pytest.approx(np.mean(t["reward_at"][:4]), abs=0.25)
    assert late < 0.4


def test_k2_false_world_keeps_reward():
    # without the market drift, so that the ceiling at 10 bites equally early and late
    w = generate(30_000, MONTHS, seed=14, drift_per_year=0.0, **world_where_false("K2"))
    r = w.responses
    first = r[(r["n_prev_delights"] == 0) & (r["service_failure"] == "none")]
    early = _delight_reward(first[first["month"] <= 3])
    late = _delight_reward(first[first["month"] >= 16])
    assert abs(early - late) < 0.3


@pytest.mark.parametrize("adaptation", [0.7, 1.0])
def test_k3_adaptation(adaptation):
    w = generate(30_000, MONTHS, seed=15, half_life=1e9, adaptation=adaptation)
    r = w.responses[w.responses["service_failure"] == "none"]
    first = _delight_reward(r[r["n_prev_delights"] == 0])
    later = r[r["n_prev_delights"] == 2]
    third = _delight_reward(later)
    if adaptation < 1:
        assert third == pytest.approx(w.params.r0 * adaptation**2, abs=0.2)
        assert first - third > 0.4
    else:
        assert abs(first - third) < 0.2


@pytest.mark.parametrize("claim", [None, "N2"])
def test_n2_recency_weights_recovered_by_ols(claim):
    overrides = world_where_false(claim) if claim else {}
    w = generate(30_000, MONTHS, seed=16, **overrides)
    r, c = w.responses, w.customers
    G = grade_matrix(w)
    cid = r["customer_id"].to_numpy()
    mo = r["month"].to_numpy().astype(int)
    ok = mo - c["start"].to_numpy()[cid - 1] >= 3
    X = np.column_stack([np.ones(ok.sum())] + [G[cid[ok], mo[ok] - j] for j in range(4)])
    beta = np.linalg.lstsq(X, r["recommend"].to_numpy()[ok].astype(float), rcond=None)[0]
    share = beta[1:] / beta[1:].sum()
    assert np.allclose(share, w.truth["recency_weights"], atol=0.04), share


def test_t4_cell_probabilities(world):
    r, t = world.responses, world.truth
    base_ok = lagged_mean(world, grade_matrix(world), np.ones(3)) >= 7
    peak = r["grade"].to_numpy() >= 9
    y = r["feels_first"].to_numpy()
    for b in (0, 1):
        for pk in (0, 1):
            sel = (base_ok == b) & (peak == pk)
            p = t["t4_cell_probs"][f"baseline_ok={b},peak={pk}"]
            assert abs(y[sel].mean() - p) < 4 * math.sqrt(p * (1 - p) / sel.sum())


def test_recommend_uses_renormalized_lagged_grades(world):
    r = world.responses
    wavg = lagged_mean(world, grade_matrix(world), np.asarray(world.truth["recency_weights"]))
    resid = r["recommend"].to_numpy() - wavg
    inner = (wavg > 2) & (wavg < 8)  # away from the clipping at 0 and 10
    assert abs(resid[inner].mean()) < 0.05
    assert resid[inner].std() == pytest.approx(
        math.sqrt(world.params.rec_sd**2 + 1 / 12), abs=0.05)


@pytest.mark.parametrize("gating", [True, False])
def test_p1_top_of_heart_gating(gating):
    w = generate(20_000, 12, seed=17, toh_gating=gating)
    r, t = w.responses, w.truth["toh_gating"]
    levels = ["relevance", "trust", "satisfaction_level", "loyalty_level"]
    high = {lv: r[lv].to_numpy() >= 4 for lv in levels}
    n = len(r)
    assert abs(high["relevance"].mean() - t["p_relevance_high"]) < 4 * math.sqrt(0.25 / n)
    for below, above in zip(levels, levels[1:]):
        for cond, key in ((True, "p_high_given_high"), (False, "p_high_given_low")):
            sel = high[below] == cond
            p = t[key]
            assert abs(high[above][sel].mean() - p) < 4 * math.sqrt(p * (1 - p) / sel.sum())


def test_m1_companies_converge_and_top_rises(world):
    cm = world.truth["company_mean_grade_by_year"]
    top = max(cm, key=lambda k: cm[k][0])
    assert cm[top][1] > cm[top][0]
    spread = [np.std([cm[k][y] for k in cm]) for y in range(2)]
    assert spread[1] < spread[0]
    tx = world.transactions.merge(world.customers[["customer_id", "company"]], on="customer_id")
    emp = tx.groupby(["company", tx["month"] // 12], observed=True)["grade"].mean()
    for k in cm:
        for y in range(2):
            assert emp.loc[(k, y)] == pytest.approx(cm[k][y], abs=0.06)


def test_segments_and_companies_shares(world):
    c = world.customers
    seg = c["segment"].value_counts(normalize=True)
    for s, p in zip("ABC", world.params.segment_probs):
        assert abs(seg[s] - p) < 4 * math.sqrt(p * (1 - p) / N)
    comp = c["company"].value_counts(normalize=True)
    assert (abs(comp - 0.2) < 4 * math.sqrt(0.16 / N)).all()


# ---------------------------------------------------------------------------------------
# claim switches
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("claim", sorted(CLAIMS_FALSE))
def test_every_false_world_generates_and_differs(claim):
    overrides = world_where_false(claim)
    p = WorldParams().replace(**overrides)
    assert p != WorldParams()
    assert WorldParams().claims_false(claim) == p
    w = generate(500, 12, seed=1, **overrides)
    json.dumps(w.truth, allow_nan=False)


def test_world_where_false_unknown_claim():
    with pytest.raises(ValueError, match="ZZ"):
        world_where_false("ZZ")
    with pytest.raises(ValueError):
        claims_true_overrides("K3")


def test_s1_switches(world):
    base = world.truth["p_consider_by_negatives"]
    assert (base[1], base[2]) == (0.5, 0.8)
    true_w = generate(N, MONTHS, seed=18, **claims_true_overrides())
    false_w = generate(N, MONTHS, seed=18, **world_where_false("S1"))
    assert true_w.truth["p_consider_by_negatives"][1] == 0.57
    assert true_w.truth["p_consider_by_negatives"][2] == 0.78
    for w in (true_w, false_w):
        c = w.customers
        for k in (1, 2):
            sel = c["considering_switch"][c["negatives"] == k]
            lo, hi = wilson(int(sel.sum()), len(sel))
            assert lo <= w.truth["p_consider_by_negatives"][k] <= hi
    c = false_w.customers
    p1 = c["considering_switch"][c["negatives"] == 1].mean()
    assert p1 < 0.4  # far from 57%


def test_t1_t2_false_truth():
    t1 = compute_truth(WorldParams().claims_false("T1"), 24)
    assert t1["mean_grade_by_expectation"]["exceeded"] < 8.5
    t2 = compute_truth(WorldParams().claims_false("T2"), 24)
    assert t2["basics_best_no_delight_mean"] > 8.5


def test_t5_false_jumps_at_seven():
    t = compute_truth(WorldParams().claims_false("T5"), 24)
    r = t["retention_12m_by_band"]
    assert r["7"] - r["<=6"] > 0.1  # the jump sits at satisfied (7) ...
    assert r["8"] == pytest.approx(r["7"]) and r["9-10"] == pytest.approx(r["8"])  # ... only
    default = compute_truth(WorldParams(), 24)["retention_12m_by_band"]
    assert (default["9-10"] - default["8"]) > 3 * (default["8"] - default["7"])


def test_s2_switches():
    t_false = compute_truth(WorldParams().claims_false("S2"), 24)
    t_true = compute_truth(WorldParams().claims_true("S2"), 24)
    m_false = t_false["mean_grade_by_service_failure"]
    m_true = t_true["mean_grade_by_service_failure"]
    assert m_false["recovered"] == pytest.approx(m_false["unrecovered"])
    assert m_true["recovered"] > m_true["none"]  # the paradox on satisfaction


def test_t4_false_no_interaction():
    cells = compute_truth(WorldParams().claims_false("T4"), 24)["t4_cell_probs"]
    logit = {k: math.log(v / (1 - v)) for k, v in cells.items()}
    inter = (logit["baseline_ok=1,peak=1"] - logit["baseline_ok=1,peak=0"]
             - logit["baseline_ok=0,peak=1"] + logit["baseline_ok=0,peak=0"])
    assert inter == pytest.approx(0.0, abs=1e-12)


def test_m1_false_truth():
    cm = compute_truth(WorldParams().claims_false("M1"), 24)["company_mean_grade_by_year"]
    top = max(cm, key=lambda k: cm[k][0])
    assert cm[top][1] < cm[top][0]
    spread = [np.std([cm[k][y] for k in cm]) for y in range(2)]
    assert spread[1] == pytest.approx(spread[0], rel=0.1)


def test_t1_true_in_every_month_with_switch():
    w = generate(30_000, MONTHS, seed=19, **claims_true_overrides("T1"))
    r = w.responses
    means = r.groupby([r["month"] // 12, "expectation"], observed=True)["grade"].mean()
    for year in (0, 1):
        assert abs(means.loc[(year, "met")] - 8) < 0.15
        assert means.loc[(year, "exceeded")] >= 9
