"""Recency of the recommend answer (claim N2): lag weights, verdicts, bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError, ModelError, ScaleError
from loyaltystats.nps import RecencyResult, recency
from loyaltystats.simulate import generate, world_where_false


def lag_world(weights, n=800, m=6, seed=0, noise=0.6):
    """Monthly transactions; one survey at the last month; recommend = weighted grades."""
    rng = np.random.default_rng(seed)
    tr = pd.DataFrame({"customer_id": np.repeat(np.arange(n), m),
                       "time": np.tile(np.arange(m), n).astype(float),
                       "grade": rng.integers(3, 11, n * m)})
    g = tr["grade"].to_numpy().reshape(n, m)
    w = np.asarray(weights)[::-1]  # oldest .. newest
    rec = np.clip(np.rint(g[:, m - len(w):] @ w - 1 + rng.normal(0, noise, n)), 0, 10)
    resp = pd.DataFrame({"customer_id": np.arange(n), "time": float(m - 1), "recommend": rec})
    return tr, resp


def test_recovers_known_weights_and_verdict_flips():
    tr, resp = lag_world([0.6, 0.2, 0.1, 0.1])
    r = recency(tr, resp)
    est = r.estimates.set_index("term")
    for lag, truth in enumerate([0.6, 0.2, 0.1, 0.1], start=1):
        row = est.loc[f"weight_lag{lag}"]
        assert row["ci_low"] <= truth <= row["ci_high"]
    assert est.loc[[f"weight_lag{i}" for i in range(1, 5)], "estimate"].sum() == pytest.approx(1)
    assert r.verdict == "supported" and r.claim_id == "N2"
    flat = recency(*lag_world([0.25, 0.25, 0.25, 0.25], seed=1))
    assert flat.verdict == "contradicted"
    near = recency(*lag_world([0.5, 0.2, 0.2, 0.1], n=300, seed=2, noise=2.0))
    assert near.verdict == "inconclusive"


def test_simulated_world_weights_are_covered_and_verdicts_flip():
    """Truth: truth["recency_weights"] of the simulator (0.55, 0.25, 0.12, 0.08)."""
    cover = []
    for seed in range(20):
        w = generate(3000, seed=seed)
        r = recency(w.transactions, w.responses)
        est = r.estimates.iloc[:4]
        t = np.array(w.truth["recency_weights"])
        cover.append((est["ci_low"].to_numpy() <= t) & (t <= est["ci_high"].to_numpy()))
    cover = np.array(cover)
    # per-lag coverage over 20 worlds (nominal 0.95); the answer process clips and rounds to
    # 0-10, which biases the weights slightly (lag 1 +0.005 at 100,000 customers)
    assert (cover.mean(axis=0) >= 0.8).all()
    w = generate(20000, seed=1)
    assert recency(w.transactions, w.responses).verdict == "supported"
    wf = generate(20000, seed=1, **world_where_false("N2"))
    assert recency(wf.transactions, wf.responses).verdict == "contradicted"


def test_history_rules():
    tr, resp = lag_world([0.7, 0.1, 0.1, 0.1], n=200, m=4)
    r = recency(tr, resp)
    assert r.info["n_answers"] == 200 and r.info["n_dropped_short_history"] == 0
    # strictly before the survey: only 3 transactions remain -> every answer dropped
    with pytest.raises(ModelError, match="earlier transactions"):
        recency(tr, resp, include_current=False)
    r3 = recency(tr, resp, lags=3, include_current=False)
    assert r3.info["n_answers"] == 200
    # an unknown customer and a too-short history are dropped and counted
    extra = pd.DataFrame({"customer_id": [999, 0], "time": [3.0, 1.0], "recommend": [5, 5]})
    r2 = recency(tr, pd.concat([resp, extra], ignore_index=True))
    assert r2.info["n_dropped_short_history"] == 2 and r2.info["n_answers"] == 200
    # row order does not matter
    shuffled = recency(tr.sample(frac=1, random_state=0), resp.sample(frac=1, random_state=1))
    assert shuffled.estimates["estimate"].to_numpy() == pytest.approx(
        r.estimates["estimate"].to_numpy())


def test_datetime_times():
    tr, resp = lag_world([0.7, 0.1, 0.1, 0.1], n=200)
    base = pd.Timestamp("2024-01-01")
    tr2 = tr.assign(time=base + pd.to_timedelta(tr.time * 30, unit="D"))
    resp2 = resp.assign(time=base + pd.to_timedelta(resp.time * 30, unit="D"))
    assert recency(tr2, resp2).share_last == pytest.approx(recency(tr, resp).share_last)


def test_bad_input():
    tr, resp = lag_world([0.7, 0.1, 0.1, 0.1], n=100)
    with pytest.raises(ScaleError) as info:
        recency(tr.assign(grade=tr.grade.where(tr.index != 5, 11)), resp)
    assert info.value.table == "transactions" and info.value.column == "grade"
    assert 11 in info.value.examples
    with pytest.raises(ScaleError, match="NaN") as info:
        recency(tr, resp.assign(recommend=resp.recommend.where(resp.index != 0)))
    assert info.value.column == "recommend"
    with pytest.raises(DataError, match="missing") as info:
        recency(tr.assign(time=tr.time.where(tr.index != 0)), resp)
    assert info.value.column == "time"
    with pytest.raises(DataError, match="missing column"):
        recency(tr.drop(columns="grade"), resp)
    with pytest.raises(ValueError, match="lags"):
        recency(tr, resp, lags=0)


def test_plot_and_round_trip():
    r = recency(*lag_world([0.6, 0.2, 0.1, 0.1]))
    fig, ax = plt.subplots()
    assert r.plot(ax=ax) is ax and len(ax.patches) == 4
    plt.close(fig)
    back = RecencyResult.from_dict(r.to_dict())
    assert back.verdict == r.verdict and back.share_last == r.share_last
