"""Reading transcripts into a :class:`~hsqual.corpus.Corpus`.

Formats (documented with examples in ``transcripts/README.md``):

* ``.md`` / ``.txt``: an optional YAML front-matter block between ``---`` lines (``id``,
  ``title``, ``language``, ``speakers``, ``date``, ``interviewee``, ``sector``, ``source``,
  ``kind``, any other key), then the body. The document text is the body; segment offsets
  point into it, the header is metadata. Speaker turns are lines ``NAME: ...`` or
  ``**NAME**: ...`` (``：`` too), see :mod:`hsqual.segment`. A header key ``segments`` (a list
  of ``[segment_id, kind, start, end, speaker]``, offsets into the body, as ``hsqual import``
  writes it) stores the document's segments: :func:`load_corpus` keeps them as they are.
* ``.csv``: one row per segment, columns ``doc_id, text`` required, ``speaker`` and
  ``segment_id`` optional, any other column is document metadata (constant within a
  ``doc_id``). A document's text is its rows' texts joined with ``\\n``.
* ``.docx``: read by :mod:`hsqual.docx` (``read_docx(path) -> (text, meta)``) when installed.
* ``.json``: pages saved from the Diet record search API (国会会議録, a JSON object with
  ``speechRecord`` or ``meetingRecord``), read together by :func:`hsqual.diet.read_diet`: one
  document per meeting, one turn per speech. In a folder, a ``.json`` file is read when its
  first 64 KB name ``speechRecord`` or ``meetingRecord`` and skipped with a warning
  otherwise; named explicitly, any other JSON is an error.

Other formats (``.pdf``, ``.rtf``, ``.doc``, ``.odt``, ...) are not read: a file of such a type
named explicitly is an error saying to convert it to ``.docx`` or ``.txt``; in a folder it is
skipped with a ``UserWarning`` naming it. :func:`list_transcripts` shows what a folder gives.

The document id is the header's ``id``, else the file name without its suffix. The language
is the header's ``language``, else detected from the share of CJK letters (``"ja"`` when at
least a fifth of the letters are kana or kanji). Every problem raises
:class:`~hsqual.errors.TranscriptError` naming the file and, where there is one, the line.

Example
-------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "int04.md").write_text(
...     "---\\nid: int04\\nspeakers: [Interviewer, Interviewee 4]\\nsector: NGO\\n---\\n"
...     "Interviewer: What does human security add?\\n\\n"
...     "Interviewee 4: It puts people first. Dignity matters.\\n", encoding="utf-8")
>>> corpus = load_corpus(folder)
>>> corpus.segments_frame()[["segment_id", "speaker", "text", "sector"]]
   segment_id        speaker                                   text sector
0           1    Interviewer              What does human security add?    NGO
1           2  Interviewee 4  It puts people first. Dignity matters.    NGO
"""

from __future__ import annotations

import csv
import datetime as _dt
import glob as _glob
import importlib.util
import io
import os
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .corpus import SEGMENT_KINDS, Corpus, Document, Segment
from .errors import ArgumentError, TranscriptError
from .segment import UNITS, segment_corpus
from .codings import REQUIRED_COLUMNS as _CODINGS_REQUIRED
from .textio import read_head, read_text, read_text_and_encoding
from .params import validate_params

__all__ = [
    "collect_paths",
    "SUFFIXES",
    "read_transcript",
    "read_csv_transcripts",
    "parse_transcript",
    "detect_language",
    "load_corpus",
    "list_transcripts",
]

#: File suffixes :func:`load_corpus` reads from a folder.
SUFFIXES = (".md", ".txt", ".csv", ".docx", ".markdown")
_TEXT_SUFFIXES = (".md", ".markdown", ".txt")
#: Document formats people keep transcripts in that hsqual does not read, with what to do.
_CONVERT = {
    ".pdf": "extract its text to a .txt file (e.g. with pdftotext, or copy and paste) and read it with "
            "load_corpus(..., clean=True), which repairs PDF line breaks; or save it as .docx",
    ".doc": "save it as .docx (Word 2007 or later) or as .txt (UTF-8)",
    ".rtf": "save it as .docx or as .txt (UTF-8)",
    ".odt": "save it as .docx or as .txt (UTF-8)",
    ".pages": "export it as .docx or as .txt (UTF-8)",
    ".wpd": "save it as .docx or as .txt (UTF-8)",
}
#: Files in a folder that are not transcripts and are skipped without a warning.
_SCRIPT_SUFFIXES = (".py", ".ipynb", ".r")
_SYSTEM_FILES = ("thumbs.db", "desktop.ini")
_LANGUAGES = ("en", "ja")
_FENCES = ("---",)
#: The longest front matter read (characters): room for the segments list of a long transcript.
_MAX_HEADER_CHARS = 16_000_000
_CLOSERS = ("---", "...")


