"""Pool sparse periods of a discrete-time baseline hazard.

A discrete-time hazard model with one intercept per period (``C(period)``) is separated when
a period has no event: its intercept runs to minus infinity and the fit fails. That happens
in every small study near the end of follow-up. Pooling consecutive periods until each pooled
interval holds enough events keeps a flexible baseline (a step function) without an
intercept per empty period. The cut points depend on the event counts only, never on the
covariates, so the covariate effects keep their meaning.
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError

__all__ = ["pool_periods"]


def pool_periods(period: np.ndarray, events: np.ndarray, min_events: int = 5) -> np.ndarray:
    """Label each row's period with the first period of its pooled interval.

    Consecutive periods are merged, from the first on, until the merged interval holds at
    least ``min_events`` events; a short remainder at the end joins the last interval.

    Parameters
    ----------
    period : array of int
        Period of each row (rows may repeat a period, as in a person-period table).
    events : array of int
        Events in each row.
    min_events : int
        Smallest number of events in a pooled interval (at least 1).

    Returns
    -------
    ndarray of int
        For each row, the first period of its pooled interval.

    Examples
    --------
    >>> import numpy as np
    >>> pool_periods(np.array([0, 1, 2, 3, 4]), np.array([6, 2, 3, 0, 1]), min_events=5)
    array([0, 1, 1, 1, 1])
    """
    if int(min_events) < 1:
        raise ParameterError(f"min_events must be at least 1, got {min_events!r}")
    period = np.asarray(period)
    events = np.asarray(events)
    levels, inv = np.unique(period, return_inverse=True)
    per = np.bincount(inv, weights=events, minlength=len(levels))
    label = np.empty(len(levels), dtype=levels.dtype)
    start, acc, closed = 0, 0.0, []
    for i in range(len(levels)):
        acc += per[i]
        if acc >= min_events:
            closed.append((start, i))
            start, acc = i + 1, 0.0
    if start < len(levels):
        if closed:  # a short tail joins the last full interval
            closed[-1] = (closed[-1][0], len(levels) - 1)
        else:
            closed.append((start, len(levels) - 1))
    for a, b in closed:
        label[a:b + 1] = levels[a]
    return label[inv]
