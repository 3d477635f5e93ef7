"""The known truth of a simulated world.

Most entries are exact: the latent grade is a finite mixture of normals (basics x P1 x D1 x
company, with the customer effect and the noise normal), so the distribution of the
rounded, clipped grade follows from normal CDFs, and the switching probabilities follow
from a dynamic programme over the capped counts of negatives. The few entries that depend
on the whole history of a customer (the recommend score mixes the last grades, adaptation
depends on past delights, the active population is thinned by switching) are Monte-Carlo
estimates from a reference world of :data:`TRUTH_MC_CUSTOMERS` customers with the fixed
seed :data:`TRUTH_SEED`, independent of the seed of the world they describe.

``truth["_kinds"]`` maps each entry to ``"exact"`` or ``"monte-carlo"``; ``docs/simulate.md``
documents every entry.

Examples
--------
>>> from loyaltystats.simulate import WorldParams, compute_truth
>>> t = compute_truth(WorldParams(), months=24)
>>> t["_kinds"]["retention_12m_by_band"]
'exact'
>>> round(t["p_consider_by_negatives"][1], 2)
0.5
"""

from __future__ import annotations

import copy
import functools
import math
from typing import Any

import numpy as np
from scipy.special import ndtr

from ..scales import GRADE_1_10
from .params import WorldParams

__all__ = ["compute_truth", "TRUTH_SEED", "TRUTH_MC_CUSTOMERS"]

TRUTH_SEED = 20_240_917
"""Seed of the reference world behind the Monte-Carlo truth entries."""
TRUTH_MC_CUSTOMERS = 250_000
"""Customers in the reference world behind the Monte-Carlo truth entries."""

_GRADES = np.arange(1, 11)
_BANDS = GRADE_1_10.band_names  # ['<=6', '7', '8', '9-10']
_BAND_OF_GRADE = (np.searchsorted([b.low for b in GRADE_1_10.bands], _GRADES, side="right") - 1)
_EXPECTATIONS = ("below", "met", "exceeded")
_TIERS = ("not met", "meets needs", "easy", "enjoyable")
_FAILURES = ("none", "recovered", "unrecovered")


def compute_truth(params: WorldParams, months: int = 24) -> dict[str, Any]:
    """The truth of a world with these parameters over ``months`` calendar months.

    Parameters
    ----------
    params : WorldParams
    months : int, default 24

    Returns
    -------
    dict
        JSON-safe (plain floats, lists and dicts; dicts indexed by a count of negatives use
        int keys 0..3, which :func:`json.dumps` writes as strings). ``"_kinds"`` maps each
        key to ``"exact"`` or ``"monte-carlo"``; ``"_monte_carlo"`` gives the size and seed
        of the reference world. A conditional quantity whose condition has probability 0
        under the parameters (say, by delight with ``p_delight=0``) is None. Computed once per ``(params, months)`` and cached; a fresh
        copy is returned each time.

    Examples
    --------
    >>> t = compute_truth(WorldParams(), months=24)
    >>> t["t4_cell_probs"]["baseline_ok=1,peak=1"] > t["t4_cell_probs"]["baseline_ok=0,peak=0"]
    True
    """
    if not isinstance(params, WorldParams):
        raise TypeError(f"params must be a WorldParams, got {type(params).__name__}")
    return copy.deepcopy(_truth_cached(params, int(months)))


