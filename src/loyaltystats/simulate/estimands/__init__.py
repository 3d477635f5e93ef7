"""Each claim's deciding estimands, their truth in a world, and its true and false worlds.

A claim's verdict is decided on the confidence intervals of a few rows (``terms``) of its
estimates table. For the verdict to be judged, each such row needs the population value of
exactly the quantity it estimates (same time window, same conditioning, same scale) in the
world that generated the data: :meth:`ClaimSpec.truth`. Where the quantity has a closed form
in the world's parameters it is exact; otherwise it is the same statistic computed directly
(by plain numpy / pandas code, never by the estimator under test) on the large reference
world of :mod:`loyaltystats.simulate.reference`.

Every claim has a world where it holds (:attr:`ClaimSpec.true_world`) and one where it fails
(:attr:`ClaimSpec.false_world`), as :class:`~loyaltystats.simulate.WorldParams` overrides;
:meth:`ClaimSpec.holds` says from the truth alone (not from any estimate) whether the claim
is true in a world. ``python -m benchmarks validity`` measures how often each verdict is
right in both worlds.

Examples
--------
>>> from loyaltystats.simulate.estimands import SPECS
>>> SPECS["K3"].terms[0].term
'adaptation'
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import ParameterError
from ..params import WorldParams

__all__ = ["Term", "ClaimSpec", "SPECS", "get_spec"]

TruthFn = Callable[[WorldParams, int], Mapping[str, float]]


@dataclass(frozen=True)
class Term:
    """One row of a claim's estimates table whose interval decides the verdict.

    Attributes
    ----------
    term : str
        The ``term`` of the row (``"p[k=1]"``).
    low, high : float
        The region the claim puts the quantity in, as the estimator judges it (closed; use
        ``math.inf`` for an open end).
    strict : bool
        The claim needs the truth strictly inside ``(low, high)``: an effect claim ("recovery
        helps") whose null value sits on the region's boundary is false at that value.
    coverage_exempt : str
        Why the 0.93-0.97 coverage target does not apply to this term ("" when it does): a
        median of whole grades is a whole grade and its interval a set of grades, which
        covers the true median with probability near 1 once n is large; a bootstrap
        stability share is not an interval at all. The validity benchmark still measures
        and prints the coverage.
    """

    term: str
    low: float
    high: float
    strict: bool = False
    coverage_exempt: str = ""

    def contains(self, value: float) -> bool:
        """Whether ``value`` satisfies the claim for this term.

        Examples
        --------
        >>> Term("x", 0.0, math.inf, strict=True).contains(0.0)
        False
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        if self.strict:
            return self.low < value < self.high
        return self.low <= value <= self.high


@dataclass(frozen=True)
class ClaimSpec:
    """How a claim is judged in a simulated world.

    Attributes
    ----------
    claim_id : str
    estimand : str
        What the deciding quantities are, in words: population, time window, conditioning,
        scale; this text is also in the claim registry and the docs.
    terms : tuple of Term
        The deciding rows and the claimed region of each.
    truth_fn : callable
        ``truth_fn(params, months) -> {term: population value}`` for every term.
    true_world, false_world : mapping
        ``WorldParams`` overrides of a world where the claim holds / fails.
    true_note, false_note : str
        What makes each world true or false, in words.
    rule : {"all", "any"}
        ``"all"``: the claim holds when every term's truth is in its region (and the verdict
        is supported only when every interval is inside). ``"any"``: it holds when some term is.
    descriptive : bool
        The claim describes practice and gets no verdict; only its intervals' coverage is
        measured.
    power_note : str
        Why the claim may not reach P(supported | true) >= 0.8 at 10,000 customers, when
        that is a limit of the data rather than of the test ("" otherwise). The validity
        benchmark prints it beside a missed power target.
    conservative_note : str
        Why an interval may cover more often than 0.97 (an error in the safe direction),
        when that follows from where the truth sits (at a bound of the quantity's range)
        rather than from the method ("" otherwise). Printed beside such a coverage; a
        coverage below 0.93 is never excused by it.
    """

    claim_id: str
    estimand: str
    terms: tuple[Term, ...]
    truth_fn: TruthFn
    true_world: Mapping[str, Any] = field(default_factory=dict)
    false_world: Mapping[str, Any] = field(default_factory=dict)
    true_note: str = ""
    false_note: str = ""
    rule: str = "all"
    descriptive: bool = False
    power_note: str = ""
    conservative_note: str = ""

    def params(self, world: str) -> WorldParams:
        """The :class:`WorldParams` of the ``"true"`` or ``"false"`` world."""
        if world not in ("true", "false"):
            raise ParameterError(f"world must be 'true' or 'false', got {world!r}")
        return WorldParams().replace(**dict(self.true_world if world == "true"
                                            else self.false_world))

    def truth(self, params: WorldParams, months: int = 24) -> dict[str, float]:
        """Population value of every deciding term in the world with these parameters."""
        values = dict(self.truth_fn(params, months))
        missing = [t.term for t in self.terms if t.term not in values]
        if missing:
            raise KeyError(f"{self.claim_id}: truth lacks terms {missing}")
        return {t.term: float(values[t.term]) for t in self.terms}

    def holds(self, truth: Mapping[str, float]) -> bool:
        """Whether the claim is true, judged from the truth of its terms alone."""
        inside = [t.contains(truth[t.term]) for t in self.terms]
        return all(inside) if self.rule == "all" else any(inside)


def _load() -> dict[str, ClaimSpec]:
    from . import _drivers, _effort, _kano, _nps, _pyramid_market, _switching, _thresholds

    specs: dict[str, ClaimSpec] = {}
    for mod in (_thresholds, _switching, _nps, _kano, _pyramid_market, _drivers, _effort):
        for cid, spec in mod.SPECS.items():
            if cid in specs:
                raise RuntimeError(f"claim {cid} has two specs")  # pragma: no cover
            specs[cid] = spec
    return specs


SPECS: dict[str, ClaimSpec] = _load()
"""Claim id -> :class:`ClaimSpec`, for every claim of the registry."""


def get_spec(claim_id: str) -> ClaimSpec:
    """The :class:`ClaimSpec` of a claim.

    Examples
    --------
    >>> get_spec("S1").terms[0].term
    'p[k=1]'
    """
    try:
        return SPECS[str(claim_id).upper()]
    except KeyError:
        raise KeyError(f"no spec for claim {claim_id!r}; known: {sorted(SPECS)}") from None
