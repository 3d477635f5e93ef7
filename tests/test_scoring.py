"""The scoring API: fitted scorer, JSON artifacts, validation, threads."""

import json
import math
import threading

import jsonschema
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltystats.errors import ArtifactError, DataError, LoyaltyStatsError, NotFittedError
from loyaltystats.scoring import (
    OUTPUT_COLUMNS,
    LoyaltyScorer,
    artifact_schema,
    load_scorer,
    record_schema,
)
from loyaltystats.simulate import generate


@pytest.fixture(scope="module")
def world():
    return generate(40_000, seed=21)


@pytest.fixture(scope="module")
def scorer(world):
    return LoyaltyScorer(features=["segment"]).fit(world.customers, world.experiences)


def _records(n, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "grade": rng.integers(1, 11, n), "recommend": rng.integers(0, 11, n),
        "negatives": rng.integers(0, 6, n), "tenure_months": rng.integers(0, 30, n),
        "segment": rng.choice(["A", "B", "C"], n),
    })


def test_output_columns_and_dtypes_are_stable(scorer):
    out = scorer.score(_records(50))
    assert tuple(out.columns) == OUTPUT_COLUMNS
    assert out["p_switch"].dtype == np.float64 and out["expected_months"].dtype == np.float64
    assert list(out["risk_tier"].cat.categories) == ["low", "medium", "high"]
    assert out["p_switch"].between(0, 1).all()
    assert out["expected_months"].between(0, 12).all()


def test_round_trip_artifact_gives_identical_scores(scorer, tmp_path):
    path = tmp_path / "scorer.json"
    scorer.save(str(path))
    loaded = load_scorer(str(path))
    recs = _records(500, seed=1)
    pd.testing.assert_frame_equal(scorer.score(recs), loaded.score(recs))
    assert load_scorer(scorer.to_json()).score(recs.iloc[:3]).equals(scorer.score(recs.iloc[:3]))


def test_scores_equal_the_hazard_models_own_prediction(scorer):
    """p_switch equals 1 - prod(1 - h_t), with h_t from the GLM's predict on the same cells."""
    rec = {"grade": 6, "recommend": 4, "negatives": 2, "tenure_months": 5, "segment": "B"}
    cells = pd.DataFrame({
        "period": np.minimum(np.arange(5, 5 + 12), 23),
        "band": pd.Categorical(["<=6"] * 12, categories=["<=6", "7", "8", "9-10"], ordered=True),
        "nps_category": pd.Categorical(["detractor"] * 12,
                                       categories=["detractor", "passive", "promoter"],
                                       ordered=True),
        "negatives": 2, "segment": pd.Categorical(["B"] * 12, categories=["A", "B", "C"]),
    })
    h = scorer.fit_.predict(cells)
    assert scorer.score(rec)["p_switch"] == pytest.approx(1 - np.prod(1 - h), rel=1e-10)
    assert scorer.score(rec)["expected_months"] == pytest.approx(np.sum(np.cumprod(1 - h)),
                                                                 rel=1e-10)


def test_single_dict_path_equals_frame_path(scorer):
    recs = _records(200, seed=3)
    frame = scorer.score(recs)
    for i in range(0, 200, 17):
        rec = {k: (v.item() if hasattr(v, "item") else v) for k, v in recs.iloc[i].items()}
        one = scorer.score(rec)
        for col in OUTPUT_COLUMNS:
            a, b = one[col], frame[col].iloc[i]
            if isinstance(a, float):
                assert a == pytest.approx(b, rel=1e-12, nan_ok=True), col
            else:
                assert str(a) == str(b), col


def test_scorer_recovers_the_worlds_switching_truth():
    w = generate(60_000, seed=8, beta_recovered=0.0)
    s = LoyaltyScorer(risk_thresholds=(0.3, 0.6)).fit(w.customers, w.experiences)
    shares = w.truth["relationship_band_shares"]
    for k in range(4):
        # average over the relationship-band mix, at onboarding; recommend at a passive 7-8
        # (the world's hazard does not depend on recommend given the grade band)
        recs = pd.DataFrame({"grade": [5, 7, 8, 9], "recommend": 8, "negatives": k,
                             "tenure_months": 0})
        p = s.score(recs)["p_switch"].to_numpy()
        est = float(np.dot(p, [shares[b] for b in ["<=6", "7", "8", "9-10"]]))
        assert est == pytest.approx(w.truth["p_switch_12m_by_unrecovered"][k], abs=0.04)


