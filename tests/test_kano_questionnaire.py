"""K1, questionnaire route: evaluation table, better / worse, Fong's test, bad input."""

import json

import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError, ParameterError
from loyaltystats.kano import (
    ANSWERS,
    EVALUATION_TABLE,
    KanoQuestionnaire,
    better_worse,
    evaluate,
    fong_test,
    questionnaire,
    questionnaire_counts,
)

# Reference values from the issue (counts M, O, A, I, R, Q -> CS+, CS-).
REFERENCE = [
    ((95, 123, 45, 33, 0, 0), 0.568, -0.736),
    ((101, 54, 54, 81, 3, 3), 0.372, -0.534),
    ((15, 24, 121, 124, 6, 6), 0.511, -0.137),
    ((65, 87, 93, 51, 0, 0), 0.608, -0.514),
]


@pytest.mark.parametrize("counts, cs_plus, cs_minus", REFERENCE)
def test_better_worse_reference_values(counts, cs_plus, cs_minus):
    m, o, a, i, r, q = counts
    b, w = better_worse({"M": m, "O": o, "A": a, "I": i, "R": r, "Q": q})
    assert round(float(b), 3) == cs_plus
    assert round(float(w), 3) == cs_minus
    res = questionnaire_counts({"x": {"M": m, "O": o, "A": a, "I": i, "R": r, "Q": q}},
                               n_boot=0)
    row = res.table.iloc[0]
    assert round(row["better"], 3) == cs_plus and round(row["worse"], 3) == cs_minus
    assert row["n"] == sum(counts) and row["n_classified"] == m + o + a + i


def test_better_worse_vectorized_matches_scalar():
    arr = np.array([[45, 123, 95, 33, 0, 0], [54, 54, 101, 81, 3, 3]])  # A, O, M, I, R, Q
    b, w = better_worse(arr)
    np.testing.assert_allclose(b, [168 / 296, 108 / 290])
    np.testing.assert_allclose(w, [-218 / 296, -155 / 290])
    b0, _ = better_worse([0, 0, 0, 0, 2, 1])
    assert np.isnan(b0)


def test_evaluation_table_is_berger_1993():
    rows = {"like": "QAAAO", "must-be": "RIIIM", "neutral": "RIIIM", "live-with": "RIIIM",
            "dislike": "RRRRQ"}
    for f, row in rows.items():
        assert "".join(EVALUATION_TABLE.loc[f]) == row
        got = evaluate([f] * 5, list(ANSWERS))
        assert "".join(got) == row


def test_labels_are_case_and_space_insensitive_and_codes_are_explicit():
    assert evaluate(["Like", " MUST BE", "live_with"], ["Dislike", "dislike", "Dislike"]).tolist() \
        == ["O", "M", "M"]
    codes = {1: "like", 2: "must-be", 3: "neutral", 4: "live-with", 5: "dislike"}
    df = pd.DataFrame({"f": [1, 1, 3, 4], "d": [5, 3, 5, 4]})
    r = questionnaire(df, {"a": ("f", "d")}, codes=codes, n_boot=0)
    assert r.table.loc[0, ["O", "A", "M", "I"]].tolist() == [1, 1, 1, 1]
    # Dutch labels through an explicit mapping
    nl = {"leuk": "like", "vanzelfsprekend": "must-be", "neutraal": "neutral",
          "kan ermee leven": "live-with", "niet leuk": "dislike"}
    df2 = pd.DataFrame({"f": ["leuk", "leuk"], "d": ["niet leuk", "neutraal"]})
    assert questionnaire(df2, {"a": ("f", "d")}, codes=nl, n_boot=0).table.loc[0, "O"] == 1


def test_fong_test():
    clear, thr = fong_test(123, 95, 296)
    assert bool(clear) and thr == pytest.approx(1.65 * np.sqrt(218 * 374 / 592))
    clear, _ = fong_test(54, 54, 296)
    assert not bool(clear)


def _simulate_answers(shares, n, rng):
    """Answer pairs from category shares: each category drawn, then a pair that maps to it."""
    pairs = {"A": [("like", "neutral"), ("like", "live-with"), ("like", "must-be")],
             "O": [("like", "dislike")],
             "M": [("must-be", "dislike"), ("neutral", "dislike"), ("live-with", "dislike")],
             "I": [("neutral", "neutral"), ("live-with", "neutral"), ("must-be", "live-with")],
             "R": [("dislike", "like"), ("neutral", "like")],
             "Q": [("like", "like"), ("dislike", "dislike")]}
    cats = list(shares)
    draw = rng.choice(len(cats), size=n, p=list(shares.values()))
    f, d = [], []
    for c in draw:
        options = pairs[cats[c]]
        fi, di = options[rng.integers(len(options))]
        f.append(fi)
        d.append(di)
    return f, d


# The simulated world's truth: B1, B2 basics (M), P1 performance (O), D1 a delighter (A,
# at the start of the life cycle). Questionnaire answers drawn from these category shares.
WORLD_SHARES = {
    "B1": {"M": 0.55, "O": 0.15, "A": 0.05, "I": 0.2, "R": 0.03, "Q": 0.02},
    "P1": {"M": 0.15, "O": 0.5, "A": 0.15, "I": 0.15, "R": 0.03, "Q": 0.02},
    "D1": {"M": 0.05, "O": 0.15, "A": 0.55, "I": 0.2, "R": 0.03, "Q": 0.02},
}


