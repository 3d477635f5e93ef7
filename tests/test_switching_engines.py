"""The switching estimators take engine inputs unchanged and give the pandas results.

dose_response, threshold and intent_vs_behavior count in the engine (values checked on the
cells); hazard, recovery and cox_time_varying collect only the columns they use.
"""

import numpy as np
import pandas as pd
import pytest

from engine_inputs import engine_inputs
from loyaltystats.errors import DataError, ModelError
from loyaltystats.scales import LABELS_NOTE
from loyaltystats.switching import (
    cox_time_varying,
    dose_response,
    hazard,
    intent_vs_behavior,
    recovery,
    threshold,
)

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")


def _customers(n=20_000, seed=3):
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 6, n)
    p = np.array([0.1, 0.5, 0.8, 0.9, 0.9, 0.9])[k]
    return pd.DataFrame({"negatives": k, "switched": rng.random(n) < p,
                         "w": rng.integers(1, 4, n)})


def _inputs(df, tmp_path, name="c"):
    return engine_inputs(df, tmp_path, name)


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


# ---------------------------------------------------------------------------- threshold
def test_threshold_same_results_from_every_engine(tmp_path):
    df = _customers(8000, seed=4)
    ref = threshold(df, cap=4, n_boot=50, seed=2)
    for name, data in _inputs(df, tmp_path).items():
        got = threshold(data, cap=4, n_boot=50, seed=2)
        pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False,
                                      rtol=1e-9, obj=name)
        for t in ("profile", "bootstrap", "exactly_vs_fewer", "cells"):
            pd.testing.assert_frame_equal(got.tables[t], ref.tables[t], check_exact=False,
                                          rtol=1e-9, obj=f"{name} {t}")
        assert (got.k_step, got.k_hinge) == (ref.k_step, ref.k_hinge), name


def test_threshold_bad_values_in_an_engine():
    df = _customers(1000, seed=5)
    neg = df.copy()
    neg.loc[:6, "negatives"] = -2
    with pytest.raises(DataError, match="non-negative") as info:
        threshold(pl.from_pandas(neg), n_boot=0)
    assert info.value.column == "negatives" and info.value.n_rows == 7
    assert list(info.value.examples) == [-2.0]
    frac = df.astype({"negatives": float})
    frac.loc[[3, 9, 11], "negatives"] = 1.5
    with pytest.raises(DataError, match="whole numbers") as info:
        threshold(pl.from_pandas(frac).lazy(), n_boot=0)
    assert info.value.column == "negatives" and info.value.n_rows == 3
    with pytest.raises(DataError, match="numeric integers") as info:
        threshold(pl.from_pandas(df.astype({"negatives": str})), n_boot=0)
    assert info.value.column == "negatives" and info.value.n_rows == len(df)
    bad_y = df.astype({"switched": int})
    bad_y.loc[:3, "switched"] = 7
    with pytest.raises(DataError, match="0/1") as info:
        threshold(pl.from_pandas(bad_y), n_boot=0)
    assert info.value.column == "switched" and info.value.n_rows == 4
    with pytest.raises(ModelError, match="lower cap"):
        threshold(pl.from_pandas(df[df["negatives"] != 2]), n_boot=0)


# ---------------------------------------------------------------------------- intent
def _intent_customers(n=6000, seed=6):
    rng = np.random.default_rng(seed)
    k = rng.integers(0, 5, n)
    intent = rng.random(n) < np.array([0.1, 0.57, 0.78, 0.9, 0.9])[k]
    return pd.DataFrame({"negatives": k, "considering_switch": intent,
                         "switched": rng.random(n) < np.where(intent, 0.3, 0.05)})


@pytest.mark.parametrize("as_int", [False, True])
def test_intent_same_results_from_every_engine(tmp_path, as_int):
    df = _intent_customers()
    if as_int:  # 0/1 integers instead of booleans
        df = df.astype({"considering_switch": "int64", "switched": "int8"})
    ref = intent_vs_behavior(df, margin=0.2)
    for name, data in _inputs(df, tmp_path).items():
        got = intent_vs_behavior(data, margin=0.2)
        pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False,
                                      rtol=1e-9, obj=name)
        pd.testing.assert_frame_equal(got.tables["by_k"], ref.tables["by_k"],
                                      check_exact=False, rtol=1e-9, obj=name)
        assert (got.verdict, got.reason, got.info) == (ref.verdict, ref.reason, ref.info), name


