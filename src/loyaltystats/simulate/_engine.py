"""The random engine behind :func:`loyaltystats.simulate.generate`: the draws, month by month.

Every step draws from the one generator it is given, in a fixed order; the order is part of
the contract (the same seed gives identical tables across versions), so a step must not
reorder, add or skip a draw. ``world._simulate`` chains the steps and assembles the tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..scales import GRADE_1_10
from .params import WorldParams

# Transaction times are t + 0.98 * U(0, 1), so that a recovery at +0.01 stays inside the month.
_TIME_SPREAD = 0.98
_RECOVERY_LAG = 0.01
# D1: searchsorted code -> rating, state (0 absent, 1 partial, 2 present)
_D1_RATING = np.array([4, 5, 3, 1, 2], dtype=np.int8)
_D1_STATE = np.array([2, 2, 1, 0, 0], dtype=np.int8)
_BAND_LOWS = np.array([b.low for b in GRADE_1_10.bands], dtype=float)


def _band_codes(grades: np.ndarray) -> np.ndarray:
    """GRADE_1_10 band index of integer grades without re-validating (they are 1..10)."""
    return (np.searchsorted(_BAND_LOWS, grades, side="right") - 1).astype(np.int8)


class _Draw:
    """The per-transaction random experience and grade of ``m`` transactions."""

    __slots__ = ("b", "fail", "n_fail", "neg", "recovered", "unrec", "P1", "D1", "dstate",
                 "grade")

    def __init__(
        self,
        rng: np.random.Generator,
        m: int,
        p: WorldParams,
        *,
        reward: np.ndarray | float,
        penalty: np.ndarray | float,
        shift: np.ndarray,
        u: np.ndarray,
    ) -> None:
        pf = p.p_fail
        c1 = pf + p.ok_basic_probs[0] * (1 - pf)
        c2 = pf + (p.ok_basic_probs[0] + p.ok_basic_probs[1]) * (1 - pf)
        b_thr = np.array([pf / 2, pf, c1, c2], dtype=np.float32)
        ub = rng.random((2, m), dtype=np.float32)
        b = np.searchsorted(b_thr, ub, side="right").astype(np.int8)
        b += 1
        self.b = b
        fail = b <= 2
        self.fail = fail
        n_fail = fail[0].astype(np.int8) + fail[1]
        self.n_fail = n_fail
        neg = n_fail > 0
        self.neg = neg
        self.recovered = neg & (rng.random(m, dtype=np.float32) < p.p_recover)
        self.unrec = neg & ~self.recovered
        self.P1 = rng.integers(1, 6, size=m, dtype=np.int8)
        pd_, pp = p.p_delight, p.p_delight_partial
        d_thr = np.array([pd_ / 2, pd_, pd_ + pp, pd_ + pp + (1 - pd_ - pp) / 2], dtype=np.float32)
        dcode = np.searchsorted(d_thr, rng.random(m, dtype=np.float32), side="right")
        self.D1 = _D1_RATING[dcode]
        self.dstate = _D1_STATE[dcode]
        noise = rng.standard_normal(m, dtype=np.float32)

        g = noise
        g *= np.float32(p.sd_noise)
        g += u
        g += shift
        g += np.float32(p.grade_base - 3 * p.perf_slope)
        g += np.float32(p.perf_slope) * self.P1
        if neg.any():
            basic = n_fail * np.float32(p.basic_penalty)
            basic[self.recovered] += np.float32(p.recovery_strength) * np.abs(basic[self.recovered])
            g += basic
        present = self.dstate == 2
        absent = self.dstate == 0
        if np.ndim(reward):
            g[present] += np.asarray(reward, dtype=np.float32)[present]
        else:
            g[present] += np.float32(reward)
        if np.ndim(penalty):
            g[absent] += np.asarray(penalty, dtype=np.float32)[absent]
        else:
            g[absent] += np.float32(penalty)
        np.rint(g, out=g)
        np.clip(g, 1, 10, out=g)
        self.grade = g.astype(np.int8)


def _recommend(rng: np.random.Generator, weighted_grade: np.ndarray, p: WorldParams,
               delight: np.ndarray | None = None) -> np.ndarray:
    x = rng.standard_normal(weighted_grade.shape[0], dtype=np.float32)
    x *= np.float32(p.rec_sd)
    x += np.float32(p.rec_intercept)
    x += np.float32(p.rec_slope) * weighted_grade
    if delight is not None and p.rec_delight_effect != 0:
        x += np.float32(p.rec_delight_effect) * delight
    np.rint(x, out=x)
    np.clip(x, 0, 10, out=x)
    return x.astype(np.int8)


def _lagged_mean(
    G: np.ndarray, rows: np.ndarray, start: np.ndarray, t: int, weights: np.ndarray
) -> np.ndarray:
    """Weighted mean of ``G[rows, t-j]`` over the lags ``j`` with ``t-j >= start``."""
    acc = np.zeros(rows.shape[0], dtype=np.float32)
    wsum = np.zeros(rows.shape[0], dtype=np.float32)
    for j, w in enumerate(weights):
        tj = t - j
        if tj < 0:
            break
        if w == 0:
            continue
        valid = start <= tj
        wj = np.where(valid, np.float32(w), np.float32(0))
        acc += wj * G[rows, tj]
        wsum += wj
    return acc / wsum


def _toh(rng: np.random.Generator, m: int, p: WorldParams) -> list[np.ndarray]:
    """Top-of-Heart levels (relevance, trust, satisfaction, loyalty) as Likert 1-5."""
    u_high = rng.random((4, m), dtype=np.float32)
    u_rate = rng.random((4, m), dtype=np.float32)
    out = []
    below: np.ndarray | None = None
    for level in range(4):
        if not p.toh_gating:
            prob: np.ndarray | float = 0.5
        elif below is None:
            prob = p.toh_p_relevance_high
        else:
            prob = np.where(below, np.float32(p.toh_p_high_given_high),
                            np.float32(p.toh_p_high_given_low))
        high = u_high[level] < prob
        rating = np.where(
            high, 4 + (u_rate[level] < 0.5), 1 + np.minimum(u_rate[level] * 3, 2).astype(np.int8)
        ).astype(np.int8)
        out.append(rating)
        below = high
    return out


# ----------------------------------------------------------------------------------------
# the steps of one run, in the order they draw
# ----------------------------------------------------------------------------------------
@dataclass(eq=False)
class _Customers:
    """What is drawn once per customer before the first month."""

    segment: np.ndarray
    company: np.ndarray
    start: np.ndarray
    u: np.ndarray
    rel_grade: np.ndarray
    rel_recommend: np.ndarray
    base_eta: np.ndarray
    monthly_value: np.ndarray
    effort: np.ndarray
    delighted: np.ndarray


@dataclass(eq=False)
class _State:
    """What the monthly loop carries from month to month, and the tallies it accumulates."""

    alive: np.ndarray
    end: np.ndarray
    k_unrec: np.ndarray
    k_rec: np.ndarray
    n_del: np.ndarray
    G: np.ndarray
    toff: np.ndarray | None
    grade_counts: np.ndarray
    rec_counts: np.ndarray
    company_sum: np.ndarray
    company_n: np.ndarray
    resp_chunks: list[dict[str, np.ndarray]]
    exp_chunks: list[dict[str, np.ndarray]]


@dataclass(frozen=True, eq=False)
class _Constants:
    """Per-run constants of the monthly loop, computed once."""

    offsets: np.ndarray
    adapt_pow: np.ndarray
    w_rec: np.ndarray
    w_t4: np.ndarray
    bu: np.float32
    br: np.float32


@dataclass(eq=False)
class _Month:
    """The transactions of one month: who, their draws, and which of them were surveyed."""

    t: int
    idx: np.ndarray
    cidx: np.ndarray
    prev_del: np.ndarray
    d: _Draw
    off: np.ndarray
    present: np.ndarray
    sp: np.ndarray
    sidx: np.ndarray
    sstart: np.ndarray
    rec: np.ndarray


def _draw_customers(n: int, months: int, p: WorldParams, rng: np.random.Generator,
                    offsets: np.ndarray) -> _Customers:
    """Draw segment, company, start, customer effect, onboarding survey and monthly value."""
    # effort and the onboarding wow moment (E1, E2) come from a child generator: the world's
    # own stream, and so every table of a world without effort effects, stays as it was
    erng = rng.spawn(1)[0]
    effort = (np.searchsorted(np.cumsum(p.effort_probs)[:-1], erng.random(n), side="right")
              + 1).astype(np.int8)
    delighted = erng.random(n) < p.p_onboarding_delight
    seg_cut = np.cumsum(p.segment_probs)[:-1]
    segment = np.searchsorted(seg_cut, rng.random(n), side="right").astype(np.int8)
    company = rng.integers(0, p.n_companies, size=n, dtype=np.int8)
    start = rng.integers(0, months, size=n).astype(np.int16)
    u = rng.standard_normal(n, dtype=np.float32)
    u *= np.float32(p.sd_customer)
    # relationship survey at onboarding: the same grade process at the start month,
    # independent draws (the customer effect u is the customer's own, hence shared)
    ts = start.astype(np.float64)
    rel_shift = offsets[company] * np.exp2(-ts / p.convergence_half_life) + (
        p.drift_per_year * ts / 12.0)
    if p.grade_effort_slope != 0:
        rel_shift = rel_shift + p.grade_effort_slope * (effort - 4.0)
    rel_shift = rel_shift.astype(np.float32)
    rel = _Draw(rng, n, p, reward=p.reward_at(ts), penalty=p.penalty_at(ts), shift=rel_shift, u=u)
    rel_grade = rel.grade
    rel_recommend = _recommend(rng, rel_grade.astype(np.float32), p, rel.dstate == 2)
    del rel, rel_shift, ts
    band_eff = np.asarray(p.band_effect, dtype=np.float32)
    nps_cat = (rel_recommend >= 7).astype(np.int8) + (rel_recommend >= 9)
    base_eta = (np.float32(p.hazard_intercept) + band_eff[_band_codes(rel_grade)]
                + np.float32(p.hazard_grade_slope) * (rel_grade.astype(np.float32) - 8)
                + np.asarray(p.hazard_recommend_effect, dtype=np.float32)[nps_cat])
    if any(p.hazard_effort_effect) or p.hazard_delight_effect:
        effort_band = (effort >= 4).astype(np.int8) + (effort >= 5)  # low, neutral, high
        base_eta = (base_eta + np.asarray(p.hazard_effort_effect, dtype=np.float32)[effort_band]
                    + np.float32(p.hazard_delight_effect) * delighted)
    log_value = rng.standard_normal(n) * p.value_sd_log
    monthly_value = p.value_mean * np.exp(log_value - p.value_sd_log**2 / 2)
    return _Customers(segment=segment, company=company, start=start, u=u, rel_grade=rel_grade,
                      rel_recommend=rel_recommend, base_eta=base_eta,
                      monthly_value=monthly_value, effort=effort, delighted=delighted)


def _new_state(n: int, months: int, nc: int, *, frames: bool) -> _State:
    """The state before the first month: everybody alive, nothing counted."""
    return _State(
        alive=np.ones(n, dtype=bool),
        end=np.full(n, months, dtype=np.int16),
        k_unrec=np.zeros(n, dtype=np.int16),
        k_rec=np.zeros(n, dtype=np.int16),
        n_del=np.zeros(n, dtype=np.int16),
        G=np.zeros((n, months), dtype=np.int8),
        toff=np.zeros((n, months), dtype=np.float32) if frames else None,
        grade_counts=np.zeros((months, 11), dtype=np.int64),
        rec_counts=np.zeros((months, 11), dtype=np.int64),
        company_sum=np.zeros((months, nc), dtype=np.float64),
        company_n=np.zeros((months, nc), dtype=np.int64),
        resp_chunks=[],
        exp_chunks=[],
    )


def _constants(p: WorldParams, months: int) -> _Constants:
    """The company offsets, adaptation powers, recency weights and hazard slopes of a run."""
    return _Constants(
        offsets=p.company_offsets(),
        adapt_pow=(p.adaptation ** np.arange(months + 1)).astype(np.float32),
        w_rec=p.normalized_recency_weights().astype(np.float32),
        w_t4=np.ones(3, dtype=np.float32),
        bu=np.float32(p.beta_unrecovered),
        br=np.float32(p.beta_recovered),
    )


def _simulate_month(rng: np.random.Generator, t: int, p: WorldParams, cust: _Customers,
                    state: _State, const: _Constants, *, frames: bool) -> None:
    """Run calendar month ``t``: transactions, survey, table rows, then switching."""
    idx = np.flatnonzero(state.alive & (cust.start <= t))
    if idx.shape[0] == 0:
        return
    month = _draw_transactions(rng, t, p, idx, cust, state, const)
    if frames:
        state.resp_chunks.append(_response_chunk(rng, p, month, cust, state, const))
        state.exp_chunks.append(_experience_chunk(month))
    _update_and_switch(rng, month, cust, state, const)


def _draw_transactions(rng: np.random.Generator, t: int, p: WorldParams, idx: np.ndarray,
                       cust: _Customers, state: _State, const: _Constants) -> _Month:
    """Draw the month's experiences, grades, times and survey recommends; tally them."""
    m = idx.shape[0]
    comp_t = (const.offsets * 2.0 ** (-t / p.convergence_half_life)
              + p.drift_per_year * t / 12.0).astype(np.float32)
    cidx = cust.company[idx]
    prev_del = state.n_del[idx]
    reward = np.float32(p.reward_at(t)) * const.adapt_pow[prev_del]
    d = _Draw(rng, m, p, reward=reward, penalty=float(p.penalty_at(t)),
              shift=comp_t[cidx], u=cust.u[idx])
    grade = d.grade
    G = state.G
    G[idx, t] = grade
    off = rng.random(m, dtype=np.float32)
    off *= np.float32(_TIME_SPREAD)
    if state.toff is not None:
        state.toff[idx, t] = off
    nc = p.n_companies
    state.grade_counts[t] += np.bincount(grade, minlength=11)
    state.company_sum[t] += np.bincount(cidx, weights=grade, minlength=nc)
    state.company_n[t] += np.bincount(cidx, minlength=nc)
    present = d.dstate == 2

    sp = np.flatnonzero(rng.random(m, dtype=np.float32) < p.p_survey)
    sidx = idx[sp]
    sstart = cust.start[sidx]
    rec = _recommend(rng, _lagged_mean(G, sidx, sstart, t, const.w_rec), p, present[sp])
    state.rec_counts[t] += np.bincount(rec, minlength=11)
    return _Month(t=t, idx=idx, cidx=cidx, prev_del=prev_del, d=d, off=off, present=present,
                  sp=sp, sidx=sidx, sstart=sstart, rec=rec)


