"""The development gold standard: sampled sentences, their documents and their manual codings.

The bundled folder ``transcripts/gold/`` holds a sample of sentences (``units.csv``) from the
fictional interviews of ``transcripts/interviews/``, the held-out Japanese sample of
``transcripts/ja/gold/`` and the Kurusu paper, split by document into ``dev`` (for revising
rules), ``test`` (for measuring them), ``heldout`` (interviews written and coded apart
from the rules' revision on both other parts, for measuring them once more), ``heldout2``
(interviews written and coded apart from their revision on all three, measured once after it)
``heldout3`` (the same) and ``heldout4`` (written and coded apart from the rules' fourth revision,
on the first four parts; the settings of ``heldout3``'s interviews, not their text, were named to
that revision). Two coders code the units independently
(``coder_a.csv``, ``coder_b.csv``) and an adjudicated coding follows (``adjudicated.csv``), all
in the format ``doc_id,start,end,code,memo`` described in ``transcripts/gold/CODING_GUIDE.md``.
:func:`load_gold` reads and checks all of it.

Example
-------
>>> gold = load_gold(language="en", split="test")
>>> gold.units.groupby("doc_id").size()
doc_id
en_aid_agency_officer       60
en_refugee_ngo_worker       48
en_university_researcher    42
dtype: int64
"""

from __future__ import annotations

import csv
import io
import os
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .codebook import load_codebooks
from .codings import codings_frame
from .corpus import Corpus, Segment
from .errors import ArgumentError, CodingsError, StudyError
from .resources import bundled_codebooks, bundled_path
from .textio import read_text
from .transcripts import load_corpus
from .params import validate_params

__all__ = ["GoldStandard", "load_gold", "UNIT_COLUMNS", "CODING_COLUMNS", "SOURCES", "SPLITS"]

#: Columns of ``units.csv``, in order.
UNIT_COLUMNS = ["unit_id", "doc_id", "segment_id", "speaker", "language", "split", "start", "end", "text"]
#: Columns of a coder's file (``memo`` may be left out).
CODING_COLUMNS = ["doc_id", "start", "end", "code", "memo"]
#: Where the units' documents are, relative to the folder above the gold folder.
SOURCES = ("interviews", "ja", "kurusu2015/paper.txt")
#: The values of the ``split`` column.
SPLITS = ("dev", "test", "heldout", "heldout2", "heldout3", "heldout4")
_LANGUAGES = ("en", "ja")
#: A coder's row with this code is a remark on the unit, kept in ``notes``, not a coding.
NOTE_CODE = "NOTE"
ADJUDICATED = "adjudicated.csv"
GOLD_CODER = "gold"


@dataclass(frozen=True, repr=False)
class GoldStandard:
    """The gold standard as :func:`load_gold` returns it.

    Attributes
    ----------
    corpus : Corpus
        The documents the units come from; its segments are the units (kind ``sentence``, the
        unit's ``segment_id`` and ``speaker``), so ``apply_codebook(gold.corpus, ...)`` codes
        exactly the units.
    units : pandas.DataFrame
        The rows of ``units.csv`` (columns :data:`UNIT_COLUMNS`) kept by the filters.
    coders : Mapping[str, pandas.DataFrame]
        Each coder's codings (``coder_a``, ``coder_b`` ... from ``coder_*.csv``) as an hsqual
        codings table (coder = the name, quote = the unit's text); empty until the files exist.
    codings : pandas.DataFrame or None
        The adjudicated codings (``adjudicated.csv``, coder ``gold``); ``None`` until the file
        exists.
    notes : pandas.DataFrame
        Rows with code ``NOTE`` in the coders' files (``coder, doc_id, start, end, unit_id,
        memo``): remarks on units, not codings.
    folder : pathlib.Path
        The gold folder read.

    Example
    -------
    >>> gold = load_gold(language="ja", split="dev")
    >>> gold
    GoldStandard(193 units, ja dev 193; 5 documents; coders: coder_a (101 codings), coder_b (107 codings); adjudicated: 105 codings)
    """

    corpus: Corpus
    units: pd.DataFrame
    coders: Mapping[str, pd.DataFrame]
    codings: pd.DataFrame | None
    notes: pd.DataFrame
    folder: Path

    def __repr__(self) -> str:
        counts = self.units.groupby(["language", "split"]).size()
        parts = ", ".join(f"{lang} {split} {n}" for (lang, split), n in counts.items())
        coders = ", ".join(f"{k} ({len(v)} codings)" for k, v in self.coders.items()) or "none"
        adjudicated = "no" if self.codings is None else f"{len(self.codings)} codings"
        return (f"GoldStandard({len(self.units)} units, {parts}; {len(self.corpus)} documents; "
                f"coders: {coders}; adjudicated: {adjudicated})")


