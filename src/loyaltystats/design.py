"""Study design: how many respondents a claim needs, and the power of a planned study.

Two routes:

- **closed forms** for S1 (a proportion against its claimed region, the normal approximation
  of the interval ``dose_response`` judges with) and N1 (an NPS against a target, or two
  groups' NPS against each other, with the trinomial variance of the per-respondent score in
  {-100, 0, 100});
- **simulation** for every claim of the registry: the claim's true (or false) world of the
  validity benchmark (``loyaltystats.simulate.estimands``) is simulated at size ``n`` with the
  demo tables and mapping, ``check_claims`` is run for that claim only, and the verdicts are
  counted over ``n_sim`` seeds (the benchmark's own seeds when ``seed=0``), each rate with its
  Clopper-Pearson interval; ``sample_size`` searches ``n`` with these rates
  (:mod:`loyaltystats._design_search`).

Examples
--------
>>> from loyaltystats.design import sample_size
>>> sample_size("S1", k=1).n            # customers with one negative experience
1031
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats

from .errors import ParameterError
from .results import Result, estimates_frame
from .stats.levels import check_level, z_value

__all__ = ["sample_size", "power", "power_curve", "nps_sd", "DesignResult"]

CLOSED_FORM = ("S1", "N1")
OUTCOMES = ("supported", "contradicted", "inconclusive", "failed")
S1_TOLERANCE = 0.05  # dose_response's default half-width of a claimed region


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class DesignResult(Result):
    """Verdict probabilities (power) of a planned study, or the sample size it needs.

    ``estimates`` has one row per outcome (``term`` ``supported``, ``contradicted``,
    ``inconclusive``, and ``failed`` when simulated) with its probability; simulated rates
    carry a Clopper-Pearson interval at ``level``, closed forms an interval equal to the
    value. ``info`` holds ``claim_id``, ``n``, ``method`` and the settings.

    Examples
    --------
    >>> r = power("N1", n=400, effect=10, shares=(0.2, 0.5))
    >>> round(r.power, 3)
    0.726
    """

    @property
    def power(self) -> float:
        """The probability of the target outcome (``supported``; for N1, of rejecting)."""
        return float(self.estimates["estimate"].iloc[0])

    @property
    def n(self) -> int:
        """The sample size planned or found."""
        return int(self.info["n"])


def _cp(k: int, n: int, level: float) -> tuple[float, float]:
    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a, k + 1, n - k))
    return lo, hi


# ------------------------------------------------------------------ closed forms
def nps_sd(p_detractor: float, p_promoter: float) -> float:
    """Standard deviation of one respondent's NPS score (-100, 0 or 100).

    Parameters
    ----------
    p_detractor, p_promoter : float
        The shares of detractors and promoters.

    Returns
    -------
    float
        ``100 sqrt(p_r + p_d - (p_r - p_d)^2)``: the NPS of ``n`` answers has standard error
        ``nps_sd / sqrt(n)``.

    Examples
    --------
    >>> round(nps_sd(0.2, 0.5), 2)
    78.1
    """
    for v in (p_detractor, p_promoter):
        if not 0 <= v <= 1:
            raise ParameterError(f"shares must be in [0, 1], got {v!r}")
    if p_detractor + p_promoter > 1:
        raise ParameterError(f"detractor and promoter shares sum to more than 1: "
                             f"{p_detractor} + {p_promoter}")
    d = p_promoter - p_detractor
    return float(100 * math.sqrt(p_promoter + p_detractor - d * d))


def _s1_claims(k: int | None) -> dict[int, float]:
    from .claims.registry import get_claim

    claimed = {int(key): float(v) for key, v in get_claim("S1").claimed.items()}
    if k is None:
        return claimed
    if k not in claimed:
        raise ParameterError(f"S1 claims a share at k in {sorted(claimed)}, got k={k!r}")
    return {k: claimed[k]}


def _s1_probs(n: float, p: float, p0: float, tol: float, z: float) -> tuple[float, float]:
    """P(supported), P(contradicted) of one level: Wald interval p_hat +- z se vs p0 +- tol."""
    se = math.sqrt(p * (1 - p) / n)
    lo, hi = p0 - tol, p0 + tol
    nd = stats.norm.cdf
    sup = max(0.0, nd((hi - z * se - p) / se) - nd((lo + z * se - p) / se))
    con = nd((lo - z * se - p) / se) + nd(-(hi + z * se - p) / se)
    return float(sup), float(con)


def _s1_power(n: float, *, effect: float, level: float, k: int | None,
              tolerance: float) -> tuple[float, float]:
    z = z_value(level)
    sup, not_con = 1.0, 1.0
    for p0 in _s1_claims(k).values():
        p = p0 + effect
        if not 0 < p < 1:
            raise ParameterError(f"the claimed share {p0} + effect {effect} is outside (0, 1)")
        s, c = _s1_probs(n, p, p0, tolerance, z)
        sup *= s
        not_con *= 1 - c
    return sup, 1 - not_con


def _n1_power(n: float, *, effect: float, level: float, shares: tuple[float, float],
              groups: int) -> float:
    se = nps_sd(*shares) * math.sqrt(groups / n)
    z = z_value(level)
    d = abs(effect) / se
    return float(stats.norm.cdf(d - z) + stats.norm.cdf(-d - z))


def _closed(claim_id: str, n: float, *, effect: float, level: float, k: int | None,
            tolerance: float, shares: tuple[float, float], groups: int) -> dict[str, float]:
    if claim_id == "S1":
        sup, con = _s1_power(n, effect=effect, level=level, k=k, tolerance=tolerance)
        return {"supported": sup, "contradicted": con, "inconclusive": 1 - sup - con}
    if effect == 0:
        raise ParameterError("N1: effect (the NPS difference to detect, in points) must not "
                             "be 0")
    pw = _n1_power(n, effect=effect, level=level, shares=shares, groups=groups)
    return {"reject": pw, "not rejected": 1 - pw}


def _closed_result(claim_id: str, n: int, probs: dict[str, float], level: float,
                   settings: dict[str, Any]) -> DesignResult:
    what = (f"sample size of {claim_id} for power {settings['target_power']:g}"
            if "target_power" in settings else f"power of {claim_id}")
    rows = [{"term": t, "estimate": v, "ci_low": v, "ci_high": v, "n": n,
             "method": "closed form (normal approximation)"} for t, v in probs.items()]
    return DesignResult(estimates=estimates_frame(rows), level=level,
                        title=f"{what} at n = {n}",
                        info={"claim_id": claim_id, "n": n, "method": "closed form",
                              **settings})


def _check_common(claim_id: str, level: float, groups: int) -> tuple[str, float]:
    from .claims.registry import get_claim

    cid = str(claim_id).upper()
    get_claim(cid)  # unknown ids raise there
    if groups not in (1, 2):
        raise ParameterError(f"groups must be 1 (against a target) or 2, got {groups!r}")
    return cid, check_level(level)


def sample_size(
    claim_id: str,
    *,
    power: float = 0.8,
    effect: float | None = None,
    level: float = 0.95,
    method: Literal["auto", "closed", "simulate"] = "auto",
    n_sim: int = 100,
    seed: int = 0,
    n_min: int = 100,
    n_max: int = 10_000,
    k: int | None = None,
    tolerance: float = S1_TOLERANCE,
    shares: tuple[float, float] = (0.2, 0.5),
    groups: int = 1,
    half_width: float | None = None,
) -> DesignResult:
    """The smallest ``n`` at which a claim reaches ``power``: closed form or simulated.

    Parameters
    ----------
    claim_id : str
        A claim of the registry: closed forms for S1 and N1, a search with the simulated
        power (:func:`power`) for the others (and S1 with ``method="simulate"``).
    power : float
        Target probability of ``supported`` (of rejecting for N1).
    effect : float, optional
        S1: the true share minus the claimed share (default 0: the claim exactly true; the
        closer ``|effect|`` is to ``tolerance`` the larger ``n``). N1: the NPS difference to
        detect, in points, against a fixed target (``groups=1``) or between two independent
        groups of ``n`` each (``groups=2``); required unless ``half_width`` is given.
        Simulated claims: as in :func:`power` (default: the true world).
    level : float
        The level of the claim's interval (S1), of the test (N1, two-sided), of the
        Clopper-Pearson intervals of simulated rates.
    method : {"auto", "closed", "simulate"}
        As in :func:`power`.
    n_sim, seed : int
        Simulated claims: studies per evaluated ``n``, and their seed (:func:`power`).
    n_min, n_max : int
        Simulated claims: the search range (customers in the demo tables); a target not
        reached at ``n_max`` raises :class:`~loyaltystats.errors.ParameterError`.
    k : int, optional
        S1: one claimed level (1 or 2; ``n`` customers with ``k`` negative experiences);
        default all claimed levels, each with ``n`` customers, all of which must be supported.
    tolerance : float
        S1: half-width of the claimed region (``dose_response``'s default 0.05).
    shares, groups : (float, float), {1, 2}
        N1: the detractor and promoter shares of the variance; one NPS against a target, or
        two groups' NPS compared.
    half_width : float, optional
        N1: instead of power, the ``n`` at which the NPS interval's half-width is at most this
        many points: ``n = (z sd / half_width)^2``.

    Returns
    -------
    DesignResult
        ``n`` (per level for S1, per group for N1, customers if simulated) and the verdict
        probabilities at ``n``; simulated, a last row ``n`` with its Monte-Carlo range and
        ``info["evaluated"]``: every ``n`` simulated with its rate.

    Notes
    -----
    S1 (per level, true share ``p = p0 + effect``, ``se = sqrt(p (1 - p) / n)``): the
    interval ``p_hat +- z se`` lies in ``[p0 - t, p0 + t]`` with probability
    ``Phi((p0 + t - z se - p) / se) - Phi((p0 - t + z se - p) / se)``; at ``effect = 0`` the
    power target is met at ``n = p (1 - p) (z + z_{(1 + power) / 2})^2 / t^2`` (the claim's
    Wilson interval is close to this Wald interval).
    N1: ``n = groups sd^2 (z + z_power)^2 / effect^2`` (the far tail ignored), ``sd`` from
    :func:`nps_sd`.
    Simulated: doubling from ``n_min``, then bisection on ``log n`` to a step of ``2^(1/8)``
    (:mod:`loyaltystats._design_search`).

    Examples
    --------
    >>> sample_size("S1", k=1).n, sample_size("S1").n
    (1031, 1099)
    >>> sample_size("N1", effect=10).n, sample_size("N1", half_width=5).n
    (479, 938)
    >>> r = sample_size("N2", n_sim=4, n_min=50, n_max=400, seed=1)   # simulated
    >>> r.n, [(e["n"], e["rate"]) for e in r.info["evaluated"]]
    (100, [(50, 0.75), (71, 0.75), (84, 0.75), (92, 0.75), (100, 1.0)])
    """
    cid, level = _check_common(claim_id, level, groups)
    if not 0 < power < 1:
        raise ParameterError(f"power must be in (0, 1), got {power!r}")
    if method not in ("auto", "closed", "simulate"):
        raise ParameterError(f"method must be 'auto', 'closed' or 'simulate', got {method!r}")
    if method == "simulate" or (method == "auto" and cid not in CLOSED_FORM):
        if cid == "N1":
            raise ParameterError("N1 is descriptive (no verdict): use method='closed'")
        from ._design_search import simulated_sample_size

        eff = _check_simulation(cid, effect, "true", n_sim, seed)
        return simulated_sample_size(cid, target=power, effect=eff, level=level, n_sim=n_sim,
                                     seed=seed, n_min=n_min, n_max=n_max)
    if cid not in CLOSED_FORM:
        raise ParameterError(f"closed forms exist for {CLOSED_FORM}, not {cid}")
    return _closed_sample_size(cid, power, effect=effect, level=level, k=k,
                               tolerance=tolerance, shares=shares, groups=groups,
                               half_width=half_width)


def _closed_sample_size(cid: str, power: float, *, effect: float | None, level: float,
                        k: int | None, tolerance: float, shares: tuple[float, float],
                        groups: int, half_width: float | None) -> DesignResult:
    settings: dict[str, Any] = {"target_power": power}
    if cid == "N1":
        sd = nps_sd(*shares)
        z = z_value(level)
        settings.update(shares=list(shares), groups=groups)
        if half_width is not None:
            n = math.ceil((z * sd / half_width) ** 2 * groups)
            settings["half_width"] = half_width
            return _closed_result(cid, n, {"half_width": z * sd * math.sqrt(groups / n)},
                                  level, settings)
        if effect is None or effect == 0:
            raise ParameterError("N1: give effect= (NPS points to detect) or half_width=")
        n = math.ceil(groups * (sd * (z + stats.norm.ppf(power)) / effect) ** 2)
    else:
        effect = 0.0 if effect is None else float(effect)
        n = _s1_search(power, effect=effect, level=level, k=k, tolerance=tolerance)
        settings.update(k=k, tolerance=tolerance)
    settings["effect"] = effect
    probs = _closed(cid, n, effect=effect, level=level, k=k, tolerance=tolerance,
                    shares=shares, groups=groups)
    return _closed_result(cid, n, probs, level, settings)


def _s1_search(target: float, *, effect: float, level: float, k: int | None,
               tolerance: float) -> int:
    """Smallest integer n with P(supported) >= target (bisection; power rises with n)."""
    def pw(n: int) -> float:
        return _s1_power(n, effect=effect, level=level, k=k, tolerance=tolerance)[0]

    hi = 2
    while pw(hi) < target:
        hi *= 2
        if hi > 10**9:
            raise ParameterError(f"S1: power {target} is not reachable with effect {effect} "
                                 f"and tolerance {tolerance} (|effect| must be < tolerance)")
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if pw(mid) < target else (lo, mid)
    return hi


# ------------------------------------------------------------------ simulation
def world_seed(key: str, n: int, rep: int, seed: int = 0) -> int:
    """The seed of one simulated study: the validity benchmark's when ``seed == 0``.

    ``benchmarks/validity.py`` seeds run ``rep`` of the world ``key`` (its JSON overrides) at
    size ``n`` with ``crc32(repr((key, n, rep, False)))``; another ``seed`` appends itself.

    Examples
    --------
    >>> world_seed("{}", 1000, 0) == world_seed("{}", 1000, 0, 0)
    True
    """
    parts: tuple[Any, ...] = (key, n, rep, False) if seed == 0 else (key, n, rep, False, seed)
    return zlib.crc32(repr(parts).encode()) & 0x7FFF_FFFF


def _world(claim_id: str, world: str) -> dict[str, Any]:
    from .simulate.estimands import get_spec

    if world not in ("true", "false"):
        raise ParameterError(f"world must be 'true' or 'false', got {world!r}")
    spec = get_spec(claim_id)
    return dict(spec.true_world if world == "true" else spec.false_world)


def _world_key(overrides: dict[str, Any]) -> str:
    return json.dumps({k: overrides[k] for k in sorted(overrides)}, sort_keys=True,
                      default=list)


def _simulate(claim_id: str, n: int, *, world: str, n_sim: int, seed: int,
              level: float, effect: float | None = None) -> DesignResult:
    import warnings

    from .claims import DEMO_MAPPING, check_claims, demo_tables

    # an effect world draws with its true world's seeds (common random numbers: the rates
    # of two effects differ by the effect, not by the draws; effect at its true-world value
    # is the true world exactly)
    key = _world_key(_world(claim_id, world))
    if effect is None:
        overrides = _world(claim_id, world)
    else:
        from ._design_effects import effect_world

        overrides = effect_world(claim_id, effect)
    counts = dict.fromkeys(OUTCOMES, 0)
    for rep in range(n_sim):
        tables = demo_tables(n, seed=world_seed(key, n, rep, seed), **overrides)
        tables.pop("truth")
        outcome = "failed"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                report = check_claims(**tables, mapping=DEMO_MAPPING, claims=[claim_id],
                                      seed=rep)
                res = report.claim_results.get(claim_id)
                outcome = "failed" if res is None else str(res.verdict)
            except Exception:  # noqa: BLE001 - a crash is a measured outcome, as in validity
                pass
        counts[outcome] += 1
    rows = []
    for o in OUTCOMES:
        lo, hi = _cp(counts[o], n_sim, level)
        rows.append({"term": o, "estimate": counts[o] / n_sim, "ci_low": lo, "ci_high": hi,
                     "n": n, "method": f"simulated ({n_sim} studies, Clopper-Pearson)"})
    where = f"{world} world" if effect is None else f"effect {effect:g}"
    return DesignResult(estimates=estimates_frame(rows), level=level,
                        title=f"power of {claim_id} at n = {n} ({where}, simulated)",
                        info={"claim_id": claim_id, "n": n, "method": "simulated",
                              "world": world, "effect": effect, "overrides": overrides,
                              "n_sim": n_sim, "seed": seed, "counts": counts})


def power(
    claim_id: str,
    *,
    n: int,
    effect: float | None = None,
    level: float = 0.95,
    method: Literal["auto", "closed", "simulate"] = "auto",
    world: Literal["true", "false"] = "true",
    n_sim: int = 50,
    seed: int = 0,
    k: int | None = None,
    tolerance: float = S1_TOLERANCE,
    shares: tuple[float, float] = (0.2, 0.5),
    groups: int = 1,
) -> DesignResult:
    """The probability of each verdict of a claim in a study of size ``n``.

    Parameters
    ----------
    claim_id : str
        A claim of the registry (``loyaltystats.claims.list_claims()``).
    n : int
        Closed forms: respondents per level (S1) or per group (N1). Simulated: customers in
        the demo tables (the validity benchmark's ``n``).
    effect : float, optional
        The effect in the claim's own terms. Closed forms: see :func:`sample_size`.
        Simulated claims: the population value of the quantity the claim is judged on (S2: a
        hazard ratio, K3: the adaptation factor, N2: the weight of the last transaction...;
        S1: true minus claimed share, as in its closed form), mapped onto the claim's true
        world (:mod:`loyaltystats._design_effects`; the table in ``docs/design.md``).
        Default: the true world's value. Claims whose world has no single parameter for it
        (T1, K1, M1, E1...) raise :class:`~loyaltystats.errors.ParameterError`.
    level : float
        The confidence level of the claim's intervals, and of the Clopper-Pearson intervals of
        simulated rates. Simulated claims are judged at ``check_claims``'s default level.
    method : {"auto", "closed", "simulate"}
        ``"auto"``: closed form for S1 (and N1), simulation otherwise. ``"simulate"`` on S1
        simulates its validity world instead (N1 is descriptive: it has no verdict to count).
    world : {"true", "false"}
        Simulation: the claim's true world (rates are power) or false world (P(supported) is
        the false-support rate). With ``effect`` it must be ``"true"`` (the effect sets the
        world; its studies use the true world's seeds).
    n_sim : int
        Simulated studies; the Monte-Carlo error of a rate is its Clopper-Pearson interval.
    seed : int
        0 reuses ``benchmarks/validity.py``'s seeds (:func:`world_seed`), so its rates are
        reproduced; other values draw other studies.
    k, tolerance, shares, groups
        Closed forms, see :func:`sample_size`.

    Returns
    -------
    DesignResult
        One row per outcome with its probability (``result.power`` is P(supported)).

    Examples
    --------
    >>> r = power("S1", n=1031, k=1)
    >>> round(r.power, 3)
    0.8
    >>> power("N1", n=479, effect=10).power >= 0.8
    True
    >>> r = power("K3", n=300, effect=0.3, n_sim=2)     # adaptation factor 0.3 (true: 0.7)
    >>> r.info["overrides"]
    {'adaptation': 0.3}
    """
    cid, level = _check_common(claim_id, level, groups)
    if method not in ("auto", "closed", "simulate"):
        raise ParameterError(f"method must be 'auto', 'closed' or 'simulate', got {method!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ParameterError(f"n must be a positive integer, got {n!r}")
    closed = method == "closed" or (method == "auto" and cid in CLOSED_FORM)
    if closed:
        if cid not in CLOSED_FORM:
            raise ParameterError(f"closed forms exist for {CLOSED_FORM}, not {cid}")
        eff = (0.0 if cid == "S1" else None) if effect is None else float(effect)
        if eff is None:
            raise ParameterError("N1: give effect= (NPS points to detect)")
        probs = _closed(cid, n, effect=eff, level=level, k=k, tolerance=tolerance,
                        shares=shares, groups=groups)
        settings = {"effect": eff, **({"k": k, "tolerance": tolerance}
                    if cid == "S1" else {"shares": list(shares), "groups": groups})}
        return _closed_result(cid, int(n), probs, level, settings)
    if cid == "N1":
        raise ParameterError("N1 is descriptive (no verdict): use method='closed' with effect=")
    effect = _check_simulation(cid, effect, world, n_sim, seed)
    return _simulate(cid, int(n), world=world, n_sim=n_sim, seed=seed, level=level,
                     effect=effect)


def _check_simulation(cid: str, effect: float | None, world: str, n_sim: int,
                      seed: int) -> float | None:
    """Validate the settings of a simulation; the effect as a float (None: true world)."""
    if effect is not None:
        from ._design_effects import effect_world

        if world != "true":
            raise ParameterError(f"{cid}: effect= sets the world; leave world='true'")
        effect_world(cid, effect)   # an unmapped claim or an unreachable effect raises here
        effect = float(effect)
    if isinstance(n_sim, bool) or not isinstance(n_sim, int) or n_sim < 1:
        raise ParameterError(f"n_sim must be a positive integer, got {n_sim!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ParameterError(f"seed must be an int, got {seed!r}")
    return effect


def power_curve(claim_id: str, *, ns: Any, ax: Any = None, **kwargs: Any) -> Any:
    """Plot P(supported) (or, for N1, P(reject)) against the sample size.

    Parameters
    ----------
    claim_id : str
        A claim of the registry.
    ns : sequence of int
        The sizes to evaluate (log-spaced sizes read best).
    ax : matplotlib Axes, optional
        Where to draw; a new figure otherwise.
    **kwargs
        Passed to :func:`power` (``effect``, ``world``, ``n_sim``, ``level``...).

    Returns
    -------
    matplotlib.axes.Axes
        The curve, with Clopper-Pearson bands for simulated rates and a line at 0.8.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = power_curve("S1", ns=[100, 300, 1000, 3000], k=1)
    >>> len(ax.lines[0].get_xdata())
    4
    """
    from ._plotting import get_ax

    ax = get_ax(ax)
    results = [power(claim_id, n=int(n), **kwargs) for n in ns]
    x = np.array([r.n for r in results])
    y = np.array([r.power for r in results])
    lo = np.array([float(r.estimates["ci_low"].iloc[0]) for r in results])
    hi = np.array([float(r.estimates["ci_high"].iloc[0]) for r in results])
    label = str(results[0].estimates["term"].iloc[0])
    ax.plot(x, y, "o-", label=f"P({label})")
    if np.any(hi > lo):
        ax.fill_between(x, lo, hi, alpha=0.25, label="Clopper-Pearson interval")
    ax.axhline(0.8, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("n")
    ax.set_ylabel("probability")
    ax.set_title(f"{str(claim_id).upper()}: {results[0].info['method']}")
    ax.legend(loc="best", fontsize=8)
    return ax


# ------------------------------------------------------------------ command line
