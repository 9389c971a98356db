"""The review loop: a person reads the units most likely to carry a code, the machine learns.

A :class:`ReviewSession` ranks the units of a corpus for the codes of a codebook (through
:func:`hsqual.rank_units`), hands out the next few with their neighbouring units and the
evidence behind the rank, and takes a verdict on each: *accept* (the unit carries the code),
*reject* (it does not) or *skip* (decide later). Accepted and rejected units go back to
:func:`hsqual.rank_units` as ``decisions``, which refits and re-ranks, so the next units
reflect every decision made so far. The session counts what was found, estimates what is
left and says when reading on is unlikely to find more.

Every verdict is appended to the **review log** (JSON Lines, one decision a line, flushed
and synced to disk before :meth:`ReviewSession.decide` returns), so a crash or a closed
kernel loses nothing; a session opened on the same log resumes where the last one stopped.
A line records the reviewer, the time (UTC), the unit's document, segment and offsets, the
code, the verdict, the unit's text (``quote``, so a unit whose transcript changed since is
detected) and the rank's score and probability when the unit was shown. Two sessions open on the
same log (a second notebook, the command beside the widget) see each other's verdicts: a
decision is written under an exclusive lock on the log after reading what the other session
wrote, so a unit never gets both verdicts and is not offered again once decided.

A verdict given by mistake is taken back with :meth:`ReviewSession.undo`: it appends a line
whose ``verdict`` is ``"undo"`` (:data:`LOG_VERDICTS`), which withdraws the verdict (accept,
reject or skip) standing on that unit and code; the unit is open again and may get either
verdict. The log keeps both lines, so the review's history stays in the file. Read in file
order, a log is refused at a line that accepts a unit for a code another line rejected with no
undo between them, and at an undo where no verdict stands.

Accepted units become human codings (``coder`` = the reviewer's name) with
:meth:`ReviewSession.codings`; nobody's rows are changed or removed.

How many are left
-----------------
For a code, the estimate of the units still to find is the sum, over the units not yet
accepted or rejected, of the model's probabilities after Platt's correction
(:func:`calibrate`): ``sigmoid(b + a * logit(p))`` with ``b`` and ``a >= 0`` fitted to the
verdicts so far against the probabilities the units had when they were shown (units decided
before there was a model do not count). The correction is needed because the model is
strongly regularised and weighs its classes evenly: its probabilities keep the order of the
units but crowd around one half (a single scaling factor, used before, still left 30-50 units
estimated at the end of reviews that had found everything).
:func:`hsqual.rank_units` fits a model for a code once it has an accepted and a rejected unit;
before that there is no estimate (NaN).

Read it as a rough signal, not a count: it is fitted on the top of the ranking, where the
code is common, and applied to the rest, below every probability it was fitted on. Replayed
reviews of ``freedoms.fear``, ``.want`` and ``.dignity`` (``bench/review_stopping.py``) show
it off by an order of magnitude either way: early on it runs high (120-240 estimated where
4-14 were left, ``dev``); at the stop it said 2.2, 4.2 and 0.2 where 0, 1 and 4 were left
(``dev``), 0.5, 0.6 and 4.1 where 2, 0 and 0 were (``test``), 0.7, 0.6 and 1.9 where 4, 1 and 2
were (``heldout``), 1.1, 1.9 and 2.4 where 0, 2 and 1 were (``heldout2``), 8.3, 4.1 and 6.1
where 0, 1 and 3 were (``heldout3``), and 2.5, 0.6 and 10.0 where 1, 0 and 5 were
(``heldout4``).

When to stop
------------
:meth:`ReviewSession.stop_advice` suggests stopping a code when any of these holds (both
numbers are options of the session):

* the last ``stop_after_rejections`` verdicts on the code were rejections (skips do not
  count either way), the rule continuous active learning and ASReview users apply. The
  default, 40, was chosen on the gold standard's ``dev`` documents (382 sentences, reviews of
  ``freedoms.fear``, ``.want`` and ``.dignity`` replayed with ``bench/review_stopping.py``)
  with the rules of the time: after 20 the review of ``freedoms.dignity`` stopped having found
  5 of its 12 sentences. With the rules and the ranking as they are now, 40 stopped the
  review of ``freedoms.dignity`` on ``dev`` with 4 of its 12 sentences unread, of
  ``freedoms.fear`` on ``heldout`` with 4 of 12, and of ``.dignity`` on ``heldout4`` with 5 of
  37 (and found every sentence, or all but one to three, in the other reviews of these three
  codes on ``dev``, ``test`` and the four held-out parts): 40 rejections in a row can come
  before a code's last sentence;
* ``stop_below`` is set above 0 (it is 0, off, by default), at least ``min_decisions`` units
  were decided and the estimate of what is left fell below ``stop_below`` units. Off by
  default because the estimate can fall far below the truth (see "How many are left");
* no unit is left to read for the code.

It is a suggestion: the reviewer decides.

Example
-------
>>> import tempfile, pathlib
>>> from hsqual.codebook import Code, Codebook
>>> from hsqual.corpus import Corpus, Document
>>> corpus = Corpus([Document("d1", "People fear violence. Markets opened. Landmines kill.")])
>>> codebook = Codebook("demo", [Code(id="fear", label={"en": "Fear"}, rules={"en": ("fear", "landmine*")})])
>>> log = pathlib.Path(tempfile.mkdtemp()) / "review.jsonl"
>>> session = ReviewSession(corpus, codebook, log=log, reviewer="tanaka", embedder="tfidf", batch_size=2)
>>> first = session.next_units()
>>> [item.quote for item in first]
['People fear violence.', 'Landmines kill.']
>>> _ = session.accept(first[0]); _ = session.reject(first[1])
>>> session.found()
1
>>> ReviewSession(corpus, codebook, log=log, reviewer="tanaka", embedder="tfidf").found()   # resumed from the log
1
>>> session.codings()[["doc_id", "code", "quote", "coder"]].values.tolist()
[['d1', 'fear', 'People fear violence.', 'tanaka']]

The rejection was a misclick: withdrawn, the unit is open again, and accepted.

>>> session.undo()["withdrawn"]["quote"]
'Landmines kill.'
>>> _ = session.accept(session.next_units(1)[0]); session.found()
2
>>> session.log["verdict"].tolist()          # the whole history stays in the log
['accept', 'reject', 'undo', 'accept']
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import warnings
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .codebook import Codebook
from .codings import codings_frame, is_machine_coder, read_codings
from .corpus import Corpus
from .errors import ArgumentError, CodingsFileConflict, ReviewError
from .params import validate_params

__all__ = [
    "VERDICTS",
    "VERDICT_NOUNS",
    "LOG_VERDICTS",
    "LOG_FIELDS",
    "ReviewLogWarning",
    "ReviewItem",
    "StopAdvice",
    "ReviewSession",
    "read_review_log",
    "calibrate",
]

VERDICTS = ("accept", "reject", "skip")
#: each verdict as a noun, for saying what an undo withdrew ("withdrew the rejection of ...")
VERDICT_NOUNS = {"accept": "acceptance", "reject": "rejection", "skip": "skip"}
#: what the ``verdict`` of a log line may hold: a verdict, or ``"undo"``, which withdraws the verdict
#: standing on the line's unit and code (see :meth:`ReviewSession.undo`)
LOG_VERDICTS = (*VERDICTS, "undo")
#: the keys of one review log line, in the order they are written
LOG_FIELDS = ("time", "reviewer", "doc_id", "segment_id", "start", "end", "unit", "code", "verdict", "quote",
              "score", "probability")
#: the units a review reads, as :func:`hsqual.rank_units` ranks them ("window": sentences ranked with
#: their neighbours)
_UNITS = ("sentence", "window", "segment")
_LOG_COLUMNS = ["line", *LOG_FIELDS]
#: columns of a rank table that are not evidence
_RANK_BASE = ("doc_id", "segment_id", "start", "end", "quote", "code", "score")
#: the rank table's column holding the model's probability that a unit carries the code
PROBABILITY = "probability"
#: rank table columns that are neither the unit nor evidence to show
_NOT_EVIDENCE = (PROBABILITY, "verdict", "language", "decision")
#: rank table columns whose text names words of the unit to highlight
_EVIDENCE_WORDS = ("words", "match_text", "rule_words", "evidence_words")
#: rank table columns holding document offsets of evidence as ``"a-b;c-d"``
_EVIDENCE_SPANS = ("match_spans", "evidence_spans")


class ReviewLogWarning(UserWarning):
    """A line of a review log could not be read (cut short or garbled); it was left as it is.

    Example
    -------
    >>> issubclass(ReviewLogWarning, UserWarning)
    True
    """


# -- units -------------------------------------------------------------------------------------

def _unit_table(corpus: Corpus, unit: str) -> pd.DataFrame:
    """Every unit of the corpus: ``doc_id, segment_id, start, end``, in corpus order."""
    if unit in ("sentence", "window"):
        from .incidence import sentence_spans

        return sentence_spans(corpus)
    from .segment import units_of_segment

    rows: list[tuple[str, int, int, int]] = []
    for s in corpus.segments:
        language = corpus.doc(s.doc_id).language
        rows.extend((s.doc_id, s.segment_id, a, b) for a, b in units_of_segment(s, "segment", language=language))
    return pd.DataFrame(rows, columns=["doc_id", "segment_id", "start", "end"]).astype(
        {"segment_id": "int64", "start": "int64", "end": "int64"})


# -- the log -----------------------------------------------------------------------------------

def _check_record(obj, line: int, path) -> dict:
    """One parsed log line checked for shape; returns it with every field present."""
    if not isinstance(obj, dict):
        raise ReviewError(f"expected a JSON object with keys {', '.join(LOG_FIELDS)}, found {type(obj).__name__}",
                          path=path, line=line)
    missing = [k for k in ("reviewer", "doc_id", "start", "end", "code", "verdict", "quote") if k not in obj]
    if missing:
        raise ReviewError(f"missing key(s) {', '.join(missing)}; a decision records {', '.join(LOG_FIELDS)}",
                          path=path, line=line)
    for k in ("reviewer", "doc_id", "code", "quote"):
        if not isinstance(obj[k], str) or (k != "quote" and not obj[k].strip()):
            raise ReviewError(f"{k!r} must be a non-empty string, found {obj[k]!r}", path=path, line=line)
    for k in ("start", "end", "segment_id"):
        v = obj.get(k)
        if k == "segment_id" and v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ReviewError(f"{k!r} must be a whole number of at least 0, found {v!r}", path=path, line=line)
    if obj["end"] < obj["start"]:
        raise ReviewError(f"'end' {obj['end']} lies before 'start' {obj['start']}", path=path, line=line)
    if obj.get("unit") is not None and obj["unit"] not in _UNITS:
        raise ReviewError(f"'unit' must be one of {', '.join(_UNITS)} or null, found {obj['unit']!r}",
                          path=path, line=line)
    if obj.get("time") is not None and not isinstance(obj["time"], str):
        raise ReviewError(f"'time' must be an ISO 8601 string or null, found {obj['time']!r}", path=path, line=line)
    if obj["verdict"] not in LOG_VERDICTS:
        raise ReviewError(f"'verdict' must be one of {', '.join(LOG_VERDICTS)}, found {obj['verdict']!r}",
                          path=path, line=line)
    for k in ("score", "probability"):
        v = obj.get(k)
        if v is not None and (isinstance(v, bool) or not isinstance(v, Real)):
            raise ReviewError(f"{k!r} must be a number or null, found {v!r}", path=path, line=line)
    p = obj.get("probability")
    if p is not None and not math.isnan(p) and not 0 <= p <= 1:
        # the estimate of what is left calibrates on these: one out of range would stop it, unnamed
        raise ReviewError(f"'probability' must be a number from 0 to 1 or null, found {p!r}", path=path, line=line)
    return {k: obj.get(k) for k in LOG_FIELDS}


class _Standing:
    """What stands on each (unit, code) after the log lines read so far, in file order.

    An accept or reject stands from its first line until an undo withdraws it (the same verdict
    given again adds nothing); a skip stands while no accept or reject does, and its latest line
    is the one that stands; an undo withdraws whichever stands, leaving the unit open.
    """

    def __init__(self) -> None:
        #: (doc_id, start, end, code) -> (accept/reject, line)
        self.verdict: dict[tuple, tuple[str, int]] = {}
        #: (doc_id, start, end, code) -> line of the skip standing on it
        self.skipped: dict[tuple, int] = {}
        #: (doc_id, start, end, code) -> line of its latest undo
        self.undone: dict[tuple, int] = {}
        #: accepts and rejects that came to stand, and that an undo withdrew, so far
        self.added = 0
        self.withdrawn = 0

    def line_of(self, key: tuple) -> int | None:
        """The line of the verdict (or skip) standing on a unit and code; None when it is open."""
        if key in self.verdict:
            return self.verdict[key][1]
        return self.skipped.get(key)

    def note(self, key: tuple, verdict: str, line: int) -> str | None:
        """Take one line into account; returns why it cannot stand (a contradiction, an undo of nothing)."""
        if verdict == "undo":
            if key in self.verdict:
                del self.verdict[key]
                self.withdrawn += 1
            elif key in self.skipped:
                del self.skipped[key]
            else:
                # in a log: a line to remove by hand (the verdict it withdrew was removed, say)
                return (_nothing_to_undo(key, self.undone.get(key))
                        + " (remove this line by hand, or put the verdict it withdraws back above it)")
            self.undone[key] = line
            return None
        if verdict == "skip":
            if key not in self.verdict:
                self.skipped[key] = line
            return None
        seen = self.verdict.get(key)
        if seen is not None:
            if seen[0] == verdict:
                return None
            return (f"{key[0]} {key[1]}-{key[2]} is {verdict}ed for {key[3]!r} here but was {seen[0]}ed "
                    f"on line {seen[1]}; a unit is either accepted or rejected for a code until an undo "
                    "withdraws the verdict (remove the wrong line by hand, or put an undo line for the unit "
                    "and code between them)")
        self.skipped.pop(key, None)
        self.verdict[key] = (verdict, line)
        self.added += 1
        return None


def _nothing_to_undo(key: tuple, undone_on: int | None) -> str:
    why = (f"its last verdict was withdrawn already, on line {undone_on}" if undone_on is not None
           else "no accept, reject or skip on it comes before")
    return (f"nothing to undo: {key[0]} {key[1]}-{key[2]} has no verdict standing for {key[3]!r} ({why}); "
            "an undo withdraws the verdict standing on its unit and code")


@validate_params(choices={"unit": _UNITS})
def read_review_log(
    path: str | os.PathLike,
    *,
    corpus: Corpus | None = None,
    codebook: Codebook | None = None,
    unit: str | None = None,
) -> pd.DataFrame:
    """Read a review log (JSON Lines), checking every decision it records.

    The lines are read in file order. A line whose ``verdict`` is ``"undo"`` withdraws the
    verdict (accept, reject or skip) standing on its unit and code, so a later line may give the
    unit another verdict; every line stays in the table.

    A line that is not JSON (cut short by a crash, or garbled) is reported with a
    :class:`ReviewLogWarning` naming the file and line, and left out of the table; the file is
    never changed, so nothing in it is lost. A line that is JSON but not a decision (a missing
    key, a wrong type, a verdict not in :data:`LOG_VERDICTS`), a decision on a document, unit or
    code the corpus and codebook do not have, a unit whose text is no longer the ``quote``
    logged with it (the transcript changed since), a unit and code accepted and rejected with
    no undo between, or an undo where no verdict stands on its unit and code, is a
    :class:`~hsqual.errors.ReviewError` naming the line.

    Parameters
    ----------
    path : str or PathLike
        The log; a missing file reads as an empty log.
    corpus : Corpus, optional
        Check that each decision's document exists and its offsets slice out its ``quote``.
    codebook : Codebook, optional
        Check that each decision's code is in the codebook.
    unit : {"sentence", "window", "segment"}, optional
        With ``corpus``: check that each decision's span is a unit of this kind, and that the
        line's ``unit`` (when given) is this one.

    Returns
    -------
    DataFrame
        One row per line read (verdicts and undos), in file order: ``line`` (1-based line
        number), then :data:`LOG_FIELDS`. ``attrs["unreadable"]`` lists ``(line, message)`` for
        the lines left out.

    Example
    -------
    >>> import tempfile, pathlib, warnings
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "review.jsonl"
    >>> good = ('{"reviewer": "tanaka", "doc_id": "d1", "start": 0, "end": 5, "code": "fear", '
    ...         '"verdict": "accept", "quote": "Fear."}')
    >>> _ = p.write_text(good + "\\n" + "@@garbage\\n" + good[:40])      # a garbled line, a line cut short
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     log = read_review_log(p)
    >>> log[["line", "verdict", "quote"]].values.tolist()
    [[1, 'accept', 'Fear.']]
    >>> [n for n, _ in log.attrs["unreadable"]]
    [2, 3]
    >>> log.attrs["unreadable"][1][1].split(": ", 1)[1]
    'the last line is cut short (a write interrupted by a crash?); the line is left in the file and not used'

    An accept withdrawn by an undo, then a reject: valid. An undo with nothing standing is not.

    >>> _ = p.write_text("\\n".join([good, good.replace('"accept"', '"undo"'), good.replace('"accept"', '"reject"')]))
    >>> read_review_log(p)["verdict"].tolist()
    ['accept', 'undo', 'reject']
    >>> _ = p.write_text("\\n".join([good, good.replace('"accept"', '"undo"'), good.replace('"accept"', '"undo"')]))
    >>> read_review_log(p)
    Traceback (most recent call last):
    ...
    hsqual.errors.ReviewError: ...review.jsonl:3: nothing to undo: d1 0-5 has no verdict standing for 'fear' (its last verdict was withdrawn already, on line 2); an undo withdraws the verdict standing on its unit and code (remove this line by hand, or put the verdict it withdraws back above it)
    """
    p = Path(path)
    if unit is not None and unit not in _UNITS:
        raise ArgumentError(f"read_review_log: unit must be one of {', '.join(_UNITS)}, not {unit!r}")
    if p.is_dir():
        raise ReviewError("is a folder; the review log is a file (JSON Lines), e.g. review.jsonl in it", path=p)
    if not p.exists():
        out = pd.DataFrame(columns=_LOG_COLUMNS)
        out.attrs["unreadable"] = []
        return out
    data = p.read_bytes()
    unreadable: list[tuple[int, str]] = []
    records = []
    lines = data.split(b"\n")
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        last = n == len(lines)
        try:
            # a byte order mark, as some editors write when the log is edited by hand, is no part of line 1
            obj = json.loads(raw.decode("utf-8-sig" if n == 1 else "utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            why = ("the last line is cut short (a write interrupted by a crash?)" if last
                   else f"not a JSON object ({exc.__class__.__name__}: {exc})")
            message = f"{p}:{n}: {why}; the line is left in the file and not used"
            unreadable.append((n, message))
            continue
        rec = _check_record(obj, n, p)
        rec["line"] = n
        records.append(rec)
    if not records:
        # a file of another kind (a codings table given as the log, say), not a log whose writes were cut:
        # refused before a decision is appended to it
        # (zero bytes are what a crash can leave in place of a write: not foreign)
        bare = [(n, raw.strip(b" \t\r\x00").removeprefix(b"\xef\xbb\xbf")) for n, raw in enumerate(lines, 1)]
        foreign = [(n, raw) for n, raw in bare if raw and not raw.startswith(b"{")]
        if foreign:
            n, raw = foreign[0]
            shown = raw.decode("utf-8", errors="replace").strip()
            raise ReviewError(f"not a review log: no line of it is a decision (one JSON object a line, as hsqual "
                              f"writes them), this one reads {shown[:60]!r}; give the review's log, or a new file "
                              "name to start one", path=p, line=n)
    for _, message in unreadable:
        warnings.warn(message, ReviewLogWarning, stacklevel=2)
    out = pd.DataFrame(records, columns=_LOG_COLUMNS)
    if len(out):
        out = out.astype({"line": "int64", "start": "int64", "end": "int64"})
    _check_against(out, p, corpus, codebook, unit)
    out.attrs["unreadable"] = unreadable
    return out


def _check_against(log: pd.DataFrame, path: Path, corpus, codebook, unit) -> None:
    """Validate decisions against the corpus, codebook and units; refuse contradictions."""
    spans = None
    if corpus is not None and unit is not None:
        table = _unit_table(corpus, unit)
        spans = set(zip(table["doc_id"], table["start"].tolist(), table["end"].tolist()))
    standing = _Standing()
    for rec in log.to_dict("records"):
        n = int(rec["line"])
        doc_id, start, end, code = rec["doc_id"], int(rec["start"]), int(rec["end"]), rec["code"]
        if codebook is not None and code not in codebook:
            raise ReviewError(f"unknown code {code!r}; the codebook {codebook.id!r} has no such code",
                              path=path, line=n)
        if corpus is not None:
            if doc_id not in corpus:
                raise ReviewError(f"unknown document {doc_id!r}; this corpus has {', '.join(corpus.doc_ids[:5])}"
                                  + (" ..." if len(corpus) > 5 else ""), path=path, line=n)
            text = corpus.doc(doc_id).text
            if end > len(text) or text[start:end] != rec["quote"]:
                now = text[start:end] if end <= len(text) else "(beyond the end of the document)"
                raise ReviewError(f"stale unit: the text of {doc_id} at {start}-{end} is now {now[:60]!r}, "
                                  f"the decision was made on {rec['quote'][:60]!r}; the transcript changed since "
                                  "(restore it, or review it again with a new log)", path=path, line=n)
            if unit is not None and rec.get("unit") not in (None, unit) and {rec["unit"], unit} != {"sentence", "window"}:
                raise ReviewError(f"the decision was made on a {rec['unit']}, this review reads {unit}s; "
                                  f"open the session with unit={rec['unit']!r}", path=path, line=n)
            if spans is not None and (doc_id, start, end) not in spans:
                raise ReviewError(f"unknown unit: {doc_id} {start}-{end} is not a {unit} of the corpus",
                                  path=path, line=n)
        problem = standing.note((doc_id, start, end, code), rec["verdict"], n)
        if problem is not None:
            raise ReviewError(problem, path=path, line=n)


# -- what is shown -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewItem:
    """One unit to review for one code, with its context and the evidence behind its rank.

    Attributes
    ----------
    doc_id, segment_id, start, end, quote : the unit (offsets into the document text)
    code, label, definition : the code, its label and definition in the document's language
    score : float
        The rank's score (higher is more likely).
    probability : float or None
        The model's probability that the unit carries the code.
    before, after : str
        The neighbouring units of the same document.
    evidence : dict
        The rank's evidence columns (rule that fired, words, nearest example, ...).
    highlights : tuple of (int, int)
        Offsets into ``quote`` of the words behind the rank.

    Example
    -------
    >>> item = ReviewItem("d1", 1, 0, 21, "People fear violence.", "fear", "Fear", "", 0.9, 0.8,
    ...                   "", "Markets opened.", {"rule": "fear"}, ((7, 11),))
    >>> item.marked()
    'People [fear] violence.'
    >>> item.key
    ('d1', 0, 21, 'fear')
    """

    doc_id: str
    segment_id: int
    start: int
    end: int
    quote: str
    code: str
    label: str
    definition: str
    score: float
    probability: float | None
    before: str
    after: str
    evidence: dict = field(default_factory=dict)
    highlights: tuple = ()

    @property
    def key(self) -> tuple[str, int, int, str]:
        """``(doc_id, start, end, code)``: what a decision is about."""
        return (self.doc_id, self.start, self.end, self.code)

    def marked(self, left: str = "[", right: str = "]") -> str:
        """The unit's text with the highlighted words between ``left`` and ``right``.

        Example
        -------
        >>> ReviewItem("d", 1, 0, 3, "abc", "c", "C", "", 1.0, None, "", "", {}, ((1, 2),)).marked("<", ">")
        'a<b>c'
        """
        out, pos = [], 0
        for a, b in self.highlights:
            out += [self.quote[pos:a], left, self.quote[a:b], right]
            pos = b
        out.append(self.quote[pos:])
        return "".join(out)

    def evidence_lines(self) -> list[str]:
        """The evidence as ``name: value`` lines, empty values left out.

        Example
        -------
        >>> ReviewItem("d", 1, 0, 3, "abc", "c", "C", "", 1.0, 0.5, "", "", {"rule": "x", "example": ""}).evidence_lines()
        ['score: 1.000', 'probability: 0.500', 'rule: x']
        """
        lines = [f"score: {self.score:.3f}"]
        if self.probability is not None:
            lines.append(f"probability: {self.probability:.3f}")
        for k, v in self.evidence.items():
            if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()):
                continue
            lines.append(f"{k}: {v:.3f}" if isinstance(v, float) else f"{k}: {v}")
        return lines

    def to_text(self) -> str:
        """The unit for a terminal: the units before and after, the unit itself marked ``>``.

        Example
        -------
        >>> print(ReviewItem("d", 1, 5, 8, "abc", "c", "C", "", 1.0, None, "xyz.", "uvw.", {}, ((0, 1),)).to_text())
          … xyz.
        > [a]bc
          … uvw.
        """
        lines = []
        if self.before:
            lines.append(f"  … {self.before}")
        lines.append(f"> {self.marked()}")
        if self.after:
            lines.append(f"  … {self.after}")
        return "\n".join(lines)

    def to_html(self) -> str:
        """The unit as HTML: context in grey, the unit in bold, the evidence words marked.

        Example
        -------
        >>> ReviewItem("d", 1, 0, 3, "a<c", "c", "C", "", 1.0, None, "", "", {}, ((0, 1),)).to_html()
        '<div class="hsqual-review-unit"><b><mark>a</mark>&lt;c</b></div>'
        """
        body, pos = [], 0
        for a, b in self.highlights:
            body += [html.escape(self.quote[pos:a]), "<mark>", html.escape(self.quote[a:b]), "</mark>"]
            pos = b
        body.append(html.escape(self.quote[pos:]))
        parts = []
        if self.before:
            parts.append(f'<span style="color:#777">{html.escape(self.before)}</span> ')
        parts.append(f"<b>{''.join(body)}</b>")
        if self.after:
            parts.append(f' <span style="color:#777">{html.escape(self.after)}</span>')
        return f'<div class="hsqual-review-unit">{"".join(parts)}</div>'


@dataclass(frozen=True)
class StopAdvice:
    """Whether to stop reviewing, and why.

    Example
    -------
    >>> advice = StopAdvice(True, "the last 20 verdicts on 'fear' were rejections")
    >>> bool(advice), advice.reason
    (True, "the last 20 verdicts on 'fear' were rejections")
    """

    stop: bool
    reason: str

    def __bool__(self) -> bool:
        return self.stop


def _highlights(row: Mapping, quote: str, start: int) -> tuple[tuple[int, int], ...]:
    """Offsets into ``quote`` of the evidence words of a rank row, merged and sorted."""
    spans: list[tuple[int, int]] = []
    for col in _EVIDENCE_SPANS:
        value = row.get(col)
        if isinstance(value, str) and value:
            for piece in value.split(";"):
                left, _, right = piece.partition("-")
                if left.strip().isdigit() and right.strip().isdigit():
                    a, b = int(left) - start, int(right) - start
                    if 0 <= a < b <= len(quote):
                        spans.append((a, b))
    for col in _EVIDENCE_WORDS:
        value = row.get(col)
        if isinstance(value, (list, tuple)):
            words = [str(w) for w in value]
        elif isinstance(value, str) and value:
            words = [w for chunk in value.split(" … ") for w in chunk.replace(";", ",").split(",")]
        else:
            continue
        for w in {w.strip() for w in words if w.strip()}:
            # matched in the quote itself: lowering it first would shift offsets after a letter
            # whose lower case is two characters ('İ')
            spans.extend(m.span() for m in re.finditer(re.escape(w), quote, flags=re.IGNORECASE))
    spans.sort()
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return tuple((a, b) for a, b in merged)


def _logit(p: np.ndarray) -> np.ndarray:
    from scipy.special import logit

    return logit(np.clip(p, 1e-6, 1 - 1e-6))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return expit(z)


#: Spread of the priors on the calibration (log-odds): how far a few verdicts may move it.
CALIBRATION_PRIOR_SD = (2.0, 10.0)


def calibrate(probability, accepted, *,
              prior_sd: tuple[float, float] = CALIBRATION_PRIOR_SD) -> tuple[float, float]:
    """The intercept and slope in log-odds that make the probabilities shown agree with the verdicts.

    The ranking's model is strongly regularised and weighs its classes evenly, so its
    probabilities keep the order of the units but crowd around one half; summed over hundreds
    of unread units they promise far more than is there. Platt's correction,
    ``sigmoid(b + a * logit(p))``, is fitted to the verdicts so far by maximising the
    likelihood with normal priors ``b ~ N(0, sd_b**2)`` and ``a ~ N(1, sd_a**2)``, the slope
    kept at 0 or more (a correction never turns the ranking's order round) and both within
    bounds (``|b| <= 50``, ``a <= 100``), by L-BFGS-B. Probabilities are clipped to
    ``[1e-6, 1 - 1e-6]`` before the log-odds are taken.

    Parameters
    ----------
    probability : array-like of float
        The model's probability for each decided unit when it was shown, each in ``[0, 1]``.
    accepted : array-like of bool or 0/1
        The verdict on each of those units (1: accepted), as many as ``probability``.
    prior_sd : (float, float), keyword-only
        The spread of the priors on the intercept and on the slope; both above 0.

    Returns
    -------
    (float, float)
        ``(b, a)``: the intercept and the slope. With no verdicts ``(0.0, 1.0)``, the model's
        own probabilities.

    Raises
    ------
    ArgumentError
        The two arrays differ in length or are not one-dimensional, a probability is missing or
        outside ``[0, 1]``, a verdict is not 0 or 1, or a spread is not above 0.

    Examples
    --------
    >>> import numpy as np
    >>> calibrate([], [])
    (0.0, 1.0)
    >>> b, a = calibrate(np.full(20, 0.8), np.r_[np.ones(2), np.zeros(18)])
    >>> bool(b + a * np.log(4) < np.log(1 / 4))   # promised 0.8, accepted 1 in 10: pulled down
    True
    >>> b, a = calibrate(np.r_[np.full(10, 0.55), np.full(10, 0.45)], np.r_[np.ones(10), np.zeros(10)])
    >>> bool(a > 10)    # 0.55 always accepted, 0.45 always rejected: the probabilities are stretched
    True
    >>> calibrate([0.5, 1.5], [1, 0])
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: calibrate: probability must lie in [0, 1]; position 1 is 1.5
    """
    from scipy.optimize import minimize

    try:
        p = np.asarray(probability, dtype=float)
        y = np.asarray(accepted, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"calibrate: probability and accepted must be numbers ({exc})") from None
    if p.ndim != 1 or y.ndim != 1 or len(p) != len(y):
        raise ArgumentError(f"calibrate: probability and accepted must be one-dimensional and as long as each "
                            f"other, not of shapes {p.shape} and {y.shape}")
    bad = np.flatnonzero(~((p >= 0) & (p <= 1)))
    if len(bad):
        raise ArgumentError(f"calibrate: probability must lie in [0, 1]; position {bad[0]} is {float(p[bad[0]])!r}")
    bad = np.flatnonzero(~np.isin(y, (0.0, 1.0)))
    if len(bad):
        raise ArgumentError(f"calibrate: accepted must be 0 or 1 (or a bool); position {bad[0]} is {float(y[bad[0]])!r}")
    sd = tuple(prior_sd)
    if len(sd) != 2 or not all(isinstance(v, Real) and not isinstance(v, bool) and v > 0 for v in sd):
        raise ArgumentError(f"calibrate: prior_sd must be two numbers above 0, not {prior_sd!r}")
    if p.size == 0:
        return 0.0, 1.0
    z = _logit(p)
    mean = np.array([0.0, 1.0])
    precision = np.array([1.0 / sd[0] ** 2, 1.0 / sd[1] ** 2])

    def objective(w):
        t = w[0] + w[1] * z
        # -log-likelihood of sigmoid(t): log(1 + e^t) - y t, computed stably
        nll = float(np.sum(np.logaddexp(0.0, t) - y * t)) + 0.5 * float(np.sum(precision * (w - mean) ** 2))
        r = _sigmoid(t) - y
        return nll, np.array([r.sum(), (r * z).sum()]) + precision * (w - mean)

    res = minimize(objective, mean, jac=True, method="L-BFGS-B", bounds=[(-50.0, 50.0), (0.0, 100.0)])
    return float(res.x[0]), float(res.x[1])


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _key_of(rec: Mapping) -> tuple[str, int, int, str]:
    """``(doc_id, start, end, code)`` of a log record: what it decides."""
    return (rec["doc_id"], int(rec["start"]), int(rec["end"]), rec["code"])


def _offset(value, name: str, item) -> int:
    """A decision's start or end as an int; a whole number only (12.0 is 12, 12.5 is refused)."""
    if isinstance(value, Integral) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, Real) and not isinstance(value, (bool, np.bool_)) and float(value).is_integer():
        return int(float(value))
    raise ArgumentError(f"a decision's {name} must be a whole number, not {value!r} (in {item!r})")


