"""Token indexes: a text tokenised once, with lookups from normalised words to token positions.

:class:`DocIndex` indexes one text, :class:`JoinedIndex` several texts as one; the matcher
(:mod:`hsqual.rules.match`) asks them where the tokens of a term stand. ``norm_key`` is the
case- and width-insensitive key both words of rules and tokens of texts are compared by.

Example
-------
>>> ix = DocIndex("People live in fear. FEAR of want.", "en")
>>> ix.hits(Term("fear"))[0][0].tolist()
[3, 4]
"""

from __future__ import annotations

import bisect
import hashlib
import os
import re
import tempfile
import queue
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
import unicodedata
from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentError
from ..tokens import LINE_ENDS, SPACING_MARKS, TokenArrays, TokenIds, starts_with_mark
from ..vocab import PUNCT_POS, norm_key, vocabulary
from .syntax import LANGUAGES, Term

__all__ = ["DocIndex", "JoinedIndex", "TermSet", "norm_key", "normalize_with_map", "token_arrays", "cache_dir",
           "cache_key", "cached_arrays", "writing_behind"]

_EMPTY = np.empty(0, dtype=np.int64)


# =========================================================================================
# Matching: a document's tokens indexed once, every unit matched over token ranges
# =========================================================================================


def _norm_surface(s: str) -> str:
    """Key for ``surface:`` (width-insensitive, case-sensitive)."""
    return s if s.isascii() else unicodedata.normalize("NFKC", s)


@dataclass(frozen=True)
class _Elem:
    """One token position of a compiled term: field, key, glob and pos filter.

    ``lemma`` (a bare word's own lemma, when it differs from the word): a token whose lemma
    is this matches too, so that one element holds both ways a bare word matches a token.
    """

    field: str  # word | lemma | base | surface
    key: str
    glob: str | None = None  # None | "prefix" | "suffix"
    pos: str | None = None
    lemma: str | None = None

    def __hash__(self) -> int:
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.field, self.key, self.glob, self.pos, self.lemma))
            object.__setattr__(self, "_hash", h)
        return h


_TERM_CACHE: dict[str, dict[Term, tuple[tuple[_Elem, ...], ...]]] = {}


def _tokens_of(text: str, language: str) -> list:
    """The tokens of a term's text (sentence numbers 0), kept (see :func:`tokenize_terms`).
    Japanese tokens are read from the vocabulary's lists: a codebook's terms add new entries
    one or two at a time, and its arrays would be brought up to date for each."""
    from ..tokens import Token, tokenize_arrays, tokenize_ids

    got = _TERM_TOKENS.get((text, language))
    if got is not None:
        return got
    if language != "ja":
        got = tokenize_arrays(text, language=language, sentences=False).tokens()
    else:
        t = tokenize_ids(text)
        v = vocabulary()
        got = [Token(v.surfaces[i], v.lemmas[i], v.bases[i], v.pos1[i], v.pos2[i], a, b, 0)
               for i, a, b in zip(t.ids.tolist(), t.starts.tolist(), t.ends.tolist())]
    _keep_term_tokens(text, language, got)
    return got


#: The tokens of terms' texts: (text, language) -> tokens; bounded in count.
_TERM_TOKENS: dict[tuple[str, str], list] = {}


def _keep_term_tokens(text: str, language: str, tokens: list) -> None:
    if len(_TERM_TOKENS) > 100_000:
        _TERM_TOKENS.clear()
    _TERM_TOKENS[(text, language)] = tokens


def _batchable(text: str) -> bool:
    """Whether a text tokenises on a line of its own as it does alone: one line, not blank,
    no character composing with the one before it at its start."""
    return bool(text.strip()) and not any(c in text for c in LINE_ENDS) and not starts_with_mark(text)


def tokenize_terms(texts, language: str) -> None:
    """Tokenise many terms' texts in one pass and keep their tokens for :func:`_tokens_of`.

    Each Japanese text is one line of a joined text tokenised once: MeCab parses every line
    on its own, so each line's tokens are those of the text alone, without the fixed cost of
    a tokeniser call per term (a codebook has hundreds). Texts already kept, texts of other
    languages and texts that are not one plain line are left to :func:`_tokens_of`.

    Example
    -------
    >>> tokenize_terms(["人間の安全保障", "尊厳"], "ja")
    >>> [t.surface for t in _tokens_of("人間の安全保障", "ja")]
    ['人間', 'の', '安全', '保障']
    """
    from ..tokens import Token, tokenize_ids

    if language != "ja":
        return
    todo = list(dict.fromkeys(t for t in texts if (t, language) not in _TERM_TOKENS and _batchable(t)))
    if len(todo) < 2:
        return
    joined = "\n".join(todo)
    line_starts = np.cumsum([0] + [len(t) + 1 for t in todo[:-1]])
    t = tokenize_ids(joined)
    v = vocabulary()
    line = np.searchsorted(line_starts, t.starts, "right") - 1
    cuts = np.searchsorted(line, np.arange(len(todo) + 1), "left").tolist()
    ids, starts, ends = t.ids.tolist(), t.starts.tolist(), t.ends.tolist()
    for k, text in enumerate(todo):
        base = int(line_starts[k])
        _keep_term_tokens(text, language, [
            Token(v.surfaces[i], v.lemmas[i], v.bases[i], v.pos1[i], v.pos2[i], a - base, b - base, 0)
            for i, a, b in zip(ids[cuts[k]:cuts[k + 1]], starts[cuts[k]:cuts[k + 1]], ends[cuts[k]:cuts[k + 1]])])


def compile_terms(terms, language: str) -> None:
    """Compile many terms at once (:func:`_compile_term` for each), their texts tokenised in
    two passes (:func:`tokenize_terms`): the terms' pieces, then the written base forms of the
    tokens of pieces that split into several.

    Example
    -------
    >>> from hsqual.rules.syntax import Term
    >>> compile_terms([Term("という"), Term("守る")], "ja")
    >>> [[e.key for e in alt] for alt in _compile_term(Term("という"), "ja")]
    [['という'], ['と', 'いう']]
    """
    if language != "ja":
        return
    cache = _TERM_CACHE.get(language, {})
    todo = [t for t in terms if t not in cache]
    if not todo:
        return
    stems = [p.strip("*") for t in todo for p in (t.text.split() if t.quoted else [t.text])]
    tokenize_terms(stems, language)
    bases = [k.base or k.surface for s in stems for toks in [_TERM_TOKENS.get((s, language))] if toks and len(toks) > 1
             for k in toks]
    tokenize_terms(bases, language)
    for t in todo:
        _compile_term(t, language)


def _own_lemma(word: str, language: str) -> str | None:
    """The lemma a bare word is also matched through (normalised), or None when it has none
    of its own: the lemma of the word tokenised alone, when that is one token written as the
    word and its lemma differs from the word (コミュニティ: コミュニティー; ため: 為).

    Example
    -------
    >>> _own_lemma("ため", "ja"), _own_lemma("守る", "ja"), _own_lemma("人間の安全保障", "ja")
    ('為', None, None)
    """
    return _alone(word, language)[1]


