"""Reading the Japanese Diet record (国会会議録) as the search API returns it.

The National Diet Library's Diet record search API (国会会議録検索システム 検索用API) answers a
query in JSON, a page at a time: the ``speech`` endpoint (発言単位出力) returns
``{"numberOfRecords", "numberOfReturn", "startRecord", "nextRecordPosition", "speechRecord":
[...]}``, one item per speech with the meeting it belongs to (``issueID``, ``session``,
``nameOfHouse``, ``nameOfMeeting``, ``issue``, ``date``, ...) and its speaker (``speaker``,
``speakerYomi``, ``speakerGroup``, ``speakerPosition``, ``speakerRole``); the ``meeting``
endpoint (会議単位出力) returns ``{"meetingRecord": [{issueID, ..., "speechRecord": [...]}]}``.
Save each page as a ``.json`` file; :func:`read_diet` (and :func:`hsqual.load_corpus`, which
recognises such files by their content) reads a folder of them.

What hsqual builds
------------------
* **One document per meeting** (``issueID``), whatever page or file its speeches came in.
  Its text is the speeches in ``speechOrder``, separated by a blank line; its metadata are
  the meeting's: ``session``, ``nameOfHouse``, ``nameOfMeeting``, ``issue``, ``date``,
  ``year``, ``closing``, ``imageKind``, ``meetingURL``, ``pdfURL``, ``language`` (``"ja"``),
  ``source`` (``"kokkai"``), ``file`` (the files it was read from) and counts
  (``n_speeches``, ``marks_removed``, ``duplicate_speeches``).
* **One segment (a turn) per speech**, ``segment_id`` = ``speechOrder + 1`` (stable across
  queries: the speech endpoint returns only the speeches a query matched), ``speaker`` = the
  API's ``speaker``, and the speech's own metadata in ``Segment.meta``: ``speechID``,
  ``speechOrder``, ``speakerYomi``, ``speakerGroup`` (the party or parliamentary group),
  ``speakerPosition``, ``speakerRole``, ``speechURL``, ``startPage``, ``mark`` and
  ``is_header``. :meth:`~hsqual.corpus.Corpus.segments_frame` shows them as columns.
* **The speaker mark is removed**: a speech starts ``○岸田国務大臣　`` or
  ``○委員長（山田太郎君）　``; that mark (up to and including the space after it) is not part
  of the segment, so that rules do not fire on a speaker's title. Each segment's text is
  exactly its speech minus the mark, and its offsets index the document text. What was
  removed is kept in the segment's ``mark``; :func:`diet_changes` lists every removal as
  :func:`hsqual.clean.clean_text` lists its changes.
* **The meeting header is kept, marked**: speech 0 of a meeting is usually the record's
  front matter (date, members present, agenda: 出席者, 本日の会議に付した案件). Its speaker is
  ``"会議録情報"`` (as the API names it; when the API gives none, hsqual does) and
  ``is_header`` is true. Leave it out of coding with
  ``apply_codebook(..., exclude_speakers="会議録情報")``.

Several files of one query are read together: a meeting split across pages becomes one
document in ``speechOrder``; a speech that appears twice (overlapping pages, the same query
saved twice) is kept once and reported in a ``UserWarning`` (and the meeting's
``duplicate_speeches``), but the same ``speechID`` with a different text or order, or two
speeches with the same ``speechOrder``, is an error. Malformed input raises
:class:`~hsqual.errors.TranscriptError` naming the file and where in it: the line and column
for text that is not JSON, the record's JSON path (``$.speechRecord[3].speechOrder``)
otherwise.

Example
-------
>>> import json, tempfile, pathlib
>>> page = {"numberOfRecords": 2, "numberOfReturn": 2, "startRecord": 1, "speechRecord": [
...     {"speechID": "100_001", "issueID": "100", "session": 211, "nameOfHouse": "衆議院",
...      "nameOfMeeting": "外務委員会", "issue": "第3号", "date": "2023-03-08", "speechOrder": 1,
...      "speaker": "山田太郎", "speakerGroup": "みらい党", "speakerPosition": None,
...      "speakerRole": None, "speech": "○山田委員　人間の安全保障について伺います。"},
...     {"speechID": "100_002", "issueID": "100", "session": 211, "nameOfHouse": "衆議院",
...      "nameOfMeeting": "外務委員会", "issue": "第3号", "date": "2023-03-08", "speechOrder": 2,
...      "speaker": "佐藤花子", "speakerGroup": "みらい党", "speakerPosition": "外務大臣",
...      "speakerRole": None, "speech": "○佐藤国務大臣　お答えいたします。"}]}
>>> path = pathlib.Path(tempfile.mkdtemp()) / "page1.json"
>>> _ = path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
>>> corpus = read_diet(path)
>>> corpus.doc("100").text
'人間の安全保障について伺います。\\n\\nお答えいたします。'
>>> corpus.segments_frame()[["segment_id", "speaker", "speakerGroup", "start", "end", "text"]]
   segment_id speaker speakerGroup  start  end              text
0           2    山田太郎         みらい党      0   16  人間の安全保障について伺います。
1           3    佐藤花子         みらい党     18   27         お答えいたします。
>>> diet_changes(corpus)[["segment_id", "speechID", "before", "after"]]
   segment_id speechID   before after
0           2  100_001   ○山田委員　
1           3  100_002  ○佐藤国務大臣　
"""

