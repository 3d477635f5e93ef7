"""Scores counted per cell: the scale checks shared by every estimator that fits on counts.

The engines (:mod:`loyaltystats.engines`) and pandas (:mod:`loyaltystats.tables`) return the
same cell table; the score values are then checked once per distinct value here, and the
offending rows are the sum of ``n`` over the bad cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._validate import reword_missing, same_rows
from .errors import ScaleError
from .scales import MISSING_VALUES, NOT_NUMBERS, Scale, _as_numbers, outside_message
from .tables import count_cells

__all__ = ["check_cell_scores", "count_scored_cells"]


def check_cell_scores(cells: pd.DataFrame, score: str, scale: Scale, table: str) -> np.ndarray:
    """Validate the distinct score values of a count table against ``scale``.

    Validating the distinct values of the cells instead of every row costs nothing and
    reports the same thing: the number of offending rows is the sum of ``n`` over the bad
    cells.
    """
    raw = cells[score]
    # the contract's reading of numbers: text ("8") and booleans are never converted
    x, not_numbers = _as_numbers(raw)
    if not_numbers.any():
        raise ScaleError(
            NOT_NUMBERS, table=table, column=score,
            n_rows=int(cells["n"].to_numpy()[not_numbers].sum()),
            examples=pd.unique(raw.to_numpy(dtype=object)[not_numbers])[:5],
        )
    bad = scale.invalid_mask(x)
    if bad.any():
        raise ScaleError(
            outside_message(scale),
            table=table, column=score, n_rows=int(cells["n"].to_numpy()[bad].sum()),
            examples=pd.unique(x[bad])[:5],
        )
    return x


def count_scored_cells(
    data: Any,
    keys: Sequence[str],
    scales: Mapping[str, Scale],
    *,
    outcome: str | None = None,
    weights: str | None = None,
    table: str = "data",
    id_keys: Sequence[str] = (),
) -> pd.DataFrame:
    """:func:`~loyaltystats.tables.count_cells`, with the error of a pandas input for missing
    scores in an engine input.

    An engine finds missing values in a key column while it counts and raises
    :class:`~loyaltystats.errors.MissingKeyError`; for a key column in ``scales`` (a
    score) this becomes the :class:`ScaleError` with the one wording of a missing value
    (:data:`loyaltystats.scales.MISSING_VALUES`), with the engine's count of offending rows.
    """
    with reword_missing({c: same_rows(MISSING_VALUES, ScaleError)
                         for c in scales}):
        return count_cells(data, list(keys), outcome=outcome, weights=weights, table=table,
                           id_keys=id_keys)
