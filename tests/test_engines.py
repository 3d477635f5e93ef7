"""count_cells and person_period from Polars, DuckDB, Parquet files and Dask (local scheduler).

Every engine must give the same cell table as the pandas path (columns, dtypes, order, values)
and the same DataError (message, column, number of rows, examples). The Dask tests on a real
distributed cluster are in test_engines_dask.py.
"""

import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError
from loyaltystats.scales import LABELS_NOTE, MISSING_VALUES
from loyaltystats.stats import fit_binomial
from loyaltystats.switching import dose_response, hazard
from loyaltystats.tables import count_cells, person_period

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
pytest.importorskip("narwhals")
pytest.importorskip("pyarrow")

BANDS = ["<=6", "7", "8", "9-10"]
ENGINES = ["polars", "polars_lazy", "duckdb", "parquet_file", "parquet_glob", "dask"]


def _rows(seed=0, n=3000):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "band": pd.Categorical(rng.choice(BANDS, n), categories=BANDS, ordered=True),
        "k": rng.integers(0, 4, n).astype(np.int8),
        "segment": rng.choice(["A", "B", "C"], n),
        "stayed": rng.random(n) < 0.6,
        "w": rng.integers(1, 4, n),
        "score": rng.integers(0, 11, n).astype(np.int16),
        "y01": (rng.random(n) < 0.3).astype(np.float64),
    })


def _to_engine(df, engine, tmp_path):
    """``df`` in ``engine``; ordered categoricals become Polars Enums (the pandas order)."""
    if engine in ("polars", "polars_lazy"):
        out = pl.from_pandas(df)
        for c in df.columns:
            if isinstance(df[c].dtype, pd.CategoricalDtype):
                out = out.with_columns(pl.col(c).cast(pl.Enum(list(df[c].cat.categories))))
        return out.lazy() if engine == "polars_lazy" else out
    if engine == "duckdb":
        return duckdb.from_df(df)
    if engine == "parquet_file":
        path = tmp_path / "data.parquet"
        df.to_parquet(path)
        return str(path)
    if engine == "parquet_glob":
        folder = tmp_path / "parts"
        folder.mkdir(exist_ok=True)
        for i, part in enumerate(np.array_split(np.arange(len(df)), 3)):
            df.iloc[part].to_parquet(folder / f"part-{i}.parquet")
        return str(folder / "*.parquet")
    if engine == "dask":
        dd = pytest.importorskip("dask.dataframe")
        return dd.from_pandas(df, npartitions=3)
    raise AssertionError(engine)


def _expected_frame(df, engine):
    """What the engine holds, as pandas: the same frame (Parquet written from pandas keeps
    its categories, read back from the file's pandas metadata)."""
    return df


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param


@pytest.fixture(autouse=True)
def _local_dask():
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="sync"):
        yield


# ---------------------------------------------------------------------------- count_cells
@pytest.mark.parametrize("by, outcome, weights", [
    (["band", "k", "segment"], "stayed", "w"),
    ("segment", None, None),
    (["k", "score"], "y01", None),
    ("band", None, "w"),
])
def test_count_cells_same_table_as_pandas(engine, tmp_path, by, outcome, weights):
    df = _rows()
    ref = count_cells(_expected_frame(df, engine), by, outcome=outcome, weights=weights)
    got = count_cells(_to_engine(df, engine, tmp_path), by, outcome=outcome, weights=weights)
    pd.testing.assert_frame_equal(got, ref)


def test_count_cells_same_binomial_fit(engine, tmp_path):
    df = _rows(1)
    ref = fit_binomial(count_cells(df, ["k", "segment"], outcome="stayed"), "k + C(segment)")
    cells = count_cells(_to_engine(df, engine, tmp_path), ["k", "segment"], outcome="stayed")
    got = fit_binomial(cells, "k + C(segment)")
    np.testing.assert_array_equal(got.params.to_numpy(), ref.params.to_numpy())
    np.testing.assert_array_equal(got.bse.to_numpy(), ref.bse.to_numpy())


