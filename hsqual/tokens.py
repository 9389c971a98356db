"""Tokenising English and Japanese text, with character offsets.

A :class:`Token` carries the written form (``surface``, exactly ``text[start:end]``), the
forms rules match against (``lemma`` and ``base``), the part of speech and the index of the
sentence it lies in (0-based within the text, sentences as :func:`hsqual.segment.split_sentences`
finds them).

**Japanese** is tokenised by MeCab (fugashi) with the UniDic dictionary of ``unidic-lite``;
one tagger per process, created on first use. ``lemma`` is UniDic's lemma (it normalises
spelling: ``ため`` → ``為``; the English tail of loanwords is removed: ``シリーズ-series`` →
``シリーズ``), ``base`` is UniDic's written base form (``orthBase``), ``pos``/``pos2`` the
first two part-of-speech levels (``名詞``/``普通名詞``). Unknown words keep their written
form as lemma and base. Whitespace (including ``\\u3000``) is never a token.

Matching forms are NFKC-normalised, offsets are not: before tagging, each character whose
NFKC form is a single other character is replaced by it (full-width ``Ｇ７`` → ``G7``,
half-width ``ｶ`` → ``カ``, ``①`` → ``1``, ``\\u3000`` → space). That keeps every character in
place, so offsets are into the original text and ``surface`` is the original spelling, while
``lemma`` and ``base`` are in normalised form (``ＧＨＡ`` is found by the rule term ``GHA``).

Each line is tagged on its own (a line break is a boundary for MeCab's context), which keeps
memory flat and makes a text's tokens independent of what else is in the batch.

**English** tokens are words ``\\w+`` joined by inner apostrophes or hyphens
(``human-security``, ``don't``); ``lemma`` and ``base`` are the lower-cased (NFKC) word and
``pos`` is empty.

:func:`tokenize_arrays` is the fast path: it returns parallel lists rather than a Python
object per token, built from MeCab's own formatted output (one call per line, split once).

Example
-------
>>> [(t.surface, t.lemma, t.pos) for t in tokenize("平和のために", language="ja")]
[('平和', '平和', '名詞'), ('の', 'の', '助詞'), ('ため', '為', '名詞'), ('に', 'に', '助詞')]
>>> [(t.surface, t.start, t.sentence) for t in tokenize("Freedom from fear. Dignity!", language="en")]
[('Freedom', 0, 0), ('from', 8, 0), ('fear', 13, 0), ('Dignity', 19, 1)]
"""

from __future__ import annotations

import re
import shlex
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import Any, NamedTuple

import numpy as np

from .errors import ArgumentError
from .params import validate_params
from .segment import split_sentences
from .vocab import vocabulary

__all__ = ["Token", "TokenArrays", "TokenIds", "tokenize", "tokenize_arrays", "tokenize_ids", "tokenize_many",
           "normalize_for_matching", "compose_marks", "SPACING_MARKS", "LINE_ENDS", "starts_with_mark"]

_LANGUAGES = ("en", "ja")


class Token(NamedTuple):
    """One token; ``text[start:end] == surface``.

    Example
    -------
    >>> Token("保障", "保障", "保障", "名詞", "普通名詞", 4, 6, 0).end
    6
    """

    surface: str
    lemma: str
    base: str
    pos: str
    pos2: str
    start: int
    end: int
    sentence: int


@dataclass(frozen=True, slots=True)
class TokenArrays:
    """The tokens of a text as parallel lists (the fast path's result).

    ``len(arrays)`` is the number of tokens; ``arrays[i]`` is the i-th :class:`Token`;
    ``arrays.tokens()`` builds them all.

    Example
    -------
    >>> a = tokenize_arrays("人間の安全保障", language="ja")
    >>> a.lemmas, a.starts, a.ends
    (['人間', 'の', '安全', '保障'], [0, 2, 3, 5], [2, 3, 5, 7])
    >>> a[3]
    Token(surface='保障', lemma='保障', base='保障', pos='名詞', pos2='普通名詞', start=5, end=7, sentence=0)
    """

    surfaces: list[str]
    lemmas: list[str]
    bases: list[str]
    pos: list[str]
    pos2: list[str]
    starts: list[int]
    ends: list[int]
    sentences: list[int]

    def __len__(self) -> int:
        return len(self.surfaces)

    def __getitem__(self, i: int) -> Token:
        return Token(self.surfaces[i], self.lemmas[i], self.bases[i], self.pos[i], self.pos2[i],
                     self.starts[i], self.ends[i], self.sentences[i])

    def tokens(self) -> list[Token]:
        """Every token as a :class:`Token`."""
        return [Token(*row) for row in zip(self.surfaces, self.lemmas, self.bases, self.pos, self.pos2,
                                           self.starts, self.ends, self.sentences)]


