"""Codings: the tidy table every analysis reads.

One row per application of a code to a span of a document:

========== =============================================================================
doc_id     the document
segment_id the segment (1-based ordinal within the document) the span lies in
code       the code id
start, end character offsets into the document text (``quote == text[start:end]``)
quote      the coded words, kept so an edit of the text that makes a coding stale shows
coder      who coded: a person (``kurusu2015``) or a machine (``rules``, ``suggest``)
rule       for a machine coding, the rule that fired; empty for a person
memo       free text
speaker    the speaker of the turn the span lies in (empty when unknown or when the
           document has no speakers); a file without the column reads with it empty, and
           :func:`fill_speakers` fills it from a corpus
========== =============================================================================

Extra columns (``match_start``, ``match_text``, ``score`` ...) are kept. A machine never
overwrites or removes a person's rows: :func:`add_codings` refuses to.

Example
-------
>>> df = codings_frame([{"doc_id": "K001", "segment_id": 1, "code": "freedoms.dignity",
...                      "start": 0, "end": 7, "quote": "dignity", "coder": "kurusu2015"}])
>>> list(df.columns)
['doc_id', 'segment_id', 'code', 'start', 'end', 'quote', 'coder', 'rule', 'memo', 'speaker']
>>> is_machine_coder("rules"), is_machine_coder("kurusu2015")
(True, False)
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import CodingsError
from .params import validate_params

if TYPE_CHECKING:
    from .codebook import Codebook
    from .corpus import Corpus
    from .writers import FileState

__all__ = [
    "TEXT_COLUMNS",
    "CODINGS_COLUMNS",
    "REQUIRED_COLUMNS",
    "MACHINE_CODERS",
    "codings_frame",
    "read_codings",
    "write_codings",
    "check_codings",
    "add_codings",
    "fill_speakers",
    "is_machine_coder",
]

CODINGS_COLUMNS = ["doc_id", "segment_id", "code", "start", "end", "quote", "coder", "rule", "memo", "speaker"]
#: Standard columns a codings table may lack (they read as empty): files written before
#: ``speaker`` existed, tables typed by hand.
OPTIONAL_COLUMNS = ("rule", "memo", "speaker")
MACHINE_CODERS = ("rules", "suggest")
#: The columns every codings table has (a CSV whose header holds them is a codings table).
REQUIRED_COLUMNS = ("doc_id", "segment_id", "code", "start", "end", "quote", "coder")
_REQUIRED = list(REQUIRED_COLUMNS)
_INT_COLUMNS = ("segment_id", "start", "end")
#: The standard columns that hold text (Python strings, never missing).
TEXT_COLUMNS = ("doc_id", "code", "quote", "coder", "rule", "memo", "speaker")


def is_machine_coder(coder: str) -> bool:
    """True for the machine coders (``rules``, ``suggest`` and names starting ``rules:``/``suggest:``).

    Example
    -------
    >>> [is_machine_coder(c) for c in ("rules", "suggest:v2", "kurusu2015")]
    [True, True, False]
    """
    return any(coder == m or coder.startswith(m + ":") for m in MACHINE_CODERS)


@validate_params()
def codings_frame(rows: Iterable[Mapping] | pd.DataFrame | None = None) -> pd.DataFrame:
    """A codings table with the standard columns and types, from rows or a DataFrame.

    Missing ``rule``, ``memo`` and ``speaker`` become empty strings; other missing required
    columns are an error. Offsets become integers; extra columns are kept after the standard
    ones.

    Example
    -------
    >>> codings_frame().shape
    (0, 10)
    >>> codings_frame([{"doc_id": "d", "segment_id": 1, "code": "c", "start": 0}])
    Traceback (most recent call last):
    ...
    hsqual.errors.CodingsError: codings: missing column(s) end, quote, coder; expected ...
    """
    if rows is None:
        df = pd.DataFrame({c: pd.Series(dtype="object") for c in CODINGS_COLUMNS})
    elif isinstance(rows, pd.DataFrame):
        df = rows.copy()
    else:
        rows = list(rows)
        df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=CODINGS_COLUMNS)
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise CodingsError(f"codings: missing column(s) {', '.join(missing)}; expected {', '.join(CODINGS_COLUMNS)}")
    for c in OPTIONAL_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    for c in _INT_COLUMNS:
        try:
            df[c] = pd.to_numeric(df[c], errors="raise").astype("int64")
        except (ValueError, TypeError):
            bad = df.index[pd.to_numeric(df[c], errors="coerce").isna()].tolist()
            raise CodingsError(f"codings: column {c!r} must hold whole numbers (bad rows: {bad[:10]})") from None
    for c in TEXT_COLUMNS:
        col = df[c]
        if col.dtype == object and pd.api.types.infer_dtype(col, skipna=False) == "string":
            continue  # Python strings already, none missing
        df[c] = col.fillna("").astype(str).astype(object)
    extra = [c for c in df.columns if c not in CODINGS_COLUMNS]
    return df[CODINGS_COLUMNS + extra].reset_index(drop=True)


@validate_params()
def read_codings(path: str | os.PathLike, *, encoding: str | None = None) -> pd.DataFrame:
    """Read a codings CSV file, checking its columns and values line by line.

    Errors name the file, the line (as a spreadsheet shows it, header = line 1) and the column.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "codings.csv"
    >>> _ = p.write_text("doc_id,segment_id,code,start,end,quote,coder\\nd1,1,x,0,five,abc,me\\n")
    >>> read_codings(p)
    Traceback (most recent call last):
    ...
    hsqual.errors.CodingsError: ...codings.csv:2: column 'end' must be a whole number, found 'five'
    """
    from .textio import read_text

    p = Path(path)
    try:
        text = read_text(p, encoding=encoding)
    except Exception as exc:
        raise CodingsError(getattr(exc, "message", str(exc)), path=p) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise CodingsError(f"the file is empty; expected a header line: {','.join(CODINGS_COLUMNS)}", path=p, line=1) from None
    header = [h.strip() for h in header]
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise CodingsError(f"missing column(s) {', '.join(missing)} in the header; expected {','.join(CODINGS_COLUMNS)}",
                           path=p, line=1)
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise CodingsError(f"column(s) {', '.join(dupes)} appear twice in the header", path=p, line=1)
    rows = []
    for record in reader:
        line = reader.line_num
        if not record or all(not f.strip() for f in record):
            continue
        if len(record) != len(header):
            raise CodingsError(f"expected {len(header)} fields as in the header, found {len(record)}", path=p, line=line)
        row = dict(zip(header, record))
        for c in _INT_COLUMNS:
            value = row[c].strip()
            try:
                row[c] = int(value)
            except ValueError:
                raise CodingsError(f"column {c!r} must be a whole number, found {value!r}", path=p, line=line) from None
        if not row["code"].strip():
            raise CodingsError("column 'code' is empty", path=p, line=line)
        if not row["doc_id"].strip():
            raise CodingsError("column 'doc_id' is empty", path=p, line=line)
        rows.append(row)
    if not rows:
        return codings_frame(pd.DataFrame(columns=header))
    return codings_frame(rows)


@validate_params()
def write_codings(codings: pd.DataFrame, path: str | os.PathLike, *, replace: bool | FileState = True) -> Path:
    """Write a codings table as CSV (UTF-8, atomically: a failure leaves the old file).

    ``replace`` (``True``, ``False`` or a :class:`hsqual.writers.FileState`) says whether an
    existing file may be replaced at the moment of writing (see :func:`hsqual.writers.atomic_write`).

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.csv"
    >>> df = codings_frame([{"doc_id": "d", "segment_id": 1, "code": "c", "start": 0, "end": 1,
    ...                      "quote": "x", "coder": "me"}])
    >>> read_codings(write_codings(df, p)).equals(df)
    True
    """
    from .writers import write_table

    return write_table(codings_frame(codings), path, replace=replace)


@validate_params()
def check_codings(codings: pd.DataFrame, corpus: Corpus | None = None,
                  codebook: Codebook | None = None) -> pd.DataFrame:
    """List what is wrong with codings, without dropping or changing any row.

    Checks that each row's document exists, its offsets lie within the document text, its
    quote still equals the text at those offsets, its segment exists, and its code is in the
    codebook. Returns one row per problem: ``row`` (index in ``codings``), ``doc_id``,
    ``code``, ``problem`` (``unknown document`` / ``offsets out of range`` /
    ``quote does not match`` / ``unknown segment`` / ``outside its segment`` (the span
    shares no text with the segment its ``segment_id`` names: segment ids of another cut of
    the text) / ``unknown code`` / ``empty span``),
    ``detail``. An empty table means no problem.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document
    >>> corpus = Corpus([Document("d", "freedom from fear")])
    >>> df = codings_frame([
    ...     {"doc_id": "d", "segment_id": 1, "code": "x", "start": 0, "end": 7, "quote": "freedom", "coder": "me"},
    ...     {"doc_id": "d", "segment_id": 1, "code": "x", "start": 13, "end": 17, "quote": "want", "coder": "me"},
    ...     {"doc_id": "e", "segment_id": 1, "code": "x", "start": 0, "end": 1, "quote": "f", "coder": "me"}])
    >>> check_codings(df, corpus)[["row", "problem"]]
       row             problem
    0    1  quote does not match
    1    2    unknown document
    """
    df = codings_frame(codings)
    problems = []

    def add(i, row, problem, detail):
        problems.append({"row": i, "doc_id": row["doc_id"], "code": row["code"], "problem": problem, "detail": detail})

    seg_keys = None
    if corpus is not None:
        seg_keys = {(s.doc_id, s.segment_id): s for s in corpus.segments}
    for i, row in df.iterrows():
        if codebook is not None and row["code"] not in codebook:
            add(i, row, "unknown code", f"{row['code']!r} is not in codebook {codebook.id!r}")
        if row["end"] < row["start"]:
            add(i, row, "offsets out of range", f"end {row['end']} is before start {row['start']}")
            continue
        if corpus is None:
            continue
        if row["doc_id"] not in corpus:
            add(i, row, "unknown document", f"no document {row['doc_id']!r} in the corpus")
            continue
        text = corpus.doc(row["doc_id"]).text
        if row["start"] < 0 or row["end"] > len(text):
            add(i, row, "offsets out of range", f"{row['start']}-{row['end']} outside 0-{len(text)}")
            continue
        if text[row["start"] : row["end"]] != row["quote"]:
            add(i, row, "quote does not match",
                f"text at {row['start']}-{row['end']} is {text[row['start']:row['end']][:60]!r}, quote is {row['quote'][:60]!r}")
        seg = seg_keys.get((row["doc_id"], row["segment_id"])) if seg_keys is not None else None
        if seg_keys is not None and seg is None:
            add(i, row, "unknown segment", f"document {row['doc_id']!r} has no segment {row['segment_id']}")
        elif seg is not None and not _touches(row["start"], row["end"], seg.start, seg.end):
            # e.g. codings made by turn joined to a corpus cut into sentences, whose ids differ
            add(i, row, "outside its segment",
                f"span {row['start']}-{row['end']} does not meet segment {row['segment_id']} ({seg.kind}, "
                f"{seg.start}-{seg.end}): segment ids of another cut of the text?")
    return pd.DataFrame(problems, columns=["row", "doc_id", "code", "problem", "detail"])


def _touches(start: int, end: int, seg_start: int, seg_end: int) -> bool:
    """Whether a span shares text with a segment (an empty span or segment: lies within the other)."""
    if start == end or seg_start == seg_end:
        return seg_start <= start <= seg_end or start <= seg_start <= end
    return start < seg_end and end > seg_start


@validate_params()
def add_codings(existing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Append machine codings to a table, keeping every existing row as it is.

    Rows of ``new`` must come from machine coders (``rules``, ``suggest``); existing rows of the
    same machine coder for the same documents are replaced (a re-run), a person's rows never
    are. Raises :class:`~hsqual.errors.CodingsError` if ``new`` holds a person's rows.

    Example
    -------
    >>> human = codings_frame([{"doc_id": "d", "segment_id": 1, "code": "c", "start": 0, "end": 1,
    ...                         "quote": "x", "coder": "kurusu2015"}])
    >>> machine = codings_frame([{"doc_id": "d", "segment_id": 1, "code": "c", "start": 0, "end": 1,
    ...                           "quote": "x", "coder": "rules", "rule": "c/en#1: x"}])
    >>> add_codings(human, machine)["coder"].tolist()
    ['kurusu2015', 'rules']
    """
    old = codings_frame(existing)
    add = codings_frame(new)
    people = sorted({c for c in add["coder"] if not is_machine_coder(c)})
    if people:
        raise CodingsError(f"add_codings adds machine codings only; found rows of coder(s) {', '.join(people)}")
    if len(add):
        replaced = old["coder"].isin(set(add["coder"])) & old["doc_id"].isin(set(add["doc_id"]))
        old = old[~replaced]
    return codings_frame(pd.concat([old, add], ignore_index=True))


