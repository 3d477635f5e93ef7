"""Claim-agnostic estimation primitives: proportions, GLMs on cells, count bootstrap."""

from .baseline import pool_periods
from .bootstrap import BootstrapResult, multinomial_bootstrap
from .glm import BinomialFit, fit_binomial, lr_test
from .proportions import binomial_test, clopper_pearson_ci, proportion_table, wilson_ci
from .seeds import make_rng

__all__ = [
    "BinomialFit", "fit_binomial", "lr_test", "pool_periods",
    "BootstrapResult", "multinomial_bootstrap",
    "wilson_ci", "clopper_pearson_ci", "proportion_table", "binomial_test", "make_rng",
]
