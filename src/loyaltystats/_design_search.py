"""The sample size of a simulated claim: a search over ``n`` with the simulated power.

:func:`loyaltystats.design.sample_size` calls :func:`simulated_sample_size` for a claim
without a closed form. P(supported) at a size ``n`` (customers in the demo tables) is the
rate of :func:`loyaltystats.design.power` (``n_sim`` studies in the claim's true world or its
effect world). The search:

1. **doubling**: ``n_min``, ``2 n_min``, ``4 n_min``... (the last step capped at ``n_max``)
   until the rate reaches the target; a target not reached at ``n_max`` raises
   :class:`~loyaltystats.errors.ParameterError` with the rates reached;
2. **bisection on log n** between the last size below the target and the first at or above
   it, down to a step of ``2^(1/8)`` (sizes ``n_min 2^(j/8)``, 9% apart).

The answer is the smallest evaluated ``n`` whose rate reaches the target; the largest
evaluated ``n`` below it has a rate below the target (unless the answer is ``n_min``).

Monte-Carlo error: each rate has its Clopper-Pearson interval at ``level``. The range of the
answer reported as ``ci_low``, ``ci_high`` of the row ``n`` is where the target is not excluded:
from one above the largest evaluated ``n`` whose interval lies wholly below the target, to the
smallest evaluated ``n`` whose interval lies wholly at or above it (NaN when no evaluated
size settles that side). The intervals are pointwise, and the seeds of different ``n``
differ (the validity benchmark's seeds, :func:`~loyaltystats.design.world_seed`), so the
rates of two sizes are independent estimates and need not be monotone in ``n``; at one
``n``, two effects share their draws (common random numbers), so a larger effect rarely
gets a larger answer.

Examples
--------
>>> from loyaltystats._design_search import grid_size
>>> [grid_size(100, j / 8) for j in range(0, 9, 2)]
[100, 119, 141, 168, 200]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from .design import DesignResult, _cp, _simulate
from .errors import ParameterError
from .results import estimates_frame

__all__ = ["simulated_sample_size", "grid_size", "STEPS"]

STEPS = 8  # sizes per doubling of the bisection grid: 2^(1/8) - 1 = 9% apart


def grid_size(n_min: int, exponent: float) -> int:
    """The size ``n_min 2^exponent``, rounded to an integer (at least 1).

    Examples
    --------
    >>> grid_size(100, 0.5)
    141
    """
    return max(1, round(n_min * 2.0**exponent))


def _check_range(n_min: Any, n_max: Any) -> None:
    for name, v in (("n_min", n_min), ("n_max", n_max)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ParameterError(f"{name} must be a positive integer, got {v!r}")
    if n_max <= n_min:
        raise ParameterError(f"n_max must be larger than n_min, got n_min={n_min}, "
                             f"n_max={n_max}")


def _bracket(rate: Callable[[int], float], target: float, n_min: int,
             n_max: int) -> tuple[float | None, float | None]:
    """Doubling: exponents (last below the target or None, first at or above it or None)."""
    e_max = math.log2(n_max / n_min)
    below, e = None, 0.0
    while True:
        n = n_max if e >= e_max else grid_size(n_min, e)
        if rate(n) >= target:
            return below, e
        if e >= e_max:
            return below, None
        below, e = e, min(e + 1.0, e_max)


def _bisect(rate: Callable[[int], float], target: float, n_min: int, a: float,
            b: float) -> float:
    """Bisection on the exponent: ``a`` below the target, ``b`` at or above it."""
    while b - a > 1.0 / STEPS + 1e-9:
        m = (a + b) / 2
        n = grid_size(n_min, m)
        if n <= grid_size(n_min, a) or n >= grid_size(n_min, b):
            break
        a, b = (a, m) if rate(n) >= target else (m, b)
    return b


def _mc_range(points: list[dict[str, Any]], target: float) -> tuple[float, float]:
    """(ci_low, ci_high) of the answer: where the rates' intervals do not exclude target."""
    above = [p["n"] for p in points if p["ci_low"] >= target]
    hi = min(above) if above else math.nan
    below = [p["n"] for p in points if p["ci_high"] < target and not p["n"] > hi]
    lo = max(below) + 1 if below else math.nan
    return float(lo), float(hi)