class TokenIds:
    """The tokens of a Japanese text as ids of the process's :class:`~hsqual.vocab.Vocabulary`.

    ``ids``, ``starts`` and ``ends`` are numpy arrays (one entry per token); the string columns
    of :class:`TokenArrays` (``surfaces``, ``lemmas``, ``bases``, ``pos``, ``pos2``) are
    looked up in the vocabulary when asked for.

    Example
    -------
    >>> t = tokenize_ids("人間の安全保障")
    >>> len(t), t.starts.tolist(), t.lemmas
    (4, [0, 2, 3, 5], ['人間', 'の', '安全', '保障'])
    >>> t.arrays().surfaces == tokenize_arrays("人間の安全保障", language="ja").surfaces
    True
    """

    __slots__ = ("ids", "starts", "ends")

    def __init__(self, ids: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        self.ids = ids
        self.starts = starts
        self.ends = ends

    def __len__(self) -> int:
        return len(self.ids)

    def _column(self, name: str) -> list[str]:
        if not len(self.ids):
            return []
        return vocabulary().array(name)[self.ids].tolist()

    @property
    def surfaces(self) -> list[str]:
        return self._column("surfaces")

    @property
    def lemmas(self) -> list[str]:
        return self._column("lemmas")

    @property
    def bases(self) -> list[str]:
        return self._column("bases")

    @property
    def pos(self) -> list[str]:
        """The first part-of-speech level of each token (as :attr:`TokenArrays.pos`)."""
        return self._column("pos1")

    @property
    def pos2(self) -> list[str]:
        return self._column("pos2")

    def arrays(self, sentences: list[int] | None = None) -> TokenArrays:
        """The same tokens as :class:`TokenArrays` (sentence numbers all 0 unless given)."""
        n = len(self.ids)
        return TokenArrays(self.surfaces, self.lemmas, self.bases, self.pos, self.pos2, self.starts.tolist(),
                           self.ends.tolist(), sentences if sentences is not None else [0] * n)


# --------------------------------------------------------------------------------------------
# public functions


@validate_params(choices={"language": _LANGUAGES})
def tokenize(text: str, *, language: str) -> list[Token]:
    """Tokens of ``text``.

    Parameters
    ----------
    text : str
    language : {"en", "ja"}

    Returns
    -------
    list of Token

    Example
    -------
    >>> toks = tokenize("シリーズをＧＨＡで議論した。", language="ja")
    >>> [(t.surface, t.lemma, t.base) for t in toks][:4]
    [('シリーズ', 'シリーズ', 'シリーズ'), ('を', 'を', 'を'), ('ＧＨＡ', 'GHA', 'GHA'), ('で', 'で', 'で')]
    >>> [(t.surface, t.lemma, t.base) for t in toks][4:6]
    [('議論', '議論', '議論'), ('し', '為る', 'する')]
    """
    return tokenize_arrays(text, language=language).tokens()


def tokenize_arrays(text: str, *, language: str, sentences: bool = True) -> TokenArrays:
    """Tokens of ``text`` as parallel lists: the fast path for matching.

    Parameters
    ----------
    text : str
    language : {"en", "ja"}
    sentences : bool, default True
        Compute each token's sentence index; with ``False`` every index is 0 (faster).

    Example
    -------
    >>> a = tokenize_arrays("恐怖からの自由。欠乏からの自由。", language="ja")
    >>> list(zip(a.surfaces, a.sentences))[-3:]
    [('の', 1), ('自由', 1), ('。', 1)]
    """
    _check(text, language, "tokenize_arrays")
    if language == "ja":
        arrays = tokenize_ids(text).arrays()
    else:
        arrays = _composed(_en_arrays, text)
    return _with_sentences(text, arrays, language, sentences)


@validate_params(choices={"language": _LANGUAGES})
def tokenize_many(texts: Iterable[str], *, language: str, arrays: bool = False) -> list:
    """Tokenise many texts (one lock taken for the batch).

    Parameters
    ----------
    texts : iterable of str
    language : {"en", "ja"}
    arrays : bool, default False
        Return :class:`TokenArrays` rather than lists of :class:`Token`.

    Example
    -------
    >>> [[t.surface for t in toks] for toks in tokenize_many(["人間の安全保障", "Human security"], language="ja")]
    [['人間', 'の', '安全', '保障'], ['Human', 'security']]
    """
    texts = list(texts)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise ArgumentError(f"tokenize_many: texts[{i}] must be a str, not {type(t).__name__}")
    _check("", language, "tokenize_many")
    if language == "ja":
        with _LOCK:
            raw = [tokenize_ids(t).arrays() for t in texts]
    else:
        raw = [_composed(_en_arrays, t) for t in texts]
    out = [_with_sentences(t, a, language, True) for t, a in zip(texts, raw)]
    return out if arrays else [a.tokens() for a in out]


def tokenize_ids(text: str) -> TokenIds:
    """The tokens of a Japanese text as ids of the process's vocabulary, with offsets.

    The fast path of the rule engine: MeCab's output for the text becomes one id per token
    (:class:`~hsqual.vocab.Vocabulary`), with no Python object made per token.

    Parameters
    ----------
    text : str

    Returns
    -------
    TokenIds

    Example
    -------
    >>> t = tokenize_ids("ＧＨＡの活動")
    >>> t.surfaces, t.lemmas, t.ends.tolist()
    (['ＧＨＡ', 'の', '活動'], ['GHA', 'の', '活動'], [3, 4, 6])
    """
    _check(text, "ja", "tokenize_ids")
    with _LOCK:
        norm = normalize_for_matching(text)
        composed, cstarts, cends = compose_marks(norm)
        if cstarts is None or cends is None:
            return _ja_ids(text, norm)
        t = _ja_ids(composed)
    if not len(t):
        return t
    starts = cstarts[t.starts]
    ends = cends[t.ends - 1]
    return TokenIds(_with_written_forms(t.ids, text, starts.tolist(), ends.tolist()), starts, ends)


def normalize_for_matching(text: str) -> str:
    """``text`` with each character whose NFKC form is one other character replaced by it.

    The result has the same length as ``text``, character for character, so offsets found in
    it are offsets into ``text``.

    Example
    -------
    >>> normalize_for_matching("Ｇ７と\\u3000ｶﾀｶﾅ、①")
    'G7と カタカナ、1'
    """
    if not isinstance(text, str):
        raise ArgumentError(f"normalize_for_matching: text must be a str, not {type(text).__name__}")
    if text.isascii():
        return text
    table = _NORM_TABLE
    same = _NORM_SAME
    changed = []
    # the distinct code points not yet known to stay as they are: the known ones are masked
    # out with numpy, so only the few others are looked at one by one
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    for c in np.unique(cps[~same[cps]]).tolist():
        ch = chr(c)
        n = table.get(ch)
        if n is None:
            n = unicodedata.normalize("NFKC", ch)
            n = table[ch] = n if (len(n) == 1 and not unicodedata.combining(n)) else ch
        if n != ch:
            changed.append((ch, n))
        else:
            same[c] = True
    for ch, n in changed:  # few distinct characters change: str.replace beats str.translate
        text = text.replace(ch, n)
    return text


#: Spacing (and half-width) voiced and semi-voiced sound marks, and the combining marks they stand for.
SPACING_MARKS = {"\u309b": "\u3099", "\u309c": "\u309a", "\uff9e": "\u3099", "\uff9f": "\u309a"}
#: The characters that end a line (those ``str.splitlines`` breaks at).
LINE_ENDS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def starts_with_mark(text: str) -> bool:
    """Whether a text begins with a mark that composes with the character before it (a
    combining character or a spacing voiced mark): normalised or tokenised apart from what
    precedes it, it is not what it is in place.

    Example
    -------
    >>> starts_with_mark("\u3099ガ"), starts_with_mark("ガ"), starts_with_mark("")
    (True, False, False)
    """
    return bool(text) and (unicodedata.combining(text[0]) > 0 or text[0] in SPACING_MARKS)


def compose_marks(text: str) -> tuple[str, np.ndarray | None, np.ndarray | None]:
    """``text`` with each character and the marks that follow it composed (NFC), and an offset map.

    Text extracted from PDFs often arrives decomposed: ``テ`` followed by a combining voiced
    mark (U+3099) or by a spacing one (``゛`` U+309B, half-width ``ﾞ`` U+FF9E), and likewise
    for the semi-voiced mark. Such a pair is composed into one character (``デ``) when
    Unicode has one; a mark that composes with nothing stays as it is. The other characters
    are left alone (width and compatibility forms are :func:`normalize_for_matching`'s work).

    Returns the composed text and, for each of its characters, the start and end of the
    characters of ``text`` it comes from; both maps are ``None`` when nothing was composed.

    Example
    -------
    >>> composed, starts, ends = compose_marks("テ\\u3099ータとテﾞータ、A゛")
    >>> composed, starts.tolist(), ends.tolist()
    ('データとデータ、A゛', [0, 2, 3, 4, 5, 7, 8, 9, 10, 11], [2, 3, 4, 5, 7, 8, 9, 10, 11, 12])
    """
    if not isinstance(text, str):
        raise ArgumentError(f"compose_marks: text must be a str, not {type(text).__name__}")
    if text.isascii():
        return text, None, None
    spacing = [m for m in SPACING_MARKS if m in text]
    if not spacing and unicodedata.is_normalized("NFC", text):
        return text, None, None
    marks = {ch for ch in set(text) if unicodedata.combining(ch)} | set(spacing)
    if not marks:
        return text, None, None
    run = re.compile(".[" + "".join(map(re.escape, sorted(marks))) + "]+", re.S)
    pieces: list[str] = []
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    pos = 0
    n = len(text)
    ident = np.arange(n + 1, dtype=np.int64)
    for m in run.finditer(text):
        a, b = m.span()
        chunk = unicodedata.normalize("NFC", "".join(SPACING_MARKS.get(c, c) for c in m.group()))
        if len(chunk) >= b - a:  # nothing composes: the characters stay as written
            continue
        if a > pos:
            pieces.append(text[pos:a])
            starts.append(ident[pos:a])
            ends.append(ident[pos + 1:a + 1])
        pieces.append(chunk)
        starts.append(np.full(len(chunk), a, dtype=np.int64))
        ends.append(np.full(len(chunk), b, dtype=np.int64))
        pos = b
    if not pieces:
        return text, None, None
    if pos < n:
        pieces.append(text[pos:])
        starts.append(ident[pos:n])
        ends.append(ident[pos + 1:n + 1])
    return "".join(pieces), np.concatenate(starts), np.concatenate(ends)


def _composed(tokenizer, text: str) -> TokenArrays:
    """``tokenizer`` run on ``text`` composed by :func:`compose_marks`, offsets and surfaces
    mapped back to ``text``."""
    composed, cstarts, cends = compose_marks(normalize_for_matching(text))
    if cstarts is None or cends is None:
        return tokenizer(text)
    a = tokenizer(composed)
    if not a.starts:
        return a
    starts = cstarts[np.asarray(a.starts, dtype=np.int64)].tolist()
    ends = cends[np.asarray(a.ends, dtype=np.int64) - 1].tolist()
    surfaces = [text[s:e] for s, e in zip(starts, ends)]
    return TokenArrays(surfaces, a.lemmas, a.bases, a.pos, a.pos2, starts, ends, list(a.sentences))


# --------------------------------------------------------------------------------------------
# internals

_NORM_TABLE: dict[str, str] = {}
#: for each code point, whether normalize_for_matching is known to leave it as it is (ASCII
#: from the start, other characters once met)
_NORM_SAME = np.zeros(0x110000, dtype=bool)
_NORM_SAME[:128] = True
_LOCK = threading.RLock()
_TAGGERS: dict[str, Any] = {}  # output format -> the tagger writing it
#: Each token's key as the key tagger writes it: written form, left and right context ids,
#: word cost, and ``?`` after an unknown word's. Cheaper for MeCab to write than the analysis
#: (which it splits out of the dictionary's feature string for every token); each key's
#: analysis is learnt once (:func:`_learn_keys`) and kept in :data:`_KEYS`.
_KEY_FORMAT = r"-O '' -F '%m\t%phl\t%phr\t%c\n' -U '%m\t%phl\t%phr\t%c\t?\n' -E '' -B ''"
#: key line -> vocabulary id, for this process
_KEYS: dict[str, int] = {}
# surface, lemma (f[7]), orthBase (f[10]), pos2, pos1 -- pos1 last: it is never empty, so the
# output never ends in whitespace.
_FORMAT = r"-O '' -F '%m\t%f[7]\t%f[10]\t%f[1]\t%f[0]\n' -U '%m\t\t\t%f[1]\t%f[0]\n' -E '' -B ''"
_MAX_PIECE = 8192
# every character str.isspace() (and str.split()) counts as whitespace
_WHITESPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)
_IS_WHITESPACE = np.zeros(0x110000, dtype=bool)  # looked up by code point
_IS_WHITESPACE[_WHITESPACE] = True


