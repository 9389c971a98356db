"""The coding-rule language: a parser with caret messages, and compiled matchers.

A code carries, per language, a list of rules; the code applies to a unit (a sentence, a
segment, a document) when any of its rules matches the unit. A rule is a small boolean
expression over words, in the spirit of KH Coder's coding rules and quanteda's dictionaries,
without their traps: operators need no spaces around them, a phrase is written in quotes (and
a Japanese compound that MeCab splits is matched as a phrase even without them), and a glob
matches whole tokens.

Grammar (operators are case-insensitive words or symbols; spaces are optional)::

    rule   := or
    or     := and (("OR" | "|") and)*
    and    := not (("AND" | "&") not)*
    not    := ("NOT" | "!") not | atom
    atom   := "(" rule ")" | NEAR(group, group, N[, sentence]) | SEQ(group, group, N[, sentence])
            | term [(">=" | ">" | "==") N]
    group  := term | "(" term ("|" term)* ")"
    term   := WORD | WORD* | *WORD | "quoted phrase" | lemma:WORD | base:WORD | surface:WORD
            | WORD[pos=名詞] | /regex/ | code:CODE_ID | meta:COLUMN=VALUE

What a term matches
-------------------
``WORD``
    Japanese: a token whose UniDic lemma (``守る`` matches ``守られる``; ``為`` matches
    ``ため``) or written base form (orthBase: ``ため`` matches ``ため``) is the word, or whose
    lemma is the word's own lemma, so that spelling variants meet (``コミュニティ`` matches
    ``コミュニティー``, ``子ども`` matches ``子供``, ``ため`` matches ``為``; use ``base:`` or
    ``surface:`` to hold to one spelling).
    English: a token whose lower-cased form is the word. Matching ignores case and character
    width (both sides are NFKC-normalised and case-folded).
    A word the tokenizer would split into several tokens (``生物多様性``, ``人間の安全保障``,
    ``well-being``) is matched as the phrase of those tokens, as if it were quoted.
``"quoted phrase"``
    The phrase is tokenised with the same tokenizer and matches those tokens in a row; each
    token is matched as a bare word of its written base form (``"守られる"`` matches
    ``守られた`` too, since ``れる`` and ``れ`` share a base form). Line breaks and spaces between
    tokens of the text do not break a phrase. Inside quotes, a space-separated piece with
    ``*`` at an end is a glob (``"human secur*"``); ``\\"`` is a literal quote.
``WORD*`` / ``*WORD``
    A glob over whole tokens: the lemma, base form or surface of one token starts (ends) with
    WORD. In Japanese a glob is a prefix over *whole tokens*, not over characters of the
    running text: ``タイ*`` matches ``タイ`` and ``タイヤ`` and ``タイミング``, but ``人間の安全*``
    matches ``人間 の 安全`` followed by a token starting with ``安全``. Prefer exact lemmas in
    Japanese; use a glob when you mean it.
``lemma:WORD`` / ``base:WORD`` / ``surface:WORD``
    One field only. ``surface:`` compares the word as written in the text (after width
    normalisation) and is case-sensitive: ``surface:US`` does not match "us".
``WORD[pos=名詞]``
    Only tokens whose UniDic part of speech starts with the value (``名詞``, ``動詞``,
    ``名詞-固有名詞``). Japanese only: English tokens carry no part of speech.
``/regex/`` (``/regex/i`` ignores case)
    A regular expression searched in the unit's NFKC-normalised text (full-width letters and
    digits become ASCII); the evidence offsets point back into the original text. It runs on
    RE2 (see :func:`compile_regex`), which matches in time linear in the text whatever the
    pattern, so no rule can hang a run: Python's syntax is kept (``\\w``, ``\\d``, ``\\s``
    mean Unicode letters, digits and spaces, as in Python, so ``\\w+`` matches ``人間``), but
    lookaround (``(?=``, ``(?<=``, ...) and backreferences (``\\1``) are refused, ``\\b`` is a
    boundary of ASCII words (for English; Japanese text has no word boundaries to mark) and
    ``$`` is the very end of the unit. A pattern that can match the empty string (``/x*/``)
    is refused too: it would code every unit.
``code:CODE_ID``
    Another code of the same codebook applied (by its rules) to the same unit. Codes are
    evaluated in dependency order; a cycle of references is an error.
``meta:COLUMN=VALUE``
    The document's metadata column equals VALUE (case-insensitive; a ``;``-separated value
    matches any of its parts). ``meta:speaker=`` reads the speaker of the unit's segment.
    Quote a value with spaces: ``meta:speaker="Interviewee 4"``.

Counts and proximity
--------------------
``term >= 2`` (also ``>`` and ``==``) counts the term's occurrences in the unit.
``NEAR(a, b, N)`` holds when an occurrence of ``a`` and one of ``b`` stand within N words of
each other, in either order (adjacent words are 1 apart; punctuation is not counted; the two
must be different tokens). ``SEQ(a, b, N)`` also asks that ``a`` come first. Add
``, sentence`` to require both in one sentence. ``a`` and ``b`` may be groups:
``NEAR((fear | threat*), violen*, 5)``.

``NOT x`` matches a unit without ``x`` and contributes no evidence: ``保護 AND NOT 情報``
matches a sentence that speaks of 保護 and not of 情報, with 保護 as its evidence.
``AND``/``OR``/``NOT`` are operators wherever they stand as a separate run of Latin letters
(``保護AND情報`` works); to match the English word "not", quote it: ``"not"``.

Example
-------
>>> rule = parse_rule("保護 AND NOT 情報", language="ja")
>>> rule.match("住民の保護が課題だ。")
[(3, 5)]
>>> rule.match("個人情報の保護。") is None
True
>>> parse_rule('NEAR(fear, violen*, 5', language="en", code="freedoms.fear",
...            path="codebooks/x.yaml", line=42)
Traceback (most recent call last):
...
hsqual.errors.RuleSyntaxError: codebooks/x.yaml:42: code 'freedoms.fear': rule syntax error: expected ')' to close NEAR(
  NEAR(fear, violen*, 5
                       ^
"""

from __future__ import annotations

import bisect
import difflib
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as _dc_field
from typing import Any

import numpy as np

from .errors import RuleSyntaxError
from .patterns import PatternError, compile_regex

__all__ = [
    "LANGUAGES",
    "MAX_DEPTH",
    "Rule",
    "parse_rule",
    "check_codebook_rules",
    "code_order",
    "merge_spans",
]

#: Languages the rule language can tokenise.
LANGUAGES = ("en", "ja")
#: How deep parentheses (and NOTs) may nest in one rule.
MAX_DEPTH = 32

_FIELDS = ("lemma", "base", "surface", "code", "meta")
_CODE_ID = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)*$")
_EMPTY = np.empty(0, dtype=np.int64)


# =========================================================================================
# The syntax tree
# =========================================================================================


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Node:
    """Base of the syntax-tree nodes."""

    prec = 4  # binding strength when printed: Or 1, And 2, Not 3, atoms 4

    def code_refs(self) -> list[CodeRef]:
        return [n for n in self.walk() if isinstance(n, CodeRef)]

    def walk(self):
        yield self


@dataclass(frozen=True)
class Term(_Node):
    """A word, a glob, a quoted phrase or one field of a token.

    ``text`` is the word as written (without ``*``, field and filter); ``field`` is ``word``
    (lemma or base form), ``lemma``, ``base`` or ``surface``; ``prefix`` means ``text*``,
    ``suffix`` means ``*text``; ``quoted`` marks a quoted phrase.
    """

    text: str
    field: str = "word"
    prefix: bool = False
    suffix: bool = False
    pos: str | None = None
    quoted: bool = False
    offset: int = _dc_field(default=0, compare=False, repr=False)

    def __hash__(self) -> int:  # terms key every lookup cache: hash once
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.text, self.field, self.prefix, self.suffix, self.pos, self.quoted))
            object.__setattr__(self, "_hash", h)
        return h

    def __str__(self) -> str:
        head = "" if self.field == "word" else f"{self.field}:"
        if self.quoted:
            body = _quote(self.text)
        else:
            body = ("*" if self.suffix else "") + self.text + ("*" if self.prefix else "")
        return head + body + (f"[pos={self.pos}]" if self.pos else "")


