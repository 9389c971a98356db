"""Applying a codebook's rules to a corpus: the automatic ("rules") coder.

:func:`apply_codebook` tokenises each document once, compiles every rule once, and matches
all rules against every unit (sentence, segment, paragraph or document) over token ranges,
documents of one language indexed together so that each rule is evaluated once per batch of
documents (a unit lies in one document and matches as it would on its own). It returns machine codings only; combine them with a person's codings through
:func:`hsqual.codings.add_codings`, which never overwrites or removes a person's rows.

One row per (unit, code)
------------------------
A code applied to a unit gives one row, however many of its rules fired, so that counts,
cross tables and agreement see one coding per unit. The row traces everything that fired:

``start``, ``end``, ``quote``
    The unit's span (the sentence, segment, paragraph or document) and its text:
    ``quote == document.text[start:end]``.
``rule``
    Every rule of the code that matched the unit, each as
    ``<codebook id>/<code id>/<lang>#<n>: <rule text>`` (``n`` counts from 1 in the
    codebook's list for that language), joined by ``" | "`` in rule order. Split the column
    with :func:`fired_rules`.
``segment_id``, ``unit_id``, ``speaker``
    The segment (turn, item, excerpt) the unit lies in; the unit itself, ``"<segment_id>.<n>"``
    for the n-th sentence or paragraph of that segment (``"<segment_id>"`` for a segment,
    empty for a document); and the speaker of that segment. A sentence's ``segment_id`` is
    its turn's: joining codings to a corpus cut into sentences (``load_corpus(...,
    unit="sentence")``) by ``segment_id`` would pair them with the wrong rows;
    :func:`hsqual.codings.check_codings` reports a coding outside its segment.
``match_start``, ``match_end``
    The first word (span) that made the code fire, as offsets into the document text.
    Missing (``<NA>``) when the rules that fired name no words (only ``NOT``, ``meta:``).
``match_text``
    Every word (span) that made the code fire, in text order, joined by ``" … "``
    (overlapping spans are merged: a word inside a matched phrase shows once).
``match_spans``
    The same spans as ``start-end`` offset pairs joined by ``;`` (``"12-19;40-46"``), so that
    each word of ``match_text`` can be found in the document.

Example
-------
>>> from hsqual.codebook import Code, Codebook
>>> from hsqual.corpus import Corpus, Document
>>> cb = Codebook("demo", [
...     Code(id="freedoms.fear", label={"en": "Freedom from fear", "ja": "恐怖からの自由"},
...          rules={"ja": ("恐怖", "NEAR(紛争, 暴力, 5)")}, codebook="demo")])
>>> corpus = Corpus([Document("int04", "紛争地では暴力への恐怖が続く。平和が戻った。", {"language": "ja"})])
>>> df = apply_codebook(corpus, cb)
>>> df[["segment_id", "code", "start", "end", "quote"]]
   segment_id           code  start  end            quote
0           1  freedoms.fear      0   15  紛争地では暴力への恐怖が続く。
>>> fired_rules(df.loc[0, "rule"])
['demo/freedoms.fear/ja#1: 恐怖', 'demo/freedoms.fear/ja#2: NEAR(紛争, 暴力, 5)']
>>> df.loc[0, "match_text"], df.loc[0, "match_spans"]
('紛争 … 暴力 … 恐怖', '0-2;5-7;9-11')
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .codebook import Codebook
from .codings import CODINGS_COLUMNS, TEXT_COLUMNS, codings_frame, is_machine_coder
from .corpus import Corpus, Document
from .errors import ArgumentError
from .parallel import BATCH_CHARS, ENGINES, check_speakers, code_batches
from .params import excludes, only_with, validate_params
from .segment import units_of_segment
from .gcpause import fewer_collections
from .rules.index import DocIndex, JoinedIndex, TermSet, cached_arrays, compile_terms, writing_behind
from .rules.match import (RegexSet, UnitSet, evaluate, evidence_in_units, merge_span_arrays, merge_spans,
                           possible_mask)
from .rules.rule import Rule, dependency_order, parse_codebook_rules
from .rules.syntax import LANGUAGES, Meta, Regex, Term, caret_error

__all__ = ["UNITS", "INTERVIEWER_LABELS", "apply_codebook", "fired_rules", "is_interviewer_label", "speaker_filter",
           # the coding machinery hsqual.concordance shares
           "check_args", "check_meta_columns", "compile_codebook", "match_document", "segment_at", "segments_by_doc",
           "units_of", "apply_codebook_parallel", "ENGINES", "CLIENT_TYPE", "SPEAKER_TYPES", "SPEAKERS_RULE"]

#: The units a codebook can be applied to.
UNITS = ("sentence", "segment", "paragraph", "document")
#: Where :func:`apply_codebook` codes: in this process, a process pool, or a dask cluster.

_MATCH_COLUMNS = ["match_start", "match_end", "match_text", "match_spans"]
_RULE_SPLIT = re.compile(r" \| (?=[a-z0-9_+]+/[a-z0-9_.]+/[a-z]{2,3}#\d+: )")


def fired_rules(rule_cell: str) -> list[str]:
    """Split a ``rule`` cell of :func:`apply_codebook` into the rules that fired.

    The separator ``" | "`` may occur inside a rule (``a | b``); the split happens only where
    the next rule's ``<codebook>/<code>/<lang>#<n>:`` label begins.

    Example
    -------
    >>> fired_rules("tf/freedoms.fear/en#1: fear | threat | tf/freedoms.fear/en#3: violen*")
    ['tf/freedoms.fear/en#1: fear | threat', 'tf/freedoms.fear/en#3: violen*']
    >>> fired_rules("")
    []
    """
    if not isinstance(rule_cell, str):
        raise ArgumentError(f"fired_rules: expected the text of a rule cell, not {type(rule_cell).__name__}")
    return _RULE_SPLIT.split(rule_cell) if rule_cell else []


# ---------------------------------------------------------------------------------------
# Compiled codebooks
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Compiled:
    codebook: Codebook
    order: tuple[str, ...]
    rules: dict  # code id -> lang -> list[Rule]

    def codes_for(self, lang: str) -> list[tuple[str, list[Rule]]]:
        return [(c, self.rules[c][lang]) for c in self.order if self.rules[c].get(lang)]

    def terms_for(self, lang: str) -> tuple[Term, ...]:
        """Every term of the rules of one language, once each (worked out once)."""
        kept = self.__dict__.setdefault("_terms", {})
        got = kept.get(lang)
        if got is None:
            got = kept[lang] = tuple(dict.fromkeys(n for _, rules in self.codes_for(lang) for r in rules
                                                   for n in r.root.nodes() if isinstance(n, Term)))
        return got

    def compile_terms(self, lang: str) -> None:
        """Compile the terms of one language together, their texts tokenised in one pass
        (:func:`~hsqual.rules.index.compile_terms`): once, not at every batch (where finding
        that none is left to compile costs a hash of every term). A term compiled before and
        since let go of is compiled again alone when it is next looked up."""
        done = self.__dict__.setdefault("_compiled_terms", set())
        if lang not in done:
            compile_terms(self.terms_for(lang), lang)
            done.add(lang)

    def term_set(self, lang: str) -> TermSet:
        """The terms of the rules of one language, to be ruled out together
        (:class:`~hsqual.rules.index.TermSet`; made once)."""
        kept = self.__dict__.setdefault("_term_sets", {})
        got = kept.get(lang)
        if got is None:
            got = kept[lang] = TermSet(self.terms_for(lang), lang)
        return got

    def regex_set(self, lang: str) -> RegexSet:
        """The ``/regex/`` terms of the rules of one language, to be searched for together
        (:class:`~hsqual.rules.match.RegexSet`; made once)."""
        kept = self.__dict__.setdefault("_regex_sets", {})
        got = kept.get(lang)
        if got is None:
            got = kept[lang] = RegexSet(n for _, rules in self.codes_for(lang) for r in rules
                                        for n in r.root.nodes() if isinstance(n, Regex))
        return got

    def meta_nodes(self) -> tuple[tuple[Rule, Meta], ...]:
        """Every ``meta:`` node of every rule, with its rule (worked out once)."""
        got = self.__dict__.get("_meta_nodes")
        if got is None:
            got = tuple(_meta_pairs(r for per in self.rules.values() for rs in per.values() for r in rs))
            object.__setattr__(self, "_meta_nodes", got)
        return got

    def label(self, code_id: str, lang: str, n: int) -> str:
        code = self.codebook[code_id]
        rule = self.rules[code_id][lang][n]
        return f"{code.codebook or self.codebook.id}/{code_id}/{lang}#{n + 1}: {rule.text}"

    def needed(self, code_ids) -> set[str]:
        """The codes and every code their rules refer to, transitively."""
        out, todo = set(), list(code_ids)
        while todo:
            c = todo.pop()
            if c in out:
                continue
            out.add(c)
            for rules in self.rules[c].values():
                for r in rules:
                    todo.extend(r.code_refs)
        return out


def compile_codebook(codebook: Codebook) -> _Compiled:
    """Every rule of a codebook parsed, with its codes in ``code:`` dependency order.

    Kept for the last few codebooks (a codebook is immutable): coding again with the same
    codebook object does not order its codes and gather its terms again.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="both", label={}, rules={"en": ("code:fear AND want",)}),
    ...                        Code(id="fear", label={}, rules={"en": ("fear",)})])
    >>> compile_codebook(cb).order
    ('fear', 'both')
    """
    for kept in _COMPILED:
        if kept.codebook is codebook:
            return kept
    parsed = parse_codebook_rules(codebook)
    order = dependency_order(codebook, parsed)
    compiled = _Compiled(codebook, tuple(order), parsed)
    _COMPILED.append(compiled)
    del _COMPILED[:-8]
    return compiled


#: The last few compiled codebooks, newest last (each keeps its codebook alive).
_COMPILED: list[_Compiled] = []


def _meta_pairs(rules: Iterable[Rule]) -> Iterator[tuple[Rule, Meta]]:
    """Each ``meta:`` node of the rules, with its rule, in rule order."""
    return ((r, n) for r in rules for n in r.root.nodes() if isinstance(n, Meta))


def check_meta_columns(compiled: _Compiled | None, corpus: Corpus, rules: Sequence[Rule] | None = None) -> None:
    """A ``meta:`` column no document has is a typo that would silently match nothing.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> corpus = Corpus([Document("d", "Q: Fear? A: Want.", {"language": "en"})],
    ...                 [Segment("d", 1, 0, 8, "Q: Fear?", "Q", "turn"), Segment("d", 2, 9, 17, "A: Want.", "A", "turn")])
    >>> cb = Codebook("demo", [Code(id="ngo", label={}, rules={"en": ("meta:sectr=NGO",)})])
    >>> check_meta_columns(compile_codebook(cb), corpus)
    Traceback (most recent call last):
    ...
    hsqual.errors.RuleSyntaxError: code 'ngo': rule syntax error: no document has a metadata column 'sectr' ...
    """
    if rules is None:
        if compiled is None:
            raise ArgumentError("check_meta_columns: give the compiled codebook or the rules to check")
        pairs: Sequence[tuple[Rule, Meta]] = compiled.meta_nodes()
    else:
        pairs = list(_meta_pairs(rules))
    if not pairs:
        return
    columns = {"speaker"}
    for d in corpus.documents:
        columns.update(str(k) for k in d.meta)
    for rule, node in pairs:
        if node.column not in columns:
            known = ", ".join(sorted(columns))
            raise caret_error(f"no document has a metadata column {node.column!r} (columns: {known})",
                               rule.text, node.offset, code=rule.code, path=rule.path, line=rule.line)


# ---------------------------------------------------------------------------------------
# Units
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Units:
    starts: list[int]
    ends: list[int]
    segment_ids: list[int]
    speakers: list
    ordinals: list | None = None  # 1-based number of each unit within its segment


def segments_by_doc(corpus: Corpus) -> dict[str, list]:
    """The segments of each document, by document id.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> corpus = Corpus([Document("d", "Q: Fear? A: Want.", {"language": "en"})],
    ...                 [Segment("d", 1, 0, 8, "Q: Fear?", "Q", "turn"), Segment("d", 2, 9, 17, "A: Want.", "A", "turn")])
    >>> [s.segment_id for s in segments_by_doc(corpus)["d"]]
    [1, 2]
    """
    out: dict[str, list] = {d.doc_id: [] for d in corpus.documents}
    for s in corpus.segments:
        out[s.doc_id].append(s)
    return out


def units_of(corpus: Corpus, doc: Document, unit: str, language: str, segs: list | None = None) -> _Units:
    """The units (sentences, segments, ...) of one document: offsets, segment ids, speakers.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> corpus = Corpus([Document("d", "Q: Fear? A: Want.", {"language": "en"})],
    ...                 [Segment("d", 1, 0, 8, "Q: Fear?", "Q", "turn"), Segment("d", 2, 9, 17, "A: Want.", "A", "turn")])
    >>> u = units_of(corpus, corpus.documents[0], "segment", "en")
    >>> u.starts, u.ends, u.speakers
    ([0, 9], [8, 17], ['Q', 'A'])
    """
    if segs is None:
        segs = corpus.segments_of(doc.doc_id)
    starts, ends, seg_ids, speakers, ordinals = [], [], [], [], []
    if unit == "document":
        first = segs[0].segment_id if segs else 1
        return _Units([0], [len(doc.text)], [first], [doc.meta.get("speaker")], [1])
    if unit != "segment" and segs:  # sentences and paragraphs: split once, then kept
        got = _split_units(segs, unit, language)
        seg = got["segment"].tolist()
        return _Units(got["starts"].tolist(), got["ends"].tolist(), [segs[i].segment_id for i in seg],
                      [segs[i].speaker for i in seg], got["ordinal"].tolist())
    for s in segs:
        for n, (a, b) in enumerate(units_of_segment(s, unit, language=language), start=1):
            starts.append(a)
            ends.append(b)
            seg_ids.append(s.segment_id)
            speakers.append(s.speaker)
            ordinals.append(n)
    return _Units(starts, ends, seg_ids, speakers, ordinals)


_SPLITTER: str | None = None


def _splitter_version() -> str:
    """What the units of a segment depend on besides its text: the splitting code
    (:mod:`hsqual.segment`'s source) and the Unicode and Python versions."""
    global _SPLITTER
    if _SPLITTER is None:
        import sys

        from . import segment

        try:
            with open(segment.__file__, "rb") as f:
                source = hashlib.sha256(f.read()).hexdigest()
        except (OSError, TypeError):  # no source to read: nothing kept across runs
            source = f"unread-{os.getpid()}-{id(segment)}"
        _SPLITTER = f"{source} {unicodedata.unidata_version} {sys.version_info[0]}.{sys.version_info[1]}"
    return _SPLITTER


def _split_units(segs: list, unit: str, language: str) -> dict[str, np.ndarray]:
    """The sentences (or paragraphs) of a document's segments: start, end, the segment's
    number in ``segs`` and the unit's number within its segment; kept in the token cache
    (:func:`hsqual.rules.index.cached_arrays`), keyed by the segments and the splitting code."""
    h = hashlib.sha256(f"hsqual-units-1\0{unit}\0{language}\0{_splitter_version()}\0".encode())
    for s in segs:
        h.update(f"{s.start}\0{len(s.text)}\0".encode())
        h.update(s.text.encode("utf-8", "surrogatepass"))

    def compute():
        starts, ends, seg, ordinal = [], [], [], []
        for i, s in enumerate(segs):
            for n, (a, b) in enumerate(units_of_segment(s, unit, language=language), start=1):
                starts.append(a)
                ends.append(b)
                seg.append(i)
                ordinal.append(n)
        return {"starts": np.asarray(starts, dtype=np.int64), "ends": np.asarray(ends, dtype=np.int64),
                "segment": np.asarray(seg, dtype=np.int32), "ordinal": np.asarray(ordinal, dtype=np.int32)}

    def check(got):
        if set(got) != {"starts", "ends", "segment", "ordinal"}:
            return False
        n = len(got["starts"])
        if any(len(got[k]) != n for k in got):
            return False
        seg = got["segment"]
        if n and (int(seg.min()) < 0 or int(seg.max()) >= len(segs) or int(got["ordinal"].min()) < 1):
            return False
        lo = np.fromiter((s.start for s in segs), dtype=np.int64, count=len(segs))[seg]
        hi = lo + np.fromiter((len(s.text) for s in segs), dtype=np.int64, count=len(segs))[seg]
        return bool(((lo <= got["starts"]) & (got["starts"] <= got["ends"]) & (got["ends"] <= hi)).all())

    return cached_arrays(h.hexdigest(), compute, check=check)


def segment_at(corpus: Corpus, doc_id: str, offset: int, default: int, segs: list | None = None) -> int:
    """The segment holding a character offset (the last one starting at or before it).

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> corpus = Corpus([Document("d", "Q: Fear? A: Want.", {"language": "en"})],
    ...                 [Segment("d", 1, 0, 8, "Q: Fear?", "Q", "turn"), Segment("d", 2, 9, 17, "A: Want.", "A", "turn")])
    >>> segment_at(corpus, "d", 12, 0), segment_at(corpus, "d", 3, 0)
    (2, 1)
    """
    if segs is None:
        segs = corpus.segments_of(doc_id)
    if not segs:
        return default
    starts = [s.start for s in segs]
    i = bisect.bisect_right(starts, offset) - 1
    return segs[max(i, 0)].segment_id


# ---------------------------------------------------------------------------------------
# Matching a document
# ---------------------------------------------------------------------------------------


@dataclass
class _Firing:
    """A code applied to one unit: which rules fired and their evidence."""

    k: int
    code: str
    rules: list[int]
    spans: list[list[tuple[int, int]]]  # per fired rule


def match_document(doc: Document, lang: str, units: _Units, compiled: _Compiled, *,
                    only: set[str] | None = None, index: DocIndex | None = None) -> tuple[UnitSet, list[_Firing]]:
    """Apply every code (or the codes in ``only``) to the units of one document.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> corpus = Corpus([Document("d", "Q: Fear? A: Want.", {"language": "en"})],
    ...                 [Segment("d", 1, 0, 8, "Q: Fear?", "Q", "turn"), Segment("d", 2, 9, 17, "A: Want.", "A", "turn")])
    >>> cb = Codebook("demo", [Code(id="want", label={}, rules={"en": ("want",)})])
    >>> doc = corpus.documents[0]
    >>> units, fired = match_document(doc, "en", units_of(corpus, doc, "segment", "en"), compile_codebook(cb))
    >>> [(f.k, f.code, f.spans) for f in fired]
    [(1, 'want', [[(12, 16)]])]
    """
    ix = index if index is not None else DocIndex(doc.text, lang)
    return _match_units(ix, units, compiled, lang, meta=doc.meta, only=only)


def _match_units(ix: DocIndex, units: _Units, compiled: _Compiled, lang: str, *, meta, only: set[str] | None = None,
                 metas=None, unit_docs=None) -> tuple[UnitSet, list[_Firing]]:
    U = UnitSet(ix, units.starts, units.ends, meta=meta, speakers=units.speakers, metas=metas, unit_docs=unit_docs)
    compiled.compile_terms(lang)
    ix.rule_out(compiled.term_set(lang))  # the terms no token can hold, found at once
    U.rule_out(compiled.regex_set(lang))  # the patterns matching nowhere, found in one pass
    firings: list[_Firing] = []
    disjoint = U.disjoint
    for code_id, rules in compiled.codes_for(lang):
        if only is not None and code_id not in only:
            continue
        masks = [possible_mask(r.root, U) for r in rules]
        some = [m for m in masks if m is not U.none]  # U.none: no unit (shared, read-only)
        if not some:
            U.set_code(code_id, U.none, {})
            continue
        fired = some[0].copy()
        for m in some[1:]:
            fired |= m
        spans_by_unit: dict[int, list[tuple[int, int]]] = {}
        if disjoint:
            firings.extend(_evidence_of_code(U, code_id, rules, masks, fired, spans_by_unit))
            U.set_code(code_id, fired, spans_by_unit)
            continue
        for k in np.flatnonzero(fired):
            k = int(k)
            which = [i for i, m in enumerate(masks) if m[k]]
            per_rule = []
            for i in which:
                sp = evaluate(rules[i].root, U, k)
                if sp is None:  # pragma: no cover - masks and evidence must agree
                    raise AssertionError(f"rule {rules[i].text!r}: unit mask and evidence disagree")
                per_rule.append(merge_spans(sp))
            spans_by_unit[k] = merge_spans(s for sp in per_rule for s in sp)
            firings.append(_Firing(k, code_id, which, per_rule))
        U.set_code(code_id, fired, spans_by_unit)
    return U, firings


def _evidence_of_code(U: UnitSet, code_id: str, rules: list[Rule], masks: list[np.ndarray], fired: np.ndarray,
                      spans_by_unit: dict[int, list[tuple[int, int]]]) -> list[_Firing]:
    """The firings of one code over disjoint units, with the evidence of every rule gathered
    for all its units at once (:func:`~hsqual.rules.match.evidence_in_units`); fills
    ``spans_by_unit`` (each fired unit: the evidence of all its rules, merged)."""
    fired_units = np.flatnonzero(fired).tolist()
    which: dict[int, list[int]] = {k: [] for k in fired_units}
    per_rule: dict[int, list[list[tuple[int, int]]]] = {k: [] for k in fired_units}
    merged_parts = []
    for i, m in enumerate(masks):
        if m is U.none:
            continue
        ku = np.flatnonzero(m).tolist()
        if not ku:
            continue
        merged = merge_span_arrays(*evidence_in_units(rules[i].root, U, np.asarray(ku)))
        merged_parts.append(merged)
        for k, spans in zip(ku, _spans_per_unit(merged, ku)):
            which[k].append(i)
            per_rule[k].append(spans)
    if merged_parts:
        union = merge_span_arrays(*(np.concatenate([p[n] for p in merged_parts]) for n in range(3)))
        spans_by_unit.update(zip(fired_units, _spans_per_unit(union, fired_units)))
    return [_Firing(k, code_id, which[k], per_rule[k]) for k in fired_units]


def _spans_per_unit(merged: tuple[np.ndarray, np.ndarray, np.ndarray], units: list[int]) -> list[list[tuple[int, int]]]:
    """The spans of each of ``units`` (ascending), from (unit, start, end) arrays sorted by
    unit (:func:`~hsqual.rules.match.merge_span_arrays`); a unit without spans gets ``[]``."""
    u, a, b = merged
    starts, ends = a.tolist(), b.tolist()
    cuts = np.searchsorted(u, units, "left").tolist() + [len(starts)]
    return [list(zip(starts[cuts[j]:cuts[j + 1]], ends[cuts[j]:cuts[j + 1]])) for j in range(len(units))]


#: Documents are matched in batches of about this many characters: the rules are then
#: evaluated once per batch rather than once per document (a worker's batch is no larger).
_BATCH_CHARS = BATCH_CHARS


def _match_batch(docs: list[Document], lang: str, units: list[_Units],
                 compiled: _Compiled) -> list[tuple[int, int, _Firing]]:
    """Apply every code to the units of several documents of one language at once.

    The documents are indexed as one :class:`~hsqual.rules.JoinedIndex`; a unit lies in one
    document, so it matches exactly as in a document of its own. Returns ``(document number,
    unit number within the document, firing)`` with evidence offsets into the document's text,
    in document order and, within a document, as :func:`match_document` orders them.
    """
    ix = JoinedIndex([d.text for d in docs], lang)
    starts, ends, speakers, unit_docs, first_unit = [], [], [], [], []
    for j, (base, u) in enumerate(zip(ix.bases, units)):
        first_unit.append(len(starts))
        starts.extend(a + base for a in u.starts)
        ends.extend(b + base for b in u.ends)
        speakers.extend(u.speakers)
        unit_docs.extend([j] * len(u.starts))
    joined = _Units(starts, ends, [0] * len(starts), speakers)
    U, firings = _match_units(ix, joined, compiled, lang, meta={}, metas=[d.meta for d in docs], unit_docs=unit_docs)
    out = []
    for f in firings:
        j = unit_docs[f.k]
        base = ix.bases[j]
        f.spans = [[(a - base, b - base) for a, b in per] for per in f.spans]
        out.append((j, f.k - first_unit[j], f))
    return out


def check_args(corpus, codebook, unit, language) -> None:
    """Check the arguments :func:`apply_codebook` and :func:`hsqual.kwic` share.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> corpus = Corpus([Document("d", "Q: Fear? A: Want.", {"language": "en"})],
    ...                 [Segment("d", 1, 0, 8, "Q: Fear?", "Q", "turn"), Segment("d", 2, 9, 17, "A: Want.", "A", "turn")])
    >>> check_args(corpus, None, "turn", None)
    Traceback (most recent call last):
    ...
    hsqual.errors.ArgumentError: unit must be one of 'sentence', 'segment', 'paragraph', 'document', not 'turn'
    """
    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"expected a Corpus, not {type(corpus).__name__} (build one with hsqual.load_corpus)")
    if codebook is not None and not isinstance(codebook, Codebook):
        raise ArgumentError(f"expected a Codebook, not {type(codebook).__name__} (load one with hsqual.load_codebook)")
    if unit not in UNITS:
        raise ArgumentError(f"unit must be one of {', '.join(map(repr, UNITS))}, not {unit!r}")
    if language is not None and language not in LANGUAGES:
        raise ArgumentError(f"language must be None (each document's meta 'language') or one of "
                         f"{', '.join(map(repr, LANGUAGES))}, not {language!r}")