def _tagger_writing(fmt: str):
    """The process's MeCab tagger (UniDic from unidic-lite) writing each token as ``fmt``
    says, created on first use."""
    got = _TAGGERS.get(fmt)
    if got is None:
        with _LOCK:
            got = _TAGGERS.get(fmt)
            if got is None:
                import os

                import fugashi
                import unidic_lite

                dicdir = unidic_lite.DICDIR
                rc = os.path.join(dicdir, "mecabrc")
                got = _TAGGERS[fmt] = fugashi.GenericTagger(f"-r {shlex.quote(rc)} -d {shlex.quote(dicdir)} {fmt}")
    return got


def _get_tagger():
    """The tagger writing each token's analysis (:data:`_FORMAT`)."""
    return _tagger_writing(_FORMAT)


def _get_key_tagger():
    """The tagger writing each token's key (:data:`_KEY_FORMAT`) instead of its analysis: the
    same dictionary, so it splits a text as :func:`_get_tagger`'s does."""
    return _tagger_writing(_KEY_FORMAT)


def _pieces(text: str):
    """(offset, piece) for each non-blank line; very long lines cut after 。 or whitespace."""
    pos = 0
    n = len(text)
    for line in text.splitlines(keepends=True):
        body = line.rstrip(LINE_ENDS)  # MeCab never sees a line break
        if body.strip():
            if len(body) <= _MAX_PIECE:
                yield pos, body
            else:
                yield from _cut_long(body, pos)
        pos += len(line)
    assert pos == n


