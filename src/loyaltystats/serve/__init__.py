"""An HTTP scoring service for a fitted scorer: ``loyaltystats serve scorer.json``.

Needs the optional ``serve`` extra (Starlette and uvicorn):
``pip install "loyaltystats[serve]"``. ``import loyaltystats`` never imports this package.
Endpoints, error codes, limits and load-test numbers: docs/serve.md.

Examples
--------
>>> from loyaltystats.serve import make_app
>>> app = make_app("scorer.json")       # doctest: +SKIP
"""

from __future__ import annotations

from .app import DEFAULT_MAX_BODY_BYTES, make_app
from .runner import GRACEFUL_SHUTDOWN_SECONDS, run

__all__ = ["make_app", "run", "DEFAULT_MAX_BODY_BYTES", "GRACEFUL_SHUTDOWN_SECONDS"]
