"""Dominance analysis (#20): complete, conditional and general dominance of R-squared.

Independent fit: the R-squared of statsmodels OLS on the raw rows for every subset of the
drivers, combined by the definitions of Budescu (1993) and Azen & Budescu (2003).
"""

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from loyaltystats.drivers import driver_importance
from loyaltystats.stats import dominance_statistics


def _data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 4))
    x = z + 0.5 * z[:, [0]]  # correlated drivers
    y = x @ np.array([0.8, 0.5, 0.3, 0.0]) + rng.normal(size=n)
    y2 = x @ np.array([0.0, 0.2, 0.3, 0.9]) + rng.normal(size=n)
    return pd.DataFrame(x, columns=["a", "b", "c", "d"]).assign(y=y, y2=y2)


def _ols_r2(df, cols, out="y"):
    if not cols:
        return 0.0
    return sm.OLS(df[out], sm.add_constant(df[list(cols)])).fit().rsquared


def test_conditional_and_general_statistics_equal_ols_subsets():
    df = _data()
    names = ["a", "b", "c", "d"]
    stats_, _ = dominance_statistics(np.cov(df[names + ["y"]].to_numpy(), rowvar=False), names)
    stats_ = stats_.set_index("driver")
    for d in names:
        others = [o for o in names if o != d]
        cond = []
        for k in range(4):
            gains = [_ols_r2(df, [*s, d]) - _ols_r2(df, s) for s in combinations(others, k)]
            cond.append(np.mean(gains))
            assert stats_.loc[d, f"size_{k}"] == pytest.approx(cond[-1], abs=1e-10)
        assert stats_.loc[d, "general"] == pytest.approx(np.mean(cond), abs=1e-10)
    assert stats_["general"].sum() == pytest.approx(_ols_r2(df, names), abs=1e-10)


def test_pairwise_dominance_follows_the_definitions():
    df = _data(seed=1)
    names = ["a", "b", "c", "d"]
    _, pairs = dominance_statistics(np.cov(df[names + ["y"]].to_numpy(), rowvar=False), names)
    pairs = pairs.set_index(["driver_1", "driver_2"])
    for i, j in combinations(names, 2):
        others = [o for o in names if o not in (i, j)]
        subsets = [s for k in range(3) for s in combinations(others, k)]
        diffs = np.array([_ols_r2(df, [*s, i]) - _ols_r2(df, [*s, j]) for s in subsets])
        want = i if (diffs > 0).all() else j if (diffs < 0).all() else "undetermined"
        assert pairs.loc[(i, j), "complete"] == want
    # complete dominance implies conditional implies general
    order = {"complete": 0, "conditional": 1, "general": 2}
    for _, row in pairs.iterrows():
        decided = [k for k in order if row[k] != "undetermined"]
        if decided:
            first = min(decided, key=order.get)
            assert all(row[k] == row[first] for k in order if order[k] > order[first])


def test_an_undetermined_complete_dominance():
    # b is a noisy copy of a: alone it explains much of y, next to a it adds nothing, while
    # c adds its own small part to any model: neither b nor c dominates completely
    rng = np.random.default_rng(4)
    a = rng.normal(size=5000)
    b = a + 0.3 * rng.normal(size=5000)
    c = rng.normal(size=5000)
    y = a + 0.4 * c + rng.normal(size=5000)
    cov = np.cov(np.column_stack([a, b, c, y]), rowvar=False)
    _, pairs = dominance_statistics(cov, ["a", "b", "c"])
    row = pairs.set_index(["driver_1", "driver_2"]).loc[("b", "c")]
    assert row["complete"] == "undetermined"
    assert row["general"] == "b"  # on average b still contributes more
    assert pairs.set_index(["driver_1", "driver_2"]).loc[("a", "b"), "complete"] == "a"


def test_driver_importance_reports_dominance_and_flags_intervals():
    df = _data(n=1500, seed=2)
    res = driver_importance(df, ("y", "y2"), ["a", "b", "c", "d"], n_boot=100, seed=3)
    dom = res.tables["dominance"].set_index(["outcome", "driver"])
    shares = res.tables["shares"].set_index(["outcome", "driver"])
    for (o, d), row in dom.iterrows():
        # general dominance / R-squared = the share
        assert row["general"] / shares.loc[(o, d), "r_squared"] == pytest.approx(
            shares.loc[(o, d), "share"], abs=1e-12)
    flag = shares["ci_excludes_share"]
    inside = (shares["ci_low"] <= shares["share"]) & (shares["share"] <= shares["ci_high"])
    assert (flag == ~inside).all()
    assert set(res.tables["dominance_pairs"]["outcome"]) == {"y", "y2"}