#: Speaker labels of an interviewer's turns, compared without regard to case, that
#: ``exclude_speakers="interviewer"`` (``--exclude-interviewer``) leaves out.
INTERVIEWER_LABELS = ("interviewer", "interviewers", "q", "question", "int", "i",
                      "聞き手", "質問者", "インタビュアー", "インタビュワー")


def is_interviewer_label(name: str) -> bool:
    """True for a speaker label of an interviewer (``Interviewer``, ``Q``, ``聞き手``, ``質問者``, ...).

    Labels are compared without regard to case, spaces, a trailing colon or a number or name
    after the role (``Interviewer 2``, ``Interviewer (KK)``, ``聞き手A``).

    Example
    -------
    >>> [is_interviewer_label(n) for n in ("Interviewer", "Q", "聞き手", "質問者", "Interviewer 2", "Interviewee 4")]
    [True, True, True, True, True, False]
    """
    label = unicodedata.normalize("NFKC", str(name)).strip().rstrip(":：").strip().casefold()
    if label in INTERVIEWER_LABELS:
        return True
    base = re.sub(r"[\s(（].*$|[0-9a-z]+$", "", label) if not label.isascii() else \
        re.sub(r"[\s(].*$", "", label)
    return base in INTERVIEWER_LABELS and base not in ("i", "q", "int")


