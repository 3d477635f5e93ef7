"""One BLAS thread while loyaltystats fits (loyaltystats._threads): set by a thread's
outermost call, counted (not reset) by nested calls, restored when the outermost leaves."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from loyaltystats import stats
from loyaltystats._threads import one_blas_thread, single_blas_thread
from loyaltystats.thresholds import fit_linear_cells


def blas_threads() -> set[int]:
    return {d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"}


@pytest.fixture()
def two_threads():
    # a known starting point on any machine, restored by threadpoolctl afterwards
    with threadpool_limits(limits=2, user_api="blas"):
        assert blas_threads() == {2}
        yield


def test_nested_calls_keep_the_limit_until_the_outermost_leaves(two_threads):
    with single_blas_thread():
        assert blas_threads() == {1}
        with single_blas_thread():
            assert blas_threads() == {1}
        assert blas_threads() == {1}  # the inner exit did not restore
    assert blas_threads() == {2}


def test_an_exception_still_restores(two_threads):
    with pytest.raises(ZeroDivisionError), single_blas_thread():
        raise ZeroDivisionError
    assert blas_threads() == {2}
    with single_blas_thread():  # and the count is back at zero: the limit is set again
        assert blas_threads() == {1}


def test_a_thread_leaving_does_not_undo_another_threads_limit(two_threads):
    # the main thread sets the limit, a worker enters and leaves while it is inside: the
    # limit stays until the main thread leaves (the pools are process-wide). (The first
    # limit is set from the main thread here: with the libraries loaded by the main
    # thread, OpenBLAS ignored a first limit set from another thread in our runs.)
    inside = threading.Event()
    seen: dict[str, set[int]] = {}

    def worker() -> None:
        with single_blas_thread():
            seen["worker"] = blas_threads()
        inside.set()

    with single_blas_thread():
        t = threading.Thread(target=worker)
        t.start()
        assert inside.wait(10)
        t.join(10)
        assert seen["worker"] == {1}
        assert blas_threads() == {1}  # the worker's exit did not restore
    assert blas_threads() == {2}


def test_public_helpers_fit_with_one_thread(two_threads):
    @one_blas_thread
    def probe() -> set[int]:
        return blas_threads()

    assert probe() == {1} and blas_threads() == {2}
    for fn in (stats.fit_binomial, stats.fit_binomial_limit, stats.profile_ci,
               stats.fit_binomial_survey, stats.fit_cox_counts, stats.cox_baseline,
               stats.cox_survival, stats.cox_zph, stats.fit_proportional_odds,
               stats.fit_proportional_odds_cells, stats.dominance_statistics,
               fit_linear_cells):
        assert fn.__wrapped__ is not None, fn.__name__  # decorated by one_blas_thread
    cells = pd.DataFrame({"x": [0.0, 1, 2, 3], "n": [50.0, 50, 50, 50],
                          "y": [10.0, 15, 22, 30]})
    fit = stats.fit_binomial(cells, "x", successes="y", trials="n")
    assert np.isfinite(fit.params).all() and blas_threads() == {2}