# --------------------------------------------------------------------------------------------
# language


def detect_language(text: str) -> str:
    """``"ja"`` when at least a fifth of the letters are CJK (kana, kanji), else ``"en"``.

    Letters are characters for which ``str.isalpha`` holds; CJK letters are those of East
    Asian width "W" or "F". The first 20,000 characters are looked at.

    Example
    -------
    >>> detect_language("人間の安全保障 (human security) とは何か"), detect_language("Freedom from fear")
    ('ja', 'en')
    """
    if not isinstance(text, str):
        raise ArgumentError(f"detect_language: text must be a str, not {type(text).__name__}")
    letters = wide = 0
    for ch in text[:20000]:
        if ch.isalpha():
            letters += 1
            if unicodedata.east_asian_width(ch) in ("W", "F"):
                wide += 1
    return "ja" if letters and wide >= 0.2 * letters else "en"


# --------------------------------------------------------------------------------------------
# .md / .txt


def parse_transcript(
    text: str,
    *,
    path: str | os.PathLike | None = None,
    doc_id: str | None = None,
    language: str | None = None,
) -> Document:
    """A :class:`Document` from the text of a transcript file (front matter + body).

    Parameters
    ----------
    text : str
        The whole file.
    path : str or PathLike, optional
        Named in errors; its stem is the default id.
    doc_id : str, optional
        Used when the header has no ``id`` (default: the file stem, else ``"doc"``).
    language : {"en", "ja"}, optional
        Forces the language (over the header and detection).

    Example
    -------
    >>> doc = parse_transcript("---\\ntitle: 外交力とは\\nkind: essay\\n---\\n日本に求められる外交力。\\n",
    ...                        path="essay.md")
    >>> doc.doc_id, doc.text, dict(doc.meta)
    ('essay', '日本に求められる外交力。\\n', {'title': '外交力とは', 'kind': 'essay', 'language': 'ja', 'file': 'essay.md'})
    >>> parse_transcript("---\\ntitle: [unclosed\\n---\\nbody", path="bad.md")
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: bad.md:3:1: the front matter is not valid YAML: ...

    A ``segments`` list in the header must fit the body (it is not kept in ``meta``;
    :func:`load_corpus` uses it):

    >>> parse_transcript("---\\nsegments:\\n- [1, sentence, 0, 40, null]\\n---\\nDignity matters.\\n", path="int04.md")
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: int04.md:3: segments entry 1 [1, 'sentence', 0, 40, None]: offsets 0-40 do not slice the body (it has 17 characters)
    """
    if not isinstance(text, str):
        raise ArgumentError(f"parse_transcript: text must be a str, not {type(text).__name__}")
    _check_language_arg(language)
    return _parse_with_segments(text, path=path, doc_id=doc_id, language=language)[0]


def _parse_with_segments(text: str, *, path, doc_id, language) -> tuple[Document, list[Segment] | None]:
    """The document and the segments its header stores (``None`` when it stores none)."""
    _check_not_empty(text, path)
    header, body, body_line = _split_front_matter(text, path)
    if not body.strip():
        raise TranscriptError("the transcript has no text after its front matter (the body is empty)",
                              path=path, line=body_line)
    stored = header.pop("segments", None)
    doc = _make_document(body, header, path=path, doc_id=doc_id, language=language)
    if stored is None:
        return doc, None
    entries, lines = stored
    return doc, _stored_segments(doc, entries, lines, path)


def _stored_segments(doc: Document, entries: list, lines: list, path) -> list[Segment]:
    """Segments from a header's ``segments`` entries, each checked against the body."""
    out: list[Segment] = []
    seen: set[int] = set()
    n_chars = len(doc.text)
    for n, (item, line) in enumerate(zip(entries, lines), start=1):
        where = f"segments entry {n} {item!r}"
        if not isinstance(item, list) or len(item) != 5:
            raise TranscriptError(f"{where}: expected a list [segment_id, kind, start, end, speaker]",
                                  path=path, line=line)
        sid, kind, start, end, speaker = item
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (sid, start, end)):
            raise TranscriptError(f"{where}: segment_id, start and end must be whole numbers", path=path, line=line)
        if kind not in SEGMENT_KINDS:
            raise TranscriptError(f"{where}: kind must be one of {', '.join(SEGMENT_KINDS)}, not {kind!r}",
                                  path=path, line=line)
        if speaker is not None and not isinstance(speaker, str):
            raise TranscriptError(f"{where}: the speaker must be text or null, not {speaker!r}", path=path, line=line)
        if not 0 <= start <= end <= n_chars:
            raise TranscriptError(f"{where}: offsets {start}-{end} do not slice the body (it has {n_chars} characters)",
                                  path=path, line=line)
        if sid in seen:
            raise TranscriptError(f"{where}: segment id {sid} appears twice", path=path, line=line)
        seen.add(sid)
        out.append(Segment(doc.doc_id, sid, start, end, doc.text[start:end], speaker, kind))
    return out


