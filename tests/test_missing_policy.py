"""``missing="raise" | "drop"`` on every public estimator (issue #16).

One table of cases: each estimator, the table and column that get blanks, and the call. With
the default a blank is the data contract's error naming the column; with ``"drop"`` the result
equals the estimator on the table with those rows removed by hand, and says how many rows it
dropped and for which column.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from loyaltystats import (
    drivers,
    effort,
    kano,
    market,
    nps,
    pyramid,
    switching,
    thresholds,
    value,
)
from loyaltystats.claims import demo_tables
from loyaltystats.errors import DataError, ParameterError

ROWS = [3, 10, 17]


@pytest.fixture(scope="module")
def base():
    # seed 2: every cell of T4's 2 x 2 table has rows (seed 3 leaves one empty at 600)
    t = demo_tables(600, seed=2)
    t.pop("truth")
    c = t["customers"]
    # T5's customers: those whose 12-month outcome is known
    t["known"] = c[c["retained_12m"].notna()].astype({"retained_12m": bool}).reset_index(
        drop=True)
    return t


ATTRS = ["B1", "B2", "P1", "D1"]
PYR = ["relevance", "trust", "satisfaction_level", "loyalty_level"]
CUST = dict(id="customer_id")

# name -> (table blanked, column blanked, call(tables, **missing))
CASES = {
    "dose_response": ("customers", "negatives",
                      lambda t, **k: switching.dose_response(t["customers"], **k)),
    "threshold": ("customers", "switched",
                  lambda t, **k: switching.threshold(t["customers"], n_boot=50, **k)),
    "intent_vs_behavior": ("customers", "considering_switch",
                           lambda t, **k: switching.intent_vs_behavior(t["customers"], **k)),
    "hazard": ("experiences", "time",
               lambda t, **k: switching.hazard(t["customers"], t["experiences"], **k)),
    "recovery": ("experiences", "recovered",
                 lambda t, **k: switching.recovery(t["customers"], t["experiences"], **k)),
    "by_segment": ("responses", "recommend",
                   lambda t, **k: nps.by_segment(t["responses"], "recommend", "segment", **k)),
    "trend": ("responses", "recommend",
              lambda t, **k: nps.trend(t["responses"], "recommend", "year", **k)),
    "shrink_segments": ("responses", "recommend",
                        lambda t, **k: nps.shrink_segments(t["responses"], "recommend",
                                                           "segment", **k)),
    "versus_retention": ("customers", "recommend",
                         lambda t, **k: nps.versus_retention(
                             t["customers"], ["grade"], n_boot=20, seed=1, **k)),
    "recency": ("transactions", "grade",
                lambda t, **k: nps.recency(t["transactions"], t["responses"], **k)),
    "prca": ("responses", "B1",
             lambda t, **k: kano.prca(t["responses"], "grade", ATTRS, n_boot=0, **k)),
    "decay": ("responses", "D1",
              lambda t, **k: kano.decay(t["responses"], "grade", "D1", "time", n_boot=0, **k)),
    "adaptation": ("responses", "grade",
                   lambda t, **k: kano.adaptation(t["experiences"], t["responses"], **k)),
    "band_table": ("responses", "grade",
                   lambda t, **k: thresholds.band_table(t["responses"], "grade", **k)),
    "by_level": ("responses", "expectation",
                 lambda t, **k: thresholds.by_level(t["responses"], "grade", "expectation", **k)),
    "basics_ceiling": ("responses", "B2",
                       lambda t, **k: thresholds.basics_ceiling(
                           t["responses"], "grade", ["B1", "B2"], ["D1"], **k)),
    "moments_of_truth": ("responses", "peak",
                         lambda t, **k: thresholds.moments_of_truth(
                             t["responses"], "feels_first", "baseline_ok", "peak", **k)),
    "loyalty_curve": ("known", "grade",
                      lambda t, **k: thresholds.loyalty_curve(t["known"], "grade",
                                                              "retained_12m", **k)),
    "gating": ("responses", "trust", lambda t, **k: pyramid.gating(t["responses"], PYR, **k)),
    "driver_importance": ("responses", "P1",
                          lambda t, **k: drivers.driver_importance(
                              t["responses"], ("grade", "recommend"), ATTRS, n_boot=20, seed=1,
                              **k)),
    "convergence": ("responses", "grade",
                    lambda t, **k: market.convergence(t["responses"], "grade", "company", "year",
                                                      n_boot=20, **k)),
    "lifetime_by_band": ("customers", "monthly_value",
                         lambda t, **k: value.lifetime_by_band(t["customers"],
                                                               value="monthly_value", **k)),
    "effort_vs_delight": ("customers", "effort",
                          lambda t, **k: effort.effort_vs_delight(t["customers"], **k)),
    "effort_vs_satisfaction": ("customers", "effort",
                               lambda t, **k: effort.effort_vs_satisfaction(
                                   t["customers"], n_boot=20, **k)),
}


def _blank(df: pd.DataFrame, col: str) -> pd.DataFrame:
    d = df.copy()
    d[col] = d[col].astype(float if d[col].dtype.kind in "iufb" else object)
    d.loc[d.index[ROWS], col] = np.nan
    return d


@pytest.mark.parametrize("name", list(CASES))
def test_blanks_raise_by_default_and_drop_says_how_many(base, name):
    table, column, call = CASES[name]
    tables = dict(base, **{table: _blank(base[table], column)})
    with pytest.raises(DataError) as info:
        call(tables)
    assert column in str(info.value), str(info.value)
    got = call(tables, missing="drop")
    # keyed by the estimator's name for the table (its parameter: "data", "customers", ...)
    assert list(got.info["rows_dropped"].values()) == [{column: len(ROWS), "rows": len(ROWS)}]
    by_hand = call(dict(base, **{table: tables[table].dropna(subset=[column])}))
    pd.testing.assert_frame_equal(got.estimates, by_hand.estimates)
    assert "rows_dropped" not in by_hand.info


def test_drop_with_nothing_missing_changes_nothing(base):
    got = switching.dose_response(base["customers"], missing="drop")
    want = switching.dose_response(base["customers"])
    pd.testing.assert_frame_equal(got.estimates, want.estimates)
    assert got.info["rows_dropped"] == {}


def test_drop_in_an_engine_filters_there(base):
    pl = pytest.importorskip("polars")
    c = _blank(base["customers"], "negatives")
    got = switching.dose_response(pl.from_pandas(c), missing="drop")
    want = switching.dose_response(c.dropna(subset=["negatives"]))
    pd.testing.assert_frame_equal(got.estimates, want.estimates, rtol=1e-9)
    assert got.info["rows_dropped"] == {"customers": {"negatives": 3, "rows": 3}}


def test_nps_vectors_drop_aligned_positions():
    got = nps.score(pd.Series([9, None, 3, 10, 7]), weights=[1, 1, None, 2, 1], missing="drop")
    want = nps.score([9, 10, 7], weights=[1, 2, 1])
    assert got.nps == pytest.approx(want.nps)
    assert got.info["rows_dropped"] == {"values": {"values": 1, "weights": 1, "rows": 2}}
    paired = nps.compare([9, None, 3, 10], [1, 2, np.nan, 9], paired=True, missing="drop")
    assert paired.difference == pytest.approx(nps.compare([9, 10], [1, 9], paired=True).difference)
    assert paired.info["rows_dropped"]["pairs"]["rows"] == 2


def test_cox_time_varying_drops_too():
    long = pd.DataFrame({"start": [0, 0, 0, 0, 0, 0.0], "stop": [1, 2, 3, 4, 5, 6.0],
                         "event": [1, 0, 1, 1, 0, 1], "x": [0.1, np.nan, 0.3, 0.9, 0.2, 0.5]})
    with pytest.raises(DataError, match="x"):
        switching.cox_time_varying(long, covariates=["x"])
    got = switching.cox_time_varying(long, covariates=["x"], missing="drop")
    want = switching.cox_time_varying(long.dropna(), covariates=["x"])
    assert got.params["x"] == pytest.approx(want.params["x"], rel=1e-12)
    assert got.info["rows_dropped"] == {"long": {"x": 1, "rows": 1}}


@pytest.mark.parametrize("bad", ["ignore", None, 1])
def test_an_unknown_policy_is_a_parameter_error(base, bad):
    with pytest.raises(ParameterError, match="missing must be"):
        switching.dose_response(base["customers"], missing=bad)


def test_every_public_estimator_taking_a_table_has_the_policy():
    # discovered from the modules' __all__: a function whose first parameter is a table
    tables = {"customers", "data", "responses", "experiences", "long", "transactions", "values"}
    found = []
    for mod in (switching, nps, kano, thresholds, pyramid, drivers, market, value):
        for name in mod.__all__:
            fn = getattr(mod, name)
            if not inspect.isfunction(fn):
                continue
            first = next(iter(inspect.signature(fn).parameters))
            if first in tables or name == "compare":
                found.append(name)
                param = inspect.signature(fn).parameters.get("missing")
                assert param is not None and param.default == "raise", name
                assert param.kind is inspect.Parameter.KEYWORD_ONLY, name
    assert len(found) >= 24, found


def test_an_estimators_warnings_point_at_the_callers_line(base):
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        kano.decay(base["responses"], "grade", "D1", "time", n_boot=0)
    assert caught, "expected a warning (windows left out of the fit)"
    assert {w.filename for w in caught} == {__file__}
