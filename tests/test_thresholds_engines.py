"""Threshold estimators take engine inputs unchanged and give the pandas results."""

import re

import numpy as np
import pandas as pd
import pytest

from engine_inputs import engine_inputs
from loyaltystats.errors import DataError, LoyaltyStatsError
from loyaltystats.scales import LABELS_NOTE
from loyaltystats.thresholds import (
    band_table,
    basics_ceiling,
    by_level,
    loyalty_curve,
    moments_of_truth,
)

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
dd = pytest.importorskip("dask.dataframe")


def _responses(n=20_000, seed=5):
    rng = np.random.default_rng(seed)
    exp = rng.choice(["below", "exceeded", "met"], n)
    grade = np.clip(np.round(np.where(exp == "met", 8, np.where(exp == "exceeded", 9.2, 6))
                             + rng.normal(0, 0.8, n)), 1, 10).astype(int)
    stayed = rng.random(n) < np.where(grade >= 9, 0.85, 0.55)
    return pd.DataFrame({"grade": grade, "expectation": exp, "stayed": stayed})


def _inputs(df, tmp_path, name="r"):
    return engine_inputs(df, tmp_path, name)


def test_same_results_from_every_engine(tmp_path):
    df = _responses()
    refs = {
        "by_level": by_level(df, "grade", "expectation",
                             claimed={"met": 8, "exceeded": 9}).estimates,
        "loyalty_curve": loyalty_curve(df, "grade", "stayed", n_boot=50).estimates,
        "band_table": band_table(df, "grade", outcome="stayed").estimates,
    }
    for name, data in _inputs(df, tmp_path).items():
        got = {
            "by_level": by_level(data, "grade", "expectation",
                                 claimed={"met": 8, "exceeded": 9}).estimates,
            "loyalty_curve": loyalty_curve(data, "grade", "stayed", n_boot=50).estimates,
            "band_table": band_table(data, "grade", outcome="stayed").estimates,
        }
        for key, ref in refs.items():
            pd.testing.assert_frame_equal(got[key], ref, check_exact=False, rtol=1e-9,
                                          obj=f"{key} from {name}")


def test_out_of_scale_scores_in_an_engine_are_named():
    df = _responses(500)
    df.loc[:2, "grade"] = 12
    with pytest.raises(DataError, match="outside the scale") as info:
        by_level(pl.from_pandas(df), "grade", "expectation")
    assert info.value.column == "grade" and info.value.n_rows == 3


# ------------------------------------------------------------- basics_ceiling, moments_of_truth
def _attributes(n=3000, seed=7):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"B1": rng.integers(2, 6, n), "B2": rng.integers(3, 6, n),
                       "D1": rng.integers(1, 6, n), "O1": rng.integers(1, 6, n)})
    latent = (5 + 0.8 * (df.B1 - 2) + 0.5 * (df.B2 - 3) + 1.1 * (df.D1 >= 4) + 0.2 * df.O1
              + rng.normal(0, 0.8, n))
    df["grade"] = np.clip(np.round(latent), 1, 10).astype(int)
    # mean of three transaction grades (fractional, few distinct values), a moment's grade
    # and the 0/1 versions of both
    df["base"] = np.clip(rng.integers(5, 11, (n, 3)).mean(axis=1), 1, 10)
    df["moment"] = rng.integers(5, 11, n)
    df["ok"] = (df["base"] >= 7).astype(int)
    df["peak"] = df["moment"] >= 9
    p = 0.2 + 0.15 * df["ok"] + 0.15 * df["peak"] + 0.3 * df["ok"] * df["peak"]
    df["first"] = rng.random(n) < p
    return df


def _equal(got, ref, name):
    assert got.verdict == ref.verdict, name
    pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False, rtol=1e-9,
                                  obj=f"estimates from {name}")
    assert set(got.tables) == set(ref.tables), name
    for key, tab in ref.tables.items():
        pd.testing.assert_frame_equal(got.tables[key], tab, check_exact=False, rtol=1e-9,
                                      obj=f"{key} from {name}")


def _ceiling(d):
    return basics_ceiling(d, "grade", ["B1", "B2"], ["D1"], others=["O1"])


def _moments(d):
    return moments_of_truth(d, "first", "base", "moment", baseline_from=7, peak_from=9)


def _moments_flags(d):
    return moments_of_truth(d, "first", "ok", "peak")


@pytest.mark.parametrize("fit", [_ceiling, _moments, _moments_flags])
def test_ceiling_and_moments_give_the_pandas_results_from_every_engine(tmp_path, fit):
    df = _attributes()
    ref = fit(df)
    # a reference worth comparing: both subgroups present / an estimable interaction
    if fit is _ceiling:
        assert len(ref.tables["groups"]) == 2 and len(ref.tables["predictions"]) == 2
    else:
        assert np.isfinite(ref.info["interaction"]) and len(ref.tables["models"]) == 7
    for name, data in _inputs(df, tmp_path).items():
        _equal(fit(data), ref, name)


