"""The validity benchmark's own arithmetic (rates, intervals, coverage, power), checked on
cases with a known answer, and one small end-to-end world run."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import validity as vb  # noqa: E402

from loyaltystats.simulate.estimands import get_spec  # noqa: E402


@pytest.mark.parametrize("k,n", [(0, 50), (1, 50), (25, 50), (49, 50), (50, 50), (3, 7)])
def test_clopper_pearson_equals_statsmodels_beta(k, n):
    lo, hi = vb.clopper_pearson(k, n)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=0.05, method="beta")
    assert lo == pytest.approx(ref_lo, abs=1e-12)
    assert hi == pytest.approx(ref_hi, abs=1e-12)


def test_clopper_pearson_published_value():
    # Clopper & Pearson (1934), as tabulated by Newcombe (1998, Stat. Med. 17:857, table II,
    # method 5): 0 of 10 gives [0, 0.3085]; 1 of 29 gives [0.0009, 0.1776]
    assert vb.clopper_pearson(0, 10)[1] == pytest.approx(0.3085, abs=5e-5)
    lo, hi = vb.clopper_pearson(1, 29)
    assert (round(lo, 4), round(hi, 4)) == (0.0009, 0.1776)


def test_verdict_rates_counts_each_outcome():
    outcomes = ["supported"] * 6 + ["contradicted"] * 2 + ["inconclusive"] + ["failed"]
    rec = pd.DataFrame({"claim": "X", "world": "true", "n": 300, "outcome": outcomes})
    r = vb.verdict_rates(rec).iloc[0]
    assert r["runs"] == 10
    assert (r["supported"], r["contradicted"], r["inconclusive"], r["failed"]) == (
        0.6, 0.2, 0.1, 0.1)
    assert r["supported_lo"] == pytest.approx(proportion_confint(6, 10, method="beta")[0])


def test_coverage_counts_misses_on_each_side_and_missing_intervals():
    terms = pd.DataFrame({
        "claim": "X", "world": "true", "term": "t", "n": 100, "truth": 1.0,
        "estimate": [1.0, 0.9, 1.2, 0.5, np.nan],
        "ci_low": [0.5, 0.8, 1.1, 0.2, np.nan],
        "ci_high": [1.5, 1.0, 1.3, 0.9, np.nan]})
    r = vb.coverage(terms).iloc[0]
    # covered: [0.5, 1.5] and [0.8, 1.0] (closed); missed: above [1.1, 1.3], below [0.2, 0.9]
    assert r["coverage"] == pytest.approx(2 / 5)
    assert (r["misses_above"], r["misses_below"], r["no_interval"]) == (1, 1, 1)


def test_coverage_of_a_true_95_interval_is_near_95_percent():
    rng = np.random.default_rng(0)
    est = rng.normal(0.0, 1.0, 4000)
    terms = pd.DataFrame({"claim": "X", "world": "true", "term": "t", "n": 1, "truth": 0.0,
                          "estimate": est, "ci_low": est - 1.959964, "ci_high": est + 1.959964})
    r = vb.coverage(terms).iloc[0]
    assert r["coverage_lo"] <= 0.95 <= r["coverage_hi"]


def test_smallest_powered_n():
    rates = pd.DataFrame({"claim": ["A", "A", "A", "B", "B"],
                          "world": ["true", "true", "true", "true", "true"],
                          "n": [300, 1000, 10000, 300, 10000],
                          "supported": [0.1, 0.85, 0.99, 0.2, 0.5]})
    assert vb.smallest_powered_n(rates) == {"A": 1000, "B": None}


def test_plan_worlds_shares_one_simulation_between_claims():
    worlds = vb.plan_worlds(["S1", "K3"])
    labels = sorted((c, w) for v in worlds.values() for c, w in v.items())
    assert labels == [("K3", "false"), ("K3", "true"), ("S1", "false"), ("S1", "true")]
    assert len(worlds) == len({vb._world_key(o) for o in (
        get_spec("S1").true_world, get_spec("S1").false_world,
        get_spec("K3").true_world, get_spec("K3").false_world)})


def test_run_world_end_to_end_on_s1():
    from loyaltystats.simulate.estimands import get_spec

    spec = get_spec("S1")
    job = {"key": vb._world_key(spec.false_world), "claims": {"S1": "false"}, "sizes": [400],
           "seeds": 2, "coverage_n": 600, "coverage_reps": 1, "reference_customers": 5_000}
    records, terms, meta = vb._run_world(job)
    assert [r["n"] for r in records] == [400, 400, 600]
    assert [r["coverage_run"] for r in records] == [False, False, True]
    assert meta["holds"] == {"S1": False}
    # the false world (intent 0.30 after one negative) is far below 0.57 +- 0.05
    assert all(r["outcome"] == "contradicted" for r in records)
    t = pd.DataFrame(terms)
    assert set(t["term"]) == {"p[k=1]", "p[k=2]"}
    assert (t.loc[t["term"] == "p[k=1]", "truth"] == 0.3).all()
    assert t[["estimate", "ci_low", "ci_high"]].notna().all().all()
