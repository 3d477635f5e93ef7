"""Simulated customer worlds with known truth, to test the claims (the claims page of the docs).

:func:`generate` builds a world of customers, monthly transactions, surveys, notable
experiences and switching from the parameters in :class:`WorldParams`; the returned
:class:`World` carries ``truth``, what an estimator should recover. Every claim has a world
where it is false (:func:`world_where_false`) so tests can show a verdict flip.

Examples
--------
>>> from loyaltystats.simulate import generate, world_where_false
>>> r, c, e, t = generate(2000, months=12, seed=3)
>>> sorted(e["kind"].cat.categories)
['delight', 'negative', 'recovery']
>>> w = generate(2000, months=12, seed=3, **world_where_false("S1"))
>>> w.truth["p_consider_by_negatives"][1]
0.3
"""

from .params import (
    CLAIMS_FALSE,
    CLAIMS_TRUE,
    WorldParams,
    claims_true_overrides,
    world_where_false,
)
from .truth import TRUTH_MC_CUSTOMERS, TRUTH_SEED, compute_truth
from .world import (
    ATTRIBUTES,
    EXPECTATIONS,
    EXPERIENCE_KINDS,
    SEGMENTS,
    SERVICE_FAILURES,
    TIERS,
    World,
    generate,
)

__all__ = [
    "WorldParams",
    "World",
    "generate",
    "compute_truth",
    "world_where_false",
    "claims_true_overrides",
    "CLAIMS_FALSE",
    "CLAIMS_TRUE",
    "TRUTH_SEED",
    "TRUTH_MC_CUSTOMERS",
    "SEGMENTS",
    "EXPECTATIONS",
    "TIERS",
    "EXPERIENCE_KINDS",
    "ATTRIBUTES",
    "SERVICE_FAILURES",
]
