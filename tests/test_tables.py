"""Tests of the sufficient-statistics tables (count_cells, person_period)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats.errors import DataError
from loyaltystats.tables import count_cells, person_period


def _rows(seed=0, n=2000):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "band": pd.Categorical(rng.choice(["<=6", "7", "8", "9-10"], n),
                               categories=["<=6", "7", "8", "9-10"], ordered=True),
        "k": rng.integers(0, 4, n),
        "segment": rng.choice(["A", "B", "C"], n),
        "stayed": rng.random(n) < 0.6,
        "w": rng.integers(1, 4, n),
    })


def test_count_cells_matches_pandas_groupby():
    df = _rows()
    got = count_cells(df, ["band", "k", "segment"], outcome="stayed")
    ref = (df.groupby(["band", "k", "segment"], observed=True)["stayed"]
             .agg(["size", "sum"]).reset_index())
    assert len(got) == len(ref)
    np.testing.assert_array_equal(got["n"].to_numpy(), ref["size"].to_numpy())
    np.testing.assert_array_equal(got["successes"].to_numpy(), ref["sum"].to_numpy())
    assert got["band"].dtype == df["band"].dtype
    assert got["n"].sum() == len(df)


def test_count_cells_weights():
    df = _rows()
    got = count_cells(df, "k", outcome="stayed", weights="w")
    ref = df.assign(wy=df.w * df.stayed, w2=df.w ** 2).groupby("k")[["w", "wy", "w2"]].sum()
    np.testing.assert_allclose(got["weight"], ref["w"])
    np.testing.assert_allclose(got["weight_successes"], ref["wy"])
    np.testing.assert_allclose(got["weight_sq"], ref["w2"])


@pytest.mark.parametrize("bad, msg", [
    ({"stayed": [0, 1, 2]}, "0/1"),
    ({"stayed": [0.0, np.nan, 1.0]}, "missing values"),
    ({"stayed": ["yes", "no", "yes"]}, "0/1"),
])
def test_count_cells_rejects_bad_outcome(bad, msg):
    df = pd.DataFrame({"k": [0, 1, 1], **bad})
    with pytest.raises(DataError, match=msg) as info:
        count_cells(df, "k", outcome="stayed")
    assert info.value.column == "stayed"


def test_count_cells_rejects_missing_keys_and_columns():
    df = pd.DataFrame({"k": [0.0, np.nan, 1.0], "y": [0, 1, 1]})
    with pytest.raises(DataError, match="missing values") as info:
        count_cells(df, "k", outcome="y")
    assert info.value.column == "k" and info.value.n_rows == 1
    with pytest.raises(DataError, match="missing column"):
        count_cells(df, "nope")
    with pytest.raises(DataError, match="no rows"):
        count_cells(df.iloc[:0], "k")
    with pytest.raises(DataError, match="weights"):
        count_cells(pd.DataFrame({"k": [0, 1], "w": [1.0, -2.0]}), "k", weights="w")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 300))
def test_count_cells_invariant_to_row_order(seed, n):
    df = _rows(seed, n)
    perm = df.sample(frac=1.0, random_state=seed)
    a = count_cells(df, ["band", "segment"], outcome="stayed", weights="w")
    b = count_cells(perm, ["band", "segment"], outcome="stayed", weights="w")
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 200))
def test_integer_weights_equal_duplicated_rows(seed, n):
    df = _rows(seed, n)
    dup = df.loc[df.index.repeat(df["w"])]
    a = count_cells(df, ["k", "segment"], outcome="stayed", weights="w")
    b = count_cells(dup, ["k", "segment"], outcome="stayed")
    np.testing.assert_array_equal(a["weight"].to_numpy(), b["n"].to_numpy())
    np.testing.assert_array_equal(a["weight_successes"].to_numpy(), b["successes"].to_numpy())


# ---------------------------------------------------------------- person_period
def _naive_person_period(customers, experiences, cap=3):
    """Row-by-row reference: one row per customer-month, written as plainly as possible."""
    rows = []
    for c in customers.itertuples():
        exp_times = experiences.loc[
            (experiences.customer_id == c.customer_id) & (experiences.kind == "negative"), "time"
        ].to_numpy()
        for p in range(int(np.ceil(c.duration))):
            k = int(np.sum(exp_times < c.start + p + 1))
            rows.append({"period": p, "negatives": min(k, cap), "segment": c.segment,
                         "event": bool(c.switched and p == int(np.ceil(c.duration)) - 1)})
    return pd.DataFrame(rows)


def _toy_world(seed=3, n=300):
    rng = np.random.default_rng(seed)
    cust = pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "start": rng.integers(0, 6, n),
        "duration": rng.integers(1, 12, n),
        "switched": rng.random(n) < 0.4,
        "segment": rng.choice(["A", "B"], n),
    })
    m = 3 * n
    who = rng.integers(0, n, m)
    t = cust.start.to_numpy()[who] + rng.random(m) * cust.duration.to_numpy()[who]
    exp = pd.DataFrame({"customer_id": cust.customer_id.to_numpy()[who], "time": t,
                        "kind": rng.choice(["negative", "delight"], m)})
    return cust, exp


def test_person_period_matches_naive_expansion():
    cust, exp = _toy_world()
    got = person_period(cust, exp, by="segment")
    naive = _naive_person_period(cust, exp)
    ref = (naive.groupby(["period", "negatives", "segment"])["event"]
                .agg(["size", "sum"]).reset_index())
    np.testing.assert_array_equal(got[["period", "negatives"]].to_numpy(),
                                  ref[["period", "negatives"]].to_numpy())
    np.testing.assert_array_equal(got["at_risk"].to_numpy(), ref["size"].to_numpy())
    np.testing.assert_array_equal(got["events"].to_numpy(), ref["sum"].to_numpy())
    assert got["at_risk"].sum() == cust["duration"].sum()
    assert got["events"].sum() == cust["switched"].sum()


def test_person_period_horizon_and_mask():
    cust, exp = _toy_world()
    mask = (exp.kind == "negative").to_numpy()
    a = person_period(cust, exp, count={"negatives": mask}, horizon=6)
    b = person_period(cust, exp, horizon=6)
    pd.testing.assert_frame_equal(a, b)
    assert a["period"].max() == 5


@pytest.mark.parametrize("change, msg", [
    (lambda c, e: (c.assign(duration=c.duration.where(c.index != 0, -1)), e), "positive"),
    (lambda c, e: (pd.concat([c, c.iloc[:1]]), e), "duplicate"),
    (lambda c, e: (c, e.assign(customer_id=e.customer_id.where(e.index != 0, 99999))), "unknown"),
    (lambda c, e: (c, e.assign(time=e.time.where(e.index != 0, 10_000.0))), "outside"),
    (lambda c, e: (c, e.assign(time=e.time.where(e.index != 0, -5.0))), "outside"),
])
def test_person_period_rejects_bad_input(change, msg):
    cust, exp = _toy_world()
    c, e = change(cust, exp)
    with pytest.raises(DataError, match=msg) as info:
        person_period(c, e)
    assert info.value.n_rows >= 1 and info.value.examples


def test_person_period_keeps_categorical_order_of_by_columns():
    cust, exp = _toy_world()
    cust["band"] = pd.Categorical(np.where(cust.customer_id % 2 == 0, "9-10", "<=6"),
                                  categories=["<=6", "9-10"], ordered=True)
    got = person_period(cust, exp, by="band")
    assert got["band"].dtype == cust["band"].dtype
    assert got.loc[got.period == 0, "band"].astype(str).tolist()[:2] == ["<=6", "9-10"]


def test_person_period_rejects_experience_after_a_fractional_end():
    cust = pd.DataFrame({"customer_id": [1], "start": [0.0], "duration": [2.5],
                         "switched": [True]})
    exp = pd.DataFrame({"customer_id": [1], "time": [2.7], "kind": ["negative"]})
    with pytest.raises(DataError, match="outside"):
        person_period(cust, exp)
    ok = person_period(cust, exp.assign(time=[2.4]))
    assert ok["at_risk"].sum() == 3 and ok["events"].sum() == 1


@pytest.mark.parametrize("duration", [1e9, 2.0**62])
def test_person_period_checks_the_size_before_allocating(duration):
    from loyaltystats.errors import DataError
    from loyaltystats.tables import MAX_PERSON_PERIOD_ROWS, person_period

    c = pd.DataFrame({"customer_id": [1, 2], "start": [0, 0], "duration": [duration, 3],
                      "switched": [0, 1]})
    with pytest.raises(DataError, match="person-period table would have") as info:
        person_period(c, event="switched")
    assert info.value.column == "duration" and info.value.examples == (duration,)
    assert MAX_PERSON_PERIOD_ROWS < duration


def test_a_mask_of_the_wrong_length_is_our_error_in_every_engine():
    pl = pytest.importorskip("polars")
    c = pd.DataFrame({"id": [1, 2], "s": [0.0, 0.0], "dur": [3.0, 2.0], "e": [1, 0]})
    x = pd.DataFrame({"id": [1, 1, 2], "time": [0.5, 1.5, 0.2], "kind": ["negative"] * 3})
    for cust, exp in ((c, x), (pl.from_pandas(c), pl.from_pandas(x))):
        with pytest.raises(DataError, match="mask for 'm' has 2 entries, experiences has 3"):
            person_period(cust, exp, id="id", start="s", duration="dur", event="e",
                          count={"m": np.array([True, False])})