def _cut_long(line: str, offset: int):
    i = 0
    n = len(line)
    while i < n:
        j = min(n, i + _MAX_PIECE)
        if j < n:
            k = max(line.rfind("。", i, j), *(line.rfind(c, i, j) for c in " \t\u3000"))
            if k > i:
                j = k + 1
        yield offset + i, line[i:j]
        i = j


def _ja_ids(text: str, norm: str | None = None) -> TokenIds:
    """Token ids and offsets of a text (no marks to compose): the key tagger's output, one
    key per token (:data:`_KEY_FORMAT`), split once and looked up among the keys learnt so
    far (a new key's analysis learnt by :func:`_learn_keys`). ``norm``: the text's
    :func:`normalize_for_matching`, when already known."""
    vocab = vocabulary()
    norm = (normalize_for_matching(text) if norm is None else norm).replace("\x00", " ")
    parse = _get_key_tagger().parse
    try:
        pieces = [piece for _, piece in _pieces(norm)]
        outs = [parse(piece) for piece in pieces]
    except UnicodeEncodeError:  # a lone surrogate: U+FFFD in its place (see _for_mecab)
        norm = _for_mecab(norm)
        pieces = [piece for _, piece in _pieces(norm)]
        outs = [parse(piece) for piece in pieces]
    # each piece's output ends without a line break (fugashi strips it): joined by one
    lines = "\n".join([out for out in outs if out]).split("\n") if any(outs) else []
    # one pass over the keys: -1 for a key not met before (most texts hold a few: names,
    # numbers), whose analysis is then learnt from the pieces it is in
    ids = np.fromiter(map(_KEYS.get, lines, repeat(-1)), dtype=np.int32, count=len(lines))
    if (ids < 0).any():
        try:
            learnt = _learn_keys(pieces, outs, lines, ids)
        except ArgumentError:  # an unexpected line: the reference path
            return _ja_nodes(text)
        if learnt is None:
            return _ja_nodes(text)
        ids = learnt
    del lines, outs, pieces
    if not len(ids):
        return TokenIds(ids, np.empty(0, np.int64), np.empty(0, np.int64))
    blank = vocab.array("is_space")[ids]
    if blank.any():  # whitespace tokens: drop
        ids = ids[~blank]
    lens = vocab.array("length")[ids].astype(np.int64)
    offsets = _offsets(norm, ids, lens)
    if offsets is None:
        return _ja_nodes(text)
    starts, ends = offsets
    if norm != text:
        ids = _original_surfaces(text, norm, ids, starts, ends)
    return TokenIds(ids, starts, ends)


