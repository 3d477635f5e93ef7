"""The precomputed score table gives today's outputs for every cell, the same errors and
flags, and survives pickling, copying, cloning and artifacts (issue #21)."""

import copy
import math
import pickle

import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError
from loyaltystats.scoring import OUTPUT_COLUMNS, LoyaltyScorer, _table, load_scorer
from loyaltystats.scoring._reference import reference_score_frame, reference_score_one
from loyaltystats.simulate import generate


@pytest.fixture(scope="module")
def world():
    return generate(20_000, seed=7)


@pytest.fixture(scope="module", params=["segment", "plain", "no-negatives"])
def scorer(request, world):
    if request.param == "segment":
        return LoyaltyScorer(features=["segment"]).fit(world.customers, world.experiences)
    if request.param == "plain":
        return LoyaltyScorer(baseline_months=12, cap=2).fit(world.customers, world.experiences)
    return LoyaltyScorer(features=["segment"]).fit(world.customers)


def _cells(scorer):
    return pd.DataFrame(_table.all_cells(scorer))


def test_table_is_built_and_small(scorer):
    assert scorer._table is not None
    assert len(scorer._table.rows) == math.prod(_table.table_shape(scorer)) <= 10_000


def test_frame_path_is_bit_identical_to_direct_computation_on_every_cell(scorer):
    cells = _cells(scorer)
    assert len(cells) > 1000
    for errors in ("raise", "flag"):
        pd.testing.assert_frame_equal(scorer.score(cells, errors=errors),
                                      reference_score_frame(scorer, cells, errors),
                                      check_exact=True)


def test_list_of_dicts_path_matches_on_every_cell(scorer):
    recs = _table.all_cells(scorer)
    pd.testing.assert_frame_equal(scorer.score(recs),
                                  reference_score_frame(scorer, pd.DataFrame(recs), "raise"),
                                  check_exact=True)


def test_dict_path_matches_direct_computation_on_every_cell(scorer):
    frame = reference_score_frame(scorer, _cells(scorer), "raise")
    for i, rec in enumerate(_table.all_cells(scorer)):
        new, old = scorer.score(rec), reference_score_one(scorer, rec)
        assert list(new) == list(old) == list(OUTPUT_COLUMNS)
        for col in OUTPUT_COLUMNS:
            if isinstance(old[col], float):
                assert type(new[col]) is float
                # the old dict path summed in plain Python: a few ulp from the frame path,
                # which the table now returns (bit-identical) for both
                assert new[col] == pytest.approx(old[col], rel=1e-12, abs=1e-15, nan_ok=True)
                assert new[col] == frame[col].iat[i] or (math.isnan(new[col])
                                                        and math.isnan(frame[col].iat[i]))
            elif col == "risk_tier" and new[col] != old[col]:
                # the tertile thresholds are customers' p_switch values, so a cell can sit
                # exactly on one: the tier then follows the last ulp of the old plain-Python
                # sum; the table's tier equals the frame path's
                assert min(abs(old["p_switch"] - t) for t in scorer.risk_thresholds_) < 1e-12
                assert new[col] == frame[col].iat[i]
            else:
                assert new[col] == old[col], col


def test_dict_result_is_a_fresh_copy(scorer):
    rec = {"grade": 7, "recommend": 6, "negatives": 1, "tenure_months": 2, "segment": "B"}
    first = scorer.score(rec)
    first["p_switch"] = -1.0
    assert scorer.score(rec)["p_switch"] != -1.0
    assert scorer.score(rec, errors="flag")["error"] == ""


BAD = [
    ("grade", [5, 11.0, 3]), ("grade", [5, np.nan, 3]), ("grade", [5, "7", 3]),
    ("grade", [5, True, 3]), ("recommend", [5, 7.5, 3]), ("recommend", [5, -1, 3]),
    ("negatives", [0, -1, 2]), ("negatives", [0, 1.5, 2]), ("negatives", [0, np.inf, 2]),
    ("tenure_months", [0, np.inf, 1]), ("tenure_months", [0, -0.5, 1]),
    ("tenure_months", [0, "x", 1]), ("segment", ["A", "Z", "B"]),
    ("segment", ["A", None, "B"]), ("segment", ["A", ["x"], "B"]),
]


@pytest.mark.parametrize(("field", "values"), BAD)
def test_errors_and_flags_are_unchanged(scorer, field, values):
    df = pd.DataFrame({"grade": [5, 6, 7], "recommend": [1, 9, 10], "negatives": [0, 1, 5],
                       "tenure_months": [0, 3.5, 40], "segment": ["A", "B", "C"]})
    df[field] = pd.Series(values, dtype=object if any(
        isinstance(v, (str, bool, list)) or v is None for v in values) else float)
    if field == "segment" and not scorer.feature_levels_:
        # a scorer without features ignores an extra column, whatever it holds
        pd.testing.assert_frame_equal(scorer.score(df), scorer.score(df.drop(columns="segment")),
                                      check_exact=True)
        return
    with pytest.raises(DataError) as new:
        scorer.score(df)
    with pytest.raises(DataError) as old:
        reference_score_frame(scorer, df, "raise")
    assert str(new.value) == str(old.value)
    pd.testing.assert_frame_equal(scorer.score(df, errors="flag"),
                                  reference_score_frame(scorer, df, "flag"), check_exact=True)
    rec = df.iloc[1].to_dict()
    with pytest.raises(DataError) as one:
        scorer.score(rec)
    assert str(one.value) == str(old.value)


def test_missing_field_and_empty_frame_unchanged(scorer):
    df = pd.DataFrame({"grade": [5], "recommend": [1], "tenure_months": [0]})
    with pytest.raises(DataError) as new:
        scorer.score(df)
    with pytest.raises(DataError) as old:
        reference_score_frame(scorer, df, "raise")
    assert str(new.value) == str(old.value)
    empty = _cells(scorer).iloc[:0]
    pd.testing.assert_frame_equal(scorer.score(empty), reference_score_frame(scorer, empty,
                                                                             "raise"))


def test_categorical_and_unsigned_inputs_take_the_table(scorer):
    cells = _cells(scorer)
    cells = cells[cells["grade"] == cells["grade"].round()]
    typed = cells.astype({"negatives": np.uint16, "recommend": np.int8})
    for f in scorer.feature_levels_:
        typed[f] = typed[f].astype("category")
    pd.testing.assert_frame_equal(scorer.score(typed),
                                  reference_score_frame(scorer, cells, "raise"),
                                  check_exact=True)


def test_pickle_deepcopy_clone_and_artifact_give_identical_scores(scorer):
    cells = _cells(scorer)
    want = scorer.score(cells)
    for other in (pickle.loads(pickle.dumps(scorer)), copy.deepcopy(scorer),
                  load_scorer(scorer.to_json())):
        assert other._table is not None
        pd.testing.assert_frame_equal(other.score(cells), want, check_exact=True)
    # sklearn's clone (sklearn is not a dependency): the class called on get_params()
    fresh = type(scorer)(**copy.deepcopy(scorer.get_params()))
    assert fresh.get_params() == scorer.get_params()
    assert not hasattr(fresh, "_table")


def test_too_large_table_falls_back_to_direct_computation(scorer, monkeypatch):
    monkeypatch.setattr(_table, "MAX_TABLE_CELLS", 10)
    small = pickle.loads(pickle.dumps(scorer))
    assert small._table is None
    cells = _cells(scorer)
    pd.testing.assert_frame_equal(small.score(cells), scorer.score(cells), check_exact=True)
    rec = _table.all_cells(scorer)[5]
    assert repr(small.score(rec)) == repr(reference_score_one(scorer, rec))
