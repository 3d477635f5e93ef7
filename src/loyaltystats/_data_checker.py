"""The checker behind the validators of :mod:`loyaltystats.data`: runs checks on one table,
raising at the first problem or collecting them all into a
:class:`~loyaltystats.data.Validation`."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._data_values import (
    _MAX_EXAMPLES,
    _describe_kind,
    _distinct_examples,
    _flag_error,
    _flag_values,
    _plain,
    _Temporal,
    _temporal,
)
from .errors import DataError, ParameterError, ScaleError
from .scales import (
    MISSING_VALUES,
    NOT_NUMBERS,
    Scale,
    _as_numbers,
    labels_note,
)

if TYPE_CHECKING:
    from .data import Validation

_MISSING = MISSING_VALUES
_NOT_NUMBERS = NOT_NUMBERS


def _as_pandas(df: Any, columns: Iterable[Hashable | None], table: str) -> Any:
    """An engine input (Polars, DuckDB, Parquet path, Dask) as pandas, with only ``columns``.

    The validators then check it exactly as a pandas table (the same messages and counts).
    Anything else is returned as it is (a non-table fails in :class:`_Checker`).
    """
    from ._frames import is_table, read_columns

    if is_table(df):
        return read_columns(df, list(dict.fromkeys(c for c in columns if c is not None)), table)
    return df


class _Checker:
    """Runs checks on one table; raises at the first problem or collects them all."""

    def __init__(self, df: pd.DataFrame, table: str, on_error: str) -> None:
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"{table} must be a pandas DataFrame, got {type(df).__name__}")
        if on_error not in ("raise", "split"):
            raise ParameterError(f"on_error must be 'raise' or 'split', got {on_error!r}")
        self.df = df
        self.table = table
        self.split = on_error == "split"
        self.n = len(df)
        self.errors: list[DataError] = []
        self.masks: list[np.ndarray] = []
        self._bad: dict[Hashable, np.ndarray] = {}
        self._labels: np.ndarray | None = None

    # -- structural problems: always raise --------------------------------------------

    def fail(self, message: str, column: Hashable | None = None, **kw: Any) -> None:
        raise DataError(message, table=self.table,
                        column=None if column is None else str(column), **kw)

    def require_columns(self, columns: Iterable[Hashable | None]) -> None:
        wanted = list(dict.fromkeys(c for c in columns if c is not None))
        available = list(self.df.columns)
        missing = [c for c in wanted if c not in self.df.columns]
        if missing:
            shown = ", ".join(repr(c) for c in available[:30])
            if len(available) > 30:
                shown += f", ... ({len(available)} in all)"
            self.fail(
                f"missing column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(c) for c in missing)}; available columns: {shown or 'none'}",
                column=",".join(str(c) for c in missing),
            )
        dup_names = self.df.columns[self.df.columns.duplicated()]
        clash = [c for c in wanted if c in set(dup_names)]
        if clash:
            self.fail("column name appears more than once in the table", column=clash[0])

    def require_rows(self) -> None:
        if self.n == 0:
            self.fail("no rows", n_rows=0)

    # -- row-level problems ------------------------------------------------------------

    @property
    def labels(self) -> np.ndarray:
        if self._labels is None:
            self._labels = self.df.index.to_numpy()
        return self._labels

    def bad(self, column: Hashable | None) -> np.ndarray:
        """Rows already rejected because of ``column`` (all False if none)."""
        found = self._bad.get(column)
        return np.zeros(self.n, dtype=bool) if found is None else found

    def record(self, column: Hashable, mask: np.ndarray,
               make_error: Callable[[np.ndarray], DataError]) -> None:
        """Report the rows in ``mask`` not already rejected for ``column``."""
        previous = self._bad.get(column)
        if previous is not None:
            mask = mask & ~previous
        if not mask.any():
            return
        err = make_error(mask)
        if not self.split:
            raise err
        self.errors.append(err)
        self.masks.append(mask)
        self._bad[column] = mask if previous is None else previous | mask

    def check(self, column: Hashable, mask: np.ndarray, message: str,
              examples: np.ndarray | Callable[[], np.ndarray] | None = None,
              cls: type[DataError] = DataError) -> None:
        """Report ``mask`` rows with ``message``; examples are values (default: row labels,
        said in the message: CSV line numbers for a table the command line read)."""
        if examples is None:
            message += labels_note(self.df.index)

        def make(m: np.ndarray) -> DataError:
            source = self.labels if examples is None else examples
            if callable(source):
                source = source()
            return cls(message, table=self.table, column=str(column), n_rows=int(m.sum()),
                       examples=_distinct_examples(source, m))

        self.record(column, mask, make)

    def check_rows(self, column: Hashable, mask: np.ndarray, message: str,
                   parts: list[tuple[str, np.ndarray | Callable[[], np.ndarray]]]) -> None:
        """Like :meth:`check`, examples built as ``"a=1, b=2"`` from several columns.

        ``parts`` holds arrays or callables returning one (to defer costly conversions).
        """

        def make(m: np.ndarray) -> DataError:
            pos = np.flatnonzero(m)[:_MAX_EXAMPLES]
            arrays = [(name, arr() if callable(arr) else arr) for name, arr in parts]
            examples = [", ".join(f"{name}={_plain(arr[p])}" for name, arr in arrays)
                        for p in pos]
            return DataError(message, table=self.table, column=str(column),
                             n_rows=int(m.sum()), examples=examples)

        self.record(column, mask, make)

    # -- reusable column checks -----------------------------------------------------------

    def no_missing(self, column: Hashable) -> np.ndarray:
        missing = self.df[column].isna().to_numpy()
        self.check(column, missing, _MISSING)
        return missing

    def numbers(self, column: Hashable, cls: type[DataError] = DataError) -> np.ndarray:
        s = self.df[column]
        values, not_numbers = _as_numbers(s)
        self.check(column, not_numbers, _NOT_NUMBERS, lambda: s.to_numpy(dtype=object), cls)
        self.check(column, np.isnan(values), _MISSING)
        return values

    def on_scale(self, column: Hashable, scale: Scale) -> np.ndarray:
        # text in a score column is a scale problem too: ScaleError, as in Scale.check
        values = self.numbers(column, ScaleError)
        invalid = scale.invalid_mask(values)

        def make(m: np.ndarray) -> DataError:
            try:
                scale.check(values[m], column=str(column), table=self.table)
            except ScaleError as err:
                return err
            raise AssertionError("Scale.invalid_mask and Scale.check disagree")  # pragma: no cover

        self.record(column, invalid, make)
        return values

    def temporal(self, column: Hashable, *, allowed: tuple[str, ...], what: str) -> _Temporal:
        s = self.df[column]
        t = _temporal(s, allowed=allowed)
        self.check(column, t.not_valid,
                   f"values are not {what} (strings and objects are never converted; "
                   "use pd.to_datetime or pd.to_numeric first)",
                   lambda: s.to_numpy(dtype=object))
        self.check(column, t.missing, _MISSING)
        if t.kind == "numeric":
            self.check(column, np.isinf(t.values), "infinite values", t.values)
        return t

    def same_kind(self, first: Hashable, a: _Temporal, second: Hashable, b: _Temporal,
                  *, other_table: str | None = None) -> None:
        if "other" in (a.kind, b.kind):
            return  # no usable values: already reported row by row
        if a.kind != b.kind or a.tz_aware != b.tz_aware:
            where = f"{other_table}.{first}" if other_table else str(first)
            self.fail(
                f"{second} is {_describe_kind(b)} but {where} is {_describe_kind(a)}; "
                "use the same kind of time for both",
                column=second,
            )

    def flag(self, column: Hashable, mapping: Mapping[Any, bool] | None) -> None:
        s = self.df[column]
        _, bad = _flag_values(s, mapping)
        self.record(column, bad, lambda m: _flag_error(s, m, column=str(column), table=self.table))

    # -- outcome ----------------------------------------------------------------------

    def result(self) -> Validation:
        # at call time: data imports this module for its validators
        from .data import PROBLEM_COLUMNS, Validation

        df = self.df
        reason = "reason"
        while reason in df.columns:
            reason += "_"
        records = [
            (e.table, e.column, e.message, e.n_rows, e.examples) for e in self.errors
        ]
        problems = pd.DataFrame(records, columns=list(PROBLEM_COLUMNS)).astype(
            {"table": object, "column": object, "problem": object, "n_rows": np.int64,
             "examples": object}
        )
        if not self.masks:
            rejected = df.take(np.array([], dtype=np.intp)).assign(
                **{reason: np.array([], dtype=object)}
            )
            return Validation(df.copy(deep=False), rejected, problems, self.table, ())
        rejected_mask = np.logical_or.reduce(self.masks)
        positions = np.flatnonzero(rejected_mask)
        reasons = np.full(len(positions), "", dtype=object)
        for mask, err in zip(self.masks, self.errors):
            hit = mask[positions]
            note = labels_note(self.df.index)
            text = f"{err.column}: {err.message.removesuffix(note)}"
            current = reasons[hit]
            reasons[hit] = np.where(current == "", text, current + "; " + text)
        # take (not iloc) so the results are independent frames: adding a column to them
        # later does not raise pandas' SettingWithCopyWarning
        accepted = df.take(np.flatnonzero(~rejected_mask))
        rejected = df.take(positions).assign(**{reason: reasons})
        return Validation(accepted, rejected, problems, self.table, tuple(self.errors))
