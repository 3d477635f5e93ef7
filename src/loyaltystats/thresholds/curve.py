"""Loyalty curve: the outcome rate at every score value, and where it jumps (T5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import expit

from .._boundary import Missing, reads
from .._deprecate import positional_options, renamed_keywords
from .._validate import FrameLike, check_unique_ids
from ..errors import ModelError, ParameterError
from ..results import ClaimResult, Verdict, estimates_frame
from ..scales import GRADE_1_10, Scale
from ..stats import multinomial_bootstrap, wilson_ci
from ..stats.isotonic import pava
from ..stats.seeds import make_rng
from ._common import bands_info, check_level, require_bands, score_cells, shade_bands, whiskers
from ._logistic import fit_logistic_batch

__all__ = ["LoyaltyCurve", "loyalty_curve"]

STATEMENT = "Satisfied is not the same as loyal: loyalty jumps only at the top of the scale"
_TIE = 1e-9


class LoyaltyCurve(ClaimResult):
    """Result of :func:`loyalty_curve`.

    Tables:

    ``curve``
        One row per observed score value: ``score, band, n, successes, rate, ci_low,
        ci_high, linear, banded, segmented, isotonic`` (the last four: fitted rates).
    ``models``
        Coefficients of the ``linear``, ``banded`` and best ``step@c`` / ``hinge@c``
        models: ``model, term, estimate, std_err, ci_low, ci_high, z, p_value``.
    ``profile``
        One row per candidate breakpoint: ``kind, breakpoint, llf, deviance`` (twice the
        log-likelihood below the best candidate of that kind), ``jump, jump_se,
        separated, separated_at``: a candidate is *separated* when some score's rows all
        share one outcome and the fit drives that score's rate to 0 or 1 (the jump runs to
        infinity; ``separated_at`` lists those scores, e.g. a single respondent below the
        step); its ``jump`` and ``jump_se`` are where the iterations stopped, not estimates.
    ``tests``
        ``test, statistic, df, p_value``: banded vs linear (the valid nested test); for
        information, the best step and hinge vs linear (their chi-square p-values ignore
        the search over the grid and are too small); and, when ``n_boot > 0``, whether a
        step (hinge) exists anywhere on the grid: the largest LR against linearity referred
        to its parametric-bootstrap distribution under the fitted linear model, the whole
        grid search repeated per replicate (valid despite the search; also in
        ``info["breakpoint_exists_p_value"]`` for the deciding kind).
    ``bootstrap``
        ``breakpoint, count`` of the bootstrap replicates (when ``n_boot > 0``).
    """

    def plot(self, ax: Any = None) -> Any:
        """Rate per score with Wilson whiskers, the linear, banded, segmented and isotonic
        fits, the grade bands shaded and the breakpoint interval marked.
        Returns the matplotlib Axes.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np, pandas as pd
        >>> rng = np.random.default_rng(0)
        >>> g = rng.integers(1, 11, 2000)
        >>> df = pd.DataFrame({"grade": g, "stay": rng.random(2000) < np.where(g >= 9, .8, .5)})
        >>> ax = loyalty_curve(df, "grade", "stay", n_boot=0).plot()
        """
        from .._plotting import get_ax

        ax = get_ax(ax)
        t = self.tables["curve"]
        s = t["score"].to_numpy(float)
        shade_bands(ax, self.info["bands"], axis="x")
        lo, hi = self.info.get("breakpoint_ci_low"), self.info.get("breakpoint_ci_high")
        # a step at c jumps between the value below c and c: draw it at c - 0.5
        shift = 0.5 if self.info["kind"] == "step" else 0.0
        if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi):
            ax.axvspan(lo - shift - 0.15, hi - shift + 0.15, color="C3", alpha=0.15, lw=0,
                       zorder=1, label=f"breakpoint CI ({self.info['breakpoint_ci']})")
        ax.axvline(self.info["breakpoint"] - shift, color="C3", ls=":", lw=1, zorder=1)
        est = t["rate"].to_numpy(float)
        ax.errorbar(s, est, yerr=whiskers(est, t["ci_low"], t["ci_high"]), fmt="o", color="k",
                    capsize=3, zorder=4, label="observed (Wilson CI)")
        ax.plot(s, t["linear"], "--", color="C0", label="linear logistic", zorder=3)
        ax.plot(s, t["banded"], "-", color="C1", alpha=0.7, label="linear + bands", zorder=3)
        ax.plot(s, t["segmented"], "-", color="C3",
                label=f"{self.info['kind']} at {self.info.get('breakpoint', np.nan):g}", zorder=3)
        ax.step(s, t["isotonic"], where="mid", color="C2", alpha=0.8, label="isotonic",
                zorder=3)
        ax.set_xlabel(str(self.info["score"]))
        ax.set_ylabel(f"{self.info['outcome']} rate")
        ax.set_xlim(self.info["scale_low"] - 0.5, self.info["scale_high"] + 0.5)
        # outside the axes: inside, it hides the low grades' whiskers or the band labels
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7)
        ax.set_title(self.title)
        return ax


def _band_dummies(s: np.ndarray, scale: Scale) -> tuple[np.ndarray, list[str]]:
    """Indicator columns of every band above the lowest, with their term names."""
    codes = scale.band_codes(s)
    cols, names = [], []
    for j, b in enumerate(scale.band_names[1:], start=1):
        cols.append((codes == j).astype(float))
        names.append(f"band[{b}]")
    return (np.column_stack(cols) if cols else np.zeros((len(s), 0))), names


def _full_rank(X: np.ndarray, names: list[str], base: int) -> tuple[np.ndarray, list[str]]:
    """Drop columns after the first ``base`` that add no rank (greedily, left to right)."""
    keep = list(range(base))
    for j in range(base, X.shape[1]):
        trial = keep + [j]
        if np.linalg.matrix_rank(X[:, trial]) == len(trial):
            keep = trial
    return X[:, keep], [names[j] for j in keep]


def _coef_rows(model: str, names: list[str], beta: np.ndarray, cov: np.ndarray,
               z: float) -> list[dict[str, Any]]:
    """Rows of the ``models`` table for one model: Wald intervals, z and p-values."""
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    rows = []
    for j, name in enumerate(names):
        zval = beta[j] / se[j] if se[j] > 0 else np.nan
        rows.append({"model": model, "term": name, "estimate": beta[j], "std_err": se[j],
                     "ci_low": beta[j] - z * se[j], "ci_high": beta[j] + z * se[j], "z": zval,
                     "p_value": float(2 * stats.norm.sf(abs(zval))) if np.isfinite(zval)
                     else np.nan})
    return rows


def _designs(s: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Candidate breakpoints and their designs ``(C, cells, 3)`` for one segmented kind."""
    cands = s[1:] if kind == "step" else s[1:-1]
    base = np.column_stack([np.ones_like(s), s])
    Xs = []
    for c in cands:
        extra = (s >= c).astype(float) if kind == "step" else np.maximum(s - c, 0.0)
        Xs.append(np.column_stack([base, extra]))
    return cands, np.array(Xs)


