"""NPS versus retention: claims N1-N3 (the claims page of the docs).

- N1 "NPS is the number companies ask for": :func:`score` (NPS with trinomial variance, Wald,
  adjusted, score and count-bootstrap intervals, survey weights), :func:`compare` (two groups
  or two waves of the same respondents), :func:`by_segment` (multiplicity-adjusted), and
  :func:`trend`.
- N2 "an NPS survey mostly measures the last transaction": :func:`recency`.
- N3 "satisfaction and NPS are not loyalty": :func:`versus_retention`.

Examples
--------
>>> from loyaltystats import nps
>>> r = nps.score_counts(detractors=20, passives=30, promoters=50, ci="adjusted")
>>> r.nps
30.0
"""

from ._common import CATEGORIES, nps_scale
from .bayes import BayesNPS, ShrunkSegments, nps_posterior, nps_posterior_cdf, shrink_segments
from .compare import NPSComparison, compare
from .recency import RecencyResult, recency
from .retention import RetentionResult, harrell_c, kaplan_meier, versus_retention
from .score import CI_METHODS, NPSResult, nps_interval, score, score_counts, variance
from .segments import SegmentNPS, TrendNPS, by_segment, trend

__all__ = [
    "score",
    "score_counts",
    "compare",
    "by_segment",
    "trend",
    "versus_retention",
    "recency",
    "variance",
    "nps_interval",
    "nps_scale",
    "harrell_c",
    "kaplan_meier",
    "NPSResult",
    "NPSComparison",
    "SegmentNPS",
    "TrendNPS",
    "RetentionResult",
    "RecencyResult",
    "CATEGORIES",
    "CI_METHODS",
    "nps_posterior",
    "nps_posterior_cdf",
    "shrink_segments",
    "BayesNPS",
    "ShrunkSegments",
]