def test_dose_response_estimates_from_engine_cells(engine, tmp_path):
    """dose_response takes pandas only (it validates with pandas); its models are fitted on
    the counts per level, which every engine gives identically."""
    rng = np.random.default_rng(2)
    k = rng.integers(0, 4, 5000)
    df = pd.DataFrame({"negatives": k.astype(np.int64),
                       "switched": rng.random(5000) < np.array([0.1, 0.5, 0.7, 0.85])[k]})
    res = dose_response(df)
    cells = count_cells(_to_engine(df, engine, tmp_path), "negatives", outcome="switched")
    fit = fit_binomial(cells.rename(columns={"negatives": "k"}).astype({"successes": float,
                                                                       "n": float}), "k")
    est = res.estimates.set_index("term")
    assert np.exp(fit.params["k"]) == pytest.approx(est.loc["odds_ratio_per_negative",
                                                            "estimate"], rel=1e-12)
    np.testing.assert_array_equal(res.proportions["n"].to_numpy(), cells["n"].to_numpy())
    np.testing.assert_array_equal(res.proportions["successes"].to_numpy(),
                                  cells["successes"].to_numpy())


# ---------------------------------------------------------------------------- validation
def _error(fn):
    with pytest.raises(DataError) as info:
        fn()
    e = info.value
    if e.message.endswith(LABELS_NOTE):
        # one wording for missing values; only pandas has row labels to show (an engine
        # shows NaN): the same message, table, column and count, the examples aside
        assert e.message.startswith(MISSING_VALUES)
        return e.message.removesuffix(LABELS_NOTE), e.table, e.column, e.n_rows, {"NaN"}
    return e.message, e.table, e.column, e.n_rows, set(map(str, e.examples))


@pytest.mark.parametrize("case", ["nan_key", "outcome_2", "outcome_nan", "outcome_str",
                                  "neg_weight", "str_weight", "missing_col", "no_rows"])
def test_count_cells_errors_match_pandas(engine, tmp_path, case):
    df = _rows(3, 200)[["k", "segment", "y01", "w"]].assign(kf=lambda d: d.k.astype(float))
    args = {"by": "k", "outcome": "y01"}
    if case == "nan_key":
        df.loc[[3, 7, 8], "kf"] = np.nan
        args = {"by": ["k", "kf"], "outcome": "y01"}
    elif case == "outcome_2":
        df.loc[[5, 9], "y01"] = [2.0, 3.0]
    elif case == "outcome_nan":
        df.loc[[5], "y01"] = np.nan
    elif case == "outcome_str":
        args = {"by": "k", "outcome": "segment"}
    elif case == "neg_weight":
        df["w"] = df["w"].astype(float)
        df.loc[[1, 2, 4], "w"] = [-1.0, -2.0, -1.0]
        args = {"by": "k", "weights": "w"}
    elif case == "str_weight":
        args = {"by": "k", "weights": "segment"}
    elif case == "missing_col":
        args = {"by": ["k", "nope"]}
    elif case == "no_rows":
        df = df.iloc[:0]
    ref = _error(lambda: count_cells(df, **args))
    got = _error(lambda: count_cells(_to_engine(df, engine, tmp_path), **args))
    if case in ("outcome_str", "str_weight"):  # the dtype is named by the engine
        assert got[0].split("got dtype")[0] == ref[0].split("got dtype")[0]
        assert got[1:4] == ref[1:4]
    elif case == "missing_col":
        assert got[0].split(";")[0] == ref[0].split(";")[0] and got[1:] == ref[1:]
    else:
        assert got[:4] == ref[:4]
        assert got[4] == ref[4] or {e.replace("None", "nan") for e in got[4]} == ref[4]


def test_unsupported_inputs_are_named():
    with pytest.raises(DataError, match="expected a pandas, Polars, DuckDB or Dask"):
        count_cells(pl.Series([1, 2]), "k")
    with pytest.raises(DataError, match="expected a pandas DataFrame, got dict"):
        count_cells({"k": [1]}, "k")
    with pytest.raises(DataError, match="no Parquet files match"):
        count_cells("/nonexistent/*.parquet", "k")


