"""Plots of the Kano results; each draws into the caller's Axes and returns it.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from loyaltystats.kano import questionnaire_counts
>>> r = questionnaire_counts({"wifi": {"A": 60, "O": 20, "M": 10, "I": 30}}, n_boot=0)
>>> ax = r.plot()
>>> ax.get_xlabel()
'worse |CS-| (dissatisfaction when absent)'
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .._plotting import get_ax

if TYPE_CHECKING:  # pragma: no cover
    from .adaptation import Adaptation
    from .decay import Decay
    from .prca import PenaltyReward
    from .questionnaire import KanoQuestionnaire
    from .shift import CategoryShift

__all__ = ["better_worse_chart", "penalty_reward_bars", "decay_curve", "adaptation_curve",
           "shift_chart"]

_COLORS = {"reward": "#2a9d8f", "penalty": "#e76f51", "A": "#2a9d8f", "O": "#457b9d",
           "M": "#e76f51", "I": "#8d99ae", "R": "#6d597a", "Q": "#adb5bd"}


def _err(est: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    if np.all(np.isnan(lo)):
        return None
    return np.vstack([np.clip(est - lo, 0, None), np.clip(hi - est, 0, None)])


def _z(level: float) -> float:
    from scipy import stats

    return float(stats.norm.ppf(0.5 + level / 2))


def better_worse_chart(result: KanoQuestionnaire, ax: Any = None) -> Any:
    """Better-worse quadrant chart: ``|CS-|`` on x, ``CS+`` on y, quadrants at 0.5.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from loyaltystats.kano import questionnaire_counts
    >>> r = questionnaire_counts({"x": {"A": 5, "O": 5, "M": 5, "I": 5}}, n_boot=0)
    >>> better_worse_chart(r).get_ylabel()
    'better CS+ (satisfaction when present)'
    """
    ax = get_ax(ax)
    e = result.estimates
    b = e[e["quantity"] == "better"].reset_index(drop=True)
    w = e[e["quantity"] == "worse"].reset_index(drop=True)
    x = -w["estimate"].to_numpy(float)
    y = b["estimate"].to_numpy(float)
    xerr = _err(x, -w["ci_high"].to_numpy(float), -w["ci_low"].to_numpy(float))
    yerr = _err(y, b["ci_low"].to_numpy(float), b["ci_high"].to_numpy(float))
    cats = result.tables["categories"].set_index("attribute")["category"]
    colors = [_COLORS.get(cats.get(a, "I"), "k") for a in b["attribute"]]
    ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="none", ecolor="0.6", capsize=2, zorder=1)
    ax.scatter(x, y, c=colors, zorder=2)
    for xi, yi, name in zip(x, y, b["attribute"]):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.axvline(0.5, color="0.7", lw=0.8)
    ax.axhline(0.5, color="0.7", lw=0.8)
    for (tx, ty, label) in ((0.02, 0.97, "A attractive"), (0.98, 0.97, "O one-dimensional"),
                            (0.98, 0.03, "M must-be"), (0.02, 0.03, "I indifferent")):
        ax.text(tx, ty, label, transform=ax.transAxes, fontsize=8, color="0.4",
                ha="left" if tx < 0.5 else "right", va="top" if ty > 0.5 else "bottom")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("worse |CS-| (dissatisfaction when absent)")
    ax.set_ylabel("better CS+ (satisfaction when present)")
    ax.set_title(result.title or "Better-worse chart")
    return ax


def penalty_reward_bars(result: PenaltyReward, ax: Any = None) -> Any:
    """Horizontal bars: penalty to the left, reward to the right, with intervals.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, pandas as pd
    >>> from loyaltystats.kano import prca
    >>> df = pd.DataFrame({"x": np.tile([1, 2, 3, 4, 5], 20)})
    >>> df["y"] = 7 + 0.5 * (df["x"] - 3) + np.tile([0.1, -0.1], 50)
    >>> penalty_reward_bars(prca(df, "y", ["x"], n_boot=0)).get_xlabel()
    'effect on the overall score vs a neutral rating'
    """
    ax = get_ax(ax)
    e = result.estimates
    t = result.tables["attributes"]
    k = len(t)
    ypos = np.arange(k)[::-1]
    for q in ("penalty", "reward"):
        r = e[e["quantity"] == q].reset_index(drop=True)
        est = r["estimate"].to_numpy(float)
        ax.barh(ypos, est, color=_COLORS[q], alpha=0.85, label=q, height=0.6)
        err = _err(est, r["ci_low"].to_numpy(float), r["ci_high"].to_numpy(float))
        if err is not None:
            ax.errorbar(est, ypos, xerr=err, fmt="none", ecolor="k", capsize=2, lw=0.8)
    lim = np.nanmax(np.abs(np.r_[t["penalty"], t["reward"]])) * 1.35 if k else 1.0
    lim = lim if np.isfinite(lim) and lim > 0 else 1.0
    ax.set_xlim(-lim, lim)
    ax.axvline(0, color="k", lw=0.8)
    for yi, cat, stab in zip(ypos, t["category"], t["stability"]):
        label = cat if not np.isfinite(stab) else f"{cat} ({stab:.0%})"
        ax.text(lim * 0.98, yi, label, ha="right", va="center", fontsize=8,
                color=_COLORS.get(cat, "k"))
    ax.set_yticks(ypos)
    ax.set_yticklabels(t["attribute"].tolist())
    ax.set_xlabel("effect on the overall score vs a neutral rating")
    ax.set_title(result.title or "Penalty-reward contrast")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def decay_curve(result: Decay, ax: Any = None) -> Any:
    """Reward and penalty per window, the fitted curves with their band, crossing times.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np, pandas as pd
    >>> from loyaltystats.kano import decay
    >>> rng = np.random.default_rng(0)
    >>> t = rng.uniform(0, 12, 3000); x = rng.integers(1, 6, 3000)
    >>> df = pd.DataFrame({"t": t, "x": x, "y": 7 + (x >= 4) * 2.0 ** (-t / 4)
    ...                    + rng.normal(0, 0.5, 3000)})
    >>> decay_curve(decay(df, "y", "x", "t", window=2, n_boot=0)).get_xlabel()
    'months since origin (the unit of the time column)'
    """
    ax = get_ax(ax)
    w = result.tables["windows"]
    w = w[w["estimable"]]
    c = result.tables["curve"]
    for q in ("reward", "penalty"):
        col = _COLORS[q]
        ax.errorbar(w["t_mean"], w[q], yerr=1.96 * w[f"{q}_se"], fmt="o", ms=3, color=col,
                    capsize=2, lw=0.8, label=f"{q} per window")
        ax.plot(c["t"], c[q], color=col, lw=1.5)
        if c[f"{q}_low"].notna().any():
            ax.fill_between(c["t"], c[f"{q}_low"], c[f"{q}_high"], color=col, alpha=0.2,
                            lw=0)
    ax.axhline(0, color="k", lw=0.6)
    e = result.estimates.set_index("term")
    bottom, top = ax.get_ylim()
    for i, (term, label) in enumerate((("t_delighter_to_performance", "A -> O"),
                                       ("t_performance_to_basic", "O -> M"))):
        est, lo, hi = (float(e.loc[term, k]) for k in ("estimate", "ci_low", "ci_high"))
        if math.isfinite(est):
            ax.axvline(est, color="0.3", ls="--", lw=0.8)
            # staggered: the two transitions can be close together
            ax.text(est, top - i * 0.1 * (top - bottom), f" {label} at {est:.3g} months",
                    va="top", fontsize=7, color="0.3")
            if math.isfinite(lo) and math.isfinite(hi):
                ax.axvspan(lo, hi, color="0.5", alpha=0.12, lw=0)
    h = float(e.loc["half_life", "estimate"])
    ax.set_title(f"{result.title} (half-life {h:.3g})" if math.isfinite(h)
                 else f"{result.title} (no finite half-life)")
    # K2's claim ("six months", "a year") reads the time column in months
    ax.set_xlabel("months since origin (the unit of the time column)")
    ax.set_ylabel("effect on the overall score vs neutral")
    ax.legend(loc="best", fontsize=8)
    return ax


def adaptation_curve(result: Adaptation, ax: Any = None) -> Any:
    """Relative effect of the k-th delight with its interval band.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from loyaltystats.kano import adaptation
    >>> from loyaltystats.simulate import generate
    >>> w = generate(3000, seed=1)
    >>> r = adaptation(w.experiences, w.responses[w.responses["D1"] >= 3], "customer_id")
    >>> adaptation_curve(r).get_xlabel()
    'k-th delight of the customer'
    """
    ax = get_ax(ax)
    b = result.tables["by_k"]
    ax.fill_between(b["k"], b["ci_low"], b["ci_high"], color=_COLORS["A"], alpha=0.2, lw=0)
    ax.plot(b["k"], b["relative_effect"], "o-", color=_COLORS["A"])
    ax.axhline(1, color="0.5", lw=0.8, ls="--")
    ax.set_xlabel("k-th delight of the customer")
    ax.set_ylabel("effect relative to the first delight")
    ax.set_title(f"{result.title}: {result.verdict}")
    return ax


def shift_chart(result: CategoryShift, ax: Any = None) -> Any:
    """Asymmetry index per attribute in wave a and wave b, with intervals.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from loyaltystats.kano import category_shift, questionnaire_counts
    >>> a = questionnaire_counts({"m": {"A": 60, "O": 40, "M": 20, "I": 30}}, n_boot=0)
    >>> b = questionnaire_counts({"m": {"A": 20, "O": 40, "M": 70, "I": 30}}, n_boot=0)
    >>> shift_chart(category_shift(a, b)).get_xlabel()
    'asymmetry index (+1 delighter, -1 basic)'
    """
    ax = get_ax(ax)
    t = result.tables["attributes"]
    ypos = np.arange(len(t))[::-1]
    zq = 1.959963984540054 if result.level == 0.95 else _z(result.level)
    for col, off, label, color in (("a", 0.12, "wave a", "0.5"), ("b", -0.12, "wave b", "k")):
        est = t[f"asymmetry_{col}"].to_numpy(float)
        se = t[f"se_{col}"].to_numpy(float)
        ax.errorbar(est, ypos + off, xerr=zq * se, fmt="o", color=color, capsize=2,
                    label=label)
    for yi, a_, b_ in zip(ypos, t["asymmetry_a"], t["asymmetry_b"]):
        ax.annotate("", xy=(b_, yi - 0.12), xytext=(a_, yi + 0.12),
                    arrowprops={"arrowstyle": "->", "color": "0.4"})
    for yi, d, lo, hi in zip(ypos, t["difference"], t["ci_low"], t["ci_high"]):
        ax.text(1.02, yi, f"change {d:+.2f} [{lo:+.2f}, {hi:+.2f}]", fontsize=7,
                va="center", transform=ax.get_yaxis_transform())
    ax.axvline(0, color="0.7", lw=0.8)
    ax.set_xlim(-1.05, 1.05)
    ax.set_yticks(ypos)
    ax.set_yticklabels(t["attribute"].tolist())
    ax.set_xlabel("asymmetry index (+1 delighter, -1 basic)")
    # two lines: title and verdict do not fit in one beside the change labels
    ax.set_title(f"{result.title}:\n{result.verdict}", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    return ax
