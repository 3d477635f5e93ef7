"""Switching hazard (S1 in time): references, parity, simulated worlds, bad input."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from loyaltystats.errors import DataError, ModelError
from loyaltystats.switching import HazardResult, cox_time_varying, hazard
from loyaltystats.switching._common import km_table, logrank
from loyaltystats.switching._survival import long_table, prepare

P12 = np.array([0.20, 0.57, 0.78, 0.90])


def strike_world(n, p12=P12, *, seed, follow=24.0, arrivals=False, k_probs=None):
    """Customers with a piecewise-constant switching rate lambda_k = -log(1 - p_k) / 12.

    ``arrivals=False``: every customer has all of its k negatives at time 0, so
    P(switch within 12 | k) = p_k exactly. ``arrivals=True``: negatives arrive at whole
    months 0..11 (a time-varying count); the rate changes at each arrival.
    """
    rng = np.random.default_rng(seed)
    p12 = np.asarray(p12, float)
    cap = len(p12) - 1
    rate = -np.log1p(-p12) / 12
    k_probs = np.full(cap + 1, 1 / (cap + 1)) if k_probs is None else np.asarray(k_probs)
    k = rng.choice(cap + 1, size=n, p=k_probs)
    if not arrivals:
        t = rng.exponential(1 / rate[k])
        times = [np.zeros(kk) for kk in k]
    else:
        times = [np.sort(rng.integers(0, 12, kk)).astype(float) for kk in k]
        e = rng.exponential(1.0, n)
        t = np.empty(n)
        for i in range(n):
            bounds = np.concatenate([[0.0], times[i], [np.inf]])
            cum, done = 0.0, False
            for j in range(len(bounds) - 1):
                r = rate[min(j, cap)]
                seg = bounds[j + 1] - bounds[j]
                if cum + r * seg >= e[i]:
                    t[i] = bounds[j] + (e[i] - cum) / r
                    done = True
                    break
                cum += r * seg
            assert done
    end = np.minimum(t, follow)
    cust = pd.DataFrame({"customer_id": np.arange(n) + 1000, "start": 0.0, "end": end,
                         "switched": (t < follow).astype(int)})
    cid = np.repeat(cust["customer_id"].to_numpy(), [len(x) for x in times])
    et = np.concatenate(times) if n else np.zeros(0)
    exp = pd.DataFrame({"customer_id": cid, "time": et, "kind": "negative"})
    exp = exp[exp["time"] < cust.set_index("customer_id").loc[exp["customer_id"], "end"].to_numpy()]
    return cust, exp.reset_index(drop=True)


def _term(res, term):
    return res.estimates.set_index("term").loc[term]


# ---------------------------------------------------------------------------- references
def test_rossi_reference_through_the_library_cox_path():
    # lifelines: CoxPHFitter().fit(load_rossi(), "week", "arrest"), Efron ties; R's
    # coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, rossi) agrees.
    from lifelines.datasets import load_rossi

    rossi = load_rossi()
    long = rossi.assign(start=0.0, id=np.arange(len(rossi))).rename(
        columns={"week": "stop", "arrest": "event"})
    cov = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    fit = cox_time_varying(long, covariates=cov, id="id")
    expected = {"fin": -0.37942, "age": -0.05744, "race": 0.31390, "wexp": -0.14979,
                "mar": -0.43370, "paro": -0.08487, "prio": 0.09150}
    for name, value in expected.items():
        assert fit.params[name] == pytest.approx(value, abs=6e-6), name
    assert fit.n_events == 114 and fit.n_subjects == 432
    # Breslow baseline equals lifelines' (which centres the covariates and pairs Efron
    # coefficients with Breslow jumps; the default baseline matches the ties, as R's survfit:
    # pinned in tests/test_cox_depth.py)
    from lifelines import CoxPHFitter

    ref = CoxPHFitter().fit(rossi, "week", "arrest")
    times = np.array([5.0, 20.0, 52.0])
    ours = fit.baseline_cumulative_hazard(times, ties="breslow") * np.exp(
        long[cov].mean().to_numpy() @ fit.params.to_numpy())
    theirs = ref.baseline_cumulative_hazard_.loc[times].to_numpy().ravel()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.standard_errors_[cov].to_numpy(),
                               rtol=1e-5)


def _person_period_rows(cust, exp, horizon, cap):
    """The unaggregated person-period rows, built naively one customer at a time."""
    rows = []
    times = exp.groupby("customer_id")["time"].apply(list).to_dict()
    for r in cust.itertuples():
        periods = int(np.ceil(r.end - r.start))
        neg = np.asarray(times.get(r.customer_id, []))
        for p in range(min(periods, horizon)):
            k = int(np.sum(neg < p + 1))
            last = p == periods - 1
            rows.append({"period": p, "negatives": min(k, cap),
                         "event": int(last and r.switched == 1)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("link", ["cloglog", "logit"])
def test_discrete_glm_on_cells_equals_glm_on_person_period_rows(link):
    cust, exp = strike_world(800, P12 * 0.6, seed=11, arrivals=True)
    res = hazard(cust, exp, horizon=8)
    rows = _person_period_rows(cust, exp, horizon=8, cap=3)
    assert len(rows) == int(res.tables["person_period"]["at_risk"].sum())
    assert rows["event"].sum() == res.tables["person_period"]["events"].sum()
    links = {"cloglog": sm.families.links.CLogLog(), "logit": sm.families.links.Logit()}
    coef = res.tables["coefficients"]
    for form, rhs in (("categorical", "C(period) + C(negatives)"),
                      ("linear", "C(period) + negatives")):
        ref = smf.glm(f"event ~ {rhs}", rows,
                      family=sm.families.Binomial(link=links[link])).fit(tol=1e-12)
        ours = coef[(coef["link"] == link) & (coef["model"] == form)
                    & (coef["covariate"] == "negatives")].set_index("term")
        np.testing.assert_allclose(ours["estimate"], ref.params[ours.index], rtol=1e-6,
                                   atol=1e-8)
        np.testing.assert_allclose(ours["std_err"], ref.bse[ours.index], rtol=1e-6)


def test_long_table_matches_a_naive_split():
    cust, exp = strike_world(60, seed=3, arrivals=True)
    exp = pd.concat([exp, exp.iloc[:3]], ignore_index=True)      # tied experiences
    data = prepare(cust, exp, id="customer_id", start="start", end="end",
                   switched="switched", time="time", period="month")
    long = long_table(data, ["negatives"], horizon=10, cap=2)
    for i, r in enumerate(cust.itertuples()):
        sub = long[long["customer"] == i]
        neg = np.sort(exp.loc[exp["customer_id"] == r.customer_id, "time"].to_numpy())
        stop = min(r.end, 10)
        cuts = np.unique(neg[(neg > 0) & (neg < stop)])
        np.testing.assert_allclose(sub["start"], np.concatenate([[0.0], cuts]))
        np.testing.assert_allclose(sub["stop"], np.concatenate([cuts, [stop]]))
        expect_k = [min(int(np.sum(neg <= s)), 2) for s in sub["start"]]
        assert sub["negatives"].tolist() == expect_k
        assert sub["event"].sum() == int(r.switched == 1 and r.end <= 10)
        assert bool(sub["event"].iloc[-1]) == bool(r.switched == 1 and r.end <= 10)


def test_km_and_logrank_match_lifelines():
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    rng = np.random.default_rng(5)
    n = 300
    g = rng.integers(0, 3, n)
    t = np.round(rng.exponential(5 / (1 + g)), 1) + 0.1
    e = rng.random(n) < 0.8
    ours = km_table(t, e, g)
    for grp in range(3):
        km = KaplanMeierFitter().fit(t[g == grp], e[g == grp])
        sub = ours[ours["group"] == grp].iloc[1:]
        ref = km.survival_function_.loc[sub["time"]].to_numpy().ravel()
        np.testing.assert_allclose(sub["survival"], ref, rtol=1e-10)
        ci = km.confidence_interval_.loc[sub["time"]].to_numpy()
        ok = sub["survival"].to_numpy() > 0
        np.testing.assert_allclose(sub["ci_low"].to_numpy()[ok], ci[ok, 0], rtol=1e-8)
        np.testing.assert_allclose(sub["ci_high"].to_numpy()[ok], ci[ok, 1], rtol=1e-8)
    lr = logrank(t, e, g)
    ref = multivariate_logrank_test(t, g, e)
    assert lr["statistic"] == pytest.approx(ref.test_statistic, rel=1e-8)
    assert lr["df"] == 2


# ---------------------------------------------------------------------------- simulated worlds
@pytest.fixture(scope="module")
def world_57_78():
    return strike_world(12_000, seed=2024)


def test_world_57_78_discrete_covers_and_supports(world_57_78):
    cust, exp = world_57_78
    res = hazard(cust, exp, horizon=12, claimed={1: 0.57, 2: 0.78})
    for k, p in enumerate(P12):
        row = _term(res, f"p_within[k={k if k < 3 else '3+'}]")
        assert row.ci_low < p < row.ci_high, (k, row)
    assert res.claim.verdict == "supported"
    assert {c: r.verdict for c, r in res.claims.items()} == {
        "k=1": "supported", "k=2": "supported", "overall": "supported"}
    # the per-extra-negative hazard ratio is that of the world's rates (roughly log-linear)
    rates = -np.log1p(-P12)
    hr = _term(res, "hr[k=2]")
    assert hr.ci_low < rates[2] / rates[0] < hr.ci_high


def test_world_without_second_strike_is_not_supported():
    cust, exp = strike_world(12_000, (0.20, 0.57, 0.57, 0.60), seed=7)
    res = hazard(cust, exp, horizon=12, claimed={1: 0.57, 2: 0.78})
    assert res.claims["k=1"].verdict == "supported"
    assert res.claims["k=2"].verdict == "contradicted"
    assert res.claim.verdict == "contradicted"


def test_cox_path_covers_the_world_and_agrees_with_discrete():
    cust, exp = strike_world(1500, seed=99)
    cox = hazard(cust, exp, horizon=12, method="cox", claimed={1: 0.57, 2: 0.78})
    disc = hazard(cust, exp, horizon=12)
    for k, p in enumerate(P12):
        term = f"p_within[k={k if k < 3 else '3+'}]"
        c, d = _term(cox, term), _term(disc, term)
        assert c.ci_low < p < c.ci_high, (term, c)
        # same data, near-identical models: intervals of similar width and place
        assert abs(c.estimate - d.estimate) < 0.01
        assert (c.ci_high - c.ci_low) == pytest.approx(d.ci_high - d.ci_low, rel=0.15)
    assert cox.info["method"] == "cox" and "Efron" in _term(cox, "hr[k=1]").method
    assert cox.claim.verdict in ("supported", "inconclusive")


def test_time_varying_world_hazard_ratios():
    cust, exp = strike_world(1200, seed=5, arrivals=True)
    rates = -np.log1p(-P12)
    res = hazard(cust, exp, horizon=12, cap=3)
    cox = hazard(cust, exp, horizon=12, cap=3, method="cox")
    for k in (1, 2):
        for r in (res, cox):
            row = _term(r, f"hr[k={k}]")
            assert row.ci_low < rates[k] / rates[0] < row.ci_high, (k, row)


def test_simulated_world_recovers_p_switch_by_unrecovered():
    simulate = pytest.importorskip("loyaltystats.simulate")
    # recovered negatives switched off, so that the unrecovered count is the world's only
    # time-varying driver of switching
    w = simulate.generate(20_000, months=24, seed=5, beta_recovered=0.0)
    res = hazard(w.customers, w.experiences, horizon=12, recovered="recovered")
    truth = w.truth["p_switch_12m_by_unrecovered"]
    # the per-negative hazard ratio is the world's exp(beta_unrecovered)
    row = _term(res, "hr_per_unrecovered")
    assert row.ci_low < np.exp(w.params.beta_unrecovered) < row.ci_high
    # P(switch within 12 | u): the world's truth averages over relationship-grade bands (a
    # frailty the model leaves out), which matters little at low hazards, more at high ones
    for k in (0, 1):
        row = _term(res, f"p_within_unrecovered[u={k}]")
        assert row.ci_low - 0.02 < truth[k] < row.ci_high + 0.02, (k, row, truth[k])


# ---------------------------------------------------------------------------- API details
def test_km_landmark_groups_and_plots(world_57_78):
    cust, exp = world_57_78
    res = hazard(cust, exp, horizon=12, landmark=0, claimed={1: 0.57})
    km = res.tables["km"]
    assert list(pd.unique(km["group"])) == ["0", "1", "2", "3+"]
    last = km.groupby("group", sort=False)["survival"].last()
    assert last.is_monotonic_decreasing
    fig, axes = plt.subplots(1, 2)
    assert res.plot(ax=axes[0]) is axes[0]
    assert res.plot(ax=axes[1], kind="km") is axes[1]
    with pytest.raises(ValueError, match="kind"):
        res.plot(kind="nope")
    plt.close(fig)


def test_result_round_trips_through_json(world_57_78):
    cust, exp = world_57_78
    res = hazard(cust.iloc[:3000], exp[exp["customer_id"] < 4000], horizon=12,
                 claimed={1: 0.57, 2: 0.78})
    back = HazardResult.from_dict(json.loads(res.to_json()))
    pd.testing.assert_frame_equal(back.estimates, res.estimates)
    assert back.claim.verdict == res.claim.verdict
    assert "p_within[k=1]" in res.to_text()


def test_datetime_times_and_week_periods():
    cust, exp = strike_world(1500, seed=1)
    t0 = pd.Timestamp("2024-01-01")
    day = pd.Timedelta(days=1)
    month = 365.25 / 12
    c2 = cust.assign(start=t0, end=t0 + cust["end"] * month * day)
    e2 = exp.assign(time=t0 + exp["time"] * month * day)
    a = hazard(cust, exp, horizon=12)
    b = hazard(c2, e2, horizon=12, period="month")
    pd.testing.assert_frame_equal(a.estimates, b.estimates, rtol=1e-6)
    # numeric times in days with an explicit period length give the same fit
    c3 = cust.assign(end=cust["end"] * 30.0)
    e3 = exp.assign(time=exp["time"] * 30.0)
    d = hazard(c3, e3, horizon=12, period=30.0)
    pd.testing.assert_frame_equal(a.estimates, d.estimates, rtol=1e-6)
    with pytest.raises(ValueError, match="period"):
        hazard(cust, exp, period="week")
    with pytest.raises(DataError, match="clock"):
        hazard(c2, exp, horizon=12)
    with pytest.raises(DataError, match="both be datetimes"):
        hazard(c2.assign(end=cust["end"]), e2, horizon=12)


def test_constant_baseline_and_errors():
    cust, exp = strike_world(600, seed=4)
    res = hazard(cust, exp, horizon=6, baseline="constant")
    assert res.info["baseline"] == "constant"
    with pytest.raises(ModelError, match="lower cap"):
        hazard(cust, exp, horizon=6, cap=5)
    with pytest.raises(ValueError, match="method"):
        hazard(cust, exp, method="kaplan")
    with pytest.raises(ValueError, match="landmark"):
        hazard(cust, exp, horizon=6, landmark=6)


# ---------------------------------------------------------------------------- bad input
@pytest.fixture
def small():
    cust = pd.DataFrame({"customer_id": [1, 2, 3, 4], "start": [0.0, 0.0, 1.0, 2.0],
                         "end": [5.0, 3.0, 9.0, 4.0], "switched": [1, 0, 1, 0]})
    exp = pd.DataFrame({"customer_id": [1, 2, 3, 3], "time": [0.5, 2.0, 1.5, 8.0],
                        "kind": ["negative", "negative", "delight", "negative"],
                        "recovered": [True, False, None, False]})
    return cust, exp


def test_experience_after_the_end_names_the_rows(small):
    cust, exp = small
    exp.loc[1, "time"] = 3.0          # customer 2 ends at 3 (exclusive)
    exp.loc[3, "time"] = 12.0
    with pytest.raises(DataError, match="after the customer's end") as err:
        hazard(cust, exp)
    assert err.value.table == "experiences" and err.value.column == "time"
    assert err.value.n_rows == 2 and "rows 1, 3" in str(err.value)
    assert set(err.value.examples) == {3.0, 12.0}


def test_experience_before_the_start(small):
    cust, exp = small
    exp.loc[2, "time"] = 0.5          # customer 3 starts at 1
    with pytest.raises(DataError, match="before the customer's start") as err:
        hazard(cust, exp)
    assert err.value.n_rows == 1 and "rows 2" in str(err.value)


def test_unknown_customer_in_experiences(small):
    cust, exp = small
    exp.loc[0, "customer_id"] = 99
    with pytest.raises(DataError, match="not in the customers table") as err:
        hazard(cust, exp)
    assert err.value.column == "customer_id" and err.value.examples == (99,)


@pytest.mark.parametrize("bad, msg", [
    ([1, 0, 2, 0], "0/1"), ([1.0, np.nan, 1.0, 0.0], "missing values"),
    (["y", "n", "y", "n"], "0/1"),
])
def test_switched_not_binary(small, bad, msg):
    cust, exp = small
    cust["switched"] = bad
    with pytest.raises(DataError, match=msg) as err:
        hazard(cust, exp)
    assert err.value.column == "switched"


def test_duplicate_ids_end_before_start_and_recovered(small):
    cust, exp = small
    dup = cust.copy()
    dup.loc[3, "customer_id"] = 1
    with pytest.raises(DataError, match="duplicate") as err:
        hazard(dup, exp)
    assert err.value.n_rows == 2
    bad = cust.copy()
    bad.loc[1, "end"] = 0.0
    with pytest.raises(DataError, match="end must be after start") as err:
        hazard(bad, exp)
    assert "rows 1" in str(err.value)
    rec = exp.copy()
    rec.loc[0, "recovered"] = 2
    with pytest.raises(DataError, match="0/1") as err:
        hazard(cust, rec, recovered="recovered")
    assert err.value.column == "recovered"
    with pytest.raises(DataError, match="recovered=None"):
        hazard(cust, exp.drop(columns="recovered"), recovered="recovered")
    nan_t = exp.copy()
    nan_t.loc[2, "time"] = np.nan
    with pytest.raises(DataError, match="missing values") as err:
        hazard(cust, nan_t)
    assert err.value.n_rows == 1


@pytest.mark.parametrize("method", ["discrete", "cox"])
def test_cap_one_fits_one_model_and_reports_no_linearity_test(method):
    # with cap = 1 "linear" and "categorical" are the same model: the hazard ratio of 1+
    # negatives is reported once and the linearity test is absent (NaN), not an error
    cust, exp = strike_world(3000, seed=5)
    res = hazard(cust, exp, horizon=12, cap=1, method=method)
    hr = _term(res, "hr[k=1+]")
    assert _term(res, "hr_per_negative").estimate == pytest.approx(hr.estimate, rel=1e-6)
    assert hr.ci_low > 1
    assert res.tables["models"]["lr_p_value"].isna().all()
