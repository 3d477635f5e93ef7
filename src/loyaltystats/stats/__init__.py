"""Claim-agnostic estimation primitives, each once: proportions and their differences,
multiplicity, GLMs (with profile-likelihood intervals and the design-based variance of
weighted data), the proportional-odds and Cox models on cells (with their baseline
hazard, robust variance, strata and proportional-hazards test), isotonic regression,
survival (log-rank, RMST), the count bootstrap, rows counted into patterns,
dominance analysis of R-squared.

Kaplan-Meier lives in :mod:`loyaltystats.stats.survival` and is public as
:func:`loyaltystats.nps.kaplan_meier` (one name on the reference pages).
"""

from .baseline import pool_periods
from .bootstrap import BootstrapResult, multinomial_bootstrap
from .cox import CoxCountsFit, fit_cox_counts
from .cox_baseline import cox_baseline, cox_survival
from .cox_zph import CoxZph, cox_zph
from .dominance import dominance_statistics, subset_r2
from .glm import BinomialFit, fit_binomial, lr_test
from .glm_profile import fit_binomial_limit, profile_ci
from .isotonic import pava
from .levels import check_level, z_value
from .ordinal import (
    OrdinalFit,
    fit_proportional_odds,
    fit_proportional_odds_cells,
    saturated_loglik,
)
from .patterns import row_patterns, weighted_cov
from .proportions import (
    binomial_test,
    clopper_pearson_ci,
    holm,
    newcombe_diff,
    proportion_table,
    wilson_ci,
)
from .seeds import make_rng
from .survey_glm import SurveyBinomialFit, fit_binomial_survey, survey_ciprop
from .survival import logrank, rmst

__all__ = [
    "BinomialFit", "fit_binomial", "lr_test", "pool_periods", "profile_ci",
    "fit_binomial_limit", "SurveyBinomialFit", "fit_binomial_survey", "survey_ciprop",
    "BootstrapResult", "multinomial_bootstrap",
    "wilson_ci", "clopper_pearson_ci", "proportion_table", "binomial_test", "make_rng",
    "newcombe_diff", "holm", "check_level", "z_value", "logrank", "rmst",
    "CoxCountsFit", "fit_cox_counts", "cox_baseline", "cox_survival", "CoxZph", "cox_zph",
    "pava",
    "OrdinalFit", "fit_proportional_odds", "fit_proportional_odds_cells", "saturated_loglik",
    "row_patterns", "weighted_cov", "dominance_statistics", "subset_r2",
]