@dataclass(frozen=True)
class Regex(_Node):
    """``/pattern/flags`` over the unit's NFKC-normalised text."""

    pattern: str
    flags: str = ""
    offset: int = _dc_field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        return f"/{self.pattern}/{self.flags}"

    @property
    def compiled(self):
        """The pattern compiled for RE2 (see :mod:`hsqual.patterns`)."""
        return _compile_regex(self.pattern, self.flags)


@dataclass(frozen=True)
class CodeRef(_Node):
    """``code:ID``: another code applied to the same unit."""

    code: str
    offset: int = _dc_field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        return f"code:{self.code}"


@dataclass(frozen=True)
class Meta(_Node):
    """``meta:COLUMN=VALUE`` on the document's metadata (``speaker``: the segment's speaker)."""

    column: str
    value: str
    offset: int = _dc_field(default=0, compare=False, repr=False)

    def __str__(self) -> str:
        value = self.value
        if not value or any(c.isspace() or c in '()[],&|!"<>=*/' for c in value):
            value = _quote(value)
        return f"meta:{self.column}={value}"


@dataclass(frozen=True)
class Count(_Node):
    """``term >= n`` / ``term > n`` / ``term == n``: occurrences of a term in the unit."""

    term: Term | Regex
    op: str
    n: int

    def walk(self):
        yield self
        yield self.term

    def __str__(self) -> str:
        return f"{self.term} {self.op} {self.n}"


@dataclass(frozen=True)
class Near(_Node):
    """``NEAR(a, b, n)`` (either order) or ``SEQ(a, b, n)`` (a first), optionally in one sentence."""

    kind: str  # "NEAR" or "SEQ"
    a: tuple[Term, ...]
    b: tuple[Term, ...]
    n: int
    sentence: bool = False

    def walk(self):
        yield self
        yield from self.a
        yield from self.b

    def __str__(self) -> str:
        def group(g):
            return str(g[0]) if len(g) == 1 else "(" + " | ".join(map(str, g)) + ")"

        tail = ", sentence" if self.sentence else ""
        return f"{self.kind}({group(self.a)}, {group(self.b)}, {self.n}{tail})"


@dataclass(frozen=True)
class Not(_Node):
    """``NOT x``: the unit does not match ``x`` (no evidence)."""

    item: _Node
    prec = 3

    def walk(self):
        yield self
        yield from self.item.walk()

    def __str__(self) -> str:
        inner = str(self.item)
        return f"NOT ({inner})" if self.item.prec < 3 else f"NOT {inner}"


@dataclass(frozen=True)
class And(_Node):
    """All items match; the evidence is every item's evidence."""

    items: tuple[_Node, ...]
    prec = 2

    def walk(self):
        yield self
        for i in self.items:
            yield from i.walk()

    def __str__(self) -> str:
        return " AND ".join(f"({i})" if i.prec <= 2 else str(i) for i in self.items)


@dataclass(frozen=True)
class Or(_Node):
    """Any item matches; the evidence is the evidence of every item that matches."""

    items: tuple[_Node, ...]
    prec = 1

    def walk(self):
        yield self
        for i in self.items:
            yield from i.walk()

    def __str__(self) -> str:
        return " OR ".join(f"({i})" if i.prec <= 1 else str(i) for i in self.items)


# =========================================================================================
# Lexer
# =========================================================================================

# Full-width ASCII and the ideographic space are read as their ASCII forms for the syntax
# (one character for one, so caret positions stay right); words keep what was written.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_SPECIAL = set('()[],&|!"<>=')
_OPWORDS = {"and": "AND", "or": "OR", "not": "NOT"}
_EMBEDDED_OP = re.compile(r"(?<![A-Za-z0-9])(and|or|not)(?![A-Za-z0-9])", re.IGNORECASE)


@dataclass
class _Tok:
    kind: str  # LP RP COMMA LB RB AND OR NOT CMP EQ WORD FIELD PHRASE REGEX FUNC EOF
    value: Any
    start: int
    end: int

    def describe(self) -> str:
        if self.kind == "EOF":
            return "the end of the rule"
        if self.kind in ("WORD", "FIELD", "PHRASE", "REGEX"):
            return repr(self.value if self.kind == "WORD" else self.value[0] if self.kind == "FIELD" else str(self.value))
        return f"'{self.value}'"