def _bands(d):
    return band_table(d, "grade")


def _error(call, data):
    with pytest.raises(LoyaltyStatsError) as info:
        call(data)
    return info.value


@pytest.mark.parametrize("column, bad, call", [
    ("B1", 7, _ceiling),                # a rating outside the 1-5 scale
    ("grade", 12, _ceiling),            # a score outside the grade scale
    ("grade", np.nan, _ceiling),        # a missing score (found by the engine)
    ("grade", np.nan, _bands),          # the same through score_cells
    ("peak", 2, _moments_flags),        # a flag that is not 0/1
    ("first", 3, _moments_flags),       # an outcome that is not 0/1
    ("base", "high", _moments),         # a text column cut at a threshold
])
def test_bad_values_in_an_engine_raise_the_pandas_error(column, bad, call):
    df = _attributes(400)
    # the three bad rows share one cell, so the error must count rows, not cells
    df = pd.concat([df.iloc[[0, 0, 0]], df.iloc[3:]], ignore_index=True)
    if isinstance(bad, str) or (isinstance(bad, float) and np.isnan(bad)):
        df[column] = df[column].astype(object if isinstance(bad, str) else float)
    elif df[column].dtype == bool:
        df[column] = df[column].astype(int)
    df.loc[:2, column] = bad
    if isinstance(bad, str):
        df[column] = df[column].astype(str)
    ref = _error(call, df)
    assert ref.column == column and ref.n_rows == (400 if isinstance(bad, str) else 3)
    for name, data in [("polars", pl.from_pandas(df)), ("polars-lazy", pl.from_pandas(df).lazy()),
                       ("duckdb", duckdb.connect().from_df(df))]:
        err = _error(call, data)
        assert type(err) is type(ref), name
        assert (err.table, err.column, err.n_rows) == (ref.table, ref.column, ref.n_rows), name
        if isinstance(bad, float) and np.isnan(bad):
            # one wording; only pandas has row labels to show (the engine shows NaN)
            assert err.message == ref.message.replace(LABELS_NOTE, ""), name
            assert err.examples == ("NaN",) and ref.examples == (0, 1, 2), name
        elif not isinstance(bad, str):  # text examples: row order (pandas) vs sorted (cells)
            # the pandas message also points at its rows, which an engine does not have
            assert err.examples == ref.examples, name
            assert str(err) == re.sub(r" \(rows [^)]*\)", "", str(ref)), name


def test_levels_picks_and_orders_levels_like_filtering_the_rows(tmp_path):
    df = _responses(3000)
    keep = ["met", "exceeded"]
    sub = df[df["expectation"].isin(keep)].assign(
        expectation=lambda d: pd.Categorical(d["expectation"], categories=keep))
    ref = by_level(sub, "grade", "expectation", claimed={"met": 8, "exceeded": 9})
    for name, data in {"pandas": df, **_inputs(df, tmp_path)}.items():
        got = by_level(data, "grade", "expectation", claimed={"met": 8, "exceeded": 9},
                       levels=keep)
        pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False,
                                      rtol=1e-9, obj=name)
        assert got.verdict == ref.verdict
    with pytest.raises(DataError, match="at least two levels"):
        by_level(pl.from_pandas(df).lazy(), "grade", "expectation", levels=["met", "nope"])


def test_moments_of_truth_cuts_continuous_scores_in_the_engine(tmp_path):
    # one cell per distinct (baseline, peak) pair would be 4e8 potential cells here; the
    # engine cuts the scores first, so every engine gives the pandas result
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"y": rng.integers(0, 2, 20_000), "b": rng.uniform(0, 10, 20_000),
                       "p": rng.uniform(0, 10, 20_000)})
    ref = moments_of_truth(df, "y", "b", "p", baseline_from=5, peak_from=8)
    for name, data in _inputs(df, tmp_path).items():
        got = moments_of_truth(data, "y", "b", "p", baseline_from=5, peak_from=8)
        pd.testing.assert_frame_equal(got.estimates, ref.estimates, check_exact=False,
                                      rtol=1e-9, obj=name)
    df.loc[:2, "b"] = np.nan
    with pytest.raises(DataError, match="missing values") as info:
        moments_of_truth(pl.from_pandas(df, nan_to_null=False), "y", "b", "p",
                         baseline_from=5, peak_from=8)
    assert info.value.column == "b" and info.value.n_rows == 3