def _check_not_empty(text: str, path) -> None:
    if text == "":
        raise TranscriptError("the file is empty", path=path)
    if not text.strip():
        raise TranscriptError("the file is empty (it holds only whitespace)", path=path)


def _split_front_matter(text: str, path) -> tuple[dict, str, int]:
    """(header mapping, body, 1-based line number where the body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() not in _FENCES:
        return {}, text, 1
    for i in range(1, len(lines)):
        if lines[i].rstrip() in _CLOSERS and not lines[i][:1].isspace():
            header_text = "".join(lines[1:i])
            header = _parse_header(header_text, path)
            body = "".join(lines[i + 1:])
            return header, body, i + 2
    raise TranscriptError("the front matter opened by '---' on line 1 is never closed; end it with a line '---'",
                          path=path, line=1)


def _parse_header(header_text: str, path) -> dict:
    import yaml

    from .yamlio import compose_yaml, construct_yaml

    # no aliases (a 478-byte alias bomb took gigabytes), nesting and size bounded
    node = compose_yaml(header_text, path=path, error=TranscriptError, line_offset=1, max_chars=_MAX_HEADER_CHARS,
                        invalid="the front matter is not valid YAML")
    data = None if node is None else construct_yaml(node, path=path, error=TranscriptError, line_offset=1)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TranscriptError(
            f"the front matter must be 'key: value' lines, not a {type(data).__name__}", path=path, line=2)
    key_lines: dict[Any, int] = {}
    entry_lines: list[int] = []
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key_lines[getattr(k, "value", None)] = k.start_mark.line + 2
            if getattr(k, "value", None) == "segments" and isinstance(v, yaml.SequenceNode):
                entry_lines = [item.start_mark.line + 2 for item in v.value]
    return _check_header(data, key_lines, path, entry_lines)


def _check_header(data: dict, key_lines: dict, path, entry_lines: list[int] = ()) -> dict:
    out: dict[str, Any] = {}
    for key, value in data.items():
        line = key_lines.get(str(key))
        if not isinstance(key, str):
            raise TranscriptError(f"front matter keys must be words, not {key!r}", path=path, line=line)
        if key == "id":
            if not isinstance(value, (str, int)) or isinstance(value, bool) or not str(value).strip():
                raise TranscriptError(f"'id' must be a non-empty name, not {value!r}", path=path, line=line)
            value = str(value).strip()
        elif key == "language":
            if value not in _LANGUAGES:
                raise TranscriptError(f"'language' must be one of {', '.join(_LANGUAGES)}, not {value!r}",
                                      path=path, line=line)
        elif key == "speakers":
            if isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
                raise TranscriptError(
                    f"'speakers' must be a list of names, e.g. [Interviewer, Interviewee 4], not {value!r}",
                    path=path, line=line)
            value = [str(v) for v in value]
        elif key == "segments":
            if not isinstance(value, list):
                raise TranscriptError(
                    f"'segments' must be a list of [segment_id, kind, start, end, speaker], not {value!r}",
                    path=path, line=line)
            lines = list(entry_lines) if len(entry_lines) == len(value) else [line] * len(value)
            out[key] = (value, lines)  # checked against the body once it is read
            continue
        elif isinstance(value, dict):
            raise TranscriptError(
                f"{key!r} holds a mapping; front matter values must be text, numbers, dates or lists",
                path=path, line=line)
        out[key] = _plain(value)
    return out


def _plain(value):
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _make_document(body: str, header: Mapping, *, path, doc_id, language) -> Document:
    meta = dict(header)
    did = meta.pop("id", None) or doc_id or (Path(path).stem if path is not None else "doc")
    if language is not None:
        meta["language"] = language
    elif "language" not in meta:
        meta["language"] = detect_language(body)
    if path is not None and "file" not in meta:
        meta["file"] = Path(path).name
    return Document(str(did), body, meta)


@validate_params()
def read_transcript(path: str | os.PathLike, *, encoding: str | None = None, language: str | None = None) -> Document:
    """Read one transcript file (``.md``, ``.txt``, ``.docx``, or a ``.csv`` holding one document).

    Parameters
    ----------
    path : str or PathLike
    encoding : str, optional
        The file's encoding (default UTF-8, see :func:`hsqual.textio.read_text`).
    language : {"en", "ja"}, optional
        Forces the language.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "empty.txt"
    >>> _ = p.write_text("  \\n\\n")
    >>> read_transcript(p)
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: .../empty.txt: the file is empty (it holds only whitespace)
    """
    p = _as_path(path, "read_transcript")
    _check_language_arg(language)
    return _read_one(p, encoding=encoding, language=language)[0]


def _read_one(p: Path, *, encoding, language) -> tuple[Document, list[Segment] | None]:
    """A transcript file's document and the segments its header stores (``None``: none)."""
    suffix = p.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        text, found = read_text_and_encoding(p, encoding=encoding)
        doc, stored = _parse_with_segments(text, path=p, doc_id=None, language=language)
        meta = dict(doc.meta)
        meta.setdefault("encoding", found)  # the encoding the file was decoded with, e.g. cp932 for Shift_JIS
        return Document(doc.doc_id, doc.text, meta), stored
    if suffix == ".docx":
        return _read_docx(p, language=language), None
    if suffix == ".json":  # the Diet record (hsqual.diet)
        corpus = _read_diet([p], language=language)
        if len(corpus) != 1:
            raise TranscriptError(f"holds {len(corpus)} meetings; read it with load_corpus()", path=p)
        return corpus.documents[0], list(corpus.segments)
    if suffix == ".csv":
        corpus = read_csv_transcripts(p, encoding=encoding, language=language)
        if len(corpus) != 1:
            raise TranscriptError(f"holds {len(corpus)} documents; read it with load_corpus()", path=p)
        return corpus.documents[0], None
    if suffix in _CONVERT:
        raise TranscriptError(f"{p.suffix} files are not supported; {_CONVERT[suffix]}. hsqual reads "
                              f"{', '.join(SUFFIXES)}", path=p)
    raise TranscriptError(f"unknown file type {p.suffix!r}; expected one of {', '.join(SUFFIXES)} "
                          "(convert documents to .docx or .txt)", path=p)


