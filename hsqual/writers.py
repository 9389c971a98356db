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
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["atomic_write", "atomic_folder", "write_text", "write_table"]


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None,
    sync: bool = True,
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
    sync : bool, keyword-only
        Flush the file to disk before the rename (default). ``False`` for files written into
        a temporary folder that :func:`atomic_folder` moves into place as a whole.

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
            if sync:
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


def write_text(text: str, path: str | os.PathLike, *, encoding: str = "utf-8", sync: bool = True) -> Path:
    """Write ``text`` to ``path`` atomically and return the path (``sync`` as for :func:`atomic_write`).

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = write_text("人間の安全保障\\n", pathlib.Path(tempfile.mkdtemp()) / "a.txt")
    >>> p.read_text(encoding="utf-8")
    '人間の安全保障\\n'
    """
    with atomic_write(path, "w", encoding=encoding, newline="", sync=sync) as fh:
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


def write_table(df: pd.DataFrame, path: str | os.PathLike, *, index: bool | None = None) -> Path:
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


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike, *, marker: str = ".hsqual-folder") -> Iterator[Path]:
    """Build a folder in a temporary folder beside ``path``; move it into place on success.

    The ``with`` block writes into the temporary folder it is given. When the block ends
    without an error, a ``marker`` file is added and the folder replaces ``path``; if the
    block raises, the temporary folder is removed and ``path`` is left as it was. An existing
    ``path`` is replaced only when it is empty or holds the same ``marker`` (a folder this
    function wrote before); any other folder or file raises :class:`FileExistsError`, so
    nobody's own files are removed.

    Example
    -------
    >>> import tempfile, pathlib
    >>> site = pathlib.Path(tempfile.mkdtemp()) / "site"
    >>> with atomic_folder(site) as tmp:
    ...     _ = write_text("<h1>v1</h1>", tmp / "index.html")
    >>> with atomic_folder(site) as tmp:
    ...     _ = write_text("<h1>v2</h1>", tmp / "index.html")
    >>> (site / "index.html").read_text()
    '<h1>v2</h1>'
    >>> mine = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (mine / "thesis.docx").write_text("years of work")
    >>> with atomic_folder(mine) as tmp:
    ...     pass
    Traceback (most recent call last):
    ...
    FileExistsError: ...: the folder exists and was not written by hsqual (no .hsqual-folder in it); refusing to replace it
    """
    target = Path(path)
    if target.exists():
        _check_replaceable(target, marker)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        write_text("written by hsqual; this folder is replaced as a whole when it is written again\n", tmp / marker)
        os.chmod(tmp, 0o777 & ~_umask())
        if target.exists():
            _check_replaceable(target, marker)
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, old / target.name)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old / target.name, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _check_replaceable(target: Path, marker: str) -> None:
    if not target.is_dir():
        raise FileExistsError(f"{target}: exists and is not a folder; refusing to replace it")
    if any(target.iterdir()) and not (target / marker).is_file():
        raise FileExistsError(f"{target}: the folder exists and was not written by hsqual (no {marker} in it); "
                              "refusing to replace it")