class _Syntax(Exception):
    """An internal parse failure: a message and an offset into the rule text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _lex(src: str) -> list[_Tok]:
    s = src.translate(_FULLWIDTH)
    toks: list[_Tok] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
        elif c in "()[],":
            kind = {"(": "LP", ")": "RP", "[": "LB", "]": "RB", ",": "COMMA"}[c]
            toks.append(_Tok(kind, c, i, i + 1))
            i += 1
        elif c in "&|":
            j = i + 2 if s.startswith(c * 2, i) else i + 1
            toks.append(_Tok("AND" if c == "&" else "OR", s[i:j], i, j))
            i = j
        elif c == "!":
            if s.startswith("!=", i):
                raise _Syntax("'!=' is not a comparison; a count takes >=, > or == (to exclude a word, write NOT word)", i)
            toks.append(_Tok("NOT", "!", i, i + 1))
            i += 1
        elif c == '"':
            j, buf = i + 1, []
            while j < n and s[j] != '"':
                if s[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(src[j])
                j += 1
            if j >= n:
                raise _Syntax("unterminated phrase: no closing '\"'", i)
            toks.append(_Tok("PHRASE", "".join(buf), i, j + 1))
            i = j + 1
        elif c == "/":
            j = i + 1
            while j < n and s[j] != "/":
                j += 2 if s[j] == "\\" else 1
            if j >= n:
                raise _Syntax("unterminated regular expression: no closing '/'", i)
            k = j + 1
            while k < n and s[k].isascii() and s[k].isalpha():
                k += 1
            flags = s[j + 1 : k]
            bad = sorted(set(flags) - {"i"})
            if bad:
                raise _Syntax(f"unknown regular-expression flag {bad[0]!r}; the only flag is 'i' (ignore case)", j + 1)
            toks.append(_Tok("REGEX", (src[i + 1 : j], flags), i, k))
            i = k
        elif c in "<>=":
            two = s[i : i + 2]
            if two in (">=", "=="):
                toks.append(_Tok("CMP", two, i, i + 2))
                i += 2
            elif two in ("<=", "=>", "=<") or c == "<":
                raise _Syntax(f"unknown comparison {two if two in ('<=', '=>', '=<') else '<'!r}; a count takes "
                              ">=, > or == (e.g. fear >= 2; for 'fewer than', use NOT: NOT fear >= 3)", i)
            elif c == ">":
                toks.append(_Tok("CMP", ">", i, i + 1))
                i += 1
            else:
                toks.append(_Tok("EQ", "=", i, i + 1))
                i += 1
        else:
            j = i
            while j < n and not s[j].isspace() and s[j] not in _SPECIAL:
                j += 1
            toks.extend(_word_tokens(src, s, i, j))
            i = j
    toks.append(_Tok("EOF", "", n, n))
    return toks


def _word_tokens(src: str, s: str, i: int, j: int) -> list[_Tok]:
    """Classify the run ``s[i:j]``: operator, NEAR/SEQ, field or plain word."""
    word = s[i:j]
    low = word.lower()
    if low in _OPWORDS:
        return [_Tok(_OPWORDS[low], word, i, j)]
    if low in ("near", "seq"):
        k = j
        while k < len(s) and s[k].isspace():
            k += 1
        if k < len(s) and s[k] == "(":
            return [_Tok("FUNC", low.upper(), i, j)]
    m = re.match(r"([A-Za-z]+):", word)
    if m:
        name = m.group(1).lower()
        if name not in _FIELDS:
            close = difflib.get_close_matches(name, _FIELDS, n=1)
            hint = f" (did you mean {close[0]}:?)" if close else ""
            raise _Syntax(f"unknown field '{m.group(1)}:'{hint}; expected lemma:, base:, surface:, code: or meta:", i)
        return [_Tok("FIELD", (name, src[i + m.end() : j]), i, j)]
    # AND/OR/NOT written against Japanese (or other non-Latin) text: 保護AND情報
    if not word.isascii():
        out, last = [], i
        for em in _EMBEDDED_OP.finditer(word):
            a, b = i + em.start(), i + em.end()
            before = s[a - 1] if a > i else ""
            after = s[b] if b < j else ""
            if (before and before.isascii()) or (after and after.isascii()):
                continue
            if a > last:
                out.append(_Tok("WORD", src[last:a], last, a))
            out.append(_Tok(_OPWORDS[em.group(1).lower()], em.group(1), a, b))
            last = b
        if out:
            if last < j:
                out.append(_Tok("WORD", src[last:j], last, j))
            return out
    return [_Tok("WORD", src[i:j], i, j)]


# =========================================================================================
# Parser (recursive descent)
# =========================================================================================

_TERM_START = ("WORD", "FIELD", "PHRASE", "REGEX")


class _Parser:
    def __init__(self, text: str, language: str) -> None:
        self.text = text
        self.language = language
        self.toks = _lex(text)
        self.i = 0
        self.depth = 0  # parentheses and NOTs open around the current position

    def enter(self, tok: _Tok, what: str) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Syntax(f"{what} nest {self.depth} deep here, more than the limit of {MAX_DEPTH}; "
                          "write the rule flatter (a OR b OR c needs no parentheses)", tok.start)

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def fail(self, message: str, tok: _Tok | None = None):
        raise _Syntax(message, (tok or self.tok).start)

    def parse(self) -> _Node:
        if self.tok.kind == "EOF":
            self.fail("the rule is empty; expected a word, a \"phrase\", /regex/, code:, meta: or NEAR(...)")
        node = self.or_()
        if self.tok.kind != "EOF":
            self.unexpected_after_expression()
        return node

    def unexpected_after_expression(self):
        t = self.tok
        if t.kind == "RP":
            self.fail("unexpected ')': no '(' to close")
        if t.kind in _TERM_START or t.kind in ("LP", "FUNC"):
            self.fail(f"expected AND, OR or the end of the rule before {t.describe()}; two terms side by side need an "
                      "operator between them (to match words in a row, quote them as a phrase: \"freedom from fear\")")
        if t.kind == "NOT":
            self.fail("expected AND or OR before NOT (write: a AND NOT b)")
        if t.kind == "CMP":
            self.fail(f"a count ({t.value}) follows a single word, phrase or /regex/, e.g. fear >= 2")
        if t.kind == "COMMA":
            self.fail("unexpected ',' outside NEAR( ) or SEQ( )")
        self.fail(f"unexpected {t.describe()}")

    def or_(self) -> _Node:
        items = [self.and_()]
        while self.tok.kind == "OR":
            self.take()
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_(self) -> _Node:
        items = [self.not_()]
        while self.tok.kind == "AND":
            self.take()
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_(self) -> _Node:
        if self.tok.kind == "NOT":
            self.enter(self.take(), "NOTs")
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> _Node:
        t = self.tok
        if t.kind == "LP":
            self.enter(self.take(), "parentheses")
            if self.tok.kind == "RP":
                self.fail("empty parentheses: expected a rule inside ( )")
            node = self.or_()
            if self.tok.kind != "RP":
                if self.tok.kind == "EOF":
                    self.fail(f"expected ')' to close the '(' at column {t.start + 1}")
                self.unexpected_after_expression()
            self.take()
            self.depth -= 1
            return node
        if t.kind == "FUNC":
            return self.near()
        if t.kind in _TERM_START:
            term = self.term()
            if self.tok.kind == "CMP":
                op = self.take()
                if isinstance(term, (CodeRef, Meta)):
                    self.fail("a count applies to a word, a phrase or a /regex/, not to code: or meta:", op)
                return Count(term, op.value, self.integer(f"after '{op.value}'", minimum=0))
            if self.tok.kind == "EQ":
                self.fail("'=' is not a comparison; a count takes >=, > or == (e.g. fear >= 2)")
            return term
        if t.kind == "EOF":
            prev = self.toks[self.i - 1] if self.i else None
            after = f" after {prev.describe()}" if prev is not None else ""
            self.fail(f"expected a word, a \"phrase\", /regex/, code:, meta:, NEAR( or ({after}")
        if t.kind in ("AND", "OR"):
            self.fail(f"'{t.value}' needs a term on each side; expected a word, a \"phrase\", /regex/, code:, meta:, "
                      "NEAR( or ( before it")
        if t.kind == "RP":
            self.fail("unexpected ')': expected a term before it")
        if t.kind == "CMP":
            self.fail(f"a count ({t.value}) follows a word, e.g. fear >= 2")
        self.fail(f"unexpected {t.describe()}; expected a word, a \"phrase\", /regex/, code:, meta:, NEAR( or (")

    def integer(self, where: str, *, minimum: int) -> int:
        t = self.tok
        value = t.value.translate(_FULLWIDTH) if t.kind == "WORD" else ""
        if t.kind != "WORD" or not value.isascii() or not value.isdigit():
            self.fail(f"expected a whole number {where}, found {t.describe()}")
        self.take()
        n = int(value)
        if n < minimum:
            self.fail(f"expected a whole number of at least {minimum} {where}, found {n}", t)
        return n

    def near(self) -> Near:
        f = self.take()
        kind = f.value
        if self.tok.kind != "LP":  # the lexer only makes FUNC before '('
            self.fail(f"expected '(' after {kind}")
        self.take()
        a = self.group(kind, "first")
        self.expect_comma(kind, "then the second word")
        b = self.group(kind, "second")
        if self.tok.kind != "COMMA":
            self.fail(f"expected ',' and a distance (a whole number of words) in {kind}(a, b, N)")
        self.take()
        n = self.integer(f"for the distance in {kind}(a, b, N)", minimum=1)
        sentence = False
        if self.tok.kind == "COMMA":
            self.take()
            t = self.tok
            if t.kind != "WORD" or t.value.lower() != "sentence":
                self.fail(f"expected 'sentence' after the distance in {kind}(a, b, N, sentence), found {t.describe()}")
            self.take()
            sentence = True
        if self.tok.kind != "RP":
            self.fail(f"expected ')' to close {kind}(")
        self.take()
        return Near(kind, a, b, n, sentence)

    def expect_comma(self, kind: str, what: str) -> None:
        if self.tok.kind != "COMMA":
            self.fail(f"expected ',' {what} in {kind}(a, b, N)")
        self.take()

    def group(self, kind: str, which: str) -> tuple[Term, ...]:
        if self.tok.kind == "LP":
            self.take()
            items = [self.group_term(kind, which)]
            while self.tok.kind == "OR":
                self.take()
                items.append(self.group_term(kind, which))
            if self.tok.kind != "RP":
                self.fail(f"inside {kind}( ), a group lists words joined by '|': expected '|' or ')'")
            self.take()
            return tuple(items)
        return (self.group_term(kind, which),)

    def group_term(self, kind: str, which: str) -> Term:
        if self.tok.kind not in ("WORD", "FIELD", "PHRASE"):
            self.fail(f"expected the {which} word (or a group like (a | b)) in {kind}(a, b, N), found {self.tok.describe()}")
        term = self.term()
        if not isinstance(term, Term):
            self.fail(f"{kind}( ) takes words, phrases and groups of them, not {str(term)!r}", self.toks[self.i - 1])
        return term

    def term(self) -> _Node:
        t = self.take()
        if t.kind == "PHRASE":
            return self.phrase(t.value, "word", t)
        if t.kind == "REGEX":
            pattern, flags = t.value
            if not pattern:
                raise _Syntax("empty regular expression //", t.start)
            try:
                _compile_regex(pattern, flags)
            except PatternError as exc:
                pos = t.start + 1 + exc.offset
                raise _Syntax(f"bad regular expression: {exc.message}", min(pos, t.end - 1)) from None
            return Regex(pattern, flags, t.start)
        if t.kind == "FIELD":
            name, rest = t.value
            rest_at = t.end - len(rest)
            if name == "code":
                if not rest:
                    self.fail("expected a code id after 'code:' (e.g. code:freedoms.fear)", t)
                if not _CODE_ID.match(rest):
                    raise _Syntax(f"{rest!r} is not a code id (lower-case words of letters, digits and _ joined by dots)",
                                  rest_at)
                return CodeRef(rest, t.start)
            if name == "meta":
                if not rest:
                    self.fail("expected a column after 'meta:' (meta:COLUMN=VALUE, e.g. meta:sector=NGO)", t)
                if "*" in rest or ":" in rest or "/" in rest:
                    raise _Syntax(f"{rest!r} is not a metadata column name", rest_at)
                if self.tok.kind == "CMP" and self.tok.value == "==":
                    self.fail(f"write a single '=' in meta:{rest}=VALUE")
                if self.tok.kind != "EQ":
                    self.fail(f"expected '=' after meta:{rest} (meta:COLUMN=VALUE)")
                self.take()
                v = self.tok
                if v.kind == "PHRASE":
                    self.take()
                    return Meta(rest, v.value, t.start)
                if v.kind == "WORD" and v.start == self.toks[self.i - 1].end:
                    self.take()
                    return Meta(rest, v.value, t.start)
                self.fail(f"expected a value after 'meta:{rest}=' (quote a value with spaces)")
            # lemma: base: surface:
            if not rest:
                nxt = self.tok
                if nxt.kind == "PHRASE" and nxt.start == t.end:
                    self.take()
                    return self.phrase(nxt.value, name, nxt, offset=t.start)
                self.fail(f"expected a word after '{name}:' (e.g. {name}:守る)", nxt if nxt.start == t.end else t)
            return self.word(rest, rest_at, name, t.start)
        return self.word(t.value, t.start, "word", t.start)

    def phrase(self, text: str, fieldname: str, tok: _Tok, *, offset: int | None = None) -> Term:
        if not text.strip():
            raise _Syntax('empty phrase ""; put the words to match between the quotes', tok.start)
        for m in re.finditer(r"\S+", text):
            piece = m.group()
            inner = piece.strip("*")
            if not inner:
                raise _Syntax("'*' alone is not a word: a glob needs letters (e.g. secur*)", tok.start + 1 + m.start())
            if "*" in inner or piece.startswith("**") or piece.endswith("**"):
                raise _Syntax("'*' may stand only at the start or end of a word", tok.start + 1 + m.start())
        if self.tok.kind == "LB":
            self.fail("a [pos=...] filter applies to a single word, not to a quoted phrase")
        return Term(text, fieldname, quoted=True, offset=tok.start if offset is None else offset)

    def word(self, raw: str, at: int, fieldname: str, offset: int) -> Term:
        prefix = raw.endswith("*")
        suffix = raw.startswith("*")
        inner = raw.strip("*")
        if not inner:
            raise _Syntax("'*' alone is not a word: a glob needs letters (e.g. violen*)", at)
        if raw.startswith("**") or raw.endswith("**") or "*" in inner:
            bad = raw.find("*", 1) if raw.startswith("**") or "*" in inner else len(raw) - 1
            raise _Syntax("'*' may stand only at the start or end of a word (a glob over whole tokens)", at + bad)
        if prefix and suffix:
            raise _Syntax("a glob takes '*' at one end only (violen* or *violence)", at + len(raw) - 1)
        pos = None
        if self.tok.kind == "LB":
            lb = self.take()
            key = self.tok
            if key.kind != "WORD" or key.value.lower() != "pos":
                self.fail(f"unknown filter {key.describe()}; the only filter is [pos=...] (e.g. 保護[pos=名詞])")
            self.take()
            if self.tok.kind != "EQ":
                self.fail("expected '=' in [pos=...]")
            self.take()
            v = self.tok
            if v.kind != "WORD":
                self.fail("expected a part of speech after 'pos=' (e.g. [pos=名詞])")
            self.take()
            if self.tok.kind != "RB":
                self.fail(f"expected ']' to close the '[' at column {lb.start + 1}")
            self.take()
            if self.language != "ja":
                raise _Syntax(f"a [pos=...] filter needs Japanese part-of-speech tags; {self.language!r} tokens carry none",
                              lb.start)
            pos = v.value
        return Term(inner, fieldname, prefix=prefix, suffix=suffix, pos=pos, offset=offset)


# =========================================================================================
# Errors with a caret
# =========================================================================================


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _caret_error(message: str, text: str, offset: int, *, code=None, path=None, line=None) -> RuleSyntaxError:
    shown = "".join(" " if c in "\r\n\t" else c for c in text)
    pad = " " * _display_width(shown[:offset])
    err = RuleSyntaxError(f"rule syntax error: {message}\n  {shown}\n  {pad}^", path=path, line=line, code=code)
    err.offset = offset
    err.rule = text
    return err


# =========================================================================================
# Rules
# =========================================================================================


@dataclass(frozen=True)
class Rule:
    """A parsed rule: its syntax tree, ready to match units of text.

    Build one with :func:`parse_rule`. ``str(rule)`` is the rule in canonical form;
    ``rule.text`` is the rule as written.

    Example
    -------
    >>> r = parse_rule("NEAR((fear|threat*), violen*, 5) AND NOT meta:sector=government", language="en")
    >>> str(r)
    'NEAR((fear | threat*), violen*, 5) AND NOT meta:sector=government'
    >>> r.match("They live in fear of violence.", meta={"sector": "NGO"})
    [(13, 17), (21, 29)]
    """

    text: str
    root: _Node
    language: str
    code: str | None = _dc_field(default=None, compare=False)
    path: str | None = _dc_field(default=None, compare=False, repr=False)
    line: int | None = _dc_field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return str(self.root)

    @property
    def code_refs(self) -> list[str]:
        """Ids of the codes this rule refers to with ``code:``."""
        return list(dict.fromkeys(r.code for r in self.root.code_refs()))

    def match(self, text: str, *, meta: Mapping[str, Any] | None = None, speaker: str | None = None,
              codes: Mapping[str, Iterable[tuple[int, int]]] | Iterable[str] | None = None) -> list[tuple[int, int]] | None:
        """Match the rule against one unit of text.

        Parameters
        ----------
        text : str
            The unit (a sentence, a turn, a document).
        meta : mapping, optional
            Document metadata for ``meta:`` terms.
        speaker : str, optional
            The unit's speaker for ``meta:speaker=``.
        codes : mapping or iterable, optional
            Codes already applied to the unit for ``code:`` terms: ids, or ids mapped to their
            evidence spans.

        Returns
        -------
        list of (start, end) or None
            ``None`` when the rule does not match; otherwise the evidence, the character spans
            of the words that made it match, sorted (empty when only ``NOT``, ``meta:`` or
            ``code:`` terms matched).

        Example
        -------
        >>> parse_rule("守る", language="ja").match("人権が守られる社会")
        [(3, 5)]
        >>> parse_rule("code:freedoms.fear AND 暴力", language="ja").match("暴力の恐怖", codes=["freedoms.fear"])
        [(0, 2)]
        """
        if not isinstance(text, str):
            raise TypeError(f"Rule.match: text must be a string, not {type(text).__name__}")
        index = DocIndex(text, self.language)
        units = UnitSet(index, [0], [len(text)], meta=meta or {}, speakers=[speaker])
        if codes is not None:
            spans = codes.items() if isinstance(codes, Mapping) else ((c, ()) for c in codes)
            for code_id, sp in spans:
                units.set_code(code_id, np.array([True]), {0: sorted(tuple(s) for s in sp)})
        return _spans(self.root, units, 0)


def parse_rule(text: str, *, language: str, code: str | None = None, path: str | os.PathLike[str] | None = None,
               line: int | None = None) -> Rule:
    """Parse one coding rule.

    Parameters
    ----------
    text : str
        The rule, e.g. ``'NEAR(fear, violen*, 5)'`` or ``'人間の安全保障 AND 尊厳'``.
    language : {"en", "ja"}, keyword-only
        The language of the texts the rule is for (how words are tokenised and matched).
    code, path, line : optional, keyword-only
        The code id, the codebook file and its line, for error messages.

    Returns
    -------
    Rule

    Raises
    ------
    RuleSyntaxError
        With the file, line and code, the rule, and a caret under the offending position.

    Example
    -------
    >>> str(parse_rule("恐怖&!暴力|欠乏>=2", language="ja"))
    '恐怖 AND NOT 暴力 OR 欠乏 >= 2'
    >>> parse_rule("(fear OR want", language="en")
    Traceback (most recent call last):
    ...
    hsqual.errors.RuleSyntaxError: rule syntax error: expected ')' to close the '(' at column 1
      (fear OR want
                   ^
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_rule: the rule must be a string, not {type(text).__name__}")
    if language not in LANGUAGES:
        raise RuleSyntaxError(f"rules for language {language!r} cannot be tokenised; supported: {', '.join(LANGUAGES)}",
                              path=path, line=line, code=code)
    try:
        root = _Parser(text, language).parse()
    except _Syntax as exc:
        raise _caret_error(exc.message, text, exc.offset, code=code, path=path, line=line) from None
    return Rule(text, root, language, code, None if path is None else str(path), line)


def _codebook_path(codebook, code_id: str):
    for part in getattr(codebook, "parts", ()) or ():
        if code_id in part:
            return part.path
    return codebook.path


_PARSED: dict[tuple, Rule] = {}


def _parse_cached(text, language: str, code: str, path, line) -> Rule:
    """:func:`parse_rule`, remembered (a Rule is immutable): a codebook is parsed on every call
    of ``apply_codebook``. Rules that fail to parse are not remembered."""
    key = (text, language, code, None if path is None else str(path), line)
    try:
        got = _PARSED.get(key)
    except TypeError:  # an unhashable rule: parse_rule reports it
        return parse_rule(text, language=language, code=code, path=path, line=line)
    if got is None:
        got = parse_rule(text, language=language, code=code, path=path, line=line)
        if len(_PARSED) > 20_000:
            _PARSED.clear()
        _PARSED[key] = got
    return got


def _parse_codebook(codebook) -> dict[str, dict[str, list[Rule]]]:
    """Every rule of every code, parsed: ``{code_id: {lang: [Rule, ...]}}``."""
    out: dict[str, dict[str, list[Rule]]] = {}
    for c in codebook.codes:
        path = _codebook_path(codebook, c.id)
        per_lang = {}
        for lang, texts in c.rules.items():
            lines = tuple(c.rule_lines.get(lang, ())) if c.rule_lines else ()
            per_lang[lang] = [
                _parse_cached(t, lang, c.id, path, lines[i] if i < len(lines) else c.line)
                for i, t in enumerate(texts)
            ]
        out[c.id] = per_lang
    return out


def _ref_error(rule: Rule, ref: CodeRef, message: str) -> RuleSyntaxError:
    return _caret_error(message, rule.text, ref.offset, code=rule.code, path=rule.path, line=rule.line)


def _order(codebook, parsed: dict[str, dict[str, list[Rule]]]) -> list[str]:
    """Code ids in an order where every ``code:`` reference comes before its user."""
    ids = list(codebook.ids)
    known = set(ids)
    deps: dict[str, list[tuple[str, Rule, CodeRef]]] = {}
    for cid in ids:
        deps[cid] = []
        for rules in parsed[cid].values():
            for rule in rules:
                for ref in rule.root.code_refs():
                    if ref.code not in known:
                        close = difflib.get_close_matches(ref.code, ids, n=1)
                        hint = f" (did you mean {close[0]}?)" if close else ""
                        raise _ref_error(rule, ref, f"unknown code {ref.code!r} in code:{ref.code}{hint}; "
                                                    "code: refers to a code of the same codebook")
                    deps[cid].append((ref.code, rule, ref))
    order: list[str] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    for start in ids:  # depth-first, with a stack of its own: a chain of references may be long
        if state.get(start) is not None:
            continue
        state[start] = 1
        path = [start]
        stack = [iter(deps[start])]
        while stack:
            for dep, rule, ref in stack[-1]:
                if state.get(dep) == 1:
                    cycle = path[path.index(dep):] + [dep]
                    cycle = list(dict.fromkeys(cycle[:-1])) + [dep]
                    raise _ref_error(rule, ref, "code references form a cycle: " + " → ".join(cycle)
                                     + "; a code cannot depend on itself through code:")
                if state.get(dep) is None:
                    state[dep] = 1
                    path.append(dep)
                    stack.append(iter(deps[dep]))
                    break
            else:
                stack.pop()
                done = path.pop()
                state[done] = 2
                order.append(done)
    return order


def check_codebook_rules(codebook) -> None:
    """Parse every rule of every code, and check ``code:`` references.

    Raises :class:`~hsqual.errors.RuleSyntaxError` for the first rule that does not parse,
    refers to an unknown code or closes a cycle of references, naming the codebook file (for
    a merged codebook, the file the code comes from), the rule's line and the code.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="a", label={"en": "A"}, rules={"en": ("code:b",)}),
    ...                        Code(id="b", label={"en": "B"}, rules={"en": ("fear AND code:a",)})],
    ...               path="codebooks/demo.yaml")
    >>> check_codebook_rules(cb)
    Traceback (most recent call last):
    ...
    hsqual.errors.RuleSyntaxError: codebooks/demo.yaml: code 'b': rule syntax error: code references form a cycle: a → b → a; ...
      fear AND code:a
               ^
    """
    _order(codebook, _parse_codebook(codebook))


def code_order(codebook) -> list[str]:
    """The codebook's code ids, each after every code its rules refer to with ``code:``.

    Example
    -------
    >>> from hsqual.codebook import Code, Codebook
    >>> cb = Codebook("demo", [Code(id="both", label={}, rules={"en": ("code:fear AND code:want",)}),
    ...                        Code(id="fear", label={}, rules={"en": ("fear",)}),
    ...                        Code(id="want", label={}, rules={"en": ("want",)})])
    >>> code_order(cb)
    ['fear', 'want', 'both']
    """
    return _order(codebook, _parse_codebook(codebook))


# =========================================================================================
# Matching: a document's tokens indexed once, every unit matched over token ranges
# =========================================================================================


_NORM_MEMO: dict[str, str] = {}


def _norm(s: str) -> str:
    """Key for case- and width-insensitive comparison."""
    if s.isascii():
        return s.lower()
    out = _NORM_MEMO.get(s)
    if out is None:
        out = unicodedata.normalize("NFKC", s).casefold()
        if len(_NORM_MEMO) > 500_000:
            _NORM_MEMO.clear()
        _NORM_MEMO[s] = out
    return out


def _norm_surface(s: str) -> str:
    """Key for ``surface:`` (width-insensitive, case-sensitive)."""
    return s if s.isascii() else unicodedata.normalize("NFKC", s)


@dataclass(frozen=True)
class _Elem:
    """One token position of a compiled term: field, key, glob and pos filter."""

    field: str  # word | lemma | base | surface
    key: str
    glob: str | None = None  # None | "prefix" | "suffix"
    pos: str | None = None

    def __hash__(self) -> int:
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.field, self.key, self.glob, self.pos))
            object.__setattr__(self, "_hash", h)
        return h