def _speaker_filter(corpus: Corpus, unit: str, speakers, exclude_speakers):
    """``(keep(speaker) -> bool, names given)`` from the ``speakers``/``exclude_speakers`` options.

    Names compare without regard to case or surrounding spaces, as speaker labels are found.
    ``exclude_speakers="interviewer"`` stands for every interviewer label of the corpus.
    """
    if speakers is not None and exclude_speakers is not None:
        raise ArgumentError("give speakers (the turns to code) or exclude_speakers (the turns to leave out), not both")
    given = speakers if speakers is not None else exclude_speakers
    if given is None:
        return None, None
    option = "speakers" if speakers is not None else "exclude_speakers"
    names = [given] if isinstance(given, str) else given
    try:
        names = list(names)
    except TypeError:
        raise ArgumentError(f"{option} must be a speaker's name or a list of names, not {type(given).__name__}") \
            from None
    # ``hsqual code`` (cli/code.py) names its own options (--speaker) in these messages, which
    # start with the option's name.
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ArgumentError(f"{option} must name at least one speaker (non-empty names), not {given!r}")
    if unit == "document":
        raise ArgumentError(f"{option} selects speaker turns, but unit='document' codes each document as a whole, "
                         "every turn included; use unit='segment', 'sentence' or 'paragraph'")
    known: dict[str, str] = {}
    for s in corpus.segments:
        if s.speaker is not None:
            known.setdefault(str(s.speaker).strip().casefold(), str(s.speaker))
    if option == "exclude_speakers" and [n.strip().casefold() for n in names] == ["interviewer"]:
        found = [v for v in known.values() if is_interviewer_label(v)]
        if not found:
            warnings.warn("exclude_speakers='interviewer': no segment has an interviewer's label "
                          f"({', '.join(INTERVIEWER_LABELS[:4])}, 聞き手, 質問者, インタビュアー ...); every turn is coded "
                          f"(speakers in the corpus: {', '.join(map(repr, known.values())) or 'none'})",
                          UserWarning, stacklevel=3)
            return None, []
        names = found
    wanted = {n.strip().casefold() for n in names}
    unknown = [n for n in names if n.strip().casefold() not in known]
    found_list = ", ".join(repr(v) for v in known.values()) or "none: its segments have no speakers"
    if unknown and len(unknown) == len(names):
        raise ArgumentError(f"{option}: no segment of the corpus has the speaker {unknown[0]!r} "
                         f"(speakers in the corpus: {found_list})")
    if unknown:
        # several names for one role across a batch of files (Interviewer, 聞き手): the absent ones are noted
        warnings.warn(f"{option}: no segment of the corpus has the speaker(s) {', '.join(map(repr, unknown))}; "
                      f"they are ignored (speakers in the corpus: {found_list})", UserWarning, stacklevel=3)
        names = [n for n in names if n not in unknown]
    if speakers is not None:
        return (lambda who: who is not None and str(who).strip().casefold() in wanted), names
    return (lambda who: who is None or str(who).strip().casefold() not in wanted), names


