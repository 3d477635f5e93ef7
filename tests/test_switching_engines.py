"""dose_response takes engine inputs unchanged and gives the pandas results."""

import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError
from loyaltystats.switching import dose_response

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")


def _customers(n=20_000, seed=3):
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 6, n)
    p = np.array([0.1, 0.5, 0.8, 0.9, 0.9, 0.9])[k]
    return pd.DataFrame({"negatives": k, "switched": rng.random(n) < p,
                         "w": rng.integers(1, 4, n)})


def _inputs(df, tmp_path):
    df.to_parquet(tmp_path / "c.parquet")
    con = duckdb.connect()
    return {
        "polars": pl.from_pandas(df),
        "polars-lazy": pl.from_pandas(df).lazy(),
        "duckdb": con.from_df(df),
        "parquet": str(tmp_path / "c.parquet"),
        "dask": dd.from_pandas(df, npartitions=3),
    }


@pytest.mark.parametrize("weighted", [False, True])
def test_same_estimates_from_every_engine(tmp_path, weighted):
    df = _customers()
    w = "w" if weighted else None
    ref = dose_response(df, claimed={1: 0.57, 2: 0.78}, weights=w).estimates
    for name, data in _inputs(df, tmp_path).items():
        got = dose_response(data, claimed={1: 0.57, 2: 0.78}, weights=w).estimates
        pd.testing.assert_frame_equal(got, ref, check_exact=False, rtol=1e-10, obj=name)


def test_bad_counts_in_an_engine_name_column_rows_and_values(tmp_path):
    df = _customers(1000)
    df.loc[:4, "negatives"] = -1
    with pytest.raises(DataError, match="non-negative") as info:
        dose_response(pl.from_pandas(df))
    assert info.value.column == "negatives" and info.value.n_rows == 5
    assert list(info.value.examples) == [-1.0]
    frac = _customers(1000).assign(negatives=lambda d: d["negatives"] + 0.5)
    with pytest.raises(DataError, match="whole numbers"):
        dose_response(pl.from_pandas(frac))
    with pytest.raises(DataError, match="0/1"):
        dose_response(pl.from_pandas(_customers(100).assign(switched=2)))