def test_flag_mode_keeps_every_record_in_order(scorer):
    recs = [
        {"grade": 8, "recommend": 9, "negatives": 0, "tenure_months": 1, "segment": "A"},
        {"grade": 11, "recommend": 9, "negatives": 0, "tenure_months": 1, "segment": "A"},
        {"grade": 8, "recommend": "nine", "negatives": -1, "tenure_months": 1, "segment": "Z"},
        {"grade": 8, "recommend": 9, "negatives": 0, "segment": "A"},
    ]
    out = scorer.score(recs, errors="flag")
    assert len(out) == 4 and out["error"].iloc[0] == ""
    assert "grade: outside 1-10 (11)" == out["error"].iloc[1]
    assert "recommend: not a number ('nine')" in out["error"].iloc[2]
    assert "negatives" in out["error"].iloc[2] and "segment: unknown category ('Z')" in out["error"].iloc[2]
    assert np.isnan(out["p_switch"].iloc[1]) and not np.isnan(out["p_switch"].iloc[0])
    assert "tenure_months" in out["error"].iloc[3]


def test_raise_mode_names_field_rows_and_values(scorer):
    recs = _records(10)
    recs.loc[[2, 5], "grade"] = [0, 12]
    with pytest.raises(DataError) as info:
        scorer.score(recs)
    err = info.value
    assert err.column == "grade" and err.n_rows == 2 and set(err.examples) == {0, 12}
    with pytest.raises(DataError, match="missing field"):
        scorer.score(recs.drop(columns="tenure_months"))


def test_not_fitted_and_immutable(scorer):
    with pytest.raises(NotFittedError):
        LoyaltyScorer().score({"grade": 8})
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(LoyaltyScorer()))
    with pytest.raises(AttributeError, match="immutable"):
        scorer.horizon_months = 6
    with pytest.raises(AttributeError, match="immutable"):
        scorer.set_params(cap=2)
    with pytest.raises(ValueError):
        scorer.baseline_log_hazard_[0] = 1.0
    with pytest.raises(TypeError):
        scorer.coefficients_["band"]["7"] = 1.0
    assert LoyaltyScorer(cap=2).get_params()["cap"] == 2


def test_scoring_from_threads_matches_serial(scorer):
    recs = _records(20_000, seed=5)
    expected = scorer.score(recs)
    results = [None] * 4

    def work(i):
        results[i] = scorer.score(recs)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        pd.testing.assert_frame_equal(r, expected)


def test_artifact_validates_against_shipped_schema(scorer):
    jsonschema.validate(json.loads(scorer.to_json()), artifact_schema())
    jsonschema.validate({"grade": 8.5, "recommend": 9, "negatives": 0, "tenure_months": 3},
                        record_schema())
    narrowed = scorer.record_schema()
    jsonschema.validate({"grade": 8, "recommend": 9, "negatives": 0, "tenure_months": 3,
                         "segment": "A"}, narrowed)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"grade": 8, "recommend": 9, "negatives": 0, "tenure_months": 3,
                             "segment": "Z"}, narrowed)


def _resign(doc):
    import hashlib
    payload = {k: v for k, v in doc.items() if k != "sha256"}
    doc["sha256"] = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"))
                                   .encode()).hexdigest()
    return json.dumps(doc)


