"""Chunked scoring of CSV files: memory does not grow with the file."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from .._files import atomic_output, check_csv_shape
from .._progress import draw_bar
from ..errors import DataError, InputFileError, ParameterError
from .records import BASE_FIELDS

__all__ = ["score_csv"]


def _parse_numeric(text: pd.Series) -> pd.Series:
    """CSV text to numbers; text that is not a number is kept so the scorer can name it."""
    num = pd.to_numeric(text, errors="coerce")
    bad = num.isna()
    if not bad.any():
        return num
    out = num.astype(object)
    out[bad] = text[bad].where(text[bad] != "", None)
    return out


def _csv_writer() -> Callable[[pd.DataFrame, IO[bytes], bool], None]:
    """A function writing one scored chunk as CSV to a binary file.

    pyarrow's C++ writer when pyarrow is installed (the ``parquet`` or ``engines`` extra),
    else pandas. Formatting numbers in ``DataFrame.to_csv`` dominated the CLI's time: with
    pyarrow the CLI scored a 1 GB CSV in 92 s against 340 s
    (``python benchmarks/bench_scoring.py``, benchmarks/results/scoring.md). Both write numbers at full (shortest round-trip) precision and
    missing scores and empty texts as empty fields; pyarrow also quotes every non-empty text
    field.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        opts = {h: pacsv.WriteOptions(include_header=h, quoting_style="needed")
                for h in (True, False)}
    except (ImportError, TypeError):  # no pyarrow, or one without quoting_style
        def write_pandas(frame: pd.DataFrame, out: IO[bytes], header: bool) -> None:
            out.write(frame.to_csv(header=header, index=False).encode("utf-8"))

        return write_pandas

    def write_arrow(frame: pd.DataFrame, out: IO[bytes], header: bool) -> None:
        frame = frame.copy(deep=False)
        for c in frame.columns:
            if frame[c].dtype == object:
                # text as text whatever the values (an id column can mix numbers and codes),
                # and an empty text as an empty field, as the pandas writer has it
                col = frame[c]
                if pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty"):
                    col = col.where(col.isna(), col.astype(str))
                empty = (col == "").to_numpy()
                frame[c] = col.mask(empty) if empty.any() else col
        pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), out, opts[header])

    return write_arrow


def _progress(done: int, total: int, rows: int, stream: IO[str]) -> None:
    draw_bar("scoring", done / total if total else 1.0, f"{rows:,} rows", stream)


MAX_BAD_LINES = 20
"""How many bad lines ``score_csv(errors="raise")`` names in its error (all are counted)."""


