"""Bad tables straight into every public estimator (issue #16): one table of corruptions,
applied to the column each estimator reads (the cases of test_missing_policy.py).

Every case ends in the package's own error (a ``LoyaltyStatsError``), or in a result that
is honest: never a foreign exception (TypeError, KeyError, LinAlgError...), never a verdict
on a NaN or infinite estimate or interval.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from loyaltystats.claims.report import nonfinite_deciding_terms
from loyaltystats.errors import DataError, LoyaltyStatsError
from loyaltystats.results import ClaimResult
from test_missing_policy import CASES, base  # noqa: F401, F811  (the same tables)


def _categorical(d: pd.DataFrame, c: str) -> pd.DataFrame:
    return d.assign(**{c: d[c].astype("category")})


def _object(d: pd.DataFrame, c: str) -> pd.DataFrame:
    return d.assign(**{c: pd.Series(d[c].tolist(), index=d.index, dtype=object)})


# corruption -> (how, must it fail?)
CORRUPTIONS = {
    "empty": (lambda d, c: d.iloc[:0], True),
    # one row may give an honest answer (a wide interval) or our error, nothing else
    "one row": (lambda d, c: d.iloc[:1], False),
    "missing column": (lambda d, c: d.drop(columns=[c]), True),
    "constant": (lambda d, c: d.assign(**{c: d[c].iloc[0]}), False),
    "categorical": (_categorical, False),
    "object dtype": (_object, False),
    "shuffled": (lambda d, c: d.sample(frac=1.0, random_state=7), False),
}


def _honest(result) -> None:
    if isinstance(result, ClaimResult):
        # the claims report's own test of a verdict's deciding estimates
        assert not nonfinite_deciding_terms(result.claim_id, result), result.verdict


def _our_error_or_an_honest_result(tables0, name, kind, to_table=lambda d: d, where=""):
    table, column, call = CASES[name]
    corrupt, must_fail = CORRUPTIONS[kind]
    tables = dict(tables0, **{table: to_table(corrupt(tables0[table], column))})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call(tables)
    except LoyaltyStatsError as exc:
        if kind == "missing column":
            assert isinstance(exc, DataError) and column in str(exc), str(exc)
        return
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{name} on a{where} table with {kind} {table}.{column}: foreign "
                    f"{type(exc).__name__}: {exc}")
    assert not must_fail, f"{name} gave a result on a{where} table with {kind} {table}.{column}"
    _honest(result)


@pytest.mark.parametrize("kind", list(CORRUPTIONS))
@pytest.mark.parametrize("name", list(CASES))
def test_a_bad_table_gets_our_error_or_an_honest_result(base, name, kind):  # noqa: F811
    _our_error_or_an_honest_result(base, name, kind)


@pytest.mark.parametrize("kind", ["empty", "one row", "missing column", "constant",
                                  "categorical"])
@pytest.mark.parametrize("name", list(CASES))
def test_the_same_bad_table_in_an_engine(base, name, kind):  # noqa: F811
    """The same corruptions through Polars: our error or an honest result, never foreign."""
    pl = pytest.importorskip("polars")
    _our_error_or_an_honest_result(base, name, kind, pl.from_pandas, where=" Polars")
