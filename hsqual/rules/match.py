"""Evaluation of rules over the units of a token index, with the evidence of each match.

:class:`UnitSet` holds the units (sentences, segments, ...) of one indexed text; ``unit_mask``
tells which units a rule's node matches (every unit at once), ``evaluate``/``evidence`` give
the character spans that made it match in one unit.

Example
-------
>>> from hsqual.rules import parse_rule
>>> text = "Fear is real. Want is real too."
>>> units = UnitSet(DocIndex(text, "en"), [0, 14], [13, 31], meta={})
>>> root = parse_rule("real AND NOT want", language="en").root
>>> unit_mask(root, units).tolist(), evidence(root, units, 0)
([True, False], [(8, 12)])
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from ..patterns import re2_options, translate
from .index import DocIndex, norm_key
from .syntax import And, CodeRef, Count, Meta, Near, Node, Not, Or, Regex, Term, compile_rule_regex

__all__ = ["UnitSet", "unit_mask", "possible_mask", "near_pairs", "evaluate", "evidence", "evidence_in_units",
           "merge_spans", "merge_span_arrays"]

_EMPTY = np.empty(0, dtype=np.int64)


class _NearFound:
    """Where a NEAR/SEQ node holds over disjoint units: ``mask`` (one flag a unit) and the
    occurrences taking part in a pair (unit, first and last token; sorted by unit, then by
    first and last token), looked up unit by unit."""

    def __init__(self, index: DocIndex, mask: np.ndarray, units: np.ndarray, firsts: np.ndarray,
                 lasts: np.ndarray) -> None:
        self.mask = mask
        self._index = index  # not the unit set, which keeps this: no cycle holds either alive
        self._arrays = (units, firsts, lasts)
        self._lists: tuple[list[int], list[int], list[int]] | None = None
        self._spans: tuple[list[int], list[int]] | None = None

    def _run(self, k: int) -> tuple[int, int]:
        if self._lists is None:
            self._lists = tuple(a.tolist() for a in self._arrays)  # type: ignore[assignment]
        units = self._lists[0]  # type: ignore[index]
        a = bisect.bisect_left(units, k)
        return a, bisect.bisect_left(units, k + 1, a)

    def get(self, k: int) -> list[tuple[int, int]] | None:
        """The occurrences (first and last token) taking part in a pair in unit k, or None."""
        if not self.mask[k]:
            return None
        a, b = self._run(k)
        _, firsts, lasts = self._lists  # type: ignore[misc]
        return list(zip(firsts[a:b], lasts[a:b]))

    def spans(self, k: int) -> list[tuple[int, int]] | None:
        """As :meth:`get`, as character spans."""
        if not self.mask[k]:
            return None
        if self._spans is None:
            ix = self._index
            _, firsts, lasts = self._arrays
            self._spans = (ix.starts[firsts].tolist(), ix.ends[lasts].tolist())
        a, b = self._run(k)
        starts, ends = self._spans
        return list(zip(starts[a:b], ends[a:b]))


class UnitSet:
    """The units (sentences, segments, ...) of one document, matched together.

    Internal to hsqual's matcher. ``starts``/``ends`` are character offsets of the units;
    each unit covers the tokens lying wholly inside it.

    Example
    -------
    >>> text = "Fear is real. Want is real too."
    >>> units = UnitSet(DocIndex(text, "en"), [0, 14], [13, 31], meta={})
    >>> units.term_counts(Term("real")).tolist(), units.term_spans(Term("want"), 1)
    ([1, 1], [(14, 18)])
    """

    def __init__(self, index: DocIndex, starts, ends, *, meta: Mapping[str, Any], speakers=None,
                 metas: list[Mapping[str, Any]] | None = None, unit_docs=None) -> None:
        self.index = index
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ends = np.asarray(ends, dtype=np.int64)
        self.n = len(self.starts)
        self.i0 = np.searchsorted(index.starts, self.starts, "left")
        self.i1 = np.searchsorted(index.ends, self.ends, "right")
        self.meta = {str(k): v for k, v in meta.items()}
        # units of several documents (a JoinedIndex): each document's metadata, each unit's document
        self.metas = None if metas is None else [{str(k): v for k, v in m.items()} for m in metas]
        self.unit_docs = None if unit_docs is None else np.asarray(unit_docs, dtype=np.int64)
        self.speakers = list(speakers) if speakers is not None else [None] * self.n
        self.code_masks: dict[str, np.ndarray] = {}
        self.code_spans: dict[str, dict[int, list[tuple[int, int]]]] = {}
        self._counts: dict[Any, np.ndarray] = {}
        self._zeros = np.zeros(self.n, dtype=np.int64)
        self._zeros.flags.writeable = False
        #: no unit (read-only, shared by every mask that holds no unit: never changed in place)
        self.none = np.zeros(self.n, dtype=bool)
        self.none.flags.writeable = False
        self._norm_bounds: tuple[list[int], list[int]] | None = None
        self._lowered: bytes | None = None  # the normalised text's UTF-8, ASCII letters in lower case
        # the unit mask of each rule node met so far, by the node's id (with the node, so that
        # the id stays its own): kept for nodes naming no code, and apart for those that do
        self._masks: dict[int, tuple[Node, np.ndarray]] = {}
        self._ref_masks: dict[int, tuple[Node, np.ndarray]] = {}

    def set_code(self, code_id: str, mask: np.ndarray, spans: dict[int, list[tuple[int, int]]]) -> None:
        self.code_masks[code_id] = mask
        self.code_spans[code_id] = spans
        self._ref_masks.clear()  # masks of nodes naming codes may change with the code

    # -- terms ------------------------------------------------------------------------------
    def _term_bounds(self, term: Term) -> list[tuple[np.ndarray, int, np.ndarray, np.ndarray]]:
        """For each way a term matches: its occurrences' first tokens, its length, and for every
        unit the run of those occurrences lying in the unit (start and end index)."""
        key = ("bounds", term)
        got = self._counts.get(key)
        if got is None:
            got = []
            for first, length in self.index.hits(term):
                lo = np.searchsorted(first, self.i0, "left")
                hi = np.maximum(np.searchsorted(first, self.i1 - length + 1, "left"), lo)
                got.append((first, length, lo, hi))
            self._counts[key] = got
        return got

    def term_counts(self, term: Term) -> np.ndarray:
        c = self._counts.get(term)
        if c is None:
            hits = self.index.hits(term)
            if not hits:
                c = self._zeros
            elif self.disjoint:  # each occurrence lies in at most one unit: found per occurrence
                c = np.zeros(self.n, dtype=np.int64)
                for _, units, _ in self._term_units(term):
                    c += np.bincount(units, minlength=self.n)
            else:
                c = np.zeros(self.n, dtype=np.int64)
                for _, _, lo, hi in self._term_bounds(term):
                    c += hi - lo
            self._counts[term] = c
        return c

    def term_mask(self, term: Term) -> np.ndarray:
        """Which units hold an occurrence of a term (``term_counts(term) > 0``, kept; found
        without counting when the units are disjoint)."""
        key = ("mask", term)
        m = self._counts.get(key)
        if m is None:
            if term in self._counts or not self.disjoint:
                m = self.term_counts(term) > 0
            else:
                found = self._term_units(term)
                m = self.none if not any(len(units) for _, units, _ in found) else np.zeros(self.n, dtype=bool)
                for _, units, _ in found:
                    if len(units):
                        m[units] = True
            self._counts[key] = m
        return m

    def _term_units(self, term: Term) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """Units disjoint: for each way a term matches, the first tokens of its occurrences
        lying in a unit, the unit of each (both ascending), and its length."""
        key = ("units", term)
        got = self._counts.get(key)
        if got is None:
            got = []
            for first, length in self.index.hits(term):
                u = self._unit_at(first)
                ok = u >= 0
                ok[ok] = first[ok] + (length - 1) < self.i1[u[ok]]
                got.append((first[ok], u[ok], length))
            self._counts[key] = got
        return got

    def _unit_at(self, positions: np.ndarray) -> np.ndarray:
        """Units disjoint: for token positions, the last unit starting at or before each (-1
        for none), as ``np.searchsorted(self.i0, positions, "right") - 1`` finds it; read from
        a table of every token, made once (a look-up a position, not a binary search).

        Example
        -------
        >>> U = UnitSet(DocIndex("Fear is real. Want is real too.", "en"), [0, 14], [13, 31], meta={})
        >>> U._unit_at(np.array([0, 2, 3, 6])).tolist()
        [0, 0, 1, 1]
        """
        table = self._counts.get("unit at")
        if table is None:
            n = len(self.index)
            table = np.cumsum(np.bincount(np.minimum(self.i0, n), minlength=n + 1)[:n]) - 1
            self._counts["unit at"] = table
        return table[positions]

    def term_ranges(self, term: Term, k: int) -> list[tuple[int, int]]:
        """(first token, last token) of each occurrence of a term in unit k."""
        out = []
        if self.disjoint:
            key = ("unit lists", term)
            lists = self._counts.get(key)
            if lists is None:
                lists = self._counts[key] = [(f.tolist(), u.tolist(), n) for f, u, n in self._term_units(term)]
            for first, units, length in lists:
                a = bisect.bisect_left(units, k)
                b = bisect.bisect_left(units, k + 1, a)
                out.extend((p, p + length - 1) for p in first[a:b])
            return out
        for first, length, lo, hi in self._term_bounds(term):
            a, b = lo[k], hi[k]
            if b > a:
                out.extend((p, p + length - 1) for p in first[a:b].tolist())
        return out

    def group_ranges(self, group: tuple[Term, ...], k: int) -> list[tuple[int, int]]:
        """(first token, last token) of each occurrence of any term of a group in unit k, sorted
        and without repeats (the union of ``term_ranges`` over the group)."""
        key = ("group lists", group)
        got = self._counts.get(key)
        if got is None:
            f, la = self._group_occurrences(group)
            got = self._counts[key] = (f.tolist(), la.tolist())
        firsts, lasts = got
        i1 = int(self.i1[k])
        lo = bisect.bisect_left(firsts, int(self.i0[k]))
        hi = bisect.bisect_left(firsts, i1, lo)
        return [(a, b) for a, b in zip(firsts[lo:hi], lasts[lo:hi]) if b < i1]

    def _group_occurrences(self, group: tuple[Term, ...]) -> tuple[np.ndarray, np.ndarray]:
        """First and last token of every occurrence of any term of a group in the document,
        sorted by (first, last), without repeats."""
        key = ("group", group)
        got = self._counts.get(key)
        if got is None:
            firsts, lasts = [], []
            for t in group:
                for first, length in self.index.hits(t):
                    firsts.append(first)
                    lasts.append(first + (length - 1))
            if len(firsts) == 1:  # one way to match: sorted by first token, one length
                got = (firsts[0], lasts[0])
            elif firsts:
                f, la = np.concatenate(firsts), np.concatenate(lasts)
                order = np.lexsort((la, f))
                f, la = f[order], la[order]
                keep = np.ones(len(f), dtype=bool)
                keep[1:] = (f[1:] != f[:-1]) | (la[1:] != la[:-1])
                got = (f[keep], la[keep])
            else:
                got = (_EMPTY, _EMPTY)
            self._counts[key] = got
        return got

    @property
    def disjoint(self) -> bool:
        """True when the units' token ranges are sorted and do not overlap (sentences,
        segments, paragraphs): then an occurrence lies in at most one unit, and evidence can
        be gathered for every unit at once (:func:`evidence_in_units`). Worked out once.

        Example
        -------
        >>> UnitSet(DocIndex("Fear. Want.", "en"), [0, 6], [5, 11], meta={}).disjoint
        True
        """
        got = self._counts.get("disjoint")
        if got is None:
            i0, i1 = self.i0, self.i1
            got = bool(self.n == 0 or ((np.diff(i0) >= 0).all() and (i1[:-1] <= i0[1:]).all()))
            self._counts["disjoint"] = got
        return got

    def _group_in_units(self, group: tuple[Term, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """First token, last token and unit of every occurrence of a group lying wholly in a
        unit, sorted by (first, last) (units disjoint: see :attr:`disjoint`)."""
        key = ("in_units", group)
        got = self._counts.get(key)
        if got is None:
            f, la = self._group_occurrences(group)
            u = self._unit_at(f)
            ok = u >= 0
            ok[ok] = la[ok] < self.i1[u[ok]]
            got = (f[ok], la[ok], u[ok])
            self._counts[key] = got
        return got

    def near_units(self, node: Near) -> _NearFound | None:
        """Where a NEAR/SEQ node holds (a mask over the units) and, unit by unit, the
        occurrences (token ranges) taking part in a qualifying pair, sorted; worked out for
        the whole document at once.

        None when the units overlap (then :func:`near_pairs` works unit by unit).
        """
        if not self.disjoint:
            return None
        key = ("near", id(node))  # by the node's id: hashing a node hashes every term of it
        got = self._counts.get(key)
        if got is None or got[0] is not node:
            got = self._counts[key] = (node, _NearFound(self.index, *self._near_units(node)))
        return got[1]

    def _near_units(self, node: Near) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # As near_pairs, over every unit at once: an occurrence pairs only with occurrences of
        # its own unit, so the unit number bounds each run of B as the sentence number does
        # (combined with it into one non-decreasing key: sentence numbers restart per text).
        a_first, a_last, a_unit = self._group_in_units(node.a)
        b_first, b_last, b_unit = self._group_in_units(node.b)
        if node.sentence:  # an occurrence running over a sentence end lies in no one sentence
            sent = self.index.sentence
            a_first, a_last, a_unit = _within_sentences(sent, a_first, a_last, a_unit)
            b_first, b_last, b_unit = _within_sentences(sent, b_first, b_last, b_unit)
        nothing = (self.none, _EMPTY, _EMPTY, _EMPTY)
        if not len(a_first) or not len(b_first):
            return nothing
        in_a = np.zeros(self.n, dtype=bool)
        in_a[a_unit] = True
        if not in_a[b_unit].any():  # no unit holds both (so for half the nodes of a codebook)
            return nothing
        ix = self.index
        wn = ix.word_no
        n = node.n
        if node.sentence:
            sent = ix.sentence
            scale = int(sent.max()) + 1 if len(sent) else 1

            def region(pos, unit):
                return unit * scale + sent[pos]
        else:
            def region(pos, unit):
                return unit
        a_used = np.zeros(len(a_first), dtype=bool)
        # b after a: b_first in (a_last, ...], within n words, in a's unit (and sentence)
        lo = np.searchsorted(b_first, a_last, "right")
        hi = np.searchsorted(wn[b_first], wn[a_last] + n, "right")
        hi = np.minimum(hi, np.searchsorted(region(b_first, b_unit), region(a_last, a_unit), "right"))
        nb = len(b_first)

        def covered(lo, hi):  # which of B lie in one of the runs [lo, hi)
            cover = np.bincount(lo, minlength=nb + 1) - np.bincount(hi, minlength=nb + 1)
            return np.cumsum(cover[:-1]) > 0

        ok = hi > lo
        a_used |= ok
        used_b = covered(lo[ok], hi[ok])
        if node.kind == "NEAR":  # b before a: b_last in [..., a_first), within n words, in a's unit (and sentence)
            order = np.argsort(b_last, kind="stable")
            bl = b_last[order]
            hi = np.searchsorted(bl, a_first, "left")
            lo = np.searchsorted(wn[bl], wn[a_first] - n, "left")
            lo = np.maximum(lo, np.searchsorted(region(bl, b_unit[order]), region(a_first, a_unit), "left"))
            ok = hi > lo
            a_used |= ok
            used_b[order[covered(lo[ok], hi[ok])]] = True
        if not a_used.any():
            return nothing
        units_with_pair = np.zeros(self.n, dtype=bool)
        units_with_pair[a_unit[a_used]] = True
        f = np.concatenate([a_first[a_used], b_first[used_b]])
        la = np.concatenate([a_last[a_used], b_last[used_b]])
        u = np.concatenate([a_unit[a_used], b_unit[used_b]])
        order = np.lexsort((la, f))  # units are disjoint: sorted by first is sorted by unit
        f, la, u = f[order], la[order], u[order]
        keep = np.ones(len(f), dtype=bool)
        keep[1:] = (f[1:] != f[:-1]) | (la[1:] != la[:-1])
        keep &= units_with_pair[u]
        return units_with_pair, u[keep], f[keep], la[keep]

    def term_spans(self, term: Term, k: int) -> list[tuple[int, int]]:
        """Character spans of the occurrences of a term in unit k."""
        ix = self.index
        if not self.disjoint:
            return [(int(ix.starts[a]), int(ix.ends[b])) for a, b in self.term_ranges(term, k)]
        key = ("unit spans", term)
        lists = self._counts.get(key)
        if lists is None:
            lists = self._counts[key] = [(u.tolist(), ix.starts[f].tolist(), ix.ends[f + (n - 1)].tolist())
                                         for f, u, n in self._term_units(term)]
        out: list[tuple[int, int]] = []
        for units, starts, ends in lists:
            a = bisect.bisect_left(units, k)
            b = bisect.bisect_left(units, k + 1, a)
            if b > a:
                out.extend(zip(starts[a:b], ends[a:b]))
        return out

    # -- regular expressions -------------------------------------------------------------------
    def _bounds_in_normalized(self) -> tuple[list[int], list[int]]:
        """Start and end of each unit in the normalised text."""
        if self._norm_bounds is None:
            o2n = self.index.normalized()[3]
            self._norm_bounds = (o2n[self.starts].tolist(), o2n[self.ends].tolist())
        return self._norm_bounds

    def _unit_text(self, k: int) -> tuple[str, int]:
        starts, ends = self._bounds_in_normalized()
        return self.index.normalized()[0][starts[k]:ends[k]], starts[k]

    def _whole_matches(self, rx: Regex, wide) -> tuple[np.ndarray, np.ndarray]:
        """Start and end of every match of ``wide`` (:func:`_whole_text_pattern` of ``rx``) in
        the whole normalised text, found once.

        RE2 reads UTF-8: the text is encoded once for every RE2 pattern (:meth:`_utf8`), and
        the matches' byte offsets are turned into character offsets at once."""
        key = ("whole", rx)
        got = self._counts.get(key)
        if got is None:
            text = self.index.normalized()[0]
            data, char_at = self._utf8()
            needed = _required_words(rx)
            if needed is not None and needed[0] == "(?i)" and data is not None:  # ASCII words, in any case
                if self._lowered is None:
                    self._lowered = data.lower()  # ASCII letters only: the only ones folding to ASCII
                lowered = self._lowered
                if not any(w.encode("ascii") in lowered for w in needed[1:]):
                    got = self._counts[key] = (_EMPTY, _EMPTY)
                    return got
            elif needed is not None and needed[0] != "(?i)" and not any(w in text for w in needed):
                got = self._counts[key] = (_EMPTY, _EMPTY)  # a plain search says: none
                return got
            if data is None or isinstance(wide, re.Pattern):  # Python's (plain words), or a lone surrogate
                spans = [m.span() for m in wide.finditer(text)]
                got = (np.fromiter((a for a, _ in spans), dtype=np.int64, count=len(spans)),
                       np.fromiter((b for _, b in spans), dtype=np.int64, count=len(spans)))
            else:
                spans = [m.span() for m in wide.finditer(data)]
                at = np.searchsorted(char_at, np.array(spans, dtype=np.int64).reshape(-1, 2))
                got = (at[:, 0].copy(), at[:, 1].copy())
            self._counts[key] = got
        return got

    def rule_out(self, regexes: RegexSet) -> None:
        """Search the whole normalised text once for every member of ``regexes``; those with no
        match anywhere are recorded as such, so that no later step searches for them again.

        Example
        -------
        >>> U = UnitSet(DocIndex("JICA staff.", "en"), [0], [11], meta={})
        >>> U.rule_out(RegexSet([Regex("ODA"), Regex("JICA")]))
        >>> U.regex_counts(Regex("ODA")).tolist(), U.regex_counts(Regex("JICA")).tolist()
        ([0], [1])
        """
        if not regexes.members:  # no pattern to search for: the text is not encoded for none
            return
        data = self._utf8()[0]
        if data is None:  # a lone surrogate: each is searched alone
            return
        for rx in regexes.absent(data):
            self._counts.setdefault(("whole", rx), (_EMPTY, _EMPTY))

    def _utf8(self) -> tuple[bytes | None, np.ndarray]:
        """The normalised text in UTF-8 and the byte offset where each character starts (None
        and an empty array when the text holds a lone surrogate, which has no UTF-8 form)."""
        got = self._counts.get("utf8")
        if got is None:
            try:
                data: bytes | None = self.index.normalized()[0].encode("utf-8")
            except UnicodeEncodeError:
                data, at = None, _EMPTY
            else:
                at = np.flatnonzero((np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80)
            got = self._counts["utf8"] = (data, at)
        return got

    def regex_counts(self, rx: Regex, *, stop_at: int | None = None) -> np.ndarray:
        key = (rx, stop_at)
        c = self._counts.get(key)
        if c is None:
            pat = _pattern(rx)
            ntext = self.index.normalized()[0]
            starts, ends = self._bounds_in_normalized()
            units = range(self.n)
            wide = _whole_text_pattern(rx)
            if wide is not None:
                # one search over the whole text: a unit holding a match overlaps a match of the
                # whole text (the leftmost-first scan cannot pass a unit's match without one), so
                # only the units a whole-text match overlaps are searched one by one
                m_starts, m_ends = self._whole_matches(rx, wide)
                if not len(m_starts):
                    self._counts[key] = c = np.zeros(self.n, dtype=np.int64)
                    return c
                spans = m_starts
                u_starts, u_ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
                first = np.searchsorted(m_ends, u_starts, "right")  # first match ending after the unit's start
                ok = first < len(spans)
                ok[ok] = m_starts[first[ok]] < u_ends[ok]
                c = np.zeros(self.n, dtype=np.int64)
                if stop_at == 1 and wide is pat:
                    # without assertions, a match of the whole text lying wholly in a unit is a
                    # match in the unit: only units that a match crosses the edge of are searched
                    inside = np.searchsorted(m_starts, u_starts, "left")  # first match starting in the unit
                    has = inside < len(spans)
                    has[has] = m_ends[inside[has]] <= u_ends[has]
                    c[has] = 1
                    ok &= ~has
                elif stop_at is None and wide is pat:
                    # likewise, the matches of a unit that no match of the whole text crosses an
                    # edge of are the whole text's matches lying in it (see _matches_within)
                    last = len(spans) - 1
                    past = np.maximum(np.searchsorted(m_starts, u_ends, "left"), first)  # past its last match
                    whole = ok & (m_starts[np.minimum(first, last)] >= u_starts) & (m_ends[np.maximum(past - 1, 0)] <= u_ends)
                    c[whole] = (past - first)[whole]
                    ok &= ~whole
                units = np.flatnonzero(ok).tolist()
            else:
                c = np.zeros(self.n, dtype=np.int64)
            if stop_at == 1:
                search = pat.search
                for k in units:
                    c[k] = search(ntext[starts[k]:ends[k]]) is not None
            else:
                finditer = pat.finditer
                for k in units:
                    c[k] = sum(1 for _ in finditer(ntext[starts[k]:ends[k]]))
            self._counts[key] = c
        return c

    def _matches_within(self, rx: Regex, k: int) -> list[tuple[int, int]] | None:
        """The matches of a pattern without assertions in unit k (offsets in the normalised
        text) read from its matches in the whole text, when none of these crosses an edge of
        the unit; else None.

        A path through the pattern that matches within the unit matches in the whole text, so
        a whole-text scan that reaches the unit's start between matches finds, in the unit,
        what a scan of the unit alone finds.
        """
        pat = _pattern(rx)
        if _whole_text_pattern(rx) is not pat:
            return None
        key = ("whole lists", rx)
        got = self._counts.get(key)
        if got is None:
            m_starts, m_ends = self._whole_matches(rx, pat)
            got = self._counts[key] = (m_starts.tolist(), m_ends.tolist())
        m_starts, m_ends = got
        starts, ends = self._bounds_in_normalized()
        us, ue = starts[k], ends[k]
        i = bisect.bisect_right(m_ends, us)  # the first match ending after the unit's start
        j = bisect.bisect_left(m_starts, ue, i)  # past the last match starting before its end
        if i < j and (m_starts[i] < us or m_ends[j - 1] > ue):
            return None
        return list(zip(m_starts[i:j], m_ends[i:j]))

    def regex_spans(self, rx: Regex, k: int) -> list[tuple[int, int]]:
        _, n2o_start, n2o_end, _ = self.index.normalized()
        # a mark at the start of the unit composes with the character before it, which lies in
        # the unit before: evidence is clamped to the unit's own characters
        lo, hi = int(self.starts[k]), int(self.ends[k])
        out = []
        found = self._matches_within(rx, k)
        if found is None:
            text, a = self._unit_text(k)
            found = [(a + m.start(), a + m.end()) for m in _pattern(rx).finditer(text)]
        for s, e in found:
            if e > s:
                out.append((min(max(int(n2o_start[s]), lo), hi), max(min(int(n2o_end[e - 1]), hi), lo)))
            else:
                at = int(n2o_start[s]) if s < len(n2o_start) else len(self.index.text)
                at = min(max(at, lo), hi)
                out.append((at, at))
        return out

    # -- metadata ----------------------------------------------------------------------------
    def meta_mask(self, m: Meta) -> np.ndarray:
        key = ("meta", m)
        got = self._counts.get(key)
        if got is None:
            got = self._counts[key] = self._meta_mask(m)
        return got

    def _meta_mask(self, m: Meta) -> np.ndarray:
        want = norm_key(m.value.strip())
        col = m.column
        if self.metas is None:
            if col == "speaker":
                vals = [sp if sp is not None else self.meta.get("speaker") for sp in self.speakers]
                return np.fromiter((_meta_equal(v, want) for v in vals), dtype=bool, count=self.n)
            return np.full(self.n, _meta_equal(self.meta.get(col), want), dtype=bool)
        if col == "speaker":
            metas, docs = self.metas, self.unit_docs.tolist()
            vals = [sp if sp is not None else metas[d].get("speaker") for sp, d in zip(self.speakers, docs)]
            return np.fromiter((_meta_equal(v, want) for v in vals), dtype=bool, count=self.n)
        per_doc = np.array([_meta_equal(meta.get(col), want) for meta in self.metas], dtype=bool)
        return per_doc[self.unit_docs]


def _meta_equal(value: Any, want: str) -> bool:
    if value is None:
        return False
    try:
        if value != value:  # NaN
            return False
    except Exception:  # pragma: no cover - exotic objects
        pass
    text = str(value).strip()
    if norm_key(text) == want:
        return True
    return ";" in text and any(norm_key(p.strip()) == want for p in text.split(";"))


# -- evaluation: whole-document masks and per-unit evidence --------------------------------


def unit_mask(node: Node, U: UnitSet) -> np.ndarray:
    """Which units a node matches (a boolean array over the units).

    Example
    -------
    >>> U = UnitSet(DocIndex("Fear is real. Want is real too.", "en"), [0, 14], [13, 31], meta={})
    >>> unit_mask(Term("want"), U).tolist(), unit_mask(Not(Term("want")), U).tolist()
    ([False, True], [True, False])
    """
    key = id(node)
    got = U._masks.get(key) or U._ref_masks.get(key)
    if got is not None and got[0] is node:
        return got[1]
    if isinstance(node, Term):  # kept by the unit set, shared by equal terms
        m = U.term_mask(node)
        U._masks[key] = (node, m)
        return m
    m = _unit_mask(node, U)
    (U._ref_masks if _names_code(node) else U._masks)[key] = (node, m)
    return m


def _names_code(node: Node) -> bool:
    """True when a ``code:`` reference lies in the node (its mask may change as codes are set)."""
    got = node.__dict__.get("_names_code")
    if got is None:
        got = any(isinstance(n, CodeRef) for n in node.nodes())
        object.__setattr__(node, "_names_code", got)
    return got


def _unit_mask(node: Node, U: UnitSet) -> np.ndarray:
    if isinstance(node, Regex):
        return U.regex_counts(node, stop_at=1) > 0
    if isinstance(node, Count):
        c = U.term_counts(node.term) if isinstance(node.term, Term) else U.regex_counts(node.term)
        return {">=": c >= node.n, ">": c > node.n, "==": c == node.n}[node.op]
    if isinstance(node, Not):
        return ~unit_mask(node.item, U)
    if isinstance(node, And):
        m = unit_mask(node.items[0], U)
        for item in node.items[1:]:
            if not m.any():
                break
            m = m & unit_mask(item, U)
        return m
    if isinstance(node, Or):
        m = unit_mask(node.items[0], U)
        for item in node.items[1:]:
            m = m | unit_mask(item, U)
        return m
    if isinstance(node, Near):
        found = U.near_units(node)
        if found is not None:
            return found.mask
        cand = _group_mask(node.a, U)
        if cand.any():
            cand = cand & _group_mask(node.b, U)
        out = np.zeros(U.n, dtype=bool)
        for k in np.flatnonzero(cand):
            out[k] = near_pairs(node, U, int(k)) is not None
        return out
    if isinstance(node, CodeRef):
        m = U.code_masks.get(node.code)
        return U.none if m is None else m
    if isinstance(node, Meta):
        return U.meta_mask(node)
    raise TypeError(f"unknown rule node {node!r}")  # pragma: no cover


_ASSERTIONS = re.compile(r"\^|\$|\\[AZbB]|\(\?<?[=!]")


_NFKC: dict[str, str] = {}


def _nfkc(pattern: str) -> str:
    """A rule's pattern as it is compiled: NFKC-normalised, as the text it searches
    (``＼ｂ``, ``＾``, ``＄`` are ``\\b``, ``^``, ``$``); kept."""
    got = _NFKC.get(pattern)
    if got is None:
        if len(_NFKC) > 10_000:
            _NFKC.clear()
        got = _NFKC[pattern] = unicodedata.normalize("NFKC", pattern)
    return got


def _has_assertions(rx: Regex) -> bool:
    """Whether a pattern (as compiled) holds an anchor, a word boundary or a lookaround: then
    what matches in a unit may not match in the whole text, or the other way round.

    Example
    -------
    >>> _has_assertions(Regex("UHC")), _has_assertions(Regex(r"\\bUHC")), _has_assertions(Regex("＼ｂUHC"))
    (False, True, True)
    """
    return _ASSERTIONS.search(_nfkc(rx.pattern)) is not None


_WIDE: dict[tuple[str, str], Any] = {}


_LITERALS: dict[tuple[str, str], Any] = {}
_META = re.compile(r"[.^$*+?{}\[\]\\()]")


def _plain_words(pattern: str) -> list[str] | None:
    """The words of a pattern that is a plain word or an alternation of plain words, bare or
    in one group around the whole (``ODA|JICA``, ``(NPO|NGO)``, ``(?:NPO|NGO)``); else None.
    A group around the whole changes no match's span.

    Example
    -------
    >>> _plain_words("ODA|JICA"), _plain_words("(NPO|NGO)"), _plain_words("(?:病院|学校)")
    (['ODA', 'JICA'], ['NPO', 'NGO'], ['病院', '学校'])
    >>> _plain_words("(NPO|NGO)s"), _plain_words("(a|b)|(c)"), _plain_words("a|"), _plain_words("a.b")
    (None, None, None, None)
    """
    if pattern.startswith("(") and pattern.endswith(")"):
        inner = pattern[3:-1] if pattern.startswith("(?:") else pattern[1:-1]
        if "(" not in inner and ")" not in inner:
            pattern = inner
    words = pattern.split("|")
    if all(words) and not _META.search(pattern):
        return words
    return None


def _pattern(rx: Regex):
    """The compiled pattern of ``rx``: RE2's, or for a plain word or an alternation of plain
    words (``/ODA|JICA/``, ``/(NPO|NGO)/``, case-sensitive; :func:`_plain_words`) Python's,
    which finds such words faster and finds the same matches (both take the leftmost match,
    the first alternative that matches there; without quantifiers Python's cannot backtrack
    far)."""
    key = (rx.pattern, rx.flags)
    got = _LITERALS.get(key)
    if got is None:
        words = _plain_words(_nfkc(rx.pattern)) if rx.flags == "" else None
        if words is not None:
            got = re.compile("|".join(map(re.escape, words)))
        else:
            got = rx.compiled
        if len(_LITERALS) > 10_000:
            _LITERALS.clear()
        _LITERALS[key] = got
    return got


_REQUIRED: dict[tuple[str, str], tuple[str, ...] | None] = {}


def _required_words(rx: Regex) -> tuple[str, ...] | None:
    """Words of which every match of ``rx`` (and of its :func:`_whole_text_pattern`) holds
    one, so that a text holding none of them holds no match; None when there are none to say.

    A plain word or alternation of plain words (bare or in one group around the whole): the
    words. Else, in a pattern without
    inline flags or alternation outside parentheses, the longest run of letters and digits
    outside parentheses and brackets that no quantifier makes optional. A pattern starting
    with ``(?i)`` (and without other flags) gives ``"(?i)"`` and its run in lower case when the
    run is ASCII: in NFKC text (the text searched) only ASCII letters fold to ASCII letters,
    so a match holds the run in some case.

    Example
    -------
    >>> _required_words(Regex("ODA|JICA")), _required_words(Regex("(NPO|NGO)")), _required_words(Regex("[3三]つの自由"))
    (('ODA', 'JICA'), ('NPO', 'NGO'), ('つの自由',))
    >>> _required_words(Regex("人間の安全保障(」)?とは")), _required_words(Regex("a|b(c)")), _required_words(Regex("ab", "i"))
    (('人間の安全保障',), None, None)
    >>> _required_words(Regex(r"(?i)\\bBottom[- ]up\\b"))
    ('(?i)', 'bottom')
    """
    key = (rx.pattern, rx.flags)
    if key in _REQUIRED:
        return _REQUIRED[key]
    pattern = _nfkc(rx.pattern)
    got: tuple[str, ...] | None = None
    plain = _plain_words(pattern)
    folded = pattern.startswith("(?i)")
    if folded:
        pattern = pattern[4:]
    if rx.flags == "" and plain is not None:
        got = tuple(plain)
    elif rx.flags == "" and "(?" not in pattern:
        runs: list[str] = []
        cur: list[str] = []
        depth, i, ok = 0, 0, True
        while i < len(pattern):
            c = pattern[i]
            if c in "?*+{":  # the atom before is optional or repeated: not a sure part of the run
                if cur:
                    cur.pop()
                runs.append("".join(cur))
                cur = []
                if c == "{":
                    close = pattern.find("}", i)
                    if close < 0:
                        ok = False
                        break
                    i = close
            elif depth == 0 and c.isalnum():
                cur.append(c)
            else:
                runs.append("".join(cur))
                cur = []
                if c == "\\":
                    i = _escape_end(pattern, i)  # the escape, with its argument (\pL, \u3042)
                elif c == "[":  # a class: skipped to its closing bracket
                    j = i + 1
                    if j < len(pattern) and pattern[j] == "^":
                        j += 1
                    if j < len(pattern) and pattern[j] == "]":
                        j += 1
                    while j < len(pattern) and pattern[j] != "]":
                        j += 2 if pattern[j] == "\\" else 1
                    if j >= len(pattern):
                        ok = False
                        break
                    i = j
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                elif c == "|" and depth == 0:
                    ok = False
                    break
            i += 1
        runs.append("".join(cur))
        best = max(runs, key=len)
        if ok and best and not folded:
            got = (best,)
        elif ok and best and best.isascii():
            got = ("(?i)", best.lower())
    if len(_REQUIRED) > 10_000:
        _REQUIRED.clear()
    _REQUIRED[key] = got
    return got


#: Escapes taking an argument: how many characters of it, or None for one in braces
#: (``\p{Han}``; ``\pL`` is one letter, ``\x41`` two hex digits).
_ESCAPE_ARGS = {"p": 1, "P": 1, "x": 2, "u": 4, "U": 8, "N": None}


def _escape_end(pattern: str, i: int) -> int:
    r"""The position of the last character of the escape starting with the backslash at ``i``:
    the escaped character, and the argument of ``\p``, ``\x``, ``\u``, ``\N``... or an
    octal escape's digits, which are not letters of the pattern's text.

    Example
    -------
    >>> [_escape_end(p, 0) for p in (r"\.a", r"\u3042a", r"\p{Han}a", r"\pLa", r"\x41a", r"\x{41}a", r"\012a")]
    [1, 5, 6, 2, 3, 5, 3]
    """
    j = i + 1  # the escaped character
    if j >= len(pattern):
        return j
    c = pattern[j]
    if c in _ESCAPE_ARGS:
        if j + 1 < len(pattern) and pattern[j + 1] == "{":
            close = pattern.find("}", j + 1)
            return close if close >= 0 else len(pattern)
        n = _ESCAPE_ARGS[c]
        return j + (n or 0)
    if c == "0":  # an octal escape: up to two more digits
        k = j
        while k < j + 2 and k + 1 < len(pattern) and pattern[k + 1] in "01234567":
            k += 1
        return k
    return j


def _whole_text_pattern(rx: Regex):
    """A pattern whose matches in the whole text overlap every unit holding a match of ``rx``
    (None when there is none to search with).

    ``rx`` itself when it has no assertions: then a match inside a unit is a match of the
    whole text. Word boundaries (``\\b``, ``\\B``) depend on the character before a unit, so
    they are left out: the pattern without them matches wherever ``rx`` matches, and more.
    Anchors and lookarounds hold only within a unit: None.
    """
    if not _has_assertions(rx):
        return _pattern(rx)
    key = (rx.pattern, rx.flags)
    if key not in _WIDE:
        wide = None
        relaxed = _relaxed(rx)
        if relaxed is not None:
            try:
                wide = compile_rule_regex(relaxed, rx.flags)
            except Exception:  # e.g. it can now match the empty string: search every unit
                wide = None
        if len(_WIDE) > 10_000:
            _WIDE.clear()
        _WIDE[key] = wide
    return _WIDE[key]


def _relaxed(rx: Regex) -> str | None:
    """The source of a pattern with assertions as compiled (NFKC: ＼ｂ is \\b) without its word
    boundaries, or None when other assertions (anchors, lookarounds) remain or a backslash is
    escaped (then a \\b in the pattern may be an escaped backslash and a b).

    Example
    -------
    >>> _relaxed(Regex(r"\\bUHC\\b")), _relaxed(Regex("＼ｂUHC")), _relaxed(Regex("^UHC"))
    ('UHC', 'UHC', None)
    """
    source = _nfkc(rx.pattern)
    if "\\\\" in source:
        return None
    relaxed = source.replace("\\b", "").replace("\\B", "")
    return relaxed if relaxed and not _ASSERTIONS.search(relaxed) else None


def _wide_source(rx: Regex) -> str | None:
    """The RE2 source of :func:`_whole_text_pattern` of ``rx`` (``(?i)`` in front for the
    ``i`` flag), or None when there is no such pattern. A plain word's pattern is Python's,
    but RE2's form of the same words matches where it does."""
    if _whole_text_pattern(rx) is None:
        return None
    source = _relaxed(rx) if _has_assertions(rx) else _nfkc(rx.pattern)
    assert source is not None  # a pattern with assertions has a whole-text pattern only when relaxed
    translated = translate(source)[0]
    return "(?i)" + translated if "i" in rx.flags else translated


class RegexSet:
    """The ``/regex/`` terms of a codebook (their :func:`_whole_text_pattern`), searched for
    together: one pass of RE2's set automaton over a text says which of them match anywhere
    in it, where searching for each in turn costs a pass each (about a millisecond a MB).

    Example
    -------
    >>> found = RegexSet([Regex("ODA|JICA"), Regex("fear", "i"), Regex("^want")])
    >>> [str(rx) for rx in found.members]  # an anchored pattern has no whole-text search
    ['/ODA|JICA/', '/fear/i']
    >>> [str(rx) for rx in found.absent("JICA staff, FEARS".encode())], found.absent(b"nothing")
    ([], [Regex(pattern='ODA|JICA', flags=''), Regex(pattern='fear', flags='i')])
    """

    #: Matches every non-empty text: missing from a search's answer, it says the search
    #: failed (RE2's automaton ran out of memory), not that nothing matched.
    _SENTINEL = "(?s)."

    def __init__(self, regexes: Iterable[Regex]) -> None:
        import re2

        self.members: list[Regex] = []
        sources = []
        for rx in dict.fromkeys(regexes):
            source = _wide_source(rx)
            if source is not None:
                self.members.append(rx)
                sources.append(source)
        self._set = None
        if self.members:
            try:
                found = re2.Set.SearchSet(re2_options(False))
                for source in sources:
                    found.Add(source)
                found.Add(self._SENTINEL)
                found.Compile()
            except re2.error:  # too large for RE2's memory budget: each is searched alone
                self.members = []
            else:
                self._set = found

    def absent(self, data: bytes) -> list[Regex]:
        """The members with no match anywhere in ``data`` (UTF-8); none when the search
        could not be made (an empty text, or RE2's automaton out of memory)."""
        if self._set is None or not data:
            return []
        hit = self._set.Match(data) or []
        if len(self.members) not in hit:  # the sentinel: the search failed
            return []
        hit = set(hit)
        return [rx for i, rx in enumerate(self.members) if i not in hit]


def _possible(node: Node, U: UnitSet) -> bool:
    """False when the node can match no unit of the document (checked on the whole document,
    cheaply); True when it may."""
    if isinstance(node, Term):
        return bool(U.index.hits(node))
    if isinstance(node, And):
        return all(_possible(i, U) for i in node.items)
    if isinstance(node, Or):
        return any(_possible(i, U) for i in node.items)
    if isinstance(node, Near):
        return any(U.index.hits(t) for t in node.a) and any(U.index.hits(t) for t in node.b)
    if isinstance(node, Count):
        if isinstance(node.term, Term) and node.op in (">=", ">") and node.n >= (1 if node.op == ">=" else 0):
            total = sum(len(first) for first, _ in U.index.hits(node.term))
            return total >= node.n if node.op == ">=" else total > node.n
        return True
    if isinstance(node, Regex):
        if _has_assertions(node):  # anchors and lookarounds may hold only in a unit
            return True
        return bool(len(U._whole_matches(node, _pattern(node))[0]))
    if isinstance(node, CodeRef):
        m = U.code_masks.get(node.code)
        return m is not None and bool(m.any())
    return True  # Not, Meta


def possible_mask(node: Node, U: UnitSet) -> np.ndarray:
    """Which units a node matches, after a cheap whole-document check.

    Example
    -------
    >>> U = UnitSet(DocIndex("Fear is real. Want is real too.", "en"), [0, 14], [13, 31], meta={})
    >>> possible_mask(Term("fear"), U).tolist(), possible_mask(Term("dignity"), U).tolist()
    ([True, False], [False, False])
    """
    return unit_mask(node, U) if _possible(node, U) else U.none


def _group_mask(group: tuple[Term, ...], U: UnitSet) -> np.ndarray:
    m = U.term_mask(group[0])
    for t in group[1:]:
        m = m | U.term_mask(t)
    return m


def _within_sentences(sent: np.ndarray, first: np.ndarray, last: np.ndarray,
                      *more: np.ndarray) -> tuple[np.ndarray, ...]:
    """The occurrences (first and last token, and any arrays running alongside) whose first
    and last token lie in one sentence (``sent``: each token's sentence number).

    ``, sentence`` in NEAR/SEQ asks for both occurrences, whole, in one sentence: a phrase
    running over a sentence end pairs with nothing. Of the rest, the two facing ends of a
    pair (the first occurrence's last token, the second's first) lying in one sentence puts
    both occurrences in it.

    Example
    -------
    >>> sent = np.array([0, 0, 1, 1])
    >>> [a.tolist() for a in _within_sentences(sent, np.array([0, 1, 2]), np.array([1, 2, 3]))]
    [[0, 2], [1, 3]]
    """
    keep = sent[first] == sent[last]
    if keep.all():
        return (first, last, *more)
    return (first[keep], last[keep], *(m[keep] for m in more))


def _group_hits(group: tuple[Term, ...], U: UnitSet, k: int) -> list[tuple[int, int]]:
    """(first token, last token) of every occurrence of any term of a group in unit k, sorted."""
    return U.group_ranges(group, k)


def near_pairs(node: Near, U: UnitSet, k: int) -> list[tuple[int, int]] | None:
    """The occurrences (token ranges) that take part in a qualifying NEAR/SEQ pair, or None.

    For each occurrence ``a`` of the first group, the occurrences ``b`` of the second that
    pair with it form one run of ``B`` sorted by first token (``b`` after ``a``) and one run
    sorted by last token (``b`` before ``a``, NEAR only), since word numbers and sentence
    numbers never decrease within a unit: binary searches find the runs, so a document with
    thousands of occurrences of each takes O((|A| + |B|) log |B|), not |A| x |B|.

    Example
    -------
    >>> from hsqual.rules import parse_rule
    >>> U = UnitSet(DocIndex("fear and want and fear", "en"), [0], [22], meta={})
    >>> near_pairs(parse_rule("NEAR(fear, want, 2)", language="en").root, U, 0)
    [(0, 0), (2, 2), (4, 4)]
    """
    found = U.near_units(node)
    if found is not None:
        return found.get(k)
    A = _group_hits(node.a, U, k)
    B = _group_hits(node.b, U, k)
    if not A or not B:
        return None
    wn = U.index.word_no
    sent = U.index.sentence if node.sentence else None
    a_first = np.fromiter((a[0] for a in A), dtype=np.int64, count=len(A))
    a_last = np.fromiter((a[1] for a in A), dtype=np.int64, count=len(A))
    b_first = np.fromiter((b[0] for b in B), dtype=np.int64, count=len(B))  # sorted: B is sorted
    b_last = np.fromiter((b[1] for b in B), dtype=np.int64, count=len(B))
    if sent is not None:  # an occurrence running over a sentence end lies in no one sentence
        a_index = np.arange(len(A))
        a_first, a_last, a_index = _within_sentences(sent, a_first, a_last, a_index)
        if len(a_index) < len(A):
            A = [A[i] for i in a_index.tolist()]
        b_index = np.arange(len(B))
        b_first, b_last, b_index = _within_sentences(sent, b_first, b_last, b_index)
        if len(b_index) < len(B):
            B = [B[i] for i in b_index.tolist()]
        if not A or not B:
            return None
    n = node.n
    a_used = np.zeros(len(A), dtype=bool)
    b_cover = np.zeros(len(B) + 1, dtype=np.int64)  # +1/-1 at the ends of each run of B used
    # b after a: b_first in (a_last, ...], within n words, in a's sentence
    lo = np.searchsorted(b_first, a_last, "right")
    hi = np.searchsorted(wn[b_first], wn[a_last] + n, "right")
    if sent is not None:
        hi = np.minimum(hi, np.searchsorted(sent[b_first], sent[a_last], "right"))
    ok = hi > lo
    a_used |= ok
    np.add.at(b_cover, lo[ok], 1)
    np.add.at(b_cover, hi[ok], -1)
    used_b = np.cumsum(b_cover[:-1]) > 0
    if node.kind == "NEAR":  # b before a: b_last in [..., a_first), within n words, in a's sentence
        order = np.argsort(b_last, kind="stable")
        bl = b_last[order]
        hi = np.searchsorted(bl, a_first, "left")
        lo = np.searchsorted(wn[bl], wn[a_first] - n, "left")
        if sent is not None:
            lo = np.maximum(lo, np.searchsorted(sent[bl], sent[a_first], "left"))
        ok = hi > lo
        a_used |= ok
        cover = np.zeros(len(B) + 1, dtype=np.int64)
        np.add.at(cover, lo[ok], 1)
        np.add.at(cover, hi[ok], -1)
        used_b[order[np.cumsum(cover[:-1]) > 0]] = True
    if not a_used.any():
        return None
    used = {A[i] for i in np.flatnonzero(a_used)}
    used.update(B[i] for i in np.flatnonzero(used_b))
    return sorted(used)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans with overlapping ones merged (a word inside a matched phrase is one span).

    Example
    -------
    >>> merge_spans([(5, 9), (0, 17), (20, 28), (26, 30), (30, 32)])
    [(0, 17), (20, 30), (30, 32)]
    """
    out: list[tuple[int, int]] = []
    for a, b in sorted(set(spans)):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def evidence(node: Node, U: UnitSet, k: int) -> list[tuple[int, int]] | None:
    """The evidence of a node in unit k (sorted, overlaps merged), or None when it does not match.

    Example
    -------
    >>> U = UnitSet(DocIndex("Fear is real. Want is real too.", "en"), [0, 14], [13, 31], meta={})
    >>> evidence(Or((Term("real"), Term("want"))), U, 1), evidence(Term("fear"), U, 1)
    ([(14, 18), (22, 26)], None)
    """
    out = evaluate(node, U, k)
    return None if out is None else merge_spans(out)


def _span_parts(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not parts:
        return _EMPTY, _EMPTY, _EMPTY
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]


def _listed_spans(units: np.ndarray, spans_of) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit, start, end) arrays of the spans ``spans_of(k)`` lists for each unit k."""
    us: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for k in units.tolist():
        for a, b in spans_of(k):
            us.append(k)
            starts.append(a)
            ends.append(b)
    return (np.asarray(us, dtype=np.int64), np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64))