def test_polars_categorical_sorts_like_strings():
    df = pl.DataFrame({"band": ["9-10", "<=6", "7", "9-10"], "y": [1, 0, 1, 1]}).with_columns(
        pl.col("band").cast(pl.Categorical))
    got = count_cells(df, "band", outcome="y")
    ref = count_cells(df.to_pandas().astype({"band": str}).astype({"band": object}), "band",
                      outcome="y")
    pd.testing.assert_frame_equal(got, ref)


# ---------------------------------------------------------------------------- person_period
def _world(seed=3, n=400):
    rng = np.random.default_rng(seed)
    cust = pd.DataFrame({
        "customer_id": np.arange(1, n + 1),
        "start": rng.integers(0, 6, n).astype(float),
        "duration": rng.integers(1, 12, n) - rng.random(n) * 0.5,
        "switched": rng.random(n) < 0.4,
        "segment": rng.choice(["A", "B"], n),
        "band": pd.Categorical(rng.choice(BANDS, n), categories=BANDS, ordered=True),
    })
    m = 4 * n
    who = rng.integers(0, n, m)
    t = cust.start.to_numpy()[who] + rng.random(m) * cust.duration.to_numpy()[who]
    exp = pd.DataFrame({"customer_id": cust.customer_id.to_numpy()[who], "time": t,
                        "kind": rng.choice(["negative", "delight", "recovery"], m)})
    return cust, exp


def _pp_inputs(engine, cust, exp, tmp_path):
    if engine.startswith("parquet"):
        a, b = tmp_path / "c", tmp_path / "e"
        a.mkdir()
        b.mkdir()
        return _to_engine(cust, engine, a), _to_engine(exp, engine, b)
    return _to_engine(cust, engine, tmp_path), _to_engine(exp, engine, tmp_path)


@pytest.mark.parametrize("kwargs", [
    {"by": "segment"},
    {},
    {"by": ["band", "segment"], "horizon": 6},
    {"count": {"negatives": ["negative"], "delights": ["delight", "recovery"]}, "cap": 2,
     "by": "segment", "period_length": 2.0},
])
def test_person_period_same_table_as_pandas(engine, tmp_path, kwargs):
    cust, exp = _world()
    ref = person_period(_expected_frame(cust, engine), exp, **kwargs)
    got = person_period(*_pp_inputs(engine, cust, exp, tmp_path), **kwargs)
    pd.testing.assert_frame_equal(got, ref)


def test_person_period_without_experiences(engine, tmp_path):
    cust, _ = _world()
    ref = person_period(cust, by="segment", horizon=5)
    got = person_period(_to_engine(cust, engine, tmp_path), by="segment", horizon=5)
    pd.testing.assert_frame_equal(got, ref)


@pytest.fixture(scope="module")
def hazard_world():
    rng = np.random.default_rng(5)
    n = 2000
    cust = pd.DataFrame({"customer_id": np.arange(n), "start": 0.0,
                         "duration": rng.integers(1, 13, n).astype(float),
                         "switched": rng.random(n) < 0.5})
    k = rng.poisson(1.5, n)
    who = np.repeat(np.arange(n), k)
    exp = pd.DataFrame({"customer_id": who,
                        "time": rng.random(len(who)) * cust.duration.to_numpy()[who],
                        "kind": "negative"})
    res = hazard(cust.assign(end=cust.duration), exp, period=1.0, horizon=6)
    return cust, exp, res


def test_discrete_hazard_from_engine_cells(engine, tmp_path, hazard_world):
    """hazard() takes pandas only; its discrete model is a GLM on the person-period cells,
    which every engine gives identically."""
    cust, exp, res = hazard_world
    pp = person_period(*_pp_inputs(engine, cust, exp, tmp_path), horizon=6)
    pd.testing.assert_frame_equal(pp, person_period(cust, exp, horizon=6))
    fit = fit_binomial(pp, "C(period) + negatives", successes="events", trials="at_risk",
                       link="cloglog")
    est = res.estimates.set_index("term").loc["hr_per_negative", "estimate"]
    assert np.exp(fit.params["negatives"]) == pytest.approx(est, rel=1e-10)


