"""Bayesian NPS (loyaltystats.nps.bayes): conjugate posterior, exact interval, shrinkage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from loyaltystats.errors import DataError, ModelError, ParameterError, ScaleError
from loyaltystats.nps import score
from loyaltystats.nps.bayes import (
    BayesNPS,
    ShrunkSegments,
    fit_concentration,
    nps_posterior,
    nps_posterior_cdf,
    shrink_segments,
)


def test_posterior_mean_is_conjugate_hand_calculation():
    # prior (1, 1, 1) + counts (3, 5, 12) -> Dirichlet(4, 6, 13), total 23
    r = nps_posterior((3, 5, 12))
    assert r.info["posterior"] == [4.0, 6.0, 13.0]
    assert r.mean == pytest.approx(100 * (13 - 4) / 23, abs=1e-12)
    shares = r.estimates.set_index("term")["estimate"]
    assert shares["promoters"] == pytest.approx(13 / 23)
    # the Beta marginal of the promoters' share: Beta(13, 10)
    lo, hi = r.estimates.set_index("term").loc["promoters", ["ci_low", "ci_high"]]
    assert lo == pytest.approx(stats.beta(13, 10).ppf(0.025))
    assert hi == pytest.approx(stats.beta(13, 10).ppf(0.975))
    # posterior sd of p_r - p_d from the Dirichlet moments
    a, A = np.array([4.0, 6.0, 13.0]), 23.0
    var = (a[2] * (A - a[2]) + a[0] * (A - a[0]) + 2 * a[0] * a[2]) / (A**2 * (A + 1))
    assert r.info["sd"] == pytest.approx(100 * np.sqrt(var))


def test_interval_matches_a_large_independent_dirichlet_sample():
    prior, counts = np.array([0.5, 0.5, 0.5]), np.array([3, 5, 12])
    r = nps_posterior(tuple(counts), prior=tuple(prior), level=0.9, target=30)
    draws = stats.dirichlet(prior + counts).rvs(400_000, random_state=12345)
    nps = 100 * (draws[:, 2] - draws[:, 0])
    lo, hi = np.quantile(nps, [0.05, 0.95])
    # Monte-Carlo error of a 5% quantile with 4e5 draws is about 0.1 NPS points
    assert r.ci[0] == pytest.approx(lo, abs=0.4)
    assert r.ci[1] == pytest.approx(hi, abs=0.4)
    p = (nps > 30).mean()
    assert r.info["p_above_target"] == pytest.approx(p, abs=4 * np.sqrt(p * (1 - p) / 4e5))
    # and the interval really is equal-tailed on the exact cdf
    a = prior + counts
    assert nps_posterior_cdf(r.ci[0], a) == pytest.approx(0.05, abs=1e-6)
    assert nps_posterior_cdf(r.ci[1], a) == pytest.approx(0.95, abs=1e-6)


def test_cdf_symmetry_and_bounds():
    assert nps_posterior_cdf(0, (2, 1, 2)) == pytest.approx(0.5, abs=1e-9)
    assert nps_posterior_cdf(-100, (2, 1, 2)) == 0.0
    assert nps_posterior_cdf(100, (2, 1, 2)) == 1.0
    # swapping detractors and promoters mirrors the distribution
    assert nps_posterior_cdf(20, (3, 4, 9)) == pytest.approx(1 - nps_posterior_cdf(-20, (9, 4, 3)),
                                                             abs=1e-7)


def test_scores_and_counts_give_the_same_posterior():
    x = [10, 9, 9, 8, 7, 3, 0, 6, 10]
    by_scores = nps_posterior(x)
    by_counts = nps_posterior((3, 2, 4))
    pd.testing.assert_frame_equal(by_scores.estimates, by_counts.estimates)
    assert isinstance(by_scores, BayesNPS)


def test_large_sample_agrees_with_frequentist_interval():
    x = np.r_[[10] * 3000, [8] * 3000, [2] * 4000]
    b, f = nps_posterior(x), score(x)
    assert b.ci[0] == pytest.approx(f.ci[0], abs=0.1)
    assert b.ci[1] == pytest.approx(f.ci[1], abs=0.1)


@pytest.mark.parametrize("bad", [[9, 11, 3], [9, np.nan], ["9", 10], [-1, 5]])
def test_bad_scores_raise_the_same_error_as_score(bad):
    with pytest.raises(ScaleError) as ours:
        nps_posterior(pd.Series(bad, name="ltr"))
    with pytest.raises(ScaleError) as theirs:
        score(pd.Series(bad, name="ltr"))
    assert type(ours.value) is type(theirs.value)
    assert ours.value.column == "ltr" == theirs.value.column


@pytest.mark.parametrize("kwargs", [{"level": 1.5}, {"level": 0}, {"prior": (1, 0, 1)},
                                    {"prior": (1, 1)}, {"target": 120}, {"target": True}])
def test_bad_parameters(kwargs):
    with pytest.raises(ParameterError):
        nps_posterior((1, 2, 3), **kwargs)


@pytest.mark.parametrize("counts", [(1, -2, 3), (1.5, 2, 3), (1, np.nan, 2)])
def test_bad_counts(counts):
    with pytest.raises(DataError, match="counts"):
        nps_posterior(counts)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_order_of_scores_does_not_matter(xs, rnd):
    shuffled = list(xs)
    rnd.shuffle(shuffled)
    a, b = nps_posterior(xs, target=10), nps_posterior(shuffled, target=10)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
    assert a.info["p_above_target"] == b.info["p_above_target"]


# ------------------------------------------------------------------ shrinkage
def _hierarchy(sizes, alpha, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for k, n in enumerate(sizes):
        p = rng.dirichlet(alpha)
        cat = rng.choice(3, size=n, p=p)
        rec = np.array([3, 8, 10])[cat]
        rows.append(pd.DataFrame({"rec": rec, "seg": f"s{k:02d}"}))
    return pd.concat(rows, ignore_index=True)


def test_concentration_recovers_the_generating_hierarchy():
    alpha = np.array([6.0, 6.0, 8.0])
    rng = np.random.default_rng(3)
    shares = rng.dirichlet(alpha, size=400)
    counts = np.array([rng.multinomial(200, p) for p in shares])
    est, capped = fit_concentration(counts)
    assert not capped
    assert est.sum() == pytest.approx(alpha.sum(), rel=0.25)
    assert est / est.sum() == pytest.approx(alpha / alpha.sum(), abs=0.03)


def test_concentration_maximizes_the_marginal_likelihood():
    counts = np.array([[5, 3, 2], [2, 3, 5], [4, 4, 2], [9, 1, 0]], float)

    def loglik(a):
        A, n = a.sum(), counts.sum(axis=1)
        return ((special.gammaln(A) - special.gammaln(A + n)).sum()
                + (special.gammaln(a + counts) - special.gammaln(a)).sum())

    est, _ = fit_concentration(counts)
    for step in ([1.1, 1, 1], [1, 0.9, 1], [1, 1, 1.1], [1.1, 1.1, 1.1], [0.9, 0.9, 0.9]):
        assert loglik(est) >= loglik(est * np.array(step))


def test_no_spread_between_segments_caps_the_concentration():
    counts = np.array([[100, 100, 100]] * 5, float)
    _, capped = fit_concentration(counts)
    assert capped


@pytest.mark.parametrize("method", ["empirical", "hierarchical"])
def test_small_segments_shrink_more_than_large_ones(method):
    df = _hierarchy([10, 20, 50, 300, 2000], [4.0, 4.0, 6.0], seed=5)
    r = shrink_segments(df, "rec", "seg", method=method)
    assert isinstance(r, ShrunkSegments)
    assert r.info["method"] == method
    t = r.estimates
    assert t["n"].tolist() == sorted(t["n"], reverse=True)   # sorted by size
    assert t["shrinkage"].is_monotonic_increasing
    prior_mean = r.info["prior_mean_nps"]
    moved = (t["raw_nps"] - t["estimate"]).abs()
    # shrunk estimate = shrinkage * prior mean + (1 - shrinkage) * raw: exactly for the
    # plugged-in alpha; on average over the hyperparameters' posterior (close) for hierarchical
    expect = t["shrinkage"] * prior_mean + (1 - t["shrinkage"]) * t["raw_nps"]
    tol = 1e-9 if method == "empirical" else 1.0
    assert t["estimate"].to_numpy() == pytest.approx(expect.to_numpy(), abs=tol)
    assert moved.iloc[-1] >= 0 and t["shrinkage"].iloc[0] < 0.05
    assert (t["ci_low"] <= t["estimate"]).all() and (t["estimate"] <= t["ci_high"]).all()
    assert r.tables["counts"][["detractor", "passive", "promoter"]].to_numpy().sum() == len(df)


def test_shrink_segments_round_trip_and_plot():
    import matplotlib

    matplotlib.use("Agg")
    df = _hierarchy([15, 40, 80], [3.0, 3.0, 4.0], seed=1)
    r = shrink_segments(df, "rec", "seg", target=0)
    again = ShrunkSegments.from_dict(r.to_dict())
    pd.testing.assert_frame_equal(again.estimates, r.estimates)
    assert "p_above_target" in r.estimates.columns
    ax = r.plot()
    assert len(ax.get_yticklabels()) == 3
    assert nps_posterior((1, 2, 3)).plot() is not None


def test_shrink_segments_errors():
    df = pd.DataFrame({"rec": [10, 9, 3], "seg": ["a"] * 3})
    with pytest.raises(ModelError, match="two segments"):
        shrink_segments(df, "rec", "seg")
    with pytest.raises(ScaleError) as err:
        shrink_segments(pd.DataFrame({"rec": [10, 11], "seg": ["a", "b"]}), "rec", "seg")
    assert err.value.column == "rec"
    with pytest.raises(DataError, match="missing column"):
        shrink_segments(df, "ltr", "seg")


def test_shrink_segments_missing_policy():
    df = _hierarchy([30, 60], [3.0, 3.0, 4.0], seed=2)
    df.loc[[0, 5], "rec"] = np.nan
    with pytest.raises(ScaleError) as err:
        shrink_segments(df, "rec", "seg")
    assert err.value.column == "rec"
    r = shrink_segments(df, "rec", "seg", missing="drop")
    assert r.info["rows_dropped"]["data"]["rows"] == 2
    assert r.estimates["n"].sum() == len(df) - 2


def test_shrink_segments_counts_an_engine_input_the_same():
    pl = pytest.importorskip("polars")
    df = _hierarchy([20, 80], [3.0, 3.0, 4.0], seed=4)
    a = shrink_segments(df, "rec", "seg")
    b = shrink_segments(pl.from_pandas(df), "rec", "seg")
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
