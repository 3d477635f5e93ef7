"""effect= of simulated claims in the claim's own terms (loyaltystats._design_effects)."""

from __future__ import annotations

import math

import pytest

from loyaltystats._design_effects import EFFECTS, NO_EFFECT, default_effect, effect_world
from loyaltystats.design import power
from loyaltystats.errors import ParameterError
from loyaltystats.simulate.estimands import SPECS


def _truth(cid: str, overrides: dict) -> dict:
    spec = SPECS[cid]
    return spec.truth(spec.params("true").replace(**overrides))


@pytest.mark.parametrize("cid", sorted(EFFECTS))
def test_the_mapped_world_has_the_effect_as_its_truth(cid):
    m = EFFECTS[cid]
    base = default_effect(cid)
    for factor in (0.6, 0.9):
        if cid == "S1":
            e = -0.07 * factor
            assert _truth(cid, effect_world(cid, e))["p[k=1]"] == pytest.approx(0.57 + e)
            assert _truth(cid, effect_world(cid, e))["p[k=2]"] == pytest.approx(0.78 + e)
            continue
        e = base * factor if cid != "S3" else base + (1 - base) * (1 - factor)
        assert _truth(cid, effect_world(cid, e))[m.term] == pytest.approx(e, abs=1e-8)


@pytest.mark.parametrize("cid", sorted(EFFECTS))
def test_the_default_effect_is_the_true_world_exactly(cid):
    assert effect_world(cid, default_effect(cid)) == dict(SPECS[cid].true_world)


def test_s1_in_the_issues_words():
    # "P(switch | 1 negative) is 0.50 against a claimed 0.57"
    w = effect_world("S1", -0.07)
    assert w["intent_by_negatives"][1] == pytest.approx(0.50)
    assert w["intent_by_negatives"][2] == pytest.approx(0.71)
    assert math.log(2) / effect_world("K2", 0.1)["half_life"] == pytest.approx(0.1)


@pytest.mark.parametrize("cid", ["N2", "S2"])
def test_larger_effect_gives_higher_power_and_default_is_reproduced(cid):
    weak, strong = {"N2": (0.55, 0.9), "S2": (0.85, 0.3)}[cid]
    kw = {"n": 400, "n_sim": 8, "seed": 3}
    p_weak = power(cid, effect=weak, **kw)
    p_strong = power(cid, effect=strong, **kw)
    assert p_strong.power > p_weak.power
    assert p_strong.info["overrides"] != p_weak.info["overrides"]
    at_default = power(cid, effect=default_effect(cid), **kw)
    plain = power(cid, **kw)
    assert at_default.info["counts"] == plain.info["counts"]
    assert at_default.info["overrides"] == dict(SPECS[cid].true_world)


@pytest.mark.parametrize("cid", sorted(NO_EFFECT))
def test_claims_without_a_single_parameter_raise_naming_those_that_accept(cid):
    with pytest.raises(ParameterError, match="claims that accept it") as err:
        power(cid, n=100, effect=0.5)
    assert "K3" in str(err.value) and "S1" in str(err.value)


@pytest.mark.parametrize("cid, effect", [("K3", 1.2), ("S3", 0.1), ("S2", -1.0),
                                         ("N2", float("nan")), ("T4", True)])
def test_effects_out_of_reach_raise(cid, effect):
    with pytest.raises(ParameterError, match=cid):
        effect_world(cid, effect)


def test_effect_with_the_false_world_is_refused():
    with pytest.raises(ParameterError, match="world"):
        power("K3", n=100, effect=0.5, world="false")


def test_every_simulated_claim_is_either_mapped_or_explained():
    simulated = {c for c, s in SPECS.items() if not s.descriptive}
    assert simulated == set(EFFECTS) | set(NO_EFFECT)
    assert not set(EFFECTS) & set(NO_EFFECT)
