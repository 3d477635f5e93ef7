"""The Starlette application behind ``loyaltystats serve``.

One fitted scorer is loaded when the application is built and shared by every request: a
fitted :class:`~loyaltystats.scoring.LoyaltyScorer` is immutable and ``score`` only reads it.
A single record is scored in the event loop (a valid one takes microseconds); batches are
scored in Starlette's thread pool so that the loop keeps serving other requests.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .._version import __version__
from ..errors import DataError, ParameterError
from ..scoring import LoyaltyScorer, load_scorer
from . import _body
from ._body import BodyError
from ._openapi import openapi_document

__all__ = ["make_app", "DEFAULT_MAX_BODY_BYTES"]

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
"""Largest request body accepted by default (64 MiB); larger ones get 413."""

_JSON_BLOCK_ROWS = 10_000  # JSON batch results are serialized and sent this many at a time
_PARSE_IN_LOOP = 1 << 16  # larger JSON bodies are parsed in the thread pool


def _json(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_body.json_bytes(value), status_code=status, headers=headers,
                    media_type="application/json")


def _error(status: int, message: str, **extra: Any) -> Response:
    return _json({"error": message, **extra}, status)


def _data_error(exc: DataError) -> Response:
    """422 naming the field and the offending values (as the scorer's message does)."""
    return _error(422, str(exc), field=exc.column,
                  values=[_body.clean_record({"v": v})["v"] for v in exc.examples])


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's 404 and 405 (and any HTTPException) as JSON, keeping headers (Allow)."""
    assert isinstance(exc, HTTPException)
    return _json({"error": exc.detail}, exc.status_code, headers=dict(exc.headers or {}))


class _ReadingResponse(StreamingResponse):
    """A streamed response whose body reads the request body as it goes (CSV batches).

    Starlette's :class:`StreamingResponse` also listens for a disconnect while it sends
    (uvicorn speaks ASGI 2.3): that listener would take request-body messages away from the
    body generator. Here the generator alone receives; a client that goes away shows up as
    :class:`ClientDisconnect` from the request stream and ends the response.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.stream_response(send)
        except ClientDisconnect:
            return


class _Service:
    """The endpoints around one scorer."""

    def __init__(self, scorer: LoyaltyScorer, max_body_bytes: int, csv_block_bytes: int) -> None:
        self.scorer = scorer
        self.limit = max_body_bytes
        self.block = csv_block_bytes
        self.schema = scorer.record_schema()
        props = self.schema.get("properties", {})
        self.numeric = [k for k, v in props.items() if v.get("type") in ("number", "integer")]
        self.openapi = openapi_document(self.schema)
        training = dict(scorer.training_)
        self.health = {"status": "ok", "library_version": __version__,
                       "horizon_months": scorer.horizon_months,
                       "features": list(scorer.features), "training": training}

    async def _read_json(self, request: Request) -> Any:
        _body.check_declared_length(request.headers, self.limit)
        raw = await _body.read_limited(request.stream(), self.limit)
        if len(raw) > _PARSE_IN_LOOP:
            return await run_in_threadpool(_body.parse_json, raw)
        return _body.parse_json(raw)

    async def score(self, request: Request) -> Response:
        try:
            record = await self._read_json(request)
        except BodyError as exc:
            return _error(exc.status, exc.message)
        except ClientDisconnect:
            return Response(status_code=400)
        if not isinstance(record, dict):
            return _error(400, f"POST one JSON object (a record) to /score, got "
                               f"{type(record).__name__}; arrays go to /score/batch")
        try:
            out = self.scorer.score(record)
        except DataError as exc:
            return _data_error(exc)
        return _json(_body.clean_record(out))

    async def batch(self, request: Request) -> Response:
        ctype = request.headers.get("content-type", "application/json")
        media = ctype.split(";", 1)[0].strip().lower()
        try:
            if media == "text/csv":
                return await self._batch_csv(request)
            if media in ("application/json", ""):
                return await self._batch_json(request)
        except BodyError as exc:
            return _error(exc.status, exc.message)
        except DataError as exc:
            return _data_error(exc)
        except ClientDisconnect:  # gone before the response: nobody to answer
            return Response(status_code=400)
        return _error(415, f"Content-Type {media!r}: send application/json (an array of "
                           "records) or text/csv")

    async def _batch_json(self, request: Request) -> Response:
        records = await self._read_json(request)
        if not isinstance(records, list):
            raise BodyError(400, f"POST a JSON array of records to /score/batch, got "
                                 f"{type(records).__name__}")
        if len(records) <= _JSON_BLOCK_ROWS:
            return Response(await run_in_threadpool(self._json_array, records),
                            media_type="application/json")
        scored = await run_in_threadpool(self.scorer.score, records, errors="flag")

        async def body() -> AsyncIterator[bytes]:
            yield b"["
            for lo in range(0, len(scored), _JSON_BLOCK_ROWS):
                part = scored.iloc[lo:lo + _JSON_BLOCK_ROWS]
                yield (b"," if lo else b"") + await run_in_threadpool(
                    _body.frame_json_items, part)
            yield b"]"

        return StreamingResponse(body(), media_type="application/json")

    def _json_array(self, records: list[Any]) -> bytes:
        scored = self.scorer.score(records, errors="flag")
        return b"[" + _body.frame_json_items(scored) + b"]"

    def _score_block(self, text: str, header: list[str], first_line: int,
                     with_header: bool) -> bytes:
        """Score one block of CSV records (in a worker thread) and write it back as CSV."""
        frame, ragged = _body.csv_records(text, header, self.numeric, first_line)
        scored = self.scorer.score(frame, errors="flag")
        if ragged:
            err = scored["error"].to_numpy(dtype=object).copy()
            for pos, msg in ragged.items():
                err[pos] = msg
            scored["error"] = err
        if "customer_id" in frame.columns:
            scored.insert(0, "customer_id", frame["customer_id"].to_numpy())
        return _body.scored_csv(scored, header=with_header)

    async def _batch_csv(self, request: Request) -> Response:
        _body.check_declared_length(request.headers, self.limit)
        blocks = _body.CsvBlocks(request.stream(), limit=self.limit,
                                 block_bytes=self.block)
        header = await blocks.read_header()
        line = 2
        text = await blocks.next_block() or ""
        # the first block is scored before the response starts: a small body's errors
        # (413, 400) are still HTTP statuses; a larger one is cut off (see docs/serve.md)
        first = await run_in_threadpool(self._score_block, text, header, line, True)
        line += text.count("\n")

        async def body() -> AsyncIterator[bytes]:
            nonlocal line
            yield first
            while (more := await blocks.next_block()) is not None:
                yield await run_in_threadpool(self._score_block, more, header, line, False)
                line += more.count("\n")

        return _ReadingResponse(body(), media_type="text/csv; charset=utf-8")

    async def get_health(self, request: Request) -> Response:
        return _json(self.health)

    async def get_schema(self, request: Request) -> Response:
        return _json(self.schema)

    async def get_openapi(self, request: Request) -> Response:
        return _json(self.openapi)


def make_app(scorer_or_path: LoyaltyScorer | str | os.PathLike[str], *,
             max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
             csv_block_bytes: int = 1 << 20) -> Starlette:
    """Build the scoring service around one fitted scorer.

    Parameters
    ----------
    scorer_or_path : LoyaltyScorer, str or path
        A fitted scorer, or the path of its JSON artifact (loaded here, once).
    max_body_bytes : int, default 64 MiB
        Largest request body; a larger one gets 413, whether it declares its length or not.
    csv_block_bytes : int, default 1 MiB
        A CSV body is scored and its scores sent back in blocks of whole records of about
        this many bytes; memory per request grows with it, not with the body.

    Returns
    -------
    starlette.applications.Starlette
        An ASGI application with ``POST /score``, ``POST /score/batch``, ``GET /health``,
        ``GET /schema`` and ``GET /openapi.json`` (docs/serve.md); the scorer is
        ``app.state.scorer``.

    Raises
    ------
    ArtifactError
        The artifact cannot be loaded.
    NotFittedError
        The scorer is not fitted.
    ParameterError
        ``max_body_bytes`` or ``csv_block_bytes`` is not a positive integer.

    Examples
    --------
    >>> from starlette.testclient import TestClient
    >>> from loyaltystats.scoring import LoyaltyScorer
    >>> from loyaltystats.simulate import generate
    >>> w = generate(3000, seed=2)
    >>> app = make_app(LoyaltyScorer().fit(w.customers, w.experiences))
    >>> client = TestClient(app)
    >>> r = client.post("/score", json={"grade": 7, "recommend": 6, "negatives": 1,
    ...                                 "tenure_months": 4})
    >>> r.status_code, r.json()["band"]
    (200, '7')
    >>> r = client.post("/score", json={"grade": 70, "recommend": 6, "negatives": 1,
    ...                                 "tenure_months": 4})
    >>> r.status_code, r.json()["field"]
    (422, 'grade')
    """
    for name, value in (("max_body_bytes", max_body_bytes), ("csv_block_bytes", csv_block_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"{name} must be a positive int, got {value!r}")
    scorer = scorer_or_path if isinstance(scorer_or_path, LoyaltyScorer) \
        else load_scorer(os.fspath(scorer_or_path))
    service = _Service(scorer, max_body_bytes, csv_block_bytes)
    routes = [
        Route("/score", service.score, methods=["POST"]),
        Route("/score/batch", service.batch, methods=["POST"]),
        Route("/health", service.get_health, methods=["GET"]),
        Route("/schema", service.get_schema, methods=["GET"]),
        Route("/openapi.json", service.get_openapi, methods=["GET"]),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    app.state.scorer = scorer
    app.state.max_body_bytes = max_body_bytes
    return app