def _learn_keys(pieces: list[str], outs: list[str], lines: list[str], ids: np.ndarray) -> np.ndarray | None:
    """The vocabulary ids of ``lines`` (the key lines of ``pieces``, whose outputs are
    ``outs``), learning each new key's analysis by parsing again, with the analysing tagger,
    the pieces that hold one; None when the two taggers do not give the same tokens.
    ``ids``: the lines already looked up among the keys learnt (-1 for a new one), filled
    in place.

    The taggers share one dictionary and differ only in what they write for a token, so they
    split a piece alike. A key (written form, left and right context ids, word cost, and
    whether the word is unknown) may belong to more than one dictionary entry, but then
    those entries cost the same in every context, and MeCab's search breaks the tie by their
    order in the lattice, which is the dictionary's whatever the context: wherever one of them
    is on the best path, it is the same one, and a key always stands for the same analysis.
    (``tests/test_tokenize.py`` holds keys learnt from other texts to the per-node path.)
    """
    vocab = vocabulary()
    parse = _get_tagger().parse
    new = np.flatnonzero(ids < 0)
    # the piece of each new key: pieces with output, by where their lines end among ``lines``
    spoken = [i for i, out in enumerate(outs) if out]
    last = np.cumsum([outs[i].count("\n") + 1 for i in spoken])
    with _LOCK:
        for k in np.unique(np.searchsorted(last, new, "right")).tolist():
            piece, keys = pieces[spoken[k]], outs[spoken[k]].split("\n")
            full = parse(piece).split("\n")
            if len(full) != len(keys):
                return None
            for key, i in zip(keys, vocab.ids(full).tolist()):
                _KEYS.setdefault(key, i)
    ids[new] = [_KEYS[lines[i]] for i in new.tolist()]
    return ids


