"""The web-service example in docs/ works against a real saved scorer."""

import importlib.util
import io
import json
from pathlib import Path

import pytest

from loyaltystats.scoring import LoyaltyScorer
from loyaltystats.simulate import generate

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "scoring_service.py"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("scoring_service", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    w = generate(4000, seed=3)
    path = tmp_path_factory.mktemp("svc") / "scorer.json"
    LoyaltyScorer().fit(w.customers, w.experiences).save(str(path))
    return mod.make_app(str(path))


def _call(app, body, path="/score"):
    data = body.encode()
    status = {}
    env = {"PATH_INFO": path, "REQUEST_METHOD": "POST", "CONTENT_LENGTH": str(len(data)),
           "wsgi.input": io.BytesIO(data)}
    out = b"".join(app(env, lambda s, h: status.setdefault("s", s)))
    return status["s"], json.loads(out)


def test_service_scores_a_record(app):
    status, body = _call(app, json.dumps({"grade": 7, "recommend": 6, "negatives": 1,
                                          "tenure_months": 4}))
    assert status.startswith("200") and 0 < body["p_switch"] < 1 and body["band"] == "7"


def test_service_rejects_bad_records_with_the_field_named(app):
    status, body = _call(app, json.dumps({"grade": 70, "recommend": 6, "negatives": 1,
                                          "tenure_months": 4}))
    assert status.startswith("422") and "grade" in body["error"]
    status, _ = _call(app, "not json")
    assert status.startswith("400")