from __future__ import annotations

import json
import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .corpus import Corpus, Document, Segment
from .errors import ArgumentError, TranscriptError
from .textio import read_head, read_text
from .params import validate_params

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HEADER_SPEAKER", "read_diet", "diet_changes", "strip_mark", "is_diet_record", "looks_like_diet",
           "diet_issue_ids"]

#: The speaker of a meeting's front matter (speech 0), as the API names it.
HEADER_SPEAKER = "会議録情報"
#: Meeting-level fields of a record, kept as document metadata (and checked to agree).
MEETING_FIELDS = ("session", "nameOfHouse", "nameOfMeeting", "issue", "date", "closing", "imageKind",
                  "meetingURL", "pdfURL")
_AGREE = ("session", "nameOfHouse", "nameOfMeeting", "issue", "date")
#: Speech-level fields kept in each segment's metadata.
SPEECH_FIELDS = ("speechID", "speechOrder", "speakerYomi", "speakerGroup", "speakerPosition", "speakerRole",
                 "speechURL", "startPage")
#: ``○`` + the speaker's name or title (no spaces in it), then the full-width (or plain)
#: space or line break that ends the mark.
_MARK = re.compile(r"○[^\s　]{1,80}(?:[ 　]+|\r?\n)")
_SEPARATOR = "\n\n"


def is_diet_record(data: Any) -> bool:
    """Whether parsed JSON has the shape of a Diet record API answer.

    Example
    -------
    >>> is_diet_record({"speechRecord": []}), is_diet_record({"meetingRecord": []}), is_diet_record([1])
    (True, True, False)
    """
    return isinstance(data, dict) and ("speechRecord" in data or "meetingRecord" in data)


def looks_like_diet(path: str | os.PathLike) -> bool:
    """Whether a file's first 64 KB name ``speechRecord`` or ``meetingRecord`` as a JSON key.

    How :func:`hsqual.load_corpus` tells a saved API page from other ``.json`` files in a
    folder without parsing it; :func:`read_diet` then checks the whole file.

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "page.json").write_text('{"numberOfRecords": 1, "speechRecord": []}')
    >>> _ = (folder / "settings.json").write_text('{"theme": "dark"}')
    >>> looks_like_diet(folder / "page.json"), looks_like_diet(folder / "settings.json")
    (True, False)
    """
    head = read_head(path, size=65536)
    return any(key in head for key in (b'"speechRecord"', b'"meetingRecord"'))


def _load(path: Path) -> Any:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"not valid JSON: {exc.msg}; expected a page of the Diet record search API "
                              "(a JSON object with speechRecord or meetingRecord)",
                              path=path, line=exc.lineno, column=exc.colno) from None


def _records(data: Any, path: Path) -> list[tuple[dict, dict, str]]:
    """``(meeting fields, speech fields, JSON path of the speech)`` for every speech of a page."""
    if not isinstance(data, dict):
        raise TranscriptError(f"JSON of another shape: the top level is a {type(data).__name__}; expected an "
                              "object with speechRecord (speech endpoint) or meetingRecord (meeting endpoint)",
                              path=path)
    if not is_diet_record(data):
        if "message" in data:
            details = data.get("details")
            more = f" ({'; '.join(map(str, details))})" if isinstance(details, list) and details else ""
            raise TranscriptError(f"the file holds the API's error answer, not records: {data['message']}{more}",
                                  path=path)
        if data.get("numberOfRecords") == 0:
            return []  # a query that matched nothing
        keys = ", ".join(sorted(map(str, data))) or "none"
        raise TranscriptError(f"JSON of another shape: expected an object with speechRecord (speech endpoint) "
                              f"or meetingRecord (meeting endpoint); its keys are: {keys}", path=path)
    out: list[tuple[dict, dict, str]] = []
    if "speechRecord" in data:
        items = _list(data["speechRecord"], "$.speechRecord", path)
        for i, rec in enumerate(items):
            where = f"$.speechRecord[{i}]"
            rec = _object(rec, where, path)
            out.append((rec, rec, where))
    if "meetingRecord" in data:
        meetings = _list(data["meetingRecord"], "$.meetingRecord", path)
        for i, meeting in enumerate(meetings):
            mwhere = f"$.meetingRecord[{i}]"
            meeting = _object(meeting, mwhere, path)
            speeches = _list(meeting.get("speechRecord"), f"{mwhere}.speechRecord", path)
            for j, rec in enumerate(speeches):
                where = f"{mwhere}.speechRecord[{j}]"
                rec = _object(rec, where, path)
                merged = {**meeting, **rec}
                if "issueID" not in rec and "issueID" in meeting:
                    merged["issueID"] = meeting["issueID"]
                out.append((meeting, merged, where))
    return out


