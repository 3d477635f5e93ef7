"""The HTTP scoring service (``loyaltystats serve``, loyaltystats.serve): every endpoint and
error code through Starlette's TestClient, results identical to ``scorer.score`` from many
threads at once, and the real command in a subprocess (start, score, SIGTERM, exit 0)."""

from __future__ import annotations

import http.client
import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("starlette", reason="the serve extra is not installed: "
                                        "pip install 'loyaltystats[serve]'")
from starlette.testclient import TestClient  # noqa: E402

from loyaltystats.scoring import OUTPUT_COLUMNS, LoyaltyScorer  # noqa: E402
from loyaltystats.serve import make_app  # noqa: E402
from loyaltystats.simulate import generate  # noqa: E402

GOOD = {"grade": 7, "recommend": 6, "negatives": 1, "tenure_months": 4, "segment": "B"}


@pytest.fixture(scope="module")
def scorer():
    world = generate(5_000, seed=1)
    return LoyaltyScorer(horizon_months=12, features=["segment"]).fit(world.customers,
                                                                      world.experiences)


@pytest.fixture(scope="module")
def model_path(scorer, tmp_path_factory):
    path = tmp_path_factory.mktemp("serve") / "scorer.json"
    scorer.save(str(path))
    return path


@pytest.fixture(scope="module")
def client(scorer):
    with TestClient(make_app(scorer, max_body_bytes=200_000)) as c:
        yield c


def _records(n: int, seed: int, bad_every: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = pd.DataFrame({
        "customer_id": np.arange(n), "grade": rng.integers(1, 11, n),
        "recommend": rng.integers(0, 11, n), "negatives": rng.integers(0, 5, n),
        "tenure_months": rng.integers(0, 36, n).astype(float),
        "segment": rng.choice(["A", "B", "C"], n)}).to_dict("records")
    out = [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()}
           for r in out]
    if bad_every:
        for r in out[::bad_every]:
            r["grade"] = 11
    return out


def _plain(d: dict) -> dict:
    """What the service should send for one scored dict: NaN as null."""
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def _expected_batch(scorer, records: list[dict]) -> list[dict]:
    frame = scorer.score(records, errors="flag")
    return [_plain(r) for r in frame.astype(object).to_dict("records")]


# ------------------------------------------------------------------ endpoints
def test_score_returns_what_scorer_score_returns(client, scorer):
    r = client.post("/score", json=GOOD)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == _plain(scorer.score(GOOD))
    assert list(r.json()) == list(OUTPUT_COLUMNS)


@pytest.mark.parametrize("change, field, value", [
    ({"grade": 70}, "grade", 70), ({"grade": "7"}, "grade", "7"),
    ({"segment": "Z"}, "segment", "Z"), ({"negatives": -1}, "negatives", -1)])
def test_a_bad_record_is_422_naming_field_and_value(client, change, field, value):
    r = client.post("/score", json={**GOOD, **change})
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == field and body["values"] == [value]
    assert field in body["error"] and str(value) in body["error"]


def test_a_missing_field_is_422(client):
    r = client.post("/score", json={k: v for k, v in GOOD.items() if k != "tenure_months"})
    assert r.status_code == 422 and "tenure_months" in r.json()["error"]