def speaker_filter(corpus: Corpus, *, unit: str = "segment", speakers=None, exclude_speakers=None):
    """A test of speaker labels from the ``speakers`` / ``exclude_speakers`` options of
    :func:`apply_codebook` (and :func:`hsqual.concordance.kwic`).

    Returns ``None`` when neither option is given (every speaker passes), else a function
    ``keep(speaker) -> bool``. The options are checked as :func:`apply_codebook` checks them.

    Example
    -------
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> c = Corpus([Document("d", "Q: Why?\\nA: Dignity.")],
    ...            [Segment("d", 1, 3, 7, "Why?", "Q", "turn"), Segment("d", 2, 11, 19, "Dignity.", "A", "turn")])
    >>> keep = speaker_filter(c, exclude_speakers="interviewer")
    >>> keep("Q"), keep("A")
    (False, True)
    """
    return _speaker_filter(corpus, unit, speakers, exclude_speakers)[0]


def _keep_units(units: _Units, keep) -> tuple[_Units, int]:
    """The units whose speaker passes ``keep``, and how many were left out."""
    idx = [k for k, who in enumerate(units.speakers) if keep(who)]
    if len(idx) == len(units.starts):
        return units, 0
    return (_Units([units.starts[k] for k in idx], [units.ends[k] for k in idx],
                   [units.segment_ids[k] for k in idx], [units.speakers[k] for k in idx],
                   [units.ordinals[k] for k in idx] if units.ordinals is not None else None),
            len(units.starts) - len(idx))


