"""The process's vocabulary of Japanese tokens: each distinct analysis of a word is one integer.

MeCab gives each token as one line of its formatted output: written form, UniDic lemma,
written base form and the first two part-of-speech levels, separated by tabs. The
:class:`Vocabulary` gives each distinct line an id, once per process, and works out once per
id what matching needs: the form rules compare (:func:`norm_key` of the written form, lemma
and base form, as ids of one table of keys), the part of speech, whether the token counts as
a word in NEAR/SEQ distances, whether it is whitespace, and its length. A text's tokens are
then an array of ids, and everything per token is an array lookup (``vocab.array("lemma_key")[ids]``).

:func:`vocabulary` is the process's one vocabulary; it only grows.

Example
-------
>>> v = Vocabulary()
>>> ids = v.ids(["ため\\t為\\tため\\t普通名詞\\t名詞", "シリーズ\\tシリーズ-series\\tシリーズ\\t普通名詞\\t名詞",
...              "ため\\t為\\tため\\t普通名詞\\t名詞"])
>>> ids.tolist(), v.lemmas, v.keys[v.array("lemma_key")[0]]
([0, 1, 0], ['為', 'シリーズ'], '為')
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np

from .errors import ArgumentError

__all__ = ["Vocabulary", "vocabulary", "norm_key", "strip_tail", "PUNCT_POS"]

#: Parts of speech that do not count as words in NEAR/SEQ distances.
PUNCT_POS = ("補助記号", "空白", "記号")

_NORM_MEMO: dict[str, str] = {}


def norm_key(s: str) -> str:
    """Key for case- and width-insensitive comparison (NFKC, case-folded).

    Example
    -------
    >>> norm_key("ＦＥＡＲ"), norm_key("Fear"), norm_key("ﾃﾞﾓ")
    ('fear', 'fear', 'デモ')
    """
    if s.isascii():
        return s.lower()
    out = _NORM_MEMO.get(s)
    if out is None:
        out = unicodedata.normalize("NFKC", s).casefold()
        if len(_NORM_MEMO) > 500_000:
            _NORM_MEMO.clear()
        _NORM_MEMO[s] = out
    return out


def strip_tail(lemma: str) -> str:
    """A UniDic lemma without the English tail of a loanword (``シリーズ-series`` → ``シリーズ``).

    Example
    -------
    >>> strip_tail("シリーズ-series"), strip_tail("為"), strip_tail("ア-イ")
    ('シリーズ', '為', 'ア-イ')
    """
    head, sep, tail = lemma.partition("-")
    return head if (sep and head and tail and tail.isascii()) else lemma


#: Some whitespace (``\s`` of a str pattern: the characters for which ``str.isspace()`` holds).
_SPACE = re.compile(r"\s")

#: Per-entry numbers kept as arrays: name -> numpy dtype.
_NUMBERS = {"surface_key": np.int32, "lemma_key": np.int32, "base_key": np.int32, "is_word": np.bool_,
            "is_space": np.bool_, "has_space": np.bool_, "length": np.int32}
_STRINGS = ("surfaces", "lemmas", "bases", "pos1", "pos2", "pos")


class Vocabulary:
    """Distinct token analyses (MeCab output lines) and what matching needs of each, by id.

    A line is ``surface\\tlemma\\tbase\\tpos2\\tpos1`` as MeCab writes it: the written form,
    UniDic's lemma (its loanword tail removed; the written form when empty or ``*``, as for an
    unknown word), the written base form (likewise) and the part of speech. A sixth field, when there is
    one, is the written form as the text has it where MeCab saw it normalised (``Ｇ７`` for
    ``G7``): the entry's ``surfaces`` and ``surface_key`` are then those of that form. Ids are
    given in order of first appearance and never change.

    Example
    -------
    >>> v = Vocabulary()
    >>> v.ids(["ＧＨＡ\\tGHA\\tGHA\\t固有名詞\\t名詞", "。\\t。\\t。\\t句点\\t補助記号"]).tolist()
    [0, 1]
    >>> v.surfaces, v.pos, v.array("is_word").tolist()
    (['ＧＨＡ', '。'], ['名詞-固有名詞', '補助記号-句点'], [True, False])
    >>> v.keys[v.array("surface_key")[0]], v.key_id("gha"), v.key_id("absent")
    ('gha', 0, None)
    """

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self.lines: list[str] = []
        self.surfaces: list[str] = []
        self.lemmas: list[str] = []
        self.bases: list[str] = []
        self.pos1: list[str] = []
        self.pos2: list[str] = []
        #: ``pos1-pos2`` (``名詞-固有名詞``), or pos1 alone when pos2 is empty or ``*``.
        self.pos: list[str] = []
        #: The table of normalised keys (:func:`norm_key`); ``*_key`` numbers index it.
        self.keys: list[str] = []
        self._key_index: dict[str, int] = {}
        self._numbers: dict[str, list] = {name: [] for name in _NUMBERS}
        self._arrays: dict[str, np.ndarray] = {}
        self._filled: dict[str, int] = {}
        self._written: dict[tuple[int, str], int] = {}
        self._by_key: dict[str, dict[int, list[int]]] = {"surface_key": {}, "lemma_key": {}, "base_key": {}}
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self.lines)

    # -- ids ---------------------------------------------------------------------------------
    def ids(self, lines: Sequence[str]) -> np.ndarray:
        """The id of each line (added when new), as an int32 array.

        Raises
        ------
        ArgumentError
            A line that does not have five tab-separated fields.
        """
        index = self._index
        try:
            return np.fromiter(map(index.__getitem__, lines), dtype=np.int32, count=len(lines))
        except KeyError:
            pass
        # new lines: the known ones looked up in one pass, the others added in order of first
        # occurrence and filled in
        out = np.fromiter(map(index.get, lines, repeat(-1)), dtype=np.int32, count=len(lines))
        new = np.flatnonzero(out < 0).tolist()
        with self._lock:
            for i in new:
                line = lines[i]
                got = index.get(line)
                out[i] = self._add(line) if got is None else got
        return out

    def id_of(self, line: str) -> int:
        """The id of one line (added when new)."""
        got = self._index.get(line)
        if got is None:
            with self._lock:
                got = self._index.get(line)
                if got is None:
                    got = self._add(line)
        return got

    def entries_with(self, field: str, key: int) -> list[int]:
        """The entries whose ``field`` (``surface_key``, ``lemma_key`` or ``base_key``) is key
        number ``key``, in order of id.

        Example
        -------
        >>> v = Vocabulary()
        >>> v.ids(["ため\\t為\\tため\\t普通名詞\\t名詞", "為\\t為\\t為\\t普通名詞\\t名詞"]).tolist()
        [0, 1]
        >>> v.entries_with("lemma_key", v.key_id("為")), v.entries_with("base_key", v.key_id("為"))
        ([0, 1], [1])
        """
        return self._by_key[field].get(key, [])

    def written_as(self, entry: int, written: str) -> int:
        """The id of ``entry`` with the written form ``written`` (its line with a sixth field).

        Example
        -------
        >>> v = Vocabulary()
        >>> g7 = v.id_of("G7\\tG7\\tG7\\t固有名詞\\t名詞")
        >>> wide = v.written_as(g7, "Ｇ７")
        >>> v.surfaces[wide], v.lemmas[wide], v.written_as(g7, "Ｇ７") == wide
        ('Ｇ７', 'G7', True)
        """
        key = (entry, written)
        got = self._written.get(key)
        if got is None:
            got = self._written[key] = self.id_of("\t".join(self.lines[entry].split("\t")[:5] + [written]))
        return got

    def key_id(self, key: str) -> int | None:
        """The number of a normalised key, or None when no entry has it."""
        return self._key_index.get(key)

    def key_ids(self, keys: Sequence[str]) -> np.ndarray:
        """The number of each normalised key, -1 where no entry has it (an int64 array).

        Example
        -------
        >>> v = Vocabulary()
        >>> v.ids(["平和\\t平和\\t平和\\t普通名詞\\t名詞"]).tolist(), v.key_ids(["平和", "戦争"]).tolist()
        ([0], [0, -1])
        """
        return np.fromiter(map(self._key_index.get, keys, repeat(-1)), dtype=np.int64, count=len(keys))

    def _key(self, form: str) -> int:
        key = norm_key(form)
        got = self._key_index.get(key)
        if got is None:
            got = self._key_index[key] = len(self.keys)
            self.keys.append(key)
        return got

    def _add(self, line: str) -> int:
        fields = line.split("\t")
        if len(fields) not in (5, 6):
            raise ArgumentError(f"a token line needs 5 tab-separated fields (surface, lemma, base, pos2, pos1) "
                                f"and optionally the written form, not {len(fields)}: {line!r}")
        surface, lemma, base, pos2, pos1 = fields[:5]
        # an unknown word has no lemma or base ("" or "*"): its written form stands for both,
        # and its own hyphens are not a loanword's tail
        lemma = strip_tail(lemma) if lemma not in ("", "*") else surface
        base = base if base not in ("", "*") else surface
        pos2 = pos2 if pos2 != "*" else ""
        blank = pos1 == "空白" or surface.isspace()
        if len(fields) == 6:  # the written form as the text has it (MeCab saw it normalised)
            surface = fields[5]
        i = len(self.lines)
        self.lines.append(line)
        self.surfaces.append(surface)
        self.lemmas.append(lemma)
        self.bases.append(base)
        self.pos1.append(pos1)
        self.pos2.append(pos2)
        self.pos.append(f"{pos1}-{pos2}" if pos2 else pos1)
        numbers = self._numbers
        # most words are written as their lemma and base form: their key normalised once
        surface_key = self._key(surface)
        lemma_key = surface_key if lemma == surface else self._key(lemma)
        base_key = lemma_key if base == lemma else surface_key if base == surface else self._key(base)
        for name, k in (("surface_key", surface_key), ("lemma_key", lemma_key), ("base_key", base_key)):
            numbers[name].append(k)
            self._by_key[name].setdefault(k, []).append(i)
        numbers["is_word"].append(not pos1.startswith(PUNCT_POS))
        numbers["is_space"].append(blank)
        numbers["has_space"].append(_SPACE.search(fields[0]) is not None)
        numbers["length"].append(len(fields[0]))  # in the text MeCab saw
        self._index[line] = i
        return i

    # -- per-entry arrays ----------------------------------------------------------------------
    def array(self, name: str) -> np.ndarray:
        """A per-entry array, as long as the vocabulary: ``surface_key``, ``lemma_key``,
        ``base_key`` (numbers of :attr:`keys`), ``is_word``, ``is_space`` (all whitespace),
        ``has_space`` (some whitespace, in the form MeCab saw), ``length``, or an
        object array of the strings ``surfaces``, ``lemmas``, ``bases``, ``pos1``, ``pos2``, ``pos``.

        A read-only view; the arrays grow with the vocabulary (only the new entries are
        converted, into room that doubles when it runs out).
        """
        with self._lock:
            n = len(self.lines)
            got = self._arrays.get(name)
            if got is not None and self._filled[name] == n:
                return got[:n]
            have = 0 if got is None else self._filled[name]
            if name in _NUMBERS:
                dtype: Any = _NUMBERS[name]
                values: list = self._numbers[name]
            elif name in _STRINGS:
                dtype, values = object, getattr(self, name)
            else:
                raise KeyError(name)
            if got is None or len(got) < n:
                room = np.empty(max(n, 2 * (0 if got is None else len(got)), 1024), dtype=dtype)
                if got is not None:
                    room[:have] = got[:have]
                got = self._arrays[name] = room
            got.flags.writeable = True
            got[have:n] = values[have:n]
            got.flags.writeable = False  # the views handed out are read-only
            self._filled[name] = n
            return got[:n]


_VOCABULARY = Vocabulary()


def vocabulary() -> Vocabulary:
    """The process's vocabulary of Japanese token analyses.

    Example
    -------
    >>> vocabulary() is vocabulary()
    True
    """
    return _VOCABULARY
