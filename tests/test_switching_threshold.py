"""threshold: recovers the world's k, step vs hinge, per-k comparisons, bootstrap."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from loyaltystats.errors import DataError
from loyaltystats.switching import ThresholdResult, threshold
from loyaltystats.switching.threshold import _hinge_llf, _step_llf


def world(n, p, *, seed):
    rng = np.random.default_rng(seed)
    p = np.asarray(p)
    k = rng.integers(0, len(p), n)
    return pd.DataFrame({"negatives": k, "switched": (rng.random(n) < p[k]).astype(int)})


@pytest.mark.parametrize("p, cap, k_true", [
    ((0.15, 0.17, 0.60, 0.62), 3, 2),
    ((0.10, 0.55, 0.57, 0.58), 3, 1),
    ((0.10, 0.11, 0.12, 0.50, 0.52, 0.53), 5, 3),
])
def test_threshold_recovers_the_worlds_k(p, cap, k_true):
    res = threshold(world(8000, p, seed=k_true), cap=cap, n_boot=300, seed=1)
    assert res.k_step == k_true
    est = res.estimates.set_index("term")
    assert est.loc["threshold_step", "ci_low"] <= k_true <= est.loc["threshold_step", "ci_high"]
    assert est.loc["threshold_step_boot", "ci_low"] == k_true == est.loc[
        "threshold_step_boot", "ci_high"]
    boot = res.tables["bootstrap"]
    assert boot.loc[(boot.model == "step") & (boot.k == k_true), "share"].item() > 0.9
    assert res.info["better_model"] == "step"
    # the chosen step's levels are the pooled proportions
    assert est.loc["p_below", "estimate"] == pytest.approx(np.mean(p[:k_true]), abs=0.03)


def test_linear_world_prefers_the_hinge_at_one():
    logit = -2 + 0.8 * np.arange(4)
    res = threshold(world(20_000, 1 / (1 + np.exp(-logit)), seed=4), n_boot=200)
    assert res.k_hinge == 1
    assert res.info["better_model"] == "hinge"


def test_step_and_hinge_llf_match_statsmodels():
    df = world(3000, (0.15, 0.2, 0.5, 0.6), seed=3)
    res = threshold(df, n_boot=0)
    prof = res.tables["profile"].set_index(["model", "k"])
    ref = {}
    for c in (1, 2, 3):
        d = df.assign(step=(df.negatives >= c).astype(float),
                      hinge=np.maximum(0, df.negatives - c + 1.0))
        for m in ("step", "hinge"):
            ref[(m, c)] = smf.logit(f"switched ~ {m}", d).fit(disp=0).llf
    for m in ("step", "hinge"):
        ours = np.array([prof.loc[(m, c), "llf"] for c in (1, 2, 3)])
        theirs = np.array([ref[(m, c)] for c in (1, 2, 3)])
        # cell and row log-likelihoods differ by a constant; differences are equal
        np.testing.assert_allclose(np.diff(ours), np.diff(theirs), atol=1e-6)
    # the vectorized bootstrap fits agree with the GLM fits on the observed counts
    s = res.tables["cells"]["successes"].to_numpy(float)[None]
    n = res.tables["cells"]["n"].to_numpy(float)[None]
    kk = np.arange(4)
    for c in (1, 2, 3):
        d_h = _hinge_llf(s, n, np.maximum(0, kk - c + 1.0)) - _hinge_llf(
            s, n, np.maximum(0, kk - 1 + 1.0))
        assert d_h[0] == pytest.approx(prof.loc[("hinge", c), "llf"] - prof.loc[("hinge", 1), "llf"],
                                       abs=1e-6)
        d_s = _step_llf(s, n, c) - _step_llf(s, n, 1)
        assert d_s[0] == pytest.approx(prof.loc[("step", c), "llf"] - prof.loc[("step", 1), "llf"],
                                       abs=1e-6)


def test_exactly_vs_fewer_and_the_misleading_at_least_split():
    # the jump is at 3: "at least 1" and "at least 2" still differ from their complements
    df = world(20_000, (0.10, 0.10, 0.10, 0.45), seed=9)
    res = threshold(df, n_boot=0)
    ex = res.tables["exactly_vs_fewer"].set_index("k")
    al = res.tables["at_least_vs_fewer"].set_index("k")
    assert ex.loc[1, "p_holm"] > 0.05 and ex.loc[2, "p_holm"] > 0.05
    assert ex.loc[3, "p_holm"] < 1e-10
    assert al.loc[1, "p_holm"] < 1e-10 and al.loc[2, "p_holm"] < 1e-10
    assert (ex["p_holm"] >= ex["p_value"]).all()
    assert ex["ci_level"].iloc[0] == pytest.approx(1 - 0.05 / 3)
    assert res.k_step == 3


def test_bootstrap_is_reproducible_and_seeded():
    df = world(2000, (0.2, 0.25, 0.5, 0.55), seed=2)
    a = threshold(df, n_boot=100, seed=5)
    b = threshold(df, n_boot=100, seed=5)
    pd.testing.assert_frame_equal(a.tables["bootstrap"], b.tables["bootstrap"])
    g = threshold(df, n_boot=100, seed=np.random.default_rng(5))
    assert g.info["seed"] == "generator"
    with pytest.raises(ValueError, match="n_boot"):
        threshold(df, n_boot=-1)
    with pytest.raises(ValueError, match="cap >= 2"):
        threshold(df, cap=1)


def test_plot_and_round_trip():
    res = threshold(world(3000, (0.15, 0.17, 0.60, 0.62), seed=1), n_boot=100)
    fig, ax = plt.subplots()
    assert res.plot(ax=ax) is ax
    plt.close(fig)
    back = ThresholdResult.from_dict(json.loads(res.to_json()))
    assert back.k_step == res.k_step == 2


def test_bad_input():
    df = pd.DataFrame({"negatives": [0, 1, -1], "switched": [0, 1, 1]})
    with pytest.raises(DataError, match="non-negative") as err:
        threshold(df)
    assert "rows 2" in str(err.value)
