"""The claims report gives the same results from pandas, Polars, DuckDB, Parquet and Dask."""

import json

import numpy as np
import pandas as pd
import pytest

from loyaltystats.claims import DEMO_MAPPING, check_claims, demo_tables
from loyaltystats.errors import DataError

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")

NUMBERS = ["estimate", "ci_low", "ci_high"]


@pytest.fixture(scope="module")
def tables():
    t = demo_tables(3000, seed=4)
    t.pop("truth")
    return t


@pytest.fixture(scope="module")
def reference(tables):
    return check_claims(**tables, mapping=DEMO_MAPPING, seed=2)


def _polars(df):
    # pandas categories become Polars Enums, so that levels keep their order (docs/engines.md)
    out = pl.from_pandas(df)
    enums = {c: pl.Enum([str(v) for v in df[c].cat.categories])
             for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)}
    return out.with_columns(*[pl.col(c).cast(pl.String).cast(e) for c, e in enums.items()])


def _convert(tables, engine, tmp_path):
    out = {}
    con = duckdb.connect()
    for name, df in tables.items():
        if engine == "polars":
            out[name] = _polars(df)
        elif engine == "polars-lazy":
            out[name] = _polars(df).lazy()
        elif engine == "duckdb":
            out[name] = con.from_df(df)
        elif engine == "parquet":
            path = tmp_path / f"{name}.parquet"
            df.to_parquet(path)
            out[name] = str(path)
        elif engine == "dask":
            out[name] = dd.from_pandas(df, npartitions=3)
    return out


def _sorted(est):
    return est.sort_values("term", kind="mergesort").reset_index(drop=True)


@pytest.mark.parametrize("engine", ["polars", "polars-lazy", "duckdb", "parquet", "dask"])
def test_every_claim_gives_the_pandas_result(tables, reference, engine, tmp_path):
    got = check_claims(**_convert(tables, engine, tmp_path), mapping=DEMO_MAPPING, seed=2)
    want = reference.table.set_index("id")
    have = got.table.set_index("id")
    assert (want["status"] == "tested").all()
    pd.testing.assert_series_equal(have["status"], want["status"], obj=f"{engine} status")
    pd.testing.assert_series_equal(have["verdict"], want["verdict"], obj=f"{engine} verdict")
    # the claim's estimates and the full estimator result behind its plot
    pairs = [(cid, got.claim_results[cid], res) for cid, res in reference.claim_results.items()]
    pairs += [(cid, got.results[cid], res) for cid, res in reference.results.items()]
    for cid, mine, theirs in pairs:
        a = _sorted(mine.estimates)
        b = _sorted(theirs.estimates)
        assert a["term"].tolist() == b["term"].tolist(), f"{engine} {cid}"
        np.testing.assert_allclose(a[NUMBERS].to_numpy(float), b[NUMBERS].to_numpy(float),
                                   rtol=1e-9, atol=1e-12, err_msg=f"{engine} {cid}")


def test_a_missing_column_in_an_engine_table_is_named(tables):
    with pytest.raises(DataError, match="'nope'") as info:
        check_claims(customers=pl.from_pandas(tables["customers"]).lazy(),
                     mapping={"customers": {"negatives": "nope"}})
    assert info.value.table == "customers"


def test_cli_reads_a_parquet_folder_out_of_core(tables, reference, tmp_path, capsys,
                                                monkeypatch):
    import loyaltystats.claims as claims_pkg
    from loyaltystats import cli

    seen = []

    def spy(**kw):
        seen.append({k: type(v).__name__ for k, v in kw.items() if k != "mapping"})
        return check_claims(**kw)

    monkeypatch.setattr(claims_pkg, "check_claims", spy)
    folder = tmp_path / "customers"
    folder.mkdir()
    c = tables["customers"]
    c.iloc[:1500].to_parquet(folder / "part-0.parquet")
    c.iloc[1500:].to_parquet(folder / "part-1.parquet")
    (tmp_path / "map.toml").write_text(
        '[customers]\nnegatives = "negatives"\nintent = "considering_switch"\n'
        'switched = "switched"\n')
    code = cli.main(["report", "--customers", str(folder), "--mapping",
                     str(tmp_path / "map.toml"), "--out", "", "--json",
                     str(tmp_path / "r.json"), "--seed", "2"])
    assert code == 0
    assert seen == [{"customers": "str", "seed": "int", "progress": "bool", "missing": "str",
                     "source": "str", "simulated": "bool"}]
    got = {r["id"]: r for r in json.loads((tmp_path / "r.json").read_text())["claims"]}
    want = reference.table.set_index("id")
    for cid in ("S1", "S3"):
        assert got[cid]["verdict"] == want.loc[cid, "verdict"]
        assert got[cid]["estimate"] == pytest.approx(want.loc[cid, "estimate"], rel=1e-9)


def test_t3_missing_grades_fail_the_claim_on_every_input(tables):
    # missing grades, even in a tier T3 says nothing about ("not met"), break the report's
    # data contract: T3 fails with the same message on every input instead of dropping them
    r = tables["responses"].copy()
    notmet = (r["tier"] == "not met").to_numpy()
    r["grade"] = r["grade"].astype(float)
    r.loc[notmet, "grade"] = np.nan
    for data in (r, pl.from_pandas(r, nan_to_null=False).lazy(), duckdb.connect().from_df(r)):
        got = check_claims(responses=data, mapping=DEMO_MAPPING, claims=["T3"]).table
        assert got.loc[0, "status"].startswith("failed: responses.grade: missing values"), (
            got.loc[0, "status"])
        assert f"({int(notmet.sum()):,} rows" in got.loc[0, "status"] or (
            f"({int(notmet.sum())} rows" in got.loc[0, "status"])


def test_t5_drops_nan_outcomes_from_an_engine_like_pandas(tables, reference):
    # Polars keeps float NaN apart from null: both mean "unknown" and are left out
    c = tables["customers"].assign(
        retained_12m=lambda d: d["retained_12m"].astype("float64"))
    got = check_claims(customers=pl.from_pandas(c, nan_to_null=False), mapping=DEMO_MAPPING,
                       claims=["T5"], seed=2).table.set_index("id")
    want = reference.table.set_index("id")
    assert got.loc["T5", "status"] == "tested"
    assert got.loc["T5", "estimate"] == pytest.approx(want.loc["T5", "estimate"])


def test_cli_unreadable_parquet_is_one_line(tmp_path, capsys):
    from loyaltystats.cli import main

    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    (tmp_path / "m.toml").write_text('[customers]\nnegatives = "negatives"\n')
    code = main(["report", "--customers", str(tmp_path / "bad.parquet"), "--mapping",
                 str(tmp_path / "m.toml"), "--out", ""])
    err = capsys.readouterr().err
    assert code != 0 and "not readable Parquet" in err and err.count("\n") == 1