def _read_docx(p: Path, *, language) -> Document:
    # Word files are read by hsqual.docx (read_docx(path) -> (text, meta)).
    if importlib.util.find_spec(f"{__package__}.docx") is None:
        raise TranscriptError(".docx needs hsqual.docx, which is not available; save the file as .txt or .md",
                              path=p)
    from . import docx as _docx

    text, meta = _docx.read_docx(p)
    _check_not_empty(text, p)
    return _make_document(text, dict(meta or {}), path=p, doc_id=None, language=language)


# --------------------------------------------------------------------------------------------
# .csv

_CSV_REQUIRED = ("doc_id", "text")
_CSV_SEGMENT_COLUMNS = ("doc_id", "text", "speaker", "segment_id")


def read_csv_transcripts(
    path: str | os.PathLike,
    *,
    encoding: str | None = None,
    language: str | None = None,
    clean: bool = False,
) -> Corpus:
    """Read a CSV of segments: one row per segment, grouped into documents by ``doc_id``.

    Columns: ``doc_id`` and ``text`` (required), ``speaker`` and ``segment_id`` (optional;
    ``segment_id`` orders a document's rows), any other column is document metadata and must
    not differ within a ``doc_id`` (an empty cell is no value). Each row becomes a segment of
    kind ``turn`` (with a ``speaker`` column) or ``excerpt``.

    Parameters
    ----------
    path : str or PathLike
    encoding : str, optional
    language : {"en", "ja"}, optional
        Forces the language (default: the ``language`` column, else detected per document).
    clean : bool, default False
        Clean each row's text with :func:`hsqual.clean.clean_text`.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "turns.csv"
    >>> _ = p.write_text("doc_id,speaker,text,sector\\nint04,Interviewer,Why?,NGO\\n"
    ...                  "int04,Interviewee 4,Dignity.,NGO\\n", encoding="utf-8")
    >>> c = read_csv_transcripts(p)
    >>> c.doc("int04").text, [(s.speaker, s.start, s.end) for s in c.segments]
    ('Why?\\nDignity.', [('Interviewer', 0, 4), ('Interviewee 4', 5, 13)])
    >>> _ = p.write_text("doc_id,text,sector\\nint04,Why?,NGO\\nint04,Dignity.,Government\\n")
    >>> read_csv_transcripts(p)
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: .../turns.csv:3: document 'int04': column 'sector' is 'Government' here but 'NGO' on line 2; ...
    """
    p = _as_path(path, "read_csv_transcripts")
    _check_language_arg(language)
    text, found = read_text_and_encoding(p, encoding=encoding)
    _check_not_empty(text, p)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise TranscriptError(f"not a valid CSV file: {exc}", path=p, line=1) from None
    columns = [c.strip() for c in header]
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            raise TranscriptError(f"column {c!r} appears twice in the header", path=p, line=1)
        seen.add(c)
    missing = [c for c in _CSV_REQUIRED if c not in columns]
    if missing and set(_CODINGS_REQUIRED) <= set(columns):
        raise TranscriptError(
            f"this is a codings table ({', '.join(_CODINGS_REQUIRED)} columns), not transcripts; "
            "read it with hsqual.read_codings", path=p, line=1)
    if missing:
        raise TranscriptError(
            f"missing column(s) {', '.join(missing)}; expected at least doc_id, text "
            f"(optional: speaker, segment_id, and metadata columns); found: {', '.join(columns) or 'none'}",
            path=p, line=1)
    meta_cols = [c for c in columns if c not in _CSV_SEGMENT_COLUMNS]
    has_speaker = "speaker" in columns
    has_sid = "segment_id" in columns
    rows: dict[str, list[tuple[int, int | None, str, str | None]]] = {}
    metas: dict[str, dict[str, tuple[str, int]]] = {}
    line = reader.line_num
    while True:
        start_line = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise TranscriptError(f"not a valid CSV row: {exc}", path=p, line=reader.line_num) from None
        line = reader.line_num
        if all(not x.strip() for x in row):
            continue  # a blank line or a row of empty cells holds nothing
        if len(row) != len(columns):
            raise TranscriptError(f"{len(row)} fields, but the header has {len(columns)}", path=p, line=start_line)
        rec = dict(zip(columns, row))
        doc_id = rec["doc_id"].strip()
        if not doc_id:
            raise TranscriptError("empty doc_id", path=p, line=start_line)
        sid = None
        if has_sid:
            raw = rec["segment_id"].strip()
            try:
                sid = int(raw)
            except ValueError:
                raise TranscriptError(f"segment_id must be a whole number, not {raw!r}", path=p,
                                      line=start_line) from None
            if sid < 1:
                raise TranscriptError(f"segment_id must be 1 or more, not {sid}", path=p, line=start_line)
            if any(r[1] == sid for r in rows.get(doc_id, [])):
                raise TranscriptError(f"document {doc_id!r}: segment_id {sid} appears twice", path=p,
                                      line=start_line)
        speaker = rec["speaker"].strip() or None if has_speaker else None
        rows.setdefault(doc_id, []).append((start_line, sid, rec["text"], speaker))
        dm = metas.setdefault(doc_id, {})
        for c in meta_cols:
            value = rec[c].strip()
            if not value:
                continue
            if c in dm and dm[c][0] != value:
                raise TranscriptError(
                    f"document {doc_id!r}: column {c!r} is {value!r} here but {dm[c][0]!r} on line {dm[c][1]}; "
                    f"metadata columns must be the same on every row of a document",
                    path=p, line=start_line)
            dm.setdefault(c, (value, start_line))
    if not rows:
        raise TranscriptError("the CSV has a header but no rows", path=p, line=2)
    documents: list[Document] = []
    segments: list[Segment] = []
    kind = "turn" if has_speaker else "excerpt"
    for doc_id, recs in rows.items():
        if has_sid:
            recs = sorted(recs, key=lambda r: r[1])
        meta: dict[str, Any] = {c: v for c, (v, _) in metas[doc_id].items()}
        if "language" in meta and meta["language"] not in _LANGUAGES:
            raise TranscriptError(
                f"document {doc_id!r}: language must be one of {', '.join(_LANGUAGES)}, not {meta['language']!r}",
                path=p, line=metas[doc_id]["language"][1])
        lang = language or meta.get("language") or detect_language("\n".join(r[2] for r in recs))
        meta["language"] = lang
        texts = [r[2] for r in recs]
        if clean:
            from .clean import clean_text

            results = [clean_text(t, language=lang) for t in texts]
            texts = [r.text for r in results]
            meta["cleaned"] = True
            meta["changes"] = sum(len(r.changes) for r in results)
        meta.setdefault("file", p.name)
        meta.setdefault("encoding", found)
        pos = 0
        for i, (rec, t) in enumerate(zip(recs, texts), start=1):
            segments.append(Segment(doc_id, rec[1] if has_sid else i, pos, pos + len(t), t, rec[3], kind))
            pos += len(t) + 1
        documents.append(Document(doc_id, "\n".join(texts), meta))
    return Corpus(documents, segments)