def _response_chunk(rng: np.random.Generator, p: WorldParams, month: _Month, cust: _Customers,
                    state: _State, const: _Constants) -> dict[str, np.ndarray]:
    """Draw the T4 and Top-of-Heart items of the surveyed; return their ``responses`` rows."""
    t, d, sp, sidx = month.t, month.d, month.sp, month.sidx
    grade = d.grade
    baseline_ok = _lagged_mean(state.G, sidx, month.sstart, t, const.w_t4) >= 7
    peak = grade[sp] >= 9
    eta4 = (p.t4_intercept + p.t4_base * baseline_ok + p.t4_peak * peak
            + p.t4_interaction * (baseline_ok & peak))
    feels = rng.random(sp.shape[0]) < 1.0 / (1.0 + np.exp(-eta4))
    toh = _toh(rng, sp.shape[0], p)
    unrec_s = d.unrec[sp]
    present_s = month.present[sp]
    p1_s = d.P1[sp]
    expectation = np.where(unrec_s, 0, np.where(present_s, 2, 1)).astype(np.int8)
    tier = np.where(unrec_s, 0, np.where(present_s, 3, np.where(p1_s >= 4, 2, 1)))
    failure = np.where(d.neg[sp], np.where(d.recovered[sp], 1, 2), 0).astype(np.int8)
    return {
        "customer_id": (sidx + 1).astype(np.int32),
        "time": t + month.off[sp].astype(np.float64),
        "month": np.full(sp.shape[0], t, dtype=np.int16),
        "grade": grade[sp],
        "recommend": month.rec,
        "expectation": expectation,
        "tier": tier.astype(np.int8),
        "B1": d.b[0, sp],
        "B2": d.b[1, sp],
        "P1": p1_s,
        "D1": d.D1[sp],
        "feels_first": feels,
        "relevance": toh[0],
        "trust": toh[1],
        "satisfaction_level": toh[2],
        "loyalty_level": toh[3],
        "segment": cust.segment[sidx],
        "company": month.cidx[sp],
        "n_prev_delights": month.prev_del[sp],
        "service_failure": failure,
    }


