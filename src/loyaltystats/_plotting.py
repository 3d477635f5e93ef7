"""Shared plotting helpers; matplotlib is an optional dependency (extra ``plot``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .errors import LoyaltyStatsError


def require_matplotlib() -> Any:
    """Import pyplot or raise a clear error telling how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise LoyaltyStatsError(
            "plotting needs matplotlib: pip install 'loyaltystats[plot]'"
        ) from exc
    return plt


def get_ax(ax: Any = None, **subplot_kw: Any) -> Any:
    """Return ``ax`` or a new Axes on a new figure."""
    plt = require_matplotlib()
    if ax is None:
        _, ax = plt.subplots(**subplot_kw)
    return ax


def forest_plot(estimates: pd.DataFrame, ax: Any = None, title: str = "") -> Any:
    """Point estimates with interval bars, one row per term."""
    ax = get_ax(ax)
    y = list(range(len(estimates)))[::-1]
    est = estimates["estimate"].to_numpy(float)
    lo = est - estimates["ci_low"].to_numpy(float)
    hi = estimates["ci_high"].to_numpy(float) - est
    ax.errorbar(est, y, xerr=[lo, hi], fmt="o", capsize=3)
    ax.set_yticks(y)
    ax.set_yticklabels(estimates["term"].tolist())
    if title:
        ax.set_title(title)
    return ax
