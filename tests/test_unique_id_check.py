"""The one-row-per-customer check (``_validate.check_unique_ids``): integer ids are shown
unique in linear time (ascending, or marked in a table over their range), anything else goes
to the data contract's check, which words the error; both agree with pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyaltystats._positions import _CHUNK as _ID_CHUNK
from loyaltystats._validate import _unique_integer_column as _unique_integers
from loyaltystats._validate import check_unique_ids
from loyaltystats.errors import DataError


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16])
def test_fast_id_check_agrees_with_pandas(dtype):
    rng = np.random.default_rng(3)
    for _ in range(100):
        n = int(rng.integers(2, 60))
        v = rng.integers(0, int(rng.integers(2, 120)), n).astype(dtype)
        df = pd.DataFrame({"id": v})
        unique = not df["id"].duplicated().any()
        fast = _unique_integers(df, "id")
        assert fast == unique or (not fast and int(v.max()) - int(v.min()) >= 4 * n)
        if unique:
            check_unique_ids(df, "id", "customers")
        else:
            with pytest.raises(DataError, match="duplicate ids"):
                check_unique_ids(df, "id", "customers")


def test_fast_id_check_leaves_other_inputs_to_the_contract():
    assert _unique_integers(pd.DataFrame({"id": [1, 2, 3]}), "id")  # ascending
    assert _unique_integers(pd.DataFrame({"id": [3, 1, 2]}), "id")  # via the range table
    assert not _unique_integers(pd.DataFrame({"id": [0, 10**15, 5]}), "id")  # wide range
    assert not _unique_integers(pd.DataFrame({"id": ["a", "b"]}), "id")
    assert not _unique_integers(pd.DataFrame({"id": [1.0, 2.0]}), "id")
    assert not _unique_integers(pd.DataFrame({"x": [1, 2]}), "id")
    with pytest.raises(DataError, match="missing"):
        check_unique_ids(pd.DataFrame({"id": [1.0, None]}), "id", "customers")


@pytest.mark.parametrize("where", [None, 5, "second block", "last"])
def test_fast_id_check_over_several_blocks(where):
    # ids marked block by block (2**16 at a time): a duplicate in any block is found
    rng = np.random.default_rng(11)
    n = 3 * _ID_CHUNK + 17
    v = rng.permutation(n).astype(np.int64) - 1000  # negative ids too
    if where is not None:
        j = {5: 5, "second block": _ID_CHUNK + 3, "last": n - 1}[where]
        v[j] = v[0] if j else v[1]
    df = pd.DataFrame({"id": v})
    assert _unique_integers(df, "id") == (where is None)
    if where is None:
        check_unique_ids(df, "id", "customers")
    else:
        with pytest.raises(DataError, match="duplicate ids"):
            check_unique_ids(df, "id", "customers")
