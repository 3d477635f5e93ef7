"""N2's matching of answers to transactions, against a search answer by answer.

``nps.recency`` finds each answer's customer's last ``lags`` transactions at (or before)
the answer's time with a vectorised binary search inside each customer's block of
transactions (issue #23: no sort of the combined keys). The reference here scans each
answer's customer's transactions in Python.
"""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats.errors import ModelError
from loyaltystats.nps.recency import _lagged_ratings


def _reference(tc, rc, tt, rt, tr, rr, lags, include_current):
    """Per answer: the ratings of the customer's last ``lags`` transactions, latest first."""
    X, y, groups, n_drop = [], [], [], 0
    # the clusters: customer codes in the ids' sorted order
    codes = {c: i for i, c in enumerate(np.unique(np.r_[tc, rc]))}
    for c, t, rec in zip(rc, rt, rr):
        mine = [(tt[j], j) for j in range(len(tc)) if tc[j] == c
                and (tt[j] <= t if include_current else tt[j] < t)]
        # ties in time keep the input order, as a stable sort does
        mine.sort()
        if len(mine) < lags:
            n_drop += 1
            continue
        last = [tr[j] for _, j in mine[::-1][:lags]]
        X.append(last)
        y.append(rec)
        groups.append(codes[c])
    return np.array(X, float).reshape(-1, lags), np.array(y, float), np.array(groups), n_drop


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_matching_equals_a_scan_per_answer(data):
    n_t = data.draw(st.integers(0, 30))
    n_r = data.draw(st.integers(1, 12))
    cust = st.integers(0, 4)
    times = st.integers(0, 6).map(float)
    tc = np.array(data.draw(st.lists(cust, min_size=n_t, max_size=n_t)), dtype=np.int64)
    rc = np.array(data.draw(st.lists(cust, min_size=n_r, max_size=n_r)), dtype=np.int64)
    tt = np.array(data.draw(st.lists(times, min_size=n_t, max_size=n_t)))
    rt = np.array(data.draw(st.lists(times, min_size=n_r, max_size=n_r)))
    tr = np.arange(n_t, dtype=float)  # distinct ratings: the order of the lags is visible
    rr = np.arange(n_r, dtype=float)
    lags = data.draw(st.integers(1, 3))
    include_current = data.draw(st.booleans())
    if data.draw(st.booleans()):  # the already-sorted fast path
        o = np.lexsort((tt, tc))
        tc, tt, tr = tc[o], tt[o], tr[o]
    ref = _reference(tc, rc, tt, rt, tr, rr, lags, include_current)
    try:
        got = _lagged_ratings(pd.Series(tc), pd.Series(rc), tt, rt, tr, rr, lags,
                              include_current)
    except ModelError:
        assert len(ref[1]) <= lags + 1  # too few answers with a long enough history
        return
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    np.testing.assert_array_equal(got[2], ref[2])
    assert got[3] == ref[3]