#: ``client`` is a dask ``distributed.Client`` (anything with ``submit``) or None.
CLIENT_TYPE = (lambda v: v is None or callable(getattr(v, "submit", None)), "a dask.distributed Client or None")
#: ``speakers`` / ``exclude_speakers``: a name, a list of names, or None.
SPEAKERS_TYPE = (lambda v: v is None or isinstance(v, (str, Iterable)), "a speaker's name or a list of names, or None")
#: The declared types of the speaker options, for :func:`hsqual.params.validate_params`.
SPEAKER_TYPES = {"speakers": SPEAKERS_TYPE, "exclude_speakers": SPEAKERS_TYPE}
#: ``speakers`` and ``exclude_speakers`` say the opposite of each other.
SPEAKERS_RULE = excludes("speakers", "exclude_speakers",
                         "speakers are the turns to code, exclude_speakers the turns to leave out",
                         example={"speakers": "A", "exclude_speakers": "Q"})


@validate_params(choices={"unit": UNITS, "language": LANGUAGES, "engine": ENGINES}, ranges={"n_jobs": (-1, None)},
                 types={"client": CLIENT_TYPE, **SPEAKER_TYPES},
                 rules=[only_with("client", "engine", ("dask",), example={"engine": "local"}), SPEAKERS_RULE])