def _unreachable(cid: str, target: float, effect: float | None, n_max: int,
                 points: list[dict[str, Any]]) -> ParameterError:
    last = next(p for p in points if p["n"] == n_max)
    best = max(points, key=lambda p: (p["rate"], -p["n"]))
    where = "its true world" if effect is None else f"effect {effect:g}"
    return ParameterError(
        f"{cid}: power {target:g} is not reached by n_max = {n_max} ({where}): "
        f"P(supported) = {last['rate']:.3g} [{last['ci_low']:.3g}, {last['ci_high']:.3g}] "
        f"at n = {n_max} ({last['n_sim']} studies); highest rate {best['rate']:.3g} at n = "
        f"{best['n']}. Raise n_max, or look at power_curve: the claim may not be supported "
        "at this effect")


def simulated_sample_size(cid: str, *, target: float, effect: float | None, level: float,
                          n_sim: int, seed: int, n_min: int, n_max: int) -> DesignResult:
    """The smallest ``n`` whose simulated P(supported) reaches ``target`` (a search).

    Arguments are validated by :func:`loyaltystats.design.sample_size`, which calls this;
    see the module's text for the search and the Monte-Carlo range.

    Examples
    --------
    >>> r = simulated_sample_size("S2", target=0.5, effect=None, level=0.95, n_sim=2,
    ...                           seed=1, n_min=200, n_max=400)
    >>> r.n, r.info["evaluated"][0]["rate"]
    (200, 0.5)
    """
    _check_range(n_min, n_max)
    runs: dict[int, DesignResult] = {}

    def rate(n: int) -> float:
        if n not in runs:
            runs[n] = _simulate(cid, n, world="true", n_sim=n_sim, seed=seed, level=level,
                                effect=effect)
        return runs[n].power

    a, b = _bracket(rate, target, n_min, n_max)
    points = []
    if b is not None and a is not None:
        b = _bisect(rate, target, n_min, a, b)
    for n in sorted(runs):
        k = int(runs[n].info["counts"]["supported"])
        lo, hi = _cp(k, n_sim, level)
        points.append({"n": n, "supported": k, "n_sim": n_sim, "rate": k / n_sim,
                       "ci_low": lo, "ci_high": hi})
    if b is None:
        raise _unreachable(cid, target, effect, n_max, points)
    n = n_max if b >= math.log2(n_max / n_min) else grid_size(n_min, b)
    return _result(cid, n, runs[n], points, target=target, level=level, n_min=n_min,
                   n_max=n_max)


def _result(cid: str, n: int, at_n: DesignResult, points: list[dict[str, Any]], *,
            target: float, level: float, n_min: int, n_max: int) -> DesignResult:
    lo, hi = _mc_range(points, target)
    rows = at_n.estimates.to_dict("records")
    rows.append({"term": "n", "estimate": float(n), "ci_low": lo, "ci_high": hi, "n": n,
                 "method": f"search: smallest n with rate >= {target:g} (range: "
                 "Clopper-Pearson)"})
    info = at_n.info
    where = "true world" if info["effect"] is None else f"effect {info['effect']:g}"
    note = {"note": "reached at n_min: the answer may be smaller (lower n_min)"} \
        if n == n_min else {}
    return DesignResult(
        estimates=estimates_frame(rows), level=level,
        title=f"sample size of {cid} for power {target:g} at n = {n} ({where}, simulated)",
        tables={"search": pd.DataFrame(points)},
        info={"claim_id": cid, "n": n, "method": "simulated search", "target_power": target,
              "effect": info["effect"], "world": "true", "overrides": info["overrides"],
              "n_sim": info["n_sim"], "seed": info["seed"], "n_min": n_min, "n_max": n_max,
              "n_ci_low": lo, "n_ci_high": hi, "steps_per_doubling": STEPS,
              **note, "counts": info["counts"], "evaluated": points})