def _experience_chunk(month: _Month) -> dict[str, np.ndarray]:
    """The month's ``experiences`` rows: negatives, delights, then recoveries (time order)."""
    t, d, idx, off = month.t, month.d, month.idx, month.off
    neg_pos = np.flatnonzero(d.neg)
    del_pos = np.flatnonzero(month.present)
    rec_pos = np.flatnonzero(d.recovered)
    attr_neg = np.where(d.fail[0, neg_pos], np.where(d.fail[1, neg_pos], 2, 0), 1)
    attr_rec = np.where(d.fail[0, rec_pos], np.where(d.fail[1, rec_pos], 2, 0), 1)
    return {
        "customer_id": (np.concatenate([idx[neg_pos], idx[del_pos], idx[rec_pos]])
                        + 1).astype(np.int32),
        "time": t + np.concatenate([
            off[neg_pos].astype(np.float64),
            off[del_pos].astype(np.float64),
            off[rec_pos].astype(np.float64) + _RECOVERY_LAG,
        ]),
        "kind": np.concatenate([
            np.zeros(neg_pos.shape[0], np.int8),
            np.full(del_pos.shape[0], 2, np.int8),
            np.ones(rec_pos.shape[0], np.int8),
        ]),
        "attribute": np.concatenate([
            attr_neg.astype(np.int8),
            np.full(del_pos.shape[0], 3, np.int8),
            attr_rec.astype(np.int8),
        ]),
        "recovered": np.concatenate([
            d.recovered[neg_pos],
            np.zeros(del_pos.shape[0], bool),
            np.ones(rec_pos.shape[0], bool),
        ]),
    }


