"""REFI-QDA Project Exchange (``.qdpx``): :func:`export_qdpx` and :func:`import_qdpx`.
"""

from __future__ import annotations

import datetime as _dt
import json
import numbers
import os
import posixpath
import zipfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd

from ..codebook import Code, Codebook, Example
from ..codings import CODINGS_COLUMNS, codings_frame
from ..corpus import SEGMENT_KINDS, Corpus, Document, Segment
from ..errors import ArgumentError, ExchangeError, OptionError, TranscriptError
from ..writers import atomic_write
from ..zipsafe import ZipLimits, open_zip_safely, read_zip_member
from ..params import validate_params
from .offsets import OFFSET_CONVENTIONS, convert_all, detect_offsets
from .qdc import build_codebook, check_codebook, codes_element, read_codes, read_sets, sets_element, slug
from .xmltools import (
    NS_PROJECT, SEGMENTS_HEADING, XML_BAD, ZIP_DATE, check_root, check_xml_text, code_guid, json_depth,
    loads_json, make_guid, new_root, parse_sections, parse_xml, read_position, sections_text, split_tag,
    subelement, xml_bytes, xml_safe_quote,
)

# ---------------------------------------------------------------------------------------
# Variables
# ---------------------------------------------------------------------------------------


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(isinstance(v, float) and v != v) or (not isinstance(v, (list, tuple, str)) and pd.isna(v) is True)
    except (TypeError, ValueError):
        return False


