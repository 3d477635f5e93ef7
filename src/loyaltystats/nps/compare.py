"""Difference of two NPS: independent groups or the same respondents in two waves (N1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._boundary import Missing, check_missing, drop_missing_values, record_dropped
from .._deprecate import positional_options
from ..errors import DataError, ParameterError
from ..results import Result, estimates_frame
from ..scales import RECOMMEND_0_10, Scale
from ._common import CATEGORIES, categorize, check_weights, rng_from, trinomial, z_value
from .score import ADJUST_PSEUDO, NPSResult, variance

__all__ = ["NPSComparison", "compare"]

_S = np.array([-1.0, 0.0, 1.0])  # score of detractor, passive, promoter


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class NPSComparison(Result):
    """Difference ``NPS(a) - NPS(b)`` in points with CI and a two-sided z-test.

    ``estimates`` rows: ``nps_a``, ``nps_b`` and ``difference`` (columns ``std_err``, ``z``,
    ``p_value`` on the difference row). ``tables["transitions"]`` holds the 3x3 table of a
    paired comparison (rows wave a, columns wave b).

    Examples
    --------
    >>> r = compare([10] * 60 + [0] * 40, [10] * 50 + [0] * 50)
    >>> round(r.difference, 6)
    20.0
    """

    @property
    def difference(self) -> float:
        """NPS(a) - NPS(b) in points."""
        return float(self.estimates.set_index("term").loc["difference", "estimate"])

    @property
    def ci(self) -> tuple[float, float]:
        """Confidence limits of the difference in points."""
        row = self.estimates.set_index("term").loc["difference"]
        return float(row["ci_low"]), float(row["ci_high"])

    @property
    def p_value(self) -> float:
        """Two-sided p-value of the z-test of no difference."""
        return float(self.info["p_value"])

    def plot(self, ax: Any = None) -> Any:
        """The two NPS and their difference with interval bars; returns the Axes."""
        from .plots import plot_nps_bars

        return plot_nps_bars(self.estimates, ax=ax, title=self.title)


def _triple(x: Any, scale: Scale, weights: Any, name: str
            ) -> tuple[np.ndarray, float, float, np.ndarray | None, np.ndarray | None]:
    """(totals, n_rows, n_eff, codes, weights) for raw answers or an NPSResult."""
    if isinstance(x, NPSResult):
        if weights is not None:
            raise DataError("weights cannot be given with an NPSResult", column=name)
        return x.counts.astype(float), float(x.info["n_rows"]), x.n_eff, None, None
    codes = categorize(x, scale, column=name, table=None)
    w = None if weights is None else check_weights(weights, len(codes), column=f"weights_{name}",
                                                     table=None)
    tot, n, ne = trinomial(codes, w)
    return tot, n, ne, codes, w


@positional_options("paired")
def compare(
    a: Any,
    b: Any,
    *,
    paired: bool = False,
    scale: Scale = RECOMMEND_0_10,
    weights_a: Any = None,
    weights_b: Any = None,
    ci: Literal["wald", "adjusted", "bootstrap"] = "wald",
    level: float = 0.95,
    n_boot: int = 2000,
    seed: int | np.random.Generator = 0,
    missing: Missing = "raise",
) -> NPSComparison:
    """Compare two NPS: the difference with CI and a test of no difference.

    Parameters
    ----------
    a, b : array_like or NPSResult
        Recommend answers on ``scale``. For independent groups (``paired=False``) an
        :class:`NPSResult` from :func:`score` may be given instead. For ``paired=True`` both
        must be answers of the same respondents in the same order (wave a, wave b); drop
        respondents missing a wave first: NaN raises.
    paired : bool
        Same respondents in two waves: the variance comes from the 3x3 transition table.
    scale : Scale
        As in :func:`score`.
    weights_a, weights_b : array_like, optional
        Survey weights. Paired: one weight per respondent in ``weights_a``.
    ci : {"wald", "adjusted", "bootstrap"}
        ``"adjusted"`` adds the pseudo-counts of :func:`score` (3/4, 3/2, 3/4) to each
        independent group, the two-sample analogue of Agresti & Caffo (2000); not available
        for paired data. ``"bootstrap"`` resamples the counts: each group's three counts
        independently, or the nine cells of the transition table when paired.
    level : float
        Confidence level.
    n_boot : int
        Bootstrap replicates.
    seed : int or numpy.random.Generator, optional
        Seed of the random steps (default 0: the same call gives the same numbers; ``None`` is refused).
    missing : {"raise", "drop"}
        What to do with rows missing a value in the answers or weights (paired: the pair is left out): raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many answers of ``a`` and ``b``.

    Returns
    -------
    NPSComparison
        ``estimates`` rows ``nps_a``, ``nps_b`` (Wald intervals) and ``difference``, with
        ``std_err``, ``z`` and ``p_value`` columns; ``info`` has ``difference``, ``std_err``,
        ``z``, ``p_value``, ``paired``.

    Notes
    -----
    Independent groups: ``Var(d_a - d_b) = Var(d_a) + Var(d_b)`` with the trinomial variance of
    each (as ``nps_test`` in the R package NPS). Paired: with ``p_ij`` the share of respondents
    in category ``i`` in wave a and ``j`` in wave b and ``s = (-1, 0, 1)``, the difference is the
    mean of ``s_i - s_j`` and ``Var = (sum p_ij (s_i - s_j)^2 - D^2) / n``: the covariance of
    the two waves is taken into account, so a stable panel gives a much narrower interval
    than treating the waves as independent.

    The test is the Wald z-test ``z = D / se``, p-value ``2 (1 - Phi(|z|))``; with weights
    ``n`` is Kish's effective sample size.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.r_[[10] * 60, [7] * 20, [2] * 20]
    >>> b = np.r_[[10] * 45, [7] * 25, [2] * 30]
    >>> r = compare(a, b)
    >>> round(r.difference, 6), round(r.p_value, 3)
    (25.0, 0.033)
    >>> rp = compare(a, b, paired=True)
    >>> round(rp.difference, 6), bool(rp.ci[1] - rp.ci[0] < r.ci[1] - r.ci[0])
    (25.0, True)
    """
    if check_missing(missing) == "drop":
        a, b, weights_a, weights_b, dropped = _drop_missing(a, b, weights_a, weights_b, paired)
        return record_dropped(compare(a, b, paired=paired, scale=scale, weights_a=weights_a,
                                      weights_b=weights_b, ci=ci, level=level, n_boot=n_boot,
                                      seed=seed), dropped)
    z = z_value(level)
    if ci not in ("wald", "adjusted", "bootstrap"):
        raise ParameterError(f"ci must be 'wald', 'adjusted' or 'bootstrap', got {ci!r}")
    if not paired:
        d = _independent_difference(a, b, scale, weights_a, weights_b, ci, level, z, n_boot,
                                    seed)
    else:
        d = _paired_difference(a, b, scale, weights_a, weights_b, ci, level, z, n_boot, seed)
    return _assemble_comparison(d, paired=paired, ci=ci, level=level, z=z)


@dataclass(frozen=True)
class _Difference:
    """The two NPS (as shares), their variances and the difference with its interval."""

    diff: float
    se: float
    lo: Any
    hi: Any
    pa: np.ndarray
    pb: np.ndarray
    va: float
    vb: float
    nea: float
    neb: float
    n_a: int
    n_b: int
    n_pairs: int
    tables: dict[str, pd.DataFrame]


def _drop_missing(a: Any, b: Any, weights_a: Any, weights_b: Any, paired: bool
                  ) -> tuple[Any, Any, Any, Any, dict[str, dict[str, int]]]:
    """Leave out answers (paired: pairs) missing a value; what was dropped, per input."""
    dropped: dict[str, dict[str, int]] = {}
    if paired:
        (a, b, weights_a), counts = drop_missing_values(a, b, weights_a,
                                                        names=["a", "b", "weights"])
        dropped = {"pairs": counts} if counts else {}
    else:
        for name in ("a", "b"):
            x, w = (a, weights_a) if name == "a" else (b, weights_b)
            if isinstance(x, NPSResult):
                continue
            (x, w), counts = drop_missing_values(x, w, names=[name, f"weights_{name}"])
            if counts:
                dropped[name] = counts
            a, weights_a = (x, w) if name == "a" else (a, weights_a)
            b, weights_b = (x, w) if name == "b" else (b, weights_b)
    return a, b, weights_a, weights_b, dropped


def _independent_difference(a: Any, b: Any, scale: Scale, weights_a: Any, weights_b: Any,
                            ci: str, level: float, z: float, n_boot: int,
                            seed: int | np.random.Generator) -> _Difference:
    """Difference of two independent NPS: trinomial variances, Wald, adjusted or bootstrap."""
    ta, na, nea, _, _ = _triple(a, scale, weights_a, "a")
    tb, nb, neb, _, _ = _triple(b, scale, weights_b, "b")
    pa, pb = ta / ta.sum(), tb / tb.sum()
    da, db = pa[2] - pa[0], pb[2] - pb[0]
    va, vb = variance(pa[2], pa[0], nea), variance(pb[2], pb[0], neb)
    diff = float(da - db)
    se = float(np.sqrt(va + vb))
    if ci == "wald":
        lo, hi = diff - z * se, diff + z * se
    elif ci == "adjusted":
        qa = (pa * nea + ADJUST_PSEUDO) / (nea + 3)
        qb = (pb * neb + ADJUST_PSEUDO) / (neb + 3)
        dd = (qa[2] - qa[0]) - (qb[2] - qb[0])
        s2 = np.sqrt(variance(qa[2], qa[0], nea + 3) + variance(qb[2], qb[0], neb + 3))
        lo, hi = float(dd - z * s2), float(dd + z * s2)
    else:
        rng = rng_from(seed, "the bootstrap interval")
        ma, mb = int(max(round(nea), 1)), int(max(round(neb), 1))
        ra = rng.multinomial(ma, pa, size=n_boot)
        rb = rng.multinomial(mb, pb, size=n_boot)
        stat = (ra[:, 2] - ra[:, 0]) / ma - (rb[:, 2] - rb[:, 0]) / mb
        lo, hi = np.quantile(stat, [(1 - level) / 2, (1 + level) / 2])
    n_a, n_b = int(round(na)), int(round(nb))
    return _Difference(diff=diff, se=se, lo=lo, hi=hi, pa=pa, pb=pb, va=va, vb=vb, nea=nea,
                       neb=neb, n_a=n_a, n_b=n_b, n_pairs=n_a + n_b, tables={})


def _paired_difference(a: Any, b: Any, scale: Scale, weights_a: Any, weights_b: Any,
                       ci: str, level: float, z: float, n_boot: int,
                       seed: int | np.random.Generator) -> _Difference:
    """Difference of two waves of the same respondents, from the 3x3 transition table."""
    if ci == "adjusted":
        raise ParameterError("the adjusted interval is not implemented for paired data; "
                         "use ci='wald' or ci='bootstrap'")
    if isinstance(a, NPSResult) or isinstance(b, NPSResult):
        raise DataError("paired=True needs the answers of both waves, not NPSResult objects")
    ca = categorize(a, scale, column="a", table=None)
    cb = categorize(b, scale, column="b", table=None)
    if len(ca) != len(cb):
        raise DataError(f"paired answers must align: {len(ca)} in a, {len(cb)} in b",
                        column="b")
    if weights_b is not None:
        raise DataError("paired: give one weight per respondent in weights_a",
                        column="weights_b")
    w = None if weights_a is None else check_weights(weights_a, len(ca),
                                                       column="weights_a", table=None)
    cell = ca.astype(np.int64) * 3 + cb
    if w is None:
        tab = np.bincount(cell, minlength=9).astype(float)
        n_eff = float(len(ca))
    else:
        tab = np.bincount(cell, weights=w, minlength=9)
        n_eff = float(w.sum() ** 2 / np.sum(w**2))
    p = (tab / tab.sum()).reshape(3, 3)
    dmat = _S[:, None] - _S[None, :]
    diff = float(np.sum(p * dmat))
    var = (float(np.sum(p * dmat**2)) - diff**2) / n_eff
    se = float(np.sqrt(max(var, 0.0)))
    pa, pb = p.sum(axis=1), p.sum(axis=0)
    va, vb = variance(pa[2], pa[0], n_eff), variance(pb[2], pb[0], n_eff)
    if ci == "wald":
        lo, hi = diff - z * se, diff + z * se
    else:
        rng = rng_from(seed, "the bootstrap interval")
        m = int(max(round(n_eff), 1))
        reps = rng.multinomial(m, p.ravel(), size=n_boot)
        stat = reps @ dmat.ravel() / m
        lo, hi = np.quantile(stat, [(1 - level) / 2, (1 + level) / 2])
    trans = pd.DataFrame(tab.reshape(3, 3), index=pd.Index(CATEGORIES, name="wave_a"),
                         columns=list(CATEGORIES)).reset_index()
    return _Difference(diff=diff, se=se, lo=lo, hi=hi, pa=pa, pb=pb, va=va, vb=vb, nea=n_eff,
                       neb=n_eff, n_a=len(ca), n_b=len(ca), n_pairs=len(ca),
                       tables={"transitions": trans})


def _assemble_comparison(d: _Difference, *, paired: bool, ci: str, level: float, z: float
                         ) -> NPSComparison:
    """The z-test of no difference and the result: both NPS and their difference."""
    diff, se, pa, pb, va, vb = d.diff, d.se, d.pa, d.pb, d.va, d.vb
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = diff / se if se > 0 else (0.0 if diff == 0 else np.inf * np.sign(diff))
    p_value = float(2 * stats.norm.sf(abs(zstat)))
    d_a, d_b = float(pa[2] - pa[0]), float(pb[2] - pb[0])
    rows = [
        {"term": "nps_a", "estimate": 100 * d_a, "ci_low": 100 * (d_a - z * np.sqrt(va)),
         "ci_high": 100 * (d_a + z * np.sqrt(va)), "n": d.n_a, "method": "wald",
         "std_err": 100 * float(np.sqrt(va)), "z": np.nan, "p_value": np.nan},
        {"term": "nps_b", "estimate": 100 * d_b, "ci_low": 100 * (d_b - z * np.sqrt(vb)),
         "ci_high": 100 * (d_b + z * np.sqrt(vb)), "n": d.n_b, "method": "wald",
         "std_err": 100 * float(np.sqrt(vb)), "z": np.nan, "p_value": np.nan},
        {"term": "difference", "estimate": 100 * diff, "ci_low": 100 * float(d.lo),
         "ci_high": 100 * float(d.hi), "n": d.n_pairs,
         "method": f"{ci}, {'paired' if paired else 'independent'}",
         "std_err": 100 * se, "z": float(zstat), "p_value": p_value},
    ]
    info = {"difference": 100 * diff, "std_err": 100 * se, "z": float(zstat),
            "p_value": p_value, "paired": bool(paired), "ci": ci,
            "n_eff_a": float(d.nea), "n_eff_b": float(d.neb)}
    kind = "paired waves" if paired else "independent groups"
    return NPSComparison(estimates=estimates_frame(rows), level=level, tables=d.tables,
                         info=info, title=f"NPS a - NPS b ({kind}, {ci} interval)")
