"""Writers: every file hsqual writes goes through here.

A file is written to a temporary file in the target's folder and renamed over the target only
when writing succeeded, so a failure half-way leaves the previous file as it was. The
temporary file is named ``.<name>.hsqual-<process id>-<random>.tmp``; one left behind by a
run that was killed is removed by the next write to the same target, with a warning naming it
(:func:`clean_stale_temporaries`).

Whether an existing target may be replaced is decided *at the moment of writing*: with
``replace=False`` the file is created exclusively (a file that appeared meanwhile is never
replaced), and with ``replace=file_state(path)`` it is replaced only while it is still the
file that was checked when the work started. :func:`check_output_path` makes the checks a
command does before its work (a known suffix, a folder that can be written, no folder in the
way), and :func:`staged_folder` writes a folder of files beside its target and moves them into
place only when all are complete. A full or read-only disk raises
:class:`~hsqual.errors.OutputError` naming the file.

Spreadsheets (``.xlsx``) store every text as a text cell, never as a formula: a quote that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (OWASP's list for
spreadsheet formula injection) keeps its exact text, stored as a string and marked as text
(Excel's quote prefix), so neither opening nor editing the cell runs it. CSV files are data
for pandas, R and other tools and keep the text exactly as it is (a quote must equal the
document's text at its offsets); open a CSV in a spreadsheet through its import dialog with
text columns, or write ``.xlsx``.

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
import dataclasses
import errno
import os
import secrets
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import ArgumentError, OutputError
from .params import validate_params

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FileState", "atomic_write", "atomic_folder", "check_output_path", "clean_stale_temporaries", "file_state",
           "staged_file", "staged_folder", "write_text", "write_table", "write_sheets", "append_line", "lock_file",
           "TABLE_SUFFIXES", "FORMULA_STARTS"]

#: Suffixes :func:`write_table` writes.
TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TMP_TAG = ".hsqual-"
_STALE_AFTER_S = 24 * 3600  # where a process cannot be asked whether it runs (Windows)


@dataclasses.dataclass(frozen=True)
class FileState:
    """What a path held when it was checked: nothing, or a file of this identity and age.

    Two states compare equal when the path still holds the same file, unchanged; a writer given
    the state taken when the work started replaces only that file.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "codings.csv"
    >>> before = file_state(p)
    >>> before.exists
    False
    >>> _ = p.write_text("a person's codings")
    >>> file_state(p) == before
    False
    """

    exists: bool
    device: int = 0
    inode: int = 0
    size: int = 0
    mtime_ns: int = 0


def file_state(path: str | os.PathLike) -> FileState:
    """The :class:`FileState` of ``path`` now.

    Example
    -------
    >>> import tempfile, pathlib
    >>> file_state(pathlib.Path(tempfile.mkdtemp()) / "none.csv")
    FileState(exists=False, device=0, inode=0, size=0, mtime_ns=0)
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return FileState(False)
    return FileState(True, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _oserror(exc: OSError, path: Path, doing: str) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        reason += " (the disk is full: free some space and run again)"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason += " (choose a folder you can write to)"
    err = OutputError(f"cannot {doing}: {reason}", path=path)
    err.errno = exc.errno
    return err


def _pid_alive(pid: int) -> bool | None:
    """Whether process ``pid`` runs (None where that cannot be asked safely)."""
    if sys.platform.startswith("win"):
        return None  # os.kill would end the process there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def _is_stale(entry: Path) -> bool:
    """A temporary file or folder of an hsqual run that is no longer running."""
    name = entry.name
    try:
        pid = int(name[name.index(_TMP_TAG) + len(_TMP_TAG):].split("-", 1)[0])
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    alive = _pid_alive(pid)
    if alive is None:
        try:
            return time.time() - entry.stat().st_mtime > _STALE_AFTER_S
        except OSError:
            return False
    return not alive


def clean_stale_temporaries(target: str | os.PathLike) -> list[Path]:
    """Remove the temporary files (and staging folders) a killed run left for ``target``.

    They are ``.<name>.hsqual-<pid>-*.tmp`` beside the target whose process no longer runs
    (on Windows: older than a day). Each removal is reported with a ``UserWarning``; the
    removed paths are returned.

    Example
    -------
    >>> import tempfile, pathlib, warnings
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / ".codings.csv.hsqual-999999999-ab12.tmp").write_text("half a table")
    >>> with warnings.catch_warnings(record=True):
    ...     [p.name for p in clean_stale_temporaries(d / "codings.csv")]
    ['.codings.csv.hsqual-999999999-ab12.tmp']
    """
    target = Path(target)
    folder = target.parent
    prefix = f".{target.name}{_TMP_TAG}"
    removed: list[Path] = []
    try:
        entries = [e for e in folder.iterdir() if e.name.startswith(prefix) and ".tmp" in e.name[len(prefix):]]
    except OSError:
        return removed
    for entry in entries:
        if not _is_stale(entry):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue
        removed.append(entry)
    if removed:
        warnings.warn(f"removed {len(removed)} unfinished temporary file(s) of an interrupted run: "
                      + ", ".join(str(p) for p in removed), UserWarning, stacklevel=3)
    return removed


def _temp_name(target: Path, suffix: str = "") -> str:
    return f".{target.name}{_TMP_TAG}{os.getpid()}-{secrets.token_hex(4)}.tmp{suffix}"


_APPEARED = ("a file appeared there while hsqual was working (was it saved meanwhile?); refusing to replace it: "
             "nothing was written (run again, or write to another file)")


def _refusal(target: Path, replace, *, late: bool = False) -> OutputError | None:
    """Why ``target`` may not be replaced now (None when it may); ``late``: the work is done."""
    if replace is True:
        return None
    now = file_state(target)
    if replace is False:
        if now.exists:
            return OutputError(_APPEARED if late else "the file exists; refusing to replace it", path=target)
        return None
    if now != replace:
        if not replace.exists:
            return OutputError(_APPEARED, path=target)
        if not now.exists:
            return None  # the old machine file was removed meanwhile: nothing to lose
        return OutputError("the file changed while hsqual was working (was it saved meanwhile?); refusing to "
                           "replace it: nothing was written (run again, or write to another file)", path=target)
    return None


def _put_in_place(tmp: Path, target: Path, replace) -> None:
    """Move a finished temporary file onto ``target`` as ``replace`` allows."""
    refusal = _refusal(target, replace, late=True)
    if refusal is not None:
        raise refusal
    if replace is True or (isinstance(replace, FileState) and replace.exists):
        os.replace(tmp, target)
        return
    # the target must not exist: link it into place, which fails if a file appeared meanwhile
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputError(_APPEARED, path=target) from None
    except OSError:  # a file system without hard links: reserve the name, then rename onto it
        try:
            fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            raise OutputError(_APPEARED, path=target) from None
        os.close(fd)
        os.replace(tmp, target)
        return
    tmp.unlink()


def _prepare(target: Path, replace) -> None:
    """Before writing ``target``: refuse as ``replace`` says, create its folder, clean a killed
    run's temporary files."""
    refusal = _refusal(target, replace)
    if refusal is not None:
        raise refusal
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _oserror(exc, target.parent, "create the folder") from None
    clean_stale_temporaries(target)


@contextlib.contextmanager
@validate_params()
def atomic_write(
    path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None,
    replace: bool | FileState = True, sync: bool = True,
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; move it onto ``path`` on success.

    Parameters
    ----------
    path : str or PathLike
        The file to (re)write. Its folder is created if missing.
    mode : {"w", "wb"}
        Text or binary.
    encoding, newline
        As for :func:`open` (text mode only).
    replace : bool or FileState, keyword-only
        ``True``: replace whatever is there. ``False``: create the file, refusing (with
        :class:`~hsqual.errors.OutputError`) if one exists at the moment of writing.
        A :class:`FileState` (from :func:`file_state` when the work started): replace only
        that file, refusing if another was saved there meanwhile.
    sync : bool, keyword-only
        Flush the file to disk before the move (default). ``False`` for files written into
        a temporary folder that :func:`atomic_folder` moves into place as a whole.

    If the ``with`` block raises, the temporary file is removed and ``path`` is untouched. A
    failure of the disk (full, read-only, no permission) raises
    :class:`~hsqual.errors.OutputError` naming ``path``.

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
    >>> with atomic_write(target, replace=False) as fh:
    ...     _ = fh.write("machine codings")
    Traceback (most recent call last):
    ...
    hsqual.errors.OutputError: .../codings.csv: the file exists; refusing to replace it
    """
    if mode not in ("w", "wb"):
        raise ArgumentError(f"atomic_write: mode must be 'w' or 'wb', not {mode!r}")
    target = Path(path)
    _prepare(target, replace)
    tmp = target.parent / _temp_name(target)
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as exc:
        raise _oserror(exc, target, "write the file") from None
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
        _put_in_place(tmp, target, replace)
    except OutputError:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise _oserror(exc, target, "write the file") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def check_output_path(path: str | os.PathLike, *, suffixes: tuple[str, ...] | None = None,
                      folder: bool = False) -> FileState:
    """Check, before any work, that ``path`` can be written; returns its :class:`FileState`.

    Refuses (with :class:`~hsqual.errors.OutputError`, naming the path) an unknown suffix, a
    folder where a file is to go (or a file where a folder is to go), and a place that cannot
    be written (a missing permission, a read-only disk, a file in the way of a folder): a
    temporary file is created and removed in the nearest existing folder to find out.

    Example
    -------
    >>> check_output_path("codings.txt", suffixes=(".csv", ".xlsx", ".parquet"))
    Traceback (most recent call last):
    ...
    hsqual.errors.OutputError: codings.txt: cannot tell the format from the suffix '.txt'; expected .csv, .xlsx or .parquet
    """
    target = Path(path)
    if suffixes is not None and not folder and target.suffix.lower() not in suffixes:
        expected = ", ".join(suffixes[:-1]) + f" or {suffixes[-1]}" if len(suffixes) > 1 else suffixes[0]
        raise OutputError(f"cannot tell the format from the suffix {target.suffix!r}; expected {expected}",
                          path=target)
    if folder:
        if target.exists() and not target.is_dir():
            raise OutputError("expected a folder to write into, found a file", path=target)
    elif target.is_dir():
        raise OutputError("is a folder; give a file name", path=target)
    probe = target if folder and target.is_dir() else target.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"cannot create the folder: {probe} is a file, not a folder", path=target)
    trial = probe / _temp_name(target)
    try:
        fd = os.open(trial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise _oserror(exc, target, f"write in the folder {probe}") from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(trial)
    return file_state(target)


@contextlib.contextmanager
def staged_file(target: str | os.PathLike, *, replace: bool | FileState = True) -> Iterator[Path]:
    """A temporary path beside ``target`` (same suffix) to write with any writer; moved onto
    ``target`` at the end, as ``replace`` allows (see :func:`atomic_write`).

    For writers that take a path and write it whole (REFI-QDA exports): the decision to
    replace is taken when the file is complete, not before the work. If the ``with`` block
    raises, the temporary file is removed and ``target`` is untouched.

    Example
    -------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "study.qdpx"
    >>> with staged_file(target, replace=False) as tmp:
    ...     _ = tmp.write_bytes(b"PK...")
    ...     _ = target.write_bytes(b"a project a person saved meanwhile")
    Traceback (most recent call last):
    ...
    hsqual.errors.OutputError: .../study.qdpx: a file appeared there while hsqual was working ...
    >>> target.read_bytes()
    b'a project a person saved meanwhile'
    """
    target = Path(target)
    _prepare(target, replace)
    tmp = target.parent / _temp_name(target, target.suffix)
    try:
        yield tmp
        _put_in_place(tmp, target, replace)
    except OutputError:
        raise
    except OSError as exc:
        raise _oserror(exc, target, "write the file") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


@contextlib.contextmanager
def staged_folder(target: str | os.PathLike, *, replace: Callable[[Path], bool | FileState] | bool = True
                  ) -> Iterator[Path]:
    """A temporary folder beside ``target`` to write into; its files move into ``target`` at the end.

    The files move only when the ``with`` block finished without an error; otherwise the
    temporary folder is removed and ``target`` is as it was (a rerun is not refused because of
    half-written files). When ``target`` does not exist the folder is renamed into place in
    one step; otherwise each file is moved into it, replaced as ``replace`` allows:
    ``True``, ``False`` (never replace an existing file), or a function of the file's path
    in ``target`` giving ``True``/``False``/a :class:`FileState` (see :func:`atomic_write`).
    A refusal raises :class:`~hsqual.errors.OutputError` before any file is moved.

    Example
    -------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "imported"
    >>> try:
    ...     with staged_folder(out) as work:
    ...         _ = (work / "codings.csv").write_text("doc_id,...")
    ...         raise OSError(28, "No space left on device")
    ... except OSError:
    ...     pass
    >>> out.exists(), sorted(p.name for p in out.parent.iterdir())
    (False, [])
    >>> with staged_folder(out) as work:
    ...     _ = (work / "codings.csv").write_text("doc_id,...")
    >>> sorted(p.name for p in out.iterdir())
    ['codings.csv']
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _oserror(exc, target.parent, "create the folder") from None
    clean_stale_temporaries(target)
    work = target.parent / _temp_name(target)
    try:
        work.mkdir()
    except OSError as exc:
        raise _oserror(exc, target, "create a folder beside") from None
    try:
        yield work
        files = sorted(p for p in work.rglob("*") if not p.is_dir())
        if not target.exists():
            try:
                os.rename(work, target)
                return
            except OSError:
                if target.exists() and not target.is_dir():
                    raise
                target.mkdir(parents=True, exist_ok=True)  # another process made it: move file by file
        if not target.is_dir():
            raise OutputError("expected a folder to write into, found a file", path=target)
        rules = {}
        for f in files:
            dest = target / f.relative_to(work)
            rule = replace(dest) if callable(replace) else replace
            refusal = _refusal(dest, rule, late=True)
            if refusal is not None:
                raise refusal
            rules[f] = (dest, rule)
        for f, (dest, rule) in rules.items():
            dest.parent.mkdir(parents=True, exist_ok=True)
            _put_in_place(f, dest, rule)
    except OSError as exc:
        if isinstance(exc, OutputError):
            raise
        raise _oserror(exc, target, "write the folder") from None
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
def write_text(text: str, path: str | os.PathLike, *, encoding: str = "utf-8",
               replace: bool | FileState = True, sync: bool = True) -> Path:
    """Write ``text`` to ``path`` atomically and return the path.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = write_text("人間の安全保障\\n", pathlib.Path(tempfile.mkdtemp()) / "a.txt")
    >>> p.read_text(encoding="utf-8")
    '人間の安全保障\\n'
    """
    with atomic_write(path, "w", encoding=encoding, newline="", replace=replace, sync=sync) as fh:
        fh.write(text)
    return Path(path)


def keeps_index(df, index: bool | None = None) -> bool:
    """Whether a table's index is written: ``index`` if given, else when it carries labels.

    An index carries labels when it is named (``code`` in a theme table or a co-occurrence
    matrix) or does not hold whole numbers; a plain row number is left out.

    Example
    -------
    >>> import pandas as pd
    >>> keeps_index(pd.DataFrame({"n": [3]}, index=pd.Index(["freedoms.fear"], name="code")))
    True
    >>> keeps_index(pd.DataFrame({"code": ["freedoms.fear"], "n": [3]}))
    False
    """
    if index is not None:
        return bool(index)
    import pandas as pd

    return any(n is not None for n in df.index.names) or not pd.api.types.is_integer_dtype(df.index.dtype)


@validate_params()
def write_table(df: pd.DataFrame, path: str | os.PathLike, *, index: bool | None = None,
                replace: bool | FileState = True) -> Path:
    """Write a DataFrame as CSV, XLSX or Parquet, chosen by the file's suffix, atomically.

    CSV is written as UTF-8 with LF line ends, every text exactly as it is (Excel users: use
    ``.xlsx``). In XLSX every text is a text cell, never a formula (see the module's notes).
    The index is written when it carries labels (see :func:`keeps_index`), or as ``index``
    says. ``replace`` is as for :func:`atomic_write`.

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
    index = keeps_index(df, index)
    if suffix == ".csv":
        with atomic_write(target, "w", newline="", replace=replace) as fh:
            df.to_csv(fh, index=index, lineterminator="\n")
    elif suffix == ".xlsx":
        with atomic_write(target, "wb", replace=replace) as fh:
            write_sheets(fh, [("Sheet1", df, index)])
    elif suffix == ".parquet":
        if not all(isinstance(c, str) for c in df.columns):
            # Parquet column names are text: interviewee columns 1..10 become "1".."10"
            df = df.rename(columns=str)
        with atomic_write(target, "wb", replace=replace) as fh:
            df.to_parquet(fh, index=index)
    else:
        raise ArgumentError(f"{target}: cannot tell the table format from suffix {suffix!r}; expected .csv, .xlsx or .parquet")
    return target


def write_sheets(fh: IO[bytes], sheets) -> None:
    """Write ``(sheet name, DataFrame, index)`` triples as one XLSX workbook to a binary file.

    Every text cell is stored as text: openpyxl would store a text starting with ``=`` as a
    formula, which a spreadsheet runs when the file is opened (``=HYPERLINK(...)`` in a quote
    becomes a live link). Such cells, and texts starting with ``+``, ``-``, ``@``, a tab or a
    carriage return, are also marked with Excel's quote prefix, so that editing the cell does
    not turn it into a formula either. The text itself is kept exactly.

    Example
    -------
    >>> import io, openpyxl, pandas as pd
    >>> buf = io.BytesIO()
    >>> write_sheets(buf, [("codings", pd.DataFrame({"quote": ["=HYPERLINK('http://x')", "-5 degrees"]}), False)])
    >>> ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["codings"]
    >>> [(c.value, c.data_type, c.quotePrefix) for c in ws["A"][1:]]
    [("=HYPERLINK('http://x')", 's', True), ('-5 degrees', 's', True)]
    """
    import pandas as pd

    with pd.ExcelWriter(fh, engine="openpyxl") as writer:
        for name, df, index in sheets:
            df.to_excel(writer, sheet_name=name, index=index)
        for ws in writer.book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.data_type == "f":  # a text openpyxl took for a formula
                        cell.data_type = "s"
                    if cell.data_type == "s" and isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                        cell.quotePrefix = True


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
        raise ArgumentError("append_line: the line may not contain a line break")
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
        _sync_folder(target.parent)
    return target


def _sync_folder(folder: Path) -> None:
    """Make a new file's name in ``folder`` durable (where the system allows it)."""
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def lock_file(path: str | os.PathLike) -> Iterator[Path]:
    """Hold an exclusive lock on a file (created if missing) while the ``with`` block runs.

    For a log that several processes append to: a reader that must see every line written so
    far before it appends its own takes the lock around both, and a second process taking the
    lock waits until the first is done. The lock is advisory (``flock``): it keeps out only
    those who take it too. Where ``fcntl`` is missing (Windows), or the file system refuses
    locks (some network shares), the block runs without one.

    Parameters
    ----------
    path : str or PathLike
        The file; its folder is created when missing.

    Yields
    ------
    Path
        The file's path.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "review.jsonl"
    >>> with lock_file(p):
    ...     _ = append_line('{"a": 1}', p)
    >>> p.read_text()
    '{"a": 1}\\n'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:          # pragma: no cover - Windows
        yield target
        return
    new = not target.exists()
    with open(target, "ab") as fh:
        if new:
            _sync_folder(target.parent)
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            locked = True
        except OSError:          # a file system without locks (some network shares): go on without
            locked = False
        try:
            yield target
        finally:
            if locked:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