def _variable_type(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "Boolean"
    if all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
        return "Integer"
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        return "Float"
    if all(isinstance(v, _dt.datetime) for v in values):
        return "DateTime"
    if all(isinstance(v, _dt.date) and not isinstance(v, _dt.datetime) for v in values):
        return "Date"
    if all(isinstance(v, (list, tuple)) for v in values):
        return "List"
    return "Text"


def _variable_value(kind: str, v: Any) -> tuple[str, str]:
    if kind == "Boolean":
        return "BooleanValue", "true" if v else "false"
    if kind == "Integer":
        return "IntegerValue", str(int(v))
    if kind == "Float":
        f = float(v)
        if f != f or f in (float("inf"), float("-inf")):
            return "TextValue", str(f)
        return "FloatValue", format(Decimal(repr(f)), "f")
    if kind == "DateTime":
        return "DateTimeValue", v.isoformat()
    if kind == "Date":
        return "DateValue", v.isoformat()
    if kind == "List":
        return "TextValue", json.dumps([x if isinstance(x, (str, int, float, bool)) or x is None else str(x)
                                        for x in v], ensure_ascii=False)
    return "TextValue", str(v)


def _parse_variable_value(el: ET.Element, ns: str, kind: str, *, path=None, what: str = "a variable value") -> Any:
    for tag in ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue"):
        v = el.find(f"{{{ns}}}{tag}")
        if v is None:
            continue
        text = v.text or ""
        try:
            if tag == "BooleanValue":
                return text.strip() in ("true", "1")
            if tag == "IntegerValue":
                return int(text.strip())
            if tag == "FloatValue":
                return float(text.strip())
            if tag == "DateValue":
                return _dt.date.fromisoformat(text.strip()[:10])
            if tag == "DateTimeValue":
                return _dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            return text
        if kind == "List":
            try:
                value = loads_json(text, what=what, path=path)
                if isinstance(value, list):
                    return value
            except json.JSONDecodeError:
                pass
        return text
    return None


# ---------------------------------------------------------------------------------------
# Project export
# ---------------------------------------------------------------------------------------


@validate_params(swapped=("codings", "corpus"))
def export_qdpx(
    codings: pd.DataFrame,
    corpus: Corpus,
    codebook: Codebook,
    path: str | os.PathLike,
    *,
    users: Mapping[str, str] | None = None,
    cases: str | None = None,
    name: str | None = None,
) -> Path:
    """Write a REFI-QDA Project Exchange file (``.qdpx``): documents, codebook, codings, coders.

    Parameters
    ----------
    codings : DataFrame
        A codings table (see :mod:`hsqual.codings`). Every row's document must be in the
        corpus, its code in the codebook and its offsets inside the text.
    corpus : Corpus
        The documents; each becomes a text source in ``sources/`` (UTF-8, text as it is).
        Their metadata becomes typed variables (Text, Integer, Float, Boolean, Date, DateTime),
        their segments a list in the source's description (see the module documentation).
    codebook : Codebook
    path : str or PathLike
        The ``.qdpx`` file to write. It is written atomically (a temporary file renamed into
        place) and an existing file at ``path`` is replaced without asking: a script decides.
        The ``hsqual export`` command refuses to replace a file unless given ``--force``.
    users : mapping, optional, keyword-only
        Display name per coder (``{"kurusu2015": "Kaoru Kurusu"}``); every coder becomes a
        ``User`` and each coding names its ``creatingUser``.
    cases : str or None, keyword-only
        The metadata column whose values are the cases (e.g. ``"interviewee"``; a list value
        puts a document in several cases). ``None`` (default): no cases. A column no document
        has is an error naming the columns there are.
    name : str, optional, keyword-only
        The project's name (default: the codebook's English title).

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.codings import codings_frame
    >>> cb = Codebook("demo", [Code(id="dignity", label={"en": "Dignity"})], title={"en": "Demo"})
    >>> corpus = Corpus([Document("int04", "A: 尊厳 matters 🙂.", {"interviewee": 4, "sector": "NGO"})])
    >>> codings = codings_frame([{"doc_id": "int04", "segment_id": 1, "code": "dignity",
    ...                           "start": 3, "end": 5, "quote": "尊厳", "coder": "kurusu2015"}])
    >>> p = export_qdpx(codings, corpus, cb, pathlib.Path(tempfile.mkdtemp()) / "demo.qdpx")
    >>> corpus2, codings2, cb2 = import_qdpx(p)
    >>> codings2[["doc_id", "code", "start", "end", "quote", "coder"]].values.tolist()
    [['int04', 'dignity', 3, 5, '尊厳', 'kurusu2015']]
    >>> corpus2.doc("int04").meta["interviewee"], codings2.attrs["refiqda"]["offsets"]
    (4, 'codepoints')
    """
    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"export_qdpx: corpus must be a Corpus, not {type(corpus).__name__}")
    check_codebook(codebook)
    if users is not None and not isinstance(users, Mapping):
        raise ArgumentError("export_qdpx: users must be a mapping of coder to display name")
    df = codings_frame(codings)
    problems = []
    for i, row in df.iterrows():
        if row["doc_id"] not in corpus:
            problems.append(f"row {i}: document {row['doc_id']!r} is not in the corpus")
        elif not (0 <= row["start"] <= row["end"] <= len(corpus.doc(row["doc_id"]).text)):
            problems.append(f"row {i}: offsets {row['start']}-{row['end']} lie outside document {row['doc_id']!r}")
        if row["code"] not in codebook:
            problems.append(f"row {i}: code {row['code']!r} is not in the codebook")
    if problems:
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise ExchangeError("cannot export codings that do not fit the corpus and codebook: "
                            + "; ".join(problems[:10]) + more + " (run hsqual validate)", path=path)
    from .. import __version__

    ns = NS_PROJECT
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    title = name or codebook.title.get("en") or next(iter(codebook.title.values()), None) or codebook.id
    root = new_root("Project", ns, {"name": check_xml_text(title, "the project name"), "origin": f"hsqual {__version__}"})
    # users
    coders = list(dict.fromkeys(df["coder"].tolist()))
    for extra in (users or {}):
        if extra not in coders:
            coders.append(extra)
    if coders:
        users_el = subelement(root, q("Users"))
        for c in coders:
            subelement(users_el, q("User"), {"guid": make_guid("user", c), "name": str((users or {}).get(c, c)), "id": c})
    cb_el = subelement(root, q("CodeBook"))
    codes_element(cb_el, ns, codebook)
    # variables
    docs = corpus.documents
    keys: list[str] = []
    for d in docs:
        keys.extend(k for k in d.meta if k not in keys)
    kinds: dict[str, str] = {}
    for k in keys:
        values = [d.meta[k] for d in docs if k in d.meta and not _is_missing(d.meta[k])]
        if values:
            kinds[k] = _variable_type(values)
    if kinds:
        vars_el = subelement(root, q("Variables"))
        for k, kind in kinds.items():
            v = subelement(vars_el, q("Variable"), {"guid": make_guid("variable", k), "name": k,
                                                       "typeOfVariable": "Text" if kind == "List" else kind})
            if kind == "List":
                subelement(v, q("Description")).text = "## Kind\nlist (JSON)"
    # cases
    if cases is not None:
        columns = sorted({k for d in docs for k in d.meta})
        if cases not in columns:
            raise OptionError("E201", option="cases", func="export_qdpx", column=cases,
                              what="the documents' metadata", columns=", ".join(columns) or "(none)")
        members: dict[str, list[Document]] = {}
        for d in docs:
            value = d.meta.get(cases)
            if not isinstance(value, (list, tuple)) and _is_missing(value):
                continue
            for v in (value if isinstance(value, (list, tuple)) else [value]):
                if not _is_missing(v):
                    members.setdefault(str(v), []).append(d)
        if members:
            cases_el = subelement(root, q("Cases"))
            for case_name, case_docs in members.items():
                c = subelement(cases_el, q("Case"), {"guid": make_guid("case", f"{cases}={case_name}"),
                                                        "name": xml_safe_quote(case_name)})
                subelement(c, q("Description")).text = check_xml_text(
                    sections_text([("Metadata key", cases)]), "the cases column")
                for k, kind in kinds.items():
                    if k == cases or kind == "List":
                        continue
                    vals = [d.meta.get(k) for d in case_docs]
                    if any(_is_missing(v) for v in vals) or len({repr(v) for v in vals}) != 1:
                        continue
                    _variable_value_el(c, q, k, kind, vals[0])
                for d in case_docs:
                    subelement(c, q("SourceRef"), {"targetGUID": make_guid("source", d.doc_id)})
    # sources and codings
    sources_el = subelement(root, q("Sources"))
    notes: list[tuple[str, str]] = []
    files: list[tuple[str, bytes]] = []
    extras = [c for c in df.columns if c not in CODINGS_COLUMNS]
    if (df["speaker"] != "").any():
        extras.append("speaker")  # no REFI-QDA field for it: a column section, read back on import
    by_doc = {doc_id: g for doc_id, g in df.groupby("doc_id", sort=False)}
    segments_of: dict[str, list[Segment]] = {d.doc_id: [] for d in docs}
    for s in corpus.segments:
        segments_of[s.doc_id].append(s)
    for d in docs:
        sguid = make_guid("source", d.doc_id)
        fname = f"{sguid}.txt"
        src = subelement(sources_el, q("TextSource"), {"guid": sguid, "name": check_xml_text(d.doc_id, "a document id"),
                                                         "plainTextPath": f"internal://{fname}"})
        subelement(src, q("Description")).text = _segments_description(segments_of[d.doc_id])
        files.append((f"sources/{fname}", d.text.encode("utf-8", "surrogatepass")))
        seen: dict[str, int] = {}
        for _, row in (by_doc[d.doc_id].iterrows() if d.doc_id in by_doc else ()):
            key = f"{d.doc_id}:{row['start']}:{row['end']}:{row['code']}:{row['coder']}"
            seen[key] = seen.get(key, 0) + 1
            selguid = make_guid("selection", f"{key}:{seen[key]}")
            uguid = make_guid("user", row["coder"])
            sel = subelement(src, q("PlainTextSelection"), {
                "guid": selguid, "name": xml_safe_quote(row["quote"]),
                "startPosition": str(int(row["start"])), "endPosition": str(int(row["end"])),
                "creatingUser": uguid})
            sections = [("Segment", str(int(row["segment_id"])))]
            if row["rule"]:
                sections.append(("Rule", row["rule"]))
            for c in extras:
                v = row[c]
                if not _is_missing(v):
                    sections.append((f"Column {c}", json.dumps(v.item() if hasattr(v, "item") else v,
                                                               ensure_ascii=False, default=str)))
            subelement(sel, q("Description")).text = check_xml_text(sections_text(sections),
                                                                       f"coding row of {d.doc_id!r}")
            coding = subelement(sel, q("Coding"), {"guid": make_guid("coding", selguid), "creatingUser": uguid})
            subelement(coding, q("CodeRef"), {"targetGUID": code_guid(row["code"])})
            if row["memo"]:
                nguid = make_guid("note", selguid)
                notes.append((nguid, check_xml_text(row["memo"], f"memo of a coding of {d.doc_id!r}")))
                subelement(sel, q("NoteRef"), {"targetGUID": nguid})
        for k, kind in kinds.items():
            if k in d.meta and not _is_missing(d.meta[k]):
                _variable_value_el(src, q, k, kind, d.meta[k])
    if notes:
        notes_el = subelement(root, q("Notes"))
        for nguid, text in notes:
            n = subelement(notes_el, q("Note"), {"guid": nguid, "name": "memo"})
            subelement(n, q("PlainTextContent")).text = text
    sets_element(root, ns, codebook)
    data = xml_bytes(root)
    with atomic_write(path, "wb") as fh:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for member, payload in [("project.qde", data), *files]:
                info = zipfile.ZipInfo(member, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, payload)
    return Path(path)


