"""The patsy design of a cell or row table, built at the boundary (private).

One place for the checks every formula-based fit needs: patsy drops rows with a missing
covariate by default and turns a numeric column holding a stray string into a categorical
one (which then looks like separation); both become a :class:`DataError` naming the column.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError

__all__ = ["design_matrix"]

_TOKEN = re.compile(r"Q\(\s*['\"]([^'\"]+)['\"]\s*\)|[A-Za-z_][A-Za-z0-9_.]*")


def _formula_columns(spec: Any, data: pd.DataFrame) -> list[str]:
    """The columns of ``data`` a formula names (bare or in ``Q('...')``)."""
    if not isinstance(spec, str):  # a DesignInfo: its factors' code
        spec = " + ".join(str(f.code) for f in getattr(spec, "factor_infos", {}))
    names = {m.group(1) or m.group(0) for m in _TOKEN.finditer(spec)}
    return [c for c in data.columns if str(c) in names]


def _check_columns(data: pd.DataFrame, columns: list[str], table: str) -> None:
    for col in columns:
        s = data[col]
        miss = s.isna().to_numpy()
        if miss.any():
            raise DataError("missing values in a covariate of the model", table=table,
                            column=str(col), n_rows=int(miss.sum()),
                            examples=data.index[miss][:5].tolist())
        if s.dtype == object:
            vals = s.to_numpy()
            is_num = np.array([isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                               for v in vals])
            if is_num.any() and not is_num.all():
                raise DataError("a covariate mixes numbers and text", table=table,
                                column=str(col), n_rows=int((~is_num).sum()),
                                examples=pd.unique(vals[~is_num])[:5].tolist())


def design_matrix(spec: Any, data: pd.DataFrame, *, table: str = "cells") -> pd.DataFrame:
    """``patsy.dmatrix(spec, data)`` with missing or mixed-type covariates refused."""
    import patsy

    _check_columns(data, _formula_columns(spec, data), table)
    try:
        return patsy.dmatrix(spec, data, return_type="dataframe", NA_action="raise")
    except patsy.PatsyError as exc:
        what = spec if isinstance(spec, str) else "the fitted design"
        raise DataError(f"cannot build the design for {what!r}: {exc}", table=table) from exc