def _list(value, where: str, path: Path) -> list:
    if not isinstance(value, list):
        raise TranscriptError(f"{where}: expected a list of records, not {type(value).__name__}", path=path)
    return value


def _object(value, where: str, path: Path) -> dict:
    if not isinstance(value, dict):
        raise TranscriptError(f"{where}: expected a record (a JSON object), not {type(value).__name__}", path=path)
    return value


def _order(value, where: str, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TranscriptError(f"{where}.speechOrder: expected a whole number, not {value!r}", path=path)
    if isinstance(value, str):
        if not value.strip().isdigit():
            raise TranscriptError(f"{where}.speechOrder: expected a whole number, not {value!r}", path=path)
        value = int(value)
    if value < 0:
        raise TranscriptError(f"{where}.speechOrder: expected 0 or more, not {value}", path=path)
    return value


def _text(rec: dict, key: str, where: str, path: Path, *, required: bool = True) -> str | None:
    value = rec.get(key)
    if value is None and not required:
        return None
    if key not in rec:
        raise TranscriptError(f"{where}: the record has no {key!r}; expected the fields of the Diet record API "
                              f"(speechID, issueID, speechOrder, speaker, speech, ...)", path=path)
    if not isinstance(value, str) or (key == "issueID" and not value.strip()):
        raise TranscriptError(f"{where}.{key}: expected text, not {value!r}", path=path)
    return value


def strip_mark(speech: str) -> tuple[str, str]:
    """``(mark, rest)``: a speech's leading ``○Name　`` speaker mark and the speech after it.

    ``mark`` is ``""`` when the speech has none (a meeting header, a record without marks).

    Example
    -------
    >>> strip_mark("○委員長（山田太郎君）　これより会議を開きます。")
    ('○委員長（山田太郎君）\\u3000', 'これより会議を開きます。')
    >>> strip_mark("令和五年三月八日（水曜日）")
    ('', '令和五年三月八日（水曜日）')
    """
    m = _MARK.match(speech)
    if m is None:
        return "", speech
    return m.group(0), speech[m.end():]


def _paths(path_or_paths) -> list[Path]:
    if isinstance(path_or_paths, (str, os.PathLike)):
        items = [path_or_paths]
    else:
        try:
            items = list(path_or_paths)
        except TypeError:
            raise ArgumentError(f"read_diet: expected a path or a list of paths, not {type(path_or_paths).__name__}") \
                from None
    out: list[Path] = []
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            raise ArgumentError(f"read_diet: expected paths, got {type(item).__name__}")
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lower() == ".json" and not f.name.startswith("."))
            if not found:
                raise TranscriptError("no .json files in this folder", path=p)
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise TranscriptError("no such file or folder", path=p)
    if not out:
        raise TranscriptError("read_diet: no paths given")
    return out


def diet_issue_ids(path: str | os.PathLike) -> list[str]:
    """The meetings (``issueID``) one saved API page holds, in the order they appear.

    Used to keep a meeting split across pages together when an archive is coded in chunks
    (:func:`hsqual.code_archive`).

    Example
    -------
    >>> import json, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "p.json"
    >>> _ = p.write_text(json.dumps({"meetingRecord": [{"issueID": "A", "speechRecord": []},
    ...                                                 {"issueID": "B", "speechRecord": []}]}))
    >>> diet_issue_ids(p)
    ['A', 'B']
    """
    p = Path(path)
    data = _load(p)
    if isinstance(data, dict) and "meetingRecord" in data:
        meetings = _list(data["meetingRecord"], "$.meetingRecord", p)
        ids = [_object(m, f"$.meetingRecord[{i}]", p).get("issueID") for i, m in enumerate(meetings)]
        return list(dict.fromkeys(str(i) for i in ids if i is not None))
    return list(dict.fromkeys(str(rec.get("issueID")) for _, rec, _ in _records(data, p) if rec.get("issueID")))


