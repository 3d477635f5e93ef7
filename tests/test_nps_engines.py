"""NPS estimators take engine inputs unchanged and give the pandas results.

by_segment and trend count in the engine; recency and versus_retention collect only the
columns they name (their fits need rows).
"""

import numpy as np
import pandas as pd
import pytest

from engine_inputs import engine_inputs
from loyaltystats import nps
from loyaltystats.errors import DataError, ScaleError
from loyaltystats.nps import by_segment, recency, trend, versus_retention

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")

ENGINES = ["polars", "polars-lazy", "duckdb", "parquet", "dask"]


def _engine(df, name, tmp_path):
    return engine_inputs(df, tmp_path, str(id(df)))[name]


def _same(got, ref, what):
    pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False, rtol=1e-9,
                                  obj=f"{what}.estimates")
    assert got.tables.keys() == ref.tables.keys(), what
    for key, tab in ref.tables.items():
        pd.testing.assert_frame_equal(got.tables[key], tab, check_exact=False, rtol=1e-9,
                                      obj=f"{what}.tables[{key!r}]")
    assert got.info.keys() == ref.info.keys(), what
    for key, val in ref.info.items():
        if isinstance(val, float):
            assert got.info[key] == pytest.approx(val, rel=1e-9, nan_ok=True), (what, key)
        else:
            assert got.info[key] == val, (what, key)
    assert getattr(got, "verdict", None) == getattr(ref, "verdict", None), what


def _answers(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "east", "south", "west"], n, p=[0.3, 0.2, 0.4, 0.1])
    wave = rng.integers(1, 6, n)
    p_pro = 0.3 + 0.04 * wave + 0.1 * (region == "north")
    u = rng.random(n)
    rec = np.where(u < p_pro, rng.integers(9, 11, n),
                   np.where(u < p_pro + 0.3, rng.integers(7, 9, n), rng.integers(0, 7, n)))
    return pd.DataFrame({"rec": rec, "region": region, "wave": wave,
                         "period": np.char.add("2024-Q", wave.astype(str)),
                         "w": rng.uniform(0.5, 2, n)})


# ------------------------------------------------------------------ counted in the engine
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("weights", [None, "w"])
def test_segments_and_trend_same_from_every_engine(tmp_path, engine, weights):
    df = _answers()
    data = _engine(df, engine, tmp_path)
    calls = {
        "by_segment": lambda d: by_segment(d, "rec", "region", weights=weights),
        "by_segment_bh_score": lambda d: by_segment(d, "rec", "region", adjust="fdr_bh",
                                                    weights=weights, ci="score"),
        "by_segment_bootstrap": lambda d: by_segment(d, "rec", "region", weights=weights,
                                                     ci="bootstrap", n_boot=200, seed=4),
        "trend": lambda d: trend(d, "rec", "wave", weights=weights),
        "trend_labels": lambda d: trend(d, "rec", "period", weights=weights, ci="adjusted"),
    }
    for what, call in calls.items():
        _same(call(data), call(df), f"{what} from {engine}")


def test_out_of_scale_and_non_numeric_answers_in_an_engine_are_named(tmp_path):
    df = _answers(500)
    df.loc[:2, "rec"] = 11
    for engine in ENGINES:
        with pytest.raises(ScaleError, match="outside the scale") as info:
            by_segment(_engine(df, engine, tmp_path), "rec", "region")
        assert info.value.column == "rec" and info.value.n_rows == 3, engine
        assert list(info.value.examples) == [11.0], engine
    text = _answers(500).astype({"rec": str})
    text.loc[[3, 7], "rec"] = "ten"
    with pytest.raises(ScaleError, match="not numbers") as ref:
        trend(text, "rec", "wave")
    with pytest.raises(ScaleError, match="not numbers") as info:
        trend(pl.from_pandas(text), "rec", "wave")
    # a text column is never read as numbers: every row is named, "9" as much as "ten"
    assert (info.value.column, info.value.n_rows, info.value.examples) == (
        ref.value.column, ref.value.n_rows, ref.value.examples)
    assert ref.value.column == "rec" and ref.value.n_rows == 500


def test_missing_values_and_weights_in_an_engine_raise_like_pandas():
    df = _answers(500).astype({"rec": float})
    df.loc[[1, 5], "rec"] = np.nan
    with pytest.raises(ScaleError, match="NaN") as info:
        by_segment(pl.from_pandas(df), "rec", "region")
    assert info.value.column == "rec" and info.value.n_rows == 2
    df = _answers(500).astype({"region": object})
    df.loc[0, "region"] = None
    with pytest.raises(DataError, match=r"missing values \(NaN, None or NaT\)") as info:
        by_segment(pl.from_pandas(df).lazy(), "rec", "region")
    assert info.value.column == "region" and info.value.n_rows == 1
    with pytest.raises(DataError, match="all weights are zero") as info:
        trend(duckdb.connect().from_df(_answers(500).assign(w=0.0)), "rec", "wave", weights="w")
    assert info.value.column == "w"
    bad_w = _answers(500)
    bad_w.loc[:3, "w"] = -1.0
    with pytest.raises(DataError, match="non-negative") as info:
        trend(pl.from_pandas(bad_w), "rec", "wave", weights="w")
    assert info.value.column == "w" and info.value.n_rows == 4
    with pytest.raises(DataError, match="two segments"):
        by_segment(pl.from_pandas(_answers(200).assign(one="x")), "rec", "one")
    with pytest.raises(DataError, match="missing column"):
        by_segment(pl.from_pandas(_answers(200)), "recommend", "region")


