"""Kano classification and the delighter life cycle: claims K1-K4 (the claims page of the docs).

- K1 "basics only hurt when missing, performance attributes are linear, delighters only help
  when present": :func:`questionnaire` (Kano answer pairs, Berger et al. 1993) and
  :func:`prca` (penalty-reward contrast analysis of ratings).
- K2 "a delighter today is a performance attribute tomorrow and a basic six months later":
  :func:`decay`.
- K3 "customers get used to wow": :func:`adaptation`.
- K4 "meaning moved from a loyalty driver to a base condition": :func:`category_shift`.

Examples
--------
>>> from loyaltystats import kano
>>> r = kano.questionnaire_counts({"wifi": {"M": 95, "O": 123, "A": 45, "I": 33}}, n_boot=0)
>>> r.table[["better", "worse"]].round(3).values.tolist()
[[0.568, -0.736]]
"""

from ._common import CATEGORIES, CATEGORY_NAMES, NotEstimableWarning
from .adaptation import GETTING_USED, Adaptation, adaptation
from .decay import A_YEAR, SIX_MONTHS, SIX_MONTHS_RATE, Decay, decay
from .prca import PenaltyReward, classify_impact, impact_asymmetry, prca
from .questionnaire import (
    ANSWERS,
    EVALUATION_TABLE,
    KanoQuestionnaire,
    better_worse,
    evaluate,
    fong_test,
    questionnaire,
    questionnaire_counts,
)
from .shift import TOWARDS_BASIC, CategoryShift, category_shift

__all__ = [
    "questionnaire",
    "questionnaire_counts",
    "prca",
    "decay",
    "adaptation",
    "category_shift",
    "evaluate",
    "better_worse",
    "fong_test",
    "impact_asymmetry",
    "classify_impact",
    "KanoQuestionnaire",
    "PenaltyReward",
    "Decay",
    "Adaptation",
    "CategoryShift",
    "NotEstimableWarning",
    "ANSWERS",
    "CATEGORIES",
    "CATEGORY_NAMES",
    "EVALUATION_TABLE",
    "SIX_MONTHS",
    "SIX_MONTHS_RATE",
    "A_YEAR",
    "GETTING_USED",
    "TOWARDS_BASIC",
]