def evidence_in_units(node: Node, U: UnitSet, units: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The evidence of a node in many units at once, as three arrays (unit, start, end),
    unsorted and unmerged: in each unit, the spans :func:`evaluate` gives there.

    ``units`` are units where the node matches (``unit_mask(node, U)`` holds), ascending, and
    the units of ``U`` must be disjoint (sentences, segments, paragraphs). Terms, phrases and
    NEAR/SEQ pairs are read off the arrays that masked the units; only ``/regex/`` and
    ``code:`` evidence is gathered unit by unit.

    Example
    -------
    >>> from hsqual.rules import parse_rule
    >>> U = UnitSet(DocIndex("Fear is real. Want is real too.", "en"), [0, 14], [13, 31], meta={})
    >>> root = parse_rule("real AND NOT fear", language="en").root
    >>> [a.tolist() for a in evidence_in_units(root, U, np.flatnonzero(unit_mask(root, U)))]
    [[1], [22], [26]]
    """
    if not len(units):
        return _EMPTY, _EMPTY, _EMPTY
    ix = U.index
    if isinstance(node, Term) or (isinstance(node, Count) and isinstance(node.term, Term)):
        term = node if isinstance(node, Term) else node.term
        want = np.zeros(U.n, dtype=bool)
        want[units] = True
        parts = []
        for first, u, length in U._term_units(term):  # type: ignore[arg-type]
            sel = want[u]
            if sel.any():
                f = first[sel]
                parts.append((u[sel], ix.starts[f], ix.ends[f + (length - 1)]))
        return _span_parts(parts)
    if isinstance(node, Regex) or isinstance(node, Count):
        rx = node if isinstance(node, Regex) else node.term
        return _listed_spans(units, lambda k: U.regex_spans(rx, k))  # type: ignore[arg-type]
    if isinstance(node, (Not, Meta)):
        return _EMPTY, _EMPTY, _EMPTY
    if isinstance(node, And):
        return _span_parts([evidence_in_units(item, U, units) for item in node.items])
    if isinstance(node, Or):
        parts = []
        for item in node.items:
            here = units[unit_mask(item, U)[units]]
            if len(here):
                parts.append(evidence_in_units(item, U, here))
        return _span_parts(parts)
    if isinstance(node, Near):
        found = U.near_units(node)
        if found is None:  # pragma: no cover - units are disjoint here
            raise ValueError("evidence_in_units needs disjoint units")
        want = np.zeros(U.n, dtype=bool)
        want[units] = True
        u, firsts, lasts = found._arrays
        sel = want[u]
        return u[sel], ix.starts[firsts[sel]], ix.ends[lasts[sel]]
    if isinstance(node, CodeRef):
        spans = U.code_spans.get(node.code, {})
        return _listed_spans(units, lambda k: spans.get(k, []))
    raise TypeError(f"unknown rule node {node!r}")  # pragma: no cover


def merge_span_arrays(units: np.ndarray, starts: np.ndarray,
                      ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`merge_spans` in each unit at once: the spans of each unit sorted, without
    repeats, overlapping ones merged; returned as (unit, start, end) sorted by unit.

    Example
    -------
    >>> merged = merge_span_arrays(np.array([0, 0, 1, 0]), np.array([5, 0, 20, 20]), np.array([9, 17, 28, 21]))
    >>> [a.tolist() for a in merged]
    [[0, 0, 1], [0, 20, 20], [17, 21, 28]]
    """
    if not len(units):
        return _EMPTY, _EMPTY, _EMPTY
    order = np.lexsort((ends, starts, units))
    u, a, b = units[order], starts[order], ends[order]
    keep = np.ones(len(u), dtype=bool)
    keep[1:] = (u[1:] != u[:-1]) | (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    u, a, b = u[keep], a[keep], b[keep]
    # a span opens a new merged span unless it starts before the furthest end so far in its
    # unit: ends are raised by a step per unit larger than any end, so that the running
    # maximum starts afresh in each unit, wherever the units lie in the text
    step = int(b.max()) + 1
    reach = np.maximum.accumulate(b + u * step) - u * step
    new = np.ones(len(u), dtype=bool)
    new[1:] = (u[1:] != u[:-1]) | (a[1:] >= reach[:-1])
    heads = np.flatnonzero(new)
    tails = np.append(heads[1:], len(u)) - 1
    return u[heads], a[heads], reach[tails]


def evaluate(node: Node, U: UnitSet, k: int) -> list[tuple[int, int]] | None:
    """The evidence of a node in unit k, unsorted and unmerged (None when it does not match).

    Example
    -------
    >>> U = UnitSet(DocIndex("Fear is real. Want is real too.", "en"), [0, 14], [13, 31], meta={})
    >>> evaluate(And((Term("real"), Term("want"))), U, 1), evaluate(Not(Term("want")), U, 1)
    ([(22, 26), (14, 18)], None)
    """
    if isinstance(node, Term):
        sp = U.term_spans(node, k)
        return sp or None
    if isinstance(node, Regex):
        sp = U.regex_spans(node, k)
        return sp or None
    if isinstance(node, Count):
        sp = U.term_spans(node.term, k) if isinstance(node.term, Term) else U.regex_spans(node.term, k)
        c = len(sp)
        ok = {">=": c >= node.n, ">": c > node.n, "==": c == node.n}[node.op]
        return sp if ok else None
    if isinstance(node, Not):
        return None if unit_mask(node.item, U)[k] else []
    if isinstance(node, And):
        out: list[tuple[int, int]] = []
        for item in node.items:
            sp = evaluate(item, U, k)
            if sp is None:
                return None
            out.extend(sp)
        return out
    if isinstance(node, Or):
        found = None
        for item in node.items:
            if not unit_mask(item, U)[k]:  # the item does not match here
                continue
            sp = evaluate(item, U, k)
            if sp is not None:
                found = (found or []) + sp
        return found
    if isinstance(node, Near):
        found = U.near_units(node)
        if found is not None:
            return found.spans(k)
        pairs = near_pairs(node, U, k)
        if pairs is None:
            return None
        ix = U.index
        return [(int(ix.starts[a]), int(ix.ends[b])) for a, b in pairs]
    if isinstance(node, CodeRef):
        m = U.code_masks.get(node.code)
        if m is None or not m[k]:
            return None
        return list(U.code_spans.get(node.code, {}).get(k, []))
    if isinstance(node, Meta):
        return [] if U.meta_mask(node)[k] else None
    raise TypeError(f"unknown rule node {node!r}")  # pragma: no cover