def test_unused_enum_levels_are_empty_segments():
    df = pl.from_pandas(_answers(300)).with_columns(
        pl.col("region").cast(pl.Enum(["north", "east", "south", "west", "central"])))
    with pytest.raises(DataError, match="empty segment") as info:
        by_segment(df, "rec", "region")
    assert list(info.value.examples) == ["central"]
    r = by_segment(df.filter(pl.col("region") != "central").with_columns(
        pl.col("region").cast(pl.Enum(["north", "east", "south", "west"]))), "rec", "region")
    assert r.estimates["term"].tolist() == ["north", "east", "south", "west"]  # enum order


# ------------------------------------------------------------------ columns collected
def _lag_world(n=300, m=6, seed=0):
    rng = np.random.default_rng(seed)
    tr = pd.DataFrame({"customer_id": np.repeat(np.arange(n), m),
                       "time": np.tile(np.arange(m), n).astype(float),
                       "grade": rng.integers(3, 11, n * m), "unused": "x"})
    g = tr["grade"].to_numpy().reshape(n, m)
    rec = np.clip(np.rint(g[:, 2:] @ np.array([0.1, 0.1, 0.2, 0.6]) - 1
                          + rng.normal(0, 0.6, n)), 0, 10)
    resp = pd.DataFrame({"customer_id": np.arange(n), "time": float(m - 1), "recommend": rec})
    return tr.sample(frac=1, random_state=1).reset_index(drop=True), resp


@pytest.mark.parametrize("engine", ENGINES)
def test_recency_same_from_every_engine(tmp_path, engine):
    tr, resp = _lag_world()
    ref = recency(tr, resp)
    got = recency(_engine(tr, engine, tmp_path), _engine(resp, engine, tmp_path))
    assert ref.verdict == "supported"
    _same(got, ref, f"recency from {engine}")
    # mixed: pandas transactions, engine responses
    _same(recency(tr, _engine(resp, engine, tmp_path), lags=3), recency(tr, resp, lags=3),
          f"recency (mixed) from {engine}")


def test_recency_bad_rating_in_an_engine_is_named():
    tr, resp = _lag_world(100)
    tr.loc[5, "grade"] = 11
    with pytest.raises(ScaleError) as info:
        recency(pl.from_pandas(tr), pl.from_pandas(resp))
    assert (info.value.table, info.value.column, info.value.n_rows) == (
        "transactions", "grade", 1)
    with pytest.raises(DataError, match="missing column"):
        recency(pl.from_pandas(tr.drop(columns="grade")), resp)


@pytest.fixture(scope="module")
def retention_data():
    rng = np.random.default_rng(3)
    n = 500
    rec = rng.integers(0, 11, n)
    t = np.ceil(rng.exponential(1 / (0.08 * np.exp(-0.2 * (rec - 5))), n))
    return pd.DataFrame({"recommend": rec, "duration": np.minimum(t, 24), "switched": t <= 24,
                         "grade": np.clip(np.rint(rec * 0.6 + 3 + rng.normal(0, 1, n)), 1, 10),
                         "region": rng.choice(["a", "b", "c"], n), "unused": 1.0})


@pytest.fixture(scope="module")
def retention_ref(retention_data):
    return versus_retention(retention_data, ["grade", "region"], n_boot=40, seed=2)


@pytest.mark.parametrize("engine", ENGINES)
def test_versus_retention_same_from_every_engine(tmp_path, engine, retention_data,
                                                 retention_ref):
    got = versus_retention(_engine(retention_data, engine, tmp_path), ["grade", "region"],
                           n_boot=40, seed=2)
    _same(got, retention_ref, f"versus_retention from {engine}")


def test_versus_retention_bad_input_in_an_engine(retention_data):
    bad = retention_data.assign(recommend=retention_data["recommend"].where(
        retention_data.index > 2, 12))
    with pytest.raises(ScaleError) as info:
        versus_retention(pl.from_pandas(bad), ["grade"], n_boot=10, seed=0)
    assert (info.value.column, info.value.n_rows) == ("recommend", 3)
    with pytest.raises(DataError, match="missing column"):
        versus_retention(duckdb.connect().from_df(retention_data), ["tenure"], n_boot=10,
                         seed=0)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("ci, weighted, clustered", [
    ("wald", False, False), ("score", False, False), ("adjusted", True, False),
    ("bootstrap", True, False), ("score", False, True), ("wald", True, True)])
def test_score_of_an_engine_table_equals_score_of_the_values(engine, ci, weighted, clustered,
                                                             tmp_path):
    df = _answers().assign(cust=lambda d: np.arange(len(d)) // 3)
    kw = {"ci": ci, "seed": 4 if ci == "bootstrap" else None, "n_boot": 500}
    ref = nps.score(df["rec"], weights=df["w"] if weighted else None,
                    cluster=df["cust"] if clustered else None, column="rec", **kw)
    got = nps.score(_engine(df, engine, tmp_path), column="rec",
                    weights="w" if weighted else None, cluster="cust" if clustered else None,
                    **kw)
    _same(got, ref, f"score {ci} from {engine}")


def test_score_of_an_engine_table_names_bad_answers_and_arguments():
    df = _answers(500)
    df.loc[:2, "rec"] = 11
    with pytest.raises(ScaleError, match="outside the scale") as info:
        nps.score(pl.from_pandas(df).lazy(), column="rec")
    assert info.value.column == "rec" and info.value.n_rows == 3
    with pytest.raises(ValueError, match="column="):
        nps.score(pl.from_pandas(df))
    with pytest.raises(ValueError, match="weights= must be a column name"):
        nps.score(pl.from_pandas(df), column="rec", weights=df["w"])
    with pytest.raises(DataError, match="all weights are zero"):
        nps.score(pl.from_pandas(df.assign(rec=5, w=0.0)), column="rec", weights="w")