_TERM_CACHE: dict[str, dict[Term, tuple[tuple[_Elem, ...], ...]]] = {}


def _tokens_of(text: str, language: str) -> list:
    from .tokenize import tokenize_arrays

    return tokenize_arrays(text, language=language, sentences=False).tokens()


def _elems_of_piece(piece: str, fieldname: str, language: str, pos: str | None) -> list[tuple[_Elem, ...]]:
    """Ways one space-free piece of a term can match (``*`` at an end makes a glob).

    The first alternative is one token holding the whole piece; when the tokenizer splits the
    piece into several tokens, the second is that token sequence (each token by its written
    base form; a glob's last (first) token by the prefix (suffix) of its surface). A
    ``[pos=...]`` filter applies to the single token, or to the last token of a sequence.
    """
    glob = "prefix" if piece.endswith("*") else "suffix" if piece.startswith("*") else None
    stem = piece.strip("*")
    key_norm = _norm_surface if fieldname == "surface" else _norm
    alts = [(_Elem(fieldname, key_norm(stem), glob, pos),)]
    toks = _tokens_of(stem, language)
    if len(toks) == 1 and fieldname == "word" and glob is None and toks[0].surface == stem:
        lemma = toks[0].lemma
        if lemma and _norm(lemma) != key_norm(stem):  # コミュニティ also finds コミュニティー
            alts.append((_Elem("lemma", _norm(lemma), None, pos),))
    if len(toks) > 1:
        elems = []
        for k, t in enumerate(toks):
            if fieldname == "lemma":
                key = t.lemma or t.surface
            elif fieldname == "surface":
                key = t.surface
            else:  # word, base
                key = t.base or t.surface
            g = None
            if glob == "prefix" and k == len(toks) - 1:
                g, key = "prefix", t.surface
            elif glob == "suffix" and k == 0:
                g, key = "suffix", t.surface
            p = pos if k == len(toks) - 1 else None
            elems.append(_Elem(fieldname, key_norm(key), g, p))
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
            seq: list[_Elem] = []
            for piece in pieces:  # each piece by its token sequence (or itself when one token)
                seq.extend(_elems_of_piece(piece, term.field, language, None)[-1])
            alts = [tuple(seq)]
    else:
        piece = ("*" if term.suffix else "") + term.text + ("*" if term.prefix else "")
        alts = _elems_of_piece(piece, term.field, language, term.pos)
    out = tuple(dict.fromkeys(alts))
    if len(cache) > 100_000:
        cache.clear()
    cache[term] = out
    return out


