"""loyalty_curve's depth (issue #20): under (quasi-)separation the candidate is marked with
the scores that cause it and a separated deciding jump gets a profile-likelihood interval;
the existence of a breakpoint is tested with the grid search accounted for."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from loyaltystats.thresholds import loyalty_curve
from loyaltystats.thresholds._logistic import fit_logistic_batch
from loyaltystats.thresholds.curve import profile_interval


def _rows(counts):
    """Rows from {score: (n, successes)}."""
    g, y = [], []
    for s, (n, k) in counts.items():
        g += [s] * n
        y += [1] * k + [0] * (n - k)
    return pd.DataFrame({"grade": g, "stay": np.array(y, dtype=bool)})


def test_a_single_row_below_a_step_marks_it_separated():
    counts = {2: (1, 1), 3: (40, 10), 4: (60, 20), 5: (80, 30), 6: (120, 50), 7: (200, 95),
              8: (250, 130), 9: (200, 160), 10: (100, 85)}
    res = loyalty_curve(_rows(counts), "grade", "stay", n_boot=0)
    prof = res.tables["profile"].set_index(["kind", "breakpoint"])
    assert prof.loc[("step", 3.0), "separated"]
    assert prof.loc[("step", 3.0), "separated_at"] == "2"
    # the well-identified candidates are not marked
    assert not prof.loc[("step", 9.0), "separated"]
    assert prof.loc[("step", 9.0), "separated_at"] == ""


def test_profile_interval_ends_are_where_the_deviance_rises_by_the_critical_value():
    # independent check: statsmodels GLM on the raw rows with the jump fixed as an offset
    counts = {s: (150, int(150 * (0.4 + 0.03 * s + (0.2 if s >= 9 else 0)))) for s in
              range(1, 11)}
    df = _rows(counts)
    s = np.arange(1.0, 11.0)
    X = np.column_stack([np.ones(10), s, (s >= 9).astype(float)])
    y = np.array([counts[int(v)][1] for v in s], float)
    m = np.full(10, 150.0)
    fit = fit_logistic_batch(X, y, m)
    crit = float(stats.chi2.ppf(0.95, 1))
    lo, hi = profile_interval(X, y, m, 2, float(fit.params[0, 2]), float(fit.llf[0]), crit)
    g = df["grade"].to_numpy(float)
    rows_X = np.column_stack([np.ones_like(g), g])
    full = sm.GLM(df["stay"].to_numpy(float), np.column_stack([rows_X, g >= 9]),
                  family=sm.families.Binomial()).fit()
    for end in (lo, hi):
        restricted = sm.GLM(df["stay"].to_numpy(float), rows_X, family=sm.families.Binomial(),
                            offset=end * (g >= 9)).fit()
        assert 2 * (full.llf - restricted.llf) == pytest.approx(crit, abs=1e-6)
    # with this much information the profile and Wald intervals nearly agree
    se = np.sqrt(fit.cov[0, 2, 2])
    wald = (fit.params[0, 2] - 1.96 * se, fit.params[0, 2] + 1.96 * se)
    assert lo == pytest.approx(wald[0], abs=0.05) and hi == pytest.approx(wald[1], abs=0.05)


def test_a_separated_deciding_jump_gets_a_half_open_profile_interval():
    # every customer scoring 10 stayed: the step at 10 fits them perfectly
    counts = {s: (100, 30 + 2 * s) for s in range(1, 10)}
    counts[10] = (100, 100)
    res = loyalty_curve(_rows(counts), "grade", "stay", n_boot=0, top=8)
    jump = res.estimates.set_index("term").loc["jump"]
    assert res.info["breakpoint"] == 10
    assert "profile likelihood: separated" in jump["method"] and "10" in jump["method"]
    assert np.isinf(jump["ci_high"]) and 0 < jump["ci_low"] < 20
    assert res.verdict == "supported"  # the jump at the top is large and its lower end > 0


def test_breakpoint_existence_test_holds_its_size_where_the_naive_one_does_not():
    # 200 linear-logistic worlds (no breakpoint): the sup-LR test with the grid search in
    # its bootstrap rejects at 5% about as often as it should, the best candidate's naive
    # chi-square(1) p-value far more often (this loop with reps = 400 gave 0.0325 and
    # 0.3275; the bootstrap's 99 replicates make its real level 0.04)
    sup = naive = 0
    reps = 200
    for r in range(reps):
        rng = np.random.default_rng(1000 + r)
        g = rng.integers(1, 11, 2000)
        stay = rng.random(2000) < 1 / (1 + np.exp(-(-1 + 0.2 * g)))
        res = loyalty_curve(pd.DataFrame({"grade": g, "stay": stay}), "grade", "stay",
                            n_boot=99, seed=r)
        tests = res.tables["tests"].set_index("test")["p_value"]
        sup += res.info["breakpoint_exists_p_value"] < 0.05
        naive += tests["best step vs linear (LR, ignores the grid search)"] < 0.05
    assert sup / reps <= 0.08
    assert naive / reps >= 0.15


def test_breakpoint_existence_test_finds_a_real_jump():
    rng = np.random.default_rng(1)
    g = rng.integers(1, 11, 5000)
    stay = rng.random(5000) < np.where(g >= 9, 0.85, 0.55)
    res = loyalty_curve(pd.DataFrame({"grade": g, "stay": stay}), "grade", "stay", n_boot=99)
    assert res.info["breakpoint_exists_p_value"] == pytest.approx(0.01)  # 1 / (99 + 1)
