"""The proportional-odds model moved to :mod:`loyaltystats.stats.ordinal` (issue #17).

This module keeps the old import path working inside the package; it defines nothing.
"""

from ..stats.ordinal import (  # noqa: F401  (re-exported for the old import path)
    OrdinalFit,
    fit_proportional_odds,
    fit_proportional_odds_cells,
    saturated_loglik,
)
