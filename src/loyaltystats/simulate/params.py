"""Parameters of the simulated world, and the switches that make a claim true or false.

Every number the generator uses lives in :class:`WorldParams`; nothing is hidden in the
code. The claim switches (:func:`world_where_false`, :func:`claims_true_overrides`) are
plain dictionaries of :class:`WorldParams` field names, so they can be passed as
``generate(n, seed=..., **world_where_false("T1"))``.

Examples
--------
>>> from loyaltystats.simulate import WorldParams, world_where_false
>>> WorldParams().half_life
6.0
>>> world_where_false("K3")
{'adaptation': 1.0}
>>> WorldParams().claims_false("K3").adaptation
1.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from ..errors import ParameterError

__all__ = [
    "WorldParams",
    "CLAIMS_FALSE",
    "CLAIMS_TRUE",
    "world_where_false",
    "claims_true_overrides",
]

_DEFAULT_HAZARD_INTERCEPT = math.log(-math.log(1.0 - 0.02))  # 2% per month


@dataclass(frozen=True)
class WorldParams:
    """All parameters of the simulated customer world (frozen; hashable).

    Calendar months are ``t = 0 .. months-1``. Each parameter names the claim (the
    claims page of the docs) it drives. Use :meth:`replace` or ``generate(..., name=value)`` to change
    one; :func:`world_where_false` gives the overrides that make a claim false.

    Parameters
    ----------
    segment_probs : tuple of 3 float, default (0.5, 0.3, 0.2)
        Shares of the customer segments "A", "B", "C". Segments are labels only: no effect
        on any outcome (so a by-segment analysis must find no differences).
    n_companies : int, default 5
        Number of brands "C1".."Cn", assigned uniformly. (M1)
    company_spread : float, default 0.6
        Company grade offsets are ``linspace(-company_spread, company_spread, n_companies)``
        at month 0. (M1)
    convergence_half_life : float, default 24.0
        The company offsets shrink as ``2**(-t / convergence_half_life)``: differences
        between companies halve every 24 months. (M1: "differences shrink")
    drift_per_year : float, default 0.6
        Market-wide improvement added to every grade: ``drift_per_year * t / 12``. (M1:
        "the top keeps rising".) The brief suggested 0.15; 0.6 is used because the delighter
        life cycle (K2) lowers every company by about 0.3 grade points a year (the reward of
        D1 fades and its absence starts to hurt), so with 0.15 the top company would fall.
    p_fail : float, default 0.08
        Probability that each basic attribute (B1, B2) fails in a transaction. A failed
        basic is rated 1 or 2 (uniformly); a transaction with any failed basic is a
        negative experience. (K1, S1, S2)
    ok_basic_probs : tuple of 3 float, default (0.15, 0.35, 0.50)
        Rating distribution of a basic that did not fail over 3, 4, 5. The rating of a
        working basic has no effect on the grade: basics only hurt when missing. (K1, T2)
    p_recover : float, default 0.4
        Probability that a negative experience is recovered. (S2)
    basic_penalty : float, default -2.5
        Grade effect of each failed basic. (K1, T1, T3)
    recovery_strength : float, default 0.6
        A recovered negative gives back ``recovery_strength * |basic penalty|``: 0.6 leaves
        a recovered failure at -1.0 (no recovery paradox on satisfaction); values above 1
        make the paradox true on satisfaction. (S2)
    perf_slope : float, default 0.3
        Linear grade effect of the performance attribute P1 (uniform 1-5):
        ``perf_slope * (P1 - 3)``. (K1, T3)
    p_delight : float, default 0.15
        Probability that the delight attribute D1 is present (rated 4 or 5). (K1, K2, K3,
        T1, T3)
    p_delight_partial : float, default 0.35
        Probability that D1 is partially present (rated 3, no effect); otherwise D1 is
        absent (rated 1 or 2).
    r0 : float, default 1.4
        Reward of a present delight at calendar month 0. Together with ``grade_base`` it
        puts "exceeded" at about 9.2 at month 0. (T1, K2)
    r_inf : float, default 0.0
        Reward of a present delight in the long run. (K2)
    half_life : float, default 6.0
        Half-life, in months, of the delight life cycle:
        ``reward(t) = r_inf + (r0 - r_inf) * 2**(-t / half_life)`` and
        ``penalty(t) = pen_inf * (1 - 2**(-t / half_life))``. (K2: a delighter today is a
        basic "six months later")
    pen_inf : float, default -1.0
        Long-run penalty of an absent delight (D1 rated 1-2); partial D1 has no effect. (K2)
    adaptation : float, default 0.7
        The reward of a present delight is multiplied by ``adaptation ** k`` where ``k`` is
        the number of the customer's previous delights; 1.0 switches adaptation off. (K3)
    sd_customer : float, default 0.5
        Standard deviation of the customer random effect ``u_i``, shared by all of the
        customer's grades (transactions and the relationship survey).
    sd_noise : float, default 0.6
        Standard deviation of the per-grade noise.
    grade_base : float, default 8.0
        Latent grade of a transaction with working basics, P1 = 3, partial D1, an average
        company at month 0: "meeting expectations earns an 8". (T1, T2)
    recency_weights : tuple of float, default (0.55, 0.25, 0.12, 0.08)
        Weights of the customer's current and previous transaction grades in the recommend
        score (most recent first); normalized to sum 1, renormalized over the grades that
        exist for customers with a shorter history. (N2)
    rec_intercept, rec_slope, rec_sd : float, default 0.0, 1.0, 1.2
        Recommend 0-10 = ``clip(round(rec_intercept + rec_slope * weighted grade +
        N(0, rec_sd)), 0, 10)``. The defaults give a population NPS of about +25 over 24
        months (see ``truth["nps"]``). (N1, N2, N3)
    t4_intercept, t4_base, t4_peak, t4_interaction : float, default -2.0, 0.8, 0.8, 1.5
        ``P(feels_first) = logistic(t4_intercept + t4_base * baseline_ok + t4_peak * peak
        + t4_interaction * baseline_ok * peak)``, with ``baseline_ok``: the mean of the
        customer's last three transaction grades (the current one included; fewer if the
        history is shorter) is at least 7, and ``peak``: the current grade is 9 or 10.
        ``t4_interaction = 0`` makes the interaction claim false. (T4)
    toh_gating : bool, default True
        Top-of-Heart pyramid: if True a level (trust, satisfaction, loyalty) is high with
        ``toh_p_high_given_high`` when the level below is high and
        ``toh_p_high_given_low`` when it is low; if False every level is high with
        probability 0.5 independently. High levels are rated 4-5, low levels 1-3,
        uniformly. (P1)
    toh_p_relevance_high : float, default 0.6
        Probability that relevance (the bottom level) is high when gating is on. (P1)
    toh_p_high_given_high, toh_p_high_given_low : float, default 0.8, 0.2
        Conditional probabilities of the gating. (P1)
    p_survey : float, default 0.25
        Probability that a transaction is surveyed (one row of ``responses``). (N1, N2)
    hazard_intercept : float, default log(-log(0.98)) = -3.902
        Complementary log-log intercept of the monthly switching hazard: 2% a month with
        no negatives and a zero band effect. (S1, S2, T5, V1, N3)
    beta_unrecovered : float, default 0.7
        Hazard effect (cloglog scale) of each unrecovered negative so far, capped at 3. (S1)
    beta_recovered : float, default 0.15
        Hazard effect of each recovered negative so far, capped at 3. (S2: recovered is
        much better than unrecovered, but still worse than no failure, as in de Matos et
        al. 2007 for repurchase)
    band_effect : tuple of 4 float, default (0.5, 0.25, 0.2, -0.9)
        Hazard effect of the relationship grade's band (``<=6``, ``7``, ``8``, ``9-10``):
        retention jumps only at the top. (T5, N3, V1)
    hazard_grade_slope : float, default 0.0
        Hazard effect per grade point of the relationship grade, ``slope * (grade - 8)``.
        A linear world sets ``band_effect`` to zeros and this to -0.35; the T5-false world
        instead puts the whole jump at 7 (``band_effect=(0.9, 0, 0, 0)``). (T5)
    intent_by_negatives : tuple of 4 float, default (0.10, 0.50, 0.80, 0.90)
        ``P(considering_switch | negatives = 0, 1, 2, 3+)``, where ``negatives`` counts the
        customer's negative experiences while observed. The defaults follow Zendesk CX
        Trends 2020: about 50% after one bad experience, 80% after several. The article's
        57% / 78% figure (S1) has no traceable primary source and is deliberately NOT the
        default truth (the claims page: treat it as a hypothesis): with enough data the default
        world contradicts S1; ``claims_true_overrides("S1")`` sets (0.10, 0.57, 0.78, 0.90).
        Intent does not change behaviour: switching depends on the negatives only. (S1, S3)
    hazard_recommend_effect : tuple of 3 float, default (0.0, 0.0, 0.0)
        Hazard effect (cloglog scale) of the NPS category of the customer's onboarding
        recommend score (detractor 0-6, passive 7-8, promoter 9-10). Zero by default: the
        recommend score tells about switching only through the grade it echoes. A world where
        NPS *is* loyalty (N3 false) sets a strong gradient. (N3)
    rec_delight_effect : float, default 0.0
        Added to the latent recommend score when the delight attribute D1 is present in the
        rated transaction (and in the onboarding survey): delight drives recommendation
        directly, beyond the grade. With ``rec_slope`` lowered, satisfaction (the grade) and
        loyalty (recommend) then have different drivers. (P2)
    p_considerer_switches : float, default 0.0
        Probability that a customer who considers switching and is still a customer at the end
        of the simulation switches then (``switched`` becomes True, ``end`` stays ``months``).
        Zero by default: considering a switch is not switching (S3 true); close to 1 makes
        intent nearly always turn into behaviour (S3 false). (S3)
    effort_probs : tuple of 7 float, default (0.2, 0.2, 0.16, 0.14, 0.12, 0.1, 0.08)
        Distribution of the customer's Customer Effort Score at onboarding (1-7, 7 = very
        high effort), the ``effort`` column of ``customers``. Drawn from a generator of its
        own (spawned from the world's), so adding it left every other draw unchanged. (E1, E2)
    p_onboarding_delight : float, default 0.2
        Probability of a wow moment at onboarding (``customers.delighted``; own generator,
        like the effort). (E1)
    hazard_effort_effect : tuple of 3 float, default (0.0, 0.0, 0.0)
        Hazard effect (cloglog scale) of low (CES 1-3), neutral (4) and high (5-7) effort.
        Zero by default: effort tells nothing about switching. (E1, E2)
    hazard_delight_effect : float, default 0.0
        Hazard effect of the onboarding wow moment (negative: a delighted customer stays
        longer). (E1)
    grade_effort_slope : float, default 0.0
        Shift of the onboarding grade per CES point above 4 (negative: effort costs
        satisfaction). (E2)
    value_mean : float, default 30.0
        Mean monthly value of a customer (lognormal). (V1)
    value_sd_log : float, default 0.5
        Standard deviation of the log monthly value. (V1)

    Examples
    --------
    >>> p = WorldParams(half_life=12.0)
    >>> p.half_life, p.r0
    (12.0, 1.4)
    >>> round(p.reward_at(12), 3)
    0.7
    """

    # customers and market (M1)
    segment_probs: tuple[float, float, float] = (0.5, 0.3, 0.2)
    n_companies: int = 5
    company_spread: float = 0.6
    convergence_half_life: float = 24.0
    drift_per_year: float = 0.6
    # basics (K1, S2, T2)
    p_fail: float = 0.08
    ok_basic_probs: tuple[float, float, float] = (0.15, 0.35, 0.50)
    p_recover: float = 0.4
    basic_penalty: float = -2.5
    recovery_strength: float = 0.6
    # performance (K1)
    perf_slope: float = 0.3
    # delight (K1, K2, K3)
    p_delight: float = 0.15
    p_delight_partial: float = 0.35
    r0: float = 1.4
    r_inf: float = 0.0
    half_life: float = 6.0
    pen_inf: float = -1.0
    adaptation: float = 0.7
    # grade
    sd_customer: float = 0.5
    sd_noise: float = 0.6
    grade_base: float = 8.0
    # recommend (N2)
    recency_weights: tuple[float, ...] = (0.55, 0.25, 0.12, 0.08)
    rec_intercept: float = 0.0
    rec_slope: float = 1.0
    rec_sd: float = 1.2
    # moments of truth (T4)
    t4_intercept: float = -2.0
    t4_base: float = 0.8
    t4_peak: float = 0.8
    t4_interaction: float = 1.5
    # Top-of-Heart (P1)
    toh_gating: bool = True
    toh_p_relevance_high: float = 0.6
    toh_p_high_given_high: float = 0.8
    toh_p_high_given_low: float = 0.2
    # surveys
    p_survey: float = 0.25
    # switching (S1, S2, T5, V1, N3)
    hazard_intercept: float = _DEFAULT_HAZARD_INTERCEPT
    beta_unrecovered: float = 0.7
    beta_recovered: float = 0.15
    band_effect: tuple[float, float, float, float] = (0.5, 0.25, 0.2, -0.9)
    hazard_grade_slope: float = 0.0
    intent_by_negatives: tuple[float, float, float, float] = (0.10, 0.50, 0.80, 0.90)
    hazard_recommend_effect: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rec_delight_effect: float = 0.0
    p_considerer_switches: float = 0.0
    # effort (E1, E2): drawn from a generator of their own, so zero effects change nothing
    effort_probs: tuple[float, ...] = (0.2, 0.2, 0.16, 0.14, 0.12, 0.1, 0.08)
    p_onboarding_delight: float = 0.2
    hazard_effort_effect: tuple[float, float, float] = (0.0, 0.0, 0.0)
    hazard_delight_effect: float = 0.0
    grade_effort_slope: float = 0.0
    # value (V1)
    value_mean: float = 30.0
    value_sd_log: float = 0.5

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, list | np.ndarray):
                object.__setattr__(self, f.name, tuple(float(x) for x in v))
        probs = [
            "p_fail", "p_recover", "p_delight", "p_delight_partial", "p_survey",
            "toh_p_relevance_high", "toh_p_high_given_high", "toh_p_high_given_low",
            "p_considerer_switches", "p_onboarding_delight",
        ]
        for name in probs:
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0.0 <= v <= 1.0):
                raise ParameterError(f"WorldParams.{name} must be a probability in [0, 1], got {v!r}")
        if self.p_delight + self.p_delight_partial > 1.0:
            raise ParameterError(
                "WorldParams.p_delight + p_delight_partial must be at most 1, got "
                f"{self.p_delight} + {self.p_delight_partial}"
            )
        for name, length in (("segment_probs", 3), ("ok_basic_probs", 3), ("effort_probs", 7)):
            v = getattr(self, name)
            if len(v) != length or min(v) < 0 or not math.isclose(sum(v), 1.0, abs_tol=1e-9):
                raise ParameterError(
                    f"WorldParams.{name} must be {length} non-negative probabilities summing "
                    f"to 1, got {v!r}"
                )
        if len(self.band_effect) != 4:
            raise ParameterError(
                "WorldParams.band_effect needs 4 values (bands <=6, 7, 8, 9-10), "
                f"got {self.band_effect!r}"
            )
        if len(self.hazard_effort_effect) != 3:
            raise ParameterError(
                "WorldParams.hazard_effort_effect needs 3 values (low, neutral, high effort), "
                f"got {self.hazard_effort_effect!r}"
            )
        if len(self.hazard_recommend_effect) != 3:
            raise ParameterError(
                "WorldParams.hazard_recommend_effect needs 3 values (detractor, passive, "
                f"promoter), got {self.hazard_recommend_effect!r}"
            )
        iv = self.intent_by_negatives
        if len(iv) != 4 or not all(0.0 <= x <= 1.0 for x in iv):
            raise ParameterError(
                "WorldParams.intent_by_negatives needs 4 probabilities (0, 1, 2, 3+ "
                f"negatives), got {iv!r}"
            )
        w = self.recency_weights
        if len(w) < 1 or min(w) < 0 or w[0] <= 0:
            raise ParameterError(
                "WorldParams.recency_weights must be non-negative with a positive first "
                f"weight, got {w!r}"
            )
        if not (isinstance(self.n_companies, int) and 1 <= self.n_companies <= 100):
            raise ParameterError(f"WorldParams.n_companies must be an int in 1..100, got {self.n_companies!r}")
        positive = ["convergence_half_life", "half_life", "value_mean"]
        for name in positive:
            if not getattr(self, name) > 0:
                raise ParameterError(f"WorldParams.{name} must be positive, got {getattr(self, name)!r}")
        non_negative = ["sd_customer", "sd_noise", "rec_sd", "value_sd_log", "adaptation"]
        for name in non_negative:
            if not getattr(self, name) >= 0:
                raise ParameterError(f"WorldParams.{name} must be >= 0, got {getattr(self, name)!r}")
        for f in fields(self):
            v = getattr(self, f.name)
            vals = v if isinstance(v, tuple) else (v,)
            if not all(isinstance(x, bool | int | float) and math.isfinite(x) for x in vals):
                raise ParameterError(f"WorldParams.{f.name} must be finite numbers, got {v!r}")

    # -- derived quantities -------------------------------------------------------------
    def reward_at(self, t: float | np.ndarray) -> float | np.ndarray:
        """Reward of a present delight (no previous delights) at calendar month ``t`` (K2).

        Examples
        --------
        >>> WorldParams().reward_at(0)
        1.4
        """
        if isinstance(t, np.ndarray):
            return self.r_inf + (self.r0 - self.r_inf) * np.exp2(-t.astype(float) / self.half_life)
        return self.r_inf + (self.r0 - self.r_inf) * 2.0 ** (-float(t) / self.half_life)

    def penalty_at(self, t: float | np.ndarray) -> float | np.ndarray:
        """Penalty of an absent delight at calendar month ``t`` (K2).

        Examples
        --------
        >>> WorldParams().penalty_at(6)
        -0.5
        """
        if isinstance(t, np.ndarray):
            return self.pen_inf * (1.0 - np.exp2(-t.astype(float) / self.half_life))
        return self.pen_inf * (1.0 - 2.0 ** (-float(t) / self.half_life))

    def company_offsets(self) -> np.ndarray:
        """Company grade offsets at month 0, ``C1`` first (M1)."""
        if self.n_companies == 1:
            return np.zeros(1)
        return np.linspace(-self.company_spread, self.company_spread, self.n_companies)

    def normalized_recency_weights(self) -> np.ndarray:
        """``recency_weights`` divided by their sum (most recent first)."""
        w = np.asarray(self.recency_weights, dtype=float)
        return w / w.sum()

    def replace(self, **changes: Any) -> WorldParams:
        """A copy with some fields changed; unknown names raise :class:`TypeError`.

        Examples
        --------
        >>> WorldParams().replace(adaptation=1.0).adaptation
        1.0
        """
        _check_names(changes)
        return replace(self, **changes)

    def claims_false(self, *claim_ids: str) -> WorldParams:
        """A copy in which each of the given claims is false (see :func:`world_where_false`).

        Examples
        --------
        >>> WorldParams().claims_false("T4", "P1").t4_interaction
        0.0
        """
        changes: dict[str, Any] = {}
        for cid in claim_ids:
            changes.update(world_where_false(cid))
        return self.replace(**changes)

    def claims_true(self, *claim_ids: str) -> WorldParams:
        """A copy in which each of the given claims is true (see :func:`claims_true_overrides`).

        Examples
        --------
        >>> WorldParams().claims_true("S1").intent_by_negatives
        (0.1, 0.57, 0.78, 0.9)
        """
        return self.replace(**claims_true_overrides(*claim_ids))


def _check_names(changes: Mapping[str, Any]) -> None:
    known = {f.name for f in fields(WorldParams)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise TypeError(
            f"unknown WorldParams field(s): {', '.join(unknown)}; "
            f"valid names are: {', '.join(sorted(known))}"
        )


_DEFAULTS = WorldParams()

CLAIMS_FALSE: dict[str, dict[str, Any]] = {
    # exceeding expectations earns a median 8, not 9+, in every month: a small delight
    # reward (0.2) in a stable world (a larger one with drift pushes the pooled median to 9)
    "T1": {"r0": 0.2, "half_life": 1e9, "adaptation": 1.0, "drift_per_year": 0.0},
    # perfectly executed basics alone reach about 8.8, above the 8.5 ceiling
    "T2": {"grade_base": 8.8},
    # satisfied is loyal: retention jumps at 7 (every grade of 7+ lowers the hazard alike),
    # not at the top. (A linear world has a tiny, arbitrary best step: no clear falsehood.)
    "T5": {"band_effect": (0.9, 0.0, 0.0, 0.0), "hazard_grade_slope": 0.0},
    # intent after 1 / 2 negatives far from 57% / 78%
    "S1": {"intent_by_negatives": (0.10, 0.30, 0.40, 0.50)},
    # putting it right changes nothing: neither satisfaction nor retention
    "S2": {"recovery_strength": 0.0, "beta_recovered": _DEFAULTS.beta_unrecovered},
    # no delighter life cycle: the reward stays, absence never hurts
    "K2": {"half_life": 1e9},
    # no adaptation to repeated delight
    "K3": {"adaptation": 1.0},
    # recommend weighs the last four transactions equally
    "N2": {"recency_weights": (0.25, 0.25, 0.25, 0.25)},
    # baseline and peak add up on the logit scale, no interaction
    "T4": {"t4_interaction": 0.0},
    # no gating in the Top-of-Heart pyramid
    "P1": {"toh_gating": False},
    # companies do not converge and the market does not improve
    "M1": {"convergence_half_life": 1e9, "drift_per_year": 0.0},
    # the delighter keeps its meaning: no life cycle, D1 stays a delighter in every year
    "K4": {"half_life": 1e9},
    # intent turns into behaviour: 95% of those considering a switch and still customers at
    # the end of the study switch then
    "S3": {"p_considerer_switches": 0.95},
    # the relationship grade does not change switching: lifetimes equal in every band
    "V1": {"band_effect": (0.0, 0.0, 0.0, 0.0), "hazard_grade_slope": 0.0},
    # the onboarding NPS category drives switching directly (cloglog hazard effects of
    # detractor, passive, promoter), on top of the grade band it echoes
    "N3": {"hazard_recommend_effect": (1.5, 0.0, -1.5)},
}
"""Overrides (``WorldParams`` field -> value) that make each claim false."""

CLAIMS_TRUE: dict[str, dict[str, Any]] = {
    # T1 at every calendar month, not only early on: no delighter life cycle, no drift
    "T1": {"half_life": 1e9, "adaptation": 1.0, "drift_per_year": 0.0},
    # perfect basics without delight stay near 8 over the whole study: no market drift
    "T2": {"drift_per_year": 0.0},
    # recommend mostly reflects the last transaction: weight 0.7 on it, 0.2 above 1/2
    "N2": {"recency_weights": (0.7, 0.15, 0.1, 0.05)},
    # satisfaction and loyalty have different drivers: recommend gets +1.5 when the delight
    # D1 is present and echoes the grade with a lower slope; the intercept keeps its mean
    # (8.0) and the NPS (+24) about where the default world has them
    "P2": {"rec_delight_effect": 1.5, "rec_slope": 0.6, "rec_intercept": 3.0},
    # delighters stay delighters over the study: no life cycle (pooled over 24 months the
    # default D1 is must-be)
    "K1": {"half_life": 1e9},
    # the article's figure, not the default truth
    "S1": {"intent_by_negatives": (0.10, 0.57, 0.78, 0.90)},
    # the recovery paradox on satisfaction and on retention
    "S2": {"recovery_strength": 1.2, "beta_recovered": -0.15},
    # a fulfilled basic need earns 6-7, easy 8, enjoyable 9 (medians 6 / 8 / 9): a lower
    # base, a steeper performance effect, a larger and lasting delight reward. It makes T1
    # false ("met" earns 7, not 8): the two articles' scales disagree.
    "T3": {"grade_base": 7.2, "perf_slope": 0.7, "r0": 2.0, "half_life": 1e9,
           "adaptation": 1.0, "drift_per_year": 0.0},
}
"""Overrides that make a claim true where the default world does not (S1, S2, T3), or not
everywhere (T1: by default true at month 0, fading as the delighter becomes a basic)."""


def world_where_false(claim_id: str) -> dict[str, Any]:
    """Overrides of :class:`WorldParams` under which claim ``claim_id`` is false.

    Parameters
    ----------
    claim_id : str
        One of the keys of :data:`CLAIMS_FALSE` (every claim but those false in the default
        world, T3, K1 and P2, and the descriptive N1).

    Returns
    -------
    dict
        Field name -> value; pass as ``generate(n, seed=..., **overrides)``.

    Examples
    --------
    >>> world_where_false("S1")
    {'intent_by_negatives': (0.1, 0.3, 0.4, 0.5)}
    """
    key = str(claim_id).upper()
    if key not in CLAIMS_FALSE:
        raise ParameterError(
            f"no false world for claim {claim_id!r}; known: {', '.join(sorted(CLAIMS_FALSE))}"
        )
    return dict(CLAIMS_FALSE[key])


def claims_true_overrides(*claim_ids: str) -> dict[str, Any]:
    """Overrides under which claims that are false by default become true.

    Parameters
    ----------
    *claim_ids : str
        Claims to make true; default ``("S1",)``: intent 57% after one negative and 78%
        after two (the article's figure). ``"S2"`` gives the recovery paradox; ``"T1"``
        keeps "met" at 8 and "exceeded" at 9+ in every month (no delighter decay, no
        adaptation, no market drift); ``"T3"`` puts the tiers meets needs / easy /
        enjoyable at medians 6 / 8 / 9 (and so makes T1 false: "met" earns 7).

    Returns
    -------
    dict
        Field name -> value.

    Examples
    --------
    >>> claims_true_overrides()
    {'intent_by_negatives': (0.1, 0.57, 0.78, 0.9)}
    """
    out: dict[str, Any] = {}
    for cid in claim_ids or ("S1",):
        key = str(cid).upper()
        if key not in CLAIMS_TRUE:
            raise ParameterError(
                f"claim {cid!r} is already true in the default world or has no switch; "
                f"switches exist for: {', '.join(sorted(CLAIMS_TRUE))}"
            )
        out.update(CLAIMS_TRUE[key])
    return out
