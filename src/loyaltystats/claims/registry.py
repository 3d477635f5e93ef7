"""The registry of claims: what each claim says, where it comes from and how it is tested."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

__all__ = ["Claim", "CLAIMS", "SOURCES", "list_claims", "get_claim"]

SOURCES = MappingProxyType({
    "000": "seed 000: 'Echte klantgerichtheid is nu meer gevraagd dan ooit tevoren' (Top-of-Heart pyramid)",
    "001": "seed 001: 'Klantgerichtheid optimaliseren, 5 scenario's'",
    "002": "seed 002: 'Klant centraal, centraler, centraalst' (Veldhoen & van Slooten, 2015)",
    "003": "seed 003: 'Klantgerichtheid: vaak ongekend ambitieus' (after Outside-In)",
    "004": "seed 004: 'Zeg niet langer klantgericht, maar klantcentraal' (Rik Vera)",
})


@dataclass(frozen=True)
class Claim:
    """One claim of customer-experience practice, as a testable hypothesis.

    Attributes
    ----------
    id : str
        Identifier used throughout the library (``"S1"``).
    family : str
        Claim family and module that tests it.
    statement : str
        The claim in English.
    sources : tuple of str
        Seed articles (keys of :data:`SOURCES`).
    claimed : mapping
        The claimed figures, if the claim gives any.
    roles : tuple of str
        Columns the test needs, as ``"table.role"`` (see :func:`check_claims`).
    test : str
        The function that tests it, ``"module:function"``.
    margin : float, optional
        Smallest effect of interest for an effect claim, on the scale of its deciding term
        (see ``margin_note``). The claim is supported only when the interval lies beyond
        it, and contradicted when the interval shows an effect smaller than it, so a world
        without the effect can be told apart from one with a tiny effect: without a
        margin a true null sits on the region's boundary and is never contradicted.
    margin_note : str
        The margin in words.
    """

    id: str
    family: str
    statement: str
    sources: tuple[str, ...]
    claimed: Mapping[str, Any] = field(default_factory=dict)
    roles: tuple[str, ...] = ()
    test: str = ""
    margin: float | None = None
    margin_note: str = ""

    @property
    def estimand(self) -> str:
        """What the verdict is decided on: the population quantities, their time window,
        conditioning and scale, and where their truth comes from in a simulated world (from
        :mod:`loyaltystats.simulate.estimands`).

        Examples
        --------
        >>> get_claim("S1").estimand.startswith("P(considering a switch")
        True
        """
        from ..simulate.estimands import get_spec

        return get_spec(self.id).estimand

    @property
    def kind(self) -> str:
        """``"hypothesis"`` (a verdict is given) or ``"descriptive"`` (intervals only: N1).

        Examples
        --------
        >>> get_claim("N1").kind
        'descriptive'
        """
        from ..simulate.estimands import get_spec

        return "descriptive" if get_spec(self.id).descriptive else "hypothesis"


CLAIMS: tuple[Claim, ...] = (
    Claim("T1", "thresholds", "Meeting expectations earns an 8; exceeding them earns a 9+.",
          ("001",), {"met": 8, "exceeded": 9},
          ("responses.score", "responses.expectation"), "loyaltystats.thresholds:by_level"),
    Claim("T2", "thresholds", "Basics, even executed perfectly, cannot lift a score above 8.5.",
          ("001",), {"ceiling": 8.5},
          ("responses.score", "responses.basics", "responses.delighters"),
          "loyaltystats.thresholds:basics_ceiling"),
    Claim("T3", "thresholds", "A fulfilled basic need gets a 6 or 7; easy or pleasant gets an 8 "
          "or 8+; only a special experience gets a 9.", ("003",),
          {"meets needs": [6, 7.999999999], "easy": 8, "enjoyable": 9},
          ("responses.score", "responses.tier"), "loyaltystats.thresholds:by_level"),
    Claim("T4", "thresholds", "Service that is OK (7+) plus an emotional peak at a few moments of "
          "truth (9+) makes the customer feel they come first.", ("002",), {},
          ("responses.outcome_valued", "responses.baseline_ok", "responses.peak"),
          "loyaltystats.thresholds:moments_of_truth", 0.25,
          "the interaction must exceed 0.25 on the log-odds scale (the peak raises the odds "
          "of the outcome at least 1.28 times more on top of OK service than without it)"),
    Claim("T5", "thresholds", "Satisfied is not the same as loyal: loyalty jumps only at the top "
          "of the scale.", ("000", "001"), {"breakpoint_at_least": 8},
          ("customers.grade", "customers.retained"), "loyaltystats.thresholds:loyalty_curve"),
    Claim("S1", "switching", "57% of consumers consider switching after one negative experience, "
          "78% after a second.", ("001",), {"1": 0.57, "2": 0.78},
          ("customers.negatives", "customers.intent"), "loyaltystats.switching:dose_response"),
    Claim("S2", "switching", "When something goes wrong you can put it right, and that is what "
          "the customer remembers.", ("004",), {},
          ("customers.id", "customers.duration", "customers.switched", "experiences.id",
           "experiences.kind", "experiences.recovered"), "loyaltystats.switching:recovery",
          0.1, "a failure put right must cut the switching hazard by at least 10% against "
          "one not put right (hazard ratio at most 0.9)"),
    Claim("S3", "switching", "Considering a switch is not switching.", ("001",), {},
          ("customers.negatives", "customers.intent", "customers.switched"),
          "loyaltystats.switching:intent_vs_behavior"),
    Claim("N1", "nps", "NPS is the number companies ask for (so it must be reported with honest "
          "uncertainty).", ("004",), {}, ("responses.recommend",), "loyaltystats.nps:score"),
    Claim("N2", "nps", "An NPS survey twice a year mostly measures the last transaction.",
          ("004",), {"share_last_above": 0.5},
          ("transactions.id", "transactions.time", "transactions.rating", "responses.id",
           "responses.time", "responses.recommend"), "loyaltystats.nps:recency"),
    Claim("N3", "nps", "Satisfaction and NPS are not loyalty.", ("000", "004"), {},
          ("customers.recommend", "customers.duration", "customers.switched"),
          "loyaltystats.nps:versus_retention"),
    Claim("K1", "kano", "Basics only hurt when missing, performance attributes are linear, "
          "delighters only help when present.", ("001",), {},
          ("responses.score", "responses.attributes"), "loyaltystats.kano:prca"),
    Claim("K2", "kano", "A delighter today is a performance attribute tomorrow and a basic six "
          "months later; what is special today is normal in a year.", ("001",),
          {"half_life_months": 6, "normal_in_months": 12},
          ("responses.score", "responses.delighters", "responses.time"),
          "loyaltystats.kano:decay"),
    Claim("K3", "kano", "The brain cannot take peak after peak; customers get used to wow.",
          ("004",), {}, ("experiences.id", "experiences.kind", "responses.id", "responses.score"),
          "loyaltystats.kano:adaptation"),
    Claim("K4", "kano", "After the crisis, 'meaning' moved from a loyalty driver to a base "
          "condition.", ("000",), {}, ("responses.score", "responses.attributes",
                                         "responses.wave"), "loyaltystats.kano:category_shift"),
    Claim("P1", "pyramid", "Relevance -> trust -> satisfaction -> loyalty: you climb a level only "
          "when the one below is amply met.", ("000",), {},
          ("responses.pyramid",), "loyaltystats.pyramid:gating"),
    Claim("P2", "pyramid", "Satisfaction and loyalty have different drivers.", ("000",), {},
          ("responses.score", "responses.loyalty", "responses.attributes"),
          "loyaltystats.drivers:driver_importance"),
    Claim("M1", "market", "The top of the Dutch customer-friendliness ranking keeps rising while "
          "differences within sectors shrink.", ("003",), {},
          ("responses.score", "responses.company", "responses.period"),
          "loyaltystats.market:convergence"),
    Claim("V1", "value", "Customer lifetime value depends on the experiences at moments of truth.",
          ("001",), {}, ("customers.grade", "customers.duration", "customers.switched"),
          "loyaltystats.value:lifetime_by_band", 0.5,
          "customers graded 9-10 must stay at least half a month longer, out of the first "
          "12, than those graded 6 or lower"),
    Claim("E1", "effort", "A frictionless experience does more for loyalty than wow moments: "
          "high effort drives customers away more than a delight keeps them.",
          ("004", "000", "001"), {},
          ("customers.effort", "customers.delighted", "customers.retained"),
          "loyaltystats.effort:effort_vs_delight", 0.1,
          "the penalty of high effort (CES 5-7 against 4) must exceed the reward of a wow "
          "moment by 0.1 on the log-odds of leaving within 12 months (odds about 10% higher)"),
    Claim("E2", "effort", "Customer effort predicts who leaves better than satisfaction or NPS.",
          ("004",), {},
          ("customers.effort", "customers.grade", "customers.recommend",
           "customers.duration", "customers.switched"),
          "loyaltystats.effort:effort_vs_satisfaction", 0.02,
          "effort's concordance (Harrell's C) must beat that of the grade, of the recommend "
          "score and of the NPS category by 0.02 each"),
)


def get_claim(claim_id: str) -> Claim:
    """The claim with this id.

    Examples
    --------
    >>> get_claim("S1").claimed["1"]
    0.57
    """
    for c in CLAIMS:
        if c.id == claim_id:
            return c
    raise KeyError(f"unknown claim id {claim_id!r}; known: {[c.id for c in CLAIMS]}")


def list_claims() -> pd.DataFrame:
    """Every claim as a table, one row per claim, with what its verdict is decided on.

    Columns: id, family, statement, sources, claimed, roles, test, kind, estimand, margin,
    margin_note (the smallest effect of interest of an effect claim; NaN and "" otherwise).

    A claim of kind ``"descriptive"`` (N1) is reported with its intervals and the verdict
    ``"descriptive"``: it states a practice, not a testable quantity.

    Examples
    --------
    >>> table = list_claims()
    >>> table.loc[table["id"] == "T2", "claimed"].item()
    '{"ceiling": 8.5}'
    """
    import json

    return pd.DataFrame([{
        "id": c.id, "family": c.family, "statement": c.statement,
        "sources": "; ".join(SOURCES[s] for s in c.sources),
        "claimed": json.dumps(dict(c.claimed)) if c.claimed else "",
        "roles": ", ".join(c.roles), "test": c.test or "(no estimator yet)",
        "kind": c.kind, "estimand": c.estimand,
        "margin": float("nan") if c.margin is None else c.margin, "margin_note": c.margin_note,
    } for c in CLAIMS])
