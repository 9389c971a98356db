"""Reading text files: decoding with a clear error.

Transcripts come from many places: UTF-8 editors (with or without a byte-order mark), Word's
"Unicode" export (UTF-16 with a BOM), and Japanese Windows or Unix machines (Shift_JIS/CP932,
EUC-JP). :func:`read_text` works out which, in this order:

1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE);
2. strict UTF-8;
3. the Japanese legacy encodings, CP932 (the Windows superset of Shift_JIS) and EUC-JP, each
   decoded strictly and kept when the result reads as Japanese (hiragana, katakana, kanji);
4. CP1252 (Windows Western European), when every non-ASCII character it gives is a
   Western European letter or common punctuation;
5. charset-normalizer, as a last resort, for anything else.

charset-normalizer comes last because on short texts it guesses poorly (it reads a short
EUC-JP interview answer as CP949 or Big5, and "café" in CP1252 as UTF-16).

A file holding NUL bytes and no UTF-16/32 byte-order mark is refused (it is a binary file, or
UTF-16 without a mark: say so with ``encoding="utf-16-le"``). Newlines are kept as they are, so
offsets point into the text as read; :func:`normalize_newlines` turns CRLF and CR into LF when
that is wanted.

Example
-------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
>>> _ = p.write_bytes("\\ufeff人間の安全保障".encode("utf-8"))
>>> read_text(p)
'人間の安全保障'
>>> _ = p.write_bytes("人間の安全保障について".encode("cp932"))
>>> read_text(p), detect_encoding(p.read_bytes())
('人間の安全保障について', 'cp932')
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from .errors import ArgumentError, TranscriptError
from .params import validate_params

__all__ = ["read_bytes", "read_head", "read_text", "read_text_and_encoding", "decode_bytes", "detect_encoding",
           "sniff_binary", "normalize_newlines"]

# byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# names people give for Shift_JIS; Windows files so labelled are CP932 (it adds ①, ～, NEC kanji)
_SJIS_NAMES = {"shift_jis", "shift-jis", "sjis", "s_jis", "shiftjis", "x-sjis", "ms_kanji", "csshiftjis"}
_JAPANESE_CANDIDATES = ("cp932", "euc_jp")
_SAMPLE = 1 << 20  # bytes looked at when judging a candidate encoding


def _canonical(encoding: str) -> str:
    name = encoding.strip().lower()
    if name in _SJIS_NAMES:
        return "cp932"
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise TranscriptError(f"unknown encoding {encoding!r}; expected a name such as utf-8, cp932, euc-jp") from None


def _bom(data: bytes) -> tuple[str, int] | None:
    """The encoding a byte-order mark announces, and the mark's length."""
    for mark, name in _BOMS:
        if data.startswith(mark):
            return name, len(mark)
    return None


def _japanese_share(text: str) -> float:
    """Share of the non-ASCII characters that are common in Japanese writing."""
    n = good = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            continue
        n += 1
        if (0x3000 <= o <= 0x30FF or 0x4E00 <= o <= 0x9FFF or 0xFF01 <= o <= 0xFF5E
                or 0x3400 <= o <= 0x4DBF or o in (0x2015, 0x2026, 0x203B)):
            good += 1
    return good / n if n else 0.0


_LATIN_PUNCT = set("\u00a0\u00ab\u00bb\u00b0\u00a3\u00a7\u00b7\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u20ac\u2022")


def _latin_plausible(text: str) -> bool:
    """True when the non-ASCII characters are Western European letters or common punctuation,
    and accented letters are a minority of the letters (as in French, German, Spanish ...)."""
    accented = ascii_letters = 0
    for ch in text:
        if ch < "\x80":
            ascii_letters += ch.isalpha()
            continue
        if "\u00c0" <= ch <= "\u00ff" and ch not in "\u00d7\u00f7":
            accented += 1
        elif ch not in _LATIN_PUNCT:
            return False
    if accented == 0:
        return ascii_letters > 0
    return accented <= 0.3 * (accented + ascii_letters)


def _cut_sample(data: bytes) -> bytes:
    """The first ~1 MB of ``data``, cut after an ASCII byte so no character is split."""
    if len(data) <= _SAMPLE:
        return data
    end = _SAMPLE
    while end < len(data) and end < _SAMPLE + 64 and data[end - 1] >= 0x80:
        end += 1
    return data[:end]