@pytest.mark.parametrize("corrupt, message", [
    (lambda d: "this is { not json", "no such file"),  # not JSON text, not a file
    (lambda d: "{ not json", "not valid JSON"),
    (lambda d: json.dumps({k: v for k, v in d.items() if k != "training"}), "missing key"),
    (lambda d: _resign({**d, "schema_version": 99}), "unknown schema_version 99"),
    (lambda d: json.dumps({**d, "baseline_log_hazard": [0.0] + d["baseline_log_hazard"][1:]}),
     "checksum mismatch"),
    (lambda d: json.dumps(d).replace('"risk_thresholds": [', '"risk_thresholds": [NaN, '),
     "NaN"),
    (lambda d: _resign({**d, "features": {**d["features"], "band": {
        **d["features"]["band"], "coefficients": {"<=6": 0.0, "7": 1e400, "8": 0.0, "9-10": 0.0}}}}),
     "Infinity"),
])
def test_bad_artifacts_raise_artifact_error(scorer, corrupt, message):
    doc = json.loads(scorer.to_json())
    with pytest.raises(ArtifactError, match=message):
        load_scorer(corrupt(doc))


def test_missing_file_raises_artifact_error(tmp_path):
    with pytest.raises(ArtifactError, match="cannot read"):
        load_scorer(str(tmp_path / "nope.json"))


_value = st.one_of(st.none(), st.booleans(), st.integers(-5, 40), st.text(max_size=4),
                   st.floats(allow_nan=True, allow_infinity=True), st.just("A"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(st.fixed_dictionaries({}, optional={
    "grade": _value, "recommend": _value, "negatives": _value, "tenure_months": _value,
    "segment": _value}), min_size=1, max_size=8))
def test_random_records_only_raise_package_errors(scorer, records):
    out = scorer.score(records, errors="flag")
    assert len(out) == len(records)
    assert ((out["error"] == "") == out["p_switch"].notna()).all()
    try:
        scorer.score(records)
    except LoyaltyStatsError:
        pass
    for r in records:
        try:
            one = scorer.score(r)
            assert 0 <= one["p_switch"] <= 1
        except LoyaltyStatsError:
            pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_artifact_corruptions_only_raise_artifact_error(scorer, data):
    text = scorer.to_json()
    kind = data.draw(st.sampled_from(["truncate", "flip", "insert", "resign"]))
    if kind == "truncate":
        bad = text[: data.draw(st.integers(0, len(text) - 1))]
    elif kind == "flip":
        i = data.draw(st.integers(0, len(text) - 1))
        bad = text[:i] + data.draw(st.characters(codec="ascii")) + text[i + 1:]
    elif kind == "insert":
        i = data.draw(st.integers(0, len(text)))
        bad = text[:i] + data.draw(st.text(max_size=5)) + text[i:]
    else:
        doc = json.loads(text)
        key = data.draw(st.sampled_from(sorted(k for k in doc if k != "sha256")))
        doc[key] = data.draw(st.one_of(st.none(), st.integers(), st.text(max_size=3),
                                       st.lists(st.integers(), max_size=3),
                                       st.dictionaries(st.text(max_size=2), st.integers(),
                                                       max_size=2)))
        bad = _resign(doc)
    try:
        s = load_scorer(bad)
    except ArtifactError:
        return
    # a corruption that survived must still give a valid scorer (e.g. whitespace inserted)
    p = s.score({"grade": 8, "recommend": 9, "negatives": 0, "tenure_months": 1,
                 "segment": "A"})["p_switch"]
    assert math.isfinite(p)


def test_reasons_only_name_factors_that_raise_the_risk(scorer):
    out = scorer.score(_records(300, seed=5))
    for i in (1, 2, 3):
        c = out[f"contribution_{i}"]
        named = out[f"reason_{i}"] != ""
        assert (c[named] > 0).all() and c[~named].isna().all()
    assert (out["reason_1"] == "").any() or (out["contribution_1"] > 0).all()


def test_fit_names_the_customers_without_a_response():
    from loyaltystats.errors import DataError
    from loyaltystats.scoring import LoyaltyScorer
    from loyaltystats.simulate import generate

    w = generate(600, seed=3)
    # a customer who did answer, with all their answers removed
    gone = int(w.responses["customer_id"].iloc[0])
    responses = w.responses[w.responses["customer_id"] != gone]
    with pytest.raises(DataError, match="customers without any response") as err:
        LoyaltyScorer().fit(w.customers, w.experiences, responses)
    assert err.value.table == "responses" and gone in err.value.examples
