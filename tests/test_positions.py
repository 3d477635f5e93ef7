"""loyaltystats._positions.id_positions against pandas' get_indexer (the lookup of the
experiences' customers in person_period and the survival preparation)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loyaltystats._positions import id_positions


@settings(max_examples=150, deadline=None)
@given(ids=st.lists(st.integers(-50, 5_000), min_size=1, max_size=40, unique=True),
       values=st.lists(st.integers(-60, 5_100), max_size=40),
       dtype=st.sampled_from(["int64", "int32"]))
def test_positions_equal_pandas_get_indexer(ids, values, dtype):
    a = pd.Series(np.array(ids, dtype=dtype))
    v = pd.Series(np.array(values, dtype=dtype))
    np.testing.assert_array_equal(id_positions(a, v), pd.Index(a).get_indexer(v))


def test_duplicated_ids_raise_as_pandas_does():
    a = pd.Series([1, 2, 2])
    with pytest.raises(pd.errors.InvalidIndexError):
        pd.Index(a).get_indexer(pd.Series([2]))
    with pytest.raises(pd.errors.InvalidIndexError):
        id_positions(a, pd.Series([2]))


def test_text_ids_use_pandas():
    got = id_positions(pd.Series(["b", "a"]), pd.Series(["a", "c", "b"]))
    assert got.tolist() == [1, -1, 0]
