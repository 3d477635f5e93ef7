"""The confidence level: one check and one normal quantile for every family."""

from __future__ import annotations

from typing import Any

from scipy import stats

from ..errors import ParameterError

__all__ = ["check_level", "z_value"]


def check_level(level: Any) -> float:
    """``level`` as a float, or :class:`ParameterError` unless it is a number in (0, 1).

    Examples
    --------
    >>> check_level(0.9)
    0.9
    """
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ParameterError(f"level must be in (0, 1), got {level!r}")
    return float(level)


def z_value(level: Any) -> float:
    """The two-sided normal quantile of a confidence level (the level is checked first).

    Examples
    --------
    >>> round(z_value(0.95), 4)
    1.96
    """
    return float(stats.norm.ppf(0.5 + check_level(level) / 2))
