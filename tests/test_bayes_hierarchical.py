"""Hierarchical Bayesian NPS of segments (shrink_segments(method="hierarchical")).

The hyperparameters of the Dirichlet are integrated out numerically (loyaltystats.nps.
_bayes_hier). Checked against a brute-force 3-d grid in R, against Monte Carlo draws of the
mixture it builds, and against the empirical-Bayes answer it must approach with many segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from loyaltystats.errors import ParameterError
from loyaltystats.nps import _bayes_hier as hier
from loyaltystats.nps.bayes import nps_posterior_cdf, shrink_segments

COUNTS = np.array([[30, 40, 50], [10, 5, 25], [3, 2, 7], [60, 70, 90], [1, 1, 0]], float)


def _frame(counts: np.ndarray) -> pd.DataFrame:
    rows = [pd.DataFrame({"rec": np.repeat([3, 8, 10], c.astype(int)), "seg": f"s{i}"})
            for i, c in enumerate(counts)]
    return pd.concat(rows, ignore_index=True)


def test_posterior_mean_and_sd_match_a_brute_force_grid_in_r():
    # The posterior mean and sd of each segment's NPS, integrating the hyperprior
    # (m uniform on the simplex, tau = 1/sqrt(1 + s) ~ U(0, 1)) by brute force in R 4.2
    # (midpoint grid: 600 values of tau x 250 x 250 of (m_d, m_r) on the simplex):
    #
    # brute <- function(cnt, NT = 600, NM = 250) {
    #   g <- ((1:NM) - 0.5) / NM
    #   md <- rep(g, each = NM); mr <- rep(g, times = NM)
    #   ok <- md + mr < 1; md <- md[ok]; mr <- mr[ok]; mp <- 1 - md - mr
    #   n <- rowSums(cnt); k <- nrow(cnt); taus <- ((1:NT) - 0.5) / NT
    #   LP <- matrix(0, NT, length(md))
    #   for (t in seq_len(NT)) {
    #     s <- 1 / taus[t]^2 - 1; a1 <- s * md; a2 <- s * mp; a3 <- s * mr; lp <- 0
    #     for (i in 1:k) lp <- lp + lgamma(s) - lgamma(s + n[i]) +
    #       lgamma(a1 + cnt[i, 1]) - lgamma(a1) + lgamma(a2 + cnt[i, 2]) - lgamma(a2) +
    #       lgamma(a3 + cnt[i, 3]) - lgamma(a3)
    #     LP[t, ] <- lp
    #   }
    #   w <- exp(LP - max(LP)); w <- w / sum(w); out <- matrix(0, k, 2)
    #   for (i in 1:k) {
    #     e1 <- 0; e2 <- 0
    #     for (t in seq_len(NT)) {
    #       s <- 1 / taus[t]^2 - 1
    #       ad <- s * md + cnt[i, 1]; ar <- s * mr + cnt[i, 3]; A <- s + n[i]
    #       mu <- 100 * (ar - ad) / A
    #       v <- 1e4 * (ar * (A - ar) + ad * (A - ad) + 2 * ad * ar) / (A^2 * (A + 1))
    #       e1 <- e1 + sum(w[t, ] * mu); e2 <- e2 + sum(w[t, ] * (v + mu^2))
    #     }
    #     out[i, ] <- c(e1, sqrt(e2 - e1^2))
    #   }
    #   out
    # }
    # cnt <- matrix(c(30, 40, 50,  10, 5, 25,  3, 2, 7,  60, 70, 90,  1, 1, 0),
    #               ncol = 3, byrow = TRUE)
    # print(brute(cnt), digits = 12)
    #               [,1]           [,2]
    # [1,] 17.2537591205  6.15914742985
    # [2,] 25.3143541888 10.42564794103
    # [3,] 21.0200025464 12.14247664360
    # [4,] 15.1296184008  5.07608818545
    # [5,] 14.8642704377 14.95982762293
    # (the grid itself is converged: 300 x 150 gives the same to 4 decimals). Our answer is
    # a quadrature approximation (adaptive Gauss-Hermite over m, 8 Gauss nodes over tau):
    # agreement to 0.01 NPS points is what it claims.
    r_mean = [17.2537591205, 25.3143541888, 21.0200025464, 15.1296184008, 14.8642704377]
    r_sd = [6.15914742985, 10.42564794103, 12.14247664360, 5.07608818545, 14.95982762293]
    comp = hier.hyper_components(COUNTS)
    out = hier.segment_summaries(COUNTS, comp, 0.95, None)
    assert out["mean"] == pytest.approx(r_mean, abs=0.01)
    assert out["sd"] == pytest.approx(r_sd, abs=0.01)
    est = shrink_segments(_frame(COUNTS), "rec", "seg").estimates.set_index("term")
    assert est.loc[[f"s{i}" for i in range(5)], "estimate"].to_numpy() == pytest.approx(
        r_mean, abs=0.01)


def test_interval_and_tail_probability_match_draws_from_the_mixture():
    comp = hier.hyper_components(COUNTS)
    out = hier.segment_summaries(COUNTS, comp, 0.9, 20.0)
    rng = np.random.default_rng(11)
    k = rng.choice(len(comp["w"]), size=300_000, p=comp["w"])
    for i in (2, 4):                                   # 12 answers and 2 answers
        a = comp["s"][k, None] * comp["m"][k] + COUNTS[i]
        g = rng.standard_gamma(a)
        p = g / g.sum(axis=1, keepdims=True)
        nps = 100 * (p[:, 2] - p[:, 0])
        lo, hi = np.quantile(nps, [0.05, 0.95])
        assert out["ci_low"][i] == pytest.approx(lo, abs=0.3)
        assert out["ci_high"][i] == pytest.approx(hi, abs=0.3)
        above = (nps > 20).mean()
        assert out["p_above"][i] == pytest.approx(above, abs=4 * np.sqrt(above / 3e5) + 1e-4)
        assert out["mean"][i] == pytest.approx(nps.mean(), abs=0.1)
    # the interval is equal-tailed on the mixture's distribution function
    a = comp["s"][None, :, None] * comp["m"][None] + COUNTS[:, None, :]
    assert hier.mixture_cdf(out["ci_low"], a, comp["w"]) == pytest.approx([0.05] * 5, abs=1e-6)
    assert hier.mixture_cdf(out["ci_high"], a, comp["w"]) == pytest.approx([0.95] * 5, abs=1e-6)


@pytest.mark.parametrize("alpha", [(0.5, 0.5, 0.5), (1.2, 3.0, 0.7), (40.0, 60.0, 90.0),
                                   (400.0, 700.0, 900.0)])
def test_vectorized_cdf_agrees_with_the_exact_one(alpha):
    a = np.array(alpha)[None, None, :]
    for t in (-60.0, -5.0, 0.0, 12.5, 25.0, 70.0):
        ours = hier.cdf_many(np.array([t / 100]), a)[0, 0]
        assert ours == pytest.approx(nps_posterior_cdf(t, alpha), abs=2e-5)


def test_gauss_rule_of_a_discrete_measure_is_exact_to_degree_2n_minus_1():
    x = np.linspace(0.01, 0.99, 40)
    w = stats.beta(2, 5).pdf(x)
    nodes, weights = hier._gauss_rule(x, w, 6)
    for d in range(12):
        assert weights @ nodes**d == pytest.approx(w @ x**d, rel=1e-9)


def test_intervals_are_wider_than_plugged_in_ones_for_small_alike_segments():
    rng = np.random.default_rng(8)
    sizes = [10, 10, 25, 50, 100, 400, 1000, 2000]
    counts = np.array([rng.multinomial(n, rng.dirichlet([50, 70, 80])) for n in sizes], float)
    df = _frame(counts)
    hb = shrink_segments(df, "rec", "seg").estimates.set_index("term")
    eb = shrink_segments(df, "rec", "seg", method="empirical").estimates.set_index("term")
    width = (hb["ci_high"] - hb["ci_low"]) / (eb["ci_high"] - eb["ci_low"])
    assert (width[hb["n"] <= 100] > 1.05).all()
    assert width.loc["s7"] == pytest.approx(1.0, abs=0.05)     # 2000 answers: no change


def test_many_segments_agree_with_empirical_bayes():
    rng = np.random.default_rng(4)
    counts = np.array([rng.multinomial(150, rng.dirichlet([6.0, 6.0, 8.0]))
                       for _ in range(300)], float)
    df = _frame(counts)
    hb = shrink_segments(df, "rec", "seg")
    eb = shrink_segments(df, "rec", "seg", method="empirical")
    lo, hi = hb.info["concentration_interval"]
    assert lo < eb.info["concentration"] < hi
    assert hb.info["concentration"] == pytest.approx(eb.info["concentration"], rel=0.1)
    a, b = hb.estimates, eb.estimates
    assert a["estimate"].to_numpy() == pytest.approx(b["estimate"].to_numpy(), abs=0.3)
    assert (a["ci_high"] - a["ci_low"]).to_numpy() == pytest.approx(
        (b["ci_high"] - b["ci_low"]).to_numpy(), rel=0.05)


def test_info_and_degenerate_inputs():
    # no detractor anywhere and only two segments: finite answers, prior keeps m_d > 0
    counts = np.array([[0, 5, 7], [0, 1, 1]], float)
    r = shrink_segments(_frame(counts), "rec", "seg", target=50)
    t = r.estimates
    assert np.isfinite(t[["estimate", "ci_low", "ci_high", "p_above_target"]].to_numpy()).all()
    assert (t["ci_low"] < t["estimate"]).all() and (t["estimate"] < t["ci_high"]).all()
    assert r.info["method"] == "hierarchical" and "Uniform(0, 1)" in r.info["hyperprior"]
    assert r.info["n_components"] == 40
    lo, hi = r.info["concentration_interval"]
    assert 0 < lo < r.info["concentration"] < hi
    assert "hierarchical" in r.title


def test_bad_method():
    with pytest.raises(ParameterError, match="method"):
        shrink_segments(_frame(COUNTS), "rec", "seg", method="eb")
