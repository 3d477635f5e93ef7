"""K3's fixed-effects fit from counts against the dense within-transformed design.

``kano._adaptation_fit._Model`` never forms the design: its cross-products and its
cluster-robust score statistic come from sums per (delight window, k), per pair of one
customer's delight responses and per (customer, fixed-effect pattern). The reference here
builds the design densely (window / stratum x window / recent-repeat dummies and the
``a^(k - 1)``-scaled delight columns, customer means removed), solves least squares with
numpy and computes the score statistic from its definition, row by row.
"""

import numpy as np
import pytest

from loyaltystats.kano._adaptation_fit import _equal_rows, _fixed_effects, _Model


def _world(seed, n_cust=300, strata=True, p_delight=0.35):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, n_cust)
    c = np.repeat(np.arange(n_cust), sizes)
    n = len(c)
    # integer-ish times: customers without delights often share their counts per pattern
    t = np.floor(rng.uniform(0, 400, n) / 50) * 50 + 1
    d = rng.random(n) < p_delight
    k = np.where(d, rng.integers(1, 5, n), 1)
    s_rec = d & (k >= 2) & (rng.random(n) < 0.4)
    y = rng.normal(6 + d * 1.5 * 0.7 ** (k - 1), 1.0) + rng.normal(0, 1, n_cust)[c]
    codes = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 3, n)) if strata else None
    return y, d, k, s_rec, c, t, codes


def _dense(model, y, d, k, s_rec, c, codes, a):
    """Dense demeaned design at ``a``: [F, Z] with customer means removed."""
    n = len(y)
    # the sparse dummies of the row-level estimator, densified (not the model's patterns)
    Fd = _fixed_effects(d, s_rec, model.wcol, len(model.present_w), codes)[0].toarray()
    Z = np.zeros((n, model.pz))
    rows_d = np.flatnonzero(d)
    Z[rows_d, model.zc] = a ** (k[rows_d] - 1.0)
    X = np.hstack([Fd, Z])
    _, cc = np.unique(c, return_inverse=True)
    nc = np.bincount(cc)

    def within(v):
        v = np.atleast_2d(v.T).T
        means = np.stack([np.bincount(cc, weights=col) / nc for col in v.T], axis=1)
        return v - means[cc]

    yc = y - y.mean()
    return within(X), within(yc)[:, 0], cc, Z


def _reference_score(model, y, d, k, s_rec, c, codes, a):
    MX, My, cc, _ = _dense(model, y, d, k, s_rec, c, codes, a)
    beta = np.linalg.lstsq(MX, My, rcond=None)[0]
    resid = My - MX @ beta
    n_f = model.n_f
    rows_d = np.flatnonzero(d)
    g = np.zeros(len(y))  # derivative of the fitted values with respect to a
    g[rows_d] = beta[n_f:][model.zc] * (k[rows_d] - 1.0) * a ** (k[rows_d] - 2.0)
    _, gw, _, _ = _dense(model, g, d, k, s_rec, c, codes, a)
    MXg = MX.T @ gw
    g_t = gw - MX @ np.linalg.lstsq(MX.T @ MX, MXg, rcond=None)[0]
    per_c = np.bincount(cc, weights=g_t * resid)
    G = len(per_c)
    return float((g_t @ resid) ** 2 / (per_c @ per_c * G / (G - 1))), MX, My


@pytest.mark.parametrize("seed,strata,p_delight", [(1, True, 0.35), (2, False, 0.35),
                                                   (3, True, 0.08)])
