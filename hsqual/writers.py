"""Writers: every file hsqual writes goes through here.

A file is written to a temporary file in the target's folder and renamed over the target only
when writing succeeded, so a failure half-way leaves the previous file as it was.

Example
-------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_write(d / "notes.txt") as fh:
...     _ = fh.write("first")
>>> (d / "notes.txt").read_text()
'first'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "write_text", "write_table", "append_line"]


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it onto ``path`` on success.

    Parameters
    ----------
    path : str or PathLike
        The file to (re)write. Its folder is created if missing.
    mode : {"w", "wb"}
        Text or binary.
    encoding, newline
        As for :func:`open` (text mode only).

    If the ``with`` block raises, the temporary file is removed and ``path`` is untouched.

    Example
    -------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "codings.csv"
    >>> _ = target.write_text("human work")
    >>> try:
    ...     with atomic_write(target) as fh:
    ...         _ = fh.write("half")
    ...         raise RuntimeError("disk full")
    ... except RuntimeError:
    ...     pass
    >>> target.read_text()
    'human work'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write: mode must be 'w' or 'wb', not {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        if mode == "wb":
            fh = os.fdopen(fd, "wb")
        else:
            fh = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, target.stat().st_mode & 0o7777)
        else:
            with contextlib.suppress(OSError):
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_text(text: str, path: str | os.PathLike, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically and return the path.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = write_text("人間の安全保障\\n", pathlib.Path(tempfile.mkdtemp()) / "a.txt")
    >>> p.read_text(encoding="utf-8")
    '人間の安全保障\\n'
    """
    with atomic_write(path, "w", encoding=encoding, newline="") as fh:
        fh.write(text)
    return Path(path)


def _keeps_index(df, index: bool | None = None) -> bool:
    """Whether a table's index is written: ``index`` if given, else when it carries labels.

    An index carries labels when it is named (``code`` in a theme table or a co-occurrence
    matrix) or does not hold whole numbers; a plain row number is left out.

    Example
    -------
    >>> import pandas as pd
    >>> _keeps_index(pd.DataFrame({"n": [3]}, index=pd.Index(["freedoms.fear"], name="code")))
    True
    >>> _keeps_index(pd.DataFrame({"code": ["freedoms.fear"], "n": [3]}))
    False
    """
    if index is not None:
        return bool(index)
    import pandas as pd

    return any(n is not None for n in df.index.names) or not pd.api.types.is_integer_dtype(df.index.dtype)


def write_table(df, path: str | os.PathLike, *, index: bool | None = None) -> Path:
    """Write a DataFrame as CSV, XLSX or Parquet, chosen by the file's suffix, atomically.

    CSV is written as UTF-8 with LF line ends (Excel users: use ``.xlsx``). The index is
    written when it carries labels (see :func:`_keeps_index`), or as ``index`` says.

    Example
    -------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = write_table(pd.DataFrame({"code": ["freedoms.fear"], "n": [3]}),
    ...                 pathlib.Path(tempfile.mkdtemp()) / "freq.csv")
    >>> p.read_text().splitlines()
    ['code,n', 'freedoms.fear,3']
    """
    target = Path(path)
    suffix = target.suffix.lower()
    index = _keeps_index(df, index)
    if suffix == ".csv":
        with atomic_write(target, "w", newline="") as fh:
            df.to_csv(fh, index=index, lineterminator="\n")
    elif suffix == ".xlsx":
        with atomic_write(target, "wb") as fh:
            df.to_excel(fh, index=index, engine="openpyxl")
    elif suffix == ".parquet":
        if not all(isinstance(c, str) for c in df.columns):
            # Parquet column names are text: interviewee columns 1..10 become "1".."10"
            df = df.rename(columns=str)
        with atomic_write(target, "wb") as fh:
            df.to_parquet(fh, index=index)
    else:
        raise ValueError(f"{target}: cannot tell the table format from suffix {suffix!r}; expected .csv, .xlsx or .parquet")
    return target


def append_line(line: str, path: str | os.PathLike, *, encoding: str = "utf-8") -> Path:
    """Append one line to a file and make it durable before returning (a log's write).

    The line (without a line break of its own) is written with a ``\\n`` after it, then flushed
    and ``fsync``-ed, so a crash right after the call loses nothing. A file whose last line was
    cut short (a crash half-way through an earlier write) first gets a ``\\n``: the cut line
    stays as it is, on its own line, and the new one is whole. A new file's folder is created,
    and the folder is synced so the new file's name is durable too.

    Parameters
    ----------
    line : str
        The text to append; it may not contain a line break.
    path : str or PathLike

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "review.jsonl"
    >>> _ = p.write_text('{"a": 1}\\n{"b": ')          # a write cut short
    >>> _ = append_line('{"c": 3}', p)
    >>> p.read_text().splitlines()
    ['{"a": 1}', '{"b": ', '{"c": 3}']
    """
    if "\n" in line or "\r" in line:
        raise ValueError("append_line: the line may not contain a line break")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    new = not target.exists()
    data = (line + "\n").encode(encoding)
    with open(target, "a+b") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size:
            fh.seek(size - 1)
            if fh.read(1) != b"\n":
                data = b"\n" + data
            fh.seek(0, os.SEEK_END)
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if new:
        with contextlib.suppress(OSError):
            dir_fd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    return target
