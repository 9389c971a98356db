"""Corpora: documents with their metadata, and the segments codes are applied to.

A :class:`Document` holds its full text and metadata; a :class:`Segment` is a span of one
document (a speaker turn, paragraph, sentence, list item or excerpt) given by character offsets
into the document text. Offsets are Python ``str`` indices (Unicode code points), the
convention REFI-QDA uses, and ``document.text[segment.start:segment.end] == segment.text``
always holds: :class:`Corpus` checks it.

Example
-------
>>> doc = Document("int01", "Q: Why?\\nA: Dignity matters.", {"language": "en", "sector": "NGO"})
>>> corpus = Corpus([doc], [Segment("int01", 1, 0, 7, "Q: Why?", "Q", "turn"),
...                         Segment("int01", 2, 8, 27, "A: Dignity matters.", "A", "turn")])
>>> corpus.segments_frame()[["doc_id", "segment_id", "speaker", "start", "end", "sector"]]
  doc_id  segment_id speaker  start  end sector
0  int01           1       Q      0    7    NGO
1  int01           2       A      8   27    NGO
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .errors import ArgumentError, TranscriptError

__all__ = ["Document", "Segment", "Corpus", "SEGMENT_KINDS"]

SEGMENT_KINDS = ("document", "turn", "paragraph", "sentence", "item", "excerpt")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NO_META: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Document:
    """One text with its metadata.

    Parameters
    ----------
    doc_id : str
        Unique within a corpus.
    text : str
        The full text; offsets of segments and codings point into it.
    meta : Mapping
        Every other column: ``language`` (``"en"``/``"ja"``), ``title``, ``source``, ``kind``,
        ``speaker``, ``date``, ``sector``, ... Read-only once built.

    Example
    -------
    >>> Document("d1", "本文", {"language": "ja"}).language
    'ja'
    """

    doc_id: str
    text: str
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.doc_id, str) or not self.doc_id:
            raise TranscriptError(f"a document id must be a non-empty string, not {self.doc_id!r}")
        if not isinstance(self.text, str):
            raise TranscriptError(f"document {self.doc_id!r}: text must be a string, not {type(self.text).__name__}")
        bad = _SURROGATE.search(self.text)
        if bad is not None:  # no character: no table, file or regular expression can hold it
            line = self.text.count("\n", 0, bad.start()) + 1
            raise TranscriptError(
                f"document {self.doc_id!r}: the text holds a lone surrogate (U+{ord(bad.group()):04X}) at offset "
                f"{bad.start()} (line {line}), which is no character; decode the source with errors='replace' "
                f"(U+FFFD in its place) or mend the text")
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    @property
    def language(self) -> str:
        """The document's language (``meta["language"]``, default ``"en"``)."""
        return str(self.meta.get("language") or "en")

    def __hash__(self) -> int:
        return hash((self.doc_id, self.text))


@dataclass(frozen=True)
class Segment:
    """A span of a document.

    ``meta`` holds what belongs to this span rather than to its document, such as the
    speaker's party and role in a parliamentary record (:mod:`hsqual.diet`); it is read-only,
    and left out of comparisons.

    Example
    -------
    >>> Segment("d1", 1, 0, 5, "Hello", kind="sentence").end
    5
    >>> dict(Segment("d1", 2, 0, 5, "Hello", "A", "turn", {"speakerGroup": "Party A"}).meta)
    {'speakerGroup': 'Party A'}
    """

    doc_id: str
    segment_id: int
    start: int
    end: int
    text: str
    speaker: str | None = None
    kind: str = "document"
    meta: Mapping[str, Any] = field(default_factory=lambda: _NO_META, compare=False, repr=False)

    def __post_init__(self) -> None:
        if type(self.meta) is not MappingProxyType:
            object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))


