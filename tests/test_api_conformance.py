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

from loyaltystats import (
    drivers,
    effort,
    kano,
    market,
    nps,
    pyramid,
    switching,
    thresholds,
    value,
)
from loyaltystats.results import ESTIMATE_COLUMNS, ClaimResult, Result
from test_missing_policy import CASES, base  # noqa: F401  (the same tables)

MODULES = (switching, nps, kano, thresholds, pyramid, drivers, market, value, effort)
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
    table = r.summary()
    assert isinstance(table, pd.DataFrame) and table.attrs["title"] == r.title
    assert tuple(table.columns[: len(ESTIMATE_COLUMNS)]) == ESTIMATE_COLUMNS
    assert r.to_text() in repr(r)
    text = repr(r)
    assert "object at 0x" not in text and "DataFrame(" not in text, text[:200]
    assert not text.startswith(type(r).__name__ + "(")   # not a raw dataclass dump
    assert "<table" in r._repr_html_()
    if isinstance(r, ClaimResult):
        assert r.claim is r
    else:
        claim = getattr(r, "claim", None)
        assert claim is None or isinstance(claim, ClaimResult)
    if r.claim is not None:
        from loyaltystats.claims.registry import get_claim

        # the claim's words come from the registry alone
        assert r.claim.statement == get_claim(r.claim.claim_id).statement


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


# ------------------------------------------------------------------ one vocabulary
def test_one_vocabulary_for_level_seed_and_missing():
    for name, fn in _estimators().items():
        params = inspect.signature(fn).parameters
        assert "conf_level" not in params, name
        if "level" in params:
            assert params["level"].default == 0.95, name      # the confidence level
        if "seed" in params:
            assert params["seed"].default == 0, name
            assert params["seed"].kind is inspect.Parameter.KEYWORD_ONLY or name in (
                "score",), name
        if "n_boot" in params:
            assert isinstance(params["n_boot"].default, int), name


def test_old_spellings_work_one_release_with_a_deprecation_warning(base):  # noqa: F811
    r = base["responses"]
    want = thresholds.by_level(r, "grade", "expectation", level=0.9)
    with pytest.warns(DeprecationWarning, match="conf_level= is now level="):
        old = thresholds.by_level(r, "grade", "expectation", conf_level=0.9)
    pd.testing.assert_frame_equal(old.estimates, want.estimates)
    with pytest.warns(DeprecationWarning, match="now by="):
        old = thresholds.by_level(r, "grade", level="expectation")
    pd.testing.assert_frame_equal(old.estimates,
                                  thresholds.by_level(r, "grade", by="expectation").estimates)
    from loyaltystats.errors import ParameterError

    with pytest.raises(ParameterError, match="level= only"):
        thresholds.band_table(r, "grade", level=0.9, conf_level=0.9)


def test_a_refused_seed_is_one_error_everywhere(base):  # noqa: F811
    from loyaltystats.errors import ParameterError

    r = base["responses"]
    calls = [lambda s: nps.score(r["recommend"], ci="bootstrap", seed=s, n_boot=20),
             lambda s: kano.prca(r, "grade", ["B1", "D1"], n_boot=10, seed=s),
             lambda s: drivers.driver_importance(r, ("grade", "recommend"), ["B1", "D1"],
                                                 n_boot=10, seed=s),
             lambda s: market.convergence(r, "grade", "company", "year", n_boot=10, seed=s)]
    for call in calls:
        for bad in (None, "one", 1.5, True):
            with pytest.raises(ParameterError, match="seed"):
                call(bad)


# options (not tables or column roles) still accepted positionally; the list may only shrink
# The options that were positional before #17, in their old order: they are keyword-only
# now and still accepted by position for one release, with a DeprecationWarning.
OLD_POSITIONAL = {
    "dose_response": ("cap", "claimed", "weights"), "threshold": ("cap",),
    "hazard": ("kind", "period", "horizon", "method"), "intent_vs_behavior": ("cap",),
    "score": ("scale", "weights", "ci", "level", "seed"), "compare": ("paired",),
    "by_segment": ("adjust",), "recency": ("lags",), "band_table": ("scale", "weights"),
    "by_level": ("scale", "claimed"), "basics_ceiling": ("claimed",),
    "loyalty_curve": ("scale",),
}
OPTIONS = {"cap", "claimed", "kind", "horizon", "method", "scale", "weights", "ci",
           "level", "seed", "paired", "adjust", "lags", "n_boot", "margin",
           "statistic", "missing", "tolerance", "window", "threshold"}


def test_options_are_keyword_only():
    for name, fn in _estimators().items():
        params = inspect.signature(fn).parameters
        positional = {k for k, p in params.items()
                      if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and k in OPTIONS}
        assert not positional, (name, positional)


def test_old_positional_options_still_work_with_a_warning(base):  # noqa: F811
    c = base["customers"]
    want = switching.dose_response(c, "negatives", "switched", cap=2)
    with pytest.warns(DeprecationWarning, match=r"dose_response: pass cap= by keyword"):
        old = switching.dose_response(c, "negatives", "switched", 2)
    pd.testing.assert_frame_equal(old.estimates, want.estimates)
    with pytest.raises(TypeError, match="multiple values for argument 'cap'"):
        switching.dose_response(c, "negatives", "switched", 2, cap=3)
    with pytest.raises(TypeError, match="positional arguments"):
        switching.intent_vs_behavior(c, "negatives", "considering_switch", "switched", 3, 4)
    for name, old_names in OLD_POSITIONAL.items():
        fn = next(getattr(m, name) for m in MODULES if name in m.__all__)
        params = inspect.signature(fn).parameters
        assert all(params[n].kind is inspect.Parameter.KEYWORD_ONLY for n in old_names), name


def test_the_score_column_is_score_everywhere_old_names_warn(base):  # noqa: F811
    for fn in (kano.prca, kano.decay, kano.adaptation, value.lifetime_by_band, nps.recency):
        assert "score" in inspect.signature(fn).parameters, fn.__name__
    c = base["customers"]
    want = value.lifetime_by_band(c, score="grade")
    with pytest.warns(DeprecationWarning, match="grade= is now score="):
        old = value.lifetime_by_band(c, grade="grade")
    pd.testing.assert_frame_equal(old.estimates, want.estimates)
    with pytest.warns(DeprecationWarning, match="overall= is now score="):
        kano.prca(base["responses"], overall="grade", attributes=["B1", "D1"], n_boot=0)


@pytest.mark.parametrize("module, name, new", [
    ("loyaltystats.value", "rmst", "loyaltystats.stats"),
    ("loyaltystats.thresholds", "fit_proportional_odds", "loyaltystats.stats"),
    ("loyaltystats.thresholds", "OrdinalFit", "loyaltystats.stats"),
    ("loyaltystats.thresholds", "pava", "loyaltystats.stats"),
])
def test_generic_routines_moved_to_stats_old_names_warn(module, name, new):
    import importlib
    with pytest.warns(DeprecationWarning, match=rf"{module}.{name} moved to {new}.{name}"):
        old = getattr(importlib.import_module(module), name)
    assert old is getattr(importlib.import_module(new), name)
    assert name not in importlib.import_module(module).__all__
    with pytest.raises(AttributeError):
        importlib.import_module(module).no_such_name  # noqa: B018
