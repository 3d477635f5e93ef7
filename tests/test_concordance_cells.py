"""The joint (time, event, ranks) cells of the C-index bootstrap, by one int64 key per row,
equal numpy's row-wise unique (same rows, same order, same counts)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats.stats.concordance import _joint_cells


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 60), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_joint_cells_equal_unique_rows(n, n_cols, seed):
    rng = np.random.default_rng(seed)
    cols = [rng.integers(0, rng.integers(1, 7), n) for _ in range(n_cols)]
    got, got_n = _joint_cells(cols)
    ref, ref_n = np.unique(np.column_stack(cols), axis=0, return_counts=True)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(got_n, ref_n)


def test_joint_cells_fall_back_when_the_radix_overflows():
    big = np.array([0, 2**40, 2**40], dtype=np.int64)
    cols = [big, big[::-1].copy(), np.array([1, 0, 1])]
    got, cnt = _joint_cells(cols)
    ref, ref_n = np.unique(np.column_stack(cols), axis=0, return_counts=True)
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(cnt, ref_n)
