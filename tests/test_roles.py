"""SurvivalColumns: one declaration of a customers table's columns for every survival estimator."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

import loyaltystats as ls
from loyaltystats import nps, switching, value
from loyaltystats.errors import ParameterError
from loyaltystats.roles import ROLE_PARAMS, SurvivalColumns
from loyaltystats.simulate import generate

ESTIMATORS = {"hazard": switching.hazard, "recovery": switching.recovery,
              "versus_retention": nps.versus_retention, "lifetime_by_band": value.lifetime_by_band}


@pytest.fixture(scope="module")
def world():
    w = generate(3000, seed=4)
    renamed = w.customers.rename(columns={"customer_id": "cid", "start": "t0", "end": "t1",
                                          "duration": "tenure", "switched": "left"})
    exp = w.experiences.rename(columns={"customer_id": "cid"})
    return renamed, exp


COLS = SurvivalColumns(id="cid", start="t0", end="t1", duration="tenure", event="left")


def test_every_survival_estimator_takes_columns():
    assert set(ROLE_PARAMS) == set(ESTIMATORS)
    for name, fn in ESTIMATORS.items():
        params = inspect.signature(fn).parameters
        assert params["columns"].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert all(p in params for p in ROLE_PARAMS[name].values()), name


@pytest.mark.parametrize("name", ["hazard", "lifetime_by_band", "versus_retention",
                                  "recovery"])
def test_columns_give_the_same_result_as_the_keywords(world, name):
    customers, exp = world
    keywords = {p: getattr(COLS, role) for role, p in ROLE_PARAMS[name].items()}
    fn = ESTIMATORS[name]
    extra = {"versus_retention": {"n_boot": 20, "recommend": "recommend"},
             "recovery": {"recovered": "recovered", "method": "discrete"}}.get(name, {})
    args = (customers, exp) if name in ("hazard", "recovery") else (customers,)
    got = fn(*args, columns=COLS, **extra)
    want = fn(*args, **keywords, **extra)
    pd.testing.assert_frame_equal(got.estimates, want.estimates)


def test_a_role_given_twice_or_a_wrong_type_is_refused(world):
    customers, _ = world
    with pytest.raises(ParameterError, match="duration= is given twice"):
        value.lifetime_by_band(customers, duration="tenure", columns=COLS)
    with pytest.raises(ParameterError, match="must be a SurvivalColumns"):
        value.lifetime_by_band(customers, columns={"duration": "tenure"})
    with pytest.raises(ParameterError, match="must be a column name"):
        SurvivalColumns(event=1)
    assert ls.SurvivalColumns is SurvivalColumns