# --------------------------------------------------------------------------------------------
# corpus


@validate_params()
def load_corpus(
    path_or_paths: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    unit: str | None = None,
    encoding: str | None = None,
    language: str | None = None,
    clean: bool = False,
) -> Corpus:
    """Read transcripts into a corpus cut into ``unit`` segments, or into the segments they store.

    Parameters
    ----------
    path_or_paths : path, glob pattern, or a list of them
        A folder means every ``.md``, ``.markdown``, ``.txt``, ``.csv`` and ``.docx`` file in
        it (not its sub-folders), sorted by name, and every ``.json`` page of the Diet record
        search API (told by its content). Those pages are read together by
        :func:`hsqual.diet.read_diet`: one document per meeting, its speeches as turns, placed
        after the other documents, not cleaned. Files that are not transcripts are left out
        without a word: hidden files (``.name``), ``README.*``, the ``*.changes.csv`` lists
        :func:`hsqual.clean.clean_text` produces, codings tables (a ``.csv`` whose header holds
        the codings columns, noted in a ``UserWarning``), scripts and notebooks (``.py``, ``.ipynb``,
        ``.R``), Office lock files (``~$name.docx``) and ``Thumbs.db``/``desktop.ini``. Any
        other file (``.pdf``, ``.rtf``, ``.doc``, ``.png``, ...) is left out with a
        ``UserWarning`` naming it, since it may be a transcript in a format hsqual does not
        read (convert it to ``.docx`` or ``.txt``); :func:`list_transcripts` lists what a
        folder gives. A file named explicitly, or matched by a glob pattern, is read as it
        is: one of an unsupported type is an error.
    unit : {"turn", "paragraph", "sentence", "item", "document"}, optional
        ``"turn"`` falls back to paragraphs in a document without speaker turns. A transcript
        whose header stores its segments (a ``segments`` list, as ``hsqual import`` writes
        it, so that a project's codings keep their ``segment_id``) keeps them, ids and all,
        when ``unit`` is not given or every stored segment is of kind ``unit``; asked for
        another unit, it is cut again as any transcript is (inside its stored turns), and
        the codings' ``segment_id`` may then no longer match. Without ``unit`` (the default)
        transcripts that store no segments are cut into turns.
    encoding : str, optional
        The files' encoding (default UTF-8).
    language : {"en", "ja"}, optional
        Forces every document's language.
    clean : bool, default False
        Clean each text with :func:`hsqual.clean.clean_text` first (PDF line breaks, stray
        spaces, ...); ``meta["changes"]`` counts the changes made. A transcript with stored
        segments whose text cleaning changes is cut again (its stored offsets no longer fit).

    Warns
    -----
    UserWarning
        When a folder holds files of a type hsqual does not read (named in the message), and
        when cleaning changes the text of a transcript with stored segments (naming it).

    Example
    -------
    >>> from hsqual.resources import bundled_path
    >>> c = load_corpus(bundled_path("transcripts") / "ja", unit="sentence")
    >>> c.doc_ids
    ['essay_diplomacy_human_security', 'global_health_strategy_followup', 'manifesto_foreign_defence']
    >>> c.doc("manifesto_foreign_defence").meta["kind"]
    'manifesto'

    Segments stored in the header are kept; another unit cuts the text again:

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "int04.md").write_text(
    ...     "---\\nid: int04\\nsegments:\\n- [1, sentence, 0, 16, null]\\n- [5, sentence, 17, 30, null]\\n---\\n"
    ...     "Dignity matters. Fear recedes.\\n", encoding="utf-8")
    >>> [(s.segment_id, s.kind, s.text) for s in load_corpus(folder).segments]
    [(1, 'sentence', 'Dignity matters.'), (5, 'sentence', 'Fear recedes.')]
    >>> [(s.segment_id, s.kind, s.text) for s in load_corpus(folder, unit="document").segments]
    [(1, 'document', 'Dignity matters. Fear recedes.')]
    """
    if unit is not None and unit not in UNITS:
        raise ArgumentError(f"load_corpus: unit must be one of {UNITS} or None, not {unit!r}")
    _check_language_arg(language)
    paths = collect_paths(path_or_paths)
    documents: list[Document] = []
    segments: list[Segment] = []
    kept: set[str] = set()
    origin: dict[str, Path] = {}
    diet_paths = [p for p in paths if p.suffix.lower() == ".json"]  # read together: pages of one query
    paths = [p for p in paths if p.suffix.lower() != ".json"] + diet_paths[:1]
    for p in paths:
        suffix = p.suffix.lower()
        if suffix == ".json":  # the Diet record (hsqual.diet); its speeches stay the turns
            sub = _read_diet(diet_paths, language=language)
            docs, segs = list(sub.documents), list(sub.segments)
            if unit is None or unit == "turn":
                kept.update(d.doc_id for d in docs)
        elif suffix == ".csv":
            sub = read_csv_transcripts(p, encoding=encoding, language=language, clean=clean)
            docs, segs = list(sub.documents), list(sub.segments)
        else:
            doc, stored = _read_one(p, encoding=encoding, language=language)
            if clean:
                cleaned = _cleaned(doc)
                if stored is not None and cleaned.text != doc.text:
                    warnings.warn(f"{p}: cleaning changed the text, so the segments its header stores no longer "
                                  f"fit; it is cut into {unit or 'turn'} segments instead", UserWarning, stacklevel=2)
                    stored = None
                doc = Document(doc.doc_id, doc.text, cleaned.meta) if stored is not None else cleaned
            if stored is not None and (unit is None or all(s.kind == unit for s in stored)):
                kept.add(doc.doc_id)
            whole = [Segment(doc.doc_id, 1, 0, len(doc.text), doc.text, None, "document")]
            docs, segs = [doc], (stored if stored is not None else whole)
        for d in docs:
            if d.doc_id in origin:
                raise TranscriptError(
                    f"document id {d.doc_id!r} is used by {origin[d.doc_id]} as well; document ids must be unique",
                    path=p)
            origin[d.doc_id] = p
        documents.extend(docs)
        segments.extend(segs)
    corpus = Corpus(documents, segments)
    if not kept:
        return segment_corpus(corpus, unit or "turn")
    recut = [d for d in corpus.doc_ids if d not in kept]
    cut = segment_corpus(corpus.subset(recut), unit or "turn") if recut else None
    by_doc: dict[str, list[Segment]] = {d: [] for d in corpus.doc_ids}
    for seg in (*(s for s in corpus.segments if s.doc_id in kept), *(cut.segments if cut is not None else ())):
        by_doc[seg.doc_id].append(seg)
    return corpus.with_segments([seg for segs in by_doc.values() for seg in segs])