class _Lookup:
    """Normalised word -> token positions of one token field (or several) of a document.

    Built per distinct form, not per token: each distinct form is normalised once, every token
    gets the number of its normalised form, and one sort groups the positions by word.
    """

    def __init__(self, columns: list[list[str]], norm) -> None:
        key_id: dict[str, int] = {}
        ids_parts, pos_parts = [], []
        first_ids = None
        for col in columns:
            forms = dict.fromkeys(col)
            for form in forms:
                forms[form] = key_id.setdefault(norm(form), len(key_id))
            ids = np.fromiter(map(forms.__getitem__, col), dtype=np.int64, count=len(col))
            if first_ids is None:
                first_ids = ids
                ids_parts.append(ids)
                pos_parts.append(np.arange(len(col), dtype=np.int64))
            else:  # a token is listed once under each of its distinct forms
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
        else:
            order = np.argsort(ids, kind="stable")
            ids, pos = ids[order], pos[order]
        self._positions = pos
        self._bounds = np.searchsorted(ids, np.arange(len(key_id) + 1), "left").tolist()
        self._key_id = key_id
        self._sorted: list[str] | None = None
        self._rsorted: list[tuple[str, str]] | None = None

    @property
    def lists(self) -> dict[str, list[int]]:
        """Every word and the positions of its tokens (for inspection)."""
        b = self._bounds
        return {k: self._positions[b[i]:b[i + 1]].tolist() for k, i in self._key_id.items()}

    def get(self, key: str) -> np.ndarray | None:
        """Sorted positions of the tokens holding ``key`` (None when there are none)."""
        i = self._key_id.get(key)
        if i is None:
            return None
        return self._positions[self._bounds[i]:self._bounds[i + 1]]

    def glob(self, key: str, kind: str) -> list[str]:
        """The words starting (``prefix``) or ending (``suffix``) with ``key``."""
        if kind == "prefix":
            if self._sorted is None:
                self._sorted = sorted(self._key_id)
            words = self._sorted
            lo = bisect.bisect_left(words, key)
            hi = bisect.bisect_left(words, key + "\U0010ffff")
            return words[lo:hi]
        if self._rsorted is None:
            self._rsorted = sorted((w[::-1], w) for w in self._key_id)
        rkey = key[::-1]
        lo = bisect.bisect_left(self._rsorted, (rkey,))
        hi = bisect.bisect_left(self._rsorted, (rkey + "\U0010ffff",))
        return [w for _, w in self._rsorted[lo:hi]]