def _profile(Xs: np.ndarray, y: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Log-likelihood per (replicate, candidate), shape ``(B, C)``."""
    return np.column_stack([fit_logistic_batch(X, y, m).llf for X in Xs])


def _argmax_low(llf: np.ndarray) -> np.ndarray:
    """Index of the best candidate per row, ties (within 1e-9 relative) to the lowest."""
    best = np.max(llf, axis=-1, keepdims=True)
    close = llf >= best - _TIE * np.maximum(1.0, np.abs(best))
    return np.argmax(close, axis=-1)


def _check_options(data: FrameLike, id: str | None, level: float, scale: Scale, kind: str,
                   breakpoint_ci: str, n_boot: int,
                   seed: int | np.random.Generator | None) -> float:
    """Check the ids, the level, the scale and the options; return the confidence level."""
    check_unique_ids(data, id, "customers")
    conf = check_level(level)
    require_bands(scale)
    if kind not in ("step", "hinge"):
        raise ParameterError(f"kind must be 'step' or 'hinge', got {kind!r}")
    if breakpoint_ci not in ("profile", "bootstrap"):
        raise ParameterError(f"breakpoint_ci must be 'profile' or 'bootstrap', got {breakpoint_ci!r}")
    if breakpoint_ci == "bootstrap" and n_boot < 1:
        raise ParameterError("breakpoint_ci='bootstrap' needs n_boot > 0")
    if n_boot > 0:
        make_rng(seed, "loyalty_curve's bootstrap")  # the one check of a seed
    return conf


def _count_by_score(data: FrameLike, score: str, outcome: str,
                    scale: Scale) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Score values, successes and rows per value in score order; refuse data with no curve."""
    cells = score_cells(data, score, scale, outcome=outcome, table="data")
    cells = cells.sort_values(score).reset_index(drop=True)
    s = cells[score].to_numpy(float)
    y = cells["successes"].to_numpy(float)
    m = cells["n"].to_numpy(float)
    if len(s) < 3:
        raise ModelError(f"a loyalty curve needs at least three distinct values of {score!r}, "
                         f"got {s.tolist()}")
    if y.sum() == 0 or y.sum() == m.sum():
        raise ModelError(f"the outcome {outcome!r} is constant ({int(y.sum())} of "
                         f"{int(m.sum())} rows are 1): there is no curve to fit")
    return s, y, m


@dataclass
class _Fits:
    """The logistic models on the counts, with their report rows in reporting order."""

    X_lin: np.ndarray
    lin: Any
    X_band: np.ndarray
    band: Any
    p_lin: float
    models: list[dict[str, Any]]
    tests: list[dict[str, Any]]
    profile_rows: list[dict[str, Any]] = field(default_factory=list)
    best: dict[str, dict[str, Any]] = field(default_factory=dict)


def _fit_linear_banded(s: np.ndarray, y: np.ndarray, m: np.ndarray, scale: Scale, score: str,
                       z: float) -> _Fits:
    """Fit the linear and banded models and test banded vs linear (the valid nested test)."""
    X_lin = np.column_stack([np.ones_like(s), s])
    lin = fit_logistic_batch(X_lin, y, m)
    D, dnames = _band_dummies(s, scale)
    X_band, band_names = _full_rank(np.column_stack([X_lin, D]), ["Intercept", score] + dnames, 2)
    band = fit_logistic_batch(X_band, y, m)
    df_band = X_band.shape[1] - 2
    models = _coef_rows("linear", ["Intercept", score], lin.params[0], lin.cov[0], z)
    models += _coef_rows("banded", band_names, band.params[0], band.cov[0], z)
    tests = []
    if df_band > 0:
        stat = max(2 * float(band.llf[0] - lin.llf[0]), 0.0)
        p_lin = float(stats.chi2.sf(stat, df_band))
        tests.append({"test": "banded vs linear (LR)", "statistic": stat, "df": df_band,
                      "p_value": p_lin})
    else:
        p_lin = np.nan
    return _Fits(X_lin=X_lin, lin=lin, X_band=X_band, band=band, p_lin=p_lin, models=models,
                 tests=tests)


def _fit_segmented(s: np.ndarray, y: np.ndarray, m: np.ndarray, score: str, z: float,
                   crit: float, fits: _Fits) -> None:
    """Profile the step and hinge models over their breakpoint grids into ``fits``."""
    for k in ("step", "hinge"):
        cands, Xs = _designs(s, k)
        if not len(cands):
            continue
        segs = [fit_logistic_batch(X, y, m) for X in Xs]
        llf = np.array([f.llf[0] for f in segs])
        i_best = int(_argmax_low(llf[None, :])[0])
        dev = 2 * (llf[i_best] - llf)
        for c, f, d in zip(cands, segs, dev):
            fits.profile_rows.append({"kind": k, "breakpoint": float(c), "llf": float(f.llf[0]),
                                      "deviance": float(d), "jump": float(f.params[0, 2]),
                                      "jump_se": float(np.sqrt(max(f.cov[0, 2, 2], 0))),
                                      "separated": bool(f.separated[0]),
                                      "separated_at": ", ".join(
                                          f"{v:g}" for v in s[f.extreme[0]])})
        inside = cands[dev <= crit]
        fb = segs[i_best]
        name = f"{k}@{cands[i_best]:g}"
        fits.models += _coef_rows(name, ["Intercept", score, k], fb.params[0], fb.cov[0], z)
        stat = max(2 * float(fb.llf[0] - fits.lin.llf[0]), 0.0)
        fits.tests.append({"test": f"best {k} vs linear (LR, ignores the grid search)",
                           "statistic": stat, "df": 1, "p_value": float(stats.chi2.sf(stat, 1))})
        fits.best[k] = {"c": float(cands[i_best]), "fit": fb, "X": Xs[i_best],
                        "ci": (float(inside.min()), float(inside.max())), "cands": cands,
                        "Xs": Xs}


@dataclass(frozen=True)
class _Jump:
    """The deciding segmented model's breakpoint and jump with their intervals."""

    kind: str
    c: float
    ci: tuple[float, float]
    estimate: float
    lo: float
    hi: float
    method: str = "Wald"


def profile_interval(X: np.ndarray, y: np.ndarray, m: np.ndarray, j: int, estimate: float,
                     llf_max: float, crit: float, *, limit: float = 50.0
                     ) -> tuple[float, float]:
    """Profile-likelihood interval of coefficient ``j`` of a logistic fit on cells.

    The ends are where ``2 (llf_max - llf(b_j))`` reaches ``crit``, ``llf(b_j)`` being the
    log-likelihood maximized over the other coefficients with ``b_j`` fixed (an offset).
    Under separation the likelihood never falls by ``crit`` on the side the coefficient
    runs to, and that end is infinite.
    """
    others = [k for k in range(X.shape[1]) if k != j]

    def drop(b: float) -> float:
        f = fit_logistic_batch(X[:, others], y, m, offset=b * X[:, j])
        if not f.converged[0]:
            raise ModelError(f"the profile likelihood of the jump did not converge at {b:g}")
        return 2 * (llf_max - float(f.llf[0])) - crit

    if drop(estimate) > 0:
        raise ModelError("the profile likelihood of the jump is below its maximum at the "
                         "estimate: the fit did not reach its maximum")

    def end(direction: float) -> float:
        step, inner = 0.5, estimate
        while abs(inner - estimate) < limit:
            outer = inner + direction * step
            if drop(outer) > 0:
                return float(optimize.brentq(drop, min(inner, outer), max(inner, outer),
                                             xtol=1e-8))
            inner, step = outer, step * 2
        return direction * np.inf

    return end(-1.0), end(1.0)


def _infer_jump(fits: _Fits, kind: str, s: np.ndarray, z: float, crit: float,
                y: np.ndarray, m: np.ndarray) -> _Jump:
    """The breakpoint of the deciding kind and its jump's interval (log-odds): Wald, or
    the profile likelihood when the fit is separated (its Wald interval means nothing)."""
    if kind not in fits.best:
        raise ModelError(f"no candidate breakpoint for a {kind} model with the scores "
                         f"{s.tolist()}")
    chosen = fits.best[kind]
    fit_c = chosen["fit"]
    jump = float(fit_c.params[0, 2])
    if fit_c.separated[0]:
        lo, hi = profile_interval(chosen["X"], y, m, 2, jump, float(fit_c.llf[0]), crit)
        at = ", ".join(f"{v:g}" for v in s[fit_c.extreme[0]])
        return _Jump(kind=kind, c=chosen["c"], ci=chosen["ci"], estimate=jump, lo=lo, hi=hi,
                     method=f"profile likelihood: separated, every row at score {at} has "
                            "the same outcome")
    jump_se = float(np.sqrt(max(fit_c.cov[0, 2, 2], 0)))
    return _Jump(kind=kind, c=chosen["c"], ci=chosen["ci"], estimate=jump,
                 lo=jump - z * jump_se, hi=jump + z * jump_se)


def _sup_lr_tests(fits: _Fits, y: np.ndarray, m: np.ndarray, n_boot: int,
                  seed: int | np.random.Generator) -> dict[str, float]:
    """Does a breakpoint exist? The largest LR of a step (hinge) over the whole grid against
    the linear fit, referred to its distribution under linearity by parametric bootstrap.

    The naive chi-square(1) p-value of the best candidate ignores that the best of many
    was picked (Davies 1987); here each replicate draws binomial counts per score from the
    fitted linear model and repeats the whole grid search (batched fits on the cells), so
    the p-value accounts for the search. ``p = (1 + #{LR* >= LR}) / (n_boot + 1)``.
    """
    out: dict[str, float] = {}
    if n_boot <= 0:
        return out
    # a stream of its own: the breakpoint bootstrap keeps its numbers
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(
        [int(seed), 1987])
    p0 = expit(fits.X_lin @ fits.lin.params[0])
    y_star = rng.binomial(m.astype(np.int64), p0, size=(n_boot, len(m))).astype(float)
    m_star = np.broadcast_to(m, y_star.shape)
    llf_lin = fit_logistic_batch(fits.X_lin, y_star, m_star).llf
    for k, best in fits.best.items():
        stat = max(2 * float(best["fit"].llf[0] - fits.lin.llf[0]), 0.0)
        llf_seg = np.max(np.column_stack([fit_logistic_batch(X, y_star, m_star).llf
                                          for X in best["Xs"]]), axis=1)
        stat_star = np.maximum(2 * (llf_seg - llf_lin), 0.0)
        pval = float((1 + np.sum(stat_star >= stat - 1e-9)) / (n_boot + 1))
        fits.tests.append({"test": f"a {k} anywhere vs linear (sup-LR over the grid, "
                                   f"parametric bootstrap {n_boot})",
                           "statistic": stat, "df": np.nan, "p_value": pval})
        out[k] = pval
    return out


def _bootstrap_breakpoint(chosen: dict[str, Any], y: np.ndarray, m: np.ndarray, n_boot: int,
                          conf: float, seed: int | np.random.Generator | None,
                          ) -> tuple[float, float, pd.DataFrame]:
    """Percentile interval of the breakpoint over multinomial replicates of the count table."""
    boot_lo = boot_hi = np.nan
    boot_table = pd.DataFrame(columns=["breakpoint", "count"])
    if n_boot > 0:
        cands, Xs = chosen["cands"], chosen["Xs"]
        table = np.column_stack([y, m - y]).ravel()

        def stat_fn(reps: np.ndarray) -> np.ndarray:
            r = reps.reshape(reps.shape[0], -1, 2).astype(float)
            ll = _profile(Xs, r[..., 0], r.sum(-1))
            return cands[_argmax_low(ll)]

        boot = multinomial_bootstrap(table, stat_fn, n_boot=n_boot, level=conf, seed=seed)
        a = (1 - conf) / 2
        boot_lo = float(np.quantile(boot.replicates, a, method="lower"))
        boot_hi = float(np.quantile(boot.replicates, 1 - a, method="higher"))
        vals, cnt = np.unique(boot.replicates, return_counts=True)
        boot_table = pd.DataFrame({"breakpoint": vals, "count": cnt.astype(np.int64)})
    return boot_lo, boot_hi, boot_table


def _curve_table(s: np.ndarray, y: np.ndarray, m: np.ndarray, rate: np.ndarray,
                 r_lo: np.ndarray, r_hi: np.ndarray, scale: Scale, fits: _Fits,
                 chosen: dict[str, Any]) -> pd.DataFrame:
    """One row per score value: observed rate with its Wilson interval and the four fits."""
    return pd.DataFrame({
        "score": s, "band": np.asarray(scale.band(s)).astype(str), "n": m.astype(np.int64),
        "successes": y.astype(np.int64), "rate": rate, "ci_low": r_lo, "ci_high": r_hi,
        "linear": expit(fits.X_lin @ fits.lin.params[0]),
        "banded": expit(fits.X_band @ fits.band.params[0]),
        "segmented": expit(chosen["X"] @ chosen["fit"].params[0]), "isotonic": pava(rate, m),
    })


def _judge(p_lin: float, conf: float, bp_lo: float, bp_hi: float, top: float,
           jump: _Jump) -> tuple[Verdict, str]:
    """T5's verdict and its reason from the nested test, the breakpoint and the jump."""
    kind, c_hat = jump.kind, jump.c
    jump_lo, jump_hi = jump.lo, jump.hi
    rejects = bool(np.isfinite(p_lin) and p_lin < 1 - conf)
    verdict: Verdict
    if rejects and bp_lo >= top and jump_lo > 0:
        verdict = "supported"
        reason = (f"linearity rejected (p = {p_lin:.3g}); {kind} at {c_hat:g}, interval "
                  f"[{bp_lo:g}, {bp_hi:g}] at or above {top:g}; jump {jump.estimate:.3g} "
                  f"[{jump_lo:.3g}, {jump_hi:.3g}] on the log-odds scale")
    elif rejects and ((jump_hi < 0 and bp_lo >= top) or (bp_hi < top and jump_lo > 0)):
        # a dip far below the top (a negative step at 5) says nothing about the top of the
        # scale: it contradicted the claim in 10% of true-world runs at n = 300 before
        verdict = "contradicted"
        where = ("loyalty flattens rather than jumps" if jump_hi < 0
                 else f"the jump lies below {top:g}")
        reason = (f"linearity rejected (p = {p_lin:.3g}) but {where}: {kind} at {c_hat:g} "
                  f"[{bp_lo:g}, {bp_hi:g}], jump {jump.estimate:.3g} "
                  f"[{jump_lo:.3g}, {jump_hi:.3g}]")
    else:
        verdict = "inconclusive"
        reason = (f"banded vs linear p = {p_lin:.3g}; {kind} at {c_hat:g} [{bp_lo:g}, "
                  f"{bp_hi:g}], jump {jump.estimate:.3g} [{jump_lo:.3g}, {jump_hi:.3g}]")
    return verdict, reason


def _estimate_rows(s: np.ndarray, m: np.ndarray, rate: np.ndarray, r_lo: np.ndarray,
                   r_hi: np.ndarray, models: list[dict[str, Any]], score: str, jump: _Jump,
                   n_boot: int, boot_lo: float, boot_hi: float) -> list[dict[str, Any]]:
    """The ``estimates`` rows: rates, slope, band effects, breakpoint intervals and jump."""
    kind, c_hat = jump.kind, jump.c
    n_tot = int(m.sum())
    rows: list[dict[str, Any]] = []
    for i in range(len(s)):
        rows.append({"term": f"rate[{s[i]:g}]", "estimate": rate[i], "ci_low": r_lo[i],
                     "ci_high": r_hi[i], "n": int(m[i]), "method": "wilson"})
    lin_row = [r for r in models if r["model"] == "linear" and r["term"] == score][0]
    rows.append({"term": "slope", "estimate": lin_row["estimate"], "ci_low": lin_row["ci_low"],
                 "ci_high": lin_row["ci_high"], "n": n_tot, "method": "logistic (Wald)"})
    for r in models:
        if r["model"] == "banded" and r["term"].startswith("band["):
            rows.append({"term": r["term"], "estimate": r["estimate"], "ci_low": r["ci_low"],
                         "ci_high": r["ci_high"], "n": n_tot,
                         "method": "linear + bands logistic (Wald)"})
    rows.append({"term": "breakpoint", "estimate": c_hat, "ci_low": jump.ci[0],
                 "ci_high": jump.ci[1], "n": n_tot, "method": f"{kind}, profile likelihood"})
    if n_boot > 0:
        rows.append({"term": "breakpoint (bootstrap)", "estimate": c_hat, "ci_low": boot_lo,
                     "ci_high": boot_hi, "n": n_tot,
                     "method": f"{kind}, multinomial bootstrap ({n_boot})"})
    rows.append({"term": "jump", "estimate": jump.estimate, "ci_low": jump.lo,
                 "ci_high": jump.hi, "n": n_tot,
                 "method": f"{kind} at {c_hat:g} ({jump.method}, log-odds)"})
    return rows


@positional_options("scale")
@renamed_keywords(conf_level="level")
@reads(data=("id", "score", "outcome"))
def loyalty_curve(
    data: FrameLike,
    score: str,
    outcome: str,
    *,
    scale: Scale = GRADE_1_10,
    kind: Literal["step", "hinge"] = "step",
    top: float = 8,
    breakpoint_ci: Literal["profile", "bootstrap"] = "profile",
    n_boot: int = 200,
    seed: int | np.random.Generator | None = 0,
    level: float = 0.95,
    id: str | None = None,
    missing: Missing = "raise",
) -> LoyaltyCurve:
    """Outcome rate by score, linear vs banded vs segmented logistic fits, and a T5 verdict.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per customer or response.
    score : str
        Score column, validated against ``scale``.
    outcome : str
        0/1 or boolean loyalty outcome (retained, repurchased, loyal).
    scale : Scale
        Declared scale with bands.
    kind : {"step", "hinge"}
        Which segmented model decides the verdict ("loyalty jumps": a step by default);
        both are fitted and reported.
    top : float
        Where "the top of the scale" starts: the breakpoint interval must lie at or above
        it (default 8, as in "the jump comes at 8 or 9+").
    breakpoint_ci : {"profile", "bootstrap"}
        Which breakpoint interval the verdict uses (both are reported).
    n_boot : int
        Bootstrap replicates of the count table for the breakpoint interval; 0 skips it.
    seed : int or numpy.random.Generator
        Seed of the bootstrap; required when ``n_boot > 0`` (the default 0 is fixed and
        documented, so results are reproducible).
    level : float
        Confidence level of the intervals and of the nested test.
    id : str, optional
        The customer id column. Given, every id must appear once (a duplicated customer
        would be counted twice); the check is skipped when ``None``.
    missing : {"raise", "drop"}
        What to do with rows missing a value in a column this function reads: raise
        :class:`~loyaltystats.errors.DataError` (default) or leave them out; with ``"drop"``
        ``result.info["rows_dropped"]`` says how many rows per table and column.

    Returns
    -------
    LoyaltyCurve
        A :class:`~loyaltystats.results.ClaimResult` for T5. ``estimates`` rows:
        ``rate[s]`` per score value, ``slope`` (linear model, log-odds per point),
        ``band[b]`` (banded model), ``breakpoint`` (profile interval), ``breakpoint
        (bootstrap)`` and ``jump`` (log-odds, the step size or the change of slope at the
        breakpoint); see :class:`LoyaltyCurve` for the tables.

    Raises
    ------
    ScaleError
        Scores outside the scale or missing.
    DataError
        An outcome that is not 0/1.
    ModelError
        Fewer than three distinct score values, or a constant outcome.

    Notes
    -----
    Every model is a binomial logistic regression on the counts ``(successes, n)`` per
    score value, which gives exactly the row-level estimates (tested against statsmodels
    ``Logit`` on raw rows).

    * linear: ``logit p(s) = a + b s``; banded: the same plus an indicator per band above
      the lowest (columns that add no rank, e.g. a one-value band on a short scale, are
      dropped). The likelihood-ratio test banded vs linear is a valid nested test of
      linearity on the logit scale.
    * step at ``c``: ``a + b s + d 1[s >= c]`` for ``c`` among the observed values above
      the lowest; hinge at ``c``: ``a + b s + d max(s - c, 0)`` for ``c`` among the
      interior values. The breakpoint maximizes the profile log-likelihood over that grid;
      ties (log-likelihoods equal within a relative 1e-9) go to the **lower** value.
    * Profile-likelihood interval: the hull of the grid values whose log-likelihood is
      within ``chi2_1(level) / 2`` of the best. The breakpoint is not a regular
      parameter (it lives on a grid and the jump vanishes under linearity), so this
      interval is approximate.
    * Bootstrap interval: the count table per (score, outcome) is resampled
      multinomially (:func:`~loyaltystats.stats.multinomial_bootstrap`), the grid search
      repeated per replicate (batched Newton fits), and the percentile interval taken with
      grid values (lower and upper order statistics, no interpolation).
    * Isotonic fit: pool-adjacent-violators on the rates, weighted by ``n``
      (:func:`pava`).

    Verdict regions:

    * *supported*: the nested test rejects linearity at ``1 - level``, the breakpoint
      interval lies at or above ``top``, and the jump's interval lies above 0 (Wald; the
      profile-likelihood interval, open on the side the jump runs to, when the deciding fit
      is separated, as the Wald interval of a diverging coefficient is meaningless);
    * *contradicted*: linearity is rejected and either the breakpoint interval lies at or
      above ``top`` with the jump's interval below 0 (loyalty flattens at the top), or a
      significant positive jump sits entirely below ``top``;
    * *inconclusive*: anything else, including no evidence against linearity.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> g = rng.integers(1, 11, 20_000)
    >>> stay = rng.random(20_000) < np.where(g >= 9, 0.85, 0.55)
    >>> res = loyalty_curve(pd.DataFrame({"grade": g, "stay": stay}), "grade", "stay", n_boot=50)
    >>> res.info["breakpoint"], res.verdict
    (9.0, 'supported')
    """
    conf = _check_options(data, id, level, scale, kind, breakpoint_ci, n_boot, seed)
    s, y, m = _count_by_score(data, score, outcome, scale)
    z = float(stats.norm.ppf(0.5 + conf / 2))
    crit = float(stats.chi2.ppf(conf, 1))
    fits = _fit_linear_banded(s, y, m, scale, score, z)
    _fit_segmented(s, y, m, score, z, crit, fits)
    jump = _infer_jump(fits, kind, s, z, crit, y, m)
    chosen = fits.best[kind]
    boot_lo, boot_hi, boot_table = _bootstrap_breakpoint(chosen, y, m, n_boot, conf, seed)
    exists_p = _sup_lr_tests(fits, y, m, n_boot, seed)
    rate = y / m
    r_lo, r_hi = wilson_ci(y, m, conf)
    curve = _curve_table(s, y, m, rate, r_lo, r_hi, scale, fits, chosen)
    bp_lo, bp_hi = jump.ci if breakpoint_ci == "profile" else (boot_lo, boot_hi)
    verdict, reason = _judge(fits.p_lin, conf, bp_lo, bp_hi, top, jump)
    rows = _estimate_rows(s, m, rate, r_lo, r_hi, fits.models, score, jump, n_boot, boot_lo,
                          boot_hi)
    info = {
        "score": score, "outcome": outcome, "scale": scale.name, "bands": bands_info(scale),
        "scale_low": float(scale.low), "scale_high": float(scale.high), "n": int(m.sum()),
        "kind": kind, "top": float(top), "breakpoint": jump.c,
        "breakpoint_ci_low": float(bp_lo), "breakpoint_ci_high": float(bp_hi),
        "breakpoint_ci": breakpoint_ci, "linearity_p_value": fits.p_lin,
        "n_boot": int(n_boot), "seed": seed if isinstance(seed, int) else None,
        "tie_rule": "lowest breakpoint among equal log-likelihoods",
        "breakpoint_exists_p_value": exists_p.get(kind, np.nan),
    }
    for k, b in fits.best.items():
        info[f"{k}_breakpoint"] = b["c"]
    return LoyaltyCurve(
        estimates=estimates_frame(rows), title=f"{outcome} by {score}", level=conf,
        tables={"curve": curve, "models": pd.DataFrame(fits.models),
                "profile": pd.DataFrame(fits.profile_rows), "tests": pd.DataFrame(fits.tests),
                "bootstrap": boot_table},
        info=info, claim_id="T5", statement=STATEMENT,
        claimed={"top": float(top), "kind": kind}, verdict=verdict, reason=reason,
    )
