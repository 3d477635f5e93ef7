"""P2: Shapley R-squared driver importance for two outcomes."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from loyaltystats.drivers import driver_importance, shapley_r2
from loyaltystats.errors import DataError, ParameterError


def _world(n, beta_sat, beta_loy, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)) + 0.3 * rng.normal(size=(n, 1))  # correlated drivers
    df = pd.DataFrame(x, columns=["a", "b", "c"])
    df["sat"] = x @ np.array(beta_sat) + rng.normal(size=n)
    df["loy"] = x @ np.array(beta_loy) + rng.normal(size=n)
    return df


def test_shapley_shares_sum_to_the_ols_r_squared():
    df = _world(3000, [1.0, 0.5, 0.0], [0.0, 0.5, 1.0])
    contrib = shapley_r2(np.cov(df[["a", "b", "c", "sat"]].to_numpy(), rowvar=False))
    ols = sm.OLS(df["sat"], sm.add_constant(df[["a", "b", "c"]])).fit()
    assert contrib.sum() == pytest.approx(ols.rsquared, rel=1e-10)
    # single-driver R2 equals the squared correlation
    one = shapley_r2(np.cov(df[["a", "sat"]].to_numpy(), rowvar=False))
    assert one[0] == pytest.approx(np.corrcoef(df["a"], df["sat"])[0, 1] ** 2, rel=1e-10)


def test_verdict_flips_between_same_and_different_drivers():
    same = driver_importance(_world(4000, [1, 0.5, 0.2], [1, 0.5, 0.2]), ("sat", "loy"),
                             ["a", "b", "c"], seed=1, n_boot=200)
    diff = driver_importance(_world(4000, [1, 0.5, 0.0], [0.0, 0.5, 1.0]), ("sat", "loy"),
                             ["a", "b", "c"], seed=1, n_boot=200)
    assert same.verdict == "contradicted" and diff.verdict == "supported"
    assert diff.estimates["ci_low"].iloc[0] > 0.2


def test_bad_input():
    df = _world(100, [1, 0, 0], [0, 0, 1])
    with pytest.raises(DataError, match="two outcomes"):
        driver_importance(df, ("sat",), ["a", "b"], seed=1)
    with pytest.raises(DataError, match="not numbers") as info:
        driver_importance(df.assign(a=df["a"].astype(str)), ("sat", "loy"), ["a", "b"], seed=1)
    assert info.value.column == "a"
    with pytest.raises(ParameterError, match="seed"):   # the default is 0; None is refused
        driver_importance(df, ("sat", "loy"), ["a", "b"], seed=None)
