"""K3 (adaptation to repeated delight) and K4 (category shift between waves)."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError, ModelError
from loyaltystats.kano import (
    Adaptation,
    CategoryShift,
    adaptation,
    category_shift,
    prca,
    questionnaire_counts,
)
from loyaltystats.simulate import generate, world_where_false


def _not_absent(world):
    # "No delight" must not include a penalised absence of the delighter (K2), see Notes.
    r = world.responses
    return r[r["D1"] >= 3]


@pytest.fixture(scope="module")
def k3_world():
    # No market drift: fewer grades at the ceiling of 10, which would blunt larger effects.
    return generate(60_000, seed=11, drift_per_year=0.0)


def test_world_adaptation_recovered_and_supported(k3_world):
    r = adaptation(k3_world.experiences, _not_absent(k3_world), "customer_id")
    e = r.estimates.set_index("term")
    truth = k3_world.truth["adaptation"]
    assert e.loc["adaptation", "ci_low"] < truth < e.loc["adaptation", "ci_high"]
    assert r.verdict == "supported" and r.claim_id == "K3"
    # the world has no extra effect of the time since the previous delight
    assert e.loc["recent_repeat", "ci_low"] < 0 < e.loc["recent_repeat", "ci_high"]
    by_k = r.tables["by_k"]
    assert (np.diff(by_k["relative_effect"]) < 0).all()
    back = Adaptation.from_dict(json.loads(r.to_json()))
    assert back.verdict == r.verdict
    fig, ax = plt.subplots()
    assert r.plot(ax=ax) is ax
    plt.close(fig)


def test_world_without_adaptation_is_not_supported():
    w = generate(60_000, seed=12, drift_per_year=0.0, **world_where_false("K3"))
    r = adaptation(w.experiences, _not_absent(w), "customer_id")
    e = r.estimates.set_index("term")
    assert e.loc["adaptation", "ci_low"] < 1.0 < e.loc["adaptation", "ci_high"]
    assert r.verdict == "contradicted"


def test_adaptation_bad_inputs(k3_world):
    exp, resp = k3_world.experiences, _not_absent(k3_world)
    with pytest.raises(DataError, match="no experiences of kind"):
        adaptation(exp, resp, "customer_id", kind="wow")
    with pytest.raises(DataError, match="orderable"):
        adaptation(exp, resp.assign(time=resp["time"].astype(str)), "customer_id")
    with pytest.raises(DataError, match="same clock"):
        adaptation(exp, resp.assign(time=pd.Timestamp("2024-01-01")), "customer_id")
    with pytest.raises(DataError, match="missing column"):
        adaptation(exp, resp, "client")
    only_first = exp[~exp.duplicated("customer_id")]
    with pytest.raises(ModelError, match="first delight"):
        adaptation(only_first, resp, "customer_id")


# ------------------------------------------------------------------------------ K4
def test_questionnaire_shift_supported_and_contradicted():
    a = questionnaire_counts({"meaning": {"A": 90, "O": 60, "M": 30, "I": 20},
                              "price": {"A": 20, "O": 120, "M": 40, "I": 20}}, n_boot=0)
    b = questionnaire_counts({"meaning": {"A": 20, "O": 50, "M": 110, "I": 20},
                              "price": {"A": 22, "O": 118, "M": 38, "I": 22}}, n_boot=0)
    r = category_shift(a, b, "meaning")
    assert r.verdict == "supported" and r.claim_id == "K4"
    t = r.table.set_index("attribute")
    assert t.loc["meaning", "p_value"] < 1e-6 and t.loc["meaning", "changed"]
    assert t.loc["price", "p_value"] > 0.5 and not t.loc["price", "changed"]
    assert category_shift(a, b, "price").verdict == "contradicted"
    assert category_shift(a, b).verdict == "inconclusive"  # several attributes, none named
    back = CategoryShift.from_dict(json.loads(r.to_json()))
    assert back.verdict == "supported"
    fig, ax = plt.subplots()
    assert r.plot(ax=ax) is ax
    plt.close(fig)


def test_questionnaire_shift_asymmetry_se_matches_bootstrap():
    counts = {"m": {"A": 40, "O": 30, "M": 20, "I": 10}}
    boot = questionnaire_counts(counts, n_boot=4000, seed=1).estimates.set_index("term")
    r = category_shift(questionnaire_counts(counts, n_boot=0),
                       questionnaire_counts(counts, n_boot=0))
    se = r.table.loc[0, "se_a"]
    width = boot.loc["m: asymmetry", "ci_high"] - boot.loc["m: asymmetry", "ci_low"]
    assert width / (2 * 1.96) == pytest.approx(se, rel=0.1)
    assert r.table.loc[0, "difference"] == 0


def test_prca_shift_between_early_and_late_waves():
    # The delighter D1 is attractive early in the world's life cycle and a basic later.
    w = generate(30_000, seed=5)
    resp = w.responses[w.responses["n_prev_delights"] == 0]
    attrs = ["B1", "B2", "P1", "D1"]
    early = prca(resp[resp["month"] < 3], "grade", attrs, n_boot=0)
    late = prca(resp[resp["month"] >= 15], "grade", attrs, n_boot=0)
    r = category_shift(early, late, "D1")
    assert r.verdict == "supported"
    t = r.table.set_index("attribute")
    assert (t.loc["D1", "category_a"], t.loc["D1", "category_b"]) == ("A", "M")
    assert t.loc["B1", "category_a"] == t.loc["B1", "category_b"] == "M"
    p1 = category_shift(early, late, "P1")
    assert p1.verdict != "supported" and p1.table.set_index("attribute").loc["P1", "p_value"] > 0.05


def test_shift_bad_inputs():
    q = questionnaire_counts({"m": {"A": 4, "O": 3}}, n_boot=0)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"m": rng.integers(1, 6, 200), "y": np.clip(rng.normal(7, 1, 200), 1, 10)})
    p = prca(df, "y", ["m"], n_boot=0)
    with pytest.raises(DataError, match="same route"):
        category_shift(q, p)
    with pytest.raises(DataError, match="result of questionnaire"):
        category_shift(q, {"m": 1})
    with pytest.raises(DataError, match="not in both"):
        category_shift(q, q, "x")
    other = questionnaire_counts({"z": {"A": 4, "O": 3}}, n_boot=0)
    with pytest.raises(DataError, match="share no attribute"):
        category_shift(q, other)
