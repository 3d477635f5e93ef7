"""The Kano estimators take engine inputs unchanged and give the pandas results."""

import numpy as np
import pandas as pd
import pytest

import loyaltystats.engines as engines
from engine_inputs import engine_inputs
from loyaltystats.errors import DataError, ParameterError, ScaleError
from loyaltystats.kano import adaptation, decay, prca, questionnaire
from loyaltystats.simulate import generate

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")

ATTRS = ["B1", "B2", "P1", "D1"]
ANSWERS = ["like", "must-be", "neutral", "live-with", "dislike"]


@pytest.fixture(scope="module")
def world():
    return generate(4000, seed=1)


def _answers(n=300, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({c: rng.choice(ANSWERS, n) for c in ("f1", "d1", "f2", "d2")})
    df["f3"] = rng.integers(1, 6, n)
    df["d3"] = rng.integers(1, 6, n)
    df.loc[[3, 10], "d2"] = None
    return df


def _toy(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 24, n)
    x = rng.integers(1, 6, n)
    fade = 2.0 ** (-t / 6)
    y = np.clip(7 + 1.5 * fade * (x >= 4) - (1 - fade) * (x <= 2) + rng.normal(0, 0.7, n),
                1, 10)  # a grade 1-10
    df = pd.DataFrame({"t": t, "x": x, "y": y, "z": rng.integers(1, 4, n)})
    df["when"] = pd.Timestamp("2023-01-01") + pd.to_timedelta(df["t"] * 30.4375, unit="D")
    return df


def _inputs(df, tmp_path, name="data"):
    return engine_inputs(df, tmp_path, name)


CODES = dict(zip(range(1, 6), ANSWERS))
CALLS = {
    "questionnaire": (lambda w: _answers(), lambda d: questionnaire(
        d, {"a": ("f1", "d1"), "b": ("f2", "d2")}, missing="drop", n_boot=50, seed=1)),
    "questionnaire-codes": (lambda w: _answers(), lambda d: questionnaire(
        d, {"c": ("f3", "d3")}, codes=CODES, n_boot=50, seed=1)),
    "prca": (lambda w: w.responses, lambda d: prca(d, "grade", ATTRS, n_boot=0)),
    "prca-cluster": (lambda w: w.responses, lambda d: prca(
        d, "grade", ATTRS, cluster="customer_id", ci="bootstrap", n_boot=50, seed=1)),
    "decay": (lambda w: _toy(), lambda d: decay(d, "y", "x", "t", window=2, n_boot=30,
                                                seed=1)),
    "decay-datetime-adjust": (lambda w: _toy(), lambda d: decay(
        d, "y", "x", "when", adjust=["z"], window=2, n_boot=30, seed=1)),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_same_results_from_every_engine(world, tmp_path, call):
    make, fn = CALLS[call]
    df = make(world)
    ref = fn(df)
    for name, data in _inputs(df, tmp_path).items():
        got = fn(data)
        pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False,
                                      rtol=1e-9, obj=f"{call} from {name}")
        assert got.info == ref.info, f"{call} from {name}"


def test_adaptation_same_results_from_every_engine(world, tmp_path):
    resp = world.responses[world.responses["D1"] >= 3]
    ref = adaptation(world.experiences, resp, "customer_id")
    exps = _inputs(world.experiences, tmp_path, "experiences")
    resps = _inputs(resp, tmp_path, "responses")
    for name in exps:
        got = adaptation(exps[name], resps[name], "customer_id")
        pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False,
                                      rtol=1e-9, obj=f"adaptation from {name}")
        assert got.verdict == ref.verdict, name
    # one table from an engine, the other pandas
    got = adaptation(pl.from_pandas(world.experiences), resp, "customer_id")
    pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False, rtol=1e-9)


def test_only_the_columns_in_use_are_collected(world, monkeypatch):
    asked = []
    real = engines.collect

    def spy(data, columns, *, table="data"):
        asked.append((table, list(columns)))
        return real(data, columns, table=table)

    monkeypatch.setattr(engines, "collect", spy)
    r = pl.from_pandas(world.responses)
    prca(r, "grade", ["B1", "D1"], n_boot=0)
    prca(r, "grade", ["B1", "D1"], cluster="customer_id", n_boot=10, seed=1)
    decay(pl.from_pandas(_toy()), "y", "x", "t", adjust=["z"], window=2, n_boot=0)
    questionnaire(pl.from_pandas(_answers()), {"a": ("f1", "d1")}, n_boot=0)
    adaptation(pl.from_pandas(world.experiences), r, "customer_id")
    assert asked == [
        ("data", ["grade", "B1", "D1"]),
        ("data", ["grade", "B1", "D1", "customer_id"]),
        ("data", ["y", "x", "t", "z"]),
        ("data", ["f1", "d1"]),
        ("experiences", ["customer_id", "time", "kind"]),
        ("responses", ["customer_id", "time", "grade"]),
    ]


def test_bad_values_in_an_engine_are_named_like_pandas(world):
    df = world.responses[["grade", *ATTRS]].copy()
    df.loc[:2, "P1"] = 7
    for data in (df, pl.from_pandas(df).lazy()):
        with pytest.raises(ScaleError) as info:
            prca(data, "grade", ATTRS, n_boot=0)
        assert info.value.column == "P1" and info.value.n_rows == 3
        assert info.value.examples == (7.0,)
    ans = _answers()
    ans.loc[:1, "f1"] = "love it"
    with pytest.raises(DataError, match="unknown answer labels") as info:
        questionnaire(duckdb.connect().from_df(ans), {"a": ("f1", "d1")}, n_boot=0)
    assert info.value.column == "f1" and info.value.n_rows == 2
    with pytest.raises(DataError, match="missing answers") as info:
        questionnaire(pl.from_pandas(_answers()), {"b": ("f2", "d2")}, n_boot=0)
    assert info.value.column == "d2" and info.value.n_rows == 2
    toy = _toy(300)
    toy.loc[:4, "t"] = np.nan
    with pytest.raises(DataError, match="missing") as info:
        decay(pl.from_pandas(toy, nan_to_null=True), "y", "x", "t", n_boot=0)
    assert info.value.column == "t" and info.value.n_rows == 5


def test_missing_columns_and_seeds_with_engine_inputs(world):
    r = pl.from_pandas(world.responses)
    with pytest.raises(DataError, match="missing column"):
        prca(r, "grade", ["B1", "nope"], n_boot=0)
    with pytest.raises(DataError, match="missing column"):
        questionnaire(pl.from_pandas(_answers()), {"a": ("f1", "nope")}, n_boot=0)
    with pytest.raises(DataError, match="exactly one answer pair"):
        questionnaire(pl.from_pandas(_answers()), {"a": ("f1",)}, n_boot=0)
    with pytest.raises(DataError, match="missing column"):
        adaptation(pl.from_pandas(world.experiences), r, "client")
    # a refused seed is the package's ParameterError (still a ValueError); the default is 0
    for call in (lambda: prca(r, "grade", ATTRS, n_boot=10, seed=None),
                 lambda: decay(pl.from_pandas(_toy()), "y", "x", "t", window=2, seed=None),
                 lambda: questionnaire(pl.from_pandas(_answers()), {"a": ("f1", "d1")},
                                       seed=None)):
        with pytest.raises(ParameterError, match="seed"):
            call()
    with pytest.raises(ParameterError, match="seed must be"):
        prca(r, "grade", ATTRS, n_boot=10, seed="one")
