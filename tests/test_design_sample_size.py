"""sample_size of a simulated claim: the search over n (loyaltystats._design_search)."""

from __future__ import annotations

import argparse
import math

import pytest

from loyaltystats._design_cli import add_design_parser, run_design
from loyaltystats._design_search import STEPS, grid_size
from loyaltystats.design import power, sample_size
from loyaltystats.errors import ParameterError

# N2 is one of the fastest claims to check (about 0.1 s a study on the shared machine); its
# power rises from about 0.45 at n = 50 to 1 at n = 400 in its true world.
FAST = {"n_sim": 10, "seed": 1, "n_min": 50, "n_max": 1600}


@pytest.fixture(scope="module")
def n2_true():
    # effect 0.7 is N2's true world exactly (tests/test_design_effects.py)
    return sample_size("N2", effect=0.7, **FAST)


def test_the_answer_reaches_the_target_and_the_size_below_it_does_not(n2_true):
    r = n2_true
    pts = {p["n"]: p for p in r.info["evaluated"]}
    assert r.info["method"] == "simulated search" and r.n in pts
    assert pts[r.n]["rate"] >= 0.8 and r.power == pts[r.n]["rate"]
    below = max(n for n in pts if n < r.n)          # the previous size evaluated
    assert pts[below]["rate"] < 0.8
    assert r.n / below <= 2 ** (1 / STEPS) * 1.01    # bisected down to the grid's step
    assert all(p["n_sim"] == 10 and p["rate"] == p["supported"] / 10 for p in pts.values())
    # the rates are power()'s own: the same seeds at the same n
    again = power("N2", n=below, n_sim=10, seed=1)
    assert again.info["counts"]["supported"] == pts[below]["supported"]
    # the table and the result's rows
    assert r.tables["search"]["n"].tolist() == sorted(pts)
    est = r.estimates.set_index("term")
    assert est.loc["n", "estimate"] == r.n
    assert est.loc[["supported", "contradicted", "inconclusive", "failed"],
                   "estimate"].sum() == pytest.approx(1.0)


def test_the_monte_carlo_range_brackets_the_answer(n2_true):
    r = n2_true
    lo, hi = r.info["n_ci_low"], r.info["n_ci_high"]
    est = r.estimates.set_index("term")
    assert (math.isnan(lo) and math.isnan(est.loc["n", "ci_low"])) or est.loc["n", "ci_low"] == lo
    pts = r.info["evaluated"]
    # by its definition: one above the largest n whose interval is wholly below 0.8 ...
    below = [p["n"] for p in pts if p["ci_high"] < 0.8]
    above = [p["n"] for p in pts if p["ci_low"] >= 0.8]
    if below:
        assert lo == max(below) + 1 <= r.n
    if above:
        assert hi == min(above) >= r.n
    # with 10 studies a size is settled only when its rate is extreme: 10/10 gives a
    # Clopper-Pearson interval [0.692, 1], which still holds 0.8
    assert all(p["ci_low"] < 0.8 for p in pts)


def test_a_larger_effect_needs_fewer_customers(n2_true):
    # N2's weight of the last transaction: 0.6 is a weaker recency effect than the true 0.7;
    # at each n both effects use the same draws (common random numbers)
    weak = sample_size("N2", effect=0.6, **FAST)
    strong = n2_true
    assert strong.n < weak.n
    assert weak.info["overrides"]["recency_weights"][0] == pytest.approx(0.6)
    shared = {p["n"] for p in weak.info["evaluated"]} & {p["n"] for p in strong.info["evaluated"]}
    assert {50, 100} <= shared


def test_an_unreachable_target_raises_naming_the_claim_and_the_power_reached():
    # a hazard ratio of 0.85 (true world: 0.577) is not supported at a few hundred customers
    with pytest.raises(ParameterError, match=r"S2: power 0.8 is not reached by n_max = 200") \
            as err:
        sample_size("S2", effect=0.85, n_sim=5, seed=1, n_min=100, n_max=200)
    assert "P(supported) = " in str(err.value) and "at n = 200" in str(err.value)


@pytest.mark.parametrize("kwargs", [
    {"n_min": 0}, {"n_min": 200, "n_max": 200}, {"n_max": 1.5e3}, {"n_sim": 0},
    {"effect": 2.0}, {"seed": "a"}, {"method": "bayes"},
])
def test_bad_search_settings(kwargs):
    with pytest.raises(ParameterError):
        sample_size("N2", **kwargs)


def test_the_grid():
    assert [grid_size(100, j / STEPS) for j in range(STEPS + 1)] == \
        [100, 109, 119, 130, 141, 154, 168, 183, 200]


def test_cli_searches_the_sample_size(capsys):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    add_design_parser(sub)
    args = parser.parse_args(["design", "N2", "--n-sim", "4", "--seed", "1", "--n-min", "50",
                              "--n-max", "400"])
    assert run_design(args) == 0
    out = capsys.readouterr().out
    assert "sample size of N2 for power 0.8 at n = 100 (true world, simulated)" in out
    with pytest.raises(ParameterError, match="--world false"):
        run_design(parser.parse_args(["design", "N2", "--world", "false"]))


def test_the_monte_carlo_range_on_known_rates():
    from loyaltystats._design_search import _mc_range
    from loyaltystats.design import _cp

    def pt(n, k, n_sim=100):
        lo, hi = _cp(k, n_sim, 0.95)
        return {"n": n, "supported": k, "n_sim": n_sim, "rate": k / n_sim, "ci_low": lo,
                "ci_high": hi}

    # 60/100: interval [0.497, 0.697] below 0.8; 75/100 [0.653, 0.831] and 82/100
    # [0.731, 0.890] hold it; 95/100 [0.887, 0.984] is above it
    pts = [pt(100, 60), pt(141, 75), pt(168, 82), pt(200, 95)]
    assert _mc_range(pts, 0.8) == (101.0, 200.0)
    # nothing settled on either side: both ends unknown
    lo, hi = _mc_range([pt(100, 75), pt(200, 82)], 0.8)
    assert math.isnan(lo) and math.isnan(hi)
    # a noisy size above the first settled one does not move the lower end past it
    assert _mc_range([pt(100, 60), pt(200, 95), pt(400, 70)], 0.8) == (101.0, 200.0)