def _update_and_switch(rng: np.random.Generator, month: _Month, cust: _Customers,
                       state: _State, const: _Constants) -> None:
    """Add the month's delights and negatives to the state, then draw who switches."""
    idx, d = month.idx, month.d
    state.n_del[idx] = month.prev_del + month.present
    ku = state.k_unrec[idx] + d.unrec
    kr = state.k_rec[idx] + d.recovered
    state.k_unrec[idx] = ku
    state.k_rec[idx] = kr
    eta = cust.base_eta[idx] + const.bu * np.minimum(ku, 3) + const.br * np.minimum(kr, 3)
    h = -np.expm1(-np.exp(eta))
    sw = idx[rng.random(idx.shape[0], dtype=np.float32) < h]
    state.alive[sw] = False
    state.end[sw] = month.t + 1


def _draw_intent(rng: np.random.Generator, n: int, p: WorldParams, state: _State) -> np.ndarray:
    """Draw who considers switching at the end; some act on it if ``p_considerer_switches``."""
    negatives = state.k_unrec + state.k_rec
    intent = np.asarray(p.intent_by_negatives, dtype=float)
    considering = rng.random(n) < intent[np.minimum(negatives, 3)]
    if p.p_considerer_switches > 0:
        # intent turns into behaviour at the end of the simulation (S3 false); the draw is
        # only made when asked for, so default worlds keep their random stream
        acts = state.alive & considering & (rng.random(n) < p.p_considerer_switches)
        state.alive[acts] = False
    return considering


def _stats(state: _State) -> dict[str, Any]:
    """The aggregate counts the Monte-Carlo truth reads."""
    return {
        "grade_counts": state.grade_counts,
        "rec_counts": state.rec_counts,
        "company_sum": state.company_sum,
        "company_n": state.company_n,
    }
