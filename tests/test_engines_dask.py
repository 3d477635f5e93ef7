"""Dask on a real distributed.LocalCluster: 2 worker processes, a Parquet dataset of several
files (more than one partition), results identical to pandas."""

import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError
from loyaltystats.stats import fit_binomial
from loyaltystats.tables import count_cells, person_period

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pytest.importorskip("narwhals")
pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def client():
    # two worker processes with one thread each: the real scheduler, serialization and
    # shuffles between processes (not threads in the test process)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", memory_limit="1GiB")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _responses(n=40_000, seed=11):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "grade": rng.integers(1, 11, n).astype(np.int8),
        "negatives": rng.integers(0, 4, n).astype(np.int8),
        "segment": rng.choice(["north", "south", "east"], n),
        "stayed": rng.random(n) < 0.7,
        "w": rng.integers(1, 5, n).astype(np.float64),
    })


@pytest.fixture(scope="module")
def parquet_responses(tmp_path_factory):
    df = _responses()
    folder = tmp_path_factory.mktemp("responses")
    for i, idx in enumerate(np.array_split(np.arange(len(df)), 5)):
        df.iloc[idx].to_parquet(folder / f"part-{i:02d}.parquet", index=False)
    return df, folder


def test_count_cells_on_cluster_from_parquet(client, parquet_responses):
    df, folder = parquet_responses
    ddf = dd.read_parquet(str(folder))
    assert ddf.npartitions > 1
    keys = ["grade", "negatives", "segment"]
    ref = count_cells(df, keys, outcome="stayed", weights="w")
    with distributed.get_task_stream(client) as ts:
        got = count_cells(ddf, keys, outcome="stayed", weights="w")
    assert {t["worker"] for t in ts.data} == set(client.scheduler_info()["workers"])
    pd.testing.assert_frame_equal(got, ref)
    a = fit_binomial(ref, "grade + negatives + C(segment)")
    b = fit_binomial(got, "grade + negatives + C(segment)")
    np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())


def test_count_cells_errors_on_cluster(client, parquet_responses):
    df, _ = parquet_responses
    bad = df.assign(w=df.w.where(df.index % 1000 != 7, -1.0))
    ddf = dd.from_pandas(bad, npartitions=4)
    with pytest.raises(DataError, match="finite and non-negative") as info:
        count_cells(ddf, "grade", weights="w")
    assert info.value.n_rows == 40 and info.value.column == "w"
    assert info.value.examples == (-1.0,)


def _world(n=3000, seed=4):
    rng = np.random.default_rng(seed)
    cust = pd.DataFrame({
        "customer_id": rng.permutation(n) + 10,
        "start": rng.integers(0, 6, n).astype(float),
        "duration": rng.integers(1, 18, n).astype(float),
        "switched": rng.random(n) < 0.4,
        "segment": rng.choice(["A", "B", "C"], n),
    })
    m = 3 * n
    who = rng.integers(0, n, m)
    exp = pd.DataFrame({
        "customer_id": cust.customer_id.to_numpy()[who],
        "time": cust.start.to_numpy()[who] + rng.random(m) * cust.duration.to_numpy()[who],
        "kind": rng.choice(["negative", "delight"], m),
    })
    return cust, exp


def test_person_period_on_cluster_from_parquet(client, tmp_path):
    cust, exp = _world()
    for name, frame, parts in (("c", cust, 3), ("e", exp, 4)):
        (tmp_path / name).mkdir()
        for i, idx in enumerate(np.array_split(np.arange(len(frame)), parts)):
            frame.iloc[idx].to_parquet(tmp_path / name / f"p{i}.parquet", index=False)
    dc, de = dd.read_parquet(str(tmp_path / "c")), dd.read_parquet(str(tmp_path / "e"))
    assert dc.npartitions > 1 and de.npartitions > 1
    kw = {"by": "segment", "horizon": 12,
          "count": {"negatives": ["negative"], "delights": ["delight"]}}
    ref = person_period(cust, exp, **kw)
    with distributed.get_task_stream(client) as ts:
        got = person_period(dc, de, **kw)
    assert len({t["worker"] for t in ts.data}) == 2
    pd.testing.assert_frame_equal(got, ref)
    a = fit_binomial(ref, "C(period) + negatives + delights + C(segment)",
                     successes="events", trials="at_risk", link="cloglog")
    b = fit_binomial(got, "C(period) + negatives + delights + C(segment)",
                     successes="events", trials="at_risk", link="cloglog")
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=0, atol=0)


def test_person_period_errors_add_up_over_partitions(client):
    cust, exp = _world()
    exp.loc[exp.index % 500 == 3, "customer_id"] = 99_999_999
    ref_err = pytest.raises(DataError, match="unknown customers")
    with ref_err as ref:
        person_period(cust, exp)
    with pytest.raises(DataError, match="unknown customers") as got:
        person_period(dd.from_pandas(cust, npartitions=3), dd.from_pandas(exp, npartitions=4))
    assert got.value.n_rows == ref.value.n_rows == 18
    assert got.value.examples == ref.value.examples == (99_999_999,)


def test_claims_report_on_cluster_from_parquet(client, tmp_path):
    # the whole claims report from Dask tables read from multi-file Parquet on the cluster:
    # every claim (counted in the engine or collected) equals the pandas report
    from loyaltystats.claims import DEMO_MAPPING, check_claims, demo_tables

    tables = demo_tables(2000, seed=6)
    tables.pop("truth")
    ref = check_claims(**tables, mapping=DEMO_MAPPING, seed=3)
    on_cluster = {}
    for name, df in tables.items():
        folder = tmp_path / name
        folder.mkdir()
        for i, idx in enumerate(np.array_split(np.arange(len(df)), 3)):
            df.iloc[idx].to_parquet(folder / f"part-{i}.parquet", index=False)
        on_cluster[name] = dd.read_parquet(str(folder))
        assert on_cluster[name].npartitions > 1
    with distributed.get_task_stream(client) as ts:
        got = check_claims(**on_cluster, mapping=DEMO_MAPPING, seed=3)
    assert {t["worker"] for t in ts.data} == set(client.scheduler_info()["workers"])
    want, have = ref.table.set_index("id"), got.table.set_index("id")
    assert (want["status"] == "tested").all()
    pd.testing.assert_series_equal(have["status"], want["status"])
    pd.testing.assert_series_equal(have["verdict"], want["verdict"])
    np.testing.assert_allclose(have[["estimate", "ci_low", "ci_high"]].to_numpy(float),
                               want[["estimate", "ci_low", "ci_high"]].to_numpy(float),
                               rtol=1e-9)
