"""Truth, regions and worlds of the Kano claims' deciding estimands (K1 - K4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from loyaltystats.kano import GETTING_USED, SIX_MONTHS, TOWARDS_BASIC, prca
from loyaltystats.kano.decay import SIX_MONTHS_RATE
from loyaltystats.simulate import CLAIMS_FALSE, WorldParams, generate
from loyaltystats.simulate import reference as ref
from loyaltystats.simulate.estimands import _kano as K
from loyaltystats.simulate.estimands import get_spec

ATTRS = ["B1", "B2", "P1", "D1"]
SMALL_REFERENCE = 30_000  # every Monte-Carlo truth below is far from its region's edge


@pytest.fixture
def small_reference(monkeypatch):
    monkeypatch.setattr(ref, "REFERENCE_CUSTOMERS", SMALL_REFERENCE)


def _ols_prca(y: np.ndarray, x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Penalty and reward per column by statsmodels OLS on the low / high dummies."""
    design = pd.DataFrame({"const": 1.0}, index=x.index)
    for a in x.columns:
        design[f"{a}_low"] = (x[a] <= 2).astype(float)
        design[f"{a}_high"] = (x[a] >= 4).astype(float)
    fit = sm.OLS(np.asarray(y, float), design).fit()
    return (fit.params[[f"{a}_low" for a in x.columns]].to_numpy(),
            fit.params[[f"{a}_high" for a in x.columns]].to_numpy())


def _category(pen: float, rew: float, sd: float) -> str:
    """The documented rule of kano.prca, written out one attribute at a time."""
    r, p = max(rew, 0.0), max(-pen, 0.0)
    if abs(rew - pen) <= 0.2 * sd:
        return "I"
    if rew - pen < -0.2 * sd:
        return "R"
    ia = (r - p) / (r + p)
    return "A" if ia > 0.2 else "M" if ia < -0.2 else "O"


# ------------------------------------------------------------------ the numpy PRCA
def test_population_prca_matches_statsmodels_on_a_simulated_sample():
    r = generate(2500, 12, seed=21).responses
    y = r["grade"].to_numpy(float)
    got = K.population_prca(y, r[ATTRS].to_numpy())
    pen, rew = _ols_prca(y, r[ATTRS])
    np.testing.assert_allclose(got["penalty"], pen, atol=1e-10)
    np.testing.assert_allclose(got["reward"], rew, atol=1e-10)
    rr, pp = np.maximum(rew, 0), np.maximum(-pen, 0)
    np.testing.assert_allclose(got["asymmetry"], (rr - pp) / (rr + pp), atol=1e-10)
    sd = float(np.std(y, ddof=1))
    assert got["category"].tolist() == [_category(a, b, sd) for a, b in zip(pen, rew)]
    # and it is what the estimator judges on the same rows
    est = prca(r, "grade", ATTRS, n_boot=0)
    assert est.categories.tolist() == got["category"].tolist()
    np.testing.assert_allclose(est.table["asymmetry"], got["asymmetry"], atol=1e-8)


def test_population_prca_every_category():
    rng = np.random.default_rng(3)
    n = 20_000
    x = pd.DataFrame(rng.integers(1, 6, (n, 5)), columns=list("MAOIR"))
    y = (7 - 2.0 * (x["M"] <= 2) + 1.5 * (x["A"] >= 4) + 0.5 * (x["O"] - 3)
         - 0.6 * (x["R"] - 3) + rng.normal(0, 1.0, n))
    got = K.population_prca(y.to_numpy(), x.to_numpy())
    assert got["category"].tolist() == list("MAOIR")
    pen, rew = _ols_prca(y.to_numpy(), x)
    np.testing.assert_allclose(got["penalty"], pen, atol=1e-10)
    np.testing.assert_allclose(got["reward"], rew, atol=1e-10)


# ------------------------------------------------------------------ terms and regions
def test_terms_and_regions_are_the_runners_and_estimators():
    k1 = get_spec("K1")
    assert [t.term for t in k1.terms] == ["share_M[B1]", "share_M[B2]", "share_O[P1]",
                                          "share_A[D1]"]
    from loyaltystats.claims.runners import K1_STABILITY

    assert {(t.low, t.high, t.strict) for t in k1.terms} == {(K1_STABILITY, 1.0, False)}
    k2, k3, k4 = (get_spec(c).terms for c in ("K2", "K3", "K4"))
    # K2 is judged on the decay rate ln 2 / half-life: the six months' region, finite at
    # "no decay" (rate 0)
    assert [(t.term, t.low, t.high) for t in k2] == [("decay_rate", *SIX_MONTHS_RATE)]
    assert SIX_MONTHS_RATE == pytest.approx((np.log(2) / SIX_MONTHS[1], np.log(2) / SIX_MONTHS[0]))
    assert [(t.term, t.low, t.high) for t in k3] == [("adaptation", *GETTING_USED)]
    assert [(t.term, t.low, t.high) for t in k4] == [("D1: asymmetry change", *TOWARDS_BASIC)]
    for c in ("K1", "K2", "K3", "K4"):
        assert get_spec(c).rule == "all" and not get_spec(c).descriptive