# ----------------------------------------------------------------------------------------
def _components(p: WorldParams, t: float, d: int = 0) -> dict[str, np.ndarray]:
    """Mixture components of the latent grade (without customer effect and noise) of a
    transaction at calendar month ``t`` by a customer with ``d`` previous delights."""
    pf, pr = p.p_fail, p.p_recover
    bp, rs = p.basic_penalty, p.recovery_strength
    b_prob = np.array([(1 - pf) ** 2, 2 * pf * (1 - pf) * (1 - pr), 2 * pf * (1 - pf) * pr,
                       pf**2 * (1 - pr), pf**2 * pr])
    b_shift = np.array([0.0, bp, bp + rs * abs(bp), 2 * bp, 2 * bp + rs * abs(2 * bp)])
    b_fail = np.array([0, 2, 1, 2, 1])  # index into _FAILURES
    p1 = np.arange(1, 6)
    p1_prob = np.full(5, 0.2)
    p1_shift = p.perf_slope * (p1 - 3)
    d_state = np.array([2, 1, 0])  # present, partial, absent
    d_prob = np.array([p.p_delight, p.p_delight_partial, 1 - p.p_delight - p.p_delight_partial])
    d_shift = np.array([float(p.reward_at(t)) * p.adaptation**d, 0.0, float(p.penalty_at(t))])
    nc = p.n_companies
    c_prob = np.full(nc, 1.0 / nc)
    c_shift = p.company_offsets() * 2.0 ** (-t / p.convergence_half_life) \
        + p.drift_per_year * t / 12.0
    shape = (5, 5, 3, nc)

    def grid(a: np.ndarray, axis: int) -> np.ndarray:
        s = [1, 1, 1, 1]
        s[axis] = -1
        return np.broadcast_to(np.reshape(a, s), shape).ravel()

    prob = grid(b_prob, 0) * grid(p1_prob, 1) * grid(d_prob, 2) * grid(c_prob, 3)
    mu = p.grade_base + grid(b_shift, 0) + grid(p1_shift, 1) + grid(d_shift, 2) + grid(c_shift, 3)
    failure = grid(b_fail, 0)
    P1 = grid(p1, 1)
    dstate = grid(d_state, 2)
    unrec = failure == 2
    present = dstate == 2
    expectation = np.where(unrec, 0, np.where(present, 2, 1))
    tier = np.where(unrec, 0, np.where(present, 3, np.where(P1 >= 4, 2, 1)))
    return {"prob": prob, "mu": mu, "failure": failure, "P1": P1, "dstate": dstate,
            "expectation": expectation, "tier": tier}


def _grade_pmf(mu: np.ndarray, sigma: float) -> np.ndarray:
    """P(clip(round(mu + N(0, sigma)), 1, 10) = 1..10), shape ``mu.shape + (10,)``."""
    sigma = max(float(sigma), 1e-12)
    edges = np.arange(1.5, 10.0, 1.0)
    cdf = ndtr((edges - np.asarray(mu)[..., None]) / sigma)
    zeros = np.zeros(cdf.shape[:-1] + (1,))
    return np.diff(np.concatenate([zeros, cdf, zeros + 1.0], axis=-1), axis=-1)


def _conditional_dist(comp: dict[str, np.ndarray], pmf: np.ndarray,
                      sel: np.ndarray) -> np.ndarray | None:
    """Grade distribution given the components in ``sel``; None if they have no mass."""
    w = comp["prob"][sel]
    if w.sum() <= 0:
        return None
    return (w[:, None] * pmf[sel]).sum(0) / w.sum()


def _conditional(comp: dict[str, np.ndarray], pmf: np.ndarray, key: str,
                 labels: tuple[str, ...]) -> tuple[dict[str, float | None],
                                                   dict[str, float | None]]:
    means: dict[str, float | None] = {}
    p9: dict[str, float | None] = {}
    for code, label in enumerate(labels):
        dist = _conditional_dist(comp, pmf, comp[key] == code)
        means[label] = None if dist is None else float(dist @ _GRADES)
        p9[label] = None if dist is None else float(dist[8:].sum())
    return means, p9


def _band_shares(dist: np.ndarray) -> dict[str, float]:
    return {b: float(dist[_BAND_OF_GRADE == i].sum()) for i, b in enumerate(_BANDS)}


def _eta(p: WorldParams, ku: np.ndarray | int, kr: np.ndarray | int) -> np.ndarray:
    """Hazard linear predictor, shape (10 grades, ...) for the relationship grades 1..10."""
    band = np.asarray(p.band_effect)[_BAND_OF_GRADE] + p.hazard_grade_slope * (_GRADES - 8)
    ku_a, kr_a = np.minimum(np.asarray(ku), 3), np.minimum(np.asarray(kr), 3)
    lin = p.hazard_intercept + p.beta_unrecovered * ku_a + p.beta_recovered * kr_a
    return band.reshape((10,) + (1,) * np.ndim(lin)) + lin


