"""A minimal web service that scores customers with a saved loyaltystats scorer.

Standard library only (WSGI). Run it with::

    python docs/examples/scoring_service.py scorer.json 8000
    curl -s localhost:8000/score -d '{"grade": 7, "recommend": 6, "negatives": 1, "tenure_months": 4}'

The scorer is loaded once at start-up; it is immutable, so every request thread can share it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

from loyaltystats import DataError, load_scorer


def make_app(model_path: str) -> Callable[..., Iterable[bytes]]:
    """Build the WSGI application around one loaded scorer."""
    scorer = load_scorer(model_path)  # ArtifactError here stops the service at start-up

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def reply(status: str, body: dict[str, Any]) -> Iterable[bytes]:
            data = json.dumps(body).encode()
            start_response(status, [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(data)))])
            return [data]

        if environ.get("PATH_INFO") != "/score" or environ.get("REQUEST_METHOD") != "POST":
            return reply("404 Not Found", {"error": "POST a JSON record to /score"})
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            record = json.loads(environ["wsgi.input"].read(size))
        except (ValueError, json.JSONDecodeError) as exc:
            return reply("400 Bad Request", {"error": f"body is not JSON: {exc}"})
        if not isinstance(record, dict):
            return reply("400 Bad Request", {"error": "body must be one JSON object"})
        try:
            result = scorer.score(record)  # one dict in, one dict out
        except DataError as exc:  # names the field and the value
            return reply("422 Unprocessable Entity", {"error": str(exc)})
        return reply("200 OK", result)

    return app


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    model, port = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8000
    make_server("127.0.0.1", port, make_app(model)).serve_forever()