@validate_params()
def load_gold(
    *,
    split: str | None = None,
    language: str | None = None,
    folder: str | os.PathLike | None = None,
) -> GoldStandard:
    """Read the development gold standard: units, their documents, coders' and adjudicated codings.

    Every row of ``units.csv`` is checked: its columns, its ``split`` and ``language``, that its
    document is one of the transcripts under :data:`SOURCES`, that ``unit_id`` is
    ``doc_id:start-end`` and that ``text == document.text[start:end]``. Each coder's file
    (``coder_*.csv``) and ``adjudicated.csv``, where they exist, are checked row by row: the
    unit (``doc_id, start, end``) must be a unit of ``units.csv``, the code a code of the
    bundled codebooks, and a (unit, code) pair may appear once. Rows with code ``NOTE`` are
    remarks and go to ``notes``.

    Parameters
    ----------
    split : {"dev", "test", "heldout", "heldout2", "heldout3", "heldout4"}, optional
        Keep only the units of this part (default: all).
    language : {"en", "ja"}, optional
        Keep only the units of this language (default: both).
    folder : str or PathLike, optional
        The gold folder (default: the bundled ``transcripts/gold``). The documents are read
        from :data:`SOURCES` relative to its parent folder.

    Returns
    -------
    GoldStandard
        ``corpus``, ``units``, ``coders``, ``codings``, ``notes``, ``folder``. Codings are
        filtered to the units kept.

    Raises
    ------
    StudyError
        The folder, ``units.csv`` or a source transcript is missing, or a row of ``units.csv``
        is malformed or does not slice back to its text (the message names file and line).
    CodingsError
        A row of a coder's file or of ``adjudicated.csv`` is malformed, names no unit or an
        unknown code, or repeats a (unit, code) pair (the message names file and line).

    Examples
    --------
    >>> gold = load_gold(split="test")
    >>> gold.units.groupby("language").size()
    language
    en    150
    ja    154
    dtype: int64
    >>> u = gold.units.iloc[0]
    >>> gold.corpus.doc(u.doc_id).text[u.start:u.end] == u.text
    True
    >>> (u.doc_id, u.speaker, u.text)
    ('en_aid_agency_officer', 'Ms Sato', 'Sure.')
    >>> len(gold.corpus.segments) == len(gold.units)
    True

    Units of both languages in the dev part, and a filter that does not exist:

    >>> sorted(set(load_gold(split="dev").units["language"]))
    ['en', 'ja']
    >>> load_gold(split="train")
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: load_gold: split must be one of ('dev', 'test', 'heldout', 'heldout2', 'heldout3', 'heldout4') or None, not 'train'
    """
    if split is not None and split not in SPLITS:
        raise ArgumentError(f"load_gold: split must be one of {SPLITS} or None, not {split!r}")
    if language is not None and language not in _LANGUAGES:
        raise ArgumentError(f"load_gold: language must be one of {_LANGUAGES} or None, not {language!r}")
    gold_dir = Path(folder) if folder is not None else bundled_path("transcripts") / "gold"
    if not gold_dir.is_dir():
        raise StudyError("the gold-standard folder is missing", path=gold_dir)
    units_path = gold_dir / "units.csv"
    if not units_path.is_file():
        raise StudyError("units.csv is missing (build it with make_units.py)", path=units_path)

    rows = _read_units(units_path)
    documents, files = _read_sources(gold_dir.parent, {r["doc_id"] for r, _ in rows})
    units = _check_units(rows, documents, files, units_path)

    keep = pd.Series(True, index=units.index)
    if split is not None:
        keep &= units["split"] == split
    if language is not None:
        keep &= units["language"] == language
    units = units[keep].reset_index(drop=True)

    doc_ids = list(dict.fromkeys(units["doc_id"]))
    segments = [Segment(r.doc_id, int(r.segment_id), int(r.start), int(r.end), r.text,
                        r.speaker if r.speaker else None, "sentence") for r in units.itertuples()]
    corpus = Corpus([documents[d] for d in doc_ids], segments)

    all_units = {(r["doc_id"], r["start"], r["end"]): r for r, _ in rows}
    kept = set(units["unit_id"])
    known_codes = set(load_codebooks(bundled_codebooks()))
    coders: dict[str, pd.DataFrame] = {}
    notes: list[pd.DataFrame] = []
    for path in sorted(gold_dir.glob("coder_*.csv")):
        table, note = _read_coder_file(path, path.stem, all_units, known_codes, kept)
        coders[path.stem] = table
        notes.append(note)
    codings = None
    if (gold_dir / ADJUDICATED).is_file():
        codings, note = _read_coder_file(gold_dir / ADJUDICATED, GOLD_CODER, all_units, known_codes, kept)
        notes.append(note)
    note_columns = ["coder", "doc_id", "start", "end", "unit_id", "memo"]
    notes_frame = (pd.concat(notes, ignore_index=True) if notes
                   else pd.DataFrame({c: pd.Series(dtype="object") for c in note_columns}))
    return GoldStandard(corpus=corpus, units=units, coders=types.MappingProxyType(coders),
                        codings=codings, notes=notes_frame, folder=gold_dir)