@validate_params()
def read_diet(path_or_paths: str | os.PathLike | Iterable[str | os.PathLike], *,
              language: str | None = None) -> Corpus:
    """Read saved pages of the Diet record search API into a corpus: one document per meeting.

    Parameters
    ----------
    path_or_paths : path or list of paths
        ``.json`` files saved from the ``speech`` or ``meeting`` endpoint (``recordPacking=json``),
        or folders of them (every ``*.json`` in the folder, sorted by name). All are read
        together, so that a meeting whose speeches came in several pages becomes one document.
    language : {"en", "ja"}, optional
        The documents' language (default ``"ja"``).

    Returns
    -------
    Corpus
        Documents in the order their meetings first appear in the files; one ``turn``
        segment per speech (see the module documentation for the columns).

    Raises
    ------
    TranscriptError
        A file that is not JSON (with the line and column), JSON of another shape, the API's
        error answer, a record without ``issueID`` or ``speech``, a ``speechOrder`` that is not
        a whole number, two records of one meeting that disagree on its session, house,
        meeting name, issue or date, one ``speechID`` with two texts, or two speeches with one
        ``speechOrder`` (each naming the file and the JSON path).

    Warns
    -----
    UserWarning
        When the same speech (same ``speechID``, text and order) appears more than once; it is
        kept once.

    Example
    -------
    Two pages of one query, the second saved from a record the first already held:

    >>> import warnings
    >>> from pathlib import Path
    >>> import hsqual
    >>> folder = Path(hsqual.__file__).parents[1] / "tests" / "data" / "diet"
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     corpus = read_diet([folder / "speech_page1.json", folder / "speech_page2.json"])
    >>> print(caught[0].message)
    1 speech(es) appear more than once in the files read and are kept once: 121304024X00320230308_003 (speech_page1.json $.speechRecord[2]; again in speech_page2.json $.speechRecord[0])
    >>> corpus.documents_frame()[["doc_id", "date", "n_speeches", "duplicate_speeches"]]
                      doc_id        date  n_speeches  duplicate_speeches
    0  121304024X00320230308  2023-03-08           4                   1
    1  121315261X00220230315  2023-03-15           3                   0
    >>> [(s.segment_id, s.speaker) for s in corpus.segments_of("121304024X00320230308")]
    [(1, '会議録情報'), (2, '中村誠'), (4, '山田太郎'), (5, '佐藤花子')]
    """
    if language is not None and language not in ("en", "ja"):
        raise ArgumentError(f"read_diet: language must be 'en', 'ja' or None, not {language!r}")
    meetings: dict[str, dict[str, Any]] = {}
    for path in _paths(path_or_paths):
        for meeting, rec, where in _records(_load(path), path):
            issue_id = str(_text(rec, "issueID", where, path))  # required: never None
            speech = _text(rec, "speech", where, path)
            order = _order(rec.get("speechOrder"), where, path) if "speechOrder" in rec else None
            if order is None:
                raise TranscriptError(f"{where}: the record has no 'speechOrder'; expected the fields of the Diet "
                                      "record API (speechID, issueID, speechOrder, speaker, speech, ...)", path=path)
            speaker = _text(rec, "speaker", where, path, required=False)
            speech_id = rec.get("speechID")
            if speech_id is None:
                speech_id = f"{issue_id}_{order:03d}"
            elif not isinstance(speech_id, str) or not speech_id.strip():
                raise TranscriptError(f"{where}.speechID: expected text, not {speech_id!r}", path=path)
            m = meetings.get(issue_id)
            if m is None:
                m = meetings[issue_id] = {"meta": {k: rec.get(k, meeting.get(k)) for k in MEETING_FIELDS},
                                          "where": (path, where), "files": [], "speeches": {}, "orders": {},
                                          "duplicates": 0}
            else:
                for k in _AGREE:
                    if k in rec and rec[k] != m["meta"].get(k):
                        p0, w0 = m["where"]
                        raise TranscriptError(
                            f"{where}.{k}: meeting {issue_id} has {k} {rec[k]!r} here but {m['meta'].get(k)!r} in "
                            f"{p0} at {w0}; records of one meeting must agree", path=path)
            if path.name not in m["files"]:
                m["files"].append(path.name)
            seen = m["speeches"].get(speech_id)
            if seen is not None:
                if seen["speech"] != speech or seen["order"] != order:
                    raise TranscriptError(
                        f"{where}: speech {speech_id} appears in {seen['path']} at {seen['where']} with another "
                        f"{'text' if seen['speech'] != speech else 'speechOrder'}; one speechID must hold one speech",
                        path=path)
                m["duplicates"] += 1
                seen["also"].append(f"{path.name} {where}")
                continue
            other = m["orders"].get(order)
            if other is not None:
                raise TranscriptError(
                    f"{where}: speeches {other['id']} and {speech_id} of meeting {issue_id} both have speechOrder "
                    f"{order} (the other in {other['path']} at {other['where']})", path=path)
            entry: dict[str, Any] = {"id": speech_id, "order": order, "speech": speech, "speaker": speaker, "path": path,
                     "where": where, "also": [],
                     "meta": {k: rec.get(k) for k in SPEECH_FIELDS}}
            entry["meta"]["speechID"] = speech_id
            entry["meta"]["speechOrder"] = order
            for k in ("createTime", "updateTime"):
                if k in rec:
                    entry["meta"][k] = rec[k]
            m["speeches"][speech_id] = entry
            m["orders"][order] = {"id": speech_id, "path": path, "where": where}
    if not meetings:
        raise TranscriptError("the files hold no speeches (the query matched nothing)",
                              path=", ".join(str(p) for p in _paths(path_or_paths)))
    documents: list[Document] = []
    segments: list[Segment] = []
    dupes: list[str] = []
    for issue_id, m in meetings.items():
        pieces: list[str] = []
        pos = 0
        marks = 0
        for entry in sorted(m["speeches"].values(), key=lambda e: e["order"]):
            mark, rest = strip_mark(entry["speech"])
            marks += bool(mark)
            header = entry["order"] == 0 and not mark
            speaker = entry["speaker"] if entry["speaker"] else (HEADER_SPEAKER if header else None)
            meta = {**entry["meta"], "mark": mark, "is_header": header or speaker == HEADER_SPEAKER}
            if pieces:
                pos += len(_SEPARATOR)
            segments.append(Segment(issue_id, entry["order"] + 1, pos, pos + len(rest), rest, speaker, "turn", meta))
            pieces.append(rest)
            pos += len(rest)
            if entry["also"]:
                dupes.append(f"{entry['id']} ({entry['path'].name} {entry['where']}; again in "
                             f"{', '.join(entry['also'])})")
        meta = {k: v for k, v in m["meta"].items()}
        date = meta.get("date")
        meta["year"] = int(date[:4]) if isinstance(date, str) and date[:4].isdigit() else None
        meta.update({"language": language or "ja", "source": "kokkai", "file": ", ".join(m["files"]),
                     "n_speeches": len(m["speeches"]), "marks_removed": marks, "duplicate_speeches": m["duplicates"]})
        documents.append(Document(issue_id, _SEPARATOR.join(pieces), meta))
    if dupes:
        shown = "; ".join(dupes[:10]) + (f"; and {len(dupes) - 10} more" if len(dupes) > 10 else "")
        warnings.warn(f"{len(dupes)} speech(es) appear more than once in the files read and are kept once: {shown}",
                      UserWarning, stacklevel=2)
    return Corpus(documents, segments)