def _segments_description(segments: Sequence[Segment]) -> str:
    """A source's description: its segments, one JSON line ``[id, kind, start, end, speaker]`` each.

    Characters XML cannot carry (they can only occur inside a JSON string here) are written as
    JSON escapes, so the list reads back exactly.
    """
    lines = [json.dumps([s.segment_id, s.kind, s.start, s.end, s.speaker], ensure_ascii=False) for s in segments]
    body = XML_BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", "\n".join(lines))
    return sections_text([(SEGMENTS_HEADING, body)])


def _parse_segments(body: str, doc: Document) -> list[Segment]:
    """The segments a source's description lists; ``ValueError`` saying why when they do not fit."""
    out: list[Segment] = []
    seen: set[int] = set()
    for n, line in enumerate(body.split("\n"), 1):
        if not line.strip():
            continue
        if json_depth(line) > 2:
            raise ArgumentError(f"line {n} nests lists or objects (expected [segment_id, kind, start, end, speaker])")
        try:
            item = json.loads(line)
        except ValueError:
            raise ArgumentError(f"line {n} is not a JSON list") from None
        if not isinstance(item, list) or len(item) != 5:
            raise ArgumentError(f"line {n} is not a list [segment_id, kind, start, end, speaker]")
        sid, kind, start, end, speaker = item
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (sid, start, end)):
            raise ArgumentError(f"line {n}: segment_id, start and end must be whole numbers")
        if kind not in SEGMENT_KINDS:
            raise ArgumentError(f"line {n}: unknown segment kind {kind!r}")
        if speaker is not None and not isinstance(speaker, str):
            raise ArgumentError(f"line {n}: the speaker must be text or null")
        if not 0 <= start <= end <= len(doc.text):
            raise ArgumentError(f"line {n}: offsets {start}-{end} lie outside the text (0-{len(doc.text)})")
        if sid in seen:
            raise ArgumentError(f"line {n}: segment id {sid} appears twice")
        seen.add(sid)
        out.append(Segment(doc.doc_id, sid, start, end, doc.text[start:end], speaker, kind))
    return out


