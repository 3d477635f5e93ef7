"""Threshold estimators take engine inputs unchanged and give the pandas results."""

import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError
from loyaltystats.thresholds import band_table, by_level, loyalty_curve

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")


def _responses(n=20_000, seed=5):
    rng = np.random.default_rng(seed)
    exp = rng.choice(["below", "exceeded", "met"], n)
    grade = np.clip(np.round(np.where(exp == "met", 8, np.where(exp == "exceeded", 9.2, 6))
                             + rng.normal(0, 0.8, n)), 1, 10).astype(int)
    stayed = rng.random(n) < np.where(grade >= 9, 0.85, 0.55)
    return pd.DataFrame({"grade": grade, "expectation": exp, "stayed": stayed})


def _inputs(df, tmp_path):
    df.to_parquet(tmp_path / "r.parquet")
    return {"polars": pl.from_pandas(df), "polars-lazy": pl.from_pandas(df).lazy(),
            "duckdb": duckdb.connect().from_df(df), "parquet": str(tmp_path / "r.parquet"),
            "dask": dd.from_pandas(df, npartitions=3)}


def test_same_results_from_every_engine(tmp_path):
    df = _responses()
    refs = {
        "by_level": by_level(df, "grade", "expectation",
                             claimed={"met": 8, "exceeded": 9}).estimates,
        "loyalty_curve": loyalty_curve(df, "grade", "stayed", n_boot=50).estimates,
        "band_table": band_table(df, "grade", outcome="stayed").estimates,
    }
    for name, data in _inputs(df, tmp_path).items():
        got = {
            "by_level": by_level(data, "grade", "expectation",
                                 claimed={"met": 8, "exceeded": 9}).estimates,
            "loyalty_curve": loyalty_curve(data, "grade", "stayed", n_boot=50).estimates,
            "band_table": band_table(data, "grade", outcome="stayed").estimates,
        }
        for key, ref in refs.items():
            pd.testing.assert_frame_equal(got[key], ref, check_exact=False, rtol=1e-9,
                                          obj=f"{key} from {name}")


def test_out_of_scale_scores_in_an_engine_are_named():
    df = _responses(500)
    df.loc[:2, "grade"] = 12
    with pytest.raises(DataError, match="outside the scale") as info:
        by_level(pl.from_pandas(df), "grade", "expectation")
    assert info.value.column == "grade" and info.value.n_rows == 3
