"""The one reading of a seed: every random step (bootstraps, simulations) starts here."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ParameterError

__all__ = ["make_rng"]


def make_rng(seed: Any, what: str = "this estimator") -> np.random.Generator:
    """A numpy Generator from ``seed``: an int, a ``SeedSequence`` or a ``Generator`` (used
    as it is). ``None`` and anything else are refused with :class:`ParameterError`: results
    are reproducible, so a random step needs a seed (every estimator's default is 0).

    Examples
    --------
    >>> float(make_rng(0).random()) == float(make_rng(0).random())
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (int, np.integer, np.random.SeedSequence)) and not isinstance(
            seed, (bool, np.bool_)):
        return np.random.default_rng(seed)
    if seed is None:
        raise ParameterError(f"{what} is random: give seed= (an int or a numpy Generator; "
                             "the default is 0)")
    raise ParameterError(f"seed must be an int or a numpy Generator, got {type(seed).__name__}")