def test_intent_simulated_world_from_an_engine():
    simulate = pytest.importorskip("loyaltystats.simulate")
    c = simulate.generate(3000, seed=8).customers
    ref = intent_vs_behavior(c)
    got = intent_vs_behavior(pl.from_pandas(c).lazy())
    pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False, rtol=1e-9)
    assert got.verdict == ref.verdict


def test_intent_bad_values_in_an_engine():
    df = _intent_customers(1000, seed=7).astype({"considering_switch": "int64"})
    bad = df.copy()
    bad.loc[[3, 7, 8], "considering_switch"] = 5
    bad.loc[[10], "considering_switch"] = -1
    with pytest.raises(DataError, match="0/1") as info:
        intent_vs_behavior(pl.from_pandas(bad))
    assert info.value.column == "considering_switch" and info.value.n_rows == 4
    assert sorted(info.value.examples) == [-1, 5]
    with pytest.raises(DataError, match="0/1") as info:
        intent_vs_behavior(pl.from_pandas(df.astype({"considering_switch": str})))
    assert info.value.column == "considering_switch" and info.value.n_rows == len(df)
    with pytest.raises(DataError, match="non-negative") as info:
        intent_vs_behavior(pl.from_pandas(df.assign(negatives=lambda d: d["negatives"] - 3)))
    assert info.value.column == "negatives"
    assert info.value.n_rows == int((df["negatives"] < 3).sum())
    with pytest.raises(DataError, match="0/1") as info:
        intent_vs_behavior(pl.from_pandas(df.assign(switched=2)))
    assert info.value.column == "switched" and info.value.n_rows == len(df)
    with pytest.raises(DataError, match="missing"):
        intent_vs_behavior(pl.from_pandas(df.drop(columns="considering_switch")))
    with pytest.raises(ModelError, match="nobody"):
        intent_vs_behavior(pl.from_pandas(df.assign(considering_switch=0)))


# ---------------------------------------------------------------------------- survival
@pytest.fixture(scope="module")
def world():
    simulate = pytest.importorskip("loyaltystats.simulate")
    w = simulate.generate(1500, seed=7)
    return w.customers, w.experiences


def _pairs(cust, exp, tmp_path):
    ci, ei = _inputs(cust, tmp_path, "customers"), _inputs(exp, tmp_path, "experiences")
    return {name: (ci[name], ei[name]) for name in ci}


def _same(got, ref, name):
    pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False, rtol=1e-9,
                                  obj=name)


@pytest.mark.parametrize("method", ["discrete", "cox"])
def test_hazard_same_results_from_every_engine(tmp_path, world, method):
    cust, exp = world
    kw = dict(horizon=12, recovered="recovered", method=method, claimed={1: 0.3})
    ref = hazard(cust, exp, **kw)
    for name, (c, e) in _pairs(cust, exp, tmp_path).items():
        got = hazard(c, e, **kw)
        _same(got, ref, name)
        pd.testing.assert_frame_equal(got.tables["km"], ref.tables["km"], check_exact=False,
                                      rtol=1e-9, obj=name)
        assert got.info == pytest.approx(ref.info, nan_ok=True), name
        assert got.claim.verdict == ref.claim.verdict, name


def test_hazard_datetimes_and_no_experiences_from_an_engine(tmp_path, world):
    cust, exp = world
    day0 = pd.Timestamp("2020-01-01")

    def at(months):
        return day0 + pd.to_timedelta(np.round(np.asarray(months, float) * 30 * 86400), "s")

    cd = cust.assign(start=at(cust["start"]), end=at(cust["end"]))
    ed = exp.assign(time=at(exp["time"]))
    ed = ed[ed["time"] < cd.set_index("customer_id").loc[ed["customer_id"], "end"].to_numpy()]
    ref = hazard(cd, ed, period=30.0, horizon=12, landmark=2)
    for name, (c, e) in _pairs(cd, ed.reset_index(drop=True), tmp_path).items():
        _same(hazard(c, e, period=30.0, horizon=12, landmark=2), ref, name)
    # without experiences every customer has k = 0: one level only
    with pytest.raises(ModelError, match="lower cap"):
        hazard(pl.from_pandas(cust), None, cap=1)