# --------------------------------------------------------------------------------------------
# reading


def _csv_rows(path: Path, error) -> tuple[list[str], list[tuple[list[str], int]]]:
    """The header and ``(row, line)`` pairs of a CSV file (line of the row's first line)."""
    try:
        text = read_text(path)
    except Exception as exc:  # unreadable bytes, a directory ...
        raise error(getattr(exc, "message", str(exc)), path=path) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise error("the file is empty; expected a header line", path=path, line=1) from None
    out = []
    line = reader.line_num + 1
    for row in reader:
        if any(cell.strip() for cell in row):
            out.append((row, line))
        line = reader.line_num + 1
    return header, out


def _whole(value: str, column: str, path: Path, line: int, error) -> int:
    try:
        n = int(value)
    except ValueError:
        raise error(f"column {column!r} must be a whole number, found {value!r}", path=path, line=line) from None
    if n < 0:
        raise error(f"column {column!r} must not be negative, found {n}", path=path, line=line)
    return n


def _read_units(path: Path) -> list[tuple[dict, int]]:
    header, rows = _csv_rows(path, StudyError)
    if header != UNIT_COLUMNS:
        raise StudyError(f"the header is {header}; expected {UNIT_COLUMNS}", path=path, line=1)
    out = []
    seen: dict[str, int] = {}
    for row, line in rows:
        if len(row) != len(UNIT_COLUMNS):
            raise StudyError(f"expected {len(UNIT_COLUMNS)} fields, found {len(row)}", path=path, line=line)
        rec = dict(zip(UNIT_COLUMNS, row))
        for col in ("segment_id", "start", "end"):
            rec[col] = _whole(rec[col], col, path, line, StudyError)
        if rec["split"] not in SPLITS:
            raise StudyError(f"split must be one of {', '.join(SPLITS)}, found {rec['split']!r}", path=path, line=line)
        if rec["language"] not in _LANGUAGES:
            raise StudyError(f"language must be one of {', '.join(_LANGUAGES)}, found {rec['language']!r}",
                             path=path, line=line)
        expected_id = f"{rec['doc_id']}:{rec['start']}-{rec['end']}"
        if rec["unit_id"] != expected_id:
            raise StudyError(f"unit_id {rec['unit_id']!r} should be {expected_id!r} (doc_id:start-end)",
                             path=path, line=line)
        if rec["unit_id"] in seen:
            raise StudyError(f"unit {rec['unit_id']} appears twice (also on line {seen[rec['unit_id']]})",
                             path=path, line=line)
        seen[rec["unit_id"]] = line
        out.append((rec, line))
    if not out:
        raise StudyError("units.csv lists no unit", path=path)
    return out


