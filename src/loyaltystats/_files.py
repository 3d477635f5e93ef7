"""One writer for every file the package writes: all or nothing, never through a link.

A file is written to a temporary file in the target's directory (an unpredictable name,
created exclusively, so nothing planted at a known name is followed), flushed and fsynced,
then renamed over the target in one step. An interrupted or failed write leaves the old file
as it was and no temporary file behind. A target that exists but is not a regular file (a
symbolic link, a directory, a device, a FIFO) is refused.

Examples
--------
>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> write_text_atomic(os.path.join(d, "out.txt"), "hello")
>>> open(os.path.join(d, "out.txt")).read(), sorted(os.listdir(d))
('hello', ['out.txt'])
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

from .errors import InputFileError, OutputError

__all__ = ["atomic_output", "write_text_atomic", "check_csv_shape"]


def _check_target(target: Path) -> int | None:
    """The mode of an existing regular file at ``target`` (None if nothing is there)."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{target} is a symbolic link; refusing to write through it (remove "
                          "it or write to another path)")
    if not stat.S_ISREG(st.st_mode):
        kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO"
                if stat.S_ISFIFO(st.st_mode) else "a device or special file")
        raise OutputError(f"{target} exists and is {kind}, not a regular file; refusing to "
                          "replace it")
    return stat.S_IMODE(st.st_mode)


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_output(path: str | os.PathLike[str], *, binary: bool = False,
                  allow_special: bool = False) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` when the block ends without an error.

    Parameters
    ----------
    path : path
        The file to write. Its directory must exist.
    binary : bool
        Yield a binary file object (default: text, UTF-8).
    allow_special : bool
        The user's explicit choice (the CLI's ``--allow-special-output``): a symbolic link
        is followed and the file it points to replaced atomically; a FIFO or device (e.g.
        ``/dev/stdout``) is written directly, as a stream (not atomically). A directory is
        always refused.

    Raises
    ------
    OutputError
        ``path`` exists and is not a regular file (unless ``allow_special``), or its
        directory does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a.csv")
    >>> with atomic_output(p) as fh:
    ...     _ = fh.write("x\\n1\\n")
    >>> open(p).read()
    'x\\n1\\n'
    """
    target = Path(path)
    if allow_special:
        if target.is_symlink():
            target = Path(os.path.realpath(target))
        elif target.exists() and not target.is_file() and not target.is_dir():
            with open(target, "wb" if binary else "w",
                      **({} if binary else {"encoding": "utf-8"})) as stream:
                yield stream
            return
    mode = _check_target(target)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"the directory of {target} does not exist")
    _sweep(directory, target.name)
    # the writer's pid in the name lets a later run tell a killed writer's leftover from a
    # file another live process is still writing
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else
                                                       {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _default_mode() if mode is None else mode)
        _check_target(target)  # not swapped for a link while we wrote
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _sweep(directory: Path, name: str) -> None:
    """Remove temporary files of earlier writers of ``name`` that died (SIGKILL, power loss)."""
    prefix = f".{name}."
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        if not (entry.startswith(prefix) and entry.endswith(".tmp")):
            continue
        pid = entry[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            os.unlink(directory / entry)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def write_text_atomic(path: str | os.PathLike[str], text: str, *,
                      allow_special: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` through :func:`atomic_output`."""
    with atomic_output(path, allow_special=allow_special) as fh:
        fh.write(text)


def check_csv_shape(path: str | os.PathLike[str]) -> np.ndarray:
    """Raise InputFileError at the first record whose field count differs from the header's
    (or at malformed quoting, or text that is not UTF-8), naming its line.

    Returns the line number in the file (1 = the header) where each data record starts,
    in the order pandas reads them (blank lines skipped), so error messages can name the
    lines a user opens in an editor (a quoted field may span lines).
    """
    import csv
    from array import array

    import numpy as np  # here: the CLI imports this module before it needs numpy

    path = Path(path)
    starts = array("q")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise InputFileError(f"{path}: malformed CSV: the file is empty (no header line)")
            k = len(header)
            previous = reader.line_num
            for record in reader:
                if record:
                    if len(record) != k:
                        raise InputFileError(
                            f"{path}: malformed CSV: line {reader.line_num} has {len(record)} "
                            f"fields, the header has {k}")
                    starts.append(previous + 1)
                previous = reader.line_num
        except csv.Error as exc:
            raise InputFileError(f"{path}: malformed CSV: line {reader.line_num}: {exc}") from None
    return np.frombuffer(starts, dtype=np.int64) if len(starts) else np.zeros(0, np.int64)
