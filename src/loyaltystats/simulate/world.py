"""The simulated world: :func:`generate` and the :class:`World` it returns.

The generator is vectorized over customers; the only Python loop runs over the calendar
months. See ``docs/simulate.md`` for the generative model in full.

Examples
--------
>>> from loyaltystats.simulate import generate
>>> world = generate(500, months=12, seed=7)
>>> responses, customers, experiences, truth = world
>>> len(customers)
500
>>> bool((customers["duration"] >= 1).all())
True
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..scales import GRADE_1_10
from .params import WorldParams, _check_names

__all__ = [
    "World",
    "generate",
    "SEGMENTS",
    "EXPECTATIONS",
    "TIERS",
    "EXPERIENCE_KINDS",
    "ATTRIBUTES",
    "SERVICE_FAILURES",
]

SEGMENTS = ("A", "B", "C")
"""Segment labels (``customers.segment``, ``responses.segment``)."""
EXPECTATIONS = ("below", "met", "exceeded")
"""Categories of ``responses.expectation`` (ordered)."""
TIERS = ("not met", "meets needs", "easy", "enjoyable")
"""Categories of ``responses.tier`` (ordered)."""
EXPERIENCE_KINDS = ("negative", "recovery", "delight")
"""Categories of ``experiences.kind``."""
ATTRIBUTES = ("B1", "B2", "B1+B2", "D1")
"""Categories of ``experiences.attribute``; ``B1+B2`` when both basics failed at once."""
SERVICE_FAILURES = ("none", "recovered", "unrecovered")
"""Categories of ``responses.service_failure`` (ordered)."""

# Transaction times are t + 0.98 * U(0, 1), so that a recovery at +0.01 stays inside the month.
_TIME_SPREAD = 0.98
_RECOVERY_LAG = 0.01
# D1: searchsorted code -> rating, state (0 absent, 1 partial, 2 present)
_D1_RATING = np.array([4, 5, 3, 1, 2], dtype=np.int8)
_D1_STATE = np.array([2, 2, 1, 0, 0], dtype=np.int8)
_BAND_LOWS = np.array([b.low for b in GRADE_1_10.bands], dtype=float)


@dataclass(frozen=True, eq=False)
class World:
    """A simulated world with known truth, as returned by :func:`generate`.

    Iterating yields ``responses, customers, experiences, truth`` so that
    ``r, c, e, t = generate(...)`` works.

    Attributes
    ----------
    responses : pandas.DataFrame
        One row per surveyed transaction (about ``p_survey`` of all transactions), sorted by
        customer and time. Columns: ``customer_id`` (int32), ``time`` (float64, calendar
        month + U[0, 0.98)), ``month`` (int16), ``grade`` (int8, 1-10), ``recommend`` (int8,
        0-10), ``expectation`` (ordered categorical below / met / exceeded), ``tier``
        (ordered categorical not met / meets needs / easy / enjoyable), ``B1``, ``B2``,
        ``P1``, ``D1`` (int8, 1-5), ``feels_first`` (bool), ``relevance``, ``trust``,
        ``satisfaction_level``, ``loyalty_level`` (int8, 1-5), ``segment``, ``company``
        (categorical), ``n_prev_delights`` (int16, the customer's delights before this
        transaction), ``service_failure`` (ordered categorical none / recovered /
        unrecovered).
    customers : pandas.DataFrame
        One row per customer, by ``customer_id`` (int32, 1..n): ``segment``, ``company``
        (categorical), ``start``, ``end``, ``duration`` (int16 months; the customer is
        active in months ``start .. end-1``), ``switched`` (bool; False means censored at
        ``end == months``), ``grade``, ``recommend`` (int8, the relationship survey at
        onboarding), ``negatives``, ``unrecovered_negatives``, ``recovered_negatives``,
        ``delights`` (int16 counts while observed), ``considering_switch`` (bool),
        ``monthly_value`` (float64).
    experiences : pandas.DataFrame
        One row per notable event, sorted by customer and time: ``customer_id``, ``time``
        (float64, in ``[start, end)``), ``kind`` (categorical negative / recovery /
        delight), ``attribute`` (categorical B1 / B2 / B1+B2 / D1), ``recovered`` (bool: the
        negative was recovered; True on its recovery row, False on delights).
    transactions : pandas.DataFrame
        One row per active customer-month, sorted by customer and month: ``customer_id``,
        ``time``, ``month``, ``grade``.
    truth : dict
        The known truth of this world (see ``docs/simulate.md``); ``truth["_kinds"]`` says
        for each entry whether it is exact or Monte-Carlo.
    params : WorldParams
        The parameters the world was generated with.
    months : int
        Number of calendar months simulated.
    seed : object
        The seed passed to :func:`generate` (``repr`` of a Generator if one was passed).

    Examples
    --------
    >>> w = generate(200, months=6, seed=1)
    >>> r, c, e, t = w
    >>> sorted(t["p_consider_by_negatives"])
    [0, 1, 2, 3]
    """

    responses: pd.DataFrame = field(repr=False)
    customers: pd.DataFrame = field(repr=False)
    experiences: pd.DataFrame = field(repr=False)
    transactions: pd.DataFrame = field(repr=False)
    truth: dict[str, Any] = field(repr=False)
    params: WorldParams = field(repr=False)
    months: int = 24
    seed: Any = None

    def __iter__(self) -> Iterator[Any]:
        yield self.responses
        yield self.customers
        yield self.experiences
        yield self.truth

    def __repr__(self) -> str:
        return (
            f"World(customers={len(self.customers)}, months={self.months}, "
            f"transactions={len(self.transactions)}, responses={len(self.responses)}, "
            f"experiences={len(self.experiences)}, seed={self.seed!r})"
        )


def generate(
    n_customers: int,
    months: int = 24,
    *,
    seed: int | np.random.SeedSequence | np.random.Generator,
    params: WorldParams | None = None,
    **overrides: Any,
) -> World:
    """Simulate customers, their transactions, surveys and switching, with known truth.

    Parameters
    ----------
    n_customers : int
        Number of customers (at least 1).
    months : int, default 24
        Number of calendar months ``t = 0 .. months-1``; customers start uniformly in them.
    seed : int, numpy.random.SeedSequence or numpy.random.Generator
        Required keyword. Passed to :func:`numpy.random.default_rng`; the same int seed
        gives identical frames. ``None`` is refused: a world must be reproducible.
    params : WorldParams, optional
        Parameters; default ``WorldParams()``.
    **overrides
        ``WorldParams`` fields to change, e.g. ``half_life=12.0``; applied on top of
        ``params``. Unknown names raise :class:`TypeError`.

    Returns
    -------
    World
        ``responses``, ``customers``, ``experiences``, ``transactions``, ``truth``,
        ``params``; iterating gives ``responses, customers, experiences, truth``.

    Raises
    ------
    TypeError
        If ``seed`` is missing or None, or an override is not a ``WorldParams`` field.
    ValueError
        If ``n_customers`` or ``months`` is not a positive integer, or a parameter is
        invalid.

    Notes
    -----
    Cost is linear in customers x months: about 4-5 s and 0.9 GB peak for a million
    customers over 24 months on a 2-core machine (``benchmarks/bench_generate.py``). ``truth`` is computed
    once per ``(params, months)`` and cached; its Monte-Carlo entries use a fixed seed,
    independent of ``seed``, so they describe the population, not this sample.

    Examples
    --------
    >>> w = generate(1000, seed=1, half_life=12.0)
    >>> w.params.half_life
    12.0
    >>> w.truth["delight_half_life"]
    12.0
    >>> r, c, e, t = generate(300, months=12, seed=2)
    >>> list(c.columns[:6])
    ['customer_id', 'segment', 'company', 'start', 'end', 'duration']
    """
    if seed is None:
        raise TypeError("generate() needs an explicit seed (int or numpy Generator), not None")
    if isinstance(seed, bool) or not isinstance(
        seed, numbers.Integral | np.random.SeedSequence | np.random.Generator
    ):
        raise TypeError(
            f"seed must be an int, numpy SeedSequence or Generator, got {type(seed).__name__}"
        )
    n = _positive_int(n_customers, "n_customers", upper=2**31 - 2)
    months = _positive_int(months, "months", upper=32_000)
    if params is None:
        params = WorldParams()
    elif not isinstance(params, WorldParams):
        raise TypeError(f"params must be a WorldParams, got {type(params).__name__}")
    if overrides:
        _check_names(overrides)
        params = params.replace(**overrides)
    rng = np.random.default_rng(seed)
    frames = _simulate(n, months, params, rng, frames=True)
    from .truth import compute_truth

    truth = compute_truth(params, months)
    seed_repr = seed if isinstance(seed, numbers.Integral) else repr(seed)
    return World(
        responses=frames["responses"],
        customers=frames["customers"],
        experiences=frames["experiences"],
        transactions=frames["transactions"],
        truth=truth,
        params=params,
        months=months,
        seed=seed_repr,
    )


def _positive_int(value: Any, name: str, *, upper: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ParameterError(f"{name} must be a positive integer, got {value!r}")
    v = int(value)
    if not 1 <= v <= upper:
        raise ParameterError(f"{name} must be between 1 and {upper}, got {v}")
    return v


# ----------------------------------------------------------------------------------------
# the engine
# ----------------------------------------------------------------------------------------
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


def _simulate(
    n: int, months: int, p: WorldParams, rng: np.random.Generator, *, frames: bool = True
) -> dict[str, Any]:
    """Run the world. ``frames=False`` skips the tables and the T4 / Top-of-Heart items and
    returns only aggregate counts (used for the Monte-Carlo truth)."""
    nc = p.n_companies
    offsets = p.company_offsets()
    # -- customers ---------------------------------------------------------------------
    seg_cut = np.cumsum(p.segment_probs)[:-1]
    segment = np.searchsorted(seg_cut, rng.random(n), side="right").astype(np.int8)
    company = rng.integers(0, nc, size=n, dtype=np.int8)
    start = rng.integers(0, months, size=n).astype(np.int16)
    u = rng.standard_normal(n, dtype=np.float32)
    u *= np.float32(p.sd_customer)
    # relationship survey at onboarding: the same grade process at the start month,
    # independent draws (the customer effect u is the customer's own, hence shared)
    ts = start.astype(np.float64)
    rel_shift = (offsets[company] * np.exp2(-ts / p.convergence_half_life)
                 + p.drift_per_year * ts / 12.0).astype(np.float32)
    rel = _Draw(rng, n, p, reward=p.reward_at(ts), penalty=p.penalty_at(ts), shift=rel_shift, u=u)
    rel_grade = rel.grade
    rel_recommend = _recommend(rng, rel_grade.astype(np.float32), p, rel.dstate == 2)
    del rel, rel_shift, ts
    band_eff = np.asarray(p.band_effect, dtype=np.float32)
    nps_cat = (rel_recommend >= 7).astype(np.int8) + (rel_recommend >= 9)
    base_eta = (np.float32(p.hazard_intercept) + band_eff[_band_codes(rel_grade)]
                + np.float32(p.hazard_grade_slope) * (rel_grade.astype(np.float32) - 8)
                + np.asarray(p.hazard_recommend_effect, dtype=np.float32)[nps_cat])
    log_value = rng.standard_normal(n) * p.value_sd_log
    monthly_value = p.value_mean * np.exp(log_value - p.value_sd_log**2 / 2)
    del log_value

    # -- state -------------------------------------------------------------------------
    alive = np.ones(n, dtype=bool)
    end = np.full(n, months, dtype=np.int16)
    k_unrec = np.zeros(n, dtype=np.int16)
    k_rec = np.zeros(n, dtype=np.int16)
    n_del = np.zeros(n, dtype=np.int16)
    G = np.zeros((n, months), dtype=np.int8)
    toff = np.zeros((n, months), dtype=np.float32) if frames else None
    adapt_pow = (p.adaptation ** np.arange(months + 1)).astype(np.float32)
    w_rec = p.normalized_recency_weights().astype(np.float32)
    w_t4 = np.ones(3, dtype=np.float32)
    bu, br = np.float32(p.beta_unrecovered), np.float32(p.beta_recovered)

    grade_counts = np.zeros((months, 11), dtype=np.int64)
    rec_counts = np.zeros((months, 11), dtype=np.int64)
    company_sum = np.zeros((months, nc), dtype=np.float64)
    company_n = np.zeros((months, nc), dtype=np.int64)
    resp_chunks: list[dict[str, np.ndarray]] = []
    exp_chunks: list[dict[str, np.ndarray]] = []

    for t in range(months):
        idx = np.flatnonzero(alive & (start <= t))
        m = idx.shape[0]
        if m == 0:
            continue
        comp_t = (offsets * 2.0 ** (-t / p.convergence_half_life)
                  + p.drift_per_year * t / 12.0).astype(np.float32)
        cidx = company[idx]
        prev_del = n_del[idx]
        reward = np.float32(p.reward_at(t)) * adapt_pow[prev_del]
        d = _Draw(rng, m, p, reward=reward, penalty=float(p.penalty_at(t)),
                  shift=comp_t[cidx], u=u[idx])
        grade = d.grade
        G[idx, t] = grade
        off = rng.random(m, dtype=np.float32)
        off *= np.float32(_TIME_SPREAD)
        if toff is not None:
            toff[idx, t] = off
        grade_counts[t] += np.bincount(grade, minlength=11)
        company_sum[t] += np.bincount(cidx, weights=grade, minlength=nc)
        company_n[t] += np.bincount(cidx, minlength=nc)
        present = d.dstate == 2

        # -- survey --------------------------------------------------------------------
        sp = np.flatnonzero(rng.random(m, dtype=np.float32) < p.p_survey)
        sidx = idx[sp]
        sstart = start[sidx]
        rec = _recommend(rng, _lagged_mean(G, sidx, sstart, t, w_rec), p, present[sp])
        rec_counts[t] += np.bincount(rec, minlength=11)
        if frames:
            baseline_ok = _lagged_mean(G, sidx, sstart, t, w_t4) >= 7
            peak = grade[sp] >= 9
            eta4 = (p.t4_intercept + p.t4_base * baseline_ok + p.t4_peak * peak
                    + p.t4_interaction * (baseline_ok & peak))
            feels = rng.random(sp.shape[0]) < 1.0 / (1.0 + np.exp(-eta4))
            toh = _toh(rng, sp.shape[0], p)
            unrec_s = d.unrec[sp]
            present_s = present[sp]
            p1_s = d.P1[sp]
            expectation = np.where(unrec_s, 0, np.where(present_s, 2, 1)).astype(np.int8)
            tier = np.where(unrec_s, 0, np.where(present_s, 3, np.where(p1_s >= 4, 2, 1)))
            failure = np.where(d.neg[sp], np.where(d.recovered[sp], 1, 2), 0).astype(np.int8)
            resp_chunks.append({
                "customer_id": (sidx + 1).astype(np.int32),
                "time": t + off[sp].astype(np.float64),
                "month": np.full(sp.shape[0], t, dtype=np.int16),
                "grade": grade[sp],
                "recommend": rec,
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
                "segment": segment[sidx],
                "company": cidx[sp],
                "n_prev_delights": prev_del[sp],
                "service_failure": failure,
            })
            # -- experiences: negatives, delights, then recoveries (time order) ------------
            neg_pos = np.flatnonzero(d.neg)
            del_pos = np.flatnonzero(present)
            rec_pos = np.flatnonzero(d.recovered)
            attr_neg = np.where(d.fail[0, neg_pos], np.where(d.fail[1, neg_pos], 2, 0), 1)
            attr_rec = np.where(d.fail[0, rec_pos], np.where(d.fail[1, rec_pos], 2, 0), 1)
            exp_chunks.append({
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
            })

        # -- update the customer state, then the switching hazard ------------------------
        n_del[idx] = prev_del + present
        ku = k_unrec[idx] + d.unrec
        kr = k_rec[idx] + d.recovered
        k_unrec[idx] = ku
        k_rec[idx] = kr
        eta = base_eta[idx] + bu * np.minimum(ku, 3) + br * np.minimum(kr, 3)
        h = -np.expm1(-np.exp(eta))
        sw = idx[rng.random(m, dtype=np.float32) < h]
        alive[sw] = False
        end[sw] = t + 1
        del d

    negatives = k_unrec + k_rec
    intent = np.asarray(p.intent_by_negatives, dtype=float)
    considering = rng.random(n) < intent[np.minimum(negatives, 3)]
    if p.p_considerer_switches > 0:
        # intent turns into behaviour at the end of the simulation (S3 false); the draw is
        # only made when asked for, so default worlds keep their random stream
        acts = alive & considering & (rng.random(n) < p.p_considerer_switches)
        alive[acts] = False
    stats = {
        "grade_counts": grade_counts,
        "rec_counts": rec_counts,
        "company_sum": company_sum,
        "company_n": company_n,
    }
    if not frames:
        return stats

    switched = ~alive
    duration = (end - start).astype(np.int16)
    ids = np.arange(1, n + 1, dtype=np.int32)
    seg_cat = pd.Categorical.from_codes(segment, categories=list(SEGMENTS))
    companies = [f"C{i + 1}" for i in range(nc)]
    customers = pd.DataFrame({
        "customer_id": ids,
        "segment": seg_cat,
        "company": pd.Categorical.from_codes(company, categories=companies),
        "start": start,
        "end": end,
        "duration": duration,
        "switched": switched,
        "grade": rel_grade,
        "recommend": rel_recommend,
        "negatives": negatives.astype(np.int16),
        "unrecovered_negatives": k_unrec,
        "recovered_negatives": k_rec,
        "delights": n_del,
        "considering_switch": considering,
        "monthly_value": monthly_value,
    })

    # transactions, customer-major, straight from the (customer, month) matrices
    tt = np.arange(months, dtype=np.int16)
    mask = (tt >= start[:, None]) & (tt < end[:, None])
    if toff is None:  # pragma: no cover - frames=True always allocates it
        raise RuntimeError("transaction times were not kept")
    tx_month = np.broadcast_to(tt, (n, months))[mask]
    transactions = pd.DataFrame({
        "customer_id": np.repeat(ids, duration),
        "time": tx_month + toff[mask].astype(np.float64),
        "month": tx_month,
        "grade": G[mask],
    })
    del mask, toff, G

    responses = _frame_from_chunks(resp_chunks, {
        "expectation": (EXPECTATIONS, True),
        "tier": (TIERS, True),
        "segment": (SEGMENTS, False),
        "company": (tuple(companies), False),
        "service_failure": (SERVICE_FAILURES, True),
    })
    experiences = _frame_from_chunks(exp_chunks, {
        "kind": (EXPERIENCE_KINDS, False),
        "attribute": (ATTRIBUTES, False),
    })
    return {"responses": responses, "customers": customers, "experiences": experiences,
            "transactions": transactions, **stats}


def _frame_from_chunks(
    chunks: list[dict[str, np.ndarray]],
    categoricals: dict[str, tuple[tuple[str, ...], bool]],
) -> pd.DataFrame:
    """Concatenate month-ordered chunks and sort stably by customer (so by customer, time)."""
    if not chunks:
        raise RuntimeError("no transactions were simulated")  # pragma: no cover
    cols = list(chunks[0])
    cust = np.concatenate([c["customer_id"] for c in chunks])
    order = np.argsort(cust, kind="stable")
    data: dict[str, Any] = {"customer_id": cust[order]}
    del cust
    for col in cols[1:]:
        arr = np.concatenate([c[col] for c in chunks])[order]
        if col in categoricals:
            cats, ordered = categoricals[col]
            data[col] = pd.Categorical.from_codes(arr, categories=list(cats), ordered=ordered)
        else:
            data[col] = arr
        for c in chunks:
            del c[col]
    return pd.DataFrame(data)