def _read_sources(root: Path, wanted: set[str]) -> tuple[dict, dict]:
    """Documents (by id) of the transcripts under :data:`SOURCES`, and the file of each."""
    documents, files = {}, {}
    for source in SOURCES:
        path = root / source
        if not path.exists():
            raise StudyError("a source of the gold standard's documents is missing", path=path)
        for doc in load_corpus(path, unit="document"):
            if doc.doc_id in wanted:
                documents[doc.doc_id] = doc
                files[doc.doc_id] = path / doc.meta["file"] if path.is_dir() else path
    return documents, files


def _check_units(rows, documents, files, path: Path) -> pd.DataFrame:
    for rec, line in rows:
        doc = documents.get(rec["doc_id"])
        if doc is None:
            raise StudyError(f"unit {rec['unit_id']}: no document {rec['doc_id']!r} in "
                             f"{', '.join(SOURCES)}", path=path, line=line)
        if rec["language"] != doc.language:
            raise StudyError(f"unit {rec['unit_id']}: language {rec['language']!r}, but document "
                             f"{rec['doc_id']!r} is {doc.language!r}", path=path, line=line)
        if not rec["start"] < rec["end"] <= len(doc.text) or doc.text[rec["start"]:rec["end"]] != rec["text"]:
            found = doc.text[rec["start"]:rec["end"]]
            i = next((k for k, (a, b) in enumerate(zip(found, rec["text"])) if a != b),
                     min(len(found), len(rec["text"])))
            lo = max(0, i - 25)
            raise StudyError(
                f"unit {rec['unit_id']}: the text does not slice back to the document "
                f"{Path(files[rec['doc_id']]).name} (it has {len(doc.text)} characters): "
                f"from character {i} of the unit, the document has {_short(found[lo:])}, "
                f"the row has {_short(rec['text'][lo:])}", path=path, line=line)
    units = pd.DataFrame([rec for rec, _ in rows], columns=UNIT_COLUMNS)
    for col in ("segment_id", "start", "end"):
        units[col] = units[col].astype("int64")
    return units


def _short(text: str, n: int = 60) -> str:
    return repr(text if len(text) <= n else text[:n] + "…")


def _read_coder_file(path: Path, coder: str, units: dict, known_codes: set, kept: set):
    """An hsqual codings table and the NOTE rows of one coder's file."""
    header, rows = _csv_rows(path, CodingsError)
    header = [h.strip() for h in header]
    missing = [c for c in CODING_COLUMNS if c != "memo" and c not in header]
    if missing:
        raise CodingsError(f"missing column(s) {', '.join(missing)}; expected {', '.join(CODING_COLUMNS)}",
                           path=path, line=1)
    pos = {c: header.index(c) for c in CODING_COLUMNS if c in header}
    codings, notes = [], []
    seen: dict[tuple, int] = {}
    for row, line in rows:
        if len(row) != len(header):
            raise CodingsError(f"expected {len(header)} fields, found {len(row)}", path=path, line=line)
        doc_id, code = row[pos["doc_id"]].strip(), row[pos["code"]].strip()
        start = _whole(row[pos["start"]].strip(), "start", path, line, CodingsError)
        end = _whole(row[pos["end"]].strip(), "end", path, line, CodingsError)
        memo = row[pos["memo"]] if "memo" in pos else ""
        unit = units.get((doc_id, start, end))
        if unit is None:
            raise CodingsError(f"{doc_id}:{start}-{end} is not a unit of units.csv; copy doc_id, start and "
                               "end from the unit's row", path=path, line=line)
        if code == NOTE_CODE:
            if unit["unit_id"] in kept:
                notes.append({"coder": coder, "doc_id": doc_id, "start": start, "end": end,
                              "unit_id": unit["unit_id"], "memo": memo})
            continue
        if code not in known_codes:
            raise CodingsError(f"unknown code {code!r}; expected a code id of definitions.md (or {NOTE_CODE})",
                               path=path, line=line)
        key = (doc_id, start, end, code)
        if key in seen:
            raise CodingsError(f"unit {unit['unit_id']} has code {code!r} twice (also on line {seen[key]})",
                               path=path, line=line)
        seen[key] = line
        if unit["unit_id"] in kept:
            codings.append({"doc_id": doc_id, "segment_id": unit["segment_id"], "code": code, "start": start,
                            "end": end, "quote": unit["text"], "coder": coder, "rule": "", "memo": memo})
    table = codings_frame(codings)
    note = pd.DataFrame(notes, columns=["coder", "doc_id", "start", "end", "unit_id", "memo"])
    return table, note