#: File signatures of formats people save transcripts in by mistake, with what to do.
_SIGNATURES = (
    (b"%PDF-", "a PDF file", "extract its text to .txt (e.g. pdftotext) and read it with clean=True"),
    (b"PK\x03\x04", "a zip archive (a Word .docx, an Excel .xlsx or a .zip)",
     "give a Word file its .docx name, or save it as .txt (UTF-8)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Word or Excel file (.doc, .xls)", "save it as .docx or .txt (UTF-8)"),
    (b"{\\rtf", "an RTF document", "save it as .docx or .txt (UTF-8)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "a transcript must be text"),
    (b"\xff\xd8\xff", "a JPEG image", "a transcript must be text"),
    (b"GIF87a", "a GIF image", "a transcript must be text"),
    (b"GIF89a", "a GIF image", "a transcript must be text"),
)


def sniff_binary(data: bytes) -> tuple[str, str] | None:
    """What a file's first bytes say it is, for the formats mistaken for text: ``(what, advice)``.

    Example
    -------
    >>> sniff_binary(b"%PDF-1.7\\n%\\xe2\\xe3")
    ('a PDF file', 'extract its text to .txt (e.g. pdftotext) and read it with clean=True')
    >>> sniff_binary("人間の安全保障".encode("utf-8")) is None
    True
    """
    head = bytes(data[:16])
    if head.startswith(b"PK\x03\x04") and b"word/" in bytes(data[:4096]):
        return "a Word file (.docx)", "give it its .docx name: hsqual reads .docx files"
    for magic, what, advice in _SIGNATURES:
        if head.startswith(magic):
            return what, advice
    return None


def detect_encoding(data: bytes, *, path: str | os.PathLike | None = None) -> str:
    """Name the encoding of ``data``: BOM, strict UTF-8, CP932/EUC-JP, then charset-normalizer.

    Raises :class:`~hsqual.errors.TranscriptError` for a binary file (NUL bytes without a
    UTF-16/32 byte-order mark) and when no encoding fits.

    Example
    -------
    >>> detect_encoding("恐怖からの自由".encode("euc_jp"))
    'euc_jp'
    >>> detect_encoding(codecs.BOM_UTF16_LE + "freedom".encode("utf-16-le"))
    'utf-16-le'
    >>> detect_encoding(b"PK\\x03\\x04\\x00\\x00", path="notes.txt")
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: notes.txt: this is a zip archive (a Word .docx, an Excel .xlsx or a .zip), not a text file: ...
    >>> detect_encoding(b"Q: hello\\x00\\x00", path="notes.txt")
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: notes.txt: found a NUL byte at byte position 8: ...
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ArgumentError(f"detect_encoding: expected bytes, not {type(data).__name__}")
    data = bytes(data)
    kind = sniff_binary(data)
    if kind is not None:
        raise TranscriptError(f"this is {kind[0]}, not a text file: {kind[1]}", path=path)
    bom = _bom(data)
    if bom is not None:
        return bom[0]
    nul = data.find(b"\x00")
    if nul >= 0:
        raise TranscriptError(
            f"found a NUL byte at byte position {nul}: this looks like a binary file, not text "
            "(if it is UTF-16 without a byte-order mark, give encoding='utf-16-le' or 'utf-16-be')",
            path=path)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    sample = _cut_sample(data)
    best, best_share = None, 0.0
    for enc in _JAPANESE_CANDIDATES:
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        share = _japanese_share(text)
        if share > best_share:
            best, best_share = enc, share
    if best is not None and best_share >= 0.6:
        return best
    try:
        if _latin_plausible(sample.decode("cp1252")):
            return "cp1252"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    for match in from_bytes(sample):
        enc = _canonical(match.encoding)
        if enc.startswith(("utf-16", "utf-32")):
            continue  # no NUL byte and no mark: not UTF-16/32
        if enc in ("shift_jis", "shift_jisx0213", "shift_jis_2004"):
            enc = "cp932"
        return enc
    raise TranscriptError(
        f"cannot tell the encoding: byte 0x{data[first_bad:first_bad + 1].hex()} at byte position "
        f"{first_bad} is not UTF-8, and neither CP932, EUC-JP nor another encoding fits; "
        "give the file's encoding with encoding=...", path=path)


def decode_bytes(data: bytes, *, encoding: str | None = None, path: str | os.PathLike | None = None) -> str:
    """Decode ``data``, detecting the encoding (see :func:`detect_encoding`) unless ``encoding`` is given.

    A byte-order mark is dropped. Raises :class:`~hsqual.errors.TranscriptError` naming the
    byte position of the first undecodable byte, and for text holding NUL characters.
    ``"shift_jis"`` is read as CP932, its Windows superset.

    Example
    -------
    >>> decode_bytes(b"ok \\xff", encoding="utf-8", path="x.txt")
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: x.txt: cannot decode byte 0xff at byte position 3 as utf-8 ...
    >>> decode_bytes("第1回①".encode("cp932"), encoding="shift_jis")
    '第1回①'
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ArgumentError(f"decode_bytes: expected bytes, not {type(data).__name__}")
    data = bytes(data)
    if encoding is None:
        enc = detect_encoding(data, path=path)
    else:
        try:
            enc = _canonical(encoding)
        except TranscriptError as exc:
            raise TranscriptError(exc.message, path=path) from None
    skip = 0
    if encoding is None:
        bom = _bom(data)
        if bom is not None:
            skip = bom[1]
    else:
        for mark, name in _BOMS:
            if name == enc and data.startswith(mark):
                skip = len(mark)
                break
    try:
        text = data[skip:].decode(enc)
    except UnicodeDecodeError as exc:
        pos = exc.start + skip
        bad = data[pos : pos + 1]
        raise TranscriptError(
            f"cannot decode byte 0x{bad.hex()} at byte position {pos} as {enc} "
            f"({exc.reason}); give the file's encoding with encoding=...",
            path=path,
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        raise TranscriptError(
            f"the text holds a NUL character at character {nul} (decoded as {enc}): "
            "a binary file, or the wrong encoding", path=path)
    return text


def read_bytes(path: str | os.PathLike, *, limit: int | None = None, error: type = TranscriptError) -> bytes:
    """Read a file's bytes, refusing folders and files larger than ``limit`` bytes.

    Problems raise ``error`` (an :class:`~hsqual.errors.HsqualError` class) naming the file.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "big.bin"
    >>> _ = p.write_bytes(b"x" * 10)
    >>> read_bytes(p, limit=4)
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: .../big.bin: the file holds 10 bytes, more than the limit of 4
    """
    p = Path(path)
    try:
        if p.is_dir():
            raise error("expected a file, found a folder", path=p)
        if limit is not None:
            size = p.stat().st_size
            if size > limit:
                raise error(f"the file holds {size} bytes, more than the limit of {limit}", path=p)
        return p.read_bytes()
    except FileNotFoundError:
        raise error("file not found", path=p) from None
    except PermissionError:
        raise error("permission denied: cannot read the file", path=p) from None


def read_head(path: str | os.PathLike, *, size: int = 4096) -> bytes:
    """The first ``size`` bytes of a file (to tell what kind of file it is).

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "codings.csv"
    >>> _ = p.write_text("doc_id,segment_id,code\\nK001,1,freedoms.fear\\n")
    >>> read_head(p, size=22)
    b'doc_id,segment_id,code'
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            return fh.read(size)
    except FileNotFoundError:
        raise TranscriptError("file not found", path=p) from None
    except IsADirectoryError:
        raise TranscriptError("expected a file, found a folder", path=p) from None
    except PermissionError:
        raise TranscriptError("permission denied: cannot read the file", path=p) from None


def read_text_and_encoding(path: str | os.PathLike, *, encoding: str | None = None) -> tuple[str, str]:
    """Read a text file: its text (newlines as they are) and the encoding it was decoded with.

    The encoding is the one given, or the one :func:`detect_encoding` found (``"utf-8"``,
    ``"cp932"`` for Shift_JIS, ``"euc_jp"``, ``"utf-16-le"`` ...), so a reader can say which.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = p.write_bytes("聞き手：人間の安全保障とは".encode("shift_jis"))
    >>> read_text_and_encoding(p)
    ('聞き手：人間の安全保障とは', 'cp932')
    """
    p = Path(path)
    data = read_bytes(p)
    if encoding is None:
        found = detect_encoding(data, path=p)
    else:
        try:
            found = _canonical(encoding)
        except TranscriptError as exc:
            raise TranscriptError(exc.message, path=p) from None
    return decode_bytes(data, encoding=found, path=p), found


@validate_params()
def read_text(path: str | os.PathLike, *, encoding: str | None = None) -> str:
    """Read a text file and return its text with newlines as they are.

    Parameters
    ----------
    path : str or PathLike
    encoding : str, optional, keyword-only
        The file's encoding; detected when not given (see :func:`detect_encoding`).

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.txt"
    >>> _ = p.write_bytes(b"a\\r\\nb")
    >>> read_text(p)
    'a\\r\\nb'
    """
    p = Path(path)
    return decode_bytes(read_bytes(p), encoding=encoding, path=p)


def normalize_newlines(text: str) -> str:
    """Turn CRLF and lone CR line ends into LF (offsets into the result differ from the input's).

    Example
    -------
    >>> normalize_newlines("Q: Why?\\r\\nA: Dignity.\\rEnd")
    'Q: Why?\\nA: Dignity.\\nEnd'
    """
    if not isinstance(text, str):
        raise ArgumentError(f"normalize_newlines: expected str, not {type(text).__name__}")
    return text.replace("\r\n", "\n").replace("\r", "\n")
