"""Deciding estimands and worlds of the switching claims (S1, S2, S3) and V1.

Examples
--------
>>> from loyaltystats.simulate import WorldParams
>>> SPECS["S1"].truth(WorldParams())["p[k=1]"]
0.5
"""

from __future__ import annotations

from collections.abc import Mapping

from ..params import CLAIMS_FALSE, CLAIMS_TRUE, WorldParams
from . import ClaimSpec, Term

__all__ = ["SPECS"]

_S1_TOLERANCE = 0.05  # dose_response's default: a point claim p = c is judged as c +- 0.05


def _s1_truth(p: WorldParams, months: int) -> Mapping[str, float]:
    # intent is drawn from the count of negatives while observed: exact
    return {"p[k=1]": float(p.intent_by_negatives[1]), "p[k=2]": float(p.intent_by_negatives[2])}


SPECS: dict[str, ClaimSpec] = {
    "S1": ClaimSpec(
        claim_id="S1",
        estimand="P(considering a switch | k negative experiences while observed) for k = 1 "
                 "and k = 2, over all customers (one row each); claimed 0.57 and 0.78, each "
                 "judged as the region claimed +- 0.05.",
        terms=(Term("p[k=1]", 0.57 - _S1_TOLERANCE, 0.57 + _S1_TOLERANCE),
               Term("p[k=2]", 0.78 - _S1_TOLERANCE, 0.78 + _S1_TOLERANCE)),
        truth_fn=_s1_truth,
        true_world=CLAIMS_TRUE["S1"], false_world=CLAIMS_FALSE["S1"],
        true_note="intent 0.57 after one negative and 0.78 after two (the article's figure)",
        false_note="intent 0.30 after one negative and 0.40 after two",
    ),
}
