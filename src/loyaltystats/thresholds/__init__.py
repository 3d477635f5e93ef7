"""Score thresholds: the 7 / 8 / 9+ claims T1-T5 as estimators with intervals and verdicts.

Every function takes raw rows, counts them once with
:func:`loyaltystats.tables.count_cells` and fits its models on the small count table, so
the cost of the statistics does not grow with the number of rows.

========================  ==========================================================  =====
function                  what                                                        claim
========================  ==========================================================  =====
:func:`band_table`        share per grade band; outcome rate and lift per band        T5
:func:`by_level`          score per experience level, proportional-odds model         T1, T3
:func:`basics_ceiling`    score with perfect basics and no delighter vs 8.5           T2
:func:`moments_of_truth`  baseline OK x emotional peak, interaction on log-odds       T4
:func:`loyalty_curve`     rate per score; linear vs banded vs segmented; isotonic     T5
========================  ==========================================================  =====

Examples
--------
>>> import pandas as pd
>>> from loyaltystats.thresholds import by_level
>>> df = pd.DataFrame({"grade": [7, 8, 8, 9, 9, 10], "exp": ["met"] * 3 + ["exceeded"] * 3})
>>> by_level(df, "grade", "exp").tables["levels"][["level", "median"]]
      level  median
0  exceeded     9.0
1       met     8.0
"""

from .._deprecate import moved_name
from ..stats import ordinal as _ordinal
from .bands import BandTable, band_table
from .ceiling import BasicsCeiling, basics_ceiling, fit_linear_cells
from .curve import LoyaltyCurve, loyalty_curve
from .levels import LevelClaim, LevelTable, by_level, claim_region
from .moments import MomentsOfTruth, moments_of_truth

__all__ = [
    "band_table", "by_level", "basics_ceiling", "moments_of_truth", "loyalty_curve",
    "BandTable", "LevelTable", "LevelClaim", "BasicsCeiling", "MomentsOfTruth",
    "LoyaltyCurve",
    "fit_linear_cells", "claim_region",
]


def __getattr__(name: str) -> object:
    # the proportional-odds model moved to loyaltystats.stats (#17); old names work one release
    if name in _ordinal.__all__:
        return moved_name("loyaltystats.thresholds", name, "loyaltystats.stats",
                          getattr(_ordinal, name))
    if name == "pava":  # the isotonic fit moved to loyaltystats.stats too
        from ..stats.isotonic import pava

        return moved_name("loyaltystats.thresholds", name, "loyaltystats.stats", pava)
    raise AttributeError(f"module 'loyaltystats.thresholds' has no attribute {name!r}")
