"""No foreign exception from the scoring API on any input (issue #18), found by hypothesis."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loyaltystats.errors import ArtifactError, LoyaltyStatsError
from loyaltystats.scoring import LoyaltyScorer, load_scorer

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-2**80, 2**80),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(),
                                                         max_size=2),
    st.sampled_from([8, 9.5, 0, 10, 3, "north", "south"]))
RECORD = st.fixed_dictionaries({}, optional={f: VALUES for f in (
    "grade", "recommend", "negatives", "tenure_months", "segment")})


@pytest.fixture(scope="module")
def scorer():
    from loyaltystats.simulate import generate

    w = generate(3000, seed=2)
    return LoyaltyScorer(features=["segment"]).fit(w.customers, w.experiences)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(records=st.one_of(RECORD, st.lists(RECORD, min_size=1, max_size=3)))
def test_flag_mode_never_raises_on_record_content(scorer, records):
    out = scorer.score(records, errors="flag")
    rows = [out] if isinstance(out, dict) else out.to_dict("records")
    assert len(rows) == (1 if isinstance(records, dict) else len(records))
    for row in rows:
        # a row is either scored or flagged, never both, never neither
        assert (row["error"] == "") == (row["p_switch"] == row["p_switch"])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(records=st.one_of(RECORD, st.lists(RECORD, min_size=1, max_size=3)))
def test_raise_mode_raises_only_package_errors(scorer, records):
    try:
        scorer.score(records, errors="raise")
    except LoyaltyStatsError:
        pass


JSONS = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                               st.text(max_size=4)),
                     lambda c: st.one_of(st.lists(c, max_size=3),
                                         st.dictionaries(st.text(max_size=4), c, max_size=3)),
                     max_leaves=20)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(doc=JSONS, key=st.sampled_from(["settings", "features", "baseline_log_hazard",
                                       "risk_thresholds", "training", "sha256"]))
def test_load_scorer_raises_only_artifact_errors(scorer, doc, key):
    good = json.loads(scorer.to_json())
    for text in (json.dumps(doc), json.dumps({**good, key: doc})):
        try:
            load_scorer(text)
        except ArtifactError:
            pass


def test_load_scorer_limits(scorer, tmp_path):
    with pytest.raises(ArtifactError):
        load_scorer("{" + '"a":' * 0 + '"x": ' + "1" * 5000 + "}")   # beyond the digit limit
    with pytest.raises(ArtifactError):
        load_scorer("[" * 992 + "]" * 992)                          # a path, not a file
    with pytest.raises(ArtifactError, match="nested too deeply|not valid JSON"):
        load_scorer('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    odd = tmp_path / "model[1].json"                                 # "[" in a file name
    scorer.save(odd)
    assert load_scorer(str(odd)).score({"grade": 8, "recommend": 9, "negatives": 0,
                                        "tenure_months": 3, "segment": "north"}, errors="flag")
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(ArtifactError, match="not a regular file"):
        load_scorer(str(fifo))                                       # would block forever


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(bad_line=st.integers(2, 60), chunksize=st.integers(1, 70),
       kind=st.sampled_from(["extra field", "unterminated quote", "fine"]))
def test_csv_scoring_does_not_depend_on_the_chunk_size(scorer, tmp_path_factory, bad_line,
                                                       chunksize, kind):
    from loyaltystats.errors import InputFileError
    from loyaltystats.scoring.batch import score_csv

    d = tmp_path_factory.mktemp("csv")
    lines = ["customer_id,grade,recommend,negatives,tenure_months,segment"]
    lines += [f"{i},{1 + i % 10},{i % 11},{i % 3},{i % 24},north" for i in range(60)]
    if kind == "extra field":
        lines[bad_line - 1] += ",EXTRA"
    elif kind == "unterminated quote":
        lines[bad_line - 1] = lines[bad_line - 1].replace(",", ',"', 1)
    (d / "in.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcomes = []
    for size in (chunksize, 10_000):
        (d / "out.csv").write_text("old", encoding="utf-8")
        try:
            score_csv(scorer, d / "in.csv", d / "out.csv", errors="flag", chunksize=size,
                      progress=False)
            outcomes.append(("ok", (d / "out.csv").read_text()))
        except InputFileError as exc:
            outcomes.append(("error", str(exc)))
            assert (d / "out.csv").read_text() == "old"      # the old output is kept
        assert sorted(os.listdir(d)) == ["in.csv", "out.csv"]  # and nothing else is left
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0][0] == "ok") == (kind == "fine")


def test_errors_raise_names_every_bad_line_and_writes_nothing(scorer, tmp_path):
    from loyaltystats.errors import DataError
    from loyaltystats.scoring.batch import score_csv

    seg = scorer.feature_levels_["segment"][0]
    lines = ["customer_id,grade,recommend,negatives,tenure_months,segment"]
    lines += [f"{i},8,9,0,3,{seg}" for i in range(300)]
    lines[10] = f"9,11,9,0,3,{seg}"      # line 11
    lines[201] = f"200,8,12,0,3,{seg}"   # line 202, in another chunk
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "out.csv").write_text("old", encoding="utf-8")
    for chunksize in (50, 10_000):
        with pytest.raises(DataError) as info:
            score_csv(scorer, tmp_path / "in.csv", tmp_path / "out.csv", errors="raise",
                      chunksize=chunksize, progress=False)
        assert "line 11: grade" in str(info.value) and "line 202: recommend" in str(info.value)
        assert info.value.n_rows == 2
        assert (tmp_path / "out.csv").read_text() == "old"


def test_a_resigned_artifact_that_breaks_the_schema_is_refused(scorer):
    import hashlib

    from loyaltystats.scoring.artifact import _canonical

    doc = json.loads(scorer.to_json())
    doc["settings"] = {**doc["settings"], "horizon_months": "twelve"}
    doc.pop("sha256")
    doc["sha256"] = hashlib.sha256(_canonical(doc)).hexdigest()   # a valid checksum
    with pytest.raises(ArtifactError, match="JSON Schema"):
        load_scorer(json.dumps(doc))