def _offsets(norm: str, ids: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Start and end of each token in ``norm``, or None when the tokens do not spell it.

    MeCab's tokens are pieces of the text, in order, with whitespace skipped. So when no token
    holds whitespace and their lengths add up to the number of the text's other characters,
    they spell exactly those characters: the offsets follow from the token lengths and the
    positions of the non-whitespace characters, without comparing or searching strings.
    Otherwise each token is searched for.
    """
    vocab = vocabulary()
    if not vocab.array("has_space")[ids].any() and lens.all():
        cum = np.cumsum(lens)
        total = int(cum[-1])
        if len(norm) == total:  # no whitespace at all
            return cum - lens, cum
        chars = np.frombuffer(norm.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        kept = np.flatnonzero(~_IS_WHITESPACE[chars])  # offset of each non-space character
        if len(kept) == total:
            return kept[cum - lens], kept[cum - 1] + 1
    return _search_offsets(norm, vocab.array("surfaces")[ids].tolist())


def _search_offsets(norm: str, surf: list[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """Offsets found token by token; None when a token is not found after only whitespace."""
    starts: list[int] = []
    ends: list[int] = []
    find = norm.find
    pos = 0
    for s in surf:
        st = find(s, pos)
        if st < 0 or (st > pos and not norm[pos:st].isspace()):
            return None
        pos = st + len(s)
        starts.append(st)
        ends.append(pos)
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def _original_surfaces(text: str, norm: str, ids: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``ids`` with each token over a character normalisation changed given its written form
    in ``text`` (``norm`` has one character for each of ``text``)."""
    a = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    b = np.frombuffer(norm.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    changed = np.flatnonzero(a != b)
    hit = np.searchsorted(ends, changed, "right")  # the token each change may lie in
    hit = np.unique(hit[hit < len(ids)])
    if not len(hit):
        return ids
    return _with_written_forms(ids, text, starts[hit].tolist(), ends[hit].tolist(), hit.tolist())


def _with_written_forms(ids: np.ndarray, text: str, starts: list[int], ends: list[int],
                        which: list[int] | None = None) -> np.ndarray:
    """``ids`` with each token (of ``which``, else every token) whose written form in ``text``
    is not its entry's replaced by the entry of that written form (a sixth field);
    ``starts`` and ``ends`` are those of the tokens of ``which`` (else of every token)."""
    vocab = vocabulary()
    surfaces = vocab.surfaces
    out = ids.copy()
    for i, a, b in zip(range(len(ids)) if which is None else which, starts, ends):
        k = int(ids[i])
        written = text[a:b]
        if written != surfaces[k]:
            out[i] = vocab.written_as(k, written)
    return out


_SURROGATE = re.compile("[\ud800-\udfff]")


def _for_mecab(norm: str) -> str:
    """``norm`` with each lone surrogate (half of a pair lost on the way; it has no UTF-8
    form, and MeCab reads UTF-8) replaced by U+FFFD, one character for one: MeCab makes a
    token of it, and its written form in the text is the surrogate."""
    return _SURROGATE.sub("\ufffd", norm)


def _ja_nodes(text: str) -> TokenIds:
    """The reference path: one fugashi node per token, offsets from ``white_space``."""
    tagger = _get_tagger()
    vocab = vocabulary()
    norm = _for_mecab(normalize_for_matching(text).replace("\x00", " "))
    ids: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    for offset, piece in _pieces(norm):
        pos = offset
        for node in tagger(piece):
            pos += len(node.white_space)
            surface = node.surface
            start, pos = pos, pos + len(surface)
            f = node.feature
            if f[0] == "空白" or surface.isspace():
                continue
            # the line MeCab's formatted output gives (_FORMAT), which writes nothing for a
            # field that is "*": the vocabulary fills the defaults
            fields = [surface, *(f[k] if len(f) > k and f[k] != "*" else "" for k in (7, 10, 1)), f[0]]
            if text[start:pos] != surface:
                fields.append(text[start:pos])
            ids.append(vocab.id_of("\t".join(fields)))
            starts.append(start)
            ends.append(pos)
    return TokenIds(np.asarray(ids, dtype=np.int32), np.asarray(starts, dtype=np.int64),
                    np.asarray(ends, dtype=np.int64))


_EN_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


def _en_arrays(text: str) -> TokenArrays:
    norm = normalize_for_matching(text)
    starts: list[int] = []
    ends: list[int] = []
    lemmas: list[str] = []
    memo: dict[str, str] = {}
    keep = memo.setdefault  # a word met 10,000 times is one string, not 10,000
    for m in _EN_WORD.finditer(norm):
        starts.append(m.start())
        ends.append(m.end())
        w = m.group().lower()
        lemmas.append(keep(w, w))
    n = len(starts)
    surfaces = [keep(w, w) for w in (text[s:e] for s, e in zip(starts, ends))]
    return TokenArrays(surfaces, lemmas, list(lemmas), [""] * n, [""] * n, starts, ends, [0] * n)


def _with_sentences(text: str, a: TokenArrays, language: str, sentences: bool) -> TokenArrays:
    if not sentences or not a.starts:
        return a
    sent_starts = [s for s, _ in split_sentences(text, language=language)]
    if len(sent_starts) <= 1:
        return a
    if len(a.starts) > 64:
        import numpy as np

        ids = np.maximum(np.searchsorted(sent_starts, a.starts, side="right") - 1, 0).tolist()
    else:
        ids = [max(0, bisect_right(sent_starts, s) - 1) for s in a.starts]
    return TokenArrays(a.surfaces, a.lemmas, a.bases, a.pos, a.pos2, a.starts, a.ends, ids)


def _check(text, language, fn: str) -> None:
    if not isinstance(text, str):
        raise ArgumentError(f"{fn}: text must be a str, not {type(text).__name__}")
    if language not in _LANGUAGES:
        raise ArgumentError(f"{fn}: language must be one of {_LANGUAGES}, not {language!r}")
