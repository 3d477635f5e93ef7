"""LoyaltyScorer.fit takes Polars, DuckDB, Parquet and Dask tables and fits the pandas model."""

import numpy as np
import pytest

from engine_inputs import engine_inputs
from loyaltystats.errors import DataError
from loyaltystats.scoring import LoyaltyScorer
from loyaltystats.simulate import generate

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def world():
    return generate(6000, seed=8)


def _engine(df, engine, path):
    df = df.assign(**{c: df[c].astype(str) for c in df.columns
                      if str(df[c].dtype) == "category"})
    return engine_inputs(df, path.parent, path.stem)[engine]


@pytest.mark.parametrize("engine", ["polars", "polars-lazy", "duckdb", "parquet", "dask"])
def test_fit_from_an_engine_equals_the_pandas_fit(world, engine, tmp_path):
    c = world.customers.assign(segment=world.customers["segment"].astype(str))
    e = world.experiences.assign(kind=world.experiences["kind"].astype(str))
    ref = LoyaltyScorer(features=["segment"]).fit(c, e)
    got = LoyaltyScorer(features=["segment"]).fit(_engine(c, engine, tmp_path / "c.parquet"),
                                                  _engine(e, engine, tmp_path / "e.parquet"))
    assert got.coefficients_.keys() == ref.coefficients_.keys()
    for term, levels in ref.coefficients_.items():
        assert dict(got.coefficients_[term]).keys() == dict(levels).keys()
        np.testing.assert_allclose(list(got.coefficients_[term].values()),
                                   list(levels.values()), rtol=1e-9, atol=1e-12)
    rec = c.head(50).assign(negatives=1, tenure_months=3)
    np.testing.assert_allclose(got.score(rec)["p_switch"], ref.score(rec)["p_switch"],
                               rtol=1e-9)


def test_a_missing_feature_in_an_engine_is_named(world):
    with pytest.raises(DataError, match="nope") as info:
        LoyaltyScorer(features=["nope"]).fit(pl.from_pandas(world.customers.drop(
            columns=["segment", "company"])))
    assert info.value.table == "customers"
