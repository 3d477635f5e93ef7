"""P2 from counted row patterns (issue #23): the same shares as the rows, order-free, and a
bootstrap over patterns equal in distribution to the row bootstrap."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats.drivers import driver_importance, shapley_r2
from loyaltystats.stats import row_patterns, weighted_cov


def _ratings(n, seed=0):
    """Drivers and outcomes on 1-10 and 0-10 scales (few distinct rows, as in a survey)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 11, size=(n, 3))
    sat = np.clip(np.rint(0.6 * x[:, 0] + 0.3 * x[:, 1] + rng.normal(0, 1.5, n)), 0, 10)
    loy = np.clip(np.rint(0.2 * x[:, 1] + 0.7 * x[:, 2] + rng.normal(0, 1.5, n)), 0, 10)
    return pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "sat": sat, "loy": loy})


def test_shares_equal_the_row_level_ols_decomposition():
    # independent fit: the R-squared of every OLS subset model on the raw rows (statsmodels),
    # combined into Shapley shares by hand
    df = _ratings(4000)
    res = driver_importance(df, ("sat", "loy"), ["a", "b", "c"], n_boot=0)
    shares = res.tables["shares"].set_index(["outcome", "driver"])["share"]
    for out in ("sat", "loy"):
        def r2(cols, out=out):
            if not cols:
                return 0.0
            return sm.OLS(df[out], sm.add_constant(df[list(cols)])).fit().rsquared
        drivers = ["a", "b", "c"]
        total = r2(drivers)
        for d in drivers:
            others = [o for o in drivers if o != d]
            w = {0: 1 / 3, 1: 1 / 6, 2: 1 / 3}
            subsets = [(), (others[0],), (others[1],), tuple(others)]
            lmg = sum(w[len(s)] * (r2([*s, d]) - r2(list(s))) for s in subsets)
            assert shares[(out, d)] == pytest.approx(lmg / total, abs=1e-9)


def test_patterns_give_the_rows_covariance_and_shapley_values():
    df = _ratings(3000, seed=2)
    x = df.to_numpy(float)
    pat, cnt = row_patterns(x)
    assert cnt.sum() == len(x) and len(pat) < len(x)
    np.testing.assert_allclose(weighted_cov(pat, cnt), np.cov(x, rowvar=False), rtol=1e-12)
    np.testing.assert_allclose(shapley_r2(weighted_cov(pat, cnt)[:4, :4]),
                               shapley_r2(np.cov(x[:, :4], rowvar=False)), rtol=1e-10)


def test_non_integer_columns_take_the_general_path():
    x = np.array([[0.5, 1.0], [0.25, 2.0], [0.5, 1.0]])
    pat, cnt = row_patterns(x)
    assert pat.tolist() == [[0.25, 2.0], [0.5, 1.0]] and cnt.tolist() == [1, 2]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(-3, 40), st.integers(0, 10), st.integers(1, 5)),
                min_size=1, max_size=60))
def test_row_patterns_round_trip(rows):
    x = np.array(rows, dtype=float)
    pat, cnt = row_patterns(x)
    # the patterns expanded by their counts are the rows, sorted
    expanded = np.repeat(pat, cnt, axis=0)
    np.testing.assert_array_equal(expanded, x[np.lexsort(x.T[::-1])])
    # each row's pattern, on the integer fast path and on the general path (halves)
    for v in (x, x / 2 + 0.25):
        p2, c2, inv = row_patterns(v, return_inverse=True)
        np.testing.assert_array_equal(p2[inv], v)
        np.testing.assert_array_equal(np.bincount(inv, minlength=len(c2)), c2)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_result_does_not_depend_on_row_order(perm_seed):
    df = _ratings(600, seed=3)
    shuffled = df.sample(frac=1.0, random_state=np.random.RandomState(perm_seed % 2**31))
    a = driver_importance(df, ("sat", "loy"), ["a", "b", "c"], n_boot=40, seed=5)
    b = driver_importance(shuffled, ("sat", "loy"), ["a", "b", "c"], n_boot=40, seed=5)
    cols = ["estimate", "ci_low", "ci_high"]
    np.testing.assert_allclose(a.estimates[cols].to_numpy(), b.estimates[cols].to_numpy(),
                               rtol=1e-10, atol=1e-12)


def test_pattern_bootstrap_matches_the_row_bootstrap_in_distribution():
    # the bootstrap standard deviation of each share difference, by patterns (the library)
    # and by resampling rows (plain numpy), agree within Monte-Carlo error
    df = _ratings(2000, seed=4)
    res = driver_importance(df, ("sat", "loy"), ["a", "b", "c"], n_boot=400, seed=1)
    x = df[["a", "b", "c", "sat", "loy"]].to_numpy(float)
    rng = np.random.default_rng(9)
    diffs = []
    for _ in range(400):
        c = np.cov(x[rng.integers(0, len(x), len(x))], rowvar=False)
        s = [shapley_r2(c[np.ix_([0, 1, 2, k], [0, 1, 2, k])]) for k in (3, 4)]
        diffs.append(s[0] / s[0].sum() - s[1] / s[1].sum())
    row_sd = np.std(diffs, axis=0, ddof=1)
    est = res.estimates.set_index("term")
    # percentile interval width / (2 * 1.96) estimates the bootstrap sd
    lib_sd = np.array([(est.loc[f"share difference[{d}]", "ci_high"]
                        - est.loc[f"share difference[{d}]", "ci_low"]) / (2 * 1.96)
                       for d in "abc"])
    np.testing.assert_allclose(lib_sd, row_sd, rtol=0.2)