def _retention_by_grade(p: WorldParams, horizon: int) -> np.ndarray:
    """P(no switch in ``horizon`` months | relationship grade 1..10), exact DP."""
    p_neg = 1 - (1 - p.p_fail) ** 2
    p_u, p_r = p_neg * (1 - p.p_recover), p_neg * p.p_recover
    k = np.arange(4)
    surv = np.exp(-np.exp(_eta(p, k[:, None], k[None, :])))  # (10, 4, 4)
    mass = np.zeros((10, 4, 4))
    mass[:, 0, 0] = 1.0
    for _ in range(horizon):
        new = (1 - p_neg) * mass
        up_u = np.zeros_like(mass)
        up_u[:, 1:, :] = mass[:, :-1, :]
        up_u[:, 3, :] += mass[:, 3, :]
        up_r = np.zeros_like(mass)
        up_r[:, :, 1:] = mass[:, :, :-1]
        up_r[:, :, 3] += mass[:, :, 3]
        mass = (new + p_u * up_u + p_r * up_r) * surv
    return mass.sum(axis=(1, 2))


@functools.lru_cache(maxsize=32)
def _truth_cached(p: WorldParams, months: int) -> dict[str, Any]:
    """The truth of :func:`compute_truth`, shared by the cache (callers copy it)."""
    sigma_tot = math.hypot(p.sd_customer, p.sd_noise)
    month0, dist0 = _month0_truth(p, sigma_tot)
    rel_by_start = _relationship_by_start(p, months, sigma_tot)
    rel_dist = rel_by_start.mean(0)
    exact = {
        **month0,
        "relationship_band_shares": _band_shares(rel_dist),
        **_switching_truth(p, months, rel_by_start, rel_dist),
        **_lifecycle_truth(p, months),
    }
    # band_shares: month_0 exact, overall Monte-Carlo; the entry as a whole counts as the latter
    monte_carlo = _monte_carlo_truth(p, months, dist0)
    truth: dict[str, Any] = {**exact, **monte_carlo}
    truth["_kinds"] = {**dict.fromkeys(exact, "exact"), **dict.fromkeys(monte_carlo, "monte-carlo")}
    truth["_monte_carlo"] = {"n_customers": TRUTH_MC_CUSTOMERS, "seed": TRUTH_SEED,
                             "months": months, "p_survey": 1.0}
    return truth


def _month0_truth(p: WorldParams, sigma_tot: float) -> tuple[dict[str, Any], np.ndarray]:
    """The exact grade entries of month 0 (everybody new, no previous delights), and the
    month-0 grade distribution."""
    c0 = _components(p, 0.0, 0)
    pmf0 = _grade_pmf(c0["mu"], sigma_tot)
    dist0 = (c0["prob"][:, None] * pmf0).sum(0)
    m_exp, p9_exp = _conditional(c0, pmf0, "expectation", _EXPECTATIONS)
    m_tier, p9_tier = _conditional(c0, pmf0, "tier", _TIERS)
    m_fail, _ = _conditional(c0, pmf0, "failure", _FAILURES)
    best = _conditional_dist(c0, pmf0, (c0["failure"] == 0) & (c0["P1"] == 3)
                             & (c0["dstate"] == 1))
    best_d = _conditional_dist(c0, pmf0, (c0["failure"] == 0) & (c0["P1"] == 3)
                               & (c0["dstate"] == 2))
    truth = {
        "mean_grade_by_expectation": m_exp,
        "p_9plus_by_expectation": p9_exp,
        "mean_grade_by_tier": m_tier,
        "p_9plus_by_tier": p9_tier,
        "mean_grade_by_service_failure": m_fail,
        "basics_best_no_delight_mean": None if best is None else float(best @ _GRADES),
        "p_9plus_basics_best": {
            "no_delight": None if best is None else float(best[8:].sum()),
            "delight": None if best_d is None else float(best_d[8:].sum()),
        },
    }
    return truth, dist0


def _relationship_by_start(p: WorldParams, months: int, sigma_tot: float) -> np.ndarray:
    """Distribution of the relationship grade at onboarding, one row per start month."""
    rel_by_start = np.empty((months, 10))
    for s in range(months):
        cs = _components(p, float(s), 0)
        rel_by_start[s] = (cs["prob"][:, None] * _grade_pmf(cs["mu"], sigma_tot)).sum(0)
    return rel_by_start