def _detect_segments(doc: Document) -> list[Segment]:
    """Segments of a document as :func:`hsqual.transcripts.load_corpus` cuts them: speaker turns,
    else paragraphs; one ``document`` segment when the text has neither."""
    from ..segment import segment_text

    language = doc.meta.get("language")
    language = language if language in ("en", "ja") else "en"  # turns and paragraphs do not depend on it
    try:
        spans = segment_text(doc.text, "turn", language=language, speakers=doc.meta.get("speakers"))
    except TranscriptError:  # a 'speakers' variable that is not a list of names
        spans = segment_text(doc.text, "turn", language=language)
    if not spans:
        spans = [(0, len(doc.text), None, "document")]
    return [Segment(doc.doc_id, i, s, e, doc.text[s:e], who, kind) for i, (s, e, who, kind) in enumerate(spans, 1)]


class _SegmentFinder:
    """The segment a character offset lies in (else the next one, else the last one)."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        self.segs = sorted(segments, key=lambda s: (s.start, s.end))
        self.starts = [s.start for s in self.segs]

    def at(self, offset: int) -> int | None:
        import bisect

        if not self.segs:
            return None
        i = bisect.bisect_right(self.starts, offset) - 1
        if i >= 0 and offset < self.segs[i].end:
            return self.segs[i].segment_id
        if i + 1 < len(self.segs):
            return self.segs[i + 1].segment_id
        return self.segs[max(i, 0)].segment_id


def _variable_value_el(parent: ET.Element, q, key: str, kind: str, value: Any) -> None:
    vv = subelement(parent, q("VariableValue"))
    subelement(vv, q("VariableRef"), {"targetGUID": make_guid("variable", key)})
    tag, text = _variable_value(kind, value)
    subelement(vv, q(tag)).text = check_xml_text(text, f"metadata {key!r}")


# ---------------------------------------------------------------------------------------
# Project import
# ---------------------------------------------------------------------------------------


@validate_params()
def import_qdpx(
    path: str | os.PathLike,
    *,
    offsets: str = "auto",
    limits: ZipLimits | None = None,
) -> tuple[Corpus, pd.DataFrame, Codebook]:
    """Read a REFI-QDA Project Exchange file (``.qdpx``): documents, codings and codebook.

    Parameters
    ----------
    path : str or PathLike
    offsets : {"auto", "codepoints", "utf16", "utf8", "codepoints-lf", "utf16-lf", "utf8-lf"}, keyword-only
        How the file counts selection positions: Unicode code points (the standard's rule),
        UTF-16 code units, or UTF-8 bytes; ``-lf``: with CRLF counted as one. ``"auto"``
        (default) tries each and decides on evidence, in order: selections matching the
        file's own quotes (``name``), selections falling on character boundaries, the
        exporting tool (``origin``: hsqual counts code points, NVivo UTF-16 units), and
        selection ends on word and line boundaries. Conventions that read every selection alike (a text without
        characters outside the BMP or CRLF) are one reading. When several readings still tie,
        code points (the standard's rule) are used and the tie is reported.
    limits : ZipLimits, optional, keyword-only
        Limits on the archive (entries, total size, compression ratio).

    Returns
    -------
    corpus : Corpus
        One document per text source (``doc_id`` = the source's name), metadata from its
        variables (typed as in the file) and, for another tool's cases, ``case``. Segments:
        those hsqual listed in the source's description when it wrote the file; otherwise
        (another tool's file) speaker turns, else paragraphs, as
        :func:`hsqual.transcripts.load_corpus` cuts a transcript.
    codings : DataFrame
        A codings table with offsets in code points, grouped by document (in the file's order
        of sources, each source's codings in the file's order). A coding keeps the
        ``segment_id`` hsqual wrote when its source's segments came from the file; otherwise
        it gets the segment its start offset lies in (or, in a gap, the next segment), so
        that the codings fit the corpus. ``codings.attrs["refiqda"]`` reports
        the offset convention used (``"offsets"``), the evidence that decided it
        (``"offset_evidence"``), the conventions left tied (``"offsets_tied"``, empty when
        decided; a tie is also a problem saying how to choose), how each convention fared
        (``"offset_scores"``: selections valid, matching quotes, ends on boundaries), how
        many selections carry a quote (``"quoted_selections"``), the file's ``"origin"`` and
        ``"namespace"``, GUIDs used twice (in ``"problems"``), the coders (``"users"``), sources that are not text
        (``"skipped_sources"``), where segments came from (``"segments"``: ``{"from_file":
        [doc ids], "detected": [doc ids], "changed_rows": [rows whose segment_id in the file
        was replaced]}``) and selections that fit no convention (``"problems"``; those
        rows are kept with the file's numbers, and :func:`hsqual.codings.check_codings`
        lists them; a segment list that does not fit its text is reported there too).
    codebook : Codebook

    Raises
    ------
    ExchangeError
        Unsafe or malformed archive or XML (too deeply nested, zip bomb, ...), a missing
        source file, a selection position that is not a whole number within its text, an
        unknown convention.

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.codings import codings_frame
    >>> text = "Q: 安全?\\r\\nA: 𠮷野家 🙂 dignity"
    >>> cb = Codebook("demo", [Code(id="dignity", label={"en": "Dignity"})], title={"en": "Demo"})
    >>> start = text.index("dignity")
    >>> codings = codings_frame([{"doc_id": "i1", "segment_id": 1, "code": "dignity", "start": start,
    ...                           "end": start + 7, "quote": "dignity", "coder": "me"}])
    >>> p = export_qdpx(codings, Corpus([Document("i1", text)]), cb,
    ...                 pathlib.Path(tempfile.mkdtemp()) / "p.qdpx")
    >>> _, back, _ = import_qdpx(p)
    >>> int(back.loc[0, "start"]) == start, back.attrs["refiqda"]["offsets"]
    (True, 'codepoints')
    """
    if offsets != "auto" and offsets not in OFFSET_CONVENTIONS:
        raise ExchangeError(f"offsets must be 'auto' or one of {', '.join(OFFSET_CONVENTIONS)}, not {offsets!r}")
    p = Path(path)
    if p.is_dir():
        raise ExchangeError("expected a .qdpx file, found a folder", path=p)
    limits = limits or ZipLimits()
    with open_zip_safely(p, path=p, limits=limits) as zf:
        names = {i.filename for i in zf.infolist()}
        qde = next((n for n in ("project.qde",) if n in names), None)
        if qde is None:
            candidates = [n for n in names if n.lower().endswith(".qde") and "/" not in n]
            if len(candidates) != 1:
                raise ExchangeError("the archive has no project.qde (is this a REFI-QDA project file?)", path=p)
            qde = candidates[0]
        budget = limits.max_total_bytes
        data = read_zip_member(zf, qde, path=p, budget=budget)
        root = parse_xml(data, path=f"{p}!{qde}", what="project.qde")
        ns = check_root(root, [(NS_PROJECT, "Project")], path=p, what="project.qde")
        return _read_project(root, ns, zf, names, p, offsets, budget - len(data))


def _read_project(root, ns, zf, names, p, offsets, budget):
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    report: dict[str, Any] = {"path": str(p), "origin": root.get("origin") or "", "namespace": ns,
                              "offsets": None, "offset_scores": {}, "offset_evidence": "",
                              "offsets_tied": [], "users": {},
                              "skipped_sources": [], "problems": [],
                              "segments": {"from_file": [], "detected": [], "changed_rows": []}}
    # users
    users: dict[str, str] = {}
    for u in root.iterfind(f"{q('Users')}/{q('User')}"):
        guid = (u.get("guid") or "").strip("{}").lower()
        if guid in users:
            report["problems"].append(f"two users have the guid {guid} ({report['users'][users[guid]]!r} and "
                                      f"{u.get('name') or u.get('id')!r}); the first is kept as the coder")
            continue
        users[guid] = u.get("id") or u.get("name") or f"user:{guid}"
        report["users"][users[guid]] = u.get("name") or users[guid]
    # codebook
    raw_codes = read_codes(root.find(f"{q('CodeBook')}/{q('Codes')}"), ns, path=p)
    raw_sets = read_sets(root.find(q("Sets")), ns)
    project_name = root.get("name") or p.stem
    codebook, code_ids = (None, {})
    if raw_codes:
        codebook, code_ids = build_codebook(raw_codes, raw_sets, fallback_id=slug(project_name),
                                             fallback_title=project_name, path=p)
    # variables
    variables: dict[str, tuple[str, str]] = {}
    for v in root.iterfind(f"{q('Variables')}/{q('Variable')}"):
        d = v.find(q("Description"))
        kind = v.get("typeOfVariable") or "Text"
        if d is not None and d.text and "list (JSON)" in d.text:
            kind = "List"
        variables[(v.get("guid") or "").strip("{}").lower()] = (v.get("name") or "variable", kind)

    def values_of(el) -> dict[str, Any]:
        out = {}
        for vv in el.findall(q("VariableValue")):
            ref = vv.find(q("VariableRef"))
            g = ((ref.get("targetGUID") if ref is not None else None) or "").strip("{}").lower()
            if g in variables:
                name, kind = variables[g]
                value = _parse_variable_value(vv, ns, kind, path=p, what=f"the value of variable {name!r}")
                if value is not None:
                    out[name] = value
        return out

    # notes
    notes: dict[str, str] = {}
    for n in root.iterfind(f"{q('Notes')}/{q('Note')}"):
        content = n.find(q("PlainTextContent"))
        text = content.text if content is not None and content.text else ""
        if not text and n.get("plainTextPath"):
            text, budget = _source_text(zf, names, n.get("plainTextPath"), p, budget, what="note")
        notes[(n.get("guid") or "").strip("{}").lower()] = text
    # cases (membership for sources without their own variables)
    case_of: dict[str, list[tuple[str, str, dict]]] = {}
    for c in root.iterfind(f"{q('Cases')}/{q('Case')}"):
        d = c.find(q("Description"))
        _, sections = parse_sections(d.text if d is not None else "")
        key = dict(sections).get("Metadata key", "").strip() or "case"
        cvals = values_of(c)
        for ref in c.findall(q("SourceRef")):
            case_of.setdefault((ref.get("targetGUID") or "").strip("{}").lower(), []).append(
                (key, c.get("name") or "", cvals))
    # sources
    sources_el = root.find(q("Sources"))
    docs: list[Document] = []
    pending: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    listed_segments: dict[str, str | None] = {}
    seen_sources: dict[str, str] = {}
    seen_selections: dict[str, str] = {}
    for src in (list(sources_el) if sources_el is not None else []):
        _, kind = split_tag(src.tag)
        if kind != "TextSource":
            report["skipped_sources"].append(f"{kind} {src.get('name') or src.get('guid')}")
            continue
        sguid = (src.get("guid") or "").strip("{}").lower()
        if sguid and sguid in seen_sources:
            report["problems"].append(f"two sources have the guid {sguid} ({seen_sources[sguid]!r} and "
                                      f"{src.get('name')!r}); cases and sets refer to the first")
        doc_id = src.get("name") or sguid or f"source{len(docs) + 1}"
        base, n = doc_id, 2
        while doc_id in used_ids:
            doc_id, n = f"{base} ({n})", n + 1
        used_ids.add(doc_id)
        if sguid:
            seen_sources.setdefault(sguid, doc_id)
        content = src.find(q("PlainTextContent"))
        if src.get("plainTextPath"):
            text, budget = _source_text(zf, names, src.get("plainTextPath"), p, budget, what=f"source {doc_id!r}")
        elif content is not None:
            text = content.text or ""
        else:
            raise ExchangeError(f"source {doc_id!r} has neither plainTextPath nor PlainTextContent", path=p)
        sdesc = src.find(q("Description"))
        listed_segments[doc_id] = dict(parse_sections(sdesc.text if sdesc is not None else "")[1]).get(
            SEGMENTS_HEADING)
        meta = values_of(src)
        for key, case_name, cvals in case_of.get(sguid, []):
            for k, v in cvals.items():
                meta.setdefault(k, v)
            if key not in meta:
                meta[key] = case_name
            elif meta[key] != case_name and str(meta[key]) != case_name and not (
                    isinstance(meta[key], list) and case_name in map(str, meta[key])):
                prev = meta[key] if isinstance(meta[key], list) else [meta[key]]
                meta[key] = [*prev, case_name]
        if not meta.get("language"):
            from ..transcripts import detect_language

            meta["language"] = detect_language(text)  # other tools record no language
        docs.append(Document(doc_id, text, meta))
        selections = [(sel, sel) for sel in src.findall(q("PlainTextSelection"))]
        whole = [(c, None) for c in src.findall(q("Coding"))]
        for sel, _ in selections:
            selguid = (sel.get("guid") or "").strip("{}").lower()
            if selguid in seen_selections:
                report["problems"].append(f"source {doc_id!r}: two selections have the guid {selguid} (the other in "
                                          f"{seen_selections[selguid]!r}); both are kept")
            seen_selections.setdefault(selguid, doc_id)
            pending.append({"doc": docs[-1], "sel": sel})
        for coding, _ in whole:
            pending.append({"doc": docs[-1], "sel": None, "coding": coding})
    # segments: as listed by hsqual, else detected as load_corpus does
    doc_segments: dict[str, list[Segment]] = {}
    for doc in docs:
        body = listed_segments.get(doc.doc_id)
        if body is not None:
            try:
                doc_segments[doc.doc_id] = _parse_segments(body, doc)
                report["segments"]["from_file"].append(doc.doc_id)
                continue
            except ValueError as exc:
                report["problems"].append(f"source {doc.doc_id!r}: its segment list does not fit its text ({exc}); "
                                          "segments detected again (speaker turns, else paragraphs)")
        doc_segments[doc.doc_id] = _detect_segments(doc)
        report["segments"]["detected"].append(doc.doc_id)
    from_file = set(report["segments"]["from_file"])
    finders = {doc_id: _SegmentFinder(segs) for doc_id, segs in doc_segments.items()}
    # offsets: converted one document at a time, so that only one document's maps are in memory
    sels = [x for x in pending if x["sel"] is not None]
    limits: dict[str, int] = {}
    for item in sels:
        doc = item["doc"]
        if doc.doc_id not in limits:
            limits[doc.doc_id] = len(doc.text.encode("utf-8", "surrogatepass"))
        limit = limits[doc.doc_id]
        item["raw"] = (read_position(item["sel"], "startPosition", len(doc.text), limit, doc.doc_id, p),
                       read_position(item["sel"], "endPosition", len(doc.text), limit, doc.doc_id, p))
    report["quoted_selections"] = sum(1 for item in sels if item["sel"].get("name"))
    if offsets == "auto":
        decision = detect_offsets(sels, origin=report["origin"])
        chosen = decision["offsets"]
        report.update({k: v for k, v in decision.items() if k != "converted"})
        converted = decision["converted"][chosen]
        if decision["offsets_tied"]:
            tied = decision["offsets_tied"]
            report["problems"].append(
                f"the offset convention cannot be told from this file: {', '.join(tied)} fit its selections "
                f"equally well ({decision['offset_evidence']}); {chosen} was used. Check a few quotes and give "
                f"--offsets ({' or '.join(tied)}) (offsets= in Python) to choose")
    else:
        chosen = offsets
        report["offset_evidence"] = "the offsets option"
        converted = convert_all(sels, chosen)
    report["offsets"] = chosen
    for item, pair in zip(sels, converted):
        item["cp"] = pair
    rows = []
    for item in pending:
        doc: Document = item["doc"]
        if item["sel"] is None:
            codings_el, start, end, sel_user, desc = [item["coding"]], 0, len(doc.text), None, ""
            quote_attr, note_refs = doc.text, []
        else:
            sel = item["sel"]
            codings_el = sel.findall(q("Coding"))
            sel_user = (sel.get("creatingUser") or "").strip("{}").lower()
            d = sel.find(q("Description"))
            desc = d.text if d is not None and d.text else ""
            quote_attr = sel.get("name")
            note_refs = [(r.get("targetGUID") or "").strip("{}").lower() for r in sel.findall(q("NoteRef"))]
            raw_s, raw_e = item["raw"]
            if item["cp"] is None:
                report["problems"].append(
                    f"source {doc.doc_id!r}: selection {raw_s}-{raw_e} ({quote_attr or ''!r:.40}) does not fall on "
                    f"character boundaries under the {chosen} convention; kept with the file's numbers")
                start, end = raw_s, raw_e
            else:
                start, end = item["cp"]
        _, sections = parse_sections(desc)
        sd = dict(sections)
        recorded = int(sd["Segment"].strip()) if sd.get("Segment", "").strip().isdigit() else None
        if recorded is not None and doc.doc_id in from_file:
            segment_id, changed = recorded, False
        else:
            found = finders[doc.doc_id].at(start)
            segment_id = found if found is not None else (recorded or 1)
            changed = recorded is not None and recorded != segment_id
        quote = doc.text[start:end] if 0 <= start <= end <= len(doc.text) else (quote_attr or "")
        memo = "\n\n".join(notes[g] for g in note_refs if g in notes)
        extra = {}
        for h, b in sections:
            if h.startswith("Column "):
                try:
                    extra[h[7:]] = loads_json(b, what=f"source {doc.doc_id!r}: the {h!r} of a selection", path=p)
                except json.JSONDecodeError:
                    extra[h[7:]] = b
        for c in codings_el:
            ref = c.find(q("CodeRef"))
            g = (ref.get("targetGUID") if ref is not None else "") or ""
            g = g.strip("{}").lower()
            code = code_ids.get(g)
            if code is None:
                report["problems"].append(f"source {doc.doc_id!r}: a coding refers to no code of the codebook "
                                          f"(guid {g or 'missing'}); kept with code {('refi:' + g)!r}")
                code = "refi:" + g
            ug = (c.get("creatingUser") or sel_user or "").strip("{}").lower()
            coder = users.get(ug) or (f"user:{ug}" if ug else "imported")
            cnotes = [notes[(r.get("targetGUID") or "").strip("{}").lower()] for r in c.findall(q("NoteRef"))
                      if (r.get("targetGUID") or "").strip("{}").lower() in notes]
            if changed:
                report["segments"]["changed_rows"].append(len(rows))
            rows.append({"doc_id": doc.doc_id, "segment_id": segment_id, "code": code, "start": start, "end": end,
                         "quote": quote, "coder": coder, "rule": sd.get("Rule", ""),
                         "memo": "\n\n".join([m for m in [memo, *cnotes] if m]), **extra})
    corpus = Corpus(docs, [s for d in docs for s in doc_segments[d.doc_id]])
    codings = codings_frame(rows) if rows else codings_frame()
    codings.attrs["refiqda"] = report
    if codebook is None:
        raise ExchangeError("the project holds no codebook (<CodeBook><Codes>)", path=p)
    return corpus, codings, codebook


def _source_text(zf, names, ref: str, p: Path, budget: int, *, what: str) -> tuple[str, int]:
    if not ref.startswith("internal://"):
        raise ExchangeError(f"{what} points at {ref!r}, outside the archive; hsqual reads only sources stored in "
                            "the project file (internal://...)", path=p)
    rel = ref[len("internal://"):]
    member = posixpath.join("sources", rel)
    if "/" in rel or "\\" in rel or rel in ("", ".", ".."):
        raise ExchangeError(f"{what} points at {ref!r}; expected a file name inside sources/", path=p)
    if member not in names:
        # tools case the folder differently (NVivo for Windows writes Sources/)
        found = sorted(n for n in names if n.lower() == member.lower())
        if not found:
            raise ExchangeError(f"{what}: its text file {member!r} is missing from the archive", path=p)
        exact = [n for n in found if n.split("/", 1)[1] == rel]
        if len(exact) > 1 or (not exact and len(found) > 1):
            raise ExchangeError(f"{what}: the archive holds several files that could be {member!r} "
                                f"({', '.join(found)})", path=p)
        member = (exact or found)[0]
    data = read_zip_member(zf, member, path=p, budget=budget)
    from ..textio import decode_bytes
    from ..errors import TranscriptError

    try:
        text = decode_bytes(data, path=f"{p}!{member}")
    except TranscriptError as exc:
        raise ExchangeError(exc.message, path=f"{p}!{member}") from None
    return text, budget - len(data)
