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


def clipped_texts(fig: Any, tolerance: float = 1.0) -> list[str]:
    """The visible texts of ``fig`` that reach outside the figure (clipped when saved).

    Titles, labels, tick labels and legends are checked in display pixels against the
    figure's box, ``tolerance`` pixels of slack.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 2))
    >>> _ = ax.set_title("a title far too long to fit in a figure two inches wide")
    >>> "a title far too long to fit in a figure two inches wide" in clipped_texts(fig)
    True
    >>> plt.close(fig)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    # a figure detached from pyplot has a bare canvas: draw it on Agg, as savefig would
    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    # tick labels of ticks outside the view exist as Text objects but are never drawn
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            slack = 1e-9 * max(abs(lo), abs(hi), 1.0)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - slack <= tick.get_loc() <= hi + slack:
                    hidden.update({id(tick.label1), id(tick.label2)})
    box = fig.bbox
    out = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or id(t) in hidden:
            continue
        e = t.get_window_extent(renderer)
        if (e.x0 < box.x0 - tolerance or e.y0 < box.y0 - tolerance
                or e.x1 > box.x1 + tolerance or e.y1 > box.y1 + tolerance):
            out.append(t.get_text())
    return out
