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
from ._engine import (
    _constants,
    _Customers,
    _draw_customers,
    _draw_intent,
    _new_state,
    _simulate_month,
    _State,
    _stats,
)
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
# the engine (the draws live in ._engine; here they are chained and the tables assembled)
# ----------------------------------------------------------------------------------------
def _simulate(
    n: int, months: int, p: WorldParams, rng: np.random.Generator, *, frames: bool = True
) -> dict[str, Any]:
    """Run the world. ``frames=False`` skips the tables and the T4 / Top-of-Heart items and
    returns only aggregate counts (used for the Monte-Carlo truth)."""
    const = _constants(p, months)
    cust = _draw_customers(n, months, p, rng, const.offsets)
    state = _new_state(n, months, p.n_companies, frames=frames)
    for t in range(months):
        _simulate_month(rng, t, p, cust, state, const, frames=frames)
    considering = _draw_intent(rng, n, p, state)
    stats = _stats(state)
    if not frames:
        return stats

    companies = [f"C{i + 1}" for i in range(p.n_companies)]
    customers = _assemble_customers(n, cust, state, considering, companies)
    transactions = _assemble_transactions(n, months, cust.start, state)
    resp_chunks, exp_chunks = state.resp_chunks, state.exp_chunks
    # the (customer, month) matrices are the largest arrays: free them before the next tables
    del state

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


def _assemble_customers(n: int, cust: _Customers, state: _State, considering: np.ndarray,
                        companies: list[str]) -> pd.DataFrame:
    """The ``customers`` table, one row per customer by ``customer_id``."""
    switched = ~state.alive
    duration = (state.end - cust.start).astype(np.int16)
    negatives = state.k_unrec + state.k_rec
    return pd.DataFrame({
        "customer_id": np.arange(1, n + 1, dtype=np.int32),
        "segment": pd.Categorical.from_codes(cust.segment, categories=list(SEGMENTS)),
        "company": pd.Categorical.from_codes(cust.company, categories=companies),
        "start": cust.start,
        "end": state.end,
        "duration": duration,
        "switched": switched,
        "grade": cust.rel_grade,
        "recommend": cust.rel_recommend,
        "negatives": negatives.astype(np.int16),
        "unrecovered_negatives": state.k_unrec,
        "recovered_negatives": state.k_rec,
        "delights": state.n_del,
        "considering_switch": considering,
        "monthly_value": cust.monthly_value,
        "effort": cust.effort,
        "delighted": cust.delighted,
    })


def _assemble_transactions(n: int, months: int, start: np.ndarray,
                           state: _State) -> pd.DataFrame:
    """The ``transactions`` table, customer-major, straight from the (customer, month) matrices."""
    ids = np.arange(1, n + 1, dtype=np.int32)
    duration = (state.end - start).astype(np.int16)
    tt = np.arange(months, dtype=np.int16)
    mask = (tt >= start[:, None]) & (tt < state.end[:, None])
    if state.toff is None:  # pragma: no cover - frames=True always allocates it
        raise RuntimeError("transaction times were not kept")
    tx_month = np.broadcast_to(tt, (n, months))[mask]
    return pd.DataFrame({
        "customer_id": np.repeat(ids, duration),
        "time": tx_month + state.toff[mask].astype(np.float64),
        "month": tx_month,
        "grade": state.G[mask],
    })


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
