"""Request bodies of the scoring service: size limits, strict JSON, CSV cut into blocks.

Nothing here validates a record: records go to ``scorer.score`` as they came, and its
``errors="flag"`` mode names every bad field and value. This module only turns bytes into
records (JSON values, or CSV text with its number columns read as numbers) and scored
frames back into bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pandas as pd

from ..errors import LoyaltyStatsError


class BodyError(LoyaltyStatsError):
    """A request body the service cannot read: becomes an HTTP error before any output.

    Parameters
    ----------
    status : int
        400 (malformed), 413 (too large) or 415 (unsupported media type).
    message : str
        What is wrong, for the client.
    """

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(message)


def too_large(limit: int) -> BodyError:
    return BodyError(413, f"request body larger than the limit of {limit:,} bytes "
                          "(loyaltystats serve --max-body-bytes)")


def check_declared_length(headers: Mapping[str, str], limit: int) -> None:
    """413 at once when Content-Length announces more than ``limit`` bytes."""
    declared = headers.get("content-length")
    if declared is None:
        return
    try:
        size = int(declared)
    except ValueError:
        raise BodyError(400, f"Content-Length is not a number: {declared!r}") from None
    if size > limit:
        raise too_large(limit)


async def read_limited(stream: AsyncIterator[bytes], limit: int) -> bytes:
    """The whole body, counting bytes as they arrive (a chunked body declares no length)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> Any:
    """Strict JSON (``NaN`` and ``Infinity`` are refused); :class:`BodyError` 400 otherwise."""
    if not body.strip():
        raise BodyError(400, "empty body: send JSON")
    try:
        return json.loads(body, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        raise BodyError(400, f"malformed JSON: {exc}") from None


def _plain(value: Any) -> Any:
    """A JSON value: NaN becomes null, anything exotic its text."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    return str(value)


def json_bytes(value: Any) -> bytes:
    """Compact JSON of a result (dict, list of dicts); NaN scores are ``null``."""
    return json.dumps(value, allow_nan=False, separators=(",", ":")).encode("utf-8")


def clean_record(out: Mapping[str, Any]) -> dict[str, Any]:
    """One scored record as JSON-ready values."""
    return {k: _plain(v) for k, v in out.items()}


def frame_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A scored frame as a list of JSON-ready dicts, in row order."""
    cols = [str(c) for c in frame.columns]
    lists = [frame[c].tolist() for c in frame.columns]
    return [{c: _plain(v) for c, v in zip(cols, vals)} for vals in zip(*lists)]


def frame_json_items(frame: pd.DataFrame) -> bytes:
    """The rows of a scored frame as JSON objects separated by commas (no brackets)."""
    return b",".join(json_bytes(row) for row in frame_rows(frame))


class CsvBlocks:
    """Cut a CSV body, as it arrives, into blocks of whole records.

    A newline ends a record only outside quotes: the count of ``"`` before it is even
    (an escaped quote ``""`` keeps the parity), so a quoted field with a line break is never
    cut. The first record is the header. Bytes are counted against ``limit``.

    Parameters
    ----------
    stream : async iterator of bytes
        The request body.
    limit : int
        Largest body accepted, in bytes.
    block_bytes : int
        A block is handed on once this many bytes of whole records are waiting.
    """

    def __init__(self, stream: AsyncIterator[bytes], *, limit: int, block_bytes: int) -> None:
        self._stream = stream
        self._limit = limit
        self._block = block_bytes
        self._pending = b""
        self._size = 0
        self._done = False
        self.header: list[str] | None = None
        self.lines = 1  # physical lines read so far, the header's included

    async def _fill(self) -> None:
        async for chunk in self._stream:
            self._size += len(chunk)
            if self._size > self._limit:
                raise too_large(self._limit)
            self._pending += chunk
            if len(self._pending) >= self._block:
                return
        self._done = True

    async def read_header(self) -> list[str]:
        """Read up to the end of the header line; 400 if there is none."""
        while True:
            cut = _record_end(self._pending, first_only=True)
            if cut or self._done:
                break
            await self._fill()
        head = self._pending[:cut] if cut else self._pending
        self._pending = self._pending[len(head):]
        text = _decode(head).removeprefix("\ufeff")
        rows = [r for r in csv.reader(io.StringIO(text)) if r]
        if not rows:
            raise BodyError(400, "empty CSV body: send a header line and one record per line")
        header = [h.strip() for h in rows[0]]
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise BodyError(400, f"CSV header repeats column(s) {dupes}")
        self.header = header
        return header

    async def next_block(self) -> str | None:
        """The next block of whole records as text; None at the end of the body."""
        while not self._done and len(self._pending) < self._block:
            await self._fill()
        if self._done:
            block, self._pending = self._pending, b""
            return _decode(block) if block.strip() else None
        cut = _record_end(self._pending)
        while not cut and not self._done:  # one record longer than a block
            await self._fill()
            cut = len(self._pending) if self._done else _record_end(self._pending)
        block, self._pending = self._pending[:cut], self._pending[cut:]
        return _decode(block)


def _record_end(buf: bytes, *, first_only: bool = False) -> int:
    """Offset just past the last (or first) newline outside quotes; 0 if none."""
    if first_only:
        start = buf.find(b"\n")
        while start >= 0:
            if buf.count(b'"', 0, start) % 2 == 0:
                return start + 1
            start = buf.find(b"\n", start + 1)
        return 0
    end = buf.rfind(b"\n")
    while end >= 0:
        if buf.count(b'"', 0, end) % 2 == 0:
            return end + 1
        end = buf.rfind(b"\n", 0, end)
    return 0


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(400, f"CSV body is not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r})"
                        ) from None


def _numbers(text: pd.Series) -> pd.Series:
    """CSV text to numbers; text that is not a number is kept for the scorer to name, an
    empty field becomes None (missing)."""
    num = pd.to_numeric(text, errors="coerce")
    bad = num.isna().to_numpy()
    if not bad.any():
        return num
    out = num.astype(object)
    raw = text[bad]
    out[bad] = raw.where(raw != "", None)
    return out


def csv_records(text: str, header: Sequence[str], numeric: Sequence[str],
                first_line: int) -> tuple[pd.DataFrame, dict[int, str]]:
    """Records of one CSV block, and the rows whose field count is wrong.

    Returns
    -------
    records : DataFrame
        Text columns, the ``numeric`` ones read as numbers; a row with the wrong number of
        fields has every field empty (so the scorer flags it).
    ragged : dict
        Row position -> message naming its line (``first_line`` is the block's first line).
    """
    k = len(header)
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = []
    ragged: dict[int, str] = {}
    start = first_line
    try:
        for row in reader:
            if not row:  # a blank line is no record
                start = first_line + reader.line_num
                continue
            if len(row) != k:
                ragged[len(rows)] = f"line {start}: {len(row)} fields, the header has {k}"
                row = [""] * k
            rows.append(row)
            start = first_line + reader.line_num
    except csv.Error as exc:  # a field over the csv module's limit (128 KiB)
        raise BodyError(400, f"malformed CSV at line {start}: {exc}") from None
    frame = pd.DataFrame(rows, columns=list(header), dtype=object)
    for col in numeric:
        if col in frame.columns:
            frame[col] = _numbers(frame[col])
    return frame, ragged


def scored_csv(scored: pd.DataFrame, *, header: bool) -> bytes:
    """A scored block as CSV (numbers at full precision, NaN as an empty field)."""
    return scored.to_csv(index=False, header=header, lineterminator="\n").encode("utf-8")