def _switching_truth(p: WorldParams, months: int, rel_by_start: np.ndarray,
                     rel_dist: np.ndarray) -> dict[str, Any]:
    """The exact switching, intent and negative-experience entries."""
    truth: dict[str, Any] = {}
    p12 = {}
    for k in range(4):
        eta = _eta(p, k, 0)
        p12[k] = float(rel_dist @ (1 - np.exp(-12 * np.exp(eta))))
    truth["p_switch_12m_by_unrecovered"] = p12
    ret_g = _retention_by_grade(p, 12)
    followed = rel_by_start[: max(months - 12, 0) + 1].mean(0)
    ret_b: dict[str, float | None] = {}
    for i, b in enumerate(_BANDS):
        sel_b = _BAND_OF_GRADE == i
        wb = followed[sel_b]
        ret_b[b] = float((wb * ret_g[sel_b]).sum() / wb.sum()) if wb.sum() > 0 else None
    truth["retention_12m_by_band"] = ret_b
    if any(p.hazard_recommend_effect) or p.p_considerer_switches > 0:
        # the dynamic programme knows the grade band and the negatives only: with switching
        # driven by recommend or intent too, these exact entries do not describe the world
        truth["p_switch_12m_by_unrecovered"] = None
        truth["retention_12m_by_band"] = None
    truth["p_consider_by_negatives"] = {k: float(v) for k, v in enumerate(p.intent_by_negatives)}
    p_neg = 1 - (1 - p.p_fail) ** 2
    truth["p_negative_per_transaction"] = float(p_neg)
    truth["p_unrecovered_per_transaction"] = float(p_neg * (1 - p.p_recover))
    return truth


def _lifecycle_truth(p: WorldParams, months: int) -> dict[str, Any]:
    """The exact delight life cycle, recency, T4 and Top-of-Heart entries (from the params)."""
    truth: dict[str, Any] = {}
    truth["delight_half_life"] = float(p.half_life)
    truth["reward_at"] = [float(p.reward_at(t)) for t in range(months)]
    truth["penalty_at"] = [float(p.penalty_at(t)) for t in range(months)]
    truth["adaptation"] = float(p.adaptation)
    truth["recency_weights"] = [float(x) for x in p.normalized_recency_weights()]
    cells = {}
    for base in (0, 1):
        for peak in (0, 1):
            eta4 = p.t4_intercept + p.t4_base * base + p.t4_peak * peak \
                + p.t4_interaction * base * peak
            cells[f"baseline_ok={base},peak={peak}"] = float(1 / (1 + math.exp(-eta4)))
    truth["t4_cell_probs"] = cells
    if p.toh_gating:
        toh = {"gating": True, "p_relevance_high": float(p.toh_p_relevance_high),
               "p_high_given_high": float(p.toh_p_high_given_high),
               "p_high_given_low": float(p.toh_p_high_given_low)}
    else:
        toh = {"gating": False, "p_relevance_high": 0.5, "p_high_given_high": 0.5,
               "p_high_given_low": 0.5}
    truth["toh_gating"] = toh
    return truth


def _monte_carlo_truth(p: WorldParams, months: int, dist0: np.ndarray) -> dict[str, Any]:
    """The entries estimated on the reference world (seed :data:`TRUTH_SEED`)."""
    from .world import _simulate

    ref = _simulate(TRUTH_MC_CUSTOMERS, months, p.replace(p_survey=1.0),
                    np.random.default_rng(TRUTH_SEED), frames=False)
    truth: dict[str, Any] = {}
    gc = ref["grade_counts"].sum(0)[1:].astype(float)
    truth["band_shares"] = {"month_0": _band_shares(dist0),
                            "overall": _band_shares(gc / max(gc.sum(), 1.0))}
    rc = ref["rec_counts"].sum(0).astype(float)
    truth["nps"] = float(100 * (rc[9:].sum() - rc[:7].sum()) / rc.sum()) if rc.sum() else None
    years = -(-months // 12)
    cmeans: dict[str, list[float | None]] = {}
    for c in range(p.n_companies):
        row: list[float | None] = []
        for y in range(years):
            sl = slice(12 * y, min(12 * (y + 1), months))
            nn = ref["company_n"][sl, c].sum()
            row.append(float(ref["company_sum"][sl, c].sum() / nn) if nn else None)
        cmeans[f"C{c + 1}"] = row
    truth["company_mean_grade_by_year"] = cmeans
    return truth