@pytest.mark.slow
def test_every_term_is_a_row_of_the_runners_claim():
    from loyaltystats.claims import DEMO_MAPPING, demo_tables
    from loyaltystats.claims.runners import RUNNERS

    t = demo_tables(4000, seed=5)
    for c in ("K1", "K2", "K3", "K4"):
        claim, _ = RUNNERS[c](t, DEMO_MAPPING, 1)
        rows = set(claim.estimates["term"])
        assert {term.term for term in get_spec(c).terms} <= rows, (c, rows)


# ------------------------------------------------------------------ exact truths
@pytest.mark.parametrize("world", ["true", "false"])
def test_exact_truths_are_the_world_parameters(world):
    spec = get_spec("K3")
    p = spec.params(world)
    assert spec.truth(p) == {"adaptation": p.adaptation}
    p = get_spec("K2").params(world)
    assert get_spec("K2").truth(p) == {"decay_rate": pytest.approx(np.log(2) / p.half_life)}
    assert get_spec("K2").truth(WorldParams(half_life=12.0))["decay_rate"] == pytest.approx(
        np.log(2) / 12.0)
    assert get_spec("K3").truth(WorldParams(adaptation=0.5))["adaptation"] == 0.5


def test_exact_worlds():
    k2, k3 = get_spec("K2"), get_spec("K3")
    assert k2.params("true") == WorldParams() == k3.params("true")
    assert k2.params("false").half_life == 1e9 and dict(k2.false_world) == CLAIMS_FALSE["K2"]
    assert k3.params("false").adaptation == 1.0 and dict(k3.false_world) == CLAIMS_FALSE["K3"]
    for spec in (k2, k3):
        assert spec.holds(spec.truth(spec.params("true")))
        assert not spec.holds(spec.truth(spec.params("false")))


# ------------------------------------------------------------------ reference-world truths
@pytest.mark.slow
@pytest.mark.parametrize("claim", ["K1", "K4"])
def test_reference_worlds_hold_and_fail(claim, small_reference):
    spec = get_spec(claim)
    assert spec.holds(spec.truth(spec.params("true")))
    assert not spec.holds(spec.truth(spec.params("false")))


@pytest.mark.slow
def test_k1_population_categories(small_reference):
    spec = get_spec("K1")
    default = K._k1_truth(WorldParams(), 24)
    stable = K._k1_truth(spec.params("true"), 24)
    cats = [f"category[{a}]" for a in ATTRS]
    # pooled over 24 months the fading delighter has turned must-be in the default world
    assert [default[c] for c in cats] == ["M", "M", "O", "M"]
    assert [stable[c] for c in cats] == ["M", "M", "O", "A"]
    assert spec.params("false") == WorldParams()
    assert spec.truth(spec.params("false"))["share_A[D1]"] == 0.0
    assert set(spec.truth(spec.params("true")).values()) == {1.0}


@pytest.mark.slow
def test_k4_truth_is_the_per_year_ols_asymmetry(small_reference):
    p = WorldParams()
    r = ref.reference_tables(p, 24, n_customers=SMALL_REFERENCE)["responses"]
    ia = {}
    for year in (0, 1):
        rows = r[r["month"] // 12 == year]  # the wave column of the demo mapping
        pen, rew = _ols_prca(rows["grade"].to_numpy(float), rows[ATTRS])
        rr, pp = max(rew[3], 0.0), max(-pen[3], 0.0)
        ia[year] = (rr - pp) / (rr + pp)
    got = get_spec("K4").truth(p)["D1: asymmetry change"]
    assert got == pytest.approx(ia[1] - ia[0], abs=1e-9)
    # D1 is one-dimensional in the first year and must-be in the second
    assert abs(ia[0]) < 0.2 and ia[1] < -0.5


@pytest.mark.slow
def test_k4_false_world_has_no_change(small_reference):
    spec = get_spec("K4")
    t = K._k4_truth(spec.params("false"), 24)
    # no penalty of an absent D1: the index sits at (about) +1 in both years
    assert t["asymmetry[first]"] > 0.9 and t["asymmetry[last]"] > 0.9
    assert t["D1: asymmetry change"] == pytest.approx(0.0, abs=0.1)
