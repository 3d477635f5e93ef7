"""The "k strikes" threshold: where does switching jump with the number of negatives?

Examples
--------
>>> import numpy as np, pandas as pd
>>> from loyaltystats.switching import threshold
>>> rng = np.random.default_rng(0)
>>> k = rng.integers(0, 4, 4000)
>>> df = pd.DataFrame({"negatives": k,
...                    "switched": rng.random(4000) < np.array([0.1, 0.12, 0.6, 0.62])[k]})
>>> threshold(df, n_boot=200).k_step
2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit

from .._boundary import Missing, reads
from .._deprecate import positional_options
from .._plotting import get_ax
from .._validate import FrameLike, check_unique_ids
from ..errors import ModelError, ParameterError
from ..results import Result
from ..stats import fit_binomial, multinomial_bootstrap, wilson_ci
from ._common import check_cap, check_level, holm, level_labels, newcombe_diff, two_proportion_p
from .dose import _level_cells

__all__ = ["ThresholdResult", "threshold"]


@dataclass(frozen=True, eq=False, kw_only=True, repr=False)
class ThresholdResult(Result):
    """Result of :func:`threshold`.

    ``estimates``: ``threshold_step`` (profile-likelihood set as the interval),
    ``threshold_step_boot`` (bootstrap percentile interval), the same two for the hinge,
    ``p_below`` and ``p_above`` (the two levels of the chosen step, Wilson) and
    ``step_odds_ratio`` (the jump, Wald).

    ``tables``: ``profile`` (per model and candidate: log-likelihood, profile deviance,
    membership of the profile confidence set), ``bootstrap`` (share of replicates choosing
    each candidate), ``exactly_vs_fewer`` (the recommended per-k comparison, Holm-adjusted),
    ``at_least_vs_fewer`` (the common but misleading split, for comparison only) and
    ``cells``.
    """

    @property
    def k_step(self) -> int:
        """Threshold chosen by the step model."""
        return int(self.info["k_step"])

    @property
    def k_hinge(self) -> int:
        """Threshold chosen by the hinge model."""
        return int(self.info["k_hinge"])

    def plot(self, ax: Any = None) -> Any:
        """Profile deviance per candidate threshold for the step and hinge models.

        The dashed line is the chi-square cut-off of the profile confidence set; the
        bootstrap share of each candidate is written above its point. Returns the Axes.
        """
        ax = get_ax(ax)
        prof = self.tables["profile"]
        boot = self.tables.get("bootstrap")
        for i, (model, grp) in enumerate(prof.groupby("model", sort=False)):
            ax.plot(grp["k"] + 0.05 * i, grp["profile_deviance"], "o-", label=model)
            if boot is not None and len(boot):
                b = boot[boot["model"] == model].set_index("k")["share"]
                for k, d in zip(grp["k"], grp["profile_deviance"]):
                    ax.annotate(f"{b.get(k, 0.0):.0%}", (k + 0.05 * i, d),
                                textcoords="offset points", xytext=(0, 6 + 10 * i),
                                ha="center", fontsize="x-small")
        ax.axhline(self.info["profile_cutoff"], ls="--", color="grey",
                   label=f"{self.level:.0%} cut-off")
        ax.set_xticks(sorted(prof["k"].unique()))
        ax.set_xlabel("candidate threshold k (switching jumps at k negatives)")
        ax.set_ylabel("profile deviance 2(max llf - llf)")
        ax.set_title(self.title)
        ax.legend(fontsize="small")
        return ax


def _binom_llf(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Sum over the last axis of the maximized binomial log-likelihood (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = s / n
        term = np.where(s > 0, s * np.log(p), 0.0) + np.where(n - s > 0, (n - s) * np.log1p(-p), 0.0)
    return np.nansum(term, axis=-1)


def _step_llf(s: np.ndarray, n: np.ndarray, c: int) -> np.ndarray:
    """Profile log-likelihood of the step at ``c`` (pooled proportions below and above)."""
    lo = np.stack([s[..., :c].sum(-1), n[..., :c].sum(-1)], -1)
    hi = np.stack([s[..., c:].sum(-1), n[..., c:].sum(-1)], -1)
    return _binom_llf(lo[..., :1], lo[..., 1:]) + _binom_llf(hi[..., :1], hi[..., 1:])


def _hinge_llf(s: np.ndarray, n: np.ndarray, x: np.ndarray, iters: int = 40) -> np.ndarray:
    """Vectorized Newton fit of ``logit p = a + b x`` per row of ``s, n``; returns the llf."""
    tot = n.sum(-1)
    p0 = np.clip(s.sum(-1) / np.where(tot > 0, tot, 1), 1e-6, 1 - 1e-6)
    a, b = np.log(p0 / (1 - p0)), np.zeros_like(p0)
    for _ in range(iters):
        mu = expit(a[:, None] + b[:, None] * x)
        r = s - n * mu
        w = n * mu * (1 - mu) + 1e-12
        g0, g1 = r.sum(-1), (r * x).sum(-1)
        h00, h01, h11 = w.sum(-1), (w * x).sum(-1), (w * x * x).sum(-1)
        det = h00 * h11 - h01**2
        det = np.where(np.abs(det) < 1e-300, 1e-300, det)
        da, db = (h11 * g0 - h01 * g1) / det, (h00 * g1 - h01 * g0) / det
        a, b = a + np.clip(da, -5, 5), b + np.clip(db, -5, 5)
    mu = np.clip(expit(a[:, None] + b[:, None] * x), 1e-300, 1 - 1e-16)
    return (s * np.log(mu) + (n - s) * np.log1p(-mu)).sum(-1)


def _integer_interval(reps: np.ndarray, level: float) -> tuple[float, float]:
    a = (1 - level) / 2
    return float(np.quantile(reps, a, method="lower")), float(np.quantile(reps, 1 - a,
                                                                          method="higher"))


def _split_table(s: np.ndarray, n: np.ndarray, cap: int, level: float,
                 at_least: bool) -> pd.DataFrame:
    labels = level_labels(cap)
    m = cap
    adj_level = 1 - (1 - level) / m          # Bonferroni-adjusted simultaneous intervals
    rows = []
    for k in range(1, cap + 1):
        if at_least:
            x1, n1, name = s[k:].sum(), n[k:].sum(), f">={k}"
        else:
            x1, n1, name = s[k], n[k], f"={labels[k]}"
        x0, n0 = s[:k].sum(), n[:k].sum()
        d, lo, hi = newcombe_diff(x1, n1, x0, n0, adj_level)
        rows.append({"k": k, "group": name, "reference": f"<{k}", "n_group": int(n1),
                     "p_group": x1 / n1, "n_reference": int(n0), "p_reference": x0 / n0,
                     "difference": float(d), "ci_low": float(lo), "ci_high": float(hi),
                     "p_value": float(two_proportion_p(x1, n1, x0, n0))})
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p_value"].to_numpy())
    out["ci_level"] = adj_level
    return out


@positional_options("cap")
@reads(customers=("id", "negatives", "switched"))
def threshold(
    customers: FrameLike,
    negatives: str = "negatives",
    switched: str = "switched",
    *,
    cap: int = 3,
    level: float = 0.95,
    n_boot: int = 1000,
    seed: int | np.random.Generator = 0,
    id: str | None = None,
    missing: Missing = "raise",
) -> ThresholdResult:
    """Estimate the number of negative experiences at which switching jumps ("k strikes").

    Parameters
    ----------
    customers : pandas.DataFrame or engine input
        One row per customer. Polars (eager or lazy), a DuckDB relation, a Parquet path or
        glob and a Dask DataFrame are counted in their engine by ``negatives`` (as in
        :func:`dose_response`); only the level counts come back, and the results equal the
        pandas path.
    negatives, switched : str
        Count of negative experiences (non-negative integers) and the 0/1 outcome.
    cap : int
        Highest level (``cap+`` pools the rest); candidates are ``k = 1 .. cap``.
    level : float
        Confidence level of the profile set, the bootstrap interval and the (Bonferroni
        adjusted, simultaneous) intervals of the per-k comparisons.
    n_boot : int
        Multinomial bootstrap replicates of the count table (0 skips the bootstrap).
    seed : int or numpy.random.Generator
        Seed of the bootstrap; the default 0 makes results reproducible.
    id : str, optional
        The customer id column. Given, every id must appear once (a duplicated customer
        would be counted twice); the check is skipped when ``None``.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    ThresholdResult
        ``.k_step`` and ``.k_hinge`` are the chosen thresholds; see the class for the tables.

    Raises
    ------
    DataError
        Bad counts or outcomes (rows named; for an engine input the number of rows and the
        offending values, checked on the cells).
    ModelError
        A level without customers, or separation in the fits.

    Notes
    -----
    Everything is fitted on the ``cap + 1`` cells ``(s_k, n_k)`` of a count table.

    * Step at :math:`c`: :math:`\\operatorname{logit} p_k = a + b\\,[k \\ge c]`. Its maximum
      likelihood pools the levels below and from :math:`c`, so the profile log-likelihood
      :math:`\\ell(c)` is that of two binomials.
    * Hinge at :math:`c`: :math:`\\operatorname{logit} p_k = a + b \\max(0, k - c + 1)`: flat
      up to :math:`c - 1`, then rising by :math:`b` per extra negative. The hinge at 1 is the
      linear dose-response (no threshold). Both models have two parameters, so their
      log-likelihoods compare directly.
    * Choice: :math:`\\hat c = \\arg\\max_c \\ell(c)`. Profile confidence set:
      :math:`\\{c : 2(\\ell(\\hat c) - \\ell(c)) \\le \\chi^2_{1, level}\\}` (for a discrete
      parameter the chi-square calibration is a heuristic; read it with the bootstrap). The
      reported interval spans the set.
    * Bootstrap: the count table is resampled (multinomial over the ``2 (cap + 1)`` cells,
      as if resampling customers), :math:`\\hat c` is recomputed (closed form for the step,
      vectorized Newton for the hinge) and the ``(1 - level) / 2`` quantiles of the chosen
      candidates form the interval; ``tables["bootstrap"]`` shows how often each candidate
      wins.
    * Per-k comparison: "exactly k" against "fewer than k" (for ``k = cap``: "cap or more"),
      difference of proportions with Newcombe's hybrid score interval at the
      Bonferroni-adjusted level ``1 - (1 - level) / cap``, a pooled two-proportion z test
      and Holm-adjusted p-values.

    Why "at least k" against "fewer than k" misleads: the "at least k" group pools every
    level from k upwards, so a jump that happens at 3 makes "at least 1" and "at least 2"
    differ from their complements as well: every split below the true threshold inherits
    the effect of the higher levels, and the first strike gets the blame for what the third
    one does. The size of that inherited difference depends on how many customers have many
    negatives (the mix of the population), not on what one more negative does. The splits
    are also nested, hence strongly correlated, so with any monotone trend all of them are
    "significant" and none marks a threshold. "Exactly k" keeps the group pure; the step
    and hinge fits compare all levels at once. ``tables["at_least_vs_fewer"]`` is given
    only to show the contrast.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> k = rng.integers(0, 6, 10_000)
    >>> p = np.array([0.10, 0.11, 0.12, 0.55, 0.57, 0.60])[k]
    >>> df = pd.DataFrame({"negatives": k, "switched": rng.random(10_000) < p})
    >>> res = threshold(df, cap=5, n_boot=200, seed=1)
    >>> res.k_step, res.estimates.set_index("term").loc["threshold_step_boot", "ci_low"]
    (3, np.float64(3.0))
    """
    check_unique_ids(customers, id, "customers")
    cap = check_cap(cap)
    level = check_level(level)
    if cap < 2:
        raise ParameterError("threshold needs cap >= 2 (at least two candidate thresholds)")
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise ParameterError(f"n_boot must be a non-negative integer, got {n_boot!r}")
    cells, _ = _level_cells(customers, negatives, switched, cap, None)
    s = cells["successes"].to_numpy(np.int64)
    n = cells["n"].to_numpy(np.int64)
    labels = level_labels(cap)
    kk = np.arange(cap + 1)
    candidates = list(range(1, cap + 1))
    cutoff = float(stats.chi2.ppf(level, 1))

    prof_rows = []
    fits: dict[tuple[str, int], Any] = {}
    for model in ("step", "hinge"):
        for c in candidates:
            x = (kk >= c).astype(float) if model == "step" else np.maximum(0, kk - c + 1.0)
            fc = pd.DataFrame({"x": x, "successes": s, "n": n})
            try:
                fit = fit_binomial(fc, "x")
            except ModelError as exc:
                raise ModelError(f"{model} model at k={c}: {exc}") from exc
            fits[(model, c)] = fit
            prof_rows.append({"model": model, "k": c, "llf": fit.llf,
                              "slope": float(fit.params["x"]), "aic": fit.aic})
    prof = pd.DataFrame(prof_rows)
    prof["profile_deviance"] = 2 * (prof.groupby("model")["llf"].transform("max") - prof["llf"])
    prof["in_profile_set"] = prof["profile_deviance"] <= cutoff
    chosen = {m: int(g.loc[g["llf"].idxmax(), "k"]) for m, g in prof.groupby("model")}

    rows: list[dict[str, Any]] = []
    n_tot = int(n.sum())
    for model in ("step", "hinge"):
        g = prof[(prof["model"] == model) & prof["in_profile_set"]]
        rows.append({"term": f"threshold_{model}", "estimate": chosen[model],
                     "ci_low": g["k"].min(), "ci_high": g["k"].max(), "n": n_tot,
                     "method": f"{model} logistic, profile likelihood set"})
    boot_rows = []
    if n_boot:
        counts = np.concatenate([s, n - s])
        L = cap + 1

        def chooser(model: str):
            def stat(c: np.ndarray) -> np.ndarray:
                c = c.reshape(-1, 2 * L).astype(float)
                ss, nn = c[:, :L], c[:, :L] + c[:, L:]
                if model == "step":
                    llf = np.stack([_step_llf(ss, nn, cc) for cc in candidates], -1)
                else:
                    llf = np.stack([_hinge_llf(ss, nn, np.maximum(0, kk - cc + 1.0))
                                    for cc in candidates], -1)
                return np.asarray(candidates)[np.argmax(llf, -1)].astype(float)
            return stat

        # one integer seed, so that both models see the same replicates
        rng_seed = (int(seed) if isinstance(seed, (int, np.integer))
                    else int(seed.integers(2**63 - 1)))
        for model in ("step", "hinge"):
            boot = multinomial_bootstrap(counts, chooser(model), n_boot=n_boot, level=level,
                                         seed=rng_seed)
            lo, hi = _integer_interval(boot.replicates, level)
            rows.append({"term": f"threshold_{model}_boot", "estimate": chosen[model],
                         "ci_low": lo, "ci_high": hi, "n": n_tot,
                         "method": f"{model} logistic, multinomial bootstrap percentile "
                                   f"(B={n_boot})"})
            for c in candidates:
                boot_rows.append({"model": model, "k": c,
                                  "share": float(np.mean(boot.replicates == c))})
    c = chosen["step"]
    below, above = (s[:c].sum(), n[:c].sum()), (s[c:].sum(), n[c:].sum())
    for term, (x, m) in (("p_below", below), ("p_above", above)):
        lo, hi = wilson_ci(x, m, level)
        rows.append({"term": term, "estimate": x / m, "ci_low": float(lo), "ci_high": float(hi),
                     "n": int(m), "method": f"wilson, step at k={c}"})
    step_fit = fits[("step", c)].table(level).set_index("term").loc["x"]
    rows.append({"term": "step_odds_ratio", "estimate": np.exp(step_fit["estimate"]),
                 "ci_low": np.exp(step_fit["ci_low"]), "ci_high": np.exp(step_fit["ci_high"]),
                 "n": n_tot, "method": "step logistic (Wald)"})

    best = "step" if prof.loc[prof["model"] == "step", "llf"].max() >= \
        prof.loc[prof["model"] == "hinge", "llf"].max() else "hinge"
    tables = {
        "profile": prof,
        "bootstrap": pd.DataFrame(boot_rows, columns=["model", "k", "share"]),
        "exactly_vs_fewer": _split_table(s, n, cap, level, at_least=False),
        "at_least_vs_fewer": _split_table(s, n, cap, level, at_least=True),
        "cells": pd.DataFrame({"k": labels, "n": n, "successes": s, "p": s / n}),
    }
    info = {"k_step": chosen["step"], "k_hinge": chosen["hinge"], "better_model": best,
            "profile_cutoff": cutoff, "n_boot": int(n_boot), "cap": cap,
            "seed": int(seed) if isinstance(seed, (int, np.integer)) else "generator"}
    return ThresholdResult(estimates=pd.DataFrame(rows),
                           title=f"threshold in P({switched} | {negatives})", level=level,
                           tables=tables, info=info)
