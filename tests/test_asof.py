"""The as-of search of N2 and K3 (loyaltystats._asof) against a plain Python reference, for
answers in (customer, time) order (one search of complex keys) and in any other order (the
binary search inside each customer's block), with ties, customers without transactions and
answers before a customer's first transaction."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats._asof import last_at_or_before


def _reference(t_code, t_time, r_code, r_time, strict):
    out = []
    for c, t in zip(r_code, r_time):
        # the last row in (customer, time) order at or before (c, t): a linear scan
        idx = -1
        for i, (tc, tt) in enumerate(zip(t_code, t_time)):
            if (tc, tt) < (c, t) or (not strict and (tc, tt) == (c, t)):
                idx = i
        out.append(idx)
    return np.array(out, dtype=np.int64)


rows = st.lists(st.tuples(st.integers(0, 5), st.integers(-3, 6).map(lambda x: x / 2)),
                min_size=1, max_size=25)


@settings(max_examples=150, deadline=None)
@given(trans=rows, answers=rows, strict=st.booleans(), shuffle=st.booleans())
def test_as_of_search_equals_a_linear_scan(trans, answers, strict, shuffle):
    t = np.array(sorted(trans), dtype=float)
    t_code, t_time = t[:, 0].astype(np.int64), t[:, 1]
    r = np.array(sorted(answers), dtype=float)
    if shuffle:
        r = r[np.random.default_rng(len(r)).permutation(len(r))]
    r_code, r_time = r[:, 0].astype(np.int64), r[:, 1]
    got = last_at_or_before(t_code, t_time, r_code, r_time, 6, strict=strict)
    np.testing.assert_array_equal(got, _reference(t_code, t_time, r_code, r_time, strict))


@pytest.mark.parametrize("strict", [False, True])
def test_sorted_and_shuffled_answers_give_the_same_rows(strict):
    rng = np.random.default_rng(7)
    t_code = np.sort(rng.integers(0, 3_000, 40_000))
    t_time = rng.integers(0, 30, len(t_code)) + rng.choice([0.0, 0.25, 0.5], len(t_code))
    o = np.lexsort((t_time, t_code))
    t_code, t_time = t_code[o], t_time[o]
    r_code = np.sort(rng.integers(0, 3_200, 20_000))
    r_time = np.sort(rng.integers(0, 30, len(r_code)).astype(float))
    o = np.lexsort((r_time, r_code))
    r_code, r_time = r_code[o], r_time[o]
    sorted_pos = last_at_or_before(t_code, t_time, r_code, r_time, 3_200, strict=strict)
    p = rng.permutation(len(r_code))
    shuffled_pos = last_at_or_before(t_code, t_time, r_code[p], r_time[p], 3_200, strict=strict)
    np.testing.assert_array_equal(shuffled_pos, sorted_pos[p])
    assert (sorted_pos >= 0).sum() > len(r_code) // 2  # the search found real matches


@pytest.mark.parametrize("chunk", [1, 3, 50])
def test_blocks_of_whole_customers_give_the_rows_of_one_search(chunk):
    from loyaltystats._asof import _merged_search

    rng = np.random.default_rng(8)
    t_code = np.sort(rng.integers(0, 40, 300))
    t_time = rng.integers(0, 10, 300).astype(float)
    o = np.lexsort((t_time, t_code))
    t_code, t_time = t_code[o], t_time[o]
    r_code = np.sort(rng.integers(0, 45, 200))  # some customers without transactions
    r_time = rng.integers(-1, 11, 200).astype(float)
    o = np.lexsort((r_time, r_code))
    r_code, r_time = r_code[o], r_time[o]
    for strict in (False, True):
        one = _merged_search(t_code, t_time, r_code, r_time, strict=strict, chunk=10**9)
        blocks = _merged_search(t_code, t_time, r_code, r_time, strict=strict, chunk=chunk)
        np.testing.assert_array_equal(blocks, one)
        np.testing.assert_array_equal(one, _reference(t_code, t_time, r_code, r_time, strict))