def apply_codebook(corpus: Corpus, codebook: Codebook, *, unit: str = "sentence", language: str | None = None,
                   coder: str = "rules", speakers: str | Iterable[str] | None = None,
                   exclude_speakers: str | Iterable[str] | None = None,
                   progress: bool = False, n_jobs: int | None = 1, engine: str = "local",
                   client: Any = None) -> pd.DataFrame:
    """Apply a codebook's rules to every unit of a corpus.

    Parameters
    ----------
    corpus : Corpus
        The documents (and their segments: turns, paragraphs, excerpts ...).
    codebook : Codebook
        The codes and their rules (:func:`hsqual.load_codebook` / ``load_codebooks``).
    unit : {"sentence", "segment", "paragraph", "document"}, keyword-only
        What a code is applied to. ``"sentence"`` splits each segment into sentences (the
        row's ``segment_id`` is the segment the sentence lies in, its ``unit_id``
        ``"<segment_id>.<n>"`` the sentence: the n-th of that segment); ``"paragraph"`` splits
        each segment into paragraphs (blank lines, list items: :func:`hsqual.segment.split_paragraphs`); ``"segment"`` uses the corpus segments as they are;
        ``"document"`` the whole text (``segment_id``: the segment of the first evidence).
    language : {"en", "ja"} or None, keyword-only
        The rules to use. ``None`` (default): each document's ``language`` metadata.
    coder : str, keyword-only
        The machine coder's name in the ``coder`` column (``"rules"`` or ``"rules:<name>"``).
    speakers : str or list of str, optional, keyword-only
        Code only units in segments (turns) of these speakers (the segment's ``speaker``;
        case and surrounding spaces do not matter). Units without a speaker are not coded.
    exclude_speakers : str or list of str, optional, keyword-only
        Code every unit except those in segments of these speakers, e.g.
        ``exclude_speakers=["Interviewer"]`` leaves the questions out, and
        ``exclude_speakers="interviewer"`` the turns of every interviewer label the corpus
        holds (``Interviewer``, ``Q``, ``聞き手``, ``質問者``, ``インタビュアー``, see
        :func:`is_interviewer_label`; a warning when there is none). Give ``speakers`` or
        ``exclude_speakers``, not both; a single name no segment has is an error (a typo
        would otherwise filter nothing); of several names, those no segment has are ignored
        with a warning (one role labelled differently across files); neither works with
        ``unit="document"``.
    progress : bool, keyword-only
        Show a progress bar over documents on standard error.
    n_jobs : int or None, keyword-only
        Worker processes: ``1`` (default) codes in this process; ``2`` or more (``None`` or
        ``-1``: every core) codes batches of documents in a process pool
        (:mod:`hsqual.parallel`). The result is the same table, row for row.
    engine : {"local", "processes", "dask"}, keyword-only
        ``"dask"`` codes the batches on a dask cluster: ``client``, else the active
        ``distributed.Client`` (needs the ``scale`` extra: ``pip install 'hsqual[scale]'``).
    client : distributed.Client, optional, keyword-only
        The cluster for ``engine="dask"``, e.g. ``Client("tcp://scheduler:8786")``; with
        another engine it would do nothing, so it is refused.

    Returns
    -------
    pandas.DataFrame
        The codings table (``doc_id, segment_id, code, start, end, quote, coder, rule,
        memo, speaker``: the speaker of the turn the unit lies in) plus ``unit_id`` (the
        unit: ``"3.2"`` is the second sentence or paragraph of segment 3, ``"3"`` segment 3,
        empty for a document) and ``match_start, match_end, match_text, match_spans``; one
        row per unit and code (see the module documentation). ``df.attrs`` records the settings
        (``speakers``, ``exclude_speakers`` included, as lists or ``None``) and
        ``n_documents``, ``n_units`` (units coded), ``n_units_left_out`` (units in turns the
        speaker options left out) and ``documents_without_rules`` (documents in a language
        the codebook has no rules for).

    Raises
    ------
    RuleSyntaxError
        A rule does not parse, refers to an unknown code, closes a cycle of ``code:``
        references, or names a ``meta:`` column no document has.
    OptionError
        An argument of the wrong type (``apply_codebook(corpus, None)``: codebook must be a
        Codebook), a value not allowed, or options that cannot apply together
        (:mod:`hsqual.params`).
    ArgumentError
        A speaker no segment has, a coder that is not a machine coder's name.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> from hsqual.corpus import Corpus, Document, Segment
    >>> text = "Q: What matters?\\nA: People must live in dignity, free from fear of violence."
    >>> corpus = Corpus([Document("int04", text, {"language": "en", "sector": "NGO"})],
    ...                 [Segment("int04", 1, 0, 16, text[:16], "Q", "turn"),
    ...                  Segment("int04", 2, 17, 76, text[17:], "A", "turn")])
    >>> cb = Codebook("tf", [
    ...     Code(id="freedoms.fear", label={"en": "Fear"}, rules={"en": ("NEAR(fear, violen*, 3)",)}, codebook="tf"),
    ...     Code(id="freedoms.dignity", label={"en": "Dignity"},
    ...          rules={"en": ('"live in dignity" AND meta:speaker=A',)}, codebook="tf")])
    >>> df = apply_codebook(corpus, cb)
    >>> df[["segment_id", "code", "start", "end", "match_text"]]
       segment_id              code  start  end             match_text
    0           2     freedoms.fear     17   76        fear … violence
    1           2  freedoms.dignity     17   76  live in dignity
    >>> bool((df["quote"] == [text[s:e] for s, e in zip(df["start"], df["end"])]).all())
    True
    >>> df.loc[1, "rule"]
    'tf/freedoms.dignity/en#1: "live in dignity" AND meta:speaker=A'

    Leaving the interviewer's questions out:

    >>> cb = Codebook("tf", [Code(id="freedoms.dignity", label={"en": "Dignity"}, rules={"en": ("dignity",)})])
    >>> corpus = Corpus([Document("int04", "Q: And dignity?\\nA: Dignity is the core.", {"language": "en"})],
    ...                 [Segment("int04", 1, 3, 15, "And dignity?", "Q", "turn"),
    ...                  Segment("int04", 2, 19, 39, "Dignity is the core.", "A", "turn")])
    >>> apply_codebook(corpus, cb)["quote"].tolist()
    ['And dignity?', 'Dignity is the core.']
    >>> df = apply_codebook(corpus, cb, exclude_speakers=["Q"])
    >>> df["quote"].tolist(), df.attrs["exclude_speakers"], df.attrs["n_units_left_out"]
    (['Dignity is the core.'], ['Q'], 1)
    """
    check_args(corpus, codebook, unit, language)
    if not isinstance(coder, str) or not is_machine_coder(coder):
        raise ArgumentError(f"coder must be 'rules' or 'rules:<name>' (a machine coder), not {coder!r}")
    keep, speaker_names = _speaker_filter(corpus, unit, speakers, exclude_speakers)
    compiled = compile_codebook(codebook)
    check_meta_columns(compiled, corpus)
    # -- archive scale: batches of documents coded in worker processes or on a dask cluster --
    if n_jobs != 1 or engine != "local":
        return apply_codebook_parallel(corpus, codebook, unit=unit, language=language, coder=coder,
                                       speakers=speakers, exclude_speakers=exclude_speakers, progress=progress,
                                       n_jobs=n_jobs, engine="processes" if engine == "local" else engine,
                                       **({"client": client} if engine == "dask" else {}))

    names = [*CODINGS_COLUMNS, "unit_id", *_MATCH_COLUMNS]
    columns: list[list] = [[] for _ in names]  # the table's rows, column by column
    n_units = 0
    n_left_out = 0
    without: list[str] = []
    docs = corpus.documents
    if progress:
        from tqdm.auto import tqdm

        docs = tqdm(docs, desc="coding", unit="doc", leave=False)
    segments = segments_by_doc(corpus)
    rank = {c: i for i, c in enumerate(codebook.ids)}
    batch: list[tuple[Document, _Units]] = []  # documents of one language, matched together
    batch_lang, batch_chars = None, 0

    def flush():
        if batch:
            found = _match_batch([d for d, _ in batch], batch_lang, [u for _, u in batch], compiled)
            for j, k, f in sorted(found, key=lambda x: (x[0], x[1], rank[x[2].code])):
                add_row(*batch[j], batch_lang, k, f)
            batch.clear()

    def add_row(doc, units, lang, k, f):
        s, e = units.starts[k], units.ends[k]
        spans = merge_spans(sp for per in f.spans for sp in per)
        seg_id = units.segment_ids[k]
        speaker = units.speakers[k]
        if unit == "document":
            if spans:
                seg_id = segment_at(corpus, doc.doc_id, spans[0][0], seg_id, segments[doc.doc_id])
            speaker = next((g.speaker for g in segments[doc.doc_id] if g.segment_id == seg_id), None)
            unit_id = ""
        elif unit == "segment":
            unit_id = str(seg_id)
        else:
            unit_id = f"{seg_id}.{units.ordinals[k]}"
        for column, value in zip(columns, (
                doc.doc_id, seg_id, f.code, s, e, doc.text[s:e], coder,
                " | ".join(compiled.label(f.code, lang, i) for i in f.rules), "", speaker or "", unit_id,
                spans[0][0] if spans else pd.NA, spans[0][1] if spans else pd.NA,
                " … ".join(doc.text[a:b] for a, b in spans), ";".join(f"{a}-{b}" for a, b in spans))):
            column.append(value)

    # the loop makes many objects and little garbage; the token cache is written as it goes
    with fewer_collections(), writing_behind():
        for doc in docs:
            lang = language or doc.language
            if not compiled.codes_for(lang):
                without.append(doc.doc_id)
                continue
            units = units_of(corpus, doc, unit, lang, segments[doc.doc_id])
            if keep is not None:
                units, left_out = _keep_units(units, keep)
                n_left_out += left_out
            n_units += len(units.starts)
            if not units.starts:
                continue
            if lang != batch_lang or batch_chars >= _BATCH_CHARS:
                flush()
                batch_lang, batch_chars = lang, 0
            batch.append((doc, units))
            batch_chars += len(doc.text)
        flush()
    if columns[0]:
        df = codings_frame(pd.DataFrame({
            name: pd.Series(values, dtype=object) if name in TEXT_COLUMNS else values  # not Arrow strings
            for name, values in zip(names, columns)}))
    else:
        df = codings_frame()
        for c in ["unit_id", *_MATCH_COLUMNS]:
            df[c] = pd.Series(dtype="object")
    for c in ("match_start", "match_end"):
        df[c] = df[c].astype("Int64")
    df.attrs.update({
        "coder": coder, "unit": unit, "language": language, "codebook": codebook.id,
        "codebook_version": codebook.version, "n_documents": len(corpus), "n_units": n_units,
        "speakers": speaker_names if speakers is not None else None,
        "exclude_speakers": speaker_names if exclude_speakers is not None else None,
        "n_units_left_out": n_left_out,
        "documents_without_rules": without,
    })
    return df