@validate_params()
def diet_changes(corpus: Corpus) -> pd.DataFrame:
    """The speaker marks removed from a Diet corpus, one row per speech that had one.

    Columns: ``doc_id``, ``segment_id``, ``speechID``, ``step`` (``"speaker_mark"``),
    ``start``, ``end`` (the mark's offsets in the speech as the API gave it: it always starts
    it), ``before`` (the mark), ``after`` (``""``), and ``offset``: where the speech's text
    begins in the document, so that ``document offset - offset + (end - start)`` is the
    position in the API's speech text.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> c = Corpus([Document("m1", "お答えします。")],
    ...            [Segment("m1", 2, 0, 7, "お答えします。", "佐藤花子", "turn",
    ...                     {"speechID": "m1_001", "mark": "○佐藤国務大臣　"})])
    >>> diet_changes(c)[["speechID", "start", "end", "before"]]
      speechID  start  end   before
    0   m1_001      0    8  ○佐藤国務大臣　
    """
    import pandas as pd

    rows = [{"doc_id": s.doc_id, "segment_id": s.segment_id, "speechID": s.meta.get("speechID"),
             "step": "speaker_mark", "start": 0, "end": len(s.meta["mark"]), "before": s.meta["mark"], "after": "",
             "offset": s.start}
            for s in corpus.segments if s.meta.get("mark")]
    return pd.DataFrame(rows, columns=["doc_id", "segment_id", "speechID", "step", "start", "end", "before", "after",
                                       "offset"])
