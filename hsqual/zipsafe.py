"""Reading zip archives from elsewhere (``.qdpx`` projects, ``.docx`` transcripts) safely.

An archive is checked before anything is read from it: entry names (no absolute paths, no
``..``, no backslashes), entry count, total uncompressed size, and compression ratios, per
entry and for the archive as a whole, so that neither one zip bomb nor many small ones can
exhaust memory. :func:`read_zip_member` then reads one entry and stops as soon as it yields
more bytes than it declared.

Example
-------
>>> import io, zipfile
>>> buf = io.BytesIO()
>>> with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
...     zf.writestr("sources/a.txt", "人間の安全保障")
>>> with open_zip_safely(buf.getvalue(), path="p.qdpx") as zf:
...     read_zip_member(zf, "sources/a.txt").decode()
'人間の安全保障'
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass

from .errors import ExchangeError

__all__ = ["ZipLimits", "open_zip_safely", "read_zip_member"]


@dataclass(frozen=True)
class ZipLimits:
    """Limits applied when reading a zip archive (``.qdpx``, ``.docx``) from elsewhere.

    Attributes
    ----------
    max_members : int
        Most entries an archive may hold.
    max_total_bytes : int
        Most bytes all entries may hold together once uncompressed.
    max_ratio : float
        Highest uncompressed/compressed size ratio allowed, for each entry of ``ratio_from``
        bytes or more and for the archive as a whole once its entries hold 1 MiB or more
        together (text compresses 3-20 times; a zip bomb, thousands of times).
    ratio_from : int
        Size from which the ratio is checked (smaller entries compress erratically).

    Example
    -------
    >>> ZipLimits().max_members, ZipLimits().ratio_from
    (10000, 65536)
    """

    max_members: int = 10_000
    max_total_bytes: int = 1 << 30
    max_ratio: float = 200.0
    ratio_from: int = 1 << 16


def open_zip_safely(data_or_path, *, path: str | os.PathLike | None = None,
                    limits: ZipLimits | None = None) -> zipfile.ZipFile:
    """Open a zip archive after checking its entries: names, count, sizes, compression ratios.

    Parameters
    ----------
    data_or_path : bytes, str, PathLike or binary file
        The archive's bytes, or where to read it.
    path : str or PathLike, optional, keyword-only
        The name used in messages (default: ``data_or_path`` when it is a path).
    limits : ZipLimits, optional, keyword-only

    Returns
    -------
    zipfile.ZipFile
        Open; close it (or use it in a ``with`` block).

    Raises
    ------
    ExchangeError
        Naming the file and the entry at fault.

    Example
    -------
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as zf:
    ...     zf.writestr("../../etc/cron.d/x", "boom")
    >>> open_zip_safely(buf.getvalue(), path="project.qdpx")
    Traceback (most recent call last):
    ...
    hsqual.errors.ExchangeError: project.qdpx: refusing zip entry '../../etc/cron.d/x': ...
    """
    limits = limits or ZipLimits()
    where = path if path is not None else (data_or_path if isinstance(data_or_path, (str, os.PathLike)) else None)
    source = io.BytesIO(data_or_path) if isinstance(data_or_path, (bytes, bytearray)) else data_or_path
    try:
        zf = zipfile.ZipFile(source)
    except FileNotFoundError:
        raise ExchangeError("file not found", path=where) from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ExchangeError(f"not a zip archive ({exc})", path=where) from None
    try:
        _check_entries(zf.infolist(), limits, where)
    except BaseException:
        zf.close()
        raise
    return zf


def _check_entries(infos, limits: ZipLimits, where) -> None:
    if len(infos) > limits.max_members:
        raise ExchangeError(f"the archive holds {len(infos)} entries, more than the limit of "
                            f"{limits.max_members}", path=where)
    total = packed = 0
    for info in infos:
        _check_member_name(info.filename, where)
        if info.flag_bits & 0x1:
            raise ExchangeError(f"zip entry {info.filename!r} is encrypted; hsqual reads unencrypted archives only",
                                path=where)
        total += info.file_size
        packed += info.compress_size
        if total > limits.max_total_bytes:
            raise ExchangeError(
                f"the archive's entries hold more than {limits.max_total_bytes} bytes uncompressed "
                f"(limit reached at {info.filename!r}); refusing a possible zip bomb", path=where)
        if info.file_size >= limits.ratio_from:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise ExchangeError(
                    f"zip entry {info.filename!r} expands {ratio:.0f} times ({info.compress_size} to "
                    f"{info.file_size} bytes), more than the limit of {limits.max_ratio:.0f}; "
                    "refusing a possible zip bomb", path=where)
    if total >= (1 << 20) and total / max(packed, 1) > limits.max_ratio:
        raise ExchangeError(
            f"the archive's {len(infos)} entries expand {total / max(packed, 1):.0f} times together ({packed} to "
            f"{total} bytes), more than the limit of {limits.max_ratio:.0f}; refusing a possible zip bomb",
            path=where)


def _check_member_name(name: str, where) -> None:
    bad = None
    if not name or "\x00" in name:
        bad = "an empty name or a NUL byte"
    elif name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        bad = "an absolute path"
    elif "\\" in name:
        bad = "a backslash in its path"
    elif ".." in name.split("/"):
        bad = "'..' in its path (it would point outside the archive)"
    if bad:
        raise ExchangeError(f"refusing zip entry {name!r}: {bad}", path=where)


def read_zip_member(zf: zipfile.ZipFile, name: str, *, path=None, budget: int | None = None) -> bytes:
    """Read one entry, refusing more bytes than it declares or than ``budget``.

    Parameters
    ----------
    zf : zipfile.ZipFile
        An archive opened with :func:`open_zip_safely`.
    name : str
        The entry.
    path : str or PathLike, optional, keyword-only
        The archive's name, for messages.
    budget : int, optional, keyword-only
        Most bytes to read.

    Returns
    -------
    bytes

    Example
    -------
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as zf:
    ...     zf.writestr("sources/a.txt", "人間の安全保障")
    >>> read_zip_member(open_zip_safely(buf.getvalue()), "sources/b.txt", path="p.qdpx")
    Traceback (most recent call last):
    ...
    hsqual.errors.ExchangeError: p.qdpx: the archive has no entry 'sources/b.txt'
    """
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ExchangeError(f"the archive has no entry {name!r}", path=path) from None
    limit = info.file_size if budget is None else min(info.file_size, budget)
    out = bytearray()
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                out += chunk
                if len(out) > limit:
                    raise ExchangeError(f"zip entry {name!r} holds more bytes than allowed ({limit})", path=path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise ExchangeError(f"zip entry {name!r} cannot be read ({exc})", path=path) from None
    return bytes(out)
