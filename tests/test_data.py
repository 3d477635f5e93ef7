"""Tests for the data contract (loyaltystats.data)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltystats.data import (
    PROBLEM_COLUMNS,
    Validation,
    as_flag,
    validate_customers,
    validate_experiences,
    validate_responses,
)
from loyaltystats.errors import DataError, LoyaltyStatsError, ScaleError
from loyaltystats.scales import GRADE_1_10, LIKERT_1_5, LIKERT_1_7, RECOMMEND_0_10

KINDS = ["negative", "recovery", "delight"]


# --------------------------------------------------------------------------------------
# simulated-ish valid tables
# --------------------------------------------------------------------------------------


def make_tables(n_customers: int = 200, seed: int = 1):
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:04d}" for i in range(n_customers)])
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, n_customers), "D")
    length = pd.to_timedelta(rng.integers(30, 700, n_customers), "D")
    customers = pd.DataFrame({
        "cid": ids,
        "since": start,
        "until": start + length,
        "tenure": length,
        "left": rng.random(n_customers) < 0.3,
        "intends": rng.integers(0, 2, n_customers),
        "segment": rng.choice(["retail", "business"], n_customers),
    })
    n = 3 * n_customers
    who = rng.integers(0, n_customers, n)
    grade = rng.integers(4, 11, n).astype(float)
    grade[rng.random(n) < 0.1] -= 0.5  # Dutch half grades such as 8.5
    responses = pd.DataFrame({
        "cid": ids[who],
        "asked": customers["since"].to_numpy()[who],
        "grade": grade,
        "nps": rng.integers(0, 11, n),
        "speed": rng.integers(1, 6, n),
        "staff": rng.integers(1, 8, n),
        "w": rng.random(n) + 0.1,
        "complained": rng.random(n) < 0.2,
        "channel": rng.choice(["web", "phone"], n),
    })
    responses.index = pd.RangeIndex(100, 100 + n)  # a non-default index must survive
    m = 2 * n_customers
    whose = rng.integers(0, n_customers, m)
    frac = rng.random(m) * 0.99
    experiences = pd.DataFrame({
        "cid": ids[whose],
        "at": customers["since"].to_numpy()[whose]
        + (length.to_numpy()[whose] * frac).astype("timedelta64[ns]"),
        "kind": rng.choice(KINDS, m),
    })
    return responses, customers, experiences


RESPONSE_ARGS = dict(
    id="cid", time="asked", score="grade", recommend="nps",
    ratings={"speed": LIKERT_1_5, "staff": LIKERT_1_7}, weights="w",
    flags=["complained"], categorical=["channel"],
)
CUSTOMER_ARGS = dict(id="cid", start="since", end="until", duration="tenure", switched="left",
                     intent="intends", categorical=["segment"])


def experience_args(customers):
    return dict(id="cid", time="at", kind="kind", kinds=KINDS, customers=customers,
                customer_start="since", customer_end="until")


def assert_names(err: DataError, column: str, value: str, n_rows: int) -> None:
    """The message names the column, an offending value and the row count."""
    text = str(err)
    assert f".{column}:" in text, text
    assert value in text, text
    assert f"({n_rows} row{'s' if n_rows != 1 else ''}" in text, text
    assert err.column == column
    assert err.n_rows == n_rows


# --------------------------------------------------------------------------------------
# valid data
# --------------------------------------------------------------------------------------


def test_valid_simulated_data_passes_unchanged():
    responses, customers, experiences = make_tables()
    before = [t.copy() for t in (responses, customers, experiences)]
    for mode in ("raise", "split"):
        vr = validate_responses(responses, **RESPONSE_ARGS, on_error=mode)
        vc = validate_customers(customers, **CUSTOMER_ARGS, on_error=mode)
        ve = validate_experiences(experiences, **experience_args(customers), on_error=mode)
        for v, original, name in zip((vr, vc, ve), before,
                                     ("responses", "customers", "experiences")):
            assert isinstance(v, Validation)
            assert v.ok and v.table == name
            pd.testing.assert_frame_equal(v.accepted, original)
            assert v.rejected.empty
            assert list(v.rejected.columns) == [*original.columns, "reason"]
            assert list(v.problems.columns) == list(PROBLEM_COLUMNS)
            assert v.problems.empty
    # the inputs themselves are untouched
    for t, original in zip((responses, customers, experiences), before):
        pd.testing.assert_frame_equal(t, original)


def test_numeric_times_and_object_columns_of_numbers_are_fine():
    df = pd.DataFrame({"t": [0.0, 1.5, 3], "g": pd.Series([7, 8.5, 10], dtype=object),
                       "n": pd.array([0, 10, 5], dtype="Int64")})
    v = validate_responses(df, time="t", score="g", recommend="n")
    assert v.ok
    cust = pd.DataFrame({"id": [1, 2], "s": [0, 1], "e": [5.0, 1.0], "d": [5.0, 0.0]})
    assert validate_customers(cust, id="id", start="s", end="e", duration="d").ok


def test_timezone_aware_times_are_fine_when_consistent():
    s = pd.to_datetime(["2021-01-01", "2021-02-01"]).tz_localize("Europe/Amsterdam")
    cust = pd.DataFrame({"id": [1, 2], "s": s, "e": s + pd.Timedelta("30D")})
    exp = pd.DataFrame({"id": [1, 2], "t": s + pd.Timedelta("1D")})
    assert validate_customers(cust, id="id", start="s", end="e").ok
    assert validate_experiences(exp, id="id", time="t", customers=cust, customer_start="s",
                                customer_end="e").ok


# --------------------------------------------------------------------------------------
# one test per kind of bad input
# --------------------------------------------------------------------------------------


def test_data_error_is_a_value_error_and_a_package_error():
    assert issubclass(DataError, ValueError)
    assert issubclass(DataError, LoyaltyStatsError)
    assert issubclass(ScaleError, DataError)
    with pytest.raises(ValueError):
        validate_responses(pd.DataFrame({"g": [0]}), score="g")


@pytest.mark.parametrize("mode", ["raise", "split"])
def test_missing_columns_list_missing_and_available(mode):
    df = pd.DataFrame({"cust": [1], "grade": [8]})
    with pytest.raises(DataError) as info:
        validate_responses(df, id="cust", score="score", recommend="nps", on_error=mode)
    text = str(info.value)
    assert "'score', 'nps'" in text
    assert "available columns: 'cust', 'grade'" in text
    assert text.startswith("responses.")


@pytest.mark.parametrize("mode", ["raise", "split"])
def test_empty_table_raises_no_rows(mode):
    with pytest.raises(DataError, match="responses: no rows"):
        validate_responses(pd.DataFrame({"g": []}), score="g", on_error=mode)
    with pytest.raises(DataError, match="customers: no rows"):
        validate_customers(pd.DataFrame({"id": []}), id="id", on_error=mode)
    with pytest.raises(DataError, match="experiences: no rows"):
        validate_experiences(pd.DataFrame({"id": [], "t": []}), id="id", time="t",
                             on_error=mode)


def test_strings_in_numeric_column_are_not_coerced():
    df = pd.DataFrame({"grade": [7, "7", 8, "eight", "7"]})
    with pytest.raises(DataError) as info:
        validate_responses(df, score="grade")
    assert_names(info.value, "grade", "'7'", 3)
    assert "'eight'" in str(info.value)
    assert "not numbers" in str(info.value)


def test_booleans_and_datetimes_are_not_scores():
    with pytest.raises(DataError) as info:
        validate_responses(pd.DataFrame({"nps": [True, False, True]}), recommend="nps")
    assert_names(info.value, "nps", "True", 3)
    with pytest.raises(DataError, match="not numbers"):
        validate_responses(pd.DataFrame({"nps": pd.to_datetime(["2020-01-01"])}),
                           recommend="nps")


def test_score_outside_scale_raises_scale_error():
    df = pd.DataFrame({"grade": [8, 11, 0, 11, 9]})
    with pytest.raises(ScaleError) as info:
        validate_responses(df, score="grade")
    assert_names(info.value, "grade", "11", 3)
    assert "grade 1-10" in str(info.value)


def test_fractional_grade_allowed_but_not_on_recommend():
    df = pd.DataFrame({"grade": [8.5, 6.5, 10.0], "nps": [8.5, 9, 10]})
    assert validate_responses(df, score="grade").ok
    with pytest.raises(ScaleError) as info:
        validate_responses(df, score="grade", recommend="nps")
    assert_names(info.value, "nps", "8.5", 1)
    assert "whole numbers 0-10" in str(info.value)


def test_ratings_checked_on_their_own_scales():
    df = pd.DataFrame({"speed": [1, 5, 3], "staff": [7, 6, 1]})
    assert validate_responses(df, ratings={"speed": LIKERT_1_5, "staff": LIKERT_1_7}).ok
    with pytest.raises(ScaleError) as info:
        validate_responses(df, ratings=["speed", "staff"])  # both on LIKERT_1_5
    assert_names(info.value, "staff", "7", 2)
    with pytest.raises(ScaleError) as info:
        validate_responses(df.assign(speed=[0, 5, 3]), ratings=["speed"],
                           ratings_scale=GRADE_1_10)
    assert_names(info.value, "speed", "0", 1)


@pytest.mark.parametrize("column,kwargs", [
    ("grade", {"score": "grade"}),
    ("cust", {"id": "cust"}),
    ("channel", {"categorical": ["channel"]}),
    ("asked", {"time": "asked"}),
])
def test_missing_values_in_required_columns(column, kwargs):
    df = pd.DataFrame({
        "cust": [1, 2, 3, 4],
        "grade": [8.0, 7.0, 6.0, 9.0],
        "channel": ["web", "web", "phone", "web"],
        "asked": pd.to_datetime(["2021-01-01"] * 4),
    }, index=[10, 11, 12, 13])
    df.loc[[11, 13], column] = None
    with pytest.raises(DataError) as info:
        validate_responses(df, **kwargs)
    assert_names(info.value, column, "11", 2)
    assert "missing values" in str(info.value)


def test_time_must_be_numbers_or_datetimes_and_finite():
    with pytest.raises(DataError) as info:
        validate_responses(pd.DataFrame({"t": ["2021-01-01", "2021-02-01"]}), time="t")
    assert_names(info.value, "t", "'2021-01-01'", 2)
    with pytest.raises(DataError) as info:
        validate_responses(pd.DataFrame({"t": [1.0, np.inf]}), time="t")
    assert_names(info.value, "t", "inf", 1)


def test_negative_durations():
    df = pd.DataFrame({"id": [1, 2, 3], "d": [3.0, -1.0, -2.5]})
    with pytest.raises(DataError) as info:
        validate_customers(df, id="id", duration="d")
    assert_names(info.value, "d", "-1.0", 2)
    td = pd.DataFrame({"id": [1, 2], "d": pd.to_timedelta([1, -1], "D")})
    with pytest.raises(DataError) as info:
        validate_customers(td, id="id", duration="d")
    assert_names(info.value, "d", "-1 days", 1)


def test_end_before_start():
    df = pd.DataFrame({"id": ["a", "b", "c"], "s": [0.0, 5.0, 2.0], "e": [3.0, 4.0, 2.0]})
    with pytest.raises(DataError) as info:
        validate_customers(df, id="id", start="s", end="e")
    assert_names(info.value, "e", "id=b, start=5.0, end=4.0", 1)  # end == start is fine


def test_duration_must_match_end_minus_start():
    df = pd.DataFrame({"id": [1, 2], "s": [0.0, 1.0], "e": [3.0, 4.0], "d": [3.0, 2.0]})
    with pytest.raises(DataError) as info:
        validate_customers(df, id="id", start="s", end="e", duration="d")
    assert_names(info.value, "d", "duration=2.0", 1)


@pytest.mark.parametrize("mode", ["raise", "split"])
def test_mixing_datetime_and_numeric_times_raises(mode):
    df = pd.DataFrame({"id": [1, 2], "s": pd.to_datetime(["2020-01-01", "2020-02-01"]),
                       "e": [10.0, 20.0]})
    with pytest.raises(DataError, match="e is numeric but s is naive datetime") as info:
        validate_customers(df, id="id", start="s", end="e", on_error=mode)
    assert info.value.column == "e"
    aware = df.assign(e=df["s"].dt.tz_localize("UTC"))
    with pytest.raises(DataError, match="timezone-aware"):
        validate_customers(aware, id="id", start="s", end="e", on_error=mode)
    cust = df.assign(e=df["s"] + pd.Timedelta("10D"))
    exp = pd.DataFrame({"id": [1], "t": [3.0]})
    with pytest.raises(DataError, match="t is numeric but customers.s is naive datetime"):
        validate_experiences(exp, id="id", time="t", customers=cust, customer_start="s",
                             customer_end="e", on_error=mode)


@pytest.mark.parametrize("bad,shown", [(2, "2"), ("y", "'y'"), (np.nan, "nan"),
                                       ("True", "'True'"), (0.5, "0.5")])
def test_flags_that_are_not_boolean(bad, shown):
    df = pd.DataFrame({"left": [1, 0, bad, bad]})
    with pytest.raises(DataError) as info:
        validate_customers(df.assign(id=range(4)), id="id", switched="left")
    assert_names(info.value, "left", shown, 2)
    with pytest.raises(DataError) as info:
        as_flag(df["left"], column="left", table="customers")
    assert_names(info.value, "left", shown, 2)


def test_flags_accept_bool_and_zero_one_numbers():
    assert as_flag(pd.Series([True, False]), column="f", table="t").tolist() == [True, False]
    assert as_flag(pd.Series([1, 0]), column="f", table="t").tolist() == [True, False]
    assert as_flag(pd.Series([1.0, 0.0]), column="f", table="t").tolist() == [True, False]
    assert as_flag([0, 1], column="f", table="t").dtype == bool
    nullable = pd.Series([True, None], dtype="boolean")
    with pytest.raises(DataError, match="not a boolean flag"):
        as_flag(nullable, column="f", table="t")


def test_flag_mapping_works():
    mapping = {"yes": True, "no": False}
    s = pd.Series(["yes", "no", "no", "yes"])
    assert as_flag(s, column="f", table="t", mapping=mapping).tolist() == [True, False,
                                                                          False, True]
    with pytest.raises(DataError) as info:
        as_flag(s, column="f", table="t")  # strings need the mapping
    assert_names(info.value, "f", "'yes'", 4)
    with pytest.raises(DataError) as info:
        as_flag(pd.Series(["yes", "Yes"]), column="f", table="t", mapping=mapping)
    assert_names(info.value, "f", "'Yes'", 1)
    # a 1/2 coding through the mapping
    assert as_flag(pd.Series([1, 2]), column="f", table="t",
                   mapping={1: True, 2: False}).tolist() == [True, False]
    # validators accept the mapping too and leave the data as it was
    df = pd.DataFrame({"id": [1, 2], "left": ["yes", "no"], "intent": [True, False]})
    v = validate_customers(df, id="id", switched="left", intent="intent", flag_mapping=mapping)
    pd.testing.assert_frame_equal(v.accepted, df)
    r = validate_responses(df, flags=["left"], flag_mapping=mapping)
    assert r.ok
    with pytest.raises(ValueError, match="True or False"):
        as_flag(s, column="f", table="t", mapping={"yes": "true"})


def test_duplicate_customer_ids():
    df = pd.DataFrame({"id": ["a", "b", "a", "c", "b"]})
    with pytest.raises(DataError) as info:
        validate_customers(df, id="id")
    assert_names(info.value, "id", "'a'", 4)
    assert "'b'" in str(info.value)


@pytest.mark.parametrize("bad,shown,problem", [(-1.0, "-1.0", "negative weights"),
                                               (np.nan, "1", "missing values"),
                                               (np.inf, "inf", "infinite weights")])
def test_negative_nan_or_infinite_weights(bad, shown, problem):
    df = pd.DataFrame({"w": [1.0, bad, 0.0]})
    with pytest.raises(DataError) as info:
        validate_responses(df, weights="w")
    assert_names(info.value, "w", shown, 1)  # for NaN the example is the row label
    assert problem in str(info.value)


def test_experiences_of_unknown_customers():
    cust = pd.DataFrame({"cid": ["a", "b"]})
    exp = pd.DataFrame({"who": ["a", "x", "x", "y"], "t": [1, 2, 3, 4]})
    with pytest.raises(DataError) as info:
        validate_experiences(exp, id="who", time="t", customers=cust, customer_id="cid")
    assert_names(info.value, "who", "'x'", 3)
    assert "'y'" in str(info.value)


def lifetimes():
    return pd.DataFrame({"id": [1, 2], "start": [10.0, 0.0], "end": [20.0, 5.0],
                         "switched": [True, False]})


def test_experience_before_customer_start():
    exp = pd.DataFrame({"id": [1, 1, 2], "t": [9.0, 10.0, 0.0]})  # start itself is inside
    with pytest.raises(DataError) as info:
        validate_experiences(exp, id="id", time="t", customers=lifetimes(),
                             customer_start="start", customer_end="end")
    assert_names(info.value, "t", "id=1, time=9.0, start=10.0", 1)
    assert "before the start" in str(info.value)


def test_experience_after_churn_including_exactly_at_end():
    exp = pd.DataFrame({"id": [1, 1, 1, 2], "t": [19.99, 20.0, 25.0, 4.0]})
    with pytest.raises(DataError) as info:
        validate_experiences(exp, id="id", time="t", customers=lifetimes(),
                             customer_start="start", customer_end="end")
    assert_names(info.value, "t", "id=1, time=20.0, end=20.0", 2)
    assert "after churn" in str(info.value)
    inside = exp.iloc[[0, 3]]
    assert validate_experiences(inside, id="id", time="t", customers=lifetimes(),
                                customer_start="start", customer_end="end").ok


def test_experience_lifetime_from_duration_and_datetimes():
    start = pd.to_datetime(["2021-01-01", "2021-06-01"])
    cust = pd.DataFrame({"id": [1, 2], "s": start, "d": pd.to_timedelta([10, 10], "D")})
    exp = pd.DataFrame({"id": [1, 2], "t": pd.to_datetime(["2021-01-05", "2021-06-11"])})
    with pytest.raises(DataError) as info:
        validate_experiences(exp, id="id", time="t", customers=cust, customer_start="s",
                             customer_duration="d")
    assert_names(info.value, "t", "2021-06-11", 1)


def test_unknown_kinds():
    exp = pd.DataFrame({"id": [1, 2, 3], "t": [1, 2, 3],
                        "kind": ["negative", "Negative", "surprise"]})
    with pytest.raises(DataError) as info:
        validate_experiences(exp, id="id", time="t", kind="kind", kinds=KINDS)
    assert_names(info.value, "kind", "'Negative'", 2)
    assert "'surprise'" in str(info.value)
    assert validate_experiences(exp, id="id", time="t", kind="kind").ok  # any kind allowed


@pytest.mark.parametrize("mode", ["raise", "split"])
def test_an_invalid_customers_table_raises_even_in_split_mode(mode):
    cust = pd.DataFrame({"id": [1, 1], "s": [0, 0], "e": [5, 5]})
    exp = pd.DataFrame({"id": [1], "t": [1]})
    with pytest.raises(DataError, match="customers.id: duplicate customer ids"):
        validate_experiences(exp, id="id", time="t", customers=cust, customer_start="s",
                             customer_end="e", on_error=mode)


def test_checks_run_in_the_documented_order():
    df = pd.DataFrame({"w": [-1.0, 1.0], "nps": [5, 11], "grade": [11, 8], "id": [1, None],
                       "seg": [None, "a"]})
    kwargs = dict(id="id", score="grade", recommend="nps", weights="w", categorical=["seg"])
    with pytest.raises(DataError) as info:
        validate_responses(df, **kwargs)
    assert info.value.column == "id"  # column order in the frame does not matter
    v = validate_responses(df, **kwargs, on_error="split")
    assert v.problems["column"].tolist() == ["id", "grade", "nps", "w", "seg"]


# --------------------------------------------------------------------------------------
# split mode
# --------------------------------------------------------------------------------------


def test_split_mode_partitions_the_input():
    responses, _, _ = make_tables(n_customers=50)
    bad = responses.copy()
    labels = bad.index
    bad.loc[labels[[0, 5, 9]], "grade"] = 11.0
    bad.loc[labels[[5, 7]], "nps"] = 12
    bad.loc[labels[[3]], "w"] = -2.0
    bad["complained"] = bad["complained"].astype(object)
    bad.loc[labels[[8]], "complained"] = None
    v = validate_responses(bad, **RESPONSE_ARGS, on_error="split")
    assert not v.ok
    assert sorted(v.rejected.index) == sorted(labels[[0, 3, 5, 7, 8, 9]])
    # accepted + rejected partition the input: same rows, disjoint, nothing altered
    assert v.accepted.index.intersection(v.rejected.index).empty
    rebuilt = pd.concat([v.accepted, v.rejected.drop(columns="reason")]).loc[bad.index]
    pd.testing.assert_frame_equal(rebuilt, bad)
    assert v.accepted.dtypes.equals(bad.dtypes)
    pd.testing.assert_frame_equal(v.accepted, bad.drop(index=v.rejected.index))
    # a reason per rejected row naming column and problem; several joined by "; "
    reason = v.rejected["reason"]
    assert reason[labels[0]].startswith("grade: values outside the scale grade 1-10")
    assert reason[labels[5]].count("; ") == 1 and "nps: values outside" in reason[labels[5]]
    assert reason[labels[3]] == "w: negative weights"
    assert reason[labels[8]].startswith("complained: not a boolean flag")
    # problems table: one row per problem, in check order
    p = v.problems
    assert list(p.columns) == list(PROBLEM_COLUMNS)
    assert p["column"].tolist() == ["grade", "nps", "w", "complained"]
    assert p["n_rows"].tolist() == [3, 2, 1, 1]
    assert set(p["table"]) == {"responses"}
    assert p["examples"].iloc[0] == (11.0,)
    assert len(v.errors) == 4 and isinstance(v.errors[0], ScaleError)
    with pytest.raises(ScaleError):
        v.raise_first()


def test_split_mode_one_reason_per_column_and_row():
    df = pd.DataFrame({"g": ["x", None, 11, 5]})
    v = validate_responses(df, score="g", on_error="split")
    assert v.rejected["reason"].tolist() == [
        "g: values are not numbers (strings, booleans and other objects are never converted)",
        "g: missing values (NaN, None or NaT)",
        "g: values outside the scale grade 1-10 (numbers 1-10)",
    ]
    assert v.accepted.index.tolist() == [3]
    assert v.accepted["g"].dtype == object  # dtype preserved, not coerced


def test_split_mode_for_customers_and_experiences():
    cust = pd.DataFrame({"id": ["a", "b", "b", "c"], "s": [0, 0, 1, 5], "e": [3, 4, 5, 4]})
    vc = validate_customers(cust, id="id", start="s", end="e", on_error="split")
    assert vc.accepted.index.tolist() == [0]
    assert vc.rejected["reason"].tolist() == ["id: duplicate customer ids"] * 2 + [
        "e: end before start"]
    good = vc.accepted
    exp = pd.DataFrame({"id": ["a", "a", "b", "a"], "t": [1, 3, 1, -1],
                        "kind": ["delight", "negative", "negative", "bogus"]})
    ve = validate_experiences(exp, id="id", time="t", kind="kind", kinds=KINDS, customers=good,
                              customer_start="s", customer_end="e", on_error="split")
    assert ve.accepted.index.tolist() == [0]
    reasons = ve.rejected["reason"].tolist()
    assert reasons[0].startswith("t: experiences at or after the end")
    assert reasons[1] == "id: customer ids not in the customers table"
    assert reasons[2].startswith("t: experiences before the start")
    assert "kind: unknown kinds" in reasons[2]


def test_reason_column_name_does_not_clobber_existing_column():
    df = pd.DataFrame({"g": [5, 50], "reason": ["a", "b"]})
    v = validate_responses(df, score="g", on_error="split")
    assert v.reason_column == "reason_"
    assert v.rejected["reason"].tolist() == ["b"]


def test_results_are_independent_frames():
    df = pd.DataFrame({"g": [5, 50, 6]})
    v = validate_responses(df, score="g", on_error="split")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v.accepted["new"] = 1
        v.rejected["new"] = 1
    assert "new" not in df.columns


def test_raise_mode_returns_the_same_type():
    df = pd.DataFrame({"g": [5, 6]})
    v = validate_responses(df, score="g")
    assert isinstance(v, Validation)
    assert v.ok and v.rejected.empty and v.problems.empty and v.errors == ()
    assert repr(v) == "Validation(table='responses', accepted=2 rows, rejected=0 rows, problems=0)"


def test_bad_arguments_are_programming_errors():
    df = pd.DataFrame({"g": [5]})
    with pytest.raises(ValueError, match="on_error"):
        validate_responses(df, score="g", on_error="drop")
    with pytest.raises(TypeError):
        validate_responses([5], score="g")
    with pytest.raises(TypeError):
        validate_responses(df, score="g", scale="1-10")
    with pytest.raises(ValueError, match="kinds"):
        validate_experiences(pd.DataFrame({"id": [1], "t": [1]}), id="id", time="t",
                             kinds=KINDS)


# --------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------

SCALES = [GRADE_1_10, RECOMMEND_0_10, LIKERT_1_5, LIKERT_1_7]


@st.composite
def off_scale(draw):
    scale = draw(st.sampled_from(SCALES))
    below = st.floats(max_value=scale.low, exclude_max=True, allow_nan=False)
    above = st.floats(min_value=scale.high, exclude_min=True, allow_nan=False)
    options = [below, above]
    if not scale.allow_fractional:
        options.append(
            st.floats(min_value=scale.low, max_value=scale.high, allow_nan=False).filter(
                lambda x: x != round(x))
        )
    value = draw(st.one_of(*options))
    valid = draw(st.lists(st.sampled_from(scale.values.tolist()), min_size=0, max_size=20))
    where = draw(st.integers(0, len(valid)))
    return scale, value, valid[:where] + [value] + valid[where:]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(off_scale())
def test_any_value_outside_the_scale_raises_scale_error(case):
    scale, value, values = case
    df = pd.DataFrame({"x": np.array(values, dtype=float)})
    with pytest.raises(ScaleError) as info:
        validate_responses(df, score="x", scale=scale)
    assert info.value.column == "x"
    assert info.value.n_rows == values.count(value)
    v = validate_responses(df, score="x", scale=scale, on_error="split")
    assert len(v.rejected) == values.count(value)
    assert len(v.accepted) + len(v.rejected) == len(df)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=1, max_value=10).map(lambda x: round(x * 2) / 2),
                min_size=1, max_size=30))
def test_any_half_grade_on_the_grade_scale_passes(grades):
    df = pd.DataFrame({"g": grades})
    v = validate_responses(df, score="g", scale=GRADE_1_10)
    pd.testing.assert_frame_equal(v.accepted, df)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(-2, 12), st.none(), st.sampled_from(["5", "x"])),
                min_size=1, max_size=40))
def test_split_always_partitions(raw):
    df = pd.DataFrame({"nps": pd.Series(raw, dtype=object)})
    v = validate_responses(df, recommend="nps", on_error="split")
    assert v.accepted.index.intersection(v.rejected.index).empty
    assert sorted([*v.accepted.index, *v.rejected.index]) == list(range(len(raw)))
    expected_ok = [isinstance(x, int) and 0 <= x <= 10 for x in raw]
    assert v.accepted.index.tolist() == [i for i, ok in enumerate(expected_ok) if ok]
    assert v.problems["n_rows"].sum() == len(v.rejected)  # one problem per row here


def test_validators_take_engine_inputs_like_pandas(tmp_path):
    # Polars, lazy Polars and Parquet are checked as pandas: the same error, the same count
    pl = pytest.importorskip("polars", reason="the engines extra is not installed")
    from loyaltystats.errors import ScaleError

    df = pd.DataFrame({"cust": [1, 2, 3, 4], "grade": [8, 11, 7.5, 12]})
    df.to_parquet(tmp_path / "r.parquet")
    with pytest.raises(ScaleError) as want:
        validate_responses(df, id="cust", score="grade")
    for data in (pl.from_pandas(df), pl.from_pandas(df).lazy(), str(tmp_path / "r.parquet")):
        with pytest.raises(ScaleError) as got:
            validate_responses(data, id="cust", score="grade")
        assert str(got.value) == str(want.value)
    v = validate_customers(pl.from_pandas(df), id="cust")
    assert v.ok and list(v.accepted.columns) == ["cust"]