@pytest.mark.parametrize("case", ["duplicate", "negative_duration", "nan_start", "unknown",
                                  "outside_late", "outside_early", "event_2", "nan_by"])
def test_person_period_errors_match_pandas(engine, tmp_path, case):
    cust, exp = _world(7, 100)
    if case == "duplicate":
        cust = pd.concat([cust, cust.iloc[[0, 5]]], ignore_index=True)
    elif case == "negative_duration":
        cust.loc[[2, 4], "duration"] = [-1.0, 0.0]
    elif case == "nan_start":
        cust.loc[[3], "start"] = np.nan
    elif case == "unknown":
        exp.loc[[0, 10, 11], "customer_id"] = [9999, 8888, 9999]
    elif case == "outside_late":
        exp.loc[[1], "time"] = 10_000.0
    elif case == "outside_early":
        exp.loc[[2, 3], "time"] = -5.0
    elif case == "event_2":
        cust["switched"] = cust["switched"].astype(np.int64)
        cust.loc[[6], "switched"] = 2
    elif case == "nan_by":
        cust["segment"] = cust["segment"].where(cust.index != 8, None)
    ref = _error(lambda: person_period(cust, exp, by="segment"))
    got = _error(lambda: person_period(*_pp_inputs(engine, cust, exp, tmp_path),
                                       by="segment"))
    assert got[:4] == ref[:4]
    assert got[4] == ref[4] or {e.replace("None", "nan") for e in got[4]} == ref[4]


def test_person_period_mask_needs_an_eager_table(tmp_path):
    cust, exp = _world()
    mask = (exp.kind == "negative").to_numpy()
    ref = person_period(cust, exp, count={"negatives": mask}, by="segment")
    got = person_period(pl.from_pandas(cust.drop(columns="band")), pl.from_pandas(exp),
                        count={"negatives": mask}, by="segment")
    pd.testing.assert_frame_equal(got, ref)
    # pandas experiences next to Polars customers stay eager, so the mask still applies
    got = person_period(pl.from_pandas(cust.drop(columns="band")), exp,
                        count={"negatives": mask}, by="segment")
    pd.testing.assert_frame_equal(got, ref)
    with pytest.raises(DataError, match="eager experiences"):
        person_period(duckdb.from_df(cust), duckdb.from_df(exp), count={"negatives": mask})


def test_mixed_engines_are_refused():
    cust, exp = _world()
    with pytest.raises(DataError, match="different engines"):
        person_period(pl.from_pandas(cust.drop(columns="band")), duckdb.from_df(exp))
    # a pandas table next to an engine table is moved into that engine
    got = person_period(pl.from_pandas(cust.drop(columns="band")), exp, by="segment")
    pd.testing.assert_frame_equal(got, person_period(cust, exp, by="segment"))


def test_experience_just_before_a_fractional_end_stays_with_its_customer():
    """Regression: pandas put it into the next customer's first period (periods are rounded
    with a 1e-9 tolerance); now both paths count it in the customer's last period."""
    cust = pd.DataFrame({"customer_id": [1, 2], "start": [0.0, 0.0],
                         "duration": [2.0000000001, 3.0], "switched": [True, False]})
    exp = pd.DataFrame({"customer_id": [1], "time": [2.00000000005], "kind": ["negative"]})
    ref = person_period(cust, exp)
    assert ref["at_risk"].sum() == 5 and ref["events"].sum() == 1
    assert ref.loc[(ref.period == 1) & (ref.negatives == 1), "events"].tolist() == [1]
    assert ref.loc[ref.period == 0, "negatives"].tolist() == [0]
    pd.testing.assert_frame_equal(person_period(pl.from_pandas(cust), pl.from_pandas(exp)), ref)


def test_pyarrow_table_input():
    pa = pytest.importorskip("pyarrow")
    df = _rows(4, 500)
    tbl = pa.Table.from_pandas(df.drop(columns="band"), preserve_index=False)
    pd.testing.assert_frame_equal(count_cells(tbl, ["k", "segment"], outcome="stayed"),
                                  count_cells(df, ["k", "segment"], outcome="stayed"))