def fill_speakers(codings: pd.DataFrame, corpus) -> pd.DataFrame:
    """The codings with empty ``speaker`` cells filled from the corpus.

    A coding's speaker is that of the segment of its document that holds its ``start`` (the
    last segment starting at or before it, as :func:`hsqual.apply.apply_codebook` assigns
    them); cells already filled are kept, and codings of documents not in the corpus or of
    segments without a speaker stay empty.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> text = "Q: Why?\\nA: Dignity."
    >>> corpus = Corpus([Document("int04", text)], [Segment("int04", 1, 3, 7, "Why?", "Q", "turn"),
    ...                                             Segment("int04", 2, 11, 19, "Dignity.", "A", "turn")])
    >>> df = codings_frame([{"doc_id": "int04", "segment_id": 2, "code": "dignity", "start": 11, "end": 18,
    ...                      "quote": "Dignity", "coder": "me"}])
    >>> fill_speakers(df, corpus)["speaker"].tolist()
    ['A']
    """
    import bisect

    df = codings_frame(codings)
    by_doc: dict[str, list] = {}
    for seg in corpus.segments:
        by_doc.setdefault(seg.doc_id, []).append(seg)
    starts = {d: [s.start for s in segs] for d, segs in by_doc.items()}
    out = []
    for doc_id, start, who in zip(df["doc_id"], df["start"], df["speaker"]):
        if who or doc_id not in by_doc:
            out.append(who)
            continue
        i = max(0, bisect.bisect_right(starts[doc_id], int(start)) - 1)
        out.append(by_doc[doc_id][i].speaker or "")
    df["speaker"] = pd.Series(out, index=df.index, dtype=object)
    return df