@validate_params(choices={"unit": UNITS, "language": LANGUAGES, "engine": ENGINES},
                 ranges={"n_jobs": (-1, None), "batch_chars": (1, None)}, types={"client": CLIENT_TYPE, **SPEAKER_TYPES},
                 rules=[only_with("client", "engine", ("dask",), example={"engine": "processes"}), SPEAKERS_RULE])
def apply_codebook_parallel(corpus: Corpus, codebook: Codebook, *, unit: str = "sentence",
                            language: str | None = None, coder: str = "rules",
                            speakers: str | Iterable[str] | None = None,
                            exclude_speakers: str | Iterable[str] | None = None, progress: bool = False,
                            n_jobs: int | None = None, engine: str = "processes", client: Any = None,
                            batch_chars: int | None = None) -> pd.DataFrame:
    """:func:`hsqual.apply_codebook` with batches of documents coded in worker processes.

    :func:`hsqual.apply_codebook` calls this when given ``n_jobs`` other than 1 or
    ``engine="dask"``; the result is the same table (rows, order, dtypes, ``attrs``).

    Parameters
    ----------
    corpus, codebook, unit, language, coder, speakers, exclude_speakers, progress
        As for :func:`hsqual.apply_codebook` (``progress`` shows batches done, with the
        process pool).
    n_jobs : int or None, keyword-only
        Worker processes of the pool (``None`` or ``-1``: every core). Ignored by
        ``engine="dask"``, where the cluster's workers count.
    engine : {"processes", "dask", "local"}, keyword-only
        ``"processes"``: a process pool on this machine. ``"dask"``: a ``dask.bag`` of the
        batches computed by ``client``, else the active ``distributed.Client`` (see
        :func:`distributed.get_client`), else dask's own process scheduler. ``"local"``:
        this process, batch after batch (what the workers do, without workers).
    client : distributed.Client, optional, keyword-only
        The dask cluster to use, e.g. ``Client("tcp://scheduler:8786")``. hsqual (and
        dask[distributed]) must be installed on every worker.
    batch_chars : int, optional, keyword-only
        Characters per batch (default: :func:`hsqual.parallel.batch_size`, the corpus
        spread evenly over two or more batches a worker, each of 20,000 to about 1,000,000
        characters).

    Returns
    -------
    pandas.DataFrame
        What :func:`hsqual.apply_codebook` returns for the same arguments.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="freedoms.dignity", label={"en": "Dignity", "ja": "尊厳"},
    ...                             rules={"ja": ("尊厳",)})])
    >>> corpus = Corpus([Document(f"d{i}", "人々の尊厳を守る。支援を続ける。", {"language": "ja"}) for i in range(6)])
    >>> df = apply_codebook_parallel(corpus, cb, unit="sentence", engine="local", batch_chars=40)
    >>> df[["doc_id", "start", "end", "quote"]].head(2)
      doc_id  start  end      quote
    0     d0      0    9  人々の尊厳を守る。
    1     d1      0    9  人々の尊厳を守る。
    >>> df.attrs["n_units"], df.attrs["n_documents"]
    (12, 6)
    """
    if not isinstance(corpus, Corpus):
        raise ArgumentError(f"expected a Corpus, not {type(corpus).__name__} (build one with hsqual.load_corpus)")
    check_speakers(corpus, speakers, exclude_speakers)
    out, attrs = code_batches(corpus, codebook, code=apply_codebook, unit=unit, language=language, coder=coder, speakers=speakers,
                              exclude_speakers=exclude_speakers, progress=progress, n_jobs=n_jobs, engine=engine,
                              client=client, batch_chars=batch_chars)
    out.attrs = attrs
    return out
