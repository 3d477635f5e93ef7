"""BCa intervals of the count bootstrap (#20), against scipy.stats.bootstrap(method="BCa")
on the expanded rows (Efron 1987); both are Monte-Carlo, so they agree within its error."""

import numpy as np
import pytest
from scipy import stats

from loyaltystats.errors import ParameterError
from loyaltystats.stats import multinomial_bootstrap


def _scipy_bca(values, counts, stat=np.mean):
    rows = np.repeat(values, counts)
    return stats.bootstrap((rows,), stat, n_resamples=40_000, method="BCa",
                           random_state=2, vectorized=True).confidence_interval


def test_bca_of_a_skewed_rating_mean_equals_scipy():
    values = np.arange(1.0, 6.0)
    counts = np.array([3, 5, 12, 60, 220])  # piled up at the top: skewed mean
    mean = lambda c: (c * values).sum(-1) / c.sum(-1)  # noqa: E731
    ours = multinomial_bootstrap(counts, mean, n_boot=40_000, seed=1, method="bca")
    ref = _scipy_bca(values, counts)
    assert ours.ci_low == pytest.approx(ref.low, abs=0.004)
    assert ours.ci_high == pytest.approx(ref.high, abs=0.004)
    assert ours.method == "bca"


def test_bca_of_a_share_near_zero_equals_scipy_and_differs_from_percentile():
    counts = np.array([2, 498])
    share = lambda c: c[..., 0] / c.sum(-1)  # noqa: E731
    bca = multinomial_bootstrap(counts, share, n_boot=40_000, seed=1, method="bca")
    pct = multinomial_bootstrap(counts, share, n_boot=40_000, seed=1)
    ref = _scipy_bca(np.array([1.0, 0.0]), counts)
    assert bca.ci_high == pytest.approx(ref.high, abs=1e-9)  # both the 0.014 grid value
    assert bca.ci_high > pct.ci_high


def test_excludes_estimate_flag():
    counts = np.array([1, 999])
    share = lambda c: c[..., 0] / c.sum(-1)  # noqa: E731
    res = multinomial_bootstrap(counts, share, n_boot=2000, seed=1)
    assert res.excludes_estimate == (not res.ci_low <= res.estimate <= res.ci_high)
    inside = multinomial_bootstrap(np.array([50, 50]), share, n_boot=2000, seed=1)
    assert not inside.excludes_estimate


def test_unknown_method_is_refused():
    with pytest.raises(ParameterError, match="method"):
        multinomial_bootstrap(np.array([5, 5]), lambda c: c[..., 0], n_boot=10, seed=1,
                              method="studentized")


def test_bca_levels_use_the_row_jackknife():
    # the acceleration from one leave-one-out value per cell, weighted by its count, equals
    # the plain jackknife over every row (numpy on the expanded rows)
    from loyaltystats.stats.bootstrap import _bca_quantiles

    values = np.arange(1.0, 6.0)
    counts = np.array([1, 1, 2, 10, 60])
    mean = lambda c: (c * values).sum(-1) / c.sum(-1)  # noqa: E731
    rows = np.repeat(values, counts)
    theta = np.array([np.delete(rows, i).mean() for i in range(len(rows))])
    d = theta.mean() - theta
    acc = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5)
    reps = np.random.default_rng(0).normal(mean(counts), 0.1, 5000)
    obs = float(mean(counts))
    z0 = stats.norm.ppf(np.mean(reps < obs))
    z = stats.norm.ppf([0.025, 0.975])
    want = stats.norm.cdf(z0 + (z0 + z) / (1 - acc * (z0 + z)))
    np.testing.assert_allclose(_bca_quantiles(counts, mean, obs, reps, 0.025), want,
                               rtol=1e-12)
    assert abs(acc) > 0.01  # skewed enough that the acceleration matters here