def score_csv(scorer: Any, input_path: str | Path, output_path: str | Path, *,
              errors: str = "raise", chunksize: int = 100_000, id_column: str | None = "auto",
              progress: bool | None = None,
              on_chunk: Callable[[int], None] | None = None,
              allow_special_output: bool = False) -> dict[str, int]:
    """Score a CSV file chunk by chunk and write the scores to another CSV.

    Parameters
    ----------
    scorer : LoyaltyScorer
        A fitted scorer.
    input_path, output_path : path
        Input CSV with one record per row; output CSV with the id column (if any), the score
        columns and, with ``errors="flag"``, ``error``. The output is written to a temporary
        file and renamed only on success, so a failed run leaves no partial output.
    errors : {"raise", "flag"}
        As in :meth:`LoyaltyScorer.score`; with ``"raise"`` the first bad row stops the run
        with a :class:`DataError` that gives the line number.
    chunksize : int
        Rows per chunk; peak memory is proportional to it, not to the file.
    id_column : str or None
        Column copied to the output; ``"auto"`` copies ``customer_id`` when present.
    progress : bool, optional
        Show a progress bar on stderr; default only when stderr is a terminal.
    on_chunk : callable, optional
        Called with the number of rows scored so far after each chunk.
    allow_special_output : bool
        Write through a symbolic link at ``output_path``, or to a FIFO or device as a stream
        (refused by default; see :func:`loyaltystats._files.atomic_output`).

    Returns
    -------
    dict
        ``{"rows": ..., "flagged": ...}``.

    Examples
    --------
    >>> import tempfile, os
    >>> import pandas as pd
    >>> from loyaltystats.simulate import generate
    >>> from loyaltystats.scoring import LoyaltyScorer
    >>> w = generate(3000, seed=2)
    >>> s = LoyaltyScorer().fit(w.customers, w.experiences)
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"customer_id": [1, 2], "grade": [8, 0], "recommend": [9, 9],
    ...               "negatives": [0, 0], "tenure_months": [3, 3]}).to_csv(
    ...     os.path.join(d, "in.csv"), index=False)
    >>> score_csv(s, os.path.join(d, "in.csv"), os.path.join(d, "out.csv"), errors="flag")
    {'rows': 2, 'flagged': 1}
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if not input_path.is_file():
        raise FileNotFoundError(f"input file not found: {input_path}")
    if progress is None:
        progress = sys.stderr.isatty()
    total = input_path.stat().st_size
    numeric = set(BASE_FIELDS)
    rows = flagged = n_bad = 0
    bad_lines: list[str] = []
    if errors not in ("raise", "flag"):
        raise ParameterError(f"errors must be 'raise' or 'flag', got {errors!r}")
    try:
        # pandas' chunked C parser drops or misreads a row with extra fields depending on
        # where the chunks fall; one strict pass of the stdlib reader first makes every
        # ragged row an error naming its line, whatever the chunk size
        check_csv_shape(input_path)
        write = _csv_writer()
        # one writer for every output: a temporary file in the output's directory, renamed
        # over it at the end; a failure or an interrupt leaves the old output and no litter
        with input_path.open("rb") as fh, atomic_output(output_path, binary=True,
                                                          allow_special=allow_special_output) as out:
            # Numeric fields are parsed by the C parser (fast, small); everything else stays
            # text so categories like "01" are not turned into numbers.
            dtypes = {f: str for f in scorer.feature_levels_}
            reader = pd.read_csv(fh, chunksize=chunksize, dtype=dtypes, keep_default_na=False,
                                 na_values={f: [""] for f in numeric}, low_memory=True)
            for i, chunk in enumerate(reader):
                if i == 0 and id_column == "auto":
                    id_column = "customer_id" if "customer_id" in chunk.columns else None
                records = chunk
                for col in numeric & set(chunk.columns):
                    if chunk[col].dtype.kind not in "iuf":  # some text did not parse
                        records[col] = _parse_numeric(chunk[col].astype(str).where(
                            chunk[col].notna(), ""))
                # flag mode always, so that --errors raise can name every bad line (up to
                # MAX_BAD_LINES) of the whole file instead of the first chunk's first line
                scored = scorer.score(records, errors="flag")
                if errors == "raise":
                    msg = scored["error"].to_numpy()
                    for pos in np.flatnonzero(msg != ""):
                        if len(bad_lines) < MAX_BAD_LINES:
                            # header is line 1; a quoted field with a newline shifts this
                            bad_lines.append(f"line {rows + pos + 2}: {msg[pos]}")
                        n_bad += 1
                    scored = scored.drop(columns="error")
                if id_column is not None:
                    if id_column not in chunk.columns:
                        raise DataError("id column not in the input", table=input_path.name,
                                        column=id_column)
                    scored.insert(0, id_column, chunk[id_column].to_numpy())
                if errors == "flag":
                    flagged += int(np.sum(scored["error"].to_numpy() != ""))
                write(scored, out, i == 0)
                rows += len(chunk)
                if progress:
                    _progress(fh.tell(), total, rows, sys.stderr)
                if on_chunk is not None:
                    on_chunk(rows)
            if n_bad:
                # raised inside the writer: the old output stays, nothing is written
                raise DataError(
                    f"{n_bad:,} bad row(s), nothing written: " + "; ".join(bad_lines)
                    + ("; ..." if n_bad > len(bad_lines) else ""),
                    table=str(input_path.name), n_rows=n_bad)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        # a malformed file is not a bad row: exit status 2, the old output kept, no traceback
        raise InputFileError(f"{input_path}: malformed CSV: {_csv_problem(exc)}") from None
    finally:
        if progress:
            sys.stderr.write("\n")
    return {"rows": rows, "flagged": flagged}


def _csv_problem(exc: Exception) -> str:
    """pandas' or the codec's message, without the parser's internals."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r} at offset {exc.start})"
    if isinstance(exc, pd.errors.EmptyDataError):
        return "the file is empty (no header line)"
    return str(exc).replace("Error tokenizing data. C error: ", "").strip()

