"""Formula-based fits refuse missing and mixed-type covariates by name (stats/_design.py).

patsy on its own drops a row with a missing covariate and turns a numeric column holding a
stray string into a categorical one, which then looks like separation.
"""

import numpy as np
import pandas as pd
import pytest

from loyaltystats.errors import DataError
from loyaltystats.stats import fit_binomial, fit_binomial_survey, profile_ci

CELLS = pd.DataFrame({"k": [0, 1, 2], "successes": [3, 5, 7], "n": [10, 10, 10]})
ROWS = pd.DataFrame({"x": [0, 0, 1, 1, 0, 1], "y": [0, 1, 1, 1, 0, 0],
                     "w": [1.0, 2, 1, 3, 1, 1]})


@pytest.mark.parametrize("values,match", [([0, None, 2], "missing values"),
                                          ([0, "two", 2], "mixes numbers and text")])
def test_fit_binomial_names_the_covariate(values, match):
    with pytest.raises(DataError, match=match) as err:
        fit_binomial(CELLS.assign(k=values), "k")
    assert err.value.column == "k"


@pytest.mark.parametrize("values,match", [([0, np.nan, 1, 1, 0, 1], "missing values"),
                                          (["a", 0, 1, 1, 0, 1], "mixes numbers and text")])
def test_survey_fit_names_the_covariate(values, match):
    with pytest.raises(DataError, match=match) as err:
        fit_binomial_survey(ROWS.assign(x=values), "x", outcome="y", weights="w")
    assert err.value.column == "x"


@pytest.mark.parametrize("column", ["successes", "n"])
def test_profile_ci_refuses_missing_counts(column):
    fit = fit_binomial(CELLS, "C(k)")
    bad = CELLS.astype(float)
    bad.loc[1, column] = np.nan
    with pytest.raises(DataError, match="finite and non-negative") as err:
        profile_ci(fit, bad)
    assert err.value.column == column


def test_a_clean_design_is_unchanged():
    fit = fit_binomial(CELLS, "C(k)")
    assert fit.params.index.tolist() == ["Intercept", "C(k)[T.1]", "C(k)[T.2]"]
    assert profile_ci(fit, CELLS)["ci_low"].notna().all()