def test_simulated_answers_recover_world_categories_and_coefficients():
    rng = np.random.default_rng(7)
    df = pd.DataFrame()
    pairs = {}
    for attr, shares in WORLD_SHARES.items():
        df[f"{attr}_f"], df[f"{attr}_d"] = _simulate_answers(shares, 1500, rng)
        pairs[attr] = (f"{attr}_f", f"{attr}_d")
    r = questionnaire(df, pairs, n_boot=1000, seed=3)
    assert r.categories.to_dict() == {"B1": "M", "P1": "O", "D1": "A"}
    assert r.table["clear"].all()
    for attr, s in WORLD_SHARES.items():
        t = s["A"] + s["O"] + s["M"] + s["I"]
        true_b, true_w = (s["A"] + s["O"]) / t, -(s["O"] + s["M"]) / t
        e = r.estimates.set_index("term")
        assert e.loc[f"{attr}: better", "ci_low"] < true_b < e.loc[f"{attr}: better", "ci_high"]
        assert e.loc[f"{attr}: worse", "ci_low"] < true_w < e.loc[f"{attr}: worse", "ci_high"]
        sh = r.tables["shares"]
        row = sh[(sh["attribute"] == attr) & (sh["category"] == "M")].iloc[0]
        assert row["ci_low"] < s["M"] < row["ci_high"]


def test_bootstrap_is_reproducible_and_needs_a_seed():
    counts = {"x": {"A": 40, "O": 30, "M": 20, "I": 10}}
    a = questionnaire_counts(counts, n_boot=300, seed=5)
    b = questionnaire_counts(counts, n_boot=300, seed=5)
    assert a.estimates.equals(b.estimates)
    with pytest.raises(ParameterError, match="seed"):   # the default is 0; None is refused
        questionnaire_counts(counts, n_boot=300, seed=None)


def test_result_is_frozen_and_round_trips():
    r = questionnaire_counts({"x": {"A": 40, "O": 30, "M": 20, "I": 10}}, n_boot=100, seed=1)
    back = KanoQuestionnaire.from_dict(json.loads(r.to_json()))
    assert back.table["category"].tolist() == ["A"]
    assert list(r.estimates.columns[:6]) == ["term", "estimate", "ci_low", "ci_high", "n",
                                              "method"]


# ------------------------------------------------------------------------ bad input
def test_unknown_answer_labels_raise_naming_column_and_values():
    df = pd.DataFrame({"f": ["like", "love it", "love it"], "d": ["dislike"] * 3})
    with pytest.raises(DataError) as err:
        questionnaire(df, {"a": ("f", "d")}, n_boot=0)
    e = err.value
    assert e.column == "f" and e.n_rows == 2 and e.examples == ("love it",)


def test_numeric_answers_need_codes():
    df = pd.DataFrame({"f": [1, 2], "d": [5, 5]})
    with pytest.raises(DataError, match="codes"):
        questionnaire(df, {"a": ("f", "d")}, n_boot=0)
    with pytest.raises(DataError, match="unknown labels"):
        questionnaire(df, {"a": ("f", "d")}, codes={1: "like", 2: "great"}, n_boot=0)


def test_attribute_with_only_one_answer_pair_raises():
    df = pd.DataFrame({"f": ["like", None], "d": ["dislike", None], "g": ["like", "like"]})
    with pytest.raises(DataError, match="1 complete answer pair"):
        questionnaire(df, {"a": ("f", "d")}, missing="drop", n_boot=0)
    with pytest.raises(DataError, match="exactly one answer pair"):
        questionnaire(df, {"a": ("g",)}, n_boot=0)
    with pytest.raises(DataError, match="exactly one answer pair"):
        questionnaire(df, {"a": "g"}, n_boot=0)


def test_missing_answers_raise_or_drop_explicitly():
    df = pd.DataFrame({"f": ["like", "like", np.nan], "d": ["dislike", "neutral", "dislike"]})
    with pytest.raises(DataError, match="missing answers") as err:
        questionnaire(df, {"a": ("f", "d")}, n_boot=0)
    assert err.value.n_rows == 1
    r = questionnaire(df, {"a": ("f", "d")}, missing="drop", n_boot=0)
    assert r.info["n_dropped"] == {"a": 1} and r.table.loc[0, "n"] == 2


def test_missing_columns_and_bad_counts():
    df = pd.DataFrame({"f": ["like"] * 3, "d": ["dislike"] * 3})
    with pytest.raises(DataError, match="missing column"):
        questionnaire(df, {"a": ("f", "nope")}, n_boot=0)
    with pytest.raises(DataError, match="unknown categories"):
        questionnaire_counts({"a": {"X": 3}}, n_boot=0)
    with pytest.raises(DataError, match="non-negative whole"):
        questionnaire_counts({"a": {"A": -1, "O": 3}}, n_boot=0)
