"""P1 gating, P2 drivers, M1 convergence and V1 lifetime take engine inputs unchanged and give
the pandas results."""

import numpy as np
import pandas as pd
import pytest

import loyaltystats.engines as engines
from engine_inputs import engine_inputs
from loyaltystats.drivers import driver_importance
from loyaltystats.errors import DataError, ParameterError, ScaleError
from loyaltystats.market import convergence
from loyaltystats.pyramid import gating
from loyaltystats.scales import LABELS_NOTE
from loyaltystats.simulate import generate
from loyaltystats.value import lifetime_by_band

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")

LEVELS = ["relevance", "trust", "satisfaction_level", "loyalty_level"]
DRIVERS = ["B1", "B2", "P1", "D1"]


@pytest.fixture(scope="module")
def world():
    w = generate(4000, seed=1)
    return w.responses.assign(year=lambda d: d["month"] // 12), w.customers


def _inputs(df, tmp_path, name="data"):
    return engine_inputs(df, tmp_path, name)


CALLS = {
    "gating": ("responses", lambda d: gating(d, LEVELS)),
    "driver_importance": ("responses", lambda d: driver_importance(
        d, ("grade", "loyalty_level"), DRIVERS, n_boot=30, seed=1)),
    "convergence": ("responses", lambda d: convergence(d, "grade", "company", "year",
                                                        n_boot=300, seed=2)),
    "lifetime_by_band": ("customers", lambda d: lifetime_by_band(d, horizon=12)),
    "lifetime_by_band+value": ("customers", lambda d: lifetime_by_band(
        d, horizon=12, value="monthly_value")),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_same_results_from_every_engine(world, tmp_path, call):
    table, fn = CALLS[call]
    df = world[0] if table == "responses" else world[1]
    ref = fn(df)
    for name, data in _inputs(df, tmp_path).items():
        got = fn(data)
        pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False,
                                      rtol=1e-9, obj=f"{call} from {name}")
        assert got.verdict == ref.verdict, f"{call} from {name}"


def test_gating_counts_in_the_engine_and_never_collects_rows(world, monkeypatch):
    ref = gating(world[0], LEVELS)

    def no_rows(*args, **kwargs):
        raise AssertionError("gating collected rows")

    monkeypatch.setattr(engines, "collect", no_rows)
    got = gating(pl.from_pandas(world[0]).lazy(), LEVELS)
    pd.testing.assert_frame_equal(got.tables["steps"], ref.tables["steps"], check_exact=False,
                                  rtol=1e-9)


def test_row_level_estimators_collect_only_the_columns_they_use(world, monkeypatch):
    asked = []
    real = engines.collect

    def spy(data, columns, *, table="data"):
        asked.append(list(columns))
        return real(data, columns, table=table)

    monkeypatch.setattr(engines, "collect", spy)
    r, c = pl.from_pandas(world[0]), pl.from_pandas(world[1])
    driver_importance(r, ("grade", "loyalty_level"), ["B1", "B2"], n_boot=0)
    convergence(r, "grade", "company", "year", n_boot=10)
    lifetime_by_band(c, horizon=12)
    lifetime_by_band(c, horizon=12, value="monthly_value")
    assert asked == [["B1", "B2", "grade", "loyalty_level"], ["grade", "company", "year"],
                     ["grade", "duration", "switched"],
                     ["grade", "duration", "switched", "monthly_value"]]


def test_gating_bad_values_in_an_engine_are_named(world):
    df = world[0][LEVELS].copy()
    df.loc[:2, "trust"] = 9
    df.loc[10, "trust"] = 0
    with pytest.raises(ScaleError, match="outside the scale") as info:
        gating(pl.from_pandas(df), LEVELS)
    assert info.value.column == "trust" and info.value.n_rows == 4
    assert set(info.value.examples) == {0.0, 9.0}
    # the pandas path names the same column and rows
    with pytest.raises(ScaleError) as ref:
        gating(df, LEVELS)
    assert (ref.value.column, ref.value.n_rows) == ("trust", 4)


def test_gating_fractional_and_text_levels_in_an_engine_are_named(world):
    df = world[0][LEVELS].astype(float)
    df.loc[:1, "loyalty_level"] = 3.5
    with pytest.raises(ScaleError, match="whole numbers") as info:
        gating(duckdb.connect().from_df(df), LEVELS)
    assert info.value.column == "loyalty_level" and info.value.n_rows == 2
    txt = world[0][LEVELS].astype(str)
    txt.loc[:4, "relevance"] = "high"
    with pytest.raises(ScaleError, match="not numbers") as info:
        gating(pl.from_pandas(txt), LEVELS)
    # text is never read as numbers: "3" is refused as much as "high"
    assert info.value.column == "relevance" and info.value.n_rows == len(txt)
    assert info.value.examples == ("1", "2", "3", "4", "5")  # sorted distinct text values


def test_gating_missing_levels_and_columns_in_an_engine(world):
    df = world[0][LEVELS].astype(float)
    df.loc[:5, "satisfaction_level"] = np.nan
    # the pandas error: missing ratings (ScaleError), by column and rows, with row labels
    with pytest.raises(ScaleError) as want:
        gating(df, LEVELS)
    for data in (pl.from_pandas(df, nan_to_null=True), pl.from_pandas(df).lazy()):
        with pytest.raises(ScaleError, match="missing values") as info:
            gating(data, LEVELS)
        # one wording; only the pandas input has row labels to show
        assert info.value.message == want.value.message.replace(LABELS_NOTE, "")
        assert info.value.column == "satisfaction_level" and info.value.n_rows == 6
    # continuous ratings: named by column and rows, not a cell-count error
    frac = df.fillna(3).assign(trust=np.linspace(1, 5, len(df)))
    with pytest.raises(ScaleError, match="outside the scale") as want:
        gating(frac, LEVELS)
    with pytest.raises(ScaleError, match="outside the scale") as info:
        gating(duckdb.connect().from_df(frac), LEVELS)
    assert info.value.column == "trust" and info.value.n_rows == want.value.n_rows > 9000
    with pytest.raises(DataError, match="missing column"):
        gating(pl.from_pandas(df), ["relevance", "nope"])
    with pytest.raises(DataError, match="never low"):
        gating(pl.from_pandas(world[0].assign(relevance=5)), LEVELS)


def test_row_level_bad_values_in_an_engine_are_named(world):
    c = world[1].copy()
    c.loc[:2, "duration"] = 0
    with pytest.raises(DataError, match="durations") as info:
        lifetime_by_band(pl.from_pandas(c), horizon=12)
    assert info.value.column == "duration" and info.value.n_rows == 3
    with pytest.raises(DataError, match="missing column"):
        lifetime_by_band(pl.from_pandas(world[1]), value="nope")
    with pytest.raises(ParameterError, match="seed"):   # the default is 0; None is refused
        driver_importance(pl.from_pandas(world[0]), ("grade", "loyalty_level"), DRIVERS,
                          seed=None)
    with pytest.raises(DataError, match="missing column"):
        convergence(pl.from_pandas(world[0]), "grade", "brand", "year")


def test_gating_with_many_levels_or_continuous_ratings_in_an_engine():
    # 12 levels of a 1-5 scale define 5**12 potential cells, more than one count may return:
    # the engine then checks each level alone and counts the pairs on flags cut in the engine
    rng = np.random.default_rng(5)
    names = [f"l{i}" for i in range(12)]
    high = rng.random(4000) < 0.5
    df = pd.DataFrame({c: np.where(high ^ (rng.random(4000) < 0.1), rng.integers(4, 6, 4000),
                                   rng.integers(1, 4, 4000)) for c in names})
    ref = gating(df, names)
    for data in (pl.from_pandas(df).lazy(), duckdb.connect().from_df(df)):
        got = gating(data, names)
        pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False,
                                      rtol=1e-9)
        assert got.verdict == ref.verdict
    # two continuous (off-scale) levels: named by column and rows as on pandas
    bad = df.assign(l3=rng.uniform(1, 5, 4000), l7=rng.uniform(1, 5, 4000))
    with pytest.raises(ScaleError) as want:
        gating(bad, names)
    with pytest.raises(ScaleError) as got:
        gating(pl.from_pandas(bad).lazy(), names)
    assert (got.value.column, got.value.n_rows) == (want.value.column, want.value.n_rows)
