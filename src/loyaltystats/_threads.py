"""One BLAS thread while an estimator runs.

numpy and scipy each ship their own OpenBLAS (``scipy_openblas64`` and ``scipy_openblas``),
and each keeps a pool of threads that spin for a while after a call. On a machine with few
cores the two pools compete: a least-squares fit of a cell table's size right after a scipy
BLAS call is hundreds of times slower than with one thread
(``python benchmarks/bench_blas_threads.py``, benchmarks/results/blas-threads.md). The
estimators fit small
matrices (counts per cell), where threads cannot help, so :func:`single_blas_thread` limits
both pools to one thread for the duration of a public call and restores them afterwards.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_controller: Any = None


def _blas_controller() -> Any:
    """The threadpoolctl controller over the BLAS libraries loaded (built once: ~2 ms)."""
    global _controller
    if _controller is None:
        import numpy  # noqa: F401  # the libraries must be loaded before they are listed
        import scipy.linalg  # noqa: F401
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller


_state = threading.local()  # how deep this thread is inside single_blas_thread


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Run the body with one BLAS thread per library.

    The outermost call of a thread sets the limit (about 10 us) and restores the previous
    setting when it leaves; nested calls in the same thread (a public helper called by an
    estimator) only count. Threads are not counted across each other: with the libraries
    loaded by the main thread, OpenBLAS ignored a setting made from another thread in our
    runs (scipy_openblas 0.3.30 and 0.3.31, 2026-12-05), so a process-wide count could
    leave the limit behind.
    """
    depth = getattr(_state, "depth", 0)
    if depth:
        _state.depth = depth + 1
        try:
            yield
        finally:
            _state.depth = depth
        return
    with _blas_controller().limit(limits=1, user_api="blas"):
        _state.depth = 1
        try:
            yield
        finally:
            _state.depth = 0


def one_blas_thread(fn: Any) -> Any:
    """Decorator: run ``fn`` under :func:`single_blas_thread` (for entry points that are not
    estimators behind the data boundary, such as :func:`loyaltystats.claims.check_claims`
    and the public fitting helpers of :mod:`loyaltystats.stats`)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with single_blas_thread():
            return fn(*args, **kwargs)

    return wrapper