def _read_diet(paths: list[Path], *, language) -> Corpus:
    from .diet import read_diet

    return read_diet(paths, language=language)


def _cleaned(doc: Document) -> Document:
    from .clean import clean_text

    result = clean_text(doc.text, language=doc.language)
    meta = dict(doc.meta)
    meta["cleaned"] = True
    meta["changes"] = len(result.changes)
    return Document(doc.doc_id, result.text, meta)


def collect_paths(path_or_paths, *, what: str = "load_corpus") -> list[Path]:
    """The transcript files a path, a folder, a glob pattern or a list of them gives.

    A folder gives the files :func:`list_transcripts` reads (codings tables and files of other
    types are left out with a warning); ``what`` names the caller in messages.

    Example
    -------
    >>> from hsqual.resources import bundled_path
    >>> folder = bundled_path("transcripts") / "ja"
    >>> [p.name for p in collect_paths(folder)][:1]
    ['essay_diplomacy_human_security.md']
    >>> collect_paths([])
    Traceback (most recent call last):
    ...
    hsqual.errors.TranscriptError: load_corpus: no paths given
    """
    if isinstance(path_or_paths, (str, os.PathLike)):
        items = [path_or_paths]
    else:
        try:
            items = list(path_or_paths)
        except TypeError:
            raise ArgumentError(
                f"{what}: expected a path, a glob pattern or a list of them, not {type(path_or_paths).__name__}"
            ) from None
        if not items:
            raise TranscriptError(f"{what}: no paths given")
    out: list[Path] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise ArgumentError(f"{what}: expected paths, got {type(item).__name__}")
        p = Path(item)
        if p.is_dir():
            found, skipped = _scan(p)
            unsupported = [f.name for f, why in skipped if why.startswith(_UNSUPPORTED)]
            tables = [f.name for f, why in skipped if why == _CODINGS_TABLE]
            if tables:
                warnings.warn(f"{p}: left out {len(tables)} codings table(s), which are not transcripts: "
                              f"{_names(tables)}", UserWarning, stacklevel=3)
            if not found:
                also = f"; not read: {_names(unsupported)} (convert them to .docx or .txt)" if unsupported else ""
                raise TranscriptError(f"no transcripts ({', '.join(SUFFIXES)} files) in this folder{also}", path=p)
            if unsupported:
                warnings.warn(
                    f"{p}: skipped {len(unsupported)} file(s) of a type hsqual does not read as transcripts: "
                    f"{_names(unsupported)}; convert transcripts to .docx or .txt to include them "
                    f"(readable: {', '.join(SUFFIXES)}; hsqual.transcripts.list_transcripts(folder) lists what "
                    "is read and skipped)", UserWarning, stacklevel=3)
            out.extend(found)
        elif p.is_file():
            out.append(p)
        elif any(ch in str(item) for ch in "*?["):
            found = sorted(Path(f) for f in _glob.glob(str(item)) if Path(f).is_file())
            if not found:
                raise TranscriptError("no file matches this pattern", path=str(item))
            out.extend(found)
        else:
            raise TranscriptError("no such file or folder", path=p)
    return out