class Corpus:
    """Documents and their segments.

    Parameters
    ----------
    documents : iterable of Document
        Document ids must be unique.
    segments : iterable of Segment, optional
        Default: one ``"document"`` segment per document spanning its whole text. Each
        segment's offsets must slice its text out of its document.

    Example
    -------
    >>> c = Corpus([Document("a", "one"), Document("b", "two")])
    >>> len(c), [s.text for s in c.segments]
    (2, ['one', 'two'])
    >>> c.doc("b").text
    'two'
    """

    def __init__(self, documents: Iterable[Document], segments: Iterable[Segment] | None = None) -> None:
        docs = tuple(documents)
        by_id: dict[str, Document] = {}
        for d in docs:
            if not isinstance(d, Document):
                raise ArgumentError(f"Corpus: expected Document records, got {type(d).__name__}")
            if d.doc_id in by_id:
                raise TranscriptError(f"document id {d.doc_id!r} appears twice; document ids must be unique")
            by_id[d.doc_id] = d
        if segments is None:
            segs = tuple(Segment(d.doc_id, 1, 0, len(d.text), d.text, d.meta.get("speaker"), "document") for d in docs)
        else:
            segs = tuple(segments)
            seen: set[tuple[str, int]] = set()
            for s in segs:
                doc = by_id.get(s.doc_id)
                if doc is None:
                    raise TranscriptError(f"segment {s.segment_id} points at unknown document {s.doc_id!r}")
                key = (s.doc_id, s.segment_id)
                if key in seen:
                    raise TranscriptError(f"document {s.doc_id!r}: segment id {s.segment_id} appears twice")
                seen.add(key)
                if not (0 <= s.start <= s.end <= len(doc.text)) or doc.text[s.start : s.end] != s.text:
                    raise TranscriptError(
                        f"document {s.doc_id!r}, segment {s.segment_id}: offsets {s.start}-{s.end} do not slice "
                        f"its text out of the document (expected {s.text[:40]!r})")
        self._docs = docs
        self._by_id = MappingProxyType(by_id)
        self._segments = segs

    def __len__(self) -> int:
        return len(self._docs)

    def __iter__(self) -> Iterator[Document]:
        return iter(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._by_id

    def __repr__(self) -> str:
        return f"<Corpus: {len(self._docs)} documents, {len(self._segments)} segments>"

    @property
    def documents(self) -> tuple[Document, ...]:
        """The documents, in order."""
        return self._docs

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The segments, in document order."""
        return self._segments

    @property
    def doc_ids(self) -> list[str]:
        """The document ids, in order."""
        return [d.doc_id for d in self._docs]

    def doc(self, doc_id: str) -> Document:
        """The document with this id (``KeyError`` naming it when absent)."""
        try:
            return self._by_id[doc_id]
        except KeyError:
            raise KeyError(f"no document {doc_id!r} in this corpus") from None

    def segments_of(self, doc_id: str) -> list[Segment]:
        """The segments of one document."""
        return [s for s in self._segments if s.doc_id == doc_id]

    def with_segments(self, segments: Iterable[Segment]) -> Corpus:
        """The same documents with other segments (e.g. sentences)."""
        return Corpus(self._docs, segments)

    def subset(self, doc_ids: Iterable[str]) -> Corpus:
        """The corpus restricted to some documents (their segments kept).

        Example
        -------
        >>> Corpus([Document("a", "x"), Document("b", "y")]).subset(["b"]).doc_ids
        ['b']
        """
        keep = list(dict.fromkeys(doc_ids))
        for d in keep:
            self.doc(d)
        keep_set = set(keep)
        return Corpus([self._by_id[d] for d in keep], [s for s in self._segments if s.doc_id in keep_set])

    def documents_frame(self):
        """One row per document: ``doc_id``, every metadata column, ``n_chars``.

        Example
        -------
        >>> Corpus([Document("a", "xyz", {"sector": "NGO"})]).documents_frame()
          doc_id sector  n_chars
        0      a    NGO        3
        """
        import pandas as pd

        rows = [{"doc_id": d.doc_id, **dict(d.meta), "n_chars": len(d.text)} for d in self._docs]
        return pd.DataFrame(rows, columns=_columns(rows, ["doc_id"], ["n_chars"]))

    def segments_frame(self, *, meta: bool = True):
        """One row per segment: ``doc_id, segment_id, speaker, kind, start, end, text``, then
        (``meta=True``) the segment's own metadata columns and the document's metadata columns
        (a segment's value wins where both have a column).

        Example
        -------
        >>> Corpus([Document("a", "xyz")]).segments_frame(meta=False)
          doc_id  segment_id speaker      kind  start  end text
        0      a           1    None  document      0    3  xyz
        """
        import pandas as pd

        base = ["doc_id", "segment_id", "speaker", "kind", "start", "end", "text"]
        rows = []
        for s in self._segments:
            row = {"doc_id": s.doc_id, "segment_id": s.segment_id, "speaker": s.speaker, "kind": s.kind,
                   "start": s.start, "end": s.end, "text": s.text}
            if meta:
                for k, v in s.meta.items():
                    if k not in row:
                        row[k] = v
                for k, v in self._by_id[s.doc_id].meta.items():
                    if k not in row:
                        row[k] = v
            rows.append(row)
        return pd.DataFrame(rows, columns=_columns(rows, base, []))


def _columns(rows: list[dict], first: list[str], last: list[str]) -> list[str]:
    cols = list(first)
    for r in rows:
        for k in r:
            if k not in cols and k not in last:
                cols.append(k)
    return cols + last
