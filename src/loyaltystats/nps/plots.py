"""Plots of the NPS results; every function draws into ``ax`` (or a new Axes) and returns it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._plotting import get_ax

_COLORS = {"detractor": "#d7301f", "passive": "#bdbdbd", "promoter": "#238b45"}


def plot_shares(result: Any, ax: Any = None) -> Any:
    """One stacked bar of detractor, passive and promoter shares, titled with the NPS and CI."""
    ax = get_ax(ax, figsize=(6, 1.8))
    est = result.estimates.set_index("term")["estimate"]
    left = 0.0
    for name, term in (("detractor", "detractors"), ("passive", "passives"),
                       ("promoter", "promoters")):
        width = float(est[term])
        ax.barh([0], [width], left=left, color=_COLORS[name])
        if width >= 0.12:
            ax.text(left + width / 2, 0, f"{name}\n{width:.0%}", ha="center", va="center",
                    fontsize=9)
        left += width
    lo, hi = result.ci
    ax.set_xlim(0, 1)
    ax.set_yticks([])
    ax.set_xlabel("share of answers")
    clustered = ", clustered" if "deff" in result.info else ""
    ax.set_title(f"NPS {result.nps:.1f} [{lo:.1f}, {hi:.1f}] ({result.level:.0%}, "
                 f"{result.info['ci']}{clustered})")
    return ax


def plot_nps_bars(table: pd.DataFrame, *, ax: Any = None, label: str = "term",
                  overall: float | None = None, title: str = "", horizontal: bool = True) -> Any:
    """NPS per group with interval bars; ``overall`` draws a reference line."""
    ax = get_ax(ax)
    est = table["estimate"].to_numpy(float)
    err = np.vstack([est - table["ci_low"].to_numpy(float),
                     table["ci_high"].to_numpy(float) - est])
    labels = table[label].astype(str).tolist()
    pos = np.arange(len(table))
    if horizontal:
        pos = pos[::-1]
        ax.errorbar(est, pos, xerr=err, fmt="o", capsize=3)
        ax.set_yticks(pos)
        ax.set_yticklabels(labels)
        ax.set_xlabel("NPS")
        if overall is not None:
            ax.axvline(overall, color="grey", ls="--", lw=1, label=f"overall {overall:.1f}")
            ax.legend(frameon=False)
    else:
        ax.errorbar(pos, est, yerr=err, fmt="o-", capsize=3)
        ax.set_xticks(pos)
        ax.set_xticklabels(labels, rotation=45 if len(labels) > 8 else 0)
        ax.set_ylabel("NPS")
    if title:
        ax.set_title(title)
    return ax


def plot_survival(km: pd.DataFrame, *, ax: Any = None, title: str = "") -> Any:
    """Kaplan-Meier step curves with pointwise bands, one per group."""
    ax = get_ax(ax)
    for group, g in km.groupby("group", sort=False, observed=True):
        g = g.sort_values("time")
        t = np.r_[0.0, g["time"].to_numpy(float)]
        s = np.r_[1.0, g["survival"].to_numpy(float)]
        lo = np.r_[1.0, g["ci_low"].to_numpy(float)]
        hi = np.r_[1.0, g["ci_high"].to_numpy(float)]
        color = _COLORS.get(str(group))
        line = ax.step(t, s, where="post", label=str(group), color=color)[0]
        ax.fill_between(t, lo, hi, step="post", alpha=0.2, color=line.get_color())
    ax.set_xlabel("time")
    ax.set_ylabel("share still a customer")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax


def plot_lag_weights(table: pd.DataFrame, *, ax: Any = None, title: str = "") -> Any:
    """Weight of each lag (1 = most recent transaction) with interval bars and the 1/2 line."""
    ax = get_ax(ax)
    lags = table["lag"].to_numpy(int)
    est = table["estimate"].to_numpy(float)
    err = np.vstack([est - table["ci_low"].to_numpy(float),
                     table["ci_high"].to_numpy(float) - est])
    ax.bar(lags, est, color="#6baed6")
    ax.errorbar(lags, est, yerr=err, fmt="none", ecolor="black", capsize=4)
    ax.axhline(0.5, color="grey", ls="--", lw=1, label="one half")
    ax.axhline(0.0, color="black", lw=0.5)
    ax.set_xticks(lags)
    ax.set_xlabel("transaction (1 = most recent before the survey)")
    ax.set_ylabel("share of the weight")
    ax.legend(frameon=False)
    if title:
        ax.set_title(title)
    return ax
