"""Scales, bands and the error hierarchy."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyaltystats import errors
from loyaltystats.scales import (
    GRADE_1_10,
    LABELS_NOTE,
    LIKERT_1_5,
    LIKERT_1_7,
    MISSING_VALUES,
    RECOMMEND_0_10,
    Band,
    Scale,
)


def test_grade_bands_including_dutch_half_grades():
    got = GRADE_1_10.band([1, 5.5, 6, 6.5, 7, 7.5, 8, 8.5, 9, 10]).tolist()
    assert got == ["<=6", "<=6", "<=6", "<=6", "7", "7", "8", "8", "9-10", "9-10"]


def test_recommend_bands_are_nps_categories():
    assert RECOMMEND_0_10.band(np.arange(11)).tolist() == (
        ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2)


def test_likert_bands():
    assert LIKERT_1_5.band([1, 2, 3, 4, 5]).tolist() == ["low", "low", "neutral", "high", "high"]
    assert LIKERT_1_7.band([3, 4, 5]).tolist() == ["low", "neutral", "high"]


def test_band_is_ordered_categorical_and_vectorized_over_series():
    s = pd.Series([9, 7, 3])
    cat = GRADE_1_10.band(s)
    assert cat.ordered and list(cat.categories) == GRADE_1_10.band_names
    assert (cat.codes == np.array([3, 1, 0])).all()


def test_custom_bands():
    top2 = GRADE_1_10.with_bands([("1-8", 1, 8), ("9-10", 9, 10)])
    assert top2.band([8.5, 9]).tolist() == ["1-8", "9-10"]
    effort = Scale("effort", 1, 5, bands=(Band("hard", 1, 2), Band("easy", 3, 5)))
    assert effort.band([2, 3]).tolist() == ["hard", "easy"]


@pytest.mark.parametrize("bands", [
    (Band("a", 1, 3), Band("b", 3, 5)),          # overlap
    (Band("a", 1, 2), Band("b", 4, 5)),          # gap on an integer scale
    (Band("a", 2, 3), Band("b", 4, 5)),          # does not cover low
    (Band("a", 1, 3), Band("a", 4, 5)),          # duplicate names
])
def test_invalid_band_declarations(bands):
    with pytest.raises(errors.ScaleError):
        Scale("bad", 1, 5, bands=bands)


def test_invalid_scale_range():
    with pytest.raises(errors.ScaleError):
        Scale("bad", 5, 1)


def test_check_names_column_rows_and_values():
    with pytest.raises(errors.ScaleError) as info:
        RECOMMEND_0_10.check([3, 11, 7.5, 12], column="recommend", table="responses")
    err = info.value
    assert err.table == "responses" and err.column == "recommend" and err.n_rows == 3
    assert "responses.recommend" in str(err) and "11" in str(err)
    # a missing score is its own problem, in the data contract's one wording
    with pytest.raises(errors.ScaleError) as info:
        RECOMMEND_0_10.check(pd.Series([3, 11, np.nan], index=[7, 8, 9]), column="recommend")
    assert info.value.message == MISSING_VALUES + LABELS_NOTE
    assert info.value.n_rows == 1 and info.value.examples == (9,)


def test_check_rejects_strings_without_coercion():
    with pytest.raises(errors.ScaleError, match="not numbers") as info:
        GRADE_1_10.check(np.array(["7", "8", "good"], dtype=object), column="grade")
    assert "'good'" in str(info.value)


@given(st.one_of(st.floats(max_value=0.999, allow_nan=False),
                 st.floats(min_value=10.001, allow_nan=False)))
def test_out_of_scale_always_raises(x):
    with pytest.raises(errors.ScaleError):
        GRADE_1_10.check([8, x])


@given(st.floats(min_value=0, max_value=10, allow_nan=False).filter(lambda v: v != round(v)))
def test_fractions_raise_on_integer_scales(x):
    with pytest.raises(errors.ScaleError):
        RECOMMEND_0_10.check([x])


@given(st.lists(st.integers(1, 10), min_size=1, max_size=50))
def test_valid_grades_pass_and_band_codes_are_monotone(xs):
    codes = GRADE_1_10.band_codes(xs)
    order = np.argsort(xs, kind="stable")
    assert np.all(np.diff(codes[order]) >= 0)


def test_error_hierarchy():
    for cls in (errors.DataError, errors.ScaleError, errors.ModelError, errors.ArtifactError,
                errors.NotFittedError):
        assert issubclass(cls, errors.LoyaltyStatsError)
    assert issubclass(errors.ScaleError, errors.DataError)
    assert issubclass(errors.DataError, ValueError)
    err = errors.DataError("bad", table="t", column="c", n_rows=7, examples=range(10))
    assert len(err.examples) == 5 and str(err) == "t.c: bad (7 rows; e.g. 0, 1, 2, 3, 4)"
