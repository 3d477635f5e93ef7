"""Run the scoring service under uvicorn: ``loyaltystats serve scorer.json``."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..scoring import load_scorer
from .app import DEFAULT_MAX_BODY_BYTES, make_app

__all__ = ["run", "GRACEFUL_SHUTDOWN_SECONDS"]

_ENV_MODEL = "LOYALTYSTATS_SERVE_MODEL"
_ENV_LIMIT = "LOYALTYSTATS_SERVE_MAX_BODY_BYTES"
GRACEFUL_SHUTDOWN_SECONDS = 30
"""After SIGTERM, requests in flight get this long to finish before the server stops."""


def _worker_app() -> Any:
    """The application of one uvicorn worker process (``--workers N``): each worker loads
    the artifact once, at its start-up."""
    return make_app(os.environ[_ENV_MODEL], max_body_bytes=int(os.environ[_ENV_LIMIT]))


def _ignore(signum: int, frame: Any) -> None:
    """uvicorn shuts down gracefully on SIGTERM/SIGINT and then raises the signal again
    under the previous handler: this one, so that a stop on request exits with status 0."""


def run(model: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 8000,
        workers: int = 1, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        access_log: bool = True, log_level: str = "info") -> None:
    """Serve a scorer artifact over HTTP until SIGTERM or Ctrl-C.

    The artifact is loaded (and checked) once before the server starts, so a bad artifact
    stops the command at once. With one worker that scorer is served; with ``workers > 1``
    uvicorn starts that many processes and each loads the artifact once at its start-up.
    On SIGTERM or SIGINT uvicorn stops accepting connections, lets requests in flight finish
    (up to :data:`GRACEFUL_SHUTDOWN_SECONDS`) and this function returns.

    Parameters
    ----------
    model : str or path
        The scorer's JSON artifact (``LoyaltyScorer.save``, ``loyaltystats fit``).
    host : str, default "127.0.0.1"
        Interface to listen on (``0.0.0.0`` for every interface).
    port : int, default 8000
        TCP port.
    workers : int, default 1
        Worker processes.
    max_body_bytes : int, default 64 MiB
        Largest request body (413 beyond).
    access_log : bool, default True
        Log one line per request (uvicorn's access log) on stderr.
    log_level : str, default "info"
        uvicorn's log level.

    Raises
    ------
    ArtifactError
        The artifact cannot be loaded.
    ParameterError
        ``workers`` or ``max_body_bytes`` is not a positive integer.

    Examples
    --------
    >>> from loyaltystats.serve import run
    >>> run("scorer.json", port=8000, workers=2)  # doctest: +SKIP
    """
    import uvicorn

    if not isinstance(workers, int) or workers < 1:
        raise ParameterError(f"workers must be a positive int, got {workers!r}")
    scorer = load_scorer(model if isinstance(model, str) else Path(model))
    options: dict[str, Any] = {"host": host, "port": port, "access_log": access_log,
                               "log_level": log_level,
                               "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS}
    if workers == 1:
        target: Any = make_app(scorer, max_body_bytes=max_body_bytes)
    else:
        make_app(scorer, max_body_bytes=max_body_bytes)  # checks the options before forking
        os.environ[_ENV_MODEL] = str(Path(model).resolve())
        os.environ[_ENV_LIMIT] = str(max_body_bytes)
        target = f"{__name__}:_worker_app"
        options.update(factory=True, workers=workers)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        uvicorn.run(target, **options)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