def test_hazard_bad_input_from_an_engine(world):
    cust, exp = world
    with pytest.raises(DataError, match="recovered=None") as info:
        hazard(pl.from_pandas(cust), pl.from_pandas(exp.drop(columns="recovered")),
               recovered="recovered")
    assert info.value.table == "experiences"
    with pytest.raises(DataError, match="missing column") as info:
        hazard(pl.from_pandas(cust.drop(columns="end")), pl.from_pandas(exp))
    assert info.value.table == "customers"
    late = exp.copy()
    late.loc[[0, 5], "time"] = 1000.0
    with pytest.raises(DataError, match="after the customer's end") as info:
        hazard(pl.from_pandas(cust), pl.from_pandas(late))
    assert info.value.n_rows == 2 and "rows 0, 5" in str(info.value)


@pytest.mark.parametrize("method", ["discrete", "cox"])
def test_recovery_same_results_from_every_engine(tmp_path, world, method):
    cust, exp = world
    kw = dict(satisfaction="grade", method=method, horizon=18)
    ref = recovery(cust, exp, **kw)
    for name, (c, e) in _pairs(cust, exp, tmp_path).items():
        got = recovery(c, e, **kw)
        _same(got, ref, name)
        for t in ("groups", "km", "claims"):
            pd.testing.assert_frame_equal(got.tables[t], ref.tables[t], check_exact=False,
                                          rtol=1e-9, obj=f"{name} {t}")
        assert ({k: c.verdict for k, c in got.claims.items()}
                == {k: c.verdict for k, c in ref.claims.items()}), name


def test_recovery_bad_input_from_an_engine(world):
    cust, exp = world
    bad = exp.astype({"recovered": "int64"})
    neg = np.flatnonzero(bad["kind"].to_numpy() == "negative")[:3]
    bad.loc[neg, "recovered"] = 4
    with pytest.raises(DataError, match="0/1") as info:
        recovery(pl.from_pandas(cust), pl.from_pandas(bad))
    assert info.value.column == "recovered" and info.value.n_rows == 3
    with pytest.raises(DataError, match="missing column"):
        recovery(pl.from_pandas(cust), pl.from_pandas(exp), "no_such_column")


def test_cox_time_varying_same_fit_from_every_engine(tmp_path):
    rng = np.random.default_rng(9)
    n = 600
    x = rng.integers(0, 2, n)
    z = rng.normal(size=n)
    t = rng.exponential(1 / np.exp(0.7 * x - 0.3 * z))
    long = pd.DataFrame({"id": np.arange(n), "start": 0.0, "stop": np.minimum(t, 2.0),
                         "event": (t < 2.0).astype(int), "x": x, "z": z,
                         "unused": "drop me"})
    ref = cox_time_varying(long, covariates=["x", "z"], id="id")
    for name, data in _inputs(long, tmp_path, "long").items():
        got = cox_time_varying(data, covariates=["x", "z"], id="id")
        pd.testing.assert_frame_equal(got.table(), ref.table(), check_exact=False, rtol=1e-9,
                                      obj=name)
        assert got.llf == pytest.approx(ref.llf, rel=1e-9), name
        assert (got.n_rows, got.n_subjects, got.n_events) == (
            ref.n_rows, ref.n_subjects, ref.n_events), name
        np.testing.assert_allclose(got.cumulative_risk([[1.0, 0.0]], 1.5),
                                   ref.cumulative_risk([[1.0, 0.0]], 1.5), rtol=1e-9)
    with pytest.raises(DataError, match="missing column"):
        cox_time_varying(pl.from_pandas(long), covariates=["nope"])


@pytest.mark.parametrize("column", ["negatives", "considering_switch"])
def test_missing_values_from_an_engine_read_as_on_pandas(column):
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"negatives": rng.integers(0, 4, 3000).astype(float),
                       "considering_switch": rng.integers(0, 2, 3000).astype(float),
                       "switched": rng.integers(0, 2, 3000)})
    df.loc[:3, column] = np.nan
    with pytest.raises(DataError) as want:
        intent_vs_behavior(df)
    for data in (pl.from_pandas(df, nan_to_null=False), duckdb.connect().from_df(df)):
        with pytest.raises(DataError) as got:
            intent_vs_behavior(data)
        assert type(got.value) is type(want.value) or isinstance(got.value, type(want.value))
        # the pandas message also names row labels, which an engine does not have
        assert got.value.message == want.value.message.replace(LABELS_NOTE, "")
        assert (got.value.column, got.value.n_rows) == (column, 4) == (want.value.column,
                                                                        want.value.n_rows)
