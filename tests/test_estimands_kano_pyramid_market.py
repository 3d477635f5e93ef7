"""Truth of the Kano (K1 - K4), pyramid (P1) and market (M1) claims' deciding estimands."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from loyaltystats.kano import prca
from loyaltystats.simulate import WorldParams, generate
from loyaltystats.simulate import reference as ref
from loyaltystats.simulate.estimands import _kano as K
from loyaltystats.simulate.estimands import _pyramid_market as PM
from loyaltystats.simulate.estimands import get_spec


@pytest.fixture
def small_reference(monkeypatch):
    # 30,000 customers: every deciding truth here is far from its region's edge (K4 -0.75
    # vs -0.2; M1 top +0.17 / -0.2 vs 0; K1's D1 asymmetry -0.5 or +1 vs +-0.2)
    monkeypatch.setattr(ref, "REFERENCE_CUSTOMERS", 30_000)


def test_population_prca_matches_statsmodels_and_the_estimator():
    w = generate(3000, 12, seed=4)
    r = w.responses
    got = K.population_prca(r["grade"].to_numpy(float), r[["B1", "B2", "P1", "D1"]].to_numpy())
    d = r[["grade"]].astype(float).copy()
    terms = []
    for a in ("B1", "B2", "P1", "D1"):
        d[f"{a}_low"] = (r[a] <= 2).astype(float)
        d[f"{a}_high"] = (r[a] >= 4).astype(float)
        terms += [f"{a}_low", f"{a}_high"]
    fit = smf.ols("grade ~ " + " + ".join(terms), data=d).fit()
    assert np.allclose(got["penalty"], fit.params[[f"{a}_low" for a in "B1 B2 P1 D1".split()]])
    assert np.allclose(got["reward"], fit.params[[f"{a}_high" for a in "B1 B2 P1 D1".split()]])
    # the estimator's categories on the same rows
    est = prca(r, "grade", ["B1", "B2", "P1", "D1"], n_boot=0)
    assert est.categories.tolist() == got["category"].tolist()


def test_company_changes_matches_pandas():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"grade": rng.normal(8, 1, 600), "company": rng.choice(list("abc"), 600),
                       "year": rng.integers(0, 2, 600)})
    got = PM.company_changes(df["grade"].to_numpy(), df["company"].to_numpy(),
                             df["year"].to_numpy())
    m = df.groupby(["year", "company"])["grade"].mean().unstack()
    assert got["top_change"] == pytest.approx(m.loc[1].max() - m.loc[0].max())
    assert got["spread_change"] == pytest.approx(m.loc[1].std() - m.loc[0].std())


def test_exact_truths_are_the_parameters():
    p = WorldParams()
    assert get_spec("K2").truth(p) == {"decay_rate": pytest.approx(np.log(2) / p.half_life)}
    assert get_spec("K3").truth(p) == {"adaptation": p.adaptation}
    p1 = get_spec("P1").truth(p)
    want = p.toh_p_high_given_high - p.toh_p_high_given_low
    assert list(p1.values()) == pytest.approx([want] * 3)
    assert set(get_spec("P1").truth(get_spec("P1").params("false")).values()) == {0.0}


@pytest.mark.parametrize("claim", ["K1", "K2", "K3", "K4", "P1", "M1"])
def test_true_world_holds_and_false_world_fails(claim, small_reference):
    spec = get_spec(claim)
    assert spec.holds(spec.truth(spec.params("true")))
    assert not spec.holds(spec.truth(spec.params("false")))


def test_delighter_life_cycle_in_numbers(small_reference):
    k4 = get_spec("K4")
    assert k4.truth(k4.params("true"))[K._K4_TERM] < -0.5
    assert k4.truth(k4.params("false"))[K._K4_TERM] == pytest.approx(0.0, abs=0.05)
    m1 = get_spec("M1")
    assert m1.truth(m1.params("false"))["top_change"] < 0  # the fading delight, no drift
