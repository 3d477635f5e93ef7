"""Cox depth (#20): baseline matching the ties, robust and cluster variance, strata.

Pinned against R 4.2, survival 3.5-3. The R data sets are written from Python:

    from lifelines.datasets import load_rossi
    rossi = load_rossi(); rossi["id"] = range(1, len(rossi) + 1)
    rossi.to_csv("rossi.csv", index=False)
    _rossi_long(rossi).to_csv("rossi_long.csv", index=False)   # the helper below

and read in R with ``rossi <- read.csv("rossi.csv"); long <- read.csv("rossi_long.csv")``
after ``library(survival); options(digits = 12)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi

from loyaltystats.errors import DataError, ParameterError
from loyaltystats.stats import cox_baseline, cox_survival, fit_cox_counts
from loyaltystats.switching import cox_time_varying, hazard

C3 = ["fin", "age", "prio"]
TV = ["fin", "prio", "after"]


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    r = load_rossi()
    r["id"] = np.arange(1, len(r) + 1)
    return r


def _rossi_long(r: pd.DataFrame) -> pd.DataFrame:
    """Each subject split at week 5 + (7 id mod 40): ``after`` = 1 on the second interval."""
    s = 5 + (r["id"] * 7) % 40
    split = r["week"] > s
    first = r.assign(start=0, stop=np.where(split, s, r["week"]),
                     event=np.where(split, 0, r["arrest"]), after=0)
    second = r[split].assign(start=s[split], stop=r["week"][split],
                             event=r["arrest"][split], after=1)
    cols = ["id", "start", "stop", "event", "fin", "age", "prio", "after", "race"]
    return pd.concat([first, second]).sort_values(["id", "start"])[cols].reset_index(drop=True)


@pytest.fixture(scope="module")
def long(rossi) -> pd.DataFrame:
    out = _rossi_long(rossi)
    assert (len(out), int(out["event"].sum())) == (813, 114)
    return out


# ---------------------------------------------------------------------------- 1. ties
# R: nd <- data.frame(fin = c(0, 1), age = c(25, 30), prio = c(2, 5))
#    for (ties in c("efron", "breslow")) {
#      fit <- coxph(Surv(week, arrest) ~ fin + age + prio, data = rossi, ties = ties)
#      sf <- survfit(fit, newdata = nd, conf.type = "log-log"); i <- match(c(10, 20, 52), sf$time)
#      print(cbind(sf$surv[i, ], sf$std.err[i, ], sf$lower[i, ], sf$upper[i, ])) }
# rows: (newdata row 1 at 10, 20, 52; row 2 at 10, 20, 52)
R_SURVFIT = {
    "efron": {
        "surv": [0.968485934500, 0.914352814677, 0.746442446414,
                 0.978591259081, 0.941280849337, 0.820665281244],
        "se": [0.00898572339764, 0.01708713900082, 0.04090925908119,
               0.00692071623461, 0.01486669811854, 0.04104197531876],
        "lo": [0.946011083472, 0.877962128446, 0.680663736484,
               0.960306001142, 0.906700733981, 0.743105456226],
        "hi": [0.981694899255, 0.940260076314, 0.800668115253,
               0.988503512982, 0.963302062824, 0.876729303853]},
    "breslow": {
        "surv": [0.968510621881, 0.914490358534, 0.747001649388,
                 0.978600954065, 0.941357289963, 0.821025947990],
        "se": [0.00897819822227, 0.01705900400018, 0.04079968287997,
               0.00691550257059, 0.01484312972325, 0.04095084842220],
        "lo": [0.946054076327, 0.878152683652, 0.681343055647,
               0.960331012000, 0.906830320338, 0.743595883626],
        "hi": [0.981708923701, 0.940358101620, 0.801118311490,
               0.988506627908, 0.963346174523, 0.876985892358]},
}


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_survival_matches_r_survfit_for_each_ties_method(rossi, ties):
    fit = fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"], ties=ties)
    nd = pd.DataFrame({"fin": [0, 1], "age": [25, 30], "prio": [2, 5]})
    out = cox_survival(fit, nd, [10, 20, 52], conf_type="log-log")
    ref = R_SURVFIT[ties]
    # R's coxph stops at a relative change of 1e-9 in the log-likelihood: 1e-8 of room
    np.testing.assert_allclose(out["survival"], ref["surv"], atol=2e-9)
    np.testing.assert_allclose(out["std_err"], ref["se"], atol=2e-9)
    np.testing.assert_allclose(out["ci_low"], ref["lo"], atol=2e-9)
    np.testing.assert_allclose(out["ci_high"], ref["hi"], atol=2e-9)
    # the ties method changes the answer: Efron's jumps are larger than d / S0
    other = fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"],
                           ties="breslow" if ties == "efron" else "efron")
    assert not np.allclose(cox_survival(other, nd, [52])["survival"], ref["surv"][2::3],
                           atol=1e-5)


def test_baseline_table_matches_r_basehaz(rossi):
    # R: fit <- coxph(Surv(week, arrest) ~ fin + age + prio, data = rossi)
    #    b <- basehaz(fit, centered = FALSE); b[b$time %in% c(1, 8, 20, 52), ]
    #    -> 0.00925178241103 0.11253390585410 0.39485497861154 1.28961020267946
    fit = fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"])
    base = cox_baseline(fit).set_index("time")
    np.testing.assert_allclose(base.loc[[1.0, 8.0, 20.0, 52.0], "cumulative_hazard"],
                               [0.00925178241103, 0.11253390585410, 0.39485497861154,
                                1.28961020267946], rtol=1e-8)
    assert list(base.columns) == ["stratum", "n_risk", "n_events", "hazard",
                                  "cumulative_hazard"]
    assert base["n_events"].sum() == 114 and base["n_risk"].iloc[0] == 432
    # ties="breslow" after an Efron fit: lifelines' baseline (Efron coefficients, d / S0)
    ref = CoxPHFitter().fit(rossi[["week", "arrest", *C3]], "week", "arrest")
    bres = cox_baseline(fit, ties="breslow").set_index("time")["cumulative_hazard"]
    centre = float(np.exp(rossi[C3].mean().to_numpy() @ fit.params.to_numpy()))
    np.testing.assert_allclose(bres.loc[[5.0, 20.0, 52.0]] * centre,
                               ref.baseline_cumulative_hazard_.loc[[5.0, 20.0, 52.0]]
                               .to_numpy().ravel(), rtol=1e-6)


def test_time_varying_cumulative_risk_matches_r_survfit(long):
    # R: fit <- coxph(Surv(start, stop, event) ~ fin + prio + after, data = long)
    #    sf <- survfit(fit, newdata = data.frame(fin = 1, prio = 3, after = c(0, 1)),
    #                  conf.type = "log-log"); i <- match(c(10, 30, 52), sf$time)
    #    cbind(sf$surv[i, ], sf$std.err[i, ], sf$lower[i, ], sf$upper[i, ])
    surv = [0.973272576498, 0.882742922502, 0.754832344724,
            0.979101344547, 0.907345242624, 0.803105645274]
    se = [0.00771679866408, 0.02346799727093, 0.06075800810661,
          0.00799180947468, 0.02473791276950, 0.03900220767097]
    lo = [0.953756831354, 0.834981570455, 0.650820467793,
          0.956629273126, 0.852064090282, 0.732911469225]
    hi = [0.984618338122, 0.917361896197, 0.831790504934,
          0.989990303472, 0.942656166083, 0.856647571483]
    fit = cox_time_varying(long, covariates=TV, id="id")
    assert fit.ties == "efron"
    x = np.array([[1.0, 3.0, 0.0], [1.0, 3.0, 1.0]])
    got = pd.concat([fit.cumulative_risk(x, h) for h in (10, 30, 52)])
    order = [0, 2, 4, 1, 3, 5]  # (horizon, row) -> (row, horizon)
    risk = got.iloc[order]
    np.testing.assert_allclose(1 - risk["estimate"], surv, atol=2e-9)
    np.testing.assert_allclose(1 - risk["ci_high"], lo, atol=2e-9)
    np.testing.assert_allclose(1 - risk["ci_low"], hi, atol=2e-9)
    np.testing.assert_allclose(risk["std_err_log"] * risk["cumulative_hazard"], se, atol=2e-9)
    H = fit.baseline_cumulative_hazard(np.array([0.5, 10.0, 52.0]))
    assert H[0] == 0 and H[1] < H[2]


def test_hazard_cox_p_within_uses_the_matching_baseline():
    # months as the clock: many tied switches per month, where Breslow's d / S0 and Efron's
    # jumps differ; with the Efron baseline the Cox path agrees with the discrete cloglog model
    rng = np.random.default_rng(3)
    n = 4000
    k = rng.integers(0, 4, n)
    t = np.ceil(rng.exponential(1 / (-np.log1p(-np.array([0.2, 0.57, 0.78, 0.9])[k]) / 12)))
    cust = pd.DataFrame({"customer_id": np.arange(n), "start": 0.0,
                         "end": np.minimum(t, 24.0), "switched": (t <= 24).astype(int)})
    exp = pd.DataFrame({"customer_id": np.repeat(np.arange(n), k), "time": 0.0,
                        "kind": "negative"})
    cox = hazard(cust, exp, horizon=12, method="cox").estimates.set_index("term")
    disc = hazard(cust, exp, horizon=12).estimates.set_index("term")
    terms = [f"p_within[k={k}]" for k in ("0", "1", "2", "3+")]
    gap = (cox.loc[terms, "estimate"] - disc.loc[terms, "estimate"]).abs()
    # Efron coefficients with Breslow's jumps d / S0 (the pairing before #20) undershot the
    # discrete model here by 0.010, 0.023, 0.021 and 0.015
    assert gap.max() < 2e-3, gap


# ---------------------------------------------------------------------------- 2. robust
def test_robust_and_cluster_se_match_r(rossi, long):
    # R: sqrt(diag(coxph(Surv(week, arrest) ~ fin + age + prio, rossi, ties = ties,
    #                    robust = TRUE)$var))
    r_robust = {"efron": [0.1911205070897, 0.0234522663153, 0.0270252615521],
                "breslow": [0.1902728223997, 0.0233673892836, 0.0268131499519]}
    for ties, ref in r_robust.items():
        fit = fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"], ties=ties,
                             robust=True)
        np.testing.assert_allclose(fit.bse, ref, rtol=1e-8)
        naive = fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"], ties=ties)
        np.testing.assert_allclose(fit.naive_cov, naive.cov, rtol=1e-12)
        assert fit.robust and not naive.robust and fit.n_clusters == 432
    # R: fit <- coxph(Surv(start, stop, event) ~ fin + prio + after, data = long,
    #                 cluster = id); coef(fit); sqrt(diag(fit$var))
    coef = [-0.399582680819, 0.104765648348, -0.248978803062]
    se = [0.1912502366688, 0.0263624447167, 0.2323453907668]
    cells = fit_cox_counts(long[TV], long["stop"], long["event"], start=long["start"],
                           cluster=long["id"])
    np.testing.assert_allclose(cells.params, coef, atol=2e-9)
    np.testing.assert_allclose(cells.bse, se, rtol=1e-8)
    assert cells.n_clusters == 432
    tv = cox_time_varying(long, covariates=TV, id="id", robust=True)
    np.testing.assert_allclose(tv.bse, se, rtol=1e-8)
    assert "robust" in tv.table()["method"].iloc[0]


def test_robust_on_cells_equals_robust_on_rows():
    # frequency counts are rows: the sandwich over cells equals the one over expanded rows
    rng = np.random.default_rng(8)
    n = 2000
    x1, x2 = rng.integers(0, 2, n), rng.integers(0, 3, n)
    t = np.minimum(np.ceil(rng.exponential(6 / np.exp(0.5 * x1 - 0.2 * x2))), 10.0)
    rows = pd.DataFrame({"x1": x1, "x2": x2, "t": t, "e": (t < 10).astype(int)})
    cells = rows.groupby(["x1", "x2", "t"], as_index=False).agg(n=("e", "size"),
                                                              d=("e", "sum"))
    assert len(cells) < 70
    for ties in ("efron", "breslow"):
        a = fit_cox_counts(rows[["x1", "x2"]], rows["t"], rows["e"], ties=ties, robust=True)
        b = fit_cox_counts(cells[["x1", "x2"]], cells["t"], cells["d"], cells["n"], ties=ties,
                           robust=True)
        np.testing.assert_allclose(b.cov, a.cov, rtol=1e-9)
        # a cluster per row is the same as no cluster
        c = fit_cox_counts(rows[["x1", "x2"]], rows["t"], rows["e"], ties=ties,
                           cluster=np.arange(n))
        np.testing.assert_allclose(c.cov, a.cov, rtol=1e-9)


# ---------------------------------------------------------------------------- 3. strata
def test_strata_match_r(rossi, long):
    # R: fit <- coxph(Surv(week, arrest) ~ fin + age + prio + strata(race), rossi, ties = ties)
    #    coef(fit); sqrt(diag(fit$var)); fit$loglik
    r_strata = {
        "efron": ([-0.3641719234528, -0.0674582341639, 0.1007481769986],
                  [0.1906664336463, 0.0209346229281, 0.0271436952007],
                  [-636.926967332, -621.895194551]),
        "breslow": ([-0.3628420465174, -0.0671560881634, 0.1003437543050],
                    [0.1906798999134, 0.0209181104248, 0.0271405295319],
                    [-637.269755944, -622.342650809])}
    for ties, (coef, se, llf) in r_strata.items():
        fit = fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"], ties=ties,
                             strata=rossi["race"])
        np.testing.assert_allclose(fit.params, coef, atol=2e-9)
        np.testing.assert_allclose(fit.bse, se, rtol=1e-8)
        assert [fit.info["llf_null"], fit.llf] == pytest.approx(llf, abs=1e-8)
        assert fit.n_strata == 2 and fit.strata_labels == (0, 1)
    # lifelines agrees: CoxPHFitter().fit(..., strata=["race"])
    ll = CoxPHFitter().fit(rossi[["week", "arrest", *C3, "race"]], "week", "arrest",
                           strata=["race"])
    np.testing.assert_allclose(fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"],
                                              strata=rossi["race"]).params,
                               ll.params_[C3], atol=1e-7)
    # R: basehaz(coxph(Surv(week, arrest) ~ fin + age + prio + strata(race), rossi),
    #            centered = FALSE): race=0 at 52 0.970300592812; race=1 at 8 0.119574592946,
    #            at 52 1.342598722496
    fit = fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"], strata=rossi["race"])
    base = cox_baseline(fit).set_index(["stratum", "time"])["cumulative_hazard"]
    np.testing.assert_allclose(base.loc[[(0, 52.0), (1, 8.0), (1, 52.0)]],
                               [0.970300592812, 0.119574592946, 1.342598722496], rtol=5e-8)


def test_strata_with_cluster_and_survfit_match_r(long):
    # R: fit <- coxph(Surv(start, stop, event) ~ fin + prio + after + strata(race), long,
    #                 cluster = id); coef(fit); sqrt(diag(fit$var)); sqrt(diag(fit$naive.var))
    #    sf <- survfit(fit, newdata = data.frame(fin = 1, prio = 3, after = 0, race = c(0, 1)),
    #                  conf.type = "log-log"); ss <- summary(sf, times = c(10, 30, 52))
    #    cbind(ss$surv, ss$lower, ss$upper, ss$cumhaz)
    coef = [-0.417366517046, 0.107859532793, -0.269732233897]
    se = [0.1917510311617, 0.0262534191618, 0.2308679783595]
    naive = [0.1904804871364, 0.0266079344767, 0.2575315753549]
    surv = [0.987228302474, 0.944931565905, 0.805446020178,
            0.971482366998, 0.873599264817, 0.746768579832]
    lo = [0.911070842421, 0.853614937202, 0.644741468237,
          0.949908863973, 0.822690052617, 0.647502236938]
    hi = [0.998227536305, 0.979933017417, 0.898836226245,
          0.983843125952, 0.910681399727, 0.821868714870]
    fit = cox_time_varying(long, covariates=TV, id="id", robust=True, strata=["race"])
    np.testing.assert_allclose(fit.params, coef, atol=1e-10)
    np.testing.assert_allclose(fit.bse, se, rtol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.counts_fit.naive_cov)), naive, rtol=1e-9)
    out = cox_survival(fit.counts_fit, [[1.0, 3.0, 0.0]] * 2, [10, 30, 52], stratum=[0, 1],
                       conf_type="log-log")
    np.testing.assert_allclose(out["survival"], surv, atol=1e-10)
    np.testing.assert_allclose(out["ci_low"], lo, atol=1e-10)
    np.testing.assert_allclose(out["ci_high"], hi, atol=1e-10)
    risk = fit.cumulative_risk([[1.0, 3.0, 0.0]], 52, stratum=1)
    assert risk["estimate"].item() == pytest.approx(1 - surv[5], abs=1e-10)


def test_strata_do_not_mix_risk_sets():
    # two strata with opposite baselines: fitting them apart and together (strata) gives the
    # same score; without strata the shared baseline pulls the coefficient
    rng = np.random.default_rng(2)
    n = 1500
    g = rng.integers(0, 2, n)
    x = rng.integers(0, 2, n)
    t = np.ceil(rng.exponential(np.where(g == 1, 2.0, 12.0) / np.exp(0.7 * x)))
    df = pd.DataFrame({"x": x, "g": np.where(g == 1, "b", "a"), "t": np.minimum(t, 15.0),
                       "e": (t <= 15).astype(int)})
    s = fit_cox_counts(df[["x"]], df["t"], df["e"], strata=df["g"])
    # the same risk sets without strata: stratum b moved to a later clock, entering at 100
    b = df["g"] == "b"
    moved = fit_cox_counts(df[["x"]], df["t"] + 100 * b, df["e"], start=np.where(b, 100, 0))
    np.testing.assert_allclose(s.params, moved.params, atol=1e-10)
    np.testing.assert_allclose(s.bse, moved.bse, rtol=1e-10)
    assert s.llf == pytest.approx(moved.llf, abs=1e-9)
    pooled = fit_cox_counts(df[["x"]], df["t"], df["e"])
    assert abs(pooled.params["x"] - s.params["x"]) > 0.02  # a shared baseline pulls it
    assert s.strata_labels == ("a", "b")
    base = cox_baseline(s)
    assert set(base["stratum"]) == {"a", "b"}
    # the cumulative hazard restarts in each stratum
    first_b = base[base["stratum"] == "b"].iloc[0]
    assert first_b["cumulative_hazard"] == pytest.approx(first_b["hazard"])
    with pytest.raises(ParameterError, match="stratum"):
        cox_survival(s, [[0.0]], [5])
    with pytest.raises(ParameterError, match="stratum"):
        cox_survival(s, [[0.0]], [5], stratum="c")


# ---------------------------------------------------------------------------- bad input
def test_bad_input_names_the_problem(rossi, long):
    with pytest.raises(ParameterError, match="'efron' or 'breslow'.*exact"):
        fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"], ties="exact")
    with pytest.raises(ParameterError, match="exact"):
        cox_time_varying(long, covariates=TV, ties="exact")
    with pytest.raises(ParameterError, match="needs id"):
        cox_time_varying(long, covariates=TV, robust=True)
    with pytest.raises(DataError, match="431 values for 432 cells") as e:
        fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"], cluster=rossi["id"][1:])
    assert e.value.column == "cluster"
    bad = rossi["race"].astype(float).where(rossi.index != 3)
    with pytest.raises(DataError, match="missing") as e:
        fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"], strata=bad)
    assert e.value.column == "strata"
    fit = fit_cox_counts(rossi[C3], rossi["week"], rossi["arrest"])
    with pytest.raises(DataError, match="lacks the covariate"):
        cox_survival(fit, pd.DataFrame({"fin": [1]}), [10])
    with pytest.raises(ParameterError, match="conf_type"):
        cox_survival(fit, [[0, 0, 0]], [10], conf_type="arcsin")
    # before the first event: S = 1, no interval
    early = cox_survival(fit, [[0, 25, 1]], [0.5])
    assert early["survival"].item() == 1 and np.isnan(early["ci_low"].item())


def test_strata_of_two_columns_breslow_and_an_engine_input_match_r(long):
    # R: fit <- coxph(Surv(start, stop, event) ~ fin + prio + strata(race, after), long,
    #                 ties = "breslow"); coef(fit)
    #    s <- summary(survfit(fit, newdata = data.frame(fin = 1, prio = 3, race = 1,
    #                 after = 0), conf.type = "log-log"), times = 30)
    #    c(1 - s$surv, 1 - s$upper, 1 - s$lower)
    #    -> 0.1246000740872 0.0865449646158 0.1776850021588
    #    sqrt(diag(coxph(Surv(start, stop, event) ~ fin + prio + strata(race), long,
    #                    cluster = id)$var))  -> 0.1916153985159 0.0263961599245
    fit = cox_time_varying(long, covariates=["fin", "prio"], strata=["race", "after"],
                           ties="breslow")
    np.testing.assert_allclose(fit.params, [-0.417759610799, 0.106774454982], atol=1e-9)
    assert fit.counts_fit.strata_labels == ((0, 0), (0, 1), (1, 0), (1, 1))
    risk = fit.cumulative_risk([[1.0, 3.0]], 30, stratum=(1, 0))
    np.testing.assert_allclose(risk[["estimate", "ci_low", "ci_high"]].to_numpy().ravel(),
                               [0.1246000740872, 0.0865449646158, 0.1776850021588],
                               atol=1e-9)
    assert "Breslow" in fit.table()["method"].iloc[0]
    pl = pytest.importorskip("polars")
    rob = cox_time_varying(pl.from_pandas(long), covariates=["fin", "prio"], strata=["race"],
                           id="id", robust=True)
    np.testing.assert_allclose(rob.bse, [0.1916153985159, 0.0263961599245], rtol=1e-8)
