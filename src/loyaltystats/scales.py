"""Rating scales and their bands.

A scale is always declared, never guessed from the data. A :class:`Scale` knows its range,
whether non-integer scores are allowed (Dutch school grades such as 8.5 exist) and how it is
cut into named bands.

Examples
--------
>>> import numpy as np
>>> from loyaltystats.scales import GRADE_1_10, RECOMMEND_0_10
>>> GRADE_1_10.band([6, 7, 8, 9.5]).tolist()
['<=6', '7', '8', '9-10']
>>> RECOMMEND_0_10.band(np.array([0, 7, 10])).tolist()
['detractor', 'passive', 'promoter']
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from .errors import DataError, ScaleError

__all__ = [
    "Band",
    "Scale",
    "GRADE_1_10",
    "RECOMMEND_0_10",
    "LIKERT_1_5",
    "LIKERT_1_7",
]

NOT_NUMBERS = "values are not numbers (strings, booleans and other objects are never converted)"
"""The one message for a column that should hold numbers and does not (text such as ``"8"``,
booleans, timestamps): every estimator and validator uses it."""


@dataclass(frozen=True)
class Band:
    """A closed interval ``[low, high]`` of a scale with a name.

    Examples
    --------
    >>> Band("promoter", 9, 10).contains(9.5)
    True
    """

    name: str
    low: float
    high: float

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in ``[low, high]``."""
        return bool(self.low <= value <= self.high)