@pytest.mark.parametrize("body", [b"{not json", b'{"grade": NaN}', b"", b"[1, 2", b"\xff\xfe{"])
def test_malformed_json_is_400(client, body):
    r = client.post("/score", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and "error" in r.json()


def test_score_wants_one_object(client):
    r = client.post("/score", json=[GOOD])
    assert r.status_code == 400 and "/score/batch" in r.json()["error"]


def test_too_large_bodies_are_413_declared_or_streamed(client):
    big = b'{"pad": "' + b"x" * 300_000 + b'"}'
    r = client.post("/score", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "200,000" in r.json()["error"]

    def chunks():  # no Content-Length: the bytes are counted as they arrive
        for _ in range(30):
            yield b" " * 10_000

    for path, ctype in (("/score", "application/json"), ("/score/batch", "application/json"),
                        ("/score/batch", "text/csv")):
        r = client.post(path, content=chunks(), headers={"content-type": ctype})
        assert "content-length" not in r.request.headers
        assert r.status_code == 413, path


def test_wrong_method_and_path(client):
    r = client.get("/score")
    assert r.status_code == 405 and "POST" in r.headers["allow"]
    assert client.post("/health").status_code == 405
    assert client.get("/nowhere").status_code == 404
    assert client.get("/nowhere").json() == {"error": "Not Found"}


def test_health_schema_and_openapi(client, scorer):
    h = client.get("/health").json()
    assert h["status"] == "ok" and h["horizon_months"] == 12 and h["features"] == ["segment"]
    assert client.get("/schema").json() == scorer.record_schema()
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/score", "/score/batch", "/health", "/schema", "/openapi.json"}
    record = doc["components"]["schemas"]["Record"]
    assert record["properties"]["segment"] == scorer.record_schema()["properties"]["segment"]
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(GOOD, record)
    jsonschema.validate(client.post("/score", json=GOOD).json(),
                        doc["components"]["schemas"]["Score"])


# ------------------------------------------------------------------ batches
def test_json_batch_flags_bad_records_in_order(client, scorer):
    records = _records(50, seed=3, bad_every=7) + [{"grade": 5}]
    r = client.post("/score/batch", json=records)
    assert r.status_code == 200
    assert r.json() == _expected_batch(scorer, records)
    errors = [row["error"] for row in r.json()]
    assert errors[0].startswith("grade: outside") and errors[1] == ""
    assert "recommend" in errors[-1]


def test_json_batch_errors(client):
    assert client.post("/score/batch", json=[]).json() == []
    r = client.post("/score/batch", json=GOOD)
    assert r.status_code == 400 and "array" in r.json()["error"]
    r = client.post("/score/batch", json=[GOOD, 3])
    assert r.status_code == 422 and "mapping" in r.json()["error"]
    r = client.post("/score/batch", content=b"[{]", headers={"content-type": "application/json"})
    assert r.status_code == 400
    r = client.post("/score/batch", content=b"a,b", headers={"content-type": "text/plain"})
    assert r.status_code == 415


def test_large_json_batch_is_streamed_and_identical(scorer):
    records = _records(25_000, seed=4, bad_every=101)
    with TestClient(make_app(scorer)) as c:
        r = c.post("/score/batch", json=records)
    assert r.status_code == 200 and "content-length" not in r.headers  # streamed
    assert r.json() == _expected_batch(scorer, records)


def _csv(records: list[dict]) -> bytes:
    return pd.DataFrame(records).to_csv(index=False).encode()


def test_csv_batch_streams_csv_back(client, scorer):
    records = _records(300, seed=5, bad_every=11)
    r = client.post("/score/batch", content=_csv(records), headers={"content-type": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    got = pd.read_csv(io.StringIO(r.text), keep_default_na=False, float_precision="round_trip", na_values={
        c: [""] for c in ("p_switch", "expected_months", "contribution_1", "contribution_2",
                          "contribution_3")})
    want = scorer.score(records, errors="flag")
    assert got["customer_id"].tolist() == [r["customer_id"] for r in records]
    for col in ("p_switch", "expected_months", "contribution_1"):
        np.testing.assert_array_equal(got[col].to_numpy(), want[col].to_numpy())
    assert got["error"].tolist() == want["error"].tolist()
    assert got["risk_tier"].tolist() == want["risk_tier"].astype(object).fillna("").tolist()


def test_csv_batch_names_bad_text_and_ragged_lines(client):
    body = (b"customer_id,grade,recommend,negatives,tenure_months,segment\n"
            b"1,7,6,1,4,B\n2,x,6,1,4,B\n3,7,6,1\n\n4,\"8\",6,0,2,\"A\"\n")
    r = client.post("/score/batch", content=body, headers={"content-type": "text/csv"})
    rows = pd.read_csv(io.StringIO(r.text), dtype=str, keep_default_na=False)
    assert rows["error"].tolist() == ["", "grade: not a number ('x')",
                                      "line 4: 4 fields, the header has 6", ""]
    assert rows["band"].tolist() == ["7", "", "", "8"]


def test_csv_batch_errors(client):
    r = client.post("/score/batch", content=b"", headers={"content-type": "text/csv"})
    assert r.status_code == 400
    r = client.post("/score/batch", content=b"grade,grade\n1,2\n",
                    headers={"content-type": "text/csv"})
    assert r.status_code == 400 and "grade" in r.json()["error"]
    r = client.post("/score/batch", content=b"grade,recommend\n\xff,1\n",
                    headers={"content-type": "text/csv"})
    assert r.status_code == 400 and "UTF-8" in r.json()["error"]
    huge = b"grade,note\n1,\"" + b"x" * 200_000 + b"\"\n"
    with TestClient(make_app(client.app.state.scorer)) as c:
        r = c.post("/score/batch", content=huge, headers={"content-type": "text/csv"})
    assert r.status_code == 400 and "line 2" in r.json()["error"]


def test_large_csv_is_scored_block_by_block_with_quoted_newlines(scorer):
    records = _records(20_000, seed=6, bad_every=997)
    for r in records[::500]:
        r["note"] = 'two\nlines, "quoted"'  # an extra column with line breaks inside quotes
    records[7_000]["note"] = "long\n" * 10_000  # one record longer than a block
    body = _csv(records)
    block = 1 << 15
    assert len(body) > 10 * block
    with TestClient(make_app(scorer, csv_block_bytes=block)) as c:
        r = c.post("/score/batch", content=body, headers={"content-type": "text/csv"})
    got = pd.read_csv(io.StringIO(r.text), keep_default_na=False, float_precision="round_trip",
                      na_values={"p_switch": [""]})
    want = scorer.score(records, errors="flag")
    assert len(got) == len(records)
    np.testing.assert_array_equal(got["p_switch"].to_numpy(), want["p_switch"].to_numpy())
    assert got["error"].tolist() == want["error"].tolist()


# ------------------------------------------------------------------ concurrency
def test_many_threads_get_what_scorer_score_gives(client, scorer):
    singles = _records(200, seed=7, bad_every=13)
    batches = [_records(100, seed=100 + i, bad_every=9) for i in range(24)]

    def one(rec):
        r = client.post("/score", json=rec)
        if r.status_code == 200:
            return r.json()
        return r.status_code, r.json()["field"]

    def batch(recs):
        return client.post("/score/batch", json=recs).json()

    with ThreadPoolExecutor(max_workers=16) as pool:
        got_batches = pool.map(batch, batches)
        got_singles = pool.map(one, singles)
        got_batches, got_singles = list(got_batches), list(got_singles)
    for recs, got in zip(batches, got_batches):
        assert got == _expected_batch(scorer, recs)
    for rec, got in zip(singles, got_singles):
        if rec["grade"] == 11:
            assert got == (422, "grade")
        else:
            assert got == _plain(scorer.score(rec))


# ------------------------------------------------------------------ the command
def test_import_loyaltystats_does_not_import_starlette():
    code = ("import sys, loyaltystats, loyaltystats.cli, loyaltystats.scoring; "
            "loyaltystats.cli.build_parser(); print('starlette' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_names_the_extra_when_starlette_is_missing(monkeypatch, capsys, model_path):
    from loyaltystats.cli import main

    for name in [m for m in sys.modules if m.startswith(("loyaltystats.serve", "starlette"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "starlette", None)
    assert main(["serve", str(model_path)]) == 2
    assert "pip install 'loyaltystats[serve]'" in capsys.readouterr().err


def test_cli_refuses_a_bad_artifact_before_serving(tmp_path, capsys):
    from loyaltystats.cli import main

    assert main(["serve", str(tmp_path / "missing.json")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert main(["serve", str(bad)]) == 2
    assert "artifact" in capsys.readouterr().err


def test_cli_options_and_make_app_arguments(scorer):
    from loyaltystats.cli import build_parser
    from loyaltystats.errors import NotFittedError, ParameterError

    args = build_parser().parse_args(["serve", "m.json", "--max-body-bytes", "64M",
                                      "--workers", "3", "--port", "9000"])
    assert (args.max_body_bytes, args.workers, args.port, args.host) == (64 << 20, 3, 9000,
                                                                         "127.0.0.1")
    assert build_parser().parse_args(["serve", "m.json", "--max-body-bytes", "1000"]
                                     ).max_body_bytes == 1000
    for bad in (["--max-body-bytes", "lots"], ["--max-body-bytes", "0"], ["--workers", "0"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["serve", "m.json", *bad])
    with pytest.raises(ParameterError):
        make_app(scorer, max_body_bytes=0)
    with pytest.raises(ParameterError):
        make_app(scorer, csv_block_bytes=True)
    with pytest.raises(NotFittedError):
        make_app(LoyaltyScorer())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(proc: subprocess.Popen, port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer /health in time")


@pytest.fixture
def server(model_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "loyaltystats", "serve", str(model_path),
                             "--port", str(port), "--no-access-log"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _wait_healthy(proc, port, time.monotonic() + 90)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def test_the_real_server_scores_and_stops_cleanly_on_sigterm(server, scorer):
    proc, port = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/score", body=json.dumps(GOOD),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    assert r.status == 200 and json.loads(r.read()) == _plain(scorer.score(GOOD))
    conn.close()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    assert b"Finished server process" in proc.stderr.read()


def test_sigterm_lets_a_request_in_flight_finish(server, scorer):
    proc, port = server
    records = _records(150_000, seed=8)
    body = _csv(records)
    assert len(body) > 2 << 20
    first, rest = body[: 3 << 19], body[3 << 19:]  # 1.5 MiB: the server answers after 1 MiB
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = (f"POST /score/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    go_on = threading.Event()

    def send():
        sock.sendall(head + first)
        go_on.wait(60)
        sock.sendall(rest)

    sender = threading.Thread(target=send)
    sender.start()
    response = http.client.HTTPResponse(sock)
    response.begin()  # the response has started: the request is in flight
    assert response.status == 200
    proc.send_signal(signal.SIGTERM)
    go_on.set()
    text = response.read().decode()
    sender.join(60)
    sock.close()
    got = pd.read_csv(io.StringIO(text), keep_default_na=False, float_precision="round_trip",
                      na_values={"p_switch": [""]})
    assert len(got) == len(records) and (got["error"] == "").all()
    np.testing.assert_array_equal(got["p_switch"].to_numpy(),
                                  scorer.score(records, errors="flag")["p_switch"].to_numpy())
    assert proc.wait(timeout=60) == 0


def test_workers_each_load_the_model(model_path):
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "loyaltystats", "serve", str(model_path),
                             "--port", str(port), "--workers", "2", "--no-access-log"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        _wait_healthy(proc, port, time.monotonic() + 120)
        with urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{port}/score", data=json.dumps(GOOD).encode(),
                headers={"Content-Type": "application/json"}), timeout=30) as r:
            assert json.loads(r.read())["band"] == "7"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