def _alone(word: str, language: str) -> tuple[int, str | None]:
    """How many tokens a word tokenised alone makes, and its own lemma (see :func:`_own_lemma`);
    kept, as terms are."""
    got = _ALONE.get((word, language))
    if got is None:
        toks = _tokens_of(word, language)
        lemma = None
        if len(toks) == 1 and toks[0].surface == word and toks[0].lemma and norm_key(toks[0].lemma) != norm_key(word):
            lemma = norm_key(toks[0].lemma)
        if len(_ALONE) > 100_000:
            _ALONE.clear()
        got = _ALONE[(word, language)] = (len(toks), lemma)
    return got


_ALONE: dict[tuple[str, str], tuple[int, str | None]] = {}


def _elems_of_piece(piece: str, fieldname: str, language: str, pos: str | None) -> list[tuple[_Elem, ...]]:
    """Ways one space-free piece of a term can match (``*`` at an end makes a glob).

    The first alternative is one token holding the whole piece (a bare word: as its lemma or
    written base form, or through the word's own lemma, see :func:`_own_lemma`); when the
    tokenizer splits the piece into several tokens, the second is that token sequence, each
    token matched as a bare word of its written base form would be (by its base form, or
    through that form's own lemma, or through the token's lemma when the form alone splits:
    ``という`` is と|いう, and いう finds 言う); a glob's last (first) token by the prefix
    (suffix) of its surface. ``lemma:``/``base:``/``surface:`` pieces hold each token to that
    field. A ``[pos=...]`` filter applies to the single token, or to the last token of a
    sequence.

    Example
    -------
    >>> [[(e.field, e.key, e.lemma) for e in alt] for alt in _elems_of_piece("という", "word", "ja", None)]
    [[('word', 'という', None)], [('word', 'と', None), ('word', 'いう', '言う')]]
    """
    glob = "prefix" if piece.endswith("*") else "suffix" if piece.startswith("*") else None
    stem = piece.strip("*")
    key_norm = _norm_surface if fieldname == "surface" else norm_key
    bare = fieldname == "word" and glob is None
    own = _own_lemma(stem, language) if bare and language == "ja" else None  # コミュニティ also finds コミュニティー
    alts = [(_Elem(fieldname, key_norm(stem), glob, pos, own),)]
    toks = _tokens_of(stem, language)
    if len(toks) > 1:
        elems = []
        for k, t in enumerate(toks):
            lemma = None
            if fieldname == "lemma":
                key = t.lemma or t.surface
            elif fieldname == "surface":
                key = t.surface
            else:  # word, base
                key = t.base or t.surface
                if fieldname == "word" and language == "ja":  # a bare word of its base form
                    n_alone, lemma = _alone(key, language)
                    if n_alone != 1 and t.lemma and norm_key(t.lemma) != norm_key(key):
                        lemma = norm_key(t.lemma)
            g = None
            if glob == "prefix" and k == len(toks) - 1:
                g, key, lemma = "prefix", t.surface, None
            elif glob == "suffix" and k == 0:
                g, key, lemma = "suffix", t.surface, None
            p = pos if k == len(toks) - 1 else None
            elems.append(_Elem(fieldname, key_norm(key), g, p, lemma))
        alts.append(tuple(elems))
    return alts


def _compile_term(term: Term, language: str) -> tuple[tuple[_Elem, ...], ...]:
    """The alternative token sequences a term matches."""
    cache = _TERM_CACHE.setdefault(language, {})
    hit = cache.get(term)
    if hit is not None:
        return hit
    if term.quoted:
        pieces = term.text.split()
        if len(pieces) == 1:
            alts = _elems_of_piece(pieces[0], term.field, language, None)
        else:
            # each piece by its token sequence (or itself when one token); a glob piece the
            # tokenizer splits ("当ては*": 当て + は*) may also be one token of the text
            # (当てはまる): the phrase's ways to match are every combination of its pieces' ways
            import itertools

            ways = []
            for piece in pieces:
                piece_alts = _elems_of_piece(piece, term.field, language, None)
                ways.append(piece_alts[::-1] if piece.startswith("*") or piece.endswith("*") else piece_alts[-1:])
            combos = itertools.islice(itertools.product(*ways), 64)
            alts = [tuple(e for part in combo for e in part) for combo in combos]
    else:
        piece = ("*" if term.suffix else "") + term.text + ("*" if term.prefix else "")
        alts = _elems_of_piece(piece, term.field, language, term.pos)
    out = tuple(dict.fromkeys(alts))
    if len(cache) > 100_000:
        cache.clear()
    cache[term] = out
    return out


def _followed_by(first: np.ndarray, later: np.ndarray, j: int) -> np.ndarray:
    """The positions ``p`` of ``first`` with ``p + j`` in ``later`` (both sorted, without
    repeats): the shorter array looked up in the longer by binary search.

    Example
    -------
    >>> _followed_by(np.array([1, 4, 7, 9]), np.array([3, 6, 10, 11]), 2).tolist()
    [1, 4, 9]
    """
    if not len(first) or not len(later):
        return _EMPTY
    if len(first) <= len(later):
        want = first + j
        at = np.searchsorted(later, want)
        at[at == len(later)] = 0
        return first[later[at] == want]
    want = later - j
    at = np.searchsorted(first, want)
    at[at == len(first)] = 0
    return want[first[at] == want]


