"""The Kano tie rule: when categories share the highest count, M > O > A > I > R > Q.

Source of the rule: Berger, C. et al. (1993), "Kano's methods for understanding
customer-defined quality", Center for Quality Management Journal 2(4), 3-35, the source the
Kano literature gives for the hierarchy rule M > O > A > I when categories tie (the order of
the cost of a wrong call); reverse and questionable come last here.
"""

import itertools

import pytest

from loyaltystats.errors import ParameterError
from loyaltystats.kano import questionnaire_counts

# designed ties: each row's highest count is shared; the expected winner by M > O > A > I
DESIGNED = {
    "all four": ({"A": 10, "O": 10, "M": 10, "I": 10}, "M"),
    "A and O": ({"A": 12, "O": 12, "M": 3, "I": 1}, "O"),
    "A and M": ({"A": 9, "O": 2, "M": 9, "I": 4}, "M"),
    "O and M": ({"A": 1, "O": 7, "M": 7, "I": 2}, "M"),
    "A and I": ({"A": 6, "O": 2, "M": 1, "I": 6}, "A"),
    "I and R": ({"A": 1, "O": 1, "M": 1, "I": 5, "R": 5}, "I"),
    "no tie": ({"A": 3, "O": 2, "M": 1, "I": 9}, "I"),
}


@pytest.mark.parametrize("name", list(DESIGNED))
def test_default_tie_rule_is_m_o_a_i(name):
    counts, want = DESIGNED[name]
    r = questionnaire_counts({"x": counts}, n_boot=0)
    assert r.table.loc[0, "category"] == want
    assert r.info["tie_order"] == "MOAIRQ"


def test_runner_up_is_the_other_tied_category():
    r = questionnaire_counts({"x": {"A": 12, "O": 12, "M": 3, "I": 1}}, n_boot=0)
    assert tuple(r.table.loc[0, ["category", "runner_up"]]) == ("O", "A")
    assert not r.table.loc[0, "clear"]  # a tie is never a clear winner (Fong)


def test_tie_order_is_configurable():
    counts = {"x": {"A": 9, "O": 2, "M": 9, "I": 4}}
    assert questionnaire_counts(counts, n_boot=0, tie_order="AOMIRQ").table.loc[
        0, "category"] == "A"
    assert questionnaire_counts(counts, n_boot=0, tie_order=list("MOAIRQ")).table.loc[
        0, "category"] == "M"


@pytest.mark.parametrize("order", ["MOAI", "MOAIRR", "MOAIRX", ""])
def test_tie_order_must_name_each_category_once(order):
    with pytest.raises(ParameterError, match="tie_order"):
        questionnaire_counts({"x": {"A": 1, "O": 1}}, n_boot=0, tie_order=order)


def test_every_order_picks_the_first_tied_category():
    counts = {"x": {"A": 4, "O": 4, "M": 4, "I": 4, "R": 4, "Q": 4}}
    for order in itertools.permutations("AOMIRQ"):
        r = questionnaire_counts(counts, n_boot=0, tie_order=order)
        assert r.table.loc[0, "category"] == order[0]
        assert r.table.loc[0, "runner_up"] == order[1]
