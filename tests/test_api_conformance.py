"""API conformance over every public estimator (issue #17).

The estimators are discovered from the modules' ``__all__`` (a function whose first parameter
is a table); each must have a call in test_missing_policy.CASES, so a new estimator cannot
skip these checks. Every result must: keep the result protocol (``estimates`` with the stable
columns, ``tables``, ``info``, ``summary``, a readable repr and HTML), round-trip through JSON,
pickle and deep-copy, and give the same numbers for the same seed.
"""

from __future__ import annotations

import copy
import inspect
import pickle

import pandas as pd
import pytest

from loyaltystats import drivers, kano, market, nps, pyramid, switching, thresholds, value
from loyaltystats.results import ESTIMATE_COLUMNS, ClaimResult, Result
from test_missing_policy import CASES, base  # noqa: F401  (the same tables)

MODULES = (switching, nps, kano, thresholds, pyramid, drivers, market, value)
TABLES = {"customers", "data", "responses", "experiences", "long", "transactions"}
# estimators with their own tests of the same protocol (a long table, two waves, a questionnaire)
ELSEWHERE = {"cox_time_varying", "questionnaire"}


def _estimators() -> dict[str, object]:
    found = {}
    for mod in MODULES:
        for name in mod.__all__:
            fn = getattr(mod, name)
            if inspect.isfunction(fn) and next(iter(inspect.signature(fn).parameters)) in TABLES:
                found[name] = fn
    return found


def test_every_public_estimator_is_in_the_conformance_table():
    missing = set(_estimators()) - set(CASES) - ELSEWHERE
    assert not missing, f"add a call to test_missing_policy.CASES for {sorted(missing)}"


@pytest.fixture(scope="module")
def results(base):  # noqa: F811
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: CASES[name][2](base) for name in CASES}


@pytest.mark.parametrize("name", list(CASES))
def test_the_result_protocol(results, name):
    r = results[name]
    assert isinstance(r, Result)
    assert tuple(r.estimates.columns[: len(ESTIMATE_COLUMNS)]) == ESTIMATE_COLUMNS
    assert isinstance(r.tables, dict) and all(isinstance(t, pd.DataFrame)
                                              for t in r.tables.values())
    assert isinstance(r.info, dict)
    text = repr(r)
    assert "object at 0x" not in text and "DataFrame(" not in text, text[:200]
    assert not text.startswith(type(r).__name__ + "(")   # not a raw dataclass dump
    assert "<table" in r._repr_html_()
    if isinstance(r, ClaimResult):
        assert r.claim is r
    else:
        claim = getattr(r, "claim", None)
        assert claim is None or isinstance(claim, ClaimResult)


@pytest.mark.parametrize("name", list(CASES))
def test_results_pickle_deepcopy_and_round_trip_json(results, name):
    r = results[name]
    for copied in (pickle.loads(pickle.dumps(r)), copy.deepcopy(r)):
        assert type(copied) is type(r)
        pd.testing.assert_frame_equal(copied.estimates, r.estimates)
    back = type(r).from_dict(r.to_dict())
    pd.testing.assert_frame_equal(back.estimates, r.estimates, check_dtype=False)


@pytest.mark.parametrize("name", [n for n in CASES
                                  if "seed" in inspect.signature(_estimators()[n]).parameters])
def test_the_same_seed_gives_the_same_numbers(base, name):  # noqa: F811
    import warnings

    call = CASES[name][2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = call(base), call(base)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)


def test_the_scorer_pickles_deep_copies_and_clones():
    from loyaltystats.scoring import LoyaltyScorer
    from loyaltystats.simulate import generate

    w = generate(3000, seed=1)
    s = LoyaltyScorer(features=["segment"]).fit(w.customers, w.experiences)
    rec = {"grade": 6, "recommend": 3, "negatives": 2, "tenure_months": 4,
           "segment": s.feature_levels_["segment"][0]}
    for t in (pickle.loads(pickle.dumps(s)), copy.deepcopy(s)):
        assert t.score(rec)["p_switch"] == s.score(rec)["p_switch"]
        assert t.risk_thresholds_ == s.risk_thresholds_
        with pytest.raises(AttributeError):   # still immutable once fitted
            t.cap = 5
    # scikit-learn's contract: get_params / set_params, and clone gives an unfitted copy
    params = s.get_params()
    fresh = type(s)(**params)
    assert fresh.get_params() == params and not fresh._fitted
    assert fresh.set_params(cap=2).cap == 2