@pytest.mark.parametrize("a", [0.3, 0.7, 1.0, 1.3])
def test_cross_products_and_score_statistic_equal_the_dense_design(seed, strata, p_delight, a):
    y, d, k, s_rec, c, t, codes = _world(seed, strata=strata, p_delight=p_delight)
    model = _Model(y, d, k, s_rec, c, t, 30.0, codes)
    ref_stat, MX, My = _reference_score(model, y, d, k, s_rec, c, codes, a)
    xtx, xty = model.cross(a)
    np.testing.assert_allclose(xtx, MX.T @ MX, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(xty, MX.T @ My, rtol=1e-10, atol=1e-9)
    fit = model.fit(a)
    rss = float(np.sum((My - MX @ np.linalg.lstsq(MX, My, rcond=None)[0]) ** 2))
    assert fit["rss"] == pytest.approx(rss, rel=1e-9)
    assert model.score_stat(a) == pytest.approx(ref_stat, rel=1e-8, abs=1e-10)


def test_customers_without_delights_are_grouped_by_equal_counts():
    y, d, k, s_rec, c, t, codes = _world(5, n_cust=600, p_delight=0.08)
    model = _Model(y, d, k, s_rec, c, t, 30.0, codes)
    n_other = model.n_cust - len(model.ucd)
    assert model.cnt_g.sum() == n_other
    assert 0 < len(model.cnt_g) < n_other  # some customers share their counts
    # each group's counts are those of every member
    others = np.setdiff1d(np.arange(model.n_cust), model.ucd)
    first, inv = _equal_rows(model.N[others])
    dense = model.N[others].toarray()
    np.testing.assert_array_equal(dense, dense[first][inv])
    assert len(np.unique(dense, axis=0)) == len(first)


def test_patterns_reproduce_the_fixed_effects():
    y, d, k, s_rec, c, t, codes = _world(4)
    model = _Model(y, d, k, s_rec, c, t, 30.0, codes)
    # counts per (customer, pattern) add up to every response exactly once
    assert model.N.sum() == len(y)
    assert model.N.shape == (model.n_cust, model.Fp.shape[0])
    # a response's pattern row has a window dummy, at most one stratum x window dummy and
    # the recent-repeat dummy, all 0/1
    assert set(np.unique(model.Fp)) <= {0.0, 1.0}
    assert model.Fp.sum(axis=1).max() <= 3


def _delights_by_scan(t_r, t_d, c_r, c_d, max_lag, recent, max_k):
    """Per response, by a scan over its customer's delights in (time, input) order."""
    d, k, s_rec = [], [], []
    for t, c in zip(t_r, c_r):
        mine = sorted((t_d[j], j) for j in range(len(t_d)) if c_d[j] == c)
        before = [i for i, (tj, _) in enumerate(mine) if tj <= t]
        if not before or t - mine[before[-1]][0] > max_lag + 1e-9 * max(1, abs(t_r).max()):
            d.append(False), k.append(1), s_rec.append(False)
            continue
        i = before[-1]
        gap = mine[i][0] - mine[i - 1][0] if i > 0 else np.nan
        kk = min(i + 1, max_k)
        d.append(True), k.append(kk), s_rec.append(kk >= 2 and gap <= recent + 1e-9)
    return np.array(d), np.array(k), np.array(s_rec)


def test_delight_matching_equals_a_scan_per_response():
    from loyaltystats.errors import DataError, ModelError
    from loyaltystats.kano.adaptation import _count_delights

    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(400):
        n_r, n_d, n_c = rng.integers(1, 25), rng.integers(1, 15), rng.integers(1, 5)
        c_r, c_d = rng.integers(0, n_c, n_r), rng.integers(0, n_c, n_d)
        t_r = rng.integers(0, 10, n_r).astype(float)   # integer times: many ties
        t_d = rng.integers(0, 10, n_d).astype(float)
        kw = {"max_lag": float(rng.integers(1, 6)), "recent": float(rng.integers(0, 4)),
              "max_k": int(rng.integers(2, 5))}
        ref = _delights_by_scan(t_r, t_d, c_r, c_d, **kw)
        try:
            got = _count_delights(t_r, t_d, c_r, c_d, time="t", **kw)
        except (DataError, ModelError):
            # no delight response, or only first delights: the scan agrees
            assert not ref[0].any() or len(np.unique(ref[1][ref[0]])) < 2
            continue
        for g, r in zip(got, ref):
            np.testing.assert_array_equal(g, r)
        checked += 1
    assert checked > 100