@dataclass(frozen=True)
class Scale:
    """A bounded rating scale cut into contiguous bands.

    Parameters
    ----------
    name : str
        Human-readable name, used in error messages.
    low, high : float
        Smallest and largest valid score.
    bands : sequence of Band
        Contiguous, non-overlapping bands that together cover ``[low, high]``, in order.
        Bands are closed on both ends; a non-integer score between two bands (8.5 when
        the bands are ``8`` and ``9-10``) belongs to the lower band, as a Dutch 8.5 is an
        8-and-a-half, not a 9.
    allow_fractional : bool, default False
        Whether scores that are not whole numbers are valid.

    Examples
    --------
    >>> from loyaltystats.scales import Band, Scale
    >>> effort = Scale("effort 1-5", 1, 5, bands=(Band("hard", 1, 2), Band("ok", 3, 3),
    ...                                            Band("easy", 4, 5)))
    >>> effort.band([1, 3, 5]).tolist()
    ['hard', 'ok', 'easy']
    """

    name: str
    low: float
    high: float
    bands: tuple[Band, ...] = field(default=())
    allow_fractional: bool = False

    def __post_init__(self) -> None:
        if not np.isfinite(self.low) or not np.isfinite(self.high) or self.low >= self.high:
            raise ScaleError(f"scale {self.name!r}: need finite low < high, got {self.low}, {self.high}")
        bands = tuple(self.bands)
        object.__setattr__(self, "bands", bands)
        if not bands:
            return
        if bands[0].low != self.low or bands[-1].high != self.high:
            raise ScaleError(
                f"scale {self.name!r}: bands must cover {self.low}..{self.high}, "
                f"they cover {bands[0].low}..{bands[-1].high}"
            )
        names = [b.name for b in bands]
        if len(set(names)) != len(names):
            raise ScaleError(f"scale {self.name!r}: duplicate band names {names}")
        for a, b in zip(bands, bands[1:]):
            if a.low > a.high or not (a.high < b.low):
                raise ScaleError(
                    f"scale {self.name!r}: bands {a.name!r} and {b.name!r} overlap or are out of order"
                )
            gap = b.low - a.high
            if not self.allow_fractional and gap != 1:
                raise ScaleError(
                    f"scale {self.name!r}: bands {a.name!r} and {b.name!r} leave a gap on an integer scale"
                )
            if self.allow_fractional and gap > 1:
                raise ScaleError(f"scale {self.name!r}: bands {a.name!r} and {b.name!r} leave a gap")

    @property
    def band_names(self) -> list[str]:
        """Band names in scale order."""
        return [b.name for b in self.bands]

    @property
    def values(self) -> np.ndarray:
        """All valid integer scores, ``low`` to ``high``."""
        return np.arange(int(np.ceil(self.low)), int(np.floor(self.high)) + 1)

    def invalid_mask(self, scores: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
        """Boolean mask of scores that are not valid on this scale (NaN counts as invalid)."""
        x = np.asarray(scores, dtype=float)
        bad = ~np.isfinite(x) | (x < self.low) | (x > self.high)
        if not self.allow_fractional:
            with np.errstate(invalid="ignore"):
                bad |= np.isfinite(x) & (x != np.round(x))
        return bad

    def check(self, scores: Sequence[float] | np.ndarray | pd.Series, *, column: str = "score",
              table: str | None = None) -> np.ndarray:
        """Return the scores as a float array, or raise :class:`ScaleError` naming the bad values.

        Examples
        --------
        >>> from loyaltystats.scales import GRADE_1_10
        >>> GRADE_1_10.check([7, 8]).tolist()
        [7.0, 8.0]
        """
        arr = scores.to_numpy() if isinstance(scores, pd.Series) else np.asarray(scores)
        if arr.dtype.kind in "iu":
            # integer fast path: one min/max pass instead of several float passes
            if arr.size == 0 or (arr.min() >= self.low and arr.max() <= self.high):
                return arr.astype(float)
        if arr.dtype.kind not in "iuf":
            # strings ("8", " 8 ", "1e1") and booleans are never read as scores; only real
            # numbers and missing values pass on to the range check
            raw = pd.Series(np.asarray(arr, dtype=object).ravel())
            values, bad = _as_numbers(raw)
            if bad.any():
                raise ScaleError(
                    NOT_NUMBERS, table=table, column=column, n_rows=int(bad.sum()),
                    # sorted as text: the same examples as an engine's distinct values
                    examples=sorted(pd.unique(raw[bad].to_numpy()), key=str)[:5],
                )
            arr = values.reshape(arr.shape)
        x = np.asarray(arr, dtype=float)
        bad = self.invalid_mask(x)
        if bad.any():
            if np.isnan(x).any():
                missing = missing_error(scores if isinstance(scores, pd.Series) else x,
                                        column=column, table=table)
                raise missing  # type: ignore[misc]
            raise ScaleError(
                outside_message(self),
                table=table, column=column, n_rows=int(bad.sum()),
                examples=pd.unique(x[bad])[:5],
            )
        return x

    def band_codes(self, scores: Sequence[float] | np.ndarray | pd.Series, *,
                   column: str = "score", table: str | None = None) -> np.ndarray:
        """Integer band index per score (0 = lowest band); validates first.

        Examples
        --------
        >>> from loyaltystats.scales import RECOMMEND_0_10
        >>> RECOMMEND_0_10.band_codes([0, 8, 10]).tolist()
        [0, 1, 2]
        """
        if not self.bands:
            raise ScaleError(f"scale {self.name!r} has no bands")
        arr = scores.to_numpy() if isinstance(scores, pd.Series) else np.asarray(scores)
        if arr.dtype.kind in "iu" and float(self.low).is_integer():
            self.check(arr, column=column, table=table)
            # integer fast path: a lookup table from score to band code
            lut = self._band_codes_of(np.arange(int(self.low), int(np.floor(self.high)) + 1))
            return lut[arr.astype(np.int64) - int(self.low)]
        x = self.check(scores, column=column, table=table)
        return self._band_codes_of(x)

    def _band_codes_of(self, x: np.ndarray) -> np.ndarray:
        # A score belongs to the last band whose lower edge it reaches; fractional scores
        # between bands (8.5 between "8" and "9-10") therefore stay in the lower band.
        lows = np.array([b.low for b in self.bands], dtype=float)
        return (np.searchsorted(lows, x, side="right") - 1).astype(np.int8)

    def band(self, scores: Sequence[float] | np.ndarray | pd.Series, *, column: str = "score",
             table: str | None = None) -> pd.Categorical:
        """Band name per score as an ordered categorical (vectorized); validates first."""
        codes = self.band_codes(scores, column=column, table=table)
        return pd.Categorical.from_codes(codes, categories=self.band_names, ordered=True)

    def with_bands(self, bands: Sequence[tuple[str, float, float]] | Sequence[Band]) -> Scale:
        """A copy of this scale with other bands.

        Examples
        --------
        >>> from loyaltystats.scales import GRADE_1_10
        >>> top2 = GRADE_1_10.with_bands([("1-8", 1, 8), ("9-10", 9, 10)])
        >>> top2.band([8, 9]).tolist()
        ['1-8', '9-10']
        """
        new = tuple(b if isinstance(b, Band) else Band(*b) for b in bands)
        return Scale(self.name, self.low, self.high, bands=new, allow_fractional=self.allow_fractional)


GRADE_1_10 = Scale(
    "grade 1-10", 1, 10,
    bands=(Band("<=6", 1, 6), Band("7", 7, 7), Band("8", 8, 8), Band("9-10", 9, 10)),
    allow_fractional=True,
)
"""Dutch school grade 1-10; 8.5 is a valid grade. Bands ``<=6``, ``7``, ``8``, ``9-10``."""

RECOMMEND_0_10 = Scale(
    "recommend 0-10", 0, 10,
    bands=(Band("detractor", 0, 6), Band("passive", 7, 8), Band("promoter", 9, 10)),
)
"""Likelihood to recommend 0-10 with the NPS bands (Reichheld 2003)."""

LIKERT_1_5 = Scale(
    "Likert 1-5", 1, 5, bands=(Band("low", 1, 2), Band("neutral", 3, 3), Band("high", 4, 5)),
)
"""Five-point Likert item; bands low (1-2), neutral (3), high (4-5)."""

LIKERT_1_7 = Scale(
    "Likert 1-7", 1, 7, bands=(Band("low", 1, 3), Band("neutral", 4, 4), Band("high", 5, 7)),
)
"""Seven-point Likert item; bands low (1-3), neutral (4), high (5-7)."""


MISSING_VALUES = "missing values (NaN, None or NaT)"
"""The one wording of a missing value, whatever the column, function or engine (the data
contract's; :func:`loyaltystats.data.validate_column` uses it too)."""

LABELS_NOTE = "; examples are row labels"
"""Appended to a message whose examples are the row labels of a pandas input."""

CSV_LINE = "csv line"
"""Index name of a table read from a CSV file by the command line: its labels are the line
numbers of the file, so messages name the lines a user can open."""


def labels_note(index: pd.Index) -> str:
    """:data:`LABELS_NOTE`, or "examples are CSV line numbers" for a table read from a CSV
    file (index named :data:`CSV_LINE`)."""
    return "; examples are CSV line numbers" if index.name == CSV_LINE else LABELS_NOTE


def outside_message(scale: Scale) -> str:
    """The one wording of a score off ``scale``, shared by every check on rows and on count
    cells, pandas or engine (a missing score is :data:`MISSING_VALUES` instead)."""
    kind = "" if scale.allow_fractional else "whole "
    return (f"values outside the scale {scale.name} "
            f"({kind}numbers {scale.low:g}-{scale.high:g})")


def missing_error(values: Any, *, column: Any, table: str | None,
                  cls: type[DataError] | None = None) -> DataError | None:
    """The error for missing values in ``values`` (None when there are none), in the one
    wording :data:`MISSING_VALUES`: the row labels of a pandas Series as examples (CSV line
    numbers for a file the command line read), else ``NaN``. ``cls`` defaults to
    :class:`ScaleError` (a missing score)."""
    cls = ScaleError if cls is None else cls
    column = None if column is None else str(column)
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    miss = s.isna().to_numpy()
    if not miss.any():
        return None
    if isinstance(values, pd.Series):
        return cls(MISSING_VALUES + labels_note(values.index), table=table, column=column,
                   n_rows=int(miss.sum()), examples=values.index[miss][:5].tolist())
    return cls(MISSING_VALUES, table=table, column=column, n_rows=int(miss.sum()),
               examples=["NaN"])


# ---------------------------------------------------------------------------------------
# the one reading of numbers (also used by loyaltystats.data and the cell counts)
# ---------------------------------------------------------------------------------------


def _is_real_type(t: type) -> bool:
    return issubclass(t, numbers.Real) and not issubclass(t, (bool, np.bool_))


def _is_bool_type(t: type) -> bool:
    return issubclass(t, (bool, np.bool_))


def _classify_types(obj: np.ndarray, predicate: Callable[[type], bool]) -> np.ndarray:
    """Boolean mask: ``predicate(type(x))`` per element, evaluated once per distinct type."""
    kinds = pd.Series(obj, copy=False).map(type)
    verdict = {t: predicate(t) for t in pd.unique(kinds.to_numpy())}
    return kinds.map(verdict).to_numpy(dtype=bool)


def _is_plain_numeric_dtype(dtype: Any) -> bool:
    return (pdt.is_integer_dtype(dtype) or pdt.is_float_dtype(dtype)) and not pdt.is_bool_dtype(
        dtype
    )


def _as_numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Float values (NaN where missing or not a number) and the mask of non-numbers.

    Integer and float columns (including pandas' nullable ones) are numbers. In any other
    column (object, string, category, bool, datetime) each value is inspected: real
    numbers are kept, missing values stay NaN, and everything else (``"7"``, ``True``,
    timestamps) is reported as not a number. Nothing is parsed.
    """
    if _is_plain_numeric_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(s), dtype=bool)
    obj = s.to_numpy(dtype=object)
    missing = pd.isna(obj)
    numeric = _classify_types(obj, _is_real_type) & ~missing
    values = np.full(len(obj), np.nan)
    if numeric.any():
        values[numeric] = obj[numeric].astype(float)
    return values, ~numeric & ~missing
