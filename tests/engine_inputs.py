"""The same pandas table in every engine, for the tests that compare engines with pandas."""

from pathlib import Path

import pandas as pd


def engine_inputs(df: pd.DataFrame, tmp_path: Path, name: str = "data") -> dict:
    """``df`` as a Polars DataFrame and LazyFrame, a DuckDB relation, a Parquet file path
    (written to ``tmp_path/<name>.parquet``) and a Dask DataFrame of 3 partitions."""
    import dask.dataframe as dd
    import duckdb
    import polars as pl

    path = tmp_path / f"{name}.parquet"
    df.to_parquet(path)
    return {"polars": pl.from_pandas(df), "polars-lazy": pl.from_pandas(df).lazy(),
            "duckdb": duckdb.connect().from_df(df), "parquet": str(path),
            "dask": dd.from_pandas(df, npartitions=3)}
