"""Identifier keys in count_cells (#23): a customer id is a grouping key with as many values
as customers, so only the combinations present are counted and the potential-cells limit
applies to the other keys. T2's cluster-robust fit failed at 200,000 customers before."""

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats.errors import DataError
from loyaltystats.tables import count_cells
from loyaltystats.thresholds import basics_ceiling


def _survey(n_cust=120_000, seed=0):
    rng = np.random.default_rng(seed)
    cust = np.repeat(np.arange(n_cust), rng.integers(1, 3, n_cust))
    n = len(cust)
    b1, b2, d1 = (rng.integers(1, 6, n) for _ in range(3))
    u = rng.normal(0, 0.7, n_cust)[cust]
    grade = np.clip(np.rint(4 + 0.5 * b1 + 0.3 * b2 + 0.2 * d1 + u + rng.normal(0, 1, n)),
                    1, 10).astype(int)
    return pd.DataFrame({"customer_id": cust, "B1": b1, "B2": b2, "D1": d1, "grade": grade,
                         "stayed": rng.random(n) < 0.6})


def test_id_keys_count_the_present_combinations_like_a_groupby():
    df = _survey(60_000)
    keys = ["B1", "B2", "grade", "customer_id"]
    got = count_cells(df, keys, outcome="stayed", id_keys=["customer_id"])
    ref = (df.groupby(keys).agg(n=("stayed", "size"), successes=("stayed", "sum"))
           .reset_index())
    pd.testing.assert_frame_equal(got, ref, check_dtype=False)
    # the same from Polars (the engine's group-by)
    eng = count_cells(pl.from_pandas(df), keys, outcome="stayed", id_keys=["customer_id"])
    pd.testing.assert_frame_equal(eng, got, check_dtype=False)


def test_without_id_keys_the_limit_still_applies():
    df = _survey(60_000)
    with pytest.raises(DataError, match="potential cells"):
        count_cells(df, ["B1", "B2", "D1", "grade", "customer_id"])
    # a continuous non-identifier key is still refused, with or without an identifier
    cont = df.assign(x=np.random.default_rng(1).random(len(df)))
    with pytest.raises(DataError, match="potential cells"):
        count_cells(cont, ["x", "B1", "B2", "D1", "customer_id", "grade"],
                    id_keys=["customer_id"])


def test_cluster_robust_ceiling_at_scale_equals_statsmodels_on_rows():
    # 120,000 customers x 5 x 5 x 5 ratings x 10 grades: 1.5e8 potential cells
    df = _survey()
    res = basics_ceiling(df, "grade", ["B1", "B2"], delighters=["D1"], cluster="customer_id")
    assert res.info["cov_type"] == "cluster"
    ref = smf.ols("grade ~ C(B1) + C(B2) + C(D1)", df).fit(
        cov_type="cluster", cov_kwds={"groups": df["customer_id"]})
    # the point "basics best, no delighter": basics at 5, the delighter at 3 (just below
    # "present", 4, on the 1-5 scale)
    pred = ref.get_prediction(pd.DataFrame({"B1": [5], "B2": [5], "D1": [3]}))
    est = res.estimates.set_index("term").loc["predicted mean[basics best, no delighter]"]
    assert est["estimate"] == pytest.approx(float(pred.predicted_mean[0]), abs=1e-9)
    se = float(pred.se_mean[0])
    # t with (clusters - 1) df vs normal: equal to 3 decimals at 120,000 clusters
    assert est["ci_high"] - est["estimate"] == pytest.approx(1.96 * se, rel=2e-3)


@pytest.mark.parametrize("extra", [{}, {"outcome": "stayed"},
                                   {"outcome": "stayed", "weights": "w"}])
def test_compacted_cells_equal_a_groupby_in_any_row_order(extra):
    # ids spread over a range of 1.1 x 10^6 (ranked through a table, not hashed) and
    # 5 x 5 x 5 x 10 x 200,000 potential cells (above the limit: only the present ones
    # counted, by one sort of the codes; with weights by numpy.unique)
    df = _survey(200_000, seed=3)
    df["customer_id"] = df["customer_id"] * 11 // 2 + 17
    df["w"] = np.random.default_rng(4).random(len(df))
    keys = ["B1", "B2", "D1", "grade", "customer_id"]
    agg = {"n": ("B1", "size")}
    if "outcome" in extra:
        agg["successes"] = ("stayed", "sum")
    if "weights" in extra:
        df["ww"] = df["w"] ** 2
        df["ws"] = df["w"] * df["stayed"]
        agg.update(weight=("w", "sum"), weight_successes=("ws", "sum"), weight_sq=("ww", "sum"))
    ref = df.groupby(keys).agg(**agg).reset_index()
    shuffled = df.sample(frac=1.0, random_state=5)
    for data in (df, shuffled):
        got = count_cells(data, keys, id_keys=["customer_id"], **extra)
        assert got["n"].dtype == np.int64
        pd.testing.assert_frame_equal(got, ref, check_dtype=False, rtol=1e-12)


def test_identifier_codes_ranked_through_a_table_equal_pandas_factorize():
    from loyaltystats.tables import factorize_column

    ids = pd.Series(np.random.default_rng(6).choice(3_000_000, 900_000), dtype=np.int32)
    codes, uniques = factorize_column(ids)
    ref_codes, ref_uniques = pd.factorize(ids, sort=True)
    np.testing.assert_array_equal(codes, ref_codes)
    pd.testing.assert_index_equal(uniques, pd.Index(ref_uniques))
    assert codes.dtype == np.int64


@settings(max_examples=100, deadline=None)
@given(a=st.lists(st.integers(-2**40, 2**40), min_size=1, max_size=30),
       b=st.lists(st.integers(-2**40, 2**40), min_size=1, max_size=30),
       dtype=st.sampled_from(["int64", "int32", "int8", "uint8"]), spread=st.booleans())
def test_shared_codes_equal_a_sorted_factorize_of_both_columns(a, b, dtype, spread):
    from loyaltystats.tables import shared_codes

    info = np.iinfo(dtype)
    # small ranges use the table over the range, wide ones the concatenated fallback
    scale = 1 if spread else 2**30
    va = np.clip(np.array(a) // scale, info.min, info.max).astype(dtype)
    vb = np.clip(np.array(b) // scale, -128, 127).astype("int8" if dtype != "uint8" else dtype)
    ca, cb, k = shared_codes(pd.Series(va), pd.Series(vb))
    ref, uniq = pd.factorize(np.r_[va.astype(np.int64), vb.astype(np.int64)], sort=True)
    np.testing.assert_array_equal(np.r_[ca, cb], ref)
    assert k == len(uniq)