_PUNCT_POS = ("補助記号", "空白", "記号")


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
            raise ValueError(f"cannot match rules in language {language!r}; supported: {', '.join(LANGUAGES)}")
        self.text = text
        self.language = language
        if tokens is None:
            from .tokenize import tokenize_arrays

            tokens = tokenize_arrays(text, language=language, sentences=False)
        self.surface: list[str] = tokens.surfaces
        self.lemma: list[str] = tokens.lemmas
        self.base: list[str] = tokens.bases
        pos1 = tokens.pos
        self._pos1, self._pos2 = pos1, tokens.pos2
        self._pos: list[str] | None = None
        self.starts = np.asarray(tokens.starts, dtype=np.int64)
        self.ends = np.asarray(tokens.ends, dtype=np.int64)
        # word number of each token: punctuation does not count in NEAR/SEQ distances
        if language == "ja":
            import pandas as pd

            codes, uniques = pd.factorize(np.asarray(pos1, dtype=object)) if pos1 else (np.empty(0, np.int64), [])
            word_pos = np.array([not str(u).startswith(_PUNCT_POS) for u in uniques], dtype=bool)
            is_word = word_pos[codes] if len(codes) else np.empty(0, dtype=bool)
        else:
            is_word = np.fromiter((any(ch.isalnum() for ch in s) for s in self.surface), dtype=bool,
                                  count=len(self.surface))
        self.word_no = np.cumsum(is_word) - 1
        self.word_positions = np.flatnonzero(is_word)
        self._sentence: np.ndarray | None = None
        self._groups: dict[str, dict[str, np.ndarray]] = {}
        self._elem_cache: dict[_Elem, np.ndarray] = {}
        self._hits_cache: dict[Term, list[tuple[np.ndarray, int]]] = {}
        self._norm_text: tuple[str, np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def pos(self) -> list[str]:
        """Part of speech of each token as ``pos1-pos2`` (``名詞-固有名詞``); empty in English."""
        if self._pos is None:
            self._pos = [f"{a}-{b}" if b and b != "*" else a for a, b in zip(self._pos1, self._pos2)]
        return self._pos

    @property
    def sentence(self) -> np.ndarray:
        """The sentence number of each token (sentences as :func:`hsqual.segment.split_sentences` finds them)."""
        if self._sentence is None:
            from .segment import split_sentences

            sent_starts = np.asarray([a for a, _ in split_sentences(self.text, language=self.language)], dtype=np.int64)
            self._sentence = np.maximum(np.searchsorted(sent_starts, self.starts, "right") - 1, 0)
        return self._sentence

    def __len__(self) -> int:
        return len(self.surface)

    # -- lookups --------------------------------------------------------------------------
    def _group(self, name: str) -> _Lookup:
        g = self._groups.get(name)
        if g is None:
            if name == "word":  # lemma or written base form
                g = _Lookup([self.lemma] if self.language == "en" else [self.lemma, self.base], _norm)
            elif name == "surface":  # case-folded; surface: filters the case afterwards
                g = _Lookup([self.surface], _norm)
            elif name == "lemma":
                g = _Lookup([self.lemma], _norm)
            elif name == "base":
                g = _Lookup([self.base], _norm)
            else:
                raise KeyError(name)
            self._groups[name] = g
        return g

    def positions(self, elem: _Elem) -> np.ndarray:
        """Sorted positions of the tokens one element matches."""
        out = self._elem_cache.get(elem)
        if out is not None:
            return out
        field = elem.field
        key = elem.key if field != "surface" else _norm(elem.key)
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
        if not parts:
            out = _EMPTY
        elif len(parts) == 1:
            out = parts[0]
        else:
            out = np.unique(np.concatenate(parts))
        if field == "surface" and len(out):  # surface: is case-sensitive
            surf = self.surface
            out = out[np.fromiter((_norm_surface(surf[p]).startswith(elem.key) if elem.glob == "prefix"
                                   else _norm_surface(surf[p]).endswith(elem.key) if elem.glob == "suffix"
                                   else _norm_surface(surf[p]) == elem.key for p in out), dtype=bool, count=len(out))]
        if elem.pos and len(out):
            pos = self.pos
            out = out[np.fromiter((pos[p].startswith(elem.pos) for p in out), dtype=bool, count=len(out))]
        self._elem_cache[elem] = out
        return out

    def hits(self, term: Term) -> list[tuple[np.ndarray, int]]:
        """For each way a term can match: the first-token positions of its occurrences, and its
        length in tokens (ways that never occur are left out)."""
        got = self._hits_cache.get(term)
        if got is not None:
            return got
        got = []
        for elems in _compile_term(term, self.language):
            first = self.positions(elems[0])
            for j, e in enumerate(elems[1:], 1):
                if not len(first):
                    break
                first = np.intersect1d(first, self.positions(e) - j, assume_unique=True)
            if len(first):
                got.append((first, len(elems)))
        self._hits_cache[term] = got
        return got

    def normalized(self) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
        """The NFKC-normalised text; for each normalised character the start and end of the
        original characters it comes from; for each original offset (and ``len(text)``) the
        normalised offset."""
        if self._norm_text is None:
            self._norm_text = _normalize_with_map(self.text)
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
        from .tokenize import TokenArrays, tokenize_arrays

        texts = list(texts)
        bases, pos = [], 0
        for t in texts:
            bases.append(pos)
            pos += len(t) + 1
        parts = [tokenize_arrays(t, language=language, sentences=False) for t in texts]
        self.texts, self.bases = texts, bases
        self._token_counts = [len(a) for a in parts]

        def joined(name):
            if len(parts) == 1:  # one long document: its lists as they are, not a copy
                return getattr(parts[0], name)
            return [x for a in parts for x in getattr(a, name)]

        def shifted(name):
            arrays = [np.asarray(getattr(a, name), dtype=np.int64) + b for a, b in zip(parts, bases)]
            return np.concatenate(arrays) if arrays else _EMPTY

        tokens = TokenArrays(joined("surfaces"), joined("lemmas"), joined("bases"), joined("pos"), joined("pos2"),
                             shifted("starts"), shifted("ends"), [])
        super().__init__("\n".join(texts), language, tokens)

    @property
    def sentence(self) -> np.ndarray:
        """The sentence number of each token within its own text."""
        if self._sentence is None:
            from .segment import split_sentences

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
            self._norm_text = _normalize_with_map(self.texts[0])
        if self._norm_text is None:
            ntexts, n2o_s, n2o_e, o2n = [], [], [], []
            nbase = 0
            for k, (text, base) in enumerate(zip(self.texts, self.bases)):
                nt, s, e, m = _normalize_with_map(text)
                last = k == len(self.texts) - 1
                ntexts.append(nt)
                n2o_s.append(s + base)
                n2o_e.append(e + base)
                # the text's own offsets, then the joining line break (or the end of everything)
                o2n.append(m + nbase)
                if not last:
                    sep = base + len(text)
                    n2o_s.append(np.array([sep], dtype=np.int64))
                    n2o_e.append(np.array([sep + 1], dtype=np.int64))
                nbase += len(nt) + 1
            self._norm_text = ("\n".join(ntexts), np.concatenate(n2o_s) if n2o_s else _EMPTY,
                               np.concatenate(n2o_e) if n2o_e else _EMPTY,
                               np.concatenate(o2n) if o2n else np.zeros(1, dtype=np.int64))
        return self._norm_text


def _normalize_with_map(text: str) -> tuple[str, np.ndarray, np.ndarray, np.ndarray]:
    from .tokenize import normalize_for_matching

    t1 = normalize_for_matching(text)  # one character for one: offsets unchanged
    n = len(text)
    ident = np.arange(n + 1, dtype=np.int64)
    if unicodedata.is_normalized("NFKC", t1):
        return t1, ident[:-1], ident[1:], ident
    # what is left expands (… → ...) or combines with the character before (か + ゙ → が)
    combining, expanding = [], []
    for ch in set(t1):
        if unicodedata.combining(ch) or ch in "\uff9e\uff9f":
            combining.append(ch)
        elif unicodedata.normalize("NFKC", ch) != ch:
            expanding.append(ch)
    alts = []
    if combining:
        alts.append("." + "[" + "".join(map(re.escape, combining)) + "]+")
    if expanding:
        alts.append("[" + "".join(map(re.escape, expanding)) + "]")
    pieces: list[str] = []
    n2o_start: list[np.ndarray] = []
    n2o_end: list[np.ndarray] = []
    o2n = np.empty(n + 1, dtype=np.int64)
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
        pieces.append(chunk)
        n2o_start.append(np.full(len(chunk), a, dtype=np.int64))
        n2o_end.append(np.full(len(chunk), b, dtype=np.int64))
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


def _compile_regex(pattern: str, flags: str):
    """The RE2 pattern of a ``/regex/`` term (NFKC-normalised like the text it searches)."""
    return compile_regex(unicodedata.normalize("NFKC", pattern), ignore_case="i" in flags)


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
        self._norm_bounds: tuple[list[int], list[int]] | None = None

    def set_code(self, code_id: str, mask: np.ndarray, spans: dict[int, list[tuple[int, int]]]) -> None:
        self.code_masks[code_id] = mask
        self.code_spans[code_id] = spans

    # -- terms ------------------------------------------------------------------------------
    def term_counts(self, term: Term) -> np.ndarray:
        c = self._counts.get(term)
        if c is None:
            hits = self.index.hits(term)
            if not hits:
                c = self._zeros
            else:
                c = np.zeros(self.n, dtype=np.int64)
                for first, length in hits:
                    lo = np.searchsorted(first, self.i0, "left")
                    hi = np.searchsorted(first, self.i1 - length + 1, "left")
                    c += np.maximum(hi - lo, 0)
            self._counts[term] = c
        return c

    def term_ranges(self, term: Term, k: int) -> list[tuple[int, int]]:
        """(first token, last token) of each occurrence of a term in unit k."""
        out = []
        for first, length in self.index.hits(term):
            lo = np.searchsorted(first, self.i0[k], "left")
            hi = np.searchsorted(first, self.i1[k] - length + 1, "left")
            out.extend((int(p), int(p) + length - 1) for p in first[lo:max(lo, hi)])
        return out

    def group_ranges(self, group: tuple[Term, ...], k: int) -> list[tuple[int, int]]:
        """(first token, last token) of each occurrence of any term of a group in unit k, sorted
        and without repeats (the union of ``term_ranges`` over the group)."""
        firsts, lasts = self._group_occurrences(group)
        i1 = int(self.i1[k])
        lo = bisect.bisect_left(firsts, int(self.i0[k]))
        hi = bisect.bisect_left(firsts, i1, lo)
        return [(a, b) for a, b in zip(firsts[lo:hi], lasts[lo:hi]) if b < i1]

    def _group_occurrences(self, group: tuple[Term, ...]) -> tuple[list[int], list[int]]:
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
            if firsts:
                f, la = np.concatenate(firsts), np.concatenate(lasts)
                order = np.lexsort((la, f))
                f, la = f[order], la[order]
                keep = np.ones(len(f), dtype=bool)
                keep[1:] = (f[1:] != f[:-1]) | (la[1:] != la[:-1])
                got = (f[keep].tolist(), la[keep].tolist())
            else:
                got = ([], [])
            self._counts[key] = got
        return got

    def term_spans(self, term: Term, k: int) -> list[tuple[int, int]]:
        ix = self.index
        return [(int(ix.starts[a]), int(ix.ends[b])) for a, b in self.term_ranges(term, k)]

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

    def regex_counts(self, rx: Regex, *, stop_at: int | None = None) -> np.ndarray:
        key = (rx, stop_at)
        c = self._counts.get(key)
        if c is None:
            pat = rx.compiled
            ntext = self.index.normalized()[0]
            bounds = zip(*self._bounds_in_normalized())
            if stop_at == 1:
                search = pat.search
                c = np.fromiter((search(ntext[a:b]) is not None for a, b in bounds), dtype=np.int64, count=self.n)
            else:
                finditer = pat.finditer
                c = np.fromiter((sum(1 for _ in finditer(ntext[a:b])) for a, b in bounds), dtype=np.int64, count=self.n)
            self._counts[key] = c
        return c

    def regex_spans(self, rx: Regex, k: int) -> list[tuple[int, int]]:
        _, n2o_start, n2o_end, _ = self.index.normalized()
        text, a = self._unit_text(k)
        out = []
        for m in rx.compiled.finditer(text):
            s, e = a + m.start(), a + m.end()
            if e > s:
                out.append((int(n2o_start[s]), int(n2o_end[e - 1])))
            else:
                at = int(n2o_start[s]) if s < len(n2o_start) else len(self.index.text)
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
        want = _norm(m.value.strip())
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
    if _norm(text) == want:
        return True
    return ";" in text and any(_norm(p.strip()) == want for p in text.split(";"))


# -- evaluation: whole-document masks and per-unit evidence --------------------------------


def _mask(node: _Node, U: UnitSet) -> np.ndarray:
    """Which units a node matches (a boolean array over the units)."""
    if isinstance(node, Term):
        return U.term_counts(node) > 0
    if isinstance(node, Regex):
        return U.regex_counts(node, stop_at=1) > 0
    if isinstance(node, Count):
        c = U.term_counts(node.term) if isinstance(node.term, Term) else U.regex_counts(node.term)
        return {">=": c >= node.n, ">": c > node.n, "==": c == node.n}[node.op]
    if isinstance(node, Not):
        return ~_mask(node.item, U)
    if isinstance(node, And):
        m = _mask(node.items[0], U)
        for item in node.items[1:]:
            if not m.any():
                break
            m = m & _mask(item, U)
        return m
    if isinstance(node, Or):
        m = _mask(node.items[0], U)
        for item in node.items[1:]:
            m = m | _mask(item, U)
        return m
    if isinstance(node, Near):
        cand = _group_mask(node.a, U)
        if cand.any():
            cand = cand & _group_mask(node.b, U)
        out = np.zeros(U.n, dtype=bool)
        for k in np.flatnonzero(cand):
            out[k] = _near_pairs(node, U, int(k)) is not None
        return out
    if isinstance(node, CodeRef):
        m = U.code_masks.get(node.code)
        return np.zeros(U.n, dtype=bool) if m is None else m
    if isinstance(node, Meta):
        return U.meta_mask(node)
    raise TypeError(f"unknown rule node {node!r}")  # pragma: no cover


_ASSERTIONS = re.compile(r"\^|\$|\\[AZbB]|\(\?<?[=!]")


def _possible(node: _Node, U: UnitSet) -> bool:
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
        if _ASSERTIONS.search(node.pattern):  # anchors and lookarounds may hold only in a unit
            return True
        return node.compiled.search(U.index.normalized()[0]) is not None
    if isinstance(node, CodeRef):
        m = U.code_masks.get(node.code)
        return m is not None and bool(m.any())
    return True  # Not, Meta


def _possible_mask(node: _Node, U: UnitSet) -> np.ndarray:
    """Which units a node matches, after a cheap whole-document check."""
    return _mask(node, U) if _possible(node, U) else np.zeros(U.n, dtype=bool)


def _group_mask(group: tuple[Term, ...], U: UnitSet) -> np.ndarray:
    m = U.term_counts(group[0]) > 0
    for t in group[1:]:
        m = m | (U.term_counts(t) > 0)
    return m


def _group_hits(group: tuple[Term, ...], U: UnitSet, k: int) -> list[tuple[int, int]]:
    """(first token, last token) of every occurrence of any term of a group in unit k, sorted."""
    return U.group_ranges(group, k)


def _near_pairs(node: Near, U: UnitSet, k: int) -> list[tuple[int, int]] | None:
    """The occurrences (token ranges) that take part in a qualifying NEAR/SEQ pair, or None.

    For each occurrence ``a`` of the first group, the occurrences ``b`` of the second that
    pair with it form one run of ``B`` sorted by first token (``b`` after ``a``) and one run
    sorted by last token (``b`` before ``a``, NEAR only), since word numbers and sentence
    numbers never decrease within a unit: binary searches find the runs, so a document with
    thousands of occurrences of each takes O((|A| + |B|) log |B|), not |A| x |B|.
    """
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


def _spans(node: _Node, U: UnitSet, k: int) -> list[tuple[int, int]] | None:
    """The evidence of a node in unit k (sorted, overlaps merged), or None when it does not match."""
    out = _eval(node, U, k)
    return None if out is None else merge_spans(out)


def _eval(node: _Node, U: UnitSet, k: int) -> list[tuple[int, int]] | None:
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
        return [] if _eval(node.item, U, k) is None else None
    if isinstance(node, And):
        out: list[tuple[int, int]] = []
        for item in node.items:
            sp = _eval(item, U, k)
            if sp is None:
                return None
            out.extend(sp)
        return out
    if isinstance(node, Or):
        found = None
        for item in node.items:
            sp = _eval(item, U, k)
            if sp is not None:
                found = (found or []) + sp
        return found
    if isinstance(node, Near):
        pairs = _near_pairs(node, U, k)
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
