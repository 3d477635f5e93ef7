"""stats.fit_cox_counts: the Cox model on counts against R, lifelines and statsmodels on rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter, CoxTimeVaryingFitter
from lifelines.datasets import load_rossi
from statsmodels.duration.hazard_regression import PHReg

from loyaltystats.errors import DataError, LoyaltyStatsError, ModelError
from loyaltystats.stats import fit_cox_counts

COV = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


def test_rossi_equals_r_coxph_and_lifelines():
    # R: coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = Rossi)
    # (Efron ties), printed in Fox & Weisberg, "Cox Proportional-Hazards Regression for
    # Survival Data in R", appendix to An R Companion to Applied Regression (2011), p. 4.
    r_coef = {"fin": -0.37942, "age": -0.05744, "race": 0.31390, "wexp": -0.14980,
              "mar": -0.43370, "paro": -0.08487, "prio": 0.09150}
    r_se = {"fin": 0.19138, "age": 0.02200, "race": 0.30799, "wexp": 0.21222,
            "mar": 0.38187, "paro": 0.19576, "prio": 0.02865}
    rossi = load_rossi()
    fit = fit_cox_counts(rossi[COV], rossi["week"], rossi["arrest"])
    for name in COV:
        assert fit.params[name] == pytest.approx(r_coef[name], abs=6e-6), name
        assert fit.bse[name] == pytest.approx(r_se[name], abs=6e-6), name
    ref = CoxPHFitter().fit(rossi, "week", "arrest")
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params_[COV].to_numpy(), atol=1e-7)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.standard_errors_[COV].to_numpy(),
                               rtol=1e-7)
    assert fit.llf == pytest.approx(ref.log_likelihood_, abs=1e-8)
    assert (fit.n, fit.n_events) == (432, 114)
    table = fit.summary()
    assert list(table.columns) == ["coef", "exp_coef", "se", "z", "p", "ci_low", "ci_high"]
    np.testing.assert_allclose(table["p"], ref.summary.loc[COV, "p"], rtol=1e-5)


def _discrete_world(n: int, seed: int) -> pd.DataFrame:
    """Rows with two binary covariates and a month-valued duration: many ties per time."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.integers(0, 2, n), rng.integers(0, 3, n)
    t = np.ceil(rng.exponential(8 / np.exp(0.6 * x1 - 0.3 * x2)))
    return pd.DataFrame({"x1": x1, "x2": x2, "time": np.minimum(t, 12.0),
                         "event": (t <= 12).astype(int)})


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_counts_equal_rows_and_statsmodels(ties):
    rows = _discrete_world(3000, 1)
    cells = rows.groupby(["x1", "x2", "time"], as_index=False).agg(
        n=("event", "size"), d=("event", "sum"))
    assert len(cells) < 100  # the point: a few dozen cells stand for 3,000 rows
    on_rows = fit_cox_counts(rows[["x1", "x2"]], rows["time"], rows["event"], ties=ties)
    on_cells = fit_cox_counts(cells[["x1", "x2"]], cells["time"], cells["d"], cells["n"],
                              ties=ties)
    np.testing.assert_allclose(on_cells.params, on_rows.params, atol=1e-10)
    np.testing.assert_allclose(on_cells.bse, on_rows.bse, rtol=1e-10)
    assert on_cells.llf == pytest.approx(on_rows.llf, abs=1e-8)
    sm = PHReg(rows["time"], rows[["x1", "x2"]], status=rows["event"], ties=ties).fit()
    np.testing.assert_allclose(on_cells.params, sm.params, atol=1e-7)
    np.testing.assert_allclose(on_cells.bse, sm.bse, rtol=1e-6)
    assert on_cells.llf == pytest.approx(sm.llf, abs=1e-6)


def test_counting_process_equals_lifelines_time_varying():
    # each customer split at a month of their own where a covariate switches on: (start, stop]
    rng = np.random.default_rng(5)
    n = 800
    base = _discrete_world(n, 2).assign(id=np.arange(n), at=rng.integers(1, 9, n).astype(float))
    split = base["time"] > base["at"]
    first = base.assign(start=0.0, stop=np.where(split, base["at"], base["time"]),
                        event=np.where(split, 0, base["event"]), late=0)
    second = base[split].assign(start=base["at"][split], stop=base["time"][split], late=1)
    long = pd.concat([first, second], ignore_index=True)
    cov = ["x1", "x2", "late"]
    ctv = CoxTimeVaryingFitter().fit(long[["id", "start", "stop", "event", *cov]],
                                     id_col="id", event_col="event", start_col="start",
                                     stop_col="stop", show_progress=False)
    cells = long.groupby(["start", "stop", *cov], as_index=False).agg(
        n=("event", "size"), d=("event", "sum"))
    fit = fit_cox_counts(cells[cov], cells["stop"], cells["d"], cells["n"],
                         start=cells["start"])
    np.testing.assert_allclose(fit.params, ctv.params_[cov], atol=1e-7)
    np.testing.assert_allclose(fit.bse, ctv.standard_errors_[cov], rtol=1e-6)
    assert fit.llf == pytest.approx(ctv.log_likelihood_, abs=1e-6)
    # (not statsmodels' PHReg here: its entry= keeps a row at risk at its entry time itself,
    # where R's coxph and lifelines use the (start, stop] convention)


def test_bad_input_raises_named_errors():
    x, t, d = np.array([0.0, 1, 0, 1]), np.array([1.0, 2, 3, 4]), np.array([1, 0, 1, 1])
    with pytest.raises(DataError, match="start < stop") as e:
        fit_cox_counts(x, t, d, start=[0, 0, 5, 0])
    assert e.value.column == "stop"
    with pytest.raises(DataError, match="events <= counts"):
        fit_cox_counts(x, t, [1, 0, 3, 1], counts=[1, 1, 2, 1])
    with pytest.raises(DataError, match="missing or infinite") as e:
        fit_cox_counts([0.0, np.nan, 0, 1], t, d)
    assert e.value.column == "X"
    with pytest.raises(DataError, match="3 values for 4 cells"):
        fit_cox_counts(x, t[:3], d)
    with pytest.raises(ModelError, match="no events"):
        fit_cox_counts(x, t, [0, 0, 0, 0])
    with pytest.raises(DataError, match="whole event counts"):
        fit_cox_counts(x, t, [0.5, 0, 1, 1], counts=[1, 1, 1, 1])
    # perfect separation: every x=1 row dies before every x=0 row
    sep_x = np.r_[np.ones(20), np.zeros(20)]
    sep_t = np.r_[np.arange(1, 21), np.arange(21, 41)].astype(float)
    with pytest.raises(ModelError, match="separation"):
        fit_cox_counts(sep_x, sep_t, np.ones(40))
    with pytest.raises(ModelError, match="singular"):
        fit_cox_counts(np.ones(4), t, d)
    assert issubclass(ModelError, LoyaltyStatsError)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6))
def test_order_of_cells_does_not_matter(seed):
    rows = _discrete_world(300, seed)
    perm = np.random.default_rng(seed).permutation(len(rows))
    a = fit_cox_counts(rows[["x1", "x2"]], rows["time"], rows["event"])
    b = fit_cox_counts(rows[["x1", "x2"]].iloc[perm], rows["time"].iloc[perm],
                       rows["event"].iloc[perm])
    np.testing.assert_allclose(a.params, b.params, atol=1e-9)
