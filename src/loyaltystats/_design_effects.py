"""``effect=`` of a simulated claim in the claim's own terms, mapped onto its world.

For a simulated claim, :func:`loyaltystats.design.power` takes ``effect`` as the population
value of the quantity the claim is judged on (a share, a hazard ratio, a weight...), as
:mod:`loyaltystats.simulate.estimands` defines it. This module turns that value into
:class:`~loyaltystats.simulate.WorldParams` overrides: the claim's true world (its validity
world, unchanged) with one parameter moved so that the term's truth equals ``effect``, by a
closed-form inverse where the truth is a closed form of the parameter, and by root finding on
:meth:`ClaimSpec.truth` otherwise. S1 keeps the closed form's meaning (true minus claimed
share, at both levels). Claims whose world has no single parameter for their quantity raise
:class:`~loyaltystats.errors.ParameterError`.

Examples
--------
>>> from loyaltystats._design_effects import effect_world
>>> effect_world("T4", 0.5)
{'t4_interaction': 0.5}
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError

__all__ = ["EffectMap", "EFFECTS", "NO_EFFECT", "effect_world", "default_effect"]


@dataclass(frozen=True)
class EffectMap:
    """How ``effect`` of one claim maps onto its world.

    Attributes
    ----------
    claim_id : str
    term : str
        The deciding term ``effect`` is the truth of ("" for S1: a shift of both shares).
    meaning, unit : str
        What ``effect`` is, in the claim's words, and its unit.
    parameter : str
        The world parameter that moves (everything else is the claim's true world).
    overrides : callable
        ``x -> {field: value}``: the overrides for parameter value ``x``.
    inverse : callable or None
        ``effect -> x`` in closed form; ``None``: root finding of the truth over ``bracket``.
    bracket : (float, float)
        Where ``x`` may lie (root finding) or the allowed range of ``effect`` (closed form).
    """

    claim_id: str
    term: str
    meaning: str
    unit: str
    parameter: str
    overrides: Callable[[float], dict[str, Any]]
    inverse: Callable[[float], float] | None
    bracket: tuple[float, float]


_BAND = (0.5, 0.25, 0.2, -0.9)           # WorldParams().band_effect
_N2_REST = (0.15, 0.1, 0.05)             # N2's true world: (0.7, 0.15, 0.1, 0.05)

EFFECTS: dict[str, EffectMap] = {m.claim_id: m for m in (
    EffectMap("S1", "", "true minus claimed share considering a switch, at both levels: "
              "P(consider | 1 negative) = 0.57 + effect, P(consider | 2) = 0.78 + effect",
              "share (-0.07: 0.50 against the claimed 0.57)", "intent_by_negatives[1:3]",
              lambda x: {"intent_by_negatives": (0.10, 0.57 + x, 0.78 + x, 0.90)},
              lambda e: e, (-0.56, 0.21)),
    EffectMap("S2", "hr[recovered vs unrecovered]", "hazard ratio of switching, recovered vs "
              "unrecovered negative experience", "hazard ratio", "beta_recovered",
              lambda x: {"beta_recovered": x}, lambda e: 0.7 + math.log(e), (1e-3, 20.0)),
    EffectMap("S3", "conversion[all]", "share of customers considering a switch who switch",
              "share", "p_considerer_switches",
              lambda x: {"p_considerer_switches": x}, None, (0.0, 1.0)),
    EffectMap("V1", "rmst_difference[9-10 - <=6]", "12-month restricted mean lifetime of "
              "grades 9-10 minus grades <= 6", "months", "band_effect (scaled)",
              lambda x: {"band_effect": tuple(x * b for b in _BAND)}, None, (0.0, 6.0)),
    EffectMap("T4", "interaction (log-odds)", "interaction of baseline and peak on the "
              "log-odds of feeling first", "log-odds", "t4_interaction",
              lambda x: {"t4_interaction": x}, lambda e: e, (-10.0, 10.0)),
    EffectMap("T5", "jump", "jump in the log-odds of 12-month retention at the best "
              "breakpoint of the grade", "log-odds", "band_effect[3] (top band)",
              lambda x: {"band_effect": (*_BAND[:3], x)}, None, (-4.0, 0.2)),
    EffectMap("K2", "decay_rate", "monthly decay rate of the delighter's reward "
              "(log 2 / half-life)", "per month", "half_life",
              lambda x: {"half_life": x}, lambda e: math.log(2) / e, (1e-6, 5.0)),
    EffectMap("K3", "adaptation", "factor multiplying a delight's reward per previous "
              "delight", "factor", "adaptation",
              lambda x: {"adaptation": x}, lambda e: e, (0.0, 1.0)),
    EffectMap("N2", "weight_lag1", "weight of the last transaction in the recommend score",
              "weight", "recency_weights",
              lambda x: {"recency_weights": (x, *(r * (1 - x) / 0.3 for r in _N2_REST))},
              lambda e: e, (0.0, 1.0)),
    EffectMap("P1", "difference[relevance -> trust]", "P(level high | level below high) "
              "minus P(level high | level below low), at every step of the pyramid",
              "probability difference", "toh_p_high_given_high / _low",
              lambda x: {"toh_p_high_given_high": 0.5 + x / 2,
                         "toh_p_high_given_low": 0.5 - x / 2}, lambda e: e, (-1.0, 1.0)),
)}

NO_EFFECT: dict[str, str] = {
    "T1": "two medians of whole grades; no single parameter sets them",
    "T2": "the predicted mean is computed on the reference world (several seconds); "
          "grade_base shifts it but not one for one (rounding, clipping)",
    "T3": "three medians of whole grades; no single parameter sets them",
    "K1": "four category shares of four attributes",
    "K4": "the asymmetry change comes from the delighter life cycle through the "
          "reference world; half_life moves it only indirectly",
    "M1": "two quantities (top change, spread change) driven by two parameters",
    "N3": "its true world has no NPS effect on switching; the C-index difference is "
          "computed on the reference world",
    "P2": "the share difference is computed on the reference world (about 16 s) from "
          "three recommend parameters",
    "E1": "effort and delight effects are two separate hazard parameters",
    "E2": "three C-index differences from a three-level effort effect",
}


def _spec(claim_id: str) -> Any:
    from .simulate.estimands import get_spec

    return get_spec(claim_id)


def _truth(claim_id: str, overrides: dict[str, Any], term: str) -> float:
    spec = _spec(claim_id)
    return spec.truth(spec.params("true").replace(**overrides))[term]


def default_effect(claim_id: str) -> float:
    """The value of ``effect`` in the claim's true world (what ``effect=None`` means).

    Examples
    --------
    >>> default_effect("K3"), default_effect("S1")
    (0.7, 0.0)
    """
    m = _map(claim_id)
    if m.claim_id == "S1":
        return 0.0
    return float(_truth(m.claim_id, {}, m.term))


def _map(claim_id: str) -> EffectMap:
    cid = str(claim_id).upper()
    if cid in EFFECTS:
        return EFFECTS[cid]
    why = NO_EFFECT.get(cid, "its world has no single parameter for the claim's quantity")
    raise ParameterError(f"{cid}: effect= is not defined ({why}); claims that accept it: "
                         f"S1 and N1 (closed forms) and, simulated, {sorted(EFFECTS)}")


def _solve(m: EffectMap, effect: float) -> float:
    """The parameter value whose truth is ``effect`` (bisection-safe Brent on the bracket)."""
    from scipy import optimize

    def f(x: float) -> float:
        return _truth(m.claim_id, m.overrides(x), m.term) - effect

    lo, hi = m.bracket
    f_lo, f_hi = f(lo), f(hi)
    if f_lo * f_hi > 0:
        a, b = sorted((f_lo + effect, f_hi + effect))
        raise ParameterError(f"{m.claim_id}: effect {effect!r} ({m.unit}) is outside what "
                             f"{m.parameter} can reach in its world: [{a:.4g}, {b:.4g}]")
    return float(optimize.brentq(f, lo, hi, xtol=1e-10, rtol=1e-12))


def effect_world(claim_id: str, effect: float) -> dict[str, Any]:
    """The world overrides in which the claim's deciding quantity equals ``effect``.

    Parameters
    ----------
    claim_id : str
        A simulated claim with an effect map (``EFFECTS``).
    effect : float
        The value in the claim's own terms (``EFFECTS[claim_id].meaning``).

    Returns
    -------
    dict
        The claim's true-world overrides with the mapped parameter set; exactly the true
        world when ``effect`` is its value there (so ``power`` is reproduced).

    Examples
    --------
    >>> round(effect_world("S1", -0.07)["intent_by_negatives"][1], 12)
    0.5
    >>> effect_world("K3", 0.7) == {}                  # K3's true world is the default
    True
    """
    m = _map(claim_id)
    if isinstance(effect, bool) or not isinstance(effect, (int, float)) \
            or not math.isfinite(effect):
        raise ParameterError(f"{m.claim_id}: effect must be a finite number ({m.unit}), "
                             f"got {effect!r}")
    effect = float(effect)
    true_world = dict(_spec(m.claim_id).true_world)
    if abs(effect - default_effect(m.claim_id)) <= 1e-12 * max(1.0, abs(effect)):
        return true_world
    if m.inverse is not None:
        lo, hi = m.bracket
        if not lo <= effect <= hi:
            raise ParameterError(f"{m.claim_id}: effect must be in [{lo}, {hi}] ({m.unit}), "
                                 f"got {effect!r}")
        x = m.inverse(effect)
    else:
        x = _solve(m, effect)
    return {**true_world, **m.overrides(x)}