# -- the session -------------------------------------------------------------------------------

class ReviewSession:
    """A review of a corpus for the codes of a codebook, logged decision by decision.

    Parameters
    ----------
    corpus : Corpus
    codebook : Codebook
    log : str or PathLike
        The review log (JSON Lines). Created on the first decision; an existing log is read
        (see :func:`read_review_log`) and the review resumes from it.
    reviewer : str
        The person deciding: accepted units become codings of this coder.
    unit : {"sentence", "window", "segment"}
        What is reviewed: sentences, sentences ranked with their neighbouring sentences (the
        decision is still on the sentence), or the corpus segments (turns).
    codes : list of str, optional
        The codes to review (default: every code of the codebook).
    batch_size : int
        How many units :meth:`next_units` gives.
    context : int
        How many neighbouring units before and after a unit are shown.
    stop_after_rejections : int
        Suggest stopping a code after this many rejections in a row (see "When to stop").
    stop_below : float
        Suggest stopping a code when fewer than this many units are estimated to remain (0,
        the default, leaves stopping to the rejections in a row; see "When to stop")...
    min_decisions : int
        ...once at least this many units were accepted or rejected for it.
    refit_every : int
        Re-rank after this many new decisions (1: after every decision).
    exclude_speakers : list of str, optional
        Leave out units in turns of these speakers (the interviewer, say).
    embedder : str, model or callable, optional
        The embedding model of the ranking, as :func:`hsqual.get_embedder` takes it
        (``"e5"``, ``"use"``, ``"tfidf"``, ...; default: e5 when installed).
    rank_options : dict, optional
        Other keyword arguments passed on to :func:`hsqual.rank_units` (``settings``, say).

    Example
    -------
    >>> import tempfile, pathlib
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document
    >>> corpus = Corpus([Document("d1", "Fear of violence. Food prices rose. Fear of landmines.")])
    >>> cb = Codebook("demo", [Code(id="fear", label={"en": "Fear"}, rules={"en": ("fear",)})])
    >>> s = ReviewSession(corpus, cb, log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="sato", embedder="tfidf",
    ...                   stop_after_rejections=2)
    >>> for item in s.next_units(2):
    ...     _ = s.reject(item)
    >>> s.stop_advice("fear").reason
    "the last 2 verdicts on 'fear' were rejections"
    """

    corpus: Corpus
    codebook: Codebook
    log_path: Path
    reviewer: str
    unit: str
    codes: list[str]
    batch_size: int
    context: int
    stop_after_rejections: int
    stop_below: float
    min_decisions: int
    refit_every: int
    rank_options: dict[str, Any]
    exclude_speakers: list[str]
    unreadable: list[Any]
    _excluded: set[tuple[str, int]]
    _units: pd.DataFrame
    _unit_index: dict[tuple[str, int, int], int]
    _left_out: set[tuple[str, int, int]]
    _next_line: int
    _log_size: int
    _embedder: Any
    _fitted_on: tuple[int, int]
    _state: _Standing

    def __init__(
        self,
        corpus: Corpus,
        codebook: Codebook,
        *,
        log: str | os.PathLike,
        reviewer: str,
        unit: str = "sentence",
        codes: Sequence[str] | str | None = None,
        batch_size: int = 5,
        context: int = 1,
        stop_after_rejections: int = 40,
        stop_below: float = 0.0,
        min_decisions: int = 5,
        refit_every: int = 1,
        exclude_speakers: Sequence[str] | str | None = None,
        embedder=None,
        rank_options: Mapping | None = None,
    ) -> None:
        where = "ReviewSession"
        if not isinstance(corpus, Corpus):
            raise ArgumentError(f"{where}: corpus must be a Corpus, not {type(corpus).__name__}")
        if not isinstance(codebook, Codebook):
            raise ArgumentError(f"{where}: codebook must be a Codebook, not {type(codebook).__name__}")
        if not isinstance(reviewer, str) or not reviewer.strip():
            raise ArgumentError(f"{where}: reviewer must name the person reviewing, e.g. reviewer='tanaka'")
        if is_machine_coder(reviewer):
            raise ArgumentError(f"{where}: reviewer {reviewer!r} is a machine coder's name; accepted units are "
                             "recorded under the name of the person who accepted them")
        if unit not in _UNITS:
            raise ArgumentError(f"{where}: unit must be one of {', '.join(map(repr, _UNITS))}, not {unit!r}")
        for name, value, low in (("batch_size", batch_size, 1), ("context", context, 0),
                                 ("stop_after_rejections", stop_after_rejections, 1),
                                 ("min_decisions", min_decisions, 0), ("refit_every", refit_every, 1)):
            if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
                raise ArgumentError(f"{where}: {name} must be a whole number of at least {low}, not {value!r}")
        if isinstance(stop_below, bool) or not isinstance(stop_below, Real) or not stop_below >= 0:   # NaN too
            raise ArgumentError(f"{where}: stop_below must be a number of units, at least 0, not {stop_below!r}")
        if isinstance(codes, str):
            codes = [codes]
        codes = list(codebook.ids) if codes is None else list(dict.fromkeys(codes))
        unknown = [c for c in codes if c not in codebook]
        if unknown:
            raise ArgumentError(f"{where}: unknown code(s) {', '.join(map(repr, unknown))}; the codebook has "
                             f"{', '.join(codebook.ids[:8])}" + (" ..." if len(codebook) > 8 else ""))
        if not codes:
            raise ArgumentError(f"{where}: no code to review")
        self.corpus = corpus
        self.codebook = codebook
        self.log_path = Path(log)
        self.reviewer = reviewer.strip()
        self.unit = unit
        self.codes = codes
        self.batch_size = int(batch_size)
        self.context = int(context)
        self.stop_after_rejections = int(stop_after_rejections)
        self.stop_below = float(stop_below)
        self.min_decisions = int(min_decisions)
        self.refit_every = int(refit_every)
        self.rank_options = dict(rank_options or {})
        if embedder is not None:
            self.rank_options["embedder"] = embedder
        if isinstance(exclude_speakers, str):
            exclude_speakers = [exclude_speakers]
        self.exclude_speakers = [str(x) for x in (exclude_speakers or [])]
        if self.exclude_speakers:
            said = {s.speaker.casefold() for s in corpus.segments if s.speaker}
            unknown = [x for x in self.exclude_speakers if x.casefold() not in said]
            if unknown:
                raise ArgumentError(f"{where}: no turn of speaker(s) {', '.join(map(repr, unknown))} in the corpus; "
                                 f"its speakers are {', '.join(sorted(said)[:10]) or '(none)'}")
        self._excluded = {(s.doc_id, s.segment_id) for s in corpus.segments
                          if s.speaker and s.speaker.casefold() in {x.casefold() for x in self.exclude_speakers}}
        self._units = _unit_table(corpus, unit)
        self._unit_index = {(d, int(a), int(b)): i for i, (d, a, b) in
                            enumerate(zip(self._units["doc_id"], self._units["start"], self._units["end"]))}
        #: the units in turns of the speakers left out, as (doc_id, start, end)
        self._left_out = {(d, int(a), int(b)) for d, g, a, b in zip(self._units["doc_id"], self._units["segment_id"],
                                                                   self._units["start"], self._units["end"])
                          if (d, int(g)) in self._excluded} if self._excluded else set()
        self._by_doc: dict[str, list[int]] = {}
        for i, d in enumerate(self._units["doc_id"]):
            self._by_doc.setdefault(d, []).append(i)
        self.unreadable = []
        self._records: list[dict] = []
        self._log_size = -1
        self._read_log()
        self._ranking: pd.DataFrame | None = None
        self._embedder = None
        self._fitted_on = (-1, -1)

    # -- the log ---------------------------------------------------------------------------
    def _size_on_disk(self) -> int:
        try:
            return self.log_path.stat().st_size
        except FileNotFoundError:
            return -1

    def _read_log(self) -> None:
        """(Re-)read every decision of the log on disk: this session's and any other's.

        A line that cannot be read is warned about once per session, not at every re-read.
        """
        known = {n for n, _ in self.unreadable}
        size = self._size_on_disk()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ReviewLogWarning)
            table = read_review_log(self.log_path, corpus=self.corpus, codebook=self.codebook, unit=self.unit)
        self.unreadable = list(table.attrs.get("unreadable", []))
        for n, message in self.unreadable:
            if n not in known:
                warnings.warn(message, ReviewLogWarning, stacklevel=3)
        self._records = table.to_dict("records")
        self._state = _Standing()
        for rec in self._records:
            self._note(rec)
        self._next_line = self._count_lines()
        self._log_size = size

    def _count_lines(self) -> int:
        """The line number the next decision will have in the log."""
        if not self.log_path.exists():
            return 1
        data = self.log_path.read_bytes()
        if not data:
            return 1
        n = data.count(b"\n")
        return n + 1 if data.endswith(b"\n") else n + 2

    def _note(self, rec: Mapping) -> None:
        # the log was checked when read (and a new line before it was written): nothing to refuse here
        self._state.note(_key_of(rec), rec["verdict"], int(rec["line"]))

    @property
    def _verdict(self) -> dict[tuple, tuple[str, int]]:
        """(doc_id, start, end, code) -> (accept/reject, line) of each verdict standing."""
        return self._state.verdict

    @property
    def _skipped(self) -> dict[tuple, int]:
        """(doc_id, start, end, code) -> line of each skip standing."""
        return self._state.skipped

    def _stands(self, rec: Mapping) -> bool:
        """Whether a log line is the verdict (or skip) standing on its unit and code."""
        return rec["verdict"] != "undo" and self._state.line_of(_key_of(rec)) == int(rec["line"])

    @property
    def log(self) -> pd.DataFrame:
        """Every line read from or written to the log, in order (``line`` and :data:`LOG_FIELDS`).

        Undos and the verdicts they withdrew included: the log keeps the review's history.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> _ = s.skip(("d", 0, 5, "fear"))
        >>> s.log[["line", "verdict", "quote"]].values.tolist()
        [[1, 'skip', 'Fear.']]
        """
        return pd.DataFrame(self._records, columns=_LOG_COLUMNS)

    @property
    def decisions(self) -> pd.DataFrame:
        """The accepted and rejected units as :func:`hsqual.rank_units` takes them.

        Columns ``doc_id, start, end, code, accepted`` (bool), one row per unit and code; a
        verdict withdrawn by :meth:`undo` is not among them.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> _ = s.reject(("d", 0, 5, "fear"))
        >>> s.decisions.values.tolist()
        [['d', 0, 5, 'fear', False]]
        """
        rows = [(d, a, b, c, v == "accept") for (d, a, b, c), (v, _) in self._verdict.items()]
        out = pd.DataFrame(rows, columns=["doc_id", "start", "end", "code", "accepted"])
        return out.astype({"start": "int64", "end": "int64", "accepted": bool})

    # -- ranking ---------------------------------------------------------------------------
    def _rank(self) -> pd.DataFrame:
        added, withdrawn = self._state.added, self._state.withdrawn
        if (self._ranking is not None and withdrawn == self._fitted_on[1]
                and 0 <= added - self._fitted_on[0] < self.refit_every):
            return self._ranking        # an undo refits at once: the model must not keep a withdrawn verdict
        import hsqual

        if self._embedder is None:
            # one embedder object for the whole session, so that re-ranking after a decision reuses
            # the corpus's embeddings and rules (rank_units remembers them per embedder object)
            self._embedder = hsqual.get_embedder(self.rank_options.get("embedder"))
        options = {**self.rank_options, "embedder": self._embedder}
        decisions = self.decisions
        with warnings.catch_warnings():
            # until a code has an accepted and a rejected unit it is ranked from the codebook: expected
            # in a review; the ranking's ``source`` column and :meth:`progress` say so
            warnings.filterwarnings("ignore", message="rank_units: no model yet")
            ranking = hsqual.rank_units(self.corpus, self.codebook, unit=self.unit, codes=self.codes,
                                        decisions=decisions if len(decisions) else None, **options)
        missing = [c for c in _RANK_BASE if c not in ranking.columns]
        if missing:
            raise ReviewError(f"rank_units returned no column(s) {', '.join(missing)}")
        ranking = ranking[ranking["code"].isin(self.codes)]
        if self._excluded:
            keep = [(d, int(g)) not in self._excluded for d, g in zip(ranking["doc_id"], ranking["segment_id"])]
            ranking = ranking[np.array(keep, dtype=bool)]
        # across codes, each code's first unit, then each code's second, ... (scores are comparable
        # within a code only); within a rank, the higher score first
        by = (["rank"] if "rank" in ranking.columns else []) + ["score", "doc_id", "start", "code"]
        ascending = ([True] if "rank" in ranking.columns else []) + [False, True, True, True]
        ranking = ranking.sort_values(by, ascending=ascending, kind="stable").reset_index(drop=True)
        self._ranking = ranking
        self._fitted_on = (added, withdrawn)
        return ranking

    @property
    def ranking(self) -> pd.DataFrame:
        """The current rank table of every unit and code (highest score first), refitted as needed.

        Adds ``verdict`` (``accept``/``reject``/``skip`` or empty) to the columns of
        :func:`hsqual.rank_units`.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear. Food.")]),
        ...                   Codebook("b", [Code(id="fear", label={"en": "F"}, rules={"en": ("fear",)})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> s.ranking[["quote", "code"]].values.tolist()
        [['Fear.', 'fear'], ['Food.', 'fear']]
        """
        out = self._rank().copy()
        keys = list(zip(out["doc_id"], out["start"].astype(int), out["end"].astype(int), out["code"]))
        out["verdict"] = [self._verdict[k][0] if k in self._verdict else ("skip" if k in self._skipped else "")
                          for k in keys]
        return out

    def _item(self, row: Mapping) -> ReviewItem:
        doc = self.corpus.doc(row["doc_id"])
        start, end = int(row["start"]), int(row["end"])
        quote = doc.text[start:end]
        idx = self._by_doc.get(row["doc_id"], [])
        starts = [int(self._units["start"].iat[i]) for i in idx]
        pos = bisect_left(starts, start)
        before_idx = idx[max(0, pos - self.context):pos]
        after_pos = pos + 1 if pos < len(idx) and starts[pos] == start else pos
        after_idx = idx[after_pos:after_pos + self.context]

        def text(ids):
            return " ".join(doc.text[int(self._units["start"].iat[i]):int(self._units["end"].iat[i])].strip()
                            for i in ids)

        language = doc.language
        code = self.codebook[row["code"]]
        evidence = {k: row[k] for k in row.keys() if k not in _RANK_BASE and k not in _NOT_EVIDENCE}
        return ReviewItem(
            doc_id=row["doc_id"], segment_id=int(row["segment_id"]), start=start, end=end, quote=quote,
            code=row["code"], label=code.label_for(language),
            definition=code.definition.get(language) or code.definition.get("en", ""),
            score=float(row["score"]), probability=_number(row.get(PROBABILITY)),
            before=text(before_idx), after=text(after_idx), evidence=evidence,
            highlights=_highlights(row, quote, start))

    def next_units(self, n: int | None = None, *, code: str | None = None) -> list[ReviewItem]:
        """The next units to review: the highest ranked not yet decided, skipped ones last.

        Re-ranks first when decisions were made since the last ranking (see ``refit_every``).

        Parameters
        ----------
        n : int, optional
            How many (default: the session's ``batch_size``).
        code : str, optional
            Only this code (default: across the session's codes, highest scores first).

        Returns
        -------
        list of ReviewItem
            Empty when every unit was decided.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear of war. Bread. Fear of mines.")]),
        ...                   Codebook("b", [Code(id="fear", label={"en": "F"}, rules={"en": ("fear",)})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> item = s.next_units(1)[0]
        >>> item.quote, item.after, item.marked()
        ('Fear of war.', 'Bread.', '[Fear] of war.')
        """
        if n is None:
            n = self.batch_size
        if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
            raise ArgumentError(f"next_units: n must be a whole number of at least 1, not {n!r}")
        if code is not None and code not in self.codes:
            raise ArgumentError(f"next_units: code {code!r} is not one of this review's codes: {', '.join(self.codes)}")
        self._catch_up()          # units another session on the same log decided are not offered again
        ranking = self._rank()
        if code is not None:
            ranking = ranking[ranking["code"] == code]
        fresh, later = [], []
        for row in ranking.to_dict("records"):
            key = (row["doc_id"], int(row["start"]), int(row["end"]), row["code"])
            if key in self._verdict:
                continue
            if key in self._skipped:
                later.append(row)
                continue
            fresh.append(row)
            if len(fresh) >= n:
                break
        chosen = (fresh + later)[:n]
        return [self._item(r) for r in chosen]

    # -- decisions -------------------------------------------------------------------------
    def _key(self, item) -> tuple[str, int, int, str]:
        if isinstance(item, ReviewItem):
            key = item.key
        else:
            if isinstance(item, str) or not isinstance(item, Sequence) or len(item) != 4:
                raise ArgumentError(f"a decision is on a ReviewItem or a (doc_id, start, end, code) tuple, not {item!r}")
            key = (item[0], _offset(item[1], "start", item), _offset(item[2], "end", item), item[3])
        if key[3] not in self.codes:
            raise ReviewError(f"code {key[3]!r} is not one of this review's codes: {', '.join(self.codes)}")
        if (key[0], key[1], key[2]) not in self._unit_index:
            if key[0] not in self.corpus:
                raise ReviewError(f"unknown document {key[0]!r}; this corpus has {', '.join(self.corpus.doc_ids[:5])}"
                                  + (" ..." if len(self.corpus) > 5 else ""))
            raise ReviewError(f"{key[0]} {key[1]}-{key[2]} is not a {self.unit} of the corpus; "
                              f"{self._units_near(key[0], key[1], key[2])}")
        return key

    def _units_near(self, doc_id: str, start: int, end: int) -> str:
        """The units of a document overlapping (or else nearest to) a span, for an error message."""
        idx = self._by_doc.get(doc_id, [])
        spans = [(int(self._units["start"].iat[i]), int(self._units["end"].iat[i])) for i in idx]
        near = [ab for ab in spans if ab[0] < max(end, start + 1) and ab[1] > start]
        if not near and spans:
            near = [min(spans, key=lambda ab: min(abs(ab[0] - start), abs(ab[1] - end)))]
        if not near:
            return f"{doc_id} has no {self.unit}"
        text = self.corpus.doc(doc_id).text
        shown = ", ".join(f"{a}-{b} {text[a:b][:60]!r}" for a, b in near[:3]) + (" ..." if len(near) > 3 else "")
        return f"the {self.unit}(s) there: {shown} (a decision names a unit as next_units gives it)"

    def decide(self, item, verdict: str) -> dict:
        """Record a verdict on a unit for a code, in the log on disk, before returning.

        Parameters
        ----------
        item : ReviewItem or (doc_id, start, end, code)
        verdict : {"accept", "reject", "skip"}

        Returns
        -------
        dict
            The log record written (with its ``line``), or the earlier record when the same
            verdict was already given.

        Raises
        ------
        ReviewError
            When the unit was already given the other verdict for the code (withdraw it first
            with :meth:`undo`).

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> s.decide(("d", 0, 5, "fear"), "accept")["line"]
        1
        >>> s.decide(("d", 0, 5, "fear"), "reject")
        Traceback (most recent call last):
        ...
        hsqual.errors.ReviewError: ...r.jsonl: d 0-5 was accepted for 'fear' on line 1; it cannot be rejected too (undo the accept first)
        >>> _ = s.undo(); s.decide(("d", 0, 5, "fear"), "reject")["line"]
        3
        """
        if verdict not in VERDICTS:
            raise ArgumentError(f"decide: verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
        key = self._key(item)
        from .writers import lock_file

        # another session on the same log (a second notebook, say) may have written since: its
        # lines are read first, under the log's lock, so no verdict contradicts one on disk
        with lock_file(self.log_path):
            if self._size_on_disk() != self._log_size:
                self._read_log()
            return self._decide_locked(key, verdict)

    def _catch_up(self) -> None:
        """Read the log again if another session wrote to it since this one last read or wrote it."""
        if self._size_on_disk() == self._log_size:
            return
        from .writers import lock_file

        with lock_file(self.log_path):      # no line half-written by the other session is read
            self._read_log()

    def _decide_locked(self, key: tuple[str, int, int, str], verdict: str) -> dict:
        earlier = self._verdict.get(key)
        if earlier is not None:
            if verdict == earlier[0]:
                return next(r for r in self._records if int(r["line"]) == earlier[1])
            if verdict != "skip":
                raise ReviewError(f"{key[0]} {key[1]}-{key[2]} was {earlier[0]}ed for {key[3]!r} on line {earlier[1]}; "
                                  f"it cannot be {verdict}ed too (undo the {earlier[0]} first)", path=self.log_path)
            return next(r for r in self._records if int(r["line"]) == earlier[1])
        if self._ranking is not None and self._state.withdrawn != self._fitted_on[1]:
            # ranked before an undo, with the verdict it withdrew: the line's score and probability (which
            # the estimate calibrates on) are the unit's under the ranking without it, as if never given
            self._rank()
        shown = self._find_rank_row(key)
        return self._append(key, verdict, score=_number(shown.get("score")) if shown else None,
                            probability=_number(shown.get(PROBABILITY)) if shown else None)

    def _append(self, key: tuple[str, int, int, str], verdict: str, *, score: float | None,
                probability: float | None) -> dict:
        """Write one line to the log (under its lock) and take it into account; returns it with its ``line``."""
        doc_id, start, end, code = key
        record = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "reviewer": self.reviewer,
            "doc_id": doc_id,
            "segment_id": int(self._units["segment_id"].iat[self._unit_index[(doc_id, start, end)]]),
            "start": start,
            "end": end,
            "unit": self.unit,
            "code": code,
            "verdict": verdict,
            "quote": self.corpus.doc(doc_id).text[start:end],
            "score": score,
            "probability": probability,
        }
        from .writers import append_line

        append_line(json.dumps(record, ensure_ascii=False), self.log_path)
        # the line number from the file itself (read under the lock, so no other line came between)
        record["line"] = self._next_line = self._count_lines() - 1
        self._log_size = self._size_on_disk()
        self._records.append(record)
        self._note(record)
        return record

    def _find_rank_row(self, key) -> dict | None:
        if self._ranking is None:
            return None
        r = self._ranking
        hit = r[(r["doc_id"] == key[0]) & (r["start"] == key[1]) & (r["end"] == key[2]) & (r["code"] == key[3])]
        return hit.iloc[0].to_dict() if len(hit) else None

    def accept(self, item) -> dict:
        """Accept a unit for its code (see :meth:`decide`).

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> s.accept(("d", 0, 5, "fear"))["verdict"]
        'accept'
        """
        return self.decide(item, "accept")

    def reject(self, item) -> dict:
        """Reject a unit for its code (see :meth:`decide`).

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> s.reject(("d", 0, 5, "fear"))["verdict"]
        'reject'
        """
        return self.decide(item, "reject")

    def skip(self, item) -> dict:
        """Put a unit aside for its code: it comes back after every other unit (see :meth:`decide`).

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> s.skip(("d", 0, 5, "fear"))["verdict"]
        'skip'
        """
        return self.decide(item, "skip")

    # -- undo ------------------------------------------------------------------------------
    def _last_standing(self) -> dict | None:
        """The most recent line of this reviewer that still stands, on one of the session's codes."""
        for rec in reversed(self._records):
            if rec["reviewer"] == self.reviewer and rec["code"] in self.codes and self._stands(rec):
                return rec
        return None

    def last_verdict(self) -> dict | None:
        """The verdict :meth:`undo` withdraws when called without a unit, or None when there is none.

        The most recent verdict (accept, reject or skip) this session's reviewer gave on one of
        its codes that no undo has withdrawn, read from the log (so what another session on the
        same log wrote counts, and a resumed session sees the verdicts of the one before).

        Returns
        -------
        dict or None
            The verdict's log record (with its ``line``).

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear. Bread.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> s.last_verdict() is None
        True
        >>> _ = s.accept(("d", 0, 5, "fear")); _ = s.skip(("d", 6, 12, "fear"))
        >>> s.last_verdict()["verdict"], s.last_verdict()["line"]
        ('skip', 2)
        """
        self._catch_up()
        rec = self._last_standing()
        return dict(rec) if rec is not None else None

    def undo(self, item=None) -> dict:
        """Withdraw a verdict: the unit is open again for its code, as if it had never been decided.

        An undo is a line of its own in the log (``verdict`` ``"undo"``), written and synced
        before returning, under the log's lock after reading what another session wrote (as
        :meth:`decide`); the verdict it withdraws stays in the file. From then on the unit is
        offered again by :meth:`next_units` (in its rank, not among the skipped), and
        :attr:`decisions`, :meth:`found`, :meth:`codings`, :meth:`progress`, the rejections in
        a row and the estimate of what is left no longer count the verdict; the ranking refits.

        Parameters
        ----------
        item : ReviewItem or (doc_id, start, end, code), optional
            Withdraw the verdict (accept, reject or skip; anyone's) standing on this unit and
            code. Default: the most recent verdict still standing that this session's reviewer
            gave (see :meth:`last_verdict`), so repeated undos go back one verdict at a time.

        Returns
        -------
        dict
            The undo's log record (with its ``line``), and under ``"withdrawn"`` the record of
            the verdict it withdrew (with its ``line``).

        Raises
        ------
        ReviewError
            When no verdict stands on the unit and code (never given, or withdrawn already),
            or, without ``item``, when the reviewer has no verdict standing.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear. Bread.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> _ = s.accept(("d", 6, 12, "fear"))           # a misclick
        >>> record = s.undo()
        >>> record["verdict"], record["line"], record["withdrawn"]["verdict"], record["withdrawn"]["line"]
        ('undo', 2, 'accept', 1)
        >>> s.found(), s.codings().empty
        (0, True)
        >>> s.reject(("d", 6, 12, "fear"))["line"]
        3
        >>> s.undo(("d", 0, 5, "fear"))
        Traceback (most recent call last):
        ...
        hsqual.errors.ReviewError: ...r.jsonl: nothing to undo: d 0-5 has no verdict standing for 'fear' (no accept, reject or skip on it comes before); an undo withdraws the verdict standing on its unit and code
        """
        key = self._key(item) if item is not None else None
        from .writers import lock_file

        if not self.log_path.exists():
            # nothing stands in a log that is not there: refused without creating it (as the lock would)
            self._read_log()
            if not self._records:
                return self._undo_locked(key)      # raises: nothing to undo
            # another session wrote the log's first lines meanwhile: undone under the lock, as any line
        with lock_file(self.log_path):
            if self._size_on_disk() != self._log_size:
                self._read_log()
            return self._undo_locked(key)

    def _undo_locked(self, key: tuple[str, int, int, str] | None) -> dict:
        if key is None:
            last = self._last_standing()
            if last is None:
                given = [r for r in self._records
                         if r["reviewer"] == self.reviewer and r["code"] in self.codes and r["verdict"] != "undo"]
                # withdrawn: an undo on its unit and code comes after it; else a later verdict replaced it
                undone = self._state.undone
                all_undone = all(undone.get(_key_of(r), 0) > int(r["line"]) for r in given)
                why = ("" if not given else " (every one was withdrawn already)" if all_undone
                       else " (each was withdrawn already or replaced by a later verdict on its unit; "
                            "undo(item) withdraws the verdict standing on a unit)")
                raise ReviewError(f"nothing to undo: {self.reviewer} has no verdict standing on "
                                  f"{'this review' if len(self.codes) > 1 else repr(self.codes[0])} in the log"
                                  + why, path=self.log_path)
            key = _key_of(last)
        line = self._state.line_of(key)
        if line is None:
            raise ReviewError(_nothing_to_undo(key, self._state.undone.get(key)), path=self.log_path)
        withdrawn = next(dict(r) for r in self._records if int(r["line"]) == line)
        record = self._append(key, "undo", score=None, probability=None)
        return {**record, "withdrawn": withdrawn}

    def item(self, unit) -> ReviewItem:
        """A unit and code as :meth:`next_units` shows it (context, evidence), decided or not.

        For showing a unit again, after :meth:`undo` say.

        Parameters
        ----------
        unit : ReviewItem or (doc_id, start, end, code)

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear of war. Bread.")]),
        ...                   Codebook("b", [Code(id="fear", label={"en": "F"}, rules={"en": ("fear",)})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> item = s.item(("d", 0, 12, "fear"))
        >>> item.marked(), item.after
        ('[Fear] of war.', 'Bread.')
        """
        key = self._key(unit)
        self._rank()
        row = self._find_rank_row(key)
        if row is None:              # in a left-out speaker's turn: not ranked
            doc_id, start, end, code = key
            row = {"doc_id": doc_id, "start": start, "end": end, "code": code, "score": math.nan,
                   "segment_id": int(self._units["segment_id"].iat[self._unit_index[(doc_id, start, end)]])}
        return self._item(row)

    # -- counts, estimate, stopping --------------------------------------------------------
    def _codes_arg(self, code) -> list[str]:
        if code is None:
            return list(self.codes)
        if code not in self.codes:
            raise ArgumentError(f"code {code!r} is not one of this review's codes: {', '.join(self.codes)}")
        return [code]

    def found(self, code: str | None = None) -> int:
        """How many units were accepted (for one code, or for every code of the review).

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> _ = s.accept(("d", 0, 5, "fear")); s.found("fear")
        1
        """
        codes = set(self._codes_arg(code))
        self._catch_up()          # what another session on the same log decided or withdrew counts too
        return sum(1 for k, (v, _) in self._verdict.items() if v == "accept" and k[3] in codes)

    def estimate_remaining(self, code: str | None = None) -> float:
        """The estimated number of units still to find (see the module's "How many are left").

        NaN while a code has no model yet (no accepted and rejected unit both); across codes,
        the sum over the codes that have one.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear of war. Bread. Fear of mines. Fear of floods.")]),
        ...                   Codebook("b", [Code(id="fear", label={"en": "F"}, rules={"en": ("fear",)})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> s.estimate_remaining("fear")          # no model yet
        nan
        >>> first = s.next_units(1)[0]
        >>> _ = s.accept(first); _ = s.reject(("d", 13, 19, "fear"))
        >>> round(s.estimate_remaining("fear"), 2)   # the two units left, by the model's probabilities
        1.03
        """
        codes = self._codes_arg(code)
        self._catch_up()
        values = [self._estimate(c) for c in codes]
        known = [v for v in values if not math.isnan(v)]
        return float(sum(known)) if known else math.nan

    def _estimate(self, code: str) -> float:
        ranking = self._rank()
        rows = ranking[ranking["code"] == code]
        if PROBABILITY not in rows.columns:
            return math.nan
        prob = pd.to_numeric(rows[PROBABILITY], errors="coerce").to_numpy(dtype=float)
        if not len(prob) or np.isnan(prob).all():
            return math.nan          # no model yet: the code has no accepted and rejected unit both
        keys = zip(rows["doc_id"], rows["start"].astype(int), rows["end"].astype(int), rows["code"])
        open_ = np.array([k not in self._verdict for k in keys], dtype=bool)
        shown, verdicts = [], []
        for rec in self._records:
            # the verdicts standing: not a skip, not one an undo withdrew, not an accept given twice
            if rec["code"] != code or rec["verdict"] not in ("accept", "reject") or not self._stands(rec):
                continue
            p = _number(rec.get("probability"))
            if p is None:
                continue         # decided before a model existed: says nothing of its calibration
            shown.append(p)
            verdicts.append(rec["verdict"] == "accept")
        b, a = calibrate(np.asarray(shown, dtype=float), np.asarray(verdicts, dtype=float))
        left = prob[open_]
        return float(np.sum(_sigmoid(b + a * _logit(left[~np.isnan(left)]))))

    def _streak(self, code: str) -> int:
        """Rejections in a row, most recent first, among the verdicts standing on a code (skips ignored).

        A verdict an undo withdrew counts neither way, as if it had never been given.
        """
        n = 0
        for rec in reversed(self._records):
            if rec["code"] != code or rec["verdict"] not in ("accept", "reject") or not self._stands(rec):
                continue
            if rec["verdict"] != "reject":
                break
            n += 1
        return n

    def _open_units(self, code: str) -> int:
        """Units still to read for a code: neither decided nor in a left-out speaker's turn.

        A decision on a left-out unit (made before the speaker was left out) is not subtracted
        a second time.
        """
        decided = sum(1 for k in self._verdict if k[3] == code and k[:3] not in self._left_out)
        return len(self._units) - len(self._left_out) - decided

    def stop_advice(self, code: str | None = None) -> StopAdvice:
        """Whether reading on for a code (or for every code) is unlikely to find more.

        See the module's "When to stop". Across codes, the advice is to stop when it is so for
        every code; the reason lists the codes still open.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> _ = s.accept(("d", 0, 5, "fear"))
        >>> s.stop_advice()
        StopAdvice(stop=True, reason="no unit is left to read for 'fear'")
        """
        codes = self._codes_arg(code)
        self._catch_up()
        advice = {c: self._advice(c) for c in codes}
        if len(codes) == 1:
            return advice[codes[0]]
        still = [c for c, a in advice.items() if not a.stop]
        if not still:
            return StopAdvice(True, f"every code can stop ({len(codes)} codes)")
        shown = ", ".join(still[:5]) + (" ..." if len(still) > 5 else "")
        return StopAdvice(False, f"{len(still)} of {len(codes)} code(s) still worth reading: {shown}")

    def _advice(self, code: str) -> StopAdvice:
        if self._open_units(code) == 0:
            return StopAdvice(True, f"no unit is left to read for {code!r}")
        streak = self._streak(code)
        if streak >= self.stop_after_rejections:
            return StopAdvice(True, f"the last {streak} verdicts on {code!r} were rejections")
        decided = sum(1 for k in self._verdict if k[3] == code)
        left = self._estimate(code)
        if decided >= self.min_decisions and left < self.stop_below:
            return StopAdvice(True, f"about {left:.1f} unit(s) estimated left for {code!r} "
                                    f"(below {self.stop_below:g}) after {decided} decisions")
        why = [f"{streak} rejection(s) in a row (stop at {self.stop_after_rejections})",
               "no estimate of what is left until a unit is accepted and one rejected" if math.isnan(left)
               else f"about {left:.1f} unit(s) estimated left"]
        if decided < self.min_decisions:
            why.append(f"{decided} of {self.min_decisions} decisions before the estimate counts")
        return StopAdvice(False, f"{code!r}: " + "; ".join(why))

    def progress(self) -> pd.DataFrame:
        """One row per code: what was found, rejected, skipped, what is left and whether to stop.

        Columns ``code, label, accepted, rejected, skipped, unread, estimate_remaining,
        rejections_in_a_row, stop, reason``.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear. Bread.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> _ = s.reject(("d", 6, 12, "fear"))
        >>> s.progress()[["code", "accepted", "rejected", "unread"]].values.tolist()
        [['fear', 0, 1, 1]]
        """
        self._catch_up()
        rows = []
        for c in self.codes:
            verdicts = [v for k, (v, _) in self._verdict.items() if k[3] == c]
            advice = self._advice(c)
            rows.append({"code": c, "label": self.codebook.label(c),
                         "accepted": verdicts.count("accept"), "rejected": verdicts.count("reject"),
                         "skipped": sum(1 for k in self._skipped if k[3] == c),
                         "unread": self._open_units(c), "estimate_remaining": round(self._estimate(c), 2),
                         "rejections_in_a_row": self._streak(c), "stop": advice.stop, "reason": advice.reason})
        return pd.DataFrame(rows, columns=["code", "label", "accepted", "rejected", "skipped", "unread",
                                           "estimate_remaining", "rejections_in_a_row", "stop", "reason"])

    # -- codings ---------------------------------------------------------------------------
    def codings(self, existing: pd.DataFrame | None = None) -> pd.DataFrame:
        """The accepted units as human codings, added to ``existing`` (left as it is).

        Each accepted unit is a row with ``coder`` = the reviewer who accepted it (as the log
        records), the unit's span and text, an empty ``rule`` and a ``memo`` naming the log
        line and the score. A row the coder already has in ``existing`` (same document,
        segment, code, span) is not added twice; no row of ``existing`` is changed or removed,
        except a row this review wrote for an accept its coder has withdrawn since with an undo
        (its ``memo`` names this log and the accept's line, its coder and unit are the accept's):
        a withdrawn accept leaves no coding behind.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.codings import codings_frame
        >>> from hsqual.corpus import Corpus, Document
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=pathlib.Path(tempfile.mkdtemp()) / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> _ = s.accept(("d", 0, 5, "fear"))
        >>> other = codings_frame([{"doc_id": "d", "segment_id": 1, "code": "fear", "start": 0, "end": 5,
        ...                         "quote": "Fear.", "coder": "kurusu2015"}])
        >>> s.codings(other)[["coder", "memo"]].values.tolist()
        [['kurusu2015', ''], ['me', 'accepted in review (r.jsonl line 1)']]
        """
        self._catch_up()          # an accept another session on the log withdrew since is no coding
        base = codings_frame(existing) if existing is not None else codings_frame()
        if len(base):
            base = base[~self._withdrawn_rows(base)].reset_index(drop=True)
        have = set(zip(base["doc_id"], base["segment_id"], base["code"], base["start"], base["end"], base["coder"]))
        rows = []
        for rec in self._records:
            if rec["verdict"] != "accept" or not self._stands(rec):      # withdrawn by an undo, or given twice
                continue
            key = _key_of(rec)
            # the unit's segment in the corpus, not the line's (which may be null, or wrong if edited)
            seg = int(self._units["segment_id"].iat[self._unit_index[key[:3]]])
            row_key = (rec["doc_id"], int(seg), rec["code"], int(rec["start"]), int(rec["end"]), rec["reviewer"])
            if row_key in have:
                continue
            have.add(row_key)
            score = _number(rec.get("score"))
            memo = f"accepted in review ({self.log_path.name} line {int(rec['line'])}" + \
                   (f"; score {score:.2f})" if score is not None else ")")
            rows.append({"doc_id": rec["doc_id"], "segment_id": int(seg), "code": rec["code"],
                         "start": int(rec["start"]), "end": int(rec["end"]), "quote": rec["quote"],
                         "coder": rec["reviewer"], "rule": "", "memo": memo})
        if not rows:
            return base.copy()
        return codings_frame(pd.concat([base, codings_frame(rows)], ignore_index=True))

    def _withdrawn_rows(self, table: pd.DataFrame) -> np.ndarray:
        """Which rows of a codings table this review wrote for an accept an undo has withdrawn since.

        A row is one when its ``memo`` is the one :meth:`codings` gives (naming this log and a
        line), that line is an accept, no longer standing, by the row's coder on its unit and code,
        and the coder withdrew it (the first undo after it on the unit and code is theirs): a row
        whose accept someone else withdrew is not taken from its coder unasked.
        """
        by_line = {int(r["line"]): r for r in self._records}

        def withdrawn_by(rec) -> str | None:
            key, after = _key_of(rec), int(rec["line"])
            return next((r["reviewer"] for r in self._records
                         if int(r["line"]) > after and r["verdict"] == "undo" and _key_of(r) == key), None)

        pattern = re.compile(r"accepted in review \((.+) line (\d+)[;)]")
        out = np.zeros(len(table), dtype=bool)
        for i, (memo, doc_id, code, start, end, coder) in enumerate(zip(
                table["memo"], table["doc_id"], table["code"], table["start"], table["end"], table["coder"])):
            m = pattern.match(str(memo))
            if m is None or m.group(1) != self.log_path.name:
                continue
            rec = by_line.get(int(m.group(2)))
            if (rec is None or rec["verdict"] != "accept" or self._stands(rec) or rec["reviewer"] != coder
                    or _key_of(rec) != (doc_id, int(start), int(end), code) or withdrawn_by(rec) != coder):
                continue
            out[i] = True
        return out

    def write_codings(self, path: str | os.PathLike, *, existing: pd.DataFrame | None = None,
                      replace: bool = False) -> Path:
        """Write :meth:`codings` to a table file (atomically, through :mod:`hsqual.writers`).

        An existing file is replaced only when every row it holds is in the new table (a
        re-write of this review's output, or ``existing=read_codings(path)`` to add to it) or
        is this review's row for an accept its coder withdrew since (see :meth:`codings`), or when
        ``replace=True``; otherwise a :class:`~hsqual.errors.CodingsFileConflict` (a
        :class:`~hsqual.errors.ReviewError`) says whose rows would be lost.

        Example
        -------
        >>> import tempfile, pathlib
        >>> from hsqual.codebook import Code, Codebook
        >>> from hsqual.corpus import Corpus, Document
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> s = ReviewSession(Corpus([Document("d", "Fear.")]), Codebook("b", [Code(id="fear", label={"en": "F"})]),
        ...                   log=d / "r.jsonl", reviewer="me", embedder="tfidf")
        >>> _ = s.accept(("d", 0, 5, "fear"))
        >>> _ = (d / "mine.csv").write_text("doc_id,segment_id,code,start,end,quote,coder\\nd,1,fear,0,4,Fear,kim\\n")
        >>> s.write_codings(d / "mine.csv")
        Traceback (most recent call last):
        ...
        hsqual.errors.CodingsFileConflict: ...mine.csv: the file holds 1 row(s) (coder(s) kim) the new table does not; ...
        >>> len(pd.read_csv(s.write_codings(d / "mine.csv", existing=read_codings(d / "mine.csv"))))
        2
        """
        from .codings import CODINGS_COLUMNS
        from .writers import TABLE_SUFFIXES, check_output_path, write_table

        target = Path(path)
        if target.resolve() == self.log_path.resolve():
            raise ReviewError("is this review's log; write the codings to another file", path=target)
        check_output_path(target, suffixes=TABLE_SUFFIXES)    # a known suffix, not a folder, before reading it
        table = self.codings(existing)
        if target.exists() and not replace:
            if target.suffix.lower() == ".csv":
                old = read_codings(target)
            elif target.suffix.lower() == ".xlsx":
                old = codings_frame(pd.read_excel(target))
            else:
                old = codings_frame(pd.read_parquet(target))
            cols = [c for c in CODINGS_COLUMNS if c != "memo"]
            new_keys = set(map(tuple, table[cols].astype(str).values.tolist()))
            gone = [tuple(r) not in new_keys for r in old[cols].astype(str).values.tolist()]
            # the review's own rows for accepts withdrawn since are to go, not rows to keep
            lost = old[np.array(gone, dtype=bool) & ~self._withdrawn_rows(old)]
            if len(lost):
                raise CodingsFileConflict(len(lost), set(lost["coder"]),
                                          "pass existing=read_codings(path) to add to it, write to another file, "
                                          "or pass replace=True", path=target)
        return write_table(table, target)
