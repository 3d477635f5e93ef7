"""engines.collect and _validate.as_frame: the named columns of any engine, as pandas."""

import numpy as np
import pandas as pd
import pytest

from loyaltystats._validate import as_frame
from loyaltystats.engines import collect
from loyaltystats.errors import DataError

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture
def frame():
    return pd.DataFrame({"id": np.arange(6), "grade": [7, 8, 9, 10, 6, 8],
                         "segment": ["a", "b", None, "a", "b", "a"],
                         "when": pd.date_range("2024-01-01", periods=6, freq="MS"),
                         "extra": 1.5})


def _engines(df, tmp_path):
    df.to_parquet(tmp_path / "f.parquet")
    return {"polars": pl.from_pandas(df), "lazy": pl.from_pandas(df).lazy(),
            "duckdb": duckdb.connect().from_df(df), "parquet": str(tmp_path / "f.parquet"),
            "dask": dd.from_pandas(df, npartitions=3)}


def test_collect_returns_the_pandas_columns(frame, tmp_path):
    want = frame[["grade", "segment", "when"]]
    for name, data in _engines(frame, tmp_path).items():
        got = collect(data, ["grade", "segment", "when", "grade"])
        assert list(got.columns) == ["grade", "segment", "when"], name
        assert got["segment"].dtype == object, name
        assert got["segment"].tolist() == want["segment"].tolist(), name
        np.testing.assert_array_equal(got["grade"], want["grade"])
        np.testing.assert_array_equal(got["when"].to_numpy("datetime64[ns]"),
                                      want["when"].to_numpy("datetime64[ns]"))


def test_collect_names_missing_columns(frame):
    with pytest.raises(DataError, match=r"missing column\(s\) \['nope'\]") as info:
        collect(pl.from_pandas(frame), ["grade", "nope"], table="responses")
    assert info.value.table == "responses"


def test_as_frame_passes_pandas_through_and_skips_none(frame):
    assert as_frame(frame, ["grade"], "data") is frame
    got = as_frame(pl.from_pandas(frame), ["grade", None], "data")
    assert list(got.columns) == ["grade"]


def test_collect_gives_dates_as_datetimes_and_enums_in_order():
    import datetime as dt

    con = duckdb.connect()
    con.sql("CREATE TYPE quarter AS ENUM ('q3', 'q1', 'q2')")
    rel = con.sql("SELECT DATE '2024-01-05' + i::INT AS d, "
                  "(['q3', 'q1', 'q2'])[1 + i % 3]::quarter AS q FROM range(4) t(i)")
    lf = pl.LazyFrame({"d": [dt.date(2024, 1, 5)],
                       "q": pl.Series(["q1"], dtype=pl.Enum(["q3", "q1", "q2"]))})
    for data in (rel, lf):
        got = collect(data, ["d", "q"])
        assert got["d"].dtype.kind == "M"
        assert got["d"].iloc[0] == pd.Timestamp("2024-01-05")
        assert list(got["q"].cat.categories) == ["q3", "q1", "q2"] and got["q"].cat.ordered


def test_parquet_written_from_pandas_keeps_its_category_order(tmp_path):
    from loyaltystats.tables import count_cells
    from loyaltystats.thresholds import by_level

    rng = np.random.default_rng(0)
    e = rng.choice(["below", "met", "exceeded"], 3000)
    df = pd.DataFrame({"e": pd.Categorical(e, categories=["below", "met", "exceeded", "none"]),
                       "g": np.clip(np.where(e == "met", 8, 9) + rng.integers(-2, 2, 3000),
                                    1, 10)})
    df.iloc[:1500].to_parquet(tmp_path / "a.parquet")
    df.iloc[1500:].to_parquet(tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(count_cells(str(tmp_path), "e"), count_cells(df, "e"))
    assert list(collect(str(tmp_path), ["e"])["e"].cat.categories) == list(df["e"].cat.categories)
    pd.testing.assert_frame_equal(by_level(str(tmp_path), "g", "e").estimates,
                                  by_level(df, "g", "e").estimates)
    # a value that is not one of the first file's categories: plain text, sorted, no error
    other = df.assign(e=df["e"].astype(str).where(df.index < 2000, "zzz"))
    other.to_parquet(tmp_path / "b.parquet")
    assert count_cells(str(tmp_path), "e")["e"].tolist() == ["below", "exceeded", "met", "zzz"]


def test_a_path_that_is_not_parquet_is_a_data_error(tmp_path):
    from loyaltystats.tables import count_cells

    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="not readable Parquet") as info:
        count_cells(str(tmp_path / "x.csv"), "a", table="responses")
    assert info.value.table == "responses"