_UNSUPPORTED = "unsupported file type"


def _skip_reason(p: Path) -> str | None:
    """Why a file of a folder is not read (``None``: it is read)."""
    name = p.name.lower()
    if p.is_dir():
        return "a folder (sub-folders are not read)"
    if name.startswith("."):
        return "a hidden file"
    if name.startswith("~$"):
        return "an Office lock file"
    if name.startswith("readme.") or name == "readme":
        return "a README file"
    if name.endswith(".changes.csv"):
        return "a list of cleaning changes (hsqual.clean)"
    if name in _SYSTEM_FILES:
        return "a system file"
    if p.suffix.lower() in _SCRIPT_SUFFIXES:
        return "a script or notebook"
    if p.suffix.lower() == ".json":  # pages of the Diet record search API are read (hsqual.diet)
        from .diet import looks_like_diet

        return None if looks_like_diet(p) else f"{_UNSUPPORTED} .json (not a page of the Diet record search API)"
    if p.suffix.lower() not in SUFFIXES:
        return f"{_UNSUPPORTED} {p.suffix or '(no suffix)'!s}"
    if p.suffix.lower() == ".csv" and _is_codings_table(p):
        return _CODINGS_TABLE
    return None


_CODINGS_TABLE = "a codings table (read it with hsqual.read_codings)"


