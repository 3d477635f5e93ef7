"""Truth of the Top-of-Heart pyramid (P1) and market (M1) claims' deciding estimands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyaltystats.claims import DEMO_MAPPING
from loyaltystats.market import convergence
from loyaltystats.pyramid import gating
from loyaltystats.simulate import WorldParams, compute_truth, generate
from loyaltystats.simulate.estimands import _pyramid_market as PM
from loyaltystats.simulate.estimands import get_spec
from loyaltystats.simulate.params import CLAIMS_FALSE
from loyaltystats.simulate.reference import reference_tables

P1, M1 = get_spec("P1"), get_spec("M1")
LEVELS = list(DEMO_MAPPING["responses"]["pyramid"])


# ------------------------------------------------------------------------------------ P1
def test_p1_terms_are_the_rows_gating_judges():
    r = generate(800, 6, seed=3).responses
    res = gating(r, LEVELS)
    assert [t.term for t in P1.terms] == res.estimates["term"].tolist()
    # the region is gating's: [margin, 1] with its default margin
    assert {(t.low, t.high, t.strict) for t in P1.terms} == {(res.info["margin"], 1.0, False)}
    assert P1.rule == "all"
    assert P1.false_world == CLAIMS_FALSE["P1"] == {"toh_gating": False}


@pytest.mark.parametrize("world, want", [("true", 0.6), ("false", 0.0)])
def test_p1_truth_is_the_generators_gating(world, want):
    p = P1.params(world)
    truth = P1.truth(p)
    assert list(truth.values()) == pytest.approx([want] * 3)
    g = compute_truth(p, 24)["toh_gating"]  # the generator's own record of its parameters
    assert list(truth.values()) == pytest.approx([g["p_high_given_high"]
                                                  - g["p_high_given_low"]] * 3)
    assert P1.holds(truth) is (world == "true")


@pytest.mark.parametrize("world", ["true", "false"])
def test_p1_truth_matches_a_pandas_crosstab_of_a_sample(world):
    # the conditional shares counted directly on ~60,000 answers (se of a difference about
    # 0.005): "high" is 4-5, conditioning on the level directly below only
    r = generate(20_000, 24, seed=11, params=P1.params(world)).responses
    high = r[LEVELS] >= 4
    truth = P1.truth(P1.params(world))
    for below, above in zip(LEVELS, LEVELS[1:]):
        share = high.groupby(high[below])[above].mean()
        assert share[True] - share[False] == pytest.approx(
            truth[f"difference[{below} -> {above}]"], abs=0.03)


def test_p1_gating_is_markov_so_deeper_levels_do_not_matter():
    # why the truth needs no distribution of the lower levels: given trust, satisfaction
    # does not depend on relevance
    r = generate(20_000, 24, seed=12).responses
    high = r[LEVELS] >= 4
    share = high.groupby([high["relevance"], high["trust"]])["satisfaction_level"].mean()
    assert share[(True, True)] == pytest.approx(share[(False, True)], abs=0.03)
    assert share[(True, False)] == pytest.approx(share[(False, False)], abs=0.03)


# ------------------------------------------------------------------------------------ M1
def test_m1_terms_are_the_rows_convergence_judges():
    r = generate(1500, 24, seed=5).responses.assign(year=lambda d: d["month"] // 12)
    res = convergence(r, "grade", "company", "year", n_boot=50)
    assert [t.term for t in M1.terms] == res.estimates["term"].tolist()
    top, spread = M1.terms
    assert (top.low, top.high, top.strict) == (0.0, np.inf, True)
    assert (spread.low, spread.high, spread.strict) == (-np.inf, 0.0, True)
    assert M1.false_world == CLAIMS_FALSE["M1"]
    # the estimator's point estimate is the statistic of company_changes on its rows
    got = PM.company_changes(r["grade"].to_numpy(), r["company"].to_numpy(), r["year"].to_numpy())
    est = res.estimates.set_index("term")["estimate"]
    assert got["top_change"] == pytest.approx(est["top_change"])
    assert got["spread_change"] == pytest.approx(est["spread_change"])


def test_company_changes_match_a_pandas_groupby():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"grade": rng.integers(1, 11, 900).astype(float),
                       "company": rng.choice(list("abcd"), 900),
                       "year": rng.integers(0, 3, 900)})
    # a company without answers in the last year is left out of both years (as convergence)
    df = df[~((df["company"] == "d") & (df["year"] == 2))]
    got = PM.company_changes(df["grade"].to_numpy(), df["company"].to_numpy(),
                             df["year"].to_numpy())
    m = df.groupby(["year", "company"])["grade"].mean().unstack()[["a", "b", "c"]]
    assert got["top_change"] == pytest.approx(m.loc[2].max() - m.loc[0].max())
    assert got["spread_change"] == pytest.approx(m.loc[2].std() - m.loc[0].std())
    assert np.isnan(PM.changes_of_means(np.array([1.0, np.nan]), np.array([2.0, 3.0]))
                    ["top_change"])


@pytest.mark.parametrize("world", ["true", "false"])
def test_m1_truth_matches_the_reference_worlds_answers(world):
    # the truth comes from every transaction (the generator's Monte-Carlo company-year
    # means); the estimator sees the surveyed answers: the same population means, checked
    # on an independent 40,000-customer reference world by a pandas groupby of the answers
    # (Monte-Carlo se there about 0.025 on top_change, 0.011 on spread_change)
    p = M1.params(world)
    r = reference_tables(p, 24, n_customers=40_000)["responses"]
    m = r.groupby(["year", "company"], observed=True)["grade"].mean().unstack()
    truth = M1.truth(p)
    assert truth["top_change"] == pytest.approx(m.loc[1].max() - m.loc[0].max(), abs=0.08)
    assert truth["spread_change"] == pytest.approx(m.loc[1].std() - m.loc[0].std(), abs=0.04)


def test_m1_truth_in_numbers_and_holds():
    t_true, t_false = M1.truth(M1.params("true")), M1.truth(M1.params("false"))
    assert 0.1 < t_true["top_change"] < 0.25 and -0.15 < t_true["spread_change"] < -0.07
    assert M1.holds(t_true)
    # no drift and no convergence: the fading delight (K2) pulls every company down, so
    # the top falls; the spread does not change (within the Monte-Carlo error)
    assert t_false["top_change"] < -0.1
    assert t_false["spread_change"] == pytest.approx(0.0, abs=0.03)
    assert not M1.holds(t_false)


def test_m1_without_the_delight_life_cycle_nothing_changes():
    # the false world's falling top is the delighter life cycle: switched off too, the
    # market stands still (both changes about 0, so the strict regions fail)
    p = WorldParams().replace(half_life=1e9, **CLAIMS_FALSE["M1"])
    t = M1.truth(p)
    assert t["top_change"] == pytest.approx(0.0, abs=0.03)
    assert t["spread_change"] == pytest.approx(0.0, abs=0.03)
