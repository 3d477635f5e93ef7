"""The main job end to end: the demo's estimates recover the simulated world's truth."""

import numpy as np
import pytest

from loyaltystats import data
from loyaltystats.cli import main
from loyaltystats.demo import compare_with_truth
from loyaltystats.simulate import generate


@pytest.fixture(scope="module")
def world():
    return generate(30_000, seed=11)


def test_simulated_world_satisfies_the_data_contract(world):
    data.validate_responses(world.responses, id="customer_id", score="grade",
                            recommend="recommend", ratings=["B1", "B2", "P1", "D1"], time="time")
    data.validate_customers(world.customers, id="customer_id", start="start", end="end",
                            duration="duration", switched="switched", intent="considering_switch")
    data.validate_experiences(world.experiences, id="customer_id", time="time", kind="kind",
                              customers=world.customers, customer_start="start",
                              customer_end="end")


def test_demo_estimates_recover_truth(world):
    table = compare_with_truth(world, seed=0)
    assert set(table.columns) >= {"truth", "estimate", "ci_low", "ci_high", "covered"}
    half = (table["ci_high"] - table["ci_low"]) / 2
    # Each truth lies within two half-widths of its estimate (about 4 standard errors): robust
    # to the ~5% chance of a single 95% interval missing, yet fails on any real bias.
    assert np.all(np.abs(table["estimate"] - table["truth"]) <= 2 * half), table
    assert table["covered"].mean() >= 0.75


def test_demo_detects_a_world_where_intent_differs():
    w = generate(20_000, seed=5, intent_by_negatives=(0.1, 0.57, 0.78, 0.9))
    table = compare_with_truth(w, seed=0)
    row = table[table["quantity"] == "P(consider | k=1)"].iloc[0]
    assert row["truth"] == 0.57 and row["ci_low"] <= 0.57 <= row["ci_high"] + 0.02


def test_cli_demo_runs_and_prints_truth(capsys):
    assert main(["demo", "--customers", "3000", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    assert "truth" in out and "P(switch 12m | 1 unrecovered)" in out


def test_cli_rejects_bad_arguments_with_exit_code_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["demo", "--customers", "0"])
    assert info.value.code == 2
    assert "must be a positive integer, got 0" in capsys.readouterr().err
