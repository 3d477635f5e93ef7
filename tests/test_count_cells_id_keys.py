"""Identifier keys in count_cells (#23): a customer id is a grouping key with as many values
as customers, so only the combinations present are counted and the potential-cells limit
applies to the other keys. T2's cluster-robust fit failed at 200,000 customers before."""

import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.formula.api as smf

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
