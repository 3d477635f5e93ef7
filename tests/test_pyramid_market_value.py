"""P1 (pyramid gating), M1 (market convergence) and V1 (lifetime by band)."""

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time

from loyaltystats.errors import DataError, ScaleError
from loyaltystats.market import convergence
from loyaltystats.pyramid import gating, newcombe_diff_ci
from loyaltystats.simulate import generate, world_where_false
from loyaltystats.stats import rmst
from loyaltystats.value import lifetime_by_band

LEVELS = ["relevance", "trust", "satisfaction_level", "loyalty_level"]


# Newcombe RG (1998), "Interval estimation for the difference between independent
# proportions: comparison of eleven methods", Stat Med 17:873-890, Table II, method 10
# (hybrid score): (a) 56/70 - 48/80 -> 0.0524, 0.3339; (c) 5/56 - 0/29 -> -0.0381, 0.1926.
@pytest.mark.parametrize("x1, n1, x2, n2, lo, hi", [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (5, 56, 0, 29, -0.0381, 0.1926),
])
def test_newcombe_against_published_values(x1, n1, x2, n2, lo, hi):
    got = newcombe_diff_ci(x1, n1, x2, n2)
    assert (round(float(got[0]), 4), round(float(got[1]), 4)) == (lo, hi)


def test_gating_recovers_truth_and_flips():
    w = generate(15_000, seed=3)
    res = gating(w.responses, LEVELS)
    truth = w.truth["toh_gating"]
    diff = truth["p_high_given_high"] - truth["p_high_given_low"]
    half = (res.estimates["ci_high"] - res.estimates["ci_low"]) / 2
    # each step's estimate lies within two half-widths (~4 SE) of the truth: robust to the 5%
    # miss rate of any single interval, and fails on real bias
    assert np.all(np.abs(res.estimates["estimate"] - diff) <= 2 * half)
    assert res.verdict == "supported"
    off = generate(15_000, seed=3, **world_where_false("P1"))
    assert gating(off.responses, LEVELS).verdict == "contradicted"


def test_gating_bad_input():
    r = generate(500, seed=1).responses
    with pytest.raises(ScaleError):
        gating(r.assign(trust=r["trust"] + 5), LEVELS)
    with pytest.raises(DataError, match="at least two"):
        gating(r, ["trust"])
    with pytest.raises(DataError, match="never"):
        gating(r.assign(relevance=5), LEVELS)


def test_rmst_equals_lifelines_and_its_se_matches_simulation():
    rng = np.random.default_rng(0)
    d = rng.exponential(10, 500) + 0.1
    e = rng.random(500) < 0.7
    m, _, _ = rmst(d, e, 12)
    km = KaplanMeierFitter().fit(d, e)
    assert m == pytest.approx(restricted_mean_survival_time(km, t=12), rel=1e-10)
    means, variances = [], []
    for _ in range(300):
        d = rng.exponential(10, 300)
        e = rng.random(300) < 0.7
        d = np.where(e, d, d * rng.random(300))
        mi, vi, _ = rmst(d, e, 12)
        means.append(mi)
        variances.append(vi)
    assert np.sqrt(np.mean(variances)) == pytest.approx(np.std(means), rel=0.15)


def test_lifetime_by_band_against_world_truth_and_flip():
    w = generate(30_000, seed=5)
    res = lifetime_by_band(w.customers, horizon=12)
    assert res.verdict == "supported"
    # retention truth: the top band keeps more customers for 12 months than the bottom band
    t = w.truth["retention_12m_by_band"]
    assert t["9-10"] > t["<=6"]
    flat = generate(30_000, seed=5, band_effect=(0.0, 0.0, 0.0, 0.0))
    assert lifetime_by_band(flat.customers, horizon=12).verdict != "supported"
    with pytest.raises(DataError, match="durations"):
        lifetime_by_band(w.customers.assign(duration=-1))


def test_convergence_flips_with_the_world():
    for overrides, expected in (({}, "supported"), (world_where_false("M1"), "contradicted")):
        r = generate(20_000, seed=2, **overrides).responses.assign(
            year=lambda d: d["month"] // 12)
        assert convergence(r, "grade", "company", "year").verdict == expected
    r = generate(2000, seed=2).responses
    with pytest.raises(DataError, match="two periods"):
        convergence(r.assign(year=0), "grade", "company", "year")
    with pytest.raises(DataError, match="not numbers"):
        convergence(r.assign(g=pd.Series(["x"] * len(r))), "g", "company", "month")