def _stable_argsort(values: np.ndarray, top: int) -> np.ndarray:
    """A stable argsort of non-negative integers below ``top``: by radix, 16 bits at a time."""
    if top <= 2**16:
        return np.argsort(values.astype(np.uint16), kind="stable")
    low = np.argsort((values & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((values[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]


class _WordLookup:
    """What both word lookups share: the words of a document by prefix or suffix, from the
    document's words (``_words``) sorted once on first use."""

    _sorted: list[str] | None = None
    _rsorted: list[tuple[str, str]] | None = None

    def _words(self) -> dict[str, int]:
        raise NotImplementedError

    def glob(self, key: str, kind: str) -> list[str]:
        """The words starting (``prefix``) or ending (``suffix``) with ``key``."""
        if kind == "prefix":
            if self._sorted is None:
                self._sorted = sorted(self._words())
            words = self._sorted
            lo = bisect.bisect_left(words, key)
            hi = bisect.bisect_left(words, key + "\U0010ffff")
            return words[lo:hi]
        if self._rsorted is None:
            self._rsorted = sorted((w[::-1], w) for w in self._words())
        rkey = key[::-1]
        lo = bisect.bisect_left(self._rsorted, (rkey,))
        hi = bisect.bisect_left(self._rsorted, (rkey + "\U0010ffff",))
        return [w for _, w in self._rsorted[lo:hi]]


class _Lookup(_WordLookup):
    """Normalised word -> token positions of one token field (or several) of a document given
    as lists of strings (English; see :class:`_EntryLookup` for Japanese tokens).

    Built per distinct form, not per token: each distinct form is normalised once, every token
    gets the number of its normalised form, and one sort groups the positions by word.
    """

    def __init__(self, columns: list, norm) -> None:
        key_id: dict[str, int] = {}
        id_columns = []
        for col in columns:
            forms = dict.fromkeys(col)
            for form in forms:
                forms[form] = key_id.setdefault(norm(form), len(key_id))
            id_columns.append(np.fromiter(map(forms.__getitem__, col), dtype=np.int64, count=len(col)))
        n_keys = len(key_id)
        self._key_id = key_id
        first_ids = id_columns[0]
        ids_parts, pos_parts = [first_ids], [np.arange(len(first_ids), dtype=np.int64)]
        for ids in id_columns[1:]:  # a token is listed once under each of its distinct forms
            other = np.flatnonzero(ids != first_ids)
            ids_parts.append(ids[other])
            pos_parts.append(other)
        ids = np.concatenate(ids_parts) if len(ids_parts) > 1 else ids_parts[0]
        pos = np.concatenate(pos_parts) if len(pos_parts) > 1 else pos_parts[0]
        if len(ids_parts) > 1:
            order = np.lexsort((pos, ids))
            ids, pos = ids[order], pos[order]
            keep = np.ones(len(ids), dtype=bool)
            keep[1:] = (ids[1:] != ids[:-1]) | (pos[1:] != pos[:-1])
            ids, pos = ids[keep], pos[keep]
        else:  # stable: positions ascending within a word (a radix sort when the keys fit 16 bits)
            order = _stable_argsort(ids, n_keys)
            ids, pos = ids[order], pos[order]
        self._positions = pos
        bounds = np.zeros(n_keys + 1, dtype=np.int64)
        np.cumsum(np.bincount(ids, minlength=n_keys), out=bounds[1:])
        self._bounds = bounds

    def _words(self) -> dict[str, int]:
        """Every word the document holds, and its number."""
        return self._key_id

    @property
    def lists(self) -> dict[str, list[int]]:
        """Every word and the positions of its tokens (for inspection)."""
        b = self._bounds
        return {k: self._positions[b[i]:b[i + 1]].tolist() for k, i in self._words().items()}

    def get(self, key: str) -> np.ndarray | None:
        """Sorted positions of the tokens holding ``key`` (None when there are none)."""
        i = self._key_id.get(key)
        if i is None:
            return None
        lo, hi = self._bounds[i], self._bounds[i + 1]
        return self._positions[lo:hi] if hi > lo else None


class _EntryLookup(_WordLookup):
    """Normalised word -> token positions of a Japanese document, through the vocabulary.

    The document's tokens are grouped by vocabulary entry once (one radix sort); a word's
    positions are those of the entries whose key (``fields``: lemma, base form or written
    form) is the word, which the vocabulary lists.
    """

    def __init__(self, by_entry: tuple[np.ndarray, np.ndarray], fields: tuple[str, ...]) -> None:
        self._order, self._bounds = by_entry
        self._fields = fields

    def _words(self) -> dict[str, int]:
        """Every word the document holds, and its number."""
        vocab = vocabulary()
        present = np.flatnonzero(np.diff(self._bounds) > 0)
        keys = np.unique(np.concatenate([vocab.array(f)[present] for f in self._fields])).tolist()
        return {vocab.keys[k]: k for k in keys}

    @property
    def lists(self) -> dict[str, list[int]]:
        """Every word and the positions of its tokens (for inspection)."""
        out = {}
        for w in self._words():
            got = self.get(w)
            if got is not None:
                out[w] = got.tolist()
        return out

    def get(self, key: str) -> np.ndarray | None:
        """Sorted positions of the tokens holding ``key`` (None when there are none)."""
        vocab = vocabulary()
        k = vocab.key_id(key)
        if k is None:
            return None
        entries = vocab.entries_with(self._fields[0], k)
        if len(self._fields) > 1:
            entries = list(dict.fromkeys(entries + [e for f in self._fields[1:] for e in vocab.entries_with(f, k)]))
        bounds, order = self._bounds, self._order
        n = len(bounds) - 1
        parts = [order[bounds[e]:bounds[e + 1]] for e in entries if e < n and bounds[e + 1] > bounds[e]]
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return np.sort(np.concatenate(parts), kind="stable")  # sorted runs: merged


#: The vocabulary's key fields each lookup group reads (a bare word: lemma or written base form).
_GROUP_FIELDS = {"word": ("lemma_key", "base_key"), "lemma": ("lemma_key",), "base": ("base_key",),
                 "surface": ("surface_key",)}
_GROUP_ROW = {name: row for row, name in enumerate(_GROUP_FIELDS)}


class TermSet:
    """The terms of a codebook's rules in one language, each with the words its ways of
    matching need, so that a text can rule out at once the terms it cannot hold
    (:meth:`DocIndex.rule_out`).

    A way of matching a term (a token sequence, :func:`_compile_term`) needs a token with
    each of its elements' keys; a glob or part-of-speech filter only narrows a key's tokens,
    and a glob is not checked at all, so a term ruled out has no occurrence. Only Japanese
    tokens (ids of the vocabulary) are ruled out: a set of another language holds no term.

    Example
    -------
    >>> ts = TermSet([Term("平和"), Term("人間の安全保障"), Term("平和")], "ja")
    >>> [(t.text, len(ways)) for t, ways in ts.ways]  # 人間の安全保障: one token, or four in a row
    [('平和', 1), ('人間の安全保障', 2)]
    """

    def __init__(self, terms, language: str) -> None:
        self.language = language
        # an element by what ruling out reads of it (field, key, own lemma; a part-of-speech
        # filter only narrows its tokens): plain tuples, hashed and compared in C
        elems: dict[tuple[str, str, str | None], int] = {}
        ways = []
        for term in dict.fromkeys(terms if language == "ja" else ()):
            alts = []
            for way in _compile_term(term, language):
                alts.append(tuple(elems.setdefault((e.field, e.key, e.lemma), len(elems)) for e in way if e.glob is None))
            ways.append((term, tuple(alts)))
        #: (term, its ways: each the numbers of the elements it needs)
        self.ways: list[tuple[Term, tuple[tuple[int, ...], ...]]] = ways
        self.terms = [t for t, _ in ways]
        # the same flat, for one reduction each: the elements of every way in a row, where each
        # way's and each term's run starts, and the ways needing no element (globs alone)
        alts = [alt for _, alts in ways for alt in alts]
        self._needs = np.array([i for alt in alts for i in alt], dtype=np.int64)
        self._way_starts = np.cumsum([0] + [len(alt) for alt in alts[:-1]], dtype=np.int64)
        self._free_ways = np.array([not alt for alt in alts], dtype=bool)
        self._term_starts = np.cumsum([0] + [len(alts) for _, alts in ways[:-1]], dtype=np.int64)
        listed = list(elems)
        #: each element's lookup group (a row of :data:`_GROUP_ROW`) and key
        self.groups = np.array([_GROUP_ROW[field] for field, _, _ in listed], dtype=np.int64)
        self.keys = [norm_key(key) if field == "surface" else key for field, key, _ in listed]
        #: the elements also found through a lemma of their own, and that lemma
        self.lemma_at = np.array([i for i, (_, _, lemma) in enumerate(listed) if lemma is not None], dtype=np.int64)
        self.lemma_keys = [lemma for _, _, lemma in listed if lemma is not None]

    def possible(self, ok: np.ndarray) -> np.ndarray:
        """Which terms can occur, given which elements can (``ok``, a flag an element): those
        with a way all of whose elements can."""
        if not len(self.terms):
            return np.zeros(0, dtype=bool)
        # one flag more at the end, so that every run starts inside; a way needing no element
        # has an empty run (the reduction then reads the next run's first flag): set apart
        way_ok = np.logical_and.reduceat(np.append(ok[self._needs], True), self._way_starts)
        way_ok[self._free_ways] = True
        return np.logical_or.reduceat(way_ok, self._term_starts)


class DocIndex:
    """One text tokenised once, with lookup tables from words to token positions.

    Internal to hsqual's matcher (used by :mod:`hsqual.apply` and :mod:`hsqual.kwic`).
    ``starts``/``ends`` are character offsets into ``text``; whitespace is never a token.

    Example
    -------
    >>> ix = DocIndex("権利が守られる。", "ja")
    >>> ix.surface, ix.starts.tolist()
    (['権利', 'が', '守ら', 'れる', '。'], [0, 2, 3, 5, 7])
    """

    def __init__(self, text: str, language: str, tokens=None) -> None:
        if language not in LANGUAGES:
            raise ArgumentError(f"cannot match rules in language {language!r}; supported: {', '.join(LANGUAGES)}")
        self.text = text
        self.language = language
        if tokens is None:
            tokens = token_arrays(text, language)
        self.starts = np.asarray(tokens.starts, dtype=np.int64)
        self.ends = np.asarray(tokens.ends, dtype=np.int64)
        # Japanese tokens come as ids of the process's vocabulary (everything per token is an
        # array lookup); tokens given as lists (English) are kept as lists
        self._ids: np.ndarray | None = None
        self._surface: list[str] | None = None
        self._lemma: list[str] | None = None
        self._base: list[str] | None = None
        self._pos: list[str] | None = None
        if isinstance(tokens, TokenIds):
            self._ids = np.asarray(tokens.ids)
            is_word = vocabulary().array("is_word")[self._ids]
        else:
            self._surface, self._lemma, self._base = tokens.surfaces, tokens.lemmas, tokens.bases
            self._pos1, self._pos2 = tokens.pos, tokens.pos2
            if language == "ja":  # word number of each token: punctuation does not count in NEAR/SEQ distances
                word_pos = {p: not p.startswith(PUNCT_POS) for p in set(tokens.pos)}
                is_word = np.fromiter(map(word_pos.__getitem__, tokens.pos), dtype=bool, count=len(tokens.pos))
            else:
                # decided once per distinct written form (a text repeats its words)
                word_form = {s: any(ch.isalnum() for ch in s) for s in set(self._surface)}
                is_word = np.fromiter(map(word_form.__getitem__, self._surface), dtype=bool, count=len(self._surface))
        self.word_no = np.cumsum(is_word) - 1
        self.word_positions = np.flatnonzero(is_word)
        self._sentence: np.ndarray | None = None
        self._groups: dict[str, _Lookup | _EntryLookup] = {}
        self._by_entry: tuple[np.ndarray, np.ndarray] | None = None
        self._elem_cache: dict[_Elem, np.ndarray] = {}
        self._hits_cache: dict[Term, list[tuple[np.ndarray, int]]] = {}
        self._norm_text: tuple[str, np.ndarray, np.ndarray, np.ndarray] | None = None

    def _column(self, name: str) -> list[str]:
        ids = self._ids
        assert ids is not None
        return vocabulary().array(name)[ids].tolist() if len(ids) else []

    @property
    def surface(self) -> list[str]:
        """The written form of each token, as the text has it."""
        if self._surface is None:
            self._surface = self._column("surfaces")
        return self._surface

    @property
    def lemma(self) -> list[str]:
        """The lemma of each token (English: the lower-cased word)."""
        if self._lemma is None:
            self._lemma = self._column("lemmas")
        return self._lemma

    @property
    def base(self) -> list[str]:
        """The written base form of each token (English: the lower-cased word)."""
        if self._base is None:
            self._base = self._column("bases")
        return self._base

    @property
    def pos(self) -> list[str]:
        """Part of speech of each token as ``pos1-pos2`` (``名詞-固有名詞``); empty in English."""
        if self._pos is None:
            if self._ids is not None:
                self._pos = self._column("pos")
            else:
                self._pos = [f"{a}-{b}" if b and b != "*" else a for a, b in zip(self._pos1, self._pos2)]
        return self._pos

    @property
    def sentence(self) -> np.ndarray:
        """The sentence number of each token (sentences as :func:`hsqual.segment.split_sentences` finds them)."""
        if self._sentence is None:
            from ..segment import split_sentences

            sent_starts = np.asarray([a for a, _ in split_sentences(self.text, language=self.language)], dtype=np.int64)
            self._sentence = np.maximum(np.searchsorted(sent_starts, self.starts, "right") - 1, 0)
        return self._sentence

    def __len__(self) -> int:
        return len(self.starts)

    # -- lookups --------------------------------------------------------------------------
    def _entry_order(self) -> tuple[np.ndarray, np.ndarray]:
        """Token ids: the positions grouped by vocabulary entry (one radix sort), and where
        each entry's run starts (worked out once)."""
        if self._by_entry is None:
            ids, top = self._ids, len(vocabulary())
            assert ids is not None
            bounds = np.zeros(top + 1, dtype=np.int64)
            np.cumsum(np.bincount(ids, minlength=top), out=bounds[1:])
            self._by_entry = (_stable_argsort(ids, top), bounds)
        return self._by_entry

    def rule_out(self, terms: TermSet) -> None:
        """Record as occurring nowhere the terms of ``terms`` that cannot occur in this text:
        every way of matching them needs a word no token has. Worked out for every term at
        once from the keys of the text's vocabulary entries (where looking each term up costs
        about ten microseconds, and most terms of a codebook are absent from a given text);
        :meth:`hits` then answers those terms at once. Japanese tokens only (ids of the
        vocabulary); else nothing is done.

        Example
        -------
        >>> ix = DocIndex("平和のために働く。", "ja")
        >>> ix.rule_out(TermSet([Term("平和"), Term("戦争"), Term("人間の安全保障")], "ja"))
        >>> sorted(t.text for t, got in ix._hits_cache.items() if got == [])
        ['人間の安全保障', '戦争']
        >>> [(first.tolist(), n) for first, n in ix.hits(Term("平和"))]
        [([0], 1)]
        """
        if self._ids is None or terms.language != self.language or not terms.ways:
            return
        vocab = vocabulary()
        _, bounds = self._entry_order()
        present = np.flatnonzero(np.diff(bounds))  # the entries this text's tokens are
        # the elements' keys first: the table below then has room for each (the vocabulary
        # may grow meanwhile, from another thread)
        keys, lemma_keys = vocab.key_ids(terms.keys), vocab.key_ids(terms.lemma_keys)
        # which keys some token has, as each field group looks (one row a group; the last
        # column stands for a key no entry has, -1)
        have = np.zeros((len(_GROUP_FIELDS), len(vocab.keys) + 1), dtype=bool)
        for row, fields in enumerate(_GROUP_FIELDS.values()):
            for f in fields:
                have[row, vocab.array(f)[present]] = True
        ok = have[terms.groups, keys]
        if len(terms.lemma_at):  # a bare word is also found through its own lemma
            ok[terms.lemma_at] |= have[_GROUP_ROW["lemma"], lemma_keys]
        terms_at = terms.terms
        self._hits_cache.update((terms_at[i], []) for i in np.flatnonzero(~terms.possible(ok)).tolist())

    def _group(self, name: str) -> _Lookup | _EntryLookup:
        g = self._groups.get(name)
        if g is None:
            if name not in ("word", "surface", "lemma", "base"):
                raise KeyError(name)
            if self._ids is not None:  # through the vocabulary: keys worked out once per entry
                g = _EntryLookup(self._entry_order(), _GROUP_FIELDS[name])
            elif name == "word":  # lemma or written base form
                g = _Lookup([self.lemma] if self.language == "en" else [self.lemma, self.base], norm_key)
            elif name == "surface":  # case-folded; surface: filters the case afterwards
                g = _Lookup([self.surface], norm_key)
            else:
                g = _Lookup([self.lemma if name == "lemma" else self.base], norm_key)
            self._groups[name] = g
        return g

    def positions(self, elem: _Elem) -> np.ndarray:
        """Sorted positions of the tokens one element matches."""
        out = self._elem_cache.get(elem)
        if out is not None:
            return out
        field = elem.field
        key = elem.key if field != "surface" else norm_key(elem.key)
        # a glob on a bare word looks at lemma, base form and surface
        names = ("word", "surface") if (field == "word" and elem.glob and self.language == "ja") else (field,)
        parts = []
        for name in names:
            g = self._group(name)
            if elem.glob is None:
                arr = g.get(key)
                if arr is not None:
                    parts.append(arr)
            else:
                parts.extend(g.get(w) for w in g.glob(key, elem.glob))
        if elem.lemma is not None:  # a bare word, also through its own lemma
            arr = self._group("lemma").get(elem.lemma)
            if arr is not None:
                parts.append(arr)
        if not parts:
            out = _EMPTY
        elif len(parts) == 1:
            out = parts[0]
        else:
            out = np.unique(np.concatenate(parts))
        if field == "surface" and len(out):  # surface: is case-sensitive
            surf = self._values_at("surfaces", out)
            out = out[np.fromiter((_norm_surface(w).startswith(elem.key) if elem.glob == "prefix"
                                   else _norm_surface(w).endswith(elem.key) if elem.glob == "suffix"
                                   else _norm_surface(w) == elem.key for w in surf), dtype=bool, count=len(out))]
        if elem.pos and len(out):
            pos = self._values_at("pos", out)
            out = out[np.fromiter((p.startswith(elem.pos) for p in pos), dtype=bool, count=len(out))]
        self._elem_cache[elem] = out
        return out

    def _values_at(self, name: str, positions: np.ndarray) -> list[str]:
        """The written form (``surfaces``) or part of speech (``pos``) of the tokens at some
        positions: read from the vocabulary for those alone when the tokens are its ids (not a
        list for every token of the text, as :attr:`surface` and :attr:`pos` make)."""
        if self._ids is not None and (self._surface if name == "surfaces" else self._pos) is None:
            return vocabulary().array(name)[self._ids[positions]].tolist()
        values = self.surface if name == "surfaces" else self.pos
        return [values[p] for p in positions.tolist()]

    def hits(self, term: Term) -> list[tuple[np.ndarray, int]]:
        """For each length (in tokens) of a term's occurrences: the sorted first-token
        positions of its occurrences of that length, and the length (lengths that never occur
        are left out).

        An occurrence is listed once, however many of the term's ways of matching find it: a
        token that holds a word both as its written base form and through the word's lemma
        (``ため``: base ため, lemma 為) is one occurrence, so counts and evidence count it once.

        Example
        -------
        >>> [(first.tolist(), n) for first, n in DocIndex("平和のため", "ja").hits(Term("ため"))]
        [([2], 1)]
        """
        got = self._hits_cache.get(term)
        if got is not None:
            return got
        by_length: dict[int, list[np.ndarray]] = {}
        for elems in _compile_term(term, self.language):
            first = self.positions(elems[0])
            for j, e in enumerate(elems[1:], 1):
                if not len(first):
                    break
                first = _followed_by(first, self.positions(e), j)
            if len(first):
                by_length.setdefault(len(elems), []).append(first)
        # ways of one length may find the same occurrence: merged, each occurrence once
        got = [(parts[0] if len(parts) == 1 else np.unique(np.concatenate(parts)), n)
               for n, parts in by_length.items()]
        self._hits_cache[term] = got
        return got

    def normalized(self) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
        """The NFKC-normalised text; for each normalised character the start and end of the
        original characters it comes from; for each original offset (and ``len(text)``) the
        normalised offset."""
        if self._norm_text is None:
            self._norm_text = normalize_with_map(self.text)
        return self._norm_text


class JoinedIndex(DocIndex):
    """Several texts indexed as one, so that rules are matched over all of them at once.

    Internal to hsqual's matcher. The texts are joined by a line break; text ``i`` starts at
    offset ``bases[i]`` of the joined text. Each text is tokenised on its own, and its sentences
    and normalised form are those of the text alone, so a unit lying in one text matches as it
    would in a :class:`DocIndex` of that text (offsets shifted by the text's base).

    Example
    -------
    >>> ix = JoinedIndex(["恐怖の中で", "欠乏。"], "ja")
    >>> ix.bases, ix.surface, ix.starts.tolist()
    ([0, 6], ['恐怖', 'の', '中', 'で', '欠乏', '。'], [0, 2, 3, 4, 6, 8])
    """

    def __init__(self, texts: list[str], language: str) -> None:
        texts = list(texts)
        bases, pos = [], 0
        for t in texts:
            bases.append(pos)
            pos += len(t) + 1
        parts = [token_arrays(t, language) for t in texts]
        self.texts, self.bases = texts, bases
        self._token_counts = [len(a) for a in parts]

        def shifted(name):
            arrays = [np.asarray(getattr(a, name), dtype=np.int64) + b for a, b in zip(parts, bases)]
            return np.concatenate(arrays) if arrays else _EMPTY

        tokens: TokenIds | TokenArrays
        if parts and all(isinstance(a, TokenIds) for a in parts):  # ids of the vocabulary: joined as arrays
            ids = np.concatenate([a.ids for a in parts]) if len(parts) > 1 else parts[0].ids
            tokens = TokenIds(ids, shifted("starts"), shifted("ends"))
        else:
            def joined(name):
                if len(parts) == 1:  # one long document: its lists as they are, not a copy
                    return getattr(parts[0], name)
                return [x for a in parts for x in getattr(a, name)]

            tokens = TokenArrays(joined("surfaces"), joined("lemmas"), joined("bases"), joined("pos"),
                                 joined("pos2"), shifted("starts"), shifted("ends"), [])
        super().__init__("\n".join(texts), language, tokens)

    @property
    def sentence(self) -> np.ndarray:
        """The sentence number of each token within its own text."""
        if self._sentence is None:
            from ..segment import split_sentences

            out, i = [], 0
            for text, base, n in zip(self.texts, self.bases, self._token_counts):
                sent_starts = np.asarray([a for a, _ in split_sentences(text, language=self.language)], dtype=np.int64)
                out.append(np.maximum(np.searchsorted(sent_starts, self.starts[i:i + n] - base, "right") - 1, 0))
                i += n
            self._sentence = np.concatenate(out) if out else _EMPTY
        return self._sentence

    def normalized(self) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
        """As :meth:`DocIndex.normalized`, each text normalised on its own; the line break
        joining two texts stays a line break."""
        if self._norm_text is None and len(self.texts) == 1:  # no copies of one long text's maps
            self._norm_text = normalize_with_map(self.texts[0])
        if self._norm_text is None and not any(starts_with_mark(t) for t in self.texts):
            # normalising works character by character, except that a mark composes with the
            # character before it: with no text starting with a mark, the joined text
            # normalised at once is the texts normalised one by one and joined
            self._norm_text = normalize_with_map(self.text)
        if self._norm_text is None:
            ntexts, n2o_s, n2o_e, o2n = [], [], [], []
            nbase = 0
            for k, (text, base) in enumerate(zip(self.texts, self.bases)):
                nt, s, e, m = normalize_with_map(text)
                last = k == len(self.texts) - 1
                ntexts.append(nt)
                n2o_s.append(s.astype(np.int64) + base)
                n2o_e.append(e.astype(np.int64) + base)
                # the text's own offsets, then the joining line break (or the end of everything)
                o2n.append(m.astype(np.int64) + nbase)
                if not last:
                    sep = base + len(text)
                    n2o_s.append(np.array([sep], dtype=np.int64))
                    n2o_e.append(np.array([sep + 1], dtype=np.int64))
                nbase += len(nt) + 1
            self._norm_text = ("\n".join(ntexts), np.concatenate(n2o_s) if n2o_s else _EMPTY,
                               np.concatenate(n2o_e) if n2o_e else _EMPTY,
                               np.concatenate(o2n) if o2n else np.zeros(1, dtype=np.int64))
        return self._norm_text


def normalize_with_map(text: str) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    """The NFKC-normalised text; for each normalised character the start and end of the original
    characters it comes from; for each original offset (and ``len(text)``) the normalised offset.

    Example
    -------
    >>> text, starts, ends, to_norm = normalize_with_map("ﾃﾞﾓ…")
    >>> text, starts.tolist(), ends.tolist(), to_norm.tolist()
    ('デモ...', [0, 2, 3, 3, 3], [2, 3, 4, 4, 4], [0, 0, 1, 2, 5])
    """
    from ..tokens import normalize_for_matching

    t1 = normalize_for_matching(text)  # one character for one: offsets unchanged
    n = len(text)
    itype = np.int32 if n < 2**30 else np.int64  # half the memory for the maps of a text below 1G characters
    ident = np.arange(n + 1, dtype=itype)
    if unicodedata.is_normalized("NFKC", t1):
        return t1, ident[:-1], ident[1:], ident
    # what is left expands (… → ...) or combines with the character before (か + ゙ → が)
    combining, expanding = [], []
    cps = None
    if len(t1) > 200_000:  # the distinct characters of a long text: counted as code points
        cps = np.frombuffer(t1.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        distinct: Any = map(chr, np.flatnonzero(np.bincount(cps[cps >= 128])).tolist())
    else:
        distinct = set(t1)
    for ch in distinct:
        if starts_with_mark(ch):
            combining.append(ch)
        elif unicodedata.normalize("NFKC", ch) != ch:
            expanding.append(ch)
    if not combining:  # each expanding character normalised on its own: with arrays
        if cps is None:
            cps = np.frombuffer(t1.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        where = np.flatnonzero(np.isin(cps, np.array([ord(c) for c in expanding], dtype=np.uint32))).tolist()
        into = {ch: unicodedata.normalize("NFKC", ch) for ch in expanding}
        lens = np.ones(n, dtype=itype)
        parts: list[str] = []
        pos = 0
        for i in where:
            chunk = into[t1[i]]
            lens[i] = len(chunk)
            parts.append(t1[pos:i])
            parts.append(chunk)
            pos = i + 1
        parts.append(t1[pos:])
        o2n = np.empty(n + 1, dtype=itype)
        o2n[0] = 0
        np.cumsum(lens, out=o2n[1:])
        n2o = np.repeat(ident[:-1], lens)
        return "".join(parts), n2o, n2o + 1, o2n
    alts = []
    if combining:
        alts.append("." + "[" + "".join(map(re.escape, combining)) + "]+")
    if expanding:
        alts.append("[" + "".join(map(re.escape, expanding)) + "]")
    pieces: list[str] = []
    n2o_start: list[np.ndarray] = []
    n2o_end: list[np.ndarray] = []
    o2n = np.empty(n + 1, dtype=itype)
    pos = cur = 0
    for m in re.finditer("|".join(alts), t1, flags=re.S):
        a, b = m.span()
        if a > pos:
            pieces.append(t1[pos:a])
            n2o_start.append(ident[pos:a])
            n2o_end.append(ident[pos + 1:a + 1])
            o2n[pos:a] = np.arange(cur, cur + a - pos)
            cur += a - pos
        chunk = unicodedata.normalize("NFKC", t1[a:b])
        # a spacing voiced mark (゛, ﾞ) that composes with its character counts as the mark
        composed = unicodedata.normalize("NFKC", "".join(SPACING_MARKS.get(c, c) for c in t1[a:b]))
        if len(composed) < b - a:
            chunk = composed
        pieces.append(chunk)
        n2o_start.append(np.full(len(chunk), a, dtype=itype))
        n2o_end.append(np.full(len(chunk), b, dtype=itype))
        o2n[a:b] = cur
        cur += len(chunk)
        pos = b
    if pos < n:
        pieces.append(t1[pos:])
        n2o_start.append(ident[pos:n])
        n2o_end.append(ident[pos + 1:n + 1])
        o2n[pos:n] = np.arange(cur, cur + n - pos)
        cur += n - pos
    o2n[n] = cur
    return "".join(pieces), np.concatenate(n2o_start), np.concatenate(n2o_end), o2n



# =========================================================================================
# The token cache: a text is analysed once, in this process and across runs
# =========================================================================================

#: Bumped whenever tokenisation changes what it returns, so that older cache entries are not read.
_CACHE_FORMAT = "hsqual-tokens-4"
#: The in-memory cache: key -> the text's token ids (of this process's vocabulary), least
#: recently used first; bounded in bytes.
_MEMORY: OrderedDict[str, TokenIds] = OrderedDict()
_MEMORY_LIMIT = 512 * 2**20
_memory_bytes = 0
_DICTIONARY: str | None = None
#: An entry on disk: the distinct token lines of the text (MeCab's output lines, see
#: hsqual.vocab), NUL-separated UTF-8; each token's number among them; offsets.
_ENTRY_KEYS = {"lines", "codes", "gaps", "lengths"}


def _dictionary_version() -> str:
    """The versions of the tokeniser's dictionary and binding (part of every cache key)."""
    global _DICTIONARY
    if _DICTIONARY is None:
        from importlib.metadata import PackageNotFoundError, version

        parts = []
        for dist in ("unidic-lite", "fugashi"):
            try:
                parts.append(f"{dist}={version(dist)}")
            except PackageNotFoundError:
                parts.append(f"{dist}=none")
        _DICTIONARY = " ".join(parts)
    return _DICTIONARY


def cache_dir() -> Path | None:
    """The folder of the on-disk token cache, or None when it is switched off.

    ``HSQUAL_CACHE_DIR`` names it (``off`` or an empty value switches the disk cache off);
    by default it is ``hsqual/tokens`` in the user's cache folder (``XDG_CACHE_HOME``, else
    ``~/.cache``; ``LOCALAPPDATA`` on Windows).

    Example
    -------
    >>> import os
    >>> os.environ["HSQUAL_CACHE_DIR"] = "off"
    >>> cache_dir() is None
    True
    >>> del os.environ["HSQUAL_CACHE_DIR"]
    >>> cache_dir().parts[-2:]
    ('hsqual', 'tokens')
    """
    env = os.environ.get("HSQUAL_CACHE_DIR")
    if env is not None:
        if env.strip().lower() in ("", "off", "0", "none", "false"):
            return None
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or (os.environ.get("LOCALAPPDATA") if os.name == "nt" else None)
    return Path(base or Path.home() / ".cache") / "hsqual" / "tokens"


def cache_key(text: str, language: str) -> str:
    """The cache key of a text's tokens: a hash of the text, its language, the dictionary's
    version and the cache format.

    Example
    -------
    >>> cache_key("人間の安全保障", "ja") == cache_key("人間の安全保障", "ja") != cache_key("人間の安全保障", "en")
    True
    """
    h = hashlib.sha256(f"{_CACHE_FORMAT}\0{language}\0{_dictionary_version()}\0".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _narrow(a: np.ndarray) -> np.ndarray:
    """A non-negative integer array in the narrowest unsigned type holding its largest value
    (int64 from 2**32 on)."""
    top = int(a.max()) if len(a) else 0
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return a.astype(dtype)
    return a.astype(np.int64)


def _pack(tokens: TokenIds) -> dict[str, Any] | None:
    """An entry for disk: the text's distinct vocabulary lines once; for each token the number
    of its line among them, the characters between it and the token before, and its length,
    each in the narrowest unsigned type that holds it (about 4 bytes a token: 12 as offsets)."""
    vocab = vocabulary()
    lines = vocab.lines
    # the distinct ids in order, and each token's number among them: for a text of many tokens
    # marked in an array as long as the vocabulary (linear, where sorting the tokens is not);
    # for a short text, whose tokens are few beside a large vocabulary, by sorting them
    if 8 * len(tokens.ids) < len(vocab):
        uniq, codes = np.unique(tokens.ids, return_inverse=True)
        codes = codes.reshape(-1)
    else:
        present = np.zeros(len(vocab), dtype=bool)
        present[tokens.ids] = True
        uniq = np.flatnonzero(present)
        codes = (np.cumsum(present, dtype=np.int64) - 1)[tokens.ids]
    joined = "\0".join([lines[i] for i in uniq.tolist()])
    if joined.count("\0") != max(len(uniq) - 1, 0):  # a NUL inside a token: not cacheable
        return None
    starts = np.asarray(tokens.starts, dtype=np.int64)
    ends = np.asarray(tokens.ends, dtype=np.int64)
    gaps = starts - np.concatenate(([0], ends[:-1]))
    lengths = ends - starts
    if len(gaps) and (int(gaps.min()) < 0 or int(lengths.min()) < 0):  # pragma: no cover - tokens never overlap
        return None
    return {"lines": np.frombuffer(joined.encode("utf-8", "surrogatepass"), dtype=np.uint8),
            "codes": _narrow(codes), "gaps": _narrow(gaps), "lengths": _narrow(lengths)}


def _unpack(packed: dict[str, Any], text: str) -> TokenIds | None:
    """Token ids from an entry, checked against the text (None when they do not fit)."""
    gaps, lengths, codes = packed["gaps"], packed["lengths"], packed["codes"]
    n = len(codes)
    if len(gaps) != n or len(lengths) != n or gaps.ndim != 1 or lengths.ndim != 1 or codes.ndim != 1:
        return None
    if not n:
        return TokenIds(np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int64))
    # no more tokens than characters, none starting or running past the text's end: then
    # every running end is at most 2 * len(text) ** 2 and the sums below cannot wrap around
    # (a damaged entry's int64 gaps could add up past 2**63 to ends that look in range)
    m = len(text)
    if n > m or int(gaps.min()) < 0 or int(lengths.min()) < 0 or int(gaps.max()) > m or int(lengths.max()) > m:
        return None
    lengths = lengths.astype(np.int64)
    ends = np.cumsum(gaps.astype(np.int64) + lengths)
    starts = ends - lengths
    if int(ends[-1]) > m or (m >= 2**31 and bool((np.diff(ends) < 0).any())):
        return None
    try:
        lines = bytes(packed["lines"]).decode("utf-8", "surrogatepass").split("\0")
        local = vocabulary().ids(lines)
    except (UnicodeDecodeError, ArgumentError):
        return None
    if int(codes.min()) < 0 or int(codes.max()) >= len(local):
        return None
    return TokenIds(local[codes], starts, ends)


def _remember(key: str, tokens: TokenIds) -> None:
    global _memory_bytes
    size = tokens.ids.nbytes + tokens.starts.nbytes + tokens.ends.nbytes
    if size > _MEMORY_LIMIT // 4:
        return
    _MEMORY[key] = tokens
    _memory_bytes += size
    while _memory_bytes > _MEMORY_LIMIT and _MEMORY:
        _, old = _MEMORY.popitem(last=False)
        _memory_bytes -= old.ids.nbytes + old.starts.nbytes + old.ends.nbytes


#: An entry file: this magic, the byte length of a JSON header, the header (each array's name,
#: dtype and length, in order), then each array's bytes, every one starting at a multiple of 8.
_MAGIC = b"HSQUALTOK3\0"
_DTYPES = ("uint8", "uint16", "uint32", "int32", "int64")


def _read_entry(path: Path) -> dict[str, Any] | None:
    """An entry's arrays, or None when the file is missing or is not a whole entry."""
    import json

    try:
        data = path.read_bytes()
    except OSError:  # missing, a folder, unreadable
        return None
    head = len(_MAGIC) + 4
    if len(data) < head or not data.startswith(_MAGIC):
        return None  # a corrupt entry is ignored (and rewritten)
    size = int.from_bytes(data[len(_MAGIC):head], "little")
    try:
        header = json.loads(data[head:head + size].decode("utf-8"))
        out: dict[str, Any] = {}
        pos = head + size
        for name, dtype, n in header:
            if dtype not in _DTYPES or not isinstance(n, int) or n < 0:
                return None
            pos += -pos % 8
            nbytes = np.dtype(dtype).itemsize * n
            if pos + nbytes > len(data):
                return None
            out[str(name)] = np.frombuffer(data, dtype=dtype, count=n, offset=pos)
            pos += nbytes
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    return out if pos == len(data) else None


def _entry_parts(packed: dict[str, Any]) -> list:
    """An entry file's bytes, as pieces to write one after another (the arrays' own memory,
    not copies)."""
    import json

    arrays = {k: np.ascontiguousarray(v) for k, v in packed.items()}
    header = json.dumps([[k, str(v.dtype), len(v)] for k, v in arrays.items()]).encode("utf-8")
    parts: list = [_MAGIC, len(header).to_bytes(4, "little"), header]
    pos = len(_MAGIC) + 4 + len(header)
    for v in arrays.values():
        pad = -pos % 8
        if pad:
            parts.append(b"\0" * pad)
        if v.nbytes:
            parts.append(memoryview(v).cast("B"))
        pos += pad + v.nbytes
    return parts


_FOLDERS_MADE: set[Path] = set()


def _write_entry(path: Path, packed: dict[str, Any]) -> None:
    """Write an entry atomically (a temporary file in the same folder, then renamed): at once,
    or from a thread of its own within :func:`writing_behind` (where the disk is slow to
    create files, as on a shared virtual machine, coding then runs a tenth to a sixth faster;
    where it is quick, as fast as writing at once)."""
    try:
        if path.parent not in _FOLDERS_MADE:
            path.parent.mkdir(parents=True, exist_ok=True)
            _FOLDERS_MADE.add(path.parent)
        tmp = str(path) + f".{os.getpid()}.{threading.get_ident()}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(tmp, flags, 0o600)
        except FileExistsError:  # left by a process that died: a fresh name
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        except FileNotFoundError:  # the folder went away since: made again
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, flags, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.writelines(_entry_parts(packed))
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        pass  # a read-only or full disk: the tokens are still used, only not kept


class _Writer:
    """A thread writing cache entries in the order they are handed over, for one
    :func:`writing_behind` block."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.queue: queue.Queue = queue.Queue(maxsize=64)  # entries waiting: memory stays bounded
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="hsqual-cache-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                _write_entry(*item)
            except BaseException as exc:  # not an OSError (those are left out): raised to the caller
                if self.error is None:
                    self.error = exc
            finally:
                self.queue.task_done()

    def close(self) -> None:
        """Write what is waiting, then end the thread; raise what the thread met."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


_WRITING = threading.local()  # the writer of this thread's outermost writing_behind block


@contextmanager
def writing_behind() -> Iterator[None]:
    """Within the block, the token cache's entries (:func:`token_arrays`,
    :func:`cached_arrays`) made by this thread are written by a thread of their own while
    this one goes on, so that waiting on the disk (creating a file can take a millisecond)
    overlaps with tokenising and matching. When the block ends, every entry is on disk (or
    left out, as a full or read-only disk leaves it) and the writing thread has ended.

    Example
    -------
    >>> import threading
    >>> n = threading.active_count()
    >>> with writing_behind():
    ...     a = token_arrays("人間の安全保障を考える。", "ja")
    >>> a.surfaces[:3], threading.active_count() == n
    (['人間', 'の', '安全'], True)
    """
    if getattr(_WRITING, "writer", None) is not None:  # nested: the outer block's writer
        yield
        return
    writer = _WRITING.writer = _Writer()
    try:
        yield
    finally:
        _WRITING.writer = None
        if writer.pid == os.getpid():  # (a process forked within the block has no such thread)
            writer.close()


def _keep_on_disk(path: Path, packed: dict[str, Any]) -> None:
    """Write an entry: now, or by this thread's writer within :func:`writing_behind`."""
    writer = getattr(_WRITING, "writer", None)
    if writer is None or writer.pid != os.getpid():
        _write_entry(path, packed)
    else:
        writer.queue.put((path, packed))


def token_arrays(text: str, language: str) -> TokenIds | TokenArrays:
    """The tokens of ``text`` (without sentence numbers), analysed once and then cached.

    Japanese tokens are :class:`~hsqual.tokens.TokenIds` (ids of the process's vocabulary),
    kept in memory and on disk under :func:`cache_dir`, keyed by :func:`cache_key`; a later
    call with the same text (in this process or a later one) reads them instead of running the
    tokenizer again. An entry that cannot be read or does not fit its text is ignored and
    written again. English tokens are :class:`~hsqual.tokens.TokenArrays`, not cached (the
    tokenizer is faster than a cache read).

    Example
    -------
    >>> a = token_arrays("権利が守られる。", "ja")
    >>> a.surfaces, a.lemmas[2]
    (['権利', 'が', '守ら', 'れる', '。'], '守る')
    >>> token_arrays("権利が守られる。", "ja").lemmas == a.lemmas
    True
    """
    from ..tokens import tokenize_arrays, tokenize_ids

    if language != "ja":  # English tokenises faster than a cache reads
        return tokenize_arrays(text, language=language, sentences=False)
    if not text:
        return tokenize_ids(text)
    key = cache_key(text, language)
    got = _MEMORY.get(key)
    if got is not None:
        _MEMORY.move_to_end(key)
        return got
    folder = cache_dir()
    path = folder / key[:2] / (key + ".tok") if folder is not None else None
    if path is not None:
        packed = _read_entry(path)
        if packed is not None and set(packed) >= _ENTRY_KEYS:
            got = _unpack(packed, text)
            if got is not None:
                _remember(key, got)
                return got
    tokens = tokenize_ids(text)
    _remember(key, tokens)
    if path is not None:
        packed = _pack(tokens)
        if packed is not None:
            _keep_on_disk(path, packed)
    return tokens


#: Other arrays worked out from a text (e.g. the units of a document), kept as tokens are:
#: key -> arrays, least recently used first; bounded in count.
_ARRAYS: OrderedDict[str, dict[str, np.ndarray]] = OrderedDict()
_ARRAYS_LIMIT = 100_000


def cached_arrays(key: str, compute, *, check=None) -> dict[str, np.ndarray]:
    """Arrays worked out once and kept in memory and on disk like tokens (:func:`token_arrays`).

    ``key`` names them (a hex digest of everything they depend on); ``compute()`` gives them
    (a dict of 1-D int32/int64/uint8 arrays) when they are not kept; ``check(arrays)`` says
    whether kept arrays are sound (an entry that is not is computed and written again).

    Example
    -------
    >>> import hashlib, numpy as np
    >>> key = hashlib.sha256(b"example: squares of 0..4").hexdigest()
    >>> cached_arrays(key, lambda: {"squares": np.arange(5, dtype=np.int64) ** 2})["squares"].tolist()
    [0, 1, 4, 9, 16]
    >>> cached_arrays(key, lambda: {})["squares"].tolist()  # kept: not computed again
    [0, 1, 4, 9, 16]
    """
    got = _ARRAYS.get(key)
    if got is not None:
        _ARRAYS.move_to_end(key)
        return got
    folder = cache_dir()
    path = folder / key[:2] / (key + ".arr") if folder is not None else None
    if path is not None:
        got = _read_entry(path)
        if got is not None and (check is None or check(got)):
            _ARRAYS[key] = got
            return got
    got = compute()
    _ARRAYS[key] = got
    while len(_ARRAYS) > _ARRAYS_LIMIT:
        _ARRAYS.popitem(last=False)
    if path is not None:
        _keep_on_disk(path, got)
    return got