def _is_codings_table(p: Path) -> bool:
    """Whether a CSV's header holds the codings columns (doc_id, segment_id, code, start, end, quote, coder)."""
    try:
        head = read_head(p).decode("utf-8", "replace").lstrip("\ufeff").splitlines()
    except Exception:
        return False
    if not head:
        return False
    columns = {c.strip().strip('"') for c in next(csv.reader([head[0]]), [])}
    return set(_CODINGS_REQUIRED) <= columns


def _scan(folder: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    read: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for f in sorted(folder.iterdir()):
        why = _skip_reason(f)
        if why is None:
            read.append(f)
        else:
            skipped.append((f, why))
    return read, skipped


def _names(names: list[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


@validate_params()
def list_transcripts(folder: str | os.PathLike) -> tuple[list[Path], list[tuple[Path, str]]]:
    """What :func:`load_corpus` reads from a folder, and what it skips and why.

    Parameters
    ----------
    folder : str or PathLike

    Returns
    -------
    read : list of Path
        The files read, in the order read (sorted by name).
    skipped : list of (Path, str)
        Every other entry of the folder with the reason: ``"unsupported file type .pdf"``
        (:func:`load_corpus` warns about these), ``"a codings table (read it with
        hsqual.read_codings)"`` (a CSV whose header holds the codings columns; :func:`load_corpus`
        notes these in a warning), ``"a hidden file"``, ``"a README file"``,
        ``"a list of cleaning changes (hsqual.clean)"``, ``"a script or notebook"``,
        ``"an Office lock file"``, ``"a system file"``, ``"a folder (sub-folders are not read)"``.

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("int01.md", "int02.pdf", "README.md"):
    ...     _ = (folder / name).write_text("Interviewer: Why?\\nInterviewee 1: Dignity.", encoding="utf-8")
    >>> read, skipped = list_transcripts(folder)
    >>> [p.name for p in read], [(p.name, why) for p, why in skipped]
    (['int01.md'], [('README.md', 'a README file'), ('int02.pdf', 'unsupported file type .pdf')])
    """
    p = _as_path(folder, "list_transcripts")
    if not p.is_dir():
        raise TranscriptError("not a folder" if p.exists() else "no such folder", path=p)
    return _scan(p)


def _as_path(path, fn: str) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ArgumentError(f"{fn}: path must be a str or PathLike, not {type(path).__name__}")
    return Path(path)


def _check_language_arg(language) -> None:
    if language is not None and language not in _LANGUAGES:
        raise ArgumentError(f"language must be one of {_LANGUAGES} or None, not {language!r}")
