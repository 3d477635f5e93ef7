"""The Cox model from counts equals lifelines on the rows to 1e-8 (issue #21).

lifelines' default fits stop a Newton step short (CoxPHFitter on a relative log-likelihood
change of 1e-9), up to a few 1e-6 away from the optimum, so the references here are run to
convergence with ``fit_options``; both then agree with R's coxph (tests/test_stats_cox.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter, CoxTimeVaryingFitter

from loyaltystats.errors import DataError
from loyaltystats.nps._retention_models import _build_predictors, _cox
from loyaltystats.scales import RECOMMEND_0_10
from loyaltystats.stats import fit_cox_counts
from loyaltystats.switching import cox_time_varying

TIGHT = {"precision": 1e-12, "r_precision": 1e-15}
COV = ["a", "b", "c"]


def fixed_rows(n: int, seed: int, continuous: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 3, n)
    c = rng.integers(0, 2, n).astype(float)
    eta = 0.4 * (g == 1) - 0.5 * (g == 2) + 0.6 * c
    follow = rng.integers(1, 13, n).astype(float)
    if continuous:
        t = rng.exponential(8 / np.exp(eta))
        follow = follow - rng.random(n)
    else:
        t = np.ceil(rng.exponential(8 / np.exp(eta)))
    return pd.DataFrame({"start": 0.0, "stop": np.minimum(t, follow), "event": t <= follow,
                         "a": (g == 1).astype(float), "b": (g == 2).astype(float), "c": c})


def long_rows(n: int, seed: int) -> pd.DataFrame:
    """Each customer split where a covariate switches on, at a continuous time."""
    rng = np.random.default_rng(seed)
    base = fixed_rows(n, seed, continuous=False).assign(id=np.arange(n))
    at = rng.uniform(0.5, 10, n)
    split = base["stop"] > at
    first = base.assign(stop=np.where(split, at, base["stop"]),
                        event=np.where(split, False, base["event"]), late=0.0)
    second = base[split].assign(start=at[split], late=1.0)
    return pd.concat([first, second], ignore_index=True)


def assert_equal_1e8(params, bse, ref, names):
    np.testing.assert_allclose(np.asarray(params), ref.params_[names].to_numpy(), atol=1e-8,
                               rtol=0)
    np.testing.assert_allclose(np.asarray(bse), ref.standard_errors_[names].to_numpy(),
                               atol=1e-8, rtol=0)


@pytest.mark.parametrize("continuous", [False, True])
def test_fixed_covariates_equal_coxphfitter(continuous):
    rows = fixed_rows(4000, 1, continuous)
    ref = CoxPHFitter().fit(rows[["stop", "event", *COV]], "stop", "event",
                            fit_options=TIGHT)
    fit = cox_time_varying(rows, covariates=COV)
    assert_equal_1e8(fit.params, fit.bse, ref, COV)
    assert fit.llf == pytest.approx(ref.log_likelihood_, abs=1e-8)
    cells = rows.groupby(["stop", *COV], as_index=False).agg(n=("event", "size"),
                                                              d=("event", "sum"))
    on_cells = fit_cox_counts(cells[COV], cells["stop"], cells["d"], cells["n"])
    assert_equal_1e8(on_cells.params, on_cells.bse, ref, COV)


def test_time_varying_equals_coxtimevaryingfitter():
    long = long_rows(1500, 3)
    cov = [*COV, "late"]
    ref = CoxTimeVaryingFitter().fit(long[["id", "start", "stop", "event", *cov]],
                                     id_col="id", event_col="event", start_col="start",
                                     stop_col="stop", show_progress=False, fit_options=TIGHT)
    fit = cox_time_varying(long, covariates=cov, id="id")
    assert_equal_1e8(fit.params, fit.bse, ref, cov)
    assert fit.llf == pytest.approx(ref.log_likelihood_, abs=1e-8)


def test_retention_cox_equals_coxphfitter():
    rows = fixed_rows(3000, 4, continuous=False)
    rng = np.random.default_rng(4)
    customers = pd.DataFrame({"recommend": rng.integers(0, 11, len(rows)),
                              "grade": rng.integers(1, 11, len(rows)),
                              "region": rng.choice(["n", "s", "w"], len(rows))})
    T, E = rows["stop"].to_numpy(), rows["event"].to_numpy()
    for p in _build_predictors(customers, ["grade", "region"], "recommend", [], RECOMMEND_0_10):
        fit, notes = _cox(p, T, E)
        X = p.design().assign(_T=T, _E=E.astype(int))
        ref = CoxPHFitter().fit(X, "_T", "_E", fit_options=TIGHT)
        names = list(fit.params.index)
        assert_equal_1e8(fit.params, fit.bse, ref, names)
        assert fit.llf == pytest.approx(ref.log_likelihood_, abs=1e-8)
        assert fit.lr_test()[0] == pytest.approx(
            ref.log_likelihood_ratio_test().test_statistic, abs=1e-7)
        assert fit.aic == pytest.approx(ref.AIC_partial_, abs=1e-7)
        np.testing.assert_allclose(fit.p_values(), ref.summary.loc[names, "p"], rtol=1e-4,
                                   atol=1e-12)
        assert notes == []


def test_retention_cox_goes_on_when_a_level_has_no_events():
    # lifelines warned and returned a large negative coefficient; the counts fit says so too
    rng = np.random.default_rng(0)
    n = 300
    region = rng.choice(["a", "b", "c"], n)
    T = rng.integers(1, 20, n).astype(float)
    E = (rng.random(n) < 0.5) & (region != "c")
    customers = pd.DataFrame({"region": region})
    (p,) = _build_predictors(customers, ["region"], None, [], RECOMMEND_0_10)
    fit, notes = _cox(p, T, E)
    assert fit.params["region[c]"] < -10
    assert any("did not converge" in note for note in notes)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6))
def test_row_order_and_clock_resolution_do_not_matter(seed):
    long = long_rows(300, seed)
    cov = [*COV, "late"]
    a = cox_time_varying(long, covariates=cov)
    perm = np.random.default_rng(seed).permutation(len(long))
    b = cox_time_varying(long.iloc[perm], covariates=cov)
    np.testing.assert_allclose(a.params, b.params, atol=1e-10)
    np.testing.assert_allclose(a.bse, b.bse, atol=1e-10)
    # moving a censored row's stop within the gap before the next event time changes no
    # risk set: the fit must not move
    ev_times = np.unique(long.loc[long["event"], "stop"])
    cens = ~long["event"].to_numpy()
    nxt = np.searchsorted(ev_times, long["stop"].to_numpy(), side="right")
    gap_end = np.where(nxt < len(ev_times), ev_times[np.minimum(nxt, len(ev_times) - 1)],
                       long["stop"].to_numpy() + 1)
    moved = long["stop"].to_numpy() + 0.5 * (gap_end - long["stop"].to_numpy())
    c = cox_time_varying(long.assign(stop=np.where(cens, moved, long["stop"])), covariates=cov)
    np.testing.assert_allclose(a.params, c.params, atol=1e-10)
    np.testing.assert_allclose(a.bse, c.bse, atol=1e-10)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6))
def test_duplicated_rows_equal_counts(seed):
    rng = np.random.default_rng(seed)
    rows = fixed_rows(150, seed, continuous=bool(seed % 2))
    w = rng.integers(1, 4, len(rows))
    dup = rows.loc[rows.index.repeat(w)]
    on_dup = fit_cox_counts(dup[COV], dup["stop"], dup["event"])
    on_counts = fit_cox_counts(rows[COV], rows["stop"], rows["event"] * w, counts=w)
    np.testing.assert_allclose(on_dup.params, on_counts.params, atol=1e-10)
    np.testing.assert_allclose(on_dup.bse, on_counts.bse, atol=1e-10)
    assert on_dup.llf == pytest.approx(on_counts.llf, abs=1e-8)


def test_the_cell_counting_keeps_the_errors_of_the_rows():
    long = pd.DataFrame({"start": 0.0, "stop": [1.0, 2, 3, 4, 5, 6],
                         "event": [1, 1, 0, 1, 0, 1], "x": [1.0, 0, 1, 1, 0, 0]})
    with pytest.raises(DataError, match="missing or infinite") as e:
        cox_time_varying(long.assign(stop=[1.0, 2, np.inf, 4, 5, 6]), covariates=["x"])
    assert (e.value.column, e.value.n_rows) == ("stop", 1)
    with pytest.raises(DataError, match="missing or infinite"):
        cox_time_varying(long.assign(x=[1.0, 0, np.inf, 1, 0, 0]), covariates=["x"])
    with pytest.raises(DataError, match="no covariates"):
        cox_time_varying(long, covariates=[])


# ------------------------------------------------------- the fast paths (issue #21, speed)
def test_many_ties_closed_form_matches_r():
    # 32 or more events at a time: Efron's sums in closed form (stats/_cox_efron.py).
    # R 4.2, survival 3.5-3:
    #   cells <- data.frame(x = c(0, 1, 0, 1, 0, 1, 0, 1), t = c(1, 1, 2, 2, 3, 3, 4, 4),
    #                       n = c(300, 200, 250, 150, 200, 180, 400, 100),
    #                       d = c(40, 60, 35, 50, 30, 45, 20, 30))
    #   rows <- cells[rep(seq_len(nrow(cells)), cells$n), ]
    #   rows$e <- unlist(lapply(seq_len(nrow(cells)), function(i)
    #       rep(c(1, 0), c(cells$d[i], cells$n[i] - cells$d[i]))))
    #   fit <- coxph(Surv(t, e) ~ x, data = rows, ties = "efron")
    #   print(c(coef(fit), sqrt(diag(vcov(fit))), fit$loglik), digits = 12)
    #   1.243851238258  0.117180664903  -2164.335484621027  -2106.866893418248
    fit = fit_cox_counts([0, 1, 0, 1, 0, 1, 0, 1], [1, 1, 2, 2, 3, 3, 4, 4],
                         [40, 60, 35, 50, 30, 45, 20, 30],
                         counts=[300, 200, 250, 150, 200, 180, 400, 100], names=["x"])
    assert fit._cells.efron.many.size == 4  # every time takes the closed form
    assert fit.params["x"] == pytest.approx(1.243851238258, abs=1e-10)
    assert fit.bse["x"] == pytest.approx(0.117180664903, abs=1e-10)
    assert fit.llf == pytest.approx(-2106.866893418248, abs=1e-8)
    assert fit.info["llf_null"] == pytest.approx(-2164.335484621027, abs=1e-8)


@pytest.mark.parametrize("ratio", [1.01, 3.0, 40.0, 95.0, 900.0])
def test_closed_form_efron_sums_equal_the_explicit_sums(ratio):
    from loyaltystats.stats._cox_efron import EfronIndex, efron_sums

    m = np.array([32.0, 500.0, 15000.0, 64.0])
    E0 = m * np.array([0.7, 2.5, 1.3, 9.0])
    S0 = E0 * ratio
    closed = efron_sums(EfronIndex.of(m), S0, E0, "efron")
    explicit = efron_sums(EfronIndex.of(m, many=np.inf), S0, E0, "efron")
    # log-likelihood, hazard and its variance terms (differences of digammas: a few digits
    # go as S0 / E0 grows)
    for k in (0, 1, 3):
        np.testing.assert_allclose(closed[k], explicit[k], rtol=1e-10)
    # the Efron corrections, weighted as they enter the score and the information
    # (c11 E0 against c01 S0 ~ m, c12 S0 E0 and c22 E0^2 against c02 S0^2 ~ m)
    for k, w in ((2, E0), (4, S0 * E0), (5, E0**2)):
        np.testing.assert_allclose(closed[k] * w / m, explicit[k] * w / m, atol=1e-12, rtol=0)


@pytest.mark.parametrize("clock", ["whole", "continuous events", "whole events", "from -inf"])
def test_row_pass_equals_one_cell_per_row(clock):
    # the row pass codes whole-number clocks by value, maps continuous clocks with whole
    # event times by a lookup at floor(t), and searches otherwise; all give the fit on the
    # rows themselves (one cell per row, no counting)
    rng = np.random.default_rng(7)
    n = 3000
    start = rng.integers(0, 10, n).astype(float)
    stop = start + rng.integers(1, 8, n)
    if clock != "whole":
        start = start + rng.random(n) * (clock != "whole events")
        stop = stop - rng.random(n) * 0.5
    if clock == "from -inf":
        start[::3] = -np.inf
    x = rng.integers(0, 3, n).astype(float)
    event = rng.random(n) < 0.3 / (1 + np.exp(-0.5 * x))
    if clock == "whole events":
        stop = np.where(event, np.ceil(stop), stop)
    long = pd.DataFrame({"start": start, "stop": stop, "event": event, "x": x,
                         "z": rng.random(n).round(1)})
    long = long[long["start"] < long["stop"]]
    fit = cox_time_varying(long, covariates=["x", "z"])
    rows = fit_cox_counts(long[["x", "z"]], long["stop"], long["event"].astype(float),
                          start=long["start"])
    np.testing.assert_allclose(fit.params, rows.params, atol=1e-10)
    np.testing.assert_allclose(fit.bse, rows.bse, atol=1e-10)
    assert fit.llf == pytest.approx(rows.llf, abs=1e-8)


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 40), min_size=1, max_size=4),
       none_at=st.integers(0, 4), n=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_counting_equals_a_groupby_whatever_the_key_width(sizes, none_at, n, seed):
    # the key is built in the narrowest integer type holding 2 * (number of cells): int8,
    # int16 or int32 here depending on the sizes drawn; every width counts as a groupby does
    from loyaltystats.stats._cox_rows import _count

    rng = np.random.default_rng(seed)
    codes = [rng.integers(0, s, n).astype(rng.choice([np.int8, np.int16, np.int64]))
             for s in sizes]
    codes = [None if j == none_at else c for j, c in enumerate(codes)]
    ev = rng.random(n) < 0.4
    cells, rows, events = _count(codes, sizes, ev)
    frame = pd.DataFrame({f"c{j}": (np.zeros(n, int) if c is None else c.astype(int))
                          for j, c in enumerate(codes)}).assign(ev=ev.astype(float))
    ref = frame.groupby([f"c{j}" for j in range(len(codes))]).agg(n=("ev", "size"),
                                                                   d=("ev", "sum"))
    got = pd.DataFrame({f"c{j}": c for j, c in enumerate(cells)}).assign(n=rows, d=events)
    got = got.set_index([f"c{j}" for j in range(len(codes))]).sort_index()
    np.testing.assert_array_equal(got.index.to_frame().to_numpy(),
                                  ref.index.to_frame().to_numpy())
    np.testing.assert_array_equal(got["n"].to_numpy(), ref["n"].to_numpy())
    np.testing.assert_array_equal(got["d"].to_numpy(), ref["d"].to_numpy())


@pytest.mark.parametrize("where", ["stop", "x", "start"])
@pytest.mark.parametrize("bad", ["nan", "inf", "fraction", "large"])
def test_small_whole_number_columns_fall_back_on_any_other_value(where, bad):
    # columns whose first 64 values are small whole numbers are cast to int16 and compared
    # once instead of scanned for min and max; a NaN, an infinity, a fraction or a value
    # beyond 2**14 further down must still be refused, or counted by its true value
    rng = np.random.default_rng(3)
    n = 500
    start = rng.integers(0, 3, n).astype(float)
    long = pd.DataFrame({"start": start, "stop": start + rng.integers(1, 9, n),
                         "event": rng.random(n) < 0.4,
                         "x": rng.integers(0, 3, n).astype(float)})
    value = {"nan": np.nan, "inf": np.inf, "fraction": 0.5, "large": 40000.0}[bad]
    if where == "stop" and bad in ("fraction", "large"):
        value = long.loc[300, "start"] + value  # keeps start < stop
    if where == "start" and bad in ("fraction", "large", "inf"):
        value = -value  # keeps start < stop
    long.loc[300, where] = value
    if bad == "nan":
        with pytest.raises(DataError, match="missing values") as e:
            cox_time_varying(long, covariates=["x"])
        assert (e.value.column, e.value.n_rows) == (where, 1)
        return
    if bad == "inf" and where != "start":
        with pytest.raises(DataError, match="missing or infinite") as e:
            cox_time_varying(long, covariates=["x"])
        assert (e.value.column, e.value.n_rows) == (where, 1)
        return
    fit = cox_time_varying(long, covariates=["x"])
    rows = fit_cox_counts(long[["x"]], long["stop"], long["event"].astype(float),
                          start=long["start"])
    np.testing.assert_allclose(fit.params, rows.params, atol=1e-10)
    np.testing.assert_allclose(fit.bse, rows.bse, atol=1e-10)


def test_the_table_names_the_fit_that_was_made():
    # every fit is the one on counts; the table must not say lifelines made it
    long = fixed_rows(300, 1, continuous=False).assign(id=np.arange(300))
    for kw, label in (({}, "Cox (partial likelihood on counts, Efron ties)"),
                      ({"ties": "breslow"}, "Cox (partial likelihood on counts, Breslow ties)"),
                      ({"id": "id", "robust": True},
                       "Cox (partial likelihood on counts, Efron ties, robust variance "
                       "clustered by id)")):
        tab = cox_time_varying(long, covariates=COV, **kw).table()
        assert set(tab["method"]) == {label}
