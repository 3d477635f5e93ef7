"""The exception hierarchy of loyaltystats.

Every exception the package raises on purpose derives from :class:`LoyaltyStatsError`,
so a caller can catch the package's own failures without catching programming errors.

Examples
--------
>>> from loyaltystats.errors import DataError
>>> err = DataError("score outside the scale 1-10", table="responses", column="grade",
...                 n_rows=2, examples=[11, 0])
>>> print(err)
responses.grade: score outside the scale 1-10 (2 rows; e.g. 11, 0)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = [
    "LoyaltyStatsError",
    "DataError",
    "MissingKeyError",
    "TooManyCellsError",
    "ScaleError",
    "ParameterError",
    "ModelError",
    "ArtifactError",
    "OutputError",
    "InputFileError",
    "NotFittedError",
]

_MAX_EXAMPLES = 5


def _format_example(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    return str(value)


class LoyaltyStatsError(Exception):
    """Root of every exception raised deliberately by loyaltystats."""


class DataError(LoyaltyStatsError, ValueError):
    """Input data breaks the data contract.

    Parameters
    ----------
    message : str
        What is wrong, in words a user can act on.
    table : str, optional
        Name of the table (``"responses"``, ``"customers"``, ``"experiences"``, or the
        argument name) the problem was found in.
    column : str, optional
        The offending column.
    n_rows : int, optional
        How many rows are affected.
    examples : iterable, optional
        Offending values; at most five are kept.

    Attributes
    ----------
    table, column, n_rows : as given.
    examples : tuple
        Up to five offending values.
    """

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        column: str | None = None,
        n_rows: int | None = None,
        examples: Iterable[Any] = (),
    ) -> None:
        self.message = message
        self.table = table
        self.column = column
        self.n_rows = None if n_rows is None else int(n_rows)
        self.examples = tuple(list(examples)[:_MAX_EXAMPLES])
        #: id of the counting step's rule that was broken (``loyaltystats._rules``), if any
        self.rule: str | None = None
        super().__init__(self._render())

    def _render(self) -> str:
        where = ".".join(p for p in (self.table, self.column) if p)
        text = f"{where}: {self.message}" if where else self.message
        details = []
        if self.n_rows is not None:
            details.append(f"{self.n_rows} row{'s' if self.n_rows != 1 else ''}")
        if self.examples:
            details.append("e.g. " + ", ".join(_format_example(v) for v in self.examples))
        if details:
            text += " (" + "; ".join(details) + ")"
        return text

    def __reduce__(self):  # keep the keyword-only constructor picklable for multiprocessing
        return (
            _rebuild_data_error,
            (type(self), self.message, self.table, self.column, self.n_rows, self.examples,
             self.rule),
        )


def _rebuild_data_error(cls, message, table, column, n_rows, examples, rule=None):
    err = cls(message, table=table, column=column, n_rows=n_rows, examples=examples)
    err.rule = rule
    return err


class ScaleError(DataError):
    """A score lies outside its declared scale, or a scale declaration is invalid."""


class ParameterError(LoyaltyStatsError, ValueError):
    """A function was called with a bad argument (a level outside (0, 1), a negative
    ``n_boot``, an unknown option), as opposed to bad data (:class:`DataError`).

    Examples
    --------
    >>> from loyaltystats.nps import score
    >>> score([9, 10, 3], level=1.5)
    Traceback (most recent call last):
    ...
    loyaltystats.errors.ParameterError: level must be in (0, 1), got 1.5
    """


class ModelError(LoyaltyStatsError, RuntimeError):
    """A model cannot be fitted honestly: perfect separation, non-convergence, too few data."""


class ArtifactError(LoyaltyStatsError, ValueError):
    """A saved model artifact is unreadable, tampered with, or of an unknown schema version."""


class OutputError(LoyaltyStatsError, OSError):
    """A file cannot be written safely: the target exists and is not a regular file (a
    symbolic link, a directory, a device, a FIFO), or its directory is missing."""


class InputFileError(LoyaltyStatsError, OSError):
    """An input file cannot be read as the format it claims: malformed CSV (a row with too
    many fields, an unterminated quote), an empty file, text that is not UTF-8."""


class NotFittedError(LoyaltyStatsError, AttributeError):
    """A fitted-model method was called before ``fit``."""


class MissingKeyError(DataError):
    """Missing values (null, or NaN in a float column) in a column a count groups by.

    A :class:`DataError` with the column and the number of rows, raised by the counting step
    of every input (pandas or engine); estimators catch it with
    :func:`loyaltystats._validate.reword_missing` when their error class differs (a missing
    score is a :class:`ScaleError`).
    """


class TooManyCellsError(DataError):
    """The key columns of a count define more potential cells than the count allows
    (continuous values, or scores off their scale): bin them first."""
