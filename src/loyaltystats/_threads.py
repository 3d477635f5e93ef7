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


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Run the body with one BLAS thread per library (about 10 us to enter and leave)."""
    with _blas_controller().limit(limits=1, user_api="blas"):
        yield


def one_blas_thread(fn: Any) -> Any:
    """Decorator: run ``fn`` under :func:`single_blas_thread` (for entry points that are not
    estimators, such as :func:`loyaltystats.claims.check_claims`)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with single_blas_thread():
            return fn(*args, **kwargs)

    return wrapper
