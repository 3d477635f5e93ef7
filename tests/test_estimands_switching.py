"""Truth and worlds of the switching claims S2, S3 and V1 (validity benchmark specs).

The exact dynamic programme behind S3 and V1 is checked against an independent exact
implementation (the world's own 12-month retention truth), against counts and a Kaplan-Meier
on a reference world, and the Kaplan-Meier's time convention against the estimator's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from loyaltystats.simulate import WorldParams
from loyaltystats.simulate.estimands import _switching as sw
from loyaltystats.simulate.estimands import get_spec
from loyaltystats.simulate.reference import reference_tables
from loyaltystats.simulate.truth import _retention_by_grade

MONTHS = 24
REF_N = 40_000


@pytest.fixture
def small_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("loyaltystats.simulate.reference.REFERENCE_CUSTOMERS", REF_N)


def _customers(p: WorldParams):
    return reference_tables(p, MONTHS, n_customers=REF_N)["customers"]


# -- every claim: the true world's truth holds, the false world's does not ------------------
@pytest.mark.parametrize("cid", ["S2", "S3", "V1"])
def test_true_world_holds_false_world_fails(cid: str, small_reference: None) -> None:
    spec = get_spec(cid)
    assert spec.holds(spec.truth(spec.params("true"), MONTHS))
    assert not spec.holds(spec.truth(spec.params("false"), MONTHS))


@pytest.mark.parametrize("cid,term", [("S2", "hr[recovered vs unrecovered]"),
                                      ("S3", "conversion[all]"),
                                      ("V1", "rmst_difference[9-10 - <=6]")])
def test_terms_are_the_runner_rows(cid: str, term: str) -> None:
    assert [t.term for t in get_spec(cid).terms] == [term]


# -- S2 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("br,bu", [(0.15, 0.7), (0.7, 0.7), (-0.15, 0.7), (0.4, 0.1)])
def test_s2_truth_is_the_hazard_ratio_of_the_parameters(br: float, bu: float) -> None:
    p = WorldParams(beta_recovered=br, beta_unrecovered=bu)
    assert get_spec("S2").truth(p)["hr[recovered vs unrecovered]"] == pytest.approx(
        math.exp(br - bu), rel=1e-12)


def test_s2_worlds_margin_and_null_on_the_boundary() -> None:
    spec = get_spec("S2")
    hr_true = spec.truth(spec.params("true"))["hr[recovered vs unrecovered]"]
    assert hr_true == pytest.approx(math.exp(-0.55))
    assert spec.truth(spec.params("false"))["hr[recovered vs unrecovered]"] == 1.0
    # strict: HR 1 (recovery changes nothing) is not "recovery helps"
    assert not spec.terms[0].contains(1.0)


# -- the dynamic programme -----------------------------------------------------------------
@pytest.mark.parametrize("over", [{}, {"beta_recovered": -0.15, "p_recover": 0.9},
                                  {"band_effect": (0.0, 0.0, 0.0, 0.0),
                                   "hazard_grade_slope": -0.35}])
def test_programme_matches_the_exact_retention_truth(over: dict) -> None:
    p = WorldParams().replace(**over)
    alive, switched = sw._follow(p, 12)
    assert np.allclose(alive[12].sum(axis=(1, 2)), _retention_by_grade(p, 12), atol=1e-12)
    # every customer is alive or has switched exactly once
    total = alive[12].sum(axis=(1, 2)) + switched.sum(axis=(0, 2, 3))
    assert np.allclose(total, 1.0, atol=1e-12)


def test_capped_counts_give_the_intent_level() -> None:
    p = WorldParams(intent_by_negatives=(0.0, 0.1, 0.2, 0.3))
    got = sw._intent_by_state(p)
    for u in range(4):
        for r in range(4):
            assert got[u, r] == p.intent_by_negatives[min(u + r, 3)]


# -- S3 ---------------------------------------------------------------------------------
@pytest.mark.parametrize("world", ["true", "false"])
def test_s3_exact_equals_the_count_on_a_reference_world(world: str) -> None:
    p = get_spec("S3").params(world)
    c = _customers(p)
    counted = c.loc[c["considering_switch"].to_numpy(bool), "switched"].mean()
    # binomial sd about 0.0035 with 40,000 customers (half consider a switch)
    assert sw.s3_conversion_exact(p, MONTHS) == pytest.approx(counted, abs=0.015)


def test_s3_worlds_have_a_margin() -> None:
    spec = get_spec("S3")
    true = spec.truth(spec.params("true"))["conversion[all]"]
    false = spec.truth(spec.params("false"))["conversion[all]"]
    assert 0.3 < true < 0.5  # far below the 0.9 of the claim
    assert false > 0.95


def test_s3_everyone_converts_when_every_considerer_switches() -> None:
    assert sw.s3_conversion_exact(WorldParams(p_considerer_switches=1.0), MONTHS) == \
        pytest.approx(1.0, abs=1e-12)


def test_s3_falls_back_to_the_reference_world(small_reference: None) -> None:
    p = WorldParams(hazard_recommend_effect=(0.6, 0.0, -0.6))
    got = get_spec("S3").truth(p, MONTHS)["conversion[all]"]
    assert got == pytest.approx(sw.s3_conversion_reference(p, MONTHS), abs=1e-15)
    assert 0.0 < got < 1.0


# -- V1 ---------------------------------------------------------------------------------
def test_km_rmst_has_the_estimators_time_convention() -> None:
    # not a truth computation: it checks that sum_{j<12} S(j) is what the estimator reports
    from loyaltystats.stats import rmst

    c = _customers(WorldParams())
    d, e = c["duration"].to_numpy(), c["switched"].to_numpy(bool)
    assert sw.km_rmst(d, e, 12) == pytest.approx(rmst(d, e, 12)[0], rel=1e-12)


def test_km_rmst_by_hand() -> None:
    # durations 1, 2, 3 (switched) and 3 (censored): S = 1, 3/4, 2/4, 1/4 at j = 0..3
    got = sw.km_rmst(np.array([1, 2, 3, 3]), np.array([True, True, True, False]), 4)
    assert got == pytest.approx(1 + 0.75 + 0.5 + 0.25)


@pytest.mark.parametrize("world", ["true", "false"])
def test_v1_exact_equals_kaplan_meier_on_a_reference_world(world: str,
                                                           small_reference: None) -> None:
    p = get_spec("V1").params(world)
    exact = sw.v1_rmst_exact(p, MONTHS)
    km = sw.v1_rmst_reference(p, MONTHS)
    # the smallest band (<=6) has about 4,700 customers: RMST sd about 0.05
    for band in exact:
        assert exact[band] == pytest.approx(km[band], abs=0.2), band
    # the tolerance catches an off-by-one month (summing S(j) over j = 1..12 instead):
    # with no grade slope all grades of the <=6 band (grade 1 among them) share one curve
    alive, _ = sw._follow(p, 12)
    shifted = float(alive[1:13, 0].sum())
    assert abs(shifted - km["<=6"]) > 0.3


def test_v1_truth_is_the_band_difference_and_zero_without_band_effect() -> None:
    spec = get_spec("V1")
    p = spec.params("true")
    r = sw.v1_rmst_exact(p, MONTHS)
    diff = spec.truth(p, MONTHS)["rmst_difference[9-10 - <=6]"]
    assert diff == pytest.approx(r["9-10"] - r["<=6"])
    assert diff > 1.0  # about 1.9 months over 12: a wide margin
    assert spec.truth(spec.params("false"), MONTHS)["rmst_difference[9-10 - <=6]"] == 0.0


def test_v1_constant_hazard_has_the_geometric_rmst() -> None:
    # no negatives and no band effect: S(j) = q^j, RMST = (1 - q^12) / (1 - q)
    p = WorldParams(p_fail=0.0, band_effect=(0.0, 0.0, 0.0, 0.0))
    q = math.exp(-math.exp(p.hazard_intercept))
    for v in sw.v1_rmst_exact(p, MONTHS).values():
        assert v == pytest.approx((1 - q**12) / (1 - q), rel=1e-12)
